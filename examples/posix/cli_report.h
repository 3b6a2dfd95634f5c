/*
 * Exit codes, and how a failed call is reported (see cli_report.c).
 */
#ifndef CLI_REPORT_H
#define CLI_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok.h"

#include "cli_args.h"
#include "cli_output.h"
#include "cli_settings.h"

#define CLI_EXIT_API 1      /* the service answered with an error */
#define CLI_EXIT_USAGE 2    /* usage or configuration error */
#define CLI_EXIT_EXCHANGE 3 /* the exchange could not complete */
#define CLI_EXIT_UNKNOWN 4  /* a create was sent, its answer lost */

/* One run of the tool, as its commands and its reports see it. Borrowed. */
typedef struct {
    const cli_args *args;
    const cli_settings *settings;
    dbtok_client *client; /* NULL until dbtok_init() succeeded */
    size_t work_len;      /* bytes of the client's work buffer */
    size_t out_cap;       /* bytes of the output buffer */
} cli_run;

/* Print the one-line reason for err (e: the client's error record, or
 * NULL; out: the output composed so far, or NULL) and return the exit code. */
int cli_report(const cli_run *r, dbtok_err err, const dbtok_error_info *e, const cli_out *out);

/* The output did not fit the output buffer: say so, CLI_EXIT_EXCHANGE. */
int cli_output_too_large(const cli_run *r);

/* mbedTLS's text for an error code (with the code), or "no further detail"
 * for 0; cut to fit cap. */
void cli_tls_text(int32_t code, char *buf, size_t cap);

#endif /* CLI_REPORT_H */
