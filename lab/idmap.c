#include "idmap.h"

#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char *const newuidmap = "/usr/bin/newuidmap";
static const char *const newgidmap = "/usr/bin/newgidmap";

/* One "name:start:count" line of /etc/subuid or /etc/subgid matching name or id. */
static struct idmap_range find_range(const char *file, const char *name, unsigned long id)
{
    struct idmap_range r = {0, 0};
    FILE *f = fopen(file, "re");
    if (!f)
        return r;
    char line[512];
    char id_text[32];
    snprintf(id_text, sizeof id_text, "%lu", id);
    while (fgets(line, sizeof line, f)) {
        char owner[256];
        unsigned long start, count;
        if (sscanf(line, "%255[^:]:%lu:%lu", owner, &start, &count) != 3 || count == 0)
            continue;
        if ((name && strcmp(owner, name) == 0) || strcmp(owner, id_text) == 0) {
            r.start = start;
            r.count = count;
            break;
        }
    }
    fclose(f);
    return r;
}

void idmap_plan_for_caller(struct idmap_plan *plan)
{
    memset(plan, 0, sizeof *plan);
    plan->outer_uid = geteuid();
    plan->outer_gid = getegid();
    struct passwd *pw = getpwuid(plan->outer_uid);
    const char *name = pw ? pw->pw_name : NULL;
    plan->uids = find_range("/etc/subuid", name, plan->outer_uid);
    plan->gids = find_range("/etc/subgid", name, plan->outer_gid);
    plan->ranged = plan->uids.count > 0 && plan->gids.count > 0 && access(newuidmap, X_OK) == 0 &&
                   access(newgidmap, X_OK) == 0;
}

unsigned long idmap_max_inside(const struct idmap_plan *plan)
{
    if (!plan->ranged)
        return 0;
    return plan->uids.count < plan->gids.count ? plan->uids.count : plan->gids.count;
}

static int run_helper(const char *helper, pid_t pid, unsigned long outer,
                      const struct idmap_range *r, struct err *e)
{
    char pid_s[32], outer_s[32], start_s[32], count_s[32];
    snprintf(pid_s, sizeof pid_s, "%d", (int)pid);
    snprintf(outer_s, sizeof outer_s, "%lu", outer);
    snprintf(start_s, sizeof start_s, "%lu", r->start);
    snprintf(count_s, sizeof count_s, "%lu", r->count);
    /* inside 0 -> the caller; inside 1..count -> the subordinate range */
    char *argv[] = {(char *)helper, pid_s, "0", outer_s, "1", "1", start_s, count_s, NULL};
    pid_t child;
    int rc = posix_spawn(&child, helper, NULL, NULL, argv, environ);
    if (rc != 0) {
        errno = rc;
        return err_sys(e, "cannot run %s", helper);
    }
    int status;
    while (waitpid(child, &status, 0) < 0)
        if (errno != EINTR)
            return err_sys(e, "waitpid(%s)", helper);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return err_set(e, ERR_SYSTEM,
                       "%s failed (see its message above); check /etc/subuid and /etc/subgid",
                       helper);
    return 0;
}

int idmap_apply_ranged(const struct idmap_plan *plan, pid_t pid, struct err *e)
{
    if (run_helper(newuidmap, pid, plan->outer_uid, &plan->uids, e) < 0)
        return -1;
    return run_helper(newgidmap, pid, plan->outer_gid, &plan->gids, e);
}

static int write_file(const char *path, const char *text, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return err_sys(e, "cannot open %s", path);
    ssize_t n = write(fd, text, strlen(text));
    if (n < 0) {
        err_sys(e, "cannot write %s", path);
        close(fd);
        return -1;
    }
    close(fd);
    return 0;
}

int idmap_apply_single(const struct idmap_plan *plan, struct err *e)
{
    char line[64];
    snprintf(line, sizeof line, "0 %u 1\n", plan->outer_uid);
    if (write_file("/proc/self/uid_map", line, e) < 0)
        return -1;
    /* An unprivileged gid_map write requires setgroups to be denied first. */
    if (write_file("/proc/self/setgroups", "deny", e) < 0)
        return -1;
    snprintf(line, sizeof line, "0 %u 1\n", plan->outer_gid);
    return write_file("/proc/self/gid_map", line, e);
}
