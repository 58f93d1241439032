/*
 * caps: capability names, numbers and sets, with Docker's semantics.
 *
 * A set is a plain 64-bit mask, bit N = capability N (the layout of the
 * CapEff/CapPrm/... lines in /proc/PID/status). Names are canonical without
 * the prefix, upper case: "NET_RAW". No function here changes the process.
 *
 * Parsing follows Docker: case-insensitive, optional "CAP_" prefix, "ALL" is
 * special. Resolution follows Docker's TweakCapabilities:
 *     add ALL   -> every capability except the drops
 *     drop ALL  -> only the adds
 *     otherwise -> baseline - drops + adds (an add beats a drop of the same cap)
 * independent of the order the flags were given in.
 *
 * Strings returned as `const char *` are static; `char *` results are
 * malloc'd and owned by the caller.
 */
#ifndef CAPLAB_CAPS_H
#define CAPLAB_CAPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef uint64_t capmask;

#define CAPS_BIT(cap) ((capmask)1 << (cap))

enum caps_baseline {
    CAPS_BASELINE_DOCKER = 0, /* the 14 capabilities Docker grants by default */
    CAPS_BASELINE_ALL,
    CAPS_BASELINE_NONE,
};

/* A request the way a user writes it: a baseline plus --cap-drop / --cap-add. */
struct caps_request {
    enum caps_baseline baseline;
    capmask drop, add;
    bool drop_all, add_all;
};

/* Highest capability number the running kernel knows (cap_last_cap), e.g. 40. */
unsigned caps_last(void);

/* Every capability the kernel knows. */
capmask caps_all(void);

/* Docker's 14 defaults (CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID,
 * SETUID, SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE). */
capmask caps_docker_defaults(void);

/* Canonical name ("NET_RAW") of capability `cap`, or NULL if the kernel does not know it.
 * Capabilities newer than libcap's table are named "CAP_<number>" style by number: "41". */
const char *caps_name(unsigned cap);

/* Parse one name ("net_raw", "CAP_NET_RAW", " Net_Raw ") into *cap. "ALL" is not a
 * capability here (see caps_request_add). On an unknown name, fails with ERR_INVALID
 * and a message naming the nearest real capability when there is a close one. */
int caps_parse(const char *text, unsigned *cap, struct err *e);

/* Nearest capability name to `text` (edit distance after normalising), or NULL when
 * nothing is close enough to be a plausible typo. */
const char *caps_suggest(const char *text);

/* Is `text` Docker's "ALL" (any case, optional CAP_ prefix)? */
bool caps_is_all(const char *text);

/* Record one --cap-drop (is_drop) or --cap-add name, accepting ALL. */
int caps_request_add(struct caps_request *req, const char *name, bool is_drop, struct err *e);

/* The set a request grants, per Docker's rules (see top of file). */
capmask caps_resolve(const struct caps_request *req);

/* "baseline" keyword <-> enum. caps_baseline_parse fails with ERR_USAGE. */
int caps_baseline_parse(const char *text, enum caps_baseline *out, struct err *e);
const char *caps_baseline_name(enum caps_baseline b);

/* Number of capabilities in a set. */
unsigned caps_count(capmask set);

/* Names joined by `sep` ("CHOWN,KILL"), in numeric order; "" for the empty set.
 * With `prefix`, each name gets "CAP_". Caller frees. NULL only when out of memory. */
char *caps_to_names(capmask set, const char *sep, bool prefix);

/* The 16-hex-digit form /proc/PID/status uses: "000001ffffffffff". buf >= 17 bytes. */
void caps_to_hex(capmask set, char buf[static 17]);

/* Parse a hex mask as in /proc/PID/status (with or without 0x). */
int caps_from_hex(const char *hex, capmask *out, struct err *e);

/* Normalise a free-form capability answer for comparison: trim spaces and punctuation,
 * upper-case, spaces and hyphens to underscores, drop a "CAP_" prefix. Writes at most
 * n bytes (always terminated). Returns out. */
char *caps_normalise(const char *text, char *out, size_t n);

/* The shortest exact `docker run` capability flags giving `set`, from Docker's defaults:
 * "--cap-drop NET_RAW", "--cap-drop ALL --cap-add NET_BIND_SERVICE" or
 * "--cap-add ALL --cap-drop SYS_ADMIN" ("" for the defaults). Caller frees. */
char *caps_docker_flags(capmask set);

/* The same as a compose service snippet ("cap_drop:\n  - ALL\ncap_add:\n  - ...\n"). */
char *caps_compose_snippet(capmask set);

/* libcap's IAB text for a process holding `set` ("!cap_net_raw,!cap_sys_admin,...":
 * every '!' is a capability dropped from the bounding set). Caller frees. */
char *caps_iab_text(capmask set);

/* The same shortest spelling as a few words, for prompts and status lines: "docker"
 * (the defaults), "-NET_RAW", "-CHOWN +NET_ADMIN", "none +NET_BIND_SERVICE", "none",
 * "all -SYS_ADMIN", "all"; "N caps" when that would be long. */
void caps_prompt_tag(capmask set, char *buf, size_t n);
#endif
