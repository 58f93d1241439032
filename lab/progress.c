#include "progress.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "paths.h"

#define FILE_NAME          "progress.json"
#define FORMAT_NAME        "caplab-progress"
#define EXPORT_NAME        "caplab-progress-export"
#define STALE_TEMP_SECONDS 600

struct progress {
    char *dir;  /* NULL for an imported record */
    char *path; /* DIR/progress.json */
    json_t *root;
    struct stat seen; /* the file as last read or written, to notice other writers */
    bool seen_valid;
};

/* ---- time ---- */

void progress_format_time(time_t t, char buf[static 21])
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, 21, "1970-01-01T00:00:00Z");
}

time_t progress_parse_time(const char *text)
{
    if (!text)
        return 0;
    struct tm tm = {0};
    const char *end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return 0;
    return timegm(&tm);
}

static json_t *time_value(time_t t)
{
    char buf[21];
    progress_format_time(t, buf);
    return json_string(buf);
}

/* A file-name-safe stamp: 20261203T160222Z. */
static void file_stamp(char buf[static 17])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(buf, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* ---- files ---- */

static int mkdir_p(const char *dir, struct err *e)
{
    char *copy = strdup(dir);
    if (!copy)
        return err_sys(e, "creating %s", dir);
    for (char *p = copy + 1;; p++) {
        if (*p != '/' && *p != '\0')
            continue;
        char saved = *p;
        *p = '\0';
        if (mkdir(copy, 0700) < 0 && errno != EEXIST) {
            int rc = err_sys(e, "cannot create %s", copy);
            free(copy);
            return rc;
        }
        *p = saved;
        if (!saved)
            break;
    }
    free(copy);
    return 0;
}

static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len) {
        ssize_t n = write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        data += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Replace `path` with `data`: temporary file in the same directory, fsync, rename, fsync the
 * directory. Either the old or the new contents survive a crash at any point. */
static int write_atomic(const char *path, const char *data, size_t len, struct err *e)
{
    char *dir = dir_of(path);
    char *tmp = NULL;
    const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
    int fd = -1, rc = -1;
    if (!dir || asprintf(&tmp, "%s/.%s.XXXXXX", dir, base) < 0) {
        tmp = NULL;
        err_sys(e, "writing %s", path);
        goto out;
    }
    fd = mkstemp(tmp);
    if (fd < 0) {
        err_sys(e, "cannot create a temporary file in %s", dir);
        goto out;
    }
    if (fchmod(fd, 0600) < 0 || write_all(fd, data, len) < 0 || fsync(fd) < 0) {
        err_sys(e, "cannot write %s", tmp);
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        err_sys(e, "cannot write %s", tmp);
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        err_sys(e, "cannot replace %s", path);
        goto out;
    }
    free(tmp);
    tmp = NULL;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd); /* best effort: some filesystems refuse fsync on a directory */
        close(dfd);
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(dir);
    return rc;
}

/* Move `path` to PATH.SUFFIX-STAMP (with -2, -3 ... if taken), never replacing a file.
 * *moved_to receives the new name. */
static int move_aside(const char *path, const char *suffix, char **moved_to, struct err *e)
{
    char stamp[17];
    file_stamp(stamp);
    for (int n = 1; n < 1000; n++) {
        char *target = NULL;
        int len = n == 1 ? asprintf(&target, "%s.%s-%s", path, suffix, stamp)
                         : asprintf(&target, "%s.%s-%s-%d", path, suffix, stamp, n);
        if (len < 0)
            return err_sys(e, "moving %s aside", path);
        if (renameat2(AT_FDCWD, path, AT_FDCWD, target, RENAME_NOREPLACE) == 0) {
            *moved_to = target;
            return 0;
        }
        int saved = errno;
        if ((saved == EINVAL || saved == ENOSYS) && access(target, F_OK) < 0) {
            /* The filesystem cannot do RENAME_NOREPLACE; the name is free, so rename. */
            if (rename(path, target) == 0) {
                *moved_to = target;
                return 0;
            }
            saved = errno;
        }
        free(target);
        if (saved != EEXIST && saved != EINVAL && saved != ENOSYS) {
            errno = saved;
            return err_sys(e, "cannot move %s aside", path);
        }
    }
    return err_set(e, ERR_SYSTEM, "cannot move %s aside: too many old copies", path);
}

