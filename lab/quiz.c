#include "quiz.h"

#include "capinfo.h"

#include <ctype.h>
#include <regex.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define CAP_TEXT_MAX 96
#define MAX_ITEMS    128

/* ---- a small growing string; an allocation failure sticks and is checked once ---- */

struct sbuf {
    char *s;
    size_t len, cap;
    bool oom;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->oom = true;
        return;
    }
    size_t need = b->len + (size_t)n + 1;
    if (need > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < need)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

/* Separate sentences with one space. */
static void sb_sentence(struct sbuf *b, const char *text)
{
    if (!text || !*text)
        return;
    sb_printf(b, "%s%s", b->len ? " " : "", text);
}

static char *sb_take(struct sbuf *b)
{
    if (b->oom) {
        free(b->s);
        return NULL;
    }
    if (!b->s)
        return strdup("");
    return b->s;
}

/* ---- names ---- */

static const char *const verdict_names[] = {
    [QUIZ_VERDICT_CORRECT] = "correct", [QUIZ_VERDICT_PARTIAL] = "partial",
    [QUIZ_VERDICT_WRONG] = "wrong",     [QUIZ_VERDICT_NEAR_MISS] = "near-miss",
    [QUIZ_VERDICT_INVALID] = "invalid",
};

const char *quiz_verdict_name(enum quiz_verdict v)
{
    return (unsigned)v < sizeof verdict_names / sizeof verdict_names[0] ? verdict_names[v] : "?";
}

int quiz_verdict_parse(const char *name)
{
    for (size_t i = 0; i < sizeof verdict_names / sizeof verdict_names[0]; i++)
        if (strcmp(verdict_names[i], name) == 0)
            return (int)i;
    return -1;
}

const char *quiz_kind_name(enum quiz_kind k)
{
    switch (k) {
    case QUIZ_CAPABILITY:
        return "capability";
    case QUIZ_CAPABILITY_SET:
        return "capability-set";
    case QUIZ_CHOICE:
        return "choice";
    case QUIZ_MULTI_CHOICE:
        return "multi-choice";
    case QUIZ_TEXT:
        return "text";
    }
    return "?";
}

/* A copy of text without surrounding whitespace. */
static char *trimmed_copy(const char *text)
{
    while (isspace((unsigned char)*text))
        text++;
    size_t len = strlen(text);
    while (len && isspace((unsigned char)text[len - 1]))
        len--;
    return strndup(text, len);
}

static unsigned lowest_cap(capmask set)
{
    unsigned cap = 0;
    while (cap < 64 && !(set & CAPS_BIT(cap)))
        cap++;
    return cap;
}

/* ---- capability answers: split into items and classify each ---- */

enum item_status {
    ITEM_CAP,  /* a real capability */
    ITEM_ALL,  /* Docker's ALL: not an answer to "which capability" */
    ITEM_NEAR, /* a typo of `near` */
    ITEM_BAD,  /* not a capability */
};

struct cap_item {
    enum item_status status;
    unsigned cap;
    const char *near;
    char text[CAP_TEXT_MAX]; /* as typed, for messages */
};

struct cap_items {
    struct cap_item items[MAX_ITEMS];
    size_t n;
};

static enum item_status classify(const char *text, unsigned *cap, const char **near)
{
    if (caps_is_all(text))
        return ITEM_ALL;
    if (caps_parse(text, cap, NULL) == 0)
        return ITEM_CAP;
    *near = caps_suggest(text);
    return *near ? ITEM_NEAR : ITEM_BAD;
}

/* Words people put around names ("the NET_RAW capability", "SETUID and SETGID"), and words
 * without a letter or digit (stray punctuation). */
static bool is_filler_word(const char *w)
{
    static const char *const fillers[] = {"and", "the", "capability", "capabilities", "plus"};
    while (*w && !isalnum((unsigned char)*w))
        w++;
    size_t len = strlen(w);
    while (len && !isalnum((unsigned char)w[len - 1]))
        len--;
    for (size_t i = 0; i < sizeof fillers / sizeof fillers[0]; i++)
        if (strlen(fillers[i]) == len && strncasecmp(w, fillers[i], len) == 0)
            return true;
    for (; *w; w++)
        if (isalnum((unsigned char)*w))
            return false;
    return true;
}

