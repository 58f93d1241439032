/*
 * sandbox: the parent side: prepare, clone, id maps, relay I/O, timeout, result.
 * What runs inside (init and command) is in inside.c; the support probe in nssupport.c.
 *
 *   caplab ──clone(NEW{NS,PID,NET,UTS,IPC,CGROUP}[,USER])──> init (pid 1)
 *     │  newuidmap/newgidmap (rootless with ranges), then "go" on the sync pipe
 *     │                       init: id map, hostname, lo up, sysctls, rootfs, pivot_root
 *     │                       init ──fork──> setup script (all caps)       [optional]
 *     │                       init ──fork──> command: privs_apply, execve
 *     │<── errors (pipe, text) / wait status (pipe, 4 bytes) / output (pipes or pty)
 */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "capstatus.h"
#include "idmap.h"
#include "inside.h"
#include "nssupport.h"
#include "paths.h"
#include "privs.h"
#include "rootfs.h"

#define DEFAULT_CAPTURE (64 * 1024)

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *sandbox_mode_name(enum sandbox_mode mode)
{
    switch (mode) {
    case SANDBOX_MODE_PRIVILEGED:
        return "privileged";
    case SANDBOX_MODE_ROOTLESS:
        return "rootless";
    case SANDBOX_MODE_AUTO:
    default:
        return "auto";
    }
}

int sandbox_mode_parse(const char *text, enum sandbox_mode *out, struct err *e)
{
    static const enum sandbox_mode modes[] = {SANDBOX_MODE_AUTO, SANDBOX_MODE_PRIVILEGED,
                                              SANDBOX_MODE_ROOTLESS};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        if (strcmp(text, sandbox_mode_name(modes[i])) == 0) {
            *out = modes[i];
            return 0;
        }
    }
    return err_set(e, ERR_USAGE, "unknown mode \"%s\": expected auto, privileged or rootless",
                   text);
}

enum sandbox_mode sandbox_effective_mode(enum sandbox_mode requested)
{
    if (requested != SANDBOX_MODE_AUTO)
        return requested;
    return geteuid() == 0 ? SANDBOX_MODE_PRIVILEGED : SANDBOX_MODE_ROOTLESS;
}

capmask sandbox_grantable(enum sandbox_mode mode)
{
    if (sandbox_effective_mode(mode) == SANDBOX_MODE_ROOTLESS)
        return caps_all();
    struct capstatus self;
    if (capstatus_read(0, &self, NULL) < 0)
        return 0;
    return self.bounding & self.permitted;
}

/* --------------------------------------------------------------- the parent side -- */

static int add_env(struct launch *l, size_t *n, const char *name, const char *value)
{
    if (!value || *n + 1 >= LAUNCH_MAX_ENV)
        return 0;
    if (asprintf(&l->env[*n], "%s=%s", name, value) < 0)
        return -1;
    (*n)++;
    l->env[*n] = NULL;
    return 0;
}

static int build_env(struct launch *l, struct err *e)
{
    size_t n = 0;
    int rc = 0;
    rc |=
        add_env(l, &n, "PATH",
                "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:" ROOTFS_CAPLAB_BIN);
    rc |= add_env(l, &n, "HOME", l->id.home[0] ? l->id.home : "/");
    rc |= add_env(l, &n, "USER", l->id.name[0] ? l->id.name : NULL);
    rc |= add_env(l, &n, "LOGNAME", l->id.name[0] ? l->id.name : NULL);
    rc |= add_env(l, &n, "SHELL", l->shell);
    rc |= add_env(l, &n, "HOSTNAME", "caplab");
    rc |= add_env(l, &n, "CAPLAB_SANDBOX", sandbox_mode_name(l->mode));
    rc |= add_env(l, &n, "CAPLAB_DATA", l->data_dir ? ROOTFS_CAPLAB_DATA : NULL);
    static const char *const kept[] = {"TERM",      "LANG",     "LC_ALL", "LC_CTYPE", "LANGUAGE",
                                       "COLORTERM", "NO_COLOR", "TZ",     NULL};
    for (int i = 0; kept[i]; i++)
        rc |= add_env(l, &n, kept[i], getenv(kept[i]));
    if (!l->cfg->argv && !l->cfg->fn) {
        char prompt[160];
        const char *tag = l->cfg->prompt_tag;
        snprintf(prompt, sizeof prompt, "[caplab%s%s] %s ", tag ? " " : "", tag ? tag : "",
                 l->id.uid == 0 ? "#" : "$");
        rc |= add_env(l, &n, "PS1", prompt);
    }
    if (rc)
        return err_sys(e, "building the sandbox environment");
    return 0;
}