/* Copy path's bytes to PATH.SUFFIX-STAMP (for backups before a migration or a reset). */
static int copy_aside(const char *path, const char *data, size_t len, const char *suffix,
                      char **copy_path, struct err *e)
{
    char stamp[17];
    file_stamp(stamp);
    char *target = NULL;
    for (int n = 1; n < 1000; n++) {
        int l = n == 1 ? asprintf(&target, "%s.%s-%s", path, suffix, stamp)
                       : asprintf(&target, "%s.%s-%s-%d", path, suffix, stamp, n);
        if (l < 0)
            return err_sys(e, "keeping a copy of %s", path);
        if (access(target, F_OK) < 0)
            break;
        free(target);
        target = NULL;
    }
    if (!target)
        return err_set(e, ERR_SYSTEM, "cannot keep a copy of %s: too many old copies", path);
    if (write_atomic(target, data, len, e) < 0) {
        free(target);
        return -1;
    }
    if (copy_path)
        *copy_path = target;
    else
        free(target);
    return 0;
}

/* Temporary files left by a writer that was killed; old enough that no writer is alive. */
static void remove_stale_temps(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    time_t now = time(NULL);
    struct dirent *ent;
    while ((ent = readdir(d))) {
        if (strncmp(ent->d_name, "." FILE_NAME ".", sizeof FILE_NAME + 1) != 0)
            continue;
        struct stat st;
        if (fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
            now - st.st_mtime > STALE_TEMP_SECONDS)
            unlinkat(dirfd(d), ent->d_name, 0);
    }
    closedir(d);
}

