#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static int parse_id(const char *text, unsigned long *out)
{
    if (!*text)
        return -1;
    char *end;
    errno = 0;
    unsigned long v = strtoul(text, &end, 10);
    if (errno || *end || v > 0xfffffffeUL)
        return -1;
    *out = v;
    return 0;
}

static void copy_string(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src ? src : "");
}

int privs_resolve_user(const char *spec, struct privs_identity *id, struct err *e)
{
    memset(id, 0, sizeof *id);
    if (!spec || !*spec || strcmp(spec, "root") == 0) {
        copy_string(id->name, sizeof id->name, "root");
        copy_string(id->home, sizeof id->home, "/root");
        return 0;
    }

    char user_part[128];
    const char *colon = strchr(spec, ':');
    size_t ulen = colon ? (size_t)(colon - spec) : strlen(spec);
    if (ulen == 0 || ulen >= sizeof user_part)
        return err_set(e, ERR_USAGE, "bad --user \"%s\": expected root, NAME, UID or UID:GID",
                       spec);
    memcpy(user_part, spec, ulen);
    user_part[ulen] = '\0';

    unsigned long number;
    struct passwd *pw = NULL;
    if (parse_id(user_part, &number) == 0) {
        id->uid = (uid_t)number;
        pw = getpwuid(id->uid);
        id->gid = pw ? pw->pw_gid : 0; /* Docker: a uid without an entry gets gid 0 */
    } else {
        pw = getpwnam(user_part);
        if (!pw)
            return err_set(e, ERR_NOT_FOUND,
                           "no user \"%s\" in /etc/passwd (use a name that exists, or a "
                           "numeric UID[:GID])",
                           user_part);
        id->uid = pw->pw_uid;
        id->gid = pw->pw_gid;
    }
    if (colon) {
        struct group *gr;
        if (parse_id(colon + 1, &number) == 0)
            id->gid = (gid_t)number;
        else if ((gr = getgrnam(colon + 1)))
            id->gid = gr->gr_gid;
        else
            return err_set(e, ERR_NOT_FOUND, "no group \"%s\" in /etc/group", colon + 1);
    }
    copy_string(id->name, sizeof id->name, pw ? pw->pw_name : "");
    copy_string(id->home, sizeof id->home, pw ? pw->pw_dir : "/");

    id->groups[0] = id->gid;
    id->n_groups = 1;
    if (pw && !colon) {
        int n = PRIVS_MAX_GROUPS;
        if (getgrouplist(pw->pw_name, id->gid, id->groups, &n) < 0)
            n = PRIVS_MAX_GROUPS; /* more groups than we keep: the first ones will do */
        id->n_groups = n;
    }
    return 0;
}

/*
 * seccomp: refuse CLONE_NEWUSER. A new user namespace comes with a full bounding set
 * (bubblewrap #136), which would let a learner "regain" capabilities that a lesson took
 * away. Docker's default profile does the same. clone3 passes its flags in memory that
 * a filter cannot read, so it gets ENOSYS and libc falls back to clone.
 */
#if defined(__x86_64__)
#define NATIVE_ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define NATIVE_ARCH AUDIT_ARCH_AARCH64
#else
#error "caplab: add the audit arch of this platform"
#endif

#ifndef __NR_clone3
#define __NR_clone3 435
#endif

#define LOAD(field)                                                                                \
    BPF_STMT(BPF_LD | BPF_W | BPF_ABS, (uint32_t)offsetof(struct seccomp_data, field))
#define RET(value) BPF_STMT(BPF_RET | BPF_K, (uint32_t)(value))

int privs_block_user_namespaces(struct err *e)
{
    struct sock_filter filter[] = {
        LOAD(arch),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, NATIVE_ARCH, 1, 0),
        /* A foreign ABI (32-bit compat) could call clone without our checks: refuse it. */
        RET(SECCOMP_RET_ERRNO | EPERM),
        LOAD(nr),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone3, 0, 1),
        RET(SECCOMP_RET_ERRNO | ENOSYS),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_unshare, 1, 0),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_clone, 0, 3),
        /* Both take the flags as their first argument (low 32 bits, little endian). */
        LOAD(args[0]),
        BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, CLONE_NEWUSER, 0, 1),
        RET(SECCOMP_RET_ERRNO | EPERM),
        RET(SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {
        .len = (unsigned short)(sizeof filter / sizeof filter[0]),
        .filter = filter,
    };
    if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0) < 0)
        return err_sys(e, "cannot install the seccomp filter that blocks new user namespaces");
    return 0;
}

/* Step 2: bounding set down to the request; inheritable and ambient empty. */
static int set_bounding_and_clear_inheritable(capmask caps, struct err *e)
{
    int rc = -1;
    cap_iab_t iab = cap_iab_init(); /* starts empty: I = A = 0, nothing blocked */
    if (!iab)
        return err_sys(e, "cap_iab_init");
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        if (caps & CAPS_BIT(cap))
            continue;
        if (cap_iab_set_vector(iab, CAP_IAB_BOUND, (cap_value_t)cap, CAP_SET) < 0) {
            err_sys(e, "cap_iab_set_vector(%s)", caps_name(cap));
            goto out;
        }
    }
    if (cap_iab_set_proc(iab) < 0) {
        err_sys(e, "cannot set the bounding, inheritable and ambient sets");
        goto out;
    }
    rc = 0;
