/* Unit tests for lab/capinfo.c (the shipped capabilities.json and every way a copy can be
 * broken), plus the pure helpers of probes.c and compare.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "capinfo.h"
#include "caps.h"
#include "compare.h"
#include "probes.h"

static char *shipped_path(void)
{
    const char *root = getenv("CAPLAB_DATA");
    char *out = NULL;
    assert_true(asprintf(&out, "%s/assets/capabilities.json", root && *root ? root : ".") > 0);
    return out;
}

static json_t *shipped_json(void)
{
    char *path = shipped_path();
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    free(path);
    assert_non_null(root);
    return root;
}

/* Write `root` (or raw `text`) to a temporary file; returns its path (caller frees). */
static char *write_temp(json_t *root, const char *text)
{
    char *path = strdup("/tmp/caplab-capinfo-XXXXXX.json");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    if (root)
        assert_int_equal(json_dumpf(root, f, JSON_INDENT(2)), 0);
    else
        fputs(text, f);
    fclose(f);
    return path;
}

/* Load a mutated copy of the shipped file and return the error message (static). */
static const char *load_error(json_t *root, const char *text, enum err_code *code)
{
    static struct err e;
    memset(&e, 0, sizeof e);
    char *path = write_temp(root, text);
    struct capinfo *info = NULL;
    int rc = capinfo_load(path, &info, &e);
    unlink(path);
    free(path);
    assert_int_equal(rc, -1);
    assert_null(info);
    if (code)
        *code = e.code;
    return e.msg;
}

static json_t *entry(json_t *root, size_t i)
{
    return json_array_get(json_object_get(root, "capabilities"), i);
}

static void test_shipped_file_covers_the_kernel(void **state)
{
    (void)state;
    char *path = shipped_path();
    struct capinfo *info = NULL;
    struct err e = {0};
    int rc = capinfo_load(path, &info, &e);
    if (rc < 0)
        fail_msg("%s", e.msg);
    free(path);
    assert_int_equal(capinfo_count(info), caps_last() + 1);
    unsigned docker = 0;
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        const struct capinfo_entry *c = capinfo_get(info, cap);
        assert_non_null(c);
        assert_int_equal(c->cap, cap);
        assert_string_equal(c->name, caps_name(cap));
        assert_true(strlen(c->governs) > 40);
        assert_true(c->n_syscalls > 0 && c->n_commands > 0);
        assert_true(strlen(c->probe) > 10);
        assert_int_equal(c->docker_default, (caps_docker_defaults() & CAPS_BIT(cap)) != 0);
        docker += c->docker_default;
        for (size_t i = 0; i < c->n_related; i++)
            assert_int_not_equal(c->related[i].cap, cap);
    }
    assert_int_equal(docker, 14);
    assert_null(capinfo_get(info, caps_last() + 1));
    capinfo_free(info);
}

static void test_related_explains_the_dac_trio(void **state)
{
    (void)state;
    char *path = shipped_path();
    struct capinfo *info = NULL;
    assert_int_equal(capinfo_load(path, &info, NULL), 0);
    free(path);
    unsigned dac_override, dac_read, fowner, sys_admin;
    assert_int_equal(caps_parse("DAC_OVERRIDE", &dac_override, NULL), 0);
    assert_int_equal(caps_parse("DAC_READ_SEARCH", &dac_read, NULL), 0);
    assert_int_equal(caps_parse("FOWNER", &fowner, NULL), 0);
    assert_int_equal(caps_parse("SYS_ADMIN", &sys_admin, NULL), 0);
    /* Each of the three names the other two; SYS_ADMIN names the three it overlaps. */
    unsigned trio[] = {dac_override, dac_read, fowner};
    for (int i = 0; i < 3; i++) {
        const struct capinfo_entry *c = capinfo_get(info, trio[i]);
        capmask named = 0;
        for (size_t j = 0; j < c->n_related; j++)
            named |= CAPS_BIT(c->related[j].cap);
        if (trio[i] != fowner)
            assert_true(named & CAPS_BIT(trio[(i + 1) % 3]) || named & CAPS_BIT(trio[(i + 2) % 3]));
    }
    const struct capinfo_entry *admin = capinfo_get(info, sys_admin);
    assert_non_null(admin->danger);
    capmask named = 0;
    for (size_t j = 0; j < admin->n_related; j++)
        named |= CAPS_BIT(admin->related[j].cap);
    unsigned perfmon, bpf, cr;
    assert_int_equal(caps_parse("PERFMON", &perfmon, NULL), 0);
    assert_int_equal(caps_parse("BPF", &bpf, NULL), 0);
    assert_int_equal(caps_parse("CHECKPOINT_RESTORE", &cr, NULL), 0);
    assert_true(named & CAPS_BIT(perfmon) && named & CAPS_BIT(bpf) && named & CAPS_BIT(cr));
    capinfo_free(info);
}

