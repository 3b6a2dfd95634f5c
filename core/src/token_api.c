/*
 * The three operations of the Token API and what their answers mean.
 *
 * Every answer is classified the same way: 3xx is a redirect (never
 * followed), a body that is not JSON is DBTOK_ERR_NOT_JSON whatever the
 * status (a 200 login page is not a success), a JSON error body becomes
 * DBTOK_ERR_API with its error_code and message, and only a 2xx JSON object
 * is decoded as a result.
 */
#include <string.h>

#include "client_internal.h"
#include "json.h"
#include "list_reader.h"

#define PATH_CREATE "/api/2.0/token/create"
#define PATH_LIST "/api/2.0/token/list"
#define PATH_DELETE "/api/2.0/token/delete"

/* jsmn tokens live in the work buffer, after the body and its NUL. */
static dbtok_err parse_body(dbtok_client *c, const exchange_response *resp, json_doc *doc)
{
    size_t used = resp->body_len + 1;
    size_t align = sizeof(int) - 1;
    size_t offset = (used + align) & ~align;
    int needed = json_count_tokens((const char *)resp->body, resp->body_len);
    if (needed < 0) {
        return (dbtok_err)needed;
    }
    if (offset > c->work_len || (c->work_len - offset) / sizeof(jsmntok_t) < (size_t)needed) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    return json_parse(doc, (char *)resp->body, resp->body_len, (jsmntok_t *)(void *)(c->work + offset),
                      (unsigned int)needed);
}

static void copy_code(char *dst, size_t cap, const char *src, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(dst, src, n);
    dst[n] = 0;
}

/* "3.5s" as in google.rpc.RetryInfo, to milliseconds (0 when unreadable). */
static uint32_t parse_retry_delay(dbtok_str s)
{
    uint32_t ms = 0;
    uint32_t scale = 1000;
    bool fraction = false;
    size_t i;
    for (i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (ch >= '0' && ch <= '9') {
            if (!fraction) {
                if (ms > UINT32_MAX / 10 - 1000) {
                    return UINT32_MAX;
                }
                ms = ms * 10 + (uint32_t)(ch - '0') * 1000;
            } else if (scale > 1) {
                scale /= 10;
                ms += (uint32_t)(ch - '0') * scale;
            }
        } else if (ch == '.' && !fraction) {
            fraction = true;
        } else if (ch == 's' && i + 1 == s.len) {
            return ms;
        } else {
            return 0;
        }
    }
    return 0;
}

/* error_code, message and RetryInfo from an error body; anything missing
 * stays empty. A Retry-After header wins over RetryInfo. */
static void record_api_error(dbtok_client *c, const exchange_response *resp, json_doc *doc)
{
    int code = json_object_get(doc, 0, "error_code");
    int message = json_object_get(doc, 0, "message");
    int details = json_object_get(doc, 0, "details");
    dbtok_str s;

    if (code >= 0 && doc->tok[code].type == JSMN_STRING && json_string(doc, code, &s) == DBTOK_OK) {
        copy_code(c->error.error_code, sizeof c->error.error_code, s.ptr, s.len);
    } else if (code >= 0 && doc->tok[code].type == JSMN_PRIMITIVE) {
        int64_t v;
        if (json_int64(doc, code, &v) == DBTOK_OK) {
            const char *text = doc->text + doc->tok[code].start;
            copy_code(c->error.error_code, sizeof c->error.error_code, text,
                      (size_t)(doc->tok[code].end - doc->tok[code].start));
        }
    }
    if (message >= 0 && doc->tok[message].type == JSMN_STRING && json_string(doc, message, &s) == DBTOK_OK) {
        client_record_message(c, s.ptr, s.len);
    }
    if (details >= 0 && doc->tok[details].type == JSMN_ARRAY && !resp->has_retry_after) {
        int i = details + 1;
        int n;
        for (n = 0; n < doc->tok[details].size; n++) {
            int type = json_object_get(doc, i, "@type");
            int delay = json_object_get(doc, i, "retry_delay");
            dbtok_str t;
            if (type >= 0 && delay >= 0 && doc->tok[delay].type == JSMN_STRING &&
                json_string(doc, type, &t) == DBTOK_OK && t.len >= 9 &&
                memcmp(t.ptr + t.len - 9, "RetryInfo", 9) == 0 && json_string(doc, delay, &s) == DBTOK_OK) {
                c->error.retry_after_ms = parse_retry_delay(s);
            }
            i = json_skip(doc, i);
        }
    }
}

