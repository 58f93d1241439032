/*
 * ui_keys: the one table from keys to actions. The help overlay is generated from it, so
 * what `?` shows is what the keys do. First match wins: specific contexts come first.
 */
#include "ui_priv.h"

#define MENU       UI_CTX_MENU
#define TEXT       UI_CTX_TEXT
#define EXPERIMENT UI_CTX_EXPERIMENT
#define QUIZ       UI_CTX_QUIZ
#define INPUT      UI_CTX_INPUT
#define OVERLAY    UI_CTX_OVERLAY
#define LESSON     UI_CTX_LESSON
#define SCROLL     UI_CTX_SCROLL
#define SCREENS    UI_CTX_SCREENS

static const struct ui_key keys[] = {
    /* Typing an answer: everything printable is text, so only editing keys are bound. */
    {'\n', INPUT, UI_ED_SUBMIT, "Enter", "check the answer"},
    {'\r', INPUT, UI_ED_SUBMIT, NULL, NULL},
    {UI_KC(KEY_ENTER), INPUT, UI_ED_SUBMIT, NULL, NULL},
    {UI_ESC, INPUT, UI_ED_CANCEL, "Esc", "stop typing (the answer is kept)"},
    {'\t', INPUT, UI_ED_COMPLETE, "Tab", "complete a capability name"},
    {UI_KC(KEY_LEFT), INPUT, UI_ED_LEFT, "Left, Right", "move in the line"},
    {UI_CTRL('b'), INPUT, UI_ED_LEFT, NULL, NULL},
    {UI_KC(KEY_RIGHT), INPUT, UI_ED_RIGHT, NULL, NULL},
    {UI_CTRL('f'), INPUT, UI_ED_RIGHT, NULL, NULL},
    {UI_KC(KEY_HOME), INPUT, UI_ED_HOME, "Home, Ctrl-A", "start of the line"},
    {UI_CTRL('a'), INPUT, UI_ED_HOME, NULL, NULL},
    {UI_KC(KEY_END), INPUT, UI_ED_END, "End, Ctrl-E", "end of the line"},
    {UI_CTRL('e'), INPUT, UI_ED_END, NULL, NULL},
    {UI_KC(KEY_BACKSPACE), INPUT, UI_ED_BACKSPACE, "Backspace", "delete before the cursor"},
    {127, INPUT, UI_ED_BACKSPACE, NULL, NULL},
    {UI_CTRL('h'), INPUT, UI_ED_BACKSPACE, NULL, NULL},
    {UI_KC(KEY_DC), INPUT, UI_ED_DELETE, "Delete, Ctrl-D", "delete under the cursor"},
    {UI_CTRL('d'), INPUT, UI_ED_DELETE, NULL, NULL},
    {UI_CTRL('u'), INPUT, UI_ED_KILL_START, "Ctrl-U", "delete to the start of the line"},
    {UI_CTRL('w'), INPUT, UI_ED_KILL_WORD, "Ctrl-W", "delete the word before the cursor"},
    {UI_KC(KEY_UP), INPUT, UI_ED_HISTORY_PREV, "Up, Down", "earlier answers"},
    {UI_CTRL('p'), INPUT, UI_ED_HISTORY_PREV, NULL, NULL},
    {UI_KC(KEY_DOWN), INPUT, UI_ED_HISTORY_NEXT, NULL, NULL},
    {UI_CTRL('n'), INPUT, UI_ED_HISTORY_NEXT, NULL, NULL},
    {UI_KC(KEY_F(1)), INPUT, UI_ACT_CAP_INFO, "F1", "about the capability being typed"},

    /* The course menu. */
    {'\n', MENU, UI_ACT_OPEN, "Enter, l, Right", "open the lesson"},
    {'\r', MENU, UI_ACT_OPEN, NULL, NULL},
    {UI_KC(KEY_ENTER), MENU, UI_ACT_OPEN, NULL, NULL},
    {'l', MENU, UI_ACT_OPEN, NULL, NULL},
    {UI_KC(KEY_RIGHT), MENU, UI_ACT_OPEN, NULL, NULL},

    {UI_KC(KEY_DOWN), MENU, UI_ACT_DOWN, "j, Down", "next lesson"},
    {'j', MENU, UI_ACT_DOWN, NULL, NULL},
    {UI_KC(KEY_UP), MENU, UI_ACT_UP, "k, Up", "previous lesson"},
    {'k', MENU, UI_ACT_UP, NULL, NULL},
    {'g', MENU, UI_ACT_TOP, "g, Home", "first lesson"},
    {UI_KC(KEY_HOME), MENU, UI_ACT_TOP, NULL, NULL},
    {'G', MENU, UI_ACT_BOTTOM, "G, End", "last lesson"},
    {UI_KC(KEY_END), MENU, UI_ACT_BOTTOM, NULL, NULL},
    {'q', MENU, UI_ACT_BACK, "q", "quit"},

    /* Steps of a lesson. */
    {'n', LESSON, UI_ACT_NEXT_STEP, "n, Right", "next step"},
    {UI_KC(KEY_RIGHT), LESSON, UI_ACT_NEXT_STEP, NULL, NULL},
    {'p', LESSON, UI_ACT_PREV_STEP, "p, Left", "previous step"},
    {UI_KC(KEY_LEFT), LESSON, UI_ACT_PREV_STEP, NULL, NULL},
    {'s', EXPERIMENT, UI_ACT_SHELL, "s", "open a shell in this step's sandbox"},
    {'c', EXPERIMENT, UI_ACT_CHECKS, "c", "run this step's checks"},
    {'a', QUIZ, UI_ACT_ANSWER, "a, Enter", "type an answer"},
    {'\n', QUIZ, UI_ACT_ANSWER, NULL, NULL},
    {'\r', QUIZ, UI_ACT_ANSWER, NULL, NULL},
    {UI_KC(KEY_ENTER), QUIZ, UI_ACT_ANSWER, NULL, NULL},
    {'h', QUIZ, UI_ACT_HINT, "h", "next hint"},
    {'x', QUIZ, UI_ACT_EXPLAIN, "x", "explanation (twice to give up first)"},
    {'P', QUIZ, UI_ACT_PROVE, "P", "prove the answer in the sandbox"},

    /* Scrolling, wherever there is something to scroll. */
    {UI_KC(KEY_DOWN), SCROLL, UI_ACT_DOWN, "j, Down", "down a line"},
    {'j', SCROLL, UI_ACT_DOWN, NULL, NULL},
    {UI_KC(KEY_UP), SCROLL, UI_ACT_UP, "k, Up", "up a line"},
    {'k', SCROLL, UI_ACT_UP, NULL, NULL},
    {UI_KC(KEY_NPAGE), SCROLL, UI_ACT_PAGE_DOWN, "Space, PgDn", "down a page"},
    {' ', SCROLL, UI_ACT_PAGE_DOWN, NULL, NULL},
    {UI_CTRL('f'), SCROLL, UI_ACT_PAGE_DOWN, NULL, NULL},
    {UI_KC(KEY_PPAGE), SCROLL, UI_ACT_PAGE_UP, "b, PgUp", "up a page"},
    {'b', SCROLL, UI_ACT_PAGE_UP, NULL, NULL},
    {UI_CTRL('b'), SCROLL, UI_ACT_PAGE_UP, NULL, NULL},
    {'g', SCROLL, UI_ACT_TOP, "g, Home", "top"},
    {UI_KC(KEY_HOME), SCROLL, UI_ACT_TOP, NULL, NULL},
    {'G', SCROLL, UI_ACT_BOTTOM, "G, End", "bottom"},
    {UI_KC(KEY_END), SCROLL, UI_ACT_BOTTOM, NULL, NULL},

    /* Everywhere but the answer line. */
    {'i', MENU | LESSON, UI_ACT_CAP_INFO, "i, F1", "about the capabilities on screen"},
    {UI_KC(KEY_F(1)), SCREENS, UI_ACT_CAP_INFO, NULL, NULL},
    {'?', SCREENS, UI_ACT_HELP, "?", "this help"},
    {'q', SCREENS, UI_ACT_BACK, "q", "back"},
    {UI_ESC, OVERLAY, UI_ACT_BACK, NULL, NULL},
    {'Q', SCREENS, UI_ACT_QUIT, "Q", "quit the tutor"},
    {UI_CTRL('l'), SCREENS | INPUT, UI_ACT_REDRAW, "Ctrl-L", "redraw the screen"},
};

enum ui_action ui_key_action(int key, unsigned ctx)
{
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (keys[i].key == key && (keys[i].ctx & ctx))
            return keys[i].action;
    return UI_ACT_NONE;
}

const struct ui_key *ui_key_table(size_t *n)
{
    *n = sizeof keys / sizeof keys[0];
    return keys;
}