/* One broken copy: how to break it and what the error must say. */
struct breakage {
    const char *what;
    void (*mutate)(json_t *root);
    const char *expected; /* substring of the message, after "FILE: " */
};

static void unknown_name(json_t *root)
{
    json_object_set_new(entry(root, 13), "name", json_string("NET_RAWW"));
}
static void missing_entry(json_t *root)
{
    json_array_remove(json_object_get(root, "capabilities"), 40);
}
static void duplicate_entry(json_t *root)
{
    json_array_append(json_object_get(root, "capabilities"), entry(root, 0));
}
static void wrong_number(json_t *root)
{
    json_object_set_new(entry(root, 5), "number", json_integer(6));
}
static void wrong_docker(json_t *root)
{
    json_object_set_new(entry(root, 21), "docker_default", json_true());
}
static void unknown_key(json_t *root)
{
    json_object_set_new(entry(root, 2), "governz", json_string("x"));
}
static void empty_governs(json_t *root)
{
    json_object_set_new(entry(root, 3), "governs", json_string(""));
}
static void related_unknown(json_t *root)
{
    json_t *rel = json_object_get(entry(root, 1), "related");
    json_object_set_new(json_array_get(rel, 0), "name", json_string("DAC_OVERIDE_X"));
}
static void related_self(json_t *root)
{
    json_t *rel = json_object_get(entry(root, 0), "related");
    json_object_set_new(json_array_get(rel, 0), "name", json_string("CHOWN"));
}
static void non_canonical(json_t *root)
{
    json_object_set_new(entry(root, 13), "name", json_string("cap_net_raw"));
}
static void empty_syscalls(json_t *root)
{
    json_object_set_new(entry(root, 7), "syscalls", json_array());
}
static void wrong_format(json_t *root)
{
    json_object_set_new(root, "format", json_integer(2));
}
static void missing_probe(json_t *root)
{
    json_object_del(entry(root, 9), "probe");
}

static const struct breakage breakages[] = {
    {"unknown name", unknown_name,
     "/capabilities/13/name: unknown capability \"NET_RAWW\": did you mean NET_RAW?"},
    {"missing entry", missing_entry, "/capabilities: no entry for CHECKPOINT_RESTORE (number 40)"},
    {"duplicate", duplicate_entry, "/capabilities/41/name: a second entry for CHOWN"},
    {"wrong number", wrong_number, "/capabilities/5/number: KILL is capability number 5"},
    {"docker default", wrong_docker,
     "/capabilities/21/docker_default: Docker does not grant SYS_ADMIN by default"},
    {"unknown key", unknown_key, "/capabilities/2/governz: unknown key \"governz\""},
    {"empty text", empty_governs, "/capabilities/3/governs: expected a non-empty string"},
    {"related unknown", related_unknown, "/capabilities/1/related/0/name: unknown capability"},
    {"related self", related_self,
     "/capabilities/0/related/0/name: a capability is not related to itself"},
    {"non-canonical", non_canonical, "/capabilities/13/name: write the canonical name \"NET_RAW\""},
    {"empty list", empty_syscalls, "/capabilities/7/syscalls: expected a non-empty array"},
    {"format", wrong_format, "/format: expected 1"},
    {"missing member", missing_probe, "/capabilities/9: missing \"probe\""},
};

static void test_broken_copies_are_rejected_with_a_pointer(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof breakages / sizeof breakages[0]; i++) {
        json_t *root = shipped_json();
        breakages[i].mutate(root);
        enum err_code code;
        const char *msg = load_error(root, NULL, &code);
        json_decref(root);
        if (!strstr(msg, breakages[i].expected))
            fail_msg("%s: expected \"%s\" in \"%s\"", breakages[i].what, breakages[i].expected,
                     msg);
        assert_true(strncmp(msg, "/tmp/caplab-capinfo-", 20) == 0);
        assert_int_equal(code, ERR_INVALID);
    }
}

static void test_several_problems_are_counted(void **state)
{
    (void)state;
    json_t *root = shipped_json();
    unknown_key(root);
    empty_governs(root);
    wrong_number(root);
    const char *msg = load_error(root, NULL, NULL);
    json_decref(root);
    assert_non_null(strstr(msg, "(and 2 more problems)"));
}

