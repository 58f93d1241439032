/*
 * idmap: the uid/gid mappings of a rootless sandbox's user namespace.
 *
 * With a subordinate range for the caller in /etc/subuid and /etc/subgid (and the setuid
 * helpers newuidmap/newgidmap from the uidmap package), sandbox uid 0 is the caller and
 * uids 1..N come from the range, so chown, kill and setuid demonstrations have other
 * users to act on. Without one, only uid 0 = the caller is mapped.
 */
#ifndef CAPLAB_IDMAP_H
#define CAPLAB_IDMAP_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

struct idmap_range {
    unsigned long start; /* first host id of the range */
    unsigned long count; /* 0: no range */
};

struct idmap_plan {
    uid_t outer_uid; /* the caller's ids, mapped to 0 inside */
    gid_t outer_gid;
    struct idmap_range uids, gids;
    bool ranged; /* both ranges present and the helpers installed */
};

/* Look up the caller's subordinate ranges (by login name or uid). Never fails: a plan
 * without ranges is a single mapping. */
void idmap_plan_for_caller(struct idmap_plan *plan);

/* Highest id mapped inside the namespace (0 for a single mapping). */
unsigned long idmap_max_inside(const struct idmap_plan *plan);

/* From the parent, for child `pid`: run newuidmap and newgidmap. */
int idmap_apply_ranged(const struct idmap_plan *plan, pid_t pid, struct err *e);

/* From inside the new namespace: map 0 to the caller (uid_map, setgroups deny, gid_map). */
int idmap_apply_single(const struct idmap_plan *plan, struct err *e);

#endif
