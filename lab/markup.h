/*
 * markup: the lessons' light markup, laid out for a terminal of a given width.
 *
 * A pure function from (text, width) to lines of styled spans; it knows nothing of
 * terminals, so the UI only paints what it gets and the layout is unit-tested.
 *
 * The markup (see lesson.h and lessons/README.md):
 *     # Heading / ## Subheading ... (up to ######)
 *     paragraphs: consecutive lines, separated by a blank line; whitespace collapses
 *     "- item" or "* item" bullet lists, "1. item" numbered lists (leading spaces nest)
 *     `inline code`, *emphasis*, **strong**; a backslash makes the next * ` \ literal
 *     ``` fenced code blocks ```: kept verbatim, never wrapped
 *
 * Layout rules:
 *     - Text is UTF-8 and measured in display columns (mbrtowc + wcwidth under a UTF-8
 *       locale, whatever the process locale): East Asian wide characters count 2.
 *     - No line is wider than `width`. Words wrap at whitespace; a word longer than a
 *       line is broken hard. A character wider than the whole line becomes "?".
 *     - List items hang: continuation lines are indented under the item's text.
 *     - Code block lines are indented by 2 (when width >= 8) and clipped, never wrapped;
 *       a clipped line ends with a MARKUP_CLIP span and has `clipped` set.
 *     - Blocks are separated by one blank line (none between items of one list);
 *       there is no blank line at the start or the end.
 *     - Bytes that are not valid UTF-8 and control characters become "?", so nothing
 *       from a lesson can send escape sequences to the terminal. Tabs expand to 4 columns
 *       in code blocks and are spaces elsewhere.
 *
 * Ownership: markup_render() fills a caller-provided struct markup_doc that owns every
 * line, span and string in it; release it with markup_doc_release() (which leaves an
 * empty document, safe to release again).
 */
#ifndef CAPLAB_MARKUP_H
#define CAPLAB_MARKUP_H

#include <stdbool.h>
#include <locale.h>
#include <stddef.h>

#include "err.h"

enum markup_style {
    MARKUP_NORMAL = 0,
    MARKUP_HEADING,
    MARKUP_CODE,       /* `inline code` */
    MARKUP_EMPHASIS,   /* *emphasis* */
    MARKUP_STRONG,     /* **strong** */
    MARKUP_CODE_BLOCK, /* a line of a fenced block */
    MARKUP_BULLET,     /* "• " or "3. " in front of a list item */
    MARKUP_CLIP,       /* the marker at the end of a clipped code line */
};

enum markup_line_kind {
    MARKUP_LINE_BLANK = 0,
    MARKUP_LINE_TEXT,
    MARKUP_LINE_HEADING,
    MARKUP_LINE_ITEM, /* a line of a list item (the first one carries the bullet) */
    MARKUP_LINE_CODE,
};

/* Options for markup_render (bit flags). */
enum markup_flags {
    MARKUP_ASCII = 1 << 0,   /* "-" bullets and ">" clip marks instead of "•" and "…" */
    MARKUP_MARKERS = 1 << 1, /* keep the markers in the text (# ** * `), for a plain
                                screen-reader mode where styles must not carry meaning */
};

struct markup_span {
    enum markup_style style;
    char *text;     /* NUL-terminated UTF-8, never empty */
    size_t len;     /* bytes */
    unsigned width; /* display columns */
};

struct markup_line {
    enum markup_line_kind kind;
    unsigned level; /* heading level 1..6, else 0 */
    bool clipped;   /* a code line cut at the width */
    unsigned width; /* sum of the spans' widths, <= the width asked for */
    struct markup_span *spans;
    size_t n_spans;
};

struct markup_doc {
    struct markup_line *lines;
    size_t n_lines;
};

/* Lay out `text` (NULL counts as "") for `width` columns (>= 1) into *doc, which must be
 * empty (zeroed or released). Returns 0, or -1 with e filled (ERR_INVALID for width 0,
 * ERR_SYSTEM when out of memory) and *doc left empty. */
int markup_render(const char *text, unsigned width, unsigned flags, struct markup_doc *doc,
                  struct err *e);

void markup_doc_release(struct markup_doc *doc);

/* The UTF-8 locale layout is measured with, whatever the program's locale is (created once,
 * never freed; (locale_t)0 when the system has none). Shared with the line editor. */
locale_t markup_utf8_locale(void);

/* One line of plain text (a title, a status) made safe and short: whitespace becomes
 * spaces, invalid bytes and control characters "?", and when it is wider than `width`
 * columns it is cut and ends with "…" (">" with MARKUP_ASCII). Returns a malloc'd string
 * (caller frees) and its columns in *cols (may be NULL); NULL when out of memory. */
char *markup_clip(const char *text, unsigned width, unsigned flags, unsigned *cols);

#endif
