/*
 * JSON over jsmn, in place. The project's one copy of jsmn's code is compiled
 * here: json.h includes jsmn.h with JSMN_HEADER (declarations only), so this
 * file includes it first without, and jsmn's include guard skips the second.
 *
 * jsmn in strict mode finds brackets, strings and primitives, but it ignores
 * commas entirely, treats ':' as "attach the next value to the last token",
 * accepts any printable run starting with [-0-9tfn] as a primitive, copies
 * string bytes unchecked and stops quietly at a NUL. So after jsmn succeeds
 * this file re-checks the whole text against the tokens: every separator
 * between siblings, every key/value pair, every primitive's spelling, every
 * string's UTF-8 and escapes, and that one value spans the body.
 */
#define JSMN_STRICT
/* jsmn is the core's own: its functions stay inside this file, so a firmware
 * with a jsmn of its own links beside dbtok. */
#define JSMN_STATIC
/* jsmn mixes int and unsigned offsets (19 -Wsign-conversion hits). As a
 * system header it is exempt; this keeps it so when a cross build finds it
 * through a plain -I. */
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wsign-conversion"
#endif
#include <jsmn.h>
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif

#include "chars.h"
#include "json.h"

#include <string.h>

/* jsmn keeps offsets in unsigned int and tokens in int; longer text would
 * wrap them. */
#define JSON_MAX_LEN ((size_t)(~0u >> 1))

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Whether the body can be JSON at all: dbtok accepts only an object or an
 * array at the top, so text, HTML or an empty body are told apart from
 * broken JSON. */
static bool starts_like_json(const char *text, size_t len)
{
    size_t i = 0;

    if (text == NULL) {
        return false;
    }
    while (i < len && is_ws(text[i])) {
        i++;
    }
    return i < len && (text[i] == '{' || text[i] == '[');
}

/* Index after token i and everything it contains. jsmn hangs an object's
 * value under its key, so every token's size is its direct child count and
 * one counter suffices. Never returns beyond ntok. */
static int skip_tokens(const jsmntok_t *t, int ntok, int i)
{
    int pending = 1;

    while (pending > 0 && i < ntok) {
        pending += t[i].size - 1;
        i++;
    }
    return i;
}

/* ---- characters inside strings ---------------------------------------- */

/* The four hex digits at s[i..i+4), or -1. */
static int32_t hex4(const char *s, int i, int end)
{
    int32_t v = 0;
    int k;

    if (end - i < 4) {
        return -1;
    }
    for (k = 0; k < 4; k++) {
        int d = chars_hex_value(s[i + k]);
        if (d < 0) {
            return -1;
        }
        v = v * 16 + d;
    }
    return v;
}

/* The escape at s[*pos] (a backslash). A \u high surrogate must be followed
 * by a \u low surrogate; the pair is one character. \u0000 is a character
 * like any other here (RFC 8259); dbtok__json_string_cstr refuses it where a C
 * string is handed out. */
static bool read_escape(const char *s, int *pos, int end, uint32_t *cp)
{
    int i = *pos;
    int32_t u;

    if (end - i < 2) {
        return false;
    }
    switch (s[i + 1]) {
    case '"': *cp = '"'; break;
    case '\\': *cp = '\\'; break;
    case '/': *cp = '/'; break;
    case 'b': *cp = 0x08; break;
    case 'f': *cp = 0x0C; break;
    case 'n': *cp = 0x0A; break;
    case 'r': *cp = 0x0D; break;
    case 't': *cp = 0x09; break;
    case 'u':
        u = hex4(s, i + 2, end);
        if (u < 0 || (u >= 0xDC00 && u <= 0xDFFF)) {
            return false;
        }
        if (u >= 0xD800 && u <= 0xDBFF) {
            int32_t lo;
            if (end - i < 12 || s[i + 6] != '\\' || s[i + 7] != 'u') {
                return false;
            }
            lo = hex4(s, i + 8, end);
            if (lo < 0xDC00 || lo > 0xDFFF) {
                return false;
            }
            *cp = 0x10000u + ((uint32_t)(u - 0xD800) << 10) + (uint32_t)(lo - 0xDC00);
            *pos = i + 12;
            return true;
        }
        *cp = (uint32_t)u;
        *pos = i + 6;
        return true;
    default:
        return false;
    }
    *pos = i + 2;
    return true;
}

