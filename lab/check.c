/*
 * check: run a lesson check in its sandbox and compare with the expectation (see check.h).
 */
#include "check.h"

#include "capinfo.h"
#include "probes.h"

#include <ctype.h>
#include <errno.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------ text helpers -- */

/* Append to a NUL-terminated buffer of size n, never overflowing. */
__attribute__((format(printf, 3, 4))) static void append(char *buf, size_t n, const char *fmt, ...)
{
    size_t len = strnlen(buf, n);
    if (len + 1 >= n)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + len, n - len, fmt, ap);
    va_end(ap);
}

/* snprintf for messages that may be cut: a cut sentence is fine here. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

/* Copy src into dst (size n), marking a cut with "...". */
static void copy_cut(char *dst, size_t n, const char *src)
{
    if (n == 0)
        return;
    if (!src)
        src = "";
    size_t len = strlen(src);
    if (len < n) {
        memcpy(dst, src, len + 1);
        return;
    }
    memcpy(dst, src, n - 4);
    memcpy(dst + n - 4, "...", 4);
}

static const char *errno_name(int err_no)
{
    const char *name = err_no ? strerrorname_np(err_no) : NULL;
    return name ? name : "an unknown errno";
}

const char *check_status_name(enum check_status s)
{
    switch (s) {
    case CHECK_PASS:
        return "pass";
    case CHECK_FAIL:
        return "FAIL";
    case CHECK_MISSING_TOOL:
        return "missing tool";
    case CHECK_SKIPPED:
        return "skipped";
    case CHECK_UNSUPPORTED:
        return "unsupported";
    case CHECK_ERROR:
        return "error";
    }
    return "?";
}

/* ---------------------------------------------------------------------- matcher -- */

static bool observed_success(const struct check_observed *o)
{
    if (o->is_probe)
        return o->err_no == 0 && o->exit_code == 0;
    return o->exit_code == 0 && o->term_signal == 0 && !o->timed_out;
}

/* Search pattern in text (NULL: ""). Returns 1 match, 0 no match, -1 bad regex. */
static int regex_search(const char *pattern, const char *text, char *why, size_t n)
{
    regex_t re;
    int rc = regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc != 0) {
        char msg[128];
        regerror(rc, &re, msg, sizeof msg);
        if (why)
            say(why, n, "the pattern /%s/ is not a valid regular expression: %s", pattern, msg);
        return -1;
    }
    rc = regexec(&re, text ? text : "", 0, NULL, 0);
    regfree(&re);
    return rc == 0;
}

static bool fail_why(char *why, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static bool fail_why(char *why, size_t n, const char *fmt, ...)
{
    if (why && n) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, n, fmt, ap);
        va_end(ap);
    }
    return false;
}

bool check_expect_match(const struct lesson_expect *x, const struct check_observed *o, char *why,
                        size_t n)
{
    const char *what = o->is_probe ? "the probe" : "the command";
    if (why && n)
        why[0] = '\0';
    if (o->timed_out && x->exit_code != SANDBOX_EXIT_TIMEOUT)
        return fail_why(why, n, "%s did not finish in time, so it proves nothing", what);
    bool ok = observed_success(o);
    if (x->outcome == OUTCOME_SUCCESS && !ok)
        return fail_why(why, n, "%s failed, but it should have succeeded", what);
    if (x->outcome == OUTCOME_FAILURE && ok)
        return fail_why(why, n, "%s succeeded, but it should have failed", what);
    if (x->exit_code >= 0 && o->exit_code != x->exit_code)
        return fail_why(why, n, "the exit status was %d, not %d", o->exit_code, x->exit_code);
    if (x->err_no && !o->is_probe) {
        /* A command reports an errno through its message: strerror's text in stderr. */
        const char *text = strerror(x->err_no);
        if (!strcasestr(o->err ? o->err : "", text))
            return fail_why(why, n, "stderr does not say \"%s\" (%s)", text, errno_name(x->err_no));
    } else if (x->err_no) {
        if (o->err_no != x->err_no)
            return fail_why(why, n, "the probe reported %s, not %s",
                            o->err_no ? errno_name(o->err_no) : "success", errno_name(x->err_no));
    }
    if (x->stdout_re) {
        int m = regex_search(x->stdout_re, o->out, why, n);
        if (m < 0)
            return false;
        if (m == 0)
            return fail_why(why, n, "stdout does not match /%s/", x->stdout_re);
    }
    if (x->stderr_re) {
        int m = regex_search(x->stderr_re, o->err, why, n);
        if (m < 0)
            return false;
        if (m == 0)
            return fail_why(why, n, "stderr does not match /%s/", x->stderr_re);
    }
    return true;
}

