/* Unit tests for lab/lesson.c: the valid sample in detail, every file of the broken corpus
 * against its exact expected errors, courses, and the find functions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lesson.h"

#define BIT(name) CAPS_BIT(cap_number(name))

static unsigned cap_number(const char *name)
{
    unsigned cap = 999;
    struct err e = {0};
    assert_int_equal(caps_parse(name, &cap, &e), 0);
    return cap;
}

/* tests/data/lessons/REL, from the source tree ($CAPLAB_DATA in the test runner). */
static char *data_path(const char *rel)
{
    const char *root = getenv("CAPLAB_DATA");
    char *out = NULL;
    assert_true(asprintf(&out, "%s/tests/data/lessons/%s", root && *root ? root : ".", rel) > 0);
    return out;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len + 4096 > cap) {
            cap = cap ? cap * 2 : 8192;
            buf = realloc(buf, cap + 1);
            assert_non_null(buf);
        }
        size_t got = fread(buf + *len, 1, cap - *len, f);
        *len += got;
        if (got == 0)
            break;
    }
    fclose(f);
    buf[*len] = '\0';
    return buf;
}

static void write_file(const char *dir, const char *name, const char *text)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    free(path);
}

static struct lesson *load_sample(void)
{
    char *path = data_path("valid/sample.json");
    struct lesson_errors errs = {0};
    struct err e = {0};
    struct lesson *l = lesson_load(path, &errs, &e);
    for (size_t i = 0; i < errs.count; i++)
        print_message("unexpected: %s\n", errs.lines[i]);
    assert_non_null(l);
    assert_int_equal(errs.count, 0);
    assert_string_equal(l->path, path);
    free(path);
    return l;
}

