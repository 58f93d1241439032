/*
 * progress: one learner's progress through the course, kept on disk between sessions.
 *
 * File: DIR/progress.json, DIR = paths_state_dir() ($XDG_STATE_HOME/caplab, default
 * ~/.local/state/caplab), created 0700 when first written. Format version 1 (JSON):
 *
 *   {"format": "caplab-progress", "version": 1, "created": TS, "updated": TS,
 *    "lessons": {"LESSON-ID": {
 *        "started": TS, "updated": TS, "completed": TS (once every step is done),
 *        "steps_total": N (0: unknown), "seconds": N (time spent),
 *        "steps":   {"STEP-ID": TS, ...},                       when each step was done
 *        "checks":  {"CHECK-ID": {"passed": bool, "runs": N, "passes": N, "last": TS}},
 *        "quizzes": {"QUIZ-ID": {"attempts": N, "hints": N, "solved": bool, "gave_up": bool,
 *                                "score": 0..1 (best), "first": TS, "last": TS,
 *                                "answers": [{"answer": CANONICAL, "verdict": "wrong",
 *                                             "score": 0..1, "at": TS}, ...]}}}}}
 *   TS = "2026-12-03T16:02:22Z" (UTC). Only counted attempts are kept in "answers" (not
 *   near misses or invalid input), at most PROGRESS_MAX_ANSWERS per quiz (the latest).
 *
 * Legacy format 0 (caplab before the versioned format; no "version" key), migrated on open:
 *   {"done": ["LESSON-ID/STEP-ID", ...],
 *    "quizzes": {"LESSON-ID/QUIZ-ID": {"tries": N, "correct": bool, "answers": ["...", ...]}}}
 *   It had no timestamps: the file's modification time is used. When "correct" is true the
 *   last answer is taken as the correct one, the others as wrong. The original bytes are kept
 *   beside it as progress.json.v0-STAMP.
 *
 * Safety: every write goes to a temporary file in the same directory, is fsync'd, renamed over
 * progress.json and the directory fsync'd, so a crash leaves the old or the new file, never a
 * mix. A file that cannot be read or parsed is renamed to progress.json.corrupt-STAMP (never
 * overwritten, never deleted) and a fresh progress starts, with a warning for the user. A file
 * from a newer caplab (version > 1) is left alone and progress_open fails (ERR_UNSUPPORTED).
 *
 * Export: a portable record for an instructor (see report.h):
 *   {"format": "caplab-progress-export", "version": 1, "learner": NAME, "exported": TS,
 *    "progress": <the version 1 document above>}
 *
 * Several processes may share the file (the tutor, and `caplab answer` in another terminal):
 * every change takes an flock on DIR/progress.lock, reloads the file when another process has
 * saved it since, applies the change and saves, so no update is lost.
 *
 * The tutor calls the progress_record_* functions after every completed step, check and
 * answer; each one updates the memory copy and saves at once. If saving fails the memory copy
 * is still updated and -1 is returned (the caller warns; a later save may succeed).
 *
 * Ownership: struct progress is opaque; free it with progress_free(). Strings returned through
 * `char **` are malloc'd and owned by the caller. `const char *` fields in summaries point into
 * the progress and stay valid until the next change to it or progress_free().
 */
#ifndef CAPLAB_PROGRESS_H
#define CAPLAB_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "err.h"
#include "quiz.h"

#define PROGRESS_FORMAT_VERSION 1
#define PROGRESS_MAX_ANSWERS    50

struct progress;

/* Load DIR/progress.json (dir NULL: paths_state_dir()), or start an empty progress when there
 * is none. *notice (may be NULL) receives a malloc'd message for the user when something
 * happened on the way (a corrupt file moved aside, an old format migrated), else NULL.
 * Returns NULL with e set when the file can be neither used nor safely moved aside. */
struct progress *progress_open(const char *dir, char **notice, struct err *e);

