/*
 * probes: the 41 demonstrations. The table at the bottom (probe_defs) pairs each
 * capability with its facts and its action; ../shared/reference/capability-probes.md has
 * the measurements they follow.
 *
 *   parent (caplab) ──sandbox_run──> set-up (root, every capability): probe_setup()
 *                                    probe (after the drop): probe_main() -> act_X()
 *                                    └── prints one record on stdout
 */
#include "probes.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/audit.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/netlink.h>
#include <linux/perf_event.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/klog.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/timerfd.h>
#include <sys/timex.h>
#include <sys/types.h>
#include <sys/xattr.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "privs.h"

#define DIR          "/tmp/caplab-probe"
#define ROOT_FILE    DIR "/root-file"   /* root:root 0644 */
#define USER_FILE    DIR "/user-file"   /* 1000:1000 0644 */
#define LOCKED_FILE  DIR "/locked-file" /* 1000:1000 (root when unmapped) 0000 */
#define SGID_FILE    DIR "/sgid-file"   /* root:1000 0755 */
#define JAIL         DIR "/jail"
#define HELPER_PID   DIR "/helper.pid"
#define SETUP_ERROR  DIR "/setup-error"
#define OTHER_UID    1000
#define OTHER_GID    1000
#define SECOND_ID    2000
#define RECORD_TAG   "caplab-probe\tv1\t"
#define INIT_PID_INO 0xEFFFFFFCU /* PROC_PID_INIT_INO: the host's (initial) pid namespace */

enum helper_kind {
    HELPER_NONE = 0,
    HELPER_OTHER_UID, /* a process of uid 1000 (KILL) */
    HELPER_TRACEE,    /* uid 1000; without other ids, a root process with every capability */
};

/* Namespaces the probe must not share with the host, identified by their inodes. */
enum { NS_PID, NS_NET, NS_UTS, NS_IPC, NS_COUNT };
static const char *const ns_names[NS_COUNT] = {"pid", "net", "uts", "ipc"};

struct report {
    enum probe_result result;
    int err_no;
    char call[160];
    char detail[400];
};

struct probe_def;

struct probe_ctx {
    const struct probe_def *def;
    bool holds;              /* the sandbox was given the capability */
    ino_t host_ns[NS_COUNT]; /* the parent's namespaces, for the guards */
};

struct probe_def {
    struct probe_info info;
    enum helper_kind helper;
    int (*act)(struct probe_ctx *c, struct report *r);
    int (*prepare)(const struct probe_ctx *c); /* extra set-up, before the drop; or NULL */
};

/* ------------------------------------------------------------ report helpers -- */

/* The helpers that fill a report return 0, like the acts, so that an act can end with
 * `return failed(r, ...)`; the value itself carries nothing. */

__attribute__((format(printf, 3, 0))) static void vformat(char *buf, size_t n, const char *fmt,
                                                          va_list ap)
{
    vsnprintf(buf, n, fmt, ap);
    /* The record is one line of tab-separated fields. */
    for (char *p = buf; *p; p++)
        if (*p == '\t' || *p == '\n')
            *p = ' ';
}

__attribute__((format(printf, 2, 3))) static void set_call(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(r->call, sizeof r->call, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static void set_detail(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vformat(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
}

__attribute__((format(printf, 2, 3))) static int not_demonstrable(struct report *r, const char *fmt,
                                                                  ...)
{
    r->result = PROBE_NOT_DEMONSTRABLE;
    va_list ap;
    va_start(ap, fmt);
    vformat(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    return 0;
}

__attribute__((format(printf, 2, 3))) static int failed(struct report *r, const char *fmt, ...)
{
    r->result = PROBE_FAILED;
    r->err_no = errno;
    va_list ap;
    va_start(ap, fmt);
    vformat(r->detail, sizeof r->detail, fmt, ap);
    va_end(ap);
    return 0;
}

/* The common case: the call's return value decides. Call right after the syscall. */
static int outcome_of(struct report *r, long rc)
{
    if (rc < 0) {
        r->result = PROBE_DENIED;
        r->err_no = errno;
    } else {
        r->result = PROBE_SUCCEEDED;
        r->err_no = 0;
    }
    return 0;
}

/* For calls whose argument is deliberately invalid: `pass_errno` after the capability
 * check means the check passed and nothing happened. */
static int outcome_after_check(struct report *r, long rc, int pass_errno, const char *what)
{
    outcome_of(r, rc);
    if (r->result == PROBE_DENIED && r->err_no == pass_errno) {
        r->result = PROBE_SUCCEEDED;
        set_detail(r, "the capability check passed; %s", what);
    }
    return 0;
}

const char *probe_errno_name(int err_no)
{
    static char buf[32];
    if (err_no == 0)
        return "-";
    const char *name = strerrorname_np(err_no);
    if (name)
        return name;
    snprintf(buf, sizeof buf, "errno %d", err_no);
    return buf;
}

/* ------------------------------------------------------------- small utilities -- */

static int read_long(const char *path, long *value)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fscanf(f, "%ld", value);
    fclose(f);
    return ok == 1 ? 0 : -1;
}

static int read_text(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    size_t len = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[len] = '\0';
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    return 0;
}

static ino_t ns_inode(const char *name)
{
    char path[64];
    struct stat st;
    snprintf(path, sizeof path, "/proc/self/ns/%s", name);
    return stat(path, &st) == 0 ? st.st_ino : 0;
}

/* Guard: is this namespace private (not the host's)? Refuses when it cannot tell. */
static bool ns_private(const struct probe_ctx *c, int ns)
{
    ino_t mine = ns_inode(ns_names[ns]);
    if (mine == 0 || c->host_ns[ns] == 0 || mine == c->host_ns[ns])
        return false;
    return ns != NS_PID || mine != INIT_PID_INO;
}

/* Is `id` mapped in this process's user namespace (file = "uid_map" / "gid_map")? */
static bool id_mapped(const char *file, unsigned long id)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/%s", file);
    FILE *f = fopen(path, "re");
    if (!f)
        return false;
    unsigned long inside, outside, count;
    bool found = false;
    while (!found && fscanf(f, "%lu %lu %lu", &inside, &outside, &count) == 3)
        found = id >= inside && id - inside < count;
    fclose(f);
    return found;
}

static bool other_ids_mapped(void)
{
    return id_mapped("uid_map", OTHER_UID) && id_mapped("gid_map", OTHER_GID) &&
           id_mapped("uid_map", SECOND_ID) && id_mapped("gid_map", SECOND_ID);
}

static int no_other_ids(struct report *r)
{
    not_demonstrable(r,
                     "needs another user (uid %d) inside the sandbox, and this rootless "
                     "sandbox maps only your own uid; a subordinate id range in "
                     "/etc/subuid and /etc/subgid (or sudo) makes it demonstrable",
                     OTHER_UID);
    return 0;
}

static pid_t helper_pid(void)
{
    long pid;
    return read_long(HELPER_PID, &pid) == 0 ? (pid_t)pid : -1;
}

/* ------------------------------------------------------------------- set-up -- */

static FILE *setup_log;

__attribute__((format(printf, 1, 2))) static int setup_fail(const char *fmt, ...)
{
    int saved = errno;
    if (setup_log) {
        va_list ap;
        va_start(ap, fmt);
        vfprintf(setup_log, fmt, ap);
        va_end(ap);
        fprintf(setup_log, ": %s\n", strerror(saved));
        fflush(setup_log);
    }
    return -1;
}

static int make_file(const char *path, mode_t mode, uid_t uid, gid_t gid)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return setup_fail("create %s", path);
    ssize_t n = write(fd, "caplab\n", 7);
    close(fd);
    if (n != 7)
        return setup_fail("write %s", path);
    if (chown(path, uid, gid) < 0)
        return setup_fail("chown %s", path);
    if (chmod(path, mode) < 0)
        return setup_fail("chmod %s", path);
    return 0;
}

/* A process that waits to be signalled or traced, detached from every pipe of the
 * sandbox (it must not hold the set-up's stderr open). init kills it at the end. */
static int spawn_helper(enum helper_kind kind, bool others)
{
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) < 0)
        return setup_fail("pipe");
    pid_t pid = fork();
    if (pid < 0)
        return setup_fail("fork");
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(devnull, 2);
        int w = fcntl(ready[1], F_DUPFD, 3);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != w)
                close(fd);
        setsid();
        int ok;
        if (others) {
            /* Changing uid made it non-dumpable, which would make tracing it depend on
             * the user namespace of its memory (the host's: it never exec'd). Dumpable
             * again, only the uid check (and SYS_PTRACE) decides, in any mode. */
            ok = setgroups(0, NULL) == 0 && setresgid(OTHER_GID, OTHER_GID, OTHER_GID) == 0 &&
                 setresuid(OTHER_UID, OTHER_UID, OTHER_UID) == 0 &&
                 prctl(PR_SET_DUMPABLE, 1, 0, 0, 0) == 0;
        } else {
            /* Same uid as the prober, holding every capability of the sandbox: tracing a
             * process with capabilities the tracer lacks needs SYS_PTRACE (in the tracee's
             * user namespace, so this also works rootless). */
            ok = kind == HELPER_TRACEE;
        }
        if (ok && write(w, "r", 1) == 1) {
            close(w);
            for (;;)
                pause();
        }
        _exit(1);
    }
    close(ready[1]);
    char c;
    ssize_t n = read(ready[0], &c, 1);
    close(ready[0]);
    if (n != 1)
        return setup_fail("the helper process could not start");
    FILE *f = fopen(HELPER_PID, "we");
    if (!f)
        return setup_fail("create %s", HELPER_PID);
    fprintf(f, "%d\n", (int)pid);
    fclose(f);
    return 0;
}