void check_expect_describe(const struct lesson_expect *x, bool is_probe, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    const char *what = is_probe ? "the probe" : "the command";
    switch (x->outcome) {
    case OUTCOME_SUCCESS:
        append(buf, n, "Expected: %s succeeds", what);
        break;
    case OUTCOME_FAILURE:
        append(buf, n, "Expected: %s fails", what);
        break;
    case OUTCOME_ANY:
        append(buf, n, "Expected: %s ends", what);
        break;
    }
    const char *sep = " with";
    if (x->exit_code >= 0 && !(x->outcome == OUTCOME_SUCCESS && x->exit_code == 0)) {
        append(buf, n, "%s exit status %d", sep, x->exit_code);
        sep = ",";
    }
    if (x->err_no) {
        append(buf, n, "%s errno %s", sep, errno_name(x->err_no));
        sep = ",";
    }
    if (x->stdout_re) {
        append(buf, n, "%s stdout matching /%s/", sep, x->stdout_re);
        sep = ",";
    }
    if (x->stderr_re)
        append(buf, n, "%s stderr matching /%s/", sep, x->stderr_re);
    append(buf, n, ".");
}

/* --------------------------------------------------------------- what happened -- */

static bool line_says_refused(const char *line, size_t len)
{
    static const char *const phrases[] = {"not permitted", "denied", "not found",
                                          "must be root",  "cannot", "unable"};
    for (size_t i = 0; i < sizeof phrases / sizeof phrases[0]; i++) {
        size_t pl = strlen(phrases[i]);
        for (size_t k = 0; k + pl <= len; k++)
            if (strncasecmp(line + k, phrases[i], pl) == 0)
                return true;
    }
    return false;
}

void check_relevant_line(const char *errout, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    if (!errout)
        return;
    const char *last = NULL;
    size_t last_len = 0;
    for (const char *p = errout; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        if (len > 0 && line_says_refused(p, len)) {
            last = p, last_len = len;
            break;
        }
        bool blank = true;
        for (size_t k = 0; k < len && blank; k++)
            blank = isspace((unsigned char)p[k]) != 0;
        if (!blank)
            last = p, last_len = len;
        p = nl ? nl + 1 : p + len;
    }
    if (!last)
        return;
    size_t take = last_len < n - 1 ? last_len : n - 1;
    memcpy(buf, last, take);
    buf[take] = '\0';
    if (take < last_len && n > 4)
        memcpy(buf + n - 4, "...", 4);
}

void check_describe_observed(const struct check_observed *o, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    if (o->is_probe) {
        if (o->err_no)
            say(buf, n, "The probe was refused with %s (%s).", errno_name(o->err_no),
                strerror(o->err_no));
        else if (o->exit_code == 0)
            say(buf, n, "The probe succeeded.");
        else
            say(buf, n, "The probe failed (status %d).", o->exit_code);
        return;
    }
    char line[CHECK_TEXT];
    check_relevant_line(o->err, line, sizeof line);
    if (o->timed_out)
        say(buf, n, "It did not finish in time and was stopped.");
    else if (o->term_signal)
        say(buf, n, "It was killed by signal %d (SIG%s).", o->term_signal,
            sigabbrev_np(o->term_signal) ? sigabbrev_np(o->term_signal) : "?");
    else if (o->exit_code == 0)
        say(buf, n, "It succeeded (exit status 0).");
    else
        say(buf, n, "It failed with exit status %d.", o->exit_code);
    if (line[0])
        append(buf, n, " stderr: %s", line);
}

bool check_is_refusal(const struct check_observed *o)
{
    if (o->is_probe)
        return o->err_no == EPERM || o->err_no == EACCES;
    if (o->exit_code == 0 || o->timed_out)
        return false;
    if (o->exit_code == 126)
        return true;
    const char *e = o->err ? o->err : "";
    return strcasestr(e, "Operation not permitted") || strcasestr(e, "Permission denied");
}

