/*
 * ui_quiz: quiz steps and the answer line. The learner types an answer (with editing,
 * history and Tab completion of capability names); the grading core (quiz.c) judges it
 * and keeps the attempt state; this file shows the verdict in words, the feedback, the
 * hints one at a time and the explanation.
 */
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "capinfo.h"
#include "proof.h"
#include "ui_priv.h"

static const char *answer_help(const struct lesson_quiz *q)
{
    switch (q->kind) {
    case QUIZ_CAPABILITY:
        return "Answer with one capability name; Tab completes it.";
    case QUIZ_CAPABILITY_SET:
        return "Answer with capability names separated by commas; Tab completes them.";
    case QUIZ_CHOICE:
        return "Answer with the letter of one choice.";
    case QUIZ_MULTI_CHOICE:
        return "Answer with the letters of every right choice, such as: a, c";
    case QUIZ_TEXT:
        break;
    }
    return "Answer in a few words.";
}

static const char *verdict_words(enum quiz_verdict v)
{
    switch (v) {
    case QUIZ_VERDICT_CORRECT:
        return "Correct.";
    case QUIZ_VERDICT_PARTIAL:
        return "Partly right.";
    case QUIZ_VERDICT_WRONG:
        return "Not right.";
    case QUIZ_VERDICT_NEAR_MISS:
        return "Almost: check the spelling.";
    case QUIZ_VERDICT_INVALID:
        break;
    }
    return "That is not an answer to this question.";
}

/* Save the quiz's state; a finished quiz also completes its step. */
static void record_state(struct ui *ui, const struct lesson_step *step, struct ui_step_state *st,
                         const struct quiz_result *r)
{
    if (!ui->progress)
        return;
    const char *lesson = ui_current_lesson(ui)->id;
    struct err e = {0};
    int rc = r ? progress_record_answer(ui->progress, lesson, step->quiz.id, r, &st->quiz, &e)
               : progress_record_quiz_state(ui->progress, lesson, step->quiz.id, &st->quiz, &e);
    if (rc == 0 && quiz_state_finished(&st->quiz))
        rc = progress_record_step(ui->progress, lesson, step->id, &e);
    ui_progress_saved(ui, rc, &e);
}

/* The plain text of a rendered line (spans joined), into buf. */
static void line_text(const struct markup_line *l, char *buf, size_t n)
{
    buf[0] = '\0';
    for (size_t k = 0; k < l->n_spans; k++)
        strncat(buf, l->spans[k].text, n - strlen(buf) - 1);
}

/* The two runs of a proof: in two columns when there is room (and not in plain mode,
 * where linear text reads better), else one after the other. */
static void write_proof(struct ui *ui, FILE *f, const struct ui_step_state *st)
{
    unsigned width = ui_text_width(ui);
    if (!st->proof_side[0] || !st->proof_side[1])
        return;
    if (ui->opt->plain || width < 90) {
        fprintf(f, "- %s\n- %s\n\n", st->proof_side[0], st->proof_side[1]);
        return;
    }
    unsigned col = (width - 2 - 3) / 2; /* code block indent, then " | " between */
    struct markup_doc side[2] = {{0}, {0}};
    struct err e = {0};
    for (int i = 0; i < 2; i++)
        if (markup_render(st->proof_side[i], col, MARKUP_ASCII, &side[i], &e) < 0)
            side[i] = (struct markup_doc){0};
    size_t rows = side[0].n_lines > side[1].n_lines ? side[0].n_lines : side[1].n_lines;
    fprintf(f, "```\n");
    for (size_t r = 0; r < rows; r++) {
        char left[1024] = "", right[1024] = "";
        unsigned lw = 0;
        if (r < side[0].n_lines) {
            line_text(&side[0].lines[r], left, sizeof left);
            lw = side[0].lines[r].width;
        }
        if (r < side[1].n_lines)
            line_text(&side[1].lines[r], right, sizeof right);
        fprintf(f, "%s%*s | %s\n", left, (int)(col - lw), "", right);
    }
    fprintf(f, "```\n\n");
    markup_doc_release(&side[0]);
    markup_doc_release(&side[1]);
}

