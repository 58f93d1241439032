/* Unit tests for lab/lineedit.c: editing, words, history and completion. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lineedit.h"

static void assert_text(const struct lineedit *le, const char *want)
{
    char *t = lineedit_text(le);
    assert_non_null(t);
    assert_string_equal(t, want);
    free(t);
}

static void type(struct lineedit *le, const wchar_t *s)
{
    while (*s)
        assert_int_equal(lineedit_insert(le, *s++), 0);
}

static void test_insert_and_move(void **state)
{
    (void)state;
    struct lineedit le;
    lineedit_init(&le);
    assert_text(&le, "");
    type(&le, L"NETRAW");
    lineedit_left(&le);
    lineedit_left(&le);
    lineedit_left(&le);
    type(&le, L"_");
    assert_text(&le, "NET_RAW");
    lineedit_home(&le);
    type(&le, L"CAP_");
    lineedit_end(&le);
    type(&le, L"!");
    assert_text(&le, "CAP_NET_RAW!");
    lineedit_backspace(&le);
    lineedit_home(&le);
    lineedit_delete(&le);
    assert_text(&le, "AP_NET_RAW");
    /* Moving past either end is harmless. */
    lineedit_left(&le);
    lineedit_backspace(&le);
    lineedit_end(&le);
    lineedit_right(&le);
    lineedit_delete(&le);
    assert_text(&le, "AP_NET_RAW");
    lineedit_release(&le);
}

static void test_kill_commands(void **state)
{
    (void)state;
    struct lineedit le;
    lineedit_init(&le);
    type(&le, L"setuid, setgid  chown");
    lineedit_kill_word(&le);
    assert_text(&le, "setuid, setgid  ");
    lineedit_kill_word(&le);
    assert_text(&le, "setuid, ");
    lineedit_kill_word(&le);
    assert_text(&le, "");
    type(&le, L"abc def");
    lineedit_left(&le);
    lineedit_left(&le);
    lineedit_kill_to_start(&le);
    assert_text(&le, "ef");
    assert_int_equal(le.cursor, 0);
    lineedit_release(&le);
}

static void test_utf8_round_trip_and_columns(void **state)
{
    (void)state;
    struct lineedit le;
    lineedit_init(&le);
    assert_int_equal(lineedit_set_text(&le, "café 日本"), 0);
    assert_int_equal(le.len, 7);
    assert_int_equal(lineedit_columns(&le, le.len), 9);
    assert_text(&le, "café 日本");
    lineedit_backspace(&le);
    assert_text(&le, "café 日");
    /* Invalid bytes do not break the line. */
    assert_int_equal(lineedit_set_text(&le, "a\xffz"), 0);
    assert_int_equal(le.len, 3);
    lineedit_release(&le);
}

static void test_history(void **state)
{
    (void)state;
    struct lineedit le;
    lineedit_init(&le);
    assert_int_equal(lineedit_history_add(&le, "first"), 0);
    assert_int_equal(lineedit_history_add(&le, "second"), 0);
    assert_int_equal(lineedit_history_add(&le, "second"), 0); /* repeat skipped */
    assert_int_equal(lineedit_history_add(&le, ""), 0);       /* empty skipped */
    assert_int_equal(le.n_history, 2);
    type(&le, L"draft");
    lineedit_history_prev(&le);
    assert_text(&le, "second");
    lineedit_history_prev(&le);
    assert_text(&le, "first");
    lineedit_history_prev(&le); /* stays at the oldest */
    assert_text(&le, "first");
    lineedit_history_next(&le);
    assert_text(&le, "second");
    lineedit_history_next(&le);
    assert_text(&le, "draft"); /* back to what was being typed */
    lineedit_history_next(&le);
    assert_text(&le, "draft");
    lineedit_release(&le);
}

static void test_history_is_bounded(void **state)
{
    (void)state;
    struct lineedit le;
    lineedit_init(&le);
    char buf[32];
    for (int i = 0; i < LINEEDIT_HISTORY + 10; i++) {
        snprintf(buf, sizeof buf, "answer %d", i);
        assert_int_equal(lineedit_history_add(&le, buf), 0);
    }
    assert_int_equal(le.n_history, LINEEDIT_HISTORY);
    assert_string_equal(le.history[0], "answer 10");
    lineedit_release(&le);
}

static void test_completion(void **state)
{
    (void)state;
    const char *caps[] = {"CHOWN", "NET_ADMIN", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_RAW"};
    size_t n = sizeof caps / sizeof caps[0];
    size_t m[8];
    struct lineedit le;
    lineedit_init(&le);

    type(&le, L"net_r");
    assert_int_equal(lineedit_complete(&le, caps, n, m, 8), 1);
    assert_text(&le, "NET_RAW");
    assert_int_equal(m[0], 4);

    /* Several matches: extended to the common prefix, all reported. */
    lineedit_clear(&le);
    type(&le, L"chown, net_b");
    assert_int_equal(lineedit_complete(&le, caps, n, m, 8), 2);
    assert_text(&le, "chown, NET_B");
    assert_int_equal(m[0], 2);
    assert_int_equal(m[1], 3);

    /* Completion in the middle keeps the text after the cursor. */
    lineedit_clear(&le);
    type(&le, L"ch setuid");
    for (int i = 0; i < 7; i++)
        lineedit_left(&le);
    assert_int_equal(lineedit_complete(&le, caps, n, NULL, 0), 1);
    assert_text(&le, "CHOWN setuid");
    assert_int_equal(le.cursor, 5);

    /* No match: nothing changes. */
    lineedit_clear(&le);
    type(&le, L"xyz");
    assert_int_equal(lineedit_complete(&le, caps, n, m, 8), 0);
    assert_text(&le, "xyz");

    /* Empty word: every candidate matches, nothing is guessed. */
    lineedit_clear(&le);
    assert_int_equal(lineedit_complete(&le, caps, n, m, 2), 5);
    assert_text(&le, "");
    lineedit_release(&le);
}

static void test_length_limit(void **state)
{
    (void)state;
    struct lineedit le;
    lineedit_init(&le);
    for (int i = 0; i < LINEEDIT_MAX + 50; i++)
        assert_int_equal(lineedit_insert(&le, L'x'), 0);
    assert_int_equal(le.len, LINEEDIT_MAX);
    lineedit_release(&le);
}

int main(void)
{
    setlocale(LC_ALL, "C");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_insert_and_move),
        cmocka_unit_test(test_kill_commands),
        cmocka_unit_test(test_utf8_round_trip_and_columns),
        cmocka_unit_test(test_history),
        cmocka_unit_test(test_history_is_bounded),
        cmocka_unit_test(test_completion),
        cmocka_unit_test(test_length_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
