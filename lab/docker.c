/* docker: `docker run` equivalents of lesson sandboxes (see docker.h). */
#include "docker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *docker_run_command(const struct lesson_sandbox *sb, const char *image_cmd)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    char *flags = caps_docker_flags(caps_resolve(&sb->caps));
    if (!flags) {
        fclose(f);
        free(out);
        return NULL;
    }
    fprintf(f, "docker run --rm -it%s%s", *flags ? " " : "", flags);
    free(flags);
    if (sb->user && strcmp(sb->user, "root") != 0 && strcmp(sb->user, "0") != 0)
        fprintf(f, " --user %s", sb->user);
    if (sb->no_new_privs)
        fputs(" --security-opt no-new-privileges", f);
    if (!sb->docker_sysctls)
        fputs(" --sysctl net.ipv4.ip_unprivileged_port_start=1024"
              " --sysctl 'net.ipv4.ping_group_range=1 0'",
              f);
    fprintf(f, " %s", image_cmd ? image_cmd : "debian:12 sh");
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    return out;
}
