/*
 * needs: the search for a minimal capability set, and the sandbox oracle behind it.
 *
 * The search. Candidates C (the universe, in capability order), found set K (empty).
 * Known: K ∪ C passes. A round looks for the smallest j with f(j) = pass(K ∪ C[0..j-1]);
 * f is monotone in j if the command is, and f(|C|) is known true. Outcome j = 0: K
 * suffices (the probe f(0) is the final run that verifies it). Outcome j > 0: C[j-1] is
 * needed (f(j-1) failed), the candidates after it are not (f(j) passed): K += C[j-1],
 * C = C[0..j-2], and K ∪ C is exactly the set f(j) ran, so the invariant holds. The first
 * round skips j = 0 because the empty set already failed.
 *
 * Which j to probe. Each finished capability may "spend" L = ⌈log2 N⌉ runs; a round's
 * excess is its probes minus L if it found one. Let W[m] be the least worst-case total
 * excess of the rounds still to come when m candidates are left. Outcome j of a round
 * then weighs w(0) = 0 and w(j) = W[j-1] - L, and the round is an alphabetic binary
 * search tree over its outcomes whose leaves cost depth + weight. The cheapest such tree
 * in the worst case is an interval dynamic program, and W[m] is its value over outcomes
 * 0..m: the weights only depend on j, so one table serves every round and every m.
 * For k = 1 the bound k·L + 2 cannot be met in the worst case by any strategy that
 * verifies its answer (the last run must be the answer itself, and d runs can verify at
 * most 2^(d-1) single capabilities), so the excess is at least 1; the table gives 1 for
 * N = 40 or 41 and 2 for N = 14.
 */
#include "needs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>

#define MAX_CAPS 64

const char *needs_phase_name(enum needs_phase phase)
{
    switch (phase) {
    case NEEDS_PHASE_FULL:
        return "full";
    case NEEDS_PHASE_NONE:
        return "none";
    case NEEDS_PHASE_SEARCH:
        return "search";
    case NEEDS_PHASE_NAIVE:
        return "naive";
    case NEEDS_PHASE_MINIMAL:
        return "minimal";
    }
    return "?";
}

unsigned needs_ceil_log2(unsigned n)
{
    unsigned l = 0;
    while (l < 32 && (1ull << l) < n)
        l++;
    return l;
}

/* ---- the probe plan: the interval dynamic program ------------------------------------ */

/* cost[a][b]: least worst-case excess of a round whose answer is known to lie in
 * outcomes a..b; split[a][b]: the probe j achieving it (answer <= j iff f(j) passes). */
struct plan {
    unsigned n;
    int L;
    int cost[MAX_CAPS + 1][MAX_CAPS + 1];
    unsigned char split[MAX_CAPS + 1][MAX_CAPS + 1];
};

static void plan_build(struct plan *p, unsigned n)
{
    p->n = n;
    p->L = (int)needs_ceil_log2(n);
    for (unsigned b = 0; b <= n; b++) {
        /* Weight of outcome b: W[b-1] = cost[0][b-1] is already final. */
        p->cost[b][b] = b == 0 ? 0 : p->cost[0][b - 1] - p->L;
        for (unsigned a = b; a-- > 0;) {
            int best = 1 << 20;
            unsigned best_j = a, best_balance = ~0u;
            for (unsigned j = a; j < b; j++) {
                int left = p->cost[a][j], right = p->cost[j + 1][b];
                int c = 1 + (left > right ? left : right);
                unsigned lsize = j - a + 1, rsize = b - j;
                unsigned balance = lsize > rsize ? lsize - rsize : rsize - lsize;
                if (c < best || (c == best && balance < best_balance)) {
                    best = c;
                    best_j = j;
                    best_balance = balance;
                }
            }
            p->cost[a][b] = best;
            p->split[a][b] = (unsigned char)best_j;
        }
    }
}

unsigned needs_excess(unsigned n)
{
    if (n == 0 || n > MAX_CAPS)
        return 0;
    struct plan *p = malloc(sizeof *p);
    if (!p)
        return 0;
    plan_build(p, n);
    int excess = p->cost[1][n];
    free(p);
    return excess > 0 ? (unsigned)excess : 0;
}

/* ---- running sets -------------------------------------------------------------------- */

struct search {
    const struct needs_options *o;
    struct needs_result *res;
    size_t cap_runs;
    bool have_reference;
    uint64_t reference; /* the full set's output digest (strict) */
    capmask found;
};