/* Read a whole file. Returns 0, or -1 with errno. */
static int read_file(const char *path, char **data, size_t *len, time_t *mtime)
{
    /* Non-blocking: `caplab report` on a FIFO (say, in a class's shared drop directory)
     * would otherwise wait forever in open(); the type check below refuses it. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) < 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return -1;
    }
    size_t cap = (size_t)st.st_size + 1, used = 0;
    char *buf = malloc(cap);
    if (!buf) {
        close(fd);
        errno = ENOMEM;
        return -1;
    }
    for (;;) {
        if (used + 1 >= cap) {
            char *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                close(fd);
                errno = ENOMEM;
                return -1;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t n = read(fd, buf + used, cap - used - 1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int saved = errno;
            free(buf);
            close(fd);
            errno = saved;
            return -1;
        }
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = '\0';
    *data = buf;
    *len = used;
    if (mtime)
        *mtime = st.st_mtime;
    return 0;
}

/* ---- the document ---- */

static json_t *new_document(void)
{
    time_t now = time(NULL);
    return json_pack("{s:s, s:i, s:o, s:o, s:{}}", "format", FORMAT_NAME, "version",
                     PROGRESS_FORMAT_VERSION, "created", time_value(now), "updated",
                     time_value(now), "lessons");
}

static bool is_time_or_absent(json_t *v)
{
    return !v || (json_is_string(v) && progress_parse_time(json_string_value(v)) != 0);
}

static bool is_count_or_absent(json_t *v)
{
    return !v || (json_is_integer(v) && json_integer_value(v) >= 0);
}

static bool is_bool_or_absent(json_t *v)
{
    return !v || json_is_boolean(v);
}

/* Check the shape of a version 1 document so readers can trust the types. On a problem,
 * *where says which part is wrong. */
static bool valid_v1(json_t *root, char *where, size_t n)
{
#define BAD(...)                                                                                   \
    do {                                                                                           \
        snprintf(where, n, __VA_ARGS__);                                                           \
        return false;                                                                              \
    } while (0)
    if (!json_is_object(root))
        BAD("not a JSON object");
    if (!json_is_string(json_object_get(root, "format")) ||
        strcmp(json_string_value(json_object_get(root, "format")), FORMAT_NAME) != 0)
        BAD("\"format\" is not \"%s\"", FORMAT_NAME);
    json_t *version = json_object_get(root, "version");
    if (!json_is_integer(version) || json_integer_value(version) != PROGRESS_FORMAT_VERSION)
        BAD("\"version\" is not %d", PROGRESS_FORMAT_VERSION);
    json_t *lessons = json_object_get(root, "lessons");
    if (!json_is_object(lessons))
        BAD("\"lessons\" is not an object");
    const char *lid;
    json_t *l;
    json_object_foreach(lessons, lid, l)
    {
        if (!json_is_object(l))
            BAD("lesson %s is not an object", lid);
        if (!is_time_or_absent(json_object_get(l, "started")) ||
            !is_time_or_absent(json_object_get(l, "updated")) ||
            !is_time_or_absent(json_object_get(l, "completed")) ||
            !is_count_or_absent(json_object_get(l, "steps_total")) ||
            !is_count_or_absent(json_object_get(l, "seconds")))
            BAD("lesson %s has a bad time or count", lid);
        json_t *steps = json_object_get(l, "steps");
        json_t *checks = json_object_get(l, "checks");
        json_t *quizzes = json_object_get(l, "quizzes");
        if ((steps && !json_is_object(steps)) || (checks && !json_is_object(checks)) ||
            (quizzes && !json_is_object(quizzes)))
            BAD("lesson %s: steps, checks and quizzes must be objects", lid);
        const char *id;
        json_t *v;
        json_object_foreach(steps, id, v) if (!is_time_or_absent(v) || !v)
            BAD("lesson %s step %s: not a time", lid, id);
        json_object_foreach(checks, id, v)
        {
            if (!json_is_object(v) || !is_bool_or_absent(json_object_get(v, "passed")) ||
                !is_count_or_absent(json_object_get(v, "runs")) ||
                !is_count_or_absent(json_object_get(v, "passes")) ||
                !is_time_or_absent(json_object_get(v, "last")))
                BAD("lesson %s check %s is malformed", lid, id);
        }
        json_object_foreach(quizzes, id, v)
        {
            json_t *answers = json_object_get(v, "answers");
            json_t *score = json_object_get(v, "score");
            if (!json_is_object(v) || !is_count_or_absent(json_object_get(v, "attempts")) ||
                !is_count_or_absent(json_object_get(v, "hints")) ||
                !is_bool_or_absent(json_object_get(v, "solved")) ||
                !is_bool_or_absent(json_object_get(v, "gave_up")) ||
                (score && !json_is_number(score)) || (answers && !json_is_array(answers)))
                BAD("lesson %s quiz %s is malformed", lid, id);
            size_t i;
            json_t *a;
            json_array_foreach(answers, i, a)
            {
                if (!json_is_object(a) || !json_is_string(json_object_get(a, "answer")) ||
                    !json_is_string(json_object_get(a, "verdict")) ||
                    !is_time_or_absent(json_object_get(a, "at")))
                    BAD("lesson %s quiz %s answer %zu is malformed", lid, id, i);
            }
        }
    }
    return true;
#undef BAD
}

/* Split "LESSON/ITEM" (format 0 keys). */
static bool split_key(const char *key, char *lesson, size_t ln, const char **item)
{
    const char *slash = strchr(key, '/');
    if (!slash || slash == key || !slash[1] || (size_t)(slash - key) >= ln)
        return false;
    memcpy(lesson, key, (size_t)(slash - key));
    lesson[slash - key] = '\0';
    *item = slash + 1;
    return true;
}

static bool looks_like_v0(json_t *root)
{
    if (!json_is_object(root) || json_object_get(root, "version") ||
        json_object_get(root, "format"))
        return false;
    json_t *done = json_object_get(root, "done");
    json_t *quizzes = json_object_get(root, "quizzes");
    return (done || quizzes) && (!done || json_is_array(done)) &&
           (!quizzes || json_is_object(quizzes));
}

static json_t *lesson_node(json_t *root, const char *lesson, time_t now);

/* Format 0 -> 1 (see progress.h for the old shape). NULL when it is not valid format 0. */
static json_t *migrate_v0(json_t *old, time_t when, char *where, size_t n)
{
    json_t *doc = new_document();
    if (!doc)
        return NULL;
    json_object_set_new(doc, "created", time_value(when));
    json_object_set_new(doc, "migrated_from", json_integer(0));
    char lesson[256];
    const char *item;
    size_t i;
    json_t *v;
    json_array_foreach(json_object_get(old, "done"), i, v)
    {
        if (!json_is_string(v) || !split_key(json_string_value(v), lesson, sizeof lesson, &item)) {
            snprintf(where, n, "format 0: done[%zu] is not \"LESSON/STEP\"", i);
            goto bad;
        }
        json_t *l = lesson_node(doc, lesson, when);
        json_object_set_new(json_object_get(l, "steps"), item, time_value(when));
    }
    const char *key;
    json_object_foreach(json_object_get(old, "quizzes"), key, v)
    {
        json_t *tries = json_object_get(v, "tries");
        json_t *correct = json_object_get(v, "correct");
        json_t *answers = json_object_get(v, "answers");
        if (!split_key(key, lesson, sizeof lesson, &item) || !json_is_object(v) ||
            !is_count_or_absent(tries) || !is_bool_or_absent(correct) ||
            (answers && !json_is_array(answers))) {
            snprintf(where, n, "format 0: quiz \"%s\" is malformed", key);
            goto bad;
        }
        bool solved = json_is_true(correct);
        json_t *list = json_array();
        size_t na = json_array_size(answers);
        for (size_t k = 0; k < na; k++) {
            json_t *a = json_array_get(answers, k);
            if (!json_is_string(a)) {
                json_decref(list);
                snprintf(where, n, "format 0: quiz \"%s\" answer %zu is not a string", key, k);
                goto bad;
            }
            bool last_correct = solved && k + 1 == na;
            json_array_append_new(list,
                                  json_pack("{s:s, s:s, s:f, s:o}", "answer", json_string_value(a),
                                            "verdict", last_correct ? "correct" : "wrong", "score",
                                            last_correct ? 1.0 : 0.0, "at", time_value(when)));
        }
        json_t *l = lesson_node(doc, lesson, when);
        json_object_set_new(
            json_object_get(l, "quizzes"), item,
            json_pack("{s:I, s:i, s:b, s:b, s:f, s:o, s:o, s:o}", "attempts",
                      (json_int_t)(tries ? json_integer_value(tries) : (json_int_t)na), "hints", 0,
                      "solved", solved, "gave_up", 0, "score", solved ? 1.0 : 0.0, "first",
                      time_value(when), "last", time_value(when), "answers", list));
    }
    return doc;
bad:
    json_decref(doc);
    return NULL;
}

/* ---- open / import / save ---- */

static struct progress *progress_new(const char *dir, json_t *root)
{
    struct progress *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    p->root = root;
    if (dir) {
        p->dir = strdup(dir);
        if (!p->dir || asprintf(&p->path, "%s/%s", dir, FILE_NAME) < 0) {
            free(p->dir);
            free(p);
            return NULL;
        }
    }
    return p;
}

void progress_free(struct progress *p)
{
    if (!p)
        return;
    json_decref(p->root);
    free(p->dir);
    free(p->path);
    free(p);
}

const char *progress_path(const struct progress *p)
{
    return p->path;
}

static int save_document(const char *path, json_t *root, struct err *e)
{
    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    if (!text)
        return err_set(e, ERR_SYSTEM, "cannot encode the progress for %s", path);
    size_t len = strlen(text);
    text[len] = '\0';
    /* A final newline, for people who look at the file. */
    char *withnl = realloc(text, len + 2);
    if (!withnl) {
        free(text);
        return err_sys(e, "writing %s", path);
    }
    withnl[len] = '\n';
    withnl[len + 1] = '\0';
    int rc = write_atomic(path, withnl, len + 1, e);
    free(withnl);
    return rc;
}

static void remember_file(struct progress *p)
{
    p->seen_valid = p->path && stat(p->path, &p->seen) == 0;
}

static bool same_file(const struct stat *a, const struct stat *b)
{
    return a->st_dev == b->st_dev && a->st_ino == b->st_ino && a->st_size == b->st_size &&
           a->st_mtim.tv_sec == b->st_mtim.tv_sec && a->st_mtim.tv_nsec == b->st_mtim.tv_nsec;
}

static int check_writable(const struct progress *p, struct err *e)
{
    if (!p->path)
        return err_set(e, ERR_UNSUPPORTED, "an imported progress record is read-only");
    return 0;
}

/*
 * Writers are serialised (the tutor and `caplab answer` in another terminal may share a
 * file): every change takes an flock on DIR/progress.lock, reloads the file if another
 * process saved it since (a save is a rename, so the inode changes), applies the change and
 * saves, so no one's update is lost. Returns the lock's descriptor.
 */
static int lock_state(struct progress *p, struct err *e)
{
    if (check_writable(p, e) < 0 || mkdir_p(p->dir, e) < 0)
        return -1;
    char *lock = NULL;
    if (asprintf(&lock, "%s/progress.lock", p->dir) < 0)
        return err_sys(e, "locking the progress");
    int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        err_sys(e, "cannot open %s", lock);
        free(lock);
        return -1;
    }
    while (flock(fd, LOCK_EX) < 0) {
        if (errno != EINTR) {
            err_sys(e, "cannot lock %s", lock);
            close(fd);
            free(lock);
            return -1;
        }
    }
    free(lock);
    return fd;
}

