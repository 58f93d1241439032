/*
 * caplab lint: check lessons and courses, printing every error the loader finds.
 *
 * A PATH is a course file, a lesson file, or a directory: every *.json in it is checked,
 * a course.json there as a course (which loads the lessons it lists), the others as
 * lessons unless the course already covered them. Without PATH: the bundled course.
 */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "err.h"
#include "lesson.h"
#include "paths.h"
#include "sandbox.h"
#include "verify.h"

struct lint_totals {
    size_t files;
    size_t errors;
    /* --verify: what loaded cleanly, kept for the kernel runs (owned) */
    bool keep;
    struct lesson **own_lessons;
    size_t n_own_lessons;
    struct course **own_courses;
    size_t n_own_courses;
    const struct lesson **verify; /* every lesson to verify, in order (borrowed from above) */
    size_t n_verify;
};

static bool grow(void **array, size_t count, size_t size)
{
    void *grown = realloc(*array, (count + 1) * size);
    if (!grown)
        return false;
    *array = grown;
    return true;
}

/* Keep a loaded lesson for --verify; returns false when it was not kept (caller frees). */
static bool keep_lesson(struct lint_totals *t, struct lesson *l)
{
    if (!t->keep || !l || !grow((void **)&t->own_lessons, t->n_own_lessons, sizeof l) ||
        !grow((void **)&t->verify, t->n_verify, sizeof *t->verify))
        return false;
    t->own_lessons[t->n_own_lessons++] = l;
    t->verify[t->n_verify++] = l;
    return true;
}

static bool keep_course(struct lint_totals *t, struct course *c)
{
    if (!t->keep || !c || !grow((void **)&t->own_courses, t->n_own_courses, sizeof c))
        return false;
    t->own_courses[t->n_own_courses++] = c;
    for (size_t i = 0; i < c->n_lessons; i++)
        if (grow((void **)&t->verify, t->n_verify, sizeof *t->verify))
            t->verify[t->n_verify++] = &c->lessons[i];
    return true;
}

static void release_kept(struct lint_totals *t)
{
    for (size_t i = 0; i < t->n_own_lessons; i++)
        lesson_free(t->own_lessons[i]);
    for (size_t i = 0; i < t->n_own_courses; i++)
        course_free(t->own_courses[i]);
    free(t->own_lessons);
    free(t->own_courses);
    free(t->verify);
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t ls = strlen(s), lx = strlen(suffix);
    return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* Only regular files are opened here: a FIFO would block json_load_file forever (the
 * loader itself refuses anything else with a clear error). */
static bool is_regular_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A course is named course.json or has a top-level "lessons" list. */
static bool looks_like_course(const char *path)
{
    if (strcmp(base_name(path), "course.json") == 0)
        return true;
    if (!is_regular_file(path))
        return false;
    json_t *root = json_load_file(path, 0, NULL);
    bool course = json_is_object(root) && json_object_get(root, "lessons") != NULL;
    json_decref(root);
    return course;
}

static void print_errors(struct lesson_errors *errs, struct lint_totals *t)
{
    for (size_t i = 0; i < errs->count; i++)
        printf("%s\n", errs->lines[i]);
    t->errors += errs->count;
    lesson_errors_release(errs);
}

static void lint_lesson(const char *path, struct lint_totals *t)
{
    struct lesson_errors errs = {0};
    struct err e = {0};
    struct lesson *l = lesson_load(path, &errs, &e);
    t->files++;
    if (!l && errs.count == 0) { /* out of memory before any line could be kept */
        printf("%s\n", e.msg);
        t->errors++;
    }
    print_errors(&errs, t);
    if (!keep_lesson(t, l))
        lesson_free(l);
}

/* The lesson files a course lists, resolved like the loader does; NULL-terminated.
 * Used to count files and to skip lessons a directory's course already checked. */
static char **course_lesson_paths(const char *course_path)
{
    json_t *root = is_regular_file(course_path) ? json_load_file(course_path, 0, NULL) : NULL;
    json_t *list = json_is_object(root) ? json_object_get(root, "lessons") : NULL;
    size_t n = json_is_array(list) ? json_array_size(list) : 0;
    char **paths = calloc(n + 1, sizeof *paths);
    const char *slash = strrchr(course_path, '/');
    for (size_t i = 0, k = 0; paths && i < n; i++) {
        const char *rel = json_string_value(json_array_get(list, i));
        if (!rel)
            continue;
        if (rel[0] == '/' || !slash)
            paths[k] = strdup(rel);
        else if (asprintf(&paths[k], "%.*s/%s", (int)(slash - course_path), course_path, rel) < 0)
            paths[k] = NULL;
        if (paths[k])
            k++;
    }
    json_decref(root);
    return paths;
}

static void free_paths(char **paths)
{
    for (size_t i = 0; paths && paths[i]; i++)
        free(paths[i]);
    free(paths);
}

static void lint_course(const char *path, struct lint_totals *t)
{
    struct lesson_errors errs = {0};
    struct err e = {0};
    struct course *c = course_load(path, &errs, &e);
    char **lessons = course_lesson_paths(path);
    t->files++;
    for (size_t i = 0; lessons && lessons[i]; i++)
        t->files++;
    free_paths(lessons);
    if (!c && errs.count == 0) {
        printf("%s\n", e.msg);
        t->errors++;
    }
    print_errors(&errs, t);
    if (!keep_course(t, c))
        course_free(c);
}

static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

static int compare_names(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int lint_directory(const char *dir, struct lint_totals *t)
{
    DIR *d = opendir(dir);
    if (!d) {
        struct err e = {0};
        err_sys(&e, "cannot open directory %s", dir);
        err_print(&e);
        return -1;
    }
    char **files = NULL;
    size_t n = 0;
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (ent->d_name[0] == '.' || !has_suffix(ent->d_name, ".json"))
            continue;
        char **grown = realloc(files, (n + 1) * sizeof *files);
        if (!grown)
            break;
        files = grown;
        if (asprintf(&files[n], "%s%s%s", dir, has_suffix(dir, "/") ? "" : "/", ent->d_name) >= 0)
            n++;
    }
    closedir(d);
    if (n > 1) /* files is NULL for an empty directory, and qsort's pointer must not be */
        qsort(files, n, sizeof *files, compare_names);

    char **covered = NULL;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(base_name(files[i]), "course.json") == 0) {
            lint_course(files[i], t);
            covered = course_lesson_paths(files[i]);
        }
    }
    for (size_t i = 0; i < n; i++) {
        if (strcmp(base_name(files[i]), "course.json") == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; covered && covered[k] && !seen; k++)
            seen = same_file(covered[k], files[i]);
        if (!seen)
            lint_lesson(files[i], t);
    }
    free_paths(covered);
    for (size_t i = 0; i < n; i++)
        free(files[i]);
    free(files);
    return 0;
}

