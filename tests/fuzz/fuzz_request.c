/*
 * libFuzzer harness: the request body parsers (core/src/create_request.c),
 * dbtok_create_request_parse and dbtok_update_request_parse, as the CLI's
 * `create --json` and `update --json` give them a user's body.
 *
 * Input: the body, as is; both parsers read it, each from an exact-size
 * heap copy of its own, so AddressSanitizer sees any access past the body.
 * DBTOK_FUZZ_VERBOSE=1 prints what each returned.
 *
 * Checked, for each parser:
 *  - the result and the fault agree: DBTOK_OK with DBTOK_REQUEST_OK,
 *    DBTOK_ERR_BUFFER_TOO_SMALL with DBTOK_REQUEST_TOO_LARGE, DBTOK_ERR_JSON
 *    with any other fault; nothing else;
 *  - the verdict against a reference written from dbtok_types.h, over the
 *    body's tokens as dbtok__json_parse gives them with room for any count
 *    (the JSON itself is fuzz_json's business) and its strings decoded
 *    there: not JSON or too large (more than DBTOK_REQUEST_MAX_VALUES
 *    values) first, then not an object, then an unknown member (keys
 *    compared decoded; every key before any value), then a member given
 *    twice, then the faults of the values, of which the one reported must
 *    be one that applies. For an update: members "token" (an object, or
 *    null for none) and "update_mask", the token's "comment" and "scopes",
 *    the mask read raw ("comment", "scopes" or both, comma-separated, each
 *    once), a mismatch between the mask and the fields given (not null);
 *  - the field view is empty except for UNKNOWN_FIELD (then exactly the raw
 *    content of an unknown key of the object at fault, inside the text) and
 *    MASK_MISMATCH (the raw key of a field given but not masked, or the name
 *    of one masked but not given);
 *  - on success, every value as the reference decodes it: the comment a
 *    NUL-terminated, NUL-free string where its value was in the text (NULL
 *    when absent or null, or for an update not masked), lifetime_seconds
 *    and autoscope_enabled as written, the scopes packed from their array's
 *    first byte within its span, count strings, each non-empty, NUL-free
 *    and equal to its element, dbtok_str_list_next reading exactly them;
 *    for an update, comment != NULL and set_scopes exactly as the mask
 *    names them.
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

#define MAX_BODY 65536

#define FAULT(f) (1u << (unsigned)(f))

/* DBTOK_FUZZ_VERBOSE=1 prints each parser's result, for a replay. */
static bool verbose;

static void say(const char *parser, dbtok_err rc, dbtok_request_fault fault, const dbtok_str *field, unsigned allowed)
{
    if (verbose) {
        fprintf(stderr, "%s: rc %d fault %d field '%.*s' (reference allows 0x%x)\n", parser, (int)rc, (int)fault,
                (int)(field->len < 200 ? field->len : 200), field->ptr != NULL ? field->ptr : "", allowed);
    }
}

/* The body as the reference reads it. */
typedef struct {
    const char *raw;    /* the input, never written */
    size_t size;
    int count;          /* dbtok__json_count_tokens */
    dbtok_err err;      /* dbtok__json_parse with a token per byte */
    json_doc doc;       /* over a copy whose strings are decoded in place */
    dbtok_str *dec;     /* each string token decoded */
} body;

/* ---- small references ----------------------------------------------------- */

static bool holds_nul(const dbtok_str *s)
{
    return memchr(s->ptr, 0, s->len) != NULL;
}

static bool dec_is(const body *b, int i, const char *name)
{
    return b->dec[i].len == strlen(name) && memcmp(b->dec[i].ptr, name, b->dec[i].len) == 0;
}

static bool raw_is(const body *b, int i, const char *word)
{
    const jsmntok_t *t = &b->doc.tok[i];
    return (size_t)(t->end - t->start) == strlen(word) && memcmp(b->raw + t->start, word, strlen(word)) == 0;
}

static bool is_null(const body *b, int i)
{
    return b->doc.tok[i].type == JSMN_PRIMITIVE && raw_is(b, i, "null");
}

