/*
 * libFuzzer harness: JSON over jsmn (core/src/json.c), as dbtok decodes the
 * create answer and error bodies, plus the span helpers the list reader uses.
 *
 * Input: a response body, as is.
 *
 * Checked:
 *  - dbtok__json_count_tokens and dbtok__json_parse agree: a body the counter refuses is
 *    refused by the parser with the same error; with exactly the counted
 *    tokens the parser never runs short (token_api.c sizes the token array
 *    by the count); one token fewer never succeeds; more tokens change
 *    nothing.
 *  - On success, the token tree is sound (offsets inside the text, dbtok__json_skip
 *    moving forward to a sibling), every string decodes to well-formed UTF-8
 *    (judged by a separate validator; NUL bytes only where \u0000 was, as
 *    dbtok__json_span_holds_nul tells, and dbtok__json_string_cstr refuses exactly those
 *    without touching the text), escaping the decoded text and decoding it
 *    again gives it back, dbtok__json_span_equals finds each decoded string equal
 *    to its raw form and not to a shorter one (nor, when it holds a NUL, to
 *    the C string up to it), and tells every key of every object equal to
 *    another (one decoding without a backslash, as json.c takes it) exactly
 *    when their decodings are.
 *  - The rule for members (json.h): dbtok__json_object_members, for every object
 *    and a set of names drawn from its own keys, against a reference
 *    written from the rule (a name met twice: malformed; null: absent).
 *  - dbtok__json_int64 on every token against a reference built on strtoll.
 *  - The raw input seen as string content and as a primitive:
 *    dbtok__json_span_string_ok and (on what it accepts) dbtok__json_span_decode against
 *    a reference decoder written from RFC 8259, dbtok__json_span_primitive_ok
 *    against the RFC's number grammar and the three literals.
 *  - dbtok__json_is_cstring and dbtok__json_is_string_list on every token
 *    against references (a string, or an array whose children by jsmn's
 *    parent links are all strings, none decoding to a NUL); on every string
 *    list (on a copy of its own), dbtok__json_string_list gives count ==
 *    size, strings packed from the array's first byte and within its span,
 *    each NUL-terminated, NUL-free and equal to the second copy's
 *    dbtok__json_span_decode of its element, dbtok_str_list_next reading
 *    exactly them; nothing outside the array changes, nor the tokens.
 *  - dbtok__token_info_read on every token: with info NULL it leaves the
 *    text byte for byte as it was and agrees with a read into an info (on
 *    another copy) and with a reference verdict written from token_info.h
 *    (an object, no field read given twice, token_id a NUL-free string,
 *    comment a string, the times int64 integers, autoscope_state a NUL-free
 *    string, scopes, inferred_scopes and backfill_scopes string lists; null
 *    absent); the info read gives every field as the reference decodes it
 *    (defaults when absent) and writes only inside its object.
 *  - The create and error answers' own access pattern: the fields
 *    token_api.c reads, looked up and decoded as it does.
 * Buffers are exact-size heap copies, so AddressSanitizer sees any access
 * past the body.
 */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbtok/dbtok_types.h"
#include "fuzz_common.h"
#include "json.h"
#include "token_info.h"

/* Bounds that keep one run fast; longer bodies teach nothing new. */
#define MAX_BODY 65536
#define MAX_MEMBERS_CHECKED 64

/* ---- a reference for string content and primitives ----------------------- */

static int ref_hex(uint8_t c)
{
    if (c >= '0' && c <= '9') {
        return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
        return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
        return c - 'A' + 10;
    }
    return -1;
}

static bool ref_u4(const uint8_t *s, size_t n, size_t i, uint32_t *v)
{
    size_t k;
    *v = 0;
    if (n < 4 || i > n - 4) {
        return false;
    }
    for (k = 0; k < 4; k++) {
        int d = ref_hex(s[i + k]);
        if (d < 0) {
            return false;
        }
        *v = *v * 16u + (uint32_t)d;
    }
    return true;
}

static size_t ref_put(uint32_t cp, uint8_t *out)
{
    if (cp < 0x80u) {
        out[0] = (uint8_t)cp;
        return 1;
    }
    if (cp < 0x800u) {
        out[0] = (uint8_t)(0xC0u | (cp >> 6));
        out[1] = (uint8_t)(0x80u | (cp & 0x3Fu));
        return 2;
    }
    if (cp < 0x10000u) {
        out[0] = (uint8_t)(0xE0u | (cp >> 12));
        out[1] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
        out[2] = (uint8_t)(0x80u | (cp & 0x3Fu));
        return 3;
    }
    out[0] = (uint8_t)(0xF0u | (cp >> 18));
    out[1] = (uint8_t)(0x80u | ((cp >> 12) & 0x3Fu));
    out[2] = (uint8_t)(0x80u | ((cp >> 6) & 0x3Fu));
    out[3] = (uint8_t)(0x80u | (cp & 0x3Fu));
    return 4;
}

/*
 * JSON string content s[0..n) (no quotes) decoded into out (n bytes are
 * always enough), as dbtok defines it: RFC 8259 escapes (\u0000 included),
 * a \u surrogate only as a high-low pair, raw bytes well-formed UTF-8 with
 * nothing below U+0020. Raw runs are validated by fuzz_utf8_ok and copied, not
 * decoded, unlike json.c.
 */
