/*
 * ui_lesson: the lesson reader. Each step is composed as markup (its title and body, plus
 * what its kind adds: the sandbox and checks of an experiment, the question and feedback
 * of a quiz), laid out by markup.c for the window's width, and scrolled.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "ui_priv.h"

static unsigned lesson_context(const struct ui *ui)
{
    const struct lesson_step *s = ui_current_step(ui);
    if (!s)
        return UI_CTX_TEXT;
    switch (s->kind) {
    case STEP_EXPERIMENT:
    case STEP_CHECK:
        return UI_CTX_EXPERIMENT;
    case STEP_QUIZ:
        return UI_CTX_QUIZ;
    case STEP_TEXT:
        break;
    }
    return UI_CTX_TEXT;
}

static void compose(struct ui *ui)
{
    const struct lesson *l = ui_current_lesson(ui);
    const struct lesson_step *s = ui_current_step(ui);
    struct ui_step_state *st = ui_current_state(ui);
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    if (s->title)
        fprintf(f, "# %s\n\n", s->title);
    else if (ui->step == 0)
        fprintf(f, "# %s\n\n", l->title);
    if (s->body)
        fprintf(f, "%s\n\n", s->body);
    switch (s->kind) {
    case STEP_EXPERIMENT:
    case STEP_CHECK:
        ui_experiment_compose(ui, f, s, st);
        break;
    case STEP_QUIZ:
        ui_quiz_compose(ui, f, s, st);
        break;
    case STEP_TEXT:
        break;
    }
    if (ui->step + 1 < l->n_steps)
        fprintf(f, "\n\n*Press n for the next step.*\n");
    else
        fprintf(f, "\n\n*This is the last step of the %s. Press %sq for the course menu.*\n",
                ui->lesson + 1 < ui->course->n_lessons ? "lesson" : "course",
                ui->lesson + 1 < ui->course->n_lessons ? "n for the next lesson, " : "");
    if (fclose(f) != 0) {
        free(text);
        return;
    }
    free(ui->content);
    ui->content = text;
}

unsigned ui_text_width(const struct ui *ui)
{
    int w = ui->opt->plain ? ui->cols : ui->cols - 2;
    return w > 0 ? (unsigned)w : 1;
}

static unsigned text_width(const struct ui *ui)
{
    return ui_text_width(ui);
}

static size_t body_height(const struct ui *ui)
{
    return ui->rows > 3 ? (size_t)(ui->rows - 3) : 1;
}

static size_t max_scroll(const struct ui *ui)
{
    size_t h = body_height(ui);
    return ui->doc.n_lines > h ? ui->doc.n_lines - h : 0;
}

/* Lay out again when the step's text or the window's width changed. */
static void layout(struct ui *ui)
{
    if (ui->content_dirty) {
        compose(ui);
        ui->content_dirty = false;
        ui->doc_width = 0;
    }
    if (ui->doc_width != text_width(ui)) {
        compose(ui); /* some parts depend on the width (a proof side by side) */
        ui_render(ui, ui->content ? ui->content : "", text_width(ui), &ui->doc);
        ui->doc_width = text_width(ui);
    }
    /* UI_SCROLL_END (or a window grown taller) lands on the last page. */
    if (ui->scroll > max_scroll(ui))
        ui->scroll = max_scroll(ui);
}

static void lesson_draw(struct ui *ui, int top, int height)
{
    layout(ui);
    ui_draw_doc(ui, &ui->doc, ui->scroll, top, height, ui->opt->plain ? 0 : 1);
}

static void lesson_header(struct ui *ui, char *left, size_t ln, char *right, size_t rn)
{
    const struct lesson *l = ui_current_lesson(ui);
    const struct lesson_step *s = ui_current_step(ui);
    snprintf(left, ln, "%s | Step %zu/%zu%s%s", l->title, ui->step + 1, l->n_steps,
             s->title ? ": " : "", s->title ? s->title : "");
    layout(ui);
    size_t n = ui->doc.n_lines, h = body_height(ui);
    bool narrow = ui->cols < 80;
    if (n <= h) {
        snprintf(right, rn, narrow ? "all" : "all %zu lines", n);
    } else {
        size_t last = ui->scroll + h < n ? ui->scroll + h : n;
        if (narrow)
            snprintf(right, rn, "%zu-%zu/%zu", ui->scroll + 1, last, n);
        else
            snprintf(right, rn, "lines %zu-%zu of %zu (%zu%%)", ui->scroll + 1, last, n,
                     last * 100 / n);
    }
}