void ui_quiz_compose(struct ui *ui, FILE *f, const struct lesson_step *step,
                     struct ui_step_state *st)
{
    (void)ui;
    const struct lesson_quiz *q = &step->quiz;
    fprintf(f, "## Question\n\n%s\n\n", q->question ? q->question : "");
    for (size_t i = 0; i < q->n_choices; i++)
        fprintf(f, "- **%s**: %s\n", q->choices[i].id, q->choices[i].text);
    if (q->n_choices)
        fprintf(f, "\n");
    fprintf(f, "%s\n\n", answer_help(q));
    if (st->answer)
        fprintf(f, "## Your answer: `%s`\n\n%s\n\n", st->answer, st->feedback ? st->feedback : "");
    for (size_t i = 0; i < st->quiz.hints_shown && i < q->n_hints; i++)
        fprintf(f, "**Hint %zu:** %s\n\n", i + 1, q->hints[i]);
    const struct quiz_attempt_state *a = &st->quiz;
    if (st->quiz.solved && !st->answer)
        fprintf(f, "*You solved this one in an earlier session.*\n\n");
    if (quiz_state_finished(a)) {
        char *key = quiz_key_text(q);
        fprintf(f, "## Explanation\n\n%s%s%s\n\n", a->gave_up ? "You gave up. " : "",
                key ? "The answer: " : "", key ? key : "");
        const char *ex = quiz_state_explanation(a, q);
        if (ex)
            fprintf(f, "%s\n\n", ex);
        free(key);
    }
    if (st->proof) {
        fprintf(f, "## Proof\n\n");
        write_proof(ui, f, st);
        fprintf(f, "%s\n\n", st->proof);
    }
    size_t left = quiz_state_hints_left(a, q);
    fprintf(f, "Press **a** or **Enter** to answer");
    if (left)
        fprintf(f, ", **h** for a hint (%zu left)", left);
    fprintf(f, ", **x** for the explanation%s.\n", q->proof ? ", **P** to prove an answer" : "");
}

static void start_typing(struct ui *ui)
{
    ui->editing = true;
    ui->message[0] = '\0';
}

static const char *describe_cap(unsigned cap, void *ctx)
{
    (void)ctx;
    return capinfo_summary(cap);
}

static void submit(struct ui *ui, const struct lesson_step *step, struct ui_step_state *st)
{
    char *text = lineedit_text(&ui->edit);
    if (!text)
        return;
    lineedit_history_add(&ui->edit, text);
    struct quiz_result r = {0};
    struct err e = {0};
    /* Wrong capabilities are explained from the reference data (capinfo.h). */
    struct quiz_grader grader = {.describe = describe_cap};
    if (quiz_grade(&step->quiz, text, &grader, &r, &e) < 0) {
        ui_message(ui, UI_MSG_BAD, "This question cannot be graded: %s", e.msg);
        free(text);
        return;
    }
    bool was_finished = quiz_state_finished(&st->quiz);
    quiz_state_record(&st->quiz, &r);
    if (!was_finished)
        record_state(ui, step, st, &r);
    free(st->answer);
    st->answer = text;
    if (r.counts)
        st->answer_caps = r.given;
    free(st->feedback);
    st->feedback = NULL;
    /* The verdict in words (never colour alone), unless the feedback already opens with it. */
    const char *verdict = verdict_words(r.verdict);
    const char *fb = r.feedback ? r.feedback : "";
    size_t vlen = strcspn(verdict, ".:");
    bool said = strncasecmp(fb, verdict, vlen) == 0;
    if (asprintf(&st->feedback, "%s%s%s%s", said ? "" : "**", said ? "" : verdict,
                 said ? "" : "** ", fb) < 0)
        st->feedback = NULL;
    enum ui_msg_kind kind = r.verdict == QUIZ_VERDICT_CORRECT ? UI_MSG_GOOD : UI_MSG_BAD;
    if (r.verdict == QUIZ_VERDICT_PARTIAL)
        ui_message(ui, kind, "%s Score %d%%. %s", verdict_words(r.verdict),
                   (int)(r.score * 100 + 0.5), was_finished ? "" : "Try again or press h.");
    else if (r.verdict == QUIZ_VERDICT_CORRECT)
        ui_message(ui, kind, "%s Press n for the next step.", verdict_words(r.verdict));
    else
        ui_message(ui, kind, "%s %s", verdict_words(r.verdict),
                   r.counts ? "Try again, or press h for a hint." : "");
    quiz_result_release(&r);
    ui->editing = false;
    lineedit_clear(&ui->edit);
    ui->content_dirty = true;
    ui->scroll = UI_SCROLL_END; /* what changed is at the end */
}

static const char *result_words(const struct check_result *r)
{
    switch (r->status) {
    case CHECK_PASS:
        return r->happened;
    case CHECK_FAIL:
        return r->happened[0] ? r->happened : r->mismatch;
    default:
        return r->note;
    }
}

/* What the proof's worker process sends back: plain data. */
struct proof_outcome {
    int rc;
    struct err err;
    struct proof_comparison cmp;
};

struct proof_work {
    const struct lesson_quiz *quiz;
    capmask caps;
    struct proof_outcome out;
};

