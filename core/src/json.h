/*
 * JSON over jsmn (strict mode), in place.
 *
 * jsmn finds the structure; this module checks what jsmn leaves unchecked and
 * decodes values: every string must be valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) with valid escapes (a \u surrogate must
 * be a proper pair), every primitive must be true, false, null or an RFC 8259
 * number, object keys must be strings, and only whitespace may follow the
 * top-level value.
 */
#ifndef DBTOK_JSON_H
#define DBTOK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSMN_HEADER
#define JSMN_STRICT
#include <jsmn.h>

#include "dbtok/dbtok_types.h"

typedef struct json_doc {
    char *text;      /* the body, decoded in place */
    size_t len;
    jsmntok_t *tok;
    int ntok;        /* tokens in use; tok[0] is the top-level value */
} json_doc;

/*
 * Tokens jsmn needs for text[0..len), or a negative dbtok_err
 * (DBTOK_ERR_NOT_JSON when the first non-space byte cannot start an object or
 * array, e.g. an HTML page or plain text, or the body is empty;
 * DBTOK_ERR_JSON when jsmn rejects it).
 */
int json_count_tokens(const char *text, size_t len);

/*
 * Parse and validate text[0..len) into tok[0..max_tok). Returns DBTOK_OK,
 * DBTOK_ERR_NOT_JSON (as above), DBTOK_ERR_JSON (malformed, or a string
 * holding \u0000), or DBTOK_ERR_BUFFER_TOO_SMALL (too few tokens).
 */
dbtok_err json_parse(json_doc *doc, char *text, size_t len, jsmntok_t *tok, unsigned int max_tok);

/* Index of the token after value i and all it contains. No recursion. */
int json_skip(const json_doc *doc, int i);

/* Index of the value of `key` in object obj (compared after decoding
 * escapes, without modifying the text), or -1 when absent or obj is not an
 * object. The first occurrence wins. */
int json_object_get(const json_doc *doc, int obj, const char *key);

/*
 * Decode string token i in place (all escapes, \u surrogate pairs to UTF-8)
 * and NUL-terminate it; out views the result. Decode each token once only,
 * and only after json_parse validated it.
 * Returns DBTOK_OK or DBTOK_ERR_JSON (not a string).
 */
dbtok_err json_string(json_doc *doc, int i, dbtok_str *out);

/* Integer primitive i (no fraction or exponent) as int64 with overflow
 * checks. Returns DBTOK_OK or DBTOK_ERR_JSON. */
dbtok_err json_int64(const json_doc *doc, int i, int64_t *out);

/*
 * The same checks and decoders over a raw span s[start..end): a string's
 * content without its quotes, or a primitive's text. The streaming list
 * reader uses them on values it found itself. json_span_decode wants a span
 * json_span_string_ok accepted.
 */
bool json_span_string_ok(const char *s, int start, int end);
bool json_span_primitive_ok(const char *s, int start, int end);
bool json_span_equals(const char *s, int start, int end, const char *key);
dbtok_err json_span_decode(char *s, int start, int end, dbtok_str *out);
dbtok_err json_span_int64(const char *s, int start, int end, int64_t *out);

#endif /* DBTOK_JSON_H */