static bool ref_decode(const uint8_t *s, size_t n, uint8_t *out, size_t *out_len)
{
    size_t i = 0;
    size_t w = 0;

    while (i < n) {
        if (s[i] == '\\') {
            uint32_t u;
            uint32_t lo;
            if (i + 1 >= n) {
                return false;
            }
            switch (s[i + 1]) {
            case '"': out[w++] = '"'; i += 2; continue;
            case '\\': out[w++] = '\\'; i += 2; continue;
            case '/': out[w++] = '/'; i += 2; continue;
            case 'b': out[w++] = 0x08; i += 2; continue;
            case 'f': out[w++] = 0x0C; i += 2; continue;
            case 'n': out[w++] = 0x0A; i += 2; continue;
            case 'r': out[w++] = 0x0D; i += 2; continue;
            case 't': out[w++] = 0x09; i += 2; continue;
            case 'u': break;
            default: return false;
            }
            if (!ref_u4(s, n, i + 2, &u) || (u >= 0xDC00u && u <= 0xDFFFu)) {
                return false;
            }
            if (u >= 0xD800u && u <= 0xDBFFu) {
                if (i + 12 > n || s[i + 6] != '\\' || s[i + 7] != 'u' || !ref_u4(s, n, i + 8, &lo) ||
                    lo < 0xDC00u || lo > 0xDFFFu) {
                    return false;
                }
                w += ref_put(0x10000u + ((u - 0xD800u) << 10) + (lo - 0xDC00u), out + w);
                i += 12;
            } else {
                w += ref_put(u, out + w);
                i += 6;
            }
        } else {
            /* A run of raw bytes up to the next backslash. */
            size_t j = i;
            size_t k;
            while (j < n && s[j] != '\\') {
                j++;
            }
            for (k = i; k < j; k++) {
                if (s[k] < 0x20u) {
                    return false;
                }
            }
            if (!fuzz_utf8_ok(s + i, j - i)) {
                return false;
            }
            memcpy(out + w, s + i, j - i);
            w += j - i;
            i = j;
        }
    }
    *out_len = w;
    return true;
}

static size_t ref_digits(const uint8_t *s, size_t n, size_t i)
{
    while (i < n && s[i] >= '0' && s[i] <= '9') {
        i++;
    }
    return i;
}

/* RFC 8259 number, or true/false/null. */
static bool ref_primitive(const uint8_t *s, size_t n)
{
    size_t i = 0;
    size_t j;

    if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0) ||
        (n == 4 && memcmp(s, "null", 4) == 0)) {
        return true;
    }
    if (i < n && s[i] == '-') {
        i++;
    }
    if (i >= n) {
        return false;
    }
    if (s[i] == '0') {
        i++;
    } else if (s[i] >= '1' && s[i] <= '9') {
        i = ref_digits(s, n, i);
    } else {
        return false;
    }
    if (i < n && s[i] == '.') {
        j = ref_digits(s, n, i + 1);
        if (j == i + 1) {
            return false;
        }
        i = j;
    }
    if (i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            i++;
        }
        j = ref_digits(s, n, i);
        if (j == i) {
            return false;
        }
        i = j;
    }
    return i == n;
}

/* ---- checks on decoded text -------------------------------------------- */

/* A decoded view: at p, NUL-terminated, well-formed UTF-8. */
static void check_decoded(const dbtok_str *d, const char *at, size_t raw_len)
{
    FUZZ_CHECK(d->ptr == at);
    FUZZ_CHECK(d->len <= raw_len);
    FUZZ_CHECK(d->ptr[d->len] == '\0');
    FUZZ_CHECK(fuzz_utf8_ok_with_nul((const uint8_t *)d->ptr, d->len));
}

/* Escaping decoded text for a request and decoding it again is lossless,
 * and the escaped form is valid string content. */
static void check_round_trip(const char *text, size_t len)
{
    size_t need = dbtok_json_escape(NULL, 0, text, len);
    char *esc = malloc(need + 1);
    dbtok_str back;

    FUZZ_CHECK(esc != NULL);
    FUZZ_CHECK(dbtok_json_escape(esc, need + 1, text, len) == need);
    FUZZ_CHECK(esc[need] == '\0');
    FUZZ_CHECK(need <= (size_t)INT32_MAX);
    FUZZ_CHECK(dbtok__json_span_string_ok(esc, 0, (int)need));
    FUZZ_CHECK(dbtok__json_span_decode(esc, 0, (int)need, &back) == DBTOK_OK);
    FUZZ_CHECK(back.len == len && memcmp(back.ptr, text, len) == 0);
    free(esc);
}

/* dbtok__json_span_equals on the raw text agrees with the decoded string, and a
 * key one byte shorter (a prefix) is not equal. */
