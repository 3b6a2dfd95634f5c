/*
 * The request body of `dbtok create --json`, as the Databricks CLI takes it:
 * a JSON object given inline or as @FILE, whose fields flags may override.
 */
#ifndef CLI_BODY_H
#define CLI_BODY_H

#include "cli_args.h"

/*
 * Read a->json (inline, or @FILE), a create body of "comment" (string or
 * null) and "lifetime_seconds" (an integer, not negative), and fill the
 * fields the flags left unset: flags win, field by field, as in the
 * Databricks CLI where --json is the request and flags override it. A
 * problem is a usage error in a. The comment then points into a static
 * buffer, valid until the next call.
 */
void cli_apply_json_body(cli_args *a);

#endif /* CLI_BODY_H */
