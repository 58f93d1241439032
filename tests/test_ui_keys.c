/*
 * Unit tests for the tutor's key table (lab/ui_keys.c): the invariants that make one
 * table safe to drive every screen. The table is plain data, so the file is compiled in
 * here directly (it calls no curses function; only key codes come from <curses.h>).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "../lab/ui_keys.c"

static const unsigned contexts[] = {UI_CTX_MENU, UI_CTX_TEXT,  UI_CTX_EXPERIMENT,
                                    UI_CTX_QUIZ, UI_CTX_INPUT, UI_CTX_OVERLAY};

/* A later entry for the same key in a context an earlier one covers would never fire. */
static void test_no_dead_bindings(void **state)
{
    (void)state;
    size_t n;
    const struct ui_key *k = ui_key_table(&n);
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (k[i].key == k[j].key && (k[i].ctx & ~k[j].ctx) == 0)
                fail_msg("entry %zu (key %d) is shadowed by entry %zu", i, k[i].key, j);
}

/* While typing an answer every printable character must reach the line. */
static void test_typing_is_never_taken(void **state)
{
    (void)state;
    for (int ch = 32; ch < 127; ch++)
        assert_int_equal(ui_key_action(ch, UI_CTX_INPUT), UI_ACT_NONE);
}

/* Every screen can be left, and has help; Q quits from every screen. */
static void test_every_screen_can_be_left(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof contexts / sizeof contexts[0]; i++) {
        unsigned ctx = contexts[i];
        if (ctx == UI_CTX_INPUT) {
            assert_int_equal(ui_key_action(UI_ESC, ctx), UI_ED_CANCEL);
            continue;
        }
        assert_int_equal(ui_key_action('q', ctx), UI_ACT_BACK);
        assert_int_equal(ui_key_action('Q', ctx), UI_ACT_QUIT);
        assert_int_equal(ui_key_action('?', ctx), UI_ACT_HELP);
    }
}

/* The keys the issue names, where they are promised. */
static void test_documented_keys(void **state)
{
    (void)state;
    struct {
        int key;
        unsigned ctx;
        enum ui_action action;
    } cases[] = {
        {'j', UI_CTX_TEXT, UI_ACT_DOWN},
        {'k', UI_CTX_TEXT, UI_ACT_UP},
        {UI_KC(KEY_NPAGE), UI_CTX_TEXT, UI_ACT_PAGE_DOWN},
        {UI_KC(KEY_PPAGE), UI_CTX_QUIZ, UI_ACT_PAGE_UP},
        {' ', UI_CTX_EXPERIMENT, UI_ACT_PAGE_DOWN},
        {'g', UI_CTX_TEXT, UI_ACT_TOP},
        {'G', UI_CTX_TEXT, UI_ACT_BOTTOM},
        {'n', UI_CTX_QUIZ, UI_ACT_NEXT_STEP},
        {'p', UI_CTX_EXPERIMENT, UI_ACT_PREV_STEP},
        {'s', UI_CTX_EXPERIMENT, UI_ACT_SHELL},
        {'c', UI_CTX_EXPERIMENT, UI_ACT_CHECKS},
        {'h', UI_CTX_QUIZ, UI_ACT_HINT},
        {'x', UI_CTX_QUIZ, UI_ACT_EXPLAIN},
        {'P', UI_CTX_QUIZ, UI_ACT_PROVE},
        {'i', UI_CTX_TEXT, UI_ACT_CAP_INFO},
        {UI_KC(KEY_F(1)), UI_CTX_INPUT, UI_ACT_CAP_INFO},
        {'\t', UI_CTX_INPUT, UI_ED_COMPLETE},
        {UI_CTRL('u'), UI_CTX_INPUT, UI_ED_KILL_START},
        {UI_CTRL('w'), UI_CTX_INPUT, UI_ED_KILL_WORD},
        {UI_KC(KEY_UP), UI_CTX_INPUT, UI_ED_HISTORY_PREV},
        {UI_KC(KEY_HOME), UI_CTX_INPUT, UI_ED_HOME},
        {'\n', UI_CTX_MENU, UI_ACT_OPEN},
        /* Step keys mean nothing where there are no steps. */
        {'s', UI_CTX_TEXT, UI_ACT_NONE},
        {'h', UI_CTX_MENU, UI_ACT_NONE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        if (ui_key_action(cases[i].key, cases[i].ctx) != cases[i].action)
            fail_msg("case %zu: key %d in context %u", i, cases[i].key, cases[i].ctx);
}

/* The help overlay is generated from the table: each context lists its keys. */
static void test_help_covers_each_context(void **state)
{
    (void)state;
    size_t n;
    const struct ui_key *k = ui_key_table(&n);
    for (size_t c = 0; c < sizeof contexts / sizeof contexts[0]; c++) {
        size_t described = 0;
        for (size_t i = 0; i < n; i++)
            if (k[i].help && (k[i].ctx & contexts[c])) {
                assert_non_null(k[i].keys);
                described++;
            }
        assert_true(described >= 3);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_dead_bindings),
        cmocka_unit_test(test_typing_is_never_taken),
        cmocka_unit_test(test_every_screen_can_be_left),
        cmocka_unit_test(test_documented_keys),
        cmocka_unit_test(test_help_covers_each_context),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
