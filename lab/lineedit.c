/* lineedit: one-line editor state (see lineedit.h). */
#include "lineedit.h"

#include <limits.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "markup.h"

void lineedit_init(struct lineedit *le)
{
    *le = (struct lineedit){0};
}

void lineedit_release(struct lineedit *le)
{
    free(le->buf);
    for (size_t i = 0; i < le->n_history; i++)
        free(le->history[i]);
    free(le->history);
    free(le->scratch);
    *le = (struct lineedit){0};
}

static int reserve(struct lineedit *le, size_t len)
{
    if (len + 1 <= le->cap)
        return 0;
    size_t cap = le->cap ? le->cap : 64;
    while (cap < len + 1)
        cap *= 2;
    wchar_t *b = realloc(le->buf, cap * sizeof *b);
    if (!b)
        return -1;
    if (!le->buf)
        b[0] = L'\0';
    le->buf = b;
    le->cap = cap;
    return 0;
}

int lineedit_insert(struct lineedit *le, wchar_t ch)
{
    if (le->len >= LINEEDIT_MAX || ch == L'\0')
        return 0;
    if (reserve(le, le->len + 1) < 0)
        return -1;
    memmove(le->buf + le->cursor + 1, le->buf + le->cursor,
            (le->len - le->cursor + 1) * sizeof *le->buf);
    le->buf[le->cursor++] = ch;
    le->len++;
    return 0;
}

void lineedit_left(struct lineedit *le)
{
    if (le->cursor > 0)
        le->cursor--;
}

void lineedit_right(struct lineedit *le)
{
    if (le->cursor < le->len)
        le->cursor++;
}

void lineedit_home(struct lineedit *le)
{
    le->cursor = 0;
}

void lineedit_end(struct lineedit *le)
{
    le->cursor = le->len;
}

/* Remove characters [from, to). */
static void erase(struct lineedit *le, size_t from, size_t to)
{
    if (from >= to)
        return;
    memmove(le->buf + from, le->buf + to, (le->len - to + 1) * sizeof *le->buf);
    le->len -= to - from;
    if (le->cursor >= to)
        le->cursor -= to - from;
    else if (le->cursor > from)
        le->cursor = from;
}

void lineedit_backspace(struct lineedit *le)
{
    if (le->cursor > 0)
        erase(le, le->cursor - 1, le->cursor);
}

void lineedit_delete(struct lineedit *le)
{
    if (le->cursor < le->len)
        erase(le, le->cursor, le->cursor + 1);
}

void lineedit_kill_to_start(struct lineedit *le)
{
    erase(le, 0, le->cursor);
}

static bool is_separator(wchar_t ch)
{
    return iswspace((wint_t)ch) || ch == L',' || ch == L';';
}

/* Start of the word that ends at the cursor. */
static size_t word_start(const struct lineedit *le)
{
    size_t i = le->cursor;
    while (i > 0 && !is_separator(le->buf[i - 1]))
        i--;
    return i;
}

void lineedit_kill_word(struct lineedit *le)
{
    /* Like a shell: separators before the cursor go too, then the word. */
    size_t i = le->cursor;
    while (i > 0 && is_separator(le->buf[i - 1]))
        i--;
    while (i > 0 && !is_separator(le->buf[i - 1]))
        i--;
    erase(le, i, le->cursor);
}

void lineedit_clear(struct lineedit *le)
{
    erase(le, 0, le->len);
    le->cursor = 0;
}

static char *to_utf8(const wchar_t *w, size_t n)
{
    locale_t loc = markup_utf8_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    char *out = malloc(n * MB_LEN_MAX + 1);
    size_t len = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; out && i < n; i++) {
        size_t k = wcrtomb(out + len, w[i], &st);
        if (k == (size_t)-1) {
            out[len] = '?';
            k = 1;
            memset(&st, 0, sizeof st);
        }
        len += k;
    }
    if (out)
        out[len] = '\0';
    if (loc)
        uselocale(old);
    return out;
}

char *lineedit_text(const struct lineedit *le)
{
    return to_utf8(le->buf ? le->buf : L"", le->len);
}

/* Decode UTF-8 into a new wide string; *n gets its length. */
static wchar_t *from_utf8(const char *text, size_t *n)
{
    locale_t loc = markup_utf8_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    size_t len = strlen(text);
    wchar_t *w = malloc((len + 1) * sizeof *w);
    size_t k = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    for (size_t i = 0; w && i < len;) {
        wchar_t ch;
        size_t used = mbrtowc(&ch, text + i, len - i, &st);
        if (used == (size_t)-1 || used == (size_t)-2 || used == 0) {
            ch = 0xFFFD;
            used = 1;
            memset(&st, 0, sizeof st);
        }
        w[k++] = ch;
        i += used;
    }
    if (w)
        w[k] = L'\0';
    if (loc)
        uselocale(old);
    *n = k;
    return w;
}

