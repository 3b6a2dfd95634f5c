/*
 * The token list, read as it streams in. See list_reader.h.
 *
 * The grammar walked here is the body's own and nothing deeper: '{' members
 * '}', a member being a string key, ':' and a value, and the value of
 * token_infos null or '[' entries ']'. Each of its tokens is read whole or
 * not at all: a key or number cut by the end of the window waits, from its
 * first byte, for more input. A container value (an entry, or an object or
 * array beside token_infos) goes to jsmn from its opening bracket, through
 * dbtok__json_feed, up to each bracket that may close it as the bytes arrive,
 * and is checked whole by json.c's rules, whose only limit is the tokens
 * that fit; keys, null and repeats follow its one rule for members.
 */
#include <string.h>

#include "json.h"
#include "list_reader.h"
#include "token_info.h"

enum {
    EXPECT_BODY,                 /* the body's '{' */
    EXPECT_KEY_OR_CLOSE,         /* after the body's '{' */
    EXPECT_KEY,                  /* after ',' between members */
    EXPECT_COLON,
    EXPECT_VALUE,                /* a member's value */
    EXPECT_COMMA_OR_CLOSE,       /* after a member */
    EXPECT_ENTRY_OR_CLOSE,       /* after token_infos' '[' */
    EXPECT_ENTRY,                /* after ',' between entries */
    EXPECT_ENTRY_COMMA_OR_CLOSE, /* after an entry */
    EXPECT_END                   /* the body is complete: only whitespace may follow */
};

static const char *const body_names[1] = {"token_infos"};

/* A result of reading one token: consumed, wait for more input, or an error. */
#define STEP_OK 0
#define STEP_MORE 1

void dbtok__list_reader_init(list_reader *lr, dbtok__state *c, exchange_request *req, dbtok_token_cb cb,
                             dbtok__entry_json_cb json_cb, void *user)
{
    memset(lr, 0, sizeof *lr);
    lr->client = c;
    lr->req = req;
    lr->cb = cb;
    lr->json_cb = json_cb;
    lr->user = user;
    lr->work_len = c->work_len;
    lr->expect = EXPECT_BODY;
    lr->value_start = -1;
    /* The first half, less the byte the exchange keeps for a NUL. */
    req->body_window = c->work_len / 2 - 1;
}

static bool is_ws(uint8_t ch)
{
    return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

/* The second half of the work buffer w, as jsmn tokens (the buffer's own
 * alignment is the caller's, so the start is rounded up here). */
static jsmntok_t *token_half(const list_reader *lr, char *w, unsigned int *max_tok)
{
    size_t half = lr->work_len / 2;
    size_t misaligned = (uintptr_t)(w + half) % sizeof(int);
    size_t skip = misaligned != 0 ? sizeof(int) - misaligned : 0;
    size_t room = lr->work_len - half - skip;

    *max_tok = (unsigned int)(room / sizeof(jsmntok_t));
    return (jsmntok_t *)(void *)(w + half + skip);
}

/* The smallest work buffer whose halves hold a value of text bytes and its
 * tokens: the window is half less one byte, the tokens lose at most
 * sizeof(int) - 1 bytes to alignment. */
static dbtok_err too_small(const list_reader *lr, size_t text, size_t tokens)
{
    size_t for_text = text + 1;
    size_t for_tokens = tokens * sizeof(jsmntok_t) + sizeof(int) - 1;
    size_t needed = 2 * (for_text > for_tokens ? for_text : for_tokens);

    lr->client->error.needed_work_len = needed > DBTOK_MIN_WORK_BUFFER ? needed : DBTOK_MIN_WORK_BUFFER;
    return DBTOK_ERR_BUFFER_TOO_SMALL;
}

/*
 * A value that outgrew its half (its text the window, or its tokens the
 * other half) can only be measured: follow its strings and brackets until it
 * closes, counting its bytes and the tokens jsmn would make of them (each
 * string, container and primitive), keeping nothing.
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
            continue;
        }
        /* As strict jsmn reads it: a primitive runs to whitespace, ',', ']'
         * or '}', a quote or bracket inside it included (the checks after
         * jsmn refuse such a primitive; jsmn counts it as one token). */
        if (lr->in_primitive) {
            if (!is_ws(ch) && ch != ',' && ch != ']' && ch != '}') {
                continue;
            }
            lr->in_primitive = false;
        }
        if (ch == '"') {
            lr->measured_tokens++;
            lr->in_string = true;
        } else if (ch == '{' || ch == '[') {
            lr->measured_tokens++;
            lr->depth++;
        } else if (ch == '}' || ch == ']') {
            if (--lr->depth == 0) {
                return too_small(lr, lr->measured, lr->measured_tokens);
            }
        } else if (!is_ws(ch) && ch != ',' && ch != ':') {
            lr->measured_tokens++;
            lr->in_primitive = true;
        }
    }
    return DBTOK_OK;
}