/* ---------------------------------------------------- capability hints and tools -- */

/* Programs lessons use, the capabilities they typically need, the capability whose
 * built-in probe shows the same thing, and the Debian package that ships them. */
static const struct command_hint {
    const char *name;
    const char *caps;    /* comma-separated */
    const char *probe;   /* NULL: no probe alternative */
    const char *package; /* NULL: unknown */
} command_hints[] = {
    {"chown", "CHOWN", "CHOWN", "coreutils"},
    {"chgrp", "CHOWN", "CHOWN", "coreutils"},
    {"chmod", "FOWNER,FSETID", "FOWNER", "coreutils"},
    {"cat", "DAC_OVERRIDE,DAC_READ_SEARCH", "DAC_OVERRIDE", "coreutils"},
    {"rm", "DAC_OVERRIDE,FOWNER", "DAC_OVERRIDE", "coreutils"},
    {"touch", "DAC_OVERRIDE", "DAC_OVERRIDE", "coreutils"},
    {"mknod", "MKNOD", "MKNOD", "coreutils"},
    {"chroot", "SYS_CHROOT", "SYS_CHROOT", "coreutils"},
    {"date", "SYS_TIME", "SYS_TIME", "coreutils"},
    {"nice", "SYS_NICE", "SYS_NICE", "coreutils"},
    {"renice", "SYS_NICE", "SYS_NICE", "bsdutils"},
    {"chrt", "SYS_NICE", "SYS_NICE", "util-linux"},
    {"ping", "NET_RAW", "NET_RAW", "iputils-ping"},
    {"arping", "NET_RAW", "NET_RAW", "iputils-arping"},
    {"traceroute", "NET_RAW", "NET_RAW", "traceroute"},
    {"tcpdump", "NET_RAW,NET_ADMIN", "NET_RAW", "tcpdump"},
    {"nc", "NET_BIND_SERVICE", "NET_BIND_SERVICE", "netcat-openbsd"},
    {"netcat", "NET_BIND_SERVICE", "NET_BIND_SERVICE", "netcat-openbsd"},
    {"ncat", "NET_BIND_SERVICE", "NET_BIND_SERVICE", "ncat"},
    {"socat", "NET_BIND_SERVICE", "NET_BIND_SERVICE", "socat"},
    {"listen-check", "NET_BIND_SERVICE", "NET_BIND_SERVICE", NULL},
    {"ip", "NET_ADMIN", "NET_ADMIN", "iproute2"},
    {"ifconfig", "NET_ADMIN", "NET_ADMIN", "net-tools"},
    {"iptables", "NET_ADMIN", "NET_ADMIN", "iptables"},
    {"tc", "NET_ADMIN", "NET_ADMIN", "iproute2"},
    {"su", "SETUID,SETGID", "SETUID", "util-linux"},
    {"setpriv", "SETUID,SETGID", "SETUID", "util-linux"},
    {"runuser", "SETUID,SETGID", "SETUID", "util-linux"},
    {"newgrp", "SETGID", "SETGID", "login"},
    {"mount", "SYS_ADMIN", "SYS_ADMIN", "mount"},
    {"umount", "SYS_ADMIN", "SYS_ADMIN", "mount"},
    {"hostname", "SYS_ADMIN", "SYS_ADMIN", "hostname"},
    {"unshare", "SYS_ADMIN", "SYS_ADMIN", "util-linux"},
    {"kill", "KILL", "KILL", "procps"},
    {"pkill", "KILL", "KILL", "procps"},
    {"strace", "SYS_PTRACE", "SYS_PTRACE", "strace"},
    {"gdb", "SYS_PTRACE", "SYS_PTRACE", "gdb"},
    {"dmesg", "SYSLOG", "SYSLOG", "util-linux"},
    {"chattr", "LINUX_IMMUTABLE", "LINUX_IMMUTABLE", "e2fsprogs"},
    {"setcap", "SETFCAP", "SETFCAP", "libcap2-bin"},
    {"getcap", NULL, NULL, "libcap2-bin"},
    {"capsh", NULL, NULL, "libcap2-bin"},
    {"apt-get", "SETUID,SETGID,DAC_OVERRIDE,CHOWN,FSETID", NULL, "apt"},
    {"apt", "SETUID,SETGID,DAC_OVERRIDE,CHOWN,FSETID", NULL, "apt"},
    {"dpkg", "CHOWN,FSETID", NULL, "dpkg"},
    {"dpkg-deb", NULL, NULL, "dpkg"},
};

