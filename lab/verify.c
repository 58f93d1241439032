/*
 * verify: every check and proof of a course against the kernel, in parallel (see verify.h).
 */
#include "verify.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "proof.h"

/* snprintf for messages that may be cut: a cut sentence is fine here. */
__attribute__((format(printf, 3, 4))) static void say(char *buf, size_t n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, n, fmt, ap);
    va_end(ap);
}

#define DEFAULT_JOBS 4
#define MAX_JOBS     64

/* One sandbox run to do: run `run` of item `item`. */
struct job {
    size_t item;
    size_t run;
};

struct plan {
    struct verify_item *items;
    size_t n_items;
    size_t *runs_left; /* per item */
    struct job *jobs;
    size_t n_jobs;
};

static void plan_release(struct plan *p)
{
    for (size_t i = 0; i < p->n_items; i++)
        free(p->items[i].runs);
    free(p->items);
    free(p->runs_left);
    free(p->jobs);
}

static struct verify_item *plan_add(struct plan *p, size_t *cap, size_t n_runs)
{
    if (p->n_items == *cap) {
        size_t grown_cap = *cap ? *cap * 2 : 32;
        struct verify_item *grown = realloc(p->items, grown_cap * sizeof *grown);
        if (!grown)
            return NULL;
        p->items = grown;
        *cap = grown_cap;
    }
    struct verify_item *it = &p->items[p->n_items];
    memset(it, 0, sizeof *it);
    it->runs = calloc(n_runs, sizeof *it->runs);
    if (!it->runs)
        return NULL;
    it->n_runs = n_runs;
    p->n_items++;
    return it;
}

static bool is_capability_quiz(const struct lesson_quiz *q)
{
    return q->kind == QUIZ_CAPABILITY || q->kind == QUIZ_CAPABILITY_SET;
}

/* The runs of a proof: the key; no capabilities; and for a set, the key minus each one. */
static size_t proof_run_count(const struct lesson_quiz *q)
{
    unsigned k = caps_count(q->answer_caps);
    return 1u + (k > 0 ? 1u : 0u) + (k > 1 ? k : 0u);
}

static void fill_proof_runs(struct verify_item *it)
{
    capmask key = it->quiz->answer_caps;
    size_t r = 0;
    it->runs[r].caps = key, it->runs[r++].want_match = true;
    if (key)
        it->runs[r].caps = 0, it->runs[r++].want_match = false;
    if (caps_count(key) > 1)
        for (unsigned cap = 0; cap < 64; cap++)
            if (key & CAPS_BIT(cap))
                it->runs[r].caps = key & ~CAPS_BIT(cap), it->runs[r++].want_match = false;
}

static int plan_build(struct plan *p, const struct lesson *const *lessons, size_t n, struct err *e)
{
    size_t cap = 0;
    for (size_t li = 0; li < n; li++) {
        const struct lesson *l = lessons[li];
        for (size_t si = 0; si < l->n_steps; si++) {
            const struct lesson_step *s = &l->steps[si];
            if (s->kind == STEP_EXPERIMENT || s->kind == STEP_CHECK) {
                for (size_t ci = 0; ci < s->n_checks; ci++) {
                    struct verify_item *it = plan_add(p, &cap, 1);
                    if (!it)
                        return err_set(e, ERR_SYSTEM, "out of memory");
                    it->kind = VERIFY_CHECK, it->lesson = l, it->step = s;
                    it->check = &s->checks[ci];
                }
            } else if (s->kind == STEP_QUIZ && s->quiz.proof && is_capability_quiz(&s->quiz)) {
                struct verify_item *it = plan_add(p, &cap, proof_run_count(&s->quiz));
                if (!it)
                    return err_set(e, ERR_SYSTEM, "out of memory");
                it->kind = VERIFY_PROOF, it->lesson = l, it->step = s, it->quiz = &s->quiz;
                fill_proof_runs(it);
            }
        }
    }
    size_t total = 0;
    for (size_t i = 0; i < p->n_items; i++)
        total += p->items[i].n_runs;
    p->runs_left = calloc(p->n_items ? p->n_items : 1, sizeof *p->runs_left);
    p->jobs = calloc(total ? total : 1, sizeof *p->jobs);
    if (!p->runs_left || !p->jobs)
        return err_set(e, ERR_SYSTEM, "out of memory");
    for (size_t i = 0; i < p->n_items; i++) {
        p->runs_left[i] = p->items[i].n_runs;
        for (size_t r = 0; r < p->items[i].n_runs; r++)
            p->jobs[p->n_jobs++] = (struct job){i, r};
    }
    return 0;
}

