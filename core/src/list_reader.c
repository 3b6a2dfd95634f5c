/*
 * The token list, read as it streams in. See list_reader.h.
 *
 * Each JSON token is read whole or not at all: a string or number cut by the
 * end of the window waits, from its first byte, for more input. The grammar
 * is a small pushdown machine whose stack is one bit per level (object or
 * array), so nesting is bounded by MAX_DEPTH and nothing recurses.
 *
 * Keys, null and repeats follow json.c's one rule (json_members_key): a key
 * dbtok reads, at the top (token_infos) or in an entry, comes once; a null
 * value is absent.
 */
#include <string.h>

#include "json.h"
#include "list_reader.h"

#define MAX_DEPTH 64

/* Depths of interest: 1 the body object, 2 the token_infos array, 3 an entry. */
#define DEPTH_INFOS 2
#define DEPTH_ENTRY 3

enum {
    EXPECT_VALUE,          /* top level, after ':' or after ',' in an array */
    EXPECT_VALUE_OR_CLOSE, /* after '[' */
    EXPECT_KEY,            /* after ',' in an object */
    EXPECT_KEY_OR_CLOSE,   /* after '{' */
    EXPECT_COLON,
    EXPECT_COMMA_OR_CLOSE,
    EXPECT_END             /* the body is complete: only whitespace may follow */
};

static const char *const token_info_names[LIST_FIELDS] = {"token_id", "comment", "creation_time", "expiry_time"};
static const char *const body_names[1] = {"token_infos"};

/* A result of reading one token: consumed, wait for more input, or an error. */
#define STEP_OK 0
#define STEP_MORE 1

void dbtok__list_reader_init(list_reader *lr, dbtok__state *c, exchange_request *req, dbtok_token_cb cb, void *user)
{
    memset(lr, 0, sizeof *lr);
    lr->client = c;
    lr->req = req;
    lr->cb = cb;
    lr->user = user;
    lr->expect = EXPECT_VALUE;
    lr->entry_start = -1;
    lr->field = -1;
}

