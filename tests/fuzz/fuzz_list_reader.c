/*
 * libFuzzer harness: the streaming token list reader (core/src/list_reader.c)
 * over any window size and any split of the body.
 *
 * Input: an 8-byte header, then the body of a list answer.
 *   [0..1]  work buffer size: 4 + (big-endian value % (20 x body length + 64)),
 *           of which the reader gives the first half, less a byte, to the
 *           body (its window) and keeps the rest for jsmn's tokens
 *   [2]     bit 0: the end of the body comes in a call of its own (as after
 *           a close-delimited body) instead of with the last bytes;
 *           bit 1: first read half the body, then start over with `first`
 *           set (the exchange's second attempt);
 *           bit 2: tracing on
 *   [3]     the callback stops the listing at this entry (0: never)
 *   [4..7]  split sizes (see fuzz_split_size), cycled
 *
 * The sink is driven as exchange.c drives it: bytes land after what the
 * window still holds, never more than its room. Bytes past the valid part
 * of the window are poisoned during each call, so AddressSanitizer reports
 * a read of stale or unreceived bytes, not only one past the buffer.
 *
 * Checked: results are the documented ones; the sink only ever shrinks the
 * window, and leaves room whenever it asks for more; every entry handed out
 * is well-formed (views inside the window, NUL-terminated, UTF-8, a NUL
 * inside the comment only, never in the token_id or autoscope_state; each
 * of scopes, inferred_scopes and backfill_scopes inside the window, or ""
 * when empty, dbtok_str_list_next reading exactly count NUL-free UTF-8
 * strings); the entries and the scopes
 * and the result do not depend on the split or the window (a reading through
 * a window large enough for the whole body is the reference; a smaller
 * window may only stop early with DBTOK_ERR_BUFFER_TOO_SMALL, after a prefix
 * of the same entries); the needed_work_len it then reports is larger than
 * the work buffer and really gets past the value that did not fit; a restarted
 * reading gives the same entries as a fresh one; the request stays
 * idempotent exactly until an entry is handed out; the bearer token never
 * reaches the log or the error message.
 *
 * The json callback (dbtok_token_list_json): the reading under test is made
 * again with it, over a fresh copy of the body, with the same window, splits
 * and restart, and must give the same result (and needed_work_len) and the
 * same entries: each raw text handed out lies in the window, is the body's
 * own bytes untouched where the entry stands (after the one before), and,
 * parsed by dbtok__json_parse and decoded by dbtok__token_info_read on a
 * copy of its own, gives the token_id, comment, times, autoscope_state and
 * the three scope lists the decoded reading handed out.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "json.h"
#include "list_reader.h"
#include "token_info.h"

#define HEADER 8
#define MAX_BODY 65536
#define BEARER "dapiFUZZbearer0123456789abcdef0123456789"

/* What the callback saw: each entry as a self-delimiting record, so that
 * one reading's records being a byte prefix of another's means the same
 * first entries. */
typedef struct {
    uint8_t *rec;
    size_t len;
    size_t cap;
    size_t count;
    size_t stop_at;         /* return non-zero at this entry (0: never) */
    bool json;              /* read with the json callback (raw entries) */
    const uint8_t *window;  /* the views must point into it */
    size_t window_cap;
    const uint8_t *body;    /* the whole body, and */
    size_t body_len;
    size_t base;            /* its offset at window[0] during this sink call */
    size_t last_end;        /* (json) where the last raw entry ended in the body */
} entries;

typedef struct {
    char *text;
    size_t len;
    size_t cap;
} log_capture;

static dbtok__state client;
static log_capture logbuf;

static void rec_put(entries *e, const void *p, size_t n)
{
    if (e->rec == NULL || e->len + n > e->cap) {
        size_t cap = (e->cap + n) * 2 + 64;
        e->rec = realloc(e->rec, cap);
        FUZZ_CHECK(e->rec != NULL);
        e->cap = cap;
    }
    memcpy(e->rec + e->len, p, n);
    e->len += n;
}

/* A view inside [lo, hi), NUL-terminated there, UTF-8. A comment may hold
 * \u0000 decoded (with_nul marks it); a token_id or autoscope_state never
 * does. A field that may be absent (may_be_literal) may be the static "". */
static void check_view(const uint8_t *lo, const uint8_t *hi, const dbtok_str *s, bool may_be_literal, bool with_nul)
{
    const uint8_t *p = (const uint8_t *)s->ptr;

    FUZZ_CHECK(p != NULL);
    if (may_be_literal && s->len == 0 && !(p >= lo && p < hi)) {
        FUZZ_CHECK(*p == '\0'); /* "no comment" is a static "" */
        return;
    }
    FUZZ_CHECK(p >= lo && p + s->len < hi);
    FUZZ_CHECK(p[s->len] == '\0');
    FUZZ_CHECK(with_nul ? fuzz_utf8_ok_with_nul(p, s->len) : fuzz_utf8_ok(p, s->len));
}