/* Scopes: an array whose children (by jsmn's parent links) are strings
 * decoding to something non-empty without a NUL. */
static bool ref_scopes(const body *b, int i)
{
    const jsmntok_t *t = b->doc.tok;
    int k;

    if (t[i].type != JSMN_ARRAY) {
        return false;
    }
    for (k = i + 1; k < b->doc.ntok && t[k].start < t[i].end; k++) {
        if (t[k].parent == i && (t[k].type != JSMN_STRING || b->dec[k].len == 0 || holds_nul(&b->dec[k]))) {
            return false;
        }
    }
    return true;
}

/* The members of object obj against names[0..n): values[k] is the value of
 * names[k] (-1: absent or null), *unknown tells whether some key is none
 * of them, *repeated whether one of them is given twice. */
static void ref_members(const body *b, int obj, const char *const *names, unsigned n, int *values, bool *unknown,
                        bool *repeated)
{
    unsigned seen = 0;
    int key = obj + 1;
    int m;
    unsigned k;

    *unknown = false;
    *repeated = false;
    for (k = 0; k < n; k++) {
        values[k] = -1;
    }
    for (m = 0; m < b->doc.tok[obj].size; m++) {
        for (k = 0; k < n && !dec_is(b, key, names[k]); k++) {
        }
        if (k == n) {
            *unknown = true;
        } else {
            *repeated = *repeated || (seen & (1u << k)) != 0;
            seen |= 1u << k;
            values[k] = is_null(b, key + 1) ? -1 : key + 1;
        }
        key = dbtok__json_skip(&b->doc, key);
    }
}

/* Whether the view is the raw content of a key of object obj that is none of
 * names[0..n), in text (the parser's copy). */
static bool is_unknown_key(const body *b, int obj, const char *const *names, unsigned n, const char *text,
                           const dbtok_str *field)
{
    int key = obj + 1;
    int m;
    unsigned k;

    for (m = 0; m < b->doc.tok[obj].size; m++) {
        for (k = 0; k < n && !dec_is(b, key, names[k]); k++) {
        }
        if (k == n && field->ptr == text + b->doc.tok[key].start &&
            field->len == (size_t)(b->doc.tok[key].end - b->doc.tok[key].start)) {
            return true;
        }
        key = dbtok__json_skip(&b->doc, key);
    }
    return false;
}

/* What comes before any member is read: NOT_JSON, TOO_LARGE, NOT_OBJECT, or
 * 0 (the body is an object of few enough values). */
static unsigned ref_shape(const body *b)
{
    if (b->err != DBTOK_OK) {
        /* jsmn stops at its first error, or when the tokens run out, which
         * comes first when the body needs more than it may have. */
        return b->count == DBTOK_ERR_NOT_JSON || (b->count >= 0 && b->count <= DBTOK_REQUEST_MAX_VALUES)
                   ? FAULT(DBTOK_REQUEST_NOT_JSON)
                   : FAULT(DBTOK_REQUEST_NOT_JSON) | FAULT(DBTOK_REQUEST_TOO_LARGE);
    }
    if (b->doc.ntok > DBTOK_REQUEST_MAX_VALUES) {
        return FAULT(DBTOK_REQUEST_TOO_LARGE);
    }
    return b->doc.tok[0].type == JSMN_OBJECT ? 0u : FAULT(DBTOK_REQUEST_NOT_OBJECT);
}

/* ---- what either parser hands out ----------------------------------------- */

static void check_result(dbtok_err rc, dbtok_request_fault fault, const dbtok_str *field, unsigned allowed)
{
    FUZZ_CHECK(rc == DBTOK_OK || rc == DBTOK_ERR_JSON || rc == DBTOK_ERR_BUFFER_TOO_SMALL);
    FUZZ_CHECK((rc == DBTOK_OK) == (fault == DBTOK_REQUEST_OK));
    FUZZ_CHECK((rc == DBTOK_ERR_BUFFER_TOO_SMALL) == (fault == DBTOK_REQUEST_TOO_LARGE));
    FUZZ_CHECK(fault >= DBTOK_REQUEST_OK && fault <= DBTOK_REQUEST_MASK_MISMATCH);
    if (allowed == 0) {
        FUZZ_CHECK(fault == DBTOK_REQUEST_OK);
    } else {
        FUZZ_CHECK((allowed & FAULT(fault)) != 0);
    }
    if (fault != DBTOK_REQUEST_UNKNOWN_FIELD && fault != DBTOK_REQUEST_MASK_MISMATCH) {
        FUZZ_CHECK(field->len == 0);
    }
}

