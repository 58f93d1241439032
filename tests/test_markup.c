/* Unit tests for lab/markup.c: block structure, inline styles and wrapping by columns. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markup.h"

/* The text of line i, spans joined; static buffer. */
static const char *line_text(const struct markup_doc *d, size_t i)
{
    static char buf[4096];
    buf[0] = '\0';
    assert_true(i < d->n_lines);
    for (size_t k = 0; k < d->lines[i].n_spans; k++)
        strncat(buf, d->lines[i].spans[k].text, sizeof buf - strlen(buf) - 1);
    return buf;
}

static void render(const char *text, unsigned width, unsigned flags, struct markup_doc *d)
{
    struct err e = {0};
    assert_int_equal(markup_render(text, width, flags, d, &e), 0);
}

/* Every line fits, its width is the sum of its spans, and no span is empty. */
static void assert_well_formed(const struct markup_doc *d, unsigned width)
{
    for (size_t i = 0; i < d->n_lines; i++) {
        const struct markup_line *l = &d->lines[i];
        unsigned sum = 0;
        for (size_t k = 0; k < l->n_spans; k++) {
            assert_true(l->spans[k].len > 0);
            assert_int_equal(strlen(l->spans[k].text), l->spans[k].len);
            sum += l->spans[k].width;
        }
        assert_int_equal(sum, l->width);
        if (l->width > width)
            fail_msg("line %zu is %u columns wide, more than %u: \"%s\"", i, l->width, width,
                     line_text(d, i));
    }
}

/* Render and compare the lines' texts with `expected` (NULL-terminated). */
static void assert_lines(const char *text, unsigned width, unsigned flags,
                         const char *const *expected)
{
    struct markup_doc d = {0};
    render(text, width, flags, &d);
    assert_well_formed(&d, width);
    size_t n = 0;
    while (expected[n])
        n++;
    for (size_t i = 0; i < n && i < d.n_lines; i++)
        assert_string_equal(line_text(&d, i), expected[i]);
    assert_int_equal(d.n_lines, n);
    markup_doc_release(&d);
}

#define LINES(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_empty_input(void **state)
{
    (void)state;
    const char *inputs[] = {NULL, "", "\n\n", "   \n \t \n"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        struct markup_doc d = {0};
        render(inputs[i], 40, 0, &d);
        assert_int_equal(d.n_lines, 0);
        markup_doc_release(&d);
        markup_doc_release(&d); /* safe twice */
    }
}

static void test_width_zero_is_an_error(void **state)
{
    (void)state;
    struct markup_doc d = {0};
    struct err e = {0};
    assert_int_equal(markup_render("text", 0, 0, &d, &e), -1);
    assert_int_equal(e.code, ERR_INVALID);
    assert_int_equal(d.n_lines, 0);
}

static void test_wraps_at_words(void **state)
{
    (void)state;
    assert_lines("The quick brown fox jumps over the lazy dog", 10, 0,
                 LINES("The quick", "brown fox", "jumps over", "the lazy", "dog"));
    /* Exactly the width fits; whitespace and line breaks inside a paragraph collapse. */
    assert_lines("abcde  fghij\nklm", 11, 0, LINES("abcde fghij", "klm"));
    assert_lines("one\ntwo\n\nthree", 40, 0, LINES("one two", "", "three"));
}

static void test_long_words_break_hard(void **state)
{
    (void)state;
    assert_lines("a supercalifragilistic b", 8, 0, LINES("a", "supercal", "ifragili", "stic b"));
    assert_lines("xxxxxxxxxxxxxxxxxxxxxxxxx", 10, 0, LINES("xxxxxxxxxx", "xxxxxxxxxx", "xxxxx"));
}

static void test_utf8_wide_characters(void **state)
{
    (void)state;
    /* Eight CJK characters of two columns each. */
    assert_lines("日本語のテキスト", 5, 0, LINES("日本", "語の", "テキ", "スト"));
    assert_lines("abc 日本", 4, 0, LINES("abc", "日本"));
    /* Accented letters are one column however many bytes they take. */
    assert_lines("café au lait", 4, 0, LINES("café", "au", "lait"));

    struct markup_doc d = {0};
    render("日本", 40, 0, &d);
    assert_int_equal(d.lines[0].width, 4);
    assert_int_equal(d.lines[0].spans[0].len, 6);
    markup_doc_release(&d);
}

