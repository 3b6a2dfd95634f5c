/*
 * The request body of `dbtok create --json`, as the Databricks CLI takes it:
 * a JSON object given inline or as @FILE, whose fields flags may override.
 */
#ifndef CLI_BODY_H
#define CLI_BODY_H

#include <stddef.h>

#include "dbtok/dbtok_types.h"

/*
 * Read text[0..len) (modified: the comment is decoded in place, so text must
 * stay alive while out is used) with dbtok_create_request_parse(): "comment"
 * (string or null) and "lifetime_seconds" (an integer), nothing else.
 *
 * Returns 0, or -1 with a one-line message starting "--json: " in err.
 */
int cli_parse_create_body(char *text, size_t len, dbtok_create_request *out, char *err, size_t err_cap);

#endif /* CLI_BODY_H */