static void lint_path(const char *path, struct lint_totals *t)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
        if (lint_directory(path, t) < 0)
            t->errors++;
    } else if (stat(path, &st) == 0 && looks_like_course(path)) {
        lint_course(path, t);
    } else {
        lint_lesson(path, t); /* a missing file is reported by the loader */
    }
}

/* ------------------------------------------------------------------- --verify -- */

static void item_label(const struct verify_item *it, char *buf, size_t n)
{
    const char *lesson = it->lesson->id;
    if (it->kind == VERIFY_PROOF)
        snprintf(buf, n, "%s/%s (proof)", lesson, it->quiz->id);
    else if (it->step->kind == STEP_CHECK)
        snprintf(buf, n, "%s/%s", lesson, it->step->id);
    else
        snprintf(buf, n, "%s/%s/%s", lesson, it->step->id, it->check->id);
}

static const char *item_word(enum check_status s)
{
    switch (s) {
    case CHECK_PASS:
        return "PASS";
    case CHECK_FAIL:
    case CHECK_ERROR:
        return "FAIL";
    default:
        return "SKIP";
    }
}

static void print_detail(const char *text)
{
    if (text && *text)
        printf("      %s\n", text);
}

static void print_run(const struct verify_run *run, bool proof)
{
    const struct check_result *r = &run->result;
    if (proof) {
        char *names = caps_to_names(run->caps, ",", false);
        printf("      with %s: %s%s\n", names && *names ? names : "no capabilities",
               r->status == CHECK_PASS   ? "passes"
               : r->status == CHECK_FAIL ? "fails"
                                         : check_status_name(r->status),
               run->want_match ? " (must pass)" : " (must fail)");
        free(names);
        if (r->status != CHECK_PASS && r->status != CHECK_FAIL)
            return;
        printf("        %s\n", r->happened);
        return;
    }
    print_detail(r->expected);
    print_detail(r->happened);
    print_detail(r->likely);
}

/* The lesson's own words for a failed check ("message"), after the measured facts. */
static void print_check_message(const struct verify_item *it)
{
    if (it->kind == VERIFY_CHECK && it->check->message)
        printf("      The lesson says: %s\n", it->check->message);
}

struct verify_report {
    enum sandbox_mode mode; /* the mode of the run as a whole */
    char slowest[512];      /* the label of the slowest item */
    double slowest_seconds;
};

