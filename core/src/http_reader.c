/*
 * Incremental HTTP/1.1 response reader.
 *
 * One state machine fed byte by byte for lines (status, headers, chunk sizes,
 * trailers) and span by span for body bytes. Line bytes go to r->line (only
 * the first DBTOK_HTTP_LINE_MAX are kept); body bytes are moved down to the
 * front of the caller's span. Anything outside what dbtok accepts is
 * DBTOK_ERR_PROTOCOL: a lenient reader is how request smuggling and
 * truncated answers slip through.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "http_reader.h"

#include "chars.h"
#include "civil_time.h"

/* Phases, in the low bits of r->state. */
enum {
    ST_STATUS,      /* the status line */
    ST_HEADER,      /* header lines up to the empty line */
    ST_BODY_LENGTH, /* r->remaining bytes of a Content-Length body */
    ST_BODY_CLOSE,  /* body delimited by the peer closing */
    ST_CHUNK_SIZE,  /* chunk-size [BWS] [; extensions] line */
    ST_CHUNK_DATA,  /* r->remaining bytes of chunk data */
    ST_CHUNK_END,   /* the CRLF after chunk data */
    ST_TRAILER,     /* trailer lines up to the empty line */
    ST_DONE,
    ST_ERROR
};
#define PHASE_MASK 0x0fu
/* Two flags ride in the upper bits of r->state: the reader lives inside every
 * client (reader_space), so each byte of it is paid for on every device. */
#define F_CR 0x10u         /* a CR was read: only LF may follow */
#define F_KEEP_ALIVE 0x20u /* "Connection: keep-alive" seen; matters for HTTP/1.0 */

/* Step results; DONE and ERR are also what feed returns. */
#define MORE 0
#define DONE 1
#define LINE 2 /* a complete line is in r->line */
#define ERR DBTOK_ERR_PROTOCOL

/* Largest chunk accepted: keeps sizes far from any size_t or offset overflow. */
#define CHUNK_MAX 0x7fffffffu
/* Retry-After is capped so that a caller can turn it into uint32 milliseconds. */
#define RETRY_AFTER_MAX (UINT32_MAX / 1000u)

enum { FIELD_OTHER, FIELD_CONTENT_LENGTH, FIELD_TRANSFER_ENCODING, FIELD_CONNECTION, FIELD_RETRY_AFTER, FIELD_DATE };

static unsigned phase(const http_reader *r)
{
    return r->state & PHASE_MASK;
}

/* Phases change only at line ends, so a pending CR never carries over. */
static void set_phase(http_reader *r, unsigned p)
{
    r->state = (uint8_t)((r->state & F_KEEP_ALIVE) | p);
}

static int finish(http_reader *r)
{
    set_phase(r, ST_DONE);
    return DONE;
}

static size_t kept(const http_reader *r)
{
    return r->line_len < DBTOK_HTTP_LINE_MAX ? r->line_len : DBTOK_HTTP_LINE_MAX;
}

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static int is_ows(char c)
{
    return c == ' ' || c == '\t';
}


/* s[0..n) equals the lower-case literal lit, ignoring ASCII case. */
static int ieq(const char *s, size_t n, const char *lit)
{
    size_t i;

    for (i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') {
            c = (char)(c - 'A' + 'a');
        }
        if (lit[i] == '\0' || c != lit[i]) {
            return 0;
        }
    }
    return lit[n] == '\0';
}

/* Narrow [*b, *e) to drop leading and trailing spaces and tabs. */
static void trim_ows(const char *s, size_t *b, size_t *e)
{
    while (*b < *e && is_ows(s[*b])) {
        (*b)++;
    }
    while (*e > *b && is_ows(s[*e - 1])) {
        (*e)--;
    }
}

/*
 * Decimal digits only (no sign, no space, not empty). Returns -1 when v is
 * not that; otherwise 0 with the value in *out, or 1 when it exceeds max
 * (*out is then max).
 */
