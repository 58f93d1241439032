/*
 * report: a class view merged from learners' exported progress records (progress.h), for an
 * instructor after a workshop (`caplab report FILE...`).
 *
 *   per learner and lesson  steps done / total, completed, quizzes answered and solved, mean
 *                           best quiz score, time spent
 *   per question            how many learners answered it, solved it, gave up; success rate;
 *                           attempts; the most common wrong answers (counted once per learner)
 *
 * A file that is not a valid record, or a second record for a learner already read, is listed
 * in `problems` ("FILE: what is wrong") and skipped; the rest of the report is still built.
 *
 * Usage:
 *     struct report r;
 *     report_init(&r);
 *     for each file: report_add_file(&r, path, &e);   (-1 only when out of memory)
 *     report_finish(&r);                               (sorts, computes rates)
 *     report_write_text(&r, stdout);                   (or _csv, _json)
 *     report_release(&r);
 *
 * Ownership: everything inside struct report is owned by it; report_release() frees it.
 * The writers only write to the FILE* they are given and return 0, or -1 on a write error.
 */
#ifndef CAPLAB_REPORT_H
#define CAPLAB_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define REPORT_TOP_WRONG 3

struct report_row {
    char *learner;
    char *lesson;
    unsigned steps_done, steps_total; /* steps_total 0: unknown */
    bool completed;
    unsigned quizzes_seen, quizzes_solved;
    double score; /* mean best quiz score over quizzes seen, 0..1 */
    unsigned long seconds;
};

struct report_answer_count {
    char *answer;
    unsigned learners; /* learners who gave this wrong answer at least once */
};

struct report_question {
    char *lesson, *quiz;
    unsigned learners; /* learners with at least one counted attempt (or who gave up) */
    unsigned solved, gave_up;
    unsigned attempts;                 /* counted attempts, all learners */
    double success_rate;               /* solved / learners, after report_finish */
    struct report_answer_count *wrong; /* most common first after report_finish */
    size_t n_wrong;
};

struct report {
    char **learners; /* in the order read */
    char **sources;  /* the file each learner came from */
    size_t n_learners;
    char **lessons; /* lesson ids in the order first seen */
    size_t n_lessons;
    struct report_row *rows; /* by learner, then lesson */
    size_t n_rows;
    struct report_question *questions; /* by lesson, then quiz id */
    size_t n_questions;
    char **problems; /* "FILE: message" */
    size_t n_problems;
};

void report_init(struct report *r);
int report_add_file(struct report *r, const char *path, struct err *e);
void report_finish(struct report *r);
void report_release(struct report *r);

/* A readable table: learners by lesson, then questions, then problems. */
int report_write_text(const struct report *r, FILE *f);
/* Two CSV tables (RFC 4180 quoting) separated by one empty line: learners by lesson
 * ("learner,lesson,steps_done,..."), then questions ("lesson,quiz,learners,..."). */
int report_write_csv(const struct report *r, FILE *f);
/* {"learners": [...], "rows": [...], "questions": [...], "problems": [...]} */
int report_write_json(const struct report *r, FILE *f);

#endif
