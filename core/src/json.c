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
/* Each token knows its parent, so jsmn closes a bracket without walking back
 * over the tokens before it: a quarter of its instructions on a list entry
 * (bench/parse), for 4 bytes a token. json.h says the same, so that every
 * file sees one jsmntok_t. */
#define JSMN_PARENT_LINKS
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

/* Printable ASCII other than the backslash: its own decoding. */
static bool is_plain(unsigned char b)
{
    return (unsigned char)(b - 0x20u) < 0x60u && b != '\\';
}

bool dbtok__json_span_string_ok(const char *s, int start, int end)
{
    int pos = start;
    uint32_t cp;

    while (pos < end) {
        /* A plain value is told so as a whole (strings_plain below); in
         * the others, too, most bytes are their own decoding. */
        while (pos < end && is_plain((unsigned char)s[pos])) {
            pos++;
        }
        if (pos < end && !read_char(s, &pos, end, &cp)) {
            return false;
        }
    }
    return true;
}

static int skip_digits(const char *s, int i, int end)
{
    while (i < end && (unsigned char)(s[i] - '0') < 10u) {
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

static bool is_word(const char *s, int start, int end, const char *word, int n)
{
    return end - start == n && memcmp(s + start, word, (size_t)n) == 0;
}

bool dbtok__json_span_primitive_ok(const char *s, int start, int end)
{
    switch (start < end ? s[start] : '\0') {
    case 't': return is_word(s, start, end, "true", 4);
    case 'f': return is_word(s, start, end, "false", 5);
    case 'n': return is_word(s, start, end, "null", 4);
    default: return is_number(s, start, end);
    }
}

/* Where a token's text ends, its quote included (jsmn's string tokens exclude
 * their quotes). */
static int tok_close(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* s[from..to) is only whitespace (sep '\0'), or whitespace around exactly
 * one sep. */
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

/* The text between two tokens that follow each other, s[from..to):
 * whitespace, then the closing brackets of containers that end there (jsmn
 * matched each with its opening), then `want` separators sep (0 or 1). */
static bool gap_closes_then(const char *s, int from, int to, char sep, int want)
{
    int seps = 0;
    int i;

    if (from > to) {
        return false;
    }
    for (i = from; i < to; i++) {
        char c = s[i];
        if (c == sep) {
            seps++;
        } else if ((c != '}' && c != ']' && !is_ws(c)) || (!is_ws(c) && seps > 0)) {
            return false; /* garbage, or a bracket after the separator: [1,] */
        }
    }
    return seps == want;
}

/* Token k (k >= 1) in its place: what kind of token its parent allows, and
 * the text before it. jsmn gives each token its parent, in document order,
 * so one pass over the tokens sees every separator once, whatever the depth.
 * It skips commas entirely and hangs whatever follows ':' on the token
 * before it, so the separators and who owns what are checked here. Compact
 * JSON has no space around separators: that case is told first. */
static bool token_in_place(const char *s, const jsmntok_t *t, int k)
{
    const jsmntok_t *tk = &t[k];
    const jsmntok_t *prev = &t[k - 1];
    int p = tk->parent;
    bool scalar = tk->type == JSMN_STRING || tk->type == JSMN_PRIMITIVE;
    int to = tk->start - (tk->type == JSMN_STRING ? 1 : 0);
    int from;

    switch (p < 0 ? JSMN_UNDEFINED : t[p].type) {
    case JSMN_OBJECT:
        /* A key owns exactly its value. */
        if (tk->type != JSMN_STRING || tk->size != 1) {
            return false;
        }
        break;
    case JSMN_ARRAY:
        if (scalar && tk->size != 0) {
            return false; /* jsmn's reading of ["a":1] gives "a" a child */
        }
        break;
    case JSMN_STRING:
        /* A key's value (p == k - 1), which owns nothing if a scalar. */
        if (scalar && tk->size != 0) {
            return false;
        }
        from = t[p].end + 1;
        return (to - from == 1 && s[from] == ':') || gap_is(s, from, to, ':');
    default:
        return false; /* a second value at the top, or a primitive's child */
    }
    if (p == k - 1) {
        from = t[p].start + 1; /* the first child */
        return from == to || gap_is(s, from, to, '\0');
    }
    from = prev->end + (prev->type == JSMN_STRING ? 1 : 0);
    return (to - from == 1 && s[from] == ',') || gap_closes_then(s, from, to, ',', 1);
}

/* Whether every string in s[start..end) is valid once jsmn has accepted it:
 * when no byte is a control or non-ASCII and no escape is a \u, each raw
 * byte is its own character and each escape one of those jsmn allows. That
 * is the common body, and it spares a string-by-string check. */
static bool strings_plain(const char *s, int start, int end)
{
    int i = start;
    const char *bs;

    while (end - i >= (int)CHARS_WORD) {
        size_t v = chars_word(s + i);
        if (((v & CHARS_HIGHS) | chars_word_below(v, 0x20u)) != 0) {
            return false;
        }
        i += (int)CHARS_WORD;
    }
    for (; i < end; i++) {
        if ((unsigned char)((unsigned char)s[i] - 0x20u) >= 0x60u) {
            return false;
        }
    }
    /* Backslashes are few: jsmn saw to it that each escape is whole, and
     * the byte after one starts no other (an escaped backslash before a u
     * is no unicode escape). */
    bs = memchr(s + start, '\\', (size_t)(end - start));
    while (bs != NULL) {
        /* An escape is inside a string, so the value goes on past it. */
        i = (int)(bs - s) + 1;
        if (s[i] == 'u') {
            return false;
        }
        i++;
        bs = memchr(s + i, '\\', (size_t)(end - i));
    }
    return true;
}

/* Everything jsmn accepted that JSON does not. tok[0] is known to be an
 * object or array starting at the first non-space byte. */
static bool check_tokens(const char *s, size_t len, const jsmntok_t *t, int ntok)
{
    bool plain;
    int k;

    /* One top-level value, then only whitespace: jsmn would happily go on
     * to parse a second value, and it stops silently at a NUL. Inside it,
     * after the last token, only brackets close. */
    if (!gap_is(s, t[0].end, (int)len, '\0') ||
        (ntok > 1 && !gap_closes_then(s, tok_close(&t[ntok - 1]), t[0].end - 1, ',', 0))) {
        return false;
    }
    plain = strings_plain(s, t[0].start, t[0].end);
    for (k = 0; k < ntok; k++) {
        bool ok = k == 0 || token_in_place(s, t, k);
        if (ok && t[k].type == JSMN_STRING) {
            ok = plain || dbtok__json_span_string_ok(s, t[k].start, t[k].end);
        } else if (ok && t[k].type == JSMN_PRIMITIVE) {
            ok = dbtok__json_span_primitive_ok(s, t[k].start, t[k].end);
        } else if (ok && t[k].size == 0) {
            ok = gap_is(s, t[k].start + 1, t[k].end - 1, '\0'); /* an empty container: [,] */
        }
        if (!ok) {
            return false;
        }
    }
    return true;
}

/* jsmn over a parser of its own on the stack: the only call, so jsmn's loop
 * is compiled in here and keeps the parser in registers. Left to read and
 * write a parser others can reach (the list reader's), it would load and
 * store its position at every byte: a third of its cost (bench/parse). */
#if defined(__GNUC__)
__attribute__((noinline)) /* two callers would each take a copy, and neither jsmn's loop */
#endif
static int run_jsmn(jsmn_parser *parser, const char *text, size_t len, jsmntok_t *tok, unsigned int max_tok)
{
    jsmn_parser p = *parser;
    int r = jsmn_parse(&p, text, len, tok, max_tok);

    *parser = p;
    return r;
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
    r = run_jsmn(&p, text, len, NULL, 0);
    return r < 0 ? DBTOK_ERR_JSON : r;
}

void dbtok__json_feed_init(json_feed *f, jsmntok_t *tok, unsigned int max_tok)
{
    jsmn_init(&f->parser);
    f->tok = tok;
    f->max_tok = max_tok;
}

/* jsmn over text[0..len) from where parser stands, and what it found: as
 * dbtok__json_feed returns. */
static dbtok_err parse_on(jsmn_parser *parser, json_doc *doc, char *text, size_t len, jsmntok_t *tok,
                          unsigned int max_tok, bool *whole)
{
    int r;

    *whole = false;
    doc->text = text;
    doc->len = len;
    doc->tok = tok;
    doc->ntok = 0;
    if (len > JSON_MAX_LEN) {
        return DBTOK_ERR_JSON;
    }
    /* jsmn given no tokens only counts, and would report success. */
    if (tok == NULL || max_tok == 0) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    r = run_jsmn(parser, text, len, tok, max_tok);
    if (r == JSMN_ERROR_NOMEM) {
        return DBTOK_ERR_BUFFER_TOO_SMALL;
    }
    if (r == JSMN_ERROR_PART) {
        /* Some container is open. jsmn goes back to the start of a string
         * the text ends in, and stops at a NUL as at the end: a NUL is no
         * JSON outside a string, nor raw inside one. */
        return memchr(text + parser->pos, '\0', len - parser->pos) == NULL ? DBTOK_OK : DBTOK_ERR_JSON;
    }
    if (r <= 0 || !check_tokens(text, len, tok, r)) {
        return DBTOK_ERR_JSON;
    }
    doc->ntok = r;
    *whole = true;
    return DBTOK_OK;
}

dbtok_err dbtok__json_feed(json_feed *f, json_doc *doc, char *text, size_t len, bool *whole)
{
    return parse_on(&f->parser, doc, text, len, f->tok, f->max_tok, whole);
}

dbtok_err dbtok__json_parse(json_doc *doc, char *text, size_t len, jsmntok_t *tok, unsigned int max_tok)
{
    jsmn_parser p;
    bool whole;
    dbtok_err err;

    if (!starts_like_json(text, len)) {
        doc->text = text;
        doc->len = len;
        doc->tok = tok;
        doc->ntok = 0;
        return DBTOK_ERR_NOT_JSON;
    }
    jsmn_init(&p);
    err = parse_on(&p, doc, text, len, tok, max_tok, &whole);
    return err == DBTOK_OK && !whole ? DBTOK_ERR_JSON : err;
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

    size_t n = strlen(key);
    size_t raw = (size_t)(end - start);

    /* Escapes only shorten a text, and key holds no backslash: a span as
     * long as key is key exactly or not at all, a shorter one never is, and
     * without an escape the raw bytes are the decoded text. */
    if (raw <= n) {
        return raw == n && memcmp(s + start, key, n) == 0;
    }
    if (memchr(s + start, '\\', raw) == NULL) {
        return false;
    }
    while (pos < end) {
        char buf[4];
        uint32_t cp;
        int bytes;
        int j;

        if (!read_char(s, &pos, end, &cp)) {
            return false;
        }
        bytes = put_utf8(cp, buf);
        for (j = 0; j < bytes; j++) {
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

/* Whether the key s[start..end) is name: the raw bytes compared as far as
 * they match, and the decoder only when an escape stands there. No name
 * holds a backslash. */
/* Whether the rest of a key, s[i..end) (raw, checked content that holds an
 * escape), decodes to the rest of a name. Names are printable ASCII
 * (json.h), so each of their characters is one raw byte or one escape of the
 * key; an escape of anything else, or a raw byte above ASCII, never matches. No UTF-8 is
 * decoded: a key is compared on the deepest path of every call, and this
 * keeps that path short. */
static bool escaped_key_is(const char *s, int i, int end, const char *name)
{
    for (; *name != '\0'; name++) {
        uint32_t c;
        if (i >= end) {
            return false;
        }
        if (s[i] != '\\') {
            c = (unsigned char)s[i++];
        } else if (s[i + 1] == 'u') {
            c = (uint32_t)hex4(s, i + 2, end); /* (a bad one, -1, matches nothing) */
            i += 6;
        } else {
            /* \" \\ \/ stand for themselves; \b \f \n \r \t for controls,
             * which no name holds. */
            char e = s[i + 1];
            c = e == '"' || e == '\\' || e == '/' ? (unsigned char)e : 0u;
            i += 2;
        }
        if (c != (unsigned char)*name) {
            return false;
        }
    }
    return i == end;
}

static bool key_is(const char *s, int start, int end, const char *name)
{
    int i = start;
    const char *n = name;

    while (i < end && *n != '\0' && s[i] == *n) {
        i++;
        n++;
    }
    if (i == end) {
        return *n == '\0'; /* (a name of 255 bytes or more is measured as 255) */
    }
    return s[i] == '\\' && escaped_key_is(s, i, end, n);
}

/* The names' lengths; dbtok's field names are far below 255 bytes. */
static void measure_names(const char *const *names, unsigned n, uint8_t *lens)
{
    unsigned k;

    for (k = 0; k < n && k < JSON_MEMBERS_MAX; k++) {
        size_t len = strlen(names[k]);
        lens[k] = (uint8_t)(len < 255u ? len : 255u);
    }
}

/* dbtok__json_member_key with the names' lengths at hand. */
static int member_index(const char *const *names, const uint8_t *lens, unsigned n, uint8_t *seen, const char *s,
                        int start, int end)
{
    size_t len = (size_t)(end - start);
    char first = len > 0 ? s[start] : '\0';
    unsigned k;

    /* Names past the set's bits could never be told repeated: none match. */
    for (k = 0; k < n && k < JSON_MEMBERS_MAX; k++) {
        const char *name = names[k];
        bool match;
        /* Escapes only shorten a key, and no name holds a backslash: a
         * shorter key is never the name, one as long is the name byte for
         * byte or not at all, and a longer one only through an escape, at
         * its first byte or after what matches. */
        if (len < lens[k] || (first != name[0] && first != '\\')) {
            continue;
        }
        match = len == lens[k] ? memcmp(s + start, name, len) == 0 : key_is(s, start, end, name);
        if (match) {
            uint8_t bit = (uint8_t)(1u << k);
            if ((*seen & bit) != 0) {
                return JSON_KEY_REPEATED;
            }
            *seen = (uint8_t)(*seen | bit);
            return (int)k;
        }
    }
    return JSON_KEY_OTHER;
}

int dbtok__json_member_key(const char *const *names, unsigned n, uint8_t *seen, const char *s, int start, int end)
{
    uint8_t lens[JSON_MEMBERS_MAX];

    measure_names(names, n, lens);
    return member_index(names, lens, n, seen, s, start, end);
}

dbtok_err dbtok__json_object_members(const json_doc *doc, int obj, const char *const *names, unsigned n, int *values)
{
    uint8_t seen = 0;
    uint8_t lens[JSON_MEMBERS_MAX];
    unsigned i;
    int k;
    int member;

    for (i = 0; i < n; i++) {
        values[i] = -1;
    }
    if (obj < 0 || obj >= doc->ntok || doc->tok[obj].type != JSMN_OBJECT) {
        return DBTOK_ERR_JSON;
    }
    measure_names(names, n, lens);
    k = obj + 1;
    for (member = 0; member < doc->tok[obj].size && k + 1 < doc->ntok; member++) {
        const jsmntok_t *v = &doc->tok[k + 1];
        int r = member_index(names, lens, n, &seen, doc->text, doc->tok[k].start, doc->tok[k].end);
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
    if (!dbtok__json_is_cstring(doc, i)) {
        return DBTOK_ERR_JSON;
    }
    return dbtok__json_span_decode(doc->text, doc->tok[i].start, doc->tok[i].end, out);
}

bool dbtok__json_is_cstring(const json_doc *doc, int i)
{
    return i >= 0 && i < doc->ntok && doc->tok[i].type == JSMN_STRING &&
           !dbtok__json_span_holds_nul(doc->text, doc->tok[i].start, doc->tok[i].end);
}

#if DBTOK_ENABLE_SCOPES
bool dbtok__json_is_string_list(const json_doc *doc, int i)
{
    int k;

    if (i < 0 || i >= doc->ntok || doc->tok[i].type != JSMN_ARRAY || i + doc->tok[i].size >= doc->ntok) {
        return false;
    }
    for (k = i + 1; k <= i + doc->tok[i].size; k++) {
        if (!dbtok__json_is_cstring(doc, k)) {
            return false;
        }
    }
    return true;
}

void dbtok__json_string_list(json_doc *doc, int i, dbtok_str_list *out)
{
    /* The strings are packed from the array's '[' on: each string's quotes
     * and the comma after it outweigh the NUL it gains, so the packed bytes
     * never reach the next string before it is decoded. */
    size_t at = (size_t)doc->tok[i].start;
    int k;

    out->ptr = "";
    out->len = 0;
    out->count = (size_t)doc->tok[i].size;
    for (k = i + 1; k <= i + doc->tok[i].size; k++) {
        /* Validated, so decoding cannot fail; the view starts sound anyway. */
        dbtok_str one;
        one.ptr = doc->text + doc->tok[k].start;
        one.len = 0;
        (void)dbtok__json_span_decode(doc->text, doc->tok[k].start, doc->tok[k].end, &one);
        memmove(doc->text + at, one.ptr, one.len + 1);
        at += one.len + 1;
    }
    if (out->count > 0) {
        out->ptr = doc->text + doc->tok[i].start;
        out->len = at - (size_t)doc->tok[i].start;
    }
}
#endif

dbtok_err dbtok__json_span_int64(const char *s, int start, int end, int64_t *out)
{
    bool neg;
    bool may_overflow;
    uint64_t last;
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
    /* mag * 10 + d > the limit (2^63 - 1, or 2^63 for a negative number),
     * told without a division: 18 digits stay below it, so only a longer
     * number is checked. */
    may_overflow = end - pos > 18;
    last = neg ? 8u : 7u;
    for (; pos < end; pos++) {
        uint64_t d = (uint64_t)(s[pos] - '0');
        if (may_overflow && (mag > INT64_MAX / 10 || (mag == INT64_MAX / 10 && d > last))) {
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
