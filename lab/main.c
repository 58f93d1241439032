/*
 * caplab: a hands-on lab for Linux capabilities. main() only dispatches; each
 * subcommand lives in lab/cli_NAME.c and is listed in the table below.
 */
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "err.h"

static const char run_usage[] =
    "Usage: caplab run [OPTIONS] [-- COMMAND [ARG...]]\n"
    "\n"
    "Run COMMAND (default: an interactive shell) in a throwaway sandbox holding exactly\n"
    "the capabilities asked for. Flags follow docker run.\n"
    "\n"
    "  --baseline docker|all|none  starting set (default docker: Docker's 14 defaults)\n"
    "  --cap-drop CAP              drop CAP (or ALL); repeatable\n"
    "  --cap-add CAP               add CAP (or ALL); repeatable; an add beats a drop\n"
    "  --user root|NAME|UID[:GID]  run as this user (non-root: no effective capabilities)\n"
    "  --ambient                   with a non-root --user: raise the set as ambient\n"
    "  --no-new-privs              set no_new_privs (setuid and file caps stop working)\n"
    "  --docker-sysctls            Docker's ping_group_range and unprivileged port sysctls\n"
    "  --mode auto|privileged|rootless  (auto: privileged as root, else rootless)\n"
    "  --timeout SECONDS           kill the whole sandbox after SECONDS\n"
    "  --setup SCRIPT              shell script run first, as root with every capability\n"
    "  --share PATH                show a host path read-only at the same place inside\n"
    "  --json                      print one JSON object (captured output, sets, status)\n"
    "  --compare CAP               run COMMAND twice, with and without CAP (everything else\n"
    "                              equal), and show both results side by side\n"
    "  --explain                   print the docker run flags, compose snippet, IAB text\n"
    "  --dry-run                   only --explain, run nothing\n"
    "\n"
    "Exit status: the command's (126 cannot execute, 127 not found, 128+N signal N);\n"
    "124 timeout; 125 the sandbox could not be built; 122 the kernel refuses namespaces.";

static const char lint_usage[] =
    "Usage: caplab lint [--verify [--jobs N] [--timeout SECONDS]] [PATH...]\n"
    "\n"
    "Check lessons and courses and print every error found, one a line:\n"
    "  FILE:LINE:COLUMN: message          JSON syntax\n"
    "  FILE: /json/pointer: message       the lesson format (what was expected)\n"
    "\n"
    "PATH is a course file, a lesson file or a directory (every *.json in it; a\n"
    "course.json there is read as a course). Without PATH, the bundled course.\n"
    "\n"
    "  --verify           also run every check and quiz proof in real sandboxes, in the\n"
    "                     current mode (privileged as root, else rootless): each check\n"
    "                     must meet its expectation; each proof must pass with its key\n"
    "                     and fail with no capabilities and without any one of the key's.\n"
    "                     One line per check: PASS, FAIL (with what was expected, what\n"
    "                     happened and the likely capability) or SKIP (and why).\n"
    "  -j, --jobs N       sandboxes at once (default 4)\n"
    "  --timeout SECONDS  time allowed per check (default 10)\n"
    "  -h, --help         this help\n"
    "\n"
    "Exit status: 0 no errors, 1 errors found or a check failed, 2 usage.";

static const char progress_usage[] =
    "Usage: caplab progress [--reset [LESSON] | --export FILE [--name NAME]]\n"
    "\n"
    "Your progress through the course: steps done, checks passed, quiz attempts, hints,\n"
    "time spent. Kept in $XDG_STATE_HOME/caplab/progress.json\n"
    "(default ~/.local/state/caplab/progress.json).\n"
    "\n"
    "  (no option)          a summary, lesson by lesson\n"
    "  --reset [LESSON]     forget one lesson's progress, or all of it; the file as it was\n"
    "                       is kept beside it as progress.json.before-reset-STAMP\n"
    "  --export FILE        write a portable record for your instructor (caplab report)\n"
    "  --name NAME          the learner's name in the record (default: your login name)\n"
    "\n"
    "A damaged progress file is kept aside (progress.json.corrupt-STAMP), never overwritten.";

static const char report_usage[] =
    "Usage: caplab report [--csv | --json] FILE...\n"
    "\n"
    "Merge learners' exported progress records (caplab progress --export) into a class\n"
    "view: per learner and lesson, completion, quiz score and time; per question, the\n"
    "success rate and the most common wrong answers.\n"
    "\n"
    "  --csv    two CSV tables (learners by lesson, then questions), separated by an empty line\n"
    "  --json   one JSON document\n"
    "\n"
    "Files that are not valid records, and a second record for the same learner, are\n"
    "listed and skipped. Exit status: 0 when at least one record was read, else 1.";

