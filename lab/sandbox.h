/*
 * sandbox: run a command, a shell or a C function with exactly the capabilities asked for,
 * in fresh namespaces, on a throwaway view of the host's files.
 *
 * Every sandbox gets new mount, pid, net (loopback only, up), uts (hostname "caplab"),
 * ipc and cgroup namespaces, plus a user namespace in rootless mode. The host's tree is
 * seen through an overlay whose upper layer is a tmpfs, so anything written, chowned or
 * deleted inside vanishes with the sandbox. A small init is pid 1; the command is its child.
 * When the command exits, or caplab dies (even by SIGKILL), everything inside is killed.
 *
 * Capabilities follow Docker: for uid 0 the bounding, permitted and effective sets equal
 * cfg->caps, inheritable and ambient are empty. A non-root user gets no effective
 * capabilities unless cfg->ambient raises some (a subset of cfg->caps) as ambient.
 *
 * The caller owns cfg and everything it points to; sandbox_run() copies what it needs.
 * Result buffers are malloc'd and released with sandbox_result_release().
 * Not thread-safe: call from one thread (it forks).
 */
#ifndef CAPLAB_SANDBOX_H
#define CAPLAB_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "err.h"

/* Exit statuses of `caplab run` when the sandbox itself fails (docker uses 125 too). */
#define SANDBOX_EXIT_SETUP   125 /* the sandbox could not be built */
#define SANDBOX_EXIT_NO_NS   122 /* the kernel refuses the namespaces a sandbox needs */
#define SANDBOX_EXIT_TIMEOUT 124 /* --timeout expired (as timeout(1)) */

enum sandbox_mode {
    SANDBOX_MODE_AUTO = 0,   /* privileged when root, else rootless */
    SANDBOX_MODE_PRIVILEGED, /* real root: real capabilities, like Docker */
    SANDBOX_MODE_ROOTLESS,   /* any user: capabilities inside a user namespace */
};

enum sandbox_io {
    SANDBOX_IO_INHERIT = 0, /* stdin/stdout/stderr are the caller's */
    SANDBOX_IO_CAPTURE,     /* stdin is /dev/null; stdout/stderr captured (bounded) */
};

struct sandbox_config {
    enum sandbox_mode mode;
    capmask caps;     /* the resolved set (see caps_resolve) */
    capmask ambient;  /* raised as ambient for a non-root user; must be within caps */
    const char *user; /* NULL or "root": uid 0; else "NAME" or "UID[:GID]" */
    bool no_new_privs;
    bool docker_sysctls; /* ping_group_range "0 2147483647", ip_unprivileged_port_start 0 */
    double timeout;      /* seconds; 0: none */

    /* What runs. Exactly one of argv / fn; neither means an interactive shell on its own
     * pseudo-terminal, with `prompt_tag` in its prompt ("[caplab -NET_RAW] # "). */
    char *const *argv;    /* NULL-terminated; looked up in the sandbox's PATH */
    int (*fn)(void *arg); /* runs inside after the drop; its return value is the exit status */
    void *fn_arg;
    const char *prompt_tag;

    /* Prepared before the drop, as root with every capability the sandbox may hold. */
    const char *setup;          /* NULL or a shell script (sh -c) */
    int (*setup_fn)(void *arg); /* NULL or a function; non-zero return aborts the run */
    void *setup_arg;

    char *const *ro_binds; /* NULL-terminated host paths shown read-only at the same path
                              inside (e.g. a test's helper programs below /tmp) */

    enum sandbox_io io;
    size_t capture_limit; /* per stream, in bytes; 0: 64 KiB */
    bool quiet;           /* interactive: no banner */
};

struct sandbox_result {
    enum sandbox_mode mode; /* the mode actually used */
    int exit_code;          /* as a shell reports it: status, 126/127, or 128+signal */
    int term_signal;        /* the signal that ended the command, or 0 */
    bool timed_out;
    double seconds; /* wall time from start to the end of the command */
    char *out;      /* captured stdout (NUL-terminated), or NULL */
    size_t out_len;
    bool out_truncated;
    char *errout; /* captured stderr */
    size_t err_len;
    bool err_truncated;
};

/* What this machine allows. Filled once and cached. */
struct sandbox_support {
    bool available;              /* can a sandbox be started in auto mode? */
    enum sandbox_mode auto_mode; /* what auto means here */
    bool ranged_ids;             /* rootless: /etc/subuid gives a range (other users exist) */
    char reason[512];            /* when !available: the cause and the fix */
    char limits[512];            /* when available but rootless: what cannot be shown */
};

/* Run cfg to completion (or until the timeout). Returns 0 when the sandbox ran, whatever
 * the command's status (see res), or -1 with e filled when it could not be started
 * (e->code ERR_NAMESPACES when the kernel refuses namespaces). */
int sandbox_run(const struct sandbox_config *cfg, struct sandbox_result *res, struct err *e);

void sandbox_result_release(struct sandbox_result *res);

/* Probe what is possible here (cheap after the first call). */
const struct sandbox_support *sandbox_support(void);

const char *sandbox_mode_name(enum sandbox_mode mode);
int sandbox_mode_parse(const char *text, enum sandbox_mode *out, struct err *e);

/* The capabilities a sandbox in `mode` can hold at all: in privileged mode, what this
 * process itself holds (some hosts' root lacks one in its bounding set); in rootless mode,
 * all of them (a new user namespace starts with a full set). Requests are cut to this. */
capmask sandbox_grantable(enum sandbox_mode mode);

/* The mode `auto` resolves to for the current process. */
enum sandbox_mode sandbox_effective_mode(enum sandbox_mode requested);

#endif
