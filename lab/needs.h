/*
 * needs: find a minimal set of capabilities a command needs, by running it in throwaway
 * sandboxes with different sets (automated "drop everything, add back what fails").
 *
 * The search only sees an oracle: "run the command with this set, tell me what happened".
 * needs_sandbox_oracle() is the real one (a sandbox per run); tests plug in fakes.
 *
 *   1. the full universe (the baseline) must pass, else NEEDS_FAILS_WITH_ALL;
 *   2. the empty set: if it passes, nothing is needed (NEEDS_NOTHING);
 *   3. rounds of binary search over prefixes of the candidates, in capability order.
 *      A round knows that K ∪ C passes (K: found so far, C: undecided candidates) and
 *      looks for the shortest prefix P of C with K ∪ P passing. Either P is empty
 *      (K suffices: done) or its last element is needed: it joins K, and the candidates
 *      after it are dropped. The probes of each round follow a decision tree that is
 *      minimax-optimal for the total number of runs against k·⌈log2 N⌉ + 2 (see needs.c).
 *
 * The answer is always a set that was run and passed; under monotonicity (a superset of
 * a passing set passes) it is 1-minimal: removing any one capability makes it fail.
 *
 * A run passes when the command exits 0, did not time out, its --check passed, and with
 * `strict` its stdout and stderr are the same as with the full set. With `repeat` > 1
 * every set is run that many times; different outcomes for one set stop the search with
 * NEEDS_FLAKY rather than return a wrong answer.
 *
 * Ownership: the caller owns options, command and everything they point to. Results hold
 * malloc'd run logs released by needs_result_release(). Core code: prints nothing.
 */
#ifndef CAPLAB_NEEDS_H
#define CAPLAB_NEEDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "caps.h"
#include "err.h"
#include "sandbox.h"

/* What one run of the command showed, as the oracle reports it. */
struct needs_observation {
    int exit_code;       /* the command's status (126/127, 128+signal as a shell says) */
    bool timed_out;      /* killed by the timeout */
    bool check_failed;   /* the command exited 0 but the --check test did not pass */
    uint64_t output_sum; /* a digest of stdout and stderr, for --strict */
    double seconds;      /* wall time of this run */
    char detail[240];    /* the last line of stderr, or "" (for reports) */
};

/* Run the command with `set`. Returns 0 with *obs filled, or -1 with e filled when the
 * run itself could not happen (the sandbox failed): that aborts the search. */
typedef int (*needs_oracle_fn)(void *ctx, capmask set, struct needs_observation *obs,
                               struct err *e);

enum needs_phase {
    NEEDS_PHASE_FULL,    /* the whole baseline */
    NEEDS_PHASE_NONE,    /* no capability */
    NEEDS_PHASE_SEARCH,  /* a probe of the search */
    NEEDS_PHASE_NAIVE,   /* the naive search: the baseline minus one capability */
    NEEDS_PHASE_MINIMAL, /* proving the answer 1-minimal: the answer minus one capability */
};

/* One sandbox run, for reports. */
struct needs_run {
    capmask set;
    enum needs_phase phase;
    bool pass;
    bool output_differs; /* strict: the output was not the full set's */
    struct needs_observation obs;
};

struct needs_progress {
    size_t runs_done;  /* sandbox runs finished so far */
    capmask candidate; /* the set about to run */
    capmask found;     /* capabilities known to be needed so far */
    enum needs_phase phase;
};

struct needs_options {
    capmask universe;   /* the candidates: the baseline's capabilities this host can grant */
    unsigned repeat;    /* runs per set (0 or 1: once) */
    bool strict;        /* also require the full set's stdout/stderr */
    bool naive;         /* one capability at a time instead (full + N runs), for comparison */
    bool prove_minimal; /* then run the answer without each of its capabilities (k runs);
                           one that still passes is dropped, so the answer is 1-minimal
                           by experiment even for a non-monotone command */
    needs_oracle_fn oracle;
    void *oracle_ctx;
    void (*progress)(const struct needs_progress *p, void *arg); /* NULL: none */
    void *progress_arg;
};

enum needs_verdict {
    NEEDS_FOUND = 0,      /* `set` is a minimal passing set (possibly empty) */
    NEEDS_FAILS_WITH_ALL, /* the command does not pass even with the whole universe */
    NEEDS_FLAKY,          /* one set gave different outcomes: no answer */
};

struct needs_result {
    enum needs_verdict verdict;
    capmask set;              /* NEEDS_FOUND: the answer */
    size_t verified_by;       /* NEEDS_FOUND: index in runs of a passing run of exactly `set` */
    bool verified;            /* false only for the naive search (its answer is inferred) */
    bool minimal_proven;      /* prove_minimal: every one-smaller subset was run and failed */
    unsigned minimal_dropped; /* prove_minimal: capabilities it found unneeded after all */
    capmask flaky_set;        /* NEEDS_FLAKY: the set with mixed outcomes */
    unsigned flaky_pass;      /* ... how many of its runs passed */
    unsigned flaky_total;     /* ... out of */
    size_t n_sets;            /* distinct sets tried */
    struct needs_run *runs;   /* every sandbox run in order (n_runs of them) */
    size_t n_runs;
    double seconds; /* sum of the runs' wall times */
};

/* Search (or the naive search with options->naive). Returns 0 with res filled (see
 * res->verdict), or -1 with e filled when the oracle failed or memory ran out; res is
 * then still released safely by needs_result_release(). */
int needs_search(const struct needs_options *options, struct needs_result *res, struct err *e);

void needs_result_release(struct needs_result *res);

/* The most sets the search tries for universe size n and k needed capabilities, when
 * the command is monotone and deterministic: k·⌈log2 n⌉ + 2 + needs_excess(n), where
 * the excess (1 or 2 for n <= 64) pays for verifying the answer (see needs.c). */
unsigned needs_excess(unsigned n);
unsigned needs_ceil_log2(unsigned n);

const char *needs_phase_name(enum needs_phase phase);

/* ------------------------------------------------------------------------------------- */
/* The real oracle: one sandbox per run. */

struct needs_command {
    char *const *argv;   /* the command, NULL-terminated */
    const char *check;   /* NULL or a shell test run in the same sandbox afterwards */
    const char *user;    /* as sandbox_config.user */
    bool ambient;        /* non-root user: raise the set as ambient */
    bool docker_sysctls; /* as sandbox_config.docker_sysctls */
    enum sandbox_mode mode;
    double timeout;        /* per run, seconds; 0: none */
    char *const *ro_binds; /* as sandbox_config.ro_binds */
};

struct needs_sandbox {
    struct needs_command cmd;
    char **argv; /* what actually runs (the command, or sh -c wrapping it and the check) */
};

/* Prepare the oracle context. Fails only when out of memory. */
int needs_sandbox_init(struct needs_sandbox *sb, const struct needs_command *cmd, struct err *e);
void needs_sandbox_release(struct needs_sandbox *sb);

/* needs_oracle_fn over a struct needs_sandbox. */
int needs_sandbox_oracle(void *ctx, capmask set, struct needs_observation *obs, struct err *e);

/* The capabilities `baseline` names that a sandbox in `mode` can actually grant here:
 * privileged mode cannot hand out what this process's bounding set lacks. */
capmask needs_grantable(enum caps_baseline baseline, enum sandbox_mode mode);

#endif
