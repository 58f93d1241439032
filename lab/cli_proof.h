/*
 * cli_proof: `--prove` for caplab answer and caplab grade. Runs a quiz's proof with the
 * learner's capabilities and with the key (proof.h) and prints both side by side, as text
 * or as JSON.
 */
#ifndef CAPLAB_CLI_PROOF_H
#define CAPLAB_CLI_PROOF_H

#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>

#include "caps.h"
#include "lesson.h"
#include "proof.h"

/* Can q be proved at all (a capability quiz with a proof)? */
bool cli_provable(const struct lesson_quiz *q);

/* Run q's proof with `answer` and with the key into *cmp. Returns 0, or -1 after printing
 * the error (q not provable, out of memory). */
int cli_prove_run(const struct lesson_quiz *q, capmask answer, struct proof_comparison *cmp);

/* Print a comparison side by side to f, each line starting with `prefix` ("" or "# "). */
void cli_prove_print(FILE *f, const char *prefix, const struct lesson_quiz *q,
                     const struct proof_comparison *cmp);

/* The comparison as a JSON object (new reference):
 * {"verdict": "answer-works"|"answer-fails"|"key-fails"|"not-run", "summary": "...",
 *  "answer": RUN, "key": RUN}, RUN = {"caps": [...], "result": "works"|"fails"|"not-run",
 *  "exit": N, "stderr": "...", "note": "..."}. */
json_t *cli_prove_json(const struct proof_comparison *cmp);

/* Run and print (text). Returns 0 when both sides ran, 1 when the proof could not run here
 * (the reason is printed), 2 when q cannot be proved. */
int cli_prove(FILE *f, const struct lesson_quiz *q, capmask answer);

#endif
