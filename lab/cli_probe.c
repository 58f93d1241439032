/* caplab probe: each capability's demonstration, with and without it, side by side. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "caps.h"
#include "cli.h"
#include "err.h"
#include "probes.h"
#include "sandbox.h"

struct probe_cli {
    bool all, json;
    enum sandbox_mode mode;
    struct probe_options opts;
};

enum { OPT_ALL = 256, OPT_MODE, OPT_SYSCTLS, OPT_JSON };

static const struct option probe_long_options[] = {
    {"all", no_argument, NULL, OPT_ALL},
    {"mode", required_argument, NULL, OPT_MODE},
    {"docker-sysctls", no_argument, NULL, OPT_SYSCTLS},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static void cell(const struct probe_outcome *o, char *buf, size_t n)
{
    switch (o->result) {
    case PROBE_SUCCEEDED:
        if (o->err_no)
            snprintf(buf, n, "succeeded (%s after)", probe_errno_name(o->err_no));
        else
            snprintf(buf, n, "succeeded");
        break;
    case PROBE_DENIED:
        snprintf(buf, n, "denied %s", probe_errno_name(o->err_no));
        break;
    case PROBE_SILENTLY_IGNORED:
        snprintf(buf, n, "silently ignored");
        break;
    case PROBE_NOT_DEMONSTRABLE:
        snprintf(buf, n, "not demonstrable");
        break;
    case PROBE_FAILED:
    default:
        snprintf(buf, n, "probe failed");
        break;
    }
}

static void print_row(const struct probe_pair *p, bool verbose)
{
    char with[48], without[48];
    cell(&p->with, with, sizeof with);
    cell(&p->without, without, sizeof without);
    printf("%-20s %-26s %-26s %s\n", caps_name(p->cap), with, without,
           probe_verdict_name(p->verdict));
    if (verbose) {
        printf("    call     %s\n", p->with.call);
        if (p->also_dropped) {
            char *names = caps_to_names(p->also_dropped, ",", false);
            printf("    note     %s removed from both runs: it grants the same access\n",
                   names ? names : "");
            free(names);
        }
        if (p->with.detail[0])
            printf("    with     %s\n", p->with.detail);
        if (p->without.detail[0] && strcmp(p->without.detail, p->with.detail) != 0)
            printf("    without  %s\n", p->without.detail);
    }
    bool repeated = verbose && strcmp(p->why, p->with.detail) == 0;
    if ((verbose || p->verdict != PROBE_DEMONSTRATED) && !repeated)
        printf("    why      %s\n", p->why);
}

static json_t *outcome_json(const struct probe_outcome *o)
{
    return json_pack("{s:s, s:s?, s:s, s:s}", "result", probe_result_name(o->result), "errno",
                     o->err_no ? probe_errno_name(o->err_no) : NULL, "call", o->call, "detail",
                     o->detail);
}

static json_t *pair_json(const struct probe_pair *p)
{
    json_t *also = json_array();
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (p->also_dropped & CAPS_BIT(cap))
            json_array_append_new(also, json_string(caps_name(cap)));
    return json_pack("{s:s, s:i, s:s, s:o, s:o, s:o, s:s, s:s, s:f}", "capability",
                     caps_name(p->cap), "number", (int)p->cap, "mode", sandbox_mode_name(p->mode),
                     "also_dropped", also, "with", outcome_json(&p->with), "without",
                     outcome_json(&p->without), "verdict", probe_verdict_name(p->verdict), "why",
                     p->why, "seconds", p->seconds);
}

/* Returns -1 to go on, else an exit status. */
static int parse_probe_options(int argc, char **argv, struct probe_cli *o)
{
    struct err e = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", probe_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_ALL:
            o->all = true;
            break;
        case OPT_MODE:
            if (sandbox_mode_parse(optarg, &o->mode, &e) < 0)
                return cli_usage_error("probe", "%s", e.msg);
            break;
        case OPT_SYSCTLS:
            o->opts.docker_sysctls = true;
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case 'h':
            cli_print_usage(cli_find("probe"), stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("probe", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    return -1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cli_probe(int argc, char **argv)
{
    struct probe_cli o;
    memset(&o, 0, sizeof o);
    int status = parse_probe_options(argc, argv, &o);
    if (status >= 0)
        return status;
    struct err e = {0};
    unsigned caps[64];
    size_t n = 0;
    if (o.all) {
        if (optind < argc)
            return cli_usage_error("probe", "give capabilities or --all, not both");
        for (unsigned cap = 0; cap <= caps_last() && n < 64; cap++)
            caps[n++] = cap;
    } else {
        if (optind >= argc)
            return cli_usage_error("probe", "name a capability (e.g. NET_RAW), or --all");
        for (int i = optind; i < argc && n < 64; i++) {
            if (caps_parse(argv[i], &caps[n], &e) < 0) {
                err_print(&e);
                return CLI_EXIT_USAGE;
            }
            n++;
        }
    }

    enum sandbox_mode mode = sandbox_effective_mode(o.mode);
    const struct sandbox_support *support = sandbox_support();
    if (!support->available && o.mode == SANDBOX_MODE_AUTO) {
        err_printf("%s", support->reason);
        return SANDBOX_EXIT_NO_NS;
    }
    json_t *list = o.json ? json_array() : NULL;
    if (!o.json) {
        printf("Probes in %s mode: each run with the capability and without it (everything "
               "else equal)\n\n",
               sandbox_mode_name(mode));
        printf("%-20s %-26s %-26s %s\n", "CAPABILITY", "WITH", "WITHOUT", "VERDICT");
    }
    unsigned counts[3] = {0, 0, 0};
    double start = now_seconds();
    for (size_t i = 0; i < n; i++) {
        struct probe_pair pair;
        fflush(stdout);
        if (probe_compare(caps[i], mode, &o.opts, &pair, &e) < 0) {
            err_print(&e);
            json_decref(list);
            return e.code == ERR_NAMESPACES ? SANDBOX_EXIT_NO_NS : SANDBOX_EXIT_SETUP;
        }
        counts[pair.verdict]++;
        if (list)
            json_array_append_new(list, pair_json(&pair));
        else
            print_row(&pair, !o.all);
    }
    double seconds = now_seconds() - start;
    if (list) {
        json_t *root =
            json_pack("{s:s, s:o, s:{s:i, s:i, s:i}, s:f}", "mode", sandbox_mode_name(mode),
                      "probes", list, "summary", "demonstrated", counts[PROBE_DEMONSTRATED],
                      "not_demonstrable", counts[PROBE_UNDEMONSTRABLE], "contradicts",
                      counts[PROBE_CONTRADICTS], "seconds", seconds);
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(root);
    } else {
        printf("\n%u demonstrated, %u not demonstrable here, %u contradict the expectation "
               "(%zu pairs, %.2fs)\n",
               counts[PROBE_DEMONSTRATED], counts[PROBE_UNDEMONSTRABLE], counts[PROBE_CONTRADICTS],
               n, seconds);
        if (mode == SANDBOX_MODE_ROOTLESS && support->limits[0])
            printf("%s\n", support->limits);
    }
    return counts[PROBE_CONTRADICTS] ? CLI_EXIT_NO : CLI_EXIT_OK;
}
