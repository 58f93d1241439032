/*
 * lesson: the validating loader for the course format v1 (see lesson.h).
 *
 * The loader walks the JSON tree once, filling the C structures and reporting every
 * problem it meets with the JSON pointer of the value at fault; it never stops at the
 * first error. Whatever was built is freed when anything was wrong (all-or-nothing).
 * Arrays are allocated at their final size before their elements are filled, so
 * pointers into them (a check's borrowed sandbox) never move.
 */
#include "lesson.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define PTR_MAX       512
#define MAX_FILE_SIZE (4u << 20)
#define MINUTES_MAX   120

/* ---- error collection ---------------------------------------------------------- */

struct loader {
    const char *name;           /* the file name used in messages */
    struct lesson_errors *errs; /* may be NULL */
    size_t count;               /* errors reported by this loader (and its children) */
    char first[sizeof(((struct err *)0)->msg)]; /* the first line, for the summary */
};

static void add_line(struct loader *ld, char *line)
{
    if (ld->count == 0)
        snprintf(ld->first, sizeof ld->first, "%s", line ? line : "out of memory");
    ld->count++;
    if (!ld->errs || !line) {
        free(line);
        return;
    }
    char **grown = realloc(ld->errs->lines, (ld->errs->count + 1) * sizeof *grown);
    if (!grown) {
        free(line);
        return;
    }
    ld->errs->lines = grown;
    ld->errs->lines[ld->errs->count++] = line;
}

/* "NAME: /json/pointer: message" ("/" for the whole document). */
static void __attribute__((format(printf, 3, 4)))
report(struct loader *ld, const char *at, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *line = NULL;
    if (asprintf(&line, "%s: %s: %s", ld->name, at[0] ? at : "/", msg) < 0)
        line = NULL;
    add_line(ld, line);
}

/* A message about the file as a whole, without a pointer. */
static void __attribute__((format(printf, 2, 3)))
report_file(struct loader *ld, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    char *line = NULL;
    if (asprintf(&line, "%s: %s", ld->name, msg) < 0)
        line = NULL;
    add_line(ld, line);
}

static char *dup_or_report(struct loader *ld, const char *at, const char *text)
{
    char *copy = strdup(text);
    if (!copy)
        report(ld, at, "out of memory");
    return copy;
}

static void *calloc_or_report(struct loader *ld, const char *at, size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p)
        report(ld, at, "out of memory");
    return p;
}

void lesson_errors_release(struct lesson_errors *errs)
{
    if (!errs)
        return;
    for (size_t i = 0; i < errs->count; i++)
        free(errs->lines[i]);
    free(errs->lines);
    errs->lines = NULL;
    errs->count = 0;
}

/* ---- JSON pointers ----------------------------------------------------------------- */

/* out = at + "/" + key, with "~" and "/" escaped as RFC 6901 says. */
static void ptr_key(char out[PTR_MAX], const char *at, const char *key)
{
    size_t len = (size_t)snprintf(out, PTR_MAX, "%s/", at);
    for (const char *k = key; *k && len + 3 < PTR_MAX; k++) {
        if (*k == '~' || *k == '/') {
            out[len++] = '~';
            out[len++] = *k == '~' ? '0' : '1';
        } else {
            out[len++] = *k;
        }
    }
    out[len < PTR_MAX ? len : PTR_MAX - 1] = '\0';
}

static void ptr_index(char out[PTR_MAX], const char *at, size_t index)
{
    if (snprintf(out, PTR_MAX, "%s/%zu", at, index) >= PTR_MAX)
        out[PTR_MAX - 1] = '\0'; /* deeper than any real lesson: truncated, still readable */
}

/* ---- typed access ------------------------------------------------------------------ */

enum jkind { K_STRING, K_ARRAY, K_OBJECT, K_INTEGER, K_BOOL };

static const char *kind_phrase(enum jkind k)
{
    switch (k) {
    case K_STRING:
        return "a string";
    case K_ARRAY:
        return "an array";
    case K_OBJECT:
        return "an object";
    case K_INTEGER:
        return "a whole number";
    case K_BOOL:
        return "true or false";
    }
    return "a value";
}

static const char *value_phrase(const json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
        return "an array";
    case JSON_STRING:
        return "a string";
    case JSON_INTEGER:
        return "an integer";
    case JSON_REAL:
        return "a number with a decimal point";
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    }
    return "a value";
}

static bool is_kind(const json_t *v, enum jkind k)
{
    switch (k) {
    case K_STRING:
        return json_is_string(v);
    case K_ARRAY:
        return json_is_array(v);
    case K_OBJECT:
        return json_is_object(v);
    case K_INTEGER:
        return json_is_integer(v);
    case K_BOOL:
        return json_is_boolean(v);
    }
    return false;
}

/* Checks v's type; reports "expected X, got Y" at `at` when wrong. */
static bool expect_kind(struct loader *ld, const json_t *v, const char *at, enum jkind k)
{
    if (is_kind(v, k))
        return true;
    report(ld, at, "expected %s, got %s", kind_phrase(k), value_phrase(v));
    return false;
}

/* The member `key` of obj when present and of kind k. Reports a missing required key
 * (at the object) or a wrong type (at the member). *child gets the member's pointer. */
static json_t *member(struct loader *ld, json_t *obj, const char *at, const char *key, enum jkind k,
                      bool required, char child[PTR_MAX])
{
    ptr_key(child, at, key);
    json_t *v = json_object_get(obj, key);
    if (!v) {
        if (required)
            report(ld, at, "missing required key \"%s\"", key);
        return NULL;
    }
    return expect_kind(ld, v, child, k) ? v : NULL;
}

static void take_string(struct loader *ld, json_t *obj, const char *at, const char *key,
                        bool required, char **out)
{
    char child[PTR_MAX];
    json_t *v = member(ld, obj, at, key, K_STRING, required, child);
    if (v)
        *out = dup_or_report(ld, child, json_string_value(v));
}

/* A shell command: a string with something in it. */
static void take_command(struct loader *ld, json_t *obj, const char *at, const char *key,
                         bool required, char **out)
{
    char child[PTR_MAX];
    json_t *v = member(ld, obj, at, key, K_STRING, required, child);
    if (!v)
        return;
    if (strspn(json_string_value(v), " \t\n") == strlen(json_string_value(v))) {
        report(ld, child, "expected a shell command, got an empty string");
        return;
    }
    *out = dup_or_report(ld, child, json_string_value(v));
}

static void take_bool(struct loader *ld, json_t *obj, const char *at, const char *key, bool *out)
{
    char child[PTR_MAX];
    json_t *v = member(ld, obj, at, key, K_BOOL, false, child);
    if (v)
        *out = json_is_true(v);
}

/* An array of strings; *out gets a copy of each. */
static void take_string_array(struct loader *ld, json_t *obj, const char *at, const char *key,
                              char ***out, size_t *n)
{
    char child[PTR_MAX], item_at[PTR_MAX];
    json_t *arr = member(ld, obj, at, key, K_ARRAY, false, child);
    if (!arr)
        return;
    *out = calloc_or_report(ld, child, json_array_size(arr), sizeof **out);
    if (!*out)
        return;
    *n = json_array_size(arr);
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(arr); i++) {
        item = json_array_get(arr, i);
        ptr_index(item_at, child, i);
        if (expect_kind(ld, item, item_at, K_STRING))
            (*out)[i] = dup_or_report(ld, item_at, json_string_value(item));
    }
}

static void join_list(char *out, size_t n, const char *const *items, const char *quote)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; items[i]; i++) {
        int w = snprintf(out + len, n - len, "%s%s%s%s", i ? ", " : "", quote, items[i], quote);
        if (w < 0 || (size_t)w >= n - len)
            return;
        len += (size_t)w;
    }
}

static bool in_list(const char *const *items, const char *text)
{
    for (size_t i = 0; items[i]; i++)
        if (strcmp(items[i], text) == 0)
            return true;
    return false;
}

/* Reports every key of obj not in `allowed` and not in `quiet` (keys reported elsewhere). */
static void check_keys(struct loader *ld, json_t *obj, const char *at, const char *const *allowed,
                       const char *const *quiet)
{
    char list[512];
    join_list(list, sizeof list, allowed, "");
    for (void *it = json_object_iter(obj); it; it = json_object_iter_next(obj, it)) {
        const char *key = json_object_iter_key(it);
        if (in_list(allowed, key) || (quiet && in_list(quiet, key)))
            continue;
        report(ld, at, "unknown key \"%s\" (expected one of: %s)", key, list);
    }
}

/* A string member that must be one of `names`; returns its index or -1. */
static int take_enum(struct loader *ld, json_t *obj, const char *at, const char *key, bool required,
                     const char *what, const char *const *names)
{
    char child[PTR_MAX];
    json_t *v = member(ld, obj, at, key, K_STRING, required, child);
    if (!v)
        return -1;
    const char *text = json_string_value(v);
    for (int i = 0; names[i]; i++)
        if (strcmp(names[i], text) == 0)
            return i;
    char list[512];
    join_list(list, sizeof list, names, "\"");
    report(ld, child, "unknown %s \"%s\": expected one of %s", what, text, list);
    return -1;
}

