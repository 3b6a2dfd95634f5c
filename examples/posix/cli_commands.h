/*
 * The tool's commands (see cli_commands.c). Each returns the exit code,
 * having reported any failure on stderr.
 */
#ifndef CLI_COMMANDS_H
#define CLI_COMMANDS_H

#include "cli_output.h"
#include "cli_report.h"

/* Write the composed output to stdout and hand it over for good (a regular
 * file is fsync'd, fd 1 closed and pointed at /dev/null); -1 with errno set
 * when stdout refused it or it may not have arrived. */
int cli_write_output(const cli_out *out);

/* create: print the new token (a value nobody received is revoked again). */
int cli_do_create(const cli_run *r, cli_out *out);

/* list: print each token as it arrives; a listing that fails after the first
 * leaves those printed on stdout, and says so (CLI_EXIT_EXCHANGE). */
int cli_do_list(const cli_run *r, cli_out *out);

/* delete (revoke): nothing on stdout. */
int cli_do_delete(const cli_run *r);

/* update TOKEN_ID: the comment and/or scopes the arguments give; prints
 * nothing on success. */
int cli_do_update(const cli_run *r);

#endif /* CLI_COMMANDS_H */
