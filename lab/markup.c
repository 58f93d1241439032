/*
 * markup: lesson markup to lines of styled spans (see markup.h for the rules).
 *
 * Two passes: block structure (headings, paragraphs, list items, code fences) is read
 * line by line; each block's text is parsed for inline styles into "cells" (one display
 * character each, with its bytes, width and style), and the cells are flowed into lines.
 */
#include "markup.h"

#include <ctype.h>
#include <locale.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* One display character: its bytes in cells.bytes, its columns and its style. */
struct cell {
    size_t off;
    unsigned char len;
    unsigned char width;
    unsigned char style;
    bool space;
};

struct cells {
    char *bytes;
    size_t n_bytes, cap_bytes;
    struct cell *v;
    size_t n, cap;
};

enum block { BLOCK_NONE, BLOCK_TEXT, BLOCK_HEADING, BLOCK_ITEM, BLOCK_CODE };

struct layout {
    struct markup_doc *doc;
    size_t cap_lines;
    unsigned width;
    unsigned flags;
    bool failed; /* out of memory: stop adding, report at the end */
    enum block last_block;
    bool saw_blank;
};

/* ---- output: lines and spans ---- */

static struct markup_line *current_line(struct layout *L)
{
    return &L->doc->lines[L->doc->n_lines - 1];
}

static bool new_line(struct layout *L, enum markup_line_kind kind, unsigned level)
{
    if (L->failed)
        return false;
    struct markup_doc *d = L->doc;
    if (d->n_lines == L->cap_lines) {
        size_t cap = L->cap_lines ? L->cap_lines * 2 : 16;
        struct markup_line *v = realloc(d->lines, cap * sizeof *v);
        if (!v) {
            L->failed = true;
            return false;
        }
        d->lines = v;
        L->cap_lines = cap;
    }
    d->lines[d->n_lines++] = (struct markup_line){.kind = kind, .level = level};
    return true;
}

/* Append text to the current line, merging with the last span when the style matches. */
static void put(struct layout *L, enum markup_style style, const char *s, size_t len,
                unsigned width)
{
    if (L->failed || len == 0)
        return;
    struct markup_line *line = current_line(L);
    struct markup_span *last = line->n_spans ? &line->spans[line->n_spans - 1] : NULL;
    if (last && last->style == style) {
        char *t = realloc(last->text, last->len + len + 1);
        if (!t) {
            L->failed = true;
            return;
        }
        memcpy(t + last->len, s, len);
        last->len += len;
        t[last->len] = '\0';
        last->text = t;
        last->width += width;
    } else {
        struct markup_span *v = realloc(line->spans, (line->n_spans + 1) * sizeof *v);
        if (!v) {
            L->failed = true;
            return;
        }
        line->spans = v;
        char *t = malloc(len + 1);
        if (!t) {
            L->failed = true;
            return;
        }
        memcpy(t, s, len);
        t[len] = '\0';
        line->spans[line->n_spans++] =
            (struct markup_span){.style = style, .text = t, .len = len, .width = width};
    }
    line->width += width;
}

static void put_spaces(struct layout *L, enum markup_style style, unsigned n)
{
    static const char spaces[] = "                ";
    while (n > 0) {
        unsigned k = n < sizeof spaces - 1 ? n : (unsigned)(sizeof spaces - 1);
        put(L, style, spaces, k, k);
        n -= k;
    }
}

/* ---- cells ---- */

static bool cells_push(struct layout *L, struct cells *c, const char *s, size_t len, unsigned width,
                       enum markup_style style, bool space)
{
    if (L->failed)
        return false;
    if (c->n_bytes + len > c->cap_bytes) {
        size_t cap = c->cap_bytes ? c->cap_bytes * 2 : 256;
        while (cap < c->n_bytes + len)
            cap *= 2;
        char *b = realloc(c->bytes, cap);
        if (!b)
            goto oom;
        c->bytes = b;
        c->cap_bytes = cap;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 128;
        struct cell *v = realloc(c->v, cap * sizeof *v);
        if (!v)
            goto oom;
        c->v = v;
        c->cap = cap;
    }
    memcpy(c->bytes + c->n_bytes, s, len);
    c->v[c->n++] = (struct cell){.off = c->n_bytes,
                                 .len = (unsigned char)len,
                                 .width = (unsigned char)width,
                                 .style = (unsigned char)style,
                                 .space = space};
    c->n_bytes += len;
    return true;
oom:
    L->failed = true;
    return false;
}