static void join_words(char *const *words, size_t from, size_t to, char *out, size_t n)
{
    out[0] = '\0';
    for (size_t k = from; k <= to; k++) {
        if (k > from)
            strncat(out, " ", n - strlen(out) - 1);
        strncat(out, words[k], n - strlen(out) - 1);
    }
}

static void add_item(struct cap_items *list, enum item_status st, unsigned cap, const char *near,
                     const char *text)
{
    if (list->n >= MAX_ITEMS)
        return;
    struct cap_item *it = &list->items[list->n++];
    it->status = st;
    it->cap = cap;
    it->near = near;
    snprintf(it->text, sizeof it->text, "%s", text);
}

/*
 * One piece between separators, as whitespace-separated words. At each word take the longest
 * run of words that spells a capability ("net bind service"); failing that, the longest run
 * that is a near miss of one; failing that, the single word, which is then not a capability.
 */
#define MAX_RUN_WORDS 5

static void split_words(char *piece, struct cap_items *list)
{
    char *words[MAX_ITEMS];
    size_t n = 0;
    for (char *save = NULL, *w = strtok_r(piece, " \t\r", &save); w && n < MAX_ITEMS;
         w = strtok_r(NULL, " \t\r", &save))
        if (!is_filler_word(w))
            words[n++] = w;

    char run[CAP_TEXT_MAX];
    for (size_t i = 0; i < n;) {
        bool taken = false;
        /* No name is longer than "cap net bind service" plus a stray space: trying longer
         * runs only costs time (quadratic in the words of the answer). */
        size_t longest = n - i < MAX_RUN_WORDS ? n : i + MAX_RUN_WORDS;
        for (int pass = 0; pass < 2 && !taken; pass++) {
            for (size_t j = longest; j-- > i;) {
                join_words(words, i, j, run, sizeof run);
                unsigned cap = 0;
                const char *near = NULL;
                enum item_status st = classify(run, &cap, &near);
                if (st == ITEM_CAP || st == ITEM_ALL || (pass == 1 && st == ITEM_NEAR)) {
                    add_item(list, st, cap, near, run);
                    i = j + 1;
                    taken = true;
                    break;
                }
            }
        }
        if (!taken) {
            add_item(list, ITEM_BAD, 0, NULL, words[i]);
            i++;
        }
    }
}

static int split_cap_answer(const char *answer, struct cap_items *list)
{
    list->n = 0;
    char *copy = strdup(answer);
    if (!copy)
        return -1;
    for (char *save = NULL, *piece = strtok_r(copy, ",;\n/|", &save); piece;
         piece = strtok_r(NULL, ",;\n/|", &save))
        split_words(piece, list);
    free(copy);
    return 0;
}

/* ---- feedback ---- */

static const char *feedback_for_caps(const struct lesson_quiz *q, capmask set)
{
    for (size_t i = 0; i < q->n_feedback; i++) {
        const struct lesson_feedback *f = &q->feedback[i];
        capmask fset = f->caps;
        if (!fset && f->answer) {
            /* A hand-made quiz may give only the name. */
            unsigned cap;
            if (caps_parse(f->answer, &cap, NULL) == 0)
                fset = CAPS_BIT(cap);
        }
        if (fset && fset == set)
            return f->text;
    }
    return NULL;
}

static void generic_cap_sentence(struct sbuf *b, unsigned cap, const struct quiz_grader *g)
{
    const char *name = caps_name(cap);
    const char *desc = g && g->describe ? g->describe(cap, g->ctx) : NULL;
    if (desc && *desc)
        sb_printf(b,
                  "%sCAP_%s is a real capability, but not the one this needs. It governs this: "
                  "%s (more: `caplab explain %s`)",
                  b->len ? " " : "", name, desc, name);
    else
        sb_printf(b,
                  "%sCAP_%s is a real capability, but not the one this needs. See `caplab explain "
                  "%s` for what it allows.",
                  b->len ? " " : "", name, name);
}

