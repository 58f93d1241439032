/* Unit tests for lab/report.c: merging real exported records (made with progress.c) from
 * several learners, with a duplicate, garbage, a non-export and a missing file among them;
 * the three output formats. Works in a mkdtemp directory only. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <ftw.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "progress.h"
#include "report.h"

static char root[64];

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static unsigned cap_of(const char *name)
{
    unsigned cap = 0;
    assert_int_equal(caps_parse(name, &cap, NULL), 0);
    return cap;
}

static struct lesson_quiz nc_quiz, setid_quiz;

static void answer(struct progress *p, const struct lesson_quiz *q, struct quiz_attempt_state *s,
                   const char *text)
{
    struct quiz_result r;
    assert_int_equal(quiz_grade(q, text, NULL, &r, NULL), 0);
    quiz_state_record(s, &r);
    assert_int_equal(progress_record_answer(p, "drop-all", q->id, &r, s, NULL), 0);
    quiz_result_release(&r);
}

/* One learner's session in their own state directory, exported to ROOT/FILE. */
static void make_record(const char *name, const char *file, unsigned steps, const char **answers,
                        bool give_up_setid)
{
    char dir[128], path[128];
    snprintf(dir, sizeof dir, "%s/state-%s", root, file);
    snprintf(path, sizeof path, "%s/%s", root, file);
    struct err e = {0};
    struct progress *p = progress_open(dir, NULL, &e);
    assert_non_null(p);
    assert_int_equal(progress_record_lesson(p, "drop-all", 3, &e), 0);
    const char *step_ids[] = {"intro", "ping", "quiz"};
    for (unsigned i = 0; i < steps; i++)
        assert_int_equal(progress_record_step(p, "drop-all", step_ids[i], &e), 0);
    struct quiz_attempt_state s;
    quiz_state_init(&s);
    for (size_t i = 0; answers[i]; i++)
        answer(p, &nc_quiz, &s, answers[i]);
    if (give_up_setid) {
        quiz_state_init(&s);
        answer(p, &setid_quiz, &s, "SETUID");
        quiz_state_give_up(&s);
        assert_int_equal(progress_record_quiz_state(p, "drop-all", "setid", &s, &e), 0);
    }
    assert_int_equal(progress_record_time(p, "drop-all", 90 + steps, &e), 0);
    assert_int_equal(progress_record_lesson(p, "caps-intro", 2, &e), 0);
    assert_int_equal(progress_export(p, name, path, &e), 0);
    progress_free(p);
}

static void write_file(const char *name, const char *data)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", root, name);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    fclose(f);
}

static int setup(void **state)
{
    snprintf(root, sizeof root, "/tmp/caplab-report-test.XXXXXX");
    if (!mkdtemp(root))
        return -1;
    setenv("XDG_STATE_HOME", root, 1);
    nc_quiz = (struct lesson_quiz){.id = "nc-port-80",
                                   .kind = QUIZ_CAPABILITY,
                                   .answer_caps = CAPS_BIT(cap_of("NET_BIND_SERVICE"))};
    setid_quiz = (struct lesson_quiz){.id = "setid",
                                      .kind = QUIZ_CAPABILITY_SET,
                                      .answer_caps =
                                          CAPS_BIT(cap_of("SETUID")) | CAPS_BIT(cap_of("SETGID"))};
    const char *ada[] = {"NET_ADMIN", "CAP_NET_BIND_SERVIC", "net bind service", NULL};
    const char *bob[] = {"NET_ADMIN", "net_admin", "NET_RAW", NULL};
    const char *cy[] = {"NET_BIND_SERVICE", NULL};
    make_record("Ada Lovelace", "ada.json", 3, ada, true);
    make_record("Bob, \"the builder\"", "bob.json", 1, bob, false);
    make_record("Cy", "cy.json", 3, cy, false);
    make_record("Ada Lovelace", "ada-again.json", 2, cy, false);
    write_file("garbage.json", "this is not json");
    write_file("other.json", "{\"format\": \"something-else\"}");
    *state = NULL;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    nftw(root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    return 0;
}

static void build(struct report *r)
{
    const char *files[] = {"ada.json",       "garbage.json", "bob.json",  "missing.json",
                           "ada-again.json", "cy.json",      "other.json"};
    report_init(r);
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, "%s/%s", root, files[i]);
        struct err e = {0};
        assert_int_equal(report_add_file(r, path, &e), 0);
    }
    report_finish(r);
}

static const char *problem_about(const struct report *r, const char *file)
{
    for (size_t i = 0; i < r->n_problems; i++)
        if (strstr(r->problems[i], file))
            return r->problems[i];
    return NULL;
}

