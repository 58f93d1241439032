/* caplab run: the sandbox from the command line. */
#include <getopt.h>
#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "caps.h"
#include "cli.h"
#include "compare.h"
#include "err.h"
#include "privs.h"
#include "sandbox.h"

struct run_options {
    struct caps_request caps;
    struct sandbox_config cfg;
    bool json, explain, dry_run, ambient;
    char *shares[16];
    int n_shares;
    bool compare; /* --compare CAP: run twice, with and without compare_cap */
    unsigned compare_cap;
};

enum {
    OPT_BASELINE = 256,
    OPT_CAP_DROP,
    OPT_CAP_ADD,
    OPT_USER,
    OPT_NNP,
    OPT_SYSCTLS,
    OPT_MODE,
    OPT_TIMEOUT,
    OPT_JSON,
    OPT_EXPLAIN,
    OPT_DRY_RUN,
    OPT_AMBIENT,
    OPT_SETUP,
    OPT_SHARE,
    OPT_COMPARE,
};

static const struct option run_long_options[] = {
    {"baseline", required_argument, NULL, OPT_BASELINE},
    {"cap-drop", required_argument, NULL, OPT_CAP_DROP},
    {"cap-add", required_argument, NULL, OPT_CAP_ADD},
    {"user", required_argument, NULL, OPT_USER},
    {"no-new-privs", no_argument, NULL, OPT_NNP},
    {"docker-sysctls", no_argument, NULL, OPT_SYSCTLS},
    {"mode", required_argument, NULL, OPT_MODE},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"explain", no_argument, NULL, OPT_EXPLAIN},
    {"dry-run", no_argument, NULL, OPT_DRY_RUN},
    {"ambient", no_argument, NULL, OPT_AMBIENT},
    {"setup", required_argument, NULL, OPT_SETUP},
    {"share", required_argument, NULL, OPT_SHARE},
    {"compare", required_argument, NULL, OPT_COMPARE},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

static int parse_timeout(const char *text, double *out)
{
    char *end;
    double v = strtod(text, &end);
    if (end == text || *end || v < 0 || v > 86400)
        return -1;
    *out = v;
    return 0;
}

