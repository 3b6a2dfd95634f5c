/*
 * What an answer means. Every answer is classified the same way: 3xx is a
 * redirect (never followed), a body that is not JSON is DBTOK_ERR_NOT_JSON
 * whatever the status (a 200 login page is not a success), a JSON error body
 * becomes DBTOK_ERR_API with its error_code, message and retry hint, and only
 * a 2xx JSON object is handed on to be decoded.
 */
#include <string.h>

#include "client_internal.h"
#include "json.h"

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

/* "3.5s" as in google.rpc.RetryInfo, to milliseconds; false when unreadable,
 * so that a garbled hint falls back to dbtok's own backoff. */
static bool parse_retry_delay(dbtok_str s, uint32_t *out)
{
    uint32_t ms = 0;
    uint32_t scale = 1000;
    bool fraction = false;
    size_t i;
    for (i = 0; i < s.len; i++) {
        char ch = s.ptr[i];
        if (ch >= '0' && ch <= '9') {
            uint32_t d = (uint32_t)(ch - '0');
            if (ms == UINT32_MAX) {
                continue; /* saturated: a wait that long ends the call anyway */
            }
            if (!fraction) {
                ms = ms > UINT32_MAX / 10 - 1000 ? UINT32_MAX : ms * 10 + d * 1000;
            } else if (scale > 1) {
                scale /= 10;
                ms += d * scale;
            }
        } else if (ch == '.' && !fraction) {
            fraction = true;
        } else if (ch == 's' && i + 1 == s.len) {
            *out = ms;
            return true;
        } else {
            return false;
        }
    }
    return false;
}

/* error_code, message and RetryInfo from an error body; anything missing
 * stays empty. A Retry-After header wins over RetryInfo. */
static void record_api_error(dbtok_client *c, json_doc *doc)
{
    int code = json_object_get(doc, 0, "error_code");
    int message = json_object_get(doc, 0, "message");
    int details = json_object_get(doc, 0, "details");
    dbtok_str s;

    if (code >= 0 && doc->tok[code].type == JSMN_STRING && json_string(doc, code, &s) == DBTOK_OK) {
        client_record_code(c, s.ptr, s.len);
    } else if (code >= 0 && doc->tok[code].type == JSMN_PRIMITIVE) {
        int64_t v;
        if (json_int64(doc, code, &v) == DBTOK_OK) {
            const char *text = doc->text + doc->tok[code].start;
            client_record_code(c, text, (size_t)(doc->tok[code].end - doc->tok[code].start));
        }
    }
    if (message >= 0 && doc->tok[message].type == JSMN_STRING && json_string(doc, message, &s) == DBTOK_OK) {
        client_record_message(c, s.ptr, s.len);
    }
    if (details >= 0 && doc->tok[details].type == JSMN_ARRAY && !c->retry_hint) {
        int i = details + 1;
        int n;
        for (n = 0; n < doc->tok[details].size; n++) {
            int type = json_object_get(doc, i, "@type");
            int delay = json_object_get(doc, i, "retry_delay");
            dbtok_str t;
            if (type >= 0 && delay >= 0 && doc->tok[delay].type == JSMN_STRING &&
                json_string(doc, type, &t) == DBTOK_OK && t.len >= 9 &&
                memcmp(t.ptr + t.len - 9, "RetryInfo", 9) == 0 && json_string(doc, delay, &s) == DBTOK_OK) {
                c->retry_hint = parse_retry_delay(s, &c->error.retry_after_ms) || c->retry_hint;
            }
            i = json_skip(doc, i);
        }
    }
}

/*
 * Classifies a whole answer. On DBTOK_OK, doc holds a 2xx JSON object.
 * secret_key names a field whose raw text must not be traced.
 */
dbtok_err response_classify(dbtok_client *c, const exchange_response *resp, json_doc *doc, const char *secret_key)
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
        record_api_error(c, doc);
        return client_fail(c, DBTOK_ERR_API);
    }
    return DBTOK_OK;
}

