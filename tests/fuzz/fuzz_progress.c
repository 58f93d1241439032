/*
 * libFuzzer harness: the progress file reader (progress_open, with migration of format 0
 * and corrupt files moved aside) and the export reader (progress_import).
 *
 * Each input is written as DIR/progress.json in a private directory on a tmpfs and
 * opened; whatever opens is read back (summaries, quizzes), changed (a step, a quiz state),
 * exported and imported again, which must succeed. The same bytes are then imported as an
 * export record. Nothing may crash, leak or lose the file: a file that cannot be used must
 * be kept aside, never deleted.
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];

static void cleanup_dir(void)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.' && (!ent->d_name[1] || !strcmp(ent->d_name, "..")))
            continue;
        char path[512];
        snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
        unlink(path);
    }
    closedir(d);
}

static void remove_dir(void)
{
    cleanup_dir();
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/caplab-fuzz-progress.XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    atexit(remove_dir);
    return 0;
}

static int write_file(const char *path, const uint8_t *data, size_t size)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t n = fwrite(data, 1, size, f);
    return fclose(f) == 0 && n == size ? 0 : -1;
}

/* Nothing is ever deleted: the directory still holds as many bytes as were written. */
static void check_nothing_lost(size_t size)
{
    if (size == 0)
        return;
    DIR *d = opendir(dir);
    if (!d)
        abort();
    size_t files = 0;
    struct dirent *ent;
    while ((ent = readdir(d)))
        if (ent->d_name[0] != '.')
            files++;
    closedir(d);
    if (files == 0)
        abort();
}

static void read_back(const struct progress *p)
{
    struct progress_lesson_summary *sums = NULL;
    size_t n = 0;
    if (progress_summaries(p, &sums, &n, NULL) == 0)
        free(sums);
    struct progress_quiz_info *qs = NULL;
    size_t nq = 0;
    if (progress_quizzes(p, &qs, &nq, NULL) == 0) {
        for (size_t i = 0; i < nq; i++) {
            struct quiz_attempt_state s;
            (void)progress_quiz_state(p, qs[i].lesson, qs[i].quiz, &s);
            (void)progress_step_done(p, qs[i].lesson, "intro");
        }
        progress_quizzes_free(qs, nq);
    }
}

static void open_change_export(size_t size)
{
    char *notice = NULL;
    struct err e = {0};
    struct progress *p = progress_open(dir, &notice, &e);
    free(notice);
    check_nothing_lost(size);
    if (!p)
        return;
    read_back(p);
    struct quiz_attempt_state s;
    quiz_state_init(&s);
    s.attempts = 1;
    (void)progress_record_step(p, "fuzz-lesson", "fuzz-step", NULL);
    (void)progress_record_quiz_state(p, "fuzz-lesson", "fuzz-quiz", &s, NULL);
    char export_path[128];
    snprintf(export_path, sizeof export_path, "%s/export.json", dir);
    if (progress_export(p, "fuzzer", export_path, &e) == 0) {
        char *learner = NULL;
        struct err ie = {0};
        struct progress *back = progress_import(export_path, &learner, &ie);
        if (!back) {
            fprintf(stderr, "fuzz_progress: own export does not import: %s\n", ie.msg);
            abort();
        }
        read_back(back);
        progress_free(back);
        free(learner);
    }
    progress_free(p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[128];
    snprintf(path, sizeof path, "%s/progress.json", dir);
    if (write_file(path, data, size) < 0)
        abort();
    open_change_export(size);
    cleanup_dir();

    snprintf(path, sizeof path, "%s/record.json", dir);
    if (write_file(path, data, size) < 0)
        abort();
    char *learner = NULL;
    struct err e = {0};
    struct progress *p = progress_import(path, &learner, &e);
    if (p) {
        read_back(p);
        progress_free(p);
    } else if (e.msg[0] == '\0') {
        abort();
    }
    free(learner);
    cleanup_dir();
    return 0;
}