/* Returns -1 on success, else the exit status to return (usage errors). */
static int parse_run_options(int argc, char **argv, struct run_options *o)
{
    struct err e = {0};
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", run_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_BASELINE:
            if (caps_baseline_parse(optarg, &o->caps.baseline, &e) < 0)
                return cli_usage_error("run", "%s", e.msg);
            break;
        case OPT_CAP_DROP:
        case OPT_CAP_ADD:
            if (caps_request_add(&o->caps, optarg, c == OPT_CAP_DROP, &e) < 0) {
                err_print(&e);
                return CLI_EXIT_USAGE;
            }
            break;
        case OPT_USER:
            o->cfg.user = optarg;
            break;
        case OPT_NNP:
            o->cfg.no_new_privs = true;
            break;
        case OPT_SYSCTLS:
            o->cfg.docker_sysctls = true;
            break;
        case OPT_MODE:
            if (sandbox_mode_parse(optarg, &o->cfg.mode, &e) < 0)
                return cli_usage_error("run", "%s", e.msg);
            break;
        case OPT_TIMEOUT:
            if (parse_timeout(optarg, &o->cfg.timeout) < 0)
                return cli_usage_error("run", "bad --timeout \"%s\": expected seconds (0-86400)",
                                       optarg);
            break;
        case OPT_JSON:
            o->json = true;
            break;
        case OPT_EXPLAIN:
            o->explain = true;
            break;
        case OPT_DRY_RUN:
            o->dry_run = o->explain = true;
            break;
        case OPT_AMBIENT:
            o->ambient = true;
            break;
        case OPT_SETUP:
            o->cfg.setup = optarg;
            break;
        case OPT_SHARE:
            if (o->n_shares + 1 >= (int)(sizeof o->shares / sizeof o->shares[0]))
                return cli_usage_error("run", "too many --share paths");
            if (optarg[0] != '/')
                return cli_usage_error("run", "--share needs an absolute path, got \"%s\"", optarg);
            o->shares[o->n_shares++] = optarg;
            o->cfg.ro_binds = o->shares;
            break;
        case OPT_COMPARE:
            if (caps_parse(optarg, &o->compare_cap, &e) < 0) {
                err_print(&e);
                return CLI_EXIT_USAGE;
            }
            o->compare = true;
            break;
        case 'h':
            cli_print_usage(cli_find("run"), stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("run", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    return -1;
}

static void print_explain(capmask set, FILE *f)
{
    char *flags = caps_docker_flags(set);
    char *compose = caps_compose_snippet(set);
    char *iab = caps_iab_text(set);
    fprintf(f, "docker run %s%sIMAGE\n", flags && *flags ? flags : "", flags && *flags ? " " : "");
    fprintf(f, "compose (under the service):\n");
    if (compose && *compose) {
        for (char *line = strtok(compose, "\n"); line; line = strtok(NULL, "\n"))
            fprintf(f, "  %s\n", line);
    } else {
        fprintf(f, "  (nothing: Docker's defaults)\n");
    }
    fprintf(f, "libcap IAB: %s\n", iab && *iab ? iab : "(empty: nothing dropped)");
    free(flags);
    free(compose);
    free(iab);
}

static json_t *caps_json(capmask set)
{
    json_t *list = json_array();
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (set & CAPS_BIT(cap))
            json_array_append_new(list, json_string(caps_name(cap)));
    return list;
}

static json_t *sets_json(const struct privs_sets *s)
{
    return json_pack("{s:o, s:o, s:o, s:o, s:o}", "inheritable", caps_json(s->inheritable),
                     "permitted", caps_json(s->permitted), "effective", caps_json(s->effective),
                     "bounding", caps_json(s->bounding), "ambient", caps_json(s->ambient));
}

static void print_json(const struct run_options *o, char **command,
                       const struct sandbox_result *res)
{
    struct privs_request req = {.caps = o->cfg.caps, .ambient = o->cfg.ambient};
    struct privs_identity id;
    struct privs_sets sets;
    if (privs_resolve_user(o->cfg.user, &id, NULL) < 0)
        id.uid = 0;
    privs_expected_sets(&req, id.uid, &sets);
    json_t *cmd = json_array();
    for (int i = 0; command[i]; i++)
        json_array_append_new(cmd, json_string(command[i]));
    json_t *root = json_pack(
        "{s:o, s:s, s:s, s:o, s:i, s:o, s:b, s:f, s:s%, s:b, s:s%, s:b}", "command", cmd, "mode",
        sandbox_mode_name(res->mode), "user", o->cfg.user ? o->cfg.user : "root", "sets",
        sets_json(&sets), "exit_code", res->exit_code, "signal",
        res->term_signal ? json_string(sigabbrev_np(res->term_signal)) : json_null(), "timed_out",
        res->timed_out, "duration_seconds", res->seconds, "stdout", res->out ? res->out : "",
        res->out_len, "stdout_truncated", res->out_truncated, "stderr",
        res->errout ? res->errout : "", res->err_len, "stderr_truncated", res->err_truncated);
    json_object_set_new(root, "no_new_privs", json_boolean(o->cfg.no_new_privs));
    json_object_set_new(root, "docker_sysctls", json_boolean(o->cfg.docker_sysctls));
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(root);
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

/* --compare: both runs side by side (exit status, first lines of stderr and stdout). */
#define COMPARE_COLUMN 36
#define COMPARE_RIGHT  72

static void print_compare_rows(const char *label, const char *left, const char *right)
{
    const char *l = left, *r = right;
    bool first = true;
    while (first || *l || *r) {
        size_t ll = strcspn(l, "\n"), rl = strcspn(r, "\n");
        printf("%-12s %-*.*s  %.*s\n", first ? label : "", COMPARE_COLUMN, (int)ll, l, (int)rl, r);
        l += ll + (l[ll] == '\n');
        r += rl + (r[rl] == '\n');
        first = false;
    }
}

static void exit_text(const struct sandbox_result *res, char *buf, size_t n)
{
    if (res->timed_out)
        snprintf(buf, n, "timed out");
    else if (res->term_signal)
        snprintf(buf, n, "%d (killed by SIG%s)", res->exit_code, sigabbrev_np(res->term_signal));
    else
        snprintf(buf, n, "%d", res->exit_code);
}

static void print_compare(const struct compare_result *r)
{
    const char *name = caps_name(r->cap);
    char head_with[64], head_without[64];
    snprintf(head_with, sizeof head_with, "with %s", name);
    snprintf(head_without, sizeof head_without, "without %s", name);
    print_compare_rows("", head_with, head_without);
    char left[1024], right[1024];
    exit_text(&r->with, left, sizeof left);
    exit_text(&r->without, right, sizeof right);
    print_compare_rows("exit status", left, right);
    compare_first_lines(r->with.errout, 4, COMPARE_COLUMN, left, sizeof left);
    compare_first_lines(r->without.errout, 4, COMPARE_RIGHT, right, sizeof right);
    print_compare_rows("stderr", left[0] ? left : "(empty)", right[0] ? right : "(empty)");
    compare_first_lines(r->with.out, 4, COMPARE_COLUMN, left, sizeof left);
    compare_first_lines(r->without.out, 4, COMPARE_RIGHT, right, sizeof right);
    print_compare_rows("stdout", left[0] ? left : "(empty)", right[0] ? right : "(empty)");
    printf("\n%s\n", compare_differs(r) ? "The capability makes a difference."
                                        : "No visible difference: the command does not need it "
                                          "(in this setting).");
}

static json_t *compare_side_json(capmask set, const struct sandbox_result *res)
{
    return json_pack("{s:o, s:i, s:o, s:b, s:s%, s:s%}", "caps", caps_json(set), "exit_code",
                     res->exit_code, "signal",
                     res->term_signal ? json_string(sigabbrev_np(res->term_signal)) : json_null(),
                     "timed_out", res->timed_out, "stdout", res->out ? res->out : "", res->out_len,
                     "stderr", res->errout ? res->errout : "", res->err_len);
}

static int run_compare(struct run_options *o, char **command)
{
    if (!o->cfg.argv)
        return cli_usage_error("run", "--compare needs a command (after --)");
    if (o->dry_run)
        return cli_usage_error("run", "--compare and --dry-run do not go together");
    struct compare_result r;
    struct err e = {0};
    if (compare_run(&o->cfg, o->compare_cap, &r, &e) < 0) {
        err_print(&e);
        return exit_status_for(&e);
    }
    (void)command;
    if (o->json) {
        json_t *root = json_pack("{s:s, s:o, s:o, s:b}", "capability", caps_name(r.cap), "with",
                                 compare_side_json(r.with_caps, &r.with), "without",
                                 compare_side_json(r.without_caps, &r.without), "differs",
                                 compare_differs(&r));
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(root);
    } else {
        print_compare(&r);
    }
    compare_result_release(&r);
    return CLI_EXIT_OK;
}

int cli_run(int argc, char **argv)
{
    struct run_options o;
    memset(&o, 0, sizeof o);
    int status = parse_run_options(argc, argv, &o);
    if (status >= 0)
        return status;
    char **command = argv + optind;
    o.cfg.caps = caps_resolve(&o.caps);
    o.cfg.ambient = o.ambient ? o.cfg.caps : 0;
    o.cfg.argv = command[0] ? command : NULL;
    char tag[96];
    caps_prompt_tag(o.cfg.caps, tag, sizeof tag);
    o.cfg.prompt_tag = tag;
    if (o.json) {
        if (!o.cfg.argv)
            return cli_usage_error("run", "--json needs a command (after --)");
        o.cfg.io = SANDBOX_IO_CAPTURE;
    }

    capmask missing = o.cfg.caps & ~sandbox_grantable(o.cfg.mode);
    if (missing) {
        char *names = caps_to_names(missing, ",", false);
        err_warn("this host cannot grant %s (its own root lacks it); the sandbox runs without",
                 names ? names : "some capabilities");
        free(names);
        o.cfg.caps &= ~missing;
    }
    if (o.compare)
        return run_compare(&o, command);
    if (o.explain)
        print_explain(o.cfg.caps, o.json ? stderr : stdout);
    if (o.dry_run)
        return CLI_EXIT_OK;
    fflush(stdout);

    struct sandbox_result res;
    struct err e = {0};
    if (sandbox_run(&o.cfg, &res, &e) < 0) {
        err_print(&e);
        return exit_status_for(&e);
    }
    if (o.json)
        print_json(&o, command, &res);
    else if (res.timed_out)
        err_printf("the command was killed after the %gs timeout", o.cfg.timeout);
    status = res.timed_out ? SANDBOX_EXIT_TIMEOUT : res.exit_code;
    sandbox_result_release(&res);
    return status;
}
