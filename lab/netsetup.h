/*
 * netsetup: configure the sandbox's private network namespace.
 * Loopback only, brought up (127.0.0.1 and ::1 appear with it), nothing else: offline and
 * deterministic. Optionally Docker's two per-namespace sysctls, which change lesson
 * outcomes (ping works without NET_RAW, port 80 binds without NET_BIND_SERVICE).
 * Must run inside the new network namespace; writes only that namespace's /proc/sys/net.
 */
#ifndef CAPLAB_NETSETUP_H
#define CAPLAB_NETSETUP_H

#include <stdbool.h>
#include <sys/types.h>

#include "err.h"

int netsetup_loopback_up(struct err *e);

/* ping_group_range "0 max_gid" and ip_unprivileged_port_start 0, as Docker sets them.
 * In a user namespace only mapped gids are accepted, so pass the highest mapped gid. */
int netsetup_docker_sysctls(gid_t max_gid, struct err *e);

#endif
