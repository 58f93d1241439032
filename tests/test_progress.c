/* Unit tests for lab/progress.c: recording and reloading, atomic writes under SIGKILL,
 * corrupt and unreadable files kept aside, a newer format left alone, migration from format 0,
 * reset with a backup, export and import. Every test works in its own mkdtemp directory with
 * XDG_STATE_HOME pointing there; the real home is never touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#define _XOPEN_SOURCE_EXTENDED 1
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "progress.h"

struct tmp {
    char root[64];  /* the mkdtemp directory (XDG_STATE_HOME) */
    char state[96]; /* ROOT/caplab */
    char file[128]; /* ROOT/caplab/progress.json */
};

static int setup(void **state)
{
    struct tmp *t = calloc(1, sizeof *t);
    snprintf(t->root, sizeof t->root, "/tmp/caplab-progress-test.XXXXXX");
    if (!mkdtemp(t->root))
        return -1;
    snprintf(t->state, sizeof t->state, "%s/caplab", t->root);
    snprintf(t->file, sizeof t->file, "%s/progress.json", t->state);
    setenv("XDG_STATE_HOME", t->root, 1);
    *state = t;
    return 0;
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static int teardown(void **state)
{
    struct tmp *t = *state;
    nftw(t->root, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(t);
    return 0;
}

static void write_file(const char *path, const char *data)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(data, f);
    assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n = getdelim(&buf, &cap, '\0', f);
    fclose(f);
    if (n < 0) {
        free(buf);
        return strdup("");
    }
    return buf;
}

/* Names in dir starting with prefix, joined by '\n' (malloc'd), and their count. */
static size_t files_with_prefix(const char *dir, const char *prefix, char *first, size_t n)
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strncmp(ent->d_name, prefix, strlen(prefix)) == 0) {
            if (count == 0 && first)
                snprintf(first, n, "%s/%s", dir, ent->d_name);
            count++;
        }
    }
    closedir(d);
    return count;
}

static struct progress *open_ok(struct tmp *t, char **notice)
{
    struct err e = {0};
    struct progress *p = progress_open(NULL, notice, &e);
    if (!p)
        fail_msg("progress_open: %s", e.msg);
    assert_string_equal(progress_path(p), t->file);
    return p;
}

static void answer(struct progress *p, const char *lesson, const struct lesson_quiz *q,
                   struct quiz_attempt_state *s, const char *text)
{
    struct quiz_result r;
    struct err e = {0};
    assert_int_equal(quiz_grade(q, text, NULL, &r, &e), 0);
    quiz_state_record(s, &r);
    assert_int_equal(progress_record_answer(p, lesson, q->id, &r, s, &e), 0);
    quiz_result_release(&r);
}

static unsigned cap_of(const char *name)
{
    unsigned cap = 0;
    assert_int_equal(caps_parse(name, &cap, NULL), 0);
    return cap;
}

/* A small session: a lesson of 3 steps, a check, a quiz answered twice with one typo. */
static void record_session(struct progress *p)
{
    struct err e = {0};
    struct lesson_quiz q = {.id = "nc-port-80",
                            .kind = QUIZ_CAPABILITY,
                            .answer_caps = CAPS_BIT(cap_of("NET_BIND_SERVICE"))};
    struct quiz_attempt_state s;
    quiz_state_init(&s);
    assert_int_equal(progress_record_lesson(p, "drop-all", 3, &e), 0);
    assert_int_equal(progress_record_step(p, "drop-all", "intro", &e), 0);
    assert_int_equal(progress_record_check(p, "drop-all", "ping-fails", false, &e), 0);
    assert_int_equal(progress_record_check(p, "drop-all", "ping-fails", true, &e), 0);
    assert_int_equal(progress_record_step(p, "drop-all", "ping", &e), 0);
    answer(p, "drop-all", &q, &s, "NET_ADMIN");
    answer(p, "drop-all", &q, &s, "CAP_NET_BIND_SERVIC"); /* near miss: not recorded */
    s.hints_shown = 1;
    assert_int_equal(progress_record_quiz_state(p, "drop-all", "nc-port-80", &s, &e), 0);
    answer(p, "drop-all", &q, &s, "net bind service");
    assert_int_equal(progress_record_step(p, "drop-all", "nc-port-80", &e), 0);
    assert_int_equal(progress_record_time(p, "drop-all", 125, &e), 0);
    assert_int_equal(progress_record_lesson(p, "second", 0, &e), 0);
}