static bool is_ws(uint8_t ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

static bool top_is_object(const list_reader *lr)
{
    return (lr->objects >> (lr->depth - 1)) & 1u;
}

/* The checks of dbtok__token_info_read, which only read s; they fill the times. */
static dbtok_err token_info_check(const char *s, const list_field *f, dbtok_token_info *info)
{
    if (!f[FIELD_ID].present || !f[FIELD_ID].is_string ||
        dbtok__json_span_holds_nul(s, f[FIELD_ID].start, f[FIELD_ID].end) ||
        (f[FIELD_COMMENT].present && !f[FIELD_COMMENT].is_string) ||
        (f[FIELD_CREATED].present && f[FIELD_CREATED].is_string) ||
        (f[FIELD_EXPIRY].present && f[FIELD_EXPIRY].is_string)) {
        return DBTOK_ERR_JSON;
    }
    info->creation_time_ms = 0;
    info->expiry_time_ms = -1;
    if ((f[FIELD_CREATED].present && dbtok__json_span_int64(s, f[FIELD_CREATED].start, f[FIELD_CREATED].end,
                                                            &info->creation_time_ms) != DBTOK_OK) ||
        (f[FIELD_EXPIRY].present &&
         dbtok__json_span_int64(s, f[FIELD_EXPIRY].start, f[FIELD_EXPIRY].end, &info->expiry_time_ms) != DBTOK_OK)) {
        return DBTOK_ERR_JSON;
    }
    return DBTOK_OK;
}

/* The strings of a checked token info, decoded in place; cannot fail. */
static void token_info_decode(char *s, const list_field *f, dbtok_token_info *info)
{
    /* Strings were validated when read, so decoding cannot fail. A NUL in
     * the comment stays in it, counted in its length: cutting it there
     * would hide the rest (a marker, say) from whoever reads it. */
    (void)dbtok__json_span_decode(s, f[FIELD_ID].start, f[FIELD_ID].end, &info->token_id);
    info->comment.ptr = "";
    info->comment.len = 0;
    if (f[FIELD_COMMENT].present) {
        (void)dbtok__json_span_decode(s, f[FIELD_COMMENT].start, f[FIELD_COMMENT].end, &info->comment);
    }
}

/* Here rather than in token_api.c so that one file holds the decoder, and
 * so that its arrays stay off the stack of the create's dbtok__round_trip (a call
 * into another file is not inlined). */
dbtok_err dbtok__token_info_read(json_doc *doc, int obj, dbtok_token_info *info)
{
    int values[LIST_FIELDS];
    list_field f[LIST_FIELDS];
    int k;
    dbtok_err err = dbtok__json_object_members(doc, obj, token_info_names, LIST_FIELDS, values);

    for (k = 0; err == DBTOK_OK && k < LIST_FIELDS; k++) {
        const jsmntok_t *t = values[k] >= 0 ? &doc->tok[values[k]] : NULL;
        /* An object or array where a field is wanted; the streaming reader
         * refuses one as it opens. */
        if (t != NULL && t->type != JSMN_STRING && t->type != JSMN_PRIMITIVE) {
            err = DBTOK_ERR_JSON;
        }
        f[k].present = t != NULL;
        f[k].is_string = t != NULL && t->type == JSMN_STRING;
        f[k].start = t != NULL ? t->start : 0;
        f[k].end = t != NULL ? t->end : 0;
    }
    if (err == DBTOK_OK) {
        err = token_info_check(doc->text, f, info);
    }
    if (err == DBTOK_OK) {
        token_info_decode(doc->text, f, info);
    }
    return err;
}

/* Checks the entry's fields, decodes them in the window and hands it out. */
static dbtok_err deliver(list_reader *lr, char *w, int end)
{
    dbtok_token_info info;

    if (token_info_check(w, lr->fields, &info) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
    dbtok__trace_body(lr->client, w + lr->entry_start, (size_t)(end - lr->entry_start));
    token_info_decode(w, lr->fields, &info);
    /* From the first entry on, sending the list again would repeat entries. */
    lr->req->idempotent = false;
    lr->entry_start = -1;
    return lr->cb(lr->user, &info) == 0 ? DBTOK_OK : DBTOK_ERR_ABORTED;
}

static dbtok_err open_container(list_reader *lr, uint8_t ch, int at)
{
    bool is_object = ch == '{';
    if (lr->expect != EXPECT_VALUE && lr->expect != EXPECT_VALUE_OR_CLOSE) {
        return DBTOK_ERR_JSON;
    }
    if (lr->depth == MAX_DEPTH || (lr->depth == 0 && !is_object)) {
        return DBTOK_ERR_JSON; /* too deep, or a body that is not an object */
    }
    if (lr->depth == 1 && lr->key_is_infos) {
        if (is_object) {
            return DBTOK_ERR_JSON;
        }
        lr->in_infos = true;
        lr->key_is_infos = false;
    }
    if (lr->in_infos && lr->depth == DEPTH_INFOS) {
        if (!is_object) {
            return DBTOK_ERR_JSON;
        }
        lr->entry_start = at;
        memset(lr->fields, 0, sizeof lr->fields);
        lr->field = -1;
        lr->entry_seen = 0;
    } else if (lr->entry_start >= 0 && lr->depth == DEPTH_ENTRY && lr->field >= 0) {
        return DBTOK_ERR_JSON; /* a field dbtok reads holds an object or array */
    }
    lr->objects = is_object ? lr->objects | (1ull << lr->depth) : lr->objects & ~(1ull << lr->depth);
    lr->depth++;
    lr->expect = is_object ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE;
    return DBTOK_OK;
}

static dbtok_err close_container(list_reader *lr, char *w, uint8_t ch, int end)
{
    bool is_object = ch == '}';
    bool may_close = lr->expect == EXPECT_COMMA_OR_CLOSE ||
                     lr->expect == (is_object ? EXPECT_KEY_OR_CLOSE : EXPECT_VALUE_OR_CLOSE);
    if (lr->depth == 0 || !may_close || top_is_object(lr) != is_object) {
        return DBTOK_ERR_JSON;
    }
    lr->depth--;
    lr->expect = lr->depth == 0 ? EXPECT_END : EXPECT_COMMA_OR_CLOSE;
    if (lr->in_infos && lr->depth == DEPTH_INFOS && lr->entry_start >= 0) {
        return deliver(lr, w, end);
    }
    if (lr->in_infos && lr->depth == DEPTH_INFOS - 1) {
        lr->in_infos = false;
    }
    return DBTOK_OK;
}

/* A string or primitive at the value position. */
static dbtok_err scalar(list_reader *lr, const char *w, int start, int end, bool is_string)
{
    if (lr->depth == 0) {
        return DBTOK_ERR_JSON;
    }
    if (lr->depth == 1 && lr->key_is_infos) {
        lr->key_is_infos = false;
        /* null is absent: no tokens. */
        if (is_string || !json_span_is_null(w, start, end)) {
            return DBTOK_ERR_JSON;
        }
    } else if (lr->in_infos && lr->depth == DEPTH_INFOS) {
        return DBTOK_ERR_JSON; /* an entry that is not an object */
    } else if (lr->entry_start >= 0 && lr->depth == DEPTH_ENTRY && lr->field >= 0 &&
               (is_string || !json_span_is_null(w, start, end))) {
        /* A null field stays absent. */
        list_field *f = &lr->fields[lr->field];
        f->start = start;
        f->end = end;
        f->is_string = is_string;
        f->present = true;
    }
    lr->field = -1;
    lr->expect = EXPECT_COMMA_OR_CLOSE;
    return DBTOK_OK;
}

static dbtok_err key(list_reader *lr, const char *w, int start, int end)
{
    int r;
    if (lr->depth == 1) {
        r = json_members_key(body_names, 1, &lr->top_seen, w, start, end);
        lr->key_is_infos = r == 0;
    } else if (lr->entry_start >= 0 && lr->depth == DEPTH_ENTRY) {
        r = json_members_key(token_info_names, LIST_FIELDS, &lr->entry_seen, w, start, end);
        lr->field = r >= 0 ? r : -1;
    } else {
        r = JSON_KEY_OTHER;
    }
    if (r == JSON_KEY_REPEATED) {
        return DBTOK_ERR_JSON; /* two lists, two ids: which one is true? */
    }
    lr->expect = EXPECT_COLON;
    return DBTOK_OK;
}

/* Offset of the quote closing the string whose content starts at from, or -1
 * when it has not arrived yet. */
static int string_end(const char *w, int from, int len)
{
    int i = from;
    while (i < len) {
        if (w[i] == '"') {
            return i;
        }
        i += w[i] == '\\' ? 2 : 1;
    }
    return -1;
}

/* Reads the token at lr->pos. */
static int step(list_reader *lr, char *w, int len, bool complete)
{
    int at = lr->pos;
    uint8_t ch = (uint8_t)w[at];
    int end;
    dbtok_err err;

    if (is_ws(ch)) {
        lr->pos++;
        return STEP_OK;
    }
    if (lr->expect == EXPECT_END) {
        return DBTOK_ERR_JSON;
    }
    switch (ch) {
    case '{':
    case '[':
        err = open_container(lr, ch, at);
        lr->pos++;
        return err;
    case '}':
    case ']':
        lr->pos++;
        return close_container(lr, w, ch, lr->pos);
    case ',':
        if (lr->expect != EXPECT_COMMA_OR_CLOSE) {
            return DBTOK_ERR_JSON;
        }
        lr->expect = top_is_object(lr) ? EXPECT_KEY : EXPECT_VALUE;
        lr->pos++;
        return STEP_OK;
    case ':':
        if (lr->expect != EXPECT_COLON) {
            return DBTOK_ERR_JSON;
        }
        lr->expect = EXPECT_VALUE;
        lr->pos++;
        return STEP_OK;
    case '"':
        end = string_end(w, at + 1, len);
        if (end < 0) {
            return complete ? DBTOK_ERR_JSON : STEP_MORE;
        }
        if (!dbtok__json_span_string_ok(w, at + 1, end)) {
            return DBTOK_ERR_JSON;
        }
        lr->pos = end + 1;
        if (lr->expect == EXPECT_KEY || lr->expect == EXPECT_KEY_OR_CLOSE) {
            return key(lr, w, at + 1, end);
        }
        if (lr->expect != EXPECT_VALUE && lr->expect != EXPECT_VALUE_OR_CLOSE) {
            return DBTOK_ERR_JSON;
        }
        return scalar(lr, w, at + 1, end, true);
    default:
        if (lr->expect != EXPECT_VALUE && lr->expect != EXPECT_VALUE_OR_CLOSE) {
            return DBTOK_ERR_JSON;
        }
        end = at;
        while (end < len && !is_ws((uint8_t)w[end]) && w[end] != ',' && w[end] != ']' && w[end] != '}') {
            end++;
        }
        if (end == len && !complete) {
            return STEP_MORE; /* a number may go on */
        }
        if (!dbtok__json_span_primitive_ok(w, at, end)) {
            return DBTOK_ERR_JSON;
        }
        lr->pos = end;
        return scalar(lr, w, at, end, false);
    }
}

/*
 * Past the window's end an entry can only be measured: follow strings and
 * brackets until the entry closes, keeping nothing.
 */
static dbtok_err measure(list_reader *lr, const uint8_t *w, size_t len)
{
    size_t i;
    for (i = 0; i < len; i++) {
        uint8_t ch = w[i];
        lr->measured++;
        if (lr->in_string) {
            if (lr->escaped) {
                lr->escaped = false;
            } else if (ch == '\\') {
                lr->escaped = true;
            } else if (ch == '"') {
                lr->in_string = false;
            }
        } else if (ch == '"') {
            lr->in_string = true;
        } else if (ch == '{' || ch == '[') {
            lr->depth++;
        } else if (ch == '}' || ch == ']') {
            lr->depth--;
            if (lr->depth == DEPTH_INFOS) {
                size_t needed = lr->measured + 1;
                lr->client->error.needed_work_len = needed > DBTOK_MIN_WORK_BUFFER ? needed : DBTOK_MIN_WORK_BUFFER;
                return DBTOK_ERR_BUFFER_TOO_SMALL;
            }
        }
    }
    return DBTOK_OK;
}

static bool is_json_start(const uint8_t *w, size_t len, bool *undecided)
{
    size_t i = 0;
    while (i < len && is_ws(w[i])) {
        i++;
    }
    *undecided = i == len;
    return i < len && (w[i] == '{' || w[i] == '[');
}

dbtok_err dbtok__list_reader_sink(void *arg, uint8_t *window, size_t *len, size_t cap, bool complete, bool first)
{
    list_reader *lr = arg;
    char *w = (char *)window;
    int n = (int)*len;
    int keep;
    int result = STEP_OK;
    bool undecided;
    dbtok_err err;

    if (first) {
        /* Only a list that handed out nothing is sent again. */
        dbtok__list_reader_init(lr, lr->client, lr->req, lr->cb, lr->user);
    }
    if (lr->measuring) {
        err = measure(lr, window, *len);
        *len = 0;
        return err == DBTOK_OK && complete ? DBTOK_ERR_BUFFER_TOO_SMALL : err;
    }
    if (lr->depth == 0 && lr->expect == EXPECT_VALUE && !is_json_start(window, *len, &undecided)) {
        if (!undecided || complete) {
            dbtok__client_record_text(lr->client, window, *len);
            return DBTOK_ERR_NOT_JSON; /* a login page, plain text, an empty body */
        }
    }
    while (lr->pos < n && result == STEP_OK) {
        result = step(lr, w, n, complete);
    }
    if (result < 0) {
        return (dbtok_err)result;
    }
    if (complete) {
        return lr->expect == EXPECT_END && result == STEP_OK ? DBTOK_OK : DBTOK_ERR_JSON;
    }
    /* Keep the entry being read, or the token that waits for more bytes. */
    keep = lr->entry_start >= 0 ? lr->entry_start : lr->pos;
    if (keep > 0) {
        int i;
        memmove(w, w + keep, (size_t)(n - keep));
        *len = (size_t)(n - keep);
        lr->pos -= keep;
        if (lr->entry_start >= 0) {
            lr->entry_start -= keep;
            for (i = 0; i < LIST_FIELDS; i++) {
                lr->fields[i].start -= keep;
                lr->fields[i].end -= keep;
            }
        }
    } else if (*len == cap) {
        /* The window is full and nothing in it can go: one entry (or one
         * string) is larger than the window. Measure it if it is an entry. */
        if (lr->entry_start < 0) {
            return DBTOK_ERR_BUFFER_TOO_SMALL;
        }
        lr->measuring = true;
        lr->measured = 0;
        lr->depth = DEPTH_INFOS; /* the window starts at the entry's '{' */
        lr->in_string = false;
        lr->escaped = false;
        err = measure(lr, window, *len);
        *len = 0;
        return err;
    }
    return DBTOK_OK;
}
