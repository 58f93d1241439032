/* caplab needs: find the minimal capabilities a command needs, from the command line. */
#include <getopt.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "err.h"
#include "needs.h"
#include "sandbox.h"

#define MAX_SHARES      8
#define DEFAULT_TIMEOUT 30.0

const char cli_needs_usage[] =
    "Usage: caplab needs [OPTIONS] -- COMMAND [ARG...]\n"
    "\n"
    "Find a minimal set of capabilities COMMAND needs: run it in throwaway sandboxes with\n"
    "different sets (first all of the baseline, then none, then a binary search) and\n"
    "report the smallest set it still succeeds with, verified by a run, with the\n"
    "equivalent docker run flags and compose snippet.\n"
    "\n"
    "A run succeeds when COMMAND exits 0 within the timeout and, when given, the --check\n"
    "test passes afterwards in the same sandbox.\n"
    "\n"
    "  --baseline docker|all     capabilities to search (default docker: Docker's 14)\n"
    "  --check 'SHELL TEST'      also run this shell test after the command (sh -c), e.g.\n"
    "                            'test -g /usr/bin/chage'; it must pass too\n"
    "  --strict                  also require the same stdout and stderr as with the whole\n"
    "                            baseline (catches capabilities whose loss only warns)\n"
    "  --repeat N                run every set N times (default 1); different outcomes\n"
    "                            mean a flaky command: no answer rather than a wrong one\n"
    "  --timeout SECONDS         per run (default 30); a timed-out run counts as a failure\n"
    "  --user root|NAME|UID[:GID]  run as this user (non-root: capabilities only reach the\n"
    "                            command through file capabilities, unless --ambient)\n"
    "  --ambient                 with a non-root --user: raise the set as ambient\n"
    "  --docker-sysctls          Docker's ping_group_range and unprivileged port sysctls\n"
    "  --share PATH              show host PATH read-only at the same place inside (the\n"
    "                            sandbox's /tmp is a fresh tmpfs); repeatable\n"
    "  --mode auto|privileged|rootless  (auto: privileged as root, else rootless)\n"
    "  --prove-minimal           then run the answer without each of its capabilities (k\n"
    "                            more runs): each must fail, or that capability is dropped\n"
    "  --naive                   try one capability at a time instead (N+1 runs), to compare\n"
    "  --json                    print one JSON object with the answer and every run\n"
    "  -v, --verbose             list every run with its set and outcome\n"
    "\n"
    "Progress is shown on a terminal. Exit status: 0 an answer was found; 1 the command\n"
    "fails even with the whole baseline, or is flaky; 2 usage; 125 the sandbox could not\n"
    "be built; 122 the kernel refuses namespaces.";

struct needs_cli {
    enum caps_baseline baseline;
    struct needs_command cmd;
    unsigned repeat;
    bool strict, naive, prove_minimal, json, verbose;
    char *shares[MAX_SHARES + 1];
    size_t n_shares;
};

enum {
    OPT_BASELINE = 256,
    OPT_CHECK,
    OPT_STRICT,
    OPT_REPEAT,
    OPT_TIMEOUT,
    OPT_USER,
    OPT_AMBIENT,
    OPT_SYSCTLS,
    OPT_SHARE,
    OPT_MODE,
    OPT_NAIVE,
    OPT_PROVE_MINIMAL,
    OPT_JSON,
};