static bool valid_v1(json_t *root, char *where, size_t n);

/* Another process saved since we last looked: its version becomes the base of our change.
 * If what it left cannot be used, it is moved aside (bytes kept) and ours stands. */
static void refresh(struct progress *p)
{
    struct stat st;
    if (stat(p->path, &st) < 0 || (p->seen_valid && same_file(&st, &p->seen)))
        return;
    char *data = NULL;
    size_t len;
    if (read_file(p->path, &data, &len, NULL) < 0)
        return;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, NULL);
    free(data);
    char where[256];
    if (root && valid_v1(root, where, sizeof where)) {
        json_decref(p->root);
        p->root = root;
        return;
    }
    json_decref(root);
    char *moved = NULL;
    if (move_aside(p->path, "corrupt", &moved, NULL) == 0)
        free(moved);
}

static int save_locked(struct progress *p, struct err *e)
{
    json_object_set_new(p->root, "updated", time_value(time(NULL)));
    int rc = save_document(p->path, p->root, e);
    remember_file(p);
    return rc;
}

static int begin_change(struct progress *p, struct err *e)
{
    int fd = lock_state(p, e);
    if (fd >= 0)
        refresh(p);
    return fd;
}

static int end_change(struct progress *p, int lock, struct err *e)
{
    int rc = save_locked(p, e);
    close(lock); /* releases the flock */
    return rc;
}

