/*
 * JSON over jsmn (strict mode), in place.
 *
 * jsmn finds the structure; this module checks what jsmn leaves unchecked and
 * decodes values: every string must be valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) with valid escapes (a \u surrogate must
 * be a proper pair), every primitive must be true, false, null or an RFC 8259
 * number, object keys must be strings, and only whitespace may follow the
 * top-level value. \u0000 is valid (RFC 8259): a decoded string may hold
 * NUL bytes, counted in its length; only a value handed out as a C string
 * refuses them (dbtok__json_string_cstr).
 *
 * Every JSON body dbtok reads goes through dbtok__json_parse: a create answer,
 * an error body, and each entry of a list (list_reader.c finds where an
 * entry starts and ends, then parses it here). The members of an object dbtok
 * reads follow one rule, in this module only (dbtok__json_member_key, DESIGN.md
 * principle 7):
 *  - keys are compared after decoding escapes ("token\u005fid" is token_id);
 *  - a key dbtok reads appears at most once: a second occurrence, whatever
 *    either value (null included), makes the object malformed. dbtok would
 *    read one and most parsers keep the last, so two readers of one answer
 *    could disagree on, say, which token_value is the token;
 *  - a member whose value is null is absent;
 *  - keys dbtok does not read are skipped, repeated or not: nothing dbtok
 *    reports depends on them, and the list reader, which sees the body's
 *    own members go by, could not remember them all in bounded memory.
 */
#ifndef DBTOK_JSON_H
#define DBTOK_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSMN_HEADER
#define JSMN_STRICT
#ifndef JSMN_PARENT_LINKS
#define JSMN_PARENT_LINKS /* as json.c compiles jsmn: one jsmntok_t everywhere */
#endif
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
int dbtok__json_count_tokens(const char *text, size_t len);

/*
 * Parse and validate text[0..len) into tok[0..max_tok). Returns DBTOK_OK,
 * DBTOK_ERR_NOT_JSON (as above), DBTOK_ERR_JSON (malformed), or
 * DBTOK_ERR_BUFFER_TOO_SMALL (too few tokens).
 */
dbtok_err dbtok__json_parse(json_doc *doc, char *text, size_t len, jsmntok_t *tok, unsigned int max_tok);

/*
 * One value parsed as it arrives, for the list reader: jsmn resumed over a
 * text that grows. text[0..len) is the value so far (the first byte '{' or
 * '['); between calls len only grows, and the text may move but its bytes
 * stay as they were. tok[0..max_tok) is owned by the feed until the value is
 * whole. dbtok__json_feed returns DBTOK_OK, with *whole once the value has
 * closed (doc then as dbtok__json_parse leaves it, every check done, so the
 * text must end where the value does), DBTOK_ERR_JSON, or
 * DBTOK_ERR_BUFFER_TOO_SMALL (more tokens than max_tok). A text that ends
 * inside a string costs that string again on the next call, so a caller
 * feeds up to a likely end (the next closing bracket) rather than byte by
 * byte.
 */
typedef struct {
    jsmn_parser parser;
    jsmntok_t *tok;
    unsigned int max_tok;
} json_feed;

void dbtok__json_feed_init(json_feed *f, jsmntok_t *tok, unsigned int max_tok);
dbtok_err dbtok__json_feed(json_feed *f, json_doc *doc, char *text, size_t len, bool *whole);

/* Index of the token after value i and all it contains. No recursion. */
int dbtok__json_skip(const json_doc *doc, int i);


/*
 * Decode string token i in place (all escapes, \u surrogate pairs to UTF-8)
 * and NUL-terminate it; out views the result. Decode each token once only,
 * and only after dbtok__json_parse validated it.
 * Returns DBTOK_OK or DBTOK_ERR_JSON (not a string).
 */
dbtok_err dbtok__json_string(json_doc *doc, int i, dbtok_str *out);

/* dbtok__json_string for a value handed out as a C string (an id, a token value,
 * an error code or message), which could not hold a NUL: a C reader would
 * stop there and silently see less. Such a string is malformed:
 * DBTOK_ERR_JSON, refused before anything is decoded. */
