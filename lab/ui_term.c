/*
 * ui_term: taking the terminal and giving it back on every path.
 *
 *   - normal exit: ui_term_close() (endwin), also registered with atexit();
 *   - SIGINT, SIGTERM, SIGHUP: the handler only records the signal; the main loop
 *     (which wakes at least every 250 ms) sees it, closes curses and returns 128+N.
 *     While a sandbox shell has the terminal, SIGINT belongs to the shell and is
 *     ignored here; SIGTERM/SIGHUP then restore the saved terminal modes with
 *     async-signal-safe calls and die by the same signal (the sandbox kills its
 *     children when caplab dies);
 *   - crashes (SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT): the handler restores the
 *     terminal modes and writes the terminal's "leave full screen" and "show cursor"
 *     strings (prepared at start-up), then re-raises the signal.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "ui_priv.h"

#include <term.h> /* after the others: it defines macros such as `lines` */

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t in_child; /* a shell has the terminal */
static volatile sig_atomic_t curses_active;
static volatile sig_atomic_t in_long_action;
static volatile sig_atomic_t long_cancelled;
static struct termios saved_modes;
static bool have_saved_modes;
static char leave_seq[128]; /* rmcup + cnorm + sgr0, for the crash path */
static size_t leave_len;
static SCREEN *screen;

static void restore_modes_async(void)
{
    if (have_saved_modes)
        tcsetattr(STDIN_FILENO, TCSANOW, &saved_modes);
    if (leave_len)
        (void)!write(STDOUT_FILENO, leave_seq, leave_len);
}

static void on_stop(int sig)
{
    if (in_child) {
        if (sig == SIGINT)
            return; /* Ctrl-C belongs to the shell */
        restore_modes_async();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    }
    if (in_long_action && sig == SIGINT) {
        long_cancelled = 1; /* the sandbox of the running check ends on it too */
        return;
    }
    stop_signal = sig;
}

static void on_crash(int sig)
{
    if (curses_active || in_child)
        restore_modes_async();
    signal(sig, SIG_DFL);
    raise(sig);
}