/* ---- small validators -------------------------------------------------------------- */

static bool valid_id(const char *id)
{
    if (!id[0])
        return false;
    for (const char *p = id; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
            return false;
    return true;
}

static void take_id(struct loader *ld, json_t *obj, const char *at, const char *what, char **out)
{
    char child[PTR_MAX];
    json_t *v = member(ld, obj, at, "id", K_STRING, true, child);
    if (!v)
        return;
    const char *id = json_string_value(v);
    if (!valid_id(id)) {
        report(ld, child,
               "\"%s\" is not a valid %s: expected lower-case letters, digits and hyphens "
               "([a-z0-9-]+)",
               id, what);
        return;
    }
    *out = dup_or_report(ld, child, id);
}

/*
 * Regular expressions glibc's regcomp cannot compile in reasonable time or memory, found by
 * fuzzing the loader; refused before compiling, so a lesson cannot make caplab lint or the
 * tutor hang or eat all memory:
 *   - a repeated part that can match the empty string: "^(()*){99}$", "^((((()+)+)+)+)+$"
 *     or "(x?){9}" take minutes in regcomp's epsilon closures (and mean nothing more than
 *     the part without the repetition);
 *   - too many nodes: regcomp copies the operand of "+" and "{m,n}" once per repetition, so
 *     "x+++...+" or "((x{99}){99}){99}" reach hundreds of megabytes. REGEX_MAX_COST bounds
 *     the nodes it would build.
 */
#define REGEX_MAX_COST  10000.0
#define REGEX_MAX_DEPTH 64

/* Past a bracket expression "[...]" starting at p (just after the '['). */
static const char *skip_bracket(const char *p)
{
    if (*p == '^')
        p++;
    if (*p == ']')
        p++;
    while (*p && *p != ']') {
        if (p[0] == '[' && (p[1] == ':' || p[1] == '=' || p[1] == '.')) {
            const char *close = strchr(p + 2, p[1]);
            while (close && close[1] != ']')
                close = strchr(close + 1, p[1]);
            p = close ? close + 2 : p + 1;
        } else {
            p++;
        }
    }
    return *p ? p + 1 : p;
}

/* "{m}", "{m,}", "{m,n}", "{,n}" at p (just after the '{'): the copies regcomp makes, or -1
 * when it is not an interval (then '{' is taken literally or regcomp reports it). */
static double interval_copies(const char **pp)
{
    const char *p = *pp;
    double m = 0, n = -1;
    bool comma = false;
    while (*p >= '0' && *p <= '9' && m < 1e6)
        m = m * 10 + (*p++ - '0');
    if (*p == ',') {
        comma = true;
        p++;
        if (*p >= '0' && *p <= '9')
            for (n = 0; *p >= '0' && *p <= '9' && n < 1e6; p++)
                n = n * 10 + (*p - '0');
    }
    if (*p != '}')
        return -1;
    *pp = p + 1;
    double copies = n >= 0 ? (n > m ? n : m) : (comma ? m + 1 : m);
    return copies > 1 ? copies : 1;
}

/* One level of parentheses while scanning a pattern. */
struct regex_level {
    double cost;          /* nodes so far at this level */
    double last;          /* nodes of the last atom (the operand of a postfix operator) */
    bool have_last;       /* there is an atom to repeat */
    bool last_nullable;   /* the last atom can match the empty string */
    bool before_nullable; /* the branch before the last atom can match the empty string */
    bool branch_nullable; /* the whole current branch can */
    bool any_nullable;    /* an earlier branch (before a '|') can */
};

static void regex_level_start(struct regex_level *lv)
{
    *lv = (struct regex_level){.branch_nullable = true, .before_nullable = true};
}

static void regex_add_atom(struct regex_level *lv, double cost, bool nullable)
{
    lv->before_nullable = lv->branch_nullable;
    lv->cost += cost;
    lv->last = cost;
    lv->have_last = true;
    lv->last_nullable = nullable;
    lv->branch_nullable = lv->branch_nullable && nullable;
}

/* NULL when `pattern` is safe to give regcomp, else why it is not. */
static const char *regex_risk(const char *p)
{
    static const char *const too_big = "repetitions stacked or nested too deeply";
    static const char *const empty_loop = "it repeats a part that can match nothing, such as "
                                          "(x*)+ or (a|)*; drop the outer repetition";
    struct regex_level lv[REGEX_MAX_DEPTH];
    int depth = 0;
    regex_level_start(&lv[0]);
    while (*p) {
        char c = *p++;
        double copies = 0;
        bool nullable_after = false;
        switch (c) {
        case '\\':
            /* Zero-width assertions match the empty string; other escapes one character. */
            regex_add_atom(&lv[depth], 1, *p && strchr("bB<>`'", *p));
            if (*p)
                p++;
            continue;
        case '[':
            p = skip_bracket(p);
            regex_add_atom(&lv[depth], 1, false);
            continue;
        case '^':
        case '$':
            regex_add_atom(&lv[depth], 1, true);
            continue;
        case '(':
            if (++depth >= REGEX_MAX_DEPTH)
                return too_big;
            regex_level_start(&lv[depth]);
            continue;
        case ')':
            if (depth == 0) {
                regex_add_atom(&lv[depth], 1, false); /* a literal ')' */
            } else {
                const struct regex_level *in = &lv[depth--];
                regex_add_atom(&lv[depth], in->cost + 1, in->any_nullable || in->branch_nullable);
            }
            continue;
        case '|':
            lv[depth].any_nullable |= lv[depth].branch_nullable;
            lv[depth].cost += 1;
            lv[depth].branch_nullable = lv[depth].before_nullable = true;
            lv[depth].have_last = false;
            continue;
        case '*':
        case '?':
            copies = 1;
            nullable_after = true;
            break;
        case '+':
            copies = 2;
            break;
        case '{': {
            const char *brace = p;
            copies = interval_copies(&p);
            if (copies < 0) { /* not an interval: a literal or regcomp's error */
                regex_add_atom(&lv[depth], 1, false);
                continue;
            }
            nullable_after = *brace == '0' || *brace == ',';
            break;
        }
        default:
            regex_add_atom(&lv[depth], 1, false);
            continue;
        }
        /* A postfix operator applies to the last atom. Without one regcomp says so. */
        struct regex_level *cur = &lv[depth];
        if (!cur->have_last)
            continue;
        if (cur->last_nullable)
            return empty_loop;
        double grown = cur->last * copies + 1;
        cur->cost += grown - cur->last;
        cur->last = grown;
        cur->last_nullable = nullable_after;
        cur->branch_nullable = cur->before_nullable && nullable_after;
        if (cur->cost > REGEX_MAX_COST)
            return too_big;
    }
    double total = 0;
    for (int i = 0; i <= depth; i++) /* unbalanced: regcomp will say so */
        total += lv[i].cost;
    return total > REGEX_MAX_COST ? too_big : NULL;
}

/* Compiles an ERE the way the checks and the grader will use it. */
static bool regex_ok(struct loader *ld, const char *at, const char *pattern, int flags)
{
    regex_t re;
    const char *risk = regex_risk(pattern);
    if (risk) {
        report(ld, at, "regular expression \"%.60s%s\" is too costly to compile (%s)", pattern,
               strlen(pattern) > 60 ? "..." : "", risk);
        return false;
    }
    int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB | flags);
    if (rc == 0) {
        regfree(&re);
        return true;
    }
    char why[256];
    regerror(rc, &re, why, sizeof why);
    report(ld, at, "invalid regular expression \"%s\": %s", pattern, why);
    return false;
}

/* errno names a check may expect (the ones probes and commands report). */
/* clang-format off */
#define E(name) {#name, name}
static const struct {
    const char *name;
    int value;
} errno_names[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(ENOEXEC), E(EBADF),
    E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST), E(EXDEV), E(ENODEV),
    E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE), E(ENOTTY), E(ETXTBSY), E(EFBIG),
    E(ENOSPC), E(ESPIPE), E(EROFS), E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(ENAMETOOLONG),
    E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(EOVERFLOW), E(ENOTSOCK), E(EPROTONOSUPPORT), E(EOPNOTSUPP),
    E(ENOTSUP), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN), E(ENETUNREACH),
    E(ECONNRESET), E(ECONNREFUSED), E(ETIMEDOUT), E(EHOSTUNREACH), E(ECONNABORTED), E(EPROTO),
    E(ENOTCONN), E(EDQUOT), E(ECANCELED),
};
#undef E
/* clang-format on */

static int errno_from_name(const char *name)
{
    for (size_t i = 0; i < sizeof errno_names / sizeof errno_names[0]; i++)
        if (strcmp(errno_names[i].name, name) == 0)
            return errno_names[i].value;
    return 0;
}

