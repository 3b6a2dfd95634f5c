/*
 * dbtok_create_request_parse() and dbtok_update_request_parse(): a request's
 * JSON body, read by the core's JSON module and its one rule for members
 * (json.h), so that an application taking a body from its user (the CLI's
 * `create --json` and `update --json`) accepts exactly what dbtok itself
 * would, without a second parser.
 */
#include <string.h>

#include "json.h"

#include "dbtok/dbtok_types.h"

/* Without DBTOK_ENABLE_SCOPES a body naming scopes is refused as naming
 * an unknown field: the library could not create the token it asks for. */
enum {
    CREATE_COMMENT,
    CREATE_LIFETIME,
#if DBTOK_ENABLE_SCOPES
    CREATE_SCOPES,
    CREATE_AUTOSCOPE,
#endif
    CREATE_FIELDS
};
static const char *const create_names[CREATE_FIELDS] = {"comment", "lifetime_seconds",
#if DBTOK_ENABLE_SCOPES
                                                        "scopes", "autoscope_enabled"
#endif
};

static dbtok_err refuse(dbtok_request_fault *fault, dbtok_request_fault why)
{
    *fault = why;
    return DBTOK_ERR_JSON;
}

static void view_key(const json_doc *doc, int key, dbtok_str *field)
{
    field->ptr = doc->text + doc->tok[key].start;
    field->len = (size_t)(doc->tok[key].end - doc->tok[key].start);
}

/* The key of the first member of object obj not among names[0..n), or -1.
 * Every key is checked before any value is decoded, so an unknown member is
 * reported as such even when a known one is malformed too. */
static int first_unknown_key(const json_doc *doc, int obj, const char *const *names, unsigned n)
{
    int end = dbtok__json_skip(doc, obj);
    int i;

    for (i = obj + 1; i < end; i = dbtok__json_skip(doc, i + 1)) {
        unsigned k = 0;
        while (k < n && !dbtok__json_span_equals(doc->text, doc->tok[i].start, doc->tok[i].end, names[k])) {
            k++;
        }
        if (k == n) {
            return i;
        }
    }
    return -1;
}

/* Parses text into doc (tok has DBTOK_REQUEST_MAX_VALUES); the top-level
 * value must be an object. */
static dbtok_err parse_object(json_doc *doc, char *text, size_t len, jsmntok_t *tok, dbtok_request_fault *fault)
{
    dbtok_err rc = dbtok__json_parse(doc, text, len, tok, DBTOK_REQUEST_MAX_VALUES);
    if (rc == DBTOK_ERR_BUFFER_TOO_SMALL) {
        *fault = DBTOK_REQUEST_TOO_LARGE;
        return rc;
    }
    if (rc != DBTOK_OK) {
        return refuse(fault, DBTOK_REQUEST_NOT_JSON);
    }
    return doc->tok[0].type == JSMN_OBJECT ? DBTOK_OK : refuse(fault, DBTOK_REQUEST_NOT_OBJECT);
}

/* Reads the members names[0..n) of object obj: an unknown one is named in
 * *field, a repeated one refused. */
static dbtok_err read_members(const json_doc *doc, int obj, const char *const *names, unsigned n, int *values,
                              dbtok_request_fault *fault, dbtok_str *field)
{
    int unknown = first_unknown_key(doc, obj, names, n);
    if (unknown >= 0) {
        view_key(doc, unknown, field);
        return refuse(fault, DBTOK_REQUEST_UNKNOWN_FIELD);
    }
    if (dbtok__json_object_members(doc, obj, names, n, values) != DBTOK_OK) {
        return refuse(fault, DBTOK_REQUEST_REPEATED_FIELD);
    }
    return DBTOK_OK;
}

/* The start both parsers share: the body (len bytes at text, which may be
 * NULL only when it is empty: no argument otherwise) parsed into doc with
 * tok (DBTOK_REQUEST_MAX_VALUES), and the top-level object's members
 * names[0..n) read into values. */
