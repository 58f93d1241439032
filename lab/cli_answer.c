/*
 * caplab answer / caplab grade: grading answers against the course's quizzes from the shell.
 *
 *   answer  one question, the way a learner works: graded, recorded in the learner's progress
 *           (attempts, hints, giving up), feedback and, once finished, the explanation.
 *   grade   a whole answer sheet at once, for self-checks and instructors: nothing recorded.
 *
 * --prove runs the quiz's proof experiment with the learner's capabilities and with the key,
 * side by side (cli_proof.h): after the verdict for answer, after the sheet for grade (as
 * "# " comments with --tap, a "proof" member per question with --json).
 */
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "caps.h"
#include "cli.h"
#include "cli_proof.h"
#include "err.h"
#include "lesson.h"
#include "paths.h"
#include "progress.h"
#include "quiz.h"

/* ---- where quizzes come from: the bundled course, or files given with --lesson ---- */

struct quiz_sources {
    struct course *bundled;  /* loaded on first need */
    struct course **courses; /* --lesson files that are courses */
    size_t n_courses;
    struct lesson **lessons; /* --lesson files that are single lessons */
    size_t n_lessons;
    const struct lesson **selected; /* lessons chosen with --lesson (files or ids) */
    size_t n_selected;
};

static void sources_release(struct quiz_sources *s)
{
    course_free(s->bundled);
    for (size_t i = 0; i < s->n_courses; i++)
        course_free(s->courses[i]);
    free(s->courses);
    for (size_t i = 0; i < s->n_lessons; i++)
        lesson_free(s->lessons[i]);
    free(s->lessons);
    free(s->selected);
    memset(s, 0, sizeof *s);
}

static void print_load_errors(struct lesson_errors *errs, const struct err *e)
{
    for (size_t i = 0; i < errs->count; i++)
        fprintf(stderr, "%s\n", errs->lines[i]);
    err_print(e);
    lesson_errors_release(errs);
}

static int load_bundled(struct quiz_sources *s)
{
    if (s->bundled)
        return 0;
    char *path = paths_data_file("lessons/course.json");
    if (!path) {
        err_printf("cannot find caplab's data directory (set CAPLAB_DATA)");
        return -1;
    }
    struct lesson_errors errs = {0};
    struct err e = {0};
    s->bundled = course_load(path, &errs, &e);
    free(path);
    if (!s->bundled) {
        print_load_errors(&errs, &e);
        return -1;
    }
    lesson_errors_release(&errs);
    return 0;
}

static int select_lesson(struct quiz_sources *s, const struct lesson *l)
{
    const struct lesson **grown = realloc(s->selected, (s->n_selected + 1) * sizeof *grown);
    if (!grown)
        return -1;
    s->selected = grown;
    s->selected[s->n_selected++] = l;
    return 0;
}

/* Is the file a course (has a "lessons" list) rather than a lesson? */
static bool file_is_course(const char *path)
{
    json_t *root = json_load_file(path, 0, NULL);
    bool course = json_is_array(json_object_get(root, "lessons"));
    json_decref(root);
    return course;
}

