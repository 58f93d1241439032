/*
 * ui: the tutor's main loop. Reads keys, turns them into actions through the key table,
 * hands them to the overlay, the answer line or the current screen, and redraws:
 *
 *     row 0            header: where the learner is, and a position indicator
 *     rows 1..H-3      the screen (menu or lesson step), overlays on top
 *     row H-2          messages, or the answer line while typing
 *     row H-1          status bar: sandbox mode, lesson and step, course progress
 */
#include <langinfo.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_priv.h"

void ui_message(struct ui *ui, enum ui_msg_kind kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->message, sizeof ui->message, fmt, ap);
    va_end(ap);
    ui->message_kind = kind;
}

unsigned ui_markup_flags(const struct ui *ui)
{
    unsigned flags = ui->opt->plain ? MARKUP_ASCII | MARKUP_MARKERS : 0;
    /* Bullets and ellipses are UTF-8: a terminal in another charset gets ASCII. */
    if (strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
        flags |= MARKUP_ASCII;
    return flags;
}

const struct lesson *ui_current_lesson(const struct ui *ui)
{
    if (!ui->course || ui->lesson >= ui->course->n_lessons)
        return NULL;
    return &ui->course->lessons[ui->lesson];
}

const struct lesson_step *ui_current_step(const struct ui *ui)
{
    const struct lesson *l = ui_current_lesson(ui);
    if (!l || ui->step >= l->n_steps)
        return NULL;
    return &l->steps[ui->step];
}

struct ui_step_state *ui_current_state(struct ui *ui)
{
    if (!ui_current_step(ui))
        return NULL;
    return &ui->state[ui->lesson][ui->step];
}

const char *ui_sandbox_status(char *buf, size_t n)
{
    const struct sandbox_support *s = sandbox_support();
    if (!s->available)
        snprintf(buf, n, "sandbox unavailable");
    else
        snprintf(buf, n, "sandbox: %s", sandbox_mode_name(s->auto_mode));
    return buf;
}

void ui_progress_saved(struct ui *ui, int rc, const struct err *e)
{
    if (rc < 0)
        ui_message(ui, UI_MSG_BAD, "Progress not saved: %s", e->msg);
}

/* A step counts as done when read (text), tried (experiment, check) or finished (quiz). */
static bool step_done(const struct lesson_step *step, const struct ui_step_state *st)
{
    switch (step->kind) {
    case STEP_QUIZ:
        return quiz_state_finished(&st->quiz);
    case STEP_TEXT:
    case STEP_EXPERIMENT:
    case STEP_CHECK:
        break;
    }
    return st->visited;
}

void ui_lesson_progress(const struct ui *ui, size_t lesson, size_t *done, size_t *total)
{
    const struct lesson *l = &ui->course->lessons[lesson];
    *done = 0;
    *total = l->n_steps;
    for (size_t i = 0; i < l->n_steps; i++)
        if (step_done(&l->steps[i], &ui->state[lesson][i]))
            (*done)++;
}

static unsigned course_percent(const struct ui *ui)
{
    size_t done = 0, total = 0;
    for (size_t i = 0; i < ui->course->n_lessons; i++) {
        size_t d, t;
        ui_lesson_progress(ui, i, &d, &t);
        done += d;
        total += t;
    }
    return total ? (unsigned)(done * 100 / total) : 0;
}

static void enter_step(struct ui *ui, size_t step)
{
    ui->step = step;
    ui->scroll = 0;
    ui->content_dirty = true;
    ui->editing = false;
    ui->message[0] = '\0';
    struct ui_step_state *st = ui_current_state(ui);
    const struct lesson_step *s = ui_current_step(ui);
    if (!st || st->visited)
        return;
    st->visited = true;
    /* Reading a text step, or opening an experiment, completes it; a quiz is complete
     * once solved or given up (ui_quiz.c records it then). */
    if (ui->progress && s->kind != STEP_QUIZ) {
        struct err e = {0};
        ui_progress_saved(
            ui, progress_record_step(ui->progress, ui_current_lesson(ui)->id, s->id, &e), &e);
    }
}

void ui_open_lesson(struct ui *ui, size_t lesson)
{
    const struct lesson *l = &ui->course->lessons[lesson];
    ui->lesson = lesson;
    ui->screen = UI_SCREEN_LESSON;
    ui->lesson_opened = time(NULL);
    if (ui->progress) {
        struct err e = {0};
        ui_progress_saved(ui, progress_record_lesson(ui->progress, l->id, (unsigned)l->n_steps, &e),
                          &e);
    }
    /* Resume at the first step not done yet (the first when all are). */
    size_t step = 0;
    for (size_t i = 0; i < l->n_steps; i++) {
        if (!step_done(&l->steps[i], &ui->state[lesson][i])) {
            step = i;
            break;
        }
    }
    enter_step(ui, step);
}

void ui_goto_step(struct ui *ui, size_t step)
{
    enter_step(ui, step);
}

void ui_close_lesson(struct ui *ui)
{
    if (ui->screen != UI_SCREEN_LESSON)
        return;
    ui->screen = UI_SCREEN_MENU;
    ui->menu_sel = ui->lesson;
    ui->editing = false;
    time_t spent = time(NULL) - ui->lesson_opened;
    if (ui->progress && spent > 0) {
        struct err e = {0};
        ui_progress_saved(
            ui, progress_record_time(ui->progress, ui_current_lesson(ui)->id, (unsigned)spent, &e),
            &e);
    }
}

static const struct ui_screen *current_screen(const struct ui *ui)
{
    return ui->screen == UI_SCREEN_MENU ? &ui_menu_screen : &ui_lesson_screen;
}

static unsigned current_ctx(const struct ui *ui)
{
    if (ui->overlay != UI_OVERLAY_NONE)
        return UI_CTX_OVERLAY;
    if (ui->editing)
        return UI_CTX_INPUT;
    return current_screen(ui)->context(ui);
}

/* ---- drawing ---- */

static void draw_bar(struct ui *ui, int row, const char *left, const char *right)
{
    attr_t a = ui_bar_attr(ui);
    attron(a);
    mvhline(row, 0, ' ', ui->cols);
    attroff(a);
    unsigned rw = 0;
    char *r = markup_clip(right, (unsigned)ui->cols / 2, ui_markup_flags(ui), &rw);
    int room = ui->cols - (int)rw - (r && *r ? 2 : 0);
    ui_draw_text(ui, row, 0, room, left, a | (ui->opt->plain ? 0 : A_BOLD));
    if (r && *r)
        ui_draw_text(ui, row, ui->cols - (int)rw, (int)rw, r, a);
    free(r);
}

static void draw_status(struct ui *ui)
{
    char sb[96], left[256], right[96];
    ui_sandbox_status(sb, sizeof sb);
    const struct lesson *l = ui->screen == UI_SCREEN_LESSON ? ui_current_lesson(ui) : NULL;
    if (ui->cols < 80) {
        /* Narrow: the same facts, shorter, and no key hints. */
        const struct sandbox_support *s = sandbox_support();
        const char *mode = s->available ? sandbox_mode_name(s->auto_mode) : "no sandbox";
        if (l)
            snprintf(left, sizeof left, "[%s] L%zu/%zu S%zu/%zu %u%%", mode, ui->lesson + 1,
                     ui->course->n_lessons, ui->step + 1, l->n_steps, course_percent(ui));
        else
            snprintf(left, sizeof left, "[%s] %u%% done", mode, course_percent(ui));
        draw_bar(ui, ui->rows - 1, left, ui->editing ? "" : "? help");
        return;
    }
    if (l)
        snprintf(left, sizeof left, "[%s] | Lesson %zu/%zu | Step %zu/%zu | Course %u%% done", sb,
                 ui->lesson + 1, ui->course->n_lessons, ui->step + 1, l->n_steps,
                 course_percent(ui));
    else
        snprintf(left, sizeof left, "[%s] | %zu lessons | Course %u%% done", sb,
                 ui->course->n_lessons, course_percent(ui));
    snprintf(right, sizeof right, "%s",
             ui->editing                    ? "Enter check  Esc stop"
             : ui->screen == UI_SCREEN_MENU ? "? help  q quit"
                                            : "? help  q back");
    draw_bar(ui, ui->rows - 1, left, right);
}

static void draw_too_small(struct ui *ui)
{
    char text[256];
    snprintf(text, sizeof text,
             "The window is too small for caplab (%dx%d). Please enlarge it to at least %dx%d. "
             "Press Q to quit.",
             ui->cols, ui->rows, UI_MIN_COLS, UI_MIN_ROWS);
    struct markup_doc doc = {0};
    ui_render(ui, text, (unsigned)(ui->cols > 0 ? ui->cols : 1), &doc);
    ui_draw_doc(ui, &doc, 0, 0, ui->rows, 0);
    markup_doc_release(&doc);
}

void ui_draw(struct ui *ui)
{
    erase();
    if (ui->cols < UI_MIN_COLS || ui->rows < UI_MIN_ROWS) {
        curs_set(0);
        draw_too_small(ui);
        refresh();
        return;
    }
    const struct ui_screen *s = current_screen(ui);
    char left[512] = "", right[128] = "";
    s->header(ui, left, sizeof left, right, sizeof right);
    draw_bar(ui, 0, left, right);
    s->draw(ui, 1, ui->rows - 3);
    if (ui->overlay != UI_OVERLAY_NONE)
        ui_overlay_draw(ui);
    draw_status(ui);
    if (ui->editing && ui->overlay == UI_OVERLAY_NONE) {
        /* Messages while typing (completions) go just above the answer line. */
        if (ui->message[0]) {
            move(ui->rows - 3, 0);
            clrtoeol();
            ui_draw_text(ui, ui->rows - 3, 0, ui->cols, ui->message,
                         ui_msg_attr(ui, ui->message_kind));
        }
        ui_quiz_draw_input(ui, ui->rows - 2); /* leaves the cursor in the line */
    } else {
        curs_set(0);
        ui_draw_text(ui, ui->rows - 2, 0, ui->cols, ui->message, ui_msg_attr(ui, ui->message_kind));
    }
    refresh();
}

/* ---- input ---- */

static void dispatch(struct ui *ui, int key)
{
    unsigned ctx = current_ctx(ui);
    enum ui_action act = ui_key_action(key, ctx);
    if (ui->cols < UI_MIN_COLS || ui->rows < UI_MIN_ROWS) {
        /* Only leaving makes sense on the "enlarge" message. */
        if (act == UI_ACT_QUIT || (act == UI_ACT_BACK && ctx == UI_CTX_MENU))
            ui->quit = true;
        return;
    }
    switch (act) {
    case UI_ACT_QUIT:
        ui->quit = true;
        return;
    case UI_ACT_REDRAW:
        clearok(curscr, TRUE);
        return;
    case UI_ACT_HELP:
        ui_overlay_help(ui, ctx);
        return;
    default:
        break;
    }
    if (ctx == UI_CTX_OVERLAY)
        ui_overlay_handle(ui, act);
    else if (ctx == UI_CTX_INPUT)
        ui_quiz_edit(ui, act, key);
    else
        current_screen(ui)->handle(ui, act);
}

static int read_key(void)
{
    wint_t ch;
    int r = get_wch(&ch);
    if (r == ERR)
        return -1;
    if (r == KEY_CODE_YES)
        return UI_KC((int)ch);
    return (int)ch;
}

/* CAPLAB_TUTOR_BENCH=first-frame: leave right after the first frame is on the screen,
 * so bench/tutor.sh can time start-up to first frame from outside. */
static bool bench_first_frame(void)
{
    const char *b = getenv("CAPLAB_TUTOR_BENCH");
    return b && strcmp(b, "first-frame") == 0;
}

static void run_loop(struct ui *ui)
{
    bool need_draw = true;
    while (!ui->quit && !ui_term_stop_signal()) {
        if (need_draw) {
            ui_draw(ui);
            need_draw = false;
            if (bench_first_frame())
                return;
        }
        int key = read_key();
        if (key < 0)
            continue; /* a timeout: look at the stop signal again */
        need_draw = true;
        if (key == UI_KC(KEY_RESIZE)) {
            getmaxyx(stdscr, ui->rows, ui->cols);
            continue;
        }
        dispatch(ui, key);
    }
}

static void free_state(struct ui *ui)
{
    if (!ui->state)
        return;
    for (size_t i = 0; i < ui->course->n_lessons; i++) {
        for (size_t k = 0; ui->state[i] && k < ui->course->lessons[i].n_steps; k++) {
            struct ui_step_state *st = &ui->state[i][k];
            free(st->checks);
            free(st->answer);
            free(st->feedback);
            free(st->proof);
            free(st->proof_side[0]);
            free(st->proof_side[1]);
        }
        free(ui->state[i]);
    }
    free(ui->state);
}

static int alloc_state(struct ui *ui, struct err *e)
{
    if (!ui->course)
        return 0;
    ui->state = calloc(ui->course->n_lessons ? ui->course->n_lessons : 1, sizeof *ui->state);
    if (!ui->state)
        return err_sys(e, "cannot allocate the tutor's state");
    for (size_t i = 0; i < ui->course->n_lessons; i++) {
        size_t n = ui->course->lessons[i].n_steps;
        ui->state[i] = calloc(n ? n : 1, sizeof *ui->state[i]);
        if (!ui->state[i])
            return err_sys(e, "cannot allocate the tutor's state");
        for (size_t k = 0; k < n; k++) {
            const struct lesson_step *s = &ui->course->lessons[i].steps[k];
            struct ui_step_state *st = &ui->state[i][k];
            st->shell_status = -1;
            quiz_state_init(&st->quiz);
            if (!ui->progress)
                continue;
            /* Resume: what earlier sessions did. */
            const char *lesson = ui->course->lessons[i].id;
            if (s->kind == STEP_QUIZ)
                progress_quiz_state(ui->progress, lesson, s->quiz.id, &st->quiz);
            else
                st->visited = progress_step_done(ui->progress, lesson, s->id);
        }
    }
    return 0;
}

/* The menu starts on the first lesson that is not done. */
static void select_resume_lesson(struct ui *ui)
{
    for (size_t i = 0; i < ui->course->n_lessons; i++) {
        size_t done, total;
        ui_lesson_progress(ui, i, &done, &total);
        if (done < total) {
            ui->menu_sel = i;
            return;
        }
    }
}

int ui_tutor_run(const struct ui_options *opt, struct course *course, struct progress *progress,
                 const char *notice, struct err *e)
{
    struct ui ui = {.opt = opt, .course = course, .progress = progress, .screen = UI_SCREEN_MENU};
    lineedit_init(&ui.edit);
    int status = -1;
    if (alloc_state(&ui, e) < 0)
        goto out;
    select_resume_lesson(&ui);
    if (notice)
        ui_message(&ui, UI_MSG_BAD, "%s", notice);
    else if (course_percent(&ui) == 0)
        ui_message(&ui, UI_MSG_INFO, "Welcome! Enter opens the selected lesson; ? lists the keys.");
    if (ui_term_open(&ui, e) < 0)
        goto out;
    run_loop(&ui);
    ui_close_lesson(&ui);
    ui_term_close();
    int sig = ui_term_stop_signal();
    status = sig ? 128 + sig : 0;
out:
    free_state(&ui);
    free(ui.content);
    free(ui.overlay_text);
    free(ui.overlay_title);
    markup_doc_release(&ui.doc);
    markup_doc_release(&ui.overlay_doc);
    lineedit_release(&ui.edit);
    return status;
}
