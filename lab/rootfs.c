#include "rootfs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* Where the layers live before pivot_root. A tmpfs mounted over the host's /tmp in our
 * private mount namespace: the host's /tmp is neither seen nor touched. */
#define BASE    "/tmp"
#define NEWROOT BASE "/root"

static int mount_or_fail(const char *source, const char *target, const char *type,
                         unsigned long flags, const char *data, struct err *e)
{
    if (mount(source, target, type, flags, data) < 0)
        return err_sys(e, "cannot mount %s on %s",
                       type     ? type
                       : source ? source
                                : "(remount)",
                       target);
    return 0;
}

static int make_dir(const char *path, mode_t mode, struct err *e)
{
    if (mkdir(path, mode) < 0 && errno != EEXIST)
        return err_sys(e, "cannot create %s", path);
    return 0;
}

/* mkdir -p, for bind targets below a fresh tmpfs. */
static int make_dirs(const char *path, struct err *e)
{
    char buf[PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (make_dir(buf, 0755, e) < 0)
            return -1;
        *p = '/';
    }
    return make_dir(buf, 0755, e);
}

static int make_file(const char *path, struct err *e)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0)
        return err_sys(e, "cannot create %s", path);
    close(fd);
    return 0;
}

static int bind_readonly(const char *source, const char *target, struct err *e)
{
    if (mount_or_fail(source, target, NULL, MS_BIND | MS_REC, NULL, e) < 0)
        return -1;
    /* A bind mount ignores MS_RDONLY until it is remounted. */
    return mount_or_fail(NULL, target, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY, NULL, e);
}

static int overlay(const char *lower, const char *target, int index, bool rootless, struct err *e)
{
    char upper[64], work[64], opts[PATH_MAX + 200];
    snprintf(upper, sizeof upper, BASE "/upper%d", index);
    snprintf(work, sizeof work, BASE "/work%d", index);
    if (make_dir(upper, 0755, e) < 0 || make_dir(work, 0755, e) < 0)
        return -1;
    /* In a user namespace overlayfs keeps its metadata in user.* xattrs (kernel >= 5.11). */
    snprintf(opts, sizeof opts, "lowerdir=%s,upperdir=%s,workdir=%s%s", lower, upper, work,
             rootless ? ",userxattr" : "");
    /* nodev: with MKNOD (one of Docker's defaults) root could otherwise create the host
     * disk's device node here and read or write the disk raw. Creating nodes still works
     * (lessons show that); opening them does not. */
    return mount_or_fail("overlay", target, "overlay", MS_NODEV, opts, e);
}

static bool is_disk_filesystem(const char *type)
{
    static const char *const disk[] = {"ext2",    "ext3", "ext4",     "xfs",  "btrfs",
                                       "f2fs",    "zfs",  "jfs",      "vfat", "exfat",
                                       "overlay", "9p",   "virtiofs", NULL};
    for (int i = 0; disk[i]; i++)
        if (strcmp(type, disk[i]) == 0)
            return true;
    return false;
}

static bool is_below(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    return strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Overlay the host's other real filesystems (/home, /var, /boot, ...) at their places,
 * so the sandbox sees the whole tree and writes to none of it. mountinfo lists parents
 * before children, which is the order the overlays must be stacked in. */
static int overlay_submounts(struct err *e)
{
    FILE *f = fopen("/proc/self/mountinfo", "re");
    if (!f)
        return err_sys(e, "cannot read /proc/self/mountinfo");
    char line[4096];
    int index = 1, rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        char point[PATH_MAX], type[64];
        /* "ID PARENT MAJ:MIN ROOT POINT OPTS [optional...] - TYPE SOURCE SUPEROPTS" */
        const char *dash = strstr(line, " - ");
        if (!dash || sscanf(line, "%*s %*s %*s %*s %4095s", point) != 1 ||
            sscanf(dash + 3, "%63s", type) != 1)
            continue;
        if (strcmp(point, "/") == 0 || !is_disk_filesystem(type))
            continue;
        if (is_below(point, "/proc") || is_below(point, "/sys") || is_below(point, "/dev") ||
            is_below(point, BASE) || is_below(point, "/run"))
            continue;
        if (strchr(point, '\\'))
            continue; /* an escaped (octal) name: rare, and not worth a decoder here */
        char target[PATH_MAX + 16];
        snprintf(target, sizeof target, NEWROOT "%s", point);
        struct stat st;
        if (stat(target, &st) < 0 || !S_ISDIR(st.st_mode))
            continue;
        rc = overlay(point, target, index++, false, e);
    }
    fclose(f);
    return rc;
}