static void expect_session(const struct progress *p)
{
    struct err e = {0};
    assert_true(progress_step_done(p, "drop-all", "intro"));
    assert_false(progress_step_done(p, "drop-all", "nope"));
    assert_false(progress_step_done(p, "nope", "intro"));

    struct quiz_attempt_state s;
    assert_true(progress_quiz_state(p, "drop-all", "nc-port-80", &s));
    assert_int_equal(s.attempts, 2);
    assert_int_equal(s.hints_shown, 1);
    assert_true(s.solved);
    assert_false(s.gave_up);
    assert_false(progress_quiz_state(p, "drop-all", "other", &s));
    assert_int_equal(s.attempts, 0);

    struct progress_lesson_summary *sum;
    size_t n;
    assert_int_equal(progress_summaries(p, &sum, &n, &e), 0);
    assert_int_equal(n, 2);
    assert_string_equal(sum[0].lesson, "drop-all");
    assert_int_equal(sum[0].steps_done, 3);
    assert_int_equal(sum[0].steps_total, 3);
    assert_int_equal(sum[0].checks_run, 1);
    assert_int_equal(sum[0].checks_passed, 1);
    assert_int_equal(sum[0].quizzes_seen, 1);
    assert_int_equal(sum[0].quizzes_solved, 1);
    assert_true(sum[0].quiz_score > 0.99);
    assert_int_equal(sum[0].seconds, 125);
    assert_true(sum[0].completed >= sum[0].started && sum[0].started > 0);
    assert_string_equal(sum[1].lesson, "second");
    assert_int_equal(sum[1].completed, 0);
    free(sum);

    struct progress_quiz_info *qs;
    assert_int_equal(progress_quizzes(p, &qs, &n, &e), 0);
    assert_int_equal(n, 1);
    assert_string_equal(qs[0].lesson, "drop-all");
    assert_string_equal(qs[0].quiz, "nc-port-80");
    assert_int_equal(qs[0].n_answers, 2);
    assert_string_equal(qs[0].answers[0].answer, "NET_ADMIN");
    assert_string_equal(qs[0].answers[0].verdict, "wrong");
    assert_string_equal(qs[0].answers[1].answer, "NET_BIND_SERVICE");
    assert_string_equal(qs[0].answers[1].verdict, "correct");
    assert_true(qs[0].answers[1].at > 0);
    progress_quizzes_free(qs, n);
}