static void names_list(struct sbuf *b, capmask set)
{
    bool first = true;
    for (unsigned cap = 0; cap < 64; cap++) {
        if (!(set & CAPS_BIT(cap)))
            continue;
        const char *name = caps_name(cap);
        if (name)
            sb_printf(b, "%sCAP_%s", first ? "" : ", ", name);
        else
            sb_printf(b, "%s%u", first ? "" : ", ", cap);
        first = false;
    }
}

/* Near misses and non-capabilities: say what was not understood, never grade it. */
static bool report_unusable_items(const struct cap_items *list, struct sbuf *b,
                                  struct quiz_result *out)
{
    bool near = false, bad = false;
    for (size_t i = 0; i < list->n; i++) {
        const struct cap_item *it = &list->items[i];
        switch (it->status) {
        case ITEM_NEAR:
            sb_printf(b, "%s\"%s\" is not a capability: did you mean CAP_%s?", b->len ? " " : "",
                      it->text, it->near);
            near = true;
            break;
        case ITEM_BAD:
            sb_printf(b, "%s\"%s\" is not a Linux capability (`caplab explain --list` lists them).",
                      b->len ? " " : "", it->text);
            bad = true;
            break;
        case ITEM_ALL:
            sb_printf(b, "%s\"%s\" means every capability; name the ones needed instead.",
                      b->len ? " " : "", it->text);
            bad = true;
            break;
        case ITEM_CAP:
            break;
        }
    }
    if (!near && !bad)
        return false;
    out->verdict = bad ? QUIZ_VERDICT_INVALID : QUIZ_VERDICT_NEAR_MISS;
    out->counts = false;
    return true;
}

static capmask items_mask(const struct cap_items *list)
{
    capmask set = 0;
    for (size_t i = 0; i < list->n; i++)
        if (list->items[i].status == ITEM_CAP)
            set |= CAPS_BIT(list->items[i].cap);
    return set;
}

static double jaccard(unsigned hits, unsigned union_size)
{
    return union_size ? (double)hits / (double)union_size : 0.0;
}

static int grade_capability(const struct lesson_quiz *q, const char *answer,
                            const struct quiz_grader *g, struct quiz_result *out, struct sbuf *b)
{
    struct cap_items *list = malloc(sizeof *list);
    if (!list || split_cap_answer(answer, list) < 0) {
        free(list);
        return -1;
    }
    capmask key = q->answer_caps;
    if (list->n == 0) {
        out->verdict = QUIZ_VERDICT_INVALID;
        out->counts = false;
        sb_sentence(b, q->kind == QUIZ_CAPABILITY ? "Type the name of a capability."
                                                  : "Type the names of the capabilities.");
        goto done;
    }
    if (report_unusable_items(list, b, out))
        goto done;

    capmask given = items_mask(list);
    out->given = given;
    out->missing = key & ~given;
    out->extra = given & ~key;
    out->counts = true;

    if (q->kind == QUIZ_CAPABILITY && caps_count(given) > 1) {
        out->verdict = QUIZ_VERDICT_INVALID;
        out->counts = false;
        out->missing = out->extra = 0;
        sb_sentence(b, "This question asks for one capability; name only the one it needs.");
        goto done;
    }

    if (given == key) {
        out->verdict = QUIZ_VERDICT_CORRECT;
        out->score = 1.0;
        sb_printf(b, "You named ");
        names_list(b, given);
        sb_printf(b, ".");
        goto done;
    }

    unsigned hits = caps_count(given & key);
    out->score = jaccard(hits, caps_count(given | key));
    out->verdict = hits ? QUIZ_VERDICT_PARTIAL : QUIZ_VERDICT_WRONG;

    const char *targeted = feedback_for_caps(q, given);
    if (q->kind == QUIZ_CAPABILITY) {
        if (targeted)
            sb_sentence(b, targeted);
        else
            generic_cap_sentence(b, lowest_cap(given), g);
        goto done;
    }

    /* A set: what is right, what is not needed (with any targeted word on it), how many are
     * missing. Which ones are missing is left for the learner to find (result.missing has them). */
    if (targeted)
        sb_sentence(b, targeted);
    if (hits) {
        sb_printf(b, "%sRight: ", b->len ? " " : "");
        names_list(b, given & key);
        sb_printf(b, ".");
    }
    if (out->extra) {
        sb_printf(b, "%sNot needed: ", b->len ? " " : "");
        names_list(b, out->extra);
        sb_printf(b, ".");
        if (!targeted) {
            for (unsigned cap = 0; cap < 64; cap++) {
                if (!(out->extra & CAPS_BIT(cap)))
                    continue;
                const char *one = feedback_for_caps(q, CAPS_BIT(cap));
                if (one)
                    sb_sentence(b, one);
                else if (!hits)
                    generic_cap_sentence(b, cap, g);
            }
        }
    }
    unsigned missing = caps_count(out->missing);
    if (missing)
        sb_printf(b, "%sStill missing: %u capabilit%s.", b->len ? " " : "", missing,
                  missing == 1 ? "y" : "ies");
done:
    free(list);
    return 0;
}

