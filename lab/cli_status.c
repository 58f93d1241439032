/* caplab status: a process's capability sets, decoded (like capsh --print). */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "capstatus.h"
#include "cli.h"
#include "err.h"

static void print_set(const char *label, capmask set)
{
    char hex[17];
    caps_to_hex(set, hex);
    char *names = caps_to_names(set, ",", false);
    unsigned n = caps_count(set);
    if (set == caps_all())
        printf("%-13s %s  all %u\n", label, hex, n);
    else
        printf("%-13s %s  %s%s\n", label, hex, n ? names : "(none)", "");
    free(names);
}

static json_t *names_json(capmask set)
{
    json_t *a = json_array();
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (set & CAPS_BIT(cap))
            json_array_append_new(a, json_string(caps_name(cap)));
    return a;
}

static const char *seccomp_name(int mode)
{
    switch (mode) {
    case 0:
        return "off";
    case 1:
        return "strict";
    case 2:
        return "filter";
    default:
        return "unknown";
    }
}

static void print_status(const struct capstatus *s)
{
    printf("process      %d (%s)\n", (int)s->pid, s->name);
    printf("uid          %ld (effective %ld, saved %ld)\n", s->uid[0], s->uid[1], s->uid[2]);
    printf("gid          %ld (effective %ld, saved %ld)\n", s->gid[0], s->gid[1], s->gid[2]);
    print_set("effective", s->effective);
    print_set("permitted", s->permitted);
    print_set("inheritable", s->inheritable);
    print_set("bounding", s->bounding);
    capmask missing = caps_all() & ~s->bounding;
    if (missing) {
        char *names = caps_to_names(missing, ",", false);
        printf("%-13s %s (%u: never again for this process or its children)\n", "not bounding",
               names ? names : "", caps_count(missing));
        free(names);
    }
    print_set("ambient", s->ambient);
    char bits[256];
    capstatus_securebits_text(s->securebits, bits, sizeof bits);
    if (s->securebits >= 0)
        printf("securebits   0x%lx: %s\n", s->securebits, bits);
    else
        printf("securebits   unknown (the kernel shows them only to the process itself)\n");
    if (s->no_new_privs >= 0)
        printf("no_new_privs %d%s\n", s->no_new_privs,
               s->no_new_privs ? " (setuid bits and file capabilities are ignored at exec)" : "");
    printf("seccomp      %s\n", seccomp_name(s->seccomp));
}

static void print_json(const struct capstatus *s)
{
    json_t *root = json_pack(
        "{s:i, s:s, s:[i,i,i,i], s:[i,i,i,i], s:{s:o, s:o, s:o, s:o, s:o}, s:o, s:o, s:s}", "pid",
        (int)s->pid, "name", s->name, "uid", (int)s->uid[0], (int)s->uid[1], (int)s->uid[2],
        (int)s->uid[3], "gid", (int)s->gid[0], (int)s->gid[1], (int)s->gid[2], (int)s->gid[3],
        "sets", "effective", names_json(s->effective), "permitted", names_json(s->permitted),
        "inheritable", names_json(s->inheritable), "bounding", names_json(s->bounding), "ambient",
        names_json(s->ambient), "securebits",
        s->securebits >= 0 ? json_integer(s->securebits) : json_null(), "no_new_privs",
        s->no_new_privs >= 0 ? json_boolean(s->no_new_privs) : json_null(), "seccomp",
        seccomp_name(s->seccomp));
    json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
    fputc('\n', stdout);
    json_decref(root);
}

int cli_status(int argc, char **argv)
{
    static const struct option options[] = {
        {"json", no_argument, NULL, 'j'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
        if (c == 'j')
            json = true;
        else if (c == 'h') {
            cli_print_usage(cli_find("status"), stdout);
            return CLI_EXIT_OK;
        } else
            return cli_usage_error("status", "unknown option \"%s\"", argv[optind - 1]);
    }
    if (argc - optind > 1)
        return cli_usage_error("status", "at most one PID");
    long pid = 0;
    if (optind < argc) {
        char *end;
        pid = strtol(argv[optind], &end, 10);
        if (end == argv[optind] || *end || pid <= 0 || pid > 4194304)
            return cli_usage_error("status", "bad PID \"%s\": expected a process id", argv[optind]);
    }
    struct capstatus s;
    struct err e = {0};
    if (capstatus_read((pid_t)pid, &s, &e) < 0) {
        err_print(&e);
        return CLI_EXIT_NO;
    }
    if (json)
        print_json(&s);
    else
        print_status(&s);
    return CLI_EXIT_OK;
}
