/*
 * check: run one lesson check (struct lesson_check, lesson.h) in the sandbox its step
 * describes and say whether the kernel agreed with the lesson.
 *
 * A command check runs `sh -c RUN` in a fresh sandbox built from the step's
 * struct lesson_sandbox (caps_resolve of its request, user, no_new_privs, Docker's
 * sysctls, its set-up script), with stdout and stderr captured and a timeout. The result
 * is compared with the check's struct lesson_expect:
 *     outcome   success = exit status 0; failure = anything else. A command that ran into
 *               the timeout never matches, unless exit 124 is expected explicitly.
 *     exit      the exact status as a shell reports it (126, 127, 128+signal).
 *     stdout, stderr  POSIX EREs searched in the whole captured text: ^ and $ anchor at
 *               its start and end, '.' also matches a newline.
 *     errno     for probes: the errno the probe reports (0 when it succeeded); for commands:
 *               its message, strerror's text ("Permission denied" for EACCES), in stderr.
 *
 * A check never passes by accident: a missing tool (check->tool not in the sandbox PATH,
 * or the shell's "not found" with exit 127 when 127 was not expected) is reported as
 * CHECK_MISSING_TOOL with the built-in probe that shows the same thing; a step marked
 * privileged-only is CHECK_SKIPPED in rootless mode (with its rootless_note); a machine
 * without namespaces gives CHECK_UNSUPPORTED with the sandbox's reason. Root runs a step
 * marked rootless-only in a rootless sandbox (in auto mode), so as root every step runs.
 *
 * When a command is refused (EPERM/EACCES in stderr, exit 126, or a probe's errno), the
 * result names the likely missing capability: the capabilities the command and its error
 * message point at (CAP_ names in the message, a small table of messages and commands, and
 * the "commands" of the capability reference data, capinfo.h), intersected with what the
 * sandbox lacks.
 *
 * A probe check (check->probe >= 0) runs the built-in probe (probes.h) in the step's
 * sandbox; a probe that cannot show anything on this kernel or in this mode is
 * CHECK_UNSUPPORTED with its reason.
 *
 * Results are plain fixed-size data (no pointers) so they can be sent through a pipe from
 * a worker process (see verify.h). Nothing here prints.
 */
#ifndef CAPLAB_CHECK_H
#define CAPLAB_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "err.h"
#include "lesson.h"
#include "sandbox.h"

/* The PATH inside every sandbox; a check's tool is looked up there. */
#define CHECK_SANDBOX_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Default time a check may take, in seconds. */
#define CHECK_DEFAULT_TIMEOUT 10.0

enum check_status {
    CHECK_PASS = 0,     /* it ran and matched the expectation */
    CHECK_FAIL,         /* it ran and the kernel contradicts the expectation */
    CHECK_MISSING_TOOL, /* the program it needs is not installed: no verdict */
    CHECK_SKIPPED,      /* not meant for this mode (privileged-only step, rootless here) */
    CHECK_UNSUPPORTED,  /* cannot run here at all: no namespaces, no probe module, ... */
    CHECK_ERROR,        /* the sandbox could not be built (its set-up script failed, ...) */
};

/* What a run produced: the input of the matcher. Strings are borrowed. */
struct check_observed {
    int exit_code; /* as a shell reports it */
    int term_signal;
    bool timed_out;
    const char *out; /* NULL counts as "" */
    const char *err;
    bool is_probe;
    int err_no; /* probes: the errno reported, 0 when the call succeeded */
};

/* Text sizes of a result. Long output is cut (with "...") to these. */
#define CHECK_TEXT   512
#define CHECK_OUTPUT 2048

struct check_result {
    enum check_status status;
    enum sandbox_mode mode; /* the mode it ran in (or would have) */
    int exit_code;
    int term_signal;
    bool timed_out;
    int err_no; /* probes */
    double seconds;
    capmask caps; /* the set the command held (for non-root users: the bounding set) */

    char expected[CHECK_TEXT];    /* "Expected: the command fails, stderr matching /.../." */
    char happened[CHECK_TEXT];    /* "It failed with exit status 1: chown: ...: Operation ..." */
    char mismatch[CHECK_TEXT];    /* FAIL: which part of the expectation did not hold */
    char stderr_line[CHECK_TEXT]; /* the relevant line of stderr, or "" */
    char note[CHECK_TEXT];        /* MISSING_TOOL/SKIPPED/UNSUPPORTED/ERROR: why, and what to do */
    capmask likely_caps;          /* refused: the capabilities that are the likely cause, or 0 */
    char likely[CHECK_TEXT];      /* refused: a sentence naming them, or "" */
    char missing_tool[64];        /* MISSING_TOOL: the program */

    char out[CHECK_OUTPUT]; /* captured output, cut */
    char err[CHECK_OUTPUT];
};

struct check_options {
    enum sandbox_mode mode; /* AUTO: privileged as root, else rootless */
    double timeout;         /* seconds; 0: CHECK_DEFAULT_TIMEOUT */
};

/* Run check c in c->sandbox and fill *r. Returns 0 whenever *r holds a status (including
 * FAIL, MISSING_TOOL, SKIPPED, UNSUPPORTED and ERROR); -1 only when out of memory, with e
 * set. opts may be NULL. */
int check_run(const struct lesson_check *c, const struct check_options *opts,
              struct check_result *r, struct err *e);

/* The same with an explicit capability set instead of the sandbox's request: `caps` is the
 * set held; for a non-root user it is also raised as ambient (the user really holds it).
 * Used by proofs (proof.h). */
int check_run_caps(const struct lesson_check *c, capmask caps, const struct check_options *opts,
                   struct check_result *r, struct err *e);

/* The matcher. True when o satisfies x; otherwise writes one sentence into why (if not
 * NULL) naming the first part that does not hold. A regex that does not compile never
 * matches (and says so). */
bool check_expect_match(const struct lesson_expect *x, const struct check_observed *o, char *why,
                        size_t n);

/* "Expected: the command fails with exit status 1 and stderr matching /x/." */
void check_expect_describe(const struct lesson_expect *x, bool is_probe, char *buf, size_t n);

/* "It failed with exit status 1: LINE." / "It succeeded." / "It ran out of time (10 s)." */
void check_describe_observed(const struct check_observed *o, char *buf, size_t n);

/* The line of stderr that explains a failure: the first one saying "not permitted",
 * "denied" or "not found", else the last non-empty line. Writes "" when there is none. */
void check_relevant_line(const char *errout, char *buf, size_t n);

/* Was this a refusal by the kernel (EPERM/EACCES in the message, exit 126, or a probe's
 * EPERM/EACCES)? */
bool check_is_refusal(const struct check_observed *o);

/* The capabilities a command and its error message point at, strongest hints first:
 * CAP_ names in the message, then known messages, then known commands. 0 when none. */
capmask check_hinted_caps(const char *command, const char *message);

/* The likely missing capabilities for a refusal: hints within `lacking` (what the process
 * did not hold). Writes a sentence into buf ("" when nothing can be said). */
capmask check_likely_caps(const char *command, const char *message, capmask lacking, bool non_root,
                          char *buf, size_t n);

/* Is `tool` an executable in CHECK_SANDBOX_PATH (or, with a '/', at that path)? */
bool check_tool_exists(const char *tool);

/* The sentence for a missing tool: "ping is not installed here (...); `caplab probe NET_RAW`
 * shows the same thing without ping." */
void check_missing_tool_note(const char *tool, char *buf, size_t n);

/* "pass", "FAIL", "missing tool", "skipped", "unsupported", "error". */
const char *check_status_name(enum check_status s);

#endif
