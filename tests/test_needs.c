/* Unit tests for the search in lab/needs.c, against fake oracles (no sandbox). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "needs.h"

/* A fake command: passes when it holds all of `need`, or all of `alt` when alt != 0. */
struct fake {
    capmask need, alt;
    capmask warn_without; /* strict: output changes without these (exit stays 0) */
    capmask check_needs;  /* the --check test fails without these */
    unsigned calls;
    int flip_every;    /* > 0: every Nth call flips the outcome (a flaky command) */
    int fail_on_call;  /* > 0: the oracle itself fails on this call */
    int wrong_on_call; /* > 0: this one call gets the opposite outcome (a one-off glitch) */
};

static bool fake_passes(const struct fake *f, capmask set)
{
    return (set & f->need) == f->need || (f->alt && (set & f->alt) == f->alt);
}

static int fake_oracle(void *ctx, capmask set, struct needs_observation *obs, struct err *e)
{
    struct fake *f = ctx;
    f->calls++;
    if (f->fail_on_call && (int)f->calls == f->fail_on_call)
        return err_set(e, ERR_NAMESPACES, "fake: no namespaces");
    memset(obs, 0, sizeof *obs);
    bool pass = fake_passes(f, set);
    if (f->flip_every && f->calls % (unsigned)f->flip_every == 0)
        pass = !pass;
    if (f->wrong_on_call && (int)f->calls == f->wrong_on_call)
        pass = !pass;
    obs->exit_code = pass ? 0 : 1;
    obs->check_failed = pass && (set & f->check_needs) != f->check_needs;
    obs->output_sum = (set & f->warn_without) == f->warn_without ? 42 : 43;
    obs->seconds = 0.001;
    return 0;
}

static capmask random_subset(capmask universe, unsigned k)
{
    unsigned caps[64], n = 0;
    for (unsigned c = 0; c < 64; c++)
        if (universe & CAPS_BIT(c))
            caps[n++] = c;
    capmask set = 0;
    while (caps_count(set) < k)
        set |= CAPS_BIT(caps[(unsigned)rand() % n]);
    return set;
}

static capmask low_bits(unsigned n)
{
    return n >= 64 ? ~(capmask)0 : (CAPS_BIT(n) - 1);
}

/* 1-minimal: the set passes and each one-smaller subset fails. */
static void assert_one_minimal(const struct fake *f, capmask set)
{
    assert_true(fake_passes(f, set));
    for (unsigned c = 0; c < 64; c++)
        if (set & CAPS_BIT(c))
            assert_false(fake_passes(f, set & ~CAPS_BIT(c)));
}

static void run_search(struct fake *f, capmask universe, bool strict, struct needs_result *res)
{
    struct needs_options o = {
        .universe = universe, .strict = strict, .oracle = fake_oracle, .oracle_ctx = f};
    struct err e = {0};
    assert_int_equal(needs_search(&o, res, &e), 0);
    assert_int_equal(res->n_runs, f->calls);
}

static void test_bound_table(void **state)
{
    (void)state;
    assert_int_equal(needs_ceil_log2(1), 0);
    assert_int_equal(needs_ceil_log2(2), 1);
    assert_int_equal(needs_ceil_log2(14), 4);
    assert_int_equal(needs_ceil_log2(16), 4);
    assert_int_equal(needs_ceil_log2(41), 6);
    /* Verifying the answer costs at least one run beyond k·L + 2 for k = 1. */
    for (unsigned n = 2; n <= 64; n++) {
        assert_true(needs_excess(n) >= 1);
        assert_true(needs_excess(n) <= 2);
    }
    assert_int_equal(needs_excess(14), 2);
    assert_int_equal(needs_excess(40), 1);
    assert_int_equal(needs_excess(41), 1);
}

/* Many random needed sets, for the sizes of caplab's baselines: the answer is the set,
 * it was verified by a run of exactly it, and the runs stay within the bound. */