/* Error messages and what they point at; `also` (if set) must appear in the message too. */
static const struct message_hint {
    const char *phrase;
    const char *also;
    const char *caps;
} message_hints[] = {
    {"changing ownership", NULL, "CHOWN"},
    {"changing group", NULL, "CHOWN"},
    {"error setting ownership", NULL, "CHOWN"},
    {"changing permissions", NULL, "FOWNER"},
    {"cannot remove", "not permitted", "FOWNER"},
    {"cannot remove", "denied", "DAC_OVERRIDE"},
    {"cannot create", "denied", "DAC_OVERRIDE"},
    {"cannot open", "denied", "DAC_OVERRIDE,DAC_READ_SEARCH"},
    {"fopen", "denied", "DAC_OVERRIDE"},
    {"rename failed", "denied", "DAC_OVERRIDE"},
    {"cannot set groups", NULL, "SETGID"},
    {"setgroups", NULL, "SETGID"},
    {"setegid", NULL, "SETGID"},
    {"setresgid", NULL, "SETGID"},
    {"setregid", NULL, "SETGID"},
    {"setgid", NULL, "SETGID"},
    {"seteuid", NULL, "SETUID"},
    {"setresuid", NULL, "SETUID"},
    {"setreuid", NULL, "SETUID"},
    {"setuid", NULL, "SETUID"},
    {"socket:", "not permitted", "NET_RAW"},
    {"raw socket", NULL, "NET_RAW"},
    {"ping:", "not permitted", "NET_RAW"},
    {"bind", NULL, "NET_BIND_SERVICE"},
    {"nc:", "denied", "NET_BIND_SERVICE"},
    {"host name", NULL, "SYS_ADMIN"},
    {"sethostname", NULL, "SYS_ADMIN"},
    {"mount", NULL, "SYS_ADMIN"},
    {"mknod", NULL, "MKNOD"},
    {"chroot", NULL, "SYS_CHROOT"},
    {"ptrace", NULL, "SYS_PTRACE"},
    {"settimeofday", NULL, "SYS_TIME"},
    {"clock_settime", NULL, "SYS_TIME"},
    {"setpriority", NULL, "SYS_NICE"},
    {"klogctl", NULL, "SYSLOG"},
    {"kill", NULL, "KILL"},
};

static capmask parse_caps_list(const char *list)
{
    capmask set = 0;
    if (!list)
        return 0;
    char name[64];
    for (const char *p = list; *p;) {
        size_t len = strcspn(p, ",");
        if (len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            unsigned cap;
            struct err e = {0};
            if (caps_parse(name, &cap, &e) == 0)
                set |= CAPS_BIT(cap);
        }
        p += len;
        if (*p == ',')
            p++;
    }
    return set;
}

/* CAP_ names written in a message ("unable to set CAP_SETFCAP", "missing cap_net_raw+p"). */
static capmask explicit_caps(const char *message)
{
    capmask set = 0;
    for (const char *p = message; (p = strcasestr(p, "cap_")) != NULL;) {
        if (p > message && (isalnum((unsigned char)p[-1]) || p[-1] == '_')) {
            p += 4;
            continue;
        }
        size_t len = 4;
        while (isalnum((unsigned char)p[len]) || p[len] == '_')
            len++;
        char name[64];
        if (len < sizeof name) {
            memcpy(name, p, len);
            name[len] = '\0';
            unsigned cap;
            struct err e = {0};
            if (caps_parse(name, &cap, &e) == 0)
                set |= CAPS_BIT(cap);
        }
        p += len;
    }
    return set;
}

static capmask message_caps(const char *message)
{
    capmask set = 0;
    for (size_t i = 0; i < sizeof message_hints / sizeof message_hints[0]; i++) {
        const struct message_hint *h = &message_hints[i];
        if (strcasestr(message, h->phrase) && (!h->also || strcasestr(message, h->also)))
            set |= parse_caps_list(h->caps);
    }
    return set;
}

