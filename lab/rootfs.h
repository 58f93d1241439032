/*
 * rootfs: build the sandbox's throwaway view of the host and move into it.
 *
 * Called in the sandbox's first process, inside its new mount (and pid) namespace:
 *   - every mount turned slave, so nothing done here propagates back to the host;
 *   - the host's real filesystems overlaid with a tmpfs upper layer (writes, chowns and
 *     deletes land in memory and vanish with the namespace);
 *   - a fresh /proc, a minimal /dev (null, zero, full, random, urandom, tty, a private
 *     devpts instance with ptmx, shm), a fresh /tmp and /run, a read-only /sys;
 *   - caplab itself at /run/caplab/bin/caplab and its data at /run/caplab/data;
 *   - pivot_root into it, the old root detached.
 * No `nosuid` on the overlay: file capabilities and setuid bits behave as on the host
 * (ping's cap_net_raw=ep must fail at exec without NET_RAW, as it does in Docker).
 */
#ifndef CAPLAB_ROOTFS_H
#define CAPLAB_ROOTFS_H

#include <stdbool.h>

#include "err.h"

#define ROOTFS_CAPLAB_BIN  "/run/caplab/bin"
#define ROOTFS_CAPLAB_DATA "/run/caplab/data"

struct rootfs_options {
    bool rootless;         /* inside a user namespace: overlay needs userxattr */
    const char *self_exe;  /* host path of the caplab binary, or NULL */
    const char *data_dir;  /* host path of lessons/ and assets/, or NULL */
    char *const *ro_binds; /* NULL-terminated host paths, bound read-only at the same
                              path inside (for paths a fresh /tmp would hide) */
};

int rootfs_enter(const struct rootfs_options *opts, struct err *e);

#endif