/* One capability name (not ALL); reports caps_parse's message (with its suggestion). */
static bool parse_one_cap(struct loader *ld, const char *at, const char *name, unsigned *cap)
{
    if (caps_is_all(name)) {
        report(ld, at, "\"%s\" is not a single capability: expected one capability name", name);
        return false;
    }
    struct err e = {0};
    if (caps_parse(name, cap, &e) < 0) {
        report(ld, at, "%s", e.msg);
        return false;
    }
    return true;
}

/* A capability name or an array of them, as a set. */
static bool parse_cap_set(struct loader *ld, const char *at, json_t *v, bool allow_single,
                          capmask *out)
{
    *out = 0;
    if (json_is_string(v) && allow_single) {
        unsigned cap;
        if (!parse_one_cap(ld, at, json_string_value(v), &cap))
            return false;
        *out = CAPS_BIT(cap);
        return true;
    }
    if (!json_is_array(v)) {
        report(ld, at, "expected %s, got %s",
               allow_single ? "a capability name or an array of them"
                            : "an array of capability names",
               value_phrase(v));
        return false;
    }
    if (json_array_size(v) == 0) {
        report(ld, at, "expected at least one capability name");
        return false;
    }
    bool ok = true;
    size_t i;
    json_t *item;
    char item_at[PTR_MAX];
    for (i = 0; i < json_array_size(v); i++) {
        item = json_array_get(v, i);
        ptr_index(item_at, at, i);
        unsigned cap;
        if (!expect_kind(ld, item, item_at, K_STRING) ||
            !parse_one_cap(ld, item_at, json_string_value(item), &cap)) {
            ok = false;
            continue;
        }
        *out |= CAPS_BIT(cap);
    }
    return ok;
}

/* ---- sandbox, expect, check -------------------------------------------------------- */

static const char *const sandbox_keys[] = {
    "baseline",       "cap_drop", "cap_add", "user",          "no_new_privs",
    "docker_sysctls", "setup",    "modes",   "rootless_note", NULL,
};
static const char *const proof_sandbox_keys[] = {
    "user", "no_new_privs", "docker_sysctls", "setup", "modes", "rootless_note", NULL,
};
static const char *const cap_keys[] = {"baseline", "cap_drop", "cap_add", NULL};

static void sandbox_defaults(struct lesson_sandbox *sb, bool proof)
{
    memset(sb, 0, sizeof *sb);
    sb->caps.baseline = proof ? CAPS_BASELINE_NONE : CAPS_BASELINE_DOCKER;
    sb->modes = LESSON_MODE_BOTH;
}

static bool valid_user(const char *user)
{
    const char *p = user;
    if (*p >= '0' && *p <= '9') {
        /* UID[:GID] */
        while (*p >= '0' && *p <= '9')
            p++;
        if (*p == ':') {
            p++;
            if (!(*p >= '0' && *p <= '9'))
                return false;
            while (*p >= '0' && *p <= '9')
                p++;
        }
        return *p == '\0' && strlen(user) < 22;
    }
    if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
        return false;
    for (; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
              *p == '.'))
            return false;
    return strlen(user) <= 32;
}

static void parse_cap_list(struct loader *ld, json_t *obj, const char *at, const char *key,
                           struct caps_request *req, bool is_drop)
{
    char child[PTR_MAX], item_at[PTR_MAX];
    json_t *arr = member(ld, obj, at, key, K_ARRAY, false, child);
    if (!arr)
        return;
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(arr); i++) {
        item = json_array_get(arr, i);
        ptr_index(item_at, child, i);
        if (!expect_kind(ld, item, item_at, K_STRING))
            continue;
        struct err e = {0};
        if (caps_request_add(req, json_string_value(item), is_drop, &e) < 0)
            report(ld, item_at, "%s", e.msg);
    }
}

static void parse_sandbox(struct loader *ld, json_t *obj, const char *at, struct lesson_sandbox *sb,
                          bool proof)
{
    sandbox_defaults(sb, proof);
    if (!expect_kind(ld, obj, at, K_OBJECT))
        return;
    char child[PTR_MAX];
    if (proof) {
        check_keys(ld, obj, at, proof_sandbox_keys, cap_keys);
        for (size_t i = 0; cap_keys[i]; i++) {
            if (!json_object_get(obj, cap_keys[i]))
                continue;
            ptr_key(child, at, cap_keys[i]);
            report(ld, child,
                   "not allowed in a proof sandbox: the proof runs with exactly the "
                   "capabilities of the answer");
        }
    } else {
        check_keys(ld, obj, at, sandbox_keys, NULL);
        json_t *base = member(ld, obj, at, "baseline", K_STRING, false, child);
        if (base) {
            struct err e = {0};
            if (caps_baseline_parse(json_string_value(base), &sb->caps.baseline, &e) < 0)
                report(ld, child, "%s", e.msg);
        }
        parse_cap_list(ld, obj, at, "cap_drop", &sb->caps, true);
        parse_cap_list(ld, obj, at, "cap_add", &sb->caps, false);
    }

    json_t *user = member(ld, obj, at, "user", K_STRING, false, child);
    if (user) {
        const char *name = json_string_value(user);
        if (!valid_user(name))
            report(ld, child, "\"%s\" is not a user: expected \"root\", a user name or UID[:GID]",
                   name);
        else if (strcmp(name, "root") != 0)
            sb->user = dup_or_report(ld, child, name);
    }
    take_bool(ld, obj, at, "no_new_privs", &sb->no_new_privs);
    take_bool(ld, obj, at, "docker_sysctls", &sb->docker_sysctls);
    take_string(ld, obj, at, "setup", false, &sb->setup);

    json_t *modes = member(ld, obj, at, "modes", K_ARRAY, false, child);
    if (modes) {
        unsigned set = 0;
        size_t i;
        json_t *item;
        char item_at[PTR_MAX];
        for (i = 0; i < json_array_size(modes); i++) {
            item = json_array_get(modes, i);
            ptr_index(item_at, child, i);
            if (!expect_kind(ld, item, item_at, K_STRING))
                continue;
            if (strcmp(json_string_value(item), "privileged") == 0)
                set |= LESSON_MODE_PRIVILEGED;
            else if (strcmp(json_string_value(item), "rootless") == 0)
                set |= LESSON_MODE_ROOTLESS;
            else
                report(ld, item_at,
                       "unknown mode \"%s\": expected one of \"privileged\", "
                       "\"rootless\"",
                       json_string_value(item));
        }
        if (json_array_size(modes) == 0)
            report(ld, child, "expected at least one of \"privileged\", \"rootless\"");
        if (set)
            sb->modes = set;
    }
    take_string(ld, obj, at, "rootless_note", false, &sb->rootless_note);
}

static const char *const expect_keys[] = {"outcome", "exit", "stdout", "stderr", "errno", NULL};
static const char *const outcome_names[] = {"any", "success", "failure", NULL};

static void parse_expect(struct loader *ld, json_t *parent, const char *parent_at,
                         struct lesson_expect *ex)
{
    ex->outcome = OUTCOME_SUCCESS;
    ex->exit_code = -1;
    ex->err_no = 0;
    char at[PTR_MAX], child[PTR_MAX];
    json_t *obj = member(ld, parent, parent_at, "expect", K_OBJECT, false, at);
    if (!obj)
        return;
    check_keys(ld, obj, at, expect_keys, NULL);

    int outcome = take_enum(ld, obj, at, "outcome", false, "outcome", outcome_names);
    json_t *exit_v = member(ld, obj, at, "exit", K_INTEGER, false, child);
    if (exit_v) {
        json_int_t code = json_integer_value(exit_v);
        if (code < 0 || code > 255)
            report(ld, child, "expected an exit status from 0 to 255, got %" JSON_INTEGER_FORMAT,
                   code);
        else
            ex->exit_code = (int)code;
    }
    if (outcome >= 0)
        ex->outcome = (enum lesson_outcome)outcome;
    else if (ex->exit_code > 0)
        ex->outcome = OUTCOME_FAILURE;
    if (outcome >= 0 && ex->exit_code >= 0 &&
        ((ex->outcome == OUTCOME_SUCCESS && ex->exit_code != 0) ||
         (ex->outcome == OUTCOME_FAILURE && ex->exit_code == 0)))
        report(ld, child, "exit status %d contradicts \"outcome\": \"%s\" (success means status 0)",
               ex->exit_code, outcome_names[outcome]);

    take_string(ld, obj, at, "stdout", false, &ex->stdout_re);
    if (ex->stdout_re) {
        ptr_key(child, at, "stdout");
        regex_ok(ld, child, ex->stdout_re, 0);
    }
    take_string(ld, obj, at, "stderr", false, &ex->stderr_re);
    if (ex->stderr_re) {
        ptr_key(child, at, "stderr");
        regex_ok(ld, child, ex->stderr_re, 0);
    }
    json_t *err_v = member(ld, obj, at, "errno", K_STRING, false, child);
    if (err_v) {
        ex->err_no = errno_from_name(json_string_value(err_v));
        if (!ex->err_no)
            report(ld, child,
                   "unknown errno name \"%s\": expected a name such as EPERM, EACCES, ENOENT "
                   "or EINVAL",
                   json_string_value(err_v));
    }
}

