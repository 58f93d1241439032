/* Unit tests for lab/caps.c: names, Docker's parsing and resolution rules, masks. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "caps.h"

#define B(name) CAPS_BIT(cap_number(name))

static unsigned cap_number(const char *name)
{
    unsigned cap = 999;
    struct err e = {0};
    assert_int_equal(caps_parse(name, &cap, &e), 0);
    return cap;
}

static void test_names_cover_the_kernel(void **state)
{
    (void)state;
    assert_true(caps_last() >= 40);
    assert_string_equal(caps_name(0), "CHOWN");
    assert_string_equal(caps_name(13), "NET_RAW");
    assert_string_equal(caps_name(21), "SYS_ADMIN");
    assert_null(caps_name(caps_last() + 1));
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        assert_int_equal(cap_number(caps_name(cap)), cap);
}

static void test_parse_spellings(void **state)
{
    (void)state;
    const char *spellings[] = {"net_raw",     "NET_RAW",   "cap_net_raw", "CAP_NET_RAW",
                               "Cap_Net_Raw", " NET_RAW ", "net-raw",     "net raw"};
    for (size_t i = 0; i < sizeof spellings / sizeof spellings[0]; i++)
        assert_int_equal(cap_number(spellings[i]), 13);
}

static void test_unknown_names_suggest(void **state)
{
    (void)state;
    struct {
        const char *typed;
        const char *hint; /* NULL: no suggestion expected */
    } cases[] = {
        {"NET_BIND_SERIVCE", "did you mean NET_BIND_SERVICE?"},
        {"CAP_NET_BIND_SERVIC", "did you mean NET_BIND_SERVICE?"},
        {"net_rwa", "did you mean NET_RAW?"},
        {"SYS_ADMN", "did you mean SYS_ADMIN?"},
        {"banana", NULL},
        {"", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned cap;
        struct err e = {0};
        assert_int_equal(caps_parse(cases[i].typed, &cap, &e), -1);
        assert_int_equal(e.code, ERR_INVALID);
        assert_non_null(strstr(e.msg, "unknown capability"));
        if (cases[i].hint)
            assert_non_null(strstr(e.msg, cases[i].hint));
        else
            assert_null(strstr(e.msg, "did you mean"));
    }
}

static void test_docker_defaults(void **state)
{
    (void)state;
    capmask d = caps_docker_defaults();
    assert_int_equal(caps_count(d), 14);
    const char *names[] = {"CHOWN",   "DAC_OVERRIDE", "FSETID",           "FOWNER",
                           "MKNOD",   "NET_RAW",      "SETGID",           "SETUID",
                           "SETFCAP", "SETPCAP",      "NET_BIND_SERVICE", "SYS_CHROOT",
                           "KILL",    "AUDIT_WRITE"};
    for (size_t i = 0; i < 14; i++)
        assert_true(d & B(names[i]));
    /* The well-known defaults: 0xa80425fb, as `docker run ... grep CapEff` shows. */
    assert_int_equal(d, 0xa80425fbULL);
}

/* One Docker case: baseline, space-separated drops and adds, the expected set. */

static capmask resolve_words(const char *baseline, const char *drops, const char *adds)
{
    struct caps_request req = {0};
    struct err e = {0};
    assert_int_equal(caps_baseline_parse(baseline, &req.baseline, &e), 0);
    char *d = strdup(drops), *a = strdup(adds);
    for (char *t = strtok(d, " "); t; t = strtok(NULL, " "))
        assert_int_equal(caps_request_add(&req, t, true, &e), 0);
    for (char *t = strtok(a, " "); t; t = strtok(NULL, " "))
        assert_int_equal(caps_request_add(&req, t, false, &e), 0);
    free(d);
    free(a);
    return caps_resolve(&req);
}

static void test_resolve_docker_table(void **state)
{
    (void)state;
    capmask all = caps_all(), def = caps_docker_defaults();
    struct {
        const char *baseline, *drops, *adds;
        capmask expect;
    } cases[] = {
        {"docker", "", "", def},
        {"docker", "ALL", "", 0},
        {"docker", "all", "NET_BIND_SERVICE", B("NET_BIND_SERVICE")},
        {"docker", "ALL", "cap_chown cap_setuid", B("CHOWN") | B("SETUID")},
        {"docker", "NET_RAW", "", def & ~B("NET_RAW")},
        {"docker", "net_raw", "NET_RAW", def}, /* add beats drop */
        {"docker", "", "SYS_ADMIN", def | B("SYS_ADMIN")},
        {"docker", "SYS_ADMIN", "", def},              /* dropping what is absent */
        {"docker", "CHOWN", "ALL", all & ~B("CHOWN")}, /* add ALL keeps all but drops */
        {"docker", "ALL", "ALL", all},                 /* add ALL wins over drop ALL */
        {"all", "", "", all},
        {"all", "SYS_ADMIN NET_ADMIN", "", all & ~(B("SYS_ADMIN") | B("NET_ADMIN"))},
        {"none", "", "", 0},
        {"none", "", "NET_RAW", B("NET_RAW")},
        {"none", "NET_RAW", "NET_RAW", B("NET_RAW")},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        capmask got = resolve_words(cases[i].baseline, cases[i].drops, cases[i].adds);
        if (got != cases[i].expect)
            fail_msg("case %zu (%s -%s +%s): got %llx, expected %llx", i, cases[i].baseline,
                     cases[i].drops, cases[i].adds, (unsigned long long)got,
                     (unsigned long long)cases[i].expect);
    }
}