/* --lesson FILE|ID: a lesson or course file, else the id of a lesson in the bundled course. */
static int add_lesson_arg(struct quiz_sources *s, const char *command, const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 && S_ISREG(st.st_mode)) {
        struct lesson_errors errs = {0};
        struct err e = {0};
        if (file_is_course(arg)) {
            struct course *c = course_load(arg, &errs, &e);
            struct course **grown =
                c ? realloc(s->courses, (s->n_courses + 1) * sizeof *grown) : NULL;
            if (!grown) {
                course_free(c);
                print_load_errors(&errs, &e);
                return -1;
            }
            s->courses = grown;
            s->courses[s->n_courses++] = c;
            for (size_t i = 0; i < c->n_lessons; i++)
                if (select_lesson(s, &c->lessons[i]) < 0)
                    return -1;
        } else {
            struct lesson *l = lesson_load(arg, &errs, &e);
            struct lesson **grown =
                l ? realloc(s->lessons, (s->n_lessons + 1) * sizeof *grown) : NULL;
            if (!grown) {
                lesson_free(l);
                print_load_errors(&errs, &e);
                return -1;
            }
            s->lessons = grown;
            s->lessons[s->n_lessons++] = l;
            if (select_lesson(s, l) < 0)
                return -1;
        }
        lesson_errors_release(&errs);
        return 0;
    }
    if (strchr(arg, '/') || strstr(arg, ".json")) {
        err_printf("%s: no such lesson file", arg);
        return -1;
    }
    if (load_bundled(s) < 0)
        return -1;
    const struct lesson *l = course_find_lesson(s->bundled, arg);
    if (!l) {
        cli_usage_error(command, "no lesson \"%s\" in the course, and no such file", arg);
        return -1;
    }
    return select_lesson(s, l);
}

static const struct lesson_quiz *quiz_in_lesson(const struct lesson *l, const char *id)
{
    for (size_t i = 0; i < l->n_steps; i++)
        if (l->steps[i].kind == STEP_QUIZ && l->steps[i].quiz.id &&
            strcmp(l->steps[i].quiz.id, id) == 0)
            return &l->steps[i].quiz;
    return NULL;
}

/* The quiz `id` among the selected lessons, else (when none were selected) the bundled course. */
static const struct lesson_quiz *find_quiz(struct quiz_sources *s, const char *id,
                                           const struct lesson **lesson_out)
{
    for (size_t i = 0; i < s->n_selected; i++) {
        const struct lesson_quiz *q = quiz_in_lesson(s->selected[i], id);
        if (q) {
            *lesson_out = s->selected[i];
            return q;
        }
    }
    if (s->n_selected || load_bundled(s) < 0)
        return NULL;
    return course_find_quiz(s->bundled, id, lesson_out);
}

/* ---- the proof hook ---- */

/*
 * --prove: q->proof is run with baseline none + exactly the learner's capabilities (r->given)
 * and with the key (q->answer_caps), and both outcomes are shown side by side (cli_proof.h).
 * This only checks that the quiz can be proved at all: 0, or a usage error's exit status.
 */
static int check_provable(const struct lesson_quiz *q, const char *command)
{
    if (q->kind != QUIZ_CAPABILITY && q->kind != QUIZ_CAPABILITY_SET)
        return cli_usage_error(command, "--prove: quiz %s is not about capabilities", q->id);
    if (!q->proof)
        return cli_usage_error(command, "--prove: quiz %s has no proof experiment", q->id);
    return 0;
}

/* Can this graded answer be run? A near miss is a typo, not an answer; an invalid one (two
 * capabilities where one is asked) still names capabilities the experiment can hold. */
static bool answer_runnable(const struct quiz_result *r)
{
    return r->verdict != QUIZ_VERDICT_NEAR_MISS &&
           (r->verdict != QUIZ_VERDICT_INVALID || r->given != 0);
}

/* ---- caplab answer ---- */

enum { OPT_LESSON = 256, OPT_PROVE, OPT_HINT, OPT_GIVE_UP, OPT_ANSWERS, OPT_JSON, OPT_TAP };