static void cells_free(struct cells *c)
{
    free(c->bytes);
    free(c->v);
    *c = (struct cells){0};
}

/* Decode one character of s[0..n) (n >= 1). Returns the bytes used (>= 1) and sets
 * *width to its columns, or to -1 when it must be shown as "?" (invalid or control). */
static size_t decode(const char *s, size_t n, wchar_t *wc, int *width)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t used = mbrtowc(wc, s, n, &st);
    if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
        *wc = L'?';
        *width = -1;
        return 1;
    }
    *width = wcwidth(*wc);
    return used;
}

/* Add the characters of s[0..n) as cells of one style; whitespace becomes break points. */
static void add_text(struct layout *L, struct cells *c, const char *s, size_t n,
                     enum markup_style style)
{
    size_t i = 0;
    while (i < n && !L->failed) {
        if (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
            cells_push(L, c, " ", 1, 1, style, true);
            i++;
            continue;
        }
        wchar_t wc;
        int w;
        size_t used = decode(s + i, n - i, &wc, &w);
        if (w < 0)
            cells_push(L, c, "?", 1, 1, style, false);
        else
            cells_push(L, c, s + i, used, (unsigned)w, style, false);
        i += used;
    }
}

static const char *find_from(const char *s, size_t n, size_t from, const char *needle)
{
    size_t k = strlen(needle);
    for (size_t i = from; i + k <= n; i++)
        if (memcmp(s + i, needle, k) == 0)
            return s + i;
    return NULL;
}

/* Closing "*" of an emphasis opened before `from`: preceded by a non-space, not part of
 * a "**". */
static const char *find_emphasis_end(const char *s, size_t n, size_t from)
{
    for (size_t i = from; i < n; i++) {
        if (s[i] == '\\') {
            i++;
            continue;
        }
        if (s[i] != '*')
            continue;
        if (i + 1 < n && s[i + 1] == '*') {
            i++;
            continue;
        }
        if (i > from && !isspace((unsigned char)s[i - 1]))
            return s + i;
    }
    return NULL;
}

static bool is_special(char ch)
{
    return ch == '\\' || ch == '`' || ch == '*';
}

/* Inline markup of s[0..n) to cells; plain text gets `base`. */
static void parse_inline(struct layout *L, struct cells *c, const char *s, size_t n,
                         enum markup_style base)
{
    bool markers = L->flags & MARKUP_MARKERS;
    size_t i = 0;
    while (i < n && !L->failed) {
        char ch = s[i];
        if (ch == '\\' && i + 1 < n && strchr("\\`*_#", s[i + 1])) {
            add_text(L, c, s + i + 1, 1, base);
            i += 2;
            continue;
        }
        if (ch == '`') {
            const char *end = find_from(s, n, i + 1, "`");
            if (end) {
                size_t len = (size_t)(end - (s + i + 1));
                if (markers)
                    add_text(L, c, "`", 1, MARKUP_CODE);
                add_text(L, c, s + i + 1, len, MARKUP_CODE);
                if (markers)
                    add_text(L, c, "`", 1, MARKUP_CODE);
                i += len + 2;
                continue;
            }
        } else if (ch == '*' && i + 2 < n && s[i + 1] == '*' && !isspace((unsigned char)s[i + 2])) {
            const char *end = find_from(s, n, i + 2, "**");
            if (end && !isspace((unsigned char)end[-1])) {
                size_t len = (size_t)(end - (s + i + 2));
                if (markers)
                    add_text(L, c, "**", 2, MARKUP_STRONG);
                parse_inline(L, c, s + i + 2, len, MARKUP_STRONG);
                if (markers)
                    add_text(L, c, "**", 2, MARKUP_STRONG);
                i += len + 4;
                continue;
            }
        } else if (ch == '*' && i + 1 < n && !isspace((unsigned char)s[i + 1]) && s[i + 1] != '*') {
            const char *end = find_emphasis_end(s, n, i + 1);
            if (end) {
                size_t len = (size_t)(end - (s + i + 1));
                enum markup_style inner = base == MARKUP_STRONG ? MARKUP_STRONG : MARKUP_EMPHASIS;
                if (markers)
                    add_text(L, c, "*", 1, inner);
                parse_inline(L, c, s + i + 1, len, inner);
                if (markers)
                    add_text(L, c, "*", 1, inner);
                i += len + 2;
                continue;
            }
        }
        /* Literal text up to the next character that could start markup. */
        size_t j = i + 1;
        while (j < n && !is_special(s[j]))
            j++;
        add_text(L, c, s + i, j - i, base);
        i = j;
    }
}

