/*
 * The shared fixture of the client tests: see api_fixture.h.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"

static const uint8_t fake_ca[] = "not parsed: the fake TLS layer never looks at it";

/* ---- fixture ------------------------------------------------------------ */

int setup(void **state)
{
    fixture *fx = calloc(1, sizeof *fx);
    if (fx == NULL) {
        return -1;
    }
    fake_tls_use(&fx->script);
    fake_port_make(&fx->port, &fx->pctx, true);
    fx->cfg.host = HOST;
    fx->cfg.port = 0;
    fx->cfg.token = BEARER;
    fx->cfg.ca = fake_ca;
    fx->cfg.ca_len = sizeof fake_ca;
    fx->cfg.timeout_ms = 0;
    fx->cfg.user_agent_extra = NULL;
    fx->work_len = WORK_LEN;
    *state = fx;
    return 0;
}

int teardown(void **state)
{
    fixture *fx = *state;
    dbtok_close(&fx->client);
    free(fx);
    return 0;
}

dbtok_client *start(fixture *fx)
{
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_OK);
    return &fx->client;
}

dbtok_client *restart(fixture *fx)
{
    dbtok_close(&fx->client);
    fake_tls_use(&fx->script);
    return start(fx);
}

const dbtok_error_info *last(fixture *fx)
{
    return dbtok_last_error(&fx->client);
}

void with_sleep(fixture *fx)
{
    fx->port.sleep_ms = fake_port_sleep_ms;
}

/* ---- text building ------------------------------------------------------ */

static void sb_vadd(sbuf *b, const char *fmt, va_list ap)
{
    int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        fail_msg("test text pool exhausted");
    }
    b->len += (size_t)n;
}

PRINTF_LIKE(2, 3) void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, fmt, ap);
    va_end(ap);
}

sbuf pool_open(fixture *fx)
{
    sbuf b;
    b.buf = fx->pool + fx->pool_used;
    b.cap = POOL_LEN - fx->pool_used;
    b.len = 0;
    b.buf[0] = 0;
    return b;
}

const char *pool_close(fixture *fx, const sbuf *b)
{
    fx->pool_used += b->len + 1;
    return b->buf;
}

PRINTF_LIKE(2, 3) const char *fmt(fixture *fx, const char *format, ...)
{
    sbuf b = pool_open(fx);
    va_list ap;
    va_start(ap, format);
    sb_vadd(&b, format, ap);
    va_end(ap);
    return pool_close(fx, &b);
}

const char *repeat(fixture *fx, char ch, size_t n)
{
    sbuf b = pool_open(fx);
    if (n + 1 > b.cap) {
        fail_msg("test text pool exhausted");
    }
    memset(b.buf, ch, n);
    b.buf[n] = 0;
    b.len = n;
    return pool_close(fx, &b);
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Whatever";
    }
}

const char *response(fixture *fx, int status, const char *content_type, const char *headers,
                            const char *body)
{
    return fmt(fx, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nServer: fake\r\n%sContent-Length: %zu\r\n\r\n%s", status,
               reason(status), content_type, headers, strlen(body), body);
}

const char *json(fixture *fx, int status, const char *body)
{
    return response(fx, status, "application/json; charset=utf-8", "", body);
}

const char *json_h(fixture *fx, int status, const char *headers, const char *body)
{
    return response(fx, status, "application/json; charset=utf-8", headers, body);
}

