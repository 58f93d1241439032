/*
 * ui_priv: the tutor's internal contract, shared by lab/ui*.c only (the only files that
 * include curses).
 *
 * Shape: keys become actions through ONE table (ui_keys.c); the current screen (menu or
 * lesson) draws itself and handles actions; an overlay (help, capability) can sit on top;
 * the answer line takes keys while the learner types. Step kinds add their own text and
 * actions to the lesson screen (ui_experiment.c, ui_quiz.c). The core does the work: the
 * UI never grades, never builds a sandbox and never parses lessons.
 *
 * Ownership: struct ui owns its strings, documents and per-step state; the course is
 * borrowed from the caller.
 */
#ifndef CAPLAB_UI_PRIV_H
#define CAPLAB_UI_PRIV_H

#include <curses.h>
#include <stdbool.h>
#include <stdio.h>

#include "lesson.h"
#include "lineedit.h"
#include "markup.h"
#include "progress.h"
#include "quiz.h"
#include "sandbox.h"
#include "ui.h"

#define UI_MIN_COLS   40
#define UI_SCROLL_END ((size_t)-1) /* ui->scroll: the last page, once laid out */
#define UI_MIN_ROWS   10

/* Keys: characters are themselves; curses key codes (KEY_UP...) are flagged. */
#define UI_KEYCODE 0x1000000
#define UI_KC(k)   ((k) | UI_KEYCODE)
#define UI_CTRL(c) ((c)&0x1f)
#define UI_ESC     27

/* Where keys are read: a key's meaning depends on it. */
enum ui_ctx {
    UI_CTX_MENU = 1 << 0,
    UI_CTX_TEXT = 1 << 1,       /* lesson screen, text step */
    UI_CTX_EXPERIMENT = 1 << 2, /* lesson screen, experiment or check step */
    UI_CTX_QUIZ = 1 << 3,       /* lesson screen, quiz step */
    UI_CTX_INPUT = 1 << 4,      /* typing an answer */
    UI_CTX_OVERLAY = 1 << 5,    /* help or capability page on top */
};
#define UI_CTX_LESSON  (UI_CTX_TEXT | UI_CTX_EXPERIMENT | UI_CTX_QUIZ)
#define UI_CTX_SCROLL  (UI_CTX_MENU | UI_CTX_LESSON | UI_CTX_OVERLAY)
#define UI_CTX_SCREENS (UI_CTX_MENU | UI_CTX_LESSON | UI_CTX_OVERLAY)

enum ui_action {
    UI_ACT_NONE = 0,
    UI_ACT_QUIT, /* Q: leave the tutor from anywhere */
    UI_ACT_BACK, /* q: close, go back, leave from the menu */
    UI_ACT_HELP,
    UI_ACT_CAP_INFO,
    UI_ACT_REDRAW,
    UI_ACT_UP,
    UI_ACT_DOWN,
    UI_ACT_PAGE_UP,
    UI_ACT_PAGE_DOWN,
    UI_ACT_TOP,
    UI_ACT_BOTTOM,
    UI_ACT_OPEN,
    UI_ACT_NEXT_STEP,
    UI_ACT_PREV_STEP,
    UI_ACT_SHELL,
    UI_ACT_CHECKS,
    UI_ACT_ANSWER,
    UI_ACT_HINT,
    UI_ACT_EXPLAIN,
    UI_ACT_PROVE,
    /* the answer line */
    UI_ED_LEFT,
    UI_ED_RIGHT,
    UI_ED_HOME,
    UI_ED_END,
    UI_ED_BACKSPACE,
    UI_ED_DELETE,
    UI_ED_KILL_START,
    UI_ED_KILL_WORD,
    UI_ED_HISTORY_PREV,
    UI_ED_HISTORY_NEXT,
    UI_ED_COMPLETE,
    UI_ED_SUBMIT,
    UI_ED_CANCEL,
};

struct ui_key {
    int key;
    unsigned ctx; /* enum ui_ctx bits where this binding applies */
    enum ui_action action;
    const char *keys; /* for the help overlay: "j, Down"; NULL on alternates */
    const char *help;
};

/* The action bound to `key` where the learner is (`ctx`, one bit), or UI_ACT_NONE. */
enum ui_action ui_key_action(int key, unsigned ctx);
const struct ui_key *ui_key_table(size_t *n);

/* What the learner did on one step during this session. */
struct ui_step_state {
    bool visited;
    int shell_status;    /* exit status of the last shell, -1: none */
    char *checks;        /* markup: results of the last check run, or NULL */
    char *answer;        /* the last answer given */
    char *feedback;      /* markup: the verdict and feedback on it */
    char *proof;         /* markup: the last proof's verdict, or NULL */
    char *proof_side[2]; /* plain text: the run with the answer, and with the key */
    capmask answer_caps; /* capabilities in the last answer (capability quizzes) */
    bool give_up_armed;
    struct quiz_attempt_state quiz; /* quiz steps: the grading core's state */
};

enum ui_screen_id { UI_SCREEN_MENU, UI_SCREEN_LESSON };
enum ui_overlay_id { UI_OVERLAY_NONE, UI_OVERLAY_HELP, UI_OVERLAY_CAPS };
enum ui_msg_kind { UI_MSG_INFO, UI_MSG_GOOD, UI_MSG_BAD };

struct ui {
    const struct ui_options *opt;
    struct course *course;     /* borrowed */
    struct progress *progress; /* borrowed; NULL: not saved (the learner was told) */
    time_t lesson_opened;      /* for the time spent in a lesson */
    int rows, cols;
    bool quit;
    bool color;