static int parse_dec(const char *v, size_t n, uint64_t max, uint64_t *out)
{
    uint64_t x = 0;
    int over = 0;
    size_t i;

    if (n == 0) {
        return -1;
    }
    for (i = 0; i < n; i++) {
        uint64_t d;
        if (!is_digit(v[i])) {
            return -1;
        }
        d = (uint64_t)(v[i] - '0');
        if (over || x > (max - d) / 10u) {
            over = 1;
        } else {
            x = x * 10u + d;
        }
    }
    *out = over ? max : x;
    return over;
}

static void reset_head(http_reader *r)
{
    r->status = 0;
    r->conn_close = false;
    r->chunked = false;
    r->has_length = false;
    r->content_length = 0;
    r->has_retry_after = false;
    r->retry_after_s = 0;
    r->has_retry_after_date = false;
    r->retry_after_date = 0;
    r->has_date = false;
    r->date_seen = false;
    r->date = 0;
    r->head_done = false;
    r->state = ST_STATUS;
    r->version_minor = 0;
    r->remaining = 0;
    r->line_len = 0;
}

void dbtok__http_reader_init(http_reader *r, http_line_cb on_line, void *on_line_user)
{
    reset_head(r);
    r->header_bytes = 0;
    r->head_only = false;
    r->on_line = on_line;
    r->on_line_user = on_line_user;
}

/* "HTTP/1.x SSS[ reason]"; the reason's bytes were checked as they arrived. */
static int status_line(http_reader *r)
{
    const char *l = r->line;
    size_t n = kept(r);

    if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
        l[9] < '1' || l[9] > '9' || !is_digit(l[10]) || !is_digit(l[11]) ||
        (n > 12 && l[12] != ' ')) {
        return ERR;
    }
    r->version_minor = (uint8_t)(l[7] - '0');
    r->status = (l[9] - '0') * 100 + (l[10] - '0') * 10 + (l[11] - '0');
    /* dbtok never asks to upgrade, and after a 101 the stream is not HTTP. */
    if (r->status == 101) {
        return ERR;
    }
    set_phase(r, ST_HEADER);
    return MORE;
}

static int content_length(http_reader *r, const char *v, size_t n)
{
    uint64_t x;

    if (r->chunked || parse_dec(v, n, UINT64_MAX, &x) != 0 || (r->has_length && x != r->content_length)) {
        return ERR;
    }
    r->has_length = true;
    r->content_length = x;
    return MORE;
}

static int transfer_encoding(http_reader *r, const char *v, size_t n)
{
    /* Only a lone "chunked": other codings would need a decoder, and with a
     * Content-Length, a repeat, or in HTTP/1.0 the framing is ambiguous. */
    if (r->has_length || r->chunked || r->version_minor == 0 || !ieq(v, n, "chunked")) {
        return ERR;
    }
    r->chunked = true;
    return MORE;
}

static void connection(http_reader *r, const char *v, size_t n)
{
    size_t i = 0;

    while (i < n) {
        size_t b = i;
        size_t e;
        while (i < n && v[i] != ',') {
            i++;
        }
        e = i;
        trim_ows(v, &b, &e);
        if (ieq(v + b, e - b, "close")) {
            r->conn_close = true;
        } else if (ieq(v + b, e - b, "keep-alive")) {
            r->state = (uint8_t)(r->state | F_KEEP_ALIVE);
        }
        i++; /* past the comma */
    }
}

static void retry_after(http_reader *r, const char *v, size_t n)
{
    uint64_t s;

    /* Delta seconds, or an HTTP-date that a caller with a wall clock can
     * turn into a delay. Anything else is ignored. */
    if (parse_dec(v, n, RETRY_AFTER_MAX, &s) >= 0) {
        r->has_retry_after = true;
        r->retry_after_s = (uint32_t)s;
        return;
    }
#if DBTOK_ENABLE_HTTP_DATES
    if (dbtok__http_date_parse(v, n, &r->retry_after_date)) {
        r->has_retry_after_date = true;
    }
#endif
}

static int field_id(const char *name, size_t n)
{
    if (ieq(name, n, "content-length")) {
        return FIELD_CONTENT_LENGTH;
    }
    if (ieq(name, n, "transfer-encoding")) {
        return FIELD_TRANSFER_ENCODING;
    }
    if (ieq(name, n, "connection")) {
        return FIELD_CONNECTION;
    }
    if (ieq(name, n, "retry-after")) {
        return FIELD_RETRY_AFTER;
    }
#if DBTOK_ENABLE_HTTP_DATES
    if (ieq(name, n, "date")) {
        return FIELD_DATE;
    }
#endif
    return FIELD_OTHER;
}