/* The check fields (run|probe, tool, expect, message) of obj, shared by check steps and
 * the "checks" of experiments. */
static void parse_check_fields(struct loader *ld, json_t *obj, const char *at,
                               struct lesson_check *check)
{
    char child[PTR_MAX];
    check->probe = -1;
    json_t *run = json_object_get(obj, "run");
    json_t *probe = json_object_get(obj, "probe");
    if (run && probe)
        report(ld, at, "has both \"run\" and \"probe\": expected exactly one of them");
    else if (!run && !probe)
        report(ld, at,
               "expected \"run\" (a shell command) or \"probe\" (a capability name for the "
               "built-in probe)");
    take_command(ld, obj, at, "run", false, &check->run);
    json_t *p = member(ld, obj, at, "probe", K_STRING, false, child);
    if (p) {
        unsigned cap;
        if (parse_one_cap(ld, child, json_string_value(p), &cap))
            check->probe = (int)cap;
    }
    json_t *tool = member(ld, obj, at, "tool", K_STRING, false, child);
    if (tool && (!json_string_value(tool)[0] || strpbrk(json_string_value(tool), " \t\n")))
        report(ld, child, "\"%s\" is not a program name: expected one program, such as \"ping\"",
               json_string_value(tool));
    else if (tool)
        check->tool = dup_or_report(ld, child, json_string_value(tool));
    parse_expect(ld, obj, at, &check->expect);
    take_string(ld, obj, at, "message", false, &check->message);
}

static const char *const check_keys_list[] = {"id",   "title",  "run",     "probe",
                                              "tool", "expect", "message", NULL};

static void parse_experiment_checks(struct loader *ld, json_t *step_obj, const char *at,
                                    struct lesson_step *step)
{
    char child[PTR_MAX], item_at[PTR_MAX];
    json_t *arr = member(ld, step_obj, at, "checks", K_ARRAY, false, child);
    if (!arr)
        return;
    step->checks = calloc_or_report(ld, child, json_array_size(arr), sizeof *step->checks);
    if (!step->checks)
        return;
    step->n_checks = json_array_size(arr);
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(arr); i++) {
        item = json_array_get(arr, i);
        struct lesson_check *check = &step->checks[i];
        check->probe = -1;
        check->sandbox = &step->sandbox;
        ptr_index(item_at, child, i);
        if (!expect_kind(ld, item, item_at, K_OBJECT))
            continue;
        check_keys(ld, item, item_at, check_keys_list, NULL);
        take_id(ld, item, item_at, "check id", &check->id);
        take_string(ld, item, item_at, "title", false, &check->title);
        parse_check_fields(ld, item, item_at, check);
    }
}

/* ---- quiz -------------------------------------------------------------------------- */

static const char *const quiz_type_names[] = {"capability",   "capability-set", "choice",
                                              "multi-choice", "text",           NULL};

static bool is_choice_kind(enum quiz_kind k)
{
    return k == QUIZ_CHOICE || k == QUIZ_MULTI_CHOICE;
}

static bool is_capability_kind(enum quiz_kind k)
{
    return k == QUIZ_CAPABILITY || k == QUIZ_CAPABILITY_SET;
}

static const struct lesson_choice *find_choice(const struct lesson_quiz *q, const char *id)
{
    for (size_t i = 0; i < q->n_choices; i++)
        if (q->choices[i].id && strcmp(q->choices[i].id, id) == 0)
            return &q->choices[i];
    return NULL;
}

static void choice_id_list(const struct lesson_quiz *q, char *out, size_t n)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = 0; i < q->n_choices; i++) {
        if (!q->choices[i].id || find_choice(q, q->choices[i].id) != &q->choices[i])
            continue; /* a duplicate id, reported where it is defined */
        int w = snprintf(out + len, n - len, "%s%s", len ? ", " : "", q->choices[i].id);
        if (w < 0 || (size_t)w >= n - len)
            return;
        len += (size_t)w;
    }
}

static bool check_choice_id(struct loader *ld, const struct lesson_quiz *q, const char *at,
                            const json_t *v)
{
    if (!expect_kind(ld, v, at, K_STRING))
        return false;
    if (find_choice(q, json_string_value(v)))
        return true;
    char list[512];
    choice_id_list(q, list, sizeof list);
    report(ld, at, "\"%s\" is not one of the choice ids (expected one of: %s)",
           json_string_value(v), list);
    return false;
}

static void parse_choices(struct loader *ld, json_t *obj, const char *at, struct lesson_quiz *q)
{
    char child[PTR_MAX], item_at[PTR_MAX];
    static const char *const choice_keys[] = {"id", "text", NULL};
    json_t *arr = json_object_get(obj, "choices");
    ptr_key(child, at, "choices");
    if (!is_choice_kind(q->kind)) {
        if (arr)
            report(ld, child, "only \"choice\" and \"multi-choice\" quizzes have choices");
        return;
    }
    arr = member(ld, obj, at, "choices", K_ARRAY, true, child);
    if (!arr)
        return;
    if (json_array_size(arr) < 2) {
        report(ld, child, "expected at least two choices");
        if (json_array_size(arr) == 0)
            return;
    }
    q->choices = calloc_or_report(ld, child, json_array_size(arr), sizeof *q->choices);
    if (!q->choices)
        return;
    q->n_choices = json_array_size(arr);
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(arr); i++) {
        item = json_array_get(arr, i);
        ptr_index(item_at, child, i);
        if (!expect_kind(ld, item, item_at, K_OBJECT))
            continue;
        check_keys(ld, item, item_at, choice_keys, NULL);
        char *id = NULL;
        take_id(ld, item, item_at, "choice id", &id);
        if (id && find_choice(q, id)) {
            char id_at[PTR_MAX];
            ptr_key(id_at, item_at, "id");
            report(ld, id_at, "duplicate choice id \"%s\"", id);
        }
        q->choices[i].id = id;
        take_string(ld, item, item_at, "text", true, &q->choices[i].text);
    }
}

static void parse_answer(struct loader *ld, json_t *obj, const char *at, struct lesson_quiz *q)
{
    char child[PTR_MAX], item_at[PTR_MAX];
    json_t *v = json_object_get(obj, "answer");
    ptr_key(child, at, "answer");
    if (!v) {
        report(ld, at, "missing required key \"answer\"");
        return;
    }
    switch (q->kind) {
    case QUIZ_CAPABILITY:
        if (expect_kind(ld, v, child, K_STRING)) {
            unsigned cap;
            if (parse_one_cap(ld, child, json_string_value(v), &cap))
                q->answer_caps = CAPS_BIT(cap);
        }
        return;
    case QUIZ_CAPABILITY_SET:
        parse_cap_set(ld, child, v, false, &q->answer_caps);
        return;
    case QUIZ_CHOICE:
        if (q->choices && check_choice_id(ld, q, child, v)) {
            q->answers = calloc_or_report(ld, child, 1, sizeof *q->answers);
            if (q->answers) {
                q->n_answers = 1;
                q->answers[0] = dup_or_report(ld, child, json_string_value(v));
            }
        } else if (!q->choices) {
            expect_kind(ld, v, child, K_STRING);
        }
        return;
    case QUIZ_MULTI_CHOICE:
    case QUIZ_TEXT:
        break;
    }
    bool text = q->kind == QUIZ_TEXT;
    if (!json_is_array(v)) {
        report(ld, child, "expected %s, got %s",
               text ? "an array of regular expressions" : "an array of choice ids",
               value_phrase(v));
        return;
    }
    if (json_array_size(v) == 0) {
        report(ld, child, "expected at least one %s", text ? "regular expression" : "choice id");
        return;
    }
    q->answers = calloc_or_report(ld, child, json_array_size(v), sizeof *q->answers);
    if (!q->answers)
        return;
    q->n_answers = json_array_size(v);
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(v); i++) {
        item = json_array_get(v, i);
        ptr_index(item_at, child, i);
        if (text) {
            if (!expect_kind(ld, item, item_at, K_STRING) ||
                !regex_ok(ld, item_at, json_string_value(item), REG_ICASE))
                continue;
        } else {
            if (!q->choices || !check_choice_id(ld, q, item_at, item))
                continue;
            for (size_t j = 0; j < i; j++)
                if (q->answers[j] && strcmp(q->answers[j], json_string_value(item)) == 0)
                    report(ld, item_at, "choice \"%s\" is listed twice", q->answers[j]);
        }
        q->answers[i] = dup_or_report(ld, item_at, json_string_value(item));
    }
}

/* The canonical text of a multi-choice feedback answer: ids in the order of the choices. */
static char *choice_set_text(const struct lesson_quiz *q, const bool *picked)
{
    size_t len = 1;
    for (size_t i = 0; i < q->n_choices; i++)
        if (picked[i])
            len += strlen(q->choices[i].id) + 1;
    char *out = malloc(len);
    if (!out)
        return NULL;
    out[0] = '\0';
    for (size_t i = 0; i < q->n_choices; i++) {
        if (!picked[i])
            continue;
        if (out[0])
            strcat(out, ",");
        strcat(out, q->choices[i].id);
    }
    return out;
}