/* A comment handed out: where value i was in text, NUL-terminated, no NUL
 * inside, its decoding. */
static void check_comment(const body *b, int i, const char *text, const char *comment)
{
    const char *nul;

    FUZZ_CHECK(comment == text + b->doc.tok[i].start);
    nul = memchr(comment, 0, b->size - (size_t)b->doc.tok[i].start);
    FUZZ_CHECK(nul != NULL && (size_t)(nul - comment) == b->dec[i].len);
    FUZZ_CHECK(memcmp(comment, b->dec[i].ptr, b->dec[i].len) == 0);
}

/* Scopes handed out for array arr (or none, arr < 0). */
static void check_scopes(const body *b, int arr, const char *text, const dbtok_str_list *list)
{
    size_t pos = 0;
    dbtok_str s;
    int n;

    FUZZ_CHECK(list->ptr != NULL);
    if (arr < 0 || b->doc.tok[arr].size == 0) {
        FUZZ_CHECK(list->count == 0 && list->len == 0 && list->ptr[0] == '\0');
        FUZZ_CHECK(!dbtok_str_list_next(list, &pos, &s));
        return;
    }
    FUZZ_CHECK(list->count == (size_t)b->doc.tok[arr].size);
    FUZZ_CHECK(list->ptr == text + b->doc.tok[arr].start);
    FUZZ_CHECK(list->len <= (size_t)(b->doc.tok[arr].end - b->doc.tok[arr].start));
    for (n = 0; n < b->doc.tok[arr].size; n++) {
        int k = arr + 1 + n; /* strings: one token each */
        size_t before = pos;
        FUZZ_CHECK(b->doc.tok[k].parent == arr);
        FUZZ_CHECK(dbtok_str_list_next(list, &pos, &s));
        FUZZ_CHECK(s.ptr == list->ptr + before && pos == before + s.len + 1 && pos <= list->len);
        FUZZ_CHECK(s.len > 0 && s.ptr[s.len] == '\0' && memchr(s.ptr, 0, s.len) == NULL);
        FUZZ_CHECK(fuzz_utf8_ok((const uint8_t *)s.ptr, s.len));
        FUZZ_CHECK(s.len == b->dec[k].len && memcmp(s.ptr, b->dec[k].ptr, s.len) == 0);
    }
    FUZZ_CHECK(pos == list->len && !dbtok_str_list_next(list, &pos, &s));
}

/* ---- create ----------------------------------------------------------------- */

enum {
    C_COMMENT,
    C_LIFETIME,
#if DBTOK_ENABLE_SCOPES
    C_SCOPES,
    C_AUTOSCOPE,
#endif
    C_FIELDS
};
static const char *const create_names[C_FIELDS] = {"comment", "lifetime_seconds",
#if DBTOK_ENABLE_SCOPES
                                                   "scopes", "autoscope_enabled"
#endif
};