static void proof_worker(void *arg, void *result)
{
    struct proof_work *w = arg;
    struct proof_outcome *out = result;
    out->rc = proof_compare(w->quiz, w->caps, NULL, &out->cmp, &out->err);
}

/* Run the proof with the learner's capabilities and with the key; show both. */
static void prove(struct ui *ui, const struct lesson_quiz *q, struct ui_step_state *st)
{
    if (!q->proof) {
        ui_message(ui, UI_MSG_INFO, "This question has no experiment to prove an answer.");
        return;
    }
    if (!st->answer) {
        ui_message(ui, UI_MSG_INFO, "Answer first (a), then P runs the proof with your answer.");
        return;
    }
    ui_message(ui, UI_MSG_INFO, "Proving: running the experiment twice ... (Esc cancels)");
    ui_draw(ui);
    struct proof_work w = {.quiz = q, .caps = st->answer_caps};
    int rc = ui_term_run_worker(ui, proof_worker, &w, &w.out, sizeof w.out);
    if (rc == UI_WORK_CANCELLED || rc == UI_WORK_STOPPED) {
        ui_message(ui, UI_MSG_INFO, "Proof cancelled.");
        return;
    }
    if (rc < 0 || w.out.rc < 0) {
        ui_message(ui, UI_MSG_BAD, "The proof did not run: %s",
                   rc < 0 ? "its worker process failed" : w.out.err.msg);
        return;
    }
    struct proof_comparison cmp = w.out.cmp;
    char verdict[512];
    enum proof_verdict v = proof_judge(&cmp, verdict, sizeof verdict);
    char *yours = caps_to_names(cmp.answer_caps, ", ", false);
    char *key = caps_to_names(cmp.key_caps, ", ", false);
    free(st->proof);
    st->proof = strdup(verdict);
    for (int i = 0; i < 2; i++) {
        const struct check_result *r = i == 0 ? &cmp.answer : &cmp.key;
        const char *caps = i == 0 ? (yours && *yours ? yours : "no capability") : (key ? key : "?");
        free(st->proof_side[i]);
        if (asprintf(&st->proof_side[i], "With %s (%s): %s. %s", i == 0 ? "your answer" : "the key",
                     caps, check_status_name(r->status), result_words(r)) < 0)
            st->proof_side[i] = NULL;
    }
    free(yours);
    free(key);
    ui->content_dirty = true;
    ui->scroll = UI_SCROLL_END; /* what changed is at the end */
    ui_message(ui, v == PROOF_ANSWER_WORKS ? UI_MSG_GOOD : UI_MSG_BAD,
               "%s The proof is below the question.", verdict);
}

void ui_quiz_handle(struct ui *ui, enum ui_action act)
{
    const struct lesson_step *step = ui_current_step(ui);
    struct ui_step_state *st = ui_current_state(ui);
    if (!step || step->kind != STEP_QUIZ)
        return;
    const struct lesson_quiz *q = &step->quiz;
    switch (act) {
    case UI_ACT_ANSWER:
        start_typing(ui);
        break;
    case UI_ACT_HINT:
        if (quiz_state_next_hint(&st->quiz, q)) {
            ui->content_dirty = true;
            ui->scroll = UI_SCROLL_END; /* what changed is at the end */
            ui_message(ui, UI_MSG_INFO, "Hint %u of %zu is below the question.",
                       st->quiz.hints_shown, q->n_hints);
            record_state(ui, step, st, NULL);
        } else {
            ui_message(ui, UI_MSG_INFO,
                       q->n_hints ? "No more hints." : "This question has no hints.");
        }
        break;
    case UI_ACT_EXPLAIN:
        if (!quiz_state_finished(&st->quiz)) {
            if (!st->give_up_armed) {
                st->give_up_armed = true;
                ui_message(ui, UI_MSG_INFO,
                           "Press x again to give up and see the answer and the explanation.");
                break;
            }
            quiz_state_give_up(&st->quiz);
            record_state(ui, step, st, NULL);
        }
        st->give_up_armed = false;
        ui->content_dirty = true;
        ui->scroll = UI_SCROLL_END; /* what changed is at the end */
        ui_message(ui, UI_MSG_INFO, "The explanation is below the question.");
        break;
    case UI_ACT_PROVE:
        prove(ui, q, st);
        break;
    default:
        break;
    }
}

/* Capability names for Tab, with and without the CAP_ prefix. */
static const char *const *cap_candidates(bool prefixed, size_t *n)
{
    static char names[2][64][40];
    static const char *lists[2][64];
    static size_t count;
    if (!count) {
        for (unsigned cap = 0; cap <= caps_last() && cap < 64; cap++) {
            snprintf(names[0][cap], sizeof names[0][cap], "%s", caps_name(cap));
            snprintf(names[1][cap], sizeof names[1][cap], "CAP_%s", caps_name(cap));
            lists[0][cap] = names[0][cap];
            lists[1][cap] = names[1][cap];
            count = cap + 1;
        }
    }
    *n = count;
    return lists[prefixed ? 1 : 0];
}