/* ---- choices ---- */

static void trim_token(const char *text, char *out, size_t n)
{
    const char *start = text, *end = text + strlen(text);
    while (start < end && !isalnum((unsigned char)*start))
        start++;
    while (end > start && !isalnum((unsigned char)end[-1]))
        end--;
    size_t len = (size_t)(end - start);
    if (len >= n)
        len = n - 1;
    memcpy(out, start, len);
    out[len] = '\0';
}

static int find_choice_id(const struct lesson_quiz *q, const char *token)
{
    char t[128];
    trim_token(token, t, sizeof t);
    if (!*t)
        return -1;
    for (size_t i = 0; i < q->n_choices; i++)
        if (q->choices[i].id && strcasecmp(q->choices[i].id, t) == 0)
            return (int)i;
    return -1;
}

static int find_choice_text(const struct lesson_quiz *q, const char *answer)
{
    char t[512];
    trim_token(answer, t, sizeof t);
    if (!*t)
        return -1;
    for (size_t i = 0; i < q->n_choices; i++) {
        char c[512];
        if (!q->choices[i].text)
            continue;
        trim_token(q->choices[i].text, c, sizeof c);
        if (strcasecmp(c, t) == 0)
            return (int)i;
    }
    return -1;
}

static bool all_ids_one_char(const struct lesson_quiz *q)
{
    for (size_t i = 0; i < q->n_choices; i++)
        if (!q->choices[i].id || strlen(q->choices[i].id) != 1)
            return false;
    return q->n_choices > 0;
}

typedef unsigned long long choice_set;
#define CHOICE_BIT(i) ((choice_set)1 << (i))

static unsigned count_choices(choice_set set)
{
    return (unsigned)__builtin_popcountll(set);
}

/* Parse a list of choice ids. Unknown tokens go to *bad (first one, for the message). */
static choice_set parse_choice_list(const struct lesson_quiz *q, const char *answer, char *bad,
                                    size_t bad_n, size_t *n_tokens)
{
    choice_set set = 0;
    *n_tokens = 0;
    bad[0] = '\0';
    int whole = find_choice_text(q, answer);
    if (whole >= 0 && whole < 64) {
        *n_tokens = 1;
        return CHOICE_BIT(whole);
    }
    char *copy = strdup(answer);
    if (!copy)
        return 0;
    for (char *save = NULL, *tok = strtok_r(copy, ",; \t\r\n/|+&", &save); tok;
         tok = strtok_r(NULL, ",; \t\r\n/|+&", &save)) {
        if (strcasecmp(tok, "and") == 0)
            continue;
        char t[128];
        trim_token(tok, t, sizeof t);
        if (!*t)
            continue;
        (*n_tokens)++;
        int idx = find_choice_id(q, t);
        if (idx >= 0 && idx < 64) {
            set |= CHOICE_BIT(idx);
            continue;
        }
        /* "ac" for a and c, when every id is a single character. */
        bool expanded = all_ids_one_char(q) && strlen(t) > 1;
        choice_set letters = 0;
        for (const char *p = t; expanded && *p; p++) {
            char one[2] = {*p, '\0'};
            int k = find_choice_id(q, one);
            if (k < 0 || k >= 64)
                expanded = false;
            else
                letters |= CHOICE_BIT(k);
        }
        if (expanded) {
            set |= letters;
            *n_tokens += count_choices(letters) - 1;
        } else if (!bad[0]) {
            snprintf(bad, bad_n, "%s", t);
        }
    }
    free(copy);
    return set;
}