static void choose_shell(struct launch *l)
{
    const char *shell = getenv("SHELL");
    if (!shell || shell[0] != '/' || access(shell, X_OK) != 0)
        shell = "/bin/sh";
    l->shell = strdup(shell);
    const char *base = strrchr(shell, '/');
    base = base ? base + 1 : shell;
    l->argv_shell[0] = l->shell;
    /* No rc files: they would replace the prompt that says where the learner is. */
    if (strcmp(base, "bash") == 0) {
        l->argv_shell[1] = "--norc";
        l->argv_shell[2] = "-i";
    } else {
        l->argv_shell[1] = "-i";
    }
}

static void launch_release(struct launch *l)
{
    for (int i = 0; i < LAUNCH_MAX_ENV && l->env[i]; i++)
        free(l->env[i]);
    free(l->data_dir);
    free(l->self_exe);
    free(l->shell);
}

static int check_identity(const struct launch *l, struct err *e)
{
    if (l->mode != SANDBOX_MODE_ROOTLESS)
        return 0;
    unsigned long max = idmap_max_inside(&l->idmap);
    if (l->id.uid > max || l->id.gid > max) {
        if (!l->idmap.ranged)
            return err_set(e, ERR_UNSUPPORTED,
                           "--user %u:%u is not possible in rootless mode without a "
                           "subordinate id range: only root (your own uid) exists inside. Ask "
                           "for a range in /etc/subuid and /etc/subgid (usermod --add-subuids), "
                           "or run caplab with sudo",
                           l->id.uid, l->id.gid);
        return err_set(e, ERR_UNSUPPORTED,
                       "--user %u:%u is outside the ids mapped in this rootless sandbox (0-%lu)",
                       l->id.uid, l->id.gid, max);
    }
    return 0;
}

/* Receive the fd the inside sent with SCM_RIGHTS (the pty master); -1 if none came. */
static int receive_fd(int sock)
{
    char byte;
    struct iovec iov = {.iov_base = &byte, .iov_len = 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.buf,
                         .msg_controllen = sizeof control.buf};
    ssize_t n;
    while ((n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
        ;
    struct cmsghdr *cmsg = n == 1 ? CMSG_FIRSTHDR(&msg) : NULL;
    if (!cmsg || cmsg->cmsg_type != SCM_RIGHTS)
        return -1;
    int fd;
    memcpy(&fd, CMSG_DATA(cmsg), sizeof fd);
    return fd;
}

/* Pipes and pty: child ends are inherited, parent ends are close-on-exec. */
struct channels {
    int sync_w, error_r, status_r, out_r, err_r, pty_sock, pty_master;
};

static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

static int open_channels(struct launch *l, struct channels *ch, struct err *e)
{
    int p[2];
    *ch = (struct channels){-1, -1, -1, -1, -1, -1, -1};
    l->sync_r = l->error_w = l->status_w = l->out_w = l->err_w = l->pty_sock = l->pty_slave = -1;
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, "pipe");
    l->sync_r = p[0], ch->sync_w = p[1];
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, "pipe");
    ch->error_r = p[0], l->error_w = p[1];
    if (pipe2(p, O_CLOEXEC) < 0)
        return err_sys(e, "pipe");
    ch->status_r = p[0], l->status_w = p[1];
    if (l->cfg->io == SANDBOX_IO_CAPTURE && (l->cfg->argv || l->cfg->fn)) {
        if (pipe2(p, O_CLOEXEC) < 0)
            return err_sys(e, "pipe");
        ch->out_r = p[0], l->out_w = p[1];
        if (pipe2(p, O_CLOEXEC) < 0)
            return err_sys(e, "pipe");
        ch->err_r = p[0], l->err_w = p[1];
    }
    if (!l->cfg->argv && !l->cfg->fn) {
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, p) < 0)
            return err_sys(e, "socketpair");
        ch->pty_sock = p[0], l->pty_sock = p[1];
    }
    return 0;
}