static void test_order_does_not_matter(void **state)
{
    (void)state;
    assert_int_equal(resolve_words("docker", "NET_RAW CHOWN", "NET_RAW"),
                     resolve_words("docker", "CHOWN NET_RAW", "NET_RAW"));
}

static void test_request_rejects_unknown(void **state)
{
    (void)state;
    struct caps_request req = {0};
    struct err e = {0};
    assert_int_equal(caps_request_add(&req, "NET_BIND_SERIVCE", false, &e), -1);
    assert_non_null(strstr(e.msg, "NET_BIND_SERVICE"));
    assert_int_equal(caps_baseline_parse("root", &req.baseline, &e), -1);
    assert_int_equal(e.code, ERR_USAGE);
}

static void test_masks_and_names(void **state)
{
    (void)state;
    char hex[17];
    caps_to_hex(caps_docker_defaults(), hex);
    assert_string_equal(hex, "00000000a80425fb");
    capmask back;
    struct err e = {0};
    assert_int_equal(caps_from_hex(hex, &back, &e), 0);
    assert_int_equal(back, caps_docker_defaults());
    assert_int_equal(caps_from_hex("0x400", &back, &e), 0);
    assert_int_equal(back, B("NET_BIND_SERVICE"));
    assert_int_equal(caps_from_hex("zz", &back, &e), -1);

    char *names = caps_to_names(B("KILL") | B("CHOWN"), ",", false);
    assert_string_equal(names, "CHOWN,KILL");
    free(names);
    names = caps_to_names(B("NET_RAW"), " ", true);
    assert_string_equal(names, "CAP_NET_RAW");
    free(names);
    names = caps_to_names(0, ",", false);
    assert_string_equal(names, "");
    free(names);
}

static void test_normalise(void **state)
{
    (void)state;
    char buf[64];
    assert_string_equal(caps_normalise("  cap_net bind-service. ", buf, sizeof buf),
                        "NET_BIND_SERVICE");
    assert_string_equal(caps_normalise("\"CAP_SYS_ADMIN\"", buf, sizeof buf), "SYS_ADMIN");
    assert_string_equal(caps_normalise("", buf, sizeof buf), "");
    assert_true(caps_is_all("all"));
    assert_true(caps_is_all("CAP_ALL"));
    assert_false(caps_is_all("allx"));
}

static void test_docker_and_compose_forms(void **state)
{
    (void)state;
    struct {
        capmask set;
        const char *flags, *compose, *tag;
    } cases[] = {
        {caps_docker_defaults(), "", "", "docker"},
        {caps_docker_defaults() & ~B("NET_RAW"), "--cap-drop NET_RAW", "cap_drop:\n  - NET_RAW\n",
         "-NET_RAW"},
        {B("NET_BIND_SERVICE"), "--cap-drop ALL --cap-add NET_BIND_SERVICE",
         "cap_drop:\n  - ALL\ncap_add:\n  - NET_BIND_SERVICE\n", "none +NET_BIND_SERVICE"},
        {caps_docker_defaults() | B("SYS_ADMIN"), "--cap-add SYS_ADMIN",
         "cap_add:\n  - SYS_ADMIN\n", "+SYS_ADMIN"},
        {0, "--cap-drop ALL", "cap_drop:\n  - ALL\n", "none"},
        {caps_all() & ~B("SYS_ADMIN"), "--cap-add ALL --cap-drop SYS_ADMIN",
         "cap_drop:\n  - SYS_ADMIN\ncap_add:\n  - ALL\n", "all -SYS_ADMIN"},
        {B("CHOWN") | B("KILL") | B("SETUID") | B("SETGID") | B("FOWNER") | B("NET_ADMIN") |
             B("SYS_ADMIN") | B("SYS_PTRACE"),
         "--cap-drop ALL --cap-add CHOWN --cap-add FOWNER --cap-add KILL --cap-add SETGID "
         "--cap-add SETUID --cap-add NET_ADMIN --cap-add SYS_PTRACE --cap-add SYS_ADMIN",
         "cap_drop:\n  - ALL\ncap_add:\n  - CHOWN\n  - FOWNER\n  - KILL\n  - SETGID\n  - "
         "SETUID\n  - NET_ADMIN\n  - SYS_PTRACE\n  - SYS_ADMIN\n",
         "8 caps"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *flags = caps_docker_flags(cases[i].set);
        char *compose = caps_compose_snippet(cases[i].set);
        char tag[96];
        caps_prompt_tag(cases[i].set, tag, sizeof tag);
        assert_string_equal(flags, cases[i].flags);
        assert_string_equal(compose, cases[i].compose);
        assert_string_equal(tag, cases[i].tag);
        free(flags);
        free(compose);
    }
    char *iab = caps_iab_text(caps_all() & ~B("NET_RAW"));
    assert_string_equal(iab, "!cap_net_raw");
    free(iab);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_cover_the_kernel),
        cmocka_unit_test(test_parse_spellings),
        cmocka_unit_test(test_unknown_names_suggest),
        cmocka_unit_test(test_docker_defaults),
        cmocka_unit_test(test_resolve_docker_table),
        cmocka_unit_test(test_order_does_not_matter),
        cmocka_unit_test(test_request_rejects_unknown),
        cmocka_unit_test(test_masks_and_names),
        cmocka_unit_test(test_normalise),
        cmocka_unit_test(test_docker_and_compose_forms),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
