/*
 * ui_draw: styles to curses attributes and the drawing primitives.
 *
 * Colour is decoration only: every style also has a non-colour attribute (bold,
 * underline, reverse), and in --plain mode the text itself carries the meaning (markers
 * kept by markup.c, states written in words), with no attributes at all.
 */
#include <stdlib.h>
#include <string.h>

#include "ui_priv.h"

enum {
    PAIR_HEADING = 1,
    PAIR_CODE,
    PAIR_BULLET,
    PAIR_GOOD,
    PAIR_BAD,
    PAIR_BAR,
    PAIR_DIM,
};

void ui_colors_init(struct ui *ui)
{
    ui->color = ui->opt->color && !ui->opt->plain && has_colors();
    if (!ui->color)
        return;
    start_color();
    use_default_colors();
    init_pair(PAIR_HEADING, COLOR_CYAN, -1);
    init_pair(PAIR_CODE, COLOR_YELLOW, -1);
    init_pair(PAIR_BULLET, COLOR_CYAN, -1);
    init_pair(PAIR_GOOD, COLOR_GREEN, -1);
    init_pair(PAIR_BAD, COLOR_RED, -1);
    init_pair(PAIR_BAR, COLOR_WHITE, COLOR_BLUE);
    init_pair(PAIR_DIM, COLORS >= 16 ? 8 : COLOR_WHITE, -1);
}

static attr_t pair(const struct ui *ui, short p)
{
    return ui->color ? (attr_t)COLOR_PAIR(p) : 0;
}

attr_t ui_style_attr(const struct ui *ui, enum markup_style style)
{
    if (ui->opt->plain)
        return A_NORMAL;
    switch (style) {
    case MARKUP_HEADING:
        return A_BOLD | pair(ui, PAIR_HEADING) | (ui->color ? 0 : A_UNDERLINE);
    case MARKUP_CODE:
    case MARKUP_CODE_BLOCK:
        return ui->color ? pair(ui, PAIR_CODE) : A_BOLD;
    case MARKUP_EMPHASIS:
        return A_UNDERLINE;
    case MARKUP_STRONG:
        return A_BOLD;
    case MARKUP_BULLET:
        return A_BOLD | pair(ui, PAIR_BULLET);
    case MARKUP_CLIP:
        return A_REVERSE;
    case MARKUP_NORMAL:
        break;
    }
    return A_NORMAL;
}

attr_t ui_msg_attr(const struct ui *ui, enum ui_msg_kind kind)
{
    if (ui->opt->plain)
        return A_NORMAL;
    switch (kind) {
    case UI_MSG_GOOD:
        return A_BOLD | pair(ui, PAIR_GOOD);
    case UI_MSG_BAD:
        return A_BOLD | pair(ui, PAIR_BAD);
    case UI_MSG_INFO:
        break;
    }
    return A_NORMAL;
}

attr_t ui_bar_attr(const struct ui *ui)
{
    if (ui->opt->plain)
        return A_NORMAL;
    return ui->color ? pair(ui, PAIR_BAR) : A_REVERSE;
}

attr_t ui_selected_attr(const struct ui *ui)
{
    return ui->opt->plain ? A_NORMAL : A_REVERSE;
}

attr_t ui_dim_attr(const struct ui *ui)
{
    if (ui->opt->plain)
        return A_NORMAL;
    return ui->color ? pair(ui, PAIR_DIM) : A_DIM;
}

int ui_draw_text(const struct ui *ui, int row, int col, int width, const char *text, attr_t attr)
{
    if (width <= 0 || row < 0 || row >= ui->rows)
        return 0;
    unsigned cols = 0;
    char *s = markup_clip(text, (unsigned)width, ui_markup_flags(ui), &cols);
    if (!s)
        return 0;
    attron(attr);
    mvaddstr(row, col, s);
    attroff(attr);
    free(s);
    return (int)cols;
}

void ui_draw_doc(const struct ui *ui, const struct markup_doc *doc, size_t first, int top,
                 int height, int left)
{
    for (int r = 0; r < height; r++) {
        size_t i = first + (size_t)r;
        move(top + r, left);
        if (i >= doc->n_lines)
            continue;
        const struct markup_line *line = &doc->lines[i];
        for (size_t k = 0; k < line->n_spans; k++) {
            attr_t a = ui_style_attr(ui, line->spans[k].style);
            attron(a);
            addstr(line->spans[k].text);
            attroff(a);
        }
    }
}

void ui_render(const struct ui *ui, const char *text, unsigned width, struct markup_doc *doc)
{
    struct err e = {0};
    markup_doc_release(doc);
    if (markup_render(text, width ? width : 1, ui_markup_flags(ui), doc, &e) == 0)
        return;
    /* Out of memory: say so in the smallest way that can still work. */
    markup_render(e.msg, width ? width : 1, MARKUP_ASCII, doc, &e);
}
