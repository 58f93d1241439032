#include "caps.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>

#define CAPS_LIMIT   64
#define NAME_MAX_LEN 32

static char cap_names[CAPS_LIMIT][NAME_MAX_LEN];
static unsigned last_cap;
static bool names_ready;

static unsigned read_last_cap(void)
{
    unsigned value = 0;
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    if (f) {
        int ok = fscanf(f, "%u", &value);
        fclose(f);
        if (ok == 1 && value < CAPS_LIMIT)
            return value;
    }
    /* No /proc (or a strange value): trust libcap's idea of the kernel. */
    int bits = (int)cap_max_bits();
    return bits > 0 && bits <= CAPS_LIMIT ? (unsigned)bits - 1 : 40;
}

/* Fill the name table once: libcap's "cap_net_raw" becomes "NET_RAW". */
static void load_names(void)
{
    if (names_ready)
        return;
    last_cap = read_last_cap();
    for (unsigned cap = 0; cap <= last_cap; cap++) {
        char *name = cap_to_name((cap_value_t)cap);
        const char *text = name ? name : "";
        if (strncmp(text, "cap_", 4) == 0)
            text += 4;
        size_t i = 0;
        for (; text[i] && i + 1 < NAME_MAX_LEN; i++)
            cap_names[cap][i] = (char)toupper((unsigned char)text[i]);
        cap_names[cap][i] = '\0';
        cap_free(name);
    }
    names_ready = true;
}

unsigned caps_last(void)
{
    load_names();
    return last_cap;
}

capmask caps_all(void)
{
    unsigned last = caps_last();
    return last >= 63 ? ~(capmask)0 : (CAPS_BIT(last + 1) - 1);
}

capmask caps_docker_defaults(void)
{
    static const cap_value_t defaults[] = {
        CAP_CHOWN,   CAP_DAC_OVERRIDE, CAP_FSETID,           CAP_FOWNER,
        CAP_MKNOD,   CAP_NET_RAW,      CAP_SETGID,           CAP_SETUID,
        CAP_SETFCAP, CAP_SETPCAP,      CAP_NET_BIND_SERVICE, CAP_SYS_CHROOT,
        CAP_KILL,    CAP_AUDIT_WRITE,
    };
    capmask set = 0;
    for (size_t i = 0; i < sizeof defaults / sizeof defaults[0]; i++)
        set |= CAPS_BIT(defaults[i]);
    return set & caps_all();
}

const char *caps_name(unsigned cap)
{
    load_names();
    return cap <= last_cap ? cap_names[cap] : NULL;
}

char *caps_normalise(const char *text, char *out, size_t n)
{
    if (n == 0)
        return out;
    const char *start = text;
    const char *end = text + strlen(text);
    /* Trim anything that cannot be part of a name: spaces, quotes, dots, commas. */
    while (start < end && !isalnum((unsigned char)*start))
        start++;
    while (end > start && !isalnum((unsigned char)end[-1]))
        end--;
    size_t len = 0;
    bool last_was_sep = false;
    for (const char *p = start; p < end && len + 1 < n; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == ' ' || c == '-' || c == '_' || c == '\t') {
            if (!last_was_sep)
                out[len++] = '_';
            last_was_sep = true;
            continue;
        }
        last_was_sep = false;
        out[len++] = (char)toupper(c);
    }
    out[len] = '\0';
    if (strncmp(out, "CAP_", 4) == 0)
        memmove(out, out + 4, len - 4 + 1);
    return out;
}

bool caps_is_all(const char *text)
{
    char norm[NAME_MAX_LEN * 2];
    caps_normalise(text, norm, sizeof norm);
    return strcmp(norm, "ALL") == 0;
}

/* Optimal string alignment distance: Levenshtein plus adjacent transpositions,
 * so "SERIVCE" is one edit from "SERVICE", as a typist would count it. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la >= NAME_MAX_LEN * 2 || lb >= NAME_MAX_LEN * 2)
        return (size_t)-1;
    size_t d[NAME_MAX_LEN * 2 + 1][NAME_MAX_LEN * 2 + 1];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        for (size_t j = 1; j <= lb; j++) {
            /* The analyzer loses track of strlen here and thinks a[] may be unset. */
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1; // NOLINT(clang-analyzer-core.Undefined*)
            size_t best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (d[i - 1][j - 1] + cost < best)
                best = d[i - 1][j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    }
    return d[la][lb];
}