/* A list inside [lo, hi) (or the static "" when empty): count strings,
 * each NUL-terminated, NUL-free UTF-8, dbtok_str_list_next reading exactly
 * them. */
static void check_list(const uint8_t *lo, const uint8_t *hi, const dbtok_str_list *l)
{
    size_t pos = 0;
    size_t n = 0;
    dbtok_str s;

    FUZZ_CHECK(l->ptr != NULL);
    if (l->count == 0) {
        FUZZ_CHECK(l->len == 0 && l->ptr[0] == '\0');
    } else {
        FUZZ_CHECK((const uint8_t *)l->ptr >= lo && (const uint8_t *)l->ptr + l->len <= hi);
    }
    while (dbtok_str_list_next(l, &pos, &s)) {
        FUZZ_CHECK(s.ptr[s.len] == '\0' && fuzz_utf8_ok((const uint8_t *)s.ptr, s.len));
        n++;
    }
    FUZZ_CHECK(n == l->count && pos == l->len);
}

static void rec_str(entries *e, const dbtok_str *s)
{
    uint64_t n = s->len;
    rec_put(e, &n, sizeof n);
    rec_put(e, s->ptr, s->len);
}

static void rec_list(entries *e, const dbtok_str_list *l)
{
    uint64_t n = l->count;
    rec_put(e, &n, sizeof n);
    n = l->len;
    rec_put(e, &n, sizeof n);
    rec_put(e, l->ptr, l->len);
}

/* One entry, its views inside [lo, hi): checked, then recorded. */
static int take_entry(entries *e, const dbtok_token_info *info, const uint8_t *lo, const uint8_t *hi)
{
    check_view(lo, hi, &info->token_id, false, false);
    check_view(lo, hi, &info->comment, true, true);
    check_view(lo, hi, &info->autoscope_state, true, false);
    check_list(lo, hi, &info->scopes);
    check_list(lo, hi, &info->inferred_scopes);
    check_list(lo, hi, &info->backfill_scopes);
    rec_str(e, &info->token_id);
    rec_str(e, &info->comment);
    rec_put(e, &info->creation_time_ms, sizeof info->creation_time_ms);
    rec_put(e, &info->expiry_time_ms, sizeof info->expiry_time_ms);
    rec_str(e, &info->autoscope_state);
    rec_list(e, &info->scopes);
    rec_list(e, &info->inferred_scopes);
    rec_list(e, &info->backfill_scopes);
    e->count++;
    return e->stop_at != 0 && e->count == e->stop_at;
}

static int on_entry(void *user, const dbtok_token_info *info)
{
    entries *e = user;
    return take_entry(e, info, e->window, e->window + e->window_cap);
}

#if DBTOK_ENABLE_RAW_JSON
/* An entry's raw text: the body's own bytes where the entry stands in it,
 * after the one before, untouched; parsed and decoded on a copy of its own,
 * it must be an entry, recorded as on_entry would record it. */
static int on_json(void *user, dbtok_str json)
{
    entries *e = user;
    const uint8_t *p = (const uint8_t *)json.ptr;
    char *copy;
    jsmntok_t *tok;
    json_doc doc;
    dbtok_token_info info;
    size_t off;
    int stop;

    FUZZ_CHECK(p != NULL && json.len >= 2 && p >= e->window && p + json.len <= e->window + e->window_cap);
    off = e->base + (size_t)(p - e->window);
    FUZZ_CHECK(off >= e->last_end && off + json.len <= e->body_len);
    FUZZ_CHECK(memcmp(p, e->body + off, json.len) == 0);
    e->last_end = off + json.len;
    copy = (char *)fuzz_dup(p, json.len);
    tok = malloc(sizeof(jsmntok_t) * (json.len + 1));
    FUZZ_CHECK(tok != NULL);
    FUZZ_CHECK(dbtok__json_parse(&doc, copy, json.len, tok, (unsigned)json.len + 1u) == DBTOK_OK);
    FUZZ_CHECK(doc.tok[0].type == JSMN_OBJECT);
    FUZZ_CHECK(dbtok__token_info_read(&doc, 0, &info) == DBTOK_OK);
    stop = take_entry(e, &info, (const uint8_t *)copy, (const uint8_t *)copy + json.len);
    free(tok);
    free(copy);
    return stop;
}
#endif