static void parse_feedback_answer(struct loader *ld, json_t *v, const char *at,
                                  struct lesson_quiz *q, struct lesson_feedback *fb)
{
    switch (q->kind) {
    case QUIZ_CAPABILITY:
    case QUIZ_CAPABILITY_SET:
        if (parse_cap_set(ld, at, v, true, &fb->caps)) {
            fb->answer = caps_to_names(fb->caps, ",", false);
            if (!fb->answer)
                report(ld, at, "out of memory");
        }
        return;
    case QUIZ_CHOICE:
        if (q->choices && check_choice_id(ld, q, at, v))
            fb->answer = dup_or_report(ld, at, json_string_value(v));
        return;
    case QUIZ_TEXT:
        /* The grader tries a text feedback answer as an ERE: it must be safe to compile. */
        if (expect_kind(ld, v, at, K_STRING)) {
            const char *risk = regex_risk(json_string_value(v));
            if (risk)
                report(ld, at,
                       "answer \"%.60s%s\" is too costly to compile as a regular "
                       "expression (%s)",
                       json_string_value(v), strlen(json_string_value(v)) > 60 ? "..." : "", risk);
            else
                fb->answer = dup_or_report(ld, at, json_string_value(v));
        }
        return;
    case QUIZ_MULTI_CHOICE:
        break;
    }
    if (!q->choices)
        return;
    bool *picked = calloc(q->n_choices, sizeof *picked);
    if (!picked) {
        report(ld, at, "out of memory");
        return;
    }
    bool ok = true;
    if (json_is_array(v)) {
        size_t i;
        json_t *item;
        char item_at[PTR_MAX];
        for (i = 0; i < json_array_size(v); i++) {
            item = json_array_get(v, i);
            ptr_index(item_at, at, i);
            if (!check_choice_id(ld, q, item_at, item)) {
                ok = false;
                continue;
            }
            picked[find_choice(q, json_string_value(item)) - q->choices] = true;
        }
        if (json_array_size(v) == 0) {
            report(ld, at, "expected at least one choice id");
            ok = false;
        }
    } else if (json_is_string(v)) {
        ok = check_choice_id(ld, q, at, v);
        if (ok)
            picked[find_choice(q, json_string_value(v)) - q->choices] = true;
    } else {
        report(ld, at, "expected a choice id or an array of them, got %s", value_phrase(v));
        ok = false;
    }
    if (ok) {
        fb->answer = choice_set_text(q, picked);
        if (!fb->answer)
            report(ld, at, "out of memory");
    }
    free(picked);
}

static void report_correct_feedback(struct loader *ld, const char *at,
                                    const struct lesson_feedback *fb)
{
    report(ld, at, "\"%s\" is the correct answer: feedback is only shown for wrong answers",
           fb->answer);
}