static void test_width_one(void **state)
{
    (void)state;
    /* A two-column character cannot fit in one column: it is shown as "?". */
    assert_lines("ab 日", 1, 0, LINES("a", "b", "?"));
    assert_lines("- x", 1, 0, LINES("•", "x"));
    assert_lines("```\nlong code\n```", 1, 0, LINES("…"));
}

static void test_code_blocks_are_not_wrapped(void **state)
{
    (void)state;
    assert_lines("Run:\n```\nping -c1 **x** `y`\n\tindented\n```\nDone.", 40, 0,
                 LINES("Run:", "", "  ping -c1 **x** `y`", "      indented", "", "Done."));

    struct markup_doc d = {0};
    render("```\n0123456789abcdef\n```", 10, 0, &d);
    assert_int_equal(d.n_lines, 1);
    assert_int_equal(d.lines[0].kind, MARKUP_LINE_CODE);
    assert_true(d.lines[0].clipped);
    assert_int_equal(d.lines[0].width, 10);
    assert_string_equal(line_text(&d, 0), "  0123456…");
    assert_int_equal(d.lines[0].spans[1].style, MARKUP_CODE_BLOCK);
    assert_int_equal(d.lines[0].spans[2].style, MARKUP_CLIP);
    markup_doc_release(&d);

    assert_lines("```\n0123456789abcdef\n```", 10, MARKUP_ASCII, LINES("  0123456>"));
    /* An unclosed fence runs to the end; markers mode keeps the fences. */
    assert_lines("```\na\n\nb", 20, 0, LINES("  a", "  ", "  b"));
    assert_lines("```\na\n```", 20, MARKUP_MARKERS, LINES("  ```", "  a", "  ```"));
}

static void test_lists(void **state)
{
    (void)state;
    assert_lines("- one\n- two is longer text\n\n1. first\n2. second", 12, 0,
                 LINES("• one", "• two is", "  longer", "  text", "", "1. first", "2. second"));
    assert_lines("Intro\n- a\n  more of a\n* b\n10) c", 40, MARKUP_ASCII,
                 LINES("Intro", "", "- a more of a", "- b", "10) c"));
    /* Nested items keep their indentation, continuation lines hang under the text. */
    assert_lines("- top\n  - nested item wraps", 16, 0,
                 LINES("• top", "  • nested item", "    wraps"));

    struct markup_doc d = {0};
    render("3. x", 20, 0, &d);
    assert_int_equal(d.lines[0].kind, MARKUP_LINE_ITEM);
    assert_int_equal(d.lines[0].spans[0].style, MARKUP_BULLET);
    assert_string_equal(d.lines[0].spans[0].text, "3. ");
    markup_doc_release(&d);
}

static void test_emphasis_spans(void **state)
{
    (void)state;
    struct markup_doc d = {0};
    render("a *b c* **d** `e f` g", 80, 0, &d);
    assert_int_equal(d.n_lines, 1);
    struct {
        enum markup_style style;
        const char *text;
    } want[] = {
        {MARKUP_NORMAL, "a "}, {MARKUP_EMPHASIS, "b c"}, {MARKUP_NORMAL, " "},
        {MARKUP_STRONG, "d"},  {MARKUP_NORMAL, " "},     {MARKUP_CODE, "e f"},
        {MARKUP_NORMAL, " g"},
    };
    assert_int_equal(d.lines[0].n_spans, sizeof want / sizeof want[0]);
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        assert_int_equal(d.lines[0].spans[i].style, want[i].style);
        assert_string_equal(d.lines[0].spans[i].text, want[i].text);
    }
    markup_doc_release(&d);

    /* Unmatched markers and escapes stay literal. */
    assert_lines("2 * 3 and `open and a\\*b\\*", 80, 0, LINES("2 * 3 and `open and a*b*"));
    /* Markers mode keeps them, for a mode where style carries no meaning. */
    assert_lines("a *b* **c** `d`", 80, MARKUP_MARKERS, LINES("a *b* **c** `d`"));

    render("**CAP_NET_RAW** is *needed*", 80, 0, &d);
    assert_int_equal(d.lines[0].spans[0].style, MARKUP_STRONG);
    assert_string_equal(d.lines[0].spans[0].text, "CAP_NET_RAW");
    markup_doc_release(&d);
}