static void on_log(void *ctx, int level, const char *text, size_t len)
{
    log_capture *l = ctx;
    (void)level;
    if (l->len + len > l->cap) {
        size_t cap = (l->len + len) * 2;
        l->text = realloc(l->text, cap);
        FUZZ_CHECK(l->text != NULL);
        l->cap = cap;
    }
    memcpy(l->text + l->len, text, len);
    l->len += len;
}

typedef struct {
    const uint8_t *sizes; /* NULL: everything that fits at once */
    size_t n_sizes;
    bool end_apart;
    size_t stop_after;    /* stop feeding (not complete) once this many bytes went in; 0: never */
} feeding;

/* Reading stopped by feeding.stop_after, not by the sink. */
#define STOPPED 1

/*
 * One response through the sink, as exchange.c feeds it: a work buffer of
 * work_len bytes whose first req->body_window the body fills, the first call
 * with first set. Returns the sink's final result, or STOPPED.
 */
static int read_body(list_reader *lr, const exchange_request *req, const uint8_t *body, size_t len,
                     size_t work_len, const feeding *f, entries *e)
{
    uint8_t *window = malloc(work_len);
    size_t cap = req->body_window;
    size_t wlen = 0;
    size_t pos = 0;
    size_t next = 0;
    bool first = true;
    int result;

    FUZZ_CHECK(window != NULL);
    FUZZ_CHECK(cap > 0 && cap < work_len);
    client.work = window;
    client.work_len = work_len;
    e->window = window;
    e->window_cap = cap;
    e->body = body;
    e->body_len = len;
    for (;;) {
        size_t n = cap - wlen;
        size_t old;
        bool complete;
        dbtok_err err;

        if (f->sizes != NULL) {
            size_t s = fuzz_split_size(f->sizes[next++ % f->n_sizes]);
            n = s < n ? s : n;
        }
        n = n < len - pos ? n : len - pos;
        memcpy(window + wlen, body + pos, n);
        wlen += n;
        pos += n;
        if (f->stop_after != 0 && pos >= f->stop_after) {
            result = STOPPED;
            break;
        }
        complete = pos == len && (!f->end_apart || n == 0);
        old = wlen;
        e->base = pos - wlen;
        FUZZ_POISON(window + wlen, cap - wlen);
        err = dbtok__list_reader_sink(lr, window, &wlen, cap, complete, first);
        FUZZ_UNPOISON(window, cap);
        first = false;
        FUZZ_CHECK(err == DBTOK_OK || err == DBTOK_ERR_JSON || err == DBTOK_ERR_NOT_JSON ||
                   err == DBTOK_ERR_ABORTED || err == DBTOK_ERR_BUFFER_TOO_SMALL);
        FUZZ_CHECK(wlen <= old);
        if (err != DBTOK_OK || complete) {
            result = err;
            break;
        }
        /* The exchange fails with no hint when the window has no room left. */
        FUZZ_CHECK(wlen < cap);
    }
    free(window);
    e->window = NULL;
    return result;
}

static void entries_reset(entries *e, size_t stop_at)
{
    if (e->rec == NULL) {
        rec_put(e, "", 0); /* never NULL for memcmp, even when nothing is recorded */
    }
    e->len = 0;
    e->count = 0;
    e->stop_at = stop_at;
    e->last_end = 0;
}

/* A reading from scratch: a fresh reader, request and error record. */
static int fresh_reading(list_reader *lr, exchange_request *req, const uint8_t *body, size_t len, size_t work_len,
                         const feeding *f, entries *e)
{
    int result;

    memset(req, 0, sizeof *req);
    req->idempotent = true;
    memset(&client.error, 0, sizeof client.error);
    client.work_len = work_len;
#if DBTOK_ENABLE_RAW_JSON
    if (e->json) {
        dbtok__list_reader_init(lr, &client, req, NULL, on_json, e);
    } else
#endif
    {
        dbtok__list_reader_init(lr, &client, req, on_entry, NULL, e);
    }
    result = read_body(lr, req, body, len, work_len, f, e);
    FUZZ_CHECK(req->idempotent == (e->count == 0));
    FUZZ_CHECK(memchr(client.error.message, '\0', sizeof client.error.message) != NULL);
    FUZZ_CHECK(strstr(client.error.message, BEARER) == NULL);
    return result;
}

/* The reading under test: a fresh one, or (restart) one broken off halfway
 * and started over on the same reader with `first` set, which must forget
 * everything of the first. */