const char *chunked(fixture *fx, const char *body, size_t piece)
{
    sbuf b = pool_open(fx);
    size_t len = strlen(body);
    size_t pos = 0;
    sb_add(&b, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
    while (pos < len) {
        size_t n = len - pos < piece ? len - pos : piece;
        sb_add(&b, "%zx\r\n%.*s\r\n", n, (int)n, body + pos);
        pos += n;
    }
    sb_add(&b, "0\r\n\r\n");
    return pool_close(fx, &b);
}

const char *request(fixture *fx, const char *method, const char *path, const char *host_header,
                           const char *body)
{
    sbuf b = pool_open(fx);
    const char *extra = fx->cfg.user_agent_extra;
    sb_add(&b,
           "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: dbtok/" DBTOK_VERSION_STRING
           "%s%s\r\nAuthorization: Bearer " BEARER "\r\n",
           method, path, host_header, extra != NULL && extra[0] != 0 ? " " : "", extra != NULL ? extra : "");
    if (body != NULL) {
        sb_add(&b, "Accept: application/json\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
               strlen(body), body);
    } else {
        sb_add(&b, "\r\n");
    }
    return pool_close(fx, &b);
}

void check_sent(const fake_conn *conn, size_t *offset, const char *expected)
{
    size_t n = strlen(expected);
    if (conn->sent_len < *offset + n || memcmp(conn->sent + *offset, expected, n) != 0) {
        size_t have = conn->sent_len - *offset;
        fail_msg("request bytes differ\n--- expected (%zu bytes)\n%s\n--- sent (%zu bytes)\n%.*s\n---", n, expected,
                 have, (int)have, (const char *)conn->sent + *offset);
    }
    *offset += n;
}

void check_only_sent(const fake_conn *conn, const char *expected)
{
    size_t off = 0;
    check_sent(conn, &off, expected);
    assert_int_equal(off, conn->sent_len);
}

void assert_view_in_work(const fixture *fx, dbtok_str s, const char *expected)
{
    assert_non_null(s.ptr);
    assert_true((const uint8_t *)s.ptr >= fx->work && (const uint8_t *)s.ptr + s.len < fx->work + fx->work_len);
    assert_int_equal(s.ptr[s.len], 0); /* NUL-terminated */
    assert_int_equal(strlen(s.ptr), s.len); /* no embedded NUL */
    assert_int_equal(s.len, strlen(expected));
    assert_memory_equal(s.ptr, expected, s.len);
}

/* ---- list callback ------------------------------------------------------ */

void rec_init(list_rec *r)
{
    memset(r, 0, sizeof *r);
    r->views_ok = true;
}

int record_cb(void *user, const dbtok_token_info *info)
{
    list_rec *r = user;
    int k = r->calls++;
    if (info->token_id.ptr == NULL || info->comment.ptr == NULL || info->token_id.ptr[info->token_id.len] != 0 ||
        info->comment.ptr[info->comment.len] != 0) {
        r->views_ok = false;
    } else if (k < REC_MAX) {
        (void)dbtok_str_copy(r->id[k], sizeof r->id[k], info->token_id);
        (void)dbtok_str_copy(r->comment[k], sizeof r->comment[k], info->comment);
        r->created[k] = info->creation_time_ms;
        r->expiry[k] = info->expiry_time_ms;
    }
    return (r->stop_at != 0 && r->calls == r->stop_at) ? 1 : 0;
}

const char CREATE_BODY[] =
    "{\"unknown_first\":{\"nested\":[1,2.5e3,{\"token_value\":\"decoy\"}],\"x\":null},"
    "\"token_info\":{\"owner_id\":12345,\"scopes\":[\"all-apis\",\"sql\"],\"comment\":\"device 42\","
    "\"expiry_time\":1700003600000,\"token_id\":\"" TOKEN_ID "\",\"creation_time\":1700000000000,"
    "\"autoscope_history\":{\"a\":[{}],\"b\":false},\"created_by_id\":7},"
    "\"token_value\":\"" TOKEN_VALUE "\",\"zz_trailing\":true}";

const char LIST_BODY[] =
    "{\"token_infos\":["
    "{\"token_id\":\"id-1\",\"creation_time\":1700000000001,\"expiry_time\":-1,\"comment\":\"first\"},"
    "{\"comment\":\"second\",\"scopes\":[\"x\"],\"token_id\":\"id-2\",\"expiry_time\":1700000000003,"
    "\"creation_time\":1700000000002,\"owner_id\":9},"
    "{\"created_by_id\":1,\"token_id\":\"id-3\",\"creation_time\":5}"
    "],\"next\":{\"ignored\":[1,2,3]}}";

void check_list_body_rec(const list_rec *r)
{
    assert_true(r->views_ok);
    assert_int_equal(r->calls, 3);
    assert_string_equal(r->id[0], "id-1");
    assert_string_equal(r->comment[0], "first");
    assert_int_equal(r->created[0], 1700000000001);
    assert_int_equal(r->expiry[0], -1);
    assert_string_equal(r->id[1], "id-2");
    assert_string_equal(r->comment[1], "second");
    assert_int_equal(r->created[1], 1700000000002);
    assert_int_equal(r->expiry[1], 1700000000003);
    assert_string_equal(r->id[2], "id-3");
    assert_string_equal(r->comment[2], "");
    assert_int_equal(r->created[2], 5);
    assert_int_equal(r->expiry[2], -1);
}

/* ======================================================================== */
/* create                                                                   */