static choice_set key_choices(const struct lesson_quiz *q)
{
    choice_set key = 0;
    for (size_t i = 0; i < q->n_answers; i++) {
        int idx = find_choice_id(q, q->answers[i]);
        if (idx >= 0 && idx < 64)
            key |= CHOICE_BIT(idx);
    }
    return key;
}

static const char *feedback_for_choices(const struct lesson_quiz *q, choice_set set)
{
    for (size_t i = 0; i < q->n_feedback; i++) {
        const struct lesson_feedback *f = &q->feedback[i];
        if (!f->answer)
            continue;
        char bad[8];
        size_t n;
        if (parse_choice_list(q, f->answer, bad, sizeof bad, &n) == set && !bad[0])
            return f->text;
    }
    return NULL;
}

static void choice_ids(struct sbuf *b, const struct lesson_quiz *q, choice_set set)
{
    bool first = true;
    for (size_t i = 0; i < q->n_choices && i < 64; i++) {
        if (set & CHOICE_BIT(i)) {
            sb_printf(b, "%s%s", first ? "" : ",", q->choices[i].id);
            first = false;
        }
    }
}

static void choices_available(struct sbuf *b, const struct lesson_quiz *q)
{
    for (size_t i = 0; i < q->n_choices; i++)
        sb_printf(b, "%s%s", i ? ", " : "", q->choices[i].id);
}

static int grade_choice(const struct lesson_quiz *q, const char *answer, struct quiz_result *out,
                        struct sbuf *b)
{
    char bad[128];
    size_t n_tokens;
    choice_set given = parse_choice_list(q, answer, bad, sizeof bad, &n_tokens);
    choice_set key = key_choices(q);
    out->choices_given = given;
    out->counts = false;
    out->verdict = QUIZ_VERDICT_INVALID;
    if (bad[0] || n_tokens == 0) {
        if (bad[0])
            sb_printf(b, "\"%s\" is not one of the choices (", bad);
        else
            sb_printf(b, "Pick one of the choices (");
        choices_available(b, q);
        sb_printf(b, ").");
        return 0;
    }
    if (q->kind == QUIZ_CHOICE && count_choices(given) > 1) {
        sb_sentence(b, "This question has one answer; pick a single choice.");
        return 0;
    }
    out->counts = true;
    if (given == key) {
        out->verdict = QUIZ_VERDICT_CORRECT;
        out->score = 1.0;
        sb_printf(b, "You chose ");
        choice_ids(b, q, given);
        sb_printf(b, ".");
        return 0;
    }
    unsigned hits = count_choices(given & key);
    out->score = jaccard(hits, count_choices(given | key));
    out->verdict = hits ? QUIZ_VERDICT_PARTIAL : QUIZ_VERDICT_WRONG;
    const char *targeted = feedback_for_choices(q, given);
    if (targeted) {
        sb_sentence(b, targeted);
    } else if (q->kind == QUIZ_CHOICE) {
        size_t idx = (size_t)__builtin_ctzll(given);
        sb_printf(b, "(%s) is not the right choice.", q->choices[idx].id);
    }
    if (q->kind == QUIZ_MULTI_CHOICE) {
        if (hits) {
            sb_printf(b, "%sRight: ", b->len ? " " : "");
            choice_ids(b, q, given & key);
            sb_printf(b, ".");
        }
        if (given & ~key) {
            sb_printf(b, "%sNot right: ", b->len ? " " : "");
            choice_ids(b, q, given & ~key);
            sb_printf(b, ".");
            for (size_t i = 0; !targeted && i < q->n_choices && i < 64; i++)
                if ((given & ~key) & CHOICE_BIT(i))
                    sb_sentence(b, feedback_for_choices(q, CHOICE_BIT(i)));
        }
        unsigned missing = count_choices(key & ~given);
        if (missing)
            sb_printf(b, "%sStill missing: %u choice%s.", b->len ? " " : "", missing,
                      missing == 1 ? "" : "s");
    }
    return 0;
}