/* Measuring from w[0], the value's first byte. */
static dbtok_err start_measuring(list_reader *lr, const uint8_t *w, size_t len)
{
    lr->measuring = true;
    lr->measured = 0;
    lr->measured_tokens = 0;
    lr->depth = 0;
    lr->in_string = false;
    lr->escaped = false;
    lr->in_primitive = false;
    return measure(lr, w, len);
}

/* The value at lr->value_start, whole in doc up to end: hand it out if it
 * is an entry. */
static dbtok_err take_value(list_reader *lr, json_doc *doc, int end)
{
    dbtok_token_info info;

    lr->value_start = -1;
    lr->pos = end;
    if (!lr->value_is_entry) {
        lr->expect = EXPECT_COMMA_OR_CLOSE;
        return DBTOK_OK;
    }
    lr->expect = EXPECT_ENTRY_COMMA_OR_CLOSE;
    /* Traced as it came, before decoding rewrites its strings. */
    dbtok__trace_body(lr->client, doc->text, doc->len);
#if DBTOK_ENABLE_RAW_JSON
    if (lr->json_cb != NULL) {
        dbtok_str text;
        if (dbtok__token_info_read(doc, 0, NULL) != DBTOK_OK) {
            return DBTOK_ERR_JSON;
        }
        text.ptr = doc->text;
        text.len = doc->len;
        lr->req->idempotent = false;
        return lr->json_cb(lr->user, text) == 0 ? DBTOK_OK : DBTOK_ERR_ABORTED;
    }
#endif
    if (dbtok__token_info_read(doc, 0, &info) != DBTOK_OK) {
        return DBTOK_ERR_JSON;
    }
    /* From the first entry on, sending the list again would repeat entries. */
    lr->req->idempotent = false;
    return lr->cb(lr->user, &info) == 0 ? DBTOK_OK : DBTOK_ERR_ABORTED;
}

static void start_value(list_reader *lr, char *w, int at, bool is_entry)
{
    unsigned int max_tok;
    jsmntok_t *tok = token_half(lr, w, &max_tok);

    lr->value_start = at;
    lr->value_is_entry = is_entry;
    lr->closer = w[at] == '{' ? '}' : ']';
    lr->fed = 0;
    dbtok__json_feed_init(&lr->feed, tok, max_tok);
}

/* The value being parsed, given to jsmn up to each bracket that may close
 * it: only its own kind counts ('}' for an object), since only that can. A
 * bracket inside one of its strings stops jsmn there too, which then waits
 * for the next. */