static void test_syntax_error_names_line_and_column(void **state)
{
    (void)state;
    enum err_code code;
    const char *msg = load_error(NULL, "{\"format\": 1,\n  \"capabilities\": [,]}\n", &code);
    assert_int_equal(code, ERR_INVALID);
    assert_non_null(strstr(msg, ".json:2:"));
    msg = load_error(NULL, "{\"format\": 1, \"format\": 1, \"capabilities\": []}", &code);
    assert_non_null(strstr(msg, "duplicate"));
}

static void test_missing_file(void **state)
{
    (void)state;
    struct capinfo *info = NULL;
    struct err e = {0};
    assert_int_equal(capinfo_load("/nonexistent/caplab/capabilities.json", &info, &e), -1);
    assert_int_equal(e.code, ERR_NOT_FOUND);
    assert_non_null(strstr(e.msg, "/nonexistent/caplab/capabilities.json"));
}

static void test_default_accessors(void **state)
{
    (void)state;
    const char *summary = capinfo_summary(13);
    assert_non_null(summary);
    assert_non_null(strstr(summary, "raw"));
    assert_non_null(capinfo_probe_summary(13));
    assert_null(capinfo_summary(caps_last() + 1));
}

/* probe_parse_record: the one line a probe prints inside the sandbox. */
static void test_probe_record_parsing(void **state)
{
    (void)state;
    struct probe_outcome o;
    memset(&o, 0, sizeof o);
    const char *text = "noise before\ncaplab-probe\tv1\tdenied\t1\tchown(\"f\", 1000, 1000)\t"
                       "why it failed\nafter\n";
    assert_int_equal(probe_parse_record(text, &o), 0);
    assert_int_equal(o.result, PROBE_DENIED);
    assert_int_equal(o.err_no, EPERM);
    assert_string_equal(o.call, "chown(\"f\", 1000, 1000)");
    assert_string_equal(o.detail, "why it failed");
    assert_int_equal(probe_parse_record("caplab-probe\tv1\tsilently-ignored\t0\tc\t\n", &o), 0);
    assert_int_equal(o.result, PROBE_SILENTLY_IGNORED);
    assert_string_equal(o.detail, "");

    const char *bad[] = {NULL,
                         "",
                         "caplab-probe\tv1\tmaybe\t0\tc\td\n",
                         "caplab-probe\tv1\tdenied\tx\tc\td\n",
                         "caplab-probe\tv1\tdenied\t1\n",
                         "caplab-probe\tv2\tdenied\t1\tc\td\n",
                         "caplab-probe\tv1\tdenied\t-3\tc\td"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(probe_parse_record(bad[i], &o), -1);
}

static void test_probe_table(void **state)
{
    (void)state;
    for (unsigned cap = 0; cap <= caps_last(); cap++) {
        const struct probe_info *p = probe_info(cap);
        assert_non_null(p);
        assert_int_equal(p->cap, cap);
        assert_true(p->call && *p->call && p->why && *p->why);
    }
    assert_null(probe_info(caps_last() + 1));
    const char *with_admin[] = {"PERFMON", "BPF", "CHECKPOINT_RESTORE"};
    unsigned admin;
    assert_int_equal(caps_parse("SYS_ADMIN", &admin, NULL), 0);
    for (int i = 0; i < 3; i++) {
        unsigned cap;
        assert_int_equal(caps_parse(with_admin[i], &cap, NULL), 0);
        assert_int_equal(probe_info(cap)->also_dropped, CAPS_BIT(admin));
    }
    assert_string_equal(probe_errno_name(EPERM), "EPERM");
    assert_string_equal(probe_errno_name(0), "-");
}

static void test_compare_first_lines(void **state)
{
    (void)state;
    char buf[256];
    compare_first_lines("one\ntwo\nthree\nfour\n", 2, 40, buf, sizeof buf);
    assert_string_equal(buf, "one\ntwo");
    compare_first_lines("a long line of text", 3, 10, buf, sizeof buf);
    assert_string_equal(buf, "a long ...");
    compare_first_lines(NULL, 3, 10, buf, sizeof buf);
    assert_string_equal(buf, "");
    compare_first_lines("x\ny\n", 5, 10, buf, 3);
    assert_string_equal(buf, "x");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_shipped_file_covers_the_kernel),
        cmocka_unit_test(test_related_explains_the_dac_trio),
        cmocka_unit_test(test_broken_copies_are_rejected_with_a_pointer),
        cmocka_unit_test(test_several_problems_are_counted),
        cmocka_unit_test(test_syntax_error_names_line_and_column),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_default_accessors),
        cmocka_unit_test(test_probe_record_parsing),
        cmocka_unit_test(test_probe_table),
        cmocka_unit_test(test_compare_first_lines),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
