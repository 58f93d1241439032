/*
 * nssupport: can this machine build sandboxes, and if not, why. Backs sandbox_support()
 * (sandbox.h) and the message for a clone() the kernel refused.
 */
#ifndef CAPLAB_NSSUPPORT_H
#define CAPLAB_NSSUPPORT_H

#include <stdbool.h>

#include "sandbox.h"

/* Fill s->reason with the cause of a refusal (errno `saved`) and the fix: which sysctl
 * or policy forbids namespaces, and that quizzes and reading still work. */
void nssupport_explain_refusal(struct sandbox_support *s, int saved, bool rootless);

#endif