static void test_merge_with_bad_inputs(void **state)
{
    (void)state;
    struct report r;
    build(&r);
    assert_int_equal(r.n_learners, 3);
    assert_string_equal(r.learners[0], "Ada Lovelace");
    assert_int_equal(r.n_problems, 4);
    assert_non_null(strstr(problem_about(&r, "ada-again.json"), "second record for learner"));
    assert_non_null(strstr(problem_about(&r, "ada-again.json"), "ada.json"));
    assert_non_null(problem_about(&r, "garbage.json:1:"));
    assert_non_null(strstr(problem_about(&r, "other.json"), "not a caplab progress export"));
    assert_non_null(strstr(problem_about(&r, "missing.json"), "No such file"));

    /* Rows: sorted by learner, then lessons in the order first seen. */
    assert_int_equal(r.n_lessons, 2);
    assert_string_equal(r.lessons[0], "drop-all");
    assert_int_equal(r.n_rows, 6);
    assert_string_equal(r.rows[0].learner, "Ada Lovelace");
    assert_string_equal(r.rows[0].lesson, "drop-all");
    assert_string_equal(r.rows[1].lesson, "caps-intro");
    assert_true(r.rows[0].completed);
    assert_int_equal(r.rows[0].steps_done, 3);
    assert_int_equal(r.rows[0].quizzes_seen, 2);
    assert_int_equal(r.rows[0].quizzes_solved, 1);
    assert_true(fabs(r.rows[0].score - 0.75) < 0.001); /* (1 + 0.5) / 2 */
    assert_int_equal(r.rows[0].seconds, 93);
    assert_false(r.rows[1].completed);
    assert_string_equal(r.rows[2].learner, "Bob, \"the builder\"");
    assert_false(r.rows[2].completed);
    assert_int_equal(r.rows[2].steps_done, 1);
    assert_true(r.rows[2].score < 0.001);

    /* Questions. */
    assert_int_equal(r.n_questions, 2);
    const struct report_question *nc = &r.questions[0];
    assert_string_equal(nc->quiz, "nc-port-80");
    assert_int_equal(nc->learners, 3);
    assert_int_equal(nc->solved, 2);
    assert_int_equal(nc->attempts, 2 + 3 + 1); /* Ada's near miss did not count */
    assert_true(fabs(nc->success_rate - 2.0 / 3.0) < 0.001);
    assert_int_equal(nc->n_wrong, 2);
    assert_string_equal(nc->wrong[0].answer, "NET_ADMIN"); /* Ada and Bob (twice: once) */
    assert_int_equal(nc->wrong[0].learners, 2);
    assert_string_equal(nc->wrong[1].answer, "NET_RAW");
    assert_int_equal(nc->wrong[1].learners, 1);
    const struct report_question *setid = &r.questions[1];
    assert_string_equal(setid->quiz, "setid");
    assert_int_equal(setid->learners, 1);
    assert_int_equal(setid->gave_up, 1);
    assert_int_equal(setid->solved, 0);
    assert_string_equal(setid->wrong[0].answer, "SETUID");
    report_release(&r);
}

static char *render(const struct report *r, int (*writer)(const struct report *, FILE *))
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(writer(r, f), 0);
    fclose(f);
    return buf;
}

static void test_text_output(void **state)
{
    (void)state;
    struct report r;
    build(&r);
    char *text = render(&r, report_write_text);
    assert_non_null(strstr(text, "Class report: 3 learners, 2 lessons, 2 questions"));
    assert_non_null(strstr(text, "Learner"));
    assert_non_null(strstr(text, "3/3  yes"));
    assert_non_null(strstr(text, "1/3  no"));
    assert_non_null(strstr(text, "NET_ADMIN (2), NET_RAW (1)"));
    assert_non_null(strstr(text, "67%"));
    assert_non_null(strstr(text, "Skipped 4 files:"));
    assert_non_null(strstr(text, "garbage.json"));
    free(text);
    report_release(&r);
}

static void test_csv_output(void **state)
{
    (void)state;
    struct report r;
    build(&r);
    char *csv = render(&r, report_write_csv);
    assert_true(strncmp(csv, "learner,lesson,steps_done,steps_total,completed,", 48) == 0);
    assert_non_null(strstr(csv, "\r\nAda Lovelace,drop-all,3,3,yes,2,1,0.750,93\r\n"));
    assert_non_null(strstr(csv, "\r\n\"Bob, \"\"the builder\"\"\",drop-all,1,3,no,1,0,0.000,"));
    assert_non_null(strstr(csv, "\r\n\r\nlesson,quiz,learners,solved,gave_up,success_rate,"));
    assert_non_null(
        strstr(csv, "\r\ndrop-all,nc-port-80,3,2,0,0.667,6,NET_ADMIN (2); NET_RAW (1)\r\n"));
    free(csv);
    report_release(&r);
}

static void test_json_output(void **state)
{
    (void)state;
    struct report r;
    build(&r);
    char *text = render(&r, report_write_json);
    json_error_t jerr;
    json_t *doc = json_loads(text, 0, &jerr);
    assert_non_null(doc);
    assert_int_equal(json_array_size(json_object_get(doc, "learners")), 3);
    assert_int_equal(json_array_size(json_object_get(doc, "rows")), 6);
    assert_int_equal(json_array_size(json_object_get(doc, "problems")), 4);
    json_t *q = json_array_get(json_object_get(doc, "questions"), 0);
    assert_string_equal(json_string_value(json_object_get(q, "quiz")), "nc-port-80");
    assert_int_equal(json_integer_value(json_object_get(q, "solved")), 2);
    json_t *w = json_array_get(json_object_get(q, "wrong_answers"), 0);
    assert_string_equal(json_string_value(json_object_get(w, "answer")), "NET_ADMIN");
    assert_int_equal(json_integer_value(json_object_get(w, "learners")), 2);
    json_decref(doc);
    free(text);
    report_release(&r);
}

static void test_only_bad_inputs(void **state)
{
    (void)state;
    struct report r;
    report_init(&r);
    char path[128];
    snprintf(path, sizeof path, "%s/garbage.json", root);
    assert_int_equal(report_add_file(&r, path, NULL), 0);
    report_finish(&r);
    assert_int_equal(r.n_learners, 0);
    assert_int_equal(r.n_problems, 1);
    char *text = render(&r, report_write_text);
    assert_non_null(strstr(text, "0 learners"));
    free(text);
    report_release(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_with_bad_inputs),
        cmocka_unit_test(test_text_output),
        cmocka_unit_test(test_csv_output),
        cmocka_unit_test(test_json_output),
        cmocka_unit_test(test_only_bad_inputs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