/* Runs before the drop, as root with every capability the sandbox may hold. Never fails
 * the sandbox: problems are written to SETUP_ERROR and reported by the probe. */
static int probe_setup(void *arg)
{
    const struct probe_ctx *c = arg;
    if (mkdir(DIR, 0755) < 0 && errno != EEXIST)
        return 1; /* /tmp is the sandbox's own tmpfs; this cannot happen */
    setup_log = fopen(SETUP_ERROR, "we");
    bool others = other_ids_mapped();
    uid_t other_uid = others ? OTHER_UID : 0;
    gid_t other_gid = others ? OTHER_GID : 0;

    if (make_file(ROOT_FILE, 0644, 0, 0) < 0 ||
        make_file(USER_FILE, 0644, other_uid, other_gid) < 0 ||
        make_file(LOCKED_FILE, 0000, other_uid, other_gid) < 0 ||
        make_file(SGID_FILE, 0755, 0, other_gid) < 0)
        goto out;
    if (mkdir(JAIL, 0755) < 0)
        setup_fail("mkdir %s", JAIL);
    else if (c->def->helper != HELPER_NONE && (others || c->def->helper == HELPER_TRACEE))
        spawn_helper(c->def->helper, others);
    if (c->def->prepare)
        c->def->prepare(c);
out:
    if (setup_log) {
        bool empty = ftell(setup_log) == 0;
        fclose(setup_log);
        if (empty)
            unlink(SETUP_ERROR);
    }
    return 0;
}

/* ------------------------------------------------------------------ the acts -- */

static int act_chown(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    set_call(r, "chown(\"%s\" (root's), %d, %d)", ROOT_FILE, OTHER_UID, OTHER_GID);
    outcome_of(r, chown(ROOT_FILE, OTHER_UID, OTHER_GID));
    return 0;
}

static int act_dac_override(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "open(\"%s\" (mode 0000, uid %d), O_WRONLY)", LOCKED_FILE,
             other_ids_mapped() ? OTHER_UID : 0);
    int fd = open(LOCKED_FILE, O_WRONLY | O_CLOEXEC);
    outcome_of(r, fd);
    if (fd >= 0)
        close(fd);
    return 0;
}

static int act_dac_read_search(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "open(\"%s\" (mode 0000), O_RDONLY), DAC_OVERRIDE removed from both runs",
             LOCKED_FILE);
    int fd = open(LOCKED_FILE, O_RDONLY | O_CLOEXEC);
    outcome_of(r, fd);
    if (fd >= 0)
        close(fd);
    return 0;
}

static int act_fowner(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    set_call(r, "chmod(\"%s\" (uid %d's), 0600)", USER_FILE, OTHER_UID);
    outcome_of(r, chmod(USER_FILE, 0600));
    return 0;
}

static int act_fsetid(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    set_call(r, "chmod(\"%s\" (group %d, not ours), 02755)", SGID_FILE, OTHER_GID);
    if (chmod(SGID_FILE, 02755) < 0)
        return outcome_of(r, -1);
    struct stat st;
    if (stat(SGID_FILE, &st) < 0)
        return failed(r, "stat %s: %s", SGID_FILE, strerror(errno));
    if (st.st_mode & S_ISGID) {
        r->result = PROBE_SUCCEEDED;
        set_detail(r, "mode is now %04o: the setgid bit was kept", st.st_mode & 07777);
    } else {
        r->result = PROBE_SILENTLY_IGNORED;
        set_detail(r,
                   "chmod returned 0 but the mode is %04o: the setgid bit was silently "
                   "cleared",
                   st.st_mode & 07777);
    }
    return 0;
}

static int act_kill(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    pid_t pid = helper_pid();
    if (pid <= 0)
        return failed(r, "the uid %d helper process did not start", OTHER_UID);
    set_call(r, "kill(%d (a process of uid %d), SIGKILL)", (int)pid, OTHER_UID);
    outcome_of(r, kill(pid, SIGKILL));
    return 0;
}

static int act_setgid(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    set_call(r, "setgid(%d)", OTHER_GID);
    outcome_of(r, setgid(OTHER_GID));
    return 0;
}

static int act_setuid(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    set_call(r, "setuid(%d)", OTHER_UID);
    outcome_of(r, setuid(OTHER_UID));
    return 0;
}

static int act_setpcap(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT)");
    outcome_of(r, prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT, 0, 0, 0));
    return 0;
}

static int act_linux_immutable(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "ioctl(\"%s\", FS_IOC_SETFLAGS, FS_APPEND_FL)", ROOT_FILE);
    int fd = open(ROOT_FILE, O_RDONLY | O_CLOEXEC);
    int flags = 0;
    if (fd < 0 || ioctl(fd, FS_IOC_GETFLAGS, &flags) < 0) {
        if (errno == ENOTTY || errno == EOPNOTSUPP)
            not_demonstrable(r, "this kernel's tmpfs has no inode flags (added in 6.0)");
        else
            failed(r, "cannot read the flags of %s: %s", ROOT_FILE, strerror(errno));
        if (fd >= 0)
            close(fd);
        return 0;
    }
    int wanted = flags | FS_APPEND_FL;
    outcome_of(r, ioctl(fd, FS_IOC_SETFLAGS, &wanted));
    if (r->result == PROBE_SUCCEEDED) {
        set_detail(r, "the file is now append-only (flag cleared again afterwards)");
        ioctl(fd, FS_IOC_SETFLAGS, &flags);
    }
    close(fd);
    return 0;
}

static int act_net_bind_service(struct probe_ctx *c, struct report *r)
{
    (void)c;
    long start = 1024;
    if (read_long("/proc/sys/net/ipv4/ip_unprivileged_port_start", &start) == 0 && start <= 80)
        return not_demonstrable(r,
                                "net.ipv4.ip_unprivileged_port_start is %ld in this "
                                "sandbox's network namespace, so port 80 is open to "
                                "everyone (Docker sets it to 0)",
                                start);
    set_call(r, "bind(TCP socket, 0.0.0.0:80)");
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed(r, "socket: %s", strerror(errno));
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(80)};
    outcome_of(r, bind(fd, (struct sockaddr *)&sa, sizeof sa));
    close(fd);
    return 0;
}

