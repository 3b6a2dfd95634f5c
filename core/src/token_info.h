/*
 * The one decoder of a token info, for a create answer's token_info and each
 * entry of a list alike.
 */
#ifndef DBTOK_TOKEN_INFO_H
#define DBTOK_TOKEN_INFO_H

#include "dbtok/dbtok.h"
#include "json.h"

/*
 * Object obj of a parsed tree, read under json.c's rule for members and
 * decoded in place. token_id must be a string (it is required) holding no
 * NUL (dbtok_token_revoke takes it back as a C string); comment a string,
 * which may hold NULs (returned whole, len counting past them); the times
 * integers; with DBTOK_ENABLE_SCOPES, autoscope_state a string and scopes,
 * inferred_scopes and backfill_scopes arrays of strings, none holding a NUL.
 * Absent or null fields take their defaults: no comment, created at 0, never
 * expires, no scopes. Nothing is decoded unless every check passed.
 * Returns DBTOK_OK or DBTOK_ERR_JSON; info views doc's text. With info NULL
 * only the checks run, and the text is left as it came (dbtok_token_list_json
 * hands it out so).
 */
dbtok_err dbtok__token_info_read(json_doc *doc, int obj, dbtok_token_info *info);



#endif /* DBTOK_TOKEN_INFO_H */
