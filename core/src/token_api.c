/*
 * The operations of the Token API: create, list (decoded or as JSON), update
 * and revoke.
 */
#include <string.h>

#include "client_internal.h"
#include "json.h"
#include "list_reader.h"
#include "token_info.h"

#define PATH_CREATE "/api/2.0/token/create"
#define PATH_LIST "/api/2.0/token/list"
#define PATH_DELETE "/api/2.0/token/delete"
#define PATH_TOKEN "/api/2.0/token/" /* + the id, for an update */

/* What a create sends: the comment and lifetime, and the rest of the
 * options (their comment and lifetime unread), so that the plain calls
 * build no options of their own on the stack. */
typedef struct {
    const dbtok_create_options *opts;
    const char *comment;   /* the comment, or "" when a marker goes in alone */
    int64_t lifetime_seconds;
    const uint8_t *marker; /* DBTOK__MARKER_BYTES, appended to the comment after a space, or NULL */
} create_args;

#if DBTOK_ENABLE_SCOPES
/* "scopes":[...] */
static void write_scopes(http_buf *out, const char *const *scopes, size_t n)
{
    size_t i;
    dbtok__http_buf_puts(out, "\"scopes\":[");
    for (i = 0; i < n; i++) {
        dbtok__http_buf_puts(out, i > 0 ? "," : "");
        dbtok__http_buf_put_json_string(out, scopes[i], strlen(scopes[i]));
    }
    dbtok__http_buf_puts(out, "]");
}
#endif

#if DBTOK_ENABLE_SCOPES || DBTOK_ENABLE_UPDATE
/* Whether each of scopes[0..n) is non-empty UTF-8. */
static bool scopes_ok(const char *const *scopes, size_t n)
{
    size_t i;
    if (n > 0 && scopes == NULL) {
        return false;
    }
    for (i = 0; i < n; i++) {
        if (scopes[i] == NULL || scopes[i][0] == '\0' ||
            dbtok__json_echo_bound(scopes[i], strlen(scopes[i])) == SIZE_MAX) {
            return false;
        }
    }
    return true;
}
#endif

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
        sep = ",";
    }
#if DBTOK_ENABLE_SCOPES
    const dbtok_create_options *o = a->opts;
    if (o != NULL && o->n_scopes > 0) {
        dbtok__http_buf_puts(out, sep);
        write_scopes(out, o->scopes, o->n_scopes);
        sep = ",";
    }
    if (o != NULL && o->autoscope_enabled) {
        dbtok__http_buf_puts(out, sep);
        dbtok__http_buf_puts(out, "\"autoscope_enabled\":true");
    }
#else
    (void)sep;
#endif
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

