/*
 * libFuzzer harness: capability names as people type them, and sets as text.
 *
 * Input: byte 0 picks an output size for caps_normalise / caps_prompt_tag (so tiny and
 * odd buffers are tried), bytes 1..8 are a capability mask, the rest is the text.
 * Checks the contracts in caps.h, not only the absence of crashes:
 *   - caps_normalise always terminates within n bytes, upper-cases, folds separators;
 *   - caps_parse accepts exactly what normalises to a canonical name, and a parsed name
 *     round-trips through caps_name;
 *   - caps_suggest returns a real name or NULL;
 *   - caps_to_names / flags / snippets / IAB text are well-formed for any mask.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_normalise(const char *text, size_t n)
{
    char *out = malloc(n ? n : 1);
    if (!out)
        return;
    caps_normalise(text, out, n);
    if (n > 0) {
        if (strnlen(out, n) >= n)
            abort(); /* not terminated within n */
        for (const char *p = out; *p; p++)
            if (*p == ' ' || *p == '\t' || *p == '-' || (*p >= 'a' && *p <= 'z'))
                abort(); /* upper case, separators folded to '_' */
    }
    free(out);
}

static void check_parse(const char *text)
{
    struct err e = {0};
    unsigned cap = 9999;
    if (caps_parse(text, &cap, &e) == 0) {
        const char *name = caps_name(cap);
        unsigned back = 9999;
        if (!name || caps_parse(name, &back, NULL) < 0 || back != cap)
            abort();
    } else if (e.code != ERR_INVALID || e.msg[0] == '\0') {
        abort();
    }
    const char *near = caps_suggest(text);
    if (near) {
        unsigned c;
        if (caps_parse(near, &c, NULL) < 0)
            abort(); /* a suggestion is a real capability */
    }
    (void)caps_is_all(text);
    struct caps_request req = {0};
    if (caps_request_add(&req, text, text[0] & 1, NULL) == 0)
        (void)caps_resolve(&req);
    capmask m;
    (void)caps_from_hex(text, &m, NULL);
    enum caps_baseline b;
    (void)caps_baseline_parse(text, &b, NULL);
}

static void check_set(capmask set, size_t n)
{
    char *names = caps_to_names(set, ", ", true);
    char *flags = caps_docker_flags(set);
    char *compose = caps_compose_snippet(set);
    char *iab = caps_iab_text(set);
    if (!names || !flags || !compose)
        abort();
    char hex[17];
    caps_to_hex(set, hex);
    capmask back;
    if (caps_from_hex(hex, &back, NULL) < 0 || back != set)
        abort();
    char *tag = malloc(n ? n : 1);
    if (tag) {
        caps_prompt_tag(set, tag, n);
        if (n > 0 && strnlen(tag, n) >= n)
            abort();
        free(tag);
    }
    free(names);
    free(flags);
    free(compose);
    free(iab);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 9)
        return 0;
    size_t n = data[0];
    capmask set = 0;
    for (int i = 0; i < 8; i++)
        set |= (capmask)data[1 + i] << (8 * i);
    char *text = malloc(size - 9 + 1);
    if (!text)
        return 0;
    memcpy(text, data + 9, size - 9);
    text[size - 9] = '\0';

    check_normalise(text, n);
    check_normalise(text, 64);
    check_parse(text);
    check_set(set, n);
    check_set(set & caps_all(), 96);

    free(text);
    return 0;
}