static const struct command_hint *find_command_hint(const char *name)
{
    const char *base = strrchr(name, '/');
    base = base ? base + 1 : name;
    for (size_t i = 0; i < sizeof command_hints / sizeof command_hints[0]; i++)
        if (strcmp(command_hints[i].name, base) == 0)
            return &command_hints[i];
    return NULL;
}

/* Does a phrase of the reference data's "commands" list name `program`? Each phrase is split
 * on commas, slashes and parentheses; the first word of each part is a program:
 * "kill / pkill / killall of another user's process" names kill, pkill and killall. */
static bool phrase_names(const char *phrase, const char *program)
{
    size_t len = strlen(program);
    for (const char *p = phrase; *p;) {
        p += strspn(p, " ,/()");
        if (strncmp(p, program, len) == 0 && strchr(" ,/()", p[len]))
            return true;
        p += strcspn(p, ",/()");
    }
    return false;
}

/* The capabilities whose "commands" in the reference data (capinfo.h) name this program.
 * Without the data (not installed), the built-in table above is all there is. */
static capmask reference_data_caps(const char *program)
{
    const struct capinfo *info = capinfo_default(NULL);
    if (!info)
        return 0;
    const char *base = strrchr(program, '/');
    base = base ? base + 1 : program;
    if (!*base)
        return 0;
    capmask set = 0;
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        const struct capinfo_entry *entry = capinfo_get(info, cap);
        for (size_t i = 0; entry && i < entry->n_commands; i++)
            if (phrase_names(entry->commands[i], base))
                set |= CAPS_BIT(cap);
    }
    return set;
}

/* The programs a shell command names: every word, split on shell punctuation. */
static capmask command_caps(const char *command)
{
    capmask set = 0;
    char word[256];
    for (const char *p = command; *p;) {
        size_t len = strcspn(p, " \t\n;|&(){}<>`$\"'=!");
        if (len > 0 && len < sizeof word) {
            memcpy(word, p, len);
            word[len] = '\0';
            const struct command_hint *h = find_command_hint(word);
            if (h)
                set |= parse_caps_list(h->caps);
            set |= reference_data_caps(word);
        }
        p += len;
        if (*p)
            p++;
    }
    return set;
}

capmask check_hinted_caps(const char *command, const char *message)
{
    return explicit_caps(message ? message : "") | message_caps(message ? message : "") |
           command_caps(command ? command : "");
}

static void append_cap_names(char *buf, size_t n, capmask set)
{
    char *names = caps_to_names(set, ", ", true);
    append(buf, n, "%s", names ? names : "?");
    free(names);
}

capmask check_likely_caps(const char *command, const char *message, capmask lacking, bool non_root,
                          char *buf, size_t n)
{
    if (n)
        buf[0] = '\0';
    if (!message)
        message = "";
    if (!command)
        command = "";
    /* Strongest evidence first: a capability the message names, then what the message is
     * about, then the programs the command runs. */
    const capmask tiers[] = {explicit_caps(message), message_caps(message), command_caps(command)};
    capmask hinted = 0;
    for (size_t i = 0; i < sizeof tiers / sizeof tiers[0]; i++) {
        hinted |= tiers[i];
        capmask likely = tiers[i] & lacking;
        if (!likely)
            continue;
        append(buf, n, "Likely cause: ");
        append_cap_names(buf, n, likely);
        if (non_root)
            append(buf, n,
                   " (the command runs as a non-root user, which holds no "
                   "capabilities in effect).");
        else
            append(buf, n, " %s missing from this sandbox.",
                   caps_count(likely) == 1 ? "is" : "are");
        return likely;
    }
    if (hinted) {
        append(buf, n, "The sandbox holds ");
        append_cap_names(buf, n, hinted);
        append(buf, n,
               ", so the refusal comes from elsewhere: file modes and owners, a "
               "sysctl, the user namespace or a security module.");
        return 0;
    }
    capmask dropped = lacking & caps_docker_defaults();
    if (!non_root && dropped && caps_count(dropped) <= 3) {
        append(buf, n, "The sandbox lacks ");
        append_cap_names(buf, n, dropped);
        append(buf, n, " of Docker's defaults; %s the likely cause.",
               caps_count(dropped) == 1 ? "that is" : "one of them is");
        return dropped;
    }
    return 0;
}

