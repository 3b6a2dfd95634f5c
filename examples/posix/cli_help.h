/*
 * What --help and --version print on stdout.
 */
#ifndef CLI_HELP_H
#define CLI_HELP_H

#include "cli_args.h"

/* The usage of cmd (CLI_CMD_NONE: the tool's), then the global options. */
void cli_print_help(cli_command cmd);

/* "dbtok <version> (mbedtls <version>)", naming a system mbedTLS that
 * differs from the headers the binary was built with. */
void cli_print_version(void);

#endif /* CLI_HELP_H */
