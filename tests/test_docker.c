/* Unit tests for lab/docker.c: sandboxes written as `docker run` command lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "docker.h"

static capmask bit(const char *name)
{
    unsigned cap;
    struct err e = {0};
    assert_int_equal(caps_parse(name, &cap, &e), 0);
    return CAPS_BIT(cap);
}

static void test_capability_flags_are_the_shortest_exact_spelling(void **state)
{
    (void)state;
    struct {
        struct caps_request req;
        const char *want; /* the flags between "-it" and the image */
    } cases[] = {
        {{.baseline = CAPS_BASELINE_DOCKER}, ""},
        {{.baseline = CAPS_BASELINE_DOCKER, .drop = bit("NET_RAW")}, " --cap-drop NET_RAW"},
        {{.baseline = CAPS_BASELINE_DOCKER, .add = bit("SYS_ADMIN")}, " --cap-add SYS_ADMIN"},
        {{.baseline = CAPS_BASELINE_DOCKER, .drop_all = true, .add = bit("NET_BIND_SERVICE")},
         " --cap-drop ALL --cap-add NET_BIND_SERVICE"},
        {{.baseline = CAPS_BASELINE_NONE}, " --cap-drop ALL"},
        {{.baseline = CAPS_BASELINE_ALL}, " --cap-add ALL"},
        {{.baseline = CAPS_BASELINE_ALL, .drop = bit("SYS_ADMIN")},
         " --cap-add ALL --cap-drop SYS_ADMIN"},
        {{.baseline = CAPS_BASELINE_DOCKER,
          .drop = bit("CHOWN") | bit("NET_RAW"),
          .add = bit("NET_ADMIN")},
         " --cap-drop CHOWN --cap-drop NET_RAW --cap-add NET_ADMIN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct lesson_sandbox sb = {.caps = cases[i].req, .docker_sysctls = true};
        char *cmd = docker_run_command(&sb, "img");
        assert_non_null(cmd);
        char want[512];
        snprintf(want, sizeof want, "docker run --rm -it%s img", cases[i].want);
        assert_string_equal(cmd, want);
        free(cmd);
    }
}

static void test_user_nnp_and_sysctls(void **state)
{
    (void)state;
    struct lesson_sandbox sb = {
        .caps = {.baseline = CAPS_BASELINE_DOCKER}, .user = "nobody", .no_new_privs = true};
    char *cmd = docker_run_command(&sb, NULL);
    assert_non_null(cmd);
    assert_string_equal(cmd, "docker run --rm -it --user nobody --security-opt no-new-privileges"
                             " --sysctl net.ipv4.ip_unprivileged_port_start=1024"
                             " --sysctl 'net.ipv4.ping_group_range=1 0' debian:12 sh");
    free(cmd);
    sb.user = "root";
    sb.no_new_privs = false;
    sb.docker_sysctls = true;
    cmd = docker_run_command(&sb, NULL);
    assert_string_equal(cmd, "docker run --rm -it debian:12 sh");
    free(cmd);
}

static void test_prompt_tags(void **state)
{
    (void)state;
    capmask deflt = caps_docker_defaults();
    struct {
        capmask set;
        const char *want;
    } cases[] = {
        {deflt, "docker"},
        {deflt & ~bit("NET_RAW"), "-NET_RAW"},
        {(deflt & ~bit("CHOWN")) | bit("NET_ADMIN"), "-CHOWN +NET_ADMIN"},
        {bit("NET_BIND_SERVICE"), "none +NET_BIND_SERVICE"},
        {0, "none"},
        {caps_all(), "all"},
        {caps_all() & ~bit("SYS_ADMIN"), "all -SYS_ADMIN"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char tag[64];
        caps_prompt_tag(cases[i].set, tag, sizeof tag);
        assert_string_equal(tag, cases[i].want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capability_flags_are_the_shortest_exact_spelling),
        cmocka_unit_test(test_user_nnp_and_sysctls),
        cmocka_unit_test(test_prompt_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