static void report_item(const struct verify_item *it, void *ctx)
{
    struct verify_report *rep = ctx;
    const enum sandbox_mode *mode = &rep->mode;
    char label[512];
    item_label(it, label, sizeof label);
    /* A step run in the other mode (rootless-only steps, as root) says so. */
    const struct check_result *first = &it->runs[0].result;
    if ((first->status == CHECK_PASS || first->status == CHECK_FAIL) && first->mode != *mode) {
        size_t len = strlen(label);
        snprintf(label + len, sizeof label - len, " [%s]", sandbox_mode_name(first->mode));
    }
    if (it->seconds > rep->slowest_seconds) {
        rep->slowest_seconds = it->seconds;
        snprintf(rep->slowest, sizeof rep->slowest, "%s", label);
    }
    if (it->status == CHECK_PASS) {
        if (it->kind == VERIFY_PROOF)
            printf("PASS  %s: %s\n", label, it->reason);
        else
            printf("PASS  %s\n", label);
    } else {
        printf("%s  %s: %s\n", item_word(it->status), label, it->reason);
    }
    if (it->status == CHECK_FAIL || it->status == CHECK_ERROR) {
        printf("      in %s\n", it->lesson->path);
        for (size_t r = 0; r < it->n_runs; r++)
            print_run(&it->runs[r], it->kind == VERIFY_PROOF);
        print_check_message(it);
    }
    fflush(stdout);
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int run_verify(const struct lint_totals *t, unsigned jobs, double timeout)
{
    const struct sandbox_support *support = sandbox_support();
    if (!support->available) {
        err_printf("cannot verify here: %s", support->reason);
        return CLI_EXIT_NO;
    }
    enum sandbox_mode mode = sandbox_effective_mode(SANDBOX_MODE_AUTO);
    printf("verify: running every check and proof in %s mode\n", sandbox_mode_name(mode));
    struct verify_options o = {.check = {.mode = SANDBOX_MODE_AUTO, .timeout = timeout},
                               .jobs = jobs};
    struct verify_totals vt = {0};
    struct verify_report rep = {.mode = mode};
    struct err e = {0};
    double start = monotonic_seconds();
    if (verify_lessons(t->verify, t->n_verify, &o, report_item, &rep, &vt, &e) < 0) {
        err_print(&e);
        return CLI_EXIT_NO;
    }
    if (rep.slowest_seconds >= 2.0) /* for lesson authors: where the time goes */
        printf("verify: slowest: %s (%.1f s of sandbox time)\n", rep.slowest, rep.slowest_seconds);
    printf("verify: %zu passed, %zu failed, %zu skipped of %zu checks and proofs "
           "(%zu sandbox runs, %.1f s)\n",
           vt.passed, vt.failed, vt.skipped, vt.items, vt.runs, monotonic_seconds() - start);
    return vt.failed ? CLI_EXIT_NO : CLI_EXIT_OK;
}

static int parse_jobs(const char *text, unsigned *out)
{
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || end == text || *end || v < 1 || v > 64)
        return -1;
    *out = (unsigned)v;
    return 0;
}

static int parse_seconds(const char *text, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || end == text || *end || !(v > 0) || v > 3600)
        return -1;
    *out = v;
    return 0;
}

int cli_lint(int argc, char **argv)
{
    static const struct option options[] = {
        {"verify", no_argument, NULL, 'v'},
        {"jobs", required_argument, NULL, 'j'},
        {"timeout", required_argument, NULL, 't'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool verify = false;
    unsigned jobs = 4;
    double timeout = 0;
    optind = 1;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "+hj:", options, NULL)) != -1) {
        switch (opt) {
        case 'j':
            if (parse_jobs(optarg, &jobs) < 0)
                return cli_usage_error("lint",
                                       "--jobs: expected a number from 1 to 64, not "
                                       "\"%s\"",
                                       optarg);
            break;
        case 't':
            if (parse_seconds(optarg, &timeout) < 0)
                return cli_usage_error("lint",
                                       "--timeout: expected seconds (up to 3600), not "
                                       "\"%s\"",
                                       optarg);
            break;
        case 'v':
            verify = true;
            break;
        case 'h':
            cli_print_usage(cli_find("lint"), stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("lint", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    struct lint_totals totals = {.keep = verify};
    if (optind >= argc) {
        char *course = paths_data_file("lessons/course.json");
        if (!course) {
            err_printf("cannot find the bundled course (set CAPLAB_DATA to the directory that "
                       "holds lessons/)");
            release_kept(&totals);
            return CLI_EXIT_NO;
        }
        lint_course(course, &totals);
        free(course);
    }
    for (int i = optind; i < argc; i++)
        lint_path(argv[i], &totals);

    printf("lint: %zu file%s, %zu error%s\n", totals.files, totals.files == 1 ? "" : "s",
           totals.errors, totals.errors == 1 ? "" : "s");
    int rc = totals.errors ? CLI_EXIT_NO : CLI_EXIT_OK;
    if (verify && totals.n_verify > 0) {
        /* Files with errors did not load, so only clean ones are run; errors still fail. */
        fflush(stdout);
        int vrc = run_verify(&totals, jobs, timeout);
        if (vrc != CLI_EXIT_OK)
            rc = vrc;
    }
    release_kept(&totals);
    return rc;
}
