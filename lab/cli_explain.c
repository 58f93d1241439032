/* caplab explain: what a capability governs, from assets/capabilities.json. */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "capinfo.h"
#include "caps.h"
#include "cli.h"
#include "err.h"

#define WIDTH 78

/* Print `text` wrapped at WIDTH, every line starting with `indent` spaces; the first line
 * starts at column `col` (already printed). */
static void wrap(const char *text, int indent, int col)
{
    const char *p = text;
    while (*p) {
        size_t word = strcspn(p, " ");
        if (col > indent && col + 1 + (int)word > WIDTH) {
            printf("\n%*s", indent, "");
            col = indent;
        } else if (col > indent) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)word, p);
        col += (int)word;
        p += word;
        while (*p == ' ')
            p++;
    }
    putchar('\n');
}

static void print_list(const char *label, const char *const *items, size_t n)
{
    printf("%-14s", label);
    char joined[2048] = "";
    for (size_t i = 0; i < n; i++) {
        size_t len = strlen(joined);
        snprintf(joined + len, sizeof joined - len, "%s%s", i ? ", " : "", items[i]);
    }
    wrap(joined, 14, 14);
}

static void print_entry(const struct capinfo_entry *c)
{
    printf("CAP_%s (capability %u)%s\n\n", c->name, c->cap,
           c->docker_default ? ": Docker grants it by default" : ": not in Docker's defaults");
    printf("  ");
    wrap(c->governs, 2, 2);
    putchar('\n');
    print_list("System calls", c->syscalls, c->n_syscalls);
    print_list("Commands", c->commands, c->n_commands);
    printf("%-14s", "Probe");
    wrap(c->probe, 14, 14);
    if (c->n_related) {
        printf("Related\n");
        for (size_t i = 0; i < c->n_related; i++) {
            printf("  %-20s", c->related[i].name);
            wrap(c->related[i].note, 22, 22);
        }
    }
    if (c->danger) {
        printf("%-14s", "Danger");
        wrap(c->danger, 14, 14);
    }
    printf("\nTry it:  caplab probe %s\n", c->name);
    printf("         caplab run --compare %s -- COMMAND\n", c->name);
}

static json_t *strings_json(const char *const *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static json_t *entry_json(const struct capinfo_entry *c)
{
    json_t *related = json_array();
    for (size_t i = 0; i < c->n_related; i++)
        json_array_append_new(related, json_pack("{s:s, s:s}", "name", c->related[i].name, "note",
                                                 c->related[i].note));
    return json_pack("{s:s, s:i, s:s, s:o, s:o, s:b, s:s, s:o, s:s?}", "name", c->name, "number",
                     (int)c->cap, "governs", c->governs, "syscalls",
                     strings_json(c->syscalls, c->n_syscalls), "commands",
                     strings_json(c->commands, c->n_commands), "docker_default", c->docker_default,
                     "probe", c->probe, "related", related, "danger", c->danger);
}

/* The first sentence of `text`, cut to fit `n` bytes. */
static void first_sentence(const char *text, char *buf, size_t n)
{
    const char *end = strstr(text, ". ");
    size_t len = end ? (size_t)(end - text) : strlen(text);
    if (len >= n) {
        len = n - 4;
        while (len > 0 && text[len] != ' ')
            len--;
        snprintf(buf, n, "%.*s...", (int)len, text);
        return;
    }
    snprintf(buf, n, "%.*s", (int)len, text);
}

static void print_list_all(const struct capinfo *info)
{
    printf("%-3s %-20s %-6s %s\n", "#", "CAPABILITY", "DOCKER", "GOVERNS");
    for (unsigned cap = 0; cap < capinfo_count(info); cap++) {
        const struct capinfo_entry *c = capinfo_get(info, cap);
        char summary[WIDTH - 32];
        first_sentence(c->governs, summary, sizeof summary);
        printf("%-3u %-20s %-6s %s\n", c->cap, c->name, c->docker_default ? "yes" : "-", summary);
    }
}

enum { OPT_LIST = 256, OPT_JSON };

int cli_explain(int argc, char **argv)
{
    static const struct option options[] = {
        {"list", no_argument, NULL, OPT_LIST},
        {"json", no_argument, NULL, OPT_JSON},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    bool list = false, json = false;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", options, NULL)) != -1) {
        if (c == OPT_LIST)
            list = true;
        else if (c == OPT_JSON)
            json = true;
        else if (c == 'h') {
            cli_print_usage(cli_find("explain"), stdout);
            return CLI_EXIT_OK;
        } else
            return cli_usage_error("explain", "unknown option \"%s\"", argv[optind - 1]);
    }
    if (!list && optind >= argc)
        return cli_usage_error("explain", "name a capability (e.g. NET_RAW), or --list");
    if (list && optind < argc)
        return cli_usage_error("explain", "give capabilities or --list, not both");

    struct err e = {0};
    unsigned caps[64];
    size_t n = 0;
    for (int i = optind; i < argc && n < 64; i++) {
        if (caps_parse(argv[i], &caps[n], &e) < 0) {
            err_print(&e);
            return CLI_EXIT_USAGE;
        }
        n++;
    }
    const struct capinfo *info = capinfo_default(&e);
    if (!info) {
        err_print(&e);
        return CLI_EXIT_NO;
    }
    if (list)
        for (unsigned cap = 0; cap < capinfo_count(info) && n < 64; cap++)
            caps[n++] = cap;
    if (json) {
        json_t *all = json_array();
        for (size_t i = 0; i < n; i++)
            json_array_append_new(all, entry_json(capinfo_get(info, caps[i])));
        json_dumpf(all, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
        fputc('\n', stdout);
        json_decref(all);
        return CLI_EXIT_OK;
    }
    if (list) {
        print_list_all(info);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < n; i++) {
        if (i)
            printf("\n");
        print_entry(capinfo_get(info, caps[i]));
    }
    return CLI_EXIT_OK;
}
