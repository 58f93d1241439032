/*
 * proof: run a quiz's proof experiment (struct lesson_proof, lesson.h) with exactly a given
 * set of capabilities, and compare a learner's answer with the key side by side.
 *
 * A proof sandbox starts from nothing (baseline none) and holds exactly the capabilities
 * asked for; the proof's own sandbox object gives the user, no_new_privs, Docker's sysctls,
 * the set-up script and the modes. For a non-root proof user the set is also raised as
 * ambient, so that user really holds it. The run is judged like a check (check.h) against
 * the proof's expectation: CHECK_PASS means "this set of capabilities is enough".
 *
 * Results are plain data (see check.h). Nothing here prints.
 */
#ifndef CAPLAB_PROOF_H
#define CAPLAB_PROOF_H

#include <stdbool.h>

#include "caps.h"
#include "check.h"
#include "err.h"
#include "lesson.h"

/* Run proof p holding exactly `caps`. Returns 0 with *r filled (its status says whether
 * the expectation held, or why it could not run), -1 only when out of memory. */
int proof_run(const struct lesson_proof *p, capmask caps, const struct check_options *opts,
              struct check_result *r, struct err *e);

/* The learner's answer and the key, run one after the other. */
struct proof_comparison {
    capmask answer_caps;
    capmask key_caps;
    struct check_result answer;
    struct check_result key;
};

enum proof_verdict {
    PROOF_ANSWER_WORKS = 0, /* both pass: the answer is enough (it may still hold more) */
    PROOF_ANSWER_FAILS,     /* the key passes, the answer does not */
    PROOF_KEY_FAILS,        /* the key itself does not pass: the lesson or this machine */
    PROOF_NOT_RUN,          /* one side could not run (skipped, missing tool, no sandbox) */
};

/* Run q's proof with `answer` and with q->answer_caps, both at once (the answer's run in a
 * forked child). Fails with ERR_INVALID when q has no proof or is not a capability question. */
int proof_compare(const struct lesson_quiz *q, capmask answer, const struct check_options *opts,
                  struct proof_comparison *out, struct err *e);

/* What the comparison shows, and one sentence for the learner (buf). */
enum proof_verdict proof_judge(const struct proof_comparison *cmp, char *buf, size_t n);

#endif