const char *caps_suggest(const char *text)
{
    char norm[NAME_MAX_LEN * 2];
    caps_normalise(text, norm, sizeof norm);
    size_t len = strlen(norm);
    if (len == 0)
        return NULL;
    const char *best = NULL;
    size_t best_distance = (size_t)-1;
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        size_t dist = edit_distance(norm, caps_name(cap));
        if (dist < best_distance) {
            best_distance = dist;
            best = caps_name(cap);
        }
    }
    /* Allow about one typo per four letters, at least two: close enough to be a slip. */
    size_t allowed = len / 4 > 2 ? len / 4 : 2;
    return best_distance <= allowed ? best : NULL;
}

int caps_parse(const char *text, unsigned *cap, struct err *e)
{
    char norm[NAME_MAX_LEN * 2];
    caps_normalise(text, norm, sizeof norm);
    for (unsigned c = 0; c <= caps_last(); c++) {
        if (strcmp(norm, caps_name(c)) == 0) {
            *cap = c;
            return 0;
        }
    }
    const char *near = caps_suggest(text);
    if (near)
        return err_set(e, ERR_INVALID, "unknown capability \"%s\": did you mean %s?", text, near);
    return err_set(e, ERR_INVALID,
                   "unknown capability \"%s\" (see `caplab explain --list` for the %u this kernel "
                   "knows)",
                   text, caps_last() + 1);
}

int caps_request_add(struct caps_request *req, const char *name, bool is_drop, struct err *e)
{
    if (caps_is_all(name)) {
        if (is_drop)
            req->drop_all = true;
        else
            req->add_all = true;
        return 0;
    }
    unsigned cap;
    if (caps_parse(name, &cap, e) < 0)
        return -1;
    if (is_drop)
        req->drop |= CAPS_BIT(cap);
    else
        req->add |= CAPS_BIT(cap);
    return 0;
}

capmask caps_resolve(const struct caps_request *req)
{
    capmask all = caps_all();
    if (req->add_all)
        return all & ~req->drop;
    if (req->drop_all)
        return req->add & all;
    capmask base;
    switch (req->baseline) {
    case CAPS_BASELINE_ALL:
        base = all;
        break;
    case CAPS_BASELINE_NONE:
        base = 0;
        break;
    case CAPS_BASELINE_DOCKER:
    default:
        base = caps_docker_defaults();
        break;
    }
    return ((base & ~req->drop) | req->add) & all;
}

static const char *const baseline_names[] = {
    [CAPS_BASELINE_DOCKER] = "docker",
    [CAPS_BASELINE_ALL] = "all",
    [CAPS_BASELINE_NONE] = "none",
};

int caps_baseline_parse(const char *text, enum caps_baseline *out, struct err *e)
{
    for (size_t i = 0; i < sizeof baseline_names / sizeof baseline_names[0]; i++) {
        if (strcasecmp(text, baseline_names[i]) == 0) {
            *out = (enum caps_baseline)i;
            return 0;
        }
    }
    return err_set(e, ERR_USAGE, "unknown baseline \"%s\": expected docker, all or none", text);
}

const char *caps_baseline_name(enum caps_baseline b)
{
    return (size_t)b < sizeof baseline_names / sizeof baseline_names[0] ? baseline_names[b]
                                                                        : "docker";
}

unsigned caps_count(capmask set)
{
    return (unsigned)__builtin_popcountll(set);
}

char *caps_to_names(capmask set, const char *sep, bool prefix)
{
    size_t cap_len = 1;
    for (unsigned cap = 0; cap < CAPS_LIMIT; cap++)
        if (set & CAPS_BIT(cap))
            cap_len += NAME_MAX_LEN + 4 + strlen(sep);
    char *out = malloc(cap_len);
    if (!out)
        return NULL;
    out[0] = '\0';
    size_t len = 0;
    for (unsigned cap = 0; cap < CAPS_LIMIT; cap++) {
        if (!(set & CAPS_BIT(cap)))
            continue;
        const char *name = caps_name(cap);
        char number[16];
        if (!name) {
            snprintf(number, sizeof number, "%u", cap);
            name = number;
        }
        int n = snprintf(out + len, cap_len - len, "%s%s%s", len ? sep : "", prefix ? "CAP_" : "",
                         name);
        if (n > 0)
            len += (size_t)n;
    }
    return out;
}

void caps_to_hex(capmask set, char buf[static 17])
{
    snprintf(buf, 17, "%016llx", (unsigned long long)set);
}