static const struct option needs_long_options[] = {
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"check", required_argument, NULL, OPT_CHECK},
    {"strict", no_argument, NULL, OPT_STRICT},
    {"repeat", required_argument, NULL, OPT_REPEAT},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"user", required_argument, NULL, OPT_USER},
    {"ambient", no_argument, NULL, OPT_AMBIENT},
    {"docker-sysctls", no_argument, NULL, OPT_SYSCTLS},
    {"share", required_argument, NULL, OPT_SHARE},
    {"mode", required_argument, NULL, OPT_MODE},
    {"naive", no_argument, NULL, OPT_NAIVE},
    {"prove-minimal", no_argument, NULL, OPT_PROVE_MINIMAL},
    {"json", no_argument, NULL, OPT_JSON},
    {"verbose", no_argument, NULL, 'v'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int add_share(struct needs_cli *o, const char *path)
{
    if (o->n_shares == MAX_SHARES)
        return cli_usage_error("needs", "at most %d --share paths", MAX_SHARES);
    if (path[0] != '/')
        return cli_usage_error("needs", "--share needs an absolute path, not \"%s\"", path);
    char *real = realpath(path, NULL);
    if (!real) {
        err_printf("cannot share \"%s\": it does not exist or cannot be resolved", path);
        return CLI_EXIT_USAGE;
    }
    o->shares[o->n_shares++] = real;
    return -1;
}

/* Returns -1 on success, else the exit status to return. */
static int parse_needs_options(int argc, char **argv, struct needs_cli *o)
{
    struct err e = {0};
    char *end;
    int c, status;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+hv", needs_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_BASELINE:
            if (caps_baseline_parse(optarg, &o->baseline, &e) < 0)
                return cli_usage_error("needs", "%s", e.msg);
            if (o->baseline == CAPS_BASELINE_NONE)
                return cli_usage_error("needs", "--baseline none leaves nothing to search; "
                                                "use docker or all");
            break;
        case OPT_CHECK:
            o->cmd.check = optarg;
            break;
        case OPT_STRICT:
            o->strict = true;
            break;
        case OPT_REPEAT: {
            long n = strtol(optarg, &end, 10);
            if (end == optarg || *end || n < 1 || n > 100)
                return cli_usage_error("needs", "bad --repeat \"%s\": expected 1-100", optarg);
            o->repeat = (unsigned)n;
            break;
        }
        case OPT_TIMEOUT: {
            double v = strtod(optarg, &end);
            if (end == optarg || *end || v < 0 || v > 86400)
                return cli_usage_error("needs", "bad --timeout \"%s\": expected seconds (0-86400)",
                                       optarg);
            o->cmd.timeout = v;
            break;
        }
        case OPT_USER:
            o->cmd.user = optarg;
            break;
        case OPT_AMBIENT:
            o->cmd.ambient = true;
            break;
        case OPT_SYSCTLS:
            o->cmd.docker_sysctls = true;
            break;
        case OPT_SHARE:
            if ((status = add_share(o, optarg)) >= 0)
                return status;
            break;
        case OPT_MODE:
            if (sandbox_mode_parse(optarg, &o->cmd.mode, &e) < 0)
                return cli_usage_error("needs", "%s", e.msg);
            break;
        case OPT_NAIVE:
            o->naive = true;
            break;
        case OPT_PROVE_MINIMAL:
            o->prove_minimal = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case 'v':
            o->verbose = true;
            break;
        case 'h':
            cli_print_usage(cli_find("needs"), stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("needs", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (!argv[optind])
        return cli_usage_error("needs", "no command given (put it after --)");
    if (o->naive && o->prove_minimal)
        return cli_usage_error("needs", "--prove-minimal goes with the adaptive search, "
                                        "not --naive");
    return -1;
}

/* ---- progress on a terminal ---------------------------------------------------------- */

static void describe_set(capmask set, char *buf, size_t n)
{
    unsigned count = caps_count(set);
    if (count == 0) {
        snprintf(buf, n, "no capabilities");
    } else if (count <= 4) {
        char *names = caps_to_names(set, ",", false);
        snprintf(buf, n, "%s", names ? names : "?");
        free(names);
    } else {
        snprintf(buf, n, "%u capabilities", count);
    }
}

static void show_progress(const struct needs_progress *p, void *arg)
{
    (void)arg;
    char trying[128], found[128];
    describe_set(p->candidate, trying, sizeof trying);
    describe_set(p->found, found, sizeof found);
    char line[320];
    snprintf(line, sizeof line, "caplab needs: run %zu (%s): %s%s%s", p->runs_done + 1,
             needs_phase_name(p->phase), trying, p->found ? "; needed so far: " : "",
             p->found ? found : "");
    /* One terminal line, or the carriage return cannot take it back. */
    struct winsize ws;
    if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 && strlen(line) >= ws.ws_col)
        line[ws.ws_col - 1] = '\0';
    fprintf(stderr, "\r\033[K%s", line);
    fflush(stderr);
}

static void clear_progress(void)
{
    fputs("\r\033[K", stderr);
    fflush(stderr);
}

/* ---- reports --------------------------------------------------------------------------- */

static char *drop_all_flags(capmask set)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    fputs("--cap-drop ALL", f);
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (set & CAPS_BIT(cap))
            fprintf(f, " --cap-add %s", caps_name(cap));
    fclose(f);
    return out;
}

static const char *outcome_text(const struct needs_run *run, char *buf, size_t n)
{
    const struct needs_observation *obs = &run->obs;
    if (run->pass)
        snprintf(buf, n, "ok");
    else if (obs->timed_out)
        snprintf(buf, n, "timed out");
    else if (obs->check_failed)
        snprintf(buf, n, "--check failed");
    else if (obs->exit_code != 0)
        snprintf(buf, n, "exit %d", obs->exit_code);
    else if (run->output_differs)
        snprintf(buf, n, "output differs");
    else
        snprintf(buf, n, "failed");
    return buf;
}

static void print_run_log(const struct needs_result *res, FILE *f)
{
    for (size_t i = 0; i < res->n_runs; i++) {
        const struct needs_run *run = &res->runs[i];
        char *names = caps_to_names(run->set, ",", false);
        char outcome[64];
        fprintf(f, "  run %2zu %-7s %-14s %s%s%s\n", i + 1, needs_phase_name(run->phase),
                outcome_text(run, outcome, sizeof outcome), names && *names ? names : "(none)",
                run->obs.detail[0] ? "  # " : "", run->obs.detail);
        free(names);
    }
}

static void print_found(const struct needs_cli *o, const struct needs_result *res, capmask universe,
                        double wall)
{
    char *names = caps_to_names(res->set, " ", false);
    if (res->set)
        printf("needs: %s\n", names ? names : "?");
    else
        printf("needs: no capabilities\n");
    free(names);
    printf("found with %zu sandbox run%s (%zu set%s) in %.2f s, searching %u capabilities "
           "(baseline %s)%s\n",
           res->n_runs, res->n_runs == 1 ? "" : "s", res->n_sets, res->n_sets == 1 ? "" : "s", wall,
           caps_count(universe), caps_baseline_name(o->baseline), o->naive ? " one at a time" : "");
    if (res->verified)
        printf("verified by run %zu\n", res->verified_by + 1);
    else
        printf("not verified: the naive search infers the set without running it\n");
    if (res->minimal_proven)
        printf("1-minimal: proven, it fails without any one of them\n");
    else if (res->set && !o->naive)
        printf("1-minimal if the command is deterministic and more capabilities never hurt "
               "(--prove-minimal checks it)\n");
    char *flags = drop_all_flags(res->set);
    char *compose = caps_compose_snippet(res->set);
    printf("docker run %s IMAGE\n", flags ? flags : "?");
    printf("compose (under the service):\n");
    if (compose) {
        for (char *line = strtok(compose, "\n"); line; line = strtok(NULL, "\n"))
            printf("  %s\n", line);
    }
    free(flags);
    free(compose);
}

static void explain_failure(const struct needs_cli *o, const struct needs_result *res,
                            capmask universe)
{
    const struct needs_run *full = &res->runs[0];
    char outcome[64];
    err_printf("the command fails even with all %u capabilities of the %s baseline (%s)%s%s",
               caps_count(universe), caps_baseline_name(o->baseline),
               outcome_text(full, outcome, sizeof outcome), full->obs.detail[0] ? ": " : "",
               full->obs.detail);
    if (full->obs.timed_out)
        fprintf(stderr, "A longer --timeout may help (it is per run).\n");
    else if (full->obs.exit_code == 127)
        fprintf(stderr, "Is the command installed and on the PATH? Programs below /tmp need "
                        "--share, since the sandbox's /tmp is empty.\n");
    else if (o->baseline == CAPS_BASELINE_DOCKER)
        fprintf(stderr, "If it needs a capability outside Docker's defaults, try "
                        "--baseline all.\n");
}

static void explain_flaky(const struct needs_cli *o, const struct needs_result *res,
                          capmask universe)
{
    char *names = caps_to_names(res->flaky_set, ",", false);
    char which[160];
    if (res->flaky_set == universe)
        snprintf(which, sizeof which, "the whole baseline (%u capabilities)", caps_count(universe));
    else
        snprintf(which, sizeof which, "%s", names && *names ? names : "no capabilities");
    err_printf("the command is flaky: with %s it succeeded in %u of %u runs, so no set can "
               "be trusted; make it (and its --check) deterministic and try again",
               which, res->flaky_pass, res->flaky_total);
    if (o->strict)
        fprintf(stderr, "With --strict, output that changes from run to run (times, process "
                        "ids, random names) also makes runs disagree.\n");
    free(names);
}

static json_t *caps_json(capmask set)
{
    json_t *list = json_array();
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (set & CAPS_BIT(cap))
            json_array_append_new(list, json_string(caps_name(cap)));
    return list;
}

static const char *verdict_name(enum needs_verdict v)
{
    switch (v) {
    case NEEDS_FOUND:
        return "found";
    case NEEDS_FAILS_WITH_ALL:
        return "fails_with_all";
    case NEEDS_FLAKY:
        return "flaky";
    }
    return "?";
}

static json_t *run_json(const struct needs_run *run, size_t index)
{
    char outcome[64];
    return json_pack(
        "{s:I, s:s, s:o, s:b, s:s, s:i, s:b, s:b, s:b, s:f, s:s}", "run", (json_int_t)index + 1,
        "phase", needs_phase_name(run->phase), "set", caps_json(run->set), "pass", run->pass,
        "outcome", outcome_text(run, outcome, sizeof outcome), "exit_code", run->obs.exit_code,
        "timed_out", run->obs.timed_out, "check_failed", run->obs.check_failed, "output_differs",
        run->output_differs, "seconds", run->obs.seconds, "detail", run->obs.detail);
}

static void print_json(const struct needs_cli *o, char **command, const struct needs_result *res,
                       capmask universe, capmask baseline_set, double wall)
{
    json_t *cmd = json_array();
    for (int i = 0; command[i]; i++)
        json_array_append_new(cmd, json_string(command[i]));
    json_t *root =
        json_pack("{s:o, s:o, s:s, s:s, s:s, s:b, s:i, s:s, s:o, s:o, s:s, s:I, s:I, s:f, s:f}",
                  "command", cmd, "check", o->cmd.check ? json_string(o->cmd.check) : json_null(),
                  "baseline", caps_baseline_name(o->baseline), "mode",
                  sandbox_mode_name(sandbox_effective_mode(o->cmd.mode)), "user",
                  o->cmd.user ? o->cmd.user : "root", "strict", o->strict, "repeat", (int)o->repeat,
                  "search", o->naive ? "naive" : "adaptive", "universe", caps_json(universe),
                  "not_grantable", caps_json(baseline_set & ~universe), "verdict",
                  verdict_name(res->verdict), "runs", (json_int_t)res->n_runs, "sets_tried",
                  (json_int_t)res->n_sets, "seconds", wall, "sandbox_seconds", res->seconds);
    if (res->verdict == NEEDS_FOUND) {
        unsigned n = caps_count(universe), k = caps_count(res->set);
        char *flags = drop_all_flags(res->set);
        char *compose = caps_compose_snippet(res->set);
        json_object_set_new(root, "needs", caps_json(res->set));
        json_object_set_new(root, "verified_by_run",
                            res->verified ? json_integer((json_int_t)res->verified_by + 1)
                                          : json_null());
        json_object_set_new(root, "minimal_proven", json_boolean(res->minimal_proven));
        json_object_set_new(root, "minimal_dropped", json_integer(res->minimal_dropped));
        json_object_set_new(root, "docker_flags", json_string(flags ? flags : ""));
        json_object_set_new(root, "compose", json_string(compose ? compose : ""));
        json_object_set_new(root, "log2_n", json_integer(needs_ceil_log2(n)));
        json_object_set_new(
            root, "run_bound",
            o->naive ? json_integer(n + 1)
                     : json_integer(k ? k * needs_ceil_log2(n) + 2 + needs_excess(n) : 2));
        free(flags);
        free(compose);
    } else {
        json_object_set_new(root, "needs", json_null());
    }
    if (res->verdict == NEEDS_FLAKY)
        json_object_set_new(root, "flaky",
                            json_pack("{s:o, s:i, s:i}", "set", caps_json(res->flaky_set), "passed",
                                      (int)res->flaky_pass, "runs", (int)res->flaky_total));
    else
        json_object_set_new(root, "flaky", json_null());
    json_t *log = json_array();
    for (size_t i = 0; i < res->n_runs; i++)
        json_array_append_new(log, run_json(&res->runs[i], i));
    json_object_set_new(root, "run_log", log);
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(root);
}

static double monotonic_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int exit_status_for(const struct err *e)
{
    switch (e->code) {
    case ERR_NAMESPACES:
        return SANDBOX_EXIT_NO_NS;
    case ERR_USAGE:
        return CLI_EXIT_USAGE;
    default:
        return SANDBOX_EXIT_SETUP;
    }
}

static int search_and_report(struct needs_cli *o, char **command)
{
    struct err e = {0};
    const struct sandbox_support *support = sandbox_support();
    if (!support->available && o->cmd.mode == SANDBOX_MODE_AUTO) {
        err_printf("%s", support->reason);
        return SANDBOX_EXIT_NO_NS;
    }
    struct caps_request req = {.baseline = o->baseline};
    capmask baseline_set = caps_resolve(&req);
    capmask universe = needs_grantable(o->baseline, o->cmd.mode);

    struct needs_sandbox sb;
    if (needs_sandbox_init(&sb, &o->cmd, &e) < 0) {
        err_print(&e);
        return SANDBOX_EXIT_SETUP;
    }
    bool tty = isatty(STDERR_FILENO);
    struct needs_options opts = {
        .universe = universe,
        .repeat = o->repeat,
        .strict = o->strict,
        .naive = o->naive,
        .prove_minimal = o->prove_minimal,
        .oracle = needs_sandbox_oracle,
        .oracle_ctx = &sb,
        .progress = tty ? show_progress : NULL,
    };
    struct needs_result res;
    double start = monotonic_seconds();
    int rc = needs_search(&opts, &res, &e);
    double wall = monotonic_seconds() - start;
    if (tty)
        clear_progress();
    int status;
    if (rc < 0) {
        err_print(&e);
        status = exit_status_for(&e);
        goto out;
    }
    if (baseline_set & ~universe && !o->json) {
        char *missing = caps_to_names(baseline_set & ~universe, ",", false);
        err_warn("not searched: %s (not in this host's bounding set, so no sandbox can hold it)",
                 missing ? missing : "?");
        free(missing);
    }
    if (o->json)
        print_json(o, command, &res, universe, baseline_set, wall);
    switch (res.verdict) {
    case NEEDS_FOUND:
        if (res.minimal_dropped)
            err_warn("the search's answer held %u capabilit%s the command passed without when "
                     "checked: it is flaky or behaves differently with more capabilities "
                     "(try --repeat)",
                     res.minimal_dropped, res.minimal_dropped == 1 ? "y" : "ies");
        if (!o->json) {
            if (o->verbose)
                print_run_log(&res, stdout);
            print_found(o, &res, universe, wall);
        }
        status = CLI_EXIT_OK;
        break;
    case NEEDS_FAILS_WITH_ALL:
        if (o->verbose && !o->json)
            print_run_log(&res, stdout);
        explain_failure(o, &res, universe);
        status = CLI_EXIT_NO;
        break;
    default:
        if (o->verbose && !o->json)
            print_run_log(&res, stdout);
        explain_flaky(o, &res, universe);
        status = CLI_EXIT_NO;
        break;
    }
out:
    needs_result_release(&res);
    needs_sandbox_release(&sb);
    return status;
}

int cli_needs(int argc, char **argv)
{
    struct needs_cli o;
    memset(&o, 0, sizeof o);
    o.repeat = 1;
    o.cmd.timeout = DEFAULT_TIMEOUT;
    int status = parse_needs_options(argc, argv, &o);
    if (status < 0) {
        char **command = argv + optind;
        o.cmd.argv = command;
        o.cmd.ro_binds = o.n_shares ? o.shares : NULL;
        status = search_and_report(&o, command);
    }
    for (size_t i = 0; i < o.n_shares; i++)
        free(o.shares[i]);
    return status;
}
