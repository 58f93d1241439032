/*
 * ui_experiment: experiment and check steps. Shows the step's sandbox (what it keeps and
 * drops, the user, and the same thing as `docker run`), opens a shell in it (`s`) and runs
 * its checks (`c`). The sandbox and the checks are the core's; this file only hands them
 * the terminal and shows what came back.
 */
#include <stdlib.h>
#include <string.h>

#include "docker.h"
#include "check.h"
#include "ui_priv.h"

static const char *baseline_words(enum caps_baseline b)
{
    switch (b) {
    case CAPS_BASELINE_ALL:
        return "every capability";
    case CAPS_BASELINE_NONE:
        return "no capability";
    case CAPS_BASELINE_DOCKER:
        break;
    }
    return "Docker's 14 defaults";
}

static void names_or(FILE *f, capmask set, bool all, const char *none)
{
    if (all) {
        fputs("ALL", f);
        return;
    }
    char *names = caps_to_names(set, ", ", false);
    fputs(names && *names ? names : none, f);
    free(names);
}

/* Can this step's sandbox run here? NULL when it can, else why not (static or borrowed). */
static const char *why_not_here(const struct lesson_sandbox *sb, char *buf, size_t n)
{
    const struct sandbox_support *sup = sandbox_support();
    if (!sup->available) {
        snprintf(buf, n, "Sandboxes cannot start on this machine: %s", sup->reason);
        return buf;
    }
    if (sup->auto_mode == SANDBOX_MODE_ROOTLESS && !(sb->modes & LESSON_MODE_ROOTLESS)) {
        snprintf(buf, n,
                 "This step's outcome needs real root (privileged mode); caplab runs rootless "
                 "here, so the result may differ.%s%s",
                 sb->rootless_note ? " " : "", sb->rootless_note ? sb->rootless_note : "");
        return buf;
    }
    return NULL;
}

/* A long command one option a line, as shell continuations, so a narrow window shows it
 * all instead of clipping it. */
static void write_command(FILE *f, const char *cmd)
{
    if (strlen(cmd) <= 60) {
        fprintf(f, "%s\n", cmd);
        return;
    }
    for (const char *p = cmd; *p; p++) {
        if (p[0] == ' ' && p[1] == '-' && p[2] == '-' && p != cmd)
            fputs(" \\\n   ", f);
        fputc(*p, f);
    }
    fputc('\n', f);
}

static void compose_sandbox(FILE *f, const struct lesson_sandbox *sb)
{
    capmask set = caps_resolve(&sb->caps);
    fprintf(f, "## The sandbox\n\n");
    fprintf(f, "- starts from: %s\n", baseline_words(sb->caps.baseline));
    fprintf(f, "- dropped: ");
    names_or(f, sb->caps.drop, sb->caps.drop_all, "none");
    fprintf(f, "\n- added: ");
    names_or(f, sb->caps.add, sb->caps.add_all, "none");
    fprintf(f, "\n- user: %s\n", sb->user ? sb->user : "root");
    if (sb->no_new_privs)
        fprintf(f, "- no_new_privs: on (setuid and file capabilities give nothing)\n");
    fprintf(f, "- Docker's network sysctls: %s\n", sb->docker_sysctls ? "on" : "off");
    fprintf(f, "- so the shell holds %u capabilities: ", caps_count(set));
    names_or(f, set, false, "none at all");
    fprintf(f, "\n\nThe same container with Docker:\n\n```\n");
    char *cmd = docker_run_command(sb, NULL);
    write_command(f, cmd ? cmd : "(out of memory)");
    fprintf(f, "```\n\n");
    free(cmd);
}

static void compose_check(FILE *f, const struct lesson_check *c)
{
    const char *expect = c->expect.outcome == OUTCOME_SUCCESS   ? "should succeed"
                         : c->expect.outcome == OUTCOME_FAILURE ? "should fail"
                                                                : "may succeed or fail";
    if (c->run)
        fprintf(f, "- **%s**: `%s` %s\n", c->title ? c->title : c->id, c->run, expect);
    else if (c->probe >= 0)
        fprintf(f, "- **%s**: the built-in probe for %s %s\n", c->title ? c->title : c->id,
                caps_name((unsigned)c->probe), expect);
}

void ui_experiment_compose(struct ui *ui, FILE *f, const struct lesson_step *step,
                           struct ui_step_state *st)
{
    (void)ui;
    compose_sandbox(f, &step->sandbox);
    if (step->n_try > 0) {
        fprintf(f, "## Try in the shell\n\n```\n");
        for (size_t i = 0; i < step->n_try; i++)
            fprintf(f, "%s\n", step->try_cmds[i]);
        fprintf(f, "```\n\n");
    }
    if (step->n_checks > 0) {
        fprintf(f, "## Checks\n\n");
        for (size_t i = 0; i < step->n_checks; i++)
            compose_check(f, &step->checks[i]);
        fprintf(f, "\n");
        if (st->checks)
            fprintf(f, "%s\n\n", st->checks);
    }
    char buf[1200];
    const char *why = why_not_here(&step->sandbox, buf, sizeof buf);
    if (why)
        fprintf(f, "**Note:** %s\n\n", why);
    if (st->shell_status >= 0)
        fprintf(f, "The last shell exited with status %d.\n\n", st->shell_status);
    fprintf(f, "Press **s** to open a shell in this sandbox%s.\n",
            step->n_checks ? ", **c** to run the checks" : "");
}