static int act_net_broadcast(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "setsockopt(NETLINK_ROUTE socket, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, 1)");
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
    if (fd < 0)
        return failed(r, "socket(AF_NETLINK): %s", strerror(errno));
    int one = 1;
    outcome_of(r, setsockopt(fd, SOL_NETLINK, NETLINK_LISTEN_ALL_NSID, &one, sizeof one));
    close(fd);
    return 0;
}

static int act_net_admin(struct probe_ctx *c, struct report *r)
{
    if (!ns_private(c, NS_NET))
        return failed(r, "refused: the network namespace is not private");
    set_call(r, "ioctl(SIOCSIFFLAGS, \"lo\", IFF_UP) in the sandbox's own network namespace");
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return failed(r, "socket: %s", strerror(errno));
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    snprintf(ifr.ifr_name, sizeof ifr.ifr_name, "lo");
    if (ioctl(fd, SIOCGIFFLAGS, &ifr) < 0) {
        failed(r, "SIOCGIFFLAGS: %s", strerror(errno));
        close(fd);
        return 0;
    }
    ifr.ifr_flags |= IFF_UP;
    outcome_of(r, ioctl(fd, SIOCSIFFLAGS, &ifr));
    close(fd);
    return 0;
}

static int act_net_raw(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)");
    int fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC, IPPROTO_ICMP);
    outcome_of(r, fd);
    char range[64] = "";
    read_text("/proc/sys/net/ipv4/ping_group_range", range, sizeof range);
    if (fd >= 0)
        close(fd);
    if (range[0])
        set_detail(r,
                   "raw sockets always need NET_RAW; ping's ICMP datagram sockets are open "
                   "to groups in ping_group_range (here \"%s\")",
                   range);
    return 0;
}

static int act_ipc_lock(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "setrlimit(RLIMIT_MEMLOCK, 0), then mlock(1 page)");
    struct rlimit zero = {0, 0};
    if (setrlimit(RLIMIT_MEMLOCK, &zero) < 0)
        return failed(r, "setrlimit: %s", strerror(errno));
    long page = sysconf(_SC_PAGESIZE);
    void *p = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return failed(r, "mmap: %s", strerror(errno));
    /* The raw system call: sanitizer runtimes replace mlock() with a no-op. */
    outcome_of(r, syscall(SYS_mlock, p, (size_t)page));
    syscall(SYS_munlock, p, (size_t)page);
    munmap(p, (size_t)page);
    return 0;
}

static int act_ipc_owner(struct probe_ctx *c, struct report *r)
{
    if (!ns_private(c, NS_IPC))
        return failed(r, "refused: the IPC namespace is not private");
    set_call(r, "msgget(IPC_PRIVATE, mode 0000), then msgctl(IPC_STAT)");
    int id = msgget(IPC_PRIVATE, IPC_CREAT | 0000);
    if (id < 0)
        return failed(r, "msgget: %s", strerror(errno));
    struct msqid_ds ds;
    outcome_of(r, msgctl(id, IPC_STAT, &ds));
    msgctl(id, IPC_RMID, NULL); /* the creator may always remove it */
    return 0;
}

static int act_sys_module(struct probe_ctx *c, struct report *r)
{
    (void)c;
    long disabled = 0;
    set_call(r, "delete_module(\"caplab_no_such_module\", O_NONBLOCK)");
    /* Never a real module: the capability is checked before the name is looked up. */
    long rc = syscall(SYS_delete_module, "caplab_no_such_module", O_NONBLOCK);
    if (rc < 0 && errno == ENOSYS)
        return not_demonstrable(r, "the kernel was built without module support "
                                   "(CONFIG_MODULES): delete_module returns ENOSYS to everyone");
    if (read_long("/proc/sys/kernel/modules_disabled", &disabled) == 0 && disabled)
        return not_demonstrable(r, "kernel.modules_disabled is 1: module operations are refused "
                                   "with EPERM even with the capability");
    outcome_after_check(r, rc, ENOENT,
                        "then the kernel found no module of that name (ENOENT); nothing was "
                        "unloaded");
    return 0;
}

static int act_sys_rawio(struct probe_ctx *c, struct report *r)
{
    (void)c;
    long min_addr = 0;
    if (read_long("/proc/sys/vm/mmap_min_addr", &min_addr) < 0 || min_addr == 0)
        return not_demonstrable(r, "vm.mmap_min_addr is 0: mapping page zero needs no "
                                   "capability here");
    set_call(r,
             "mmap(0, 4096, PROT_READ, MAP_FIXED|MAP_PRIVATE|MAP_ANONYMOUS) (below "
             "vm.mmap_min_addr = %ld)",
             min_addr);
    void *p = mmap(NULL, 4096, PROT_READ, MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    outcome_of(r, p == MAP_FAILED ? -1 : 0);
    if (p != MAP_FAILED)
        munmap(p, 4096);
    return 0;
}

static int act_sys_chroot(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "chroot(\"%s\")", JAIL);
    outcome_of(r, chroot(JAIL));
    return 0;
}

static int act_sys_ptrace(struct probe_ctx *c, struct report *r)
{
    (void)c;
    pid_t pid = helper_pid();
    if (pid <= 0)
        return failed(r, "the helper process did not start");
    if (other_ids_mapped())
        set_call(r, "ptrace(PTRACE_SEIZE, %d (a process of uid %d))", (int)pid, OTHER_UID);
    else
        set_call(r, "ptrace(PTRACE_SEIZE, %d (a root process holding every capability))", (int)pid);
    outcome_of(r, ptrace(PTRACE_SEIZE, pid, NULL, NULL));
    if (r->result == PROBE_SUCCEEDED)
        ptrace(PTRACE_DETACH, pid, NULL, NULL);
    return 0;
}

static int act_sys_pacct(struct probe_ctx *c, struct report *r)
{
    /* Accounting is per pid namespace: acct(NULL) in the host's would switch off the host's. */
    if (!ns_private(c, NS_PID))
        return failed(r, "refused: the pid namespace is not private");
    set_call(r, "acct(NULL) in the sandbox's own pid namespace");
    outcome_of(r, acct(NULL));
    return 0;
}

static int act_sys_admin(struct probe_ctx *c, struct report *r)
{
    if (!ns_private(c, NS_UTS))
        return failed(r, "refused: the UTS namespace is not private");
    set_call(r, "sethostname(\"caplab\") in the sandbox's own UTS namespace");
    outcome_of(r, sethostname("caplab", 6));
    return 0;
}

static int act_sys_boot(struct probe_ctx *c, struct report *r)
{
    (void)c;
    /* Wrong magic numbers: refused with EINVAL after the capability check, anywhere. */
    set_call(r, "reboot(0xdeadbeef, 0x12345678, 0) (wrong magic numbers)");
    long rc = syscall(SYS_reboot, 0xdeadbeefUL, 0x12345678UL, 0UL, NULL);
    outcome_after_check(r, rc, EINVAL,
                        "then the wrong magic numbers were refused (EINVAL); nothing happened");
    return 0;
}

static int act_sys_nice(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "setrlimit(RLIMIT_NICE, 0), then setpriority(PRIO_PROCESS, 0, -1)");
    struct rlimit zero = {0, 0};
    if (setrlimit(RLIMIT_NICE, &zero) < 0)
        return failed(r, "setrlimit: %s", strerror(errno));
    outcome_of(r, setpriority(PRIO_PROCESS, 0, -1));
    return 0;
}

static int act_sys_resource(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "setrlimit(RLIMIT_NOFILE, hard 64), then raise the hard limit to 65");
    struct rlimit low = {64, 64}, higher = {64, 65};
    if (setrlimit(RLIMIT_NOFILE, &low) < 0)
        return failed(r, "setrlimit: %s", strerror(errno));
    outcome_of(r, setrlimit(RLIMIT_NOFILE, &higher));
    return 0;
}

