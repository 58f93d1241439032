/* Unit tests for lab/quiz.c: grading driven by tests/data/grading/cases.json, the describe
 * hook, broken quizzes, and the attempt state (hints, attempts, giving up). The quizzes are
 * built by hand from the JSON (the lesson loader is not under test here). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "quiz.h"

#define CASES_FILE "tests/data/grading/cases.json"

/* ---- building struct lesson_quiz from the test file ---- */

static char *xstrdup(const char *s)
{
    char *d = strdup(s);
    assert_non_null(d);
    return d;
}

static capmask caps_of(json_t *v)
{
    capmask set = 0;
    unsigned cap;
    if (json_is_string(v)) {
        assert_int_equal(caps_parse(json_string_value(v), &cap, NULL), 0);
        return CAPS_BIT(cap);
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        assert_int_equal(caps_parse(json_string_value(item), &cap, NULL), 0);
        set |= CAPS_BIT(cap);
    }
    return set;
}

static char **strings_of(json_t *v, size_t *n)
{
    if (!v) {
        *n = 0;
        return NULL;
    }
    if (json_is_string(v)) {
        char **out = calloc(1, sizeof *out);
        assert_non_null(out);
        out[0] = xstrdup(json_string_value(v));
        *n = 1;
        return out;
    }
    *n = json_array_size(v);
    char **out = calloc(*n ? *n : 1, sizeof *out);
    assert_non_null(out);
    for (size_t i = 0; i < *n; i++)
        out[i] = xstrdup(json_string_value(json_array_get(v, i)));
    return out;
}

static enum quiz_kind kind_of(const char *type)
{
    const enum quiz_kind kinds[] = {QUIZ_CAPABILITY, QUIZ_CAPABILITY_SET, QUIZ_CHOICE,
                                    QUIZ_MULTI_CHOICE, QUIZ_TEXT};
    for (size_t i = 0; i < 5; i++)
        if (strcmp(quiz_kind_name(kinds[i]), type) == 0)
            return kinds[i];
    fail_msg("unknown quiz type %s", type);
    return QUIZ_TEXT;
}

static void build_quiz(struct lesson_quiz *q, const char *id, json_t *def)
{
    memset(q, 0, sizeof *q);
    q->id = xstrdup(id);
    q->kind = kind_of(json_string_value(json_object_get(def, "type")));
    json_t *answer = json_object_get(def, "answer");
    if (q->kind == QUIZ_CAPABILITY || q->kind == QUIZ_CAPABILITY_SET)
        q->answer_caps = caps_of(answer);
    else
        q->answers = strings_of(answer, &q->n_answers);

    json_t *choices = json_object_get(def, "choices");
    q->n_choices = json_array_size(choices);
    if (q->n_choices) {
        q->choices = calloc(q->n_choices, sizeof *q->choices);
        assert_non_null(q->choices);
        for (size_t i = 0; i < q->n_choices; i++) {
            json_t *c = json_array_get(choices, i);
            q->choices[i].id = xstrdup(json_string_value(json_object_get(c, "id")));
            q->choices[i].text = xstrdup(json_string_value(json_object_get(c, "text")));
        }
    }

    json_t *feedback = json_object_get(def, "feedback");
    q->n_feedback = json_array_size(feedback);
    if (q->n_feedback) {
        q->feedback = calloc(q->n_feedback, sizeof *q->feedback);
        assert_non_null(q->feedback);
        for (size_t i = 0; i < q->n_feedback; i++) {
            json_t *f = json_array_get(feedback, i);
            json_t *fa = json_object_get(f, "answer");
            struct lesson_feedback *out = &q->feedback[i];
            if (q->kind == QUIZ_CAPABILITY || q->kind == QUIZ_CAPABILITY_SET) {
                out->caps = caps_of(fa);
                out->answer = caps_to_names(out->caps, ",", false);
            } else if (json_is_array(fa)) {
                size_t n;
                char **ids = strings_of(fa, &n);
                size_t len = 1;
                for (size_t k = 0; k < n; k++)
                    len += strlen(ids[k]) + 1;
                out->answer = calloc(1, len);
                for (size_t k = 0; k < n; k++) {
                    strcat(out->answer, k ? "," : "");
                    strcat(out->answer, ids[k]);
                    free(ids[k]);
                }
                free(ids);
            } else {
                out->answer = xstrdup(json_string_value(fa));
            }
            out->text = xstrdup(json_string_value(json_object_get(f, "text")));
        }
    }
    q->hints = strings_of(json_object_get(def, "hints"), &q->n_hints);
    json_t *expl = json_object_get(def, "explanation");
    q->explanation = expl ? xstrdup(json_string_value(expl)) : NULL;
}