static const char answer_usage[] =
    "Usage: caplab answer [--lesson FILE] QUIZ_ID [ANSWER...]\n"
    "       caplab answer [--lesson FILE] QUIZ_ID --hint | --give-up\n"
    "\n"
    "Answer one question of the course. Capabilities may be written any way Docker\n"
    "accepts (net_bind_service, CAP_NET_BIND_SERVICE, \"net bind service\"); sets and\n"
    "multiple choices in any order (\"SETUID, SETGID\", \"a c\"). A typo is pointed out\n"
    "and does not count as an attempt. Attempts, hints and giving up are recorded in\n"
    "your progress (caplab progress).\n"
    "\n"
    "  (no ANSWER)     show the question, its choices and the hints seen so far\n"
    "  --hint          reveal the next hint\n"
    "  --give-up       show the answer and the explanation\n"
    "  --lesson FILE   a lesson or course file instead of the bundled course\n"
    "  --prove         also run the quiz's proof experiment in a sandbox holding exactly\n"
    "                  the capabilities you named, and again with the key, and show\n"
    "                  both outcomes side by side\n"
    "\n"
    "Exit status: 0 correct, 1 not correct, 2 usage (unknown quiz, bad flags).";

static const char grade_usage[] =
    "Usage: caplab grade [--lesson FILE|ID]... --answers FILE [--prove] [--json | --tap]\n"
    "\n"
    "Grade an answer sheet, a JSON object {\"QUIZ_ID\": \"answer\" | [\"CAP\", ...], ...}.\n"
    "Prints each question's verdict, score and feedback (with the capabilities a set\n"
    "missed) and the total. Nothing is recorded in your progress.\n"
    "\n"
    "  --lesson FILE|ID  grade every quiz of this lesson or course file, or of this lesson\n"
    "                    of the bundled course (repeatable); unanswered quizzes score 0.\n"
    "                    Without it: the questions on the sheet, from the bundled course.\n"
    "  --answers FILE    the answer sheet\n"
    "  --json            one JSON document\n"
    "  --tap             TAP: one ok / not ok line per question\n"
    "  --prove           after the sheet, run each quiz's proof with the capabilities\n"
    "                    answered and with the key, side by side (with --json: a\n"
    "                    \"proof\" member per question; with --tap: comments)\n"
    "\n"
    "Exit status: 0 all correct, 1 otherwise, 2 usage or an unreadable sheet.";
static const char probe_usage[] =
    "Usage: caplab probe [OPTIONS] CAP...\n"
    "       caplab probe [OPTIONS] --all\n"
    "\n"
    "Run each capability's built-in demonstration twice in a sandbox: with every capability,\n"
    "and with every capability but that one, and show both outcomes side by side with the\n"
    "errno and why. PERFMON, BPF and CHECKPOINT_RESTORE also lose SYS_ADMIN in both runs.\n"
    "\n"
    "  --all                       every capability the kernel knows (the matrix)\n"
    "  --mode auto|privileged|rootless  (auto: privileged as root, else rootless)\n"
    "  --docker-sysctls            Docker's ping_group_range and unprivileged port sysctls\n"
    "  --json                      one JSON object\n"
    "\n"
    "Exit status: 0 when every probe matched its documented expectation or is not\n"
    "demonstrable here (with the reason), 1 when one contradicts it, 125 sandbox failure.";

static const char explain_usage[] =
    "Usage: caplab explain [--json] CAP...\n"
    "       caplab explain [--json] --list\n"
    "\n"
    "What a capability governs, in plain words: the system calls it guards, everyday\n"
    "commands that need it, whether Docker grants it by default, what its probe shows,\n"
    "related capabilities and why it can be dangerous (from assets/capabilities.json).\n"
    "\n"
    "  --list   one line per capability the kernel knows\n"
    "  --json   the entries as JSON";

static const char status_usage[] =
    "Usage: caplab status [--json] [PID]\n"
    "\n"
    "The capability sets of a process (default: caplab itself, which inherits them from\n"
    "the shell that runs it): effective, permitted, inheritable, bounding and ambient,\n"
    "decoded to names, with securebits, no_new_privs, seccomp and the user and group ids.\n"
    "Inside a sandbox shell, `caplab status` shows what the shell holds.\n"
    "\n"
    "  --json   one JSON object";

