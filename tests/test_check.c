/* Unit tests for the pure parts of lab/check.c and lab/verify.c: the expectation matcher on
 * fake results, the sentences, the likely-capability hints, missing tools, proof verdicts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"
#include "check.h"
#include "verify.h"

static capmask cap_bit(const char *name)
{
    unsigned cap = 999;
    struct err e = {0};
    assert_int_equal(caps_parse(name, &cap, &e), 0);
    return CAPS_BIT(cap);
}

/* An expectation: outcome, exit (-1 any), stdout, stderr, errno. */
static struct lesson_expect expect(enum lesson_outcome outcome, int exit_code, const char *out,
                                   const char *err, int err_no)
{
    return (struct lesson_expect){.outcome = outcome,
                                  .exit_code = exit_code,
                                  .stdout_re = (char *)out,
                                  .stderr_re = (char *)err,
                                  .err_no = err_no};
}

static const struct check_observed chown_refused = {
    .exit_code = 1,
    .err = "chown: changing ownership of '/srv/f': Operation not permitted\n",
};
static const struct check_observed id_ok = {.exit_code = 0, .out = "0\n"};
static const struct check_observed timed_out = {.exit_code = 124, .timed_out = true};
static const struct check_observed killed = {.exit_code = 137, .term_signal = 9};
static const struct check_observed nc_denied = {.exit_code = 1, .err = "nc: Permission denied\n"};
static const struct check_observed probe_eperm = {
    .exit_code = 1, .is_probe = true, .err_no = EPERM};
static const struct check_observed probe_ok = {.exit_code = 0, .is_probe = true};

