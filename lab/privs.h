/*
 * privs: turn the current process (inside a fresh sandbox, as root with every capability)
 * into one that holds exactly the requested capabilities, as a given user.
 *
 * The order matters and is the one runc, crun and bubblewrap converge on
 * (see ../shared/reference/sandbox.md, section 2):
 *   1. block new user namespaces (seccomp), while CAP_SYS_ADMIN is still held
 *   2. drop from the bounding set, clear inheritable and ambient       (IAB)
 *   3. keep-caps, then setgroups / setresgid / setresuid               (identity)
 *   4. capset: permitted = effective = the request for uid 0, nothing for others
 *   5. raise ambient (non-root only, on request) - after setuid, which clears it
 *   6. no_new_privs, on request
 * Everything here runs in the sandbox's child after fork; nothing is undone.
 */
#ifndef CAPLAB_PRIVS_H
#define CAPLAB_PRIVS_H

#include <stdbool.h>
#include <sys/types.h>

#include "caps.h"
#include "err.h"

#define PRIVS_MAX_GROUPS 64

/* Who the command runs as. */
struct privs_identity {
    uid_t uid;
    gid_t gid;
    gid_t groups[PRIVS_MAX_GROUPS];
    int n_groups;
    char name[64]; /* login name, or "" when the uid has none */
    char home[256];
};

/* Resolve "root", "NAME", "UID" or "UID:GID" against the host's user database (the sandbox
 * sees the same /etc). Fails with ERR_NOT_FOUND for an unknown name, ERR_USAGE for bad syntax. */
int privs_resolve_user(const char *spec, struct privs_identity *id, struct err *e);

struct privs_request {
    capmask caps;    /* bounding set; and permitted/effective for uid 0 */
    capmask ambient; /* raised as ambient (and inheritable) for a non-root identity */
    bool no_new_privs;
    bool block_userns;
};

/* Apply the request for `id` in the order above. On failure the process must not run
 * the command: the caller exits. */
int privs_apply(const struct privs_request *req, const struct privs_identity *id, struct err *e);

/* Install the seccomp filter that makes unshare/clone with CLONE_NEWUSER fail with EPERM
 * (and clone3 fail with ENOSYS, so libc falls back to clone, which can be inspected). */
int privs_block_user_namespaces(struct err *e);

/* The five sets a command ends up with after exec (no file capabilities involved), for
 * reports and for tests that compare them with /proc/PID/status. */
struct privs_sets {
    capmask inheritable, permitted, effective, bounding, ambient;
};

void privs_expected_sets(const struct privs_request *req, uid_t uid, struct privs_sets *out);
#endif