dbtok_err dbtok__json_string_cstr(json_doc *doc, int i, dbtok_str *out);

/* Whether value i is a string holding no NUL, which dbtok__json_string_cstr
 * takes. */
bool dbtok__json_is_cstring(const json_doc *doc, int i);
#if DBTOK_ENABLE_SCOPES
/* Whether value i is an array whose elements are all strings holding no
 * NUL (validated by dbtok__json_parse), which dbtok__json_string_list takes. */
bool dbtok__json_is_string_list(const json_doc *doc, int i);
/* Decode such an array in place into a dbtok_str_list packed at its first
 * byte; the array's tokens no longer match the text afterwards. */
void dbtok__json_string_list(json_doc *doc, int i, dbtok_str_list *out);
#endif

/* Integer primitive i (no fraction or exponent) as int64 with overflow
 * checks. Returns DBTOK_OK or DBTOK_ERR_JSON. */
dbtok_err dbtok__json_int64(const json_doc *doc, int i, int64_t *out);

/*
 * The same checks and decoders over a raw span s[start..end): a string's
 * content without its quotes, or a primitive's text. The list reader checks
 * the body's own keys and scalar members with them. dbtok__json_span_decode
 * wants a span dbtok__json_span_string_ok accepted.
 */
bool dbtok__json_span_string_ok(const char *s, int start, int end);
bool dbtok__json_span_primitive_ok(const char *s, int start, int end);
/* key is a C string holding no backslash (its shortcut: a span as long as
 * key is key byte for byte or not at all), so a key that decodes to a NUL
 * never equals it. */
bool dbtok__json_span_equals(const char *s, int start, int end, const char *key);
/* Whether the decoded span would hold a NUL (it has a \u0000 escape). */
bool dbtok__json_span_holds_nul(const char *s, int start, int end);
dbtok_err dbtok__json_span_decode(char *s, int start, int end, dbtok_str *out);
dbtok_err dbtok__json_span_int64(const char *s, int start, int end, int64_t *out);

/* The rule above, one key at a time: names are the n distinct keys read
 * (n <= JSON_MEMBERS_MAX; printable ASCII C strings holding no backslash,
 * as dbtok's field names are), *seen the set of those met so far in this object
 * (bit k: names[k]; 0 when the object opens). Returns which of names the
 * key s[start..end) is (raw string content, a span dbtok__json_span_string_ok
 * accepted): its index, JSON_KEY_OTHER, or JSON_KEY_REPEATED. Reads the text
 * only. dbtok__json_object_members reads a parsed object with it; the list
 * reader, the keys of the body it walks itself. */
#define JSON_MEMBERS_MAX 8
#define JSON_KEY_OTHER (-1)    /* a key not read */
#define JSON_KEY_REPEATED (-2) /* a key read, met a second time: malformed */
int dbtok__json_member_key(const char *const *names, unsigned n, uint8_t *seen, const char *s, int start, int end);

/* Whether the primitive s[start..end) is null, which the rule reads as
 * "absent". */
static inline bool json_span_is_null(const char *s, int start, int end)
{
    return end - start == 4 && memcmp(s + start, "null", 4) == 0;
}

/*
 * Object obj of a parsed tree read under the rule, through dbtok__json_member_key:
 * values[k] is the index of names[k]'s value, or -1 when it is absent or
 * null (n <= JSON_MEMBERS_MAX). Returns DBTOK_OK, or DBTOK_ERR_JSON when obj
 * is not an object or a name is repeated. Reads the text only.
 */
dbtok_err dbtok__json_object_members(const json_doc *doc, int obj, const char *const *names, unsigned n, int *values);

/*
 * The most bytes text s[0..len) (raw UTF-8, controls allowed) can take once
 * another JSON encoder escapes it as it pleases: \u00XX for controls, DEL
 * and what HTML-safe encoders escape (" \\ < > & '), \uXXXX for every
 * non-ASCII character (a pair above U+FFFF). SIZE_MAX when s is not UTF-8.
 */
size_t dbtok__json_echo_bound(const char *s, size_t len);

#endif /* DBTOK_JSON_H */
