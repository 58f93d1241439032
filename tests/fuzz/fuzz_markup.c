/*
 * libFuzzer harness: the lesson markup renderer (markup_render: text and width to lines)
 * and markup_clip. Lesson text comes from lesson authors and reaches the learner's terminal.
 *
 * Input: byte 0 picks the width (1..160), byte 1 the flags, the rest is the text.
 * Checks the layout contract in markup.h, not only the absence of crashes:
 *   - no line is wider than the width, and a line's width is the sum of its spans';
 *   - spans are never empty, their lengths are their strings' lengths;
 *   - no span contains a control character (nothing can send escape sequences);
 *   - no blank line at the start or the end;
 *   - markup_clip returns at most `width` columns without control characters.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "markup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_text(const char *s, size_t len)
{
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c == 0x7f)
            abort(); /* a control character would reach the terminal */
    }
}

static void check_doc(const struct markup_doc *doc, unsigned width)
{
    if (doc->n_lines > 0 && (doc->lines[0].kind == MARKUP_LINE_BLANK ||
                             doc->lines[doc->n_lines - 1].kind == MARKUP_LINE_BLANK))
        abort();
    for (size_t i = 0; i < doc->n_lines; i++) {
        const struct markup_line *line = &doc->lines[i];
        if (line->width > width)
            abort();
        unsigned sum = 0;
        for (size_t k = 0; k < line->n_spans; k++) {
            const struct markup_span *sp = &line->spans[k];
            if (!sp->text || sp->len == 0 || strlen(sp->text) != sp->len)
                abort();
            check_text(sp->text, sp->len);
            sum += sp->width;
        }
        if (sum != line->width)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    unsigned width = 1 + data[0] % 160;
    unsigned flags = data[1] & (MARKUP_ASCII | MARKUP_MARKERS);
    char *text = malloc(size - 2 + 1);
    if (!text)
        return 0;
    memcpy(text, data + 2, size - 2);
    text[size - 2] = '\0';

    struct markup_doc doc = {0};
    struct err e = {0};
    if (markup_render(text, width, flags, &doc, &e) == 0)
        check_doc(&doc, width);
    else if (doc.n_lines != 0)
        abort(); /* a failure leaves the document empty */
    markup_doc_release(&doc);
    markup_doc_release(&doc); /* safe to release again */

    unsigned cols = 0;
    char *clipped = markup_clip(text, width, flags, &cols);
    if (clipped) {
        if (cols > width)
            abort();
        check_text(clipped, strlen(clipped));
        free(clipped);
    }
    free(text);
    return 0;
}