static void test_sample_lesson(void **state)
{
    (void)state;
    struct lesson *l = load_sample();
    assert_string_equal(l->id, "sample");
    assert_string_equal(l->title, "A sample lesson: every step kind");
    assert_non_null(l->summary);
    assert_int_equal(l->minutes, 12);
    assert_int_equal(l->n_steps, 10);

    const struct lesson_step *s = l->steps;
    assert_int_equal(s[0].kind, STEP_TEXT);
    assert_string_equal(s[0].id, "intro");
    assert_string_equal(s[0].title, "Root is not one power");
    assert_non_null(strstr(s[0].body, "# Capabilities\n\n"));
    assert_null(s[1].title);

    /* The experiment: sandbox, try commands, two checks sharing its sandbox. */
    const struct lesson_step *ex = &s[2];
    assert_int_equal(ex->kind, STEP_EXPERIMENT);
    assert_int_equal(ex->sandbox.caps.baseline, CAPS_BASELINE_DOCKER);
    assert_int_equal(ex->sandbox.caps.drop, BIT("CHOWN"));
    assert_int_equal(ex->sandbox.caps.add, BIT("NET_ADMIN"));
    assert_int_equal(caps_resolve(&ex->sandbox.caps),
                     (caps_docker_defaults() & ~BIT("CHOWN")) | BIT("NET_ADMIN"));
    assert_null(ex->sandbox.user); /* "root" */
    assert_true(ex->sandbox.no_new_privs);
    assert_false(ex->sandbox.docker_sysctls);
    assert_string_equal(ex->sandbox.setup, "touch /srv/f");
    /* Privileged only: rootless without a subuid range cannot map nobody (lint --verify). */
    assert_int_equal(ex->sandbox.modes, LESSON_MODE_PRIVILEGED);
    assert_non_null(ex->sandbox.rootless_note);
    assert_int_equal(ex->n_try, 2);
    assert_string_equal(ex->try_cmds[0], "chown nobody /srv/f");
    assert_int_equal(ex->n_checks, 2);
    const struct lesson_check *c0 = &ex->checks[0];
    assert_string_equal(c0->id, "chown-fails");
    assert_string_equal(c0->run, "chown nobody /srv/f");
    assert_int_equal(c0->probe, -1);
    assert_string_equal(c0->tool, "chown");
    assert_ptr_equal(c0->sandbox, &ex->sandbox);
    assert_int_equal(c0->expect.outcome, OUTCOME_FAILURE);
    assert_int_equal(c0->expect.exit_code, -1);
    assert_string_equal(c0->expect.stderr_re, "Operation not permitted");
    assert_null(c0->expect.stdout_re);
    assert_int_equal(c0->expect.err_no, 0);
    assert_non_null(c0->message);
    const struct lesson_check *c1 = &ex->checks[1];
    assert_null(c1->run);
    assert_int_equal(c1->probe, (int)cap_number("CHOWN"));
    assert_int_equal(c1->expect.err_no, EPERM);
    assert_null(c1->title);
    assert_null(c1->message);

    /* A check step without a sandbox borrows the experiment's; "exit": 1 implies failure. */
    const struct lesson_step *borrow = &s[3];
    assert_int_equal(borrow->kind, STEP_CHECK);
    assert_int_equal(borrow->n_checks, 1);
    assert_string_equal(borrow->checks[0].id, "chown-again");
    assert_string_equal(borrow->checks[0].title, "The same sandbox, checked again");
    assert_ptr_equal(borrow->checks[0].sandbox, &ex->sandbox);
    assert_int_equal(borrow->sandbox.caps.drop, ex->sandbox.caps.drop);
    assert_string_equal(borrow->sandbox.setup, "touch /srv/f");
    assert_int_equal(borrow->checks[0].expect.exit_code, 1);
    assert_int_equal(borrow->checks[0].expect.outcome, OUTCOME_FAILURE);

    /* A check step with its own sandbox. */
    const struct lesson_step *own = &s[4];
    assert_ptr_equal(own->checks[0].sandbox, &own->sandbox);
    assert_int_equal(own->sandbox.caps.baseline, CAPS_BASELINE_NONE);
    assert_true(own->sandbox.caps.drop_all);
    assert_int_equal(caps_resolve(&own->sandbox.caps), 0);
    assert_string_equal(own->sandbox.user, "65534:65534");
    assert_int_equal(own->sandbox.modes, LESSON_MODE_PRIVILEGED);
    assert_non_null(own->sandbox.rootless_note);
    assert_string_equal(own->body, "An unprivileged user cannot bind a port below 1024.");
    const struct lesson_expect *x = &own->checks[0].expect;
    assert_int_equal(x->outcome, OUTCOME_ANY);
    assert_int_equal(x->exit_code, 1);
    assert_string_equal(x->stdout_re, "^$");
    assert_int_equal(x->err_no, EACCES);

    lesson_free(l);
}

