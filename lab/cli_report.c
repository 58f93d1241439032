/* caplab report: a class view from learners' exported progress records. */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "err.h"
#include "report.h"

enum report_format { FORMAT_TEXT, FORMAT_CSV, FORMAT_JSON };

enum { OPT_CSV = 256, OPT_JSON };

static const struct option report_long_options[] = {
    {"csv", no_argument, NULL, OPT_CSV},
    {"json", no_argument, NULL, OPT_JSON},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};

int cli_report(int argc, char **argv)
{
    enum report_format format = FORMAT_TEXT;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "+h", report_long_options, NULL)) != -1) {
        switch (c) {
        case OPT_CSV:
        case OPT_JSON:
            if (format != FORMAT_TEXT)
                return cli_usage_error("report", "choose one of --csv and --json");
            format = c == OPT_CSV ? FORMAT_CSV : FORMAT_JSON;
            break;
        case 'h':
            cli_print_usage(cli_find("report"), stdout);
            return CLI_EXIT_OK;
        default:
            return cli_usage_error("report", "unknown option \"%s\"", argv[optind - 1]);
        }
    }
    if (optind >= argc)
        return cli_usage_error("report", "give one or more exported progress files "
                                         "(made with `caplab progress --export FILE`)");

    struct report r;
    report_init(&r);
    struct err e = {0};
    for (int i = optind; i < argc; i++) {
        if (report_add_file(&r, argv[i], &e) < 0) {
            err_print(&e);
            report_release(&r);
            return CLI_EXIT_NO;
        }
    }
    report_finish(&r);

    int rc;
    switch (format) {
    case FORMAT_CSV:
        rc = report_write_csv(&r, stdout);
        break;
    case FORMAT_JSON:
        rc = report_write_json(&r, stdout);
        break;
    default:
        rc = report_write_text(&r, stdout);
        break;
    }
    /* The text table lists skipped files itself; machine formats keep stdout clean. */
    if (format != FORMAT_TEXT)
        for (size_t i = 0; i < r.n_problems; i++)
            err_warn("skipped %s", r.problems[i]);
    if (fflush(stdout) != 0 || rc < 0) {
        err_printf("cannot write the report");
        report_release(&r);
        return CLI_EXIT_NO;
    }
    int status = r.n_learners ? CLI_EXIT_OK : CLI_EXIT_NO;
    if (!r.n_learners)
        err_printf("no usable progress record among the %d file%s", argc - optind,
                   argc - optind == 1 ? "" : "s");
    report_release(&r);
    return status;
}
