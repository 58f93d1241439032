/*
 * libFuzzer harness: the report merger (report_add_file .. report_write_*).
 *
 * The input is split on the byte 0x1e (ASCII record separator) into up to 4 exported
 * progress records, written as files in a private tmpfs directory and merged. Every
 * writer must succeed, and the JSON writer's output must be valid JSON with the four
 * documented lists; every file either joins the report or is listed as a problem.
 */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_RECORDS 4

static char dir[64];

static void remove_dir(void)
{
    char path[128];
    for (int i = 0; i < MAX_RECORDS; i++) {
        snprintf(path, sizeof path, "%s/record%d.json", dir, i);
        unlink(path);
    }
    rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/caplab-fuzz-report.XXXXXX", base);
    if (!mkdtemp(dir))
        abort();
    atexit(remove_dir);
    return 0;
}

static void write_all(const struct report *r)
{
    FILE *null = fopen("/dev/null", "w");
    if (!null)
        abort();
    if (report_write_text(r, null) < 0 || report_write_csv(r, null) < 0)
        abort();
    fclose(null);

    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    if (!mem)
        abort();
    if (report_write_json(r, mem) < 0)
        abort();
    fclose(mem);
    json_error_t je;
    json_t *root = json_loadb(buf, len, 0, &je);
    if (!root) {
        fprintf(stderr, "fuzz_report: report_write_json wrote invalid JSON: %d:%d: %s\n", je.line,
                je.column, je.text);
        abort();
    }
    static const char *const lists[] = {"learners", "rows", "questions", "problems"};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++)
        if (!json_is_array(json_object_get(root, lists[i])))
            abort();
    json_decref(root);
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct report r;
    report_init(&r);
    size_t start = 0;
    int files = 0;
    for (int i = 0; i < MAX_RECORDS && start <= size; i++) {
        const uint8_t *sep = memchr(data + start, 0x1e, size - start);
        size_t end = sep ? (size_t)(sep - data) : size;
        char path[128];
        snprintf(path, sizeof path, "%s/record%d.json", dir, i);
        FILE *f = fopen(path, "wb");
        if (!f)
            abort();
        fwrite(data + start, 1, end - start, f);
        fclose(f);
        struct err e = {0};
        if (report_add_file(&r, path, &e) < 0)
            abort(); /* only when out of memory */
        files++;
        if (!sep)
            break;
        start = end + 1;
    }
    report_finish(&r);
    if (r.n_learners + r.n_problems != (size_t)files)
        abort(); /* each file joins the report or is listed as a problem */
    write_all(&r);
    report_release(&r);
    return 0;
}