static void close_child_ends(struct launch *l)
{
    close_fd(&l->sync_r);
    close_fd(&l->error_w);
    close_fd(&l->status_w);
    close_fd(&l->out_w);
    close_fd(&l->err_w);
    close_fd(&l->pty_sock);
}

static void close_channels(struct channels *ch)
{
    close_fd(&ch->sync_w);
    close_fd(&ch->error_r);
    close_fd(&ch->status_r);
    close_fd(&ch->out_r);
    close_fd(&ch->err_r);
    close_fd(&ch->pty_sock);
    close_fd(&ch->pty_master);
}

/* A growing capture buffer that keeps the first `limit` bytes and counts the rest. */
struct capture {
    char *data;
    size_t len, limit;
    bool truncated;
};

static int capture_read(int fd, struct capture *c)
{
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
        return n < 0 && errno == EINTR ? 1 : 0;
    size_t room = c->limit - c->len;
    size_t take = (size_t)n < room ? (size_t)n : room;
    if (take > 0) {
        char *grown = realloc(c->data, c->len + take + 1);
        if (!grown)
            return 0;
        c->data = grown;
        memcpy(c->data + c->len, buf, take);
        c->len += take;
        c->data[c->len] = '\0';
    }
    if (take < (size_t)n)
        c->truncated = true;
    return 1;
}

static volatile sig_atomic_t parent_signal;
static volatile sig_atomic_t window_changed;

static void parent_on_signal(int sig)
{
    parent_signal = sig;
}

static void parent_on_winch(int sig)
{
    (void)sig;
    window_changed = 1;
}

struct saved_signals {
    struct sigaction term, hup, intr, winch;
};

static void install_parent_signals(struct saved_signals *s, bool shares_terminal)
{
    struct sigaction sa = {.sa_handler = parent_on_signal};
    sigemptyset(&sa.sa_mask);
    parent_signal = 0;
    sigaction(SIGTERM, &sa, &s->term);
    sigaction(SIGHUP, &sa, &s->hup);
    /* Like a shell waiting for its foreground job: when the command shares the terminal,
     * Ctrl-C is for the command. A captured command is detached: Ctrl-C ends the sandbox. */
    struct sigaction ign = {.sa_handler = SIG_IGN};
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, shares_terminal ? &ign : &sa, &s->intr);
    struct sigaction wsa = {.sa_handler = parent_on_winch};
    sigemptyset(&wsa.sa_mask);
    window_changed = 0;
    sigaction(SIGWINCH, &wsa, &s->winch);
}

static void restore_parent_signals(const struct saved_signals *s)
{
    sigaction(SIGTERM, &s->term, NULL);
    sigaction(SIGHUP, &s->hup, NULL);
    sigaction(SIGINT, &s->intr, NULL);
    sigaction(SIGWINCH, &s->winch, NULL);
}

static void copy_window_size(int master)
{
    struct winsize ws;
    if (isatty(0) && ioctl(0, TIOCGWINSZ, &ws) == 0)
        ioctl(master, TIOCSWINSZ, &ws);
}

static void write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return;
        buf += n;
        len -= (size_t)n;
    }
}

/* The event loop of a running sandbox. Returns when the init reported the command's
 * status and the output is drained, or on timeout / a terminating signal. */
struct loop_state {
    struct capture out, err;
    char error_text[1024];
    size_t error_len;
    int status;
    bool have_status;
    bool stdin_open;
};

/* Add fd to the poll set; returns its index, or -1 for a closed fd. */
static int watch(struct pollfd *fds, int *n, int fd)
{
    if (fd < 0)
        return -1;
    fds[*n] = (struct pollfd){.fd = fd, .events = POLLIN};
    return (*n)++;
}