/* ---- flowing cells into lines ---- */

static void put_cell(struct layout *L, const struct cells *c, const struct cell *cell)
{
    put(L, cell->style, c->bytes + cell->off, cell->len, cell->width);
}

/*
 * Flow cells[from..n) into lines of `kind`. The first line starts with the cells
 * [0..from) (a bullet), continuation lines with `hang` columns of indent.
 */
static void flow(struct layout *L, const struct cells *c, size_t from, unsigned hang,
                 enum markup_line_kind kind, unsigned level)
{
    const unsigned W = L->width;
    if (!new_line(L, kind, level))
        return;
    unsigned col = 0;
    for (size_t k = 0; k < from; k++) {
        put_cell(L, c, &c->v[k]);
        col += c->v[k].width;
    }
    bool has_word = false;
    int space_style = -1;
    size_t i = from;
    while (i < c->n && !L->failed) {
        if (c->v[i].space) {
            if (space_style < 0)
                space_style = c->v[i].style;
            i++;
            continue;
        }
        size_t j = i;
        unsigned w = 0;
        while (j < c->n && !c->v[j].space)
            w += c->v[j++].width;
        bool placed = false;
        if (has_word) {
            if (col + 1 + w <= W) {
                put(L, space_style >= 0 ? (enum markup_style)space_style : MARKUP_NORMAL, " ", 1,
                    1);
                col += 1;
            } else {
                if (!new_line(L, kind, level))
                    return;
                put_spaces(L, MARKUP_NORMAL, hang);
                col = hang;
            }
        }
        if (col + w <= W) {
            for (size_t k = i; k < j; k++)
                put_cell(L, c, &c->v[k]);
            col += w;
            placed = true;
        }
        for (size_t k = i; !placed && k < j; k++) {
            const struct cell *cell = &c->v[k];
            if (col + cell->width > W && col > hang) {
                if (!new_line(L, kind, level))
                    return;
                put_spaces(L, MARKUP_NORMAL, hang);
                col = hang;
            }
            if (col + cell->width > W) {
                put(L, cell->style, "?", 1, 1); /* wider than the whole line */
                col += 1;
            } else {
                put_cell(L, c, cell);
                col += cell->width;
            }
        }
        has_word = true;
        space_style = -1;
        i = j;
    }
}

/* ---- blocks ---- */

static void separate(struct layout *L, enum block kind)
{
    bool same_list = kind == BLOCK_ITEM && L->last_block == BLOCK_ITEM && !L->saw_blank;
    if (L->doc->n_lines > 0 && !same_list)
        new_line(L, MARKUP_LINE_BLANK, 0);
    L->last_block = kind;
    L->saw_blank = false;
}

static void emit_heading(struct layout *L, unsigned level, const char *s, size_t n)
{
    struct cells c = {0};
    if (L->flags & MARKUP_MARKERS) {
        add_text(L, &c, "######", level, MARKUP_HEADING);
        add_text(L, &c, " ", 1, MARKUP_HEADING);
    }
    parse_inline(L, &c, s, n, MARKUP_HEADING);
    for (size_t k = 0; k < c.n; k++)
        if (c.v[k].style != MARKUP_CODE)
            c.v[k].style = MARKUP_HEADING;
    separate(L, BLOCK_HEADING);
    flow(L, &c, 0, 0, MARKUP_LINE_HEADING, level);
    cells_free(&c);
}