static void test_random_sets_found_within_bound(void **state)
{
    (void)state;
    srand(8);
    const unsigned sizes[] = {1, 2, 3, 5, 8, 14, 16, 40, 41, 64};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        unsigned n = sizes[s];
        capmask universe = low_bits(n);
        unsigned L = needs_ceil_log2(n), excess = needs_excess(n);
        for (int trial = 0; trial < 400; trial++) {
            unsigned k = (unsigned)rand() % (n < 8 ? n + 1 : 8);
            struct fake f = {.need = random_subset(universe, k)};
            struct needs_result res;
            run_search(&f, universe, false, &res);
            assert_int_equal(res.verdict, NEEDS_FOUND);
            assert_int_equal(res.set, f.need);
            assert_true(res.verified);
            assert_int_equal(res.runs[res.verified_by].set, f.need);
            assert_true(res.runs[res.verified_by].pass);
            assert_int_equal(res.n_sets, res.n_runs);
            if (k == 0)
                assert_int_equal(res.n_runs, 2);
            else
                assert_true(res.n_runs <= k * L + 2 + excess);
            needs_result_release(&res);
        }
    }
}

/* Every single capability and every pair, out of Docker's 14 and out of 40: always within
 * k·⌈log2 N⌉ + 2 + excess; for N = 40 most pairs meet k·⌈log2 N⌉ + 2 itself. */
static void test_exhaustive_small_sets(void **state)
{
    (void)state;
    const unsigned sizes[] = {14, 40};
    for (size_t s = 0; s < 2; s++) {
        unsigned n = sizes[s], L = needs_ceil_log2(n);
        capmask universe = low_bits(n);
        size_t pairs = 0, pairs_within = 0;
        for (unsigned a = 0; a < n; a++) {
            for (unsigned b = a; b < n; b++) {
                struct fake f = {.need = CAPS_BIT(a) | CAPS_BIT(b)};
                unsigned k = caps_count(f.need);
                struct needs_result res;
                run_search(&f, universe, false, &res);
                assert_int_equal(res.set, f.need);
                assert_true(res.n_runs <= k * L + 2 + needs_excess(n));
                if (k == 2) {
                    pairs++;
                    pairs_within += res.n_runs <= k * L + 2;
                }
                needs_result_release(&res);
            }
        }
        if (n == 40)
            assert_true(pairs_within * 3 > pairs * 2);
    }
}

/* Alternatives (DAC_OVERRIDE or FOWNER, ...): the answer passes and is 1-minimal. */
static void test_alternatives_give_one_minimal_sets(void **state)
{
    (void)state;
    srand(88);
    capmask universe = low_bits(41);
    for (int trial = 0; trial < 500; trial++) {
        struct fake f = {.need = random_subset(universe, 1 + (unsigned)rand() % 4),
                         .alt = random_subset(universe, 1 + (unsigned)rand() % 4)};
        struct needs_result res;
        run_search(&f, universe, false, &res);
        assert_int_equal(res.verdict, NEEDS_FOUND);
        assert_one_minimal(&f, res.set);
        assert_true(res.verified);
        needs_result_release(&res);
    }
}

static void test_fails_even_with_everything(void **state)
{
    (void)state;
    struct fake f = {.need = CAPS_BIT(50)}; /* outside the universe */
    struct needs_result res;
    run_search(&f, low_bits(14), false, &res);
    assert_int_equal(res.verdict, NEEDS_FAILS_WITH_ALL);
    assert_int_equal(res.n_runs, 1);
    assert_int_equal(res.runs[0].phase, NEEDS_PHASE_FULL);
    assert_false(res.runs[0].pass);
    needs_result_release(&res);
}

static void test_nothing_needed_takes_two_runs(void **state)
{
    (void)state;
    struct fake f = {0};
    struct needs_result res;
    run_search(&f, low_bits(41), false, &res);
    assert_int_equal(res.verdict, NEEDS_FOUND);
    assert_int_equal(res.set, 0);
    assert_int_equal(res.n_runs, 2);
    assert_int_equal(res.runs[1].phase, NEEDS_PHASE_NONE);
    assert_int_equal(res.verified_by, 1);
    needs_result_release(&res);
}