static void check_equals(const char *raw, int start, int end, const dbtok_str *dec)
{
    char *shorter;

    FUZZ_CHECK(dbtok__json_span_holds_nul(raw, start, end) == (memchr(dec->ptr, 0, dec->len) != NULL));
    if (memchr(dec->ptr, 0, dec->len) != NULL) {
        /* As a C string the key ends at the NUL: a prefix, never equal. */
        FUZZ_CHECK(!dbtok__json_span_equals(raw, start, end, dec->ptr));
        return;
    }
    FUZZ_CHECK(dbtok__json_span_equals(raw, start, end, dec->ptr));
    if (dec->len == 0) {
        return;
    }
    shorter = malloc(dec->len);
    FUZZ_CHECK(shorter != NULL);
    memcpy(shorter, dec->ptr, dec->len - 1);
    shorter[dec->len - 1] = '\0';
    FUZZ_CHECK(!dbtok__json_span_equals(raw, start, end, shorter));
    free(shorter);
}

/* ---- the raw input as one span ------------------------------------------ */

static void check_spans(const uint8_t *data, size_t size)
{
    uint8_t *raw = fuzz_dup(data, size);
    /* dbtok__json_span_decode writes its NUL at the end offset, which inside a
     * body is the closing quote: give it that byte. */
    uint8_t *dec_buf = malloc(size + 1);
    uint8_t *ref = malloc(size + 1);
    size_t ref_len = 0;
    bool ref_ok;
    int64_t v = 0;
    int64_t rv = 0;
    dbtok_str d;
    int n = (int)size;

    FUZZ_CHECK(dec_buf != NULL && ref != NULL);
    ref_ok = ref_decode(raw, size, ref, &ref_len);
    FUZZ_CHECK(dbtok__json_span_string_ok((const char *)raw, 0, n) == ref_ok);
    memcpy(dec_buf, raw, size);
    dec_buf[size] = 'X';
    /* dbtok__json_span_decode wants a span dbtok__json_span_string_ok accepted. */
    if (ref_ok) {
        FUZZ_CHECK(dbtok__json_span_decode((char *)dec_buf, 0, n, &d) == DBTOK_OK);
        check_decoded(&d, (const char *)dec_buf, size);
        FUZZ_CHECK(d.len == ref_len && memcmp(d.ptr, ref, ref_len) == 0);
        check_equals((const char *)raw, 0, n, &d);
        check_round_trip(d.ptr, d.len);
    }
    FUZZ_CHECK(dbtok__json_span_primitive_ok((const char *)raw, 0, n) == ref_primitive(raw, size));
    if (fuzz_ref_int64(raw, size, &rv)) {
        FUZZ_CHECK(dbtok__json_span_int64((const char *)raw, 0, n, &v) == DBTOK_OK && v == rv);
    } else {
        FUZZ_CHECK(dbtok__json_span_int64((const char *)raw, 0, n, &v) == DBTOK_ERR_JSON);
    }
    free(raw);
    free(dec_buf);
    free(ref);
}

/* ---- the parsed document ------------------------------------------------- */

/* Token structure: offsets inside the text, dbtok__json_skip moving forward. */
static void check_tree(const json_doc *doc, size_t size)
{
    int i;

    FUZZ_CHECK(doc->ntok >= 1);
    FUZZ_CHECK(doc->tok[0].type == JSMN_OBJECT || doc->tok[0].type == JSMN_ARRAY);
    FUZZ_CHECK(dbtok__json_skip(doc, 0) == doc->ntok);
    for (i = 0; i < doc->ntok; i++) {
        const jsmntok_t *t = &doc->tok[i];
        int next = dbtok__json_skip(doc, i);
        FUZZ_CHECK(t->start >= 0 && t->start <= t->end && (size_t)t->end <= size);
        FUZZ_CHECK(next > i && next <= doc->ntok);
        if (t->type == JSMN_STRING || t->type == JSMN_PRIMITIVE) {
            FUZZ_CHECK(next == i + 1 || (t->type == JSMN_STRING && t->size == 1));
        }
        if (i > 0) {
            FUZZ_CHECK(t->start >= doc->tok[i - 1].start);
        }
    }
    FUZZ_CHECK(dbtok__json_skip(doc, -1) == doc->ntok && dbtok__json_skip(doc, doc->ntok) == doc->ntok);
}

/* For each pair of keys of each object, dbtok__json_span_equals tells the
 * raw second equal to the first as a C string (up to a NUL it holds)
 * exactly when their decodings are equal. dec[] are the strings decoded
 * from a second copy of the body. Only a first key that decodes without a
 * backslash is compared: json.c's span_equals takes its key as one (its
 * shortcut reads a raw span as long as the key byte for byte, so a raw
 * \u1615 equals the key spelling out "\u1615"), as dbtok's names are. */
static void check_key_equality(const json_doc *doc, const dbtok_str *dec)
{
    int i;

    for (i = 0; i < doc->ntok; i++) {
        int k;
        int m;
        int members = doc->tok[i].size;
        if (doc->tok[i].type != JSMN_OBJECT) {
            continue;
        }
        if (members > MAX_MEMBERS_CHECKED) {
            members = MAX_MEMBERS_CHECKED;
        }
        k = i + 1;
        for (m = 0; m < members; m++) {
            int k2 = i + 1;
            int m2;
            size_t klen;
            FUZZ_CHECK(k < doc->ntok && doc->tok[k].type == JSMN_STRING && doc->tok[k].size == 1);
            klen = strlen(dec[k].ptr);
            if (memchr(dec[k].ptr, '\\', klen) != NULL) {
                k = dbtok__json_skip(doc, k);
                continue;
            }
            for (m2 = 0; m2 < members; m2++) {
                bool same = dec[k2].len == klen && memcmp(dec[k2].ptr, dec[k].ptr, klen) == 0;
                FUZZ_CHECK(dbtok__json_span_equals(doc->text, doc->tok[k2].start, doc->tok[k2].end, dec[k].ptr) ==
                           same);
                k2 = dbtok__json_skip(doc, k2);
            }
            k = dbtok__json_skip(doc, k);
        }
    }
}

