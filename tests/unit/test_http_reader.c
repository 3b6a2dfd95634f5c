/*
 * Unit tests for the incremental HTTP response reader.
 *
 * Every valid fixture is fed whole, split in two at every offset, one byte at
 * a time and in small steps, and cut short at every byte; the results must not
 * depend on how the bytes arrived. Every invalid fixture must be refused
 * however it is split.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "http_reader.h"

#define WORK_MAX 20000u
#define WHOLE SIZE_MAX

/* The long-line fixtures below assume 400 bytes exceed the kept line. */
#if DBTOK_HTTP_LINE_MAX >= 400
#error "these fixtures need DBTOK_HTTP_LINE_MAX below 400"
#endif

#define S10 "0123456789"
#define S100 S10 S10 S10 S10 S10 S10 S10 S10 S10 S10
#define S400 S100 S100 S100 S100

typedef struct {
    const char *name;
    const char *raw;
    size_t extra;        /* trailing bytes that belong to no response */
    int close_delimited; /* the body ends when the peer closes */
    int status;
    const char *body;
    bool conn_close;
    bool chunked;
    bool has_length;
    uint64_t content_length;
    bool has_retry_after;
    uint32_t retry_after_s;
} fixture;

/* What a client sees after feeding a response the way dbtok's client does. */
typedef struct {
    int rc;
    size_t consumed;
    size_t body_len;
    uint8_t work[WORK_MAX];
    http_reader r;
} outcome;

/*
 * Feed raw[0..len): a first piece of `first` bytes (possibly empty), then the
 * rest in pieces of `step` bytes. Each piece is "received" right behind the
 * body held so far, as dbtok's client does, and the body grows by what the
 * reader reports. With eof, a still-open response then sees the close.
 */
static void run(const char *raw, size_t len, size_t first, size_t step, int eof, outcome *o)
{
    size_t pos = 0;
    int piece_no = 0;

    o->rc = 0;
    o->consumed = 0;
    o->body_len = 0;
    memset(o->work, 0xAA, sizeof o->work);
    dbtok__http_reader_init(&o->r, NULL, NULL);
    while (o->rc == 0 && (pos < len || piece_no == 0)) {
        size_t piece = (piece_no == 0) ? first : step;
        size_t consumed = 99999;
        size_t fresh = 99999;
        if (piece > len - pos) {
            piece = len - pos;
        }
        assert_true(o->body_len + piece <= sizeof o->work);
        memcpy(o->work + o->body_len, raw + pos, piece);
        o->rc = dbtok__http_reader_feed(&o->r, o->work + o->body_len, piece, &consumed, &fresh);
        assert_true(consumed <= piece);
        assert_true(fresh <= consumed);
        if (o->rc == 0) {
            assert_int_equal(consumed, piece);
        }
        o->body_len += fresh;
        o->consumed += consumed;
        pos += piece;
        piece_no++;
    }
    if (o->rc == 0 && eof) {
        o->rc = dbtok__http_reader_eof(&o->r);
    }
}

static void check_result(const fixture *f, const outcome *o, const char *how)
{
    size_t blen = strlen(f->body);

    if (o->rc != 1) {
        fail_msg("%s (%s): rc %d", f->name, how, o->rc);
    }
    if (o->r.status != f->status || !o->r.head_done) {
        fail_msg("%s (%s): status %d", f->name, how, o->r.status);
    }
    if (o->body_len != blen || memcmp(o->work, f->body, blen) != 0) {
        fail_msg("%s (%s): body of %zu bytes '%.*s'", f->name, how, o->body_len, (int)o->body_len,
                 (const char *)o->work);
    }
    if (o->consumed != strlen(f->raw) - f->extra) {
        fail_msg("%s (%s): consumed %zu", f->name, how, o->consumed);
    }
    if (o->r.conn_close != f->conn_close || o->r.chunked != f->chunked ||
        o->r.has_length != f->has_length || o->r.has_retry_after != f->has_retry_after) {
        fail_msg("%s (%s): flags close %d chunked %d length %d retry %d", f->name, how,
                 o->r.conn_close, o->r.chunked, o->r.has_length, o->r.has_retry_after);
    }
    if ((f->has_length && o->r.content_length != f->content_length) ||
        (f->has_retry_after && o->r.retry_after_s != f->retry_after_s)) {
        fail_msg("%s (%s): length %llu retry %u", f->name, how,
                 (unsigned long long)o->r.content_length, (unsigned)o->r.retry_after_s);
    }
}