int progress_save(struct progress *p, struct err *e)
{
    int lock = lock_state(p, e);
    if (lock < 0)
        return -1;
    return end_change(p, lock, e);
}

static char *notice_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static char *notice_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *out = NULL;
    if (vasprintf(&out, fmt, ap) < 0)
        out = NULL;
    va_end(ap);
    return out;
}

/* The existing file cannot be used: keep it under another name and start afresh. */
static struct progress *start_over(const char *dir, const char *path, const char *why,
                                   char **notice, struct err *e)
{
    char *moved = NULL;
    struct err inner = {0};
    if (move_aside(path, "corrupt", &moved, &inner) < 0) {
        err_set(e, inner.code, "%s is unusable (%s) and could not be moved aside: %s", path, why,
                inner.msg);
        return NULL;
    }
    if (notice)
        *notice = notice_printf("progress file %s was unusable (%s); it was kept as %s and a new "
                                "progress was started",
                                path, why, moved);
    free(moved);
    json_t *root = new_document();
    struct progress *p = root ? progress_new(dir, root) : NULL;
    if (!p) {
        json_decref(root);
        err_sys(e, "starting a new progress");
    }
    return p;
}

struct progress *progress_open(const char *dir, char **notice, struct err *e)
{
    if (notice)
        *notice = NULL;
    char *owned_dir = NULL;
    if (!dir) {
        owned_dir = paths_state_dir();
        if (!owned_dir) {
            err_set(e, ERR_NOT_FOUND, "cannot tell where to keep progress (no HOME)");
            return NULL;
        }
        dir = owned_dir;
    }
    struct progress *p = NULL;
    char *path = NULL, *data = NULL;
    json_t *root = NULL;
    if (asprintf(&path, "%s/%s", dir, FILE_NAME) < 0) {
        path = NULL;
        err_sys(e, "opening progress");
        goto out;
    }
    remove_stale_temps(dir);

    size_t len = 0;
    time_t mtime = 0;
    if (read_file(path, &data, &len, &mtime) < 0) {
        if (errno == ENOENT) {
            root = new_document();
            p = root ? progress_new(dir, root) : NULL;
            if (!p)
                err_sys(e, "starting a new progress");
            else
                root = NULL;
            goto out;
        }
        char why[128];
        snprintf(why, sizeof why, "cannot read it: %s", strerror(errno));
        p = start_over(dir, path, why, notice, e);
        goto out;
    }

    json_error_t jerr;
    root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        char why[256];
        snprintf(why, sizeof why, "line %d, column %d: %s", jerr.line, jerr.column, jerr.text);
        p = start_over(dir, path, why, notice, e);
        goto out;
    }

    char where[256] = "";
    if (looks_like_v0(root)) {
        json_t *migrated = migrate_v0(root, mtime, where, sizeof where);
        if (!migrated) {
            p = start_over(dir, path, where, notice, e);
            goto out;
        }
        char *backup = NULL;
        if (copy_aside(path, data, len, "v0", &backup, e) < 0) {
            json_decref(migrated);
            goto out;
        }
        json_decref(root);
        root = NULL;
        p = progress_new(dir, migrated);
        if (!p) {
            json_decref(migrated);
            free(backup);
            err_sys(e, "migrating progress");
            goto out;
        }
        if (progress_save(p, e) < 0) {
            progress_free(p);
            p = NULL;
            free(backup);
            goto out;
        }
        if (notice)
            *notice = notice_printf("progress file %s was upgraded from format 0 to %d (the old "
                                    "file is kept as %s)",
                                    path, PROGRESS_FORMAT_VERSION, backup);
        free(backup);
        goto out;
    }

    json_t *version = json_object_get(root, "version");
    if (json_is_integer(version) && json_integer_value(version) > PROGRESS_FORMAT_VERSION) {
        err_set(e, ERR_UNSUPPORTED,
                "%s is progress format %lld, written by a newer caplab; this one reads up to %d "
                "and leaves the file alone",
                path, (long long)json_integer_value(version), PROGRESS_FORMAT_VERSION);
        goto out;
    }
    if (!json_is_integer(version) || json_integer_value(version) != PROGRESS_FORMAT_VERSION) {
        p = start_over(dir, path, "no valid \"version\"", notice, e);
        goto out;
    }
    if (!valid_v1(root, where, sizeof where)) {
        p = start_over(dir, path, where, notice, e);
        goto out;
    }
    p = progress_new(dir, root);
    if (!p)
        err_sys(e, "opening progress");
    else
        root = NULL;
