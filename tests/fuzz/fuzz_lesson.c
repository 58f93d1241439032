/*
 * libFuzzer harness: the lesson loader and validator, from a memory buffer.
 *
 * Any input must either load (all-or-nothing) or fail with at least one error line that
 * names the file; nothing may crash, leak, read out of bounds or trip UBSan.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lesson.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NAME "fuzz.json"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct lesson_errors errs = {0};
    struct err e = {0};
    struct lesson *l = lesson_load_buffer(NAME, (const char *)data, size, &errs, &e);
    if (l) {
        if (errs.count != 0)
            abort(); /* a loaded lesson has no errors */
        /* Walk what the loader promises is there. */
        for (size_t i = 0; i < l->n_steps; i++) {
            const struct lesson_step *s = &l->steps[i];
            if (!s->id)
                abort();
            for (size_t k = 0; k < s->n_checks; k++)
                if (!s->checks[k].id || !s->checks[k].sandbox)
                    abort();
        }
        lesson_free(l);
    } else {
        if (errs.count == 0 && e.msg[0] == '\0')
            abort(); /* a failure says why */
        for (size_t i = 0; i < errs.count; i++)
            if (strncmp(errs.lines[i], NAME, strlen(NAME)) != 0)
                abort(); /* every error line names the file */
    }
    lesson_errors_release(&errs);
    return 0;
}
