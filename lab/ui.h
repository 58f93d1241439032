/*
 * ui: the ncurses tutor, as the CLI sees it. Everything curses is behind this call;
 * lab/ui_priv.h is the UI's internal contract between its screens.
 *
 * The course is loaded by the caller (so malformed lessons are reported as plain text
 * before the screen is taken) and only borrowed here.
 */
#ifndef CAPLAB_UI_H
#define CAPLAB_UI_H

#include <stdbool.h>

#include "err.h"
#include "lesson.h"
#include "progress.h"

struct ui_options {
    bool plain; /* --plain: for screen readers: no box drawing, no colour, no reverse video;
                   text keeps its markers (# ** `) and states are always written in words */
    bool color; /* false with --no-color, NO_COLOR set, or a terminal without colours */
};

/* Run the tutor on `course` until the learner quits. Progress is read from and saved to
 * `progress` after every completed step and answer (NULL: nothing is saved). `notice`
 * (may be NULL) is shown on the first screen (a corrupt progress file moved aside...).
 * Both are borrowed. Returns the exit status: 0 after a normal quit, 128+N when signal N ended it.
 * Returns -1 with e filled when this terminal cannot show the tutor (TERM unset, unknown or unable
 * to move the cursor); nothing was drawn then. The terminal is restored on every path. */
int ui_tutor_run(const struct ui_options *opt, struct course *course, struct progress *progress,
                 const char *notice, struct err *e);

#endif
