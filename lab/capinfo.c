/* capinfo: load and validate assets/capabilities.json (see capinfo.h). */
#include "capinfo.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "paths.h"

struct capinfo {
    json_t *root; /* owns every string the entries point to */
    struct capinfo_entry *entries;
    size_t n;
};

/* Validation state: the first problem goes into e, the others are counted. */
struct check {
    const char *path;
    struct err *e;
    int problems;
};

__attribute__((format(printf, 3, 4))) static int problem(struct check *c, const char *pointer,
                                                         const char *fmt, ...)
{
    if (c->problems++ > 0)
        return -1;
    char text[700];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    return err_set(c->e, ERR_INVALID, "%s: %s: %s", c->path, pointer, text);
}

static const char *const entry_keys[] = {
    "name",           "number", "governs", "syscalls", "commands",
    "docker_default", "probe",  "related", "danger",   NULL};

static bool known_key(const char *key, const char *const *keys)
{
    for (int i = 0; keys[i]; i++)
        if (strcmp(key, keys[i]) == 0)
            return true;
    return false;
}

static void reject_unknown_keys(struct check *c, json_t *obj, const char *pointer,
                                const char *const *keys, const char *expected)
{
    const char *key;
    json_t *value;
    json_object_foreach(obj, key, value)
    {
        (void)value;
        if (!known_key(key, keys)) {
            char at[128];
            snprintf(at, sizeof at, "%s/%s", pointer, key);
            problem(c, at, "unknown key \"%s\" (expected one of: %s)", key, expected);
        }
    }
}

/* A required non-empty string member; NULL (and a problem) otherwise. */
static const char *text_member(struct check *c, json_t *obj, const char *pointer, const char *key,
                               bool required)
{
    json_t *v = json_object_get(obj, key);
    char at[128];
    snprintf(at, sizeof at, "%s/%s", pointer, key);
    if (!v) {
        if (required)
            problem(c, pointer, "missing \"%s\"", key);
        return NULL;
    }
    if (!json_is_string(v) || json_string_length(v) == 0) {
        problem(c, at, "expected a non-empty string");
        return NULL;
    }
    return json_string_value(v);
}

/* A non-empty array of non-empty strings, copied into a NULL-terminated vector. */
static const char **list_member(struct check *c, json_t *obj, const char *pointer, const char *key,
                                size_t *n)
{
    json_t *v = json_object_get(obj, key);
    char at[128];
    snprintf(at, sizeof at, "%s/%s", pointer, key);
    *n = 0;
    if (!v) {
        problem(c, pointer, "missing \"%s\"", key);
        return NULL;
    }
    if (!json_is_array(v) || json_array_size(v) == 0) {
        problem(c, at, "expected a non-empty array of strings");
        return NULL;
    }
    const char **out = calloc(json_array_size(v) + 1, sizeof *out);
    if (!out) {
        problem(c, at, "out of memory");
        return NULL;
    }
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item) || json_string_length(item) == 0) {
            char item_at[160];
            snprintf(item_at, sizeof item_at, "%s/%zu", at, i);
            problem(c, item_at, "expected a non-empty string");
            continue;
        }
        out[(*n)++] = json_string_value(item);
    }
    return out;
}

/* A capability name that must be canonical and known; -1 otherwise. */
static long cap_of_name(struct check *c, json_t *v, const char *at)
{
    if (!json_is_string(v)) {
        problem(c, at, "expected a capability name (a string such as \"NET_RAW\")");
        return -1;
    }
    const char *name = json_string_value(v);
    unsigned cap;
    struct err pe = {0};
    if (caps_parse(name, &cap, &pe) < 0) {
        const char *near = caps_suggest(name);
        if (near)
            problem(c, at, "unknown capability \"%s\": did you mean %s?", name, near);
        else
            problem(c, at, "unknown capability \"%s\"", name);
        return -1;
    }
    if (strcmp(name, caps_name(cap)) != 0) {
        problem(c, at, "write the canonical name \"%s\" (not \"%s\")", caps_name(cap), name);
        return -1;
    }
    return (long)cap;
}

