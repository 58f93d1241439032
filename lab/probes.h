/*
 * probes: one small, safe demonstration per capability, run in a sandbox.
 *
 * Each probe prepares what it needs inside the sandbox before the capability drop (files
 * owned by uid 1000 on the sandbox's /tmp, a helper process of another uid, ...), then,
 * after the drop, performs one system call and reports what happened:
 *
 *   SUCCEEDED          the privileged action happened (or the kernel's capability check
 *                      passed and a deliberately invalid argument was refused after it:
 *                      SYS_TIME, SYS_BOOT and SYS_MODULE never really act)
 *   DENIED             the call failed with an errno (EPERM, EACCES, ...)
 *   SILENTLY_IGNORED   the call returned 0 but the privileged effect was dropped
 *                      (FSETID's setgid bit, BLOCK_SUSPEND's EPOLLWAKEUP)
 *   NOT_DEMONSTRABLE   this kernel or mode cannot show the difference; `detail` says why
 *                      (kernel option missing, a sysctl opens the unprivileged path, a
 *                      capable() check in a rootless sandbox, no LSM that uses it, ...)
 *   FAILED             the probe itself could not run (set-up error); `detail` says why
 *
 * One exception to "inside a sandbox": the kernel answers AUDIT_CONTROL's read-only
 * AUDIT_GET only from the initial pid namespace, so in privileged mode that probe runs in
 * the host's pid namespace with private mount, network, UTS and IPC namespaces.
 *
 * Probes never change the host: no clock change, no module load, no reboot, no audit or
 * LSM policy change; anything with a real effect happens in the sandbox's own namespaces
 * and is guarded by a check that those namespaces are not the host's.
 *
 * The probe process reports through its captured stdout, one tab-separated line:
 *     caplab-probe <TAB> v1 <TAB> RESULT <TAB> ERRNO-NUMBER <TAB> CALL <TAB> DETAIL
 * which the parent parses (probe_parse_record); its exit status is 0 when it reported.
 *
 * A pair (probe_compare) runs the probe twice with everything equal except the one
 * capability: with = every capability, without = every capability but that one. The
 * PERFMON, BPF and CHECKPOINT_RESTORE probes also remove SYS_ADMIN from both runs,
 * because SYS_ADMIN grants the same access. The pair's verdict says whether it matched the
 * documented expectation.
 *
 * All structures are plain values owned by the caller; nothing here allocates for them.
 */
#ifndef CAPLAB_PROBES_H
#define CAPLAB_PROBES_H

#include <stdbool.h>

#include "caps.h"
#include "err.h"
#include "sandbox.h"

enum probe_result {
    PROBE_SUCCEEDED = 0,
    PROBE_DENIED,
    PROBE_SILENTLY_IGNORED,
    PROBE_NOT_DEMONSTRABLE,
    PROBE_FAILED,
};

struct probe_outcome {
    enum probe_result result;
    int err_no;       /* DENIED: the errno; SUCCEEDED: 0, or the errno the kernel gave after
                         its capability check passed (EINVAL for SYS_BOOT and SYS_TIME) */
    capmask held;     /* the capability set the sandbox was given */
    char call[160];   /* the system call as performed, e.g. chown("/tmp/...", 1000, 1000) */
    char detail[400]; /* one line: what was observed, or why it is not demonstrable */
};

enum probe_verdict {
    PROBE_DEMONSTRATED = 0, /* with: success; without: the documented errno or effect missing */
    PROBE_UNDEMONSTRABLE,   /* one of the runs (or the mode) cannot show it; why says why */
    PROBE_CONTRADICTS,      /* the pair does not match the documented expectation */
};

struct probe_options {
    bool docker_sysctls; /* Docker's ping_group_range / ip_unprivileged_port_start inside */
    double timeout;      /* per sandbox, seconds; 0: 10 */
};

/* What caplab knows about a capability's probe before running it. */
struct probe_info {
    unsigned cap;
    const char *call;     /* the call, in words: "bind(TCP, 0.0.0.0:80)" */
    int expect_errno;     /* errno without the capability; 0 for a silent effect */
    bool silent;          /* FSETID, BLOCK_SUSPEND: without, the effect is dropped */
    bool userns;          /* checked with ns_capable(): meaningful in a rootless sandbox */
    bool needs_other_ids; /* needs uid/gid 1000 and 2000 to exist in the sandbox */
    capmask also_dropped; /* removed from both runs (SYS_ADMIN for PERFMON, BPF, C/R) */
    const char *why;      /* one line: what the kernel checks */
};

struct probe_pair {
    unsigned cap;
    enum sandbox_mode mode; /* privileged or rootless (never auto) */
    capmask also_dropped;
    struct probe_outcome with, without;
    enum probe_verdict verdict;
    char why[400];  /* one line explaining the verdict */
    double seconds; /* wall time of both runs */
};

/* Static facts about cap's probe (every capability the kernel knows has an entry; a
 * capability newer than caplab gets a "no probe" entry). Never NULL for cap <= caps_last(). */
const struct probe_info *probe_info(unsigned cap);

/* Run cap's probe once in a sandbox built from `base` (its mode, caps, user, sysctls and
 * timeout are used; what runs, the set-up and the I/O are the probe's). For lessons and
 * checks that probe inside a sandbox of their own. -1 with e only when no sandbox could be
 * started; a probe that could not prepare itself is a FAILED outcome. */
int probe_run_in(unsigned cap, const struct sandbox_config *base, struct probe_outcome *out,
                 struct err *e);

/* Run cap's probe once: with_cap ? every capability : every capability but cap (minus
 * probe_info(cap)->also_dropped in both cases). opts may be NULL. */
int probe_run(unsigned cap, bool with_cap, enum sandbox_mode mode, const struct probe_options *opts,
              struct probe_outcome *out, struct err *e);

/* Both runs, and the verdict. */
int probe_compare(unsigned cap, enum sandbox_mode mode, const struct probe_options *opts,
                  struct probe_pair *pair, struct err *e);

/* Parse the record a probe printed (see top of file). -1 when there is none. */
int probe_parse_record(const char *text, struct probe_outcome *out);

const char *probe_result_name(enum probe_result r);   /* "succeeded", "denied", ... */
const char *probe_verdict_name(enum probe_verdict v); /* "demonstrated", ... */

/* "EPERM" for 1, "-" for 0, "E?" style never: unknown numbers give "errno N" (static). */
const char *probe_errno_name(int err_no);

#endif