/*
 * "name: value" with a tchar name directly followed by the colon: this one
 * test rejects obs-fold (leading whitespace), space before the colon and a
 * missing colon. A colon beyond the kept bytes counts as missing. Trailer
 * fields (apply 0) are checked but never change the framing.
 */
static int field_line(http_reader *r, int apply)
{
    const char *l = r->line;
    size_t n = kept(r);
    size_t name = 0;
    size_t b;
    size_t e = n;
    int id;

    while (name < n && chars_is_tchar(l[name])) {
        name++;
    }
    if (name == 0 || name == n || l[name] != ':') {
        return ERR;
    }
    id = apply ? field_id(l, name) : FIELD_OTHER;
    if (id == FIELD_OTHER) {
        return MORE;
    }
    b = name + 1;
    trim_ows(l, &b, &e);
#if DBTOK_ENABLE_HTTP_DATES
    if (id == FIELD_DATE) {
        /* The service's time is believed only from one Date, whole and well
         * formed: with two, which one is meant is unsaid. Nothing else rests
         * on it, so a bad one is no reason to refuse the answer. */
        r->has_date = !r->date_seen && r->line_len <= DBTOK_HTTP_LINE_MAX &&
                      dbtok__http_date_parse(l + b, e - b, &r->date);
        r->date_seen = true;
        return MORE;
    }
#endif
    /* A value dbtok acts on must be seen whole. */
    if (r->line_len > DBTOK_HTTP_LINE_MAX) {
        return ERR;
    }
    switch (id) {
    case FIELD_CONTENT_LENGTH:
        return content_length(r, l + b, e - b);
    case FIELD_TRANSFER_ENCODING:
        return transfer_encoding(r, l + b, e - b);
    case FIELD_CONNECTION:
        connection(r, l + b, e - b);
        return MORE;
    default:
        retry_after(r, l + b, e - b);
        return MORE;
    }
}

/* The empty line after the headers: pick the body framing. */
static int head_end(http_reader *r)
{
    if (r->status < 200) {
        /* Interim answer; the real one follows. header_bytes keeps counting
         * so endless 1xx heads still hit the limit. */
        reset_head(r);
        return MORE;
    }
    r->head_done = true;
    if (r->version_minor == 0 && (r->state & F_KEEP_ALIVE) == 0) {
        r->conn_close = true;
    }
    if (r->head_only || r->status == 204 || r->status == 304) {
        return finish(r);
    }
    if (r->chunked) {
        set_phase(r, ST_CHUNK_SIZE);
    } else if (r->has_length) {
        if (r->content_length == 0) {
            return finish(r);
        }
        r->remaining = r->content_length;
        set_phase(r, ST_BODY_LENGTH);
    } else {
        r->conn_close = true;
        set_phase(r, ST_BODY_CLOSE);
    }
    return MORE;
}

/* chunk-size = 1*HEXDIG, then optional BWS and ";" extensions (ignored). */
static int chunk_size_line(http_reader *r)
{
    const char *l = r->line;
    size_t n = r->line_len; /* never cut: longer size lines were refused */
    uint64_t x = 0;
    size_t i;

    for (i = 0; i < n && chars_hex_value(l[i]) >= 0; i++) {
        uint64_t d = (uint64_t)chars_hex_value(l[i]);
        if (x > (CHUNK_MAX - d) / 16u) {
            return ERR;
        }
        x = x * 16u + d;
    }
    if (i == 0) {
        return ERR;
    }
    while (i < n && is_ows(l[i])) {
        i++;
    }
    if (i < n && l[i] != ';') {
        return ERR;
    }
    if (x == 0) {
        set_phase(r, ST_TRAILER);
    } else {
        r->remaining = x;
        set_phase(r, ST_CHUNK_DATA);
    }
    return MORE;
}

/* Line assembly: CRLF or a bare LF ends a line; a CR not followed by LF and
 * control characters other than HTAB are refused. */