static void pump_once(struct channels *ch, struct loop_state *st, int timeout_ms)
{
    struct pollfd fds[6];
    int n = 0;
    int idx_err = watch(fds, &n, ch->error_r);
    int idx_status = watch(fds, &n, ch->status_r);
    int idx_out = watch(fds, &n, ch->out_r);
    int idx_errout = watch(fds, &n, ch->err_r);
    int idx_pty = watch(fds, &n, ch->pty_master);
    int idx_stdin = ch->pty_master >= 0 && st->stdin_open ? watch(fds, &n, 0) : -1;
    if (poll(fds, (nfds_t)n, timeout_ms) <= 0)
        return;
    if (idx_err >= 0 && fds[idx_err].revents) {
        ssize_t r = read(ch->error_r, st->error_text + st->error_len,
                         sizeof st->error_text - 1 - st->error_len);
        if (r > 0)
            st->error_len += (size_t)r;
        else if (r == 0 || errno != EINTR)
            close_fd(&ch->error_r);
        st->error_text[st->error_len] = '\0';
    }
    if (idx_status >= 0 && fds[idx_status].revents) {
        ssize_t r = read(ch->status_r, &st->status, sizeof st->status);
        if (r == (ssize_t)sizeof st->status)
            st->have_status = true;
        close_fd(&ch->status_r);
    }
    if (idx_out >= 0 && fds[idx_out].revents && !capture_read(ch->out_r, &st->out))
        close_fd(&ch->out_r);
    if (idx_errout >= 0 && fds[idx_errout].revents && !capture_read(ch->err_r, &st->err))
        close_fd(&ch->err_r);
    if (idx_pty >= 0 && fds[idx_pty].revents) {
        char buf[8192];
        ssize_t r = read(ch->pty_master, buf, sizeof buf);
        if (r > 0)
            write_all(1, buf, (size_t)r);
        else if (r == 0 || errno != EINTR)
            close_fd(&ch->pty_master); /* EIO: every holder of the slave is gone */
    }
    if (idx_stdin >= 0 && fds[idx_stdin].revents) {
        char buf[4096];
        ssize_t r = read(0, buf, sizeof buf);
        if (r > 0) {
            write_all(ch->pty_master, buf, (size_t)r);
        } else if (r == 0 || errno != EINTR) {
            st->stdin_open = false;
            write_all(ch->pty_master, "\x04", 1); /* end of input: Ctrl-D for the shell */
        }
    }
}

static bool loop_finished(const struct channels *ch, const struct loop_state *st)
{
    bool streams_open = ch->out_r >= 0 || ch->err_r >= 0 || ch->error_r >= 0;
    if (ch->status_r >= 0)
        return false;
    /* The status pipe closed: with a status, wait for the output to drain; without one,
     * the sandbox died before running the command. */
    return !streams_open || !st->have_status;
}

static void run_loop(pid_t init, const struct sandbox_config *cfg, struct channels *ch,
                     struct loop_state *st, struct sandbox_result *res, double start)
{
    double deadline = cfg->timeout > 0 ? start + cfg->timeout : 0;
    while (!loop_finished(ch, st)) {
        int timeout_ms = 200;
        if (deadline > 0) {
            double left = deadline - now_seconds();
            if (left <= 0) {
                res->timed_out = true;
                kill(init, SIGKILL);
                break;
            }
            if (left * 1000 < timeout_ms)
                timeout_ms = (int)(left * 1000) + 1;
        }
        if (parent_signal) {
            kill(init, SIGKILL);
            break;
        }
        if (!st->stdin_open && ch->pty_master >= 0) {
            /* Input ended (not a terminal): keep saying end-of-file until the shell, which
             * may have discarded an early Ctrl-D while setting up its line editor, exits. */
            write_all(ch->pty_master, "\x04", 1);
        }
        if (window_changed && ch->pty_master >= 0) {
            window_changed = 0;
            copy_window_size(ch->pty_master);
        }
        pump_once(ch, st, timeout_ms);
    }
    if (ch->pty_master >= 0) {
        /* Drain what the shell printed last. */
        int flags = fcntl(ch->pty_master, F_GETFL);
        fcntl(ch->pty_master, F_SETFL, flags | O_NONBLOCK);
        char buf[8192];
        ssize_t r;
        while ((r = read(ch->pty_master, buf, sizeof buf)) > 0)
            write_all(1, buf, (size_t)r);
    }
}