static void test_record_and_reload(void **state)
{
    struct tmp *t = *state;
    char *notice = NULL;
    struct progress *p = open_ok(t, &notice);
    assert_null(notice);
    assert_int_equal(access(t->file, F_OK), -1); /* nothing written before the first record */
    record_session(p);
    expect_session(p);
    progress_free(p);

    struct stat st;
    assert_int_equal(stat(t->file, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(t->state, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0700);
    assert_int_equal(files_with_prefix(t->state, ".progress.json.", NULL, 0), 0);

    p = open_ok(t, &notice);
    assert_null(notice);
    expect_session(p);
    progress_free(p);
}

static void test_answers_are_capped(void **state)
{
    struct tmp *t = *state;
    struct progress *p = open_ok(t, NULL);
    struct lesson_quiz q = {.id = "q", .kind = QUIZ_CAPABILITY, .answer_caps = CAPS_BIT(0)};
    struct quiz_attempt_state s;
    quiz_state_init(&s);
    for (int i = 0; i < PROGRESS_MAX_ANSWERS + 7; i++)
        answer(p, "l", &q, &s, i % 2 ? "KILL" : "NET_RAW");
    struct progress_quiz_info *qs;
    size_t n;
    assert_int_equal(progress_quizzes(p, &qs, &n, NULL), 0);
    assert_int_equal(qs[0].n_answers, PROGRESS_MAX_ANSWERS);
    assert_int_equal(qs[0].state.attempts, PROGRESS_MAX_ANSWERS + 7);
    assert_string_equal(qs[0].answers[PROGRESS_MAX_ANSWERS - 1].answer, "NET_RAW"); /* latest */
    progress_quizzes_free(qs, n);
    progress_free(p);
}

/* A writer killed with SIGKILL at a random moment leaves the old or the new file, complete. */
static void test_atomic_under_sigkill(void **state)
{
    struct tmp *t = *state;
    struct err e = {0};
    /* A big file (written directly) makes each save long enough to be interrupted often. */
    json_t *steps = json_object();
    char step[32];
    for (int i = 0; i < 3000; i++) {
        snprintf(step, sizeof step, "seed-%d", i);
        json_object_set_new(steps, step, json_string("2026-01-01T00:00:00Z"));
    }
    json_t *doc = json_pack("{s:s, s:i, s:{s:{s:o}}}", "format", "caplab-progress", "version", 1,
                            "lessons", "big", "steps", steps);
    assert_int_equal(mkdir(t->state, 0700), 0);
    assert_int_equal(json_dump_file(doc, t->file, JSON_INDENT(1)), 0);
    json_decref(doc);
    struct progress *p;

    srand((unsigned)getpid());
    unsigned last_steps = 0, kills = 0;
    for (int round = 0; round < 40; round++) {
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct progress *cp = progress_open(NULL, NULL, NULL);
            if (!cp)
                _exit(3);
            for (int i = 0;; i++) {
                char id[48];
                snprintf(id, sizeof id, "round-%d-%d", round, i);
                if (progress_record_step(cp, "big", id, NULL) < 0)
                    _exit(4);
            }
        }
        struct timespec delay = {0, (long)(5000000 + rand() % 45000000)};
        nanosleep(&delay, NULL);
        kill(pid, SIGKILL);
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
            kills++;
        else
            fail_msg("writer ended with status %d before the kill", status);

        char *notice = NULL;
        p = open_ok(t, &notice);
        if (notice)
            fail_msg("round %d: the file was damaged: %s", round, notice);
        struct progress_lesson_summary *sum;
        size_t n;
        assert_int_equal(progress_summaries(p, &sum, &n, &e), 0);
        assert_int_equal(n, 1);
        assert_true(sum[0].steps_done >= last_steps); /* never goes back */
        last_steps = sum[0].steps_done;
        free(sum);
        progress_free(p);
        /* Temporary files may be left by the killed writer; never the real file broken. */
        assert_true(files_with_prefix(t->state, "progress.json.corrupt", NULL, 0) == 0);
    }
    assert_int_equal(kills, 40);
    assert_true(last_steps > 3000);
    /* Temporary files left behind are writes the kill interrupted. */
    size_t torn = files_with_prefix(t->state, ".progress.json.", NULL, 0);
    print_message("# %u kills, %u new steps survived, %zu writes interrupted mid-way\n", kills,
                  last_steps - 3000, torn);
}

static void expect_moved_aside(struct tmp *t, const char *bytes, const char *why)
{
    char *notice = NULL;
    struct progress *p = open_ok(t, &notice);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "unusable"));
    assert_non_null(strstr(notice, why));
    assert_non_null(strstr(notice, "progress.json.corrupt-"));
    /* The new progress is empty and the old bytes are kept, byte for byte. */
    struct progress_lesson_summary *sum;
    size_t n;
    assert_int_equal(progress_summaries(p, &sum, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(sum);
    char kept[256];
    assert_int_equal(files_with_prefix(t->state, "progress.json.corrupt-", kept, sizeof kept), 1);
    assert_non_null(strstr(notice, kept));
    if (bytes) {
        char *data = slurp(kept);
        assert_string_equal(data, bytes);
        free(data);
    }
    assert_int_equal(progress_record_step(p, "l", "s", NULL), 0);
    progress_free(p);
    free(notice);
}

static void test_corrupt_file_kept_aside(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->state, 0700), 0);
    const char *garbage = "{\"format\": \"caplab-progress\", \"version\": 1, \"lessons\": {\x01";
    write_file(t->file, garbage);
    expect_moved_aside(t, garbage, "line 1");

    /* A second bad file in the same second gets its own name; the first copy is untouched. */
    write_file(t->file, "[]");
    char *notice = NULL;
    struct progress *p = open_ok(t, &notice);
    assert_non_null(notice);
    assert_int_equal(files_with_prefix(t->state, "progress.json.corrupt-", NULL, 0), 2);
    progress_free(p);
    free(notice);
}