/* Whether a decoded key can be a name of dbtok__json_member_key (json.h):
 * ASCII, no NUL, no backslash. */
static bool is_ascii_name(const dbtok_str *key)
{
    size_t i;
    for (i = 0; i < key->len; i++) {
        unsigned char c = (unsigned char)key->ptr[i];
        if (c < 0x20 || c == '\\' || c >= 0x7F) {
            return false;
        }
    }
    return true;
}

/* Whether a names[0..n) entry equals the decoded key. */
static int name_index(const char *const *names, unsigned n, const dbtok_str *key)
{
    unsigned k;
    for (k = 0; k < n; k++) {
        if (strlen(names[k]) == key->len && memcmp(names[k], key->ptr, key->len) == 0) {
            return (int)k;
        }
    }
    return -1;
}

/* dbtok__json_object_members on every object, for the names token_api.c and the
 * list reader use plus the object's own first keys (printable ASCII and, as
 * json.h asks of names, free of backslashes; distinct),
 * against the rule written out: a name met twice is DBTOK_ERR_JSON; else each
 * name's value, -1 when absent or null. Non-objects are refused. */
static void check_members(const json_doc *doc, const dbtok_str *dec)
{
    int i;

    for (i = 0; i < doc->ntok; i++) {
        const char *names[JSON_MEMBERS_MAX] = {"token_id", "comment", "token_value"};
        unsigned n = 3;
        int values[JSON_MEMBERS_MAX];
        int want[JSON_MEMBERS_MAX];
        unsigned count[JSON_MEMBERS_MAX];
        bool repeated = false;
        unsigned k;
        int key;
        int m;
        if (doc->tok[i].type != JSMN_OBJECT) {
            FUZZ_CHECK(dbtok__json_object_members(doc, i, names, n, values) == DBTOK_ERR_JSON);
            continue;
        }
        key = i + 1;
        for (m = 0; m < doc->tok[i].size && n < JSON_MEMBERS_MAX; m++) {
            if (is_ascii_name(&dec[key]) &&
                name_index(names, n, &dec[key]) < 0) {
                names[n++] = dec[key].ptr;
            }
            key = dbtok__json_skip(doc, key);
        }
        for (k = 0; k < n; k++) {
            want[k] = -1;
            count[k] = 0;
        }
        key = i + 1;
        for (m = 0; m < doc->tok[i].size; m++) {
            const jsmntok_t *v = &doc->tok[key + 1];
            int found = name_index(names, n, &dec[key]);
            bool null = v->type == JSMN_PRIMITIVE && v->end - v->start == 4 &&
                        memcmp(doc->text + v->start, "null", 4) == 0;
            if (found >= 0) {
                repeated = repeated || ++count[found] > 1;
                want[found] = null ? -1 : key + 1;
            }
            key = dbtok__json_skip(doc, key);
        }
        if (repeated) {
            FUZZ_CHECK(dbtok__json_object_members(doc, i, names, n, values) == DBTOK_ERR_JSON);
        } else {
            FUZZ_CHECK(dbtok__json_object_members(doc, i, names, n, values) == DBTOK_OK);
            for (k = 0; k < n; k++) {
                FUZZ_CHECK(values[k] == want[k]);
            }
        }
    }
}

/* ---- string lists and token infos ---------------------------------------- */

/* Whether dec (a string decoded from the second copy) holds a NUL. */
static bool holds_nul(const dbtok_str *dec)
{
    return memchr(dec->ptr, 0, dec->len) != NULL;
}

/* The reference for dbtok__json_is_string_list: an array whose direct
 * children (told by jsmn's parent links, not by the core's walk) are all
 * strings that decode without a NUL. Children lie inside the array's span
 * and come first after it; the scan stops at the first child that is not
 * such a string, before any grandchild. */
static bool ref_string_list(const json_doc *doc, int i, const dbtok_str *dec)
{
    int children = 0;
    int k;

    if (doc->tok[i].type != JSMN_ARRAY) {
        return false;
    }
    for (k = i + 1; k < doc->ntok && doc->tok[k].start < doc->tok[i].end; k++) {
        if (doc->tok[k].parent != i) {
            continue;
        }
        if (doc->tok[k].type != JSMN_STRING || holds_nul(&dec[k])) {
            return false;
        }
        children++;
    }
    FUZZ_CHECK(children == doc->tok[i].size);
    return true;
}

#if DBTOK_ENABLE_SCOPES
/* A decoded list against the elements of array arr (a string list) as dec
 * holds them: count strings, packed at lo (the array's first byte) and
 * within its span [lo, hi), each NUL-terminated, NUL-free and equal to its
 * reference, dbtok_str_list_next reading exactly them and then stopping. */