static int act_sys_time(struct probe_ctx *c, struct report *r)
{
    (void)c;
    /* tick = 1 is far outside the accepted range: with the capability the kernel refuses it
     * with EINVAL after the capability check, and the clock is never touched. */
    struct timex tx;
    memset(&tx, 0, sizeof tx);
    tx.modes = ADJ_TICK;
    tx.tick = 1;
    set_call(r, "adjtimex({modes = ADJ_TICK, tick = 1}) (an invalid tick)");
    outcome_after_check(r, adjtimex(&tx), EINVAL,
                        "then the invalid tick was refused (EINVAL); the clock is unchanged");
    return 0;
}

/* The device number of our controlling terminal (field 7 of /proc/self/stat), or 0. */
static dev_t controlling_tty(void)
{
    char buf[1024];
    if (read_text("/proc/self/stat", buf, sizeof buf) < 0)
        return 0;
    const char *p = strrchr(buf, ')'); /* the command name may contain spaces */
    char state;
    int ppid, pgrp, session;
    unsigned long tty_nr;
    if (!p || sscanf(p + 1, " %c %d %d %d %lu", &state, &ppid, &pgrp, &session, &tty_nr) != 5)
        return 0;
    return (dev_t)tty_nr;
}

static int act_sys_tty_config(struct probe_ctx *c, struct report *r)
{
    (void)c;
    /* The sandbox made us a session leader with pipes for stdio: no controlling terminal.
     * Give ourselves a private pty and hang that up, never the user's terminal. The
     * hang-up (and closing the master) sends SIGHUP to us, its session leader. */
    signal(SIGHUP, SIG_IGN);
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
        return failed(r, "cannot open a private pseudo-terminal: %s", strerror(errno));
    const char *name = ptsname(master);
    int slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (slave < 0)
        return failed(r, "cannot open the private terminal: %s", strerror(errno));
    if (getsid(0) != getpid())
        setsid();
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        return failed(r, "cannot make the private pty our terminal: %s", strerror(errno));
    struct stat mine;
    bool ours = fstat(slave, &mine) == 0 && controlling_tty() == mine.st_rdev;
    if (!ours)
        return failed(r, "refused: the controlling terminal is not the probe's private pty");
    set_call(r, "vhangup() on the probe's own pseudo-terminal");
    outcome_of(r, vhangup());
    if (r->result == PROBE_SUCCEEDED && write(slave, "x", 1) < 0 && errno == EIO)
        set_detail(r, "the terminal was hung up: writing to it now fails with EIO");
    close(slave);
    close(master);
    return 0;
}

static int act_mknod(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "mknod(\"%s/null\", S_IFCHR|0600, makedev(1, 3))", DIR);
    outcome_of(r, mknod(DIR "/null", S_IFCHR | 0600, makedev(1, 3)));
    return 0;
}

static int act_lease(struct probe_ctx *c, struct report *r)
{
    (void)c;
    if (!other_ids_mapped())
        return no_other_ids(r);
    set_call(r, "fcntl(F_SETLEASE, F_RDLCK) on \"%s\" (uid %d's)", USER_FILE, OTHER_UID);
    int fd = open(USER_FILE, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return failed(r, "open %s: %s", USER_FILE, strerror(errno));
    outcome_of(r, fcntl(fd, F_SETLEASE, F_RDLCK));
    close(fd);
    return 0;
}

/* Send one audit netlink request and return 0 (acknowledged or answered) or an errno. */
static int audit_request(uint16_t type, const char *payload)
{
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd < 0)
        return errno;
    struct timeval tv = {.tv_sec = 2};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct {
        struct nlmsghdr h;
        char data[256];
    } req;
    memset(&req, 0, sizeof req);
    size_t len = payload ? strlen(payload) + 1 : 0;
    req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(len);
    req.h.nlmsg_type = type;
    req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
    req.h.nlmsg_seq = 1;
    if (len)
        memcpy(NLMSG_DATA(&req.h), payload, len);
    struct sockaddr_nl kernel = {.nl_family = AF_NETLINK};
    int result = 0;
    if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) {
        result = errno;
        goto out;
    }
    char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    if (n < 0) {
        result = errno;
        goto out;
    }
    for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (unsigned)n);
         h = NLMSG_NEXT(h, n)) {
        if (h->nlmsg_type == NLMSG_ERROR) {
            result = -((struct nlmsgerr *)NLMSG_DATA(h))->error;
            break;
        }
        if (h->nlmsg_type == type)
            break; /* the answer itself */
    }
out:
    close(fd);
    return result;
}

static int audit_outcome(struct report *r, int result)
{
    if (result == EPROTONOSUPPORT)
        return not_demonstrable(r, "the kernel was built without audit support (CONFIG_AUDIT)");
    if (result == ECONNREFUSED)
        return not_demonstrable(r, "the kernel's audit interface answers only the initial "
                                   "user namespace (ECONNREFUSED elsewhere)");
    r->result = result ? PROBE_DENIED : PROBE_SUCCEEDED;
    r->err_no = result;
    return 0;
}

static int act_audit_write(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "NETLINK_AUDIT message AUDIT_USER with NLM_F_ACK");
    audit_outcome(r, audit_request(AUDIT_USER, "caplab probe: CAP_AUDIT_WRITE demonstration"));
    return 0;
}

static int act_audit_control(struct probe_ctx *c, struct report *r)
{
    set_call(r, "NETLINK_AUDIT request AUDIT_GET (read-only status), in the host's pid "
                "namespace with private mount, network, UTS and IPC namespaces");
    if (ns_private(c, NS_PID)) {
        set_call(r, "NETLINK_AUDIT request AUDIT_GET (read-only status)");
        if (audit_request(AUDIT_GET, NULL) == EPERM && c->holds)
            return not_demonstrable(r, "the kernel answers audit control requests only from "
                                       "the initial pid namespace, and this sandbox has its "
                                       "own");
    }
    return audit_outcome(r, audit_request(AUDIT_GET, NULL));
}

static int act_setfcap(struct probe_ctx *c, struct report *r)
{
    (void)c;
    struct vfs_cap_data v;
    memset(&v, 0, sizeof v);
    v.magic_etc = VFS_CAP_REVISION_2 | VFS_CAP_FLAGS_EFFECTIVE;
    v.data[0].permitted = 1u << CAP_NET_RAW;
    set_call(r, "setxattr(\"%s\", \"security.capability\", cap_net_raw=ep) (what setcap does)",
             ROOT_FILE);
    outcome_of(r, setxattr(ROOT_FILE, "security.capability", &v, XATTR_CAPS_SZ_2, 0));
    return 0;
}

/* Which mandatory access control LSMs are active (those that consult MAC_*). */
static void active_mac_lsms(char *buf, size_t n)
{
    static const char *const lsms[] = {"smack", "selinux", "apparmor"};
    buf[0] = '\0';
    for (size_t i = 0; i < sizeof lsms / sizeof lsms[0]; i++) {
        char path[64], value[64];
        snprintf(path, sizeof path, "/proc/self/attr/%s/current", lsms[i]);
        if (read_text(path, value, sizeof value) == 0) {
            size_t len = strlen(buf);
            snprintf(buf + len, n - len, "%s%s", len ? ", " : "", lsms[i]);
        }
    }
}

static int act_mac(struct probe_ctx *c, struct report *r)
{
    char lsms[64];
    active_mac_lsms(lsms, sizeof lsms);
    bool override = c->def->info.cap == CAP_MAC_OVERRIDE;
    set_call(r, "none: caplab never touches security policy");
    if (!lsms[0])
        return not_demonstrable(r,
                                "no active LSM consults it: %s is used only by %s, and "
                                "none of them is active on this kernel",
                                override ? "MAC_OVERRIDE" : "MAC_ADMIN",
                                override ? "Smack" : "Smack, SELinux and AppArmor");
    not_demonstrable(r,
                     "%s is active, but demonstrating it would mean changing its policy, "
                     "which caplab never does",
                     lsms);
    return 0;
}