/* a + b, or SIZE_MAX once either is */
static size_t add_sat(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* The work a create needs: SIZE_MAX when a text is not UTF-8 or missing. */
static size_t create_need(const char *comment, const dbtok_create_options *o)
{
    size_t need = DBTOK_CREATE_ANSWER_RESERVE + MARKER_ECHO_BYTES;
#if DBTOK_ENABLE_SCOPES
    size_t i;
#endif

    if (comment != NULL) {
        need = add_sat(need, dbtok__json_echo_bound(comment, strlen(comment)));
    }
#if DBTOK_ENABLE_SCOPES || DBTOK_ENABLE_RAW_JSON
    if (o == NULL) {
        return need;
    }
#endif
#if DBTOK_ENABLE_SCOPES
    if (!scopes_ok(o->scopes, o->n_scopes)) {
        return SIZE_MAX;
    }
    for (i = 0; i < o->n_scopes; i++) {
        /* echoed in quotes with a comma, one jsmn token */
        size_t echo = dbtok__json_echo_bound(o->scopes[i], strlen(o->scopes[i]));
        need = add_sat(need, add_sat(echo, 3 + sizeof(jsmntok_t)));
    }
#endif
#if DBTOK_ENABLE_RAW_JSON
    return o->answer_json ? add_sat(need, need) : need;
#else
    (void)o;
    return need;
#endif
}

size_t dbtok_create_options_work_needed(const dbtok_create_options *opts)
{
    size_t need = opts != NULL ? create_need(opts->comment, opts) : SIZE_MAX;
    return need == SIZE_MAX ? 0 : need;
}

size_t dbtok_create_work_needed(const char *comment)
{
    size_t need = create_need(comment, NULL);
    return need == SIZE_MAX ? 0 : need;
}

dbtok_err dbtok_token_create(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                             dbtok_created_token *out)
{
    return dbtok__token_create_tagged(dbtok__state_of(client), comment, lifetime_seconds, NULL, NULL, out);
}

dbtok_err dbtok_token_create_with(dbtok_client *client, const dbtok_create_options *opts, dbtok_created_token *out)
{
    if (opts == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    return dbtok__token_create_tagged(dbtok__state_of(client), opts->comment, opts->lifetime_seconds, opts, NULL, out);
}

#if DBTOK_ENABLE_RAW_JSON
/* The answer's text, copied after its tokens before decoding rewrites it;
 * left empty when the copy does not fit. */
static void keep_answer(dbtok__state *c, const json_doc *doc, dbtok_str *out)
{
    size_t used = (size_t)((const uint8_t *)(const void *)(doc->tok + doc->ntok) - c->work);
    out->ptr = "";
    out->len = 0;
    if (used <= c->work_len && c->work_len - used > doc->len) {
        char *copy = (char *)c->work + used;
        memcpy(copy, doc->text, doc->len);
        copy[doc->len] = '\0';
        out->ptr = copy;
        out->len = doc->len;
    }
}
#endif

dbtok_err dbtok__token_create_tagged(dbtok__state *client, const char *comment, int64_t lifetime_seconds,
                                     const dbtok_create_options *opts, const uint8_t *marker, dbtok_created_token *out)
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
    dbtok__client_error_reset(client);
    /* A library without the switch would make a token with less restriction
     * than was asked for, or hand out less: refused, not sent. */
    if (opts != NULL && ((!DBTOK_ENABLE_SCOPES && (opts->n_scopes > 0 || opts->autoscope_enabled)) ||
                         (!DBTOK_ENABLE_RAW_JSON && opts->answer_json))) {
        return dbtok__client_fail(client, DBTOK_ERR_INVALID_ARG);
    }
    /* The answer echoes the comment and scopes: one whose answer could not
     * fit would make a token nobody ever sees, so it is not sent. */
    need = create_need(comment, opts);
    if (need == SIZE_MAX) {
        return dbtok__client_fail(client, DBTOK_ERR_INVALID_ARG);
    }
    if (need > client->work_len) {
        client->error.needed_work_len = need;
        return dbtok__client_fail(client, DBTOK_ERR_BUFFER_TOO_SMALL);
    }
    args.opts = opts;
    args.comment = comment != NULL || marker == NULL ? comment : "";
    args.lifetime_seconds = lifetime_seconds;
    args.marker = marker;
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
        /* The value is handed out as a C string (a bearer token): a NUL in
         * it, or no value at all, leaves a token nobody can use. */
        err = answer[0] < 0 || answer[1] < 0 || !dbtok__json_is_cstring(&doc, answer[0]) ||
                      doc.tok[answer[0]].end == doc.tok[answer[0]].start ||
                      dbtok__token_info_read(&doc, answer[1], NULL) != DBTOK_OK
                  ? DBTOK_ERR_JSON
                  : DBTOK_OK;
    }
    if (err == DBTOK_OK) {
        out->answer_json.ptr = "";
        out->answer_json.len = 0;
#if DBTOK_ENABLE_RAW_JSON
        if (opts != NULL && opts->answer_json) {
            keep_answer(client, &doc, &out->answer_json);
        }
#endif
        /* Checked above, so neither can fail. */
        (void)dbtok__token_info_read(&doc, answer[1], &out->info);
        (void)dbtok__json_string(&doc, answer[0], &out->token_value);
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

static dbtok_err list_tokens(dbtok_client *client, dbtok_token_cb cb, dbtok__entry_json_cb json_cb, void *user)
{
    dbtok__state *c = dbtok__state_of(client);
    exchange_request req;
    list_reader reader;
    json_doc doc;

    if (c == NULL || c->work == NULL || (cb == NULL && json_cb == NULL)) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = PATH_LIST;
    req.body_sink = dbtok__list_reader_sink;
    req.sink_arg = &reader;
    req.idempotent = true;
    dbtok__list_reader_init(&reader, c, &req, cb, json_cb, user);
    /* A half-read answer (an abort, an entry too large) closes the
     * connection inside the exchange: it is never reused. */
    return dbtok__call(c, &req, &doc, NULL);
}

dbtok_err dbtok_token_list(dbtok_client *client, dbtok_token_cb cb, void *user)
{
    return cb == NULL ? DBTOK_ERR_INVALID_ARG : list_tokens(client, cb, NULL, user);
}

#if DBTOK_ENABLE_RAW_JSON
dbtok_err dbtok_token_list_json(dbtok_client *client, dbtok_json_cb cb, void *user)
{
    return cb == NULL ? DBTOK_ERR_INVALID_ARG : list_tokens(client, NULL, cb, user);
}
#endif

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

#if DBTOK_ENABLE_UPDATE
static void write_update_body(const void *arg, http_buf *out)
{
    const dbtok_update_options *o = arg;
    dbtok__http_buf_puts(out, "{\"token\":{");
    if (o->comment != NULL) {
        dbtok__http_buf_puts(out, "\"comment\":");
        dbtok__http_buf_put_json_string(out, o->comment, strlen(o->comment));
    }
#if DBTOK_ENABLE_SCOPES
    if (o->set_scopes) {
        dbtok__http_buf_puts(out, o->comment != NULL ? "," : "");
        write_scopes(out, o->scopes, o->n_scopes);
    }
#endif
    /* The mask names exactly the fields written: one it named but the body
     * lacked would be cleared. */
    dbtok__http_buf_puts(out, "},\"update_mask\":\"");
    dbtok__http_buf_puts(out, o->comment != NULL ? (o->set_scopes ? "comment,scopes" : "comment") : "scopes");
    dbtok__http_buf_puts(out, "\"}");
}

dbtok_err dbtok_token_update(dbtok_client *client, const char *token_id, const dbtok_update_options *opts)
{
    dbtok__state *c = dbtok__state_of(client);
    exchange_request req;
    json_doc doc;

    if (c == NULL || c->work == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    dbtok__client_error_reset(c);
    if (token_id == NULL || token_id[0] == '\0' || opts == NULL || (opts->comment == NULL && !opts->set_scopes) ||
        (opts->comment != NULL && dbtok__json_echo_bound(opts->comment, strlen(opts->comment)) == SIZE_MAX) ||
        (opts->set_scopes && (!DBTOK_ENABLE_SCOPES || !scopes_ok(opts->scopes, opts->n_scopes)))) {
        return dbtok__client_fail(c, DBTOK_ERR_INVALID_ARG);
    }
    memset(&req, 0, sizeof req);
    req.method = "PATCH";
    req.path = PATH_TOKEN;
    req.path_segment = token_id;
    req.put_segment = dbtok__http_put_path_segment;
    req.write_body = write_update_body;
    req.write_arg = opts;
    req.idempotent = true;
    return dbtok__call(c, &req, &doc, NULL);
}
#endif