static int append_run(struct search *s, const struct needs_run *run, struct err *e)
{
    struct needs_result *r = s->res;
    if (r->n_runs == s->cap_runs) {
        size_t cap = s->cap_runs ? 2 * s->cap_runs : 32;
        struct needs_run *grown = realloc(r->runs, cap * sizeof *grown);
        if (!grown)
            return err_set(e, ERR_SYSTEM, "out of memory");
        r->runs = grown;
        s->cap_runs = cap;
    }
    r->runs[r->n_runs++] = *run;
    return 0;
}

static bool judge(struct search *s, struct needs_run *run)
{
    const struct needs_observation *obs = &run->obs;
    if (s->o->strict) {
        if (!s->have_reference && run->phase == NEEDS_PHASE_FULL) {
            s->reference = obs->output_sum;
            s->have_reference = true;
        }
        run->output_differs = obs->output_sum != s->reference;
    }
    return obs->exit_code == 0 && !obs->timed_out && !obs->check_failed && !run->output_differs;
}

/* Run `set` options->repeat times. *pass gets the common outcome; mixed outcomes make
 * the result NEEDS_FLAKY and *flaky true. Returns -1 when the oracle fails. A set that
 * already ran is not run again, except to prove minimality (which exists to re-check). */
static int try_set(struct search *s, capmask set, enum needs_phase phase, bool *pass, bool *flaky,
                   struct err *e)
{
    unsigned repeat = s->o->repeat ? s->o->repeat : 1;
    unsigned passed = 0;
    *flaky = false;
    for (size_t i = 0; phase != NEEDS_PHASE_MINIMAL && i < s->res->n_runs; i++) {
        if (s->res->runs[i].set == set) {
            *pass = s->res->runs[i].pass; /* ran before, all its repeats agreed */
            return 0;
        }
    }
    s->res->n_sets++;
    for (unsigned i = 0; i < repeat; i++) {
        if (s->o->progress) {
            struct needs_progress p = {
                .runs_done = s->res->n_runs, .candidate = set, .found = s->found, .phase = phase};
            s->o->progress(&p, s->o->progress_arg);
        }
        struct needs_run run = {.set = set, .phase = phase};
        if (s->o->oracle(s->o->oracle_ctx, set, &run.obs, e) < 0)
            return -1;
        run.pass = judge(s, &run);
        s->res->seconds += run.obs.seconds;
        if (append_run(s, &run, e) < 0)
            return -1;
        passed += run.pass;
    }
    *flaky = passed != 0 && passed != repeat;
    *pass = passed == repeat;
    if (*flaky) {
        s->res->verdict = NEEDS_FLAKY;
        s->res->flaky_set = set;
        s->res->flaky_pass = passed;
        s->res->flaky_total = repeat;
    }
    return 0;
}

static void finish(struct search *s, capmask answer)
{
    struct needs_result *r = s->res;
    r->verdict = NEEDS_FOUND;
    r->set = answer;
    r->verified = false;
    for (size_t i = r->n_runs; i-- > 0;) {
        if (r->runs[i].pass && r->runs[i].set == answer) {
            r->verified = true;
            r->verified_by = i;
            break;
        }
    }
}

static capmask prefix_set(const unsigned *cand, unsigned j)
{
    capmask set = 0;
    for (unsigned i = 0; i < j; i++)
        set |= CAPS_BIT(cand[i]);
    return set;
}

/* The rounds described at the top of the file. Returns 0 (result filled) or -1. */
static int search_rounds(struct search *s, const struct plan *plan, struct err *e)
{
    unsigned cand[MAX_CAPS], m = 0;
    for (unsigned cap = 0; cap < MAX_CAPS; cap++)
        if (s->o->universe & CAPS_BIT(cap))
            cand[m++] = cap;
    unsigned lo = 1; /* the first round: the empty set already failed */
    for (;;) {
        unsigned a = lo, b = m;
        while (a < b) {
            unsigned j = plan->split[a][b];
            bool pass, flaky;
            if (try_set(s, s->found | prefix_set(cand, j), NEEDS_PHASE_SEARCH, &pass, &flaky, e) <
                0)
                return -1;
            if (flaky)
                return 0;
            if (pass)
                b = j;
            else
                a = j + 1;
        }
        if (a == 0)
            break; /* K alone passed */
        s->found |= CAPS_BIT(cand[a - 1]);
        m = a - 1;
        lo = 0;
        if (m == 0)
            break; /* K is the set f(a) ran and passed */
    }
    finish(s, s->found);
    return 0;
}