static int act_syslog(struct probe_ctx *c, struct report *r)
{
    (void)c;
    long restrict_ = -1;
    read_long("/proc/sys/kernel/dmesg_restrict", &restrict_);
    set_call(r, "klogctl(SYSLOG_ACTION_SIZE_UNREAD) (read-only)");
    outcome_of(r, klogctl(9, NULL, 0));
    if (r->result == PROBE_DENIED || r->result == PROBE_SUCCEEDED)
        set_detail(r,
                   "this action always needs SYSLOG; reading the log (dmesg) needs it only "
                   "while kernel.dmesg_restrict is 1 (here %ld)",
                   restrict_);
    return 0;
}

static int act_wake_alarm(struct probe_ctx *c, struct report *r)
{
    set_call(r, "timerfd_create(CLOCK_BOOTTIME_ALARM, 0) (never armed)");
    int fd = timerfd_create(CLOCK_BOOTTIME_ALARM, TFD_CLOEXEC);
    outcome_of(r, fd);
    if (fd >= 0)
        close(fd);
    else if (c->holds && (errno == EINVAL || errno == EOPNOTSUPP))
        not_demonstrable(r,
                         "the kernel has no alarm timers (no RTC): %s even with the "
                         "capability",
                         probe_errno_name(errno));
    return 0;
}

/* The events mask of the first target in /proc/self/fdinfo/EPFD. */
static long epoll_events_of(int epfd)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/self/fdinfo/%d", epfd);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long mask = -1;
    while (fgets(line, sizeof line, f)) {
        const char *p = strstr(line, "events:");
        if (p) {
            mask = strtol(p + 7, NULL, 16);
            break;
        }
    }
    fclose(f);
    return mask;
}

static int act_block_suspend(struct probe_ctx *c, struct report *r)
{
    set_call(r, "epoll_ctl(EPOLL_CTL_ADD, EPOLLIN|EPOLLWAKEUP), then read the mask in fdinfo");
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int fds[2];
    if (ep < 0 || pipe2(fds, O_CLOEXEC) < 0)
        return failed(r, "epoll/pipe: %s", strerror(errno));
    struct epoll_event ev = {.events = EPOLLIN | EPOLLWAKEUP};
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fds[0], &ev) < 0)
        return outcome_of(r, -1);
    long mask = epoll_events_of(ep);
    if (mask < 0)
        return failed(r, "cannot read the epoll mask from /proc/self/fdinfo");
    if (mask & EPOLLWAKEUP) {
        r->result = PROBE_SUCCEEDED;
        set_detail(r, "mask 0x%lx: EPOLLWAKEUP kept", mask);
    } else if (c->holds) {
        not_demonstrable(r,
                         "EPOLLWAKEUP was dropped even with the capability (mask 0x%lx): "
                         "the kernel has no CONFIG_PM_SLEEP, so it strips the flag for "
                         "everyone",
                         mask);
    } else {
        r->result = PROBE_SILENTLY_IGNORED;
        set_detail(r, "epoll_ctl returned 0 but the mask is 0x%lx: EPOLLWAKEUP silently dropped",
                   mask);
    }
    return 0;
}

static int act_audit_read(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "bind(NETLINK_AUDIT socket, groups = AUDIT_NLGRP_READLOG) (read-only)");
    int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_AUDIT);
    if (fd < 0)
        return failed(r, "socket(NETLINK_AUDIT): %s", strerror(errno));
    struct sockaddr_nl sa = {.nl_family = AF_NETLINK, .nl_groups = 1u << (AUDIT_NLGRP_READLOG - 1)};
    outcome_of(r, bind(fd, (struct sockaddr *)&sa, sizeof sa));
    close(fd);
    return 0;
}

static int act_perfmon(struct probe_ctx *c, struct report *r)
{
    (void)c;
    long paranoid = 2;
    read_long("/proc/sys/kernel/perf_event_paranoid", &paranoid);
    if (paranoid < 2)
        return not_demonstrable(r,
                                "kernel.perf_event_paranoid is %ld (below 2): anyone may "
                                "profile the kernel, no capability needed",
                                paranoid);
    set_call(r, "perf_event_open(SW_CPU_CLOCK, exclude_kernel = 0, this process, any cpu); "
                "SYS_ADMIN removed from both runs");
    struct perf_event_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.size = sizeof attr;
    attr.type = PERF_TYPE_SOFTWARE;
    attr.config = PERF_COUNT_SW_CPU_CLOCK;
    attr.disabled = 1;
    long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, 0);
    if (fd < 0 && (errno == ENOSYS || errno == ENOENT))
        return not_demonstrable(r, "the kernel has no perf events (%s)", probe_errno_name(errno));
    outcome_of(r, fd);
    if (fd >= 0)
        close((int)fd);
    set_detail(r,
               "kernel.perf_event_paranoid is %ld: kernel profiling needs PERFMON (or "
               "SYS_ADMIN)",
               paranoid);
    return 0;
}

static int act_bpf(struct probe_ctx *c, struct report *r)
{
    (void)c;
    long disabled = 1;
    read_long("/proc/sys/kernel/unprivileged_bpf_disabled", &disabled);
    if (disabled == 0)
        return not_demonstrable(r, "kernel.unprivileged_bpf_disabled is 0: anyone may create "
                                   "this map, no capability needed");
    set_call(r, "bpf(BPF_MAP_CREATE, ARRAY, key 4, value 4, 1 entry); SYS_ADMIN removed from "
                "both runs");
    union bpf_attr attr;
    memset(&attr, 0, sizeof attr);
    attr.map_type = BPF_MAP_TYPE_ARRAY;
    attr.key_size = 4;
    attr.value_size = 4;
    attr.max_entries = 1;
    long fd = syscall(SYS_bpf, BPF_MAP_CREATE, &attr, sizeof attr);
    if (fd < 0 && errno == ENOSYS)
        return not_demonstrable(r, "the kernel was built without bpf() (CONFIG_BPF_SYSCALL)");
    outcome_of(r, fd);
    if (fd >= 0)
        close((int)fd);
    set_detail(r,
               "kernel.unprivileged_bpf_disabled is %ld: creating maps needs BPF (or "
               "SYS_ADMIN)",
               disabled);
    return 0;
}

/* The sandbox shows /proc/sys read-only. ns_last_pid belongs to the sandbox's own pid
 * namespace, so make that one file writable again, in the sandbox's mount namespace. */
static int prepare_ns_last_pid(const struct probe_ctx *c)
{
    const char *path = "/proc/sys/kernel/ns_last_pid";
    if (!ns_private(c, NS_PID)) {
        errno = EPERM;
        return setup_fail("refused to expose ns_last_pid: the pid namespace is not private");
    }
    if (mount(path, path, NULL, MS_BIND, NULL) < 0 ||
        mount(NULL, path, NULL, MS_REMOUNT | MS_BIND | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) < 0)
        return setup_fail("cannot make %s writable in the sandbox", path);
    return 0;
}

static int act_checkpoint_restore(struct probe_ctx *c, struct report *r)
{
    /* clone3(set_tid) is the reference probe, but the sandbox's seccomp filter answers
     * clone3 with ENOSYS. Writing ns_last_pid is checked the same way (ns_capable of the
     * pid namespace's owner); only ever in the sandbox's own pid namespace. */
    if (!ns_private(c, NS_PID))
        return failed(r, "refused: the pid namespace is not private");
    set_call(r, "write(/proc/sys/kernel/ns_last_pid, its current value) in the sandbox's own "
                "pid namespace; SYS_ADMIN removed from both runs");
    int fd = open("/proc/sys/kernel/ns_last_pid", O_RDWR | O_CLOEXEC);
    if (fd < 0)
        return failed(r, "open ns_last_pid: %s", strerror(errno));
    char value[32];
    ssize_t n = read(fd, value, sizeof value - 1);
    if (n <= 0) {
        failed(r, "read ns_last_pid: %s", strerror(errno));
        close(fd);
        return 0;
    }
    lseek(fd, 0, SEEK_SET);
    outcome_of(r, write(fd, value, (size_t)n));
    close(fd);
    return 0;
}

static int act_unknown(struct probe_ctx *c, struct report *r)
{
    (void)c;
    set_call(r, "none");
    not_demonstrable(r, "this capability is newer than caplab: there is no probe for it yet");
    return 0;
}