static int test_reading(list_reader *lr, exchange_request *req, const uint8_t *body, size_t len, size_t work,
                        const feeding *split, bool restart, entries *e, size_t stop_at)
{
    int got;

    entries_reset(e, stop_at);
    if (restart && len >= 2) {
        feeding half = *split;
        bool entry_seen;
        half.stop_after = len / 2;
        (void)fresh_reading(lr, req, body, len, work, &half, e);
        entry_seen = e->count > 0;
        entries_reset(e, stop_at);
        memset(&client.error, 0, sizeof client.error);
        got = read_body(lr, req, body, len, work, split, e);
        FUZZ_CHECK(req->idempotent == (!entry_seen && e->count == 0));
    } else {
        got = fresh_reading(lr, req, body, len, work, split, e);
    }
    return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static entries ref_e;
    static entries test_e;
#if DBTOK_ENABLE_RAW_JSON
    static entries json_e;
#endif
    list_reader lr;
    exchange_request req;
    const uint8_t *body;
    size_t len;
    size_t work;
    size_t stop_at;
    feeding whole;
    feeding split;
    int ref;
    int got;

    if (size < HEADER || size - HEADER > MAX_BODY) {
        return 0;
    }
    body = data + HEADER;
    len = size - HEADER;
    work = 4 + (((size_t)data[0] << 8) | data[1]) % (20 * len + 64);
    stop_at = data[3];

    memset(&client, 0, sizeof client);
    client.config.token = BEARER;
    logbuf.len = 0;
    if ((data[2] & 4u) != 0) {
        client.port.ctx = &logbuf;
        client.port.log = on_log;
    }

    /* The reference: the whole body in one window, in one call, with room
     * for a token per byte. */
    whole.sizes = NULL;
    whole.n_sizes = 0;
    whole.end_apart = false;
    whole.stop_after = 0;
    entries_reset(&ref_e, stop_at);
    ref = fresh_reading(&lr, &req, body, len, 2 * ((len + 1) * sizeof(jsmntok_t) + sizeof(int)), &whole, &ref_e);
    FUZZ_CHECK(ref != DBTOK_ERR_BUFFER_TOO_SMALL);

    split.sizes = data + 4;
    split.n_sizes = 4;
    split.end_apart = (data[2] & 1u) != 0;
    split.stop_after = 0;
    got = test_reading(&lr, &req, body, len, work, &split, (data[2] & 2u) != 0, &test_e, stop_at);
#if DBTOK_ENABLE_RAW_JSON
    {
        /* The same reading with the json callback: the same verdict and
         * the same entries, each raw text decoding to what the decoded
         * reading handed out. */
        size_t needed = client.error.needed_work_len;
        int got_json;
        json_e.json = true;
        got_json = test_reading(&lr, &req, body, len, work, &split, (data[2] & 2u) != 0, &json_e, stop_at);
        FUZZ_CHECK(got_json == got && client.error.needed_work_len == needed);
        FUZZ_CHECK(json_e.count == test_e.count && json_e.len == test_e.len);
        FUZZ_CHECK(memcmp(json_e.rec, test_e.rec, test_e.len) == 0);
    }
#endif

    if (got == DBTOK_ERR_BUFFER_TOO_SMALL) {
        size_t needed = client.error.needed_work_len;
        FUZZ_CHECK(test_e.count <= ref_e.count && test_e.len <= ref_e.len);
        FUZZ_CHECK(memcmp(test_e.rec, ref_e.rec, test_e.len) == 0);
        if (needed != 0) {
            /* The work buffer it asks for must get past that value (an
             * entry, or a member beside the list): a reading with it ends,
             * or stops at a later value, which then needs more, or is a
             * string no window of that size holds (no size is known). */
            size_t count_before = test_e.count;
            FUZZ_CHECK(needed > work);
            entries_reset(&test_e, stop_at);
            got = fresh_reading(&lr, &req, body, len, needed, &split, &test_e);
            FUZZ_CHECK(got != DBTOK_ERR_BUFFER_TOO_SMALL || test_e.count > count_before ||
                       client.error.needed_work_len > needed || client.error.needed_work_len == 0);
            FUZZ_CHECK(test_e.len <= ref_e.len && memcmp(test_e.rec, ref_e.rec, test_e.len) == 0);
            if (got != DBTOK_ERR_BUFFER_TOO_SMALL) {
                FUZZ_CHECK(got == ref);
                FUZZ_CHECK(test_e.len == ref_e.len);
            }
        }
    } else {
        FUZZ_CHECK(got == ref);
        FUZZ_CHECK(test_e.count == ref_e.count && test_e.len == ref_e.len);
        FUZZ_CHECK(memcmp(test_e.rec, ref_e.rec, test_e.len) == 0);
    }
    FUZZ_CHECK(!fuzz_contains(logbuf.text, logbuf.len, BEARER, strlen(BEARER)));
    return 0;
}