static void test_headings(void **state)
{
    (void)state;
    struct markup_doc d = {0};
    render("# Title `x`\ntext\n## Sub\n#nospace", 40, 0, &d);
    assert_int_equal(d.n_lines, 7);
    assert_int_equal(d.lines[0].kind, MARKUP_LINE_HEADING);
    assert_int_equal(d.lines[0].level, 1);
    assert_string_equal(line_text(&d, 0), "Title x");
    assert_int_equal(d.lines[0].spans[0].style, MARKUP_HEADING);
    assert_int_equal(d.lines[0].spans[1].style, MARKUP_CODE);
    assert_int_equal(d.lines[1].kind, MARKUP_LINE_BLANK);
    assert_string_equal(line_text(&d, 2), "text");
    assert_int_equal(d.lines[4].level, 2);
    assert_string_equal(line_text(&d, 6), "#nospace");
    markup_doc_release(&d);
    assert_lines("## Sub", 40, MARKUP_MARKERS, LINES("## Sub"));
}

static void test_no_control_characters_pass(void **state)
{
    (void)state;
    assert_lines("a\x1b[31mb \xff\xfe c", 40, 0, LINES("a?[31mb ?? c"));
    assert_lines("```\n\x1b]0;title\x07\n```", 40, 0, LINES("  ?]0;title?"));
}

static void test_every_width_is_respected(void **state)
{
    (void)state;
    const char *text =
        "# Capabilities — 能力\n\n"
        "Root's power is split into *about forty* **capabilities**: "
        "`CAP_NET_RAW`, `CAP_CHOWN`, `CAP_NET_BIND_SERVICE`...\n\n"
        "- drop them with `--cap-drop ALL`\n"
        "- add back what you need: 日本語のテキストも大丈夫\n"
        "1. a numbered item with a verylongwordthatmustbebrokenhard\n\n"
        "```\ndocker run --cap-drop ALL --cap-add NET_RAW alpine ping -c1 ::1\n```\n";
    for (unsigned w = 1; w <= 90; w++) {
        struct markup_doc d = {0};
        render(text, w, 0, &d);
        assert_well_formed(&d, w);
        assert_true(d.n_lines > 0);
        assert_int_equal(d.lines[d.n_lines - 1].kind, MARKUP_LINE_CODE);
        markup_doc_release(&d);
        render(text, w, MARKUP_ASCII | MARKUP_MARKERS, &d);
        assert_well_formed(&d, w);
        markup_doc_release(&d);
    }
}

static void test_clip(void **state)
{
    (void)state;
    struct {
        const char *text;
        unsigned width, flags;
        const char *want;
        unsigned cols;
    } cases[] = {
        {"short", 10, 0, "short", 5},
        {"exactly10!", 10, 0, "exactly10!", 10},
        {"a bit too long", 10, 0, "a bit too\xe2\x80\xa6", 10},
        {"a bit too long", 10, MARKUP_ASCII, "a bit too>", 10},
        {"日本語のテキスト", 7, 0, "日本語\xe2\x80\xa6", 7},
        {"tab\tnew\nline\x1b", 40, 0, "tab new line?", 13},
        {"", 5, 0, "", 0},
        {NULL, 5, 0, "", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        unsigned cols = 999;
        char *s = markup_clip(cases[i].text, cases[i].width, cases[i].flags, &cols);
        assert_non_null(s);
        assert_string_equal(s, cases[i].want);
        assert_int_equal(cols, cases[i].cols);
        free(s);
    }
}

int main(void)
{
    /* The layout must not depend on the process locale. */
    setlocale(LC_ALL, "C");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_width_zero_is_an_error),
        cmocka_unit_test(test_wraps_at_words),
        cmocka_unit_test(test_long_words_break_hard),
        cmocka_unit_test(test_utf8_wide_characters),
        cmocka_unit_test(test_width_one),
        cmocka_unit_test(test_code_blocks_are_not_wrapped),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_emphasis_spans),
        cmocka_unit_test(test_headings),
        cmocka_unit_test(test_no_control_characters_pass),
        cmocka_unit_test(test_every_width_is_respected),
        cmocka_unit_test(test_clip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