static void free_quiz(struct lesson_quiz *q)
{
    free(q->id);
    for (size_t i = 0; i < q->n_choices; i++) {
        free(q->choices[i].id);
        free(q->choices[i].text);
    }
    free(q->choices);
    for (size_t i = 0; i < q->n_answers; i++)
        free(q->answers[i]);
    free(q->answers);
    for (size_t i = 0; i < q->n_feedback; i++) {
        free(q->feedback[i].answer);
        free(q->feedback[i].text);
    }
    free(q->feedback);
    for (size_t i = 0; i < q->n_hints; i++)
        free(q->hints[i]);
    free(q->hints);
    free(q->explanation);
}

struct fixture {
    json_t *root;
    struct lesson_quiz *quizzes;
    const char **ids;
    size_t n;
};

static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof *fx);
    json_error_t jerr;
    fx->root = json_load_file(CASES_FILE, JSON_REJECT_DUPLICATES, &jerr);
    if (!fx->root) {
        fprintf(stderr, "%s:%d:%d: %s\n", CASES_FILE, jerr.line, jerr.column, jerr.text);
        free(fx);
        return -1;
    }
    json_t *quizzes = json_object_get(fx->root, "quizzes");
    fx->n = json_object_size(quizzes);
    fx->quizzes = calloc(fx->n, sizeof *fx->quizzes);
    fx->ids = calloc(fx->n, sizeof *fx->ids);
    size_t i = 0;
    const char *id;
    json_t *def;
    json_object_foreach(quizzes, id, def)
    {
        fx->ids[i] = id;
        build_quiz(&fx->quizzes[i], id, def);
        i++;
    }
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *fx = *state;
    for (size_t i = 0; i < fx->n; i++)
        free_quiz(&fx->quizzes[i]);
    free(fx->quizzes);
    free(fx->ids);
    json_decref(fx->root);
    free(fx);
    return 0;
}

static const struct lesson_quiz *quiz_named(struct fixture *fx, const char *id)
{
    for (size_t i = 0; i < fx->n; i++)
        if (strcmp(fx->ids[i], id) == 0)
            return &fx->quizzes[i];
    fail_msg("no quiz %s in %s", id, CASES_FILE);
    return NULL;
}

static void expect_mask(const char *what, const char *case_desc, json_t *want, capmask got)
{
    if (!want)
        return;
    char *names = caps_to_names(got, ",", false);
    if (strcmp(names, json_string_value(want)) != 0) {
        print_error("%s: %s: expected \"%s\", got \"%s\"\n", case_desc, what,
                    json_string_value(want), names);
        free(names);
        fail();
    }
    free(names);
}

static void test_grading_cases(void **state)
{
    struct fixture *fx = *state;
    json_t *cases = json_object_get(fx->root, "cases");
    size_t i, failures = 0;
    json_t *c;
    assert_true(json_array_size(cases) >= 60);
    json_array_foreach(cases, i, c)
    {
        const char *quiz_id = json_string_value(json_object_get(c, "quiz"));
        const char *answer = json_string_value(json_object_get(c, "answer"));
        const char *want_verdict = json_string_value(json_object_get(c, "verdict"));
        const char *want_feedback = json_string_value(json_object_get(c, "feedback"));
        const char *must_not = json_string_value(json_object_get(c, "not"));
        char desc[256];
        snprintf(desc, sizeof desc, "case %zu (%s, \"%s\")", i, quiz_id, answer);

        struct quiz_result r;
        struct err e = {0};
        assert_int_equal(quiz_grade(quiz_named(fx, quiz_id), answer, NULL, &r, &e), 0);
        bool ok = true;
        if (strcmp(quiz_verdict_name(r.verdict), want_verdict) != 0) {
            print_error("%s: verdict %s, expected %s (feedback: %s)\n", desc,
                        quiz_verdict_name(r.verdict), want_verdict, r.feedback);
            ok = false;
        }
        if (!strstr(r.feedback, want_feedback)) {
            print_error("%s: feedback \"%s\" lacks \"%s\"\n", desc, r.feedback, want_feedback);
            ok = false;
        }
        if (must_not && strstr(r.feedback, must_not)) {
            print_error("%s: feedback \"%s\" should not say \"%s\"\n", desc, r.feedback, must_not);
            ok = false;
        }
        bool should_count =
            r.verdict != QUIZ_VERDICT_NEAR_MISS && r.verdict != QUIZ_VERDICT_INVALID;
        if (r.counts != should_count) {
            print_error("%s: counts=%d\n", desc, r.counts);
            ok = false;
        }
        json_t *score = json_object_get(c, "score");
        if (score && fabs(json_number_value(score) - r.score) > 0.001) {
            print_error("%s: score %.4f, expected %.4f\n", desc, r.score, json_number_value(score));
            ok = false;
        }
        json_t *canonical = json_object_get(c, "canonical");
        if (canonical && strcmp(json_string_value(canonical), r.canonical) != 0) {
            print_error("%s: canonical \"%s\", expected \"%s\"\n", desc, r.canonical,
                        json_string_value(canonical));
            ok = false;
        }
        expect_mask("missing", desc, json_object_get(c, "missing"), r.missing);
        expect_mask("extra", desc, json_object_get(c, "extra"), r.extra);
        if (!ok)
            failures++;
        quiz_result_release(&r);
    }
    assert_int_equal(failures, 0);
}