/* ------------------------------------------------------------------ the table -- */

#define SYS_ADMIN_BIT CAPS_BIT(CAP_SYS_ADMIN)

/* {cap, call, errno without, silent, userns, other ids, also dropped, why}, helper, act */
static const struct probe_def probe_defs[] = {
    {{CAP_CHOWN, "chown(a root file, 1000, 1000)", EPERM, false, true, true, 0,
      "changing a file's owner to someone else needs CHOWN"},
     HELPER_NONE,
     act_chown,
     NULL},
    {{CAP_DAC_OVERRIDE, "open(a mode-0000 file, O_WRONLY)", EACCES, false, true, false, 0,
      "writing a file the permission bits forbid needs DAC_OVERRIDE"},
     HELPER_NONE,
     act_dac_override,
     NULL},
    {{CAP_DAC_READ_SEARCH, "open(a mode-0000 file, O_RDONLY)", EACCES, false, true, false,
      CAPS_BIT(CAP_DAC_OVERRIDE),
      "reading a file the permission bits forbid needs DAC_READ_SEARCH (or DAC_OVERRIDE, "
      "removed from both runs)"},
     HELPER_NONE,
     act_dac_read_search,
     NULL},
    {{CAP_FOWNER, "chmod(uid 1000's file, 0600)", EPERM, false, true, true, 0,
      "changing the mode of a file you do not own needs FOWNER"},
     HELPER_NONE,
     act_fowner,
     NULL},
    {{CAP_FSETID, "chmod(a file of another group, 02755)", 0, true, true, true, 0,
      "keeping setgid on a file of a group you are not in needs FSETID; without it the "
      "kernel clears the bit silently"},
     HELPER_NONE,
     act_fsetid,
     NULL},
    {{CAP_KILL, "kill(uid 1000's process, SIGKILL)", EPERM, false, true, true, 0,
      "signalling another user's process needs KILL"},
     HELPER_OTHER_UID,
     act_kill,
     NULL},
    {{CAP_SETGID, "setgid(1000)", EPERM, false, true, true, 0,
      "switching to an arbitrary group id needs SETGID"},
     HELPER_NONE,
     act_setgid,
     NULL},
    {{CAP_SETUID, "setuid(1000)", EPERM, false, true, true, 0,
      "switching to an arbitrary user id needs SETUID"},
     HELPER_NONE,
     act_setuid,
     NULL},
    {{CAP_SETPCAP, "prctl(PR_CAPBSET_DROP, CAP_SYS_BOOT)", EPERM, false, true, false, 0,
      "removing a capability from the bounding set needs SETPCAP"},
     HELPER_NONE,
     act_setpcap,
     NULL},
    {{CAP_LINUX_IMMUTABLE, "ioctl(FS_IOC_SETFLAGS, FS_APPEND_FL)", EPERM, false, false, false, 0,
      "setting the append-only or immutable flag needs LINUX_IMMUTABLE (capable())"},
     HELPER_NONE,
     act_linux_immutable,
     NULL},
    {{CAP_NET_BIND_SERVICE, "bind(TCP, 0.0.0.0:80)", EACCES, false, true, false, 0,
      "binding a port below net.ipv4.ip_unprivileged_port_start needs NET_BIND_SERVICE"},
     HELPER_NONE,
     act_net_bind_service,
     NULL},
    {{CAP_NET_BROADCAST, "setsockopt(NETLINK_LISTEN_ALL_NSID)", EPERM, false, true, false, 0,
      "listening to netlink messages of every network namespace needs NET_BROADCAST"},
     HELPER_NONE,
     act_net_broadcast,
     NULL},
    {{CAP_NET_ADMIN, "ioctl(SIOCSIFFLAGS, lo, IFF_UP)", EPERM, false, true, false, 0,
      "configuring a network interface needs NET_ADMIN"},
     HELPER_NONE,
     act_net_admin,
     NULL},
    {{CAP_NET_RAW, "socket(AF_INET, SOCK_RAW, IPPROTO_ICMP)", EPERM, false, true, false, 0,
      "opening a raw socket needs NET_RAW"},
     HELPER_NONE,
     act_net_raw,
     NULL},
    {{CAP_IPC_LOCK, "mlock(1 page) with RLIMIT_MEMLOCK 0", EPERM, false, false, false, 0,
      "locking memory beyond RLIMIT_MEMLOCK needs IPC_LOCK (capable())"},
     HELPER_NONE,
     act_ipc_lock,
     NULL},
    {{CAP_IPC_OWNER, "msgctl(IPC_STAT) on a mode-0000 queue", EACCES, false, true, false, 0,
      "bypassing the permissions of System V IPC objects needs IPC_OWNER"},
     HELPER_NONE,
     act_ipc_owner,
     NULL},
    {{CAP_SYS_MODULE, "delete_module(\"caplab_no_such_module\")", EPERM, false, false, false, 0,
      "loading and unloading kernel modules needs SYS_MODULE (capable())"},
     HELPER_NONE,
     act_sys_module,
     NULL},
    {{CAP_SYS_RAWIO, "mmap(address 0, MAP_FIXED)", EPERM, false, false, false, 0,
      "mapping memory below vm.mmap_min_addr needs SYS_RAWIO (capable())"},
     HELPER_NONE,
     act_sys_rawio,
     NULL},
    {{CAP_SYS_CHROOT, "chroot(\"jail\")", EPERM, false, true, false, 0,
      "changing the root directory needs SYS_CHROOT"},
     HELPER_NONE,
     act_sys_chroot,
     NULL},
    {{CAP_SYS_PTRACE, "ptrace(PTRACE_SEIZE, a helper)", EPERM, false, true, false, 0,
      "tracing another user's process, or one holding capabilities you lack, needs SYS_PTRACE"},
     HELPER_TRACEE,
     act_sys_ptrace,
     NULL},
    {{CAP_SYS_PACCT, "acct(NULL)", EPERM, false, false, false, 0,
      "switching process accounting on or off needs SYS_PACCT (capable())"},
     HELPER_NONE,
     act_sys_pacct,
     NULL},
    {{CAP_SYS_ADMIN, "sethostname(\"caplab\")", EPERM, false, true, false, 0,
      "setting the hostname (one of SYS_ADMIN's many powers) needs SYS_ADMIN"},
     HELPER_NONE,
     act_sys_admin,
     NULL},
    {{CAP_SYS_BOOT, "reboot(wrong magic numbers)", EPERM, false, true, false, 0,
      "reboot() checks SYS_BOOT before it even looks at its arguments"},
     HELPER_NONE,
     act_sys_boot,
     NULL},
    {{CAP_SYS_NICE, "setpriority(self, -1) with RLIMIT_NICE 0", EACCES, false, false, false, 0,
      "raising your own priority needs SYS_NICE (capable())"},
     HELPER_NONE,
     act_sys_nice,
     NULL},
    {{CAP_SYS_RESOURCE, "raise the RLIMIT_NOFILE hard limit", EPERM, false, false, false, 0,
      "raising a hard resource limit needs SYS_RESOURCE (capable())"},
     HELPER_NONE,
     act_sys_resource,
     NULL},
    {{CAP_SYS_TIME, "adjtimex(ADJ_TICK, an invalid tick)", EPERM, false, false, false, 0,
      "adjtimex() checks SYS_TIME before it validates the tick (capable())"},
     HELPER_NONE,
     act_sys_time,
     NULL},
    {{CAP_SYS_TTY_CONFIG, "vhangup() on a private pty", EPERM, false, false, false, 0,
      "hanging up a terminal needs SYS_TTY_CONFIG (capable())"},
     HELPER_NONE,
     act_sys_tty_config,
     NULL},
    {{CAP_MKNOD, "mknod(a character device 1:3)", EPERM, false, false, false, 0,
      "creating device nodes needs MKNOD (capable())"},
     HELPER_NONE,
     act_mknod,
     NULL},
    {{CAP_LEASE, "fcntl(F_SETLEASE) on uid 1000's file", EACCES, false, false, true, 0,
      "taking a lease on a file you do not own needs LEASE (capable())"},
     HELPER_NONE,
     act_lease,
     NULL},
    {{CAP_AUDIT_WRITE, "NETLINK_AUDIT AUDIT_USER message", EPERM, false, false, false, 0,
      "writing a record to the kernel audit log needs AUDIT_WRITE"},
     HELPER_NONE,
     act_audit_write,
     NULL},
    {{CAP_AUDIT_CONTROL, "NETLINK_AUDIT AUDIT_GET", EPERM, false, false, false, 0,
      "talking to the audit subsystem's control interface needs AUDIT_CONTROL"},
     HELPER_NONE,
     act_audit_control,
     NULL},
    {{CAP_SETFCAP, "setxattr(security.capability)", EPERM, false, true, false, 0,
      "giving a file capabilities (setcap) needs SETFCAP"},
     HELPER_NONE,
     act_setfcap,
     NULL},
    {{CAP_MAC_OVERRIDE, "none (no LSM to override)", 0, false, false, false, 0,
      "only Smack consults MAC_OVERRIDE"},
     HELPER_NONE,
     act_mac,
     NULL},
    {{CAP_MAC_ADMIN, "none (no LSM policy to change)", 0, false, false, false, 0,
      "only Smack, SELinux and AppArmor consult MAC_ADMIN"},
     HELPER_NONE,
     act_mac,
     NULL},
    {{CAP_SYSLOG, "klogctl(SIZE_UNREAD)", EPERM, false, false, false, 0,
      "privileged kernel log operations need SYSLOG (capable())"},
     HELPER_NONE,
     act_syslog,
     NULL},
    {{CAP_WAKE_ALARM, "timerfd_create(CLOCK_BOOTTIME_ALARM)", EPERM, false, false, false, 0,
      "timers that wake a suspended system need WAKE_ALARM (capable())"},
     HELPER_NONE,
     act_wake_alarm,
     NULL},
    {{CAP_BLOCK_SUSPEND, "epoll_ctl(EPOLLWAKEUP)", 0, true, false, false, 0,
      "EPOLLWAKEUP (keep the system awake) needs BLOCK_SUSPEND; without it the flag is "
      "silently dropped"},
     HELPER_NONE,
     act_block_suspend,
     NULL},
    {{CAP_AUDIT_READ, "bind(NETLINK_AUDIT, READLOG group)", EPERM, false, false, false, 0,
      "reading the audit log through multicast netlink needs AUDIT_READ (capable())"},
     HELPER_NONE,
     act_audit_read,
     NULL},
    {{CAP_PERFMON, "perf_event_open(kernel profiling)", EACCES, false, false, false, SYS_ADMIN_BIT,
      "profiling the kernel needs PERFMON or SYS_ADMIN (capable())"},
     HELPER_NONE,
     act_perfmon,
     NULL},
    {{CAP_BPF, "bpf(BPF_MAP_CREATE)", EPERM, false, false, false, SYS_ADMIN_BIT,
      "creating BPF maps needs BPF or SYS_ADMIN (capable())"},
     HELPER_NONE,
     act_bpf,
     NULL},
    {{CAP_CHECKPOINT_RESTORE, "write ns_last_pid", EPERM, false, true, false, SYS_ADMIN_BIT,
      "choosing the next pid (to restore processes) needs CHECKPOINT_RESTORE or SYS_ADMIN"},
     HELPER_NONE,
     act_checkpoint_restore,
     prepare_ns_last_pid},
};

