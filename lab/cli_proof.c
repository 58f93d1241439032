/*
 * cli_proof: print a proof comparison side by side (see cli_proof.h).
 */
#include "cli_proof.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"

#define COLUMN 34

bool cli_provable(const struct lesson_quiz *q)
{
    return q->proof && (q->kind == QUIZ_CAPABILITY || q->kind == QUIZ_CAPABILITY_SET);
}

int cli_prove_run(const struct lesson_quiz *q, capmask answer, struct proof_comparison *cmp)
{
    struct err e = {0};
    if (proof_compare(q, answer, NULL, cmp, &e) < 0) {
        err_print(&e);
        return -1;
    }
    return 0;
}

static const char *result_word(const struct check_result *r)
{
    switch (r->status) {
    case CHECK_PASS:
        return "works";
    case CHECK_FAIL:
        return "fails";
    default:
        return "not-run";
    }
}

/* text cut to the column width, with "..." when cut. */
static void cut(const char *text, char out[static COLUMN + 1])
{
    if (strlen(text) <= COLUMN)
        snprintf(out, COLUMN + 1, "%s", text);
    else
        snprintf(out, COLUMN + 1, "%.*s...", COLUMN - 3, text);
}

static void row(FILE *f, const char *prefix, const char *label, const char *left, const char *right)
{
    char l[COLUMN + 1], r[COLUMN + 1];
    cut(left, l);
    cut(right, r);
    fprintf(f, "%s  %-13s %-*s  %s\n", prefix, label, COLUMN, l, r);
}

static bool ran(const struct check_result *r)
{
    return r->status == CHECK_PASS || r->status == CHECK_FAIL;
}

static void status_text(const struct check_result *r, char *buf, size_t n)
{
    if (!ran(r))
        snprintf(buf, n, "-");
    else if (r->timed_out)
        snprintf(buf, n, "timed out");
    else if (r->term_signal)
        snprintf(buf, n, "signal %d", r->term_signal);
    else
        snprintf(buf, n, "%d", r->exit_code);
}

static void cap_text(capmask set, char *buf, size_t n)
{
    char *names = caps_to_names(set, ",", false);
    snprintf(buf, n, "%s", names && *names ? names : "(none)");
    free(names);
}

void cli_prove_print(FILE *f, const char *prefix, const struct lesson_quiz *q,
                     const struct proof_comparison *cmp)
{
    fprintf(f, "%sProof of %s: %s\n", prefix, q->id, q->proof->run);
    char expected[CHECK_TEXT];
    check_expect_describe(&q->proof->expect, false, expected, sizeof expected);
    fprintf(f, "%s%s\n%s\n", prefix, expected, prefix);

    char a[256], k[256];
    row(f, prefix, "", "your answer", "the key");
    cap_text(cmp->answer_caps, a, sizeof a);
    cap_text(cmp->key_caps, k, sizeof k);
    row(f, prefix, "capabilities", a, k);
    row(f, prefix, "result",
        ran(&cmp->answer) && cmp->answer.status == CHECK_FAIL ? "FAILS" : result_word(&cmp->answer),
        result_word(&cmp->key));
    status_text(&cmp->answer, a, sizeof a);
    status_text(&cmp->key, k, sizeof k);
    row(f, prefix, "exit status", a, k);
    row(f, prefix, "stderr", cmp->answer.stderr_line[0] ? cmp->answer.stderr_line : "-",
        cmp->key.stderr_line[0] ? cmp->key.stderr_line : "-");

    char verdict[1024];
    enum proof_verdict v = proof_judge(cmp, verdict, sizeof verdict);
    fprintf(f, "%s\n%s%s\n", prefix, prefix, verdict);
    if (v == PROOF_ANSWER_FAILS && cmp->answer.likely[0])
        fprintf(f, "%s%s\n", prefix, cmp->answer.likely);
}

static json_t *caps_json(capmask set)
{
    json_t *list = json_array();
    for (unsigned cap = 0; cap < 64; cap++)
        if ((set & CAPS_BIT(cap)) && caps_name(cap))
            json_array_append_new(list, json_string(caps_name(cap)));
    return list;
}

static json_t *run_json(capmask caps, const struct check_result *r)
{
    json_t *o = json_object();
    json_object_set_new(o, "caps", caps_json(caps));
    json_object_set_new(o, "result", json_string(result_word(r)));
    if (ran(r)) {
        json_object_set_new(o, "exit", json_integer(r->exit_code));
        json_object_set_new(o, "stderr", json_string(r->stderr_line));
    } else {
        json_object_set_new(o, "note", json_string(r->note));
    }
    return o;
}

json_t *cli_prove_json(const struct proof_comparison *cmp)
{
    static const char *const names[] = {"answer-works", "answer-fails", "key-fails", "not-run"};
    char summary[1024];
    enum proof_verdict v = proof_judge(cmp, summary, sizeof summary);
    json_t *o = json_object();
    json_object_set_new(o, "verdict", json_string(names[v]));
    json_object_set_new(o, "summary", json_string(summary));
    json_object_set_new(o, "answer", run_json(cmp->answer_caps, &cmp->answer));
    json_object_set_new(o, "key", run_json(cmp->key_caps, &cmp->key));
    return o;
}

int cli_prove(FILE *f, const struct lesson_quiz *q, capmask answer)
{
    if (!cli_provable(q)) {
        err_printf("quiz %s has no proof experiment for capabilities", q->id);
        return 2;
    }
    struct proof_comparison *cmp = malloc(sizeof *cmp);
    if (!cmp) {
        err_printf("out of memory");
        return 1;
    }
    int rc = 1;
    if (cli_prove_run(q, answer, cmp) == 0) {
        cli_prove_print(f, "", q, cmp);
        rc = ran(&cmp->answer) && ran(&cmp->key) ? 0 : 1;
    }
    free(cmp);
    return rc;
}