static void test_sample_quizzes(void **state)
{
    (void)state;
    struct lesson *l = load_sample();
    const struct lesson_quiz *q = &l->steps[5].quiz;
    assert_int_equal(l->steps[5].kind, STEP_QUIZ);
    assert_string_equal(q->id, "sample-nc-80");
    assert_string_equal(l->steps[5].title, "Which capability?");
    assert_int_equal(q->kind, QUIZ_CAPABILITY);
    assert_int_equal(q->answer_caps, BIT("NET_BIND_SERVICE"));
    assert_int_equal(q->n_choices, 0);
    assert_int_equal(q->n_feedback, 2);
    assert_string_equal(q->feedback[0].answer, "NET_ADMIN");
    assert_int_equal(q->feedback[0].caps, BIT("NET_ADMIN"));
    assert_string_equal(q->feedback[1].answer, "CHOWN,NET_RAW");
    assert_int_equal(q->feedback[1].caps, BIT("NET_RAW") | BIT("CHOWN"));
    assert_int_equal(q->n_hints, 2);
    assert_string_equal(q->hints[1], "Look for BIND in the name.");
    assert_non_null(strstr(q->explanation, "**NET_BIND_SERVICE**"));
    assert_non_null(q->proof);
    assert_int_equal(q->proof->sandbox.caps.baseline, CAPS_BASELINE_NONE);
    assert_int_equal(q->proof->sandbox.caps.add, 0);
    assert_true(q->proof->sandbox.no_new_privs);
    assert_null(q->proof->sandbox.user);
    assert_string_equal(q->proof->run, "timeout 1 nc -l -p 80; [ $? -eq 124 ]");
    assert_int_equal(q->proof->expect.outcome, OUTCOME_SUCCESS);

    q = &l->steps[6].quiz;
    assert_int_equal(q->kind, QUIZ_CAPABILITY_SET);
    assert_int_equal(q->answer_caps, BIT("SETUID") | BIT("SETGID"));
    assert_int_equal(q->feedback[0].caps, BIT("SETUID"));
    assert_string_equal(q->feedback[0].answer, "SETUID");
    assert_non_null(q->proof); /* a sandbox with only modes: the other fields' defaults */
    assert_int_equal(q->proof->sandbox.caps.baseline, CAPS_BASELINE_NONE);
    assert_null(q->proof->sandbox.user);
    assert_null(q->proof->sandbox.setup);
    assert_int_equal(q->proof->sandbox.modes, LESSON_MODE_PRIVILEGED);
    assert_int_equal(q->proof->expect.outcome, OUTCOME_SUCCESS);
    assert_null(q->explanation);

    q = &l->steps[7].quiz;
    assert_int_equal(q->kind, QUIZ_CHOICE);
    assert_int_equal(q->n_choices, 3);
    assert_string_equal(q->choices[1].id, "b");
    assert_string_equal(q->choices[1].text, "Only CHOWN");
    assert_int_equal(q->n_answers, 1);
    assert_string_equal(q->answers[0], "b");
    assert_string_equal(q->feedback[0].answer, "a");
    assert_int_equal(q->feedback[0].caps, 0);
    assert_null(q->proof);

    q = &l->steps[8].quiz;
    assert_int_equal(q->kind, QUIZ_MULTI_CHOICE);
    assert_int_equal(q->n_answers, 2);
    assert_string_equal(q->answers[0], "a");
    assert_string_equal(q->answers[1], "c");
    assert_string_equal(q->feedback[0].answer, "b,c"); /* in the order of the choices */

    q = &l->steps[9].quiz;
    assert_int_equal(q->kind, QUIZ_TEXT);
    assert_int_equal(q->n_answers, 2);
    assert_string_equal(q->answers[0], "^yes\\b");
    assert_string_equal(q->feedback[0].answer, "no");
    lesson_free(l);
}

/* Splits text into lines (no trailing empty line). Returns the count; lines point into text. */
static size_t split_lines(char *text, char **lines, size_t max)
{
    size_t n = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && n < max;
         line = strtok_r(NULL, "\n", &save))
        lines[n++] = line;
    return n;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Every tests/data/lessons/broken/X.json is rejected with exactly the lines in X.expected. */