static int build_dev(bool rootless, struct err *e)
{
    static const char *const nodes[] = {"null", "zero", "full", "random", "urandom", "tty", NULL};
    /* nodev as for the overlays: the nodes below are bind mounts, which keep working. */
    if (mount_or_fail("caplab-dev", NEWROOT "/dev", "tmpfs", MS_NOSUID | MS_NOEXEC | MS_NODEV,
                      "mode=0755,size=64k", e) < 0)
        return -1;
    for (int i = 0; nodes[i]; i++) {
        char host[64], inside[128];
        snprintf(host, sizeof host, "/dev/%s", nodes[i]);
        snprintf(inside, sizeof inside, NEWROOT "/dev/%s", nodes[i]);
        /* Bind the host's nodes: mknod is not allowed in a user namespace. */
        if (make_file(inside, e) < 0 || mount_or_fail(host, inside, NULL, MS_BIND, NULL, e) < 0)
            return -1;
    }
    if (make_dir(NEWROOT "/dev/pts", 0755, e) < 0 || make_dir(NEWROOT "/dev/shm", 01777, e) < 0)
        return -1;
    /* gid 5 (tty) is not mapped in a single-id user namespace. */
    const char *pts_opts = rootless ? "newinstance,ptmxmode=0666,mode=620"
                                    : "newinstance,ptmxmode=0666,mode=620,gid=5";
    if (mount_or_fail("devpts", NEWROOT "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, pts_opts, e) <
        0)
        return -1;
    if (mount_or_fail("caplab-shm", NEWROOT "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777",
                      e) < 0)
        return -1;
    static const char *const links[][2] = {
        {"pts/ptmx", "ptmx"},          {"/proc/self/fd", "fd"},       {"/proc/self/fd/0", "stdin"},
        {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        char path[128];
        snprintf(path, sizeof path, NEWROOT "/dev/%s", links[i][1]);
        if (symlink(links[i][0], path) < 0)
            return err_sys(e, "cannot create %s", path);
    }
    return 0;
}

/* Host paths to show inside, opened before BASE hides anything: bind mounts then use
 * /proc/self/fd/N, which still names the host's file after our mounts cover its path. */
struct shared_path {
    int fd;
    const char *inside;
    bool is_dir;
};

static int open_shared(const char *host, const char *inside, struct shared_path *out, struct err *e)
{
    struct stat st;
    out->fd = open(host, O_PATH | O_CLOEXEC);
    if (out->fd < 0)
        return err_sys(e, "cannot share %s with the sandbox", host);
    if (fstat(out->fd, &st) < 0) {
        close(out->fd);
        return err_sys(e, "cannot share %s with the sandbox", host);
    }
    out->inside = inside;
    out->is_dir = S_ISDIR(st.st_mode);
    return 0;
}

static int bind_shared(const struct shared_path *p, struct err *e)
{
    char source[64], target[PATH_MAX + 16];
    snprintf(source, sizeof source, "/proc/self/fd/%d", p->fd);
    snprintf(target, sizeof target, NEWROOT "%s", p->inside);
    int rc = p->is_dir ? make_dirs(target, e) : make_file(target, e);
    if (rc < 0 || bind_readonly(source, target, e) < 0)
        return -1;
    return 0;
}

/* /run/caplab: the running binary, so `caplab status` works inside. */
static int build_run(struct err *e)
{
    if (mount_or_fail("caplab-run", NEWROOT "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755", e) <
        0)
        return -1;
    if (make_dirs(NEWROOT ROOTFS_CAPLAB_BIN, e) < 0 || make_dir(NEWROOT "/run/lock", 01777, e) < 0)
        return -1;
    return 0;
}

static int pivot_into_newroot(struct err *e)
{
    /* pivot_root(".", ".") stacks the old root under the new one; detaching it leaves
     * only the new tree (the trick bubblewrap, runc and LXC use). */
    if (chdir(NEWROOT) < 0)
        return err_sys(e, "chdir to the new root");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        return err_sys(e, "pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        return err_sys(e, "cannot detach the old root");
    if (chdir("/") < 0)
        return err_sys(e, "chdir /");
    return 0;
}

/*
 * Rootless: the host's "/" cannot be an overlay's lower layer, because its submounts
 * (/proc, /sys, ...) are locked in a user namespace and overlayfs refuses a lower layer
 * with locked children ("failed to clone lowerpath"). So the new root is a tmpfs, and
 * each top-level directory is overlaid on its own; one that has mounts below it is
 * shown read-only instead.
 */
static int populate_per_directory(struct err *e)
{
    if (mount_or_fail(NEWROOT, NEWROOT, NULL, MS_BIND, NULL, e) < 0)
        return -1;
    DIR *dir = opendir("/");
    if (!dir)
        return err_sys(e, "cannot list /");
    static const char *const fresh[] = {"proc", "sys", "dev", "tmp", "run", NULL};
    struct dirent *d;
    int index = 1, rc = 0;
    while (rc == 0 && (d = readdir(dir))) {
        if (strcmp(d->d_name, ".") == 0 || strcmp(d->d_name, "..") == 0)
            continue;
        char host[PATH_MAX], target[PATH_MAX + 16];
        snprintf(host, sizeof host, "/%s", d->d_name);
        snprintf(target, sizeof target, NEWROOT "/%s", d->d_name);
        bool is_fresh = false;
        for (int i = 0; fresh[i]; i++)
            is_fresh |= strcmp(d->d_name, fresh[i]) == 0;
        struct stat st;
        if (lstat(host, &st) < 0)
            continue;
        if (S_ISLNK(st.st_mode)) {
            char link[PATH_MAX];
            ssize_t n = readlink(host, link, sizeof link - 1);
            if (n > 0) {
                link[n] = '\0';
                if (symlink(link, target) < 0)
                    rc = err_sys(e, "cannot create %s", target);
            }
        } else if (S_ISDIR(st.st_mode)) {
            rc = make_dir(target, st.st_mode & 07777, e);
            if (rc == 0 && !is_fresh && overlay(host, target, index++, true, e) < 0)
                rc = bind_readonly(host, target, e);
        } else if (S_ISREG(st.st_mode)) {
            rc = make_file(target, e);
            if (rc == 0)
                rc = bind_readonly(host, target, e);
        }
    }
    closedir(dir);
    return rc;
}

/*
 * Root in a privileged sandbox needs no capability to write most of /proc/sys (the check
 * is the file mode, and root owns it) nor /proc/sysrq-trigger: without these read-only
 * binds a sandbox with no capabilities at all could still change the host's vm.* settings
 * or crash it. Docker does the same (its "readonlyPaths" and "maskedPaths").
 * /proc/sys/net stays writable: it belongs to the sandbox's own network namespace.
 */
static int protect_proc(struct err *e)
{
    static const char *const readonly[] = {NEWROOT "/proc/sys", NEWROOT "/proc/sysrq-trigger",
                                           NEWROOT "/proc/irq", NEWROOT "/proc/bus",
                                           NEWROOT "/proc/fs",  NULL};
    static const char *const masked[] = {NEWROOT "/proc/kcore", NEWROOT "/proc/keys",
                                         NEWROOT "/proc/timer_list", NEWROOT "/proc/sched_debug",
                                         NULL};
    for (int i = 0; readonly[i]; i++)
        if (access(readonly[i], F_OK) == 0 && bind_readonly(readonly[i], readonly[i], e) < 0)
            return -1;
    for (int i = 0; masked[i]; i++)
        if (access(masked[i], F_OK) == 0 &&
            mount_or_fail("/dev/null", masked[i], NULL, MS_BIND, NULL, e) < 0)
            return -1;
    const char *net = NEWROOT "/proc/sys/net";
    if (mount_or_fail(net, net, NULL, MS_BIND, NULL, e) < 0 ||
        mount_or_fail(NULL, net, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                      NULL, e) < 0)
        return -1;
    return 0;
}

#define MAX_SHARED 16

static int build_tree(const struct rootfs_options *opts, struct shared_path *shared,
                      size_t n_shared, struct err *e)
{
    /* Nothing below may propagate to the host's mount namespace. */
    if (mount_or_fail(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL, e) < 0)
        return -1;
    if (mount_or_fail("caplab", BASE, "tmpfs", MS_NODEV, "mode=0755", e) < 0)
        return -1;
    if (make_dir(NEWROOT, 0755, e) < 0)
        return -1;
    if (opts->rootless) {
        if (populate_per_directory(e) < 0)
            return -1;
    } else if (overlay("/", NEWROOT, 0, false, e) < 0 || overlay_submounts(e) < 0) {
        return -1;
    }
    unsigned long proc_flags = MS_NOSUID | MS_NODEV | MS_NOEXEC;
    if (mount_or_fail("proc", NEWROOT "/proc", "proc", proc_flags, NULL, e) < 0 ||
        protect_proc(e) < 0)
        return -1;
    /* A sysfs of our own shows our network namespace; read-only, and optional. */
    if (mount("sysfs", NEWROOT "/sys", "sysfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              NULL) < 0 &&
        bind_readonly("/sys", NEWROOT "/sys", e) < 0)
        return -1;
    if (build_dev(opts->rootless, e) < 0)
        return -1;
    /* No nosuid: lessons put setuid and file-capability binaries in /tmp. */
    if (mount_or_fail("caplab-tmp", NEWROOT "/tmp", "tmpfs", MS_NODEV, "mode=1777", e) < 0)
        return -1;
    if (build_run(e) < 0)
        return -1;
    for (size_t i = 0; i < n_shared; i++)
        if (bind_shared(&shared[i], e) < 0)
            return -1;
    return pivot_into_newroot(e);
}

int rootfs_enter(const struct rootfs_options *opts, struct err *e)
{
    struct shared_path shared[MAX_SHARED];
    size_t n_shared = 0;
    int rc = -1;

    /* Paths, not /proc/self/exe: a magic link names a mount of the parent's namespace,
     * which bind mounts refuse (EINVAL). */
    if (opts->self_exe) {
        if (open_shared(opts->self_exe, ROOTFS_CAPLAB_BIN "/caplab", &shared[n_shared], e) < 0)
            goto out;
        n_shared++;
    }
    if (opts->data_dir) {
        if (open_shared(opts->data_dir, ROOTFS_CAPLAB_DATA, &shared[n_shared], e) < 0)
            goto out;
        n_shared++;
    }
    for (int i = 0; opts->ro_binds && opts->ro_binds[i]; i++) {
        if (n_shared == MAX_SHARED) {
            err_set(e, ERR_INVALID, "too many paths shared with the sandbox (at most %d)",
                    MAX_SHARED - 2);
            goto out;
        }
        if (open_shared(opts->ro_binds[i], opts->ro_binds[i], &shared[n_shared], e) < 0)
            goto out;
        n_shared++;
    }
    rc = build_tree(opts, shared, n_shared, e);
out:
    for (size_t i = 0; i < n_shared; i++)
        close(shared[i].fd);
    return rc;
}