static void test_matcher_cases(void **state)
{
    (void)state;
    struct {
        struct lesson_expect x;
        const struct check_observed *o;
        bool match;
        const char *why; /* a part of the sentence on a mismatch */
    } cases[] = {
        {expect(OUTCOME_FAILURE, -1, NULL, "Operation not permitted", 0), &chown_refused, true,
         NULL},
        {expect(OUTCOME_FAILURE, 1, NULL, NULL, 0), &chown_refused, true, NULL},
        {expect(OUTCOME_ANY, 1, NULL, NULL, 0), &chown_refused, true, NULL},
        {expect(OUTCOME_ANY, -1, NULL, NULL, 0), &chown_refused, true, NULL},
        {expect(OUTCOME_ANY, -1, NULL, NULL, 0), &id_ok, true, NULL},
        {expect(OUTCOME_SUCCESS, -1, NULL, NULL, 0), &chown_refused, false,
         "the command failed, but it should have succeeded"},
        {expect(OUTCOME_FAILURE, -1, NULL, NULL, 0), &id_ok, false,
         "the command succeeded, but it should have failed"},
        {expect(OUTCOME_FAILURE, 2, NULL, NULL, 0), &chown_refused, false,
         "the exit status was 1, not 2"},
        {expect(OUTCOME_FAILURE, -1, NULL, "Permission denied", 0), &chown_refused, false,
         "stderr does not match /Permission denied/"},
        /* Regexes are searched in the whole text, case-sensitively. */
        {expect(OUTCOME_SUCCESS, -1, "^0", NULL, 0), &id_ok, true, NULL},
        {expect(OUTCOME_SUCCESS, -1, "^0$", NULL, 0), &id_ok, false, "stdout does not match"},
        {expect(OUTCOME_SUCCESS, -1, "^0\n$", NULL, 0), &id_ok, true, NULL},
        {expect(OUTCOME_FAILURE, -1, NULL, "operation not permitted", 0), &chown_refused, false,
         "stderr does not match"},
        {expect(OUTCOME_FAILURE, -1, NULL, "ownership.*permitted", 0), &chown_refused, true, NULL},
        {expect(OUTCOME_FAILURE, -1, "^$", NULL, 0), &chown_refused, true, NULL},
        {expect(OUTCOME_FAILURE, -1, NULL, "(", 0), &chown_refused, false,
         "is not a valid regular expression"},
        /* A timeout proves nothing, even when a failure is expected. */
        {expect(OUTCOME_FAILURE, -1, NULL, NULL, 0), &timed_out, false, "did not finish in time"},
        {expect(OUTCOME_ANY, 124, NULL, NULL, 0), &timed_out, true, NULL},
        {expect(OUTCOME_FAILURE, 137, NULL, NULL, 0), &killed, true, NULL},
        {expect(OUTCOME_SUCCESS, -1, NULL, NULL, 0), &killed, false, "failed"},
        /* errno: a probe's report, or strerror's text in a command's stderr. */
        {expect(OUTCOME_FAILURE, -1, NULL, NULL, EPERM), &probe_eperm, true, NULL},
        {expect(OUTCOME_FAILURE, -1, NULL, NULL, EACCES), &probe_eperm, false,
         "the probe reported EPERM, not EACCES"},
        {expect(OUTCOME_FAILURE, -1, NULL, NULL, EPERM), &probe_ok, false,
         "the probe succeeded, but it should have failed"},
        {expect(OUTCOME_ANY, -1, NULL, NULL, EPERM), &probe_ok, false,
         "the probe reported success, not EPERM"},
        {expect(OUTCOME_SUCCESS, -1, NULL, NULL, 0), &probe_ok, true, NULL},
        {expect(OUTCOME_FAILURE, 1, NULL, NULL, EACCES), &nc_denied, true, NULL},
        {expect(OUTCOME_FAILURE, 1, NULL, NULL, EPERM), &nc_denied, false,
         "stderr does not say \"Operation not permitted\" (EPERM)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char why[512] = "unset";
        bool got = check_expect_match(&cases[i].x, cases[i].o, why, sizeof why);
        if (got != cases[i].match)
            fail_msg("case %zu: expected %s, why: %s", i, cases[i].match ? "a match" : "no match",
                     why);
        if (cases[i].match)
            assert_string_equal(why, "");
        else if (!strstr(why, cases[i].why))
            fail_msg("case %zu: \"%s\" does not say \"%s\"", i, why, cases[i].why);
    }
}

static void test_matcher_null_output_is_empty(void **state)
{
    (void)state;
    struct check_observed o = {.exit_code = 0};
    struct lesson_expect x = expect(OUTCOME_SUCCESS, -1, "^$", "^$", 0);
    assert_true(check_expect_match(&x, &o, NULL, 0));
}

static void test_describe_expectation(void **state)
{
    (void)state;
    char buf[512];
    struct lesson_expect x = expect(OUTCOME_FAILURE, 1, NULL, "Operation not permitted", 0);
    check_expect_describe(&x, false, buf, sizeof buf);
    assert_string_equal(buf, "Expected: the command fails with exit status 1, stderr matching "
                             "/Operation not permitted/.");
    x = expect(OUTCOME_SUCCESS, -1, NULL, NULL, 0);
    check_expect_describe(&x, false, buf, sizeof buf);
    assert_string_equal(buf, "Expected: the command succeeds.");
    x = expect(OUTCOME_FAILURE, -1, NULL, NULL, EPERM);
    check_expect_describe(&x, true, buf, sizeof buf);
    assert_string_equal(buf, "Expected: the probe fails with errno EPERM.");
    check_expect_describe(&x, true, buf, 10); /* cut, still terminated */
    assert_int_equal(strlen(buf), 9);
}

static void test_describe_observed(void **state)
{
    (void)state;
    char buf[512];
    check_describe_observed(&chown_refused, buf, sizeof buf);
    assert_string_equal(buf, "It failed with exit status 1. stderr: chown: changing ownership of "
                             "'/srv/f': Operation not permitted");
    check_describe_observed(&id_ok, buf, sizeof buf);
    assert_string_equal(buf, "It succeeded (exit status 0).");
    check_describe_observed(&killed, buf, sizeof buf);
    assert_string_equal(buf, "It was killed by signal 9 (SIGKILL).");
    check_describe_observed(&probe_eperm, buf, sizeof buf);
    assert_string_equal(buf, "The probe was refused with EPERM (Operation not permitted).");
}

static void test_relevant_line(void **state)
{
    (void)state;
    char buf[64];
    check_relevant_line("Reading lists\nE: setgroups 65534 failed - setgroups (1: Operation not "
                        "permitted)\nE: later\n",
                        buf, sizeof buf);
    assert_string_equal(buf, "E: setgroups 65534 failed - setgroups (1: Operation not perm...");
    check_relevant_line("one\ntwo\n\n  \n", buf, sizeof buf);
    assert_string_equal(buf, "two");
    check_relevant_line("", buf, sizeof buf);
    assert_string_equal(buf, "");
    check_relevant_line(NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
}

static void test_refusal(void **state)
{
    (void)state;
    assert_true(check_is_refusal(&chown_refused));
    assert_true(check_is_refusal(&nc_denied));
    assert_true(check_is_refusal(&probe_eperm));
    assert_false(check_is_refusal(&id_ok));
    assert_false(check_is_refusal(&timed_out));
    struct check_observed exec_refused = {.exit_code = 126, .err = ""};
    assert_true(check_is_refusal(&exec_refused));
    struct check_observed other = {.exit_code = 2, .err = "usage: x\n"};
    assert_false(check_is_refusal(&other));
}

static void test_hints(void **state)
{
    (void)state;
    /* The message names a capability. */
    assert_int_equal(check_hinted_caps("setcap cap_net_raw+ep f",
                                       "unable to set CAP_SETFCAP effective capability"),
                     cap_bit("SETFCAP"));
    assert_true(check_hinted_caps("/tmp/ping -c1 x", "missing cap_net_raw+p capability") &
                cap_bit("NET_RAW"));
    /* Messages and commands. */
    assert_int_equal(check_hinted_caps("", "su: cannot set groups: Operation not permitted"),
                     cap_bit("SETGID"));
    assert_int_equal(check_hinted_caps("chown nobody /srv/f", ""), cap_bit("CHOWN"));
    assert_int_equal(check_hinted_caps("/usr/bin/chown nobody f && true", ""), cap_bit("CHOWN"));
    assert_int_equal(check_hinted_caps("echo hi", "hi"), 0);
    /* A path is not the program it ends like. */
    assert_int_equal(check_hinted_caps("/srv/lab/capcat /proc/self/status", ""), 0);
}

/* Programs the built-in table does not know come from assets/capabilities.json (capinfo). */
static void test_hints_from_reference_data(void **state)
{
    (void)state;
    assert_true(check_hinted_caps("killall sleep", "") & cap_bit("KILL"));
    assert_true(check_hinted_caps("modprobe dummy", "") & cap_bit("SYS_MODULE"));
    assert_true(check_hinted_caps("/usr/sbin/swapon /swap", "") & cap_bit("SYS_ADMIN"));
    assert_int_equal(check_hinted_caps("of another", ""), 0); /* words inside a phrase */
}

static void test_likely_caps(void **state)
{
    (void)state;
    char buf[512];
    capmask all = caps_all();
    capmask docker = caps_docker_defaults();

    /* chown with CHOWN dropped. */
    capmask got = check_likely_caps("chown nobody /srv/f",
                                    "chown: changing ownership of '/srv/f': Operation not "
                                    "permitted",
                                    all & ~(docker & ~cap_bit("CHOWN")), false, buf, sizeof buf);
    assert_int_equal(got, cap_bit("CHOWN"));
    assert_string_equal(buf, "Likely cause: CAP_CHOWN is missing from this sandbox.");

    /* The message beats the command: apt names many, setgroups says SETGID. */
    got = check_likely_caps("apt-get update", "E: setgroups 65534 failed - setgroups (1: ...)", all,
                            false, buf, sizeof buf);
    assert_int_equal(got, cap_bit("SETGID"));

    /* A non-root user holds nothing in effect. */
    got = check_likely_caps("nc -l -p 80", "nc: Permission denied", all, true, buf, sizeof buf);
    assert_int_equal(got, cap_bit("NET_BIND_SERVICE"));
    assert_non_null(strstr(buf, "non-root user"));

    /* The sandbox holds what the hints name: the refusal comes from elsewhere. */
    got = check_likely_caps("chown nobody f", "Operation not permitted", all & ~all, false, buf,
                            sizeof buf);
    assert_int_equal(got, 0);
    assert_non_null(strstr(buf, "The sandbox holds CAP_CHOWN"));

    /* No hint at all: the few capabilities dropped from Docker's defaults. */
    got = check_likely_caps("./mystery", "Operation not permitted", cap_bit("KILL"), false, buf,
                            sizeof buf);
    assert_int_equal(got, cap_bit("KILL"));
    assert_non_null(strstr(buf, "CAP_KILL"));

    /* Nothing to say. */
    got = check_likely_caps("./mystery", "Operation not permitted", all, false, buf, sizeof buf);
    assert_int_equal(got, 0);
    assert_string_equal(buf, "");
}

static void test_tools(void **state)
{
    (void)state;
    assert_true(check_tool_exists("sh"));
    assert_true(check_tool_exists("/bin/sh"));
    assert_false(check_tool_exists("caplab-no-such-tool"));
    assert_false(check_tool_exists("/nonexistent/sh"));
    char buf[512];
    check_missing_tool_note("ping", buf, sizeof buf);
    assert_non_null(strstr(buf, "ping is not installed here"));
    assert_non_null(strstr(buf, "`caplab probe NET_RAW` shows the same thing without ping"));
    assert_non_null(strstr(buf, "iputils-ping"));
    check_missing_tool_note("caplab-no-such-tool", buf, sizeof buf);
    assert_non_null(strstr(buf, "caplab-no-such-tool is not installed here"));
    assert_null(strstr(buf, "caplab probe"));
}

/* Proof verdicts from fake runs: [0] the key, then none, then the key minus each. */
static void judge(struct verify_item *it, struct verify_run *runs, size_t n,
                  const enum check_status *statuses)
{
    static const struct lesson_quiz quiz = {.id = "q"};
    memset(it, 0, sizeof *it);
    it->kind = VERIFY_PROOF;
    it->quiz = &quiz;
    it->runs = runs;
    it->n_runs = n;
    for (size_t i = 0; i < n; i++)
        runs[i].result.status = statuses[i];
    verify_judge_proof(it);
}

static void test_proof_verdicts(void **state)
{
    (void)state;
    capmask su = cap_bit("SETUID") | cap_bit("SETGID");
    struct verify_run runs[4] = {
        {.caps = su, .want_match = true},
        {.caps = 0},
        {.caps = cap_bit("SETGID")},
        {.caps = cap_bit("SETUID")},
    };
    struct verify_item it;

    judge(&it, runs, 4, (enum check_status[]){CHECK_PASS, CHECK_FAIL, CHECK_FAIL, CHECK_FAIL});
    assert_int_equal(it.status, CHECK_PASS);

    /* A wrong key. */
    strcpy(runs[0].result.mismatch, "the command failed, but it should have succeeded");
    judge(&it, runs, 4, (enum check_status[]){CHECK_FAIL, CHECK_FAIL, CHECK_FAIL, CHECK_FAIL});
    assert_int_equal(it.status, CHECK_FAIL);
    assert_non_null(strstr(it.reason, "the key (CAP_SETGID, CAP_SETUID) does not pass"));

    /* A proof that passes without any capability cannot tell right from wrong. */
    judge(&it, runs, 4, (enum check_status[]){CHECK_PASS, CHECK_PASS, CHECK_FAIL, CHECK_FAIL});
    assert_int_equal(it.status, CHECK_FAIL);
    assert_non_null(strstr(it.reason, "cannot tell a right answer from a wrong one"));

    /* The key names one capability too many. */
    judge(&it, runs, 4, (enum check_status[]){CHECK_PASS, CHECK_FAIL, CHECK_PASS, CHECK_FAIL});
    assert_int_equal(it.status, CHECK_FAIL);
    assert_non_null(strstr(it.reason, "passes without CAP_SETUID"));

    /* Not run: the reason is passed on, and it is not a verdict. */
    strcpy(runs[0].result.note, "skipped: needs privileged mode");
    judge(&it, runs, 4,
          (enum check_status[]){CHECK_SKIPPED, CHECK_SKIPPED, CHECK_SKIPPED, CHECK_SKIPPED});
    assert_int_equal(it.status, CHECK_SKIPPED);
    assert_string_equal(it.reason, "skipped: needs privileged mode");

    /* A sandbox that could not be built is a failure of the lesson. */
    strcpy(runs[1].result.note, "the sandbox set-up failed (status 1)");
    judge(&it, runs, 4, (enum check_status[]){CHECK_PASS, CHECK_ERROR, CHECK_FAIL, CHECK_FAIL});
    assert_int_equal(it.status, CHECK_ERROR);
    assert_non_null(strstr(it.reason, "set-up failed"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matcher_cases),
        cmocka_unit_test(test_matcher_null_output_is_empty),
        cmocka_unit_test(test_describe_expectation),
        cmocka_unit_test(test_describe_observed),
        cmocka_unit_test(test_relevant_line),
        cmocka_unit_test(test_refusal),
        cmocka_unit_test(test_hints),
        cmocka_unit_test(test_hints_from_reference_data),
        cmocka_unit_test(test_likely_caps),
        cmocka_unit_test(test_tools),
        cmocka_unit_test(test_proof_verdicts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
