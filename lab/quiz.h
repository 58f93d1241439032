/*
 * quiz: grading a learner's answer to a lesson quiz (struct lesson_quiz, lesson.h),
 * and the state of one learner working on one question. No terminal, no printing.
 *
 * Kinds and what is accepted:
 *   QUIZ_CAPABILITY      one capability, in any spelling a person types: "net_bind_service",
 *                        "CAP_NET_BIND_SERVICE", " net bind service. ", "net-bind-service".
 *   QUIZ_CAPABILITY_SET  several, order-free: "SETUID, SETGID", "setuid setgid",
 *                        "net bind service; chown". Items are split on commas, semicolons
 *                        and newlines; without those, on whitespace, joining neighbouring
 *                        words when they spell one capability ("net bind service chown").
 *                        "the", "and", "plus", "capability(ies)" around names are ignored
 *                        ("the SETUID and SETGID capabilities").
 *                        Partial credit: score = |right| / |answer union key| (Jaccard),
 *                        so both missing and extra capabilities cost.
 *   QUIZ_CHOICE          one choice id ("b", "B", "(b)") or the exact text of a choice.
 *   QUIZ_MULTI_CHOICE    choice ids, order-free: "a,c", "a c", "A, C", "ac" (when every
 *                        id is one character). Partial credit as for capability sets.
 *   QUIZ_TEXT            free text; correct when any of the key's POSIX EREs matches
 *                        (case-insensitive, searched, not anchored unless the regex says so).
 *                        A feedback entry's answer is an ERE too (a string that is not a
 *                        valid ERE matches itself, case-insensitively).
 *
 * Verdicts:
 *   CORRECT    score 1.
 *   PARTIAL    a set that overlaps the key; 0 < score < 1.
 *   WRONG      a real answer that is not the key; score 0. Feedback is the lesson's targeted
 *              feedback for that answer when it has one, else a generic explanation (for
 *              capabilities: from the describe hook, see quiz_describe_fn).
 *   NEAR_MISS  looks like a typo of a real capability ("CAP_NET_BIND_SERVIC"): feedback is
 *              "did you mean CAP_NET_BIND_SERVICE?". Never accepted, and the attempt does
 *              not count (result.counts is false).
 *   INVALID    not an answer to this question at all (not a capability, not a choice, empty,
 *              two capabilities where one is asked). Does not count either.
 *
 * Ownership: quiz_grade fills a caller-owned struct quiz_result whose strings are malloc'd;
 * release them with quiz_result_release(). The quiz is only borrowed.
 */
#ifndef CAPLAB_QUIZ_H
#define CAPLAB_QUIZ_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "err.h"
#include "lesson.h"

enum quiz_verdict {
    QUIZ_VERDICT_CORRECT = 0,
    QUIZ_VERDICT_PARTIAL,
    QUIZ_VERDICT_WRONG,
    QUIZ_VERDICT_NEAR_MISS,
    QUIZ_VERDICT_INVALID,
};

/* One sentence saying what capability `cap` allows ("Bind a socket to a port below 1024."),
 * from the capability reference data; NULL when unknown. The string is borrowed: it must
 * stay valid until quiz_grade returns. `ctx` is passed through unchanged. */
typedef const char *(*quiz_describe_fn)(unsigned cap, void *ctx);

/* Optional grading context. A NULL pointer (or NULL describe) is fine: wrong capabilities
 * then get a generic sentence that names the capability and `caplab explain NAME`. */
struct quiz_grader {
    quiz_describe_fn describe;
    void *ctx;
};

struct quiz_result {
    enum quiz_verdict verdict;
    double score;    /* 0..1 */
    bool counts;     /* false for NEAR_MISS and INVALID: not an attempt */
    char *feedback;  /* malloc'd, never NULL after a successful grade; one or more sentences */
    char *canonical; /* malloc'd: the answer as graded, for records and statistics:
                        "NET_BIND_SERVICE", "SETGID,SETUID" (numeric order), "a,c", or the
                        trimmed text; for NEAR_MISS/INVALID the trimmed input */
    /* Capability kinds only. */
    capmask given;   /* the capabilities recognised in the answer */
    capmask missing; /* key - given */
    capmask extra;   /* given - key */
    /* Choice kinds only: bit i = choice i. */
    unsigned long long choices_given;
};

/* Grade `answer` against `q`. Returns 0 and fills *out (release it), or -1 with e set
 * when the quiz itself is broken (a regex that does not compile, no key) or out of memory. */
/* Longer answers (after trimming) are not graded: verdict INVALID, not an attempt. */
#define QUIZ_MAX_ANSWER 512

int quiz_grade(const struct lesson_quiz *q, const char *answer, const struct quiz_grader *g,
               struct quiz_result *out, struct err *e);

/* The grader the CLI and the tutor use: wrong capabilities are described from the shipped
 * capability reference (assets/capabilities.json, see capinfo.h); when that data cannot
 * be loaded, the generic sentence is used instead. Static; never NULL. */
const struct quiz_grader *quiz_default_grader(void);

void quiz_result_release(struct quiz_result *r);

/* "correct", "partial", "wrong", "near-miss", "invalid". */
const char *quiz_verdict_name(enum quiz_verdict v);
/* Inverse of quiz_verdict_name; -1 when unknown. */
int quiz_verdict_parse(const char *name);

/* "capability", "capability-set", "choice", "multi-choice", "text" (the lesson file's words). */
const char *quiz_kind_name(enum quiz_kind k);

/* The key in words for the learner, after a correct answer or giving up:
 * "CAP_SETGID, CAP_SETUID", "(b) the text", "a, c". Malloc'd; NULL only when out of memory.
 * For QUIZ_TEXT, the first accepted pattern. */
char *quiz_key_text(const struct lesson_quiz *q);

/*
 * One learner on one question. Plain data, so the tutor can keep it and progress.c can
 * save and restore it. Attempts that do not count (near misses, invalid) change nothing.
 * Once solved or given up, further answers are still graded but no longer recorded.
 */
struct quiz_attempt_state {
    unsigned attempts;    /* counted attempts */
    unsigned hints_shown; /* hints revealed, one at a time, in order */
    bool solved;
    bool gave_up;
    double best_score; /* best score of a counted attempt */
};

void quiz_state_init(struct quiz_attempt_state *s);

/* Record a graded answer. Returns true when it counted as an attempt. */
bool quiz_state_record(struct quiz_attempt_state *s, const struct quiz_result *r);

/* Reveal the next hint: returns it (borrowed from q) and counts it, or NULL when all hints
 * are shown. Hints stay available after the question is finished. */
const char *quiz_state_next_hint(struct quiz_attempt_state *s, const struct lesson_quiz *q);

/* Number of hints still hidden. */
size_t quiz_state_hints_left(const struct quiz_attempt_state *s, const struct lesson_quiz *q);

void quiz_state_give_up(struct quiz_attempt_state *s);

/* Solved or given up. */
bool quiz_state_finished(const struct quiz_attempt_state *s);

/* The explanation, once finished; NULL before (or when the quiz has none). Borrowed from q. */
const char *quiz_state_explanation(const struct quiz_attempt_state *s, const struct lesson_quiz *q);

#endif