/* Feedback is for wrong answers: one the grader accepts would never be shown. */
static void check_feedback_is_wrong(struct loader *ld, const char *at, const struct lesson_quiz *q,
                                    const struct lesson_feedback *fb)
{
    switch (q->kind) {
    case QUIZ_CAPABILITY:
    case QUIZ_CAPABILITY_SET:
        if (q->answer_caps && fb->caps == q->answer_caps)
            report_correct_feedback(ld, at, fb);
        return;
    case QUIZ_CHOICE:
        if (q->n_answers == 1 && q->answers[0] && strcmp(q->answers[0], fb->answer) == 0)
            report_correct_feedback(ld, at, fb);
        return;
    case QUIZ_MULTI_CHOICE: {
        bool *picked = calloc(q->n_choices ? q->n_choices : 1, sizeof *picked);
        if (!picked)
            return;
        for (size_t i = 0; i < q->n_answers; i++) {
            const struct lesson_choice *c = q->answers[i] ? find_choice(q, q->answers[i]) : NULL;
            if (c)
                picked[c - q->choices] = true;
        }
        char *key = choice_set_text(q, picked);
        if (key && strcmp(key, fb->answer) == 0)
            report_correct_feedback(ld, at, fb);
        free(key);
        free(picked);
        return;
    }
    case QUIZ_TEXT:
        for (size_t i = 0; i < q->n_answers; i++) {
            regex_t re;
            if (!q->answers[i] ||
                regcomp(&re, q->answers[i], REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
                continue;
            bool match = regexec(&re, fb->answer, 0, NULL, 0) == 0;
            regfree(&re);
            if (match) {
                report(ld, at,
                       "\"%s\" matches the answer pattern \"%s\", so it is graded correct and "
                       "this feedback is never shown",
                       fb->answer, q->answers[i]);
                return;
            }
        }
        return;
    }
}

static void parse_feedback(struct loader *ld, json_t *obj, const char *at, struct lesson_quiz *q)
{
    static const char *const feedback_keys[] = {"answer", "text", NULL};
    char child[PTR_MAX], item_at[PTR_MAX], answer_at[PTR_MAX];
    json_t *arr = member(ld, obj, at, "feedback", K_ARRAY, false, child);
    if (!arr)
        return;
    q->feedback = calloc_or_report(ld, child, json_array_size(arr), sizeof *q->feedback);
    if (!q->feedback)
        return;
    q->n_feedback = json_array_size(arr);
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(arr); i++) {
        item = json_array_get(arr, i);
        ptr_index(item_at, child, i);
        if (!expect_kind(ld, item, item_at, K_OBJECT))
            continue;
        check_keys(ld, item, item_at, feedback_keys, NULL);
        json_t *answer = json_object_get(item, "answer");
        ptr_key(answer_at, item_at, "answer");
        if (!answer)
            report(ld, item_at, "missing required key \"answer\"");
        else
            parse_feedback_answer(ld, answer, answer_at, q, &q->feedback[i]);
        if (q->feedback[i].answer)
            check_feedback_is_wrong(ld, answer_at, q, &q->feedback[i]);
        take_string(ld, item, item_at, "text", true, &q->feedback[i].text);
    }
}

static void parse_proof(struct loader *ld, json_t *obj, const char *at, struct lesson_quiz *q)
{
    static const char *const proof_keys[] = {"sandbox", "run", "expect", NULL};
    char child[PTR_MAX];
    json_t *p = json_object_get(obj, "proof");
    ptr_key(child, at, "proof");
    if (!p)
        return;
    if (!is_capability_kind(q->kind)) {
        report(ld, child,
               "a proof is only possible for \"capability\" and \"capability-set\" quizzes");
        return;
    }
    if (!expect_kind(ld, p, child, K_OBJECT))
        return;
    q->proof = calloc_or_report(ld, child, 1, sizeof *q->proof);
    if (!q->proof)
        return;
    sandbox_defaults(&q->proof->sandbox, true);
    check_keys(ld, p, child, proof_keys, NULL);
    json_t *sb = json_object_get(p, "sandbox");
    if (sb) {
        char sb_at[PTR_MAX];
        ptr_key(sb_at, child, "sandbox");
        parse_sandbox(ld, sb, sb_at, &q->proof->sandbox, true);
    }
    take_command(ld, p, child, "run", true, &q->proof->run);
    parse_expect(ld, p, child, &q->proof->expect);
}

static void parse_quiz(struct loader *ld, json_t *obj, const char *at, struct lesson_step *step)
{
    struct lesson_quiz *q = &step->quiz;
    if (step->id)
        q->id = dup_or_report(ld, at, step->id);
    int type = take_enum(ld, obj, at, "type", true, "quiz type", quiz_type_names);
    take_string(ld, obj, at, "question", true, &q->question);
    if (type < 0) {
        /* Without a type the answer cannot be understood; the rest is still checked. */
        take_string_array(ld, obj, at, "hints", &q->hints, &q->n_hints);
        take_string(ld, obj, at, "explanation", false, &q->explanation);
        return;
    }
    q->kind = (enum quiz_kind)type;
    parse_choices(ld, obj, at, q);
    parse_answer(ld, obj, at, q);
    parse_feedback(ld, obj, at, q);
    take_string_array(ld, obj, at, "hints", &q->hints, &q->n_hints);
    take_string(ld, obj, at, "explanation", false, &q->explanation);
    parse_proof(ld, obj, at, q);
}

/* ---- steps ------------------------------------------------------------------------- */

static const char *const step_kind_names[] = {"text", "experiment", "check", "quiz", NULL};
static const char *const text_keys[] = {"kind", "id", "title", "body", NULL};
static const char *const experiment_keys[] = {"kind",    "id",  "title",  "body",
                                              "sandbox", "try", "checks", NULL};
static const char *const check_step_keys[] = {
    "kind", "id", "title", "body", "sandbox", "run", "probe", "tool", "expect", "message", NULL};
static const char *const quiz_keys[] = {"kind",     "id",          "title",  "type",
                                        "question", "choices",     "answer", "feedback",
                                        "hints",    "explanation", "proof",  NULL};

static void free_sandbox(struct lesson_sandbox *sb);

static int copy_sandbox(struct lesson_sandbox *dst, const struct lesson_sandbox *src)
{
    *dst = *src;
    dst->user = src->user ? strdup(src->user) : NULL;
    dst->setup = src->setup ? strdup(src->setup) : NULL;
    dst->rootless_note = src->rootless_note ? strdup(src->rootless_note) : NULL;
    if ((src->user && !dst->user) || (src->setup && !dst->setup) ||
        (src->rootless_note && !dst->rootless_note)) {
        free_sandbox(dst);
        return -1;
    }
    return 0;
}

/* `previous_experiment`: index of the nearest experiment step before this one, or -1. */
static void parse_step(struct loader *ld, json_t *obj, const char *at, struct lesson *lesson,
                       size_t index, long previous_experiment)
{
    struct lesson_step *step = &lesson->steps[index];
    sandbox_defaults(&step->sandbox, false);
    if (!expect_kind(ld, obj, at, K_OBJECT))
        return;
    int kind = take_enum(ld, obj, at, "kind", true, "step kind", step_kind_names);
    if (kind < 0) {
        take_id(ld, obj, at, "step id", &step->id);
        return;
    }
    step->kind = (enum step_kind)kind;
    static const char *const *const keys_by_kind[] = {
        [STEP_TEXT] = text_keys,
        [STEP_EXPERIMENT] = experiment_keys,
        [STEP_CHECK] = check_step_keys,
        [STEP_QUIZ] = quiz_keys,
    };
    check_keys(ld, obj, at, keys_by_kind[kind], NULL);
    take_id(ld, obj, at, step->kind == STEP_QUIZ ? "quiz id" : "step id", &step->id);
    take_string(ld, obj, at, "title", false, &step->title);
    char child[PTR_MAX];

    switch (step->kind) {
    case STEP_TEXT:
        take_string(ld, obj, at, "body", true, &step->body);
        break;
    case STEP_EXPERIMENT: {
        take_string(ld, obj, at, "body", false, &step->body);
        json_t *sb = member(ld, obj, at, "sandbox", K_OBJECT, true, child);
        if (sb)
            parse_sandbox(ld, sb, child, &step->sandbox, false);
        take_string_array(ld, obj, at, "try", &step->try_cmds, &step->n_try);
        parse_experiment_checks(ld, obj, at, step);
        break;
    }
    case STEP_CHECK: {
        take_string(ld, obj, at, "body", false, &step->body);
        step->checks = calloc_or_report(ld, at, 1, sizeof *step->checks);
        if (!step->checks)
            break;
        step->n_checks = 1;
        struct lesson_check *check = &step->checks[0];
        json_t *sb = json_object_get(obj, "sandbox");
        ptr_key(child, at, "sandbox");
        if (sb) {
            parse_sandbox(ld, sb, child, &step->sandbox, false);
            check->sandbox = &step->sandbox;
        } else if (previous_experiment < 0) {
            report(ld, at,
                   "a check step without \"sandbox\" needs an experiment step before it "
                   "(whose sandbox it uses)");
        } else {
            const struct lesson_sandbox *borrowed = &lesson->steps[previous_experiment].sandbox;
            check->sandbox = borrowed;
            /* The step's own copy, so code that looks at step->sandbox sees the same. */
            if (copy_sandbox(&step->sandbox, borrowed) < 0)
                report(ld, at, "out of memory");
        }
        if (step->id)
            check->id = dup_or_report(ld, at, step->id);
        if (step->title)
            check->title = dup_or_report(ld, at, step->title);
        parse_check_fields(ld, obj, at, check);
        break;
    }
    case STEP_QUIZ:
        parse_quiz(ld, obj, at, step);
        break;
    }
}

/* Step ids and the ids of experiment checks share one namespace within a lesson. */
static void check_unique_ids(struct loader *ld, const struct lesson *lesson)
{
    struct seen {
        const char *id;
        char at[PTR_MAX];
    };
    size_t total = 0;
    for (size_t i = 0; i < lesson->n_steps; i++)
        total += 1 + (lesson->steps[i].kind == STEP_EXPERIMENT ? lesson->steps[i].n_checks : 0);
    struct seen *seen = calloc(total ? total : 1, sizeof *seen);
    if (!seen) {
        report_file(ld, "out of memory");
        return;
    }
    size_t n = 0;
    for (size_t i = 0; i < lesson->n_steps; i++) {
        const struct lesson_step *step = &lesson->steps[i];
        char at[PTR_MAX];
        snprintf(at, sizeof at, "/steps/%zu/id", i);
        const char *ids[1] = {step->id};
        for (size_t c = 0; c <= (step->kind == STEP_EXPERIMENT ? step->n_checks : 0); c++) {
            const char *id = c == 0 ? ids[0] : step->checks[c - 1].id;
            if (c > 0)
                snprintf(at, sizeof at, "/steps/%zu/checks/%zu/id", i, c - 1);
            if (!id)
                continue;
            bool dup = false;
            for (size_t k = 0; k < n && !dup; k++) {
                if (strcmp(seen[k].id, id) == 0) {
                    report(ld, at, "duplicate id \"%s\" (already used at %s)", id, seen[k].at);
                    dup = true;
                }
            }
            if (!dup) {
                seen[n].id = id;
                snprintf(seen[n].at, PTR_MAX, "%s", at);
                n++;
            }
        }
    }
    free(seen);
}

static void check_format(struct loader *ld, json_t *root)
{
    char child[PTR_MAX];
    json_t *v = member(ld, root, "", "format", K_INTEGER, true, child);
    if (v && json_integer_value(v) != LESSON_FORMAT_VERSION)
        report(ld, child,
               "unsupported format %" JSON_INTEGER_FORMAT ": this caplab reads format %d",
               json_integer_value(v), LESSON_FORMAT_VERSION);
}

static const char *const lesson_keys[] = {"format",  "id",    "title", "summary",
                                          "minutes", "steps", NULL};

static void parse_lesson(struct loader *ld, json_t *root, struct lesson *lesson)
{
    if (!json_is_object(root)) {
        report(ld, "", "expected an object (a lesson), got %s", value_phrase(root));
        return;
    }
    check_keys(ld, root, "", lesson_keys, NULL);
    check_format(ld, root);
    take_id(ld, root, "", "lesson id", &lesson->id);
    take_string(ld, root, "", "title", true, &lesson->title);
    take_string(ld, root, "", "summary", false, &lesson->summary);
    char child[PTR_MAX], step_at[PTR_MAX];
    json_t *minutes = member(ld, root, "", "minutes", K_INTEGER, false, child);
    if (minutes) {
        json_int_t m = json_integer_value(minutes);
        if (m < 1 || m > MINUTES_MAX)
            report(ld, child,
                   "expected an estimate from 1 to %d minutes, got %" JSON_INTEGER_FORMAT,
                   MINUTES_MAX, m);
        else
            lesson->minutes = (unsigned)m;
    }
    json_t *steps = member(ld, root, "", "steps", K_ARRAY, true, child);
    if (!steps)
        return;
    if (json_array_size(steps) == 0) {
        report(ld, child, "expected at least one step");
        return;
    }
    /* Allocated once at full size: checks keep pointers to earlier steps' sandboxes. */
    lesson->steps = calloc_or_report(ld, child, json_array_size(steps), sizeof *lesson->steps);
    if (!lesson->steps)
        return;
    lesson->n_steps = json_array_size(steps);
    long previous_experiment = -1;
    size_t i;
    json_t *item;
    for (i = 0; i < json_array_size(steps); i++) {
        item = json_array_get(steps, i);
        ptr_index(step_at, child, i);
        parse_step(ld, item, step_at, lesson, i, previous_experiment);
        if (lesson->steps[i].kind == STEP_EXPERIMENT && json_is_object(item))
            previous_experiment = (long)i;
    }
    check_unique_ids(ld, lesson);
}

/* ---- syntax errors ----------------------------------------------------------------- */

/* The token jansson quotes in "... near 'TOKEN'", or NULL. */
static bool near_token(const char *text, char *out, size_t n)
{
    const char *start = strstr(text, " near '");
    if (!start)
        return false;
    start += strlen(" near '");
    const char *end = strrchr(start, '\'');
    if (!end || (size_t)(end - start) >= n)
        return false;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return true;
}

/* The message part of jansson's text, before " near ". */
static void jansson_message(const char *text, char *out, size_t n)
{
    const char *near = strstr(text, " near ");
    size_t len = near ? (size_t)(near - text) : strlen(text);
    if (len >= n)
        len = n - 1;
    memcpy(out, text, len);
    out[len] = '\0';
}

/* Line and column (1-based, in characters) of byte offset `off`. */
static void line_col(const char *data, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off; i++) {
        if (data[i] == '\n') {
            (*line)++;
            *col = 1;
        } else if (((unsigned char)data[i] & 0xC0) != 0x80) {
            (*col)++;
        }
    }
}

/* The offset of the last non-blank character before byte offset `off`, or `off`. */
static size_t previous_nonblank(const char *data, size_t off)
{
    for (size_t i = off; i > 0; i--) {
        char c = data[i - 1];
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r')
            return i - 1;
    }
    return off;
}