/* One raw UTF-8 sequence at s[*pos]: shortest form only, no surrogates,
 * nothing above U+10FFFF, no control characters. */
static bool read_utf8(const char *s, int *pos, int end, uint32_t *cp)
{
    int i = *pos;
    unsigned char b = (unsigned char)s[i];
    uint32_t c;
    uint32_t min;
    int more;
    int k;

    if (b < 0x20) {
        return false;
    }
    if (b < 0x80) {
        *cp = b;
        *pos = i + 1;
        return true;
    }
    if (b >= 0xC2 && b <= 0xDF) {
        more = 1;
        c = b & 0x1Fu;
        min = 0x80;
    } else if (b >= 0xE0 && b <= 0xEF) {
        more = 2;
        c = b & 0x0Fu;
        min = 0x800;
    } else if (b >= 0xF0 && b <= 0xF4) {
        more = 3;
        c = b & 0x07u;
        min = 0x10000;
    } else {
        return false; /* a stray continuation byte, C0, C1 or F5..FF */
    }
    if (end - i - 1 < more) {
        return false;
    }
    for (k = 1; k <= more; k++) {
        unsigned char cb = (unsigned char)s[i + k];
        if ((cb & 0xC0u) != 0x80u) {
            return false;
        }
        c = (c << 6) | (cb & 0x3Fu);
    }
    if (c < min || c > 0x10FFFFu || (c >= 0xD800u && c <= 0xDFFFu)) {
        return false;
    }
    *cp = c;
    *pos = i + 1 + more;
    return true;
}

size_t dbtok__json_echo_bound(const char *s, size_t len)
{
    size_t need = 0;
    int pos = 0;
    int end;

    if (len > (size_t)INT32_MAX / 12) {
        return SIZE_MAX;
    }
    end = (int)len;
    while (pos < end) {
        unsigned char b = (unsigned char)s[pos];
        uint32_t cp;
        if (b < 0x80) {
            bool escaped = b < 0x20 || b == 0x7f || b == '"' || b == '\\' || b == '<' || b == '>' ||
                           b == '&' || b == '\'';
            need += escaped ? 6u : 1u;
            pos++;
        } else if (read_utf8(s, &pos, end, &cp)) {
            need += cp >= 0x10000u ? 12u : 6u; /* a \u pair, or one \u escape */
        } else {
            return SIZE_MAX;
        }
    }
    return need;
}

/* The next character of string content s[*pos..end), raw or escaped. */
static bool read_char(const char *s, int *pos, int end, uint32_t *cp)
{
    if (s[*pos] == '\\') {
        return read_escape(s, pos, end, cp);
    }
    return read_utf8(s, pos, end, cp);
}

/* cp as UTF-8 into out; returns the byte count. cp is a valid scalar value. */
static int put_utf8(uint32_t cp, char *out)
{
    if (cp < 0x80u) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (char)(0xC0u | (cp >> 6));
        out[1] = (char)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (char)(0xE0u | (cp >> 12));
        out[1] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (char)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (char)(0xF0u | (cp >> 18));
    out[1] = (char)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (char)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (char)(0x80u | (cp & 0x3Fu));
    return 4;
}

/* ---- validation of jsmn's tokens -------------------------------------- */

bool dbtok__json_span_string_ok(const char *s, int start, int end)
{
    int pos = start;
    uint32_t cp;

    while (pos < end) {
        unsigned char b = (unsigned char)s[pos];
        /* Printable ASCII other than the backslash is most of every body:
         * step over it without the general decoder. */
        if (b >= 0x20 && b < 0x80 && b != '\\') {
            pos++;
        } else if (!read_char(s, &pos, end, &cp)) {
            return false;
        }
    }
    return true;
}

