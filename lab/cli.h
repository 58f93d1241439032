/*
 * cli: the command-line layer. Each subcommand is one function in lab/cli_NAME.c,
 * registered in the table in main.c. A command gets argv starting at its own name,
 * parses its flags, calls the core and maps results to exit statuses:
 *     0 success, 1 a negative result (wrong answer, failed check), 2 usage,
 *     and for `run` the command's own status (see sandbox.h for 122/124/125).
 * Usage errors go through cli_usage_error(), which prints one line and a hint.
 */
#ifndef CAPLAB_CLI_H
#define CAPLAB_CLI_H

#include <stdio.h>

#define CLI_EXIT_OK    0
#define CLI_EXIT_NO    1
#define CLI_EXIT_USAGE 2

struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary; /* one line for `caplab --help` */
    const char *usage;   /* the full help text for `caplab help NAME` */
};

/* The table in main.c, ended by a NULL name. */
extern const struct cli_command cli_commands[];

const struct cli_command *cli_find(const char *name);

/* Print "caplab: MESSAGE" and "Try 'caplab help COMMAND'." and return CLI_EXIT_USAGE. */
int cli_usage_error(const char *command, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Print a command's full help to f. */
void cli_print_usage(const struct cli_command *cmd, FILE *f);

/* Full help texts that live beside their command. */
extern const char cli_needs_usage[];

/* Subcommands. */
int cli_lint(int argc, char **argv);
int cli_needs(int argc, char **argv);
int cli_run(int argc, char **argv);
int cli_answer(int argc, char **argv);
int cli_grade(int argc, char **argv);
int cli_progress(int argc, char **argv);
int cli_report(int argc, char **argv);
int cli_probe(int argc, char **argv);
int cli_explain(int argc, char **argv);
int cli_status(int argc, char **argv);
int cli_tutor(int argc, char **argv);

#endif
