#include "err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_set(struct err *e, enum err_code code, const char *fmt, ...)
{
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = code;
        e->sys_errno = 0;
        vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
    }
    return -1;
}

int err_sys(struct err *e, const char *fmt, ...)
{
    int saved = errno;
    if (e) {
        va_list ap;
        va_start(ap, fmt);
        e->code = ERR_SYSTEM;
        e->sys_errno = saved;
        int n = vsnprintf(e->msg, sizeof e->msg, fmt, ap);
        va_end(ap);
        if (n >= 0 && (size_t)n < sizeof e->msg)
            snprintf(e->msg + n, sizeof e->msg - (size_t)n, ": %s", strerror(saved));
    }
    errno = saved;
    return -1;
}

void err_print(const struct err *e)
{
    fprintf(stderr, "caplab: %s\n", e && e->msg[0] ? e->msg : "unknown error");
}

void err_vprintf(const char *fmt, va_list ap)
{
    fputs("caplab: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
}

void err_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vprintf(fmt, ap);
    va_end(ap);
}

void err_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("caplab: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}