static dbtok_err parse_members(json_doc *doc, char *text, size_t len, jsmntok_t *tok, const char *const *names,
                               unsigned n, int *values, dbtok_request_fault *fault, dbtok_str *field)
{
    dbtok_err rc;
    if (text == NULL) {
        *fault = DBTOK_REQUEST_NOT_JSON; /* an empty body is no JSON; a missing one no argument */
        return len > 0 ? DBTOK_ERR_INVALID_ARG : DBTOK_ERR_JSON;
    }
    rc = parse_object(doc, text, len, tok, fault);
    return rc == DBTOK_OK ? read_members(doc, 0, names, n, values, fault, field) : rc;
}

/* A comment (value i, present): a string the C API can take. */
static dbtok_err read_comment(json_doc *doc, int i, const char **out, dbtok_request_fault *fault)
{
    dbtok_str s;
    if (dbtok__json_string(doc, i, &s) != DBTOK_OK) {
        return refuse(fault, DBTOK_REQUEST_BAD_COMMENT);
    }
    /* Valid JSON, but the C API takes the comment as a C string: it would
     * be cut at the NUL without a word. */
    if (memchr(s.ptr, '\0', s.len) != NULL) {
        return refuse(fault, DBTOK_REQUEST_COMMENT_NUL);
    }
    *out = s.ptr;
    return DBTOK_OK;
}

#if DBTOK_ENABLE_SCOPES
/* Scopes (value i, present): non-empty strings without NUL. */
static dbtok_err read_scopes(json_doc *doc, int i, dbtok_str_list *out, dbtok_request_fault *fault)
{
    int k;
    if (!dbtok__json_is_string_list(doc, i)) {
        return refuse(fault, DBTOK_REQUEST_BAD_SCOPES);
    }
    for (k = i + 1; k <= i + doc->tok[i].size; k++) {
        if (doc->tok[k].end == doc->tok[k].start) {
            return refuse(fault, DBTOK_REQUEST_BAD_SCOPES);
        }
    }
    dbtok__json_string_list(doc, i, out);
    return DBTOK_OK;
}
#endif

static void clear_list(dbtok_str_list *l)
{
    l->ptr = "";
    l->len = 0;
    l->count = 0;
}