static void fill_status(struct sandbox_result *res, const struct loop_state *st)
{
    if (res->timed_out) {
        res->term_signal = SIGKILL;
        res->exit_code = SANDBOX_EXIT_TIMEOUT;
    } else if (WIFSIGNALED(st->status)) {
        res->term_signal = WTERMSIG(st->status);
        res->exit_code = 128 + res->term_signal;
    } else {
        res->exit_code = WEXITSTATUS(st->status);
    }
}

static pid_t clone_sandbox(const struct launch *l)
{
    int flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC |
                CLONE_NEWCGROUP | SIGCHLD;
    if (l->mode == SANDBOX_MODE_ROOTLESS)
        flags |= CLONE_NEWUSER;
    /* Raw clone with no stack: fork semantics, plus the new namespaces, in one step
     * (a pid namespace only applies to children, so unshare() alone would not do). */
    return (pid_t)syscall(SYS_clone, (unsigned long)flags, NULL, NULL, NULL, NULL);
}

static int explain_clone_failure(int saved, enum sandbox_mode mode, struct err *e)
{
    if (saved == EPERM || saved == ENOSPC || saved == EACCES || saved == EINVAL ||
        saved == EUSERS) {
        struct sandbox_support s;
        memset(&s, 0, sizeof s);
        nssupport_explain_refusal(&s, saved, mode == SANDBOX_MODE_ROOTLESS);
        return err_set(e, ERR_NAMESPACES, "%s", s.reason);
    }
    errno = saved;
    return err_sys(e, "cannot create the sandbox's namespaces");
}

static void print_banner(const struct launch *l)
{
    if (l->cfg->quiet)
        return;
    char *names = caps_to_names(l->cfg->caps, ",", false);
    char who[80];
    if (l->id.name[0])
        snprintf(who, sizeof who, "%s", l->id.name);
    else
        snprintf(who, sizeof who, "uid %u", l->id.uid);
    fprintf(stderr,
            "caplab: sandbox shell (%s, %s) with %u capabilities: %s\n"
            "caplab: type 'exit' or press Ctrl-D to come back\n",
            sandbox_mode_name(l->mode), who, caps_count(l->cfg->caps),
            names && *names ? names : "(none)");
    free(names);
}

static int prepare_launch(const struct sandbox_config *cfg, struct launch *l, struct err *e)
{
    memset(l, 0, sizeof *l);
    l->cfg = cfg;
    l->mode = sandbox_effective_mode(cfg->mode);
    if (l->mode == SANDBOX_MODE_PRIVILEGED && geteuid() != 0)
        return err_set(e, ERR_UNSUPPORTED,
                       "privileged mode needs root: run caplab with sudo, or use --mode "
                       "rootless");
    if (cfg->argv && cfg->fn)
        return err_set(e, ERR_USAGE, "a sandbox runs a command or a function, not both");
    if (cfg->argv && !cfg->argv[0])
        return err_set(e, ERR_USAGE, "empty command");
    if (privs_resolve_user(cfg->user, &l->id, e) < 0)
        return -1;
    if (l->mode == SANDBOX_MODE_ROOTLESS)
        idmap_plan_for_caller(&l->idmap);
    if (check_identity(l, e) < 0)
        return -1;
    l->data_dir = paths_data_dir();
    if (l->data_dir && access(l->data_dir, R_OK | X_OK) != 0) {
        free(l->data_dir);
        l->data_dir = NULL;
    }
    l->self_exe = paths_self_exe();
    choose_shell(l);
    return build_env(l, e);
}