static const struct option answer_long_options[] = {
    {"lesson", required_argument, NULL, OPT_LESSON},
    {"prove", no_argument, NULL, OPT_PROVE},
    {"hint", no_argument, NULL, OPT_HINT},
    {"give-up", no_argument, NULL, OPT_GIVE_UP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* The remaining arguments as one answer: `caplab answer q net bind service`. */
static char *join_args(int argc, char **argv)
{
    size_t len = 1;
    for (int i = 0; i < argc; i++)
        len += strlen(argv[i]) + 1;
    char *out = calloc(1, len);
    if (!out)
        return NULL;
    for (int i = 0; i < argc; i++) {
        if (i)
            strcat(out, " ");
        strcat(out, argv[i]);
    }
    return out;
}

static void show_question(const struct lesson_quiz *q, const struct quiz_attempt_state *st)
{
    printf("%s\n", q->question ? q->question : "(no question text)");
    for (size_t i = 0; i < q->n_choices; i++)
        printf("  %s) %s\n", q->choices[i].id, q->choices[i].text ? q->choices[i].text : "");
    for (size_t i = 0; i < st->hints_shown && i < q->n_hints; i++)
        printf("Hint %zu: %s\n", i + 1, q->hints[i]);
    printf("\nAnswer with: caplab answer %s ANSWER", q->id);
    if (quiz_state_hints_left(st, q))
        printf("   (a hint: caplab answer %s --hint)", q->id);
    putchar('\n');
}

static void show_finish(const struct lesson_quiz *q, const struct quiz_attempt_state *st,
                        bool show_key)
{
    if (show_key) {
        char *key = quiz_key_text(q);
        printf("The answer: %s\n", key ? key : "?");
        free(key);
    }
    const char *expl = quiz_state_explanation(st, q);
    if (expl)
        printf("\n%s\n", expl);
}

static const char *verdict_label(const struct quiz_result *r, char *buf, size_t n)
{
    switch (r->verdict) {
    case QUIZ_VERDICT_CORRECT:
        return "Correct.";
    case QUIZ_VERDICT_PARTIAL:
        snprintf(buf, n, "Partly right (%.0f%%).", r->score * 100);
        return buf;
    case QUIZ_VERDICT_WRONG:
        return "Not right.";
    case QUIZ_VERDICT_NEAR_MISS:
    case QUIZ_VERDICT_INVALID:
        return "Not graded (this try does not count).";
    }
    return "";
}

/* Progress is a convenience here: when it cannot be used, say so and go on. */
static struct progress *open_progress_quietly(void)
{
    struct err e = {0};
    char *notice = NULL;
    struct progress *p = progress_open(NULL, &notice, &e);
    if (notice) {
        err_warn("%s", notice);
        free(notice);
    }
    if (!p)
        err_warn("progress not recorded: %s", e.msg);
    return p;
}

/* Record an answer (r) or a change of state (r NULL: a hint, giving up). A finished question
 * also completes its step (a quiz step has the quiz's id). */
static void save_quiz(struct progress *p, const struct lesson *l, const struct lesson_quiz *q,
                      const struct quiz_attempt_state *st, const struct quiz_result *r)
{
    if (!p)
        return;
    struct err e = {0};
    int rc = progress_record_lesson(p, l->id, (unsigned)l->n_steps, &e);
    if (rc == 0)
        rc = r ? progress_record_answer(p, l->id, q->id, r, st, &e)
               : progress_record_quiz_state(p, l->id, q->id, st, &e);
    if (rc == 0 && quiz_state_finished(st))
        rc = progress_record_step(p, l->id, q->id, &e);
    if (rc < 0)
        err_warn("progress not saved: %s", e.msg);
}

int cli_answer(int argc, char **argv)
{
    struct quiz_sources src = {0};
    bool prove = false, hint = false, give_up = false;
    int c, rc = CLI_EXIT_USAGE;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", answer_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_LESSON:
            if (add_lesson_arg(&src, "answer", optarg) < 0)
                goto out;
            break;
        case OPT_PROVE:
            prove = true;
            break;
        case OPT_HINT:
            hint = true;
            break;
        case OPT_GIVE_UP:
            give_up = true;
            break;
        case 'h':
            cli_print_usage(cli_find("answer"), stdout);
            rc = CLI_EXIT_OK;
            goto out;
        default:
            rc = cli_usage_error("answer", "unknown option \"%s\"", argv[optind - 1]);
            goto out;
        }
    }
    if (optind >= argc) {
        rc = cli_usage_error("answer", "which quiz? caplab answer QUIZ_ID ANSWER");
        goto out;
    }
    const char *quiz_id = argv[optind++];
    bool has_answer = optind < argc;
    if ((hint || give_up) && (has_answer || (hint && give_up))) {
        rc = cli_usage_error("answer", "--hint and --give-up go alone, without an answer");
        goto out;
    }
    if (prove && !has_answer) {
        rc = cli_usage_error("answer", "--prove needs an answer to prove");
        goto out;
    }

    const struct lesson *lesson = NULL;
    const struct lesson_quiz *q = find_quiz(&src, quiz_id, &lesson);
    if (!q) {
        rc = cli_usage_error("answer", "no quiz \"%s\" in %s", quiz_id,
                             src.n_selected ? "the lessons given" : "the course");
        goto out;
    }
    if (prove && (rc = check_provable(q, "answer")) != 0)
        goto out;

    struct progress *p = open_progress_quietly();
    struct quiz_attempt_state st;
    if (!p || !progress_quiz_state(p, lesson->id, q->id, &st))
        quiz_state_init(&st);
    struct err e = {0};

    if (hint) {
        const char *text = quiz_state_next_hint(&st, q);
        if (!text) {
            if (q->n_hints)
                printf("No more hints; all %zu of them:\n", q->n_hints);
            else
                printf("This question has no hints.\n");
            for (size_t i = 0; i < st.hints_shown && i < q->n_hints; i++)
                printf("Hint %zu: %s\n", i + 1, q->hints[i]);
        } else {
            printf("Hint %u of %zu: %s\n", st.hints_shown, q->n_hints, text);
            save_quiz(p, lesson, q, &st, NULL);
        }
        rc = CLI_EXIT_OK;
    } else if (give_up) {
        quiz_state_give_up(&st);
        show_finish(q, &st, true);
        save_quiz(p, lesson, q, &st, NULL);
        rc = CLI_EXIT_OK;
    } else if (!has_answer) {
        show_question(q, &st);
        rc = CLI_EXIT_OK;
    } else {
        char *answer = join_args(argc - optind, argv + optind);
        struct quiz_result r;
        if (!answer || quiz_grade(q, answer, quiz_default_grader(), &r, &e) < 0) {
            if (answer)
                err_print(&e);
            else
                err_printf("out of memory");
            free(answer);
            progress_free(p);
            rc = CLI_EXIT_NO;
            goto out;
        }
        free(answer);
        bool was_finished = quiz_state_finished(&st);
        bool counted = quiz_state_record(&st, &r);
        char label[64];
        printf("%s %s\n", verdict_label(&r, label, sizeof label), r.feedback);
        if (r.verdict == QUIZ_VERDICT_CORRECT) {
            show_finish(q, &st, false);
        } else if (counted) {
            printf("Attempt %u.", st.attempts);
            if (quiz_state_hints_left(&st, q))
                printf(" A hint: caplab answer %s --hint.", q->id);
            printf(" The answer: caplab answer %s --give-up.\n", q->id);
        }
        if (prove) {
            putchar('\n');
            fflush(stdout);
            if (answer_runnable(&r))
                cli_prove(stdout, q, r.given);
            else
                printf("Nothing to prove: the answer names no capability to run with.\n");
        }
        if (!was_finished)
            save_quiz(p, lesson, q, &st, &r);
        rc = r.verdict == QUIZ_VERDICT_CORRECT ? CLI_EXIT_OK : CLI_EXIT_NO;
        quiz_result_release(&r);
    }
    progress_free(p);
out:
    sources_release(&src);
    return rc;
}