/* ---- valid responses -------------------------------------------------- */

static fixture valid[] = {
    {"content-length", "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{\"a\":\"hello\"}",
     0, 0, 200, "{\"a\":\"hello\"}", false, false, true, 13, false, 0},
    {"content-length zero", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 0, 0, 200, "", false, false,
     true, 0, false, 0},
    {"chunked with extensions and trailers",
     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;name=val\r\nhello\r\n6 \t; x=\"q\"\r\n world\r\n"
     "000A\r\n0123456789\r\nb\r\n, and more.\r\n0;last\r\nX-Trailer: yes\r\nChecksum:abc\r\n\r\n",
     0, 0, 200, "hello world0123456789, and more.", false, true, false, 0, false, 0},
    {"chunked bare LF", "HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n3\nabc\n0\n\n", 0, 0, 200, "abc",
     false, true, false, 0, false, 0},
    {"chunked no trailers, close", "HTTP/1.1 500 Oops\r\nConnection: close\r\nTransfer-Encoding:  CHUNKED \r\n\r\n1\r\nx\r\n0\r\n\r\n",
     0, 0, 500, "x", true, true, false, 0, false, 0},
    {"until close", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<html>login</html>", 0, 1, 200,
     "<html>login</html>", true, false, false, 0, false, 0},
    {"until close, empty body", "HTTP/1.1 502 Bad Gateway\r\n\r\n", 0, 1, 502, "", true, false, false, 0,
     false, 0},
    {"204", "HTTP/1.1 204 No Content\r\n\r\n", 0, 0, 204, "", false, false, false, 0, false, 0},
    {"304 with length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 0, 0, 304, "", false,
     false, true, 10, false, 0},
    {"1xx then 200",
     "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </x>\r\nContent-Length: 99\r\n"
     "Connection: close\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
     0, 0, 200, "ok", false, false, true, 2, false, 0},
    {"HTTP/1.0 with length", "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 0, 0, 200, "ok", true, false,
     true, 2, false, 0},
    {"HTTP/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: Keep-Alive\r\nContent-Length: 2\r\n\r\nok", 0, 0,
     200, "ok", false, false, true, 2, false, 0},
    {"HTTP/1.0 keep-alive then close",
     "HTTP/1.0 200 OK\r\nConnection: close\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 0, 0,
     200, "ok", true, false, true, 2, false, 0},
    {"HTTP/1.0 until close", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\nabc", 0, 1, 200, "abc", true,
     false, false, 0, false, 0},
    {"mixed case, OWS, duplicate length, retry seconds",
     "HTTP/1.1 429 Too Many Requests\r\ncOnTeNt-LeNgTh:   4  \r\nCONTENT-LENGTH:4\r\nretry-AFTER: \t120\t\r\n\r\nnope",
     0, 0, 429, "nope", false, false, true, 4, true, 120},
    {"connection list", "HTTP/1.1 200 OK\r\nConnection: Keep-Alive, Close\r\nContent-Length: 1\r\n\r\nx", 0, 0,
     200, "x", true, false, true, 1, false, 0},
    {"connection list with empty items", "HTTP/1.1 200 OK\r\nConnection: ,upgrade ,, keep-alive,\r\nContent-Length: 1\r\n\r\nx",
     0, 0, 200, "x", false, false, true, 1, false, 0},
    {"connection token is not a substring", "HTTP/1.1 200 OK\r\nConnection: closed, xclose\r\nContent-Length: 1\r\n\r\nx",
     0, 0, 200, "x", false, false, true, 1, false, 0},
    {"retry-after date", "HTTP/1.1 503 Unavailable\r\nRetry-After: Fri, 31 Dec 1999 23:59:59 GMT\r\nContent-Length: 0\r\n\r\n",
     0, 0, 503, "", false, false, true, 0, false, 0},
    {"retry-after saturates", "HTTP/1.1 503 Unavailable\r\nRetry-After: 99999999999999999999999\r\nContent-Length: 0\r\n\r\n",
     0, 0, 503, "", false, false, true, 0, true, 4294967u},
    {"long ignored header", "HTTP/1.1 200 OK\r\nX-Long: " S400 "\r\nContent-Length: 2\r\n\r\nok", 0, 0, 200, "ok",
     false, false, true, 2, false, 0},
    {"long ignored trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T: " S400 "\r\n\r\n",
     0, 0, 200, "ok", false, true, false, 0, false, 0},
    {"long reason phrase", "HTTP/1.1 404 " S400 "\r\nContent-Length: 2\r\n\r\nno", 0, 0, 404, "no", false, false,
     true, 2, false, 0},
    {"no reason phrase", "HTTP/1.1 200\r\nContent-Length: 2\r\n\r\nok", 0, 0, 200, "ok", false, false, true, 2,
     false, 0},
    {"empty reason phrase", "HTTP/1.1 201 \r\nContent-Length: 2\r\n\r\nok", 0, 0, 201, "ok", false, false, true,
     2, false, 0},
    {"reason with tab and obs-text", "HTTP/1.1 400 Bad\tRequ\xc3\xa9st\r\nX-Utf8: caf\xc3\xa9\r\nContent-Length: 1\r\n\r\n?",
     0, 0, 400, "?", false, false, true, 1, false, 0},
    {"empty header value", "HTTP/1.1 200 OK\r\nX-Empty:\r\nX-Blank:   \r\nContent-Length: 1\r\n\r\n1", 0, 0, 200,
     "1", false, false, true, 1, false, 0},
    {"bytes after a length body", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\n", 17, 0, 200,
     "ok", false, false, true, 2, false, 0},
    {"bytes after a chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nleft", 4, 0, 200,
     "", false, true, false, 0, false, 0},
    {"bytes after a 204", "HTTP/1.1 204 No Content\r\n\r\nxyz", 3, 0, 204, "", false, false, false, 0, false, 0},
    {"body holding CRLF and NUL bytes", "HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\n\r\n\r\n\x01\x7f", 0, 0, 200,
     "\r\n\r\n\x01\x7f", false, false, true, 6, false, 0},
    {"largest status", "HTTP/1.1 999 Whatever\r\nContent-Length: 0\r\n\r\n", 0, 0, 999, "", false, false, true, 0,
     false, 0},
};