#define N_DEFS (sizeof probe_defs / sizeof probe_defs[0])

static const struct probe_def *find_def(unsigned cap)
{
    static struct probe_def unknown[64];
    for (size_t i = 0; i < N_DEFS; i++)
        if (probe_defs[i].info.cap == cap)
            return &probe_defs[i];
    if (cap >= 64)
        return NULL;
    unknown[cap] = (struct probe_def){
        {cap, "none", 0, false, false, false, 0, "caplab has no probe for this capability"},
        HELPER_NONE,
        act_unknown,
        NULL};
    return &unknown[cap];
}

const struct probe_info *probe_info(unsigned cap)
{
    if (cap > caps_last())
        return NULL;
    const struct probe_def *d = find_def(cap);
    return d ? &d->info : NULL;
}

/* ------------------------------------------------------------- the probe side -- */

static int probe_main(void *arg)
{
    struct probe_ctx *c = arg;
    struct report r;
    memset(&r, 0, sizeof r);
    char setup_error[300];
    if (read_text(SETUP_ERROR, setup_error, sizeof setup_error) == 0 && setup_error[0]) {
        set_call(&r, "%s", c->def->info.call);
        errno = 0;
        failed(&r, "the probe's set-up failed: %s", setup_error);
    } else {
        c->def->act(c, &r);
    }
    if (!r.call[0])
        set_call(&r, "%s", c->def->info.call);
    dprintf(1, RECORD_TAG "%s\t%d\t%s\t%s\n", probe_result_name(r.result), r.err_no, r.call,
            r.detail);
    return 0;
}

/* ------------------------------------------------------------ the parent side -- */

static const char *const result_names[] = {"succeeded", "denied", "silently-ignored",
                                           "not-demonstrable", "failed"};

const char *probe_result_name(enum probe_result r)
{
    return (unsigned)r < sizeof result_names / sizeof result_names[0] ? result_names[r] : "?";
}

const char *probe_verdict_name(enum probe_verdict v)
{
    switch (v) {
    case PROBE_DEMONSTRATED:
        return "demonstrated";
    case PROBE_UNDEMONSTRABLE:
        return "not-demonstrable";
    case PROBE_CONTRADICTS:
    default:
        return "contradicts";
    }
}

static void copy_field(char *dst, size_t n, const char *start, size_t len)
{
    if (len >= n)
        len = n - 1;
    memcpy(dst, start, len);
    dst[len] = '\0';
}

int probe_parse_record(const char *text, struct probe_outcome *out)
{
    const char *line = text ? strstr(text, RECORD_TAG) : NULL;
    if (!line)
        return -1;
    /* RESULT, ERRNO and CALL end with a tab; DETAIL runs to the end of the line. */
    const char *p = line + strlen(RECORD_TAG);
    const char *fields[3];
    size_t lens[3];
    for (int i = 0; i < 3; i++) {
        size_t len = strcspn(p, "\t\n");
        if (p[len] != '\t')
            return -1;
        fields[i] = p;
        lens[i] = len;
        p += len + 1;
    }
    char name[32];
    copy_field(name, sizeof name, fields[0], lens[0]);
    bool known = false;
    for (unsigned i = 0; i < sizeof result_names / sizeof result_names[0]; i++) {
        if (strcmp(name, result_names[i]) == 0) {
            out->result = (enum probe_result)i;
            known = true;
        }
    }
    char number[16];
    copy_field(number, sizeof number, fields[1], lens[1]);
    char *end;
    long err_no = strtol(number, &end, 10);
    if (!known || end == number || *end || err_no < 0 || err_no > 4095)
        return -1;
    out->err_no = (int)err_no;
    copy_field(out->call, sizeof out->call, fields[2], lens[2]);
    copy_field(out->detail, sizeof out->detail, p, strcspn(p, "\n"));
    return 0;
}

static void fill_host_namespaces(struct probe_ctx *c)
{
    for (int i = 0; i < NS_COUNT; i++)
        c->host_ns[i] = ns_inode(ns_names[i]);
}

/* The first line of `text`, for messages. */
static void first_line(const char *text, char *buf, size_t n)
{
    if (!text)
        text = "";
    size_t len = strcspn(text, "\n");
    copy_field(buf, n, text, len);
}

/* AUDIT_CONTROL: the kernel answers audit control requests only from the initial pid
 * namespace, which no sandbox is in. This lighter enclosure keeps the host's pid namespace
 * but has its own mount (with a fresh /tmp), network, UTS and IPC namespaces and the exact
 * capability set, like `unshare -mnui` plus a capability drop; the probe then sends one
 * read-only AUDIT_GET. Privileged mode only. Fills out->call/detail on a failure. */