out:
    cap_free(iab);
    return rc;
}

/* Step 3: become the user. KEEPCAPS keeps the permitted set across setresuid so
 * step 4 can still shape it (pelagos#309: capset first would make setuid fail). */
static int become(const struct privs_identity *id, struct err *e)
{
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        return err_sys(e, "prctl(PR_SET_KEEPCAPS)");

    /* In a rootless sandbox with a single id mapped, setgroups is denied by design. */
    if (setgroups((size_t)id->n_groups, id->groups) < 0 && errno != EPERM)
        return err_sys(e, "setgroups");
    if (setresgid(id->gid, id->gid, id->gid) < 0)
        return err_sys(e, "cannot switch to gid %u (is it mapped in this sandbox?)", id->gid);
    if (setresuid(id->uid, id->uid, id->uid) < 0)
        return err_sys(e, "cannot switch to uid %u (is it mapped in this sandbox?)", id->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        return err_sys(e, "prctl(PR_SET_KEEPCAPS, 0)");
    return 0;
}

/* Step 4. For uid 0, exec recomputes P = E = bounding set; setting them now keeps the
 * process consistent until then. For other users, exec clears P and E unless ambient
 * capabilities carry them, which need the same bits in P and I. */
static int set_process_sets(capmask permitted, capmask inheritable, capmask effective,
                            struct err *e)
{
    int rc = -1;
    cap_t c = cap_init();
    if (!c)
        return err_sys(e, "cap_init");
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        cap_value_t v = (cap_value_t)cap;
        if ((permitted & CAPS_BIT(cap)) && cap_set_flag(c, CAP_PERMITTED, 1, &v, CAP_SET) < 0)
            goto fail;
        if ((inheritable & CAPS_BIT(cap)) && cap_set_flag(c, CAP_INHERITABLE, 1, &v, CAP_SET) < 0)
            goto fail;
        if ((effective & CAPS_BIT(cap)) && cap_set_flag(c, CAP_EFFECTIVE, 1, &v, CAP_SET) < 0)
            goto fail;
    }
    if (cap_set_proc(c) < 0) {
        err_sys(e, "cannot set the permitted and effective capability sets");
        goto out;
    }
    rc = 0;
    goto out;
fail:
    err_sys(e, "cap_set_flag");
out:
    cap_free(c);
    return rc;
}

/* Step 5: ambient last, after setuid (which clears it; systemd#16972). */
static int raise_ambient(capmask ambient, struct err *e)
{
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0)
        return err_sys(e, "cannot clear the ambient set");
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        if (!(ambient & CAPS_BIT(cap)))
            continue;
        if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            return err_sys(e, "cannot raise %s as ambient", caps_name(cap));
    }
    return 0;
}

/* What this process may hold at all: a host whose root lacks a capability in its
 * bounding set (some VMs drop SYS_RESOURCE) cannot hand it out. */
static capmask current_permitted(void)
{
    capmask have = 0;
    cap_t c = cap_get_proc();
    if (!c)
        return 0;
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        cap_flag_value_t v = CAP_CLEAR;
        if (cap_get_flag(c, (cap_value_t)cap, CAP_PERMITTED, &v) == 0 && v == CAP_SET)
            have |= CAPS_BIT(cap);
    }
    cap_free(c);
    return have;
}

int privs_apply(const struct privs_request *req, const struct privs_identity *id, struct err *e)
{
    bool is_root = id->uid == 0;
    capmask caps = req->caps & current_permitted();
    capmask ambient = is_root ? 0 : req->ambient & caps;

    if (req->block_userns && privs_block_user_namespaces(e) < 0)
        return -1;
    if (set_bounding_and_clear_inheritable(caps, e) < 0)
        return -1;
    if (become(id, e) < 0)
        return -1;
    if (is_root) {
        if (set_process_sets(caps, 0, caps, e) < 0)
            return -1;
    } else if (set_process_sets(ambient, ambient, 0, e) < 0) {
        return -1;
    }
    if (raise_ambient(ambient, e) < 0)
        return -1;
    if (req->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return err_sys(e, "prctl(PR_SET_NO_NEW_PRIVS)");
    return 0;
}

void privs_expected_sets(const struct privs_request *req, uid_t uid, struct privs_sets *out)
{
    memset(out, 0, sizeof *out);
    out->bounding = req->caps;
    if (uid == 0) {
        /* exec as root: P' = E' = bounding set (the file is treated as fully capable). */
        out->permitted = out->effective = req->caps;
        return;
    }
    /* exec as another user: only ambient capabilities survive, into P, E (and I stays). */
    capmask ambient = req->ambient & req->caps;
    out->inheritable = out->permitted = out->effective = out->ambient = ambient;
}