static void complete(struct ui *ui, const struct lesson_quiz *q)
{
    if (q->kind != QUIZ_CAPABILITY && q->kind != QUIZ_CAPABILITY_SET) {
        ui_message(ui, UI_MSG_INFO, "Tab completes capability names; this answer is not one.");
        return;
    }
    char *word = lineedit_word(&ui->edit);
    if (!word)
        return;
    bool prefixed = strncasecmp(word, "cap_", 4) == 0;
    free(word);
    size_t n;
    const char *const *cands = cap_candidates(prefixed, &n);
    size_t matches[64];
    int found = lineedit_complete(&ui->edit, cands, n, matches, 64);
    if (found == 0) {
        ui_message(ui, UI_MSG_BAD, "No capability starts like that.");
    } else if (found > 1) {
        char list[512] = "";
        for (int i = 0; i < found && i < 64; i++) {
            if (strlen(list) + strlen(cands[matches[i]]) + 2 >= sizeof list)
                break;
            strcat(list, cands[matches[i]]);
            strcat(list, " ");
        }
        ui_message(ui, UI_MSG_INFO, "%s", list);
    } else {
        ui->message[0] = '\0';
    }
}

static void cap_info_for_word(struct ui *ui)
{
    char *word = lineedit_word(&ui->edit);
    unsigned cap;
    struct err e = {0};
    if (word && *word && caps_parse(word, &cap, &e) == 0)
        ui_overlay_caps(ui, &cap, 1);
    else
        ui_overlay_caps(ui, NULL, 0);
    free(word);
}

void ui_quiz_edit(struct ui *ui, enum ui_action act, int key)
{
    const struct lesson_step *step = ui_current_step(ui);
    struct ui_step_state *st = ui_current_state(ui);
    if (!step || step->kind != STEP_QUIZ) {
        ui->editing = false;
        return;
    }
    struct lineedit *le = &ui->edit;
    switch (act) {
    case UI_ED_LEFT:
        lineedit_left(le);
        break;
    case UI_ED_RIGHT:
        lineedit_right(le);
        break;
    case UI_ED_HOME:
        lineedit_home(le);
        break;
    case UI_ED_END:
        lineedit_end(le);
        break;
    case UI_ED_BACKSPACE:
        lineedit_backspace(le);
        break;
    case UI_ED_DELETE:
        lineedit_delete(le);
        break;
    case UI_ED_KILL_START:
        lineedit_kill_to_start(le);
        break;
    case UI_ED_KILL_WORD:
        lineedit_kill_word(le);
        break;
    case UI_ED_HISTORY_PREV:
        lineedit_history_prev(le);
        break;
    case UI_ED_HISTORY_NEXT:
        lineedit_history_next(le);
        break;
    case UI_ED_COMPLETE:
        complete(ui, &step->quiz);
        break;
    case UI_ED_CANCEL:
        ui->editing = false;
        break;
    case UI_ACT_CAP_INFO:
        cap_info_for_word(ui);
        break;
    case UI_ED_SUBMIT:
        submit(ui, step, st);
        break;
    case UI_ACT_NONE:
        if (key >= 32 && !(key & UI_KEYCODE) && iswprint((wint_t)key))
            lineedit_insert(le, (wchar_t)key);
        break;
    default:
        break;
    }
}

void ui_quiz_draw_input(struct ui *ui, int row)
{
    const char *prompt = "Answer: ";
    int plen = (int)strlen(prompt);
    int room = ui->cols - plen - 1;
    if (room < 1)
        return;
    attr_t a = ui->opt->plain ? A_NORMAL : A_BOLD;
    attron(a);
    mvaddstr(row, 0, prompt);
    attroff(a);
    /* Scroll the line sideways so that the cursor stays visible. */
    struct lineedit *le = &ui->edit;
    size_t first = 0;
    while (lineedit_columns(le, le->cursor) - lineedit_columns(le, first) >= (size_t)room)
        first++;
    int col = plen;
    for (size_t i = first; i < le->len; i++) {
        int w = wcwidth(le->buf[i]);
        if (w < 0)
            w = 1;
        if (col + w > ui->cols - 1)
            break;
        wchar_t one[2] = {le->buf[i], L'\0'};
        mvaddnwstr(row, col, one, 1);
        col += w;
    }
    move(row, plen + (int)(lineedit_columns(le, le->cursor) - lineedit_columns(le, first)));
    curs_set(1);
}
