/*
 * A create that recovers from a lost answer without leaving an orphan.
 *
 * The comment carries a random marker. When the answer to a create is lost
 * (DBTOK_ERR_OUTCOME_UNKNOWN), the token list tells whether the create took
 * effect: a token carrying the marker is one whose value nobody will ever
 * see, a pure liability, so it is revoked; then the create is sent once more,
 * with a new marker. Each step has the client's own retries; the rounds are
 * bounded.
 */
#include <string.h>

#include "client_internal.h"

/* Creates tried in all; each one after the first follows a recovery. */
#define RECOVER_ROUNDS 3
/* "[dbtok:" + 16 hex digits + "]" + NUL */
#define MARKER_LEN 25

typedef struct {
    const char *marker;
    char token_id[80]; /* ids are 64 hex digits; a longer one is refused, not cut */
    bool found;
    bool too_long;
} orphan_search;

static bool contains(dbtok_str hay, const char *needle)
{
    size_t n = strlen(needle);
    size_t i;
    for (i = 0; n <= hay.len && i <= hay.len - n; i++) {
        if (memcmp(hay.ptr + i, needle, n) == 0) {
            return true;
        }
    }
    return false;
}

static int find_orphan(void *user, const dbtok_token_info *info)
{
    orphan_search *s = user;
    if (!s->found && contains(info->comment, s->marker)) {
        s->found = true;
        s->too_long = dbtok_str_copy(s->token_id, sizeof s->token_id, info->token_id) != DBTOK_OK;
    }
    return 0;
}

static dbtok_err new_marker(dbtok_client *c, char marker[MARKER_LEN])
{
    static const char hex[] = "0123456789abcdef";
    uint8_t random[8];
    size_t i;
    if (c->port.entropy(c->port.ctx, random, sizeof random) != 0) {
        return DBTOK_ERR_CRYPTO;
    }
    memcpy(marker, "[dbtok:", 7);
    for (i = 0; i < sizeof random; i++) {
        marker[7 + 2 * i] = hex[random[i] >> 4];
        marker[8 + 2 * i] = hex[random[i] & 15u];
    }
    marker[23] = ']';
    marker[24] = 0;
    return DBTOK_OK;
}

/* After a lost create: DBTOK_OK when no token carries marker any more. */
static dbtok_err remove_orphan(dbtok_client *c, const char *marker)
{
    orphan_search s;
    dbtok_err err;

    memset(&s, 0, sizeof s);
    s.marker = marker;
    err = dbtok_token_list(c, find_orphan, &s);
    if (err != DBTOK_OK || !s.found) {
        return err;
    }
    if (s.too_long) {
        return client_fail(c, DBTOK_ERR_BUFFER_TOO_SMALL);
    }
    err = dbtok_token_revoke(c, s.token_id);
    /* Gone already (expired, or revoked by someone else) is as good. */
    if (err == DBTOK_ERR_API && c->error.http_status == 404) {
        err = DBTOK_OK;
    }
    return err;
}

dbtok_err dbtok_token_create_recover(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                                     dbtok_created_token *out)
{
    char marker[MARKER_LEN];
    int round;
    dbtok_err err;

    if (client == NULL || client->work == NULL || out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    for (round = 0; round < RECOVER_ROUNDS; round++) {
        err = new_marker(client, marker);
        if (err == DBTOK_OK) {
            err = token_create_tagged(client, comment, marker, lifetime_seconds, out);
        }
        if (err != DBTOK_ERR_OUTCOME_UNKNOWN) {
            return err;
        }
        if (remove_orphan(client, marker) != DBTOK_OK) {
            /* The orphan may live on: say so, as the plain create would. */
            return client_fail(client, DBTOK_ERR_OUTCOME_UNKNOWN);
        }
    }
    /* Every answer was lost, and every orphan removed: no token exists. */
    return client_fail(client, DBTOK_ERR_IO);
}