out:
    if (p)
        remember_file(p);
    json_decref(root);
    free(data);
    free(path);
    free(owned_dir);
    return p;
}

struct progress *progress_import(const char *path, char **learner, struct err *e)
{
    *learner = NULL;
    char *data = NULL;
    size_t len;
    if (read_file(path, &data, &len, NULL) < 0) {
        err_sys(e, "%s", path);
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadb(data, len, JSON_REJECT_DUPLICATES, &jerr);
    free(data);
    if (!root) {
        err_set(e, ERR_INVALID, "%s:%d:%d: %s", path, jerr.line, jerr.column, jerr.text);
        return NULL;
    }
    const char *format = json_string_value(json_object_get(root, "format"));
    json_t *version = json_object_get(root, "version");
    const char *name = json_string_value(json_object_get(root, "learner"));
    json_t *doc = json_object_get(root, "progress");
    char where[256] = "";
    if (!format || strcmp(format, EXPORT_NAME) != 0) {
        err_set(e, ERR_INVALID, "%s: not a caplab progress export (\"format\" is not \"%s\")", path,
                EXPORT_NAME);
        goto bad;
    }
    if (!json_is_integer(version) || json_integer_value(version) != PROGRESS_FORMAT_VERSION) {
        err_set(e, ERR_INVALID, "%s: unsupported export version (this caplab reads %d)", path,
                PROGRESS_FORMAT_VERSION);
        goto bad;
    }
    if (!name || !*name) {
        err_set(e, ERR_INVALID, "%s: the record has no learner name", path);
        goto bad;
    }
    if (!valid_v1(doc, where, sizeof where)) {
        err_set(e, ERR_INVALID, "%s: malformed progress: %s", path, where);
        goto bad;
    }
    *learner = strdup(name);
    json_incref(doc);
    struct progress *p = *learner ? progress_new(NULL, doc) : NULL;
    json_decref(root);
    if (!p) {
        json_decref(doc);
        free(*learner);
        *learner = NULL;
        err_sys(e, "reading %s", path);
    }
    return p;
bad:
    json_decref(root);
    return NULL;
}

int progress_export(const struct progress *p, const char *learner, const char *path, struct err *e)
{
    if (!learner || !*learner)
        return err_set(e, ERR_USAGE, "an export needs the learner's name");
    json_t *rec = json_pack("{s:s, s:i, s:s, s:o, s:O}", "format", EXPORT_NAME, "version",
                            PROGRESS_FORMAT_VERSION, "learner", learner, "exported",
                            time_value(time(NULL)), "progress", p->root);
    if (!rec)
        return err_set(e, ERR_SYSTEM, "cannot build the export record");
    int rc = save_document(path, rec, e);
    json_decref(rec);
    return rc;
}

/* ---- recording ---- */

static json_t *child_object(json_t *parent, const char *key)
{
    json_t *o = json_object_get(parent, key);
    if (!json_is_object(o)) {
        o = json_object();
        json_object_set_new(parent, key, o);
    }
    return o;
}

static json_t *lesson_node(json_t *root, const char *lesson, time_t now)
{
    json_t *lessons = child_object(root, "lessons");
    json_t *l = json_object_get(lessons, lesson);
    if (!json_is_object(l)) {
        l = json_pack("{s:o, s:o, s:i, s:i, s:{}, s:{}, s:{}}", "started", time_value(now),
                      "updated", time_value(now), "steps_total", 0, "seconds", 0, "steps", "checks",
                      "quizzes");
        json_object_set_new(lessons, lesson, l);
    }
    return l;
}

static json_int_t int_of(json_t *o, const char *key)
{
    return json_integer_value(json_object_get(o, key));
}

/* Mark the lesson completed when every step is done. */
static void update_completion(json_t *l, time_t now)
{
    json_int_t total = int_of(l, "steps_total");
    if (total > 0 && (json_int_t)json_object_size(json_object_get(l, "steps")) >= total &&
        !json_object_get(l, "completed"))
        json_object_set_new(l, "completed", time_value(now));
}

static json_t *touch_lesson(struct progress *p, const char *lesson, time_t now)
{
    json_t *l = lesson_node(p->root, lesson, now);
    json_object_set_new(l, "updated", time_value(now));
    return l;
}

int progress_record_lesson(struct progress *p, const char *lesson, unsigned n_steps, struct err *e)
{
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    time_t now = time(NULL);
    json_t *l = touch_lesson(p, lesson, now);
    if (n_steps)
        json_object_set_new(l, "steps_total", json_integer(n_steps));
    update_completion(l, now);
    return end_change(p, lock, e);
}

int progress_record_step(struct progress *p, const char *lesson, const char *step, struct err *e)
{
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    time_t now = time(NULL);
    json_t *l = touch_lesson(p, lesson, now);
    json_t *steps = child_object(l, "steps");
    if (!json_object_get(steps, step))
        json_object_set_new(steps, step, time_value(now));
    update_completion(l, now);
    return end_change(p, lock, e);
}

int progress_record_check(struct progress *p, const char *lesson, const char *check, bool passed,
                          struct err *e)
{
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    time_t now = time(NULL);
    json_t *l = touch_lesson(p, lesson, now);
    json_t *c = child_object(child_object(l, "checks"), check);
    json_object_set_new(c, "passed", json_boolean(passed));
    json_object_set_new(c, "runs", json_integer(int_of(c, "runs") + 1));
    json_object_set_new(c, "passes", json_integer(int_of(c, "passes") + (passed ? 1 : 0)));
    json_object_set_new(c, "last", time_value(now));
    return end_change(p, lock, e);
}

static json_t *quiz_node(struct progress *p, const char *lesson, const char *quiz, time_t now)
{
    json_t *l = touch_lesson(p, lesson, now);
    json_t *q = child_object(child_object(l, "quizzes"), quiz);
    if (!json_object_get(q, "first"))
        json_object_set_new(q, "first", time_value(now));
    json_object_set_new(q, "last", time_value(now));
    if (!json_is_array(json_object_get(q, "answers")))
        json_object_set_new(q, "answers", json_array());
    return q;
}

static void set_quiz_state(json_t *q, const struct quiz_attempt_state *s)
{
    json_object_set_new(q, "attempts", json_integer(s->attempts));
    json_object_set_new(q, "hints", json_integer(s->hints_shown));
    json_object_set_new(q, "solved", json_boolean(s->solved));
    json_object_set_new(q, "gave_up", json_boolean(s->gave_up));
    json_object_set_new(q, "score", json_real(s->best_score));
}

int progress_record_answer(struct progress *p, const char *lesson, const char *quiz,
                           const struct quiz_result *result, const struct quiz_attempt_state *s,
                           struct err *e)
{
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    time_t now = time(NULL);
    json_t *q = quiz_node(p, lesson, quiz, now);
    if (result->counts) {
        json_t *answers = json_object_get(q, "answers");
        json_array_append_new(answers, json_pack("{s:s, s:s, s:f, s:o}", "answer",
                                                 result->canonical ? result->canonical : "",
                                                 "verdict", quiz_verdict_name(result->verdict),
                                                 "score", result->score, "at", time_value(now)));
        while (json_array_size(answers) > PROGRESS_MAX_ANSWERS)
            json_array_remove(answers, 0);
    }
    set_quiz_state(q, s);
    return end_change(p, lock, e);
}

int progress_record_quiz_state(struct progress *p, const char *lesson, const char *quiz,
                               const struct quiz_attempt_state *s, struct err *e)
{
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    set_quiz_state(quiz_node(p, lesson, quiz, time(NULL)), s);
    return end_change(p, lock, e);
}

int progress_record_time(struct progress *p, const char *lesson, unsigned seconds, struct err *e)
{
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    json_t *l = touch_lesson(p, lesson, time(NULL));
    json_object_set_new(l, "seconds", json_integer(int_of(l, "seconds") + seconds));
    return end_change(p, lock, e);
}

int progress_reset(struct progress *p, const char *lesson, char **backup, struct err *e)
{
    if (backup)
        *backup = NULL;
    int lock = begin_change(p, e);
    if (lock < 0)
        return -1;
    json_t *lessons = json_object_get(p->root, "lessons");
    if (lesson && !json_object_get(lessons, lesson)) {
        close(lock);
        return err_set(e, ERR_NOT_FOUND, "no progress recorded for lesson \"%s\"", lesson);
    }
    /* Keep what is on disk now, so a reset by mistake can be undone by hand. */
    char *data = NULL;
    size_t len;
    if (read_file(p->path, &data, &len, NULL) == 0) {
        int rc = copy_aside(p->path, data, len, "before-reset", backup, e);
        free(data);
        if (rc < 0) {
            close(lock);
            return -1;
        }
    } else if (errno != ENOENT) {
        err_sys(e, "cannot keep a copy of %s before the reset", p->path);
        close(lock);
        return -1;
    }
    if (lesson)
        json_object_del(lessons, lesson);
    else
        json_object_clear(lessons);
    return end_change(p, lock, e);
}

/* ---- reading ---- */

static json_t *find_lesson(const struct progress *p, const char *lesson)
{
    return json_object_get(json_object_get(p->root, "lessons"), lesson);
}

bool progress_step_done(const struct progress *p, const char *lesson, const char *step)
{
    return json_object_get(json_object_get(find_lesson(p, lesson), "steps"), step) != NULL;
}

static void read_quiz_state(json_t *q, struct quiz_attempt_state *out)
{
    quiz_state_init(out);
    out->attempts = (unsigned)int_of(q, "attempts");
    out->hints_shown = (unsigned)int_of(q, "hints");
    out->solved = json_is_true(json_object_get(q, "solved"));
    out->gave_up = json_is_true(json_object_get(q, "gave_up"));
    out->best_score = json_number_value(json_object_get(q, "score"));
}

bool progress_quiz_state(const struct progress *p, const char *lesson, const char *quiz,
                         struct quiz_attempt_state *out)
{
    json_t *q = json_object_get(json_object_get(find_lesson(p, lesson), "quizzes"), quiz);
    read_quiz_state(q, out);
    return q != NULL;
}

static time_t time_of(json_t *o, const char *key)
{
    return progress_parse_time(json_string_value(json_object_get(o, key)));
}

int progress_summaries(const struct progress *p, struct progress_lesson_summary **out, size_t *n,
                       struct err *e)
{
    json_t *lessons = json_object_get(p->root, "lessons");
    *n = json_object_size(lessons);
    *out = calloc(*n ? *n : 1, sizeof **out);
    if (!*out)
        return err_sys(e, "summarising progress");
    size_t i = 0;
    const char *id;
    json_t *l;
    json_object_foreach(lessons, id, l)
    {
        struct progress_lesson_summary *s = &(*out)[i++];
        s->lesson = id;
        s->steps_done = (unsigned)json_object_size(json_object_get(l, "steps"));
        s->steps_total = (unsigned)int_of(l, "steps_total");
        s->seconds = (unsigned long)int_of(l, "seconds");
        s->started = time_of(l, "started");
        s->updated = time_of(l, "updated");
        s->completed = time_of(l, "completed");
        const char *key;
        json_t *v;
        json_object_foreach(json_object_get(l, "checks"), key, v)
        {
            s->checks_run++;
            if (json_is_true(json_object_get(v, "passed")))
                s->checks_passed++;
        }
        double total = 0;
        json_object_foreach(json_object_get(l, "quizzes"), key, v)
        {
            struct quiz_attempt_state st;
            read_quiz_state(v, &st);
            if (!st.attempts && !st.solved && !st.gave_up)
                continue; /* only hints seen: not answered yet */
            s->quizzes_seen++;
            s->quizzes_solved += st.solved;
            s->quizzes_gave_up += st.gave_up;
            total += st.best_score;
        }
        s->quiz_score = s->quizzes_seen ? total / s->quizzes_seen : 0.0;
    }
    return 0;
}

void progress_quizzes_free(struct progress_quiz_info *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].answers);
    free(list);
}

