/*
 * ui_menu: the course menu. Every lesson can be opened in any order; each shows its
 * progress in words ("new", "3/9 steps", "done") and its quiz score, and the selection
 * starts on the first lesson that is not done.
 */
#include <stdlib.h>
#include <string.h>

#include "ui_priv.h"

#define ROWS_PER_LESSON 3 /* title, summary, spacer */

static unsigned menu_context(const struct ui *ui)
{
    (void)ui;
    return UI_CTX_MENU;
}

static void quiz_score(const struct ui *ui, size_t lesson, size_t *solved, size_t *total)
{
    const struct lesson *l = &ui->course->lessons[lesson];
    *solved = *total = 0;
    for (size_t i = 0; i < l->n_steps; i++) {
        if (l->steps[i].kind != STEP_QUIZ)
            continue;
        (*total)++;
        if (ui->state[lesson][i].quiz.solved)
            (*solved)++;
    }
}

static void progress_words(const struct ui *ui, size_t lesson, char *buf, size_t n)
{
    size_t done, total, solved, quizzes;
    ui_lesson_progress(ui, lesson, &done, &total);
    quiz_score(ui, lesson, &solved, &quizzes);
    int len;
    if (done == 0)
        len = snprintf(buf, n, "new");
    else if (done == total)
        len = snprintf(buf, n, "done");
    else
        len = snprintf(buf, n, "%zu/%zu steps", done, total);
    if (quizzes > 0 && len > 0 && (size_t)len < n)
        snprintf(buf + len, n - (size_t)len, ", quiz %zu/%zu", solved, quizzes);
}

static void menu_draw(struct ui *ui, int top, int height)
{
    size_t n = ui->course->n_lessons;
    size_t per_page = (size_t)height / ROWS_PER_LESSON;
    if (per_page == 0)
        per_page = 1;
    size_t first = ui->menu_sel >= per_page ? ui->menu_sel - per_page + 1 : 0;
    int row = top;
    for (size_t i = first; i < n && row + 1 < top + height; i++) {
        const struct lesson *l = &ui->course->lessons[i];
        bool sel = i == ui->menu_sel;
        char words[96], title[512];
        progress_words(ui, i, words, sizeof words);
        snprintf(title, sizeof title, "%s%zu. %s", sel ? "> " : "  ", i + 1,
                 l->title ? l->title : l->id);
        int wlen = (int)strlen(words) + 2;
        attr_t a = sel ? ui_selected_attr(ui) : A_NORMAL;
        if (sel) {
            attron(a);
            mvhline(row, 0, ' ', ui->cols);
            attroff(a);
        }
        ui_draw_text(ui, row, 0, ui->cols - wlen - 1, title, a | (ui->opt->plain ? 0 : A_BOLD));
        ui_draw_text(ui, row, ui->cols - wlen, wlen, words, a);
        char summary[512];
        if (l->minutes)
            snprintf(summary, sizeof summary, "%s (%u min)", l->summary ? l->summary : "",
                     l->minutes);
        else
            snprintf(summary, sizeof summary, "%s", l->summary ? l->summary : "");
        ui_draw_text(ui, row + 1, 5, ui->cols - 6, summary, ui_dim_attr(ui));
        row += ROWS_PER_LESSON;
    }
}

static void menu_header(struct ui *ui, char *left, size_t ln, char *right, size_t rn)
{
    snprintf(left, ln, "caplab: %s", ui->course->title ? ui->course->title : "Linux capabilities");
    if (ui->course->n_lessons)
        snprintf(right, rn, "lesson %zu of %zu", ui->menu_sel + 1, ui->course->n_lessons);
}

static void menu_handle(struct ui *ui, enum ui_action act)
{
    size_t n = ui->course->n_lessons;
    size_t page = (size_t)(ui->rows - 3) / ROWS_PER_LESSON;
    if (page == 0)
        page = 1;
    switch (act) {
    case UI_ACT_BACK:
        ui->quit = true;
        return;
    case UI_ACT_CAP_INFO:
        ui_overlay_caps(ui, NULL, 0);
        return;
    default:
        break;
    }
    if (n == 0)
        return;
    switch (act) {
    case UI_ACT_UP:
        if (ui->menu_sel > 0)
            ui->menu_sel--;
        break;
    case UI_ACT_DOWN:
        if (ui->menu_sel + 1 < n)
            ui->menu_sel++;
        break;
    case UI_ACT_PAGE_UP:
        ui->menu_sel = ui->menu_sel > page ? ui->menu_sel - page : 0;
        break;
    case UI_ACT_PAGE_DOWN:
        ui->menu_sel = ui->menu_sel + page < n ? ui->menu_sel + page : n - 1;
        break;
    case UI_ACT_TOP:
        ui->menu_sel = 0;
        break;
    case UI_ACT_BOTTOM:
        ui->menu_sel = n - 1;
        break;
    case UI_ACT_OPEN:
        ui_open_lesson(ui, ui->menu_sel);
        break;
    default:
        break;
    }
}

const struct ui_screen ui_menu_screen = {
    .context = menu_context,
    .draw = menu_draw,
    .handle = menu_handle,
    .header = menu_header,
};
