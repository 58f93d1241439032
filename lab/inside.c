#include "inside.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "netsetup.h"
#include "rootfs.h"

extern char **environ;

/* Report a sandbox failure to the parent and exit. Only async-signal-safe calls. */
static _Noreturn void child_fail(int error_w, const struct err *e)
{
    if (error_w >= 0) {
        ssize_t ignored = write(error_w, e->msg, strlen(e->msg));
        (void)ignored;
    }
    _exit(SANDBOX_EXIT_SETUP);
}

static void reset_signals(void)
{
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            signal(sig, SIG_DFL);
}

static void setup_stdio(const struct launch *l)
{
    if (l->pty_slave >= 0) {
        /* Its own session and controlling terminal: job control works, and the caller's
         * terminal is out of reach (no TIOCSTI into it, CVE-2017-5226). */
        setsid();
        ioctl(l->pty_slave, TIOCSCTTY, 0);
        dup2(l->pty_slave, 0);
        dup2(l->pty_slave, 1);
        dup2(l->pty_slave, 2);
        close(l->pty_slave);
    } else if (l->out_w >= 0) {
        setsid();
        int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
        if (devnull >= 0) {
            dup2(devnull, 0);
            close(devnull);
        }
        dup2(l->out_w, 1);
        dup2(l->err_w, 2);
    }
}

/* The file execvp() would have run for `name`, searched in PATH; false if none. */
static bool find_in_path(const char *name, char *out, size_t n)
{
    if (strchr(name, '/')) {
        snprintf(out, n, "%s", name);
        return true;
    }
    const char *path = getenv("PATH");
    for (const char *dir = path; dir && *dir;) {
        size_t len = strcspn(dir, ":");
        snprintf(out, n, "%.*s/%s", (int)len, dir, name);
        if (access(out, X_OK) == 0)
            return true;
        dir += len + (dir[len] == ':');
    }
    return false;
}

/* A refused exec is a lesson in itself: say when the cause is the file's capabilities
 * (ping's cap_net_raw=ep without NET_RAW in the bounding set) or no_new_privs. */
static void explain_exec_failure(const char *name, int saved)
{
    char file[4096];
    bool found = find_in_path(name, file, sizeof file);
    dprintf(2, "caplab: %s: %s\n", name, strerror(saved));
    if (saved != EPERM || !found)
        return;
    if (getxattr(file, "security.capability", NULL, 0) > 0)
        dprintf(2,
                "caplab: %s carries file capabilities (see: getcap %s) that this sandbox's "
                "bounding set cannot grant, so the kernel refuses to run it at all\n",
                file, file);
}

/* The command's process: drop privileges, then exec (or call fn). */
static _Noreturn void run_command(const struct launch *l)
{
    const struct sandbox_config *cfg = l->cfg;
    struct err e = {0};
    reset_signals();
    setup_stdio(l);

    struct privs_request req = {
        .caps = cfg->caps,
        .ambient = cfg->ambient,
        .no_new_privs = cfg->no_new_privs,
        .block_userns = true,
    };
    if (privs_apply(&req, &l->id, &e) < 0)
        child_fail(l->error_w, &e);
    if (l->id.home[0] && chdir(l->id.home) < 0 && chdir("/") < 0)
        _exit(SANDBOX_EXIT_SETUP);

    if (cfg->fn) {
        close(l->error_w);
        int rc = cfg->fn(cfg->fn_arg);
        fflush(NULL);
        _exit(rc & 0xff);
    }
    char *const *argv = cfg->argv ? cfg->argv : l->argv_shell;
    /* execvp searches the PATH of the current environment, so switch to the sandbox's. */
    environ = (char **)l->env;
    execvp(argv[0], argv);
    /* As a shell would: 127 when not found, 126 when found but not runnable
     * (ping without NET_RAW lands here with EPERM: its file capability cannot be granted). */
    int saved = errno;
    explain_exec_failure(argv[0], saved);
    _exit(saved == ENOENT ? 127 : 126);
}

int wait_retrying(pid_t pid, int *status)
{
    while (waitpid(pid, status, 0) < 0)
        if (errno != EINTR)
            return -1;
    return 0;
}