static int go_on_with_value(list_reader *lr, char *w, int len, bool complete)
{
    char *text = w + lr->value_start;
    int have = len - lr->value_start;
    json_doc doc;
    bool whole = false;
    dbtok_err err = DBTOK_OK;

    while (err == DBTOK_OK && !whole) {
        const char *at = memchr(text + lr->fed, lr->closer, (size_t)(have - lr->fed));
        if (at == NULL) {
            return complete ? DBTOK_ERR_JSON : STEP_MORE;
        }
        lr->fed = (int)(at - text) + 1;
        err = dbtok__json_feed(&lr->feed, &doc, text, (size_t)lr->fed, &whole);
    }
    if (err == DBTOK_ERR_BUFFER_TOO_SMALL) {
        /* More tokens than the half holds: measure it, from its start. */
        err = start_measuring(lr, (const uint8_t *)text, (size_t)have);
        return err != DBTOK_OK ? (int)err : STEP_MORE;
    }
    return err != DBTOK_OK ? (int)err : take_value(lr, &doc, lr->value_start + lr->fed);
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

/* A member's key, at lr->pos. */
static int key(list_reader *lr, const char *w, int len, bool complete)
{
    int at = lr->pos;
    int end = string_end(w, at + 1, len);
    int r;

    if (end < 0) {
        return complete ? DBTOK_ERR_JSON : STEP_MORE;
    }
    if (!dbtok__json_span_string_ok(w, at + 1, end)) {
        return DBTOK_ERR_JSON;
    }
    r = dbtok__json_member_key(body_names, 1, &lr->top_seen, w, at + 1, end);
    if (r == JSON_KEY_REPEATED) {
        return DBTOK_ERR_JSON; /* two lists: which one is true? */
    }
    lr->key_is_infos = r == 0;
    lr->pos = end + 1;
    lr->expect = EXPECT_COLON;
    return STEP_OK;
}

/* A member's value, at lr->pos: token_infos' '[' (or null), or a value
 * checked and skipped. */
static int member_value(list_reader *lr, const char *w, int len, bool complete)
{
    int at = lr->pos;
    char ch = w[at];
    bool is_infos = lr->key_is_infos;
    bool ok;
    int end;

    lr->key_is_infos = false;
    if (is_infos && ch == '[') {
        lr->pos++;
        lr->expect = EXPECT_ENTRY_OR_CLOSE;
        return STEP_OK;
    }
    if (ch == '{' || ch == '[') {
        if (is_infos) {
            return DBTOK_ERR_JSON;
        }
        start_value(lr, (char *)w, at, false);
        return STEP_OK;
    }
    if (ch == '"') {
        end = string_end(w, at + 1, len);
        if (end < 0) {
            lr->key_is_infos = is_infos;
            return complete ? DBTOK_ERR_JSON : STEP_MORE;
        }
        ok = !is_infos && dbtok__json_span_string_ok(w, at + 1, end);
        end++;
    } else {
        end = at;
        while (end < len && !is_ws((uint8_t)w[end]) && w[end] != ',' && w[end] != '}' && w[end] != ']') {
            end++;
        }
        if (end == len && !complete) {
            lr->key_is_infos = is_infos;
            return STEP_MORE; /* a number may go on */
        }
        /* token_infos: null is absent, no tokens. */
        ok = is_infos ? json_span_is_null(w, at, end) : dbtok__json_span_primitive_ok(w, at, end);
    }
    if (!ok) {
        return DBTOK_ERR_JSON;
    }
    lr->pos = end;
    lr->expect = EXPECT_COMMA_OR_CLOSE;
    return STEP_OK;
}

/* A separator of the body's grammar at lr->pos: ch must be one of the two
 * it allows now (a and b, or a alone when b is a), each leading on to the
 * state given beside it. */
static int separator(list_reader *lr, char ch, char a, uint8_t after_a, char b, uint8_t after_b)
{
    if (ch != a && ch != b) {
        return DBTOK_ERR_JSON;
    }
    lr->expect = ch == a ? after_a : after_b;
    lr->pos++;
    return STEP_OK;
}

static int entry(list_reader *lr, char *w, char ch)
{
    if (ch != '{') {
        return DBTOK_ERR_JSON; /* an entry that is not an object */
    }
    start_value(lr, w, lr->pos, true);
    return STEP_OK;
}

/* Reads the token at lr->pos, or goes on with the value being found. */
static int step(list_reader *lr, char *w, int len, bool complete)
{
    char ch = w[lr->pos];

    if (lr->value_start >= 0) {
        return go_on_with_value(lr, w, len, complete);
    }
    if (is_ws((uint8_t)ch)) {
        lr->pos++;
        return STEP_OK;
    }
    switch (lr->expect) {
    case EXPECT_BODY:
        return separator(lr, ch, '{', EXPECT_KEY_OR_CLOSE, '{', EXPECT_KEY_OR_CLOSE);
    case EXPECT_KEY_OR_CLOSE:
        return ch == '"' ? key(lr, w, len, complete) : separator(lr, ch, '}', EXPECT_END, '}', EXPECT_END);
    case EXPECT_KEY:
        return ch == '"' ? key(lr, w, len, complete) : DBTOK_ERR_JSON;
    case EXPECT_COLON:
        return separator(lr, ch, ':', EXPECT_VALUE, ':', EXPECT_VALUE);
    case EXPECT_VALUE:
        return member_value(lr, w, len, complete);
    case EXPECT_COMMA_OR_CLOSE:
        return separator(lr, ch, ',', EXPECT_KEY, '}', EXPECT_END);
    case EXPECT_ENTRY_OR_CLOSE:
        return ch == '{' ? entry(lr, w, ch) : separator(lr, ch, ']', EXPECT_COMMA_OR_CLOSE, ']', EXPECT_COMMA_OR_CLOSE);
    case EXPECT_ENTRY:
        return entry(lr, w, ch);
    case EXPECT_ENTRY_COMMA_OR_CLOSE:
        return separator(lr, ch, ',', EXPECT_ENTRY, ']', EXPECT_COMMA_OR_CLOSE);
    default:
        return DBTOK_ERR_JSON; /* anything but whitespace after the body */
    }
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
        dbtok__list_reader_init(lr, lr->client, lr->req, lr->cb, lr->json_cb, lr->user);
    }
    if (lr->measuring) {
        err = measure(lr, window, *len);
        *len = 0;
        return err == DBTOK_OK && complete ? DBTOK_ERR_BUFFER_TOO_SMALL : err;
    }
    if (lr->expect == EXPECT_BODY && !is_json_start(window, *len, &undecided)) {
        if (!undecided || complete) {
            dbtok__client_record_text(lr->client, window, *len);
            return DBTOK_ERR_NOT_JSON; /* a login page, plain text, an empty body */
        }
    }
    while (lr->pos < n && result == STEP_OK && !lr->measuring) {
        result = step(lr, w, n, complete);
    }
    if (result < 0) {
        return (dbtok_err)result;
    }
    if (lr->measuring) {
        *len = 0;
        return complete ? DBTOK_ERR_BUFFER_TOO_SMALL : DBTOK_OK;
    }
    if (complete) {
        /* Nothing waits for more (step() tells a cut token malformed then). */
        return lr->expect == EXPECT_END ? DBTOK_OK : DBTOK_ERR_JSON;
    }
    /* Keep the value being parsed, or the token that waits for more bytes. */
    keep = lr->value_start >= 0 ? lr->value_start : lr->pos;
    if (keep > 0) {
        memmove(w, w + keep, (size_t)(n - keep));
        *len = (size_t)(n - keep);
        lr->pos -= keep;
        if (lr->value_start >= 0) {
            lr->value_start -= keep;
        }
    } else if (*len >= cap) {
        /* The window is full and nothing in it can go: one value (or one
         * string) is larger than the window. Measure it if it is a value. */
        if (lr->value_start < 0) {
            return DBTOK_ERR_BUFFER_TOO_SMALL;
        }
        err = start_measuring(lr, window, *len);
        *len = 0;
        if (err == DBTOK_ERR_BUFFER_TOO_SMALL) {
            /* It ends in the window, yet jsmn never came to its end: a
             * bracket of the other kind closes it. */
            lr->client->error.needed_work_len = 0;
            return DBTOK_ERR_JSON;
        }
        return err;
    }
    return DBTOK_OK;
}