int caps_from_hex(const char *hex, capmask *out, struct err *e)
{
    const char *p = hex;
    while (isspace((unsigned char)*p))
        p++;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
        p += 2;
    if (!isxdigit((unsigned char)*p))
        return err_set(e, ERR_INVALID, "\"%s\" is not a hexadecimal capability mask", hex);
    errno = 0;
    char *end;
    unsigned long long value = strtoull(p, &end, 16);
    while (isspace((unsigned char)*end))
        end++;
    if (errno || *end)
        return err_set(e, ERR_INVALID, "\"%s\" is not a hexadecimal capability mask", hex);
    *out = (capmask)value;
    return 0;
}

/* Print "BEFORE NAME AFTER" for every capability in set. */
static void print_each(FILE *f, capmask set, const char *before, const char *after)
{
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (set & CAPS_BIT(cap))
            fprintf(f, "%s%s%s", before, caps_name(cap), after);
}

/* Docker can spell a set three exact ways: its defaults minus drops plus adds, "drop ALL"
 * plus adds, or "add ALL" minus drops. The shortest wins; ties go to the first. */
enum spelling { FROM_DEFAULTS, FROM_NONE, FROM_ALL };

static enum spelling shortest_spelling(capmask want, capmask *drops, capmask *adds)
{
    capmask all = caps_all(), def = caps_docker_defaults();
    want &= all;
    unsigned from_defaults = caps_count(def & ~want) + caps_count(want & ~def);
    unsigned from_none = 1 + caps_count(want);
    unsigned from_all = 1 + caps_count(all & ~want);
    if (from_defaults <= from_none && from_defaults <= from_all) {
        *drops = def & ~want;
        *adds = want & ~def;
        return FROM_DEFAULTS;
    }
    if (from_none <= from_all) {
        *drops = 0;
        *adds = want;
        return FROM_NONE;
    }
    *drops = all & ~want;
    *adds = 0;
    return FROM_ALL;
}

char *caps_docker_flags(capmask set)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    capmask drops, adds;
    enum spelling how = shortest_spelling(set, &drops, &adds);
    if (how == FROM_NONE)
        fputs("--cap-drop ALL ", f);
    else if (how == FROM_ALL)
        fputs("--cap-add ALL ", f);
    print_each(f, drops, "--cap-drop ", " ");
    print_each(f, adds, "--cap-add ", " ");
    fclose(f);
    if (len > 0 && out[len - 1] == ' ')
        out[len - 1] = '\0';
    return out;
}

char *caps_compose_snippet(capmask set)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    capmask drops, adds;
    enum spelling how = shortest_spelling(set, &drops, &adds);
    if (how == FROM_NONE || drops) {
        fputs("cap_drop:\n", f);
        if (how == FROM_NONE)
            fputs("  - ALL\n", f);
        print_each(f, drops, "  - ", "\n");
    }
    if (how == FROM_ALL || adds) {
        fputs("cap_add:\n", f);
        if (how == FROM_ALL)
            fputs("  - ALL\n", f);
        print_each(f, adds, "  - ", "\n");
    }
    fclose(f);
    return out;
}

char *caps_iab_text(capmask set)
{
    cap_iab_t iab = cap_iab_init();
    if (!iab)
        return NULL;
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (!(set & CAPS_BIT(cap)))
            cap_iab_set_vector(iab, CAP_IAB_BOUND, (cap_value_t)cap, CAP_SET);
    char *text = cap_iab_to_text(iab);
    char *copy = text ? strdup(text) : NULL;
    cap_free(text);
    cap_free(iab);
    return copy;
}

void caps_prompt_tag(capmask set, char *buf, size_t n)
{
    char *words = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&words, &len);
    if (!f) {
        snprintf(buf, n, "%u caps", caps_count(set));
        return;
    }
    capmask drops, adds;
    enum spelling how = shortest_spelling(set, &drops, &adds);
    if (how == FROM_NONE)
        fputs(" none", f);
    else if (how == FROM_ALL)
        fputs(" all", f);
    else if (!drops && !adds)
        fputs(" docker", f);
    print_each(f, drops, " -", "");
    print_each(f, adds, " +", "");
    fclose(f);
    /* A prompt is no place for a paragraph. */
    if (!words || len > 40)
        snprintf(buf, n, "%u caps", caps_count(set));
    else
        snprintf(buf, n, "%s", words + 1);
    free(words);
}