/* ---- caplab grade ---- */

enum sheet_format { SHEET_TEXT, SHEET_JSON, SHEET_TAP };

static const struct option grade_long_options[] = {
    {"lesson", required_argument, NULL, OPT_LESSON},
    {"answers", required_argument, NULL, OPT_ANSWERS},
    {"prove", no_argument, NULL, OPT_PROVE},
    {"json", no_argument, NULL, OPT_JSON},
    {"tap", no_argument, NULL, OPT_TAP},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

/* One line of the sheet's result. */
struct graded {
    const char *quiz_id;
    const char *lesson_id; /* NULL for an unknown quiz */
    const struct lesson_quiz *quiz;
    char *answer;        /* NULL: unanswered */
    const char *problem; /* a static message instead of a grade */
    bool ok;             /* graded (result valid) */
    struct quiz_result result;
    struct proof_comparison *proof; /* --prove: NULL or owned */
};

/* A sheet value: "answer" or ["CAP", ...] (joined with ", "). NULL when neither. */
static char *sheet_answer(json_t *v)
{
    if (json_is_string(v))
        return strdup(json_string_value(v));
    if (!json_is_array(v))
        return NULL;
    size_t len = 1, i;
    json_t *item;
    json_array_foreach(v, i, item)
    {
        if (!json_is_string(item))
            return NULL;
        len += strlen(json_string_value(item)) + 2;
    }
    char *out = calloc(1, len);
    if (!out)
        return NULL;
    json_array_foreach(v, i, item)
    {
        if (i)
            strcat(out, ", ");
        strcat(out, json_string_value(item));
    }
    return out;
}

static const char *graded_verdict(const struct graded *g)
{
    if (!g->lesson_id)
        return "unknown";
    if (g->problem)
        return "error";
    if (!g->answer)
        return "unanswered";
    return quiz_verdict_name(g->result.verdict);
}

static double graded_score(const struct graded *g)
{
    return g->ok ? g->result.score : 0.0;
}

/* Feedback for a final grade: the usual text, and which capabilities were missing. */
static char *graded_feedback(const struct graded *g)
{
    if (g->problem)
        return strdup(g->problem);
    if (!g->lesson_id)
        return strdup("no such quiz in the lessons graded");
    if (!g->answer)
        return strdup("no answer given");
    char *missing = g->result.missing ? caps_to_names(g->result.missing, ", ", true) : NULL;
    char *out = NULL;
    if (asprintf(&out, "%s%s%s%s", g->result.feedback, missing ? " Missing: " : "",
                 missing ? missing : "", missing ? "." : "") < 0)
        out = NULL;
    free(missing);
    return out;
}

static json_t *caps_list(capmask set)
{
    json_t *list = json_array();
    for (unsigned cap = 0; cap < 64; cap++)
        if ((set & CAPS_BIT(cap)) && caps_name(cap))
            json_array_append_new(list, json_string(caps_name(cap)));
    return list;
}

static void print_sheet(const struct graded *rows, size_t n, enum sheet_format format, double total,
                        size_t max)
{
    double percent = max ? 100.0 * total / (double)max : 0.0;
    if (format == SHEET_JSON) {
        json_t *list = json_array();
        for (size_t i = 0; i < n; i++) {
            const struct graded *g = &rows[i];
            char *fb = graded_feedback(g);
            json_t *o = json_pack("{s:s, s:s?, s:s?, s:s, s:f, s:s}", "quiz", g->quiz_id, "lesson",
                                  g->lesson_id, "answer", g->answer, "verdict", graded_verdict(g),
                                  "score", graded_score(g), "feedback", fb ? fb : "");
            if (g->ok && g->quiz &&
                (g->quiz->kind == QUIZ_CAPABILITY_SET || g->quiz->kind == QUIZ_CAPABILITY)) {
                json_object_set_new(o, "missing", caps_list(g->result.missing));
                json_object_set_new(o, "extra", caps_list(g->result.extra));
            }
            if (g->proof)
                json_object_set_new(o, "proof", cli_prove_json(g->proof));
            json_array_append_new(list, o);
            free(fb);
        }
        json_t *root = json_pack("{s:o, s:f, s:I, s:f}", "questions", list, "score", total, "max",
                                 (json_int_t)max, "percent", percent);
        json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        putchar('\n');
        json_decref(root);
        return;
    }
    if (format == SHEET_TAP)
        printf("1..%zu\n", n);
    size_t w = 8;
    for (size_t i = 0; i < n; i++)
        if (strlen(rows[i].quiz_id) > w)
            w = strlen(rows[i].quiz_id);
    for (size_t i = 0; i < n; i++) {
        const struct graded *g = &rows[i];
        char *fb = graded_feedback(g);
        bool correct = g->ok && g->answer && g->result.verdict == QUIZ_VERDICT_CORRECT;
        if (format == SHEET_TAP) {
            printf("%s %zu - %s", correct ? "ok" : "not ok", i + 1, g->quiz_id);
            if (!correct)
                printf(" # %s %.2f", graded_verdict(g), graded_score(g));
            printf("\n#   %s\n", fb ? fb : "");
        } else {
            printf("%-*s  %-10s  %4.2f  %s\n", (int)w, g->quiz_id, graded_verdict(g),
                   graded_score(g), fb ? fb : "");
        }
        free(fb);
    }
    printf("%sScore: %.2f / %zu (%.0f%%)\n", format == SHEET_TAP ? "# " : "", total, max, percent);
    for (size_t i = 0; i < n; i++) {
        if (!rows[i].proof)
            continue;
        printf("%s\n", format == SHEET_TAP ? "#" : "");
        cli_prove_print(stdout, format == SHEET_TAP ? "# " : "", rows[i].quiz, rows[i].proof);
    }
}

/* Add the row for one quiz (answered or not). */
static int grade_one(struct graded *g, const struct lesson *l, const struct lesson_quiz *q,
                     json_t *value)
{
    g->quiz_id = q->id;
    g->lesson_id = l->id;
    g->quiz = q;
    if (!value)
        return 0;
    g->answer = sheet_answer(value);
    if (!g->answer) {
        g->answer = strdup("");
        g->problem = "expected a string or a list of strings";
        return 0;
    }
    struct err e = {0};
    if (quiz_grade(q, g->answer, quiz_default_grader(), &g->result, &e) < 0) {
        err_print(&e);
        g->problem = "this quiz could not be graded (see the error above)";
        return 0;
    }
    g->ok = true;
    return 0;
}

int cli_grade(int argc, char **argv)
{
    struct quiz_sources src = {0};
    const char *sheet_path = NULL;
    enum sheet_format format = SHEET_TEXT;
    bool prove = false;
    int c, rc = CLI_EXIT_USAGE;
    json_t *sheet = NULL;
    struct graded *rows = NULL;
    size_t n_rows = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", grade_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_LESSON:
            if (add_lesson_arg(&src, "grade", optarg) < 0)
                goto out;
            break;
        case OPT_ANSWERS:
            sheet_path = optarg;
            break;
        case OPT_PROVE:
            prove = true;
            break;
        case OPT_JSON:
        case OPT_TAP:
            if (format != SHEET_TEXT) {
                rc = cli_usage_error("grade", "choose one of --json and --tap");
                goto out;
            }
            format = c == OPT_JSON ? SHEET_JSON : SHEET_TAP;
            break;
        case 'h':
            cli_print_usage(cli_find("grade"), stdout);
            rc = CLI_EXIT_OK;
            goto out;
        default:
            rc = cli_usage_error("grade", "unknown option \"%s\"", argv[optind - 1]);
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage_error("grade", "unexpected argument \"%s\"", argv[optind]);
        goto out;
    }
    if (!sheet_path) {
        rc = cli_usage_error("grade", "give the answer sheet with --answers FILE");
        goto out;
    }
    json_error_t jerr;
    sheet = json_load_file(sheet_path, JSON_REJECT_DUPLICATES, &jerr);
    if (!sheet) {
        err_printf("%s:%d:%d: %s", sheet_path, jerr.line, jerr.column, jerr.text);
        goto out;
    }
    if (!json_is_object(sheet)) {
        err_printf("%s: expected an object {\"quiz-id\": \"answer\" | [\"CAP\", ...], ...}",
                   sheet_path);
        goto out;
    }

    /* Without --lesson: the questions on the sheet, from the bundled course. With: every quiz
     * of the lessons given, unanswered ones scoring 0. */
    bool whole_lessons = src.n_selected > 0;
    if (!whole_lessons && load_bundled(&src) < 0)
        goto out;
    size_t cap = json_object_size(sheet);
    for (size_t i = 0; i < src.n_selected; i++)
        for (size_t k = 0; k < src.selected[i]->n_steps; k++)
            cap += src.selected[i]->steps[k].kind == STEP_QUIZ;
    rows = calloc(cap ? cap : 1, sizeof *rows);
    if (!rows) {
        err_printf("out of memory");
        rc = CLI_EXIT_NO;
        goto out;
    }
    if (whole_lessons) {
        for (size_t i = 0; i < src.n_selected; i++) {
            const struct lesson *l = src.selected[i];
            for (size_t k = 0; k < l->n_steps; k++) {
                const struct lesson_quiz *q = &l->steps[k].quiz;
                if (l->steps[k].kind != STEP_QUIZ)
                    continue;
                bool dup = false;
                for (size_t j = 0; j < n_rows && !dup; j++)
                    dup = strcmp(rows[j].quiz_id, q->id) == 0;
                if (!dup)
                    grade_one(&rows[n_rows++], l, q, json_object_get(sheet, q->id));
            }
        }
    }
    const char *key;
    json_t *value;
    json_object_foreach(sheet, key, value)
    {
        bool done = false;
        for (size_t j = 0; j < n_rows && !done; j++)
            done = strcmp(rows[j].quiz_id, key) == 0;
        if (done)
            continue;
        const struct lesson *l = NULL;
        const struct lesson_quiz *q = whole_lessons ? NULL : find_quiz(&src, key, &l);
        if (q) {
            grade_one(&rows[n_rows++], l, q, value);
        } else {
            rows[n_rows].quiz_id = key;
            rows[n_rows].answer = sheet_answer(value);
            n_rows++;
            err_warn("%s: no quiz \"%s\" in %s; not graded", sheet_path, key,
                     whole_lessons ? "the lessons given" : "the course");
        }
    }
    if (prove) {
        bool any = false;
        for (size_t i = 0; i < n_rows && !any; i++)
            any = rows[i].ok && cli_provable(rows[i].quiz);
        if (!any) {
            rc = cli_usage_error("grade", "--prove: none of these quizzes has a proof experiment");
            goto out;
        }
        for (size_t i = 0; i < n_rows; i++) {
            struct graded *g = &rows[i];
            if (!g->ok || !g->quiz || !cli_provable(g->quiz) || !answer_runnable(&g->result))
                continue;
            g->proof = malloc(sizeof *g->proof);
            if (g->proof && cli_prove_run(g->quiz, g->result.given, g->proof) < 0) {
                free(g->proof);
                g->proof = NULL;
            }
        }
    }

    double total = 0;
    size_t max = 0;
    bool all_correct = n_rows > 0;
    for (size_t i = 0; i < n_rows; i++) {
        if (!rows[i].lesson_id) {
            all_correct = false;
            continue;
        }
        max++;
        total += graded_score(&rows[i]);
        if (!rows[i].ok || rows[i].result.verdict != QUIZ_VERDICT_CORRECT)
            all_correct = false;
    }
    print_sheet(rows, n_rows, format, total, max);
    rc = all_correct ? CLI_EXIT_OK : CLI_EXIT_NO;
out:
    for (size_t i = 0; i < n_rows; i++) {
        free(rows[i].answer);
        free(rows[i].proof);
        quiz_result_release(&rows[i].result);
    }
    free(rows);
    json_decref(sheet);
    sources_release(&src);
    return rc;
}
