/* docker: `docker run` equivalents of lesson sandboxes (see docker.h). */
#include "docker.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Append " FLAGNAME" for each capability in set, in numeric order. */
static void flags_for(FILE *f, const char *flag, capmask set)
{
    for (unsigned cap = 0; cap <= caps_last(); cap++)
        if (set & CAPS_BIT(cap))
            fprintf(f, " %s%s", flag, caps_name(cap));
}

/* The shortest exact spelling of `want` from Docker's defaults, in one of two dialects:
 * command-line flags, or a prompt tag. */
static void capability_words(FILE *f, capmask want, bool tag)
{
    capmask all = caps_all();
    capmask deflt = caps_docker_defaults();
    want &= all;
    const char *drop = tag ? "-" : "--cap-drop ";
    const char *add = tag ? "+" : "--cap-add ";
    if (want == all) {
        fputs(tag ? " all" : " --cap-add ALL", f);
        return;
    }
    /* Three exact spellings; print the one with the fewest words (ties: the first). */
    unsigned from_default = caps_count(deflt & ~want) + caps_count(want & ~deflt);
    unsigned from_none = 1 + caps_count(want);
    unsigned from_all = 1 + caps_count(all & ~want);
    if (from_default <= from_none && from_default <= from_all) {
        if (tag && from_default == 0)
            fputs(" docker", f);
        flags_for(f, drop, deflt & ~want);
        flags_for(f, add, want & ~deflt);
    } else if (from_none <= from_all) {
        fputs(tag ? " none" : " --cap-drop ALL", f);
        flags_for(f, add, want);
    } else {
        fputs(tag ? " all" : " --cap-add ALL", f);
        flags_for(f, drop, all & ~want);
    }
}

char *docker_caps_tag(capmask set)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    capability_words(f, set, true);
    if (fclose(f) != 0) {
        free(out);
        return NULL;
    }
    if (out && out[0] == ' ')
        memmove(out, out + 1, strlen(out));
    return out;
}

char *docker_run_command(const struct lesson_sandbox *sb, const char *image_cmd)
{
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    if (!f)
        return NULL;
    fputs("docker run --rm -it", f);
    capability_words(f, caps_resolve(&sb->caps), false);
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