/* Every verdict and every kind appears in the data, so no rule goes untested. */
static void test_cases_cover_every_kind_and_verdict(void **state)
{
    struct fixture *fx = *state;
    json_t *cases = json_object_get(fx->root, "cases");
    unsigned verdicts = 0, kinds = 0;
    size_t i;
    json_t *c;
    json_array_foreach(cases, i, c)
    {
        int v = quiz_verdict_parse(json_string_value(json_object_get(c, "verdict")));
        assert_true(v >= 0);
        verdicts |= 1u << v;
        kinds |= 1u << quiz_named(fx, json_string_value(json_object_get(c, "quiz")))->kind;
    }
    assert_int_equal(verdicts, 0x1f);
    assert_int_equal(kinds, 0x1f);
}

static const char *fake_describe(unsigned cap, void *ctx)
{
    (void)ctx;
    return strcmp(caps_name(cap), "SYS_ADMIN") == 0 ? "Mount filesystems and much more." : NULL;
}

static void test_describe_hook(void **state)
{
    struct fixture *fx = *state;
    int calls = 0;
    struct quiz_grader g = {fake_describe, &calls};
    struct quiz_result r;
    assert_int_equal(quiz_grade(quiz_named(fx, "nc-port-80"), "sys_admin", &g, &r, NULL), 0);
    assert_int_equal(r.verdict, QUIZ_VERDICT_WRONG);
    assert_non_null(strstr(r.feedback, "CAP_SYS_ADMIN"));
    assert_non_null(strstr(r.feedback, "Mount filesystems and much more."));
    quiz_result_release(&r);
    /* No description: the generic sentence. Targeted feedback still wins over the hook. */
    assert_int_equal(quiz_grade(quiz_named(fx, "nc-port-80"), "kill", &g, &r, NULL), 0);
    assert_non_null(strstr(r.feedback, "caplab explain KILL"));
    quiz_result_release(&r);
    assert_int_equal(quiz_grade(quiz_named(fx, "nc-port-80"), "net_admin", &g, &r, NULL), 0);
    assert_non_null(strstr(r.feedback, "NET_ADMIN configures"));
    quiz_result_release(&r);
}

static void test_broken_quizzes_are_errors(void **state)
{
    (void)state;
    char *bad_re[] = {"(unclosed"};
    struct lesson_quiz q = {.id = "broken", .kind = QUIZ_TEXT, .answers = bad_re, .n_answers = 1};
    struct quiz_result r;
    struct err e = {0};
    assert_int_equal(quiz_grade(&q, "anything", NULL, &r, &e), -1);
    assert_int_equal(e.code, ERR_INVALID);
    assert_non_null(strstr(e.msg, "(unclosed"));
    assert_null(r.feedback);

    struct lesson_quiz nokey = {.id = "nokey", .kind = QUIZ_CAPABILITY};
    assert_int_equal(quiz_grade(&nokey, "CHOWN", NULL, &r, &e), -1);
    assert_non_null(strstr(e.msg, "nokey"));

    struct lesson_choice choices[] = {{"a", "x"}, {"b", "y"}};
    char *missing_id[] = {"z"};
    struct lesson_quiz badchoice = {.id = "bc",
                                    .kind = QUIZ_CHOICE,
                                    .choices = choices,
                                    .n_choices = 2,
                                    .answers = missing_id,
                                    .n_answers = 1};
    assert_int_equal(quiz_grade(&badchoice, "a", NULL, &r, &e), -1);
    assert_non_null(strstr(e.msg, "no existing choice"));
}

