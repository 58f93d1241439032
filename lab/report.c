#include "report.h"

#include <jansson.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "progress.h"

void report_init(struct report *r)
{
    memset(r, 0, sizeof *r);
}

static void free_strings(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

void report_release(struct report *r)
{
    free_strings(r->learners, r->n_learners);
    free_strings(r->sources, r->n_learners);
    free_strings(r->lessons, r->n_lessons);
    for (size_t i = 0; i < r->n_rows; i++) {
        free(r->rows[i].learner);
        free(r->rows[i].lesson);
    }
    free(r->rows);
    for (size_t i = 0; i < r->n_questions; i++) {
        struct report_question *q = &r->questions[i];
        free(q->lesson);
        free(q->quiz);
        for (size_t k = 0; k < q->n_wrong; k++)
            free(q->wrong[k].answer);
        free(q->wrong);
    }
    free(r->questions);
    free_strings(r->problems, r->n_problems);
    report_init(r);
}

/* Grow an array by one zeroed element; returns it or NULL. */
static void *push(void **array, size_t *n, size_t size)
{
    char *grown = realloc(*array, (*n + 1) * size);
    if (!grown)
        return NULL;
    *array = grown;
    void *slot = grown + *n * size;
    memset(slot, 0, size);
    (*n)++;
    return slot;
}

/*
 * A copy safe to print on the instructor's terminal: records come from learners, and a
 * name like "eve\033]0;pwned\007" must not drive the terminal. C0 controls, DEL and the
 * C1 controls (U+0080..U+009F, as UTF-8) become '?'; other UTF-8 is kept.
 */
static char *printable_dup(const char *s)
{
    char *copy = strdup(s);
    if (!copy)
        return NULL;
    unsigned char *p = (unsigned char *)copy;
    for (size_t i = 0; p[i]; i++) {
        if (p[i] < 0x20 || p[i] == 0x7f) {
            p[i] = '?';
        } else if (p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f) {
            p[i] = '?';
            p[i + 1] = '?';
            i++;
        }
    }
    return copy;
}

static int push_string(char ***list, size_t *n, const char *s)
{
    char *copy = printable_dup(s);
    char **slot = copy ? push((void **)list, n, sizeof **list) : NULL;
    if (!slot) {
        free(copy);
        return -1;
    }
    *slot = copy;
    return 0;
}

static int add_problem(struct report *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int add_problem(struct report *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *msg = NULL;
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    /* File names and parser messages quote learners' bytes too. */
    char *clean = printable_dup(msg);
    free(msg);
    char **slot = clean ? push((void **)&r->problems, &r->n_problems, sizeof *r->problems) : NULL;
    if (!slot) {
        free(clean);
        return -1;
    }
    *slot = clean;
    return 0;
}

static int note_lesson(struct report *r, const char *lesson)
{
    for (size_t i = 0; i < r->n_lessons; i++)
        if (strcmp(r->lessons[i], lesson) == 0)
            return 0;
    return push_string(&r->lessons, &r->n_lessons, lesson);
}

static struct report_question *find_question(struct report *r, const char *lesson, const char *quiz)
{
    for (size_t i = 0; i < r->n_questions; i++)
        if (strcmp(r->questions[i].lesson, lesson) == 0 && strcmp(r->questions[i].quiz, quiz) == 0)
            return &r->questions[i];
    struct report_question *q = push((void **)&r->questions, &r->n_questions, sizeof *q);
    if (!q)
        return NULL;
    q->lesson = printable_dup(lesson);
    q->quiz = printable_dup(quiz);
    if (!q->lesson || !q->quiz)
        return NULL;
    return q;
}

static int count_wrong(struct report_question *q, const char *answer)
{
    for (size_t i = 0; i < q->n_wrong; i++) {
        if (strcmp(q->wrong[i].answer, answer) == 0) {
            q->wrong[i].learners++;
            return 0;
        }
    }
    struct report_answer_count *c = push((void **)&q->wrong, &q->n_wrong, sizeof *c);
    if (!c || !(c->answer = printable_dup(answer)))
        return -1;
    c->learners = 1;
    return 0;
}

static int add_quiz(struct report *r, const struct progress_quiz_info *info)
{
    const struct quiz_attempt_state *s = &info->state;
    if (!s->attempts && !s->solved && !s->gave_up)
        return 0; /* opened, maybe a hint read, never answered */
    struct report_question *q = find_question(r, info->lesson, info->quiz);
    if (!q)
        return -1;
    q->learners++;
    q->solved += s->solved;
    q->gave_up += s->gave_up;
    q->attempts += s->attempts;
    /* Each distinct wrong answer once per learner. */
    for (size_t i = 0; i < info->n_answers; i++) {
        const struct progress_answer *a = &info->answers[i];
        if (strcmp(a->verdict, "correct") == 0)
            continue;
        bool seen = false;
        for (size_t k = 0; k < i && !seen; k++)
            seen = strcmp(info->answers[k].verdict, "correct") != 0 &&
                   strcmp(info->answers[k].answer, a->answer) == 0;
        if (!seen && count_wrong(q, a->answer) < 0)
            return -1;
    }
    return 0;
}

static int add_record(struct report *r, const char *learner, const struct progress *p,
                      struct err *e)
{
    struct progress_lesson_summary *sums = NULL;
    struct progress_quiz_info *quizzes = NULL;
    size_t n_sums = 0, n_quizzes = 0;
    int rc = -1;
    if (progress_summaries(p, &sums, &n_sums, e) < 0 ||
        progress_quizzes(p, &quizzes, &n_quizzes, e) < 0)
        goto out;
    for (size_t i = 0; i < n_sums; i++) {
        const struct progress_lesson_summary *s = &sums[i];
        struct report_row *row = push((void **)&r->rows, &r->n_rows, sizeof *row);
        if (!row || note_lesson(r, s->lesson) < 0)
            goto oom;
        row->learner = printable_dup(learner);
        row->lesson = printable_dup(s->lesson);
        if (!row->learner || !row->lesson)
            goto oom;
        row->steps_done = s->steps_done;
        row->steps_total = s->steps_total;
        row->completed = s->completed != 0;
        row->quizzes_seen = s->quizzes_seen;
        row->quizzes_solved = s->quizzes_solved;
        row->score = s->quiz_score;
        row->seconds = s->seconds;
    }
    for (size_t i = 0; i < n_quizzes; i++)
        if (add_quiz(r, &quizzes[i]) < 0)
            goto oom;
    rc = 0;
    goto out;
oom:
    rc = err_sys(e, "building the report");
out:
    free(sums);
    progress_quizzes_free(quizzes, n_quizzes);
    return rc;
}

/* learners[] and sources[] grow together. */
static int add_learner(struct report *r, const char *learner, const char *path)
{
    size_t n = r->n_learners + 1;
    char **names = realloc(r->learners, n * sizeof *names);
    if (!names)
        return -1;
    r->learners = names;
    char **sources = realloc(r->sources, n * sizeof *sources);
    if (!sources)
        return -1;
    r->sources = sources;
    names[n - 1] = printable_dup(learner);
    sources[n - 1] = printable_dup(path);
    if (!names[n - 1] || !sources[n - 1]) {
        free(names[n - 1]);
        free(sources[n - 1]);
        return -1;
    }
    r->n_learners = n;
    return 0;
}

int report_add_file(struct report *r, const char *path, struct err *e)
{
    struct err inner = {0};
    char *learner = NULL;
    struct progress *p = progress_import(path, &learner, &inner);
    if (!p) {
        /* progress_import names the file in its messages. */
        return add_problem(r, "%s", inner.msg) < 0 ? err_sys(e, "building the report") : 0;
    }
    int rc = 0;
    for (size_t i = 0; i < r->n_learners; i++) {
        if (strcmp(r->learners[i], learner) == 0) {
            if (add_problem(r,
                            "%s: a second record for learner \"%s\" (first read from %s); skipped",
                            path, learner, r->sources[i]) < 0)
                rc = err_sys(e, "building the report");
            goto out;
        }
    }
    if (add_learner(r, learner, path) < 0) {
        rc = err_sys(e, "building the report");
        goto out;
    }
    rc = add_record(r, learner, p, e);
out:
    free(learner);
    progress_free(p);
    return rc;
}

static const struct report *sort_ctx;

static size_t lesson_index(const struct report *r, const char *lesson)
{
    for (size_t i = 0; i < r->n_lessons; i++)
        if (strcmp(r->lessons[i], lesson) == 0)
            return i;
    return r->n_lessons;
}

static size_t learner_index(const struct report *r, const char *learner)
{
    for (size_t i = 0; i < r->n_learners; i++)
        if (strcmp(r->learners[i], learner) == 0)
            return i;
    return r->n_learners;
}

static int cmp_size(size_t a, size_t b)
{
    return a < b ? -1 : a > b;
}

static int cmp_rows(const void *a, const void *b)
{
    const struct report_row *x = a, *y = b;
    int c = strcoll(x->learner, y->learner);
    if (c)
        return c;
    c = cmp_size(learner_index(sort_ctx, x->learner), learner_index(sort_ctx, y->learner));
    return c ? c : cmp_size(lesson_index(sort_ctx, x->lesson), lesson_index(sort_ctx, y->lesson));
}

static int cmp_questions(const void *a, const void *b)
{
    const struct report_question *x = a, *y = b;
    int c = cmp_size(lesson_index(sort_ctx, x->lesson), lesson_index(sort_ctx, y->lesson));
    return c ? c : strcmp(x->quiz, y->quiz);
}

static int cmp_wrong(const void *a, const void *b)
{
    const struct report_answer_count *x = a, *y = b;
    if (x->learners != y->learners)
        return x->learners > y->learners ? -1 : 1;
    return strcmp(x->answer, y->answer);
}

void report_finish(struct report *r)
{
    sort_ctx = r;
    if (r->n_rows)
        qsort(r->rows, r->n_rows, sizeof *r->rows, cmp_rows);
    if (r->n_questions)
        qsort(r->questions, r->n_questions, sizeof *r->questions, cmp_questions);
    for (size_t i = 0; i < r->n_questions; i++) {
        struct report_question *q = &r->questions[i];
        q->success_rate = q->learners ? (double)q->solved / q->learners : 0.0;
        if (q->n_wrong)
            qsort(q->wrong, q->n_wrong, sizeof *q->wrong, cmp_wrong);
    }
    sort_ctx = NULL;
}

/* ---- writers ---- */

static void format_duration(unsigned long seconds, char *buf, size_t n)
{
    if (seconds >= 3600)
        snprintf(buf, n, "%luh%02lum", seconds / 3600, seconds / 60 % 60);
    else
        snprintf(buf, n, "%lum%02lus", seconds / 60, seconds % 60);
}

static void steps_text(const struct report_row *row, char *buf, size_t n)
{
    if (row->steps_total)
        snprintf(buf, n, "%u/%u", row->steps_done, row->steps_total);
    else
        snprintf(buf, n, "%u/?", row->steps_done);
}

static size_t max_width(size_t current, const char *s)
{
    size_t len = strlen(s);
    return len > current ? len : current;
}

int report_write_text(const struct report *r, FILE *f)
{
    fprintf(f, "Class report: %zu learner%s, %zu lesson%s, %zu question%s\n", r->n_learners,
            r->n_learners == 1 ? "" : "s", r->n_lessons, r->n_lessons == 1 ? "" : "s",
            r->n_questions, r->n_questions == 1 ? "" : "s");

    if (r->n_rows) {
        size_t wl = strlen("Learner"), wn = strlen("Lesson");
        for (size_t i = 0; i < r->n_rows; i++) {
            wl = max_width(wl, r->rows[i].learner);
            wn = max_width(wn, r->rows[i].lesson);
        }
        fprintf(f, "\n%-*s  %-*s  %7s  %-4s  %7s  %5s  %7s\n", (int)wl, "Learner", (int)wn,
                "Lesson", "Steps", "Done", "Quizzes", "Score", "Time");
        for (size_t i = 0; i < r->n_rows; i++) {
            const struct report_row *row = &r->rows[i];
            char steps[32], quizzes[32], score[16], time_spent[32];
            steps_text(row, steps, sizeof steps);
            snprintf(quizzes, sizeof quizzes, "%u/%u", row->quizzes_solved, row->quizzes_seen);
            if (row->quizzes_seen)
                snprintf(score, sizeof score, "%.0f%%", row->score * 100);
            else
                snprintf(score, sizeof score, "-");
            format_duration(row->seconds, time_spent, sizeof time_spent);
            fprintf(f, "%-*s  %-*s  %7s  %-4s  %7s  %5s  %7s\n", (int)wl, row->learner, (int)wn,
                    row->lesson, steps, row->completed ? "yes" : "no", quizzes, score, time_spent);
        }
    }

    if (r->n_questions) {
        size_t wq = strlen("Question");
        for (size_t i = 0; i < r->n_questions; i++)
            wq = max_width(wq, r->questions[i].quiz);
        fprintf(f, "\n%-*s  %8s  %6s  %7s  %8s  %s\n", (int)wq, "Question", "Learners", "Solved",
                "Success", "Attempts", "Most common wrong answers");
        for (size_t i = 0; i < r->n_questions; i++) {
            const struct report_question *q = &r->questions[i];
            char rate[16];
            snprintf(rate, sizeof rate, "%.0f%%", q->success_rate * 100);
            fprintf(f, "%-*s  %8u  %6u  %7s  %8u  ", (int)wq, q->quiz, q->learners, q->solved, rate,
                    q->attempts);
            if (!q->n_wrong)
                fputs("-", f);
            for (size_t k = 0; k < q->n_wrong && k < REPORT_TOP_WRONG; k++)
                fprintf(f, "%s%s (%u)", k ? ", " : "", q->wrong[k].answer, q->wrong[k].learners);
            fputc('\n', f);
        }
    }

    if (r->n_problems) {
        fprintf(f, "\nSkipped %zu file%s:\n", r->n_problems, r->n_problems == 1 ? "" : "s");
        for (size_t i = 0; i < r->n_problems; i++)
            fprintf(f, "  %s\n", r->problems[i]);
    }
    return ferror(f) ? -1 : 0;
}

static void csv_field(FILE *f, const char *s)
{
    if (!strpbrk(s, ",\"\r\n")) {
        fputs(s, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

int report_write_csv(const struct report *r, FILE *f)
{
    fputs("learner,lesson,steps_done,steps_total,completed,quizzes_seen,quizzes_solved,score,"
          "seconds\r\n",
          f);
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct report_row *row = &r->rows[i];
        csv_field(f, row->learner);
        fputc(',', f);
        csv_field(f, row->lesson);
        fprintf(f, ",%u,%u,%s,%u,%u,%.3f,%lu\r\n", row->steps_done, row->steps_total,
                row->completed ? "yes" : "no", row->quizzes_seen, row->quizzes_solved, row->score,
                row->seconds);
    }
    fputs("\r\nlesson,quiz,learners,solved,gave_up,success_rate,attempts,common_wrong_answers\r\n",
          f);
    for (size_t i = 0; i < r->n_questions; i++) {
        const struct report_question *q = &r->questions[i];
        csv_field(f, q->lesson);
        fputc(',', f);
        csv_field(f, q->quiz);
        fprintf(f, ",%u,%u,%u,%.3f,%u,", q->learners, q->solved, q->gave_up, q->success_rate,
                q->attempts);
        /* "ANSWER (N); ANSWER (N)" in one field. */
        size_t len = 1;
        for (size_t k = 0; k < q->n_wrong && k < REPORT_TOP_WRONG; k++)
            len += strlen(q->wrong[k].answer) + 24;
        char *joined = calloc(1, len);
        if (!joined)
            return -1;
        for (size_t k = 0; k < q->n_wrong && k < REPORT_TOP_WRONG; k++) {
            size_t used = strlen(joined);
            snprintf(joined + used, len - used, "%s%s (%u)", k ? "; " : "", q->wrong[k].answer,
                     q->wrong[k].learners);
        }
        csv_field(f, joined);
        free(joined);
        fputs("\r\n", f);
    }
    return ferror(f) ? -1 : 0;
}

int report_write_json(const struct report *r, FILE *f)
{
    json_t *learners = json_array(), *rows = json_array(), *questions = json_array(),
           *problems = json_array();
    for (size_t i = 0; i < r->n_learners; i++)
        json_array_append_new(
            learners, json_pack("{s:s, s:s}", "name", r->learners[i], "file", r->sources[i]));
    for (size_t i = 0; i < r->n_rows; i++) {
        const struct report_row *row = &r->rows[i];
        json_array_append_new(rows,
                              json_pack("{s:s, s:s, s:i, s:i, s:b, s:i, s:i, s:f, s:I}", "learner",
                                        row->learner, "lesson", row->lesson, "steps_done",
                                        row->steps_done, "steps_total", row->steps_total,
                                        "completed", row->completed, "quizzes_seen",
                                        row->quizzes_seen, "quizzes_solved", row->quizzes_solved,
                                        "score", row->score, "seconds", (json_int_t)row->seconds));
    }
    for (size_t i = 0; i < r->n_questions; i++) {
        const struct report_question *q = &r->questions[i];
        json_t *wrong = json_array();
        for (size_t k = 0; k < q->n_wrong; k++)
            json_array_append_new(wrong, json_pack("{s:s, s:i}", "answer", q->wrong[k].answer,
                                                   "learners", q->wrong[k].learners));
        json_array_append_new(
            questions, json_pack("{s:s, s:s, s:i, s:i, s:i, s:f, s:i, s:o}", "lesson", q->lesson,
                                 "quiz", q->quiz, "learners", q->learners, "solved", q->solved,
                                 "gave_up", q->gave_up, "success_rate", q->success_rate, "attempts",
                                 q->attempts, "wrong_answers", wrong));
    }
    for (size_t i = 0; i < r->n_problems; i++)
        json_array_append_new(problems, json_string(r->problems[i]));
    json_t *root = json_pack("{s:o, s:o, s:o, s:o}", "learners", learners, "rows", rows,
                             "questions", questions, "problems", problems);
    if (!root)
        return -1;
    int rc = json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    fputc('\n', f);
    json_decref(root);
    return rc < 0 || ferror(f) ? -1 : 0;
}