static void test_valid_fixture(void **state)
{
    const fixture *f = *state;
    size_t len = strlen(f->raw);
    size_t end = len - f->extra;
    size_t blen = strlen(f->body);
    size_t k;
    char how[64];
    outcome *o = test_malloc(sizeof *o);
    outcome *ref = test_malloc(sizeof *ref);

    run(f->raw, len, len, WHOLE, f->close_delimited, ref);
    check_result(f, ref, "whole");

    for (k = 0; k <= len; k++) {
        snprintf(how, sizeof how, "split at %zu", k);
        run(f->raw, len, k, WHOLE, f->close_delimited, o);
        check_result(f, o, how);
    }
    for (k = 1; k <= 7; k++) {
        snprintf(how, sizeof how, "steps of %zu", k);
        run(f->raw, len, 0, k, f->close_delimited, o);
        check_result(f, o, how);
    }

    /* Cut short at every byte: the close must be reported as a broken
     * response, except inside a body that the close delimits. */
    for (k = 0; k < end; k++) {
        run(f->raw, k, k, WHOLE, 1, o);
        if (f->close_delimited && k >= end - blen) {
            assert_int_equal(o->rc, 1);
            assert_int_equal(o->body_len, k - (end - blen));
            assert_memory_equal(o->work, f->body, o->body_len);
        } else if (o->rc != DBTOK_ERR_IO) {
            fail_msg("%s cut at %zu: rc %d", f->name, k, o->rc);
        }
    }

    /* Complete is final: more input is neither consumed nor reported. */
    {
        size_t consumed = 1;
        size_t fresh = 1;
        uint8_t more[4] = {'a', 'b', 'c', 'd'};
        assert_int_equal(dbtok__http_reader_feed(&ref->r, more, sizeof more, &consumed, &fresh), 1);
        assert_int_equal(consumed, 0);
        assert_int_equal(fresh, 0);
        assert_int_equal(dbtok__http_reader_eof(&ref->r), 1);
    }
    test_free(o);
    test_free(ref);
}

