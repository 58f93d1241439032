/* capstatus: parse /proc/PID/status (see capstatus.h). */
#include "capstatus.h"

#include <errno.h>
#include <linux/securebits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

static int parse_ids(const char *value, long ids[4])
{
    return sscanf(value, "%ld %ld %ld %ld", &ids[0], &ids[1], &ids[2], &ids[3]) == 4 ? 0 : -1;
}

/* One "Key:\tvalue" line of /proc/PID/status. */
static int parse_line(const char *key, const char *value, struct capstatus *s, struct err *e)
{
    static const struct {
        const char *key;
        size_t offset;
    } sets[] = {
        {"CapInh", offsetof(struct capstatus, inheritable)},
        {"CapPrm", offsetof(struct capstatus, permitted)},
        {"CapEff", offsetof(struct capstatus, effective)},
        {"CapBnd", offsetof(struct capstatus, bounding)},
        {"CapAmb", offsetof(struct capstatus, ambient)},
    };
    for (size_t i = 0; i < sizeof sets / sizeof sets[0]; i++)
        if (strcmp(key, sets[i].key) == 0)
            return caps_from_hex(value, (capmask *)((char *)s + sets[i].offset), e);
    if (strcmp(key, "Name") == 0)
        snprintf(s->name, sizeof s->name, "%s", value);
    else if (strcmp(key, "Uid") == 0)
        return parse_ids(value, s->uid);
    else if (strcmp(key, "Gid") == 0)
        return parse_ids(value, s->gid);
    else if (strcmp(key, "NoNewPrivs") == 0)
        s->no_new_privs = atoi(value);
    else if (strcmp(key, "Seccomp") == 0)
        s->seccomp = atoi(value);
    return 0;
}

int capstatus_read(pid_t pid, struct capstatus *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    out->no_new_privs = out->seccomp = -1;
    out->securebits = -1;
    out->pid = pid ? pid : getpid();
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/status", (int)out->pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        if (errno == ENOENT)
            return err_set(e, ERR_NOT_FOUND, "no process %d (in this pid namespace)",
                           (int)out->pid);
        return err_sys(e, "cannot read %s", path);
    }
    char line[1024];
    int rc = 0;
    while (rc == 0 && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *colon = strchr(line, ':');
        if (!colon)
            continue;
        *colon = '\0';
        const char *value = colon + 1 + strspn(colon + 1, " \t");
        if (parse_line(line, value, out, e) < 0)
            rc = err_set(e, ERR_INVALID, "%s: cannot parse the %s line", path, line);
    }
    fclose(f);
    if (rc == 0 && pid == 0) {
        int bits = prctl(PR_GET_SECUREBITS, 0, 0, 0, 0);
        out->securebits = bits < 0 ? -1 : bits;
    }
    return rc;
}

void capstatus_securebits_text(long bits, char *buf, size_t n)
{
    static const struct {
        int bit;
        const char *name;
    } names[] = {
        {SECURE_NOROOT, "noroot"},
        {SECURE_NOROOT_LOCKED, "noroot-locked"},
        {SECURE_NO_SETUID_FIXUP, "no-setuid-fixup"},
        {SECURE_NO_SETUID_FIXUP_LOCKED, "no-setuid-fixup-locked"},
        {SECURE_KEEP_CAPS, "keep-caps"},
        {SECURE_KEEP_CAPS_LOCKED, "keep-caps-locked"},
        {SECURE_NO_CAP_AMBIENT_RAISE, "no-cap-ambient-raise"},
        {SECURE_NO_CAP_AMBIENT_RAISE_LOCKED, "no-cap-ambient-raise-locked"},
    };
    buf[0] = '\0';
    if (bits < 0) {
        snprintf(buf, n, "unknown");
        return;
    }
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (bits & (1L << names[i].bit)) {
            size_t len = strlen(buf);
            snprintf(buf + len, n - len, "%s%s", len ? ", " : "", names[i].name);
        }
    }
    if (!buf[0])
        snprintf(buf, n, "none");
}