/* Read an exported record (read-only: record functions fail on it). *learner gets a malloc'd
 * copy of the learner's name. NULL with e (ERR_INVALID, naming the file) when malformed. */
struct progress *progress_import(const char *path, char **learner, struct err *e);

void progress_free(struct progress *p);

/* The file this progress is saved to (NULL for an imported record). Borrowed. */
const char *progress_path(const struct progress *p);

/* Write the file now (the record functions already do). */
int progress_save(struct progress *p, struct err *e);

/* ---- recording (each saves) ---- */

/* The learner opened a lesson of n_steps steps (0: unknown). Sets "started" the first time. */
int progress_record_lesson(struct progress *p, const char *lesson, unsigned n_steps, struct err *e);
int progress_record_step(struct progress *p, const char *lesson, const char *step, struct err *e);
int progress_record_check(struct progress *p, const char *lesson, const char *check, bool passed,
                          struct err *e);
/* A graded answer and the question's state after quiz_state_record(). Only counted answers
 * (result->counts) are added to the list; the state (hints, solved, gave up) is always saved. */
int progress_record_answer(struct progress *p, const char *lesson, const char *quiz,
                           const struct quiz_result *result, const struct quiz_attempt_state *s,
                           struct err *e);
/* The state alone: after a hint or giving up. */
int progress_record_quiz_state(struct progress *p, const char *lesson, const char *quiz,
                               const struct quiz_attempt_state *s, struct err *e);
int progress_record_time(struct progress *p, const char *lesson, unsigned seconds, struct err *e);

/* Forget one lesson (or all with lesson NULL). The file as it was is first copied to
 * progress.json.before-reset-STAMP; *backup (may be NULL) gets that path. ERR_NOT_FOUND when
 * the lesson has no progress. */
int progress_reset(struct progress *p, const char *lesson, char **backup, struct err *e);

/* Write an export record for `learner` to path (atomically). */
int progress_export(const struct progress *p, const char *learner, const char *path, struct err *e);

/* ---- reading ---- */

bool progress_step_done(const struct progress *p, const char *lesson, const char *step);

/* The saved state of a quiz (for resuming); false and a zeroed state when there is none. */
bool progress_quiz_state(const struct progress *p, const char *lesson, const char *quiz,
                         struct quiz_attempt_state *out);

struct progress_lesson_summary {
    const char *lesson;
    unsigned steps_done, steps_total; /* steps_total 0: unknown */
    unsigned checks_run, checks_passed;
    unsigned quizzes_seen, quizzes_solved, quizzes_gave_up;
    double quiz_score; /* mean best score over quizzes seen; 0 when none */
    unsigned long seconds;
    time_t started, updated, completed; /* 0: never */
};

/* One summary per lesson with progress, in the order they were started. *out is malloc'd
 * (free it); its strings are borrowed from p. */
int progress_summaries(const struct progress *p, struct progress_lesson_summary **out, size_t *n,
                       struct err *e);

struct progress_answer {
    const char *answer;  /* canonical form (quiz_result.canonical) */
    const char *verdict; /* quiz_verdict_name() */
    double score;
    time_t at;
};

struct progress_quiz_info {
    const char *lesson, *quiz;
    struct quiz_attempt_state state;
    time_t first, last;
    struct progress_answer *answers; /* malloc'd by progress_quizzes */
    size_t n_answers;
};

/* Every quiz with progress, lesson by lesson. Free with progress_quizzes_free(). */
int progress_quizzes(const struct progress *p, struct progress_quiz_info **out, size_t *n,
                     struct err *e);
void progress_quizzes_free(struct progress_quiz_info *list, size_t n);

/* "2026-12-03T16:02:22Z" <-> time_t (UTC). format needs 21 bytes; parse returns 0 on error. */
void progress_format_time(time_t t, char buf[static 21]);
time_t progress_parse_time(const char *text);

#endif