static void check_create(const uint8_t *data, size_t size, const body *b)
{
    char *text = (char *)fuzz_dup(data, size);
    dbtok_create_request out;
    dbtok_err rc;
    unsigned allowed = ref_shape(b);
    int v[C_FIELDS];
    int64_t lifetime = 0;
    bool unknown = false;
    bool repeated = false;
    int k;

    for (k = 0; k < C_FIELDS; k++) {
        v[k] = -1;
    }
    memset(&out, 0xA5, sizeof out);
    rc = dbtok_create_request_parse(text, size, &out);
    if (allowed == 0) {
        ref_members(b, 0, create_names, C_FIELDS, v, &unknown, &repeated);
        if (unknown) {
            allowed = FAULT(DBTOK_REQUEST_UNKNOWN_FIELD);
        } else if (repeated) {
            allowed = FAULT(DBTOK_REQUEST_REPEATED_FIELD);
        } else {
            const jsmntok_t *t = b->doc.tok;
            if (v[C_LIFETIME] >= 0 &&
                (t[v[C_LIFETIME]].type != JSMN_PRIMITIVE ||
                 !fuzz_ref_int64((const uint8_t *)b->raw + t[v[C_LIFETIME]].start,
                                 (size_t)(t[v[C_LIFETIME]].end - t[v[C_LIFETIME]].start), &lifetime))) {
                allowed |= FAULT(DBTOK_REQUEST_BAD_LIFETIME);
            }
            if (v[C_COMMENT] >= 0 && t[v[C_COMMENT]].type != JSMN_STRING) {
                allowed |= FAULT(DBTOK_REQUEST_BAD_COMMENT);
            } else if (v[C_COMMENT] >= 0 && holds_nul(&b->dec[v[C_COMMENT]])) {
                allowed |= FAULT(DBTOK_REQUEST_COMMENT_NUL);
            }
#if DBTOK_ENABLE_SCOPES
            if (v[C_AUTOSCOPE] >= 0 && !(t[v[C_AUTOSCOPE]].type == JSMN_PRIMITIVE &&
                                         (raw_is(b, v[C_AUTOSCOPE], "true") || raw_is(b, v[C_AUTOSCOPE], "false")))) {
                allowed |= FAULT(DBTOK_REQUEST_BAD_AUTOSCOPE);
            }
            if (v[C_SCOPES] >= 0 && !ref_scopes(b, v[C_SCOPES])) {
                allowed |= FAULT(DBTOK_REQUEST_BAD_SCOPES);
            }
#endif
        }
    }
    say("create", rc, out.fault, &out.field, allowed);
    check_result(rc, out.fault, &out.field, allowed);
    if (out.fault == DBTOK_REQUEST_UNKNOWN_FIELD) {
        FUZZ_CHECK(is_unknown_key(b, 0, create_names, C_FIELDS, text, &out.field));
    }
    FUZZ_CHECK(out.fault != DBTOK_REQUEST_MASK_MISMATCH && out.fault != DBTOK_REQUEST_BAD_MASK);
    if (rc == DBTOK_OK) {
        if (v[C_COMMENT] < 0) {
            FUZZ_CHECK(out.comment == NULL);
        } else {
            check_comment(b, v[C_COMMENT], text, out.comment);
        }
        FUZZ_CHECK(out.has_lifetime == (v[C_LIFETIME] >= 0));
        FUZZ_CHECK(out.lifetime_seconds == (out.has_lifetime ? lifetime : 0));
#if DBTOK_ENABLE_SCOPES
        FUZZ_CHECK(out.autoscope_enabled == (v[C_AUTOSCOPE] >= 0 && raw_is(b, v[C_AUTOSCOPE], "true")));
        check_scopes(b, v[C_SCOPES], text, &out.scopes);
#else
        FUZZ_CHECK(!out.autoscope_enabled);
        check_scopes(b, -1, text, &out.scopes);
#endif
    }
    free(text);
}

/* ---- update ----------------------------------------------------------------- */

#if DBTOK_ENABLE_UPDATE
enum { U_TOKEN, U_MASK, U_FIELDS };
static const char *const update_names[U_FIELDS] = {"token", "update_mask"};
enum {
    F_COMMENT,
#if DBTOK_ENABLE_SCOPES
    F_SCOPES,
#endif
    F_FIELDS
};
static const char *const field_names[F_FIELDS] = {"comment",
#if DBTOK_ENABLE_SCOPES
                                                  "scopes"
#endif
};

/* The mask s[0..n) (raw, not decoded) as a set of field_names bits, or -1:
 * words cut at every comma, each a field name, none twice, none empty. */
static int ref_mask(const char *s, size_t n)
{
    int set = 0;
    size_t at = 0;

    for (;;) {
        size_t stop = at;
        int k;
        while (stop < n && s[stop] != ',') {
            stop++;
        }
        for (k = 0; k < F_FIELDS; k++) {
            if (stop - at == strlen(field_names[k]) && memcmp(s + at, field_names[k], stop - at) == 0) {
                break;
            }
        }
        if (k == F_FIELDS || (set & (1 << k)) != 0) {
            return -1;
        }
        set |= 1 << k;
        if (stop == n) {
            return set;
        }
        at = stop + 1;
    }
}