static void test_wrong_shape_kept_aside(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->state, 0700), 0);
    const char *shape = "{\"format\": \"caplab-progress\", \"version\": 1, \"lessons\": "
                        "{\"x\": {\"steps\": {\"a\": 42}}}}";
    write_file(t->file, shape);
    expect_moved_aside(t, shape, "step a");
}

static void test_unreadable_file_kept_aside(void **state)
{
    struct tmp *t = *state;
    /* A directory where the file should be: cannot be read, must not be destroyed. */
    char inner[300];
    assert_int_equal(mkdir(t->state, 0700), 0);
    assert_int_equal(mkdir(t->file, 0700), 0);
    snprintf(inner, sizeof inner, "%s/keep-me", t->file);
    write_file(inner, "precious");
    expect_moved_aside(t, NULL, "cannot read it");
    char kept[256];
    files_with_prefix(t->state, "progress.json.corrupt-", kept, sizeof kept);
    snprintf(inner, sizeof inner, "%s/keep-me", kept);
    char *data = slurp(inner);
    assert_string_equal(data, "precious");
    free(data);
}

static void test_newer_format_left_alone(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->state, 0700), 0);
    const char *future = "{\"format\": \"caplab-progress\", \"version\": 7, \"lessons\": {}}\n";
    write_file(t->file, future);
    struct err e = {0};
    char *notice = NULL;
    assert_null(progress_open(NULL, &notice, &e));
    assert_int_equal(e.code, ERR_UNSUPPORTED);
    assert_non_null(strstr(e.msg, "newer caplab"));
    assert_null(notice);
    char *data = slurp(t->file);
    assert_string_equal(data, future);
    free(data);
}

static void test_migration_from_format_0(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->state, 0700), 0);
    const char *v0 = "{\"done\": [\"drop-all/intro\", \"drop-all/ping\", \"root/why\"],\n"
                     " \"quizzes\": {\"drop-all/nc-port-80\": {\"tries\": 3, \"correct\": true,\n"
                     "   \"answers\": [\"NET_ADMIN\", \"NET_RAW\", \"NET_BIND_SERVICE\"]},\n"
                     "  \"root/which\": {\"tries\": 1, \"correct\": false, \"answers\": "
                     "[\"SYS_ADMIN\"]}}}\n";
    write_file(t->file, v0);
    struct timespec times[2] = {{1700000000, 0}, {1700000000, 0}};
    assert_int_equal(utimensat(AT_FDCWD, t->file, times, 0), 0);

    char *notice = NULL;
    struct progress *p = open_ok(t, &notice);
    assert_non_null(notice);
    assert_non_null(strstr(notice, "upgraded from format 0"));
    char kept[256];
    assert_int_equal(files_with_prefix(t->state, "progress.json.v0-", kept, sizeof kept), 1);
    char *data = slurp(kept);
    assert_string_equal(data, v0);
    free(data);
    free(notice);

    assert_true(progress_step_done(p, "drop-all", "intro"));
    assert_true(progress_step_done(p, "root", "why"));
    struct quiz_attempt_state s;
    assert_true(progress_quiz_state(p, "drop-all", "nc-port-80", &s));
    assert_int_equal(s.attempts, 3);
    assert_true(s.solved);
    assert_true(progress_quiz_state(p, "root", "which", &s));
    assert_false(s.solved);

    struct progress_quiz_info *qs;
    size_t n;
    assert_int_equal(progress_quizzes(p, &qs, &n, NULL), 0);
    assert_int_equal(n, 2);
    assert_int_equal(qs[0].n_answers, 3);
    assert_string_equal(qs[0].answers[0].verdict, "wrong");
    assert_string_equal(qs[0].answers[2].answer, "NET_BIND_SERVICE");
    assert_string_equal(qs[0].answers[2].verdict, "correct");
    assert_int_equal(qs[0].answers[2].at, 1700000000); /* the old file's mtime */
    progress_quizzes_free(qs, n);
    progress_free(p);

    /* On disk it is now format 1, and opening again says nothing. */
    json_t *root = json_load_file(t->file, 0, NULL);
    assert_non_null(root);
    assert_int_equal(json_integer_value(json_object_get(root, "version")), 1);
    assert_int_equal(json_integer_value(json_object_get(root, "migrated_from")), 0);
    json_decref(root);
    p = open_ok(t, &notice);
    assert_null(notice);
    progress_free(p);
}

