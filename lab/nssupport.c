#include "nssupport.h"

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "idmap.h"
#include "inside.h"

static int read_int_file(const char *path, long *value)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    int ok = fscanf(f, "%ld", value);
    fclose(f);
    return ok == 1 ? 0 : -1;
}

/* Why the kernel refused: name the knob and the fix. */
void nssupport_explain_refusal(struct sandbox_support *s, int saved, bool rootless)
{
    long v;
    const char *works = "Reading lessons and answering quizzes still work; experiments, checks "
                        "and proofs need a sandbox.";
    if (rootless && read_int_file("/proc/sys/user/max_user_namespaces", &v) == 0 && v == 0)
        snprintf(s->reason, sizeof s->reason,
                 "the kernel forbids user namespaces (user.max_user_namespaces = 0). Fix: run "
                 "caplab with sudo, or `sysctl -w user.max_user_namespaces=15000`. %s",
                 works);
    else if (rootless && read_int_file("/proc/sys/kernel/unprivileged_userns_clone", &v) == 0 &&
             v == 0)
        snprintf(s->reason, sizeof s->reason,
                 "the kernel forbids unprivileged user namespaces "
                 "(kernel.unprivileged_userns_clone = 0). Fix: run caplab with sudo, or "
                 "`sysctl -w kernel.unprivileged_userns_clone=1`. %s",
                 works);
    else if (rootless &&
             read_int_file("/proc/sys/kernel/apparmor_restrict_unprivileged_userns", &v) == 0 &&
             v == 1)
        snprintf(s->reason, sizeof s->reason,
                 "AppArmor restricts unprivileged user namespaces "
                 "(kernel.apparmor_restrict_unprivileged_userns = 1). Fix: run caplab with "
                 "sudo, or `sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`. %s",
                 works);
    else
        snprintf(s->reason, sizeof s->reason,
                 "the kernel refuses new namespaces (%s%s); caplab may be running inside a "
                 "container or under a seccomp policy. Fix: run caplab with sudo on the host, "
                 "or allow namespaces for this container. %s",
                 rootless ? "user namespace: " : "", strerror(saved), works);
}

/* Try the namespaces in a throwaway child: cheap (about a millisecond) and exact. */
static int try_namespaces(bool rootless)
{
    pid_t pid = fork();
    if (pid < 0)
        return errno;
    if (pid == 0) {
        int flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID;
        if (rootless)
            flags |= CLONE_NEWUSER;
        _exit(unshare(flags) == 0 ? 0 : errno & 0xff);
    }
    int status;
    if (wait_retrying(pid, &status) < 0)
        return errno;
    return WIFEXITED(status) ? WEXITSTATUS(status) : EINVAL;
}

const struct sandbox_support *sandbox_support(void)
{
    static struct sandbox_support support;
    static bool probed;
    if (probed)
        return &support;
    probed = true;

    support.auto_mode = sandbox_effective_mode(SANDBOX_MODE_AUTO);
    bool rootless = support.auto_mode == SANDBOX_MODE_ROOTLESS;
    int saved = try_namespaces(rootless);
    support.available = saved == 0;
    if (!support.available) {
        nssupport_explain_refusal(&support, saved, rootless);
        return &support;
    }
    if (rootless) {
        struct idmap_plan plan;
        idmap_plan_for_caller(&plan);
        support.ranged_ids = plan.ranged;
        snprintf(support.limits, sizeof support.limits,
                 "%s Capabilities checked with capable() against the initial namespace "
                 "(SYS_TIME, SYS_MODULE, MKNOD, ...) always fail here; run with sudo for "
                 "those.",
                 plan.ranged ? "Rootless with a subordinate id range: other users exist inside."
                             : "Rootless with a single id: only root exists inside, so "
                               "demonstrations that need another user (chown to uid 1000, kill "
                               "another user's process) cannot be shown.");
    }
    return &support;
}