/* The key token of value v. */
static int key_before(int v)
{
    return v - 1;
}

static void check_update(const uint8_t *data, size_t size, const body *b)
{
    char *text = (char *)fuzz_dup(data, size);
    dbtok_update_request out;
    dbtok_err rc;
    unsigned allowed = ref_shape(b);
    int top[U_FIELDS];
    int f[F_FIELDS];
    int mask = -1;
    int unknown_in = -1; /* the object whose keys an UNKNOWN_FIELD may name */
    int k;
    bool unknown = false;
    bool repeated = false;

    for (k = 0; k < F_FIELDS; k++) {
        f[k] = -1;
    }
    top[U_TOKEN] = -1;
    memset(&out, 0xA5, sizeof out);
    rc = dbtok_update_request_parse(text, size, &out);
    if (allowed == 0) {
        const jsmntok_t *t = b->doc.tok;
        ref_members(b, 0, update_names, U_FIELDS, top, &unknown, &repeated);
        unknown_in = 0;
        if (!unknown && !repeated && top[U_TOKEN] >= 0) {
            if (t[top[U_TOKEN]].type != JSMN_OBJECT) {
                allowed = FAULT(DBTOK_REQUEST_NOT_OBJECT);
            } else {
                ref_members(b, top[U_TOKEN], field_names, F_FIELDS, f, &unknown, &repeated);
                unknown_in = top[U_TOKEN];
            }
        }
        if (allowed != 0) {
            /* NOT_OBJECT already */
        } else if (unknown) {
            allowed = FAULT(DBTOK_REQUEST_UNKNOWN_FIELD);
        } else if (repeated) {
            allowed = FAULT(DBTOK_REQUEST_REPEATED_FIELD);
        } else {
            if (top[U_MASK] >= 0 && t[top[U_MASK]].type == JSMN_STRING) {
                mask = ref_mask(b->raw + t[top[U_MASK]].start, (size_t)(t[top[U_MASK]].end - t[top[U_MASK]].start));
            }
            if (mask < 0) {
                allowed = FAULT(DBTOK_REQUEST_BAD_MASK);
            } else {
                for (k = 0; k < F_FIELDS; k++) {
                    if ((f[k] >= 0) != ((mask & (1 << k)) != 0)) {
                        allowed = FAULT(DBTOK_REQUEST_MASK_MISMATCH);
                    }
                }
            }
        }
        if (allowed == 0) {
            if (f[F_COMMENT] >= 0 && t[f[F_COMMENT]].type != JSMN_STRING) {
                allowed |= FAULT(DBTOK_REQUEST_BAD_COMMENT);
            } else if (f[F_COMMENT] >= 0 && holds_nul(&b->dec[f[F_COMMENT]])) {
                allowed |= FAULT(DBTOK_REQUEST_COMMENT_NUL);
            }
#if DBTOK_ENABLE_SCOPES
            if (f[F_SCOPES] >= 0 && !ref_scopes(b, f[F_SCOPES])) {
                allowed |= FAULT(DBTOK_REQUEST_BAD_SCOPES);
            }
#endif
        }
    }
    say("update", rc, out.fault, &out.field, allowed);
    check_result(rc, out.fault, &out.field, allowed);
    if (out.fault == DBTOK_REQUEST_UNKNOWN_FIELD) {
        FUZZ_CHECK(unknown_in == 0 || unknown_in == top[U_TOKEN]);
        FUZZ_CHECK(unknown_in == 0 ? is_unknown_key(b, 0, update_names, U_FIELDS, text, &out.field)
                                   : is_unknown_key(b, unknown_in, field_names, F_FIELDS, text, &out.field));
    }
    if (out.fault == DBTOK_REQUEST_MASK_MISMATCH) {
        /* The key of a field given but not masked, or the name of one
         * masked but not given. */
        bool named = false;
        for (k = 0; k < F_FIELDS; k++) {
            bool masked = (mask & (1 << k)) != 0;
            if (f[k] >= 0 && !masked) {
                const jsmntok_t *key = &b->doc.tok[key_before(f[k])];
                named = named || (out.field.ptr == text + key->start && out.field.len == (size_t)(key->end - key->start));
            } else if (f[k] < 0 && masked) {
                named = named || (out.field.len == strlen(field_names[k]) &&
                                  memcmp(out.field.ptr, field_names[k], out.field.len) == 0);
            }
        }
        FUZZ_CHECK(named);
    }
    if (rc == DBTOK_OK) {
        FUZZ_CHECK((out.comment != NULL) == ((mask & (1 << F_COMMENT)) != 0));
        if (out.comment != NULL) {
            check_comment(b, f[F_COMMENT], text, out.comment);
        }
#if DBTOK_ENABLE_SCOPES
        FUZZ_CHECK(out.set_scopes == ((mask & (1 << F_SCOPES)) != 0));
        check_scopes(b, out.set_scopes ? f[F_SCOPES] : -1, text, &out.scopes);
#else
        FUZZ_CHECK(!out.set_scopes);
#endif
    }
    free(text);
}
#endif

