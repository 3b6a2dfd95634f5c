/*
 * The text of rotate's --store FILE: one JSON object holding the record a
 * rotation keeps (dbtok_stored_token, dbtok_store.h) and what the record
 * belongs to, the device and the workspace:
 *
 *   {
 *     "token_value": "dapi...",  the device's token: "" before the first one exists
 *     "token_id": "...",         its id ("" with no token)
 *     "expiry_time": 1767225600000,  epoch milliseconds, -1: never expires
 *     "device": "cli-0123456789abcdef",  the marker its tokens carry
 *     "host": "my-workspace.cloud.databricks.com",  the workspace it was made on
 *     "port": 443,
 *     "workspace_id": "",        X-Databricks-Workspace-Id it was made with, "" for none
 *     "time_floor": 1767000000,  the latest trusted time learned, Unix seconds (0: none)
 *     "retire_id": "",           a replaced token still to revoke
 *     "sweep": false             other tokens of the device may exist: revoke them
 *   }
 *
 * Every member is required, none other is taken, none twice. Strings are
 * visible ASCII (0x21 to 0x7E), with only \" \\ and \/ as escapes: every
 * value is one (a token, an id, a name, a host), and anything else is not a
 * file dbtok wrote. The file never holds the configured credential, only
 * the device's own token.
 */
#ifndef CLI_STORE_FILE_H
#define CLI_STORE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_rotate.h"
#include "dbtok/dbtok_store.h"

#include "cli_host.h"

/* Bytes of the longest FILE: every member at its longest, escaped. */
#define CLI_STORE_FILE_MAX 2048u

/* What the record belongs to. */
typedef struct {
    char device[DBTOK_DEVICE_NAME_MAX + 1];
    char host[CLI_HOST_MAX];
    uint16_t port;
    char workspace_id[DBTOK_MAX_WORKSPACE_ID_LEN + 1];
} cli_store_owner;

/*
 * Read FILE's text[0..len) into *rec (seq 0) and *owner. Returns 0; 1 when
 * the text is empty or only whitespace (nothing kept yet: *rec and *owner
 * zeroed); or -1 with a one-line reason in err (no "Error: ", no newline, nothing of the
 * token value in it): not the format above, a value too long for the
 * record, a port outside 1..65535, a negative time_floor, an expiry_time
 * below -1, a token without an id or an id without a token. *rec may hold a
 * token either way: wipe it.
 */
int cli_store_parse(const char *text, size_t len, dbtok_stored_token *rec, cli_store_owner *owner, char *err,
                    size_t err_cap);

/*
 * FILE's text for rec and owner, in out (cap bytes, NUL-terminated).
 * Returns its length, or 0 when a string of rec or owner is not visible
 * ASCII (a token id the service made up, say) or it does not fit; out then
 * holds nothing of the token.
 */
size_t cli_store_format(char *out, size_t cap, const dbtok_stored_token *rec, const cli_store_owner *owner);

#endif /* CLI_STORE_FILE_H */
