#include "paths.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *join(const char *a, const char *b)
{
    char *out = NULL;
    if (asprintf(&out, "%s/%s", a, b) < 0)
        return NULL;
    return out;
}

static int has_lessons(const char *dir)
{
    char *course = join(dir, "lessons");
    struct stat st;
    int ok = course && stat(course, &st) == 0 && S_ISDIR(st.st_mode);
    free(course);
    return ok;
}

char *paths_self_exe(void)
{
    char buf[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
    if (n <= 0)
        return NULL;
    buf[n] = '\0';
    return strdup(buf);
}

char *paths_data_dir(void)
{
    const char *env = getenv("CAPLAB_DATA");
    if (env && *env)
        return strdup(env);

    char *exe = paths_self_exe();
    if (!exe)
        return NULL;
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';

    /* Installed: PREFIX/bin/caplab with data in PREFIX/share/caplab. */
    char *installed = join(exe, "../share/caplab");
    if (installed && has_lessons(installed)) {
        free(exe);
        return installed;
    }
    free(installed);

    /* A source checkout: ./caplab or build/san/caplab beside lessons/. */
    const char *up[] = {".", "../..", NULL};
    for (int i = 0; up[i]; i++) {
        char *dir = join(exe, up[i]);
        if (dir && has_lessons(dir)) {
            char *real = realpath(dir, NULL);
            free(dir);
            free(exe);
            return real;
        }
        free(dir);
    }
    free(exe);
    return strdup(CAPLAB_PREFIX "/share/caplab");
}

char *paths_data_file(const char *rel)
{
    char *dir = paths_data_dir();
    if (!dir)
        return NULL;
    char *out = join(dir, rel);
    free(dir);
    return out;
}

char *paths_state_dir(void)
{
    const char *xdg = getenv("XDG_STATE_HOME");
    if (xdg && *xdg == '/')
        return join(xdg, "caplab");
    const char *home = getenv("HOME");
    if (!home || !*home) {
        struct passwd *pw = getpwuid(getuid());
        home = pw ? pw->pw_dir : "/tmp";
    }
    char *out = NULL;
    if (asprintf(&out, "%s/.local/state/caplab", home) < 0)
        return NULL;
    return out;
}