/* A token as the learner typed it: strings as they are ("steps"), anything else in
 * quotes ('}'), so that punctuation stands out in the sentence. */
static void show_token(const char *token, char *out, size_t n)
{
    if (token[0] == '"')
        snprintf(out, n, "%s", token);
    else if (strchr(token, '\''))
        snprintf(out, n, "\"%s\"", token);
    else
        snprintf(out, n, "'%s'", token);
}

/* Byte offset where the problem starts. jansson reports where it stopped reading, at the
 * end of the bad token (or at the newline that broke a string); editors want the start. */
static size_t problem_offset(const char *data, size_t len, const json_error_t *je,
                             const char *token, const char *msg)
{
    size_t pos = (size_t)je->position <= len ? (size_t)je->position : len;
    size_t tlen = strlen(token);
    if (tlen && pos >= tlen && memcmp(data + pos - tlen, token, tlen) == 0)
        return pos - tlen;
    if (strcmp(msg, "unexpected newline") == 0) {
        /* The opening quote is the last one on the broken line. */
        size_t i = pos;
        while (i > 0 && data[i - 1] != '\n') {
            i--;
            if (data[i] == '"' && i + 1 < pos)
                return i;
        }
    }
    return pos;
}

static void describe_syntax(const json_error_t *je, const char *data, size_t token_off,
                            const char *token, bool has_token, const char *msg, char *said,
                            size_t n)
{
    char shown[256];
    show_token(token, shown, sizeof shown);
    bool at_eof = strstr(je->text, "near end of file") != NULL;

    switch (json_error_code(je)) {
    case json_error_duplicate_key:
        snprintf(said, n, "duplicate key %s: each key may appear only once in an object", token);
        return;
    case json_error_end_of_input_expected:
        snprintf(said, n, "unexpected %s after the end of the document: expected nothing more",
                 shown);
        return;
    case json_error_invalid_utf8:
        snprintf(said, n, "the text is not valid UTF-8 (%s)", msg);
        return;
    case json_error_null_character:
        snprintf(said, n, "\\u0000 is not allowed in strings");
        return;
    case json_error_numeric_overflow:
        snprintf(said, n, "number out of range: %s", has_token ? token : msg);
        return;
    default:
        break;
    }
    if (at_eof && strncmp(msg, "'[' or '{' expected", 19) == 0)
        snprintf(said, n, "the file is empty: expected a JSON object");
    else if (at_eof && strcmp(msg, "']' expected") == 0)
        snprintf(said, n, "the file ends inside an array: expected ',' or ']'");
    else if (at_eof && strcmp(msg, "'}' expected") == 0)
        snprintf(said, n, "the file ends inside an object: expected ',' or '}'");
    else if (at_eof)
        snprintf(said, n, "the file ends too early: %s", msg);
    else if (strcmp(msg, "premature end of input") == 0)
        snprintf(said, n, "the file ends inside the string %s: expected a closing '\"'", token);
    else if (has_token && (strcmp(token, "}") == 0 || strcmp(token, "]") == 0) &&
             data[previous_nonblank(data, token_off)] == ',')
        snprintf(said, n, "trailing comma before %s: JSON allows no comma after the last item",
                 shown);
    else if (strncmp(msg, "'[' or '{' expected", 19) == 0)
        snprintf(said, n, "expected a JSON object starting with '{', found %s%s", shown,
                 token[0] == '/' || token[0] == '#' ? " (JSON has no comments)" : "");
    else if (strcmp(msg, "string or '}' expected") == 0)
        snprintf(said, n, "expected a key in double quotes or '}', found %s", shown);
    else if (strcmp(msg, "'}' expected") == 0)
        snprintf(said, n, "expected ',' or '}' after a value, found %s (a missing comma?)", shown);
    else if (strcmp(msg, "']' expected") == 0)
        snprintf(said, n, "expected ',' or ']' after a value, found %s (a missing comma?)", shown);
    else if (strcmp(msg, "':' expected") == 0)
        snprintf(said, n, "expected ':' after the key, found %s", shown);
    else if (strcmp(msg, "invalid token") == 0 || strcmp(msg, "unexpected token") == 0)
        snprintf(said, n,
                 "unexpected %s: expected a value (a string in double quotes, a number, true, "
                 "false, null, an array or an object)",
                 shown);
    else if (strcmp(msg, "unexpected newline") == 0)
        snprintf(said, n, "a string cannot span lines: close it with '\"' or write \\n");
    else if (strcmp(msg, "invalid escape") == 0)
        snprintf(said, n,
                 "invalid escape in %s: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
                 "\\uXXXX",
                 token);
    else if (strncmp(msg, "control character", 17) == 0)
        snprintf(said, n, "%s in a string: write it as an escape such as \\t", msg);
    else
        snprintf(said, n, "%s", je->text);
}

static void report_syntax(struct loader *ld, const char *data, size_t len, const json_error_t *je)
{
    char token[200] = "";
    char msg[200];
    bool has_token = near_token(je->text, token, sizeof token);
    jansson_message(je->text, msg, sizeof msg);
    size_t off = problem_offset(data, len, je, token, msg);
    char said[1024];
    describe_syntax(je, data, off, token, has_token, msg, said, sizeof said);
    if (strncmp(said, "trailing comma", 14) == 0)
        off = previous_nonblank(data, off); /* point at the comma itself */
    int line, col;
    line_col(data, off, &line, &col);
    char *out = NULL;
    if (asprintf(&out, "%s:%d:%d: %s", ld->name, line, col, said) < 0)
        out = NULL;
    add_line(ld, out);
}

/* ---- files ------------------------------------------------------------------------- */

/* read_file's errno for something that is not a regular file (a FIFO, device, socket). */
#define NOT_REGULAR_ERRNO EINVAL

/* Reads a whole file; on failure reports it (as the error of `ld`) and returns NULL. */
static char *read_file(const char *path, size_t *len, int *saved_errno)
{
    *saved_errno = 0;
    /* Non-blocking open and a type check: a FIFO named x.json in a shared lesson
     * directory would otherwise block `caplab lint` forever (found by the fault tests). */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        *saved_errno = errno;
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0)
        *saved_errno = errno;
    else if (!S_ISREG(st.st_mode))
        *saved_errno = S_ISDIR(st.st_mode) ? EISDIR : NOT_REGULAR_ERRNO;
    if (*saved_errno) {
        close(fd);
        return NULL;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        *saved_errno = errno;
        close(fd);
        return NULL;
    }
    size_t cap = 8192, used = 0;
    char *buf = malloc(cap);
    while (buf) {
        size_t got = fread(buf + used, 1, cap - used, f);
        used += got;
        if (got == 0) {
            if (ferror(f)) {
                *saved_errno = errno ? errno : EIO;
                free(buf);
                buf = NULL;
            }
            break;
        }
        if (used == cap) {
            if (cap >= MAX_FILE_SIZE) {
                *saved_errno = EFBIG;
                free(buf);
                buf = NULL;
                break;
            }
            char *grown = realloc(buf, cap * 2);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap *= 2;
        }
    }
    if (!buf && !*saved_errno)
        *saved_errno = ENOMEM;
    fclose(f);
    *len = used;
    return buf;
}

/* Parses JSON syntax; reports a syntax error and returns NULL. */
static json_t *parse_json(struct loader *ld, const char *data, size_t len)
{
    json_error_t je;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        report_syntax(ld, data, len, &je);
    return root;
}

static void fill_summary(const struct loader *ld, struct err *e)
{
    if (ld->count == 1)
        err_set(e, ERR_INVALID, "%s", ld->first);
    else
        err_set(e, ERR_INVALID, "%s: %zu errors", ld->name, ld->count);
}

static struct lesson *load_lesson_data(struct loader *ld, const char *data, size_t len)
{
    size_t before = ld->count;
    struct lesson *lesson = calloc(1, sizeof *lesson);
    if (!lesson || !(lesson->path = strdup(ld->name))) {
        report_file(ld, "out of memory");
        free(lesson);
        return NULL;
    }
    json_t *root = parse_json(ld, data, len);
    if (root)
        parse_lesson(ld, root, lesson);
    json_decref(root);
    if (ld->count > before) {
        lesson_free(lesson);
        return NULL;
    }
    return lesson;
}

struct lesson *lesson_load_buffer(const char *name, const char *data, size_t len,
                                  struct lesson_errors *errs, struct err *e)
{
    struct loader ld = {.name = name, .errs = errs};
    struct lesson *lesson = load_lesson_data(&ld, data, len);
    if (!lesson)
        fill_summary(&ld, e);
    return lesson;
}

static void report_unreadable(struct loader *ld, int saved_errno)
{
    if (saved_errno == NOT_REGULAR_ERRNO)
        report_file(ld, "cannot read the file: not a regular file (a FIFO, device or socket)");
    else
        report_file(ld, "cannot read the file: %s", strerror(saved_errno));
}