/* Run the lesson's set-up script (or function) with every capability, before the drop. */
static int run_setup(const struct launch *l, struct err *e)
{
    const struct sandbox_config *cfg = l->cfg;
    if (!cfg->setup && !cfg->setup_fn)
        return 0;
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0)
        return err_sys(e, "pipe");
    pid_t pid = fork();
    if (pid < 0)
        return err_sys(e, "fork for the set-up");
    if (pid == 0) {
        reset_signals();
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(pipefd[1], 2);
        if (chdir("/root") < 0 && chdir("/") < 0)
            _exit(SANDBOX_EXIT_SETUP);
        if (cfg->setup_fn)
            _exit(cfg->setup_fn(cfg->setup_arg) & 0xff);
        char *argv[] = {"/bin/sh", "-ec", (char *)cfg->setup, NULL};
        execve(argv[0], argv, l->env);
        _exit(127);
    }
    close(pipefd[1]);
    char text[1024];
    size_t len = 0;
    ssize_t n;
    while ((n = read(pipefd[0], text + len, sizeof text - 1 - len)) > 0 ||
           (n < 0 && errno == EINTR))
        if (n > 0)
            len += (size_t)n;
    close(pipefd[0]);
    text[len] = '\0';
    while (len > 0 && text[len - 1] == '\n')
        text[--len] = '\0';
    int status;
    if (wait_retrying(pid, &status) < 0)
        return err_sys(e, "waitpid(set-up)");
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    return err_set(e, ERR_INVALID, "the sandbox set-up failed (status %d)%s%s",
                   WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
                   len ? ": " : "", text);
}

static volatile sig_atomic_t init_forward;

static void init_on_signal(int sig)
{
    init_forward = sig;
}

/* pid 1 keeps only CAP_KILL (to end every process in its namespace) and waits. */
static void init_drop_privileges(void)
{
    cap_t c = cap_init();
    cap_value_t kill_cap = CAP_KILL;
    if (c && cap_set_flag(c, CAP_PERMITTED, 1, &kill_cap, CAP_SET) == 0 &&
        cap_set_flag(c, CAP_EFFECTIVE, 1, &kill_cap, CAP_SET) == 0)
        cap_set_proc(c);
    cap_free(c);
}

/* Send one fd over a unix socket (SCM_RIGHTS). */
static int send_fd(int sock, int fd)
{
    char byte = 'p';
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    struct cmsghdr *cmsg = CMSG_FIRSTHDR(&msg);
    cmsg->cmsg_level = SOL_SOCKET;
    cmsg->cmsg_type = SCM_RIGHTS;
    cmsg->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);
    return sendmsg(sock, &msg, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

/* The shell's terminal comes from the sandbox's own devpts instance, so `tty` names a
 * device that exists inside; the master goes to the parent, which relays it. */
static int open_inner_pty(struct launch *l, struct err *e)
{
    int master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0 || grantpt(master) < 0 || unlockpt(master) < 0)
        return err_sys(e, "cannot open a pseudo-terminal for the shell");
    const char *name = ptsname(master);
    l->pty_slave = name ? open(name, O_RDWR | O_NOCTTY | O_CLOEXEC) : -1;
    if (l->pty_slave < 0 || send_fd(l->pty_sock, master) < 0) {
        close(master);
        return err_sys(e, "cannot open the shell's terminal");
    }
    close(master);
    close(l->pty_sock);
    return 0;
}

static _Noreturn void init_main(const struct launch *launch)
{
    struct err e = {0};
    struct launch copy = *launch;
    struct launch *l = &copy;
    if (run_setup(l, &e) < 0)
        child_fail(l->error_w, &e);
    if (l->pty_sock >= 0 && open_inner_pty(l, &e) < 0)
        child_fail(l->error_w, &e);

    pid_t command = fork();
    if (command < 0) {
        err_sys(&e, "fork for the command");
        child_fail(l->error_w, &e);
    }
    if (command == 0)
        run_command(l);

    close(l->error_w);
    if (l->out_w >= 0) {
        close(l->out_w);
        close(l->err_w);
    }
    if (l->pty_slave >= 0)
        close(l->pty_slave);
    init_drop_privileges();

    struct sigaction sa = {.sa_handler = init_on_signal};
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    /* Ctrl-C on a shared terminal reaches the command directly; pid 1 ignores it. */
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);

    int status = 0;
    for (;;) {
        int st;
        pid_t pid = waitpid(-1, &st, 0);
        if (pid == command) {
            status = st;
            break;
        }
        if (pid < 0 && errno == EINTR && init_forward) {
            kill(command, init_forward);
            init_forward = 0;
        } else if (pid < 0 && errno == ECHILD) {
            break;
        }
    }
    /* The command is done: nothing it started may outlive it (daemons included). */
    kill(-1, SIGKILL);
    ssize_t ignored = write(l->status_w, &status, sizeof status);
    (void)ignored;
    _exit(0);
}