/* ------------------------------------------------------------------ verdicts -- */

static bool ran(const struct check_result *r)
{
    return r->status == CHECK_PASS || r->status == CHECK_FAIL;
}

static void cap_names(capmask set, char *buf, size_t n)
{
    char *s = caps_to_names(set, ", ", true);
    say(buf, n, "%s", s && *s ? s : "no capabilities");
    free(s);
}

/* An item whose run could not judge anything: skipped, or failed when the sandbox broke. */
static void not_run(struct verify_item *it, const struct check_result *r, const char *what)
{
    it->status = r->status;
    say(it->reason, sizeof it->reason, "%s%s", what, r->note);
}

void verify_judge_proof(struct verify_item *it)
{
    const struct check_result *key = &it->runs[0].result;
    char names[CHECK_TEXT];
    cap_names(it->runs[0].caps, names, sizeof names);
    if (!ran(key)) {
        not_run(it, key, key->status == CHECK_ERROR ? "the proof could not start: " : "");
        return;
    }
    if (key->status != CHECK_PASS) {
        it->status = CHECK_FAIL;
        say(it->reason, sizeof it->reason,
            "the key (%s) does not pass the proof: %s. The key is wrong, or the "
            "experiment does not show it",
            names, key->mismatch);
        return;
    }
    for (size_t i = 1; i < it->n_runs; i++) {
        const struct check_result *r = &it->runs[i].result;
        if (!ran(r)) {
            not_run(it, r, r->status == CHECK_ERROR ? "the proof could not start: " : "");
            return;
        }
        if (r->status != CHECK_PASS)
            continue;
        it->status = CHECK_FAIL;
        capmask without = it->runs[0].caps & ~it->runs[i].caps;
        if (it->runs[i].caps == 0) {
            say(it->reason, sizeof it->reason,
                "the proof also passes with no capabilities at all, so it cannot tell a "
                "right answer from a wrong one");
        } else {
            char gone[CHECK_TEXT];
            cap_names(without, gone, sizeof gone);
            say(it->reason, sizeof it->reason,
                "the proof also passes without %s, so the key names a capability the "
                "experiment does not need (or cannot show)",
                gone);
        }
        return;
    }
    it->status = CHECK_PASS;
    say(it->reason, sizeof it->reason, "passes with %s and fails %s", names,
        it->n_runs > 2 ? "with none and without each of them" : "with none");
}

static void judge_check(struct verify_item *it)
{
    const struct check_result *r = &it->runs[0].result;
    it->status = r->status;
    if (r->status == CHECK_FAIL)
        say(it->reason, sizeof it->reason, "%s", r->mismatch);
    else if (r->status != CHECK_PASS)
        say(it->reason, sizeof it->reason, "%s", r->note);
}

static void finish_item(struct verify_item *it, struct verify_totals *t)
{
    if (it->kind == VERIFY_CHECK)
        judge_check(it);
    else
        verify_judge_proof(it);
    for (size_t r = 0; r < it->n_runs; r++) {
        it->seconds += it->runs[r].result.seconds;
        if (ran(&it->runs[r].result))
            t->runs++;
    }
    t->items++;
    switch (it->status) {
    case CHECK_PASS:
        t->passed++;
        break;
    case CHECK_FAIL:
    case CHECK_ERROR:
        t->failed++;
        break;
    default:
        t->skipped++;
        break;
    }
}

/* ------------------------------------------------------------------- workers -- */

static int run_job(const struct plan *p, const struct job *j, const struct check_options *co,
                   struct check_result *out, struct err *e)
{
    const struct verify_item *it = &p->items[j->item];
    if (it->kind == VERIFY_CHECK)
        return check_run(it->check, co, out, e);
    return proof_run(it->quiz->proof, it->runs[j->run].caps, co, out, e);
}

