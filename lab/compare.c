/* compare: one command with and without a capability (see compare.h). */
#include "compare.h"

#include <stdio.h>
#include <string.h>

int compare_run(const struct sandbox_config *cfg, unsigned cap, struct compare_result *out,
                struct err *e)
{
    memset(out, 0, sizeof *out);
    if (cap > caps_last())
        return err_set(e, ERR_INVALID, "no capability number %u on this kernel", cap);
    if (!cfg->argv && !cfg->fn)
        return err_set(e, ERR_USAGE, "a comparison needs a command to run");
    out->cap = cap;
    out->with_caps = cfg->caps | CAPS_BIT(cap);
    out->without_caps = cfg->caps & ~CAPS_BIT(cap);

    struct sandbox_config run = *cfg;
    run.io = SANDBOX_IO_CAPTURE;
    run.quiet = true;
    run.caps = out->with_caps;
    run.ambient = cfg->ambient ? cfg->ambient | CAPS_BIT(cap) : 0;
    if (sandbox_run(&run, &out->with, e) < 0)
        return -1;
    run.caps = out->without_caps;
    run.ambient = cfg->ambient & ~CAPS_BIT(cap);
    if (sandbox_run(&run, &out->without, e) < 0) {
        sandbox_result_release(&out->with);
        return -1;
    }
    return 0;
}

void compare_result_release(struct compare_result *r)
{
    if (!r)
        return;
    sandbox_result_release(&r->with);
    sandbox_result_release(&r->without);
}

static bool same_text(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

bool compare_differs(const struct compare_result *r)
{
    return r->with.exit_code != r->without.exit_code || !same_text(r->with.out, r->without.out) ||
           !same_text(r->with.errout, r->without.errout);
}

void compare_first_lines(const char *text, unsigned max_lines, size_t width, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = '\0';
    if (!text || n == 0)
        return;
    for (unsigned line = 0; line < max_lines && *text; line++) {
        size_t len = strcspn(text, "\n");
        size_t take = len > width ? (width > 3 ? width - 3 : 0) : len;
        const char *more = len > width ? "..." : "";
        int w = snprintf(buf + used, n - used, "%s%.*s%s", line ? "\n" : "", (int)take, text, more);
        if (w < 0 || (size_t)w >= n - used) {
            buf[used] = '\0'; /* only whole lines */
            break;
        }
        used += (size_t)w;
        text += len;
        if (*text == '\n')
            text++;
    }
}