/* Sends the request under a fresh deadline. */
static dbtok_err run(dbtok_client *c, exchange_request *req, exchange_response *resp)
{
    dbtok_err err;

    client_error_reset(c);
    c->deadline_ms = c->port.now_ms(c->port.ctx) + c->config.timeout_ms;
    err = exchange(c, req, resp);
    return err == DBTOK_OK ? DBTOK_OK : client_fail(c, err);
}

/*
 * Classifies a whole answer. On DBTOK_OK, doc holds a 2xx JSON object.
 * secret_key names a field whose raw text must not be traced.
 */
static dbtok_err classify(dbtok_client *c, const exchange_response *resp, json_doc *doc, const char *secret_key)
{
    bool ok_status = resp->status >= 200 && resp->status < 300;
    dbtok_err err;

    if (resp->status >= 300 && resp->status < 400) {
        trace_body(c, (const char *)resp->body, resp->body_len, NULL, 0);
        return client_fail(c, DBTOK_ERR_REDIRECT);
    }
    err = parse_body(c, resp, doc);
    if (err == DBTOK_OK && doc->tok[0].type != JSMN_OBJECT) {
        err = DBTOK_ERR_JSON;
    }
    if (err == DBTOK_OK) {
        int secret = secret_key != NULL ? json_object_get(doc, 0, secret_key) : -1;
        const jsmntok_t *t = secret >= 0 ? &doc->tok[secret] : NULL;
        trace_body(c, (const char *)resp->body, resp->body_len, t != NULL ? doc->text + t->start : NULL,
                   t != NULL ? (size_t)(t->end - t->start) : 0);
    } else if (secret_key == NULL || !ok_status) {
        trace_body(c, (const char *)resp->body, resp->body_len, NULL, 0);
    } else {
        static const char hidden[] = "| [unparsed body not shown: it may hold a secret]\n";
        trace_text(c, hidden, sizeof hidden - 1);
    }
    if (err == DBTOK_ERR_NOT_JSON) {
        client_record_text(c, resp->body, resp->body_len);
    }
    if (err != DBTOK_OK) {
        return client_fail(c, err);
    }
    if (!ok_status) {
        record_api_error(c, resp, doc);
        return client_fail(c, DBTOK_ERR_API);
    }
    return DBTOK_OK;
}

static dbtok_err call(dbtok_client *c, exchange_request *req, json_doc *doc, const char *secret_key)
{
    exchange_response resp;
    dbtok_err err = run(c, req, &resp);
    return err != DBTOK_OK ? err : classify(c, &resp, doc, secret_key);
}

/* Reads and decodes token_id, comment and the two times of an info object. */
static dbtok_err read_info(json_doc *doc, int obj, dbtok_token_info *info)
{
    int id = json_object_get(doc, obj, "token_id");
    int comment = json_object_get(doc, obj, "comment");
    int created = json_object_get(doc, obj, "creation_time");
    int expiry = json_object_get(doc, obj, "expiry_time");
    dbtok_err err = DBTOK_OK;

    if (comment >= 0 && doc->tok[comment].type == JSMN_PRIMITIVE && doc->text[doc->tok[comment].start] == 'n') {
        comment = -1; /* null: no comment */
    }
    if (doc->tok[obj].type != JSMN_OBJECT || id < 0 || doc->tok[id].type != JSMN_STRING ||
        (comment >= 0 && doc->tok[comment].type != JSMN_STRING)) {
        return DBTOK_ERR_JSON;
    }
    info->creation_time_ms = 0;
    info->expiry_time_ms = -1;
    info->comment.ptr = "";
    info->comment.len = 0;
    if (created >= 0) {
        err = json_int64(doc, created, &info->creation_time_ms);
    }
    if (err == DBTOK_OK && expiry >= 0) {
        err = json_int64(doc, expiry, &info->expiry_time_ms);
    }
    if (err == DBTOK_OK) {
        err = json_string(doc, id, &info->token_id);
    }
    if (err == DBTOK_OK && comment >= 0) {
        err = json_string(doc, comment, &info->comment);
    }
    return err;
}

