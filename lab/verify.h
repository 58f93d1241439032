/*
 * verify: check a course against the real kernel. Every check of every experiment and
 * check step is run and compared with its expectation; every capability quiz with a proof
 * is run with its key (which must pass), with no capabilities, and, for a set, with the
 * key minus each of its capabilities (none of which may pass). A proof that passes without
 * the key cannot tell a right answer from a wrong one; a key that fails is wrong.
 *
 * Runs go to up to `jobs` worker processes at once (each forks its own sandbox); the
 * caller's report function sees the items in lesson order as soon as each is complete.
 * Steps run in the current mode: as root every step runs (rootless-only ones in a rootless
 * sandbox), otherwise privileged-only steps are skipped with the lesson's rootless_note.
 *
 * Ownership: items point into the lessons the caller passed (borrowed) and are only valid
 * during the report call. Nothing here prints.
 */
#ifndef CAPLAB_VERIFY_H
#define CAPLAB_VERIFY_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "check.h"
#include "err.h"
#include "lesson.h"

enum verify_kind {
    VERIFY_CHECK = 0, /* a lesson check */
    VERIFY_PROOF,     /* a quiz's proof with its key and without */
};

/* One sandbox run of an item. */
struct verify_run {
    capmask caps;    /* proofs: the set it ran with */
    bool want_match; /* proofs: must this run pass the proof (the key) or not? */
    struct check_result result;
};

struct verify_item {
    enum verify_kind kind;
    const struct lesson *lesson;
    const struct lesson_step *step;
    const struct lesson_check *check; /* VERIFY_CHECK */
    const struct lesson_quiz *quiz;   /* VERIFY_PROOF */
    enum check_status status;         /* PASS, FAIL, or why it could not be verified */
    char reason[CHECK_TEXT];          /* FAIL and not-run statuses: one sentence */
    struct verify_run *runs;          /* what was run (checks: one) */
    size_t n_runs;
    double seconds; /* the sum of the runs' times */
};

struct verify_options {
    struct check_options check;
    unsigned jobs; /* parallel sandboxes; 0: 4 */
};

struct verify_totals {
    size_t items;
    size_t passed;
    size_t failed;  /* FAIL and ERROR */
    size_t skipped; /* SKIPPED, MISSING_TOOL, UNSUPPORTED */
    size_t runs;    /* sandbox runs that reached a result */
};

typedef void (*verify_report_fn)(const struct verify_item *item, void *ctx);

/* Verify n lessons. Returns 0 when everything could be attempted (look at totals for the
 * verdict), -1 with e set on a system failure (out of memory, fork). */
int verify_lessons(const struct lesson *const *lessons, size_t n, const struct verify_options *o,
                   verify_report_fn report, void *ctx, struct verify_totals *totals, struct err *e);

/* The verdict of a proof item from its runs (pure; used by verify_lessons and its tests).
 * runs[0] is the key. Fills item->status and item->reason. */
void verify_judge_proof(struct verify_item *item);

#endif