/* ---- free text ---- */

/* 1 match, 0 no match, -1 the pattern does not compile. */
static int ere_search(const char *pattern, const char *text)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_ICASE | REG_NOSUB) != 0)
        return -1;
    int rc = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return rc;
}

static int grade_text(const struct lesson_quiz *q, const char *text, struct quiz_result *out,
                      struct sbuf *b, struct err *e)
{
    if (!*text) {
        out->verdict = QUIZ_VERDICT_INVALID;
        out->counts = false;
        sb_sentence(b, "Type an answer.");
        return 0;
    }
    out->counts = true;
    for (size_t i = 0; i < q->n_answers; i++) {
        int m = ere_search(q->answers[i], text);
        if (m < 0)
            return err_set(e, ERR_INVALID, "quiz %s: answer pattern \"%s\" is not a valid ERE",
                           q->id ? q->id : "?", q->answers[i]);
        if (m) {
            out->verdict = QUIZ_VERDICT_CORRECT;
            out->score = 1.0;
            sb_sentence(b, "Correct.");
            return 0;
        }
    }
    out->verdict = QUIZ_VERDICT_WRONG;
    for (size_t i = 0; i < q->n_feedback; i++) {
        const struct lesson_feedback *f = &q->feedback[i];
        if (!f->answer)
            continue;
        /* Feedback answers for text quizzes are EREs too; a literal that is not a valid
         * ERE still matches itself, case-insensitively. */
        int m = ere_search(f->answer, text);
        if (m > 0 || (m < 0 && strcasecmp(f->answer, text) == 0)) {
            sb_sentence(b, f->text);
            return 0;
        }
    }
    sb_sentence(b, "That is not the answer this question is looking for.");
    if (q->n_hints)
        sb_sentence(b, "A hint may help.");
    return 0;
}

/* ---- entry points ---- */

int quiz_grade(const struct lesson_quiz *q, const char *answer, const struct quiz_grader *g,
               struct quiz_result *out, struct err *e)
{
    memset(out, 0, sizeof *out);
    const char *id = q->id ? q->id : "?";
    char *text = trimmed_copy(answer ? answer : "");
    if (!text)
        return err_sys(e, "grading quiz %s", id);
    struct sbuf b = {0};
    int rc = 0;
    /* Answers come from answer sheets too; matching a long one word by word grows
     * quickly, and no real answer is a page long. */
    size_t length = strlen(text);
    if (length > QUIZ_MAX_ANSWER) {
        out->verdict = QUIZ_VERDICT_INVALID;
        sb_printf(&b,
                  "That answer is too long to grade (%zu characters, at most %d): name the "
                  "capabilities or choices, separated by commas.",
                  length, QUIZ_MAX_ANSWER);
        text[QUIZ_MAX_ANSWER] = '\0';
        out->canonical = text;
        out->feedback = sb_take(&b);
        if (!out->feedback) {
            quiz_result_release(out);
            return err_sys(e, "grading quiz %s", id);
        }
        return 0;
    }
    switch (q->kind) {
    case QUIZ_CAPABILITY:
    case QUIZ_CAPABILITY_SET:
        if (!q->answer_caps) {
            rc = err_set(e, ERR_INVALID, "quiz %s has no capability in its answer key", id);
            break;
        }
        rc = grade_capability(q, text, g, out, &b);
        if (rc < 0)
            rc = err_sys(e, "grading quiz %s", id);
        break;
    case QUIZ_CHOICE:
    case QUIZ_MULTI_CHOICE:
        if (q->n_choices == 0 || q->n_choices > 64) {
            rc = err_set(e, ERR_INVALID, "quiz %s needs between 1 and 64 choices", id);
            break;
        }
        if (!key_choices(q)) {
            rc = err_set(e, ERR_INVALID, "quiz %s: its answer names no existing choice", id);
            break;
        }
        rc = grade_choice(q, text, out, &b);
        break;
    case QUIZ_TEXT:
        if (!q->n_answers) {
            rc = err_set(e, ERR_INVALID, "quiz %s has no accepted answer pattern", id);
            break;
        }
        rc = grade_text(q, text, out, &b, e);
        break;
    default:
        rc = err_set(e, ERR_INVALID, "quiz %s has an unknown kind", id);
        break;
    }
    if (rc < 0) {
        free(b.s);
        free(text);
        memset(out, 0, sizeof *out);
        return -1;
    }