struct lesson *lesson_load(const char *path, struct lesson_errors *errs, struct err *e)
{
    struct loader ld = {.name = path, .errs = errs};
    size_t len;
    int saved_errno;
    char *data = read_file(path, &len, &saved_errno);
    if (!data) {
        report_unreadable(&ld, saved_errno);
        err_set(e, saved_errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, "%s", ld.first);
        if (e)
            e->sys_errno = saved_errno == ENOENT ? 0 : saved_errno;
        return NULL;
    }
    struct lesson *lesson = load_lesson_data(&ld, data, len);
    free(data);
    if (!lesson)
        fill_summary(&ld, e);
    return lesson;
}

/* ---- courses ----------------------------------------------------------------------- */

/* A lesson path relative to the course file's directory. */
static char *resolve_relative(const char *course_path, const char *rel)
{
    const char *slash = strrchr(course_path, '/');
    if (rel[0] == '/' || !slash)
        return strdup(rel);
    char *out = NULL;
    if (asprintf(&out, "%.*s/%s", (int)(slash - course_path), course_path, rel) < 0)
        return NULL;
    return out;
}

/* Lesson ids and quiz ids are unique across the course. */
static void check_course_ids(struct loader *ld, const struct course *c)
{
    for (size_t i = 0; i < c->n_lessons; i++) {
        const struct lesson *l = &c->lessons[i];
        struct loader at_lesson = {.name = l->path, .errs = ld->errs};
        for (size_t j = 0; j < i; j++) {
            if (strcmp(c->lessons[j].id, l->id) == 0) {
                report(&at_lesson, "/id", "lesson id \"%s\" is already used by %s", l->id,
                       c->lessons[j].path);
                break;
            }
        }
        for (size_t s = 0; s < l->n_steps; s++) {
            if (l->steps[s].kind != STEP_QUIZ)
                continue;
            const char *id = l->steps[s].quiz.id;
            const struct lesson *other_lesson = NULL;
            const struct lesson_quiz *other = course_find_quiz(
                &(struct course){.lessons = c->lessons, .n_lessons = i}, id, &other_lesson);
            if (other) {
                char at[PTR_MAX];
                snprintf(at, sizeof at, "/steps/%zu/id", s);
                report(&at_lesson, at, "quiz id \"%s\" is already used in %s (lesson \"%s\")", id,
                       other_lesson->path, other_lesson->id);
            }
        }
        ld->count += at_lesson.count;
        if (at_lesson.count && ld->count == at_lesson.count)
            snprintf(ld->first, sizeof ld->first, "%s", at_lesson.first);
    }
}

static const char *const course_keys[] = {"format", "title", "lessons", NULL};

/* Parses the course file and loads its lessons into c. */
static void parse_course(struct loader *ld, json_t *root, struct course *c)
{
    if (!json_is_object(root)) {
        report(ld, "", "expected an object (a course), got %s", value_phrase(root));
        return;
    }
    check_keys(ld, root, "", course_keys, NULL);
    check_format(ld, root);
    take_string(ld, root, "", "title", true, &c->title);
    char child[PTR_MAX], item_at[PTR_MAX];
    json_t *lessons = member(ld, root, "", "lessons", K_ARRAY, true, child);
    if (!lessons)
        return;
    if (json_array_size(lessons) == 0) {
        report(ld, child, "expected at least one lesson file");
        return;
    }
    c->lessons = calloc_or_report(ld, child, json_array_size(lessons), sizeof *c->lessons);
    if (!c->lessons)
        return;
    size_t i;
    json_t *item;
    bool all_loaded = true;
    for (i = 0; i < json_array_size(lessons); i++) {
        item = json_array_get(lessons, i);
        ptr_index(item_at, child, i);
        if (!expect_kind(ld, item, item_at, K_STRING)) {
            all_loaded = false;
            continue;
        }
        char *path = resolve_relative(ld->name, json_string_value(item));
        if (!path) {
            report(ld, item_at, "out of memory");
            all_loaded = false;
            continue;
        }
        size_t len;
        int saved_errno;
        char *data = read_file(path, &len, &saved_errno);
        if (!data) {
            report(ld, item_at, "cannot read lesson file \"%s\": %s", path, strerror(saved_errno));
            free(path);
            all_loaded = false;
            continue;
        }
        struct loader sub = {.name = path, .errs = ld->errs};
        struct lesson *lesson = load_lesson_data(&sub, data, len);
        free(data);
        free(path);
        if (sub.count && ld->count == 0)
            snprintf(ld->first, sizeof ld->first, "%s", sub.first);
        ld->count += sub.count;
        if (!lesson) {
            all_loaded = false;
            continue;
        }
        /* Move the lesson in; its steps array stays where it is, so pointers hold. */
        c->lessons[c->n_lessons++] = *lesson;
        free(lesson);
    }
    if (all_loaded)
        check_course_ids(ld, c);
}

struct course *course_load(const char *path, struct lesson_errors *errs, struct err *e)
{
    struct loader ld = {.name = path, .errs = errs};
    size_t len;
    int saved_errno;
    char *data = read_file(path, &len, &saved_errno);
    if (!data) {
        report_unreadable(&ld, saved_errno);
        err_set(e, saved_errno == ENOENT ? ERR_NOT_FOUND : ERR_SYSTEM, "%s", ld.first);
        if (e)
            e->sys_errno = saved_errno == ENOENT ? 0 : saved_errno;
        return NULL;
    }
    struct course *c = calloc(1, sizeof *c);
    if (!c || !(c->path = strdup(path))) {
        report_file(&ld, "out of memory");
    } else {
        json_t *root = parse_json(&ld, data, len);
        if (root)
            parse_course(&ld, root, c);
        json_decref(root);
    }
    free(data);
    if (ld.count > 0) {
        course_free(c);
        fill_summary(&ld, e);
        return NULL;
    }
    return c;
}

const struct lesson *course_find_lesson(const struct course *c, const char *id)
{
    if (!c || !id)
        return NULL;
    for (size_t i = 0; i < c->n_lessons; i++)
        if (c->lessons[i].id && strcmp(c->lessons[i].id, id) == 0)
            return &c->lessons[i];
    return NULL;
}

const struct lesson_quiz *course_find_quiz(const struct course *c, const char *quiz_id,
                                           const struct lesson **lesson_out)
{
    if (lesson_out)
        *lesson_out = NULL;
    if (!c || !quiz_id)
        return NULL;
    for (size_t i = 0; i < c->n_lessons; i++) {
        const struct lesson *l = &c->lessons[i];
        for (size_t s = 0; s < l->n_steps; s++) {
            const struct lesson_step *step = &l->steps[s];
            if (step->kind == STEP_QUIZ && step->quiz.id && strcmp(step->quiz.id, quiz_id) == 0) {
                if (lesson_out)
                    *lesson_out = l;
                return &step->quiz;
            }
        }
    }
    return NULL;
}

/* ---- freeing ----------------------------------------------------------------------- */

static void free_sandbox(struct lesson_sandbox *sb)
{
    free(sb->user);
    free(sb->setup);
    free(sb->rootless_note);
    sb->user = sb->setup = sb->rootless_note = NULL;
}

static void free_expect(struct lesson_expect *ex)
{
    free(ex->stdout_re);
    free(ex->stderr_re);
}

static void free_strings(char **items, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(items[i]);
    free(items);
}

static void free_quiz(struct lesson_quiz *q)
{
    free(q->id);
    free(q->question);
    for (size_t i = 0; i < q->n_choices; i++) {
        free(q->choices[i].id);
        free(q->choices[i].text);
    }
    free(q->choices);
    free_strings(q->answers, q->n_answers);
    for (size_t i = 0; i < q->n_feedback; i++) {
        free(q->feedback[i].answer);
        free(q->feedback[i].text);
    }
    free(q->feedback);
    free_strings(q->hints, q->n_hints);
    free(q->explanation);
    if (q->proof) {
        free_sandbox(&q->proof->sandbox);
        free(q->proof->run);
        free_expect(&q->proof->expect);
        free(q->proof);
    }
}

static void free_step(struct lesson_step *step)
{
    free(step->id);
    free(step->title);
    free(step->body);
    free_sandbox(&step->sandbox);
    free_strings(step->try_cmds, step->n_try);
    for (size_t i = 0; i < step->n_checks; i++) {
        struct lesson_check *check = &step->checks[i];
        free(check->id);
        free(check->title);
        free(check->run);
        free(check->tool);
        free_expect(&check->expect);
        free(check->message);
    }
    free(step->checks);
    free_quiz(&step->quiz);
}

/* Frees what a lesson owns, not the struct itself (courses hold lessons by value). */
static void release_lesson(struct lesson *l)
{
    for (size_t i = 0; i < l->n_steps; i++)
        free_step(&l->steps[i]);
    free(l->steps);
    free(l->path);
    free(l->id);
    free(l->title);
    free(l->summary);
}

void lesson_free(struct lesson *l)
{
    if (!l)
        return;
    release_lesson(l);
    free(l);
}

void course_free(struct course *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n_lessons; i++)
        release_lesson(&c->lessons[i]);
    free(c->lessons);
    free(c->path);
    free(c->title);
    free(c);
}
