/*
 * proof: a quiz's proof experiment run with exactly the capabilities named (see proof.h).
 */
#include "proof.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* snprintf for messages that may be cut: a cut sentence is fine here. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

int proof_run(const struct lesson_proof *p, capmask caps, const struct check_options *opts,
              struct check_result *r, struct err *e)
{
    struct lesson_check c = {
        .id = "proof",
        .run = p->run,
        .probe = -1,
        .sandbox = &p->sandbox,
        .expect = p->expect,
    };
    return check_run_caps(&c, caps, opts, r, e);
}

int proof_compare(const struct lesson_quiz *q, capmask answer, const struct check_options *opts,
                  struct proof_comparison *out, struct err *e)
{
    if (!q->proof)
        return err_set(e, ERR_INVALID, "quiz %s has no proof experiment", q->id);
    if (q->kind != QUIZ_CAPABILITY && q->kind != QUIZ_CAPABILITY_SET)
        return err_set(e, ERR_INVALID,
                       "quiz %s is not about capabilities, so there is nothing "
                       "to prove",
                       q->id);
    memset(out, 0, sizeof *out);
    out->answer_caps = answer;
    out->key_caps = q->answer_caps;
    if (proof_run(q->proof, answer, opts, &out->answer, e) < 0)
        return -1;
    if (answer == q->answer_caps) { /* the same sandbox twice would show the same thing */
        out->key = out->answer;
        return 0;
    }
    return proof_run(q->proof, q->answer_caps, opts, &out->key, e);
}

static void names(capmask set, char *buf, size_t n)
{
    char *s = caps_to_names(set, ", ", true);
    say(buf, n, "%s", s && *s ? s : "no capabilities");
    free(s);
}

enum proof_verdict proof_judge(const struct proof_comparison *cmp, char *buf, size_t n)
{
    char answer[512], key[512];
    names(cmp->answer_caps, answer, sizeof answer);
    names(cmp->key_caps, key, sizeof key);
    const struct check_result *a = &cmp->answer, *k = &cmp->key;
    bool ran_a = a->status == CHECK_PASS || a->status == CHECK_FAIL;
    bool ran_k = k->status == CHECK_PASS || k->status == CHECK_FAIL;
    if (!ran_a || !ran_k) {
        const struct check_result *stuck = !ran_a ? a : k;
        say(buf, n, "The proof could not run here: %s", stuck->note);
        return PROOF_NOT_RUN;
    }
    if (k->status != CHECK_PASS) {
        say(buf, n,
            "The key (%s) does not pass the proof on this machine (%s), so it "
            "cannot judge your answer.",
            key, k->mismatch);
        return PROOF_KEY_FAILS;
    }
    if (a->status == CHECK_PASS) {
        capmask extra = cmp->answer_caps & ~cmp->key_caps;
        if (extra) {
            char more[512];
            names(extra, more, sizeof more);
            say(buf, n,
                "With %s the experiment works, but so it does with the key alone: "
                "%s %s more than it needs.",
                answer, more, caps_count(extra) == 1 ? "is" : "are");
        } else {
            say(buf, n, "With %s the experiment works, as with the key.", answer);
        }
        return PROOF_ANSWER_WORKS;
    }
    capmask missing = cmp->key_caps & ~cmp->answer_caps;
    char lack[512];
    names(missing, lack, sizeof lack);
    say(buf, n,
        "With %s the experiment fails (%s); with the key (%s) it works. "
        "Missing: %s.",
        answer, a->mismatch, key, lack);
    return PROOF_ANSWER_FAILS;
}