    enum ui_screen_id screen;
    char message[512];
    enum ui_msg_kind message_kind;

    /* overlay */
    enum ui_overlay_id overlay;
    unsigned overlay_ctx; /* the context under the help overlay */
    char *overlay_text;   /* markup */
    char *overlay_title;
    struct markup_doc overlay_doc;
    unsigned overlay_width;
    size_t overlay_scroll;
    bool editing_before_overlay;

    /* menu */
    size_t menu_sel;

    /* lesson */
    size_t lesson, step;
    struct ui_step_state **state; /* [lesson][step] */
    char *content;                /* markup of the current step */
    bool content_dirty;
    struct markup_doc doc;
    unsigned doc_width;
    size_t scroll;

    /* answer line */
    bool editing;
    struct lineedit edit;
};

struct ui_screen {
    unsigned (*context)(const struct ui *ui);
    void (*draw)(struct ui *ui, int top, int height);
    void (*handle)(struct ui *ui, enum ui_action act);
    /* header text (left) and a position indicator (right), into the buffers */
    void (*header)(struct ui *ui, char *left, size_t ln, char *right, size_t rn);
};

extern const struct ui_screen ui_menu_screen;
extern const struct ui_screen ui_lesson_screen;

/* ui.c */
void ui_message(struct ui *ui, enum ui_msg_kind kind, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
const struct lesson *ui_current_lesson(const struct ui *ui);
const struct lesson_step *ui_current_step(const struct ui *ui);
struct ui_step_state *ui_current_state(struct ui *ui);
void ui_open_lesson(struct ui *ui, size_t lesson);
void ui_goto_step(struct ui *ui, size_t step);
/* Columns the lesson text is laid out in. */
unsigned ui_text_width(const struct ui *ui);
/* Draw the whole screen now (also from long actions, to show their progress). */
void ui_draw(struct ui *ui);
/* Leave the lesson for the menu (records the time spent). */
void ui_close_lesson(struct ui *ui);
/* Say so when saving progress failed (rc < 0); the memory copy is up to date anyway. */
void ui_progress_saved(struct ui *ui, int rc, const struct err *e);
/* Course progress for the menu and the status bar. */
void ui_lesson_progress(const struct ui *ui, size_t lesson, size_t *done, size_t *total);
unsigned ui_markup_flags(const struct ui *ui);
const char *ui_sandbox_status(char *buf, size_t n);

/* ui_draw.c */
void ui_colors_init(struct ui *ui);
attr_t ui_style_attr(const struct ui *ui, enum markup_style style);
attr_t ui_msg_attr(const struct ui *ui, enum ui_msg_kind kind);
attr_t ui_bar_attr(const struct ui *ui);
attr_t ui_selected_attr(const struct ui *ui);
attr_t ui_dim_attr(const struct ui *ui);
/* Draw text clipped to `width` columns at (row, col); returns the columns used. */
int ui_draw_text(const struct ui *ui, int row, int col, int width, const char *text, attr_t attr);
/* Draw doc lines [first, first+height) in rows [top, top+height), from column left. */
void ui_draw_doc(const struct ui *ui, const struct markup_doc *doc, size_t first, int top,
                 int height, int left);
/* Render markup for `width`; on failure the doc holds one line saying so. */
void ui_render(const struct ui *ui, const char *text, unsigned width, struct markup_doc *doc);

/* ui_term.c */
int ui_term_open(struct ui *ui, struct err *e);
void ui_term_close(void);
/* Hand the terminal to a child (a sandbox shell) and take it back. */
void ui_term_suspend(void);
void ui_term_resume(struct ui *ui);
/* The signal that asked us to stop (SIGINT, SIGTERM, SIGHUP), or 0. */
int ui_term_stop_signal(void);
/*
 * A long action (a check, a proof) off the UI path: work(arg, result) runs in a child
 * process that sends back `size` bytes of plain data (no pointers); meanwhile the screen
 * stays alive (resizes are redrawn) and Esc or Ctrl-C cancel it (the child is killed,
 * and its sandbox with it). Returns 0 with *result filled, UI_WORK_CANCELLED, UI_WORK_STOPPED
 * (a signal asks the tutor to quit), or -1 when it could not run.
 */
#define UI_WORK_CANCELLED 1
#define UI_WORK_STOPPED   2
int ui_term_run_worker(struct ui *ui, void (*work)(void *arg, void *result), void *arg,
                       void *result, size_t size);
void ui_term_update_size(struct ui *ui);

/* ui_overlay.c */
void ui_overlay_help(struct ui *ui, unsigned ctx);
/* Capability pages for `caps` (n of them); n == 0: every capability. */
void ui_overlay_caps(struct ui *ui, const unsigned *caps, size_t n);
void ui_overlay_draw(struct ui *ui);
void ui_overlay_handle(struct ui *ui, enum ui_action act);
void ui_overlay_close(struct ui *ui);

/* ui_experiment.c: experiment and check steps */
void ui_experiment_compose(struct ui *ui, FILE *f, const struct lesson_step *step,
                           struct ui_step_state *st);
void ui_experiment_handle(struct ui *ui, enum ui_action act);

/* ui_quiz.c: quiz steps and the answer line */
void ui_quiz_compose(struct ui *ui, FILE *f, const struct lesson_step *step,
                     struct ui_step_state *st);
void ui_quiz_handle(struct ui *ui, enum ui_action act);
/* A key while typing: an editing action, or a character to insert (act NONE). */
void ui_quiz_edit(struct ui *ui, enum ui_action act, int key);
void ui_quiz_draw_input(struct ui *ui, int row);

#endif