static void test_broken_corpus(void **state)
{
    (void)state;
    char *dir = data_path("broken");
    DIR *d = opendir(dir);
    assert_non_null(d);
    char *names[256];
    size_t n_names = 0;
    struct dirent *ent;
    while ((ent = readdir(d)) && n_names < 256) {
        size_t len = strlen(ent->d_name);
        if (len > 5 && strcmp(ent->d_name + len - 5, ".json") == 0)
            names[n_names++] = strdup(ent->d_name);
    }
    closedir(d);
    qsort(names, n_names, sizeof *names, compare_names);
    assert_true(n_names >= 30);

    size_t failures = 0;
    for (size_t i = 0; i < n_names; i++) {
        char *json_path = NULL, *expected_path = NULL;
        assert_true(asprintf(&json_path, "%s/%s", dir, names[i]) > 0);
        assert_true(asprintf(&expected_path, "%s/%.*s.expected", dir, (int)(strlen(names[i]) - 5),
                             names[i]) > 0);
        size_t len, expected_len;
        char *data = read_all(json_path, &len);
        char *expected = read_all(expected_path, &expected_len);
        assert_non_null(data);
        if (!expected)
            fail_msg("%s has no sibling .expected file", names[i]);

        /* Named by its base name, so the expected lines do not depend on where we run. */
        struct lesson_errors errs = {0};
        struct err e = {0};
        struct lesson *l = lesson_load_buffer(names[i], data, len, &errs, &e);
        char *want[64];
        size_t n_want = split_lines(expected, want, 64);
        bool same = l == NULL && errs.count == n_want && n_want > 0;
        for (size_t k = 0; same && k < n_want; k++)
            same = strcmp(errs.lines[k], want[k]) == 0;
        if (!same) {
            failures++;
            print_message("# %s: got %zu lines, expected %zu\n", names[i], errs.count, n_want);
            for (size_t k = 0; k < errs.count; k++)
                print_message("#   got:      %s\n", errs.lines[k]);
            for (size_t k = 0; k < n_want; k++)
                print_message("#   expected: %s\n", want[k]);
        }
        assert_int_equal(e.code, ERR_INVALID);
        if (n_want == 1)
            assert_string_equal(e.msg, want[0]);

        /* lesson_load from the path gives the same number of errors. */
        struct lesson_errors by_path = {0};
        assert_null(lesson_load(json_path, &by_path, NULL));
        assert_int_equal(by_path.count, errs.count);
        lesson_errors_release(&by_path);

        lesson_errors_release(&errs);
        assert_null(errs.lines);
        assert_int_equal(errs.count, 0);
        lesson_free(l);
        free(data);
        free(expected);
        free(json_path);
        free(expected_path);
        free(names[i]);
    }
    free(dir);
    assert_int_equal(failures, 0);
}

static void test_summary_without_error_list(void **state)
{
    (void)state;
    static const char two[] = "{\"format\": 3, \"id\": \"x\", \"title\": \"t\", \"steps\": []}";
    struct err e = {0};
    assert_null(lesson_load_buffer("two.json", two, strlen(two), NULL, &e));
    assert_int_equal(e.code, ERR_INVALID);
    assert_string_equal(e.msg, "two.json: 2 errors");

    static const char one[] = "{\"format\": 1, \"id\": \"x\", \"title\": \"t\", \"steps\": {}}";
    assert_null(lesson_load_buffer("one.json", one, strlen(one), NULL, &e));
    assert_string_equal(e.msg, "one.json: /steps: expected an array, got an object");

    /* Errors append to a list the caller keeps. */
    struct lesson_errors errs = {0};
    assert_null(lesson_load_buffer("one.json", one, strlen(one), &errs, NULL));
    assert_null(lesson_load_buffer("two.json", two, strlen(two), &errs, NULL));
    assert_int_equal(errs.count, 3);
    lesson_errors_release(&errs);
    lesson_errors_release(NULL);
}

static void test_missing_lesson_file(void **state)
{
    (void)state;
    struct lesson_errors errs = {0};
    struct err e = {0};
    assert_null(lesson_load("/nonexistent/caplab/lesson.json", &errs, &e));
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_int_equal(errs.count, 1);
    assert_string_equal(errs.lines[0], "/nonexistent/caplab/lesson.json: cannot read the file: "
                                       "No such file or directory");
    assert_string_equal(e.msg, errs.lines[0]);
    lesson_errors_release(&errs);
}

