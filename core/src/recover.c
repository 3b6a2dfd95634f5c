/*
 * A create that recovers from a lost answer without leaving an orphan.
 *
 * The comment carries a random marker. When the answer to a create is lost
 * (DBTOK_ERR_OUTCOME_UNKNOWN), the token list tells whether the create took
 * effect: a token carrying the marker is one whose value nobody will ever
 * see, a pure liability, so it is revoked; then the create is sent once more,
 * with a new marker. Each step has the client's own retries; the rounds are
 * bounded, and the whole of it runs inside one deadline (retry.deadline_ms).
 */
#include <string.h>

#include "client_internal.h"

#if DBTOK_ENABLE_CREATE_RECOVER
/* Creates tried in all; each one after the first follows a recovery. */
#define RECOVER_ROUNDS 3
/* The text of a marker: "[dbtok:" + 16 hex digits + "]". */
#define MARKER_TEXT_LEN 24
#define MARKER_BYTES DBTOK__MARKER_BYTES

typedef struct {
    const uint8_t *markers; /* every marker this call has used, MARKER_BYTES each */
    size_t n_markers;
    char *token_id; /* the client's orphan_id: kept off the stack, which the list below needs */
    const char *held_id; /* a token the caller holds, never taken for an orphan; "" for none */
    bool found;
    bool too_long;
} orphan_search;

static const char hex[] = "0123456789abcdef";

/* Whether comment holds the text of one of the markers. */
static bool has_marker(dbtok_str comment, const uint8_t *markers, size_t n)
{
    size_t i;
    for (i = 0; comment.len >= MARKER_TEXT_LEN && i <= comment.len - MARKER_TEXT_LEN; i++) {
        const char *p = comment.ptr + i;
        size_t m;
        if (memcmp(p, "[dbtok:", 7) != 0 || p[23] != ']') {
            continue;
        }
        for (m = 0; m < n; m++) {
            const uint8_t *bits = markers + m * MARKER_BYTES;
            size_t k = 0;
            while (k < MARKER_BYTES && p[7 + 2 * k] == hex[bits[k] >> 4] && p[8 + 2 * k] == hex[bits[k] & 15u]) {
                k++;
            }
            if (k == MARKER_BYTES) {
                return true;
            }
        }
    }
    return false;
}

static int find_orphan(void *user, const dbtok_token_info *info)
{
    orphan_search *s = user;
    bool held = info->token_id.len == strlen(s->held_id) &&
                memcmp(info->token_id.ptr, s->held_id, info->token_id.len) == 0;
    /* A list naming the held token with this call's marker lies: the
     * token it made is another one. */
    if (!s->found && !held && has_marker(info->comment, s->markers, s->n_markers)) {
        s->found = true;
        s->too_long = dbtok_str_copy(s->token_id, DBTOK__ORPHAN_ID_MAX, info->token_id) != DBTOK_OK;
    }
    return 0;
}

/*
 * After a lost create: DBTOK_OK once a list shows no token carrying any
 * marker of this call. Earlier rounds' markers are looked for again, so a
 * token that shows up in the list late is still found; each list that finds
 * one is followed by its revoke and another list, at most one per marker.
 *
 * A server that lost one answer may send it late, on the same connection,
 * where it would be read as the answer to the next request (a stray "{}"
 * taken for the list, or for a revoke that never happened). So every request
 * of the recovery goes on a connection of its own.
 */
