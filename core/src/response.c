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
static dbtok_err parse_body(dbtok__state *c, const exchange_response *resp, json_doc *doc)
{
    size_t used = resp->body_len + 1;
    size_t align = sizeof(int) - 1;
    size_t offset = (used + align) & ~align;
    int needed = dbtok__json_count_tokens((const char *)resp->body, resp->body_len);
    if (needed < 0) {
        return (dbtok_err)needed;
    }
    if (offset > c->work_len || (c->work_len - offset) / sizeof(jsmntok_t) < (size_t)needed) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    return dbtok__json_parse(doc, (char *)resp->body, resp->body_len, (jsmntok_t *)(void *)(c->work + offset),
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

/* What dbtok reads of an error body, and of each entry of its details. */
/* The service's shape first, then (DBTOK_ENABLE_OLDER_ERRORS) the older ones
 * it still sends: API 1.2's "error", OAuth's (RFC 6749) "error" with
 * "error_description", and SCIM's "detail" with "status". */
#if DBTOK_ENABLE_OLDER_ERRORS
enum { ERR_CODE, ERR_MESSAGE, ERR_DETAILS, ERR_ERROR, ERR_DESCRIPTION, ERR_SCIM_DETAIL, ERR_SCIM_STATUS, ERR_NAMES };
static const char *const error_names[ERR_NAMES] = {"error_code", "message", "details", "error",
                                                   "error_description", "detail", "status"};
#else
enum { ERR_CODE, ERR_MESSAGE, ERR_DETAILS, ERR_NAMES };
static const char *const error_names[ERR_NAMES] = {"error_code", "message", "details"};
#endif
static const char *const detail_names[2] = {"@type", "retry_delay"};

/* Whether token i is a string whose decoding would hold a NUL. */
static bool string_holds_nul(const json_doc *doc, int i)
{
    return i >= 0 && doc->tok[i].type == JSMN_STRING &&
           dbtok__json_span_holds_nul(doc->text, doc->tok[i].start, doc->tok[i].end);
}

/* The wait a details entry asks for (d: its @type and retry_delay), when it
 * is a RetryInfo with a readable delay. Decodes both in place. */
static bool retry_info(json_doc *doc, const int *d, uint32_t *ms)
{
    dbtok_str t;
    dbtok_str s;
    return d[0] >= 0 && d[1] >= 0 && doc->tok[d[1]].type == JSMN_STRING &&
           dbtok__json_string(doc, d[0], &t) == DBTOK_OK && t.len >= 9 &&
           memcmp(t.ptr + t.len - 9, "RetryInfo", 9) == 0 && dbtok__json_string(doc, d[1], &s) == DBTOK_OK &&
           parse_retry_delay(s, ms);
}

/*
 * error_code, message and RetryInfo from an error body; anything missing, or
 * of another JSON type, stays empty. A Retry-After header wins over
 * RetryInfo; when several RetryInfo entries can be read, the last wins.
 *
 * The older shapes (DBTOK_ENABLE_OLDER_ERRORS), as the Databricks SDKs read
 * them, and only where the usual fields say nothing: with no error_code,
 * OAuth's "error" is the code and "error_description" the message; with no
 * message either, API 1.2's "error" is the message; and with neither, SCIM's
 * "detail" is the message and its "status" the code ("404", as an integer
 * error_code reads; the SDKs call it SCIM_404).
 *
 * The body is read under json.c's rule for members (dbtok__json_object_members).
 * One that breaks it (a key dbtok reads given twice, at the top or in a
 * details entry), or whose error_code or message holds a NUL, is unreadable
 * and nothing of it is recorded: the call stays DBTOK_ERR_API with the
 * status alone. Both are C strings in the error record, and the code steers
 * retries: "REQUEST_LIMIT_EXCEEDED" given twice or cut at a NUL must not pass
 * for the service's word. The status is the part no reading of the body can
 * change, and what a caller needs from it still holds: 429/503 say "later",
 * a 4xx to a create says no token was made, 404 to a revoke says gone.
 * DBTOK_ERR_JSON would throw that away for a defect of the text only (the
 * -v trace still shows the body).
 */
static bool is_string(const json_doc *doc, int i)
{
    return i >= 0 && doc->tok[i].type == JSMN_STRING;
}

#if DBTOK_ENABLE_OLDER_ERRORS
/* Where the usual fields say nothing, an older shape's stand in for them
 * (top: the members of error_names). */
static void older_shapes(const json_doc *doc, const int *top, int *code, int *message)
{
    if (*code < 0 && is_string(doc, top[ERR_ERROR]) && is_string(doc, top[ERR_DESCRIPTION])) {
        *code = top[ERR_ERROR];
        *message = top[ERR_DESCRIPTION];
    } else if (*message < 0 && is_string(doc, top[ERR_ERROR])) {
        *message = top[ERR_ERROR];
    } else if (*code < 0 && *message < 0) {
        *message = top[ERR_SCIM_DETAIL];
        *code = top[ERR_SCIM_STATUS];
    }
}
#endif

static void record_api_error(dbtok__state *c, json_doc *doc)
{
    bool header_hint = c->retry_hint;
    bool hint = false;
    uint32_t hint_ms = 0;
    int top[ERR_NAMES];
    int code;
    int message;
    int details;
    int k;
    dbtok_str s;

    /* First the whole body is judged, then anything is recorded. */
    if (dbtok__json_object_members(doc, 0, error_names, ERR_NAMES, top) != DBTOK_OK) {
        return;
    }
    for (k = 0; k < ERR_NAMES; k++) {
        if (string_holds_nul(doc, top[k])) {
            return;
        }
    }
    code = top[ERR_CODE];
    message = top[ERR_MESSAGE];
    details = top[ERR_DETAILS];
#if DBTOK_ENABLE_OLDER_ERRORS
    older_shapes(doc, top, &code, &message);
#endif
    if (details >= 0 && doc->tok[details].type == JSMN_ARRAY) {
        int i = details + 1;
        int n;
        for (n = 0; n < doc->tok[details].size; n++) {
            int d[2];
            uint32_t ms;
            /* Entries that are not objects say nothing dbtok reads. */
            if (doc->tok[i].type == JSMN_OBJECT) {
                if (dbtok__json_object_members(doc, i, detail_names, 2, d) != DBTOK_OK) {
                    return;
                }
                if (!header_hint && retry_info(doc, d, &ms)) {
                    hint = true;
                    hint_ms = ms;
                }
            }
            i = dbtok__json_skip(doc, i);
        }
    }
    if (is_string(doc, code) && dbtok__json_string(doc, code, &s) == DBTOK_OK) {
        dbtok__client_record_code(c, s.ptr, s.len);
    } else if (code >= 0 && doc->tok[code].type == JSMN_PRIMITIVE) {
        int64_t v;
        if (dbtok__json_int64(doc, code, &v) == DBTOK_OK) {
            const char *text = doc->text + doc->tok[code].start;
            dbtok__client_record_code(c, text, (size_t)(doc->tok[code].end - doc->tok[code].start));
        }
    }
    if (message >= 0 && doc->tok[message].type == JSMN_STRING && dbtok__json_string(doc, message, &s) == DBTOK_OK) {
        dbtok__client_record_message(c, s.ptr, s.len);
    }
    if (hint) {
        c->retry_hint = true;
        c->error.retry_after_ms = hint_ms;
    }
}

/*
 * Classifies a whole answer. On DBTOK_OK, doc holds a 2xx JSON object.
 * secret_key names the field of a 2xx answer that holds a secret: such an
 * answer that does not parse is not traced at all.
 */
dbtok_err dbtok__response_classify(dbtok__state *c, const exchange_response *resp, json_doc *doc,
                                   const char *secret_key)
{
    bool ok_status = resp->status >= 200 && resp->status < 300;
    dbtok_err err;

    if (resp->status >= 300 && resp->status < 400) {
        dbtok__trace_body(c, (const char *)resp->body, resp->body_len);
        return dbtok__client_fail(c, DBTOK_ERR_REDIRECT);
    }
    err = parse_body(c, resp, doc);
    if (err == DBTOK_OK && doc->tok[0].type != JSMN_OBJECT) {
        err = DBTOK_ERR_JSON;
    }
    if (err == DBTOK_OK || secret_key == NULL || !ok_status) {
        dbtok__trace_body(c, (const char *)resp->body, resp->body_len);
    } else {
        static const char hidden[] = "| [unparsed body not shown: it may hold a secret]\n";
        dbtok__trace_text(c, hidden, sizeof hidden - 1);
    }
    if (err == DBTOK_ERR_NOT_JSON) {
        dbtok__client_record_text(c, resp->body, resp->body_len);
    }
    if (err != DBTOK_OK) {
        return dbtok__client_fail(c, err);
    }
    if (!ok_status) {
        record_api_error(c, doc);
        return dbtok__client_fail(c, DBTOK_ERR_API);
    }
    return DBTOK_OK;
}

