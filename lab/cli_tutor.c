/*
 * cli_tutor: `caplab` with no arguments, or `caplab tutor [--plain] [--no-color]
 * [--course FILE]`. Loads the course (reporting a malformed one as plain text), checks
 * that there is a terminal to draw on, and hands over to the ncurses tutor (ui.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"
#include "lesson.h"
#include "paths.h"
#include "progress.h"
#include "ui.h"

static int no_terminal(void)
{
    err_printf("the tutor needs a terminal, and %s is not one.",
               isatty(STDOUT_FILENO) ? "standard input" : "standard output");
    fputs("Commands that work without a terminal:\n", stderr);
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, "tutor") != 0)
            fprintf(stderr, "  caplab %-10s %s\n", c->name, c->summary);
    fputs("See 'caplab --help'.\n", stderr);
    return CLI_EXIT_USAGE;
}

static bool no_color_env(void)
{
    const char *v = getenv("NO_COLOR");
    return v && *v; /* no-color.org: present and not empty */
}

/* Load the course; on failure print every problem and return NULL. */
static struct course *load(const char *path, int *status)
{
    struct lesson_errors errs = {0};
    struct err e = {0};
    struct course *c = course_load(path, &errs, &e);
    if (!c) {
        for (size_t i = 0; i < errs.count; i++)
            fprintf(stderr, "%s\n", errs.lines[i]);
        if (errs.count != 1) /* one error: its line says it all */
            err_print(&e);
        *status = CLI_EXIT_NO;
    }
    lesson_errors_release(&errs);
    return c;
}

int cli_tutor(int argc, char **argv)
{
    struct ui_options opt = {.plain = false, .color = !no_color_env()};
    const char *course_path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--plain") == 0) {
            opt.plain = true;
        } else if (strcmp(a, "--no-color") == 0 || strcmp(a, "--no-colour") == 0) {
            opt.color = false;
        } else if (strcmp(a, "--course") == 0) {
            if (i + 1 >= argc)
                return cli_usage_error("tutor", "--course needs a file");
            course_path = argv[++i];
        } else if (strncmp(a, "--course=", 9) == 0) {
            course_path = a + 9;
        } else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            cli_print_usage(cli_find("tutor"), stdout);
            return CLI_EXIT_OK;
        } else {
            return cli_usage_error("tutor", "unknown option \"%s\"", a);
        }
    }
    if (!isatty(STDOUT_FILENO) || !isatty(STDIN_FILENO))
        return no_terminal();

    char *default_path = NULL;
    if (!course_path) {
        default_path = paths_data_file("lessons/course.json");
        course_path = default_path;
    }
    if (!course_path) {
        err_printf("no course found: there is no lessons/ directory beside caplab; "
                   "set CAPLAB_DATA or use --course FILE");
        return CLI_EXIT_NO;
    }
    int status = CLI_EXIT_OK;
    struct course *course = load(course_path, &status);
    if (!course) {
        free(default_path);
        return status;
    }
    /* Progress: resumed from and saved to the learner's state directory. Without it the
     * tutor still teaches, and says that nothing will be kept. */
    char *notice = NULL;
    struct err e = {0};
    struct progress *progress = progress_open(NULL, &notice, &e);
    if (!progress && asprintf(&notice, "Progress will not be saved: %s", e.msg) < 0)
        notice = NULL;
    e = (struct err){0};
    status = ui_tutor_run(&opt, course, progress, notice, &e);
    if (status < 0) {
        err_print(&e);
        fputs("Commands that work without the tutor: see 'caplab --help'.\n", stderr);
        status = CLI_EXIT_USAGE;
    }
    progress_free(progress);
    free(notice);
    course_free(course);
    free(default_path);
    return status;
}