bool check_tool_exists(const char *tool)
{
    struct stat st;
    if (strchr(tool, '/'))
        return stat(tool, &st) == 0 && S_ISREG(st.st_mode) && access(tool, X_OK) == 0;
    char path[4096];
    const char *dirs = CHECK_SANDBOX_PATH;
    for (const char *p = dirs; *p;) {
        size_t len = strcspn(p, ":");
        if (snprintf(path, sizeof path, "%.*s/%s", (int)len, p, tool) < (int)sizeof path &&
            stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0)
            return true;
        p += len;
        if (*p == ':')
            p++;
    }
    return false;
}

void check_missing_tool_note(const char *tool, char *buf, size_t n)
{
    if (n == 0)
        return;
    buf[0] = '\0';
    const struct command_hint *h = find_command_hint(tool);
    append(buf, n,
           "%s is not installed here (not found in %s), so this check cannot say "
           "anything.",
           tool, CHECK_SANDBOX_PATH);
    if (h && h->probe)
        append(buf, n, " `caplab probe %s` shows the same thing without %s.", h->probe, tool);
    if (h && h->package)
        append(buf, n, " To run the check itself, install %s (Debian package %s).", tool,
               h->package);
}

/* The program the shell could not find ("sh: 1: ping: not found" -> "ping"), or false. */
static bool shell_not_found(const char *errout, char *tool, size_t n)
{
    if (!errout)
        return false;
    for (const char *p = errout; *p;) {
        const char *nl = strchr(p, '\n');
        size_t len = nl ? (size_t)(nl - p) : strlen(p);
        static const char suffixes[][32] = {": not found", ": command not found",
                                            ": No such file or directory"};
        for (size_t s = 0; s < sizeof suffixes / sizeof suffixes[0]; s++) {
            size_t sl = strlen(suffixes[s]);
            if (len <= sl || strncmp(p + len - sl, suffixes[s], sl) != 0)
                continue;
            /* The name is the field before the suffix: "sh: 1: NAME: not found". */
            const char *end = p + len - sl, *start = end;
            while (start > p && !(start - p >= 2 && start[-1] == ' ' && start[-2] == ':'))
                start--;
            size_t tl = (size_t)(end - start);
            if (tl == 0 || tl >= n)
                continue;
            memcpy(tool, start, tl);
            tool[tl] = '\0';
            return true;
        }
        p = nl ? nl + 1 : p + len;
    }
    return false;
}

/* ------------------------------------------------------------------- running -- */

static bool user_is_root(const char *user)
{
    if (!user || strcmp(user, "root") == 0)
        return true;
    return user[0] == '0' && (user[1] == '\0' || user[1] == ':');
}

static void mode_needed_note(const struct lesson_sandbox *sb, enum sandbox_mode mode, char *buf,
                             size_t n)
{
    if (mode == SANDBOX_MODE_ROOTLESS)
        say(buf, n, "skipped: needs privileged mode (run caplab as root, e.g. with sudo)%s%s",
            sb->rootless_note ? ". " : "", sb->rootless_note ? sb->rootless_note : "");
    else
        say(buf, n,
            "skipped: the lesson shows this in rootless mode only (run caplab as "
            "an ordinary user)");
}

/* Everything a run needs to decide before it starts. Returns true when it may run. */
static bool may_run(const struct lesson_check *c, enum sandbox_mode mode, struct check_result *r)
{
    const struct lesson_sandbox *sb = c->sandbox;
    unsigned want = mode == SANDBOX_MODE_ROOTLESS ? LESSON_MODE_ROOTLESS : LESSON_MODE_PRIVILEGED;
    if (sb && sb->modes && !(sb->modes & want)) {
        r->status = CHECK_SKIPPED;
        mode_needed_note(sb, mode, r->note, sizeof r->note);
        return false;
    }
    const struct sandbox_support *s = sandbox_support();
    if (!s->available) {
        r->status = CHECK_UNSUPPORTED;
        say(r->note, sizeof r->note, "cannot run here: %s", s->reason);
        return false;
    }
    if (c->tool && !check_tool_exists(c->tool)) {
        r->status = CHECK_MISSING_TOOL;
        copy_cut(r->missing_tool, sizeof r->missing_tool, c->tool);
        check_missing_tool_note(c->tool, r->note, sizeof r->note);
        return false;
    }
    if (c->probe < 0 && !c->run) {
        r->status = CHECK_ERROR;
        say(r->note, sizeof r->note, "the check has neither a command nor a probe");
        return false;
    }
    return true;
}