static void install_handlers(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop; /* no SA_RESTART: a blocked read returns to the loop */
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    sa.sa_handler = on_crash;
    sa.sa_flags = (int)SA_RESETHAND;
    int crashes[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (size_t i = 0; i < sizeof crashes / sizeof crashes[0]; i++)
        sigaction(crashes[i], &sa, NULL);
}

static void append_cap(const char *name)
{
    char *s = tigetstr(name);
    if (!s || s == (char *)-1)
        return;
    size_t n = strlen(s);
    if (leave_len + n < sizeof leave_seq) {
        memcpy(leave_seq + leave_len, s, n);
        leave_len += n;
    }
}

static void at_exit(void)
{
    ui_term_close();
}

int ui_term_stop_signal(void)
{
    return stop_signal;
}

int ui_term_open(struct ui *ui, struct err *e)
{
    const char *term = getenv("TERM");
    if (!term || !*term)
        return err_set(e, ERR_UNSUPPORTED,
                       "TERM is not set, so the tutor cannot tell how to draw on this terminal "
                       "(try TERM=xterm-256color)");
    /* Ask terminfo first: a failed newterm() leaks inside ncurses. */
    int found = 0;
    if (setupterm(term, STDOUT_FILENO, &found) != OK)
        return err_set(e, ERR_UNSUPPORTED,
                       found == 0 ? "the terminal type TERM=%s is unknown here (no terminfo "
                                    "entry); try TERM=xterm-256color"
                                  : "the terminal type TERM=%s cannot be looked up (no terminfo "
                                    "database); try TERM=xterm-256color",
                       term);
    char *cup = tigetstr("cup");
    bool addressable = cup && cup != (char *)-1;
    del_curterm(cur_term);
    if (!addressable)
        return err_set(e, ERR_UNSUPPORTED,
                       "the terminal type TERM=%s cannot move the cursor, and the tutor draws "
                       "full screens; use a terminal such as xterm or set TERM=xterm-256color",
                       term);
    if (tcgetattr(STDIN_FILENO, &saved_modes) == 0)
        have_saved_modes = true;
    install_handlers();
    screen = newterm(NULL, stdout, stdin);
    if (!screen)
        return err_set(e, ERR_UNSUPPORTED, "cannot start curses on this terminal (TERM=%s)", term);
    set_term(screen);
    curses_active = 1;
    atexit(at_exit);
    append_cap("rmcup");
    append_cap("cnorm");
    append_cap("sgr0");

    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    set_escdelay(25);
    timeout(250);
    curs_set(0);
    ui_colors_init(ui);
    getmaxyx(stdscr, ui->rows, ui->cols);
    return 0;
}

void ui_term_close(void)
{
    if (!curses_active)
        return;
    curses_active = 0;
    curs_set(1);
    endwin();
    if (screen) {
        delscreen(screen);
        screen = NULL;
    }
}

/* Esc typed during a long action cancels it; a resize redraws; other keys are dropped. */
static bool poll_keys(struct ui *ui)
{
    bool cancel = false;
    int ch;
    while ((ch = getch()) != ERR) {
        if (ch == 27) {
            cancel = true;
        } else if (ch == KEY_RESIZE) {
            ui_term_update_size(ui);
            ui_draw(ui);
        }
    }
    return cancel;
}

int ui_term_run_worker(struct ui *ui, void (*work)(void *arg, void *result), void *arg,
                       void *result, size_t size)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return -1;
    long_cancelled = 0;
    in_long_action = 1;
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        in_long_action = 0;
        return -1;
    }
    if (pid == 0) {
        /* The worker: default signals (SIGTERM from the tutor ends it, and the sandbox
         * under it), no curses, no atexit handlers. */
        signal(SIGINT, SIG_DFL);
        signal(SIGTERM, SIG_DFL);
        signal(SIGHUP, SIG_DFL);
        curses_active = 0; /* a crash here must not reset the parent's screen */
        in_child = 0;
        close(fds[0]);
        void *buf = calloc(1, size);
        if (buf) {
            work(arg, buf);
            const char *p = buf;
            for (size_t left = size; left > 0;) {
                ssize_t n = write(fds[1], p, left);
                if (n < 0 && errno == EINTR)
                    continue;
                if (n <= 0)
                    break;
                p += n;
                left -= (size_t)n;
            }
        }
        _exit(buf ? 0 : 1);
    }
    close(fds[1]);
    size_t got = 0;
    int rc = 0;
    timeout(100);
    while (got < size) {
        if (stop_signal) {
            rc = UI_WORK_STOPPED;
            break;
        }
        if (long_cancelled || poll_keys(ui)) {
            rc = UI_WORK_CANCELLED;
            break;
        }
        struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        ssize_t n = read(fds[0], (char *)result + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1; /* the worker died before it said anything */
            break;
        }
        got += (size_t)n;
    }
    if (rc != 0)
        kill(pid, SIGTERM);
    close(fds[0]);
    while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
        ;
    timeout(250);
    flushinp();
    in_long_action = 0;
    return rc;
}

void ui_term_suspend(void)
{
    def_prog_mode();
    curs_set(1);
    endwin();
    in_child = 1;
}

void ui_term_update_size(struct ui *ui)
{
    struct winsize ws;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0 &&
        (ws.ws_row != LINES || ws.ws_col != COLS))
        resizeterm(ws.ws_row, ws.ws_col);
    getmaxyx(stdscr, ui->rows, ui->cols);
}

void ui_term_resume(struct ui *ui)
{
    in_child = 0;
    /* The child may have left the terminal in any mode: start again from ours. */
    reset_prog_mode();
    ui_term_update_size(ui);
    curs_set(ui->editing ? 1 : 0);
    clearok(curscr, TRUE);
    refresh();
}