static void test_flaky_is_detected_with_repeat(void **state)
{
    (void)state;
    /* Every third call flips: with --repeat 3, the first set already disagrees. */
    struct fake f = {.need = CAPS_BIT(3), .flip_every = 3};
    struct needs_options o = {
        .universe = low_bits(14), .repeat = 3, .oracle = fake_oracle, .oracle_ctx = &f};
    struct needs_result res;
    struct err e = {0};
    assert_int_equal(needs_search(&o, &res, &e), 0);
    assert_int_equal(res.verdict, NEEDS_FLAKY);
    assert_int_equal(res.flaky_set, low_bits(14));
    assert_int_equal(res.flaky_pass, 2);
    assert_int_equal(res.flaky_total, 3);
    assert_int_equal(res.n_runs, 3);
    needs_result_release(&res);

    /* A deterministic command with --repeat 3: three runs per set, same answer. */
    struct fake steady = {.need = CAPS_BIT(3) | CAPS_BIT(9)};
    o.oracle_ctx = &steady;
    assert_int_equal(needs_search(&o, &res, &e), 0);
    assert_int_equal(res.verdict, NEEDS_FOUND);
    assert_int_equal(res.set, steady.need);
    assert_int_equal(res.n_runs, 3 * res.n_sets);
    needs_result_release(&res);
}

static void test_strict_keeps_capabilities_whose_loss_only_warns(void **state)
{
    (void)state;
    struct fake f = {.need = CAPS_BIT(0), .warn_without = CAPS_BIT(3)};
    struct needs_result res;
    run_search(&f, low_bits(14), false, &res);
    assert_int_equal(res.set, CAPS_BIT(0));
    needs_result_release(&res);

    f.calls = 0;
    run_search(&f, low_bits(14), true, &res);
    assert_int_equal(res.verdict, NEEDS_FOUND);
    assert_int_equal(res.set, CAPS_BIT(0) | CAPS_BIT(3));
    bool saw_warning_only = false;
    for (size_t i = 0; i < res.n_runs; i++) {
        if (res.runs[i].output_differs)
            assert_false(res.runs[i].pass);
        if (res.runs[i].output_differs && res.runs[i].obs.exit_code == 0)
            saw_warning_only = true;
    }
    assert_true(saw_warning_only);
    needs_result_release(&res);
}

static void test_failed_check_counts_as_failure(void **state)
{
    (void)state;
    struct fake f = {.need = CAPS_BIT(0), .check_needs = CAPS_BIT(4)};
    struct needs_result res;
    run_search(&f, low_bits(14), false, &res);
    assert_int_equal(res.set, CAPS_BIT(0) | CAPS_BIT(4));
    needs_result_release(&res);
}

static void test_oracle_failure_aborts(void **state)
{
    (void)state;
    struct fake f = {.need = CAPS_BIT(5), .fail_on_call = 3};
    struct needs_options o = {.universe = low_bits(14), .oracle = fake_oracle, .oracle_ctx = &f};
    struct needs_result res;
    struct err e = {0};
    assert_int_equal(needs_search(&o, &res, &e), -1);
    assert_int_equal(e.code, ERR_NAMESPACES);
    assert_int_equal(res.n_runs, 2);
    needs_result_release(&res);
}

static void test_naive_takes_n_plus_one_runs(void **state)
{
    (void)state;
    srand(7);
    for (int trial = 0; trial < 50; trial++) {
        struct fake f = {.need = random_subset(low_bits(14), 1 + (unsigned)rand() % 4)};
        struct needs_options o = {
            .universe = low_bits(14), .naive = true, .oracle = fake_oracle, .oracle_ctx = &f};
        struct needs_result res;
        struct err e = {0};
        assert_int_equal(needs_search(&o, &res, &e), 0);
        assert_int_equal(res.verdict, NEEDS_FOUND);
        assert_int_equal(res.set, f.need);
        assert_int_equal(res.n_runs, 15);
        needs_result_release(&res);
    }
}