static int line_byte(http_reader *r, uint8_t c)
{
    if (c == '\n') {
        r->state = (uint8_t)(r->state & ~F_CR);
        return LINE;
    }
    if ((r->state & F_CR) != 0) {
        return ERR;
    }
    if (c == '\r') {
        r->state = (uint8_t)(r->state | F_CR);
        return MORE;
    }
    if ((c < 0x20u && c != '\t') || c == 0x7fu) {
        return ERR;
    }
    if (r->line_len < DBTOK_HTTP_LINE_MAX) {
        r->line[r->line_len] = (char)c;
    }
    r->line_len++;
    return MORE;
}

/* One byte of a status, header, chunk-size or trailer line. */
static int line_state_byte(http_reader *r, uint8_t c)
{
    unsigned p = phase(r);
    int rc;

    /* Head and trailers share one budget; chunk-size lines have their own. */
    if (p != ST_CHUNK_SIZE && ++r->header_bytes > DBTOK_HTTP_MAX_HEADER_BYTES) {
        return ERR;
    }
    rc = line_byte(r, c);
    if (rc == MORE && p == ST_CHUNK_SIZE && r->line_len > DBTOK_HTTP_LINE_MAX) {
        return ERR;
    }
    if (rc != LINE) {
        return rc;
    }
    if (p != ST_CHUNK_SIZE && r->line_len > 0 && r->on_line != NULL) {
        r->on_line(r->on_line_user, r->line, kept(r));
    }
    if (p == ST_STATUS) {
        rc = status_line(r);
    } else if (p == ST_CHUNK_SIZE) {
        rc = chunk_size_line(r);
    } else if (r->line_len > 0) {
        rc = field_line(r, p == ST_HEADER);
    } else {
        rc = (p == ST_HEADER) ? head_end(r) : finish(r);
    }
    r->line_len = 0;
    return rc;
}

/* Chunk data must be followed by exactly CRLF (or a bare LF). */
static int chunk_end_byte(http_reader *r, uint8_t c)
{
    if (c == '\n') {
        set_phase(r, ST_CHUNK_SIZE);
        return MORE;
    }
    if (c == '\r' && (r->state & F_CR) == 0) {
        r->state = (uint8_t)(r->state | F_CR);
        return MORE;
    }
    return ERR;
}

int dbtok__http_reader_feed(http_reader *r, uint8_t *data, size_t len, size_t *consumed, size_t *body_len)
{
    size_t i = 0;
    size_t out = 0;
    int rc = MORE;

    if (phase(r) == ST_DONE) {
        rc = DONE;
    } else if (phase(r) == ST_ERROR) {
        rc = ERR;
    }
    /* Each pass consumes at least one byte, so this ends within len passes. */
    while (rc == MORE && i < len) {
        unsigned p = phase(r);
        if (p == ST_BODY_CLOSE || p == ST_BODY_LENGTH || p == ST_CHUNK_DATA) {
            size_t n = len - i;
            if (p != ST_BODY_CLOSE && r->remaining < n) {
                n = (size_t)r->remaining;
            }
            memmove(data + out, data + i, n);
            out += n;
            i += n;
            if (p != ST_BODY_CLOSE) {
                r->remaining -= n;
                if (r->remaining == 0) {
                    if (p == ST_BODY_LENGTH) {
                        rc = finish(r);
                    } else {
                        set_phase(r, ST_CHUNK_END);
                    }
                }
            }
        } else if (p == ST_CHUNK_END) {
            rc = chunk_end_byte(r, data[i++]);
        } else {
            rc = line_state_byte(r, data[i++]);
        }
    }
    if (rc < 0) {
        set_phase(r, ST_ERROR);
    }
    *consumed = i;
    *body_len = out;
    return rc;
}

int dbtok__http_reader_eof(http_reader *r)
{
    switch (phase(r)) {
    case ST_BODY_CLOSE:
        return finish(r);
    case ST_DONE:
        return DONE;
    case ST_ERROR:
        /* Keep reporting the real fault, not the close that followed it. */
        return ERR;
    default:
        return DBTOK_ERR_IO;
    }
}