static void check_list(const dbtok_str_list *list, const json_doc *doc, int arr, const dbtok_str *dec, const char *lo,
                       const char *hi)
{
    size_t pos = 0;
    dbtok_str s;
    int n;

    FUZZ_CHECK(list->count == (size_t)doc->tok[arr].size);
    FUZZ_CHECK(list->ptr != NULL);
    if (list->count == 0) {
        FUZZ_CHECK(list->len == 0 && list->ptr[0] == '\0');
    } else {
        FUZZ_CHECK(list->ptr == lo && list->len <= (size_t)(hi - lo));
    }
    for (n = 0; n < doc->tok[arr].size; n++) {
        int k = arr + 1 + n; /* all strings: one token each */
        size_t before = pos;
        FUZZ_CHECK(doc->tok[k].parent == arr);
        FUZZ_CHECK(dbtok_str_list_next(list, &pos, &s));
        FUZZ_CHECK(s.ptr == list->ptr + before && pos == before + s.len + 1 && pos <= list->len);
        FUZZ_CHECK(s.ptr[s.len] == '\0' && memchr(s.ptr, 0, s.len) == NULL);
        FUZZ_CHECK(s.len == dec[k].len && memcmp(s.ptr, dec[k].ptr, s.len) == 0);
    }
    FUZZ_CHECK(pos == list->len);
    s.ptr = "unchanged";
    s.len = 9;
    FUZZ_CHECK(!dbtok_str_list_next(list, &pos, &s) && s.len == 9 && strcmp(s.ptr, "unchanged") == 0);
}

/* An absent list: empty, "" (dbtok_str_list_next reads nothing). */
static void check_no_list(const dbtok_str_list *list)
{
    size_t pos = 0;
    dbtok_str s;
    FUZZ_CHECK(list->count == 0 && list->len == 0 && list->ptr != NULL && list->ptr[0] == '\0');
    FUZZ_CHECK(!dbtok_str_list_next(list, &pos, &s));
}
#endif

/* dbtok__json_is_cstring and dbtok__json_is_string_list on every token
 * against the references (the body's text still raw), and
 * dbtok__json_string_list on every string list. String lists hold only
 * strings, so their spans are disjoint and all of them are decoded on one
 * third copy; after each, that copy must differ from the body only inside
 * the lists decoded so far (expect follows it list by list). */
static void check_string_lists(const uint8_t *data, size_t size, const json_doc *doc, const dbtok_str *dec)
{
#if DBTOK_ENABLE_SCOPES
    char *work = (char *)fuzz_dup(data, size);
    char *expect = (char *)fuzz_dup(data, size);
    jsmntok_t *tok = (jsmntok_t *)(void *)fuzz_dup((const uint8_t *)doc->tok, sizeof(jsmntok_t) * (size_t)doc->ntok);
    json_doc d;
#endif
    int i;

    for (i = 0; i < doc->ntok; i++) {
        const jsmntok_t *t = &doc->tok[i];
        bool want = ref_string_list(doc, i, dec);
        FUZZ_CHECK(dbtok__json_is_cstring(doc, i) == (t->type == JSMN_STRING && !holds_nul(&dec[i])));
#if DBTOK_ENABLE_SCOPES
        FUZZ_CHECK(dbtok__json_is_string_list(doc, i) == want);
#else
        (void)want;
#endif
    }
    FUZZ_CHECK(!dbtok__json_is_cstring(doc, -1) && !dbtok__json_is_cstring(doc, doc->ntok));
#if DBTOK_ENABLE_SCOPES
    FUZZ_CHECK(!dbtok__json_is_string_list(doc, -1) && !dbtok__json_is_string_list(doc, doc->ntok));
    d.text = work;
    d.len = size;
    d.tok = tok;
    d.ntok = doc->ntok;
    for (i = 0; i < doc->ntok; i++) {
        const jsmntok_t *t = &doc->tok[i];
        dbtok_str_list list;
        if (!ref_string_list(doc, i, dec)) {
            continue;
        }
        /* The lists decoded before lie elsewhere: this one is still raw. */
        FUZZ_CHECK(dbtok__json_is_string_list(&d, i));
        dbtok__json_string_list(&d, i, &list);
        check_list(&list, doc, i, dec, work + t->start, work + t->end);
        memcpy(expect + t->start, work + t->start, (size_t)(t->end - t->start));
        FUZZ_CHECK(memcmp(work, expect, size) == 0);
    }
    FUZZ_CHECK(memcmp(tok, doc->tok, sizeof(jsmntok_t) * (size_t)doc->ntok) == 0);
    free(work);
    free(expect);
    free(tok);
#endif
}

/* The fields of a token info, in token_info.c's order. */
enum { TI_ID, TI_COMMENT, TI_CREATED, TI_EXPIRY, TI_SCOPES, TI_AUTOSCOPE, TI_INFERRED, TI_BACKFILL, TI_FIELDS };
static const char *const ti_names[TI_FIELDS] = {"token_id", "comment", "creation_time", "expiry_time",
                                                "scopes", "autoscope_state", "inferred_scopes", "backfill_scopes"};
#if DBTOK_ENABLE_SCOPES
#define TI_READ TI_FIELDS
#else
#define TI_READ TI_SCOPES /* the scope fields are other keys, skipped */
#endif

