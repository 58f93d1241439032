/*
 * inside: the sandbox's own processes, from the moment clone() returns in the child.
 *
 *   first process (pid 1): wait for "go", id map (rootless), hostname, loopback,
 *     sysctls, the throwaway root (rootfs.h), then become the init:
 *       fork -> set-up script or function, with every capability (optional)
 *       fork -> the command: privs_apply (privs.h), then execve or the function
 *     reap everything, kill what is left when the command ends, report its wait status.
 *
 * The parent prepares a struct launch before clone; nothing here allocates what the parent
 * must free. Failures before the command runs are written as text on error_w.
 */
#ifndef CAPLAB_INSIDE_H
#define CAPLAB_INSIDE_H

#include <sys/types.h>

#include "idmap.h"
#include "privs.h"
#include "sandbox.h"

#define LAUNCH_MAX_ENV 32

/* Everything the child needs, prepared by the parent before clone (no allocation after). */
struct launch {
    const struct sandbox_config *cfg;
    enum sandbox_mode mode;
    struct privs_identity id;
    struct idmap_plan idmap;
    char *data_dir;
    char *self_exe;
    char *shell;
    char *argv_shell[4];
    char *env[LAUNCH_MAX_ENV];
    int sync_r;       /* parent says "go" (after writing id maps) */
    int error_w;      /* sandbox failures, as text, to the parent */
    int status_w;     /* init reports the command's wait status here */
    int out_w, err_w; /* capture pipes, or -1 */
    int pty_sock;     /* interactive: the init sends the pty master back on it, or -1 */
    int pty_slave;    /* interactive: set inside, once the pty exists, or -1 */
};

/* The child's entry point after clone(); never returns. */
_Noreturn void inside_main(const struct launch *l);

/* waitpid() that retries on EINTR. */
int wait_retrying(pid_t pid, int *status);

#endif