dbtok_err dbtok_create_request_parse(char *text, size_t len, dbtok_create_request *out)
{
    jsmntok_t tok[DBTOK_REQUEST_MAX_VALUES];
    int v[CREATE_FIELDS];
    json_doc doc;
    dbtok_err rc;

    if (out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    clear_list(&out->scopes);
    rc = parse_members(&doc, text, len, tok, create_names, CREATE_FIELDS, v, &out->fault, &out->field);
    if (rc != DBTOK_OK) {
        return rc;
    }
    /* Every value is checked before the scopes, which decoding moves. */
    if (v[CREATE_LIFETIME] >= 0) {
        if (doc.tok[v[CREATE_LIFETIME]].type != JSMN_PRIMITIVE ||
            dbtok__json_int64(&doc, v[CREATE_LIFETIME], &out->lifetime_seconds) != DBTOK_OK) {
            out->lifetime_seconds = 0;
            return refuse(&out->fault, DBTOK_REQUEST_BAD_LIFETIME);
        }
        out->has_lifetime = true;
    }
#if DBTOK_ENABLE_SCOPES
    if (v[CREATE_AUTOSCOPE] >= 0) {
        const jsmntok_t *t = &doc.tok[v[CREATE_AUTOSCOPE]];
        bool is_true = t->type == JSMN_PRIMITIVE && t->end - t->start == 4 && text[t->start] == 't';
        if (!is_true && !(t->type == JSMN_PRIMITIVE && t->end - t->start == 5 && text[t->start] == 'f')) {
            return refuse(&out->fault, DBTOK_REQUEST_BAD_AUTOSCOPE);
        }
        out->autoscope_enabled = is_true;
    }
#endif
    if (v[CREATE_COMMENT] >= 0 && read_comment(&doc, v[CREATE_COMMENT], &out->comment, &out->fault) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
#if DBTOK_ENABLE_SCOPES
    if (v[CREATE_SCOPES] >= 0 && read_scopes(&doc, v[CREATE_SCOPES], &out->scopes, &out->fault) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
#endif
    return DBTOK_OK;
}

#if DBTOK_ENABLE_UPDATE
/* The key token of the member whose value is token v of object obj. */
static int key_of(const json_doc *doc, int obj, int v)
{
    int i = obj + 1;
    while (i + 1 != v) {
        i = dbtok__json_skip(doc, i + 1);
    }
    return i;
}

enum { UPDATE_TOKEN, UPDATE_MASK, UPDATE_FIELDS };
static const char *const update_names[UPDATE_FIELDS] = {"token", "update_mask"};
/* The fields of "token", which are also the names the mask may hold. */
enum {
    FIELD_COMMENT,
#if DBTOK_ENABLE_SCOPES
    FIELD_SCOPES,
#endif
    FIELDS
};
static const char *const field_names[FIELDS] = {"comment",
#if DBTOK_ENABLE_SCOPES
                                                "scopes"
#endif
};

/* The mask s[start..end) (raw string content) as a set of field_names
 * bits; -1 when it is not one. */
static int read_mask(const char *s, int start, int end)
{
    int set = 0;
    int at = start;

    if (start == end) {
        return -1;
    }
    while (at <= end) {
        const char *comma = memchr(s + at, ',', (size_t)(end - at));
        int stop = comma != NULL ? (int)(comma - s) : end;
        int k = 0;
        while (k < FIELDS && !(stop - at == (int)strlen(field_names[k]) &&
                               memcmp(s + at, field_names[k], (size_t)(stop - at)) == 0)) {
            k++;
        }
        if (k == FIELDS || (set & (1 << k)) != 0) {
            return -1;
        }
        set |= 1 << k;
        at = stop + 1;
    }
    return set;
}

dbtok_err dbtok_update_request_parse(char *text, size_t len, dbtok_update_request *out)
{
    jsmntok_t tok[DBTOK_REQUEST_MAX_VALUES];
    int top[UPDATE_FIELDS];
    int f[FIELDS];
    int mask;
    int k;
    json_doc doc;
    dbtok_err rc;

    for (k = 0; k < FIELDS; k++) {
        f[k] = -1; /* no token: no field given */
    }
    if (out == NULL) {
        return DBTOK_ERR_INVALID_ARG;
    }
    memset(out, 0, sizeof *out);
    clear_list(&out->scopes);
    rc = parse_members(&doc, text, len, tok, update_names, UPDATE_FIELDS, top, &out->fault, &out->field);
    if (rc == DBTOK_OK && top[UPDATE_TOKEN] >= 0) {
        rc = doc.tok[top[UPDATE_TOKEN]].type != JSMN_OBJECT
                 ? refuse(&out->fault, DBTOK_REQUEST_NOT_OBJECT)
                 : read_members(&doc, top[UPDATE_TOKEN], field_names, FIELDS, f, &out->fault, &out->field);
    }
    if (rc != DBTOK_OK) {
        return rc;
    }
    /* A mask names plain words: one with escapes is not one dbtok writes. */
    mask = top[UPDATE_MASK] < 0 || doc.tok[top[UPDATE_MASK]].type != JSMN_STRING
               ? -1
               : read_mask(text, doc.tok[top[UPDATE_MASK]].start, doc.tok[top[UPDATE_MASK]].end);
    if (mask < 0) {
        return refuse(&out->fault, DBTOK_REQUEST_BAD_MASK);
    }
    for (k = 0; k < FIELDS; k++) {
        if ((f[k] >= 0) != ((mask & (1 << k)) != 0)) {
            /* Name the field: its key when given, the mask's word when not. */
            if (f[k] >= 0) {
                view_key(&doc, key_of(&doc, top[UPDATE_TOKEN], f[k]), &out->field);
            } else {
                out->field.ptr = field_names[k];
                out->field.len = strlen(field_names[k]);
            }
            return refuse(&out->fault, DBTOK_REQUEST_MASK_MISMATCH);
        }
    }
#if DBTOK_ENABLE_SCOPES
    if (f[FIELD_SCOPES] >= 0 && !dbtok__json_is_string_list(&doc, f[FIELD_SCOPES])) {
        return refuse(&out->fault, DBTOK_REQUEST_BAD_SCOPES);
    }
#endif
    if (f[FIELD_COMMENT] >= 0 && read_comment(&doc, f[FIELD_COMMENT], &out->comment, &out->fault) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
#if DBTOK_ENABLE_SCOPES
    if (f[FIELD_SCOPES] >= 0) {
        out->set_scopes = true;
        return read_scopes(&doc, f[FIELD_SCOPES], &out->scopes, &out->fault);
    }
#endif
    return DBTOK_OK;
}
#endif