/* A list item: `bullet` ("•", "3.") in front of text, nested by `nest` columns. */
static void emit_item(struct layout *L, const char *bullet, unsigned nest, const char *s, size_t n)
{
    struct cells c = {0};
    add_text(L, &c, bullet, strlen(bullet), MARKUP_BULLET);
    unsigned bullet_w = 0;
    for (size_t k = 0; k < c.n; k++)
        bullet_w += c.v[k].width;
    separate(L, BLOCK_ITEM);
    if (L->width >= nest + bullet_w + 1 + 4) {
        /* Room for a hanging indent: the bullet and its space are the line's prefix. */
        struct cells prefixed = {0};
        for (unsigned k = 0; k < nest; k++)
            cells_push(L, &prefixed, " ", 1, 1, MARKUP_NORMAL, false);
        add_text(L, &prefixed, bullet, strlen(bullet), MARKUP_BULLET);
        cells_push(L, &prefixed, " ", 1, 1, MARKUP_BULLET, false);
        size_t from = prefixed.n;
        parse_inline(L, &prefixed, s, n, MARKUP_NORMAL);
        flow(L, &prefixed, from, nest + bullet_w + 1, MARKUP_LINE_ITEM, 0);
        cells_free(&prefixed);
    } else {
        /* Too narrow: the bullet is just the first word. */
        cells_push(L, &c, " ", 1, 1, MARKUP_NORMAL, true);
        parse_inline(L, &c, s, n, MARKUP_NORMAL);
        flow(L, &c, 0, 0, MARKUP_LINE_ITEM, 0);
    }
    cells_free(&c);
}

static void emit_paragraph(struct layout *L, const char *s, size_t n)
{
    struct cells c = {0};
    parse_inline(L, &c, s, n, MARKUP_NORMAL);
    separate(L, BLOCK_TEXT);
    flow(L, &c, 0, 0, MARKUP_LINE_TEXT, 0);
    cells_free(&c);
}

/* One line of a code block, verbatim: tabs expanded, clipped at the width. */
static void emit_code_line(struct layout *L, const char *s, size_t n)
{
    const unsigned W = L->width;
    unsigned indent = W >= 8 ? 2 : 0;
    unsigned avail = W - indent;
    struct cells c = {0};
    unsigned total = 0;
    for (size_t i = 0; i < n && !L->failed;) {
        if (s[i] == '\t') {
            unsigned to = (total / 4 + 1) * 4;
            for (; total < to; total++)
                cells_push(L, &c, " ", 1, 1, MARKUP_CODE_BLOCK, false);
            i++;
            continue;
        }
        wchar_t wc;
        int w;
        size_t used = decode(s + i, n - i, &wc, &w);
        if (w < 0)
            cells_push(L, &c, "?", 1, 1, MARKUP_CODE_BLOCK, false);
        else
            cells_push(L, &c, s + i, used, (unsigned)w, MARKUP_CODE_BLOCK, false);
        total += w < 0 ? 1 : (unsigned)w;
        i += used;
    }
    if (!new_line(L, MARKUP_LINE_CODE, 0))
        goto out;
    put_spaces(L, MARKUP_NORMAL, indent);
    if (total <= avail) {
        for (size_t k = 0; k < c.n; k++)
            put_cell(L, &c, &c.v[k]);
        goto out;
    }
    unsigned col = 0;
    for (size_t k = 0; k < c.n && col + c.v[k].width + 1 <= avail; k++) {
        put_cell(L, &c, &c.v[k]);
        col += c.v[k].width;
    }
    if (L->flags & MARKUP_ASCII)
        put(L, MARKUP_CLIP, ">", 1, 1);
    else
        put(L, MARKUP_CLIP, "\xe2\x80\xa6", 3, 1); /* … */
    if (!L->failed)
        current_line(L)->clipped = true;
out:
    cells_free(&c);
}