static void test_valid_course(void **state)
{
    (void)state;
    char *path = data_path("valid/course.json");
    char *dir = data_path("valid");
    struct lesson_errors errs = {0};
    struct err e = {0};
    struct course *c = course_load(path, &errs, &e);
    for (size_t i = 0; i < errs.count; i++)
        print_message("unexpected: %s\n", errs.lines[i]);
    assert_non_null(c);
    assert_string_equal(c->path, path);
    assert_string_equal(c->title, "Sample course");
    assert_int_equal(c->n_lessons, 2);
    assert_string_equal(c->lessons[0].id, "sample");
    assert_string_equal(c->lessons[1].id, "second");
    char *want = NULL;
    assert_true(asprintf(&want, "%s/second/second.json", dir) > 0);
    assert_string_equal(c->lessons[1].path, want);
    free(want);

    /* Moving lessons into the course keeps the borrowed sandbox pointers valid. */
    const struct lesson *sample = course_find_lesson(c, "sample");
    assert_ptr_equal(sample, &c->lessons[0]);
    assert_ptr_equal(sample->steps[3].checks[0].sandbox, &sample->steps[2].sandbox);
    assert_int_equal(sample->steps[3].checks[0].sandbox->caps.drop, BIT("CHOWN"));

    assert_ptr_equal(course_find_lesson(c, "second"), &c->lessons[1]);
    assert_null(course_find_lesson(c, "third"));
    assert_null(course_find_lesson(c, NULL));
    assert_null(course_find_lesson(NULL, "sample"));

    const struct lesson *owner = NULL;
    const struct lesson_quiz *q = course_find_quiz(c, "second-quiz", &owner);
    assert_non_null(q);
    assert_ptr_equal(owner, &c->lessons[1]);
    assert_int_equal(q->answer_caps, BIT("DAC_OVERRIDE"));
    q = course_find_quiz(c, "sample-text", &owner);
    assert_ptr_equal(owner, &c->lessons[0]);
    assert_int_equal(q->kind, QUIZ_TEXT);
    assert_non_null(course_find_quiz(c, "sample-choice", NULL));
    owner = &c->lessons[0];
    assert_null(course_find_quiz(c, "intro", &owner)); /* a text step, not a quiz */
    assert_null(owner);
    assert_null(course_find_quiz(c, "nope", NULL));

    course_free(c);
    course_free(NULL);
    lesson_free(NULL);
    free(path);
    free(dir);
}

/* A throwaway directory for course files. */
static char *make_temp_dir(void)
{
    char *dir = strdup("/tmp/caplab-test-lesson.XXXXXX");
    assert_non_null(mkdtemp(dir));
    return dir;
}

static void remove_temp_dir(char *dir)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.')
            continue;
        char *p = NULL;
        assert_true(asprintf(&p, "%s/%s", dir, ent->d_name) > 0);
        unlink(p);
        free(p);
    }
    closedir(d);
    assert_int_equal(rmdir(dir), 0);
    free(dir);
}

static const char lesson_a[] =
    "{\"format\": 1, \"id\": \"a\", \"title\": \"A\", \"steps\": ["
    "{\"kind\": \"text\", \"id\": \"intro\", \"body\": \"x\"},"
    "{\"kind\": \"quiz\", \"id\": \"shared\", \"type\": \"capability\", \"question\": \"?\", "
    "\"answer\": \"CHOWN\"}]}";
static const char lesson_b[] =
    "{\"format\": 1, \"id\": \"b\", \"title\": \"B\", \"steps\": ["
    "{\"kind\": \"text\", \"id\": \"intro\", \"body\": \"x\"},"
    "{\"kind\": \"text\", \"id\": \"more\", \"body\": \"x\"},"
    "{\"kind\": \"quiz\", \"id\": \"shared\", \"type\": \"capability\", \"question\": \"?\", "
    "\"answer\": \"KILL\"}]}";

/* Loads DIR/course.json expecting failure; returns the error lines joined by newlines. */
static char *course_errors(const char *dir)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/course.json", dir) > 0);
    struct lesson_errors errs = {0};
    struct err e = {0};
    assert_null(course_load(path, &errs, &e));
    assert_int_equal(e.code, ERR_INVALID);
    size_t len = 1;
    for (size_t i = 0; i < errs.count; i++)
        len += strlen(errs.lines[i]) + 1;
    char *out = calloc(1, len);
    assert_non_null(out);
    for (size_t i = 0; i < errs.count; i++) {
        strcat(out, errs.lines[i]);
        strcat(out, "\n");
    }
    lesson_errors_release(&errs);
    free(path);
    return out;
}