    /* The canonical form of what was graded. */
    if (out->counts && (q->kind == QUIZ_CAPABILITY || q->kind == QUIZ_CAPABILITY_SET)) {
        out->canonical = caps_to_names(out->given, ",", false);
        free(text);
    } else if (out->counts && (q->kind == QUIZ_CHOICE || q->kind == QUIZ_MULTI_CHOICE)) {
        struct sbuf c = {0};
        choice_ids(&c, q, out->choices_given);
        out->canonical = sb_take(&c);
        free(text);
    } else {
        out->canonical = text;
    }
    out->feedback = sb_take(&b);
    if (!out->feedback || !out->canonical) {
        quiz_result_release(out);
        return err_sys(e, "grading quiz %s", id);
    }
    return 0;
}

void quiz_result_release(struct quiz_result *r)
{
    if (!r)
        return;
    free(r->feedback);
    free(r->canonical);
    r->feedback = r->canonical = NULL;
}

char *quiz_key_text(const struct lesson_quiz *q)
{
    struct sbuf b = {0};
    switch (q->kind) {
    case QUIZ_CAPABILITY:
    case QUIZ_CAPABILITY_SET:
        names_list(&b, q->answer_caps);
        break;
    case QUIZ_CHOICE:
    case QUIZ_MULTI_CHOICE: {
        choice_set key = key_choices(q);
        bool first = true;
        for (size_t i = 0; i < q->n_choices && i < 64; i++) {
            if (!(key & CHOICE_BIT(i)))
                continue;
            if (q->kind == QUIZ_CHOICE && q->choices[i].text)
                sb_printf(&b, "%s(%s) %s", first ? "" : "; ", q->choices[i].id, q->choices[i].text);
            else
                sb_printf(&b, "%s%s", first ? "" : ", ", q->choices[i].id);
            first = false;
        }
        break;
    }
    case QUIZ_TEXT:
        if (q->n_answers)
            sb_printf(&b, "%s", q->answers[0]);
        break;
    }
    return sb_take(&b);
}

/* ---- attempt state ---- */

void quiz_state_init(struct quiz_attempt_state *s)
{
    memset(s, 0, sizeof *s);
}

bool quiz_state_record(struct quiz_attempt_state *s, const struct quiz_result *r)
{
    if (!r->counts || quiz_state_finished(s))
        return false;
    s->attempts++;
    if (r->score > s->best_score)
        s->best_score = r->score;
    if (r->verdict == QUIZ_VERDICT_CORRECT)
        s->solved = true;
    return true;
}

const char *quiz_state_next_hint(struct quiz_attempt_state *s, const struct lesson_quiz *q)
{
    if (s->hints_shown >= q->n_hints)
        return NULL;
    return q->hints[s->hints_shown++];
}

size_t quiz_state_hints_left(const struct quiz_attempt_state *s, const struct lesson_quiz *q)
{
    return s->hints_shown >= q->n_hints ? 0 : q->n_hints - s->hints_shown;
}

void quiz_state_give_up(struct quiz_attempt_state *s)
{
    if (!s->solved)
        s->gave_up = true;
}

bool quiz_state_finished(const struct quiz_attempt_state *s)
{
    return s->solved || s->gave_up;
}

const char *quiz_state_explanation(const struct quiz_attempt_state *s, const struct lesson_quiz *q)
{
    return quiz_state_finished(s) ? q->explanation : NULL;
}

static const char *describe_from_capinfo(unsigned cap, void *ctx)
{
    (void)ctx;
    return capinfo_summary(cap);
}

const struct quiz_grader *quiz_default_grader(void)
{
    static const struct quiz_grader grader = {.describe = describe_from_capinfo, .ctx = NULL};
    return &grader;
}
