/*
 * ui_overlay: pages shown on top of the current screen: the keys of that screen
 * (generated from the key table) and capability pages. Scrolls; q or Esc closes.
 * In --plain mode the page takes the whole body, with no box drawing.
 */
#include <stdlib.h>
#include <string.h>

#include "capinfo.h"
#include "docker.h"
#include "ui_priv.h"
#include "cli.h"

static void open_overlay(struct ui *ui, enum ui_overlay_id id, const char *title, char *text)
{
    free(ui->overlay_text);
    free(ui->overlay_title);
    ui->overlay = id;
    ui->overlay_text = text;
    ui->overlay_title = strdup(title);
    ui->overlay_width = 0;
    ui->overlay_scroll = 0;
    ui->editing_before_overlay = ui->editing;
    ui->editing = false;
}

void ui_overlay_close(struct ui *ui)
{
    ui->overlay = UI_OVERLAY_NONE;
    ui->editing = ui->editing_before_overlay;
    markup_doc_release(&ui->overlay_doc);
}

static const char *context_title(unsigned ctx)
{
    switch (ctx) {
    case UI_CTX_MENU:
        return "course menu";
    case UI_CTX_EXPERIMENT:
        return "experiment step";
    case UI_CTX_QUIZ:
        return "quiz step";
    case UI_CTX_INPUT:
        return "answer line";
    default:
        return "lesson";
    }
}

static void key_list(FILE *f, unsigned ctx)
{
    size_t n;
    const struct ui_key *keys = ui_key_table(&n);
    for (size_t i = 0; i < n; i++)
        if (keys[i].help && (keys[i].ctx & ctx))
            fprintf(f, "- `%s`: %s\n", keys[i].keys, keys[i].help);
}

void ui_overlay_help(struct ui *ui, unsigned ctx)
{
    if (ctx == UI_CTX_OVERLAY)
        ctx = ui->overlay_ctx;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    fprintf(f, "## Keys on the %s\n\n", context_title(ctx));
    key_list(f, ctx);
    if (ctx == UI_CTX_QUIZ || ctx == UI_CTX_INPUT) {
        fprintf(f, "\n## While typing an answer\n\n");
        key_list(f, UI_CTX_INPUT);
    }
    fprintf(f, "\nCapability names can be written as in Docker: `net_raw`, `CAP_NET_RAW` and "
               "`NET_RAW` are the same.\n");
    if (fclose(f) != 0) {
        free(text);
        return;
    }
    open_overlay(ui, UI_OVERLAY_HELP, "Help", text);
    ui->overlay_ctx = ctx;
}

static void list(FILE *f, const char *label, const char *const *items, size_t n)
{
    if (n == 0)
        return;
    fprintf(f, "- %s: ", label);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s`%s`", i ? ", " : "", items[i]);
    fprintf(f, "\n");
}

/* The explorer's entry (capinfo.h), when the reference data is there. */
static void cap_reference(FILE *f, unsigned cap)
{
    struct err e = {0};
    const struct capinfo *info = capinfo_default(&e);
    const struct capinfo_entry *c = info ? capinfo_get(info, cap) : NULL;
    if (!c) {
        fprintf(f, "*No description: %s*\n\n", info ? "unknown capability" : e.msg);
        return;
    }
    fprintf(f, "%s\n\n", c->governs);
    if (c->danger)
        fprintf(f, "**Risky:** %s\n\n", c->danger);
    list(f, "system calls", c->syscalls, c->n_syscalls);
    list(f, "commands that need it", c->commands, c->n_commands);
    if (c->probe)
        fprintf(f, "- caplab's probe: %s\n", c->probe);
    for (size_t i = 0; i < c->n_related; i++)
        fprintf(f, "- related, **%s**: %s\n", c->related[i].name, c->related[i].note);
}

static void cap_page(struct ui *ui, FILE *f, unsigned cap)
{
    const char *name = caps_name(cap);
    fprintf(f, "## CAP_%s\n\n", name);
    cap_reference(f, cap);
    fprintf(f, "- number: %u\n", cap);
    fprintf(f, "- in Docker's default set: %s\n",
            (caps_docker_defaults() & CAPS_BIT(cap)) ? "yes" : "no");
    const struct lesson_step *s = ui->screen == UI_SCREEN_LESSON ? ui_current_step(ui) : NULL;
    if (s && (s->kind == STEP_EXPERIMENT || s->kind == STEP_CHECK))
        fprintf(f, "- in this step's sandbox: %s\n",
                (caps_resolve(&s->sandbox.caps) & CAPS_BIT(cap)) ? "kept" : "dropped");
    fprintf(f, "- Docker: `--cap-drop %s` removes it, `--cap-add %s` grants it\n", name, name);
    if (cli_find("explain"))
        fprintf(f, "\nMore: `caplab explain %s` shows what it allows and a safe demonstration.\n",
                name);
    fprintf(f, "\n");
}