static void test_key_text(void **state)
{
    struct fixture *fx = *state;
    char *k = quiz_key_text(quiz_named(fx, "setid-pair"));
    assert_string_equal(k, "CAP_SETGID, CAP_SETUID");
    free(k);
    k = quiz_key_text(quiz_named(fx, "pick-one"));
    assert_string_equal(k, "(b) It fails with EPERM");
    free(k);
    k = quiz_key_text(quiz_named(fx, "pick-many"));
    assert_string_equal(k, "a, c");
    free(k);
}

static void grade_and_record(struct quiz_attempt_state *s, const struct lesson_quiz *q,
                             const char *answer, bool expect_counted)
{
    struct quiz_result r;
    assert_int_equal(quiz_grade(q, answer, NULL, &r, NULL), 0);
    assert_int_equal(quiz_state_record(s, &r), expect_counted);
    quiz_result_release(&r);
}

static void test_attempt_state(void **state)
{
    struct fixture *fx = *state;
    const struct lesson_quiz *q = quiz_named(fx, "nc-port-80");
    struct quiz_attempt_state s;
    quiz_state_init(&s);

    assert_null(quiz_state_explanation(&s, q));
    grade_and_record(&s, q, "CAP_NET_BIND_SERVIC", false); /* near miss: free */
    grade_and_record(&s, q, "potato", false);              /* invalid: free */
    assert_int_equal(s.attempts, 0);
    grade_and_record(&s, q, "NET_ADMIN", true);
    assert_int_equal(s.attempts, 1);
    assert_false(quiz_state_finished(&s));
    assert_null(quiz_state_explanation(&s, q));

    assert_int_equal(quiz_state_hints_left(&s, q), 2);
    assert_string_equal(quiz_state_next_hint(&s, q), "Ports below 1024 are privileged.");
    assert_int_equal(s.hints_shown, 1);
    assert_string_equal(quiz_state_next_hint(&s, q),
                        "Look for a capability with BIND in its name.");
    assert_null(quiz_state_next_hint(&s, q));
    assert_int_equal(s.hints_shown, 2);
    assert_int_equal(quiz_state_hints_left(&s, q), 0);

    grade_and_record(&s, q, "net bind service", true);
    assert_int_equal(s.attempts, 2);
    assert_true(s.solved);
    assert_false(s.gave_up);
    assert_true(s.best_score > 0.99);
    assert_string_equal(quiz_state_explanation(&s, q),
                        "Binding to port 80 needs CAP_NET_BIND_SERVICE.");
    /* Finished: later answers are graded but not recorded; giving up changes nothing. */
    grade_and_record(&s, q, "NET_RAW", false);
    quiz_state_give_up(&s);
    assert_int_equal(s.attempts, 2);
    assert_false(s.gave_up);
}

static void test_giving_up_shows_explanation(void **state)
{
    struct fixture *fx = *state;
    const struct lesson_quiz *q = quiz_named(fx, "setid-pair");
    struct quiz_attempt_state s;
    quiz_state_init(&s);
    grade_and_record(&s, q, "SETUID", true);
    assert_true(s.best_score > 0.49 && s.best_score < 0.51);
    assert_false(s.solved);
    quiz_state_give_up(&s);
    assert_true(s.gave_up);
    assert_true(quiz_state_finished(&s));
    assert_null(quiz_state_explanation(&s, q)); /* this quiz has none */
    const struct lesson_quiz *nc = quiz_named(fx, "nc-port-80");
    assert_non_null(quiz_state_explanation(&s, nc));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_grading_cases),
        cmocka_unit_test(test_cases_cover_every_kind_and_verdict),
        cmocka_unit_test(test_describe_hook),
        cmocka_unit_test(test_broken_quizzes_are_errors),
        cmocka_unit_test(test_key_text),
        cmocka_unit_test(test_attempt_state),
        cmocka_unit_test(test_giving_up_shows_explanation),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