static int load_related(struct check *c, json_t *obj, const char *pointer,
                        struct capinfo_entry *entry)
{
    json_t *v = json_object_get(obj, "related");
    char at[128];
    snprintf(at, sizeof at, "%s/related", pointer);
    if (!v) {
        problem(c, pointer, "missing \"related\"");
        return -1;
    }
    if (!json_is_array(v)) {
        problem(c, at, "expected an array of {\"name\", \"note\"} objects");
        return -1;
    }
    struct capinfo_related *rel = calloc(json_array_size(v) + 1, sizeof *rel);
    if (!rel)
        return problem(c, at, "out of memory");
    static const char *const keys[] = {"name", "note", NULL};
    size_t i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        char item_at[160];
        snprintf(item_at, sizeof item_at, "%s/%zu", at, i);
        if (!json_is_object(item)) {
            problem(c, item_at, "expected an object with \"name\" and \"note\"");
            continue;
        }
        reject_unknown_keys(c, item, item_at, keys, "name, note");
        char name_at[180];
        snprintf(name_at, sizeof name_at, "%s/name", item_at);
        json_t *name = json_object_get(item, "name");
        long cap = name ? cap_of_name(c, name, name_at) : -1;
        if (!name)
            problem(c, item_at, "missing \"name\"");
        const char *note = text_member(c, item, item_at, "note", true);
        if (cap >= 0 && (unsigned)cap == entry->cap)
            problem(c, name_at, "a capability is not related to itself");
        if (cap < 0 || !note)
            continue;
        rel[entry->n_related++] =
            (struct capinfo_related){(unsigned)cap, json_string_value(name), note};
    }
    entry->related = rel;
    return 0;
}

static int load_entry(struct check *c, json_t *obj, size_t index, struct capinfo *info, bool *seen)
{
    char pointer[64];
    snprintf(pointer, sizeof pointer, "/capabilities/%zu", index);
    if (!json_is_object(obj))
        return problem(c, pointer, "expected an object describing one capability");
    reject_unknown_keys(c, obj, pointer, entry_keys,
                        "name, number, governs, syscalls, commands, docker_default, probe, "
                        "related, danger");
    char at[96];
    snprintf(at, sizeof at, "%s/name", pointer);
    json_t *name = json_object_get(obj, "name");
    if (!name)
        return problem(c, pointer, "missing \"name\"");
    long cap = cap_of_name(c, name, at);
    if (cap < 0)
        return -1;
    if (seen[cap])
        return problem(c, at, "a second entry for %s", caps_name((unsigned)cap));
    seen[cap] = true;

    struct capinfo_entry *entry = &info->entries[cap];
    entry->cap = (unsigned)cap;
    entry->name = caps_name((unsigned)cap);

    json_t *number = json_object_get(obj, "number");
    snprintf(at, sizeof at, "%s/number", pointer);
    if (!number)
        problem(c, pointer, "missing \"number\"");
    else if (!json_is_integer(number) || json_integer_value(number) != cap)
        problem(c, at, "%s is capability number %ld", entry->name, cap);

    entry->governs = text_member(c, obj, pointer, "governs", true);
    entry->probe = text_member(c, obj, pointer, "probe", true);
    entry->danger = text_member(c, obj, pointer, "danger", false);
    entry->syscalls = list_member(c, obj, pointer, "syscalls", &entry->n_syscalls);
    entry->commands = list_member(c, obj, pointer, "commands", &entry->n_commands);

    json_t *docker = json_object_get(obj, "docker_default");
    snprintf(at, sizeof at, "%s/docker_default", pointer);
    bool granted = (caps_docker_defaults() & CAPS_BIT((unsigned)cap)) != 0;
    if (!docker)
        problem(c, pointer, "missing \"docker_default\"");
    else if (!json_is_boolean(docker))
        problem(c, at, "expected true or false");
    else if (json_boolean_value(docker) != granted)
        problem(c, at, "Docker %s %s by default", granted ? "grants" : "does not grant",
                entry->name);
    entry->docker_default = granted;
    load_related(c, obj, pointer, entry);
    return 0;
}

