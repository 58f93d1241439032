/*
 * lesson: the course format (v1) in memory, and its validating loader.
 *
 * The JSON format is documented in assets/lesson.schema.json and lessons/README.md.
 * A course file lists lesson files in order; each lesson is a list of steps:
 *     text        light markup (see markup.h)
 *     experiment  a sandbox description, commands to try, optional checks
 *     check       a command or built-in probe run in a sandbox, with an expectation
 *     quiz        a check-for-understanding question (see quiz.h for grading)
 *
 * Loading is all-or-nothing: a lesson with any error is not returned. Every error in
 * a file is collected (not only the first), one line each:
 *     FILE:LINE:COL: message             JSON syntax errors (and duplicate keys)
 *     FILE: /json/pointer: message       semantic errors, saying what was expected
 *
 * Ownership: a struct lesson / struct course owns every string and array inside it;
 * free it with lesson_free() / course_free(). Pointers into it stay valid until then.
 */
#ifndef CAPLAB_LESSON_H
#define CAPLAB_LESSON_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "err.h"

#define LESSON_FORMAT_VERSION 1

/* Where a step may run. A lesson marks steps that need real root. */
enum lesson_modes {
    LESSON_MODE_PRIVILEGED = 1 << 0,
    LESSON_MODE_ROOTLESS = 1 << 1,
    LESSON_MODE_BOTH = LESSON_MODE_PRIVILEGED | LESSON_MODE_ROOTLESS,
};

/* A sandbox as a lesson describes it (the "sandbox" object). */
struct lesson_sandbox {
    struct caps_request caps; /* baseline + cap_drop + cap_add, resolved with caps_resolve() */
    char *user;               /* NULL: root; else "NAME" or "UID[:GID]" */
    bool no_new_privs;
    bool docker_sysctls; /* Docker's ping_group_range and ip_unprivileged_port_start */
    char *setup;         /* NULL or a shell script run as root with all capabilities
                            inside the sandbox before the drop (prepare files, users) */
    unsigned modes;      /* enum lesson_modes; default LESSON_MODE_BOTH */
    char *rootless_note; /* NULL or what happens instead in rootless mode */
};

enum lesson_outcome {
    OUTCOME_ANY = 0,
    OUTCOME_SUCCESS, /* exit status 0 */
    OUTCOME_FAILURE, /* exit status != 0 (or a signal) */
};

/* What a check expects. Every field that is set must match. */
struct lesson_expect {
    enum lesson_outcome outcome;
    int exit_code;   /* -1: any */
    char *stdout_re; /* NULL or a POSIX extended regex searched in stdout */
    char *stderr_re; /* NULL or a POSIX extended regex searched in stderr */
    int err_no;      /* 0: any; else an errno value (EPERM ...) a probe must report */
};

struct lesson_check {
    char *id; /* unique within the lesson */
    char *title;
    char *run;                            /* shell command (sh -c), or NULL with a probe */
    int probe;                            /* capability number of a built-in probe, or -1 */
    char *tool;                           /* NULL or the program `run` needs ("ping"), so a missing
                                             tool is reported as such, never as a result */
    const struct lesson_sandbox *sandbox; /* borrowed from the lesson: the sandbox of the step
                                             the check belongs to */
    struct lesson_expect expect;
    char *message; /* shown when the result does not match; may be NULL */
};

enum quiz_kind {
    QUIZ_CAPABILITY = 0, /* one capability: "NET_BIND_SERVICE" */
    QUIZ_CAPABILITY_SET, /* a set, order-free, partial credit */
    QUIZ_CHOICE,         /* single choice among `choices` */
    QUIZ_MULTI_CHOICE,   /* several choices */
    QUIZ_TEXT,           /* free text matched against regexes */
};

struct lesson_choice {
    char *id; /* short id the learner types or picks: "a", "b", ... */
    char *text;
};

/* Targeted feedback for one specific wrong answer. */
struct lesson_feedback {
    char *answer; /* capability name (canonical), choice id, or text */
    capmask caps; /* for capability kinds: the answer as a set, else 0 */
    char *text;
};

/* An experiment that proves an answer: run with exactly the capabilities named. */
struct lesson_proof {
    struct lesson_sandbox sandbox; /* caps.baseline is NONE; the answer's caps are added */
    char *run;                     /* shell command */
    struct lesson_expect expect;   /* what success looks like */
};

struct lesson_quiz {
    char *id; /* unique across the course */
    enum quiz_kind kind;
    char *question; /* markup */
    struct lesson_choice *choices;
    size_t n_choices;
    capmask answer_caps; /* QUIZ_CAPABILITY(_SET): the key */
    char **answers;      /* QUIZ_CHOICE/MULTI: choice ids; QUIZ_TEXT: regexes (ERE, icase) */
    size_t n_answers;
    struct lesson_feedback *feedback;
    size_t n_feedback;
    char **hints;
    size_t n_hints;
    char *explanation;          /* markup */
    struct lesson_proof *proof; /* NULL or owned */
};

enum step_kind {
    STEP_TEXT = 0,
    STEP_EXPERIMENT,
    STEP_CHECK,
    STEP_QUIZ,
};

struct lesson_step {
    enum step_kind kind;
    char *id;    /* unique within the lesson */
    char *title; /* may be NULL for text steps */
    char *body;  /* markup; may be NULL */
    /* STEP_EXPERIMENT and STEP_CHECK */
    struct lesson_sandbox sandbox; /* a check step without its own uses the previous experiment's */
    char **try_cmds;               /* commands suggested to the learner */
    size_t n_try;
    struct lesson_check *checks;
    size_t n_checks;
    /* STEP_QUIZ */
    struct lesson_quiz quiz;
};

struct lesson {
    char *path; /* the file it came from */
    char *id;
    char *title;
    char *summary;
    unsigned minutes;
    struct lesson_step *steps;
    size_t n_steps;
};

struct course {
    char *path;
    char *title;
    struct lesson *lessons;
    size_t n_lessons;
};

/* A list of error lines (each "FILE:...: message"), owned by the list. */
struct lesson_errors {
    char **lines;
    size_t count;
};
void lesson_errors_release(struct lesson_errors *errs);

/* Load one lesson file. On failure returns NULL, appends every problem to errs
 * (if not NULL) and fills e with a summary ("FILE: 3 errors"). */
struct lesson *lesson_load(const char *path, struct lesson_errors *errs, struct err *e);

/* Same from a buffer; `name` is used in messages. */
struct lesson *lesson_load_buffer(const char *name, const char *data, size_t len,
                                  struct lesson_errors *errs, struct err *e);

/* Load a course file and all its lessons (paths relative to the course file), checking
 * quiz ids are unique across the course. All-or-nothing, like lesson_load. */
struct course *course_load(const char *path, struct lesson_errors *errs, struct err *e);

/* Find a lesson by id, a quiz by id (and its lesson). NULL when absent. */
const struct lesson *course_find_lesson(const struct course *c, const char *id);
const struct lesson_quiz *course_find_quiz(const struct course *c, const char *quiz_id,
                                           const struct lesson **lesson_out);

void lesson_free(struct lesson *l);
void course_free(struct course *c);

#endif
