/*
 * libFuzzer harness: the incremental HTTP response reader
 * (core/src/http_reader.c) fed any byte stream in any split.
 *
 * Input: byte 0 says how many of the following bytes (0..15) are split
 * sizes (see fuzz_split_size); the rest is what a server sent: one
 * response, possibly followed by more, as on a kept-alive connection.
 *
 * The stream is read three times: whole, one byte per feed, and in the
 * input's own spans (cycled). The reader promises the same answer for any
 * split, so the three readings must agree on every result, header field,
 * traced line and body byte. Each span is copied into a heap block of its
 * exact size, so AddressSanitizer sees any read or write outside it. Along
 * the way every call is checked against the header's contract: results
 * are 0, 1 or DBTOK_ERR_PROTOCOL; body bytes never outnumber the bytes
 * consumed; all input is consumed unless the response ends inside it;
 * nothing is consumed after the end or an error; and EOF's verdict
 * matches the framing the head announced. Retry-After values are also
 * parsed as HTTP-dates from exact-size copies (see date_in_own_block).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "civil_time.h"
#include "fuzz_common.h"
#include "http_reader.h"

/* Responses read from one stream; later bytes are left unread. */
#define MAX_RESPONSES 8
/* Longer streams are skipped: the byte-at-a-time reading is quadratic in
 * nothing, but 64 KiB one byte at a time is slow for no new coverage. */
#define MAX_STREAM 65536

typedef struct {
    int rc;           /* 1 complete, DBTOK_ERR_PROTOCOL, or DBTOK_ERR_IO: cut by EOF */
    size_t consumed;  /* stream bytes this response used */
    size_t body_off;  /* where its body starts in the run's body buffer */
    size_t body_len;
    int status;
    bool head_done;
    bool conn_close;
    bool chunked;
    bool has_length;
    uint64_t content_length;
    bool has_retry_after;
    uint32_t retry_after_s;
    size_t lines;     /* traced lines and a hash of their bytes */
    uint64_t line_hash;
} response_summary;

typedef struct {
    response_summary resp[MAX_RESPONSES];
    int n;
    uint8_t *body;    /* every body byte delivered, in order; sized to the stream */
    size_t body_total;
} run_summary;

/* The spans a reading feeds: all at once, byte by byte, or the input's sizes. */
typedef struct {
    const uint8_t *sizes; /* NULL: the whole rest at once */
    size_t n_sizes;
    size_t next;
} splitter;

static size_t next_span(splitter *sp, size_t left)
{
    size_t n;
    if (sp->sizes == NULL) {
        return left;
    }
    n = fuzz_split_size(sp->sizes[sp->next++ % sp->n_sizes]);
    return n < left ? n : left;
}

/*
 * The reader hands a Retry-After value that is not delta seconds to
 * dbtok__http_date_parse as a view into its line buffer, where a read past the
 * value stays inside the struct and out of AddressSanitizer's sight. The
 * same value is parsed here from a heap block of its exact size.
 */