int sandbox_run(const struct sandbox_config *cfg, struct sandbox_result *res, struct err *e)
{
    struct launch l;
    struct channels ch = {-1, -1, -1, -1, -1, -1, -1};
    struct loop_state st = {.stdin_open = true};
    struct saved_signals saved;
    struct termios saved_tty;
    bool tty_raw = false;
    int rc = -1;

    memset(res, 0, sizeof *res);
    size_t limit = cfg->capture_limit ? cfg->capture_limit : DEFAULT_CAPTURE;
    st.out.limit = st.err.limit = limit;
    if (prepare_launch(cfg, &l, e) < 0)
        goto out_launch;
    res->mode = l.mode;
    if (open_channels(&l, &ch, e) < 0)
        goto out_channels;

    bool interactive = ch.pty_sock >= 0;
    if (interactive)
        print_banner(&l);
    fflush(NULL);
    double start = now_seconds();
    pid_t init = clone_sandbox(&l);
    if (init < 0) {
        explain_clone_failure(errno, l.mode, e);
        goto out_channels;
    }
    if (init == 0)
        inside_main(&l);

    close_child_ends(&l);
    install_parent_signals(&saved, interactive || cfg->io == SANDBOX_IO_INHERIT);
    if (l.mode == SANDBOX_MODE_ROOTLESS && l.idmap.ranged &&
        idmap_apply_ranged(&l.idmap, init, e) < 0) {
        kill(init, SIGKILL);
        waitpid(init, NULL, 0);
        restore_parent_signals(&saved);
        goto out_channels;
    }
    if (write(ch.sync_w, "g", 1) != 1)
        kill(init, SIGKILL);
    close_fd(&ch.sync_w);
    if (interactive) {
        /* -1 when the sandbox failed first: its error pipe says why. */
        ch.pty_master = receive_fd(ch.pty_sock);
        close_fd(&ch.pty_sock);
        if (ch.pty_master >= 0)
            copy_window_size(ch.pty_master);
    }

    if (interactive && isatty(0) && tcgetattr(0, &saved_tty) == 0) {
        struct termios raw = saved_tty;
        cfmakeraw(&raw);
        tty_raw = tcsetattr(0, TCSANOW, &raw) == 0;
    }
    run_loop(init, cfg, &ch, &st, res, start);
    if (tty_raw)
        tcsetattr(0, TCSANOW, &saved_tty);

    res->seconds = now_seconds() - start;
    int init_status;
    wait_retrying(init, &init_status);
    restore_parent_signals(&saved);

    if (!st.have_status && !res->timed_out && !parent_signal) {
        while (st.error_len > 0 && st.error_text[st.error_len - 1] == '\n')
            st.error_text[--st.error_len] = '\0';
        if (st.error_len > 0)
            err_set(e, ERR_SYSTEM, "the sandbox could not start: %s%s", st.error_text,
                    strstr(st.error_text, "Resource temporarily unavailable")
                        ? " (the limit on processes, `ulimit -u`, may be reached)"
                        : "");
        else if (WIFSIGNALED(init_status))
            err_set(e, ERR_SYSTEM,
                    "the sandbox's init was killed by signal %d (%s) before the command's "
                    "status was known",
                    WTERMSIG(init_status), strsignal(WTERMSIG(init_status)));
        else
            err_set(e, ERR_SYSTEM, "the sandbox ended before its command started");
        goto out_channels;
    }
    if (parent_signal && !st.have_status) {
        res->term_signal = parent_signal;
        res->exit_code = 128 + parent_signal;
    } else {
        fill_status(res, &st);
    }
    res->out = st.out.data, res->out_len = st.out.len, res->out_truncated = st.out.truncated;
    res->errout = st.err.data, res->err_len = st.err.len, res->err_truncated = st.err.truncated;
    st.out.data = st.err.data = NULL;
    rc = 0;
    if (parent_signal) {
        /* Pass the signal on to the caller's handler, now that nothing is left behind. */
        int sig = parent_signal;
        parent_signal = 0;
        raise(sig);
    }

out_channels:
    close_child_ends(&l);
    close_channels(&ch);
out_launch:
    free(st.out.data);
    free(st.err.data);
    launch_release(&l);
    return rc;
}

void sandbox_result_release(struct sandbox_result *res)
{
    if (!res)
        return;
    free(res->out);
    free(res->errout);
    res->out = res->errout = NULL;
}