static void open_shell(struct ui *ui, const struct lesson_step *step, struct ui_step_state *st)
{
    const struct lesson_sandbox *sb = &step->sandbox;
    const struct sandbox_support *sup = sandbox_support();
    if (!sup->available) {
        ui_message(ui, UI_MSG_BAD, "No sandbox here: %s", sup->reason);
        return;
    }
    char tag[64];
    caps_prompt_tag(caps_resolve(&sb->caps), tag, sizeof tag);
    struct sandbox_config cfg = {
        .mode = SANDBOX_MODE_AUTO,
        .caps = caps_resolve(&sb->caps),
        .user = sb->user,
        .no_new_privs = sb->no_new_privs,
        .docker_sysctls = sb->docker_sysctls,
        .prompt_tag = tag,
        .setup = sb->setup,
        .io = SANDBOX_IO_INHERIT,
        .quiet = true,
    };
    struct sandbox_result res = {0};
    struct err e = {0};
    ui_term_suspend();
    printf("\ncaplab: a shell in the sandbox of \"%s\" (capabilities: %s).\n"
           "caplab: type `exit` or press Ctrl-D to come back to the tutor.\n\n",
           step->title ? step->title : step->id, tag);
    fflush(stdout);
    int rc = sandbox_run(&cfg, &res, &e);
    ui_term_resume(ui);
    if (rc < 0) {
        ui_message(ui, UI_MSG_BAD, "The sandbox did not start: %s", e.msg);
        return;
    }
    st->shell_status = res.exit_code;
    ui_message(ui, UI_MSG_INFO, "Back from the sandbox shell (exit status %d).", res.exit_code);
    sandbox_result_release(&res);
    ui->content_dirty = true;
}

/* One result as a list item: the status in words first, then what happened and why. */
static void describe_result(FILE *f, const struct lesson_check *c, const struct check_result *r)
{
    const char *title = c->title ? c->title : c->id;
    switch (r->status) {
    case CHECK_PASS:
        fprintf(f, "- **PASS** %s: %s (%.1f s)\n", title, r->happened, r->seconds);
        break;
    case CHECK_FAIL:
        fprintf(f, "- **FAIL** %s: %s %s", title, r->mismatch, r->happened);
        if (r->likely[0])
            fprintf(f, " %s", r->likely);
        if (c->message)
            fprintf(f, " *%s*", c->message);
        fprintf(f, "\n");
        break;
    case CHECK_MISSING_TOOL:
    case CHECK_SKIPPED:
    case CHECK_UNSUPPORTED:
    case CHECK_ERROR:
        fprintf(f, "- **%s** %s: %s\n", check_status_name(r->status), title, r->note);
        break;
    }
}

/* What a check's worker process sends back: plain data. */
struct check_outcome {
    int rc;
    struct err err;
    struct check_result result;
};

struct check_work {
    const struct lesson_check *check;
    struct check_outcome out;
};

static void check_worker(void *arg, void *result)
{
    struct check_work *w = arg;
    struct check_outcome *out = result;
    out->rc = check_run(w->check, NULL, &out->result, &out->err);
}

static void run_checks(struct ui *ui, const struct lesson_step *step, struct ui_step_state *st)
{
    if (step->n_checks == 0) {
        ui_message(ui, UI_MSG_INFO, "This step has no checks; press s to experiment in a shell.");
        return;
    }
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    if (!f)
        return;
    fprintf(f, "### Results\n\n");
    size_t passed = 0, ran = 0;
    bool cancelled = false;
    for (size_t i = 0; i < step->n_checks; i++) {
        const struct lesson_check *c = &step->checks[i];
        ui_message(ui, UI_MSG_INFO, "Running check %zu of %zu: %s ... (Esc cancels)", i + 1,
                   step->n_checks, c->title ? c->title : c->id);
        ui_draw(ui);
        struct check_work w = {.check = c};
        int rc = ui_term_run_worker(ui, check_worker, &w, &w.out, sizeof w.out);
        if (rc == UI_WORK_CANCELLED || rc == UI_WORK_STOPPED) {
            cancelled = true;
            break;
        }
        const struct check_result *rp = &w.out.result;
        if (rc < 0 || w.out.rc < 0) {
            fprintf(f, "- **error** %s: %s\n", c->id,
                    rc < 0 ? "the check's worker process failed" : w.out.err.msg);
            continue;
        }
        struct check_result r = *rp;
        ran++;
        describe_result(f, c, &r);
        if (r.status == CHECK_PASS)
            passed++;
        if (ui->progress && (r.status == CHECK_PASS || r.status == CHECK_FAIL)) {
            struct err pe = {0};
            ui_progress_saved(ui,
                              progress_record_check(ui->progress, ui_current_lesson(ui)->id, c->id,
                                                    r.status == CHECK_PASS, &pe),
                              &pe);
        }
    }
    if (cancelled)
        fprintf(f, "\n*Cancelled after %zu of %zu checks.*\n", ran, step->n_checks);
    if (fclose(f) != 0) {
        free(text);
        return;
    }
    free(st->checks);
    st->checks = text;
    ui->content_dirty = true;
    ui->scroll = UI_SCROLL_END; /* the results are at the end */
    if (cancelled)
        ui_message(ui, UI_MSG_INFO, "Checks cancelled.");
    else
        ui_message(ui, passed == ran ? UI_MSG_GOOD : UI_MSG_BAD,
                   "%zu of %zu checks passed; the results are below the checks.", passed, ran);
}

void ui_experiment_handle(struct ui *ui, enum ui_action act)
{
    const struct lesson_step *step = ui_current_step(ui);
    struct ui_step_state *st = ui_current_state(ui);
    if (!step || (step->kind != STEP_EXPERIMENT && step->kind != STEP_CHECK))
        return;
    if (act == UI_ACT_SHELL)
        open_shell(ui, step, st);
    else if (act == UI_ACT_CHECKS)
        run_checks(ui, step, st);
}