static int skip_digits(const char *s, int i, int end)
{
    while (i < end && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i;
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_number(const char *s, int i, int end)
{
    int j;

    if (i < end && s[i] == '-') {
        i++;
    }
    if (i < end && s[i] == '0') {
        i++;
    } else if (i < end && s[i] >= '1' && s[i] <= '9') {
        i = skip_digits(s, i, end);
    } else {
        return false;
    }
    if (i < end && s[i] == '.') {
        j = skip_digits(s, i + 1, end);
        if (j == i + 1) {
            return false;
        }
        i = j;
    }
    if (i < end && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < end && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        j = skip_digits(s, i, end);
        if (j == i) {
            return false;
        }
        i = j;
    }
    return i == end;
}

static bool is_word(const char *s, int start, int end, const char *word)
{
    size_t n = strlen(word);
    return (size_t)(end - start) == n && memcmp(s + start, word, n) == 0;
}

bool dbtok__json_span_primitive_ok(const char *s, int start, int end)
{
    return is_word(s, start, end, "true") || is_word(s, start, end, "false") ||
           is_word(s, start, end, "null") || is_number(s, start, end);
}

/* Where a token's text begins and ends, quotes included (jsmn's string
 * tokens exclude them). */
static int tok_open(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int tok_close(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* s[from..to) is whitespace around exactly one sep, or only whitespace when
 * sep is '\0'. This is where the commas and colons jsmn skips are checked. */
static bool gap_is(const char *s, int from, int to, char sep)
{
    bool seen = (sep == '\0');
    int i;

    if (from > to) {
        return false;
    }
    for (i = from; i < to; i++) {
        if (!seen && s[i] == sep) {
            seen = true;
        } else if (!is_ws(s[i])) {
            return false;
        }
    }
    return seen;
}

/* The direct children of container c and the text between them: '[' v
 * (',' v)* ']' or '{' k ':' v (',' k ':' v)* '}'. The children themselves are
 * checked when the caller's loop reaches them, so nothing here recurses.
 * Stepping to the next sibling walks the previous one's tokens: the cost is
 * tokens times nesting depth at worst, the same order as jsmn's own backward
 * scans on closing brackets. */
static bool check_container(const char *s, const jsmntok_t *t, int ntok, int c)
{
    bool is_obj = t[c].type == JSMN_OBJECT;
    int pos = t[c].start + 1;
    int k = c + 1;
    int m;

    for (m = 0; m < t[c].size; m++) {
        int v = k;
        if (k >= ntok || !gap_is(s, pos, tok_open(&t[k]), m > 0 ? ',' : '\0')) {
            return false;
        }
        /* The sizes are cross-checked as well as the text, since dbtok__json_skip
         * and dbtok__json_object_get rely on them: a key owns exactly its value,
         * a string or primitive value owns nothing (jsmn's reading of
         * ["a":1] gives "a" a child). */
        if (is_obj) {
            if (t[k].type != JSMN_STRING || t[k].size != 1) {
                return false;
            }
            v = k + 1;
            if (v >= ntok || !gap_is(s, tok_close(&t[k]), tok_open(&t[v]), ':')) {
                return false;
            }
        }
        if (t[v].type != JSMN_OBJECT && t[v].type != JSMN_ARRAY && t[v].size != 0) {
            return false;
        }
        pos = tok_close(&t[v]);
        k = skip_tokens(t, ntok, v);
    }
    return gap_is(s, pos, t[c].end - 1, '\0');
}

/* Everything jsmn accepted that JSON does not. tok[0] is known to be an
 * object or array starting at the first non-space byte. */
static bool check_tokens(const char *s, size_t len, const jsmntok_t *t, int ntok)
{
    int i;

    /* One top-level value, then only whitespace: jsmn would happily go on
     * to parse a second value, and it stops silently at a NUL. */
    if (!gap_is(s, t[0].end, (int)len, '\0') || skip_tokens(t, ntok, 0) != ntok) {
        return false;
    }
    for (i = 0; i < ntok; i++) {
        bool ok;
        if (t[i].type == JSMN_STRING) {
            ok = dbtok__json_span_string_ok(s, t[i].start, t[i].end);
        } else if (t[i].type == JSMN_PRIMITIVE) {
            ok = dbtok__json_span_primitive_ok(s, t[i].start, t[i].end);
        } else {
            ok = check_container(s, t, ntok, i);
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* ---- public ------------------------------------------------------------ */

int dbtok__json_count_tokens(const char *text, size_t len)
{
    jsmn_parser p;
    int r;

    if (len > JSON_MAX_LEN) {
        return DBTOK_ERR_JSON;
    }
    if (!starts_like_json(text, len)) {
        return DBTOK_ERR_NOT_JSON;
    }
    jsmn_init(&p);
    r = jsmn_parse(&p, text, len, NULL, 0);
    return r < 0 ? DBTOK_ERR_JSON : r;
}

dbtok_err dbtok__json_parse(json_doc *doc, char *text, size_t len, jsmntok_t *tok, unsigned int max_tok)
{
    jsmn_parser p;
    int r;

    doc->text = text;
    doc->len = len;
    doc->tok = tok;
    doc->ntok = 0;
    if (len > JSON_MAX_LEN) {
        return DBTOK_ERR_JSON;
    }
    if (!starts_like_json(text, len)) {
        return DBTOK_ERR_NOT_JSON;
    }
    /* jsmn given no tokens only counts, and would report success. */
    if (tok == NULL || max_tok == 0) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    jsmn_init(&p);
    r = jsmn_parse(&p, text, len, tok, max_tok);
    if (r == JSMN_ERROR_NOMEM) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    if (r <= 0 || !check_tokens(text, len, tok, r)) {
        return DBTOK_ERR_JSON;
    }
    doc->ntok = r;
    return DBTOK_OK;
}

int dbtok__json_skip(const json_doc *doc, int i)
{
    if (i < 0 || i >= doc->ntok) {
        return doc->ntok;
    }
    return skip_tokens(doc->tok, doc->ntok, i);
}

/* key is a C string: a decoded NUL (from \u0000) must not match its
 * terminator, or the comparison would run past it. */
bool dbtok__json_span_equals(const char *s, int start, int end, const char *key)
{
    int pos = start;
    size_t k = 0;

    /* Without an escape the raw bytes are the decoded text. */
    if (memchr(s + start, '\\', (size_t)(end - start)) == NULL) {
        size_t n = strlen(key);
        return n == (size_t)(end - start) && memcmp(s + start, key, n) == 0;
    }
    while (pos < end) {
        char buf[4];
        uint32_t cp;
        int n;
        int j;

        if (!read_char(s, &pos, end, &cp)) {
            return false;
        }
        n = put_utf8(cp, buf);
        for (j = 0; j < n; j++) {
            if (key[k] == '\0' || key[k] != buf[j]) {
                return false;
            }
            k++;
        }
    }
    return key[k] == '\0';
}

bool dbtok__json_span_holds_nul(const char *s, int start, int end)
{
    const char *p = memchr(s + start, '\\', (size_t)(end - start));

    /* Raw NUL bytes never pass validation, so only the escape makes one.
     * The span is valid, so every backslash starts a whole escape. */
    while (p != NULL) {
        int i = (int)(p - s);
        if (s[i + 1] == 'u') {
            if (hex4(s, i + 2, end) == 0) {
                return true;
            }
            i += 6;
        } else {
            i += 2;
        }
        p = i < end ? memchr(s + i, '\\', (size_t)(end - i)) : NULL;
    }
    return false;
}

/* ---- the members of an object: the one rule (json.h) ----------------- */

dbtok_err dbtok__json_object_members(const json_doc *doc, int obj, const char *const *names, unsigned n, int *values)
{
    uint8_t seen = 0;
    unsigned i;
    int k;
    int member;

    for (i = 0; i < n; i++) {
        values[i] = -1;
    }
    if (obj < 0 || obj >= doc->ntok || doc->tok[obj].type != JSMN_OBJECT) {
        return DBTOK_ERR_JSON;
    }
    k = obj + 1;
    for (member = 0; member < doc->tok[obj].size && k + 1 < doc->ntok; member++) {
        const jsmntok_t *v = &doc->tok[k + 1];
        int r = json_members_key(names, n, &seen, doc->text, doc->tok[k].start, doc->tok[k].end);
        if (r == JSON_KEY_REPEATED) {
            return DBTOK_ERR_JSON;
        }
        if (r >= 0 && !(v->type == JSMN_PRIMITIVE && json_span_is_null(doc->text, v->start, v->end))) {
            values[r] = k + 1;
        }
        k = skip_tokens(doc->tok, doc->ntok, k + 1);
    }
    return DBTOK_OK;
}

int dbtok__json_object_get(const json_doc *doc, int obj, const char *key)
{
    int k;
    int m;

    if (key == NULL || obj < 0 || obj >= doc->ntok || doc->tok[obj].type != JSMN_OBJECT) {
        return -1;
    }
    k = obj + 1;
    for (m = 0; m < doc->tok[obj].size && k + 1 < doc->ntok; m++) {
        if (dbtok__json_span_equals(doc->text, doc->tok[k].start, doc->tok[k].end, key)) {
            return k + 1;
        }
        k = skip_tokens(doc->tok, doc->ntok, k + 1);
    }
    return -1;
}

dbtok_err dbtok__json_span_decode(char *s, int start, int end, dbtok_str *out)
{
    const char *escape = memchr(s + start, '\\', (size_t)(end - start));
    int r = escape != NULL ? (int)(escape - s) : end;
    int w = r;

    /* The text was validated, so up to the first escape it is its own
     * decoding. From there on, every escape and sequence is at least as long
     * as its UTF-8, so the write position never passes the read position. */
    while (r < end) {
        uint32_t cp;
        if (!read_char(s, &r, end, &cp)) {
            return DBTOK_ERR_JSON;
        }
        w += put_utf8(cp, s + w);
    }
    s[w] = '\0';
    out->ptr = s + start;
    out->len = (size_t)(w - start);
    return DBTOK_OK;
}

dbtok_err dbtok__json_string(json_doc *doc, int i, dbtok_str *out)
{
    if (i < 0 || i >= doc->ntok || doc->tok[i].type != JSMN_STRING) {
        return DBTOK_ERR_JSON;
    }
    return dbtok__json_span_decode(doc->text, doc->tok[i].start, doc->tok[i].end, out);
}

dbtok_err dbtok__json_string_cstr(json_doc *doc, int i, dbtok_str *out)
{
    if (i < 0 || i >= doc->ntok || doc->tok[i].type != JSMN_STRING ||
        dbtok__json_span_holds_nul(doc->text, doc->tok[i].start, doc->tok[i].end)) {
        return DBTOK_ERR_JSON;
    }
    return dbtok__json_span_decode(doc->text, doc->tok[i].start, doc->tok[i].end, out);
}

dbtok_err dbtok__json_span_int64(const char *s, int start, int end, int64_t *out)
{
    bool neg;
    uint64_t limit;
    uint64_t mag = 0;
    int pos = start;

    if (pos >= end) {
        return DBTOK_ERR_JSON;
    }
    neg = s[pos] == '-';
    if (neg) {
        pos++;
    }
    /* Integer syntax only: no leading zero, fraction or exponent. */
    if (pos == end || skip_digits(s, pos, end) != end || (s[pos] == '0' && end - pos > 1)) {
        return DBTOK_ERR_JSON;
    }
    limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; pos < end; pos++) {
        uint64_t d = (uint64_t)(s[pos] - '0');
        if (mag > (limit - d) / 10u) {
            return DBTOK_ERR_JSON;
        }
        mag = mag * 10u + d;
    }
    if (!neg) {
        *out = (int64_t)mag;
    } else if (mag == (uint64_t)INT64_MAX + 1u) {
        *out = INT64_MIN;
    } else {
        *out = -(int64_t)mag;
    }
    return DBTOK_OK;
}

dbtok_err dbtok__json_int64(const json_doc *doc, int i, int64_t *out)
{
    if (i < 0 || i >= doc->ntok || doc->tok[i].type != JSMN_PRIMITIVE) {
        return DBTOK_ERR_JSON;
    }
    return dbtok__json_span_int64(doc->text, doc->tok[i].start, doc->tok[i].end, out);
}
