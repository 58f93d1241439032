/*
 * compare: run one command twice, with and without one capability, everything else equal.
 *
 * The sandbox configuration is the caller's (mode, user, sysctls, baseline set ...); the
 * first run holds cfg->caps plus `cap`, the second cfg->caps minus `cap`. Both outputs are
 * captured. Lessons, the tutor and `caplab run --compare` use this.
 *
 * The result owns both sandbox results; release it with compare_result_release().
 */
#ifndef CAPLAB_COMPARE_H
#define CAPLAB_COMPARE_H

#include <stdbool.h>
#include <stddef.h>

#include "caps.h"
#include "err.h"
#include "sandbox.h"

struct compare_result {
    unsigned cap;
    capmask with_caps, without_caps;
    struct sandbox_result with, without;
};

/* cfg must name a command (argv) or a function; its io is forced to capture. -1 with e
 * when a sandbox could not be started (nothing to release then). */
int compare_run(const struct sandbox_config *cfg, unsigned cap, struct compare_result *out,
                struct err *e);

void compare_result_release(struct compare_result *r);

/* Did the capability change anything visible: exit status, stdout or stderr? */
bool compare_differs(const struct compare_result *r);

/* The first `max_lines` lines of `text` (NULL or "" gives ""), each cut to `width` bytes
 * with "..." when longer, joined by '\n', into buf (always terminated). */
void compare_first_lines(const char *text, unsigned max_lines, size_t width, char *buf, size_t n);

#endif