static dbtok_err remove_orphans(dbtok__state *c, const uint8_t *markers, size_t n_markers, const char *held_id,
                                size_t *revoked)
{
    orphan_search s;
    size_t lists;
    dbtok_err err = DBTOK_OK;

    s.token_id = c->orphan_id;
    s.held_id = held_id;
    s.markers = markers;
    s.n_markers = n_markers;
    for (lists = 0; lists <= n_markers; lists++) {
        s.found = false;
        s.too_long = false;
        dbtok__tls_disconnect(c);
        err = dbtok_token_list(dbtok__client_of(c), find_orphan, &s);
        if (err != DBTOK_OK || !s.found) {
            break;
        }
        if (s.too_long) {
            err = dbtok__client_fail(c, DBTOK_ERR_BUFFER_TOO_SMALL);
            break;
        }
        dbtok__tls_disconnect(c);
        err = dbtok_token_revoke(dbtok__client_of(c), s.token_id);
        /* Gone already (expired, or revoked by someone else) is as good. */
        if (err != DBTOK_OK && !(err == DBTOK_ERR_API && c->error.http_status == 404)) {
            break;
        }
        (*revoked)++;
        err = DBTOK_ERR_OUTCOME_UNKNOWN; /* until a list shows none */
    }
    dbtok__tls_disconnect(c);
    return err;
}

/* client->call_deadline_ms is the whole call's end. */
static dbtok_err create_recovering(dbtok__state *client, const char *comment, int64_t lifetime_seconds,
                                   const dbtok_create_options *opts, const char *held_id, dbtok_created_token *out)
{
    uint64_t end = client->call_deadline_ms;
    uint8_t markers[RECOVER_ROUNDS * MARKER_BYTES];
    size_t revoked = 0;
    size_t round;
    dbtok_err err;

    for (round = 0; round < RECOVER_ROUNDS; round++) {
        uint8_t *bits = markers + round * MARKER_BYTES;
        uint64_t now = client->port.now_ms(client->port.ctx);
        if (client->port.entropy(client->port.ctx, bits, MARKER_BYTES) != 0) {
            return DBTOK_ERR_CRYPTO;
        }
        /* A create whose answer stalls may take only half of what is left,
         * so that the recovery it may need has the other half. */
        client->call_deadline_ms = now < end ? now + (end - now + 1) / 2 : end;
        err = dbtok__token_create_tagged(client, comment, lifetime_seconds, opts, bits, out);
        client->call_deadline_ms = end;
        if (err != DBTOK_ERR_OUTCOME_UNKNOWN) {
            return err;
        }
        if (remove_orphans(client, markers, round + 1, held_id, &revoked) != DBTOK_OK) {
            /* An orphan may live on: say so, as the plain create would. */
            return dbtok__client_fail(client, DBTOK_ERR_OUTCOME_UNKNOWN);
        }
    }
    /* Every answer was lost. A list without a marker proves nothing of a
     * create the service has not finished yet (it stalled, and may act
     * later): only when each create's token was found and revoked is it
     * certain that none of this call's tokens exists. */
    return dbtok__client_fail(client, revoked == RECOVER_ROUNDS ? DBTOK_ERR_IO : DBTOK_ERR_OUTCOME_UNKNOWN);
}

dbtok_err dbtok__create_recover(dbtok__state *c, const char *comment, int64_t lifetime_seconds,
                                const dbtok_create_options *opts, const char *held_id, dbtok_created_token *out)
{
    dbtok_err err;

    if (c == NULL || c->work == NULL || out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    /* One deadline for the creates, lists and revokes together: each of them
     * retries only inside what is left of it. */
    c->call_deadline_ms = dbtok__call_deadline(c);
    err = create_recovering(c, comment, lifetime_seconds, opts, held_id != NULL ? held_id : "", out);
    c->call_deadline_ms = 0;
    return err;
}

dbtok_err dbtok_token_create_recover(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                                     dbtok_created_token *out)
{
    return dbtok__create_recover(dbtok__state_of(client), comment, lifetime_seconds, NULL, NULL, out);
}

dbtok_err dbtok_token_create_recover_with(dbtok_client *client, const dbtok_create_options *opts,
                                          dbtok_created_token *out)
{
    if (opts == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    return dbtok__create_recover(dbtok__state_of(client), opts->comment, opts->lifetime_seconds, opts, NULL, out);
}
#else
/* ISO C wants something in every translation unit. */
typedef int dbtok__recover_left_out;
#endif /* DBTOK_ENABLE_CREATE_RECOVER */
