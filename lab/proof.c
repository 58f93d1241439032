/*
 * proof: a quiz's proof experiment run with exactly the capabilities named (see proof.h).
 */
#include "proof.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* snprintf for messages that may be cut: a cut sentence is fine here. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

static int write_all(int fd, const void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = write(fd, (const char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static int read_all(int fd, void *buf, size_t len)
{
    for (size_t done = 0; done < len;) {
        ssize_t n = read(fd, (char *)buf + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

int proof_run(const struct lesson_proof *p, capmask caps, const struct check_options *opts,
              struct check_result *r, struct err *e)
{
    struct lesson_check c = {
        .id = "proof",
        .run = p->run,
        .probe = -1,
        .sandbox = &p->sandbox,
        .expect = p->expect,
    };
    return check_run_caps(&c, caps, opts, r, e);
}

int proof_compare(const struct lesson_quiz *q, capmask answer, const struct check_options *opts,
                  struct proof_comparison *out, struct err *e)
{
    if (!q->proof)
        return err_set(e, ERR_INVALID, "quiz %s has no proof experiment", q->id);
    if (q->kind != QUIZ_CAPABILITY && q->kind != QUIZ_CAPABILITY_SET)
        return err_set(e, ERR_INVALID,
                       "quiz %s is not about capabilities, so there is nothing "
                       "to prove",
                       q->id);
    memset(out, 0, sizeof *out);
    out->answer_caps = answer;
    out->key_caps = q->answer_caps;
    if (answer == q->answer_caps) { /* the same sandbox twice would show the same thing */
        if (proof_run(q->proof, answer, opts, &out->answer, e) < 0)
            return -1;
        out->key = out->answer;
        return 0;
    }
    /* Both sides at once: the answer in a child process, the key here. */
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0)
        return err_sys(e, "pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return err_sys(e, "fork");
    }
    if (pid == 0) {
        close(fds[0]);
        struct check_result r;
        struct err ce = {0};
        if (proof_run(q->proof, answer, opts, &r, &ce) < 0)
            _exit(1);
        _exit(write_all(fds[1], &r, sizeof r) == 0 ? 0 : 1);
    }
    close(fds[1]);
    int rc = proof_run(q->proof, q->answer_caps, opts, &out->key, e);
    bool got = read_all(fds[0], &out->answer, sizeof out->answer) == 0;
    close(fds[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (rc < 0)
        return -1;
    if (!got)
        return err_set(e, ERR_SYSTEM, "the run with your answer ended without a result");
    return 0;
}

static void names(capmask set, char *buf, size_t n)
{
    char *s = caps_to_names(set, ", ", true);
    say(buf, n, "%s", s && *s ? s : "no capabilities");
    free(s);
}

enum proof_verdict proof_judge(const struct proof_comparison *cmp, char *buf, size_t n)
{
    char answer[512], key[512];
    names(cmp->answer_caps, answer, sizeof answer);
    names(cmp->key_caps, key, sizeof key);
    const struct check_result *a = &cmp->answer, *k = &cmp->key;
    bool ran_a = a->status == CHECK_PASS || a->status == CHECK_FAIL;
    bool ran_k = k->status == CHECK_PASS || k->status == CHECK_FAIL;
    if (!ran_a || !ran_k) {
        const struct check_result *stuck = !ran_a ? a : k;
        say(buf, n, "The proof could not run here: %s", stuck->note);
        return PROOF_NOT_RUN;
    }
    if (k->status != CHECK_PASS) {
        say(buf, n,
            "The key (%s) does not pass the proof on this machine (%s), so it "
            "cannot judge your answer.",
            key, k->mismatch);
        return PROOF_KEY_FAILS;
    }
    if (a->status == CHECK_PASS) {
        capmask extra = cmp->answer_caps & ~cmp->key_caps;
        if (extra) {
            char more[512];
            names(extra, more, sizeof more);
            say(buf, n,
                "With %s the experiment works, but so it does with the key alone: "
                "%s %s more than it needs.",
                answer, more, caps_count(extra) == 1 ? "is" : "are");
        } else {
            say(buf, n, "With %s the experiment works, as with the key.", answer);
        }
        return PROOF_ANSWER_WORKS;
    }
    capmask missing = cmp->key_caps & ~cmp->answer_caps;
    char lack[512];
    names(missing, lack, sizeof lack);
    say(buf, n,
        "With %s the experiment fails (%s); with the key (%s) it works. "
        "Missing: %s.",
        answer, a->mismatch, key, lack);
    return PROOF_ANSWER_FAILS;
}