static void close_fds_between(unsigned first, unsigned last)
{
    if (close_range(first, last, 0) == 0 || errno != ENOSYS)
        return;
    long max = sysconf(_SC_OPEN_MAX); /* kernels before 5.9 */
    if (max < 0 || max > 1 << 20)
        max = 1 << 20;
    for (unsigned fd = first; fd <= last && fd < (unsigned)max; fd++)
        close((int)fd);
}

/*
 * Close every descriptor the sandbox did not open itself. caplab's caller may hold any
 * (`caplab run -- CMD 8<DIR`, a terminal multiplexer, a CI runner), and one that names a
 * host directory lets the command leave its root through /proc/self/fd/8 (or pid 1's
 * /proc/1/fd/8) and write to the host, whatever its capabilities (found by the hardening
 * tests). Kept: stdin, stdout, stderr and the sandbox's own pipes and socket.
 */
static void close_inherited_fds(const struct launch *l)
{
    int keep[] = {l->sync_r, l->error_w,  l->status_w, l->out_w,
                  l->err_w,  l->pty_sock, l->pty_slave};
    size_t n = sizeof keep / sizeof keep[0];
    for (size_t i = 1; i < n; i++) /* insertion sort: seven numbers */
        for (size_t j = i; j > 0 && keep[j - 1] > keep[j]; j--) {
            int t = keep[j];
            keep[j] = keep[j - 1];
            keep[j - 1] = t;
        }
    unsigned next = 3;
    for (size_t i = 0; i < n; i++) {
        if (keep[i] < 0 || (unsigned)keep[i] < next)
            continue;
        if ((unsigned)keep[i] > next)
            close_fds_between(next, (unsigned)keep[i] - 1);
        next = (unsigned)keep[i] + 1;
    }
    close_fds_between(next, ~0U);
}

/* The first process of the sandbox: namespaces are new, nothing is set up yet. */
_Noreturn void inside_main(const struct launch *l)
{
    struct err e = {0};
    close_inherited_fds(l);
    /* If caplab dies, even by SIGKILL, pid 1 dies and takes the namespace with it. */
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    char go;
    if (read(l->sync_r, &go, 1) != 1)
        _exit(SANDBOX_EXIT_SETUP); /* the parent is gone */
    close(l->sync_r);

    bool rootless = l->mode == SANDBOX_MODE_ROOTLESS;
    if (rootless && !l->idmap.ranged && idmap_apply_single(&l->idmap, &e) < 0)
        child_fail(l->error_w, &e);
    if (rootless && (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)) {
        err_sys(&e, "cannot become root in the user namespace");
        child_fail(l->error_w, &e);
    }
    if (sethostname("caplab", 6) < 0) {
        err_sys(&e, "sethostname");
        child_fail(l->error_w, &e);
    }
    if (netsetup_loopback_up(&e) < 0)
        child_fail(l->error_w, &e);
    if (l->cfg->docker_sysctls) {
        gid_t max_gid = rootless ? (gid_t)idmap_max_inside(&l->idmap) : 2147483647;
        if (netsetup_docker_sysctls(max_gid, &e) < 0)
            child_fail(l->error_w, &e);
    }
    struct rootfs_options ro = {
        .rootless = rootless,
        .self_exe = l->self_exe,
        .data_dir = l->data_dir,
        .ro_binds = l->cfg->ro_binds,
    };
    if (rootfs_enter(&ro, &e) < 0)
        child_fail(l->error_w, &e);
    init_main(l);
}