static int run_in_host_pid_namespace(struct probe_ctx *ctx, capmask caps, struct probe_outcome *out,
                                     struct err *e)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(p[0]);
        close(p[1]);
        return err_sys(e, "fork");
    }
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        struct err ce = {0};
        struct privs_identity id;
        struct privs_request req = {.caps = caps, .block_userns = true};
        int devnull = open("/dev/null", O_RDWR);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(devnull, 2) < 0 || dup2(p[1], 1) < 0)
            _exit(SANDBOX_EXIT_SETUP);
        if (unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC) < 0 ||
            mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0 ||
            mount("caplab-tmp", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") < 0 ||
            privs_resolve_user(NULL, &id, &ce) < 0 || privs_apply(&req, &id, &ce) < 0)
            _exit(SANDBOX_EXIT_SETUP);
        _exit(probe_main(ctx));
    }
    close(p[1]);
    char buf[2048];
    size_t len = 0;
    ssize_t n;
    while ((n = read(p[0], buf + len, sizeof buf - 1 - len)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            len += (size_t)n;
    buf[len] = '\0';
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    out->held = caps & sandbox_grantable(SANDBOX_MODE_PRIVILEGED);
    if (probe_parse_record(buf, out) < 0) {
        out->result = PROBE_FAILED;
        snprintf(out->call, sizeof out->call, "%s", ctx->def->info.call);
        snprintf(out->detail, sizeof out->detail,
                 "could not set up the namespaces for the audit probe (status %d)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    return 0;
}

int probe_run_in(unsigned cap, const struct sandbox_config *base, struct probe_outcome *out,
                 struct err *e)
{
    memset(out, 0, sizeof *out);
    const struct probe_def *def = cap <= caps_last() ? find_def(cap) : NULL;
    if (!def)
        return err_set(e, ERR_INVALID, "no capability number %u on this kernel", cap);
    /* Root holds the sandbox's set; another user only what is raised as ambient. */
    struct privs_identity id;
    capmask effective = base->caps;
    if (privs_resolve_user(base->user, &id, NULL) == 0 && id.uid != 0)
        effective &= base->ambient;
    struct probe_ctx ctx = {.def = def, .holds = (effective & CAPS_BIT(cap)) != 0};
    fill_host_namespaces(&ctx);

    if (cap == CAP_AUDIT_CONTROL && sandbox_effective_mode(base->mode) == SANDBOX_MODE_PRIVILEGED &&
        geteuid() == 0)
        return run_in_host_pid_namespace(&ctx, base->caps, out, e);

    struct sandbox_config cfg = *base;
    cfg.argv = NULL;
    cfg.fn = probe_main;
    cfg.fn_arg = &ctx;
    cfg.setup = NULL;
    cfg.setup_fn = probe_setup;
    cfg.setup_arg = &ctx;
    cfg.io = SANDBOX_IO_CAPTURE;
    cfg.quiet = true;
    if (cfg.timeout <= 0)
        cfg.timeout = 10;

    struct sandbox_result res;
    if (sandbox_run(&cfg, &res, e) < 0)
        return -1;
    out->held = cfg.caps & sandbox_grantable(cfg.mode);
    if (probe_parse_record(res.out, out) < 0) {
        char line[200];
        first_line(res.errout, line, sizeof line);
        out->result = PROBE_FAILED;
        snprintf(out->call, sizeof out->call, "%s", def->info.call);
        snprintf(out->detail, sizeof out->detail, "the probe reported nothing (exit status %d%s%s)",
                 res.exit_code, line[0] ? ": " : "", line);
    }
    sandbox_result_release(&res);
    return 0;
}

static capmask pair_base(unsigned cap)
{
    const struct probe_def *def = find_def(cap);
    return caps_all() & ~(def ? def->info.also_dropped : 0);
}

int probe_run(unsigned cap, bool with_cap, enum sandbox_mode mode, const struct probe_options *opts,
              struct probe_outcome *out, struct err *e)
{
    if (cap > caps_last())
        return err_set(e, ERR_INVALID, "no capability number %u on this kernel", cap);
    struct sandbox_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.mode = mode;
    capmask base = pair_base(cap);
    cfg.caps = with_cap ? base | CAPS_BIT(cap) : base & ~CAPS_BIT(cap);
    cfg.docker_sysctls = opts && opts->docker_sysctls;
    cfg.timeout = opts ? opts->timeout : 0;
    return probe_run_in(cap, &cfg, out, e);
}

static void judge(struct probe_pair *p)
{
    const struct probe_info *info = probe_info(p->cap);
    const struct probe_outcome *w = &p->with, *wo = &p->without;
    const char *name = caps_name(p->cap);
    p->verdict = PROBE_UNDEMONSTRABLE;

    if (w->result == PROBE_FAILED || wo->result == PROBE_FAILED) {
        p->verdict = PROBE_CONTRADICTS;
        snprintf(p->why, sizeof p->why, "the probe could not run: %.360s",
                 w->result == PROBE_FAILED ? w->detail : wo->detail);
        return;
    }
    bool inside_reason =
        w->result == PROBE_NOT_DEMONSTRABLE || wo->result == PROBE_NOT_DEMONSTRABLE;
    if (p->mode == SANDBOX_MODE_ROOTLESS && !info->userns && !inside_reason) {
        snprintf(p->why, sizeof p->why,
                 "rootless: the kernel checks %s with capable(), against the initial user "
                 "namespace, which a rootless sandbox never holds (run with sudo to see it)",
                 name);
        return;
    }
    if (inside_reason) {
        snprintf(p->why, sizeof p->why, "%s",
                 w->result == PROBE_NOT_DEMONSTRABLE ? w->detail : wo->detail);
        return;
    }
    if (!(sandbox_grantable(p->mode) & CAPS_BIT(p->cap)) && w->result != PROBE_SUCCEEDED) {
        snprintf(p->why, sizeof p->why,
                 "caplab's own bounding set lacks %s (this machine removed it), so no sandbox "
                 "can hold it; without it: %s %s",
                 name, probe_result_name(wo->result), probe_errno_name(wo->err_no));
        return;
    }
    bool with_ok = w->result == PROBE_SUCCEEDED;
    bool without_ok = info->silent ? wo->result == PROBE_SILENTLY_IGNORED
                                   : wo->result == PROBE_DENIED && wo->err_no == info->expect_errno;
    if (with_ok && without_ok) {
        p->verdict = PROBE_DEMONSTRATED;
        if (info->silent)
            snprintf(p->why, sizeof p->why, "%s", info->why);
        else
            snprintf(p->why, sizeof p->why, "%s (without: %s)", info->why,
                     probe_errno_name(info->expect_errno));
        return;
    }
    p->verdict = PROBE_CONTRADICTS;
    char expected[64];
    if (info->silent)
        snprintf(expected, sizeof expected, "silently-ignored");
    else
        snprintf(expected, sizeof expected, "denied %s", probe_errno_name(info->expect_errno));
    snprintf(p->why, sizeof p->why,
             "expected with: succeeded, without: %s; got with: %s %s, without: %s %s", expected,
             probe_result_name(w->result), w->err_no ? probe_errno_name(w->err_no) : "",
             probe_result_name(wo->result), wo->err_no ? probe_errno_name(wo->err_no) : "");
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int probe_compare(unsigned cap, enum sandbox_mode mode, const struct probe_options *opts,
                  struct probe_pair *pair, struct err *e)
{
    memset(pair, 0, sizeof *pair);
    if (cap > caps_last())
        return err_set(e, ERR_INVALID, "no capability number %u on this kernel", cap);
    double start = now_seconds();
    pair->cap = cap;
    pair->mode = sandbox_effective_mode(mode);
    pair->also_dropped = probe_info(cap)->also_dropped;
    if (probe_run(cap, true, pair->mode, opts, &pair->with, e) < 0 ||
        probe_run(cap, false, pair->mode, opts, &pair->without, e) < 0)
        return -1;
    judge(pair);
    pair->seconds = now_seconds() - start;
    return 0;
}