/* The reference for dbtok__token_info_read's verdict on token obj, written
 * from token_info.h: an object; no field read given twice (decoded keys
 * compared); values (null: absent) as documented. v[] gets each field's
 * value token or -1, created and expiry their values or defaults. */
static bool ref_token_info(const json_doc *doc, int obj, const dbtok_str *dec, int *v, int64_t *created,
                           int64_t *expiry)
{
    const char *s = doc->text;
    unsigned seen = 0;
    int key;
    int m;
    int f;

    for (f = 0; f < TI_FIELDS; f++) {
        v[f] = -1;
    }
    *created = 0;
    *expiry = -1;
    if (doc->tok[obj].type != JSMN_OBJECT) {
        return false;
    }
    key = obj + 1;
    for (m = 0; m < doc->tok[obj].size; m++) {
        const jsmntok_t *val = &doc->tok[key + 1];
        for (f = 0; f < TI_READ; f++) {
            if (dec[key].len == strlen(ti_names[f]) && memcmp(dec[key].ptr, ti_names[f], dec[key].len) == 0) {
                break;
            }
        }
        if (f < TI_READ) {
            if ((seen & (1u << f)) != 0) {
                return false;
            }
            seen |= 1u << f;
            if (!(val->type == JSMN_PRIMITIVE && val->end - val->start == 4 &&
                  memcmp(s + val->start, "null", 4) == 0)) {
                v[f] = key + 1;
            }
        }
        key = dbtok__json_skip(doc, key);
    }
    if (v[TI_ID] < 0 || doc->tok[v[TI_ID]].type != JSMN_STRING || holds_nul(&dec[v[TI_ID]])) {
        return false;
    }
    if (v[TI_COMMENT] >= 0 && doc->tok[v[TI_COMMENT]].type != JSMN_STRING) {
        return false;
    }
    if (v[TI_CREATED] >= 0 &&
        (doc->tok[v[TI_CREATED]].type != JSMN_PRIMITIVE ||
         !fuzz_ref_int64((const uint8_t *)s + doc->tok[v[TI_CREATED]].start,
                    (size_t)(doc->tok[v[TI_CREATED]].end - doc->tok[v[TI_CREATED]].start), created))) {
        return false;
    }
    if (v[TI_EXPIRY] >= 0 &&
        (doc->tok[v[TI_EXPIRY]].type != JSMN_PRIMITIVE ||
         !fuzz_ref_int64((const uint8_t *)s + doc->tok[v[TI_EXPIRY]].start,
                    (size_t)(doc->tok[v[TI_EXPIRY]].end - doc->tok[v[TI_EXPIRY]].start), expiry))) {
        return false;
    }
    if (v[TI_AUTOSCOPE] >= 0 && (doc->tok[v[TI_AUTOSCOPE]].type != JSMN_STRING || holds_nul(&dec[v[TI_AUTOSCOPE]]))) {
        return false;
    }
    return (v[TI_SCOPES] < 0 || ref_string_list(doc, v[TI_SCOPES], dec)) &&
           (v[TI_INFERRED] < 0 || ref_string_list(doc, v[TI_INFERRED], dec)) &&
           (v[TI_BACKFILL] < 0 || ref_string_list(doc, v[TI_BACKFILL], dec));
}

/* A decoded string view of field value i (or "" when i < 0) in the copy
 * whose text is base. */
static void check_field(const dbtok_str *got, int i, const json_doc *doc, const dbtok_str *dec, const char *base)
{
    if (i < 0) {
        FUZZ_CHECK(got->len == 0 && got->ptr != NULL && got->ptr[0] == '\0');
        return;
    }
    FUZZ_CHECK(got->ptr == base + doc->tok[i].start && got->ptr[got->len] == '\0');
    FUZZ_CHECK(got->len == dec[i].len && memcmp(got->ptr, dec[i].ptr, got->len) == 0);
}

/* dbtok__token_info_read on every token: with info NULL (all on one copy,
 * which must stay byte for byte the body) and with an info (on a copy whose
 * object is restored from the body after each read; a write outside it
 * would show at the end) the same verdict, the reference's; with an info,
 * every field as the reference decodes it. */