struct worker {
    pid_t pid;
    int fd;
    size_t job;
    size_t got; /* bytes of the result read so far */
};

static int start_worker(const struct plan *p, size_t job, const struct check_options *co,
                        struct worker *w, struct err *e)
{
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
        struct err we = {0};
        if (run_job(p, &p->jobs[job], co, &r, &we) < 0) {
            memset(&r, 0, sizeof r);
            r.status = CHECK_ERROR;
            say(r.note, sizeof r.note, "%s", we.msg);
        }
        const char *buf = (const char *)&r;
        for (size_t done = 0; done < sizeof r;) {
            ssize_t n = write(fds[1], buf + done, sizeof r - done);
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0)
                _exit(1);
            done += (size_t)n;
        }
        _exit(0);
    }
    close(fds[1]);
    *w = (struct worker){.pid = pid, .fd = fds[0], .job = job};
    return 0;
}

/* Read what a worker has written; returns true when it is finished (EOF). */
static bool pump_worker(struct plan *p, struct worker *w)
{
    const struct job *j = &p->jobs[w->job];
    char *dst = (char *)&p->items[j->item].runs[j->run].result;
    size_t want = sizeof(struct check_result);
    for (;;) {
        ssize_t n = read(w->fd, dst + w->got, w->got < want ? want - w->got : 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN)
            return false;
        if (n > 0) {
            w->got += (size_t)n;
            if (w->got < want)
                return false;
            continue; /* read on until EOF */
        }
        break;
    }
    close(w->fd);
    int status = 0;
    while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (w->got != want) {
        struct check_result *r = (struct check_result *)dst;
        memset(r, 0, sizeof *r);
        r->status = CHECK_ERROR;
        say(r->note, sizeof r->note, "the worker running it died (status %d)",
            WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
    }
    return true;
}

int verify_lessons(const struct lesson *const *lessons, size_t n, const struct verify_options *o,
                   verify_report_fn report, void *ctx, struct verify_totals *totals, struct err *e)
{
    struct plan p = {0};
    struct verify_totals t = {0};
    struct worker workers[MAX_JOBS];
    size_t active = 0, next_job = 0, next_report = 0;
    unsigned jobs = o && o->jobs ? o->jobs : DEFAULT_JOBS;
    if (jobs > MAX_JOBS)
        jobs = MAX_JOBS;
    const struct check_options *co = o ? &o->check : NULL;
    int rc = -1;

    if (plan_build(&p, lessons, n, e) < 0)
        goto out;
    while (next_job < p.n_jobs || active > 0) {
        while (active < jobs && next_job < p.n_jobs) {
            if (start_worker(&p, next_job, co, &workers[active], e) < 0)
                goto out;
            fcntl(workers[active].fd, F_SETFL, O_NONBLOCK);
            active++, next_job++;
        }
        struct pollfd fds[MAX_JOBS];
        for (size_t i = 0; i < active; i++)
            fds[i] = (struct pollfd){.fd = workers[i].fd, .events = POLLIN};
        if (poll(fds, active, -1) < 0 && errno != EINTR) {
            err_sys(e, "poll");
            goto out;
        }
        for (size_t i = 0; i < active;) {
            if (!fds[i].revents || !pump_worker(&p, &workers[i])) {
                i++;
                continue;
            }
            p.runs_left[p.jobs[workers[i].job].item]--;
            workers[i] = workers[active - 1];
            fds[i] = fds[active - 1];
            active--;
        }
        while (next_report < p.n_items && p.runs_left[next_report] == 0) {
            finish_item(&p.items[next_report], &t);
            if (report)
                report(&p.items[next_report], ctx);
            next_report++;
        }
    }
    rc = 0;
out:
    for (size_t i = 0; i < active; i++) { /* only after a failure: do not leave workers */
        kill(workers[i].pid, SIGKILL);
        close(workers[i].fd);
        waitpid(workers[i].pid, NULL, 0);
    }
    if (totals)
        *totals = t;
    plan_release(&p);
    return rc;
}