static int set_wide(struct lineedit *le, const wchar_t *w, size_t n)
{
    if (n > LINEEDIT_MAX)
        n = LINEEDIT_MAX;
    if (reserve(le, n) < 0)
        return -1;
    memcpy(le->buf, w, n * sizeof *w);
    le->buf[n] = L'\0';
    le->len = le->cursor = n;
    return 0;
}

int lineedit_set_text(struct lineedit *le, const char *text)
{
    size_t n;
    wchar_t *w = from_utf8(text, &n);
    if (!w)
        return -1;
    int rc = set_wide(le, w, n);
    free(w);
    return rc;
}

size_t lineedit_columns(const struct lineedit *le, size_t n)
{
    locale_t loc = markup_utf8_locale();
    locale_t old = loc ? uselocale(loc) : (locale_t)0;
    size_t cols = 0;
    for (size_t i = 0; i < n && i < le->len; i++) {
        int w = wcwidth(le->buf[i]);
        cols += w < 0 ? 1 : (size_t)w;
    }
    if (loc)
        uselocale(old);
    return cols;
}

int lineedit_history_add(struct lineedit *le, const char *text)
{
    free(le->scratch);
    le->scratch = NULL;
    if (!*text || (le->n_history && strcmp(le->history[le->n_history - 1], text) == 0)) {
        le->hist_pos = le->n_history;
        return 0;
    }
    char *copy = strdup(text);
    if (!copy)
        return -1;
    if (le->n_history == LINEEDIT_HISTORY) {
        free(le->history[0]);
        memmove(le->history, le->history + 1, (le->n_history - 1) * sizeof *le->history);
        le->n_history--;
    } else {
        char **h = realloc(le->history, (le->n_history + 1) * sizeof *h);
        if (!h) {
            free(copy);
            return -1;
        }
        le->history = h;
    }
    le->history[le->n_history++] = copy;
    le->hist_pos = le->n_history;
    return 0;
}

int lineedit_history_prev(struct lineedit *le)
{
    if (le->hist_pos > le->n_history)
        le->hist_pos = le->n_history;
    if (le->hist_pos == 0)
        return 0;
    if (le->hist_pos == le->n_history) {
        /* Keep what was being typed, to come back to it. */
        free(le->scratch);
        le->scratch = malloc((le->len + 1) * sizeof *le->scratch);
        if (!le->scratch)
            return -1;
        memcpy(le->scratch, le->buf ? le->buf : L"", (le->len + 1) * sizeof *le->scratch);
    }
    if (lineedit_set_text(le, le->history[le->hist_pos - 1]) < 0)
        return -1;
    le->hist_pos--;
    return 0;
}

int lineedit_history_next(struct lineedit *le)
{
    if (le->hist_pos >= le->n_history)
        return 0;
    le->hist_pos++;
    if (le->hist_pos < le->n_history)
        return lineedit_set_text(le, le->history[le->hist_pos]);
    int rc = 0;
    if (le->scratch)
        rc = set_wide(le, le->scratch, wcslen(le->scratch));
    else
        lineedit_clear(le);
    free(le->scratch);
    le->scratch = NULL;
    return rc;
}

char *lineedit_word(const struct lineedit *le)
{
    size_t start = word_start(le);
    return to_utf8(le->buf ? le->buf + start : L"", le->cursor - start);
}

static bool has_prefix_icase(const char *s, const char *prefix)
{
    return strncasecmp(s, prefix, strlen(prefix)) == 0;
}

int lineedit_complete(struct lineedit *le, const char *const *cands, size_t n_cands,
                      size_t *matches, size_t max_matches)
{
    char *word = lineedit_word(le);
    if (!word)
        return -1;
    size_t n_match = 0, first = 0, common = 0;
    for (size_t i = 0; i < n_cands; i++) {
        if (!has_prefix_icase(cands[i], word))
            continue;
        if (n_match == 0) {
            first = i;
            common = strlen(cands[i]);
        } else {
            size_t k = 0;
            while (k < common && cands[i][k] && cands[i][k] == cands[first][k])
                k++;
            common = k;
        }
        if (matches && n_match < max_matches)
            matches[n_match] = i;
        n_match++;
    }
    int rc = (int)(n_match > 0x7fffffff ? 0x7fffffff : n_match);
    if (n_match > 0 && common >= strlen(word)) {
        /* Replace the typed word by the candidates' common prefix, in their spelling. */
        char *prefix = strndup(cands[first], common);
        size_t n_wide;
        wchar_t *w = prefix ? from_utf8(prefix, &n_wide) : NULL;
        if (!w) {
            rc = -1;
        } else {
            size_t start = word_start(le);
            size_t tail = le->len - le->cursor;
            if (start + n_wide + tail > LINEEDIT_MAX || reserve(le, start + n_wide + tail) < 0) {
                rc = -1;
            } else {
                memmove(le->buf + start + n_wide, le->buf + le->cursor,
                        (tail + 1) * sizeof *le->buf);
                memcpy(le->buf + start, w, n_wide * sizeof *w);
                le->len = start + n_wide + tail;
                le->cursor = start + n_wide;
            }
        }
        free(w);
        free(prefix);
    }
    free(word);
    return rc;
}