typedef struct {
    const char *comment;
    int64_t lifetime_seconds;
} create_args;

static void write_create_body(const void *arg, http_buf *out)
{
    const create_args *a = arg;
    const char *sep = "";
    http_buf_puts(out, "{");
    if (a->comment != NULL) {
        http_buf_puts(out, "\"comment\":");
        http_buf_put_json_string(out, a->comment, strlen(a->comment));
        sep = ",";
    }
    if (a->lifetime_seconds > 0) {
        http_buf_puts(out, sep);
        http_buf_puts(out, "\"lifetime_seconds\":");
        http_buf_put_i64(out, a->lifetime_seconds);
    }
    http_buf_puts(out, "}");
}

dbtok_err dbtok_token_create(dbtok_client *client, const char *comment, int64_t lifetime_seconds,
                             dbtok_created_token *out)
{
    create_args args;
    exchange_request req;
    json_doc doc;
    int value;
    int info;
    dbtok_err err;

    if (client == NULL || client->work == NULL || out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    args.comment = comment;
    args.lifetime_seconds = lifetime_seconds;
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = PATH_CREATE;
    req.write_body = write_create_body;
    req.write_arg = &args;
    req.outcome_matters = true;
    err = call(client, &req, &doc, "token_value");
    if (err != DBTOK_OK) {
        return err;
    }
    value = json_object_get(&doc, 0, "token_value");
    info = json_object_get(&doc, 0, "token_info");
    if (value < 0 || doc.tok[value].type != JSMN_STRING || info < 0) {
        return client_fail(client, DBTOK_ERR_JSON);
    }
    err = read_info(&doc, info, &out->info);
    if (err == DBTOK_OK) {
        err = json_string(&doc, value, &out->token_value);
    }
    return err == DBTOK_OK ? DBTOK_OK : client_fail(client, err);
}

dbtok_err dbtok_token_list(dbtok_client *client, dbtok_token_cb cb, void *user)
{
    exchange_request req;
    exchange_response resp;
    list_reader reader;
    json_doc doc;
    dbtok_err err;

    if (client == NULL || client->work == NULL || cb == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(&req, 0, sizeof req);
    req.method = "GET";
    req.path = PATH_LIST;
    req.body_sink = list_reader_sink;
    req.sink_arg = &reader;
    req.idempotent = true;
    list_reader_init(&reader, client, &req, cb, user);
    /* A half-read answer (an abort, an entry too large) closes the
     * connection inside the exchange: it is never reused. */
    err = run(client, &req, &resp);
    if (err != DBTOK_OK || resp.sunk) {
        return err;
    }
    return classify(client, &resp, &doc, NULL);
}

static void write_delete_body(const void *arg, http_buf *out)
{
    const char *token_id = arg;
    http_buf_puts(out, "{\"token_id\":");
    http_buf_put_json_string(out, token_id, strlen(token_id));
    http_buf_puts(out, "}");
}

dbtok_err dbtok_token_revoke(dbtok_client *client, const char *token_id)
{
    exchange_request req;
    json_doc doc;

    if (client == NULL || client->work == NULL || token_id == NULL || token_id[0] == 0) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(&req, 0, sizeof req);
    req.method = "POST";
    req.path = PATH_DELETE;
    req.write_body = write_delete_body;
    req.write_arg = token_id;
    return call(client, &req, &doc, NULL);
}
