/*
 * cli_proof: `--prove` for caplab answer and caplab grade. Runs a quiz's proof with the
 * learner's capabilities and with the key (proof.h) and prints both side by side.
 */
#ifndef CAPLAB_CLI_PROOF_H
#define CAPLAB_CLI_PROOF_H

#include <stdio.h>

#include "caps.h"
#include "lesson.h"

/* Run q's proof with `answer` and with the key, print the comparison to f. Returns 0 when
 * both ran (whatever they showed), 1 when the proof could not run here (skipped, missing
 * tool, no sandbox; the reason is printed), 2 when q has no proof or is not about
 * capabilities. */
int cli_prove(FILE *f, const struct lesson_quiz *q, capmask answer);

#endif
