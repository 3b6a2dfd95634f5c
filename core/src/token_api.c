/*
 * The three operations of the Token API.
 */
#include <string.h>

#include "client_internal.h"
#include "json.h"
#include "list_reader.h"
#include "token_info.h"

#define PATH_CREATE "/api/2.0/token/create"
#define PATH_LIST "/api/2.0/token/list"
#define PATH_DELETE "/api/2.0/token/delete"

typedef struct {
    const char *comment;
    const uint8_t *marker; /* DBTOK__MARKER_BYTES, appended to the comment after a space, or NULL */
    int64_t lifetime_seconds;
} create_args;

static void write_create_body(const void *arg, http_buf *out)
{
    const create_args *a = arg;
    const char *sep = "";
    dbtok__http_buf_puts(out, "{");
    if (a->comment != NULL) {
        dbtok__http_buf_puts(out, "\"comment\":\"");
        dbtok__http_buf_put_json_text(out, a->comment, strlen(a->comment));
        if (a->marker != NULL) {
            static const char hex[] = "0123456789abcdef";
            size_t i;
            dbtok__http_buf_puts(out, a->comment[0] != 0 ? " [dbtok:" : "[dbtok:");
            for (i = 0; i < DBTOK__MARKER_BYTES; i++) {
                char pair[3] = {hex[a->marker[i] >> 4], hex[a->marker[i] & 15u], 0};
                dbtok__http_buf_puts(out, pair);
            }
            dbtok__http_buf_puts(out, "]");
        }
        dbtok__http_buf_puts(out, "\"");
        sep = ",";
    }
    if (a->lifetime_seconds > 0) {
        dbtok__http_buf_puts(out, sep);
        dbtok__http_buf_puts(out, "\"lifetime_seconds\":");
        dbtok__http_buf_put_i64(out, a->lifetime_seconds);
    }
    dbtok__http_buf_puts(out, "}");
}

/*
 * What a failed create says about the token: the one rule for it. Once the
 * request went out whole, only a readable token, a 4xx (the service refused
 * it; with error_code, a service JSON error) or the service's own "try later"
 * (dbtok__client_said_try_later) tell for sure. Anything else, a 2xx that cannot be
 * read or holds no value, a 5xx or gateway page, a redirect, an answer cut
 * short, may come after the token was made: its value is as lost as if no
 * answer had come.
 */
static dbtok_err create_outcome(const dbtok__state *c, dbtok_err err, bool reached)
{
    int status = c->error.http_status;
    if (err == DBTOK_OK || !reached || (status >= 400 && status < 500)) {
        return err;
    }
    if ((err == DBTOK_ERR_API || err == DBTOK_ERR_NOT_JSON) && dbtok__client_said_try_later(&c->error)) {
        return err;
    }
    return DBTOK_ERR_OUTCOME_UNKNOWN;
}

/* " [dbtok:" + 16 hex digits + "]" */
#define MARKER_ECHO_BYTES 25u

size_t dbtok_create_work_needed(const char *comment)
{
    size_t echo = comment != NULL ? dbtok__json_echo_bound(comment, strlen(comment)) : 0;
    if (echo == SIZE_MAX || echo > SIZE_MAX - DBTOK_CREATE_ANSWER_RESERVE - MARKER_ECHO_BYTES) {
        return 0;
    }
    return DBTOK_CREATE_ANSWER_RESERVE + MARKER_ECHO_BYTES + echo;
}

dbtok_err dbtok_token_create(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                             dbtok_created_token *out)
{
    dbtok__state *c = dbtok__state_of(client);
    return dbtok__token_create_tagged(c, comment, NULL, lifetime_seconds, out);
}

dbtok_err dbtok__token_create_tagged(dbtok__state *client, const char *comment, const uint8_t *marker,
                              int64_t lifetime_seconds, dbtok_created_token *out)
{
    create_args args;
    exchange_request req;
    json_doc doc;
    static const char *const answer_names[2] = {"token_value", "token_info"};
    int answer[2]; /* the values of answer_names */
    size_t need;
    dbtok_err err;

    if (client == NULL || client->work == NULL || out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    /* The answer echoes the comment: one whose answer could not fit would
     * make a token nobody ever sees, so it is not sent. */
    dbtok__client_error_reset(client);
    need = dbtok_create_work_needed(comment);
    if (need == 0 && comment != NULL) {
        return dbtok__client_fail(client, DBTOK_ERR_INVALID_ARG);
    }
    if (need > client->work_len) {
        client->error.needed_work_len = need;
        return dbtok__client_fail(client, DBTOK_ERR_BUFFER_TOO_SMALL);
    }
    args.comment = comment != NULL || marker == NULL ? comment : "";
    args.marker = marker;
    args.lifetime_seconds = lifetime_seconds;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = PATH_CREATE;
    req.write_body = write_create_body;
    req.write_arg = &args;
    err = dbtok__call(client, &req, &doc, "token_value");
    if (err == DBTOK_OK) {
        err = dbtok__json_object_members(&doc, 0, answer_names, 2, answer);
    }
    if (err == DBTOK_OK) {
        err = answer[0] < 0 || answer[1] < 0 ? DBTOK_ERR_JSON : dbtok__token_info_read(&doc, answer[1], &out->info);
    }
    if (err == DBTOK_OK) {
        /* The value is handed out as a C string (a bearer token): a NUL in
         * it, or no value at all, leaves a token nobody can use. */
        err = dbtok__json_string_cstr(&doc, answer[0], &out->token_value);
        err = err == DBTOK_OK && out->token_value.len == 0 ? DBTOK_ERR_JSON : err;
    }
    err = create_outcome(client, err, req.reached);
    if (err == DBTOK_ERR_OUTCOME_UNKNOWN) {
        /* A server that lost track of its answer may still send it: its
         * connection is not trusted with another request. */
        dbtok__tls_disconnect(client);
    }
    if (err == DBTOK_OK) {
        /* Known from now on, so that an echo of it is masked. */
        dbtok__remember_secret(client, out->token_value);
    }
    return err == DBTOK_OK ? DBTOK_OK : dbtok__client_fail(client, err);
}

dbtok_err dbtok_token_list(dbtok_client *client, dbtok_token_cb cb, void *user)
{
    dbtok__state *c = dbtok__state_of(client);
    exchange_request req;
    list_reader reader;
    json_doc doc;

    if (c == NULL || c->work == NULL || cb == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = PATH_LIST;
    req.body_sink = dbtok__list_reader_sink;
    req.sink_arg = &reader;
    req.idempotent = true;
    dbtok__list_reader_init(&reader, c, &req, cb, user);
    /* A half-read answer (an abort, an entry too large) closes the
     * connection inside the exchange: it is never reused. */
    return dbtok__call(c, &req, &doc, NULL);
}

static void write_delete_body(const void *arg, http_buf *out)
{
    const char *token_id = arg;
    dbtok__http_buf_puts(out, "{\"token_id\":");
    dbtok__http_buf_put_json_string(out, token_id, strlen(token_id));
    dbtok__http_buf_puts(out, "}");
}

dbtok_err dbtok_token_revoke(dbtok_client *client, const char *token_id)
{
    dbtok__state *c = dbtok__state_of(client);
    exchange_request req;
    json_doc doc;

    if (c == NULL || c->work == NULL || token_id == NULL || token_id[0] == 0) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = PATH_DELETE;
    req.write_body = write_delete_body;
    req.write_arg = token_id;
    return dbtok__call(c, &req, &doc, NULL);
}