/* A paragraph or list item being collected from source lines. */
struct pending {
    enum block kind; /* BLOCK_NONE: nothing pending */
    char *buf;
    size_t len, cap;
    char bullet[16];
    unsigned nest;
};

static void pending_add(struct layout *L, struct pending *p, const char *s, size_t n)
{
    if (L->failed)
        return;
    if (p->len + n + 2 > p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 256;
        while (cap < p->len + n + 2)
            cap *= 2;
        char *b = realloc(p->buf, cap);
        if (!b) {
            L->failed = true;
            return;
        }
        p->buf = b;
        p->cap = cap;
    }
    if (p->len > 0)
        p->buf[p->len++] = ' ';
    memcpy(p->buf + p->len, s, n);
    p->len += n;
}

static void pending_flush(struct layout *L, struct pending *p)
{
    if (p->kind == BLOCK_TEXT)
        emit_paragraph(L, p->buf, p->len);
    else if (p->kind == BLOCK_ITEM)
        emit_item(L, p->bullet, p->nest, p->buf, p->len);
    p->kind = BLOCK_NONE;
    p->len = 0;
}

static bool is_fence(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ')
        i++;
    return n - i >= 3 && memcmp(s + i, "```", 3) == 0;
}

/* "# Title" .. "###### Title": level, and the title's start. 0 when not a heading. */
static unsigned heading_level(const char *s, size_t n, size_t *text)
{
    size_t i = 0;
    while (i < n && i < 3 && s[i] == ' ')
        i++;
    unsigned level = 0;
    while (i < n && s[i] == '#' && level < 7) {
        level++;
        i++;
    }
    if (level == 0 || level > 6 || (i < n && s[i] != ' ' && s[i] != '\t'))
        return 0;
    while (i < n && (s[i] == ' ' || s[i] == '\t'))
        i++;
    *text = i;
    return level;
}

/* "- x", "* x", "+ x", "12. x", "3) x" after optional indentation. */
static bool list_item(const struct layout *L, const char *s, size_t n, struct pending *p,
                      size_t *text)
{
    size_t i = 0;
    while (i < n && s[i] == ' ')
        i++;
    size_t lead = i;
    if (i + 1 < n && strchr("-*+", s[i]) && s[i + 1] == ' ') {
        strcpy(p->bullet, (L->flags & (MARKUP_ASCII | MARKUP_MARKERS)) ? "-" : "\xe2\x80\xa2");
        i += 2;
    } else {
        size_t d = i;
        while (i < n && i - d < 9 && isdigit((unsigned char)s[i]))
            i++;
        if (i == d || i + 1 >= n || (s[i] != '.' && s[i] != ')') || s[i + 1] != ' ')
            return false;
        memcpy(p->bullet, s + d, i - d + 1);
        p->bullet[i - d + 1] = '\0';
        i += 2;
    }
    while (i < n && s[i] == ' ')
        i++;
    p->nest = lead > 8 ? 8 : (unsigned)lead;
    *text = i;
    return true;
}

static bool is_blank(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isspace((unsigned char)s[i]))
            return false;
    return true;
}