int progress_quizzes(const struct progress *p, struct progress_quiz_info **out, size_t *n,
                     struct err *e)
{
    *out = NULL;
    *n = 0;
    size_t total = 0;
    const char *lid, *qid;
    json_t *l, *q;
    json_object_foreach(json_object_get(p->root, "lessons"), lid, l) total +=
        json_object_size(json_object_get(l, "quizzes"));
    struct progress_quiz_info *list = calloc(total ? total : 1, sizeof *list);
    if (!list)
        return err_sys(e, "listing quizzes");
    size_t i = 0;
    json_object_foreach(json_object_get(p->root, "lessons"), lid, l){json_object_foreach(
        json_object_get(l, "quizzes"), qid, q){struct progress_quiz_info *info = &list[i++];
    info->lesson = lid;
    info->quiz = qid;
    read_quiz_state(q, &info->state);
    info->first = time_of(q, "first");
    info->last = time_of(q, "last");
    json_t *answers = json_object_get(q, "answers");
    info->n_answers = json_array_size(answers);
    if (info->n_answers) {
        info->answers = calloc(info->n_answers, sizeof *info->answers);
        if (!info->answers) {
            progress_quizzes_free(list, i);
            return err_sys(e, "listing quizzes");
        }
    }
    for (size_t k = 0; k < info->n_answers; k++) {
        json_t *a = json_array_get(answers, k);
        info->answers[k].answer = json_string_value(json_object_get(a, "answer"));
        info->answers[k].verdict = json_string_value(json_object_get(a, "verdict"));
        info->answers[k].score = json_number_value(json_object_get(a, "score"));
        info->answers[k].at = time_of(a, "at");
    }
}
}
*out = list;
*n = total;
return 0;
}
