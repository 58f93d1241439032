/* caplab progress: the learner's own progress: summary, reset, export for an instructor. */
#include <getopt.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "progress.h"

struct progress_options {
    bool reset;
    const char *reset_lesson; /* NULL: everything */
    const char *export_path;
    const char *name;
};

enum { OPT_RESET = 256, OPT_EXPORT, OPT_NAME };

static const struct option progress_long_options[] = {
    {"reset", no_argument, NULL, OPT_RESET},
    {"export", required_argument, NULL, OPT_EXPORT},
    {"name", required_argument, NULL, OPT_NAME},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* Returns -1 to go on, else the exit status. */
static int parse_progress_options(int argc, char **argv, struct progress_options *o)
{
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", progress_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_RESET:
            o->reset = true;
            /* --reset [LESSON]: an optional word after it, as the usage says. */
            if (optind < argc && argv[optind][0] != '-')
                o->reset_lesson = argv[optind++];
            break;
        case OPT_EXPORT:
            o->export_path = optarg;
            break;
        case OPT_NAME:
            o->name = optarg;
            break;
        case 'h':
            cli_print_usage(cli_find("progress"), stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("progress", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return cli_usage_error("progress", "unexpected argument \"%s\"", argv[optind]);
    if (o->reset && o->export_path)
        return cli_usage_error("progress", "--reset and --export do not go together");
    if (o->name && !o->export_path)
        return cli_usage_error("progress", "--name only goes with --export FILE");
    if (o->name && !*o->name)
        return cli_usage_error("progress", "--name needs a non-empty name");
    return -1;
}

/* The login name, for an export without --name. */
static const char *default_learner(char *buf, size_t n)
{
    if (getlogin_r(buf, n) == 0 && *buf)
        return buf;
    struct passwd *pw = getpwuid(getuid());
    if (pw && pw->pw_name && *pw->pw_name) {
        snprintf(buf, n, "%s", pw->pw_name);
        return buf;
    }
    const char *user = getenv("USER");
    return user && *user ? user : NULL;
}

static void print_summary(const struct progress *p)
{
    struct progress_lesson_summary *sums;
    size_t n;
    struct err e = {0};
    if (progress_summaries(p, &sums, &n, &e) < 0) {
        err_print(&e);
        return;
    }
    if (n == 0) {
        printf("No progress yet. Start the tutor with `caplab`.\n");
        free(sums);
        return;
    }
    size_t w = strlen("Lesson");
    for (size_t i = 0; i < n; i++)
        if (strlen(sums[i].lesson) > w)
            w = strlen(sums[i].lesson);
    printf("Progress saved in %s\n\n", progress_path(p));
    printf("%-*s  %7s  %-4s  %7s  %7s  %5s  %7s  %s\n", (int)w, "Lesson", "Steps", "Done", "Checks",
           "Quizzes", "Score", "Time", "Last activity");
    for (size_t i = 0; i < n; i++) {
        const struct progress_lesson_summary *s = &sums[i];
        char steps[32], checks[32], quizzes[32], score[16], spent[32], last[32] = "-";
        if (s->steps_total)
            snprintf(steps, sizeof steps, "%u/%u", s->steps_done, s->steps_total);
        else
            snprintf(steps, sizeof steps, "%u", s->steps_done);
        snprintf(checks, sizeof checks, "%u/%u", s->checks_passed, s->checks_run);
        snprintf(quizzes, sizeof quizzes, "%u/%u", s->quizzes_solved, s->quizzes_seen);
        if (s->quizzes_seen)
            snprintf(score, sizeof score, "%.0f%%", s->quiz_score * 100);
        else
            snprintf(score, sizeof score, "-");
        if (s->seconds >= 3600)
            snprintf(spent, sizeof spent, "%luh%02lum", s->seconds / 3600, s->seconds / 60 % 60);
        else
            snprintf(spent, sizeof spent, "%lum%02lus", s->seconds / 60, s->seconds % 60);
        if (s->updated) {
            struct tm tm;
            localtime_r(&s->updated, &tm);
            strftime(last, sizeof last, "%Y-%m-%d %H:%M", &tm);
        }
        printf("%-*s  %7s  %-4s  %7s  %7s  %5s  %7s  %s\n", (int)w, s->lesson, steps,
               s->completed ? "yes" : "no", checks, quizzes, score, spent, last);
    }
    free(sums);
}

int cli_progress(int argc, char **argv)
{
    struct progress_options o = {0};
    int rc = parse_progress_options(argc, argv, &o);
    if (rc >= 0)
        return rc;

    struct err e = {0};
    char *notice = NULL;
    struct progress *p = progress_open(NULL, &notice, &e);
    if (notice) {
        err_warn("%s", notice);
        free(notice);
    }
    if (!p) {
        err_print(&e);
        return CLI_EXIT_NO;
    }

    rc = CLI_EXIT_OK;
    if (o.reset) {
        char *backup = NULL;
        if (progress_reset(p, o.reset_lesson, &backup, &e) < 0) {
            err_print(&e);
            rc = e.code == ERR_NOT_FOUND ? CLI_EXIT_USAGE : CLI_EXIT_NO;
        } else {
            if (o.reset_lesson)
                printf("Progress of lesson %s reset.", o.reset_lesson);
            else
                printf("All progress reset.");
            if (backup)
                printf(" The previous file was kept as %s.", backup);
            putchar('\n');
        }
        free(backup);
    } else if (o.export_path) {
        char login[256];
        const char *name = o.name ? o.name : default_learner(login, sizeof login);
        if (!name) {
            rc = cli_usage_error("progress", "cannot tell the learner's name; give --name NAME");
        } else if (progress_export(p, name, o.export_path, &e) < 0) {
            err_print(&e);
            rc = CLI_EXIT_NO;
        } else {
            printf("Exported the progress of %s to %s.\n", name, o.export_path);
        }
    } else {
        print_summary(p);
    }
    progress_free(p);
    return rc;
}
