/*
 * dbtok_create_request_parse(): a create request's JSON body, read by the
 * core's JSON module and its one rule for members (json.h), so that an
 * application taking a body from its user (the CLI's `create --json`)
 * accepts exactly what dbtok itself would, without a second parser.
 */
#include <string.h>

#include "json.h"

#include "dbtok/dbtok_types.h"

static dbtok_err refuse(dbtok_create_request *out, dbtok_create_request_fault fault)
{
    out->fault = fault;
    return DBTOK_ERR_JSON;
}

/* Every key is checked before any value is decoded, so an unknown member is
 * reported as such even when a known one is malformed too. */
static int first_unknown_key(const json_doc *doc)
{
    int end = dbtok__json_skip(doc, 0);
    int i;

    for (i = 1; i < end; i = dbtok__json_skip(doc, i + 1)) {
        const jsmntok_t *key = &doc->tok[i];
        if (!dbtok__json_span_equals(doc->text, key->start, key->end, "comment") &&
            !dbtok__json_span_equals(doc->text, key->start, key->end, "lifetime_seconds")) {
            return i;
        }
    }
    return -1;
}

dbtok_err dbtok_create_request_parse(char *text, size_t len, dbtok_create_request *out)
{
    static const char *const names[2] = {"comment", "lifetime_seconds"};
    jsmntok_t tok[DBTOK_CREATE_REQUEST_MAX_VALUES];
    int values[2];
    json_doc doc;
    dbtok_str s;
    dbtok_err rc;
    int unknown;

    if (out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    if (text == NULL && len > 0) {
        out->fault = DBTOK_CREATE_REQUEST_NOT_JSON;
        return DBTOK_ERR_INVALID_ARG;
    }
    rc = dbtok__json_parse(&doc, text, len, tok, DBTOK_CREATE_REQUEST_MAX_VALUES);
    if (rc == DBTOK_ERR_BUFFER_TOO_SMALL) {
        out->fault = DBTOK_CREATE_REQUEST_TOO_LARGE;
        return rc;
    }
    if (rc != DBTOK_OK) {
        return refuse(out, DBTOK_CREATE_REQUEST_NOT_JSON);
    }
    if (doc.tok[0].type != JSMN_OBJECT) {
        return refuse(out, DBTOK_CREATE_REQUEST_NOT_OBJECT);
    }
    unknown = first_unknown_key(&doc);
    if (unknown >= 0) {
        out->field.ptr = doc.text + doc.tok[unknown].start;
        out->field.len = (size_t)(doc.tok[unknown].end - doc.tok[unknown].start);
        return refuse(out, DBTOK_CREATE_REQUEST_UNKNOWN_FIELD);
    }
    if (dbtok__json_object_members(&doc, 0, names, 2, values) != DBTOK_OK) {
        return refuse(out, DBTOK_CREATE_REQUEST_REPEATED_FIELD);
    }
    if (values[0] >= 0) {
        if (dbtok__json_string(&doc, values[0], &s) != DBTOK_OK) {
            return refuse(out, DBTOK_CREATE_REQUEST_BAD_COMMENT);
        }
        /* Valid JSON, but dbtok_token_create() takes the comment as a C
         * string: it would be cut at the NUL without a word. */
        if (memchr(s.ptr, '\0', s.len) != NULL) {
            return refuse(out, DBTOK_CREATE_REQUEST_COMMENT_NUL);
        }
        out->comment = s.ptr;
    }
    if (values[1] >= 0) {
        if (doc.tok[values[1]].type != JSMN_PRIMITIVE ||
            dbtok__json_int64(&doc, values[1], &out->lifetime_seconds) != DBTOK_OK) {
            out->lifetime_seconds = 0;
            return refuse(out, DBTOK_CREATE_REQUEST_BAD_LIFETIME);
        }
        out->has_lifetime = true;
    }
    return DBTOK_OK;
}