static void test_course_duplicate_quiz_id(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_file(dir, "a.json", lesson_a);
    write_file(dir, "b.json", lesson_b);
    write_file(dir, "course.json",
               "{\"format\": 1, \"title\": \"T\", \"lessons\": [\"a.json\", \"b.json\"]}");
    char *got = course_errors(dir);
    char *want = NULL;
    assert_true(asprintf(&want,
                         "%s/b.json: /steps/2/id: quiz id \"shared\" is already used in "
                         "%s/a.json (lesson \"a\")\n",
                         dir, dir) > 0);
    assert_string_equal(got, want);
    free(got);
    free(want);

    /* The same lesson listed twice: its id is taken. */
    write_file(dir, "course.json",
               "{\"format\": 1, \"title\": \"T\", \"lessons\": [\"a.json\", \"a.json\"]}");
    got = course_errors(dir);
    assert_non_null(strstr(got, "/a.json: /id: lesson id \"a\" is already used by "));
    free(got);
    remove_temp_dir(dir);
}

static void test_course_missing_and_broken_lessons(void **state)
{
    (void)state;
    char *dir = make_temp_dir();
    write_file(dir, "a.json", lesson_a);
    write_file(dir, "broken.json",
               "{\"format\": 1, \"id\": \"broken\", \"title\": \"B\", "
               "\"steps\": [{\"kind\": \"text\", \"id\": \"x\"}]}");
    write_file(dir, "course.json",
               "{\"format\": 1, \"title\": \"T\", \"colour\": \"red\",\n"
               " \"lessons\": [\"a.json\", \"missing.json\", \"broken.json\", 7]}");
    char *got = course_errors(dir);
    char *want = NULL;
    assert_true(
        asprintf(&want,
                 "%s/course.json: /: unknown key \"colour\" (expected one of: format, title, "
                 "lessons)\n"
                 "%s/course.json: /lessons/1: cannot read lesson file \"%s/missing.json\": No "
                 "such file or directory\n"
                 "%s/broken.json: /steps/0: missing required key \"body\"\n"
                 "%s/course.json: /lessons/3: expected a string, got an integer\n",
                 dir, dir, dir, dir, dir) > 0);
    assert_string_equal(got, want);
    free(got);
    free(want);

    write_file(dir, "course.json", "{\"format\": 1, \"title\": \"T\", \"lessons\": []}");
    got = course_errors(dir);
    assert_non_null(strstr(got, "course.json: /lessons: expected at least one lesson file\n"));
    free(got);

    write_file(dir, "course.json", "{\"format\": 1, \"title\": \"T\", \"lessons\": [\"a.json\",]}");
    got = course_errors(dir);
    assert_non_null(strstr(got, "course.json:1:49: trailing comma before ']'"));
    free(got);
    remove_temp_dir(dir);

    struct err e = {0};
    assert_null(course_load("/nonexistent/course.json", NULL, &e));
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/course.json: cannot read the file"));
}

/* The loader accepts every errno name of its table and maps it to the right value. */
static void test_errno_names(void **state)
{
    (void)state;
    struct {
        const char *name;
        int value;
    } cases[] = {{"EPERM", EPERM},   {"EACCES", EACCES},
                 {"ENOENT", ENOENT}, {"EINVAL", EINVAL},
                 {"ENOSYS", ENOSYS}, {"EOPNOTSUPP", EOPNOTSUPP},
                 {"EBUSY", EBUSY},   {"ECONNREFUSED", ECONNREFUSED},
                 {"EROFS", EROFS}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *json = NULL;
        assert_true(asprintf(&json,
                             "{\"format\": 1, \"id\": \"e\", \"title\": \"E\", \"steps\": "
                             "[{\"kind\": \"experiment\", \"id\": \"x\", \"sandbox\": {}, "
                             "\"checks\": [{\"id\": \"p\", \"probe\": \"CHOWN\", \"expect\": "
                             "{\"outcome\": \"failure\", \"errno\": \"%s\"}}]}]}",
                             cases[i].name) > 0);
        struct err e = {0};
        struct lesson *l = lesson_load_buffer("e.json", json, strlen(json), NULL, &e);
        if (!l)
            fail_msg("%s: %s", cases[i].name, e.msg);
        assert_int_equal(l->steps[0].checks[0].expect.err_no, cases[i].value);
        lesson_free(l);
        free(json);
    }
}

