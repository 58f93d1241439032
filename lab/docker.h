/*
 * docker: a lesson's sandbox written as the `docker run` command that would give a
 * container the same capabilities, user and flags, so learners can carry what they
 * learn to Docker.
 *
 * The capability flags are caps_docker_flags() of the resolved set (the shortest exact
 * spelling, see caps.h). Docker sets ip_unprivileged_port_start=0 and an
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

#endif
