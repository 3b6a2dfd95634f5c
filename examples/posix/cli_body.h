/*
 * The request body of `dbtok create --json` and `dbtok update --json`, as the
 * Databricks CLI takes them: a JSON object given inline or as @FILE, whose
 * fields flags may override.
 */
#ifndef CLI_BODY_H
#define CLI_BODY_H

#include "cli_args.h"

/*
 * Read a->json (inline, or @FILE): for create a body of "comment",
 * "lifetime_seconds" (not negative), "scopes" and "autoscope_enabled"; for
 * update {"token": {"comment", "scopes"}, "update_mask": "..."} with the
 * mask naming exactly the fields given. Fill what the flags left unset:
 * flags win, field by field (--scope replaces the body's scopes as a whole),
 * as in the Databricks CLI where --json is the request and flags override
 * it. A problem is a usage error in a. The comment and scopes then point
 * into a static buffer, valid until the next call.
 */
void cli_apply_json_body(cli_args *a);

#endif /* CLI_BODY_H */
