/*
 * docker: a lesson's sandbox written as the `docker run` command that would give a
 * container the same capabilities, user and flags, so learners can carry what they
 * learn to Docker.
 *
 * The capability flags are the shortest exact equivalent of the resolved set, measured
 * from Docker's defaults: "--cap-drop NET_RAW", or "--cap-drop ALL --cap-add CHOWN", or
 * "--cap-add ALL --cap-drop SYS_ADMIN". Docker sets ip_unprivileged_port_start=0 and an
 * open ping_group_range in a container's network namespace by default, so a sandbox
 * *without* docker_sysctls gets the --sysctl flags that undo them.
 *
 * Ownership: the result is malloc'd and freed by the caller; NULL when out of memory.
 */
#ifndef CAPLAB_DOCKER_H
#define CAPLAB_DOCKER_H

#include "lesson.h"

/* "docker run --rm -it FLAGS IMAGE CMD"; image_cmd NULL means "debian:12 sh". */
char *docker_run_command(const struct lesson_sandbox *sb, const char *image_cmd);

/* A short tag for a shell prompt, from the same shortest spelling: "docker" (the defaults),
 * "-NET_RAW", "-CHOWN +NET_ADMIN", "none +NET_BIND_SERVICE", "all -SYS_ADMIN", "all",
 * "none". Malloc'd; NULL when out of memory. */
char *docker_caps_tag(capmask set);

#endif
