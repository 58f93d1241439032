/*
 * err: how the core reports failures, and the one place that formats them for the user.
 *
 * Core functions return 0 on success and -1 on failure, filling a caller-owned
 * struct err with a code and a complete, human-readable sentence (no "caplab:"
 * prefix, no trailing newline). Only the CLI and the UI decide where it goes.
 *
 *     struct err e = {0};
 *     if (caps_parse("NET_RAWW", &cap, &e) < 0)
 *         err_print(&e);            // "caplab: unknown capability ... did you mean NET_RAW?"
 */
#ifndef CAPLAB_ERR_H
#define CAPLAB_ERR_H

#include <stdarg.h>
#include <stddef.h>

enum err_code {
    ERR_NONE = 0,
    ERR_USAGE,       /* bad flags or arguments: exit 2 */
    ERR_INVALID,     /* bad input data: unknown capability, malformed lesson, ... */
    ERR_NOT_FOUND,   /* a file, user, lesson, quiz or tool that does not exist */
    ERR_SYSTEM,      /* a system call failed unexpectedly (errno in sys_errno) */
    ERR_NAMESPACES,  /* the kernel refuses the namespaces a sandbox needs */
    ERR_UNSUPPORTED, /* not possible in this mode or on this kernel */
};

struct err {
    enum err_code code;
    int sys_errno; /* errno when code == ERR_SYSTEM, else 0 */
    char msg[1024];
};

/* Fill e (may be NULL) and return -1, so callers can write `return err_set(...)`. */
int err_set(struct err *e, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Like err_set with ERR_SYSTEM, appending ": strerror(errno)" and keeping errno. */
int err_sys(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Print "caplab: MESSAGE" on stderr. */
void err_print(const struct err *e);

/* Print "caplab: FORMAT" on stderr; for messages that come from no struct err. */
void err_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The same with a va_list, for other printers (usage errors) to share the format. */
void err_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Print "caplab: warning: FORMAT" on stderr. */
void err_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
