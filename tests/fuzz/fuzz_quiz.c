/*
 * libFuzzer harness: grading free-form answers (answer normalisation in quiz.c).
 *
 * The quizzes are the real ones: the bundled course (lessons/course.json) and the grading
 * test lesson, loaded once from $CAPLAB_DATA (default: the current directory, the source
 * tree). Input: byte 0 picks a quiz, the rest is the learner's answer.
 * Checks the contract in quiz.h: a verdict in range, 0 <= score <= 1, CORRECT means 1,
 * feedback and canonical always set, near misses and invalid input never count, and for
 * graded answers the capability sets consistent with the key (missing = key - given, ...).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"
#include "quiz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_QUIZZES 256

static const struct lesson_quiz *quizzes[MAX_QUIZZES];
static size_t n_quizzes;
static struct course *course;
static struct lesson *extra;

static void add_lesson_quizzes(const struct lesson *l)
{
    for (size_t s = 0; s < l->n_steps && n_quizzes < MAX_QUIZZES; s++)
        if (l->steps[s].kind == STEP_QUIZ)
            quizzes[n_quizzes++] = &l->steps[s].quiz;
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc, (void)argv;
    const char *root = getenv("CAPLAB_DATA");
    if (!root || !*root)
        root = ".";
    char path[4096];
    struct err e = {0};
    snprintf(path, sizeof path, "%s/lessons/course.json", root);
    course = course_load(path, NULL, &e);
    for (size_t i = 0; course && i < course->n_lessons; i++)
        add_lesson_quizzes(&course->lessons[i]);
    snprintf(path, sizeof path, "%s/tests/data/grading/quiz-lesson.json", root);
    extra = lesson_load(path, NULL, &e);
    if (extra)
        add_lesson_quizzes(extra);
    if (n_quizzes == 0) {
        fprintf(stderr, "fuzz_quiz: no quizzes found below %s (set CAPLAB_DATA)\n", root);
        abort();
    }
    return 0;
}

static void check(const struct lesson_quiz *q, const struct quiz_result *r)
{
    if ((unsigned)r->verdict > QUIZ_VERDICT_INVALID || !(r->score >= 0 && r->score <= 1))
        abort();
    if (!r->feedback || !r->canonical)
        abort();
    if ((r->verdict == QUIZ_VERDICT_CORRECT) != (r->score == 1.0))
        abort();
    if ((r->verdict == QUIZ_VERDICT_NEAR_MISS || r->verdict == QUIZ_VERDICT_INVALID) && r->counts)
        abort();
    /* Sets are only defined for real answers (not for near misses and invalid input). */
    bool counted = r->verdict <= QUIZ_VERDICT_WRONG;
    if (counted && (q->kind == QUIZ_CAPABILITY || q->kind == QUIZ_CAPABILITY_SET)) {
        if (r->missing != (q->answer_caps & ~r->given) || r->extra != (r->given & ~q->answer_caps))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    const struct lesson_quiz *q = quizzes[data[0] % n_quizzes];
    char *answer = malloc(size);
    if (!answer)
        return 0;
    memcpy(answer, data + 1, size - 1);
    answer[size - 1] = '\0';

    struct quiz_result r;
    struct err e = {0};
    if (quiz_grade(q, answer, NULL, &r, &e) == 0) {
        check(q, &r);
        struct quiz_attempt_state s;
        quiz_state_init(&s);
        quiz_state_record(&s, &r);
        quiz_result_release(&r);
    } else if (e.msg[0] == '\0') {
        abort();
    }
    free(answer);
    return 0;
}