static void check_token_infos(const uint8_t *data, size_t size, const json_doc *doc, const dbtok_str *dec)
{
    char *bare = (char *)fuzz_dup(data, size);
    char *full = (char *)fuzz_dup(data, size);
    jsmntok_t *tok = (jsmntok_t *)(void *)fuzz_dup((const uint8_t *)doc->tok, sizeof(jsmntok_t) * (size_t)doc->ntok);
    json_doc db = {bare, size, tok, doc->ntok};
    json_doc df = {full, size, tok, doc->ntok};
    int i;

    for (i = 0; i < doc->ntok; i++) {
        const jsmntok_t *t = &doc->tok[i];
        int v[TI_FIELDS];
        int64_t created;
        int64_t expiry;
        bool want = ref_token_info(doc, i, dec, v, &created, &expiry);
        dbtok_token_info info;
        dbtok_err a = dbtok__token_info_read(&db, i, NULL);
        dbtok_err b;

        FUZZ_CHECK(a == (want ? DBTOK_OK : DBTOK_ERR_JSON));
        if (t->type != JSMN_OBJECT) {
            continue;
        }
        memset(&info, 0xA5, sizeof info);
        b = dbtok__token_info_read(&df, i, &info);
        FUZZ_CHECK(b == a);
        if (b == DBTOK_OK) {
            FUZZ_CHECK(memchr(info.token_id.ptr, 0, info.token_id.len) == NULL);
            check_field(&info.token_id, v[TI_ID], doc, dec, full);
            check_field(&info.comment, v[TI_COMMENT], doc, dec, full);
            FUZZ_CHECK(info.creation_time_ms == created && info.expiry_time_ms == expiry);
#if DBTOK_ENABLE_SCOPES
            check_field(&info.autoscope_state, v[TI_AUTOSCOPE], doc, dec, full);
            {
                const dbtok_str_list *lists[3] = {&info.scopes, &info.inferred_scopes, &info.backfill_scopes};
                const int which[3] = {v[TI_SCOPES], v[TI_INFERRED], v[TI_BACKFILL]};
                int l;
                for (l = 0; l < 3; l++) {
                    if (which[l] < 0) {
                        check_no_list(lists[l]);
                    } else {
                        check_list(lists[l], doc, which[l], dec, full + doc->tok[which[l]].start,
                                   full + doc->tok[which[l]].end);
                    }
                }
            }
#else
            FUZZ_CHECK(info.scopes.count == 0 && info.autoscope_state.len == 0);
#endif
        }
        memcpy(full + t->start, data + t->start, (size_t)(t->end - t->start));
    }
    FUZZ_CHECK(memcmp(bare, data, size) == 0);
    FUZZ_CHECK(memcmp(full, data, size) == 0);
    FUZZ_CHECK(memcmp(tok, doc->tok, sizeof(jsmntok_t) * (size_t)doc->ntok) == 0);
    free(bare);
    free(full);
    free(tok);
}

/* The access pattern of token_api.c on a create answer or an error body:
 * look up fields and read numbers (strings are decoded by check_decoders,
 * since each may be decoded once only). Only that it is safe is checked
 * here; what the results mean is the session harness's business. */
static void decode_like_api(json_doc *doc)
{
    static const char *const answer_keys[] = {"token_value", "token_info"};
    static const char *const info_keys[] = {"token_id", "comment", "creation_time", "expiry_time"};
    static const char *const error_keys[] = {"error_code", "message", "details"};
    static const char *const detail_keys[] = {"@type", "retry_delay"};
    int answer[2];
    int info[4];
    int error[3];
    size_t k;
    int64_t v;

    if (dbtok__json_object_members(doc, 0, answer_keys, 2, answer) == DBTOK_OK) {
        FUZZ_CHECK(answer[0] >= -1 && answer[0] < doc->ntok && answer[1] >= -1 && answer[1] < doc->ntok);
        if (answer[1] >= 0 && dbtok__json_object_members(doc, answer[1], info_keys, 4, info) == DBTOK_OK) {
            for (k = 0; k < 4; k++) {
                FUZZ_CHECK(info[k] >= -1 && info[k] < doc->ntok && info[k] != 0);
                if (info[k] >= 0) {
                    (void)dbtok__json_int64(doc, info[k], &v);
                }
            }
        }
    }
    if (dbtok__json_object_members(doc, 0, error_keys, 3, error) == DBTOK_OK && error[2] >= 0 &&
        doc->tok[error[2]].type == JSMN_ARRAY) {
        int details = error[2];
        int i = details + 1;
        int n;
        for (n = 0; n < doc->tok[details].size; n++) {
            int d[2];
            FUZZ_CHECK(i < doc->ntok);
            if (dbtok__json_object_members(doc, i, detail_keys, 2, d) == DBTOK_OK) {
                FUZZ_CHECK(d[0] == -1 || (d[0] > i && d[0] < dbtok__json_skip(doc, i)));
                FUZZ_CHECK(d[1] == -1 || (d[1] > i && d[1] < dbtok__json_skip(doc, i)));
            }
            i = dbtok__json_skip(doc, i);
        }
        FUZZ_CHECK(i == dbtok__json_skip(doc, details));
    }
}

/* dbtok__json_string and dbtok__json_int64 on every token of the document (decoding it in
 * place, as the API does), against the decodings of the second copy. */
static void check_decoders(json_doc *doc, const dbtok_str *dec)
{
    int i;

    for (i = 0; i < doc->ntok; i++) {
        const jsmntok_t *t = &doc->tok[i];
        dbtok_str s;
        int64_t v = 0;
        int64_t rv = 0;
        dbtok_err err = dbtok__json_string(doc, i, &s);
        if (t->type == JSMN_STRING) {
            FUZZ_CHECK(err == DBTOK_OK);
            check_decoded(&s, doc->text + t->start, (size_t)(t->end - t->start));
            FUZZ_CHECK(s.len == dec[i].len && memcmp(s.ptr, dec[i].ptr, s.len) == 0);
            FUZZ_CHECK(dbtok__json_int64(doc, i, &v) == DBTOK_ERR_JSON);
        } else {
            FUZZ_CHECK(err == DBTOK_ERR_JSON);
            err = dbtok__json_int64(doc, i, &v);
            if (t->type == JSMN_PRIMITIVE &&
                fuzz_ref_int64((const uint8_t *)doc->text + t->start, (size_t)(t->end - t->start), &rv)) {
                FUZZ_CHECK(err == DBTOK_OK && v == rv);
            } else {
                FUZZ_CHECK(err == DBTOK_ERR_JSON);
            }
        }
    }
    FUZZ_CHECK(dbtok__json_string(doc, -1, &(dbtok_str){NULL, 0}) == DBTOK_ERR_JSON);
    FUZZ_CHECK(dbtok__json_string(doc, doc->ntok, &(dbtok_str){NULL, 0}) == DBTOK_ERR_JSON);
}