static void layout_blocks(struct layout *L, const char *text)
{
    struct pending p = {.kind = BLOCK_NONE};
    bool in_code = false;
    bool markers = L->flags & MARKUP_MARKERS;
    const char *s = text;
    while (*s && !L->failed) {
        const char *nl = strchr(s, '\n');
        size_t n = nl ? (size_t)(nl - s) : strlen(s);
        const char *next = nl ? nl + 1 : s + n;
        if (n > 0 && s[n - 1] == '\r')
            n--;
        size_t at;
        if (in_code) {
            if (is_fence(s, n)) {
                in_code = false;
                if (markers)
                    emit_code_line(L, "```", 3);
            } else {
                emit_code_line(L, s, n);
            }
        } else if (is_fence(s, n)) {
            pending_flush(L, &p);
            separate(L, BLOCK_CODE);
            in_code = true;
            if (markers)
                emit_code_line(L, s, n);
        } else if (is_blank(s, n)) {
            pending_flush(L, &p);
            L->saw_blank = true;
        } else {
            unsigned level = heading_level(s, n, &at);
            if (level > 0) {
                pending_flush(L, &p);
                emit_heading(L, level, s + at, n - at);
            } else {
                struct pending item = {0};
                if (list_item(L, s, n, &item, &at)) {
                    pending_flush(L, &p);
                    p.kind = BLOCK_ITEM;
                    memcpy(p.bullet, item.bullet, sizeof p.bullet);
                    p.nest = item.nest;
                    pending_add(L, &p, s + at, n - at);
                } else {
                    size_t lead = 0;
                    while (lead < n && isspace((unsigned char)s[lead]))
                        lead++;
                    if (p.kind == BLOCK_NONE)
                        p.kind = BLOCK_TEXT;
                    pending_add(L, &p, s + lead, n - lead);
                }
            }
        }
        s = next;
    }
    pending_flush(L, &p);
    free(p.buf);
    /* A code fence left empty or unclosed at the end adds only its separator; no blank
     * line may end the document (found by fuzz_markup). */
    while (L->doc->n_lines > 0 && L->doc->lines[L->doc->n_lines - 1].kind == MARKUP_LINE_BLANK) {
        struct markup_line *last = &L->doc->lines[--L->doc->n_lines];
        for (size_t k = 0; k < last->n_spans; k++)
            free(last->spans[k].text);
        free(last->spans);
    }
}

locale_t markup_utf8_locale(void)
{
    static locale_t loc;
    static bool tried;
    if (!tried) {
        tried = true;
        loc = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
        if (!loc)
            loc = newlocale(LC_CTYPE_MASK, "en_US.UTF-8", (locale_t)0);
    }
    return loc;
}

int markup_render(const char *text, unsigned width, unsigned flags, struct markup_doc *doc,
                  struct err *e)
{
    *doc = (struct markup_doc){0};
    if (width == 0)
        return err_set(e, ERR_INVALID, "cannot lay out text in a width of 0 columns");
    struct layout L = {.doc = doc, .width = width, .flags = flags};
    locale_t loc = markup_utf8_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    layout_blocks(&L, text ? text : "");
    if (loc)
        uselocale(old);
    if (L.failed) {
        markup_doc_release(doc);
        return err_set(e, ERR_SYSTEM, "out of memory laying out a lesson's text");
    }
    return 0;
}

void markup_doc_release(struct markup_doc *doc)
{
    if (!doc)
        return;
    for (size_t i = 0; i < doc->n_lines; i++) {
        for (size_t k = 0; k < doc->lines[i].n_spans; k++)
            free(doc->lines[i].spans[k].text);
        free(doc->lines[i].spans);
    }
    free(doc->lines);
    *doc = (struct markup_doc){0};
}

char *markup_clip(const char *text, unsigned width, unsigned flags, unsigned *cols)
{
    struct markup_doc unused = {0};
    struct layout L = {.doc = &unused, .width = width ? width : 1, .flags = flags};
    struct cells c = {0};
    locale_t loc = markup_utf8_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    text = text ? text : "";
    add_text(&L, &c, text, strlen(text), MARKUP_NORMAL);
    if (loc)
        uselocale(old);
    unsigned total = 0;
    for (size_t k = 0; k < c.n; k++)
        total += c.v[k].width;
    const char *mark = (flags & MARKUP_ASCII) ? ">" : "\xe2\x80\xa6";
    char *out = L.failed ? NULL : malloc(c.n_bytes + strlen(mark) + 1);
    unsigned used = 0;
    if (out) {
        size_t len = 0;
        bool cut = total > width;
        for (size_t k = 0; k < c.n; k++) {
            if (cut ? used + c.v[k].width + 1 > width : false)
                break;
            memcpy(out + len, c.bytes + c.v[k].off, c.v[k].len);
            len += c.v[k].len;
            used += c.v[k].width;
        }
        if (cut && width > 0) {
            strcpy(out + len, mark);
            len += strlen(mark);
            used += 1;
        }
        out[len] = '\0';
    }
    cells_free(&c);
    if (cols)
        *cols = used;
    return out;
}
