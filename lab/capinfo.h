/*
 * capinfo: what each capability governs, in caplab's words, from assets/capabilities.json.
 *
 * The file is {"format": 1, "capabilities": [ENTRY, ...]} with one entry per capability:
 *     {"name": "NET_RAW", "number": 13, "governs": "2-4 sentences",
 *      "syscalls": ["socket(AF_INET, SOCK_RAW)", ...], "commands": ["ping", ...],
 *      "docker_default": true, "probe": "what caplab's probe shows",
 *      "related": [{"name": "NET_ADMIN", "note": "how they differ"}, ...],
 *      "danger": "optional: why granting it is risky"}
 *
 * Loading validates it completely: every capability the running kernel knows has exactly
 * one entry, names are canonical and known, numbers match names, docker_default matches
 * Docker's real defaults (caps.h), no unknown keys. Errors name the file and the place:
 *     FILE:LINE:COL: message                      (JSON syntax)
 *     FILE: /capabilities/3/name: message         (content, as a JSON pointer)
 * The first error is reported, with the count of the others.
 *
 * Ownership: capinfo_load() returns a struct the caller releases with capinfo_free();
 * everything reachable from it lives as long as it. capinfo_default() loads
 * DATA/assets/capabilities.json once per process and keeps it (never freed).
 */
#ifndef CAPLAB_CAPINFO_H
#define CAPLAB_CAPINFO_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

struct capinfo_related {
    unsigned cap;
    const char *name;
    const char *note;
};

struct capinfo_entry {
    unsigned cap;
    const char *name;
    const char *governs;
    const char *const *syscalls; /* n_syscalls strings */
    size_t n_syscalls;
    const char *const *commands;
    size_t n_commands;
    bool docker_default;
    const char *probe;
    const struct capinfo_related *related;
    size_t n_related;
    const char *danger; /* NULL when not dangerous */
};

struct capinfo;

/* Load and validate `path`. */
int capinfo_load(const char *path, struct capinfo **out, struct err *e);

void capinfo_free(struct capinfo *info);

/* The entry of capability `cap`, or NULL when cap is beyond the kernel's last. */
const struct capinfo_entry *capinfo_get(const struct capinfo *info, unsigned cap);

/* Number of entries (caps_last() + 1). */
size_t capinfo_count(const struct capinfo *info);

/* The shipped data (paths_data_file("assets/capabilities.json")), loaded on first use.
 * NULL with e filled when it is missing or invalid; later calls retry. */
const struct capinfo *capinfo_default(struct err *e);

/* Shortcuts on capinfo_default() for the tutor and the quiz grader: the "governs" text
 * and the probe summary of `cap`, or NULL when the data cannot be loaded. */
const char *capinfo_summary(unsigned cap);
const char *capinfo_probe_summary(unsigned cap);

#endif