static void test_prove_minimal(void **state)
{
    (void)state;
    /* A deterministic command: k more runs, each failing, nothing dropped. */
    struct fake f = {.need = CAPS_BIT(2) | CAPS_BIT(9) | CAPS_BIT(12)};
    struct needs_options o = {
        .universe = low_bits(14), .prove_minimal = true, .oracle = fake_oracle, .oracle_ctx = &f};
    struct needs_result plain, res;
    struct err e = {0};
    struct fake g = f;
    struct needs_options po = o;
    po.prove_minimal = false;
    po.oracle_ctx = &g;
    assert_int_equal(needs_search(&po, &plain, &e), 0);
    assert_int_equal(needs_search(&o, &res, &e), 0);
    assert_int_equal(res.set, f.need);
    assert_true(res.minimal_proven);
    assert_int_equal(res.minimal_dropped, 0);
    assert_int_equal(res.n_runs, plain.n_runs + 3);
    for (size_t i = plain.n_runs; i < res.n_runs; i++) {
        assert_int_equal(res.runs[i].phase, NEEDS_PHASE_MINIMAL);
        assert_false(res.runs[i].pass);
    }
    needs_result_release(&plain);
    needs_result_release(&res);

    /* One glitch in the first probe sends the search the wrong way and leaves an
     * unneeded capability in the answer; proving minimality removes it. */
    unsigned fixed = 0;
    for (int call = 3; call < 12; call++) {
        struct fake glitchy = {.need = CAPS_BIT(0) | CAPS_BIT(1), .wrong_on_call = call};
        o.oracle_ctx = &glitchy;
        assert_int_equal(needs_search(&o, &res, &e), 0);
        assert_int_equal(res.verdict, NEEDS_FOUND);
        assert_true(res.minimal_proven);
        assert_true(res.verified);
        /* A glitch that fails a passing set is repaired; one that passes a failing set
         * cannot be seen without --repeat. */
        const struct needs_run *glitch = (size_t)call <= res.n_runs ? &res.runs[call - 1] : NULL;
        if (glitch && !glitch->pass && fake_passes(&glitchy, glitch->set)) {
            assert_one_minimal(&glitchy, res.set);
            fixed += res.minimal_dropped > 0;
        }
        needs_result_release(&res);
    }
    assert_true(fixed > 0);
}

struct progress_log {
    size_t calls, last_runs;
    bool ordered;
};

static void record_progress(const struct needs_progress *p, void *arg)
{
    struct progress_log *log = arg;
    if (log->calls > 0 && p->runs_done != log->last_runs + 1)
        log->ordered = false;
    log->last_runs = p->runs_done;
    log->calls++;
}

static void test_progress_reports_every_run(void **state)
{
    (void)state;
    struct fake f = {.need = CAPS_BIT(2) | CAPS_BIT(11)};
    struct progress_log log = {.ordered = true};
    struct needs_options o = {.universe = low_bits(14),
                              .oracle = fake_oracle,
                              .oracle_ctx = &f,
                              .progress = record_progress,
                              .progress_arg = &log};
    struct needs_result res;
    struct err e = {0};
    assert_int_equal(needs_search(&o, &res, &e), 0);
    assert_int_equal(log.calls, res.n_runs);
    assert_true(log.ordered);
    needs_result_release(&res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bound_table),
        cmocka_unit_test(test_random_sets_found_within_bound),
        cmocka_unit_test(test_exhaustive_small_sets),
        cmocka_unit_test(test_alternatives_give_one_minimal_sets),
        cmocka_unit_test(test_fails_even_with_everything),
        cmocka_unit_test(test_nothing_needed_takes_two_runs),
        cmocka_unit_test(test_flaky_is_detected_with_repeat),
        cmocka_unit_test(test_strict_keeps_capabilities_whose_loss_only_warns),
        cmocka_unit_test(test_failed_check_counts_as_failure),
        cmocka_unit_test(test_oracle_failure_aborts),
        cmocka_unit_test(test_naive_takes_n_plus_one_runs),
        cmocka_unit_test(test_prove_minimal),
        cmocka_unit_test(test_progress_reports_every_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
