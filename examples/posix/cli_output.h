/*
 * What the dbtok tool prints on stdout, as text or JSON.
 *
 * Nothing is written to stdout directly: results are composed into a
 * caller-supplied buffer, and the caller writes that buffer only once the
 * operation has succeeded, so a failed call never leaves half a listing (or
 * a token value nobody will see an error for) on stdout. A result that does
 * not fit sets `overflow` instead of being cut.
 */
#ifndef CLI_OUTPUT_H
#define CLI_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok.h"

#include "cli_config.h"

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
    bool overflow; /* something did not fit: the contents must not be printed */
    cli_output_format format;
    /* list state */
    size_t count;                     /* tokens seen */
    size_t w_id, w_created, w_expires; /* text table column widths so far */
} cli_out;

/* Start composing into buf[0..cap) in the given format. */
void cli_out_init(cli_out *o, char *buf, size_t cap, cli_output_format format);

/* A created token: text shows the value and the id on two lines, JSON the
 * service's shape ({"token_value", "token_info": {...}}). */
void cli_out_created(cli_out *o, const dbtok_created_token *t);

/*
 * A listing: cli_out_list_cb() is a dbtok_token_cb taking the cli_out as
 * `user`; it copies what it needs (views die after the call) and returns
 * non-zero to stop the listing once the buffer overflowed. After the call
 * succeeded, cli_out_list_end() finishes the table or array.
 *
 * Text: a table `ID  CREATED  EXPIRES  COMMENT` with ISO 8601 UTC times,
 * `never` for an expiry of -1, and control characters (and backslashes) in
 * ids and comments escaped so each token stays on one line. JSON: an array of
 * {token_id, creation_time, expiry_time, comment} objects, 2-space indented.
 */
int cli_out_list_cb(void *user, const dbtok_token_info *info);
void cli_out_list_end(cli_out *o);

/* Overwrite what was composed (it may hold a token value). */
void cli_out_wipe(cli_out *o);

/*
 * Epoch milliseconds as `2026-11-28T15:27:22Z` (UTC, seconds rounded down).
 * Returns the length written, or 0 when cap is too small. The conversion is
 * done here rather than with gmtime_r(): glibc's gmtime_r() initialises the
 * time zone state on first use, which may open /etc/localtime and allocate.
 */
size_t cli_format_time(char *dst, size_t cap, int64_t ms);

#endif /* CLI_OUTPUT_H */
