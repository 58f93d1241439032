/*
 * cli_proof: print a proof comparison side by side (see cli_proof.h).
 */
#include "cli_proof.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "proof.h"

#define COLUMN 34

static const char *result_word(const struct check_result *r)
{
    switch (r->status) {
    case CHECK_PASS:
        return "works";
    case CHECK_FAIL:
        return "FAILS";
    default:
        return "not run";
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

static void row(FILE *f, const char *label, const char *left, const char *right)
{
    char l[COLUMN + 1], r[COLUMN + 1];
    cut(left, l);
    cut(right, r);
    fprintf(f, "  %-13s %-*s  %s\n", label, COLUMN, l, r);
}

static void status_text(const struct check_result *r, char *buf, size_t n)
{
    if (r->status != CHECK_PASS && r->status != CHECK_FAIL)
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

int cli_prove(FILE *f, const struct lesson_quiz *q, capmask answer)
{
    struct proof_comparison cmp;
    struct err e = {0};
    if (proof_compare(q, answer, NULL, &cmp, &e) < 0) {
        err_print(&e);
        return e.code == ERR_INVALID ? 2 : 1;
    }
    fprintf(f, "Proof: %s\n", q->proof->run);
    char expected[CHECK_TEXT];
    check_expect_describe(&q->proof->expect, false, expected, sizeof expected);
    fprintf(f, "%s\n\n", expected);

    char a[256], k[256];
    row(f, "", "your answer", "the key");
    cap_text(cmp.answer_caps, a, sizeof a);
    cap_text(cmp.key_caps, k, sizeof k);
    row(f, "capabilities", a, k);
    row(f, "result", result_word(&cmp.answer), result_word(&cmp.key));
    status_text(&cmp.answer, a, sizeof a);
    status_text(&cmp.key, k, sizeof k);
    row(f, "exit status", a, k);
    row(f, "stderr", cmp.answer.stderr_line[0] ? cmp.answer.stderr_line : "-",
        cmp.key.stderr_line[0] ? cmp.key.stderr_line : "-");

    char verdict[1024];
    enum proof_verdict v = proof_judge(&cmp, verdict, sizeof verdict);
    fprintf(f, "\n%s\n", verdict);
    if (v == PROOF_ANSWER_FAILS && cmp.answer.likely[0])
        fprintf(f, "%s\n", cmp.answer.likely);
    return v == PROOF_NOT_RUN ? 1 : 0;
}
