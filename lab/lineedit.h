/*
 * lineedit: a one-line text editor with history and completion, without a terminal.
 *
 * The tutor's answer line keeps its state here and maps keys to these calls, so the
 * editing rules (what Ctrl-W deletes, how history browsing keeps a half-typed line,
 * what Tab completes) are unit-tested without curses.
 *
 * Text is kept as wide characters; lineedit_text() gives UTF-8. Words (for Ctrl-W and
 * completion) are separated by spaces, commas and semicolons.
 *
 * Ownership: a struct lineedit owns its buffer and history; release it with
 * lineedit_release(). Strings returned as `char *` are malloc'd and owned by the caller.
 * Functions that can run out of memory return -1 and leave the line as it was.
 */
#ifndef CAPLAB_LINEEDIT_H
#define CAPLAB_LINEEDIT_H

#include <stdbool.h>
#include <stddef.h>
#include <wchar.h>

#define LINEEDIT_MAX     1024 /* characters in the line; inserts beyond are refused */
#define LINEEDIT_HISTORY 100  /* entries kept */

struct lineedit {
    wchar_t *buf; /* NUL-terminated */
    size_t len, cap;
    size_t cursor;  /* 0..len */
    char **history; /* oldest first, UTF-8 */
    size_t n_history;
    size_t hist_pos;  /* n_history: not browsing */
    wchar_t *scratch; /* the line being typed when browsing started */
};

void lineedit_init(struct lineedit *le);
void lineedit_release(struct lineedit *le);

int lineedit_insert(struct lineedit *le, wchar_t ch);
void lineedit_left(struct lineedit *le);
void lineedit_right(struct lineedit *le);
void lineedit_home(struct lineedit *le);
void lineedit_end(struct lineedit *le);
void lineedit_backspace(struct lineedit *le);     /* the character before the cursor */
void lineedit_delete(struct lineedit *le);        /* the character under the cursor */
void lineedit_kill_to_start(struct lineedit *le); /* Ctrl-U */
void lineedit_kill_word(struct lineedit *le);     /* Ctrl-W: the word before the cursor */
void lineedit_clear(struct lineedit *le);

/* The line as UTF-8 (malloc'd), NULL when out of memory. */
char *lineedit_text(const struct lineedit *le);
/* Replace the line with UTF-8 text (invalid bytes become U+FFFD); cursor at the end. */
int lineedit_set_text(struct lineedit *le, const char *text);

/* Display columns of the first `n` characters (wide characters count 2). */
size_t lineedit_columns(const struct lineedit *le, size_t n);

/* Remember a submitted line (empty lines and repeats of the last entry are skipped) and
 * stop browsing. */
int lineedit_history_add(struct lineedit *le, const char *text);
/* Up / Down: older / newer entry; past the newest comes back to the line being typed. */
int lineedit_history_prev(struct lineedit *le);
int lineedit_history_next(struct lineedit *le);

/*
 * Tab completion of the word before the cursor against `cands` (case-insensitive prefix).
 * With one match the word becomes it; with several, the word is extended to their longest
 * common prefix. Returns the number of matches (0: nothing changed), or -1 out of memory.
 * When `matches` is not NULL it receives up to `max_matches` indexes into cands.
 */
int lineedit_complete(struct lineedit *le, const char *const *cands, size_t n_cands,
                      size_t *matches, size_t max_matches);

/* The word before the cursor as UTF-8 (malloc'd; "" when none), for choosing candidates. */
char *lineedit_word(const struct lineedit *le);

#endif