/* Each error line names the file and then either LINE:COL (syntax) or a JSON pointer. */
static void assert_error_lines_well_formed(const struct lesson_errors *errs, const char *name)
{
    assert_true(errs->count > 0);
    size_t n = strlen(name);
    for (size_t i = 0; i < errs->count; i++) {
        const char *line = errs->lines[i];
        assert_int_equal(strncmp(line, name, n), 0);
        unsigned l, c;
        char sep;
        bool syntax =
            sscanf(line + n, ":%u:%u%c", &l, &c, &sep) == 3 && sep == ':' && l >= 1 && c >= 1;
        bool semantic = strncmp(line + n, ": /", 3) == 0;
        if (!syntax && !semantic)
            fail_msg("malformed error line: %s", line);
    }
}

/* Every prefix of the sample and many single-byte mutations: never a crash (ASan watches),
 * never a lesson together with errors, never a failure without an error line. */
static void test_damaged_samples(void **state)
{
    (void)state;
    char *path = data_path("valid/sample.json");
    size_t len;
    char *data = read_all(path, &len);
    assert_non_null(data);
    for (size_t cut = 0; cut < len; cut++) {
        struct lesson_errors errs = {0};
        struct lesson *l = lesson_load_buffer("cut.json", data, cut, &errs, NULL);
        /* Only trailing whitespace may be missing from a valid prefix. */
        if (l) {
            assert_int_equal(errs.count, 0);
            for (size_t k = cut; k < len; k++)
                assert_true(data[k] == ' ' || data[k] == '\n');
        } else {
            assert_error_lines_well_formed(&errs, "cut.json");
        }
        lesson_free(l);
        lesson_errors_release(&errs);
    }
    static const char replacements[] = "{}[],:\"0a-\\ \n";
    unsigned seed = 12345;
    size_t loaded = 0, rejected = 0;
    char *copy = malloc(len);
    assert_non_null(copy);
    for (int round = 0; round < 3000; round++) {
        memcpy(copy, data, len);
        seed = seed * 1103515245u + 12345u;
        size_t at = (seed >> 8) % len;
        seed = seed * 1103515245u + 12345u;
        copy[at] = replacements[(seed >> 8) % (sizeof replacements - 1)];
        struct lesson_errors errs = {0};
        struct lesson *l = lesson_load_buffer("mutant.json", copy, len, &errs, NULL);
        if (l) {
            assert_int_equal(errs.count, 0);
            loaded++;
        } else {
            assert_error_lines_well_formed(&errs, "mutant.json");
            rejected++;
        }
        lesson_free(l);
        lesson_errors_release(&errs);
    }
    /* Both sides were exercised: the mutations hit syntax and values alike. */
    assert_true(loaded > 0);
    assert_true(rejected > 1000);
    free(copy);
    free(data);
    free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_lesson),
        cmocka_unit_test(test_sample_quizzes),
        cmocka_unit_test(test_broken_corpus),
        cmocka_unit_test(test_summary_without_error_list),
        cmocka_unit_test(test_missing_lesson_file),
        cmocka_unit_test(test_valid_course),
        cmocka_unit_test(test_course_duplicate_quiz_id),
        cmocka_unit_test(test_course_missing_and_broken_lessons),
        cmocka_unit_test(test_errno_names),
        cmocka_unit_test(test_damaged_samples),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
