/*
 * capstatus: read a process's capability state from /proc/PID/status (and, for the
 * calling process itself, securebits through prctl), like capsh --print and getpcaps.
 *
 * All values are copied into the caller's struct; nothing to free.
 */
#ifndef CAPLAB_CAPSTATUS_H
#define CAPLAB_CAPSTATUS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "caps.h"
#include "err.h"

struct capstatus {
    pid_t pid;
    char name[64]; /* the process's command name */
    long uid[4];   /* real, effective, saved, filesystem */
    long gid[4];
    capmask inheritable, permitted, effective, bounding, ambient;
    int no_new_privs; /* 0/1, -1 when the kernel does not say */
    int seccomp;      /* 0 off, 1 strict, 2 filter, -1 unknown */
    long securebits;  /* -1: unknown (the kernel shows them only to the process itself) */
};

/* pid 0 means the calling process. ERR_NOT_FOUND for a process that does not exist. */
int capstatus_read(pid_t pid, struct capstatus *out, struct err *e);

/* Names of the securebits set in `bits` ("keep-caps, no-setuid-fixup-locked"), or "none".
 * Writes at most n bytes. */
void capstatus_securebits_text(long bits, char *buf, size_t n);

#endif