static int search_naive(struct search *s, struct err *e)
{
    capmask needed = 0;
    for (unsigned cap = 0; cap < MAX_CAPS; cap++) {
        if (!(s->o->universe & CAPS_BIT(cap)))
            continue;
        bool pass, flaky;
        if (try_set(s, s->o->universe & ~CAPS_BIT(cap), NEEDS_PHASE_NAIVE, &pass, &flaky, e) < 0)
            return -1;
        if (flaky)
            return 0;
        if (!pass)
            needed |= CAPS_BIT(cap);
        s->found = needed;
    }
    finish(s, needed);
    return 0;
}

/* Run the answer without each of its capabilities. One that passes without it was not
 * needed after all (a flaky or non-monotone command): drop it and check again. */
static int prove_minimal(struct search *s, struct err *e)
{
    capmask set = s->res->set;
    bool changed = true;
    while (changed) {
        changed = false;
        for (unsigned cap = 0; cap < MAX_CAPS; cap++) {
            if (!(set & CAPS_BIT(cap)))
                continue;
            bool pass, flaky;
            s->found = set;
            if (try_set(s, set & ~CAPS_BIT(cap), NEEDS_PHASE_MINIMAL, &pass, &flaky, e) < 0)
                return -1;
            if (flaky)
                return 0;
            if (pass) {
                set &= ~CAPS_BIT(cap);
                s->res->minimal_dropped++;
                changed = true;
                break;
            }
        }
    }
    unsigned dropped = s->res->minimal_dropped;
    finish(s, set);
    s->res->minimal_dropped = dropped;
    s->res->minimal_proven = true;
    return 0;
}

static int search(struct search *s, struct err *e)
{
    const struct needs_options *o = s->o;
    bool pass, flaky;
    if (try_set(s, o->universe, NEEDS_PHASE_FULL, &pass, &flaky, e) < 0)
        return -1;
    if (flaky)
        return 0;
    if (!pass) {
        s->res->verdict = NEEDS_FAILS_WITH_ALL;
        return 0;
    }
    if (o->naive)
        return search_naive(s, e);
    if (o->universe == 0) {
        finish(s, 0);
        return 0;
    }
    if (try_set(s, 0, NEEDS_PHASE_NONE, &pass, &flaky, e) < 0)
        return -1;
    if (flaky)
        return 0;
    if (pass) {
        finish(s, 0);
        return 0;
    }
    struct plan *plan = malloc(sizeof *plan);
    if (!plan)
        return err_set(e, ERR_SYSTEM, "out of memory");
    plan_build(plan, caps_count(o->universe));
    int rc = search_rounds(s, plan, e);
    free(plan);
    return rc;
}

int needs_search(const struct needs_options *o, struct needs_result *res, struct err *e)
{
    memset(res, 0, sizeof *res);
    if (!o->oracle)
        return err_set(e, ERR_INVALID, "needs_search: no oracle");
    struct search s = {.o = o, .res = res};
    if (search(&s, e) < 0)
        return -1;
    if (o->prove_minimal && !o->naive && res->verdict == NEEDS_FOUND && res->set)
        return prove_minimal(&s, e);
    return 0;
}

void needs_result_release(struct needs_result *res)
{
    free(res->runs);
    res->runs = NULL;
    res->n_runs = 0;
}

/* ---- the sandbox oracle -------------------------------------------------------------- */

#define CHECK_FAILED_MARK "caplab-needs: the --check test failed"

/* The command runs as "$@" (never interpolated); the check is shell text by design, run
 * in a subshell so that an `exit` in it cannot pass for the command's own status. */
static char *wrapper_script(const char *check)
{
    char *script = NULL;
    if (asprintf(&script,
                 "\"$@\"\n"
                 "rc=$?\n"
                 "[ \"$rc\" -eq 0 ] || exit \"$rc\"\n"
                 "if (\n%s\n); then exit 0; fi\n"
                 "echo '" CHECK_FAILED_MARK "' >&2\n"
                 "exit 1\n",
                 check) < 0)
        return NULL;
    return script;
}