/* ---- refused responses ------------------------------------------------ */

typedef struct {
    const char *name;
    const char *raw;
} bad_fixture;

static bad_fixture invalid[] = {
    {"HTTP/2", "HTTP/2 200 OK\r\n\r\n"},
    {"HTTP/1.2", "HTTP/1.2 200 OK\r\n\r\n"},
    {"lower-case http", "http/1.1 200 OK\r\n\r\n"},
    {"two-digit status", "HTTP/1.1 20\r\n\r\n"},
    {"four-digit status", "HTTP/1.1 2000\r\n\r\n"},
    {"status below 100", "HTTP/1.1 099 Low\r\n\r\n"},
    {"non-digit status", "HTTP/1.1 2x0 OK\r\n\r\n"},
    {"reason glued to code", "HTTP/1.1 200OK\r\n\r\n"},
    {"two spaces before code", "HTTP/1.1  200 OK\r\n\r\n"},
    {"ICY", "ICY 200 OK\r\n\r\n"},
    {"empty status line", "\r\nHTTP/1.1 200 OK\r\n\r\n"},
    {"101 never asked for", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n"},
    {"control in reason", "HTTP/1.1 200 O\x01K\r\n\r\n"},
    {"conflicting lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok"},
    {"length then chunked", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"chunked then length", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"},
    {"gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"},
    {"gzip, chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"},
    {"identity", "HTTP/1.1 200 OK\r\nTransfer-Encoding: identity\r\n\r\n"},
    {"chunked twice", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"empty transfer-encoding", "HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n"},
    {"chunked in HTTP/1.0", "HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"},
    {"length with plus", "HTTP/1.1 200 OK\r\nContent-Length: +2\r\n\r\nok"},
    {"negative length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n"},
    {"space inside length", "HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n"},
    {"length list", "HTTP/1.1 200 OK\r\nContent-Length: 2, 2\r\n\r\nok"},
    {"empty length", "HTTP/1.1 200 OK\r\nContent-Length:  \r\n\r\n"},
    {"hex length", "HTTP/1.1 200 OK\r\nContent-Length: 0x10\r\n\r\n"},
    {"overflowing length", "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551616\r\n\r\n"},
    {"long length line", "HTTP/1.1 200 OK\r\nContent-Length: " S400 "\r\n\r\n"},
    {"long connection line", "HTTP/1.1 200 OK\r\nConnection: " S400 "\r\nContent-Length: 0\r\n\r\n"},
    {"long retry-after line", "HTTP/1.1 200 OK\r\nRetry-After: " S400 "\r\nContent-Length: 0\r\n\r\n"},
    {"long transfer-encoding line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: " S400 "\r\n\r\n"},
    {"long name", "HTTP/1.1 200 OK\r\nX" S400 ": 1\r\nContent-Length: 0\r\n\r\n"},
    {"obs-fold", "HTTP/1.1 200 OK\r\nX-A: b\r\n  c\r\nContent-Length: 0\r\n\r\n"},
    {"obs-fold with tab", "HTTP/1.1 200 OK\r\nX-A: b\r\n\tc\r\nContent-Length: 0\r\n\r\n"},
    {"leading space on first header", "HTTP/1.1 200 OK\r\n Content-Length: 0\r\n\r\n"},
    {"no colon", "HTTP/1.1 200 OK\r\nNoColonHere\r\nContent-Length: 0\r\n\r\n"},
    {"space before colon", "HTTP/1.1 200 OK\r\nContent-Length : 0\r\n\r\n"},
    {"tab before colon", "HTTP/1.1 200 OK\r\nX-A\t: 0\r\nContent-Length: 0\r\n\r\n"},
    {"empty name", "HTTP/1.1 200 OK\r\n: x\r\nContent-Length: 0\r\n\r\n"},
    {"bad name char", "HTTP/1.1 200 OK\r\nX(A): x\r\nContent-Length: 0\r\n\r\n"},
    {"control in value", "HTTP/1.1 200 OK\r\nX-A: b\x01\x63\r\nContent-Length: 0\r\n\r\n"},
    {"escape in value", "HTTP/1.1 200 OK\r\nX-A: \x1b[0m\r\nContent-Length: 0\r\n\r\n"},
    {"DEL in value", "HTTP/1.1 200 OK\r\nX-A: b\x7f\r\nContent-Length: 0\r\n\r\n"},
    {"lone CR in value", "HTTP/1.1 200 OK\r\nX-A: b\rc\r\nContent-Length: 0\r\n\r\n"},
    {"CR CR LF", "HTTP/1.1 200 OK\r\r\nContent-Length: 0\r\n\r\n"},
    {"lone CR ending the head", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\rX"},
    {"chunk size without digits", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n;ext\r\n"},
    {"empty chunk size line", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n"},
    {"non-hex chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"},
    {"chunk size with junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5x\r\nhello\r\n0\r\n\r\n"},
    {"chunk size with space then junk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 x\r\nhello\r\n0\r\n\r\n"},
    {"negative chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n"},
    {"overflowing chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\n"},
    {"chunk size above cap", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n80000000\r\n"},
    {"long chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" S400 "\r\nx\r\n0\r\n\r\n"},
    {"control in chunk extension", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;a\x01\r\nx\r\n0\r\n\r\n"},
    {"chunk data not followed by CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n"},
    {"chunk data followed by CR X", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\rX\n0\r\n\r\n"},
    {"chunk data followed by CR CR", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\r\n0\r\n\r\n"},
    {"chunk longer than its size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabc\r\n0\r\n\r\n"},
    {"trailer without colon", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n"},
    {"trailer obs-fold", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: a\r\n b\r\n\r\n"},
    {"control in trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX-T: \x02\r\n\r\n"},
    {"bad header after 1xx", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nBad Header: 1\r\n\r\n"},
};

static void expect_refused(const char *name, const char *raw, size_t len, int all_splits)
{
    outcome *o = test_malloc(sizeof *o);
    size_t k;
    size_t consumed = 1;
    size_t fresh = 1;
    uint8_t more[2] = {'\r', '\n'};

    run(raw, len, len, WHOLE, 1, o);
    if (o->rc != DBTOK_ERR_PROTOCOL) {
        fail_msg("%s: whole gives %d", name, o->rc);
    }
    /* An error is final, and an EOF after it does not hide it. */
    assert_int_equal(dbtok__http_reader_feed(&o->r, more, sizeof more, &consumed, &fresh), DBTOK_ERR_PROTOCOL);
    assert_int_equal(consumed, 0);
    assert_int_equal(fresh, 0);
    assert_int_equal(dbtok__http_reader_eof(&o->r), DBTOK_ERR_PROTOCOL);

    run(raw, len, 0, 1, 1, o);
    if (o->rc != DBTOK_ERR_PROTOCOL) {
        fail_msg("%s: byte by byte gives %d", name, o->rc);
    }
    for (k = 0; all_splits && k <= len; k++) {
        run(raw, len, k, WHOLE, 1, o);
        if (o->rc != DBTOK_ERR_PROTOCOL) {
            fail_msg("%s: split at %zu gives %d", name, k, o->rc);
        }
    }
    test_free(o);
}

static void test_invalid_fixture(void **state)
{
    const bad_fixture *f = *state;

    expect_refused(f->name, f->raw, strlen(f->raw), 1);
}

/* ---- limits, at and just past each boundary --------------------------- */

/* A head of exactly `total` bytes: status line, one filler header, blank line. */
static size_t make_head(char *buf, size_t cap, size_t total)
{
    static const char status[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Fill: ";
    size_t fixed = sizeof status - 1 + 4; /* + "\r\n\r\n" */
    size_t fill = total - fixed;

    assert_true(total > fixed && total <= cap);
    memcpy(buf, status, sizeof status - 1);
    memset(buf + sizeof status - 1, 'f', fill);
    memcpy(buf + sizeof status - 1 + fill, "\r\n\r\n", 4);
    return total;
}

static void test_header_section_limit(void **state)
{
    char *buf = test_malloc(DBTOK_HTTP_MAX_HEADER_BYTES + 2);
    outcome *o = test_malloc(sizeof *o);
    size_t len;

    (void)state;
    len = make_head(buf, DBTOK_HTTP_MAX_HEADER_BYTES + 2, DBTOK_HTTP_MAX_HEADER_BYTES);
    run(buf, len, 0, 1, 0, o);
    assert_int_equal(o->rc, 1);
    assert_int_equal(o->r.status, 200);
    assert_int_equal(o->r.header_bytes, DBTOK_HTTP_MAX_HEADER_BYTES);

    len = make_head(buf, DBTOK_HTTP_MAX_HEADER_BYTES + 2, DBTOK_HTTP_MAX_HEADER_BYTES + 1);
    expect_refused("head one byte over", buf, len, 0);
    test_free(buf);
    test_free(o);
}

/* Interim answers count toward the same budget, so a server cannot stall a
 * client forever with 100 Continue. */
static void test_endless_interim_responses(void **state)
{
    static const char interim[] = "HTTP/1.1 100 Continue\r\n\r\n";
    size_t n = (DBTOK_HTTP_MAX_HEADER_BYTES / (sizeof interim - 1)) + 1;
    char *buf = test_malloc(n * (sizeof interim - 1));
    size_t i;

    (void)state;
    for (i = 0; i < n; i++) {
        memcpy(buf + i * (sizeof interim - 1), interim, sizeof interim - 1);
    }
    expect_refused("endless 100 Continue", buf, n * (sizeof interim - 1), 0);
    test_free(buf);
}

/* A header line dbtok acts on: kept whole at DBTOK_HTTP_LINE_MAX bytes,
 * refused at one more. */
static void test_needed_line_at_limit(void **state)
{
    static const char name[] = "Content-Length: 7";
    char buf[DBTOK_HTTP_LINE_MAX + 64];
    outcome *o = test_malloc(sizeof *o);
    size_t pad;

    (void)state;
    for (pad = DBTOK_HTTP_LINE_MAX - (sizeof name - 1); pad <= DBTOK_HTTP_LINE_MAX + 1 - (sizeof name - 1);
         pad++) {
        size_t len = 0;
        memcpy(buf, "HTTP/1.1 200 OK\r\n", 17);
        len = 17;
        memcpy(buf + len, name, sizeof name - 1);
        len += sizeof name - 1;
        memset(buf + len, ' ', pad);
        len += pad;
        memcpy(buf + len, "\r\n\r\nbody!!!", 11);
        len += 11;
        run(buf, len, len, WHOLE, 0, o);
        if (pad + sizeof name - 1 <= DBTOK_HTTP_LINE_MAX) {
            assert_int_equal(o->rc, 1);
            assert_int_equal(o->r.content_length, 7);
            assert_memory_equal(o->work, "body!!!", 7);
        } else {
            assert_int_equal(o->rc, DBTOK_ERR_PROTOCOL);
        }
    }
    test_free(o);
}

/* Chunk-size lines: DBTOK_HTTP_LINE_MAX bytes accepted, one more refused. */
static void test_chunk_line_at_limit(void **state)
{
    static const char head[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    char buf[sizeof head + DBTOK_HTTP_LINE_MAX + 32];
    outcome *o = test_malloc(sizeof *o);
    size_t line;

    (void)state;
    for (line = DBTOK_HTTP_LINE_MAX; line <= DBTOK_HTTP_LINE_MAX + 1; line++) {
        size_t len = sizeof head - 1;
        memcpy(buf, head, len);
        memcpy(buf + len, "2;", 2);
        memset(buf + len + 2, 'e', line - 2);
        len += line;
        memcpy(buf + len, "\r\nok\r\n0\r\n\r\n", 11);
        len += 11;
        run(buf, len, len, WHOLE, 0, o);
        assert_int_equal(o->rc, line <= DBTOK_HTTP_LINE_MAX ? 1 : DBTOK_ERR_PROTOCOL);
    }
    test_free(o);
}

static void test_numeric_boundaries(void **state)
{
    outcome *o = test_malloc(sizeof *o);
    static const char max_len[] = "HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nab";
    static const char max_chunk[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n07fffffff\r\nab";
    static const char retry_cap[] = "HTTP/1.1 200 OK\r\nRetry-After: 4294967\r\nContent-Length: 0\r\n\r\n";
    static const char retry_over[] = "HTTP/1.1 200 OK\r\nRetry-After: 4294968\r\nContent-Length: 0\r\n\r\n";
    static const char retry_zero[] = "HTTP/1.1 200 OK\r\nRetry-After: 0\r\nContent-Length: 0\r\n\r\n";

    (void)state;
    run(max_len, sizeof max_len - 1, sizeof max_len - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, 0);
    assert_true(o->r.head_done && o->r.has_length);
    assert_true(o->r.content_length == UINT64_MAX);
    assert_int_equal(o->body_len, 2);

    run(max_chunk, sizeof max_chunk - 1, sizeof max_chunk - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, 0);
    assert_true(o->r.chunked);
    assert_int_equal(o->body_len, 2);
    assert_int_equal(o->r.remaining, 0x7fffffffu - 2u);

    run(retry_cap, sizeof retry_cap - 1, sizeof retry_cap - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, 1);
    assert_true(o->r.has_retry_after);
    assert_int_equal(o->r.retry_after_s, 4294967u);
    run(retry_over, sizeof retry_over - 1, sizeof retry_over - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, 1);
    assert_int_equal(o->r.retry_after_s, 4294967u);
    run(retry_zero, sizeof retry_zero - 1, sizeof retry_zero - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, 1);
    assert_true(o->r.has_retry_after);
    assert_int_equal(o->r.retry_after_s, 0);
    test_free(o);
}

/* ---- EOF ------------------------------------------------------------- */

static void test_eof_cases(void **state)
{
    outcome *o = test_malloc(sizeof *o);
    static const char no_final_crlf[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n";
    static const char short_body[] = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabc";
    static const char close_body[] = "HTTP/1.1 200 OK\r\n\r\nabc";
    size_t consumed = 1;
    size_t fresh = 1;
    uint8_t more[1] = {'x'};

    (void)state;
    run("", 0, 0, WHOLE, 1, o);
    assert_int_equal(o->rc, DBTOK_ERR_IO);
    assert_int_equal(dbtok__http_reader_eof(&o->r), DBTOK_ERR_IO);

    run(no_final_crlf, sizeof no_final_crlf - 1, sizeof no_final_crlf - 1, WHOLE, 1, o);
    assert_int_equal(o->rc, DBTOK_ERR_IO);
    assert_int_equal(o->body_len, 2);

    run(short_body, sizeof short_body - 1, sizeof short_body - 1, WHOLE, 1, o);
    assert_int_equal(o->rc, DBTOK_ERR_IO);

    run(close_body, sizeof close_body - 1, sizeof close_body - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, 0);
    assert_true(o->r.conn_close);
    assert_int_equal(dbtok__http_reader_eof(&o->r), 1);
    assert_int_equal(dbtok__http_reader_eof(&o->r), 1);
    assert_int_equal(dbtok__http_reader_feed(&o->r, more, 1, &consumed, &fresh), 1);
    assert_int_equal(consumed, 0);
    assert_int_equal(fresh, 0);
    test_free(o);
}

/* ---- tracing ---------------------------------------------------------- */

typedef struct {
    int count;
    char lines[8][DBTOK_HTTP_LINE_MAX + 1];
    size_t lens[8];
} trace_log;

static void on_line(void *user, const char *line, size_t len)
{
    trace_log *t = user;

    assert_true(len <= DBTOK_HTTP_LINE_MAX);
    if (t->count < 8) {
        memcpy(t->lines[t->count], line, len);
        t->lines[t->count][len] = '\0';
        t->lens[t->count] = len;
    }
    t->count++;
}

static void test_on_line(void **state)
{
    static const char raw[] = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nX-Long: " S400
                              "\r\nTransfer-Encoding: chunked\r\n\r\n2;ext\r\nok\r\n0\r\nX-T: 1\r\n\r\n";
    trace_log t;
    http_reader r;
    uint8_t work[sizeof raw];
    size_t consumed = 0;
    size_t fresh = 0;

    (void)state;
    memset(&t, 0, sizeof t);
    memcpy(work, raw, sizeof raw - 1);
    dbtok__http_reader_init(&r, on_line, &t);
    assert_int_equal(dbtok__http_reader_feed(&r, work, sizeof raw - 1, &consumed, &fresh), 1);
    assert_int_equal(fresh, 2);
    assert_memory_equal(work, "ok", 2);
    /* Status and header lines only: no blank lines, no chunk-size lines. */
    assert_int_equal(t.count, 5);
    assert_string_equal(t.lines[0], "HTTP/1.1 100 Continue");
    assert_string_equal(t.lines[1], "HTTP/1.1 200 OK");
    assert_int_equal(t.lens[2], DBTOK_HTTP_LINE_MAX);
    assert_memory_equal(t.lines[2], "X-Long: " S400, DBTOK_HTTP_LINE_MAX);
    assert_string_equal(t.lines[3], "Transfer-Encoding: chunked");
    assert_string_equal(t.lines[4], "X-T: 1");
}

/* Body bytes land at the front of each span, and bytes before the span (the
 * body already held) are never touched. */
static void test_body_compaction(void **state)
{
    static const char raw[] = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n";
    uint8_t work[sizeof raw + 4];
    http_reader r;
    size_t consumed = 0;
    size_t fresh = 0;

    (void)state;
    memcpy(work, "HELD", 4);
    memcpy(work + 4, raw, sizeof raw - 1);
    dbtok__http_reader_init(&r, NULL, NULL);
    assert_int_equal(dbtok__http_reader_feed(&r, work + 4, sizeof raw - 1, &consumed, &fresh), 1);
    assert_int_equal(consumed, sizeof raw - 1);
    assert_int_equal(fresh, 5);
    assert_memory_equal(work, "HELDabcde", 9);
}

/* init fully resets a reader that was used before, even one in error. */
static void test_reinit(void **state)
{
    outcome *o = test_malloc(sizeof *o);
    static const char bad[] = "HTTP/9 200\r\n";
    static const char good[] = "HTTP/1.1 204 No Content\r\n\r\n";
    size_t consumed = 0;
    size_t fresh = 0;

    (void)state;
    run(bad, sizeof bad - 1, sizeof bad - 1, WHOLE, 0, o);
    assert_int_equal(o->rc, DBTOK_ERR_PROTOCOL);
    dbtok__http_reader_init(&o->r, NULL, NULL);
    memcpy(o->work, good, sizeof good - 1);
    assert_int_equal(dbtok__http_reader_feed(&o->r, o->work, sizeof good - 1, &consumed, &fresh), 1);
    assert_int_equal(o->r.status, 204);
    assert_int_equal(o->r.header_bytes, sizeof good - 1);
    test_free(o);
}

#define NVALID (sizeof valid / sizeof valid[0])
#define NINVALID (sizeof invalid / sizeof invalid[0])

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test(test_header_section_limit),
        cmocka_unit_test(test_endless_interim_responses),
        cmocka_unit_test(test_needed_line_at_limit),
        cmocka_unit_test(test_chunk_line_at_limit),
        cmocka_unit_test(test_numeric_boundaries),
        cmocka_unit_test(test_eof_cases),
        cmocka_unit_test(test_on_line),
        cmocka_unit_test(test_body_compaction),
        cmocka_unit_test(test_reinit),
    };
    struct CMUnitTest tests[sizeof fixed / sizeof fixed[0] + NVALID + NINVALID];
    size_t n = 0;
    size_t i;

    for (i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        tests[n++] = fixed[i];
    }
    for (i = 0; i < NVALID; i++) {
        struct CMUnitTest t = {valid[i].name, test_valid_fixture, NULL, NULL, &valid[i]};
        tests[n++] = t;
    }
    for (i = 0; i < NINVALID; i++) {
        struct CMUnitTest t = {invalid[i].name, test_invalid_fixture, NULL, NULL, &invalid[i]};
        tests[n++] = t;
    }
    return _cmocka_run_group_tests("http_reader", tests, n, NULL, NULL);
}