static int check_root(struct check *c, json_t *root, struct capinfo *info)
{
    static const char *const keys[] = {"format", "capabilities", NULL};
    if (!json_is_object(root))
        return problem(c, "/", "expected an object with \"format\" and \"capabilities\"");
    reject_unknown_keys(c, root, "", keys, "format, capabilities");
    json_t *format = json_object_get(root, "format");
    if (!json_is_integer(format) || json_integer_value(format) != 1)
        problem(c, "/format", "expected 1 (the only format this caplab reads)");
    json_t *list = json_object_get(root, "capabilities");
    if (!json_is_array(list))
        return problem(c, "/capabilities", "expected an array with one entry per capability");

    bool seen[64] = {false};
    size_t i;
    json_t *obj;
    json_array_foreach(list, i, obj) load_entry(c, obj, i, info, seen);
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (!seen[cap])
            problem(c, "/capabilities", "no entry for %s (number %u), which this kernel knows",
                    caps_name(cap), cap);
    return 0;
}

void capinfo_free(struct capinfo *info)
{
    if (!info)
        return;
    for (size_t i = 0; info->entries && i < info->n; i++) {
        free((void *)info->entries[i].syscalls);
        free((void *)info->entries[i].commands);
        free((void *)info->entries[i].related);
    }
    free(info->entries);
    json_decref(info->root);
    free(info);
}

int capinfo_load(const char *path, struct capinfo **out, struct err *e)
{
    *out = NULL;
    json_error_t jerr;
    json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        if (jerr.line < 0)
            return err_set(e, ERR_NOT_FOUND, "%s: %s", path, jerr.text);
        return err_set(e, ERR_INVALID, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
    }
    struct capinfo *info = calloc(1, sizeof *info);
    if (!info) {
        json_decref(root);
        return err_set(e, ERR_SYSTEM, "out of memory");
    }
    info->root = root;
    info->n = caps_last() + 1;
    info->entries = calloc(info->n, sizeof *info->entries);
    if (!info->entries) {
        capinfo_free(info);
        return err_set(e, ERR_SYSTEM, "out of memory");
    }
    struct check c = {.path = path, .e = e};
    check_root(&c, root, info);
    if (c.problems > 0) {
        if (c.problems > 1 && e) {
            size_t len = strlen(e->msg);
            snprintf(e->msg + len, sizeof e->msg - len, " (and %d more problem%s)", c.problems - 1,
                     c.problems == 2 ? "" : "s");
        }
        capinfo_free(info);
        return -1;
    }
    *out = info;
    return 0;
}

const struct capinfo_entry *capinfo_get(const struct capinfo *info, unsigned cap)
{
    return info && cap < info->n ? &info->entries[cap] : NULL;
}

size_t capinfo_count(const struct capinfo *info)
{
    return info ? info->n : 0;
}

const struct capinfo *capinfo_default(struct err *e)
{
    static struct capinfo *loaded;
    if (loaded)
        return loaded;
    char *path = paths_data_file("assets/capabilities.json");
    if (!path) {
        err_set(e, ERR_NOT_FOUND,
                "cannot find caplab's data (assets/capabilities.json): set CAPLAB_DATA to the "
                "directory holding assets/");
        return NULL;
    }
    capinfo_load(path, &loaded, e);
    free(path);
    return loaded;
}

const char *capinfo_summary(unsigned cap)
{
    const struct capinfo_entry *entry = capinfo_get(capinfo_default(NULL), cap);
    return entry ? entry->governs : NULL;
}

const char *capinfo_probe_summary(unsigned cap)
{
    const struct capinfo_entry *entry = capinfo_get(capinfo_default(NULL), cap);
    return entry ? entry->probe : NULL;
}