static void test_malformed_format_0_kept_aside(void **state)
{
    struct tmp *t = *state;
    assert_int_equal(mkdir(t->state, 0700), 0);
    const char *bad = "{\"done\": [\"no-slash\"]}";
    write_file(t->file, bad);
    expect_moved_aside(t, bad, "format 0");
}

static void test_reset_keeps_backup(void **state)
{
    struct tmp *t = *state;
    struct progress *p = open_ok(t, NULL);
    record_session(p);
    char *before = slurp(t->file);
    struct err e = {0};
    char *backup = NULL;
    assert_int_equal(progress_reset(p, "nope", &backup, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_int_equal(progress_reset(p, "drop-all", &backup, &e), 0);
    assert_non_null(backup);
    char *saved = slurp(backup);
    assert_string_equal(saved, before);
    free(saved);
    free(backup);
    assert_false(progress_step_done(p, "drop-all", "intro"));
    progress_free(p);

    p = open_ok(t, NULL);
    assert_false(progress_step_done(p, "drop-all", "intro"));
    struct progress_lesson_summary *sum;
    size_t n;
    assert_int_equal(progress_summaries(p, &sum, &n, NULL), 0);
    assert_int_equal(n, 1); /* "second" is still there */
    free(sum);
    assert_int_equal(progress_reset(p, NULL, NULL, &e), 0);
    assert_int_equal(progress_summaries(p, &sum, &n, NULL), 0);
    assert_int_equal(n, 0);
    free(sum);
    assert_int_equal(files_with_prefix(t->state, "progress.json.before-reset-", NULL, 0), 2);
    progress_free(p);
    free(before);
}

static void test_export_round_trip(void **state)
{
    struct tmp *t = *state;
    struct progress *p = open_ok(t, NULL);
    record_session(p);
    char out[200];
    snprintf(out, sizeof out, "%s/ada.json", t->root);
    struct err e = {0};
    assert_int_equal(progress_export(p, "", out, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
    assert_int_equal(progress_export(p, "Ada Lovelace", out, &e), 0);
    progress_free(p);

    char *learner = NULL;
    struct progress *imported = progress_import(out, &learner, &e);
    if (!imported)
        fail_msg("import: %s", e.msg);
    assert_string_equal(learner, "Ada Lovelace");
    assert_null(progress_path(imported));
    expect_session(imported);
    assert_int_equal(progress_record_step(imported, "x", "y", &e), -1);
    assert_int_equal(e.code, ERR_UNSUPPORTED);
    progress_free(imported);
    free(learner);

    /* The progress file itself is not an export; neither is garbage. */
    assert_null(progress_import(t->file, &learner, &e));
    assert_int_equal(e.code, ERR_INVALID);
    assert_non_null(strstr(e.msg, t->file));
    assert_non_null(strstr(e.msg, "not a caplab progress export"));
    write_file(out, "{\"format\": \"caplab-progress-export\", \"version\": 1, \"learner\": \"x\", "
                    "\"progress\": {\"format\": \"caplab-progress\", \"version\": 1, "
                    "\"lessons\": {\"l\": {\"quizzes\": {\"q\": {\"attempts\": -1}}}}}}");
    assert_null(progress_import(out, &learner, &e));
    assert_non_null(strstr(e.msg, "quiz q is malformed"));
    write_file(out, "{\"format\": ");
    assert_null(progress_import(out, &learner, &e));
    assert_non_null(strstr(e.msg, "ada.json:1:"));
}

/* Two handles on one file (the tutor and `caplab answer` in another terminal): neither
 * loses the other's updates. */
static void test_two_handles_keep_both_updates(void **state)
{
    struct tmp *t = *state;
    struct err e = {0};
    struct progress *tutor = open_ok(t, NULL);
    struct progress *cli = open_ok(t, NULL);
    assert_int_equal(progress_record_step(tutor, "l", "from-tutor", &e), 0);
    assert_int_equal(progress_record_step(cli, "l", "from-cli", &e), 0);
    assert_int_equal(progress_record_time(tutor, "l", 30, &e), 0);
    assert_true(progress_step_done(tutor, "l", "from-cli")); /* picked up on its next change */
    progress_free(tutor);
    progress_free(cli);
    struct progress *p = open_ok(t, NULL);
    assert_true(progress_step_done(p, "l", "from-tutor"));
    assert_true(progress_step_done(p, "l", "from-cli"));
    struct progress_lesson_summary *sum;
    size_t n;
    assert_int_equal(progress_summaries(p, &sum, &n, NULL), 0);
    assert_int_equal(sum[0].seconds, 30);
    free(sum);
    progress_free(p);
}

/* Several processes writing at once: every step of every writer is there at the end. */
static void test_concurrent_writers_lose_nothing(void **state)
{
    struct tmp *t = *state;
    enum { WRITERS = 4, STEPS = 25 };
    pid_t pids[WRITERS];
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        assert_true(pids[w] >= 0);
        if (pids[w] == 0) {
            struct progress *cp = progress_open(NULL, NULL, NULL);
            if (!cp)
                _exit(3);
            for (int i = 0; i < STEPS; i++) {
                char id[32];
                snprintf(id, sizeof id, "w%d-%d", w, i);
                if (progress_record_step(cp, "shared", id, NULL) < 0)
                    _exit(4);
            }
            progress_free(cp);
            _exit(0);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status;
        assert_int_equal(waitpid(pids[w], &status, 0), pids[w]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    struct progress *p = open_ok(t, NULL);
    struct progress_lesson_summary *sum;
    size_t n;
    assert_int_equal(progress_summaries(p, &sum, &n, NULL), 0);
    assert_int_equal(sum[0].steps_done, WRITERS * STEPS);
    free(sum);
    progress_free(p);
}

static void test_time_format(void **state)
{
    (void)state;
    char buf[21];
    progress_format_time(1700000000, buf);
    assert_string_equal(buf, "2023-11-14T22:13:20Z");
    assert_int_equal(progress_parse_time(buf), 1700000000);
    assert_int_equal(progress_parse_time("yesterday"), 0);
    assert_int_equal(progress_parse_time("2023-11-14T22:13:20Z trailing"), 0);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_record_and_reload),
        T(test_answers_are_capped),
        T(test_atomic_under_sigkill),
        T(test_corrupt_file_kept_aside),
        T(test_wrong_shape_kept_aside),
        T(test_unreadable_file_kept_aside),
        T(test_newer_format_left_alone),
        T(test_migration_from_format_0),
        T(test_malformed_format_0_kept_aside),
        T(test_reset_keeps_backup),
        T(test_export_round_trip),
        T(test_two_handles_keep_both_updates),
        T(test_concurrent_writers_lose_nothing),
        T(test_time_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