int needs_sandbox_init(struct needs_sandbox *sb, const struct needs_command *cmd, struct err *e)
{
    memset(sb, 0, sizeof *sb);
    sb->cmd = *cmd;
    if (!cmd->check)
        return 0;
    size_t n = 0;
    while (cmd->argv[n])
        n++;
    sb->argv = calloc(n + 5, sizeof *sb->argv);
    char *script = wrapper_script(cmd->check);
    if (!sb->argv || !script) {
        free(script);
        free(sb->argv);
        sb->argv = NULL;
        return err_set(e, ERR_SYSTEM, "out of memory");
    }
    sb->argv[0] = "sh";
    sb->argv[1] = "-c";
    sb->argv[2] = script;
    sb->argv[3] = "caplab-needs";
    for (size_t i = 0; i < n; i++)
        sb->argv[4 + i] = cmd->argv[i];
    return 0;
}

void needs_sandbox_release(struct needs_sandbox *sb)
{
    if (sb->argv)
        free(sb->argv[2]);
    free(sb->argv);
    sb->argv = NULL;
}

static uint64_t fnv1a(uint64_t h, const char *data, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)data[i];
        h *= 0x100000001b3ull;
    }
    return h;
}

/* Remove the check's failure mark from the end of stderr; true when it was there. */
static bool strip_mark(char *text, size_t *len)
{
    static const char mark[] = CHECK_FAILED_MARK "\n";
    size_t n = sizeof mark - 1;
    if (!text || *len < n || memcmp(text + *len - n, mark, n) != 0)
        return false;
    if (*len > n && text[*len - n - 1] != '\n')
        return false;
    *len -= n;
    text[*len] = '\0';
    return true;
}

static void last_line(const char *text, size_t len, char *out, size_t n)
{
    out[0] = '\0';
    while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r'))
        len--;
    size_t start = len;
    while (start > 0 && text[start - 1] != '\n')
        start--;
    size_t copy = len - start < n - 1 ? len - start : n - 1;
    memcpy(out, text + start, copy);
    out[copy] = '\0';
}

int needs_sandbox_oracle(void *ctx, capmask set, struct needs_observation *obs, struct err *e)
{
    struct needs_sandbox *sb = ctx;
    struct sandbox_config cfg = {
        .mode = sb->cmd.mode,
        .caps = set,
        .ambient = sb->cmd.ambient ? set : 0,
        .user = sb->cmd.user,
        .docker_sysctls = sb->cmd.docker_sysctls,
        .timeout = sb->cmd.timeout,
        .argv = sb->argv ? sb->argv : sb->cmd.argv,
        .ro_binds = sb->cmd.ro_binds,
        .io = SANDBOX_IO_CAPTURE,
    };
    struct sandbox_result res;
    memset(obs, 0, sizeof *obs);
    if (sandbox_run(&cfg, &res, e) < 0)
        return -1;
    obs->exit_code = res.exit_code;
    obs->timed_out = res.timed_out;
    obs->seconds = res.seconds;
    if (sb->argv)
        obs->check_failed = strip_mark(res.errout, &res.err_len);
    uint64_t h = 0xcbf29ce484222325ull;
    h = fnv1a(h, res.out ? res.out : "", res.out_len);
    h = fnv1a(h, "\xff", 1);
    h = fnv1a(h, res.errout ? res.errout : "", res.err_len);
    h = fnv1a(h, res.out_truncated ? "T" : "F", 1);
    obs->output_sum = fnv1a(h, res.err_truncated ? "T" : "F", 1);
    if (obs->check_failed)
        snprintf(obs->detail, sizeof obs->detail, "the --check test failed");
    else if (res.errout)
        last_line(res.errout, res.err_len, obs->detail, sizeof obs->detail);
    sandbox_result_release(&res);
    return 0;
}

capmask needs_grantable(enum caps_baseline baseline, enum sandbox_mode mode)
{
    capmask set = baseline == CAPS_BASELINE_ALL      ? caps_all()
                  : baseline == CAPS_BASELINE_DOCKER ? caps_docker_defaults()
                                                     : 0;
    if (sandbox_effective_mode(mode) != SANDBOX_MODE_PRIVILEGED)
        return set; /* a new user namespace starts with a full bounding set */
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        int held = prctl(PR_CAPBSET_READ, (unsigned long)cap, 0, 0, 0);
        if (held == 0)
            set &= ~CAPS_BIT(cap);
    }
    return set;
}
