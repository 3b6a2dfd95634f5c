/*
 * `dbtok create --json`: the body goes through the core's own JSON module
 * (strict jsmn plus the UTF-8, escape and number checks the responses get),
 * so the CLI accepts exactly the JSON the library itself would.
 */
#include <stdio.h>
#include <string.h>

#include "cli_body.h"
#include "json.h"

/* A create body is a flat object of at most a few members; anything needing
 * more tokens than this is not one. */
#define BODY_MAX_TOKENS 64u

int cli_parse_create_body(char *text, size_t len, cli_create_body *out, char *err, size_t err_cap)
{
    static jsmntok_t tok[BODY_MAX_TOKENS]; /* static: the CLI keeps big things off the stack */
    static const char *const names[2] = {"comment", "lifetime_seconds"};
    int values[2];
    json_doc doc;
    dbtok_err rc;
    dbtok_str s;
    int i, end;

    memset(out, 0, sizeof *out);
    rc = dbtok__json_parse(&doc, text, len, tok, BODY_MAX_TOKENS);
    if (rc == DBTOK_ERR_BUFFER_TOO_SMALL) {
        (void)snprintf(err, err_cap, "--json: the body has more than %u JSON values; create takes only "
                                     "comment and lifetime_seconds", BODY_MAX_TOKENS);
        return -1;
    }
    if (rc != DBTOK_OK) {
        (void)snprintf(err, err_cap, "--json: not valid JSON");
        return -1;
    }
    if (doc.tok[0].type != JSMN_OBJECT) {
        (void)snprintf(err, err_cap, "--json: the body must be a JSON object");
        return -1;
    }
    /* Members: key at i, value at i + 1; check every key before decoding any. */
    end = dbtok__json_skip(&doc, 0);
    for (i = 1; i < end; i = dbtok__json_skip(&doc, i + 1)) {
        int kstart = doc.tok[i].start, kend = doc.tok[i].end;
        if (!dbtok__json_span_equals(doc.text, kstart, kend, "comment") &&
            !dbtok__json_span_equals(doc.text, kstart, kend, "lifetime_seconds")) {
            (void)snprintf(err, err_cap, "--json: unknown field '%.*s' (create takes comment and lifetime_seconds)",
                           kend - kstart > 64 ? 64 : kend - kstart, doc.text + kstart);
            return -1;
        }
    }
    /* The core's one rule: a repeated key is malformed, null is absent. */
    if (dbtok__json_object_members(&doc, 0, names, 2, values) != DBTOK_OK) {
        (void)snprintf(err, err_cap, "--json: a field is given twice");
        return -1;
    }
    out->has_comment = values[0] >= 0;
    i = values[0];
    if (i >= 0) {
        if (dbtok__json_string(&doc, i, &s) != DBTOK_OK) {
            (void)snprintf(err, err_cap, "--json: comment must be a string or null");
            return -1;
        }
        if (memchr(s.ptr, '\0', s.len) != NULL) {
            /* Valid JSON, but the library takes the comment as a C
             * string: it would be cut at the NUL without a word. */
            (void)snprintf(err, err_cap, "--json: comment contains a NUL character (\\u0000), "
                                         "which dbtok cannot send");
            return -1;
        }
        out->comment = s.ptr;
    }
    i = values[1];
    if (i >= 0) {
        if (doc.tok[i].type != JSMN_PRIMITIVE || dbtok__json_int64(&doc, i, &out->lifetime_seconds) != DBTOK_OK) {
            (void)snprintf(err, err_cap, "--json: lifetime_seconds must be an integer");
            return -1;
        }
        out->has_lifetime = true;
    }
    return 0;
}