static void judge(const struct lesson_check *c, const struct check_observed *o, capmask held,
                  bool non_root, struct check_result *r)
{
    check_describe_observed(o, r->happened, sizeof r->happened);
    check_relevant_line(o->err, r->stderr_line, sizeof r->stderr_line);

    char tool[64];
    if (!o->is_probe && o->exit_code == 127 && c->expect.exit_code != 127 &&
        shell_not_found(o->err, tool, sizeof tool)) {
        if (!strchr(tool, '/')) { /* a program of the system, not one the lesson made */
            r->status = CHECK_MISSING_TOOL;
            copy_cut(r->missing_tool, sizeof r->missing_tool, tool);
            check_missing_tool_note(tool, r->note, sizeof r->note);
            return;
        }
    }
    r->status = check_expect_match(&c->expect, o, r->mismatch, sizeof r->mismatch) ? CHECK_PASS
                                                                                   : CHECK_FAIL;
    if (check_is_refusal(o)) {
        capmask lacking = caps_all() & ~held;
        const char *command = c->run ? c->run : "";
        char probe_cmd[64] = "";
        if (o->is_probe && c->probe >= 0 && caps_name((unsigned)c->probe))
            say(probe_cmd, sizeof probe_cmd, "CAP_%s", caps_name((unsigned)c->probe));
        r->likely_caps = check_likely_caps(command, o->is_probe ? probe_cmd : r->stderr_line,
                                           lacking, non_root, r->likely, sizeof r->likely);
    }
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A built-in probe (probes.h) in the check's sandbox, judged like a command. */
static void run_probe_check(const struct lesson_check *c, const struct sandbox_config *cfg,
                            capmask held, bool non_root, struct check_result *r)
{
    unsigned cap = (unsigned)c->probe;
    struct probe_outcome po;
    struct err pe = {0};
    double start = now_seconds();
    int rc = probe_run_in(cap, cfg, &po, &pe);
    r->seconds = now_seconds() - start;
    if (rc < 0) {
        r->status = pe.code == ERR_NAMESPACES ? CHECK_UNSUPPORTED : CHECK_ERROR;
        say(r->note, sizeof r->note, "%s", pe.msg);
        return;
    }
    if (po.result == PROBE_NOT_DEMONSTRABLE) {
        r->status = CHECK_UNSUPPORTED;
        say(r->note, sizeof r->note, "the %s probe cannot show it here: %s", caps_name(cap),
            po.detail);
        return;
    }
    /* In a user namespace a capable() check fails whatever the sandbox holds: a refusal
     * without the capability would then show nothing about it. */
    const struct probe_info *info = probe_info(cap);
    if (r->mode == SANDBOX_MODE_ROOTLESS && info && !info->userns && po.result == PROBE_DENIED &&
        !(cfg->caps & CAPS_BIT(cap))) {
        r->status = CHECK_UNSUPPORTED;
        say(r->note, sizeof r->note,
            "the %s probe cannot show it in rootless mode: the kernel checks %s against the "
            "initial user namespace, so the call is refused with or without it (run caplab as "
            "root to see the difference)",
            caps_name(cap), caps_name(cap));
        return;
    }
    if (po.result == PROBE_FAILED) {
        r->status = CHECK_ERROR;
        say(r->note, sizeof r->note, "the %s probe could not run: %s", caps_name(cap), po.detail);
        return;
    }
    /* SUCCEEDED (even when the kernel refused a deliberately invalid argument after its
     * capability check), DENIED with an errno, or SILENTLY_IGNORED: a failure without one. */
    struct check_observed o = {
        .is_probe = true,
        .exit_code = po.result == PROBE_SUCCEEDED ? 0 : 1,
        .err_no = po.result == PROBE_DENIED ? po.err_no : 0,
    };
    r->exit_code = o.exit_code;
    r->err_no = o.err_no;
    copy_cut(r->out, sizeof r->out, po.call);
    copy_cut(r->err, sizeof r->err, po.detail);
    judge(c, &o, held, non_root, r);
    if (po.result == PROBE_SILENTLY_IGNORED)
        say(r->happened, sizeof r->happened,
            "The call succeeded but its effect was silently "
            "dropped.");
    append(r->happened, sizeof r->happened, " %s: %s", po.call, po.detail);
}

static int run_with(const struct lesson_check *c, capmask caps, bool raise_ambient,
                    const struct check_options *opts, struct check_result *r, struct err *e)
{
    static const struct lesson_sandbox root_sandbox = {.modes = LESSON_MODE_BOTH};
    const struct lesson_sandbox *sb = c->sandbox ? c->sandbox : &root_sandbox;
    memset(r, 0, sizeof *r);
    enum sandbox_mode requested = opts ? opts->mode : SANDBOX_MODE_AUTO;
    /* Root can also build rootless sandboxes: a step shown in rootless mode only runs so. */
    if (requested == SANDBOX_MODE_AUTO && sb->modes == LESSON_MODE_ROOTLESS &&
        sandbox_effective_mode(SANDBOX_MODE_AUTO) == SANDBOX_MODE_PRIVILEGED)
        requested = SANDBOX_MODE_ROOTLESS;
    double timeout = opts && opts->timeout > 0 ? opts->timeout : CHECK_DEFAULT_TIMEOUT;
    r->mode = sandbox_effective_mode(requested);
    r->caps = caps;
    check_expect_describe(&c->expect, c->probe >= 0, r->expected, sizeof r->expected);
    if (!may_run(c, r->mode, r))
        return 0;

    bool non_root = !user_is_root(sb->user);
    char *argv[] = {"sh", "-c", c->run, NULL};
    struct sandbox_config cfg = {
        .mode = requested,
        .caps = caps,
        .ambient = non_root && raise_ambient ? caps : 0,
        .user = sb->user,
        .no_new_privs = sb->no_new_privs,
        .docker_sysctls = sb->docker_sysctls,
        .timeout = timeout,
        .argv = argv,
        .setup = sb->setup,
        .io = SANDBOX_IO_CAPTURE,
    };
    /* What the command held in effect: a non-root user only its ambient set; and never more
     * than this mode can grant. */
    capmask held = (non_root ? cfg.ambient : caps) & sandbox_grantable(r->mode);
    if (c->probe >= 0) {
        run_probe_check(c, &cfg, held, non_root, r);
        return 0;
    }
    struct sandbox_result res;
    struct err se = {0};
    if (sandbox_run(&cfg, &res, &se) < 0) {
        if (se.code == ERR_SYSTEM && se.sys_errno == ENOMEM)
            return err_set(e, ERR_SYSTEM, "%s", se.msg);
        r->status = se.code == ERR_NAMESPACES ? CHECK_UNSUPPORTED : CHECK_ERROR;
        say(r->note, sizeof r->note, "%s", se.msg);
        return 0;
    }
    r->exit_code = res.exit_code;
    r->term_signal = res.term_signal;
    r->timed_out = res.timed_out;
    r->seconds = res.seconds;
    r->mode = res.mode;
    copy_cut(r->out, sizeof r->out, res.out);
    copy_cut(r->err, sizeof r->err, res.errout);
    struct check_observed o = {
        .exit_code = res.exit_code,
        .term_signal = res.term_signal,
        .timed_out = res.timed_out,
        .out = res.out ? res.out : "",
        .err = res.errout ? res.errout : "",
    };
    judge(c, &o, held, non_root, r);
    if (res.timed_out)
        say(r->happened, sizeof r->happened, "It did not finish within %g s and was stopped.",
            timeout);
    sandbox_result_release(&res);
    return 0;
}

int check_run(const struct lesson_check *c, const struct check_options *opts,
              struct check_result *r, struct err *e)
{
    capmask caps = c->sandbox ? caps_resolve(&c->sandbox->caps) : caps_docker_defaults();
    return run_with(c, caps, false, opts, r, e);
}

int check_run_caps(const struct lesson_check *c, capmask caps, const struct check_options *opts,
                   struct check_result *r, struct err *e)
{
    return run_with(c, caps, true, opts, r, e);
}