/* The arguments the parsers refuse outright. */
static void check_arguments(void)
{
    dbtok_create_request c;
    char one = '{';

    FUZZ_CHECK(dbtok_create_request_parse(&one, 1, NULL) == DBTOK_ERR_INVALID_ARG);
    FUZZ_CHECK(dbtok_create_request_parse(NULL, 1, &c) == DBTOK_ERR_INVALID_ARG &&
               c.fault == DBTOK_REQUEST_NOT_JSON);
    FUZZ_CHECK(dbtok_create_request_parse(NULL, 0, &c) == DBTOK_ERR_JSON && c.fault == DBTOK_REQUEST_NOT_JSON);
#if DBTOK_ENABLE_UPDATE
    {
        dbtok_update_request u;
        FUZZ_CHECK(dbtok_update_request_parse(&one, 1, NULL) == DBTOK_ERR_INVALID_ARG);
        FUZZ_CHECK(dbtok_update_request_parse(NULL, 1, &u) == DBTOK_ERR_INVALID_ARG &&
                   u.fault == DBTOK_REQUEST_NOT_JSON);
        FUZZ_CHECK(dbtok_update_request_parse(NULL, 0, &u) == DBTOK_ERR_JSON && u.fault == DBTOK_REQUEST_NOT_JSON);
    }
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool arguments_checked;
    body b;
    char *copy;
    jsmntok_t *tok;
    int i;

    if (size > MAX_BODY) {
        return 0;
    }
    if (!arguments_checked) {
        verbose = getenv("DBTOK_FUZZ_VERBOSE") != NULL;
        check_arguments();
        arguments_checked = true;
    }
    /* The reference's view of the body: its tokens (one per byte is always
     * enough) and its strings decoded, on a copy of its own. */
    copy = (char *)fuzz_dup(data, size);
    tok = malloc(sizeof(jsmntok_t) * (size + 1));
    FUZZ_CHECK(tok != NULL);
    b.raw = (const char *)data;
    b.size = size;
    b.count = dbtok__json_count_tokens((const char *)data, size);
    b.err = dbtok__json_parse(&b.doc, copy, size, tok, (unsigned)size + 1u);
    b.dec = NULL;
    if (b.err == DBTOK_OK) {
        b.dec = calloc((size_t)b.doc.ntok, sizeof *b.dec);
        FUZZ_CHECK(b.dec != NULL);
        for (i = 0; i < b.doc.ntok; i++) {
            if (b.doc.tok[i].type == JSMN_STRING) {
                FUZZ_CHECK(dbtok__json_string(&b.doc, i, &b.dec[i]) == DBTOK_OK);
            }
        }
    }
    check_create(data, size, &b);
#if DBTOK_ENABLE_UPDATE
    check_update(data, size, &b);
#endif
    free(b.dec);
    free(tok);
    free(copy);
    return 0;
}