/* Capability names visible on screen (NET_RAW, CAP_CHOWN...), in reading order. */
static size_t visible_caps(const struct ui *ui, unsigned *caps, size_t max)
{
    size_t n = 0;
    size_t h = body_height(ui);
    for (size_t i = ui->scroll; i < ui->doc.n_lines && i < ui->scroll + h; i++) {
        const struct markup_line *line = &ui->doc.lines[i];
        for (size_t k = 0; k < line->n_spans; k++) {
            const char *t = line->spans[k].text;
            while (*t) {
                if (!(isupper((unsigned char)*t) || *t == '_')) {
                    t++;
                    continue;
                }
                const char *start = t;
                while (isupper((unsigned char)*t) || *t == '_' || isdigit((unsigned char)*t))
                    t++;
                char word[64];
                size_t len = (size_t)(t - start);
                if (len < 3 || len >= sizeof word)
                    continue;
                memcpy(word, start, len);
                word[len] = '\0';
                const char *name = strncmp(word, "CAP_", 4) == 0 ? word + 4 : word;
                unsigned cap;
                struct err e = {0};
                if (caps_parse(name, &cap, &e) < 0 || strcmp(caps_name(cap), name) != 0)
                    continue;
                bool seen = false;
                for (size_t j = 0; j < n; j++)
                    seen = seen || caps[j] == cap;
                if (!seen && n < max)
                    caps[n++] = cap;
            }
        }
    }
    return n;
}

static void lesson_handle(struct ui *ui, enum ui_action act)
{
    const struct lesson *l = ui_current_lesson(ui);
    size_t page = body_height(ui) > 1 ? body_height(ui) - 1 : 1;
    layout(ui);
    switch (act) {
    case UI_ACT_BACK:
        ui_close_lesson(ui);
        ui->message[0] = '\0';
        break;
    case UI_ACT_UP:
        if (ui->scroll > 0)
            ui->scroll--;
        break;
    case UI_ACT_DOWN:
        if (ui->scroll < max_scroll(ui))
            ui->scroll++;
        break;
    case UI_ACT_PAGE_UP:
        ui->scroll = ui->scroll > page ? ui->scroll - page : 0;
        break;
    case UI_ACT_PAGE_DOWN:
        if (ui->scroll == max_scroll(ui) && ui->step + 1 < l->n_steps)
            ui_message(ui, UI_MSG_INFO, "End of this step: press n for the next one.");
        ui->scroll = ui->scroll + page < max_scroll(ui) ? ui->scroll + page : max_scroll(ui);
        break;
    case UI_ACT_TOP:
        ui->scroll = 0;
        break;
    case UI_ACT_BOTTOM:
        ui->scroll = max_scroll(ui);
        break;
    case UI_ACT_NEXT_STEP:
        if (ui->step + 1 < l->n_steps) {
            ui_goto_step(ui, ui->step + 1);
        } else if (ui->lesson + 1 < ui->course->n_lessons) {
            /* n past the end opens the next lesson: the course reads straight through. */
            ui_close_lesson(ui);
            ui_open_lesson(ui, ui->lesson + 1);
            ui_message(ui, UI_MSG_INFO, "Lesson %zu: %s", ui->lesson + 1,
                       ui_current_lesson(ui)->title);
        } else {
            ui_message(ui, UI_MSG_INFO,
                       "That was the last step of the course. Press q for the menu.");
        }
        break;
    case UI_ACT_PREV_STEP:
        if (ui->step > 0)
            ui_goto_step(ui, ui->step - 1);
        else
            ui_message(ui, UI_MSG_INFO, "This is the first step.");
        break;
    case UI_ACT_CAP_INFO: {
        unsigned caps[16];
        size_t n = visible_caps(ui, caps, sizeof caps / sizeof caps[0]);
        ui_overlay_caps(ui, caps, n);
        break;
    }
    case UI_ACT_SHELL:
    case UI_ACT_CHECKS:
        ui_experiment_handle(ui, act);
        break;
    case UI_ACT_ANSWER:
    case UI_ACT_HINT:
    case UI_ACT_EXPLAIN:
    case UI_ACT_PROVE:
        ui_quiz_handle(ui, act);
        break;
    default:
        break;
    }
}

const struct ui_screen ui_lesson_screen = {
    .context = lesson_context,
    .draw = lesson_draw,
    .handle = lesson_handle,
    .header = lesson_header,
};