static void date_in_own_block(const char *line, size_t len)
{
    static const char name[] = "retry-after:";
    size_t n = sizeof name - 1;
    size_t b = n;
    size_t e = len;
    size_t i;
    uint8_t *value;
    int64_t t = 0;

    if (len < n) {
        return;
    }
    for (i = 0; i < n; i++) {
        char c = line[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (c != name[i]) {
            return;
        }
    }
    while (b < e && (line[b] == ' ' || line[b] == '\t')) {
        b++;
    }
    while (e > b && (line[e - 1] == ' ' || line[e - 1] == '\t')) {
        e--;
    }
    value = fuzz_dup((const uint8_t *)line + b, e - b);
    (void)dbtok__http_date_parse((const char *)value, e - b, &t);
    free(value);
}

/* The on_line callback: lines are short, free of line ends, and hashed in
 * order so that the three readings can be compared. */
static void on_line(void *user, const char *line, size_t len)
{
    response_summary *s = user;
    size_t i;

    FUZZ_CHECK(len > 0 && len <= DBTOK_HTTP_LINE_MAX);
    for (i = 0; i < len; i++) {
        FUZZ_CHECK(line[i] != '\r' && line[i] != '\n');
        s->line_hash = (s->line_hash ^ (uint8_t)line[i]) * 0x100000001b3ull;
    }
    s->line_hash = (s->line_hash ^ 0x1ffu) * 0x100000001b3ull; /* line boundary */
    s->lines++;
    date_in_own_block(line, len);
}

/* Checks once a response is over, whatever the split. */
static void check_complete(const http_reader *r, const response_summary *s)
{
    FUZZ_CHECK(r->head_done);
    FUZZ_CHECK(r->status >= 200 && r->status <= 999);
    FUZZ_CHECK(!(r->chunked && r->has_length));
    if (r->status == 204 || r->status == 304) {
        FUZZ_CHECK(s->body_len == 0);
    } else if (r->has_length && !r->chunked) {
        FUZZ_CHECK(s->body_len == r->content_length);
    } else if (!r->chunked) {
        FUZZ_CHECK(r->conn_close); /* delimited by close: the connection is done */
    }
    if (!r->chunked) {
        /* An unchunked body is the last body_len bytes the response used,
         * unchanged: the reader only moved them. */
        FUZZ_CHECK(s->body_len <= s->consumed);
    }
}

/* Reads the stream in the splitter's spans; fills out. */
static void read_stream(const uint8_t *stream, size_t len, splitter *sp, run_summary *out)
{
    uint8_t *one = malloc(1);
    size_t pos = 0;

    out->n = 0;
    out->body_total = 0;
    while (out->n < MAX_RESPONSES) {
        response_summary *s = &out->resp[out->n++];
        http_reader r;
        size_t start = pos;
        int rc = 0;

        memset(s, 0, sizeof *s);
        s->line_hash = 0xcbf29ce484222325ull;
        s->body_off = out->body_total;
        dbtok__http_reader_init(&r, on_line, s);
        while (rc == 0 && pos < len) {
            size_t n = next_span(sp, len - pos);
            /* One-byte spans reuse one block: a malloc per byte would only
             * bloat the allocator's quarantine. */
            uint8_t *span = n == 1 ? one : fuzz_dup(stream + pos, n);
            size_t consumed = 12345;
            size_t body = 12345;
            size_t again_consumed = 1;
            size_t again_body = 1;
            int again;

            FUZZ_CHECK(span != NULL);
            span[0] = stream[pos]; /* n >= 1 here; fuzz_dup copied it already */
            rc = dbtok__http_reader_feed(&r, span, n, &consumed, &body);
            FUZZ_CHECK(rc == 0 || rc == 1 || rc == DBTOK_ERR_PROTOCOL);
            FUZZ_CHECK(consumed <= n);
            FUZZ_CHECK(body <= consumed);
            FUZZ_CHECK(rc != 0 || consumed == n);
            FUZZ_CHECK(out->body_total + body <= len);
            memcpy(out->body + out->body_total, span, body);
            out->body_total += body;
            s->body_len += body;
            pos += consumed;
            if (rc != 0) {
                /* Over: the rest of the span belongs to no response, and a
                 * further feed neither takes nor changes anything. */
                again = dbtok__http_reader_feed(&r, span + consumed, n - consumed, &again_consumed, &again_body);
                FUZZ_CHECK(again == rc);
                FUZZ_CHECK(again_consumed == 0 && again_body == 0);
            }
            if (span != one) {
                free(span);
            }
        }
        s->consumed = pos - start;
        if (rc == 0) {
            /* The stream ended first: EOF completes only a body that runs
             * to the close, and says so again if asked twice. */
            bool to_close = r.head_done && !r.chunked && !r.has_length;
            rc = dbtok__http_reader_eof(&r);
            FUZZ_CHECK(rc == 1 || rc == DBTOK_ERR_IO);
            FUZZ_CHECK((rc == 1) == to_close);
            FUZZ_CHECK(dbtok__http_reader_eof(&r) == rc);
        } else {
            FUZZ_CHECK(dbtok__http_reader_eof(&r) == rc);
        }
        s->rc = rc;
        s->status = r.status;
        s->head_done = r.head_done;
        s->conn_close = r.conn_close;
        s->chunked = r.chunked;
        s->has_length = r.has_length;
        s->content_length = r.content_length;
        s->has_retry_after = r.has_retry_after;
        s->retry_after_s = r.retry_after_s;
        if (rc == 1) {
            size_t again_consumed = 1;
            size_t again_body = 1;
            uint8_t byte = 'x';
            check_complete(&r, s);
            if (!r.chunked) {
                FUZZ_CHECK(memcmp(out->body + s->body_off, stream + pos - s->body_len, s->body_len) == 0);
            }
            FUZZ_CHECK(dbtok__http_reader_feed(&r, &byte, 1, &again_consumed, &again_body) == 1);
            FUZZ_CHECK(again_consumed == 0 && again_body == 0);
        }
        if (rc != 1 || pos == len) {
            break;
        }
    }
    free(one);
}

static void same_runs(const run_summary *a, const run_summary *b)
{
    int i;

    FUZZ_CHECK(a->n == b->n);
    FUZZ_CHECK(a->body_total == b->body_total);
    FUZZ_CHECK(memcmp(a->body, b->body, a->body_total) == 0);
    for (i = 0; i < a->n; i++) {
        const response_summary *x = &a->resp[i];
        const response_summary *y = &b->resp[i];
        FUZZ_CHECK(x->rc == y->rc);
        FUZZ_CHECK(x->consumed == y->consumed);
        FUZZ_CHECK(x->body_off == y->body_off && x->body_len == y->body_len);
        FUZZ_CHECK(x->status == y->status);
        FUZZ_CHECK(x->head_done == y->head_done);
        FUZZ_CHECK(x->conn_close == y->conn_close);
        FUZZ_CHECK(x->chunked == y->chunked);
        FUZZ_CHECK(x->has_length == y->has_length && x->content_length == y->content_length);
        FUZZ_CHECK(x->has_retry_after == y->has_retry_after && x->retry_after_s == y->retry_after_s);
        FUZZ_CHECK(x->lines == y->lines && x->line_hash == y->line_hash);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const uint8_t one_byte[1] = {0};
    static const uint8_t default_sizes[3] = {2, 0, 15}; /* 3, 1, 16 bytes */
    const uint8_t *sizes;
    size_t n_sizes;
    const uint8_t *stream;
    size_t len;
    run_summary whole;
    run_summary bytewise;
    run_summary spans;
    splitter sp;

    if (size == 0) {
        return 0;
    }
    n_sizes = data[0] % 16u;
    if (n_sizes > size - 1) {
        n_sizes = size - 1;
    }
    sizes = n_sizes > 0 ? data + 1 : default_sizes;
    if (n_sizes == 0) {
        n_sizes = sizeof default_sizes;
    }
    stream = data + 1 + (sizes == default_sizes ? 0 : n_sizes);
    len = size - (size_t)(stream - data);
    if (len > MAX_STREAM) {
        return 0;
    }

    whole.body = malloc(len + 1);
    bytewise.body = malloc(len + 1);
    spans.body = malloc(len + 1);
    FUZZ_CHECK(whole.body != NULL && bytewise.body != NULL && spans.body != NULL);

    sp.sizes = NULL;
    sp.n_sizes = 0;
    sp.next = 0;
    read_stream(stream, len, &sp, &whole);

    sp.sizes = one_byte;
    sp.n_sizes = 1;
    sp.next = 0;
    read_stream(stream, len, &sp, &bytewise);
    same_runs(&whole, &bytewise);

    sp.sizes = sizes;
    sp.n_sizes = n_sizes;
    sp.next = 0;
    read_stream(stream, len, &sp, &spans);
    same_runs(&whole, &spans);

    free(whole.body);
    free(bytewise.body);
    free(spans.body);
    return 0;
}