static void check_document(const uint8_t *data, size_t size)
{
    char *text = (char *)fuzz_dup(data, size);
    char *copy = (char *)fuzz_dup(data, size);
    int count = dbtok__json_count_tokens(text, size);
    /* Each token holds at least one byte of text, so size + 1 never runs out. */
    unsigned big = (unsigned)size + 1u;
    jsmntok_t *tok = malloc(sizeof(jsmntok_t) * big);
    jsmntok_t *tok2 = malloc(sizeof(jsmntok_t) * big);
    json_doc doc;
    json_doc doc2;
    dbtok_err err_big;
    dbtok_err err;
    dbtok_str *dec;
    int i;

    FUZZ_CHECK(tok != NULL && tok2 != NULL);
    FUZZ_CHECK(count >= 0 || count == DBTOK_ERR_NOT_JSON || count == DBTOK_ERR_JSON);
    err_big = dbtok__json_parse(&doc2, copy, size, tok2, big);
    FUZZ_CHECK(err_big == DBTOK_OK || err_big == DBTOK_ERR_NOT_JSON || err_big == DBTOK_ERR_JSON);
    if (count < 0) {
        FUZZ_CHECK(err_big == (dbtok_err)count);
        goto out;
    }
    FUZZ_CHECK(err_big != DBTOK_ERR_NOT_JSON);
    /* Exactly the counted tokens, as token_api.c allocates them. */
    err = dbtok__json_parse(&doc, text, size, tok, (unsigned)count);
    if (count == 0) {
        FUZZ_CHECK(err == DBTOK_ERR_BUFFER_TOO_SMALL && err_big != DBTOK_OK);
        goto out;
    }
    FUZZ_CHECK(err == err_big);
    if (count >= 2) {
        json_doc few;
        char *copy3 = (char *)fuzz_dup(data, size);
        dbtok_err e = dbtok__json_parse(&few, copy3, size, tok2, (unsigned)count - 1u);
        FUZZ_CHECK(e == DBTOK_ERR_BUFFER_TOO_SMALL || e == DBTOK_ERR_JSON);
        free(copy3);
        /* tok2 was overwritten: parse the second copy again. */
        FUZZ_CHECK(dbtok__json_parse(&doc2, copy, size, tok2, big) == err_big);
    }
    if (err != DBTOK_OK) {
        goto out;
    }
    FUZZ_CHECK(doc.ntok == count && doc2.ntok == count);
    FUZZ_CHECK(memcmp(doc.tok, doc2.tok, sizeof(jsmntok_t) * (size_t)count) == 0);
    check_tree(&doc, size);

    /* Decode every string of the second copy once, for reference. */
    dec = calloc((size_t)count, sizeof *dec);
    FUZZ_CHECK(dec != NULL);
    for (i = 0; i < count; i++) {
        if (doc2.tok[i].type == JSMN_STRING) {
            const jsmntok_t *t = &doc2.tok[i];
            /* The C-string decoder refuses a NUL before decoding anything,
             * so the plain decoder then finds the text as it was. */
            if (dbtok__json_span_holds_nul(copy, t->start, t->end)) {
                dbtok_str refused = {NULL, 0};
                FUZZ_CHECK(dbtok__json_string_cstr(&doc2, i, &refused) == DBTOK_ERR_JSON && refused.ptr == NULL);
                FUZZ_CHECK(dbtok__json_string(&doc2, i, &dec[i]) == DBTOK_OK);
                FUZZ_CHECK(memchr(dec[i].ptr, 0, dec[i].len) != NULL);
            } else {
                FUZZ_CHECK(dbtok__json_string_cstr(&doc2, i, &dec[i]) == DBTOK_OK);
                FUZZ_CHECK(memchr(dec[i].ptr, 0, dec[i].len) == NULL);
            }
            check_decoded(&dec[i], copy + t->start, (size_t)(t->end - t->start));
            check_equals(text, t->start, t->end, &dec[i]);
            check_round_trip(dec[i].ptr, dec[i].len);
        }
    }
    /* Lookups compare against raw text, so they run before the in-place
     * decoding of the first copy. */
    check_key_equality(&doc, dec);
    check_members(&doc, dec);
    check_string_lists(data, size, &doc, dec);
    check_token_infos(data, size, &doc, dec);
    if (doc.tok[0].type == JSMN_OBJECT) {
        decode_like_api(&doc);
    }
    check_decoders(&doc, dec);
    free(dec);
out:
    free(text);
    free(copy);
    free(tok);
    free(tok2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > MAX_BODY) {
        return 0;
    }
    check_spans(data, size);
    check_document(data, size);
    return 0;
}