void ui_overlay_caps(struct ui *ui, const unsigned *caps, size_t n)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    if (n == 0) {
        fprintf(f,
                "No capability is named on this screen, so here are all %u this kernel "
                "knows.\n\n",
                caps_last() + 1);
        for (unsigned cap = 0; cap <= caps_last(); cap++)
            cap_page(ui, f, cap);
    } else {
        for (size_t i = 0; i < n; i++)
            cap_page(ui, f, caps[i]);
    }
    if (fclose(f) != 0) {
        free(text);
        return;
    }
    open_overlay(ui, UI_OVERLAY_CAPS, n == 1 ? "Capability" : "Capabilities", text);
}

/* The overlay's box: full body in plain mode, else inset by 2 columns and 1 row. */
static void box_geometry(const struct ui *ui, int *top, int *left, int *height, int *width)
{
    if (ui->opt->plain) {
        *top = 1;
        *left = 0;
        *height = ui->rows - 3;
        *width = ui->cols;
        return;
    }
    *top = 2;
    *left = 2;
    *height = ui->rows - 5;
    *width = ui->cols - 4;
}

static size_t overlay_rows(const struct ui *ui)
{
    int top, left, height, width;
    box_geometry(ui, &top, &left, &height, &width);
    int rows = ui->opt->plain ? height - 1 : height - 2;
    return rows > 0 ? (size_t)rows : 1;
}

void ui_overlay_draw(struct ui *ui)
{
    int top, left, height, width;
    box_geometry(ui, &top, &left, &height, &width);
    unsigned inner = (unsigned)(ui->opt->plain ? width : width - 4);
    if (ui->overlay_width != inner) {
        ui_render(ui, ui->overlay_text ? ui->overlay_text : "", inner, &ui->overlay_doc);
        ui->overlay_width = inner;
    }
    size_t rows = overlay_rows(ui);
    size_t max = ui->overlay_doc.n_lines > rows ? ui->overlay_doc.n_lines - rows : 0;
    if (ui->overlay_scroll > max)
        ui->overlay_scroll = max;
    for (int r = top; r < top + height; r++) {
        move(r, left);
        hline(' ', width);
    }
    char title[160];
    snprintf(title, sizeof title, "%s (q closes%s)", ui->overlay_title,
             max > 0 ? ", j/k scroll" : "");
    if (ui->opt->plain) {
        ui_draw_text(ui, top, 0, width, title, A_NORMAL);
        ui_draw_doc(ui, &ui->overlay_doc, ui->overlay_scroll, top + 1, (int)rows, 0);
        return;
    }
    /* Wide-character line drawing: written as Unicode box characters in a UTF-8 locale,
     * which works on terminals whose alternate character set is not what TERM says. */
    mvadd_wch(top, left, WACS_ULCORNER);
    mvhline_set(top, left + 1, WACS_HLINE, width - 2);
    mvadd_wch(top, left + width - 1, WACS_URCORNER);
    mvvline_set(top + 1, left, WACS_VLINE, height - 2);
    mvvline_set(top + 1, left + width - 1, WACS_VLINE, height - 2);
    mvadd_wch(top + height - 1, left, WACS_LLCORNER);
    mvhline_set(top + height - 1, left + 1, WACS_HLINE, width - 2);
    mvadd_wch(top + height - 1, left + width - 1, WACS_LRCORNER);
    ui_draw_text(ui, top, left + 2, width - 4, title, A_BOLD);
    ui_draw_doc(ui, &ui->overlay_doc, ui->overlay_scroll, top + 1, (int)rows, left + 2);
}

void ui_overlay_handle(struct ui *ui, enum ui_action act)
{
    size_t rows = overlay_rows(ui);
    size_t max = ui->overlay_doc.n_lines > rows ? ui->overlay_doc.n_lines - rows : 0;
    switch (act) {
    case UI_ACT_BACK:
        ui_overlay_close(ui);
        break;
    case UI_ACT_UP:
        if (ui->overlay_scroll > 0)
            ui->overlay_scroll--;
        break;
    case UI_ACT_DOWN:
        if (ui->overlay_scroll < max)
            ui->overlay_scroll++;
        break;
    case UI_ACT_PAGE_UP:
        ui->overlay_scroll = ui->overlay_scroll > rows ? ui->overlay_scroll - rows : 0;
        break;
    case UI_ACT_PAGE_DOWN:
        ui->overlay_scroll = ui->overlay_scroll + rows < max ? ui->overlay_scroll + rows : max;
        break;
    case UI_ACT_TOP:
        ui->overlay_scroll = 0;
        break;
    case UI_ACT_BOTTOM:
        ui->overlay_scroll = max;
        break;
    default:
        break;
    }
}