const struct cli_command cli_commands[] = {
    {"lint", cli_lint, "check lesson and course files for errors", lint_usage},
    {"run", cli_run, "run a command or shell with chosen capabilities", run_usage},
    {"answer", cli_answer, "answer a quiz question of the course", answer_usage},
    {"grade", cli_grade, "grade an answer sheet", grade_usage},
    {"progress", cli_progress, "show, reset or export your progress", progress_usage},
    {"report", cli_report, "a class view from exported progress records", report_usage},
    {"explain", cli_explain, "what a capability governs, and what needs it", explain_usage},
    {"status", cli_status, "the capability sets of a process, decoded", status_usage},
    {"probe", cli_probe, "demonstrate capabilities: each probe with and without", probe_usage},
    {"needs", cli_needs, "find the minimal capabilities a command needs", cli_needs_usage},
    {"tutor", cli_tutor, "the interactive tutor (what `caplab` alone opens)",
     "Usage: caplab [tutor] [--plain] [--no-color] [--course FILE]\n"
     "\n"
     "Walks through the course in the terminal: lessons, sandbox shells, checks, quizzes.\n"
     "\n"
     "  --plain        for screen readers: no box drawing, no colour, linear text\n"
     "  --no-color     no colour (also when NO_COLOR is set)\n"
     "  --course FILE  a course file other than the bundled lessons/course.json\n"
     "\n"
     "Keys: ? shows the keys of the current screen; q goes back; Q quits."},
    {NULL, NULL, NULL, NULL},
};

const struct cli_command *cli_find(const char *name)
{
    for (const struct cli_command *c = cli_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int cli_usage_error(const char *command, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vprintf(fmt, ap);
    va_end(ap);
    if (command)
        fprintf(stderr, "Try 'caplab help %s'.\n", command);
    else
        fputs("Try 'caplab --help'.\n", stderr);
    return CLI_EXIT_USAGE;
}

void cli_print_usage(const struct cli_command *cmd, FILE *f)
{
    fprintf(f, "%s\n", cmd->usage);
}

static void print_help(FILE *f)
{
    fputs("Usage: caplab [COMMAND] [ARGS...]\n"
          "\n"
          "A hands-on lab for Linux capabilities. With no command, opens the tutor.\n"
          "\n"
          "Commands:\n",
          f);
    for (const struct cli_command *c = cli_commands; c->name; c++)
        fprintf(f, "  %-10s %s\n", c->name, c->summary);
    fputs("\n"
          "  caplab help COMMAND   the options of one command\n"
          "  caplab --version      the version\n"
          "\n"
          "Data: $CAPLAB_DATA, else the lessons/ and assets/ installed beside the binary.\n"
          "See caplab(1).\n",
          f);
}

static int help_command(int argc, char **argv)
{
    if (argc < 2) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    const struct cli_command *cmd = cli_find(argv[1]);
    if (!cmd)
        return cli_usage_error(NULL, "unknown command \"%s\"", argv[1]);
    cli_print_usage(cmd, stdout);
    return CLI_EXIT_OK;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Installed setuid, caplab would hand real root's capabilities to anyone: refuse
     * (privileged mode is for `sudo caplab`; see SECURITY.md). */
    if (getuid() != geteuid() || getgid() != getegid()) {
        err_printf("refusing to run setuid or setgid: remove the bit (chmod u-s,g-s) and use "
                   "sudo for privileged mode");
        return CLI_EXIT_USAGE;
    }
    if (argc < 2) {
        const struct cli_command *tutor = cli_find("tutor");
        if (tutor)
            return tutor->run(argc, argv);
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    const char *name = argv[1];
    if (strcmp(name, "--help") == 0 || strcmp(name, "-h") == 0) {
        print_help(stdout);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "--version") == 0 || strcmp(name, "-V") == 0) {
        printf("caplab %s\n", CAPLAB_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(name, "help") == 0)
        return help_command(argc - 1, argv + 1);
    if (name[0] == '-') {
        /* Tutor options (--plain, --no-color, ...) go to the tutor when it exists. */
        const struct cli_command *tutor = cli_find("tutor");
        if (tutor)
            return tutor->run(argc, argv);
        return cli_usage_error(NULL, "unknown option \"%s\"", name);
    }
    const struct cli_command *cmd = cli_find(name);
    if (!cmd)
        return cli_usage_error(NULL, "unknown command \"%s\"", name);
    return cmd->run(argc - 1, argv + 1);
}
