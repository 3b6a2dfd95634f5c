/*
 * Unit tests of the client's request/response logic and error mapping:
 * token_api.c, exchange.c, client.c, errors.c and trace.c over the scripted
 * transport of fake_tls.c (no TLS, no sockets, no clock but the test's).
 *
 * Every request the client sends is recorded per connection, so the tests
 * assert exact request bytes, how many requests went out and on which
 * connection. The "never twice" tests script a spare connection that would
 * answer a second create successfully, so a retry that should not happen is
 * caught both by the result and by the request count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "client_internal.h" /* tests read the client state */
#include "fake_tls.h"

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#else
#define PRINTF_LIKE(f, a)
#endif

#define WORK_LEN 16384u
#define POOL_LEN 262144u

#define HOST "adb-1234567890123456.7.azuredatabricks.net"
#define BEARER "dapiBEARERfeedface0123456789abcdef0123"
#define TOKEN_VALUE "dapi0123456789abcdef0123456789abcdef-2"
#define TOKEN_ID "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b"
#define UA "User-Agent: dbtok/" DBTOK_VERSION_STRING "\r\n"

#define PATH_CREATE "/api/2.0/token/create"
#define PATH_LIST "/api/2.0/token/list"
#define PATH_DELETE "/api/2.0/token/delete"
#define START_CREATE "POST " PATH_CREATE " "
#define START_LIST "GET " PATH_LIST " "
#define START_DELETE "POST " PATH_DELETE " "

static const uint8_t fake_ca[] = "not parsed: the fake TLS layer never looks at it";

typedef struct {
    fake_script script;
    fake_port_ctx pctx;
    dbtok_port port;
    dbtok_config cfg;
    dbtok_client client;
    size_t work_len;
    uint8_t work[WORK_LEN];
    char pool[POOL_LEN];
    size_t pool_used;
} fixture;

/* ---- fixture ------------------------------------------------------------ */

static int setup(void **state)
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

static int teardown(void **state)
{
    fixture *fx = *state;
    dbtok_close(&fx->client);
    free(fx);
    return 0;
}

static dbtok_client *start(fixture *fx)
{
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_OK);
    return &fx->client;
}

/* Close the client and start again on a fresh script. */
static dbtok_client *restart(fixture *fx)
{
    dbtok_close(&fx->client);
    fake_tls_use(&fx->script);
    return start(fx);
}

static const dbtok_error_info *last(fixture *fx)
{
    return dbtok_last_error(&fx->client);
}

/* Retries need the port's sleep: a fixture without it never retries. */
static void with_sleep(fixture *fx)
{
    fx->port.sleep_ms = fake_port_sleep_ms;
}

/* ---- text building ------------------------------------------------------ */

typedef struct {
    char *buf;
    size_t cap;
    size_t len;
} sbuf;

static void sb_vadd(sbuf *b, const char *fmt, va_list ap)
{
    int n = vsnprintf(b->buf + b->len, b->cap - b->len, fmt, ap);
    if (n < 0 || (size_t)n >= b->cap - b->len) {
        fail_msg("test text pool exhausted");
    }
    b->len += (size_t)n;
}

static PRINTF_LIKE(2, 3) void sb_add(sbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sb_vadd(b, fmt, ap);
    va_end(ap);
}

static sbuf pool_open(fixture *fx)
{
    sbuf b;
    b.buf = fx->pool + fx->pool_used;
    b.cap = POOL_LEN - fx->pool_used;
    b.len = 0;
    b.buf[0] = 0;
    return b;
}

static const char *pool_close(fixture *fx, const sbuf *b)
{
    fx->pool_used += b->len + 1;
    return b->buf;
}

static PRINTF_LIKE(2, 3) const char *fmt(fixture *fx, const char *format, ...)
{
    sbuf b = pool_open(fx);
    va_list ap;
    va_start(ap, format);
    sb_vadd(&b, format, ap);
    va_end(ap);
    return pool_close(fx, &b);
}

/* A string of n copies of ch, from the pool. */
static const char *repeat(fixture *fx, char ch, size_t n)
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

/* A complete response with Content-Length; headers are extra lines, each ending in CRLF. */
static const char *response(fixture *fx, int status, const char *content_type, const char *headers,
                            const char *body)
{
    return fmt(fx, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nServer: fake\r\n%sContent-Length: %zu\r\n\r\n%s", status,
               reason(status), content_type, headers, strlen(body), body);
}

static const char *json(fixture *fx, int status, const char *body)
{
    return response(fx, status, "application/json; charset=utf-8", "", body);
}

static const char *json_h(fixture *fx, int status, const char *headers, const char *body)
{
    return response(fx, status, "application/json; charset=utf-8", headers, body);
}

/* 200 with a chunked body, `piece` bytes of body per chunk. */
static const char *chunked(fixture *fx, const char *body, size_t piece)
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

/* What dbtok must send: host_header is the Host value, body NULL for none. */
static const char *request(fixture *fx, const char *method, const char *path, const char *host_header,
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

/* The bytes at *offset of what conn received equal expected; *offset moves past them. */
static void check_sent(const fake_conn *conn, size_t *offset, const char *expected)
{
    size_t n = strlen(expected);
    if (conn->sent_len < *offset + n || memcmp(conn->sent + *offset, expected, n) != 0) {
        size_t have = conn->sent_len - *offset;
        fail_msg("request bytes differ\n--- expected (%zu bytes)\n%s\n--- sent (%zu bytes)\n%.*s\n---", n, expected,
                 have, (int)have, (const char *)conn->sent + *offset);
    }
    *offset += n;
}

/* conn received exactly `expected` and nothing else. */
static void check_only_sent(const fake_conn *conn, const char *expected)
{
    size_t off = 0;
    check_sent(conn, &off, expected);
    assert_int_equal(off, conn->sent_len);
}

static void assert_view_in_work(const fixture *fx, dbtok_str s, const char *expected)
{
    assert_non_null(s.ptr);
    assert_true((const uint8_t *)s.ptr >= fx->work && (const uint8_t *)s.ptr + s.len < fx->work + fx->work_len);
    assert_int_equal(s.ptr[s.len], 0); /* NUL-terminated */
    assert_int_equal(strlen(s.ptr), s.len); /* no embedded NUL */
    assert_int_equal(s.len, strlen(expected));
    assert_memory_equal(s.ptr, expected, s.len);
}

/* ---- list callback ------------------------------------------------------ */

#define REC_MAX 64

typedef struct {
    int calls;
    int stop_at;        /* return non-zero on this call (1-based); 0: never */
    bool views_ok;
    char id[REC_MAX][80];
    char comment[REC_MAX][80];
    int64_t created[REC_MAX];
    int64_t expiry[REC_MAX];
} list_rec;

static void rec_init(list_rec *r)
{
    memset(r, 0, sizeof *r);
    r->views_ok = true;
}

static int record_cb(void *user, const dbtok_token_info *info)
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

static const char CREATE_BODY[] =
    "{\"unknown_first\":{\"nested\":[1,2.5e3,{\"token_value\":\"decoy\"}],\"x\":null},"
    "\"token_info\":{\"owner_id\":12345,\"scopes\":[\"all-apis\",\"sql\"],\"comment\":\"device 42\","
    "\"expiry_time\":1700003600000,\"token_id\":\"" TOKEN_ID "\",\"creation_time\":1700000000000,"
    "\"autoscope_state\":{\"a\":[{}],\"b\":false},\"created_by_id\":7},"
    "\"token_value\":\"" TOKEN_VALUE "\",\"zz_trailing\":true}";

static const char LIST_BODY[] =
    "{\"token_infos\":["
    "{\"token_id\":\"id-1\",\"creation_time\":1700000000001,\"expiry_time\":-1,\"comment\":\"first\"},"
    "{\"comment\":\"second\",\"scopes\":[\"x\"],\"token_id\":\"id-2\",\"expiry_time\":1700000000003,"
    "\"creation_time\":1700000000002,\"owner_id\":9},"
    "{\"created_by_id\":1,\"token_id\":\"id-3\",\"creation_time\":5}"
    "],\"next\":{\"ignored\":[1,2,3]}}";

static void check_list_body_rec(const list_rec *r)
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
/* ======================================================================== */

static void test_create_request_bytes(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const char expected[] = "POST /api/2.0/token/create HTTP/1.1\r\n"
                                   "Host: " HOST ":8443\r\n" UA "Authorization: Bearer " BEARER "\r\n"
                                   "Accept: application/json\r\n"
                                   "Content-Type: application/json\r\n"
                                   "Content-Length: 60\r\n"
                                   "\r\n"
                                   "{\"comment\":\"provisioning device 42\",\"lifetime_seconds\":3600}";

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fx->cfg.port = 8443;
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "provisioning device 42", 3600, &out), DBTOK_OK);
    check_only_sent(conn, expected);
    assert_int_equal(conn->send_calls, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->bytes_sent, sizeof expected - 1);
    assert_int_equal(fx->pctx.transport_calls, 0);
}

static void test_create_request_fields(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);
    const char *host = HOST; /* port 0 means 443: no port in Host */
    size_t off = 0;
    int i;

    for (i = 0; i < 6; i++) {
        fake_add_response(conn, json(fx, 200, CREATE_BODY));
    }
    fx->cfg.user_agent_extra = "provisioner/2.1 os/zephyr";
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, -5, &out), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 60, &out), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, "", 0, &out), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, "c", INT64_MAX, &out), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, "neg", INT64_MIN, &out), DBTOK_OK);

    check_sent(conn, &off, request(fx, "POST", PATH_CREATE, host, "{}"));
    check_sent(conn, &off, request(fx, "POST", PATH_CREATE, host, "{}"));
    check_sent(conn, &off, request(fx, "POST", PATH_CREATE, host, "{\"lifetime_seconds\":60}"));
    check_sent(conn, &off, request(fx, "POST", PATH_CREATE, host, "{\"comment\":\"\"}"));
    check_sent(conn, &off,
               request(fx, "POST", PATH_CREATE, host, "{\"comment\":\"c\",\"lifetime_seconds\":9223372036854775807}"));
    check_sent(conn, &off, request(fx, "POST", PATH_CREATE, host, "{\"comment\":\"neg\"}"));
    /* the extra User-Agent text really is in the head */
    assert_true(fake_contains(conn->sent, conn->sent_len,
                              "\r\nUser-Agent: dbtok/" DBTOK_VERSION_STRING " provisioner/2.1 os/zephyr\r\n"));
    assert_int_equal(off, conn->sent_len);
    assert_int_equal(fx->script.connects, 1);
}

static void test_create_comment_escaped(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);
    /* quote, backslash, CR, LF, tab, BS, FF, other C0 controls, DEL, UTF-8 (2- and 4-byte) */
    static const char comment[] = "a\"b\\c\r\nd\te\bf\fg\x01h\x1fi\x7fj caf\xc3\xa9 \xf0\x9f\x98\x80 </script>";
    static const char body[] = "{\"comment\":\"a\\\"b\\\\c\\r\\nd\\te\\bf\\fg\\u0001h\\u001fi\\u007fj caf\xc3\xa9 "
                               "\xf0\x9f\x98\x80 </script>\",\"lifetime_seconds\":86400}";

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, comment, 86400, &out), DBTOK_OK);
    check_only_sent(conn, request(fx, "POST", PATH_CREATE, HOST, body));
}

static void test_create_success_parse(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    start(fx);
    memset(&out, 0xA5, sizeof out);
    assert_int_equal(dbtok_token_create(&fx->client, "device 42", 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, TOKEN_VALUE);
    assert_view_in_work(fx, out.info.token_id, TOKEN_ID);
    assert_view_in_work(fx, out.info.comment, "device 42");
    assert_int_equal(out.info.creation_time_ms, 1700000000000);
    assert_int_equal(out.info.expiry_time_ms, 1700003600000);
    assert_int_equal(last(fx)->err, DBTOK_OK);
    assert_int_equal(last(fx)->http_status, 200);
    assert_false(conn->disconnected); /* kept alive */
}

static void test_create_escapes_decoded(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 201,
                                 "{\"token_value\":\"dapi\\u0030\\/x\",\"token_info\":{\"token_id\":\"\\u0041BC\","
                                 "\"comment\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\n\\t \\u20AC \xc3\xa9\","
                                 "\"creation_time\":0,\"expiry_time\":-1}}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, "dapi0/x");
    assert_view_in_work(fx, out.info.token_id, "ABC");
    assert_view_in_work(fx, out.info.comment,
                        "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \n\t \xe2\x82\xac \xc3\xa9");
    assert_int_equal(out.info.creation_time_ms, 0);
}

static void test_create_missing_or_bad_fields(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {
        "{\"token_info\":{\"token_id\":\"x\"}}",                                       /* no token_value */
        "{\"token_info\":{\"token_id\":\"x\",\"token_value\":\"dapiX\"}}",             /* only nested */
        "{\"token_value\":\"dapiX\"}",                                                 /* no token_info */
        "{\"token_value\":\"dapiX\",\"token_info\":{\"comment\":\"c\"}}",              /* no token_id */
        "{\"token_value\":null,\"token_info\":{\"token_id\":\"x\"}}",                  /* value not a string */
        "{\"token_value\":\"dapiX\",\"token_info\":\"x\"}",                            /* info not an object */
        "{\"token_value\":\"dapiX\",\"token_info\":null}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":5}}",                 /* id not a string */
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"creation_time\":\"5\"}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"expiry_time\":1.5}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"expiry_time\":9223372036854775808}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"comment\":7}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\"},}",            /* malformed */
        "{\"token_value\":\"dapi\\u0000\",\"token_info\":{\"token_id\":\"x\"}}",       /* NUL in a string */
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\"}} {}",          /* two values */
    };
    size_t i;

    fx->script.auto_conns = true; /* whether a JSON error keeps the connection is not the point */
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
    start(fx);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_created_token out;
        dbtok_err err = dbtok_token_create(&fx->client, NULL, 0, &out);
        /* A 2xx answer says a token was made; unreadable, its value is lost. */
        if (err != DBTOK_ERR_OUTCOME_UNKNOWN) {
            fail_msg("body %zu (%s): got %d, want DBTOK_ERR_OUTCOME_UNKNOWN", i, bodies[i], (int)err);
        }
        assert_int_equal(last(fx)->err, DBTOK_ERR_OUTCOME_UNKNOWN);
        assert_int_equal(last(fx)->http_status, 200);
    }
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), i);
}

static void test_create_expiry_and_times(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 200,
                                 "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"a\",\"creation_time\":1700000000000,"
                                 "\"expiry_time\":-1}}"));
    fake_add_response(conn, json(fx, 200, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"b\"}}"));
    fake_add_response(conn, json(fx, 200,
                                 "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"c\",\"creation_time\":-0,"
                                 "\"expiry_time\":9223372036854775807}}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.creation_time_ms, 1700000000000);
    assert_int_equal(out.info.expiry_time_ms, -1);
    assert_int_equal(out.info.comment.len, 0);
    assert_non_null(out.info.comment.ptr);
    assert_int_equal(out.info.comment.ptr[0], 0);

    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.creation_time_ms, 0);  /* absent */
    assert_int_equal(out.info.expiry_time_ms, -1);   /* absent: never expires */

    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.creation_time_ms, 0);
    assert_int_equal(out.info.expiry_time_ms, INT64_MAX);
}

static void test_create_request_too_big(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 200, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"t\"}}"));
    fx->work_len = DBTOK_MIN_WORK_BUFFER;
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, repeat(fx, 'c', DBTOK_MIN_WORK_BUFFER), 0, &out),
                     DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dbtok_token_create(&fx->client, repeat(fx, 'c', DBTOK_MIN_WORK_BUFFER - 200), 0, &out),
                     DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(last(fx)->err, DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(fx->script.connects, 0);
    assert_int_equal(fake_total_sent(&fx->script), 0);
    /* and a comment that fits still works in the same small buffer */
    assert_int_equal(dbtok_token_create(&fx->client, "small", 0, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
}

/* ======================================================================== */
/* list                                                                     */
/* ======================================================================== */

static void test_list_entries_in_order(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    check_only_sent(conn, request(fx, "GET", PATH_LIST, HOST, NULL));
    assert_false(fake_contains(conn->sent, conn->sent_len, "Content-Length"));
}

static void test_list_absent_or_null_is_empty(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {"{}", "{\"token_infos\":null}", "{\"token_infos\":[]}",
                                         " \r\n\t{ \"other\" : [ ] , \"token_infos\" : null } \n"};
    list_rec rec;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
    start(fx);
    rec_init(&rec);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_err err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_OK) {
            fail_msg("body %zu (%s): got %d", i, bodies[i], (int)err);
        }
    }
    assert_int_equal(rec.calls, 0);
}

static void test_list_token_infos_not_array(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {"{\"token_infos\":{}}", "{\"token_infos\":\"x\"}", "{\"token_infos\":5}",
                                         "{\"token_infos\":true}", "{\"token_infos\":false}",
                                         "{\"token_infos\":{\"token_id\":\"a\"}}"};
    list_rec rec;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
    start(fx);
    rec_init(&rec);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_err err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_ERR_JSON) {
            fail_msg("body %zu (%s): got %d, want DBTOK_ERR_JSON", i, bodies[i], (int)err);
        }
    }
    assert_int_equal(rec.calls, 0);
}

/* The list streams: entries before a bad one have been handed out, the bad
 * one and everything after it never are, and the call fails. */
static void test_list_bad_entry_never_handed_out(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *body;
        int good; /* entries before the bad one */
    } cases[] = {
        /* the third entry lacks token_id */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\"},{\"comment\":\"no id\"}]}", 2},
        /* the last entry is not an object */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\"},\"c\"]}", 2},
        {"{\"token_infos\":[{\"token_id\":\"a\"},null]}", 1},
        /* bad times or comment in the second */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"expiry_time\":\"never\"}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"creation_time\":1e3}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"comment\":[\"x\"]}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":7}]}", 1},
        /* broken JSON after the first entry */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\" \"comment\":\"c\"}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\xff\"}]}", 1},
        /* broken JSON after the list */
        {"{\"token_infos\":[{\"token_id\":\"a\"}],}", 1},
    };
    list_rec rec;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, cases[i].body));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_err err;
        rec_init(&rec);
        err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_ERR_JSON || rec.calls != cases[i].good) {
            fail_msg("body %zu (%s): got %d after %d callbacks, want DBTOK_ERR_JSON after %d", i,
                     cases[i].body, (int)err, rec.calls, cases[i].good);
        }
    }
}

static void test_list_callback_aborts(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(c1, json(fx, 200, LIST_BODY));
    fake_add_response(c1, json(fx, 200, LIST_BODY)); /* must not be used: the connection was closed */
    fake_add_response(c2, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    rec.stop_at = 2;
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_ABORTED);
    assert_int_equal(rec.calls, 2);
    assert_int_equal(last(fx)->err, DBTOK_ERR_ABORTED);
    assert_true(c1->disconnected);
    assert_false(fx->script.open);

    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_int_equal(fx->script.connects, 2);
    assert_int_equal(c1->send_calls, 1);
    assert_int_equal(c2->send_calls, 1);
}

static void test_list_one_byte_chunks(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json_h(fx, 200, "X-Request-Id: 1234\r\n", LIST_BODY))->chunk = 1;
    fake_add_response(conn, chunked(fx, LIST_BODY, 5))->chunk = 1;
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_true(conn->recv_calls > strlen(LIST_BODY));
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_int_equal(fx->script.connects, 1);
}

static void test_list_chunked(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;
    size_t pieces[] = {1, 7, 64, 100000};
    size_t i;

    for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        fake_add_response(conn, chunked(fx, LIST_BODY, pieces[i]))->chunk = i * 13;
    }
    start(fx);
    for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        check_list_body_rec(&rec);
    }
    assert_int_equal(fx->script.connects, 1);
}

#define MANY 40 /* about 11 KB of body and jsmn tokens in the 16 KB work buffer */

static void test_list_many_tokens(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    sbuf b = pool_open(fx);
    list_rec rec;
    int i;

    sb_add(&b, "{\"token_infos\":[");
    for (i = 0; i < MANY; i++) {
        sb_add(&b, "%s{\"token_id\":\"%064d\",\"creation_time\":%d,\"expiry_time\":-1,\"comment\":\"n%d\"}",
               i > 0 ? "," : "", i, i, i);
    }
    sb_add(&b, "]}");
    fake_add_response(conn, json(fx, 200, pool_close(fx, &b)))->chunk = 1000;
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_true(rec.views_ok);
    assert_int_equal(rec.calls, MANY);
    for (i = 0; i < MANY; i++) {
        char want[16];
        snprintf(want, sizeof want, "n%d", i);
        assert_string_equal(rec.comment[i], want);
        assert_int_equal(rec.created[i], i);
    }
}

/* ======================================================================== */
/* revoke                                                                   */
/* ======================================================================== */

static void test_revoke_request_and_success(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    size_t off = 0;

    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, TOKEN_ID), DBTOK_OK);
    assert_int_equal(dbtok_token_revoke(&fx->client, "we\"ird\\id\n"), DBTOK_OK);
    check_sent(conn, &off, request(fx, "POST", PATH_DELETE, HOST, "{\"token_id\":\"" TOKEN_ID "\"}"));
    check_sent(conn, &off, request(fx, "POST", PATH_DELETE, HOST, "{\"token_id\":\"we\\\"ird\\\\id\\n\"}"));
    assert_int_equal(off, conn->sent_len);
    assert_int_equal(last(fx)->err, DBTOK_OK);
}

static void test_revoke_unknown_id(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 404,
                                 "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"No valid token with ID "
                                 "\\\"abc\\\" found.\",\"details\":[{\"@type\":\"type.googleapis.com/google.rpc."
                                 "RequestInfo\",\"request_id\":\"r-1\",\"serving_data\":\"\"}]}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "abc"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->err, DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 404);
    assert_string_equal(last(fx)->error_code, "RESOURCE_DOES_NOT_EXIST");
    assert_string_equal(last(fx)->message, "No valid token with ID \"abc\" found.");
    assert_false(last(fx)->message_truncated);
    assert_int_equal(last(fx)->retry_after_ms, 0);
    assert_false(conn->disconnected); /* an API error is a complete exchange */
}

/* ======================================================================== */
/* error mapping                                                            */
/* ======================================================================== */

static void test_error_code_integer(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 403, "{\"error_code\": 403, \"message\": \"Invalid access token.\"}"));
    fake_add_response(conn, json(fx, 500, "{}"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 403);
    assert_string_equal(last(fx)->error_code, "403");
    assert_string_equal(last(fx)->message, "Invalid access token.");

    /* nothing but a status: API error with empty code and message */
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 500);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "");
    assert_int_equal(rec.calls, 0);
}

static void test_error_retry_info(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const struct {
        const char *delay;
        uint32_t ms;
    } cases[] = {{"3.5s", 3500}, {"0.25s", 250}, {"10s", 10000}, {"1.0005s", 1000}, {"3.5", 0}, {"soon", 0}};
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn,
                          json(fx, 429,
                               fmt(fx,
                                   "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\",\"details\":["
                                   "{\"@type\":\"type.googleapis.com/google.rpc.ErrorInfo\",\"reason\":\"x\","
                                   "\"metadata\":{\"a\":\"b\"}},"
                                   "{\"@type\":\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"%s\"}]}",
                                   cases[i].delay)));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        assert_string_equal(last(fx)->error_code, "REQUEST_LIMIT_EXCEEDED");
        if (last(fx)->retry_after_ms != cases[i].ms) {
            fail_msg("retry_delay \"%s\": %u ms, want %u", cases[i].delay, (unsigned)last(fx)->retry_after_ms,
                     (unsigned)cases[i].ms);
        }
    }
}

static void test_error_retry_after_header(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 503, "Retry-After: 7\r\n",
                                   "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"busy\"}"));
    /* both: the header wins, RetryInfo is read only when there is no header */
    fake_add_response(conn, json_h(fx, 429, "Retry-After: 7\r\n",
                                   "{\"error_code\":\"RESOURCE_EXHAUSTED\",\"details\":[{\"@type\":"
                                   "\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"3.5s\"}]}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 503);
    assert_string_equal(last(fx)->error_code, "TEMPORARILY_UNAVAILABLE");
    assert_int_equal(last(fx)->retry_after_ms, 7000);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 429);
    assert_int_equal(last(fx)->retry_after_ms, 7000);
}

/* A zero Retry-After is a real answer ("now"): RetryInfo does not replace it. */
static void test_error_retry_after_zero(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 429, "Retry-After: 0\r\n",
                                   "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"details\":[{\"@type\":"
                                   "\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"3.5s\"}]}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 0);
}

/* An echoed bearer token never reaches the message a caller prints, and a
 * plain-text body ending in a newline is not "truncated". */
static void test_error_message_hides_bearer(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 403, "{\"error_code\":403,\"message\":\"bad token " BEARER " here\"}"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "Invalid Token\n"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_API);
    assert_null(strstr(last(fx)->message, BEARER));
    assert_non_null(strstr(last(fx)->message, "bad token [REDACTED]"));
    assert_non_null(strstr(last(fx)->message, " here"));
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "Invalid Token");
    assert_false(last(fx)->message_truncated);
}

/* A null comment is no comment, in a create answer and in list entries. */
static void test_null_comment_is_empty(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;

    fake_add_response(conn, json(fx, 200, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"t\",\"comment\":null}}"));
    fake_add_response(conn, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":null}]}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.comment.len, 0);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(rec.calls, 1);
}

/* ---- retries ------------------------------------------------------------- */

#define ERR_429 "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\"}"
#define ERR_503 "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"busy\"}"

/* 429 says the create was not acted on: it is sent again, after the wait
 * RetryInfo asked for, and one token results. */
/* ---- create with recovery ----------------------------------------------- */

/* The fake entropy counts up from 0, so the first marker is predictable. */
#define MARKER_1 "[dbtok:0001020304050607]"
#define MARKER_2 "[dbtok:08090a0b0c0d0e0f]"

/* The create's answer is lost after the server acted: the token carrying the
 * marker is found, revoked, and the create sent once more with a new marker. */
static void test_recover_revokes_the_orphan(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    fake_conn *list = fake_add_conn(&fx->script);
    fake_conn *revoke = fake_add_conn(&fx->script);
    fake_conn *check = fake_add_conn(&fx->script);
    fake_conn *create = fake_add_conn(&fx->script);
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(list, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"other\",\"comment\":\"x\"},"
                                           "{\"token_id\":\"orphan\",\"comment\":\"dev " MARKER_1 "\"}]}"));
    fake_add_response(revoke, json(fx, 200, "{}"));
    /* the revoke is believed once a list shows the orphan gone */
    fake_add_response(check, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"other\",\"comment\":\"x\"}]}"));
    fake_add_response(create, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 60, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
    assert_true(fake_contains(revoke->sent, revoke->sent_len, "{\"token_id\":\"orphan\"}"));
    assert_true(fake_contains(lost->sent, lost->sent_len, "\"comment\":\"dev " MARKER_1 "\""));
    assert_true(fake_contains(create->sent, create->sent_len, "\"comment\":\"dev " MARKER_2 "\""));
    /* every request of the recovery on a connection of its own */
    assert_int_equal(fx->script.connects, 5);
}

/* Nothing carries the marker (the create never took effect), or the orphan
 * is gone already (404): either way the create is sent again. */
static void test_recover_without_orphan(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 3;
    r->end = FAKE_END_CLOSE;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"" MARKER_1 "\"}]}"));
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"gone\"}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 2);
    /* no comment given: the marker alone */
    assert_true(fake_contains(lost->sent, lost->sent_len, "{\"comment\":\"" MARKER_1 "\"}"));
}

/* The recovery's own list fails: a token may exist, and the caller is told. */
static void test_recover_list_fails(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_conn(&fx->script)->connect_err = DBTOK_ERR_CONNECT;
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    assert_int_equal(dbtok_token_create_recover(NULL, "dev", 0, &out), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, NULL), DBTOK_ERR_INVALID_ARG);
}

/* Every answer lost, every orphan removed: an error, and no token left. */
static void test_recover_gives_up(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    int round;

    /* Each lost create closes its connection; each list of the recovery
     * and each create after it opens one of its own. */
    for (round = 0; round < 3; round++) {
        fake_response *r = fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
        r->cut = true;
        r->cut_at = 0;
        r->end = FAKE_END_RESET;
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    }
    start(fx);
    /* No list showed a marker: the creates may yet be acted on, so that no
     * token exists is not known. */
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 3);
}

/* Every answer lost, but each create's token found by its marker and
 * revoked: then it is certain that none of the call's tokens exists. */
static void test_recover_gives_up_all_revoked(void **state)
{
    fixture *fx = *state;
    static const char *const markers[3] = {MARKER_1, MARKER_2, "[dbtok:1011121314151617]"};
    dbtok_created_token out;
    int round;

    for (round = 0; round < 3; round++) {
        char body[160];
        fake_response *r = fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
        r->cut = true;
        r->cut_at = 0;
        r->end = FAKE_END_RESET;
        snprintf(body, sizeof body, "{\"token_infos\":[{\"token_id\":\"o%d\",\"comment\":\"dev %s\"}]}", round,
                 markers[round]);
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, body));
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    }
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_IO);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 6);
}

/* A token of an earlier round that shows up in the list only later (the
 * service's list lagging behind its create) is still found and revoked:
 * each list looks for every marker of the call. */
static void test_recover_finds_late_orphan(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_response *r;
    fake_conn *revoke;

    r = fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    r->cut = true;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{\"token_infos\":[]}"));
    r = fake_add_response(fake_add_conn(&fx->script), response(fx, 502, "text/html", "", "<html>502</html>"));
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"late\",\"comment\":\"dev " MARKER_1 "\"},"
                                    "{\"token_id\":\"now\",\"comment\":\"dev " MARKER_2 "\"}]}"));
    revoke = fake_add_conn(&fx->script);
    fake_add_response(revoke, json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"now\",\"comment\":\"dev " MARKER_2 "\"}]}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_OK);
    assert_true(fake_contains(revoke->sent, revoke->sent_len, "{\"token_id\":\"late\"}"));
    assert_true(fake_contains(fx->script.conns[6].sent, fx->script.conns[6].sent_len, "{\"token_id\":\"now\"}"));
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 4);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
}

/* A RetryInfo whose delay cannot be read is no hint: dbtok's own backoff
 * applies, not an immediate retry. */
static void test_retry_garbled_retry_info(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"details\":[{\"@type\":"
                                          "\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"soon\"}]}"));
    fake_add_response(conn, json(fx, 200, LIST_BODY));
    with_sleep(fx);
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(fx->pctx.sleep_count, 1);
    assert_in_range(fx->pctx.sleeps[0], DBTOK_DEFAULT_RETRY_BASE_MS / 2, DBTOK_DEFAULT_RETRY_BASE_MS);
}

static void test_retry_429_then_create(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"details\":[{\"@type\":"
                                          "\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"1.5s\"}]}"));
    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_int_equal(fx->pctx.sleep_count, 1);
    assert_int_equal(fx->pctx.sleeps[0], 1500);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 2);
    assert_int_equal(last(fx)->attempts, 2);
}

/* Without a hint: base doubling up to the cap, each wait between half and
 * all of it; then the answer comes. */
static void test_retry_backoff_doubles_to_cap(void **state)
{
    fixture *fx = *state;
    static const uint32_t expected[] = {1000, 2000, 4000, 4000, 4000};
    list_rec rec;
    unsigned i;

    fx->script.auto_conns = true;
    for (i = 0; i < 5; i++) {
        fake_queue_response(&fx->script, json(fx, 503, ERR_503));
    }
    fake_queue_response(&fx->script, json(fx, 200, LIST_BODY));
    fx->cfg.retry.max_attempts = 6;
    fx->cfg.retry.base_ms = 1000;
    fx->cfg.retry.max_ms = 4000;
    fx->cfg.retry.deadline_ms = 1000000;
    with_sleep(fx);
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(fx->pctx.sleep_count, 5);
    for (i = 0; i < 5; i++) {
        if (fx->pctx.sleeps[i] < expected[i] / 2 || fx->pctx.sleeps[i] > expected[i]) {
            fail_msg("wait %u was %u ms, want %u..%u", i, fx->pctx.sleeps[i], expected[i] / 2, expected[i]);
        }
    }
    assert_int_equal(last(fx)->attempts, 6);
}

static void test_retry_gives_up_after_max_attempts(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    unsigned i;

    fx->script.auto_conns = true;
    for (i = 0; i < 6; i++) {
        fake_queue_response(&fx->script, json_h(fx, 429, "Retry-After: 1\r\n", ERR_429));
    }
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_API);
    assert_int_equal(last(fx)->attempts, DBTOK_DEFAULT_MAX_ATTEMPTS);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), DBTOK_DEFAULT_MAX_ATTEMPTS);
    assert_int_equal(fx->pctx.sleep_count, DBTOK_DEFAULT_MAX_ATTEMPTS - 1);
    assert_int_equal(fx->pctx.sleeps[0], 1000);
    assert_string_equal(last(fx)->error_code, "REQUEST_LIMIT_EXCEEDED");
}

/* A wait that would end past the call's deadline is not taken. */
static void test_retry_stops_at_deadline(void **state)
{
    fixture *fx = *state;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json_h(fx, 503, "Retry-After: 2\r\n", ERR_503));
    fake_queue_response(&fx->script, json_h(fx, 503, "Retry-After: 2\r\n", ERR_503));
    fake_queue_response(&fx->script, json(fx, 200, LIST_BODY));
    fx->cfg.retry.deadline_ms = 3000;
    with_sleep(fx);
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(fx->pctx.sleep_count, 1);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
    assert_int_equal(last(fx)->retry_after_ms, 2000);
}

/* A create whose request went out whole is never sent again, retries or not. */
static void test_retry_never_resends_a_sent_create(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(conn, json(fx, 200, CREATE_BODY));
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200, CREATE_BODY));
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    assert_int_equal(fx->pctx.sleep_count, 0);
}

/* A refused connection: nothing was sent, so even a create is tried again. */
static void test_retry_after_connect_failure(void **state)
{
    fixture *fx = *state;
    fake_conn *refused = fake_add_conn(&fx->script);
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    refused->connect_err = DBTOK_ERR_CONNECT;
    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_int_equal(fx->script.connects, 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    assert_int_equal(fx->pctx.sleep_count, 1);
}

/* Retry-After as an HTTP-date, read against the port's wall clock. */
static void test_retry_after_http_date(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    /* Sun, 06 Nov 1994 08:49:37 GMT is 784111777. */
    fake_add_response(conn, json_h(fx, 503, "Retry-After: Sun, 06 Nov 1994 08:49:40 GMT\r\n", ERR_503));
    fake_add_response(conn, json(fx, 200, LIST_BODY));
    fx->pctx.unix_time = 784111777;
    fx->port.unix_time = fake_port_unix_time;
    with_sleep(fx);
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(fx->pctx.sleep_count, 1);
    assert_int_equal(fx->pctx.sleeps[0], 3000);
}

/* A port that cannot wait gets one try. */
static void test_no_sleep_no_retry(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 503, ERR_503));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(last(fx)->attempts, 1);
}

/* ---- the fault matrix: every answer cut, and reset, at every byte ---------- */

typedef enum { OP_CREATE, OP_LIST, OP_REVOKE } matrix_op;

static dbtok_err run_op(fixture *fx, matrix_op op, list_rec *rec)
{
    dbtok_created_token out;
    rec_init(rec);
    switch (op) {
    case OP_CREATE:
        return dbtok_token_create(&fx->client, "matrix", 60, &out);
    case OP_LIST:
        return dbtok_token_list(&fx->client, record_cb, rec);
    default:
        return dbtok_token_revoke(&fx->client, "abc");
    }
}

static void cut_everywhere(fixture *fx, matrix_op op, const char *response)
{
    static const fake_end ends[] = {FAKE_END_CLOSE, FAKE_END_RESET};
    size_t len = strlen(response);
    size_t at;
    size_t e;

    for (e = 0; e < sizeof ends / sizeof ends[0]; e++) {
        for (at = 0; at < len; at++) {
            fake_conn *conn;
            fake_response *r;
            list_rec rec;
            dbtok_err err;

            restart(fx);
            conn = fake_add_conn(&fx->script);
            r = fake_add_response(conn, response);
            r->cut = true;
            r->cut_at = at;
            r->end = ends[e];
            r->chunk = 5;
            /* A list may be asked for again: that second try is refused. */
            fake_add_conn(&fx->script)->connect_err = DBTOK_ERR_CONNECT;
            err = run_op(fx, op, &rec);
            if (err == DBTOK_OK || (op == OP_CREATE && err != DBTOK_ERR_OUTCOME_UNKNOWN) ||
                (op == OP_REVOKE && err != DBTOK_ERR_IO && err != DBTOK_ERR_PROTOCOL) ||
                (op == OP_LIST && err != DBTOK_ERR_IO && err != DBTOK_ERR_PROTOCOL && err != DBTOK_ERR_CONNECT)) {
                fail_msg("op %d cut at %zu (end %zu): got %d", (int)op, at, e, (int)err);
            }
            if (fx->pctx.log_len > 0 && fake_contains(fx->pctx.log, fx->pctx.log_len, BEARER)) {
                fail_msg("the bearer token reached the log (op %d cut at %zu)", (int)op, at);
            }
            assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), op == OP_CREATE ? 1 : 0);
        }
    }
}

static void test_fault_matrix_every_byte(void **state)
{
    fixture *fx = *state;
    start(fx);
    cut_everywhere(fx, OP_CREATE, json(fx, 200, CREATE_BODY));
    cut_everywhere(fx, OP_LIST, json(fx, 200, LIST_BODY));
    cut_everywhere(fx, OP_LIST,
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "7;x=1\r\n{\"token\r\n1b\r\n_infos\":[{\"token_id\":\"a\"}]}\r\n0\r\nX-T: 1\r\n\r\n");
    cut_everywhere(fx, OP_REVOKE, json(fx, 200, "{}"));
    cut_everywhere(fx, OP_REVOKE,
                   json(fx, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"No valid token\"}"));
}

static void test_error_message_truncated(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    const size_t fit = DBTOK_MAX_ERROR_MESSAGE_LEN - 1;
    const char *exact = repeat(fx, 'e', fit);
    const char *longer = repeat(fx, 'm', fit + 1);
    const char *much = repeat(fx, 'z', 3 * DBTOK_MAX_ERROR_MESSAGE_LEN);
    const char *long_code = repeat(fx, 'C', 2 * DBTOK_MAX_ERROR_CODE_LEN);

    fake_add_response(conn, json(fx, 400, fmt(fx, "{\"error_code\":\"E\",\"message\":\"%s\"}", exact)));
    fake_add_response(conn, json(fx, 400, fmt(fx, "{\"error_code\":\"E\",\"message\":\"%s\"}", longer)));
    fake_add_response(conn, json(fx, 400, fmt(fx, "{\"error_code\":\"%s\",\"message\":\"%s\"}", long_code, much)));
    start(fx);

    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->message, exact);
    assert_false(last(fx)->message_truncated);

    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(strlen(last(fx)->message), fit);
    assert_memory_equal(last(fx)->message, longer, fit);
    assert_true(last(fx)->message_truncated);

    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(strlen(last(fx)->message), fit);
    assert_true(last(fx)->message_truncated);
    assert_int_equal(strlen(last(fx)->error_code), DBTOK_MAX_ERROR_CODE_LEN - 1);
    assert_memory_equal(last(fx)->error_code, long_code, DBTOK_MAX_ERROR_CODE_LEN - 1);
}

static void test_redirect(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;

    fake_add_response(conn, "HTTP/1.1 302 Found\r\nLocation: https://" HOST "/login?next_url=%2Fapi\r\n"
                            "Content-Length: 0\r\n\r\n");
    fake_add_response(conn, json_h(fx, 301, "Location: https://elsewhere/\r\n", CREATE_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_REDIRECT);
    assert_int_equal(last(fx)->err, DBTOK_ERR_REDIRECT);
    assert_int_equal(last(fx)->http_status, 302);
    assert_int_equal(rec.calls, 0);
    /* a 3xx is never a success, even with a body that would parse; after a
     * create it cannot prove that no token was made */
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(last(fx)->http_status, 301);
    assert_int_equal(fake_complete_requests(&fx->script, NULL), 2);
}

static const char LOGIN_PAGE[] =
    "<!DOCTYPE html>\n<html><head><title>Databricks - Sign In</title></head>"
    "<body><form action=\"/login.html\">{\"token_infos\":[]}</form></body></html>\n";

static void test_html_login_page_200(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, response(fx, 200, "text/html; charset=utf-8", "", LOGIN_PAGE));
    fake_queue_response(&fx->script, response(fx, 200, "text/html; charset=utf-8", "", LOGIN_PAGE));
    fake_queue_response(&fx->script, response(fx, 200, "text/html", "", LOGIN_PAGE));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_NOT_JSON);
    assert_int_equal(rec.calls, 0);
    assert_int_equal(last(fx)->http_status, 200);
    assert_string_equal(last(fx)->message, "");
    /* a 2xx that is not a token: one may have been made */
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(last(fx)->http_status, 200);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->err, DBTOK_ERR_NOT_JSON);
}

static void test_proxy_503_html(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, response(fx, 503, "text/html", "Retry-After: 30\r\n",
                                     "<html><body><h1>503 Service Unavailable</h1>No webapps are available"
                                     "</body></html>"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->http_status, 503);
    assert_int_equal(last(fx)->retry_after_ms, 30000);
    assert_string_equal(last(fx)->error_code, "");
    assert_int_equal(rec.calls, 0);
}

/* Every result has its own text; an unknown value still gets one. */
static void test_strerror_names_every_error(void **state)
{
    const char *seen[32];
    int e;
    int k;
    (void)state;
    for (e = DBTOK_OK; e >= DBTOK_ERR_CRYPTO; e--) {
        const char *text = dbtok_strerror((dbtok_err)e);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        assert_string_not_equal(text, "unknown error");
        for (k = 0; k < -e; k++) {
            assert_string_not_equal(text, seen[k]);
        }
        seen[-e] = text;
    }
    assert_string_equal(dbtok_strerror((dbtok_err)(DBTOK_ERR_CRYPTO - 1)), "unknown error");
    assert_string_equal(dbtok_strerror((dbtok_err)1), "unknown error");
}

static void test_plain_text_400(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, response(fx, 400, "text/plain", "", "Invalid Token"));
    fake_add_response(conn, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    fake_add_response(conn, response(fx, 400, "text/plain", "", "bad\x01\xc3\xa9 byte"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->http_status, 400);
    assert_string_equal(last(fx)->message, "Invalid Token");
    assert_false(last(fx)->message_truncated);
    /* an empty body is not JSON either */
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->http_status, 500);
    assert_string_equal(last(fx)->message, "");
    /* non-printable bytes never reach the message */
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "bad??? byte");
}

static void test_json_array_top_level(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200, "[{\"token_id\":\"a\"}]"));
    fake_queue_response(&fx->script, json(fx, 200, "[\"" TOKEN_VALUE "\"]"));
    fake_queue_response(&fx->script, json(fx, 400, "[1,2]"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_JSON);
    assert_int_equal(rec.calls, 0);
    assert_int_equal(last(fx)->http_status, 200);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_JSON);
    assert_int_equal(last(fx)->http_status, 400);
}

static void test_malformed_http(void **state)
{
    fixture *fx = *state;
    /* The head's status is reported once the head is whole, even when the
     * body then breaks: the last one. */
    static const char *const bad[] = {
        "HTTP/1.1 2x0 OK\r\nContent-Length: 2\r\n\r\n{}",
        "<html>not http</html>\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nBad Header\r\nContent-Length: 2\r\n\r\n{}",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n",
    };
    static const int status[] = {0, 0, 0, 0, 0, 200};
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        list_rec rec;
        dbtok_err err;
        fake_conn *c1;
        fake_conn *c2;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c1, bad[i]);
        fake_add_response(c2, json(fx, 200, LIST_BODY)); /* a retry would land here */
        rec_init(&rec);
        err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_ERR_PROTOCOL) {
            fail_msg("response %zu: got %d, want DBTOK_ERR_PROTOCOL", i, (int)err);
        }
        assert_int_equal(rec.calls, 0);
        assert_int_equal(last(fx)->http_status, status[i]);
        assert_true(c1->disconnected);
        assert_int_equal(fx->script.connects, 1);
    }
}

static void test_body_too_large(void **state)
{
    fixture *fx = *state;
    sbuf b = pool_open(fx);
    const char *many;
    dbtok_created_token out;
    list_rec rec;
    int i;

    /* an error body whose JSON tokens do not fit behind it */
    sb_add(&b, "{\"error_code\":\"E\",\"details\":[");
    for (i = 0; i < 60; i++) {
        sb_add(&b, "%s{\"a\":1}", i > 0 ? "," : "");
    }
    sb_add(&b, "]}");
    many = pool_close(fx, &b);

    fx->script.auto_conns = true;
    /* a string outside the entries larger than the buffer */
    fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"pad\":\"%s\",\"token_infos\":[]}",
                                                        repeat(fx, 'p', DBTOK_MIN_WORK_BUFFER + 100))));
    /* one entry larger than the buffer */
    fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"%s\"},"
                                                           "{\"token_id\":\"b\"}]}",
                                                        repeat(fx, 'c', DBTOK_MIN_WORK_BUFFER + 100))));
    fake_queue_response(&fx->script, json(fx, 404, many));
    /* a create answer that cannot be read: its outcome is unknown */
    fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"t\","
                                                           "\"comment\":\"%s\"}}",
                                                        repeat(fx, 'c', DBTOK_MIN_WORK_BUFFER))));
    fx->work_len = DBTOK_MIN_WORK_BUFFER;
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(last(fx)->err, DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(fx->script.connects, 1); /* not retried */
    assert_true(fx->script.conns[0].disconnected);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(fx->script.connects, 2);
    assert_int_equal(rec.calls, 0);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
}

/*
 * The JSON tokens of a response live in the work buffer behind its body.
 * Walk the body size and token count across the point where they stop
 * fitting: every answer is a success or BUFFER_TOO_SMALL (once too small,
 * always too small), and nothing is written past work_len (a canary follows).
 */
#define CANARY 256u

static void test_work_buffer_bounds(void **state)
{
    fixture *fx = *state;
    const size_t limit = DBTOK_MIN_WORK_BUFFER;
    bool too_small = false;
    int k;
    size_t i;

    fx->script.auto_conns = true;
    for (k = 1; k <= 120; k++) {
        sbuf b = pool_open(fx);
        int j;
        sb_add(&b, "{\"a\":[");
        for (j = 0; j < k; j++) {
            sb_add(&b, "%s1", j > 0 ? "," : "");
        }
        sb_add(&b, "]}");
        fake_queue_response(&fx->script, json(fx, 200, pool_close(fx, &b)));
    }
    /* bodies of about the buffer's size, for the receive path */
    for (i = limit - 4; i <= limit + 4; i++) {
        fake_queue_response(&fx->script,
                            json(fx, 200, fmt(fx, "{\"a\":\"%s\"}", repeat(fx, 'p', i - 8))))->chunk = 100;
    }
    fx->work_len = limit;
    memset(fx->work + limit, 0xC5, CANARY);
    start(fx);
    for (k = 1; k <= 120; k++) {
        dbtok_err err = dbtok_token_revoke(&fx->client, "x");
        if (err != DBTOK_OK && err != DBTOK_ERR_BUFFER_TOO_SMALL) {
            fail_msg("%d elements: got %d", k, (int)err);
        }
        if (too_small && err == DBTOK_OK) {
            fail_msg("%d elements fit after fewer did not", k);
        }
        too_small = err != DBTOK_OK;
        for (i = 0; i < CANARY; i++) {
            if (fx->work[limit + i] != 0xC5) {
                fail_msg("%d elements: byte %zu past the work buffer was written", k, i);
            }
        }
    }
    assert_true(too_small); /* the walk did cross the limit */
    for (k = 0; k <= 8; k++) {
        assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_BUFFER_TOO_SMALL);
        for (i = 0; i < CANARY; i++) {
            if (fx->work[limit + i] != 0xC5) {
                fail_msg("body of %zu bytes: byte %zu past the work buffer was written", limit - 4 + (size_t)k, i);
            }
        }
    }
}

static void test_error_reset_between_calls(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 429, "Retry-After: 2\r\n",
                                   "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"m\"}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 2000);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_int_equal(last(fx)->err, DBTOK_OK);
    assert_int_equal(last(fx)->http_status, 200);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "");
    assert_int_equal(last(fx)->retry_after_ms, 0);
}

/* ======================================================================== */
/* the never-twice rule, retries and connection reuse                       */
/* ======================================================================== */

static void test_create_lost_answer_is_outcome_unknown(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        int cut;        /* offset into the response; -1: its head length; -2: a few bytes before its end */
        fake_end end;
        bool garbage;   /* answer with a malformed response instead */
        int status;     /* what the head said, when it arrived whole */
    } cases[] = {
        {"reset at 0", 0, FAKE_END_RESET, false, 0},
        {"close at 0", 0, FAKE_END_CLOSE, false, 0},
        {"timeout at 0", 0, FAKE_END_TIMEOUT, false, 0},
        {"reset mid-head", 10, FAKE_END_RESET, false, 0},
        {"close after head", -1, FAKE_END_CLOSE, false, 200},
        {"close mid-body", -2, FAKE_END_CLOSE, false, 200},
        {"reset mid-body", -2, FAKE_END_RESET, false, 200},
        {"timeout mid-body", -2, FAKE_END_TIMEOUT, false, 200},
        {"malformed response", 0, FAKE_END_CLOSE, true, 0},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_created_token out;
        const char *ok = json(fx, 200, CREATE_BODY);
        fake_conn *c1;
        fake_conn *c2;
        fake_response *r;
        dbtok_err err;

        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c2, ok); /* a second create would "succeed" here */
        if (cases[i].garbage) {
            r = fake_add_response(c1, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}");
        } else {
            r = fake_add_response(c1, ok);
            r->cut = true;
            r->end = cases[i].end;
            r->cut_at = cases[i].cut == -1   ? (size_t)(strstr(ok, "\r\n\r\n") + 4 - ok)
                        : cases[i].cut == -2 ? strlen(ok) - 5
                                             : (size_t)cases[i].cut;
        }
        r->chunk = 7;
        err = dbtok_token_create(&fx->client, "device 42", 3600, &out);
        if (err != DBTOK_ERR_OUTCOME_UNKNOWN) {
            fail_msg("%s: got %d, want DBTOK_ERR_OUTCOME_UNKNOWN", cases[i].name, (int)err);
        }
        assert_int_equal(last(fx)->err, DBTOK_ERR_OUTCOME_UNKNOWN);
        assert_int_equal(last(fx)->http_status, cases[i].status);
        if (fake_complete_requests(&fx->script, START_CREATE) != 1 || fx->script.connects != 1 ||
            c2->sent_len != 0) {
            fail_msg("%s: %u complete creates over %u connects", cases[i].name,
                     fake_complete_requests(&fx->script, START_CREATE), fx->script.connects);
        }
        assert_true(c1->disconnected);
        assert_false(dbtok__state_of(&fx->client)->connected);
    }
}

/* A create whose sending broke off never reached the server whole: it is
 * sent again, as one more of its max_attempts, on a new connection. */
static void test_create_send_broken_is_sent_again(void **state)
{
    fixture *fx = *state;
    size_t full;
    size_t fail_after[3];
    size_t i;

    with_sleep(fx);
    {
        /* measure the request */
        dbtok_created_token out;
        fake_conn *c = fake_add_conn(&fx->script);
        fake_add_response(c, json(fx, 200, CREATE_BODY));
        start(fx);
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_OK);
        full = c->sent_len;
    }
    fail_after[0] = 0;
    fail_after[1] = 10;
    fail_after[2] = full - 1; /* all but the last byte */

    for (i = 0; i < 3; i++) {
        dbtok_created_token out;
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        c1->send_fails = true;
        c1->send_fail_after = fail_after[i];
        fake_add_response(c1, json(fx, 200, CREATE_BODY));
        fake_add_response(c2, json(fx, 200, CREATE_BODY));
        fake_add_response(c3, json(fx, 200, CREATE_BODY));
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_OK);
        assert_view_in_work(fx, out.token_value, TOKEN_VALUE);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(c1->sent_len, fail_after[i]);
        assert_true(c1->disconnected);
        assert_int_equal(c1->recv_calls, 0);
        assert_int_equal(c2->sent_len, full);
        assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
        assert_int_equal(c3->sent_len, 0);
        assert_int_equal(last(fx)->attempts, 2);
    }

    /* broken twice with two attempts allowed: the error, never a third */
    fx->cfg.retry.max_attempts = 2;
    {
        dbtok_created_token out;
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        c1->send_fails = true;
        c1->send_fail_after = 5;
        c2->send_fails = true;
        c2->send_fail_after = 50;
        c2->send_err = DBTOK_ERR_TIMEOUT;
        fake_add_response(c3, json(fx, 200, CREATE_BODY));
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_ERR_TIMEOUT);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 0);
        assert_int_equal(c3->sent_len, 0);
        assert_int_equal(last(fx)->attempts, 2);
    }

    /* one attempt allowed: a broken send is the answer */
    fx->cfg.retry.max_attempts = 1;
    {
        dbtok_created_token out;
        fake_conn *c1;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c1->send_fails = true;
        c1->send_fail_after = 5;
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_ERR_IO);
        assert_int_equal(fx->script.connects, 1);
        assert_int_equal(last(fx)->attempts, 1);
    }
}

static void test_list_lost_answer_retried_once(void **state)
{
    fixture *fx = *state;
    with_sleep(fx);
    static const struct {
        const char *name;
        size_t cut;
        fake_end end;
    } cases[] = {{"reset at 0", 0, FAKE_END_RESET}, {"close at 0", 0, FAKE_END_CLOSE}};
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        fake_response *r;
        list_rec rec;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        r = fake_add_response(c1, json(fx, 200, LIST_BODY));
        r->cut = true;
        r->cut_at = cases[i].cut;
        r->end = cases[i].end;
        fake_add_response(c2, json(fx, 200, LIST_BODY));
        fake_add_response(c3, json(fx, 200, LIST_BODY));
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        check_list_body_rec(&rec); /* each token once */
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
        assert_int_equal(last(fx)->attempts, 2);
        assert_true(c1->disconnected);
        assert_false(c2->disconnected);
        assert_int_equal(c3->sent_len, 0);
    }

    /* the kept-alive connection turns out dead when the answer is read */
    {
        fake_conn *c1;
        fake_conn *c2;
        fake_response *r;
        list_rec rec;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c1, json(fx, 200, LIST_BODY));
        r = fake_add_response(c1, NULL);
        r->end = FAKE_END_RESET;
        fake_add_response(c2, json(fx, 200, LIST_BODY));
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        check_list_body_rec(&rec);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 3);
    }
}

/* max_attempts bounds the requests the server sees, whatever broke: each
 * attempt is one request, and error.attempts counts them. */
static void test_list_lost_gives_up_at_max_attempts(void **state)
{
    fixture *fx = *state;
    uint8_t max;

    with_sleep(fx);
    for (max = 1; max <= 4; max++) {
        fake_conn *conns[5];
        list_rec rec;
        unsigned k;
        fx->cfg.retry.max_attempts = max;
        restart(fx);
        for (k = 0; k < 5; k++) {
            conns[k] = fake_add_conn(&fx->script);
            if (k < 4) {
                fake_add_response(conns[k], NULL)->end = FAKE_END_RESET;
            } else {
                fake_add_response(conns[k], json(fx, 200, LIST_BODY));
            }
        }
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_IO);
        assert_int_equal(last(fx)->err, DBTOK_ERR_IO);
        assert_int_equal(fx->script.connects, max);
        assert_int_equal(fake_complete_requests(&fx->script, START_LIST), max);
        assert_int_equal(last(fx)->attempts, max);
        assert_int_equal(dbtok__state_of(&fx->client)->stats.requests, max);
        assert_int_equal(conns[4]->sent_len, 0);
        assert_int_equal(rec.calls, 0);
    }
}

/*
 * The answer breaks off mid-body. Whether the list is sent again or the
 * loss is reported, no entry may reach the callback twice, and if the call
 * succeeds every entry arrived once, in order.
 */
static void test_list_lost_mid_body_no_duplicates(void **state)
{
    fixture *fx = *state;
    static const char *const cut_after[] = {
        "{\"token_infos\":[",                          /* before the first entry */
        "{\"token_infos\":[{\"token_id\":\"id-1\",",    /* inside the first */
        "\"comment\":\"first\"},",                      /* after the first */
        "\"comment\":\"second\",\"scopes\":[\"x\"],",    /* inside the second */
    };
    size_t i;

    for (i = 0; i < sizeof cut_after / sizeof cut_after[0]; i++) {
        const char *ok = json(fx, 200, LIST_BODY);
        const char *mark = strstr(ok, cut_after[i]);
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        fake_response *r;
        list_rec rec;
        dbtok_err err;
        int k;

        assert_non_null(mark);
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        r = fake_add_response(c1, ok);
        r->cut = true;
        r->cut_at = (size_t)(mark - ok) + strlen(cut_after[i]);
        r->end = FAKE_END_RESET;
        r->chunk = 16;
        fake_add_response(c2, ok);
        fake_add_response(c3, ok);
        rec_init(&rec);
        err = dbtok_token_list(&fx->client, record_cb, &rec);
        assert_true(rec.views_ok);
        for (k = 1; k < rec.calls && k < REC_MAX; k++) {
            int m;
            for (m = 0; m < k; m++) {
                if (strcmp(rec.id[k], rec.id[m]) == 0) {
                    fail_msg("cut %zu: entry %s handed out twice", i, rec.id[k]);
                }
            }
        }
        if (err == DBTOK_OK) {
            check_list_body_rec(&rec);
            assert_int_equal(fx->script.connects, 2);
        } else if (err != DBTOK_ERR_IO) {
            fail_msg("cut %zu: got %d, want DBTOK_OK or DBTOK_ERR_IO", i, (int)err);
        }
        assert_int_equal(c3->sent_len, 0);
    }
}

static void test_list_timeout_not_retried(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(c1, NULL)->end = FAKE_END_TIMEOUT;
    fake_add_response(c2, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_TIMEOUT);
    assert_int_equal(fx->script.connects, 1);
    assert_true(c1->disconnected);
    assert_int_equal(c2->sent_len, 0);
}

static void test_revoke_lost_answer_sent_once(void **state)
{
    fixture *fx = *state;
    static const fake_end ends[] = {FAKE_END_RESET, FAKE_END_CLOSE, FAKE_END_TIMEOUT};
    static const dbtok_err want[] = {DBTOK_ERR_IO, DBTOK_ERR_IO, DBTOK_ERR_TIMEOUT};
    size_t i;

    for (i = 0; i < 3; i++) {
        fake_conn *c1;
        fake_conn *c2;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c1, NULL)->end = ends[i];
        fake_add_response(c2, json(fx, 200, "{}"));
        assert_int_equal(dbtok_token_revoke(&fx->client, TOKEN_ID), want[i]);
        assert_int_equal(last(fx)->err, want[i]);
        assert_int_equal(fx->script.connects, 1);
        assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 1);
        assert_int_equal(c2->sent_len, 0);
    }
}

static void test_connect_failure(void **state)
{
    fixture *fx = *state;
    static const dbtok_err errs[] = {DBTOK_ERR_CONNECT, DBTOK_ERR_DNS, DBTOK_ERR_TIMEOUT, DBTOK_ERR_TLS,
                                     DBTOK_ERR_CERT_VERIFY};
    size_t i;

    for (i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        dbtok_created_token out;
        list_rec rec;
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        c1->connect_err = errs[i];
        c2->connect_err = errs[i];
        fake_add_response(c3, json(fx, 200, CREATE_BODY));
        /* nothing was sent: the plain error, not OUTCOME_UNKNOWN, and no retry */
        assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), errs[i]);
        assert_int_equal(last(fx)->err, errs[i]);
        assert_int_equal(fx->script.connects, 1);
        assert_int_equal(fake_total_sent(&fx->script), 0);
        assert_int_equal(dbtok_get_stats(&fx->client)->connects, 0);
        assert_int_equal(dbtok_get_stats(&fx->client)->requests, 0);
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), errs[i]);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_total_sent(&fx->script), 0);
    }
}

static void test_keep_alive_one_connection(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;
    size_t off = 0;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fake_add_response(conn, json(fx, 200, LIST_BODY));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "k", 60, &out), DBTOK_OK);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_int_equal(dbtok_token_revoke(&fx->client, "id-1"), DBTOK_OK);
    assert_int_equal(fx->script.connects, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->connects, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 3);
    assert_int_equal(conn->reuse_checks, 2);
    assert_false(conn->disconnected);
    check_sent(conn, &off, request(fx, "POST", PATH_CREATE, HOST, "{\"comment\":\"k\",\"lifetime_seconds\":60}"));
    check_sent(conn, &off, request(fx, "GET", PATH_LIST, HOST, NULL));
    check_sent(conn, &off, request(fx, "POST", PATH_DELETE, HOST, "{\"token_id\":\"id-1\"}"));
    assert_int_equal(off, conn->sent_len);
}

static void test_connection_close_reconnects(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    fake_conn *c3 = fake_add_conn(&fx->script);
    fake_conn *c4 = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(c1, json_h(fx, 200, "Connection: close\r\n", LIST_BODY));
    fake_add_response(c1, json(fx, 200, LIST_BODY)); /* must not be used */
    /* HTTP/1.0 without keep-alive closes too */
    fake_add_response(c2, fmt(fx, "HTTP/1.0 200 OK\r\nContent-Length: %zu\r\n\r\n%s", strlen(LIST_BODY), LIST_BODY));
    /* a body delimited by the close */
    fake_add_response(c3, fmt(fx, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n%s", LIST_BODY));
    fake_add_response(c4, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_true(c1->disconnected);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_true(c2->disconnected);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_true(c3->disconnected);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(fx->script.connects, 4);
    assert_int_equal(c1->send_calls, 1);
    assert_int_equal(c1->reuse_checks, 0); /* closed, never probed */
}

static void test_stray_bytes_not_reused(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(c1, fmt(fx, "%sHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}", json(fx, 200, "{}")));
    fake_add_response(c2, json(fx, 200, LIST_BODY));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_true(c1->disconnected);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_int_equal(fx->script.connects, 2);
}

static void test_idle_close_reconnects_before_sending(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;
    size_t first;

    fake_add_response(c1, json(fx, 200, LIST_BODY));
    fake_add_response(c1, json(fx, 200, CREATE_BODY)); /* would answer, but the server closed the connection */
    c1->closed_when_idle = true;
    fake_add_response(c2, json(fx, 200, CREATE_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    first = c1->sent_len;
    assert_int_equal(dbtok_token_create(&fx->client, "after idle", 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, TOKEN_VALUE);
    assert_int_equal(c1->reuse_checks, 1);
    assert_true(c1->disconnected);
    assert_int_equal(c1->sent_len, first); /* nothing sent into the dead connection */
    assert_int_equal(c1->send_calls, 1);
    assert_int_equal(fx->script.connects, 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    check_only_sent(c2, request(fx, "POST", PATH_CREATE, HOST, "{\"comment\":\"after idle\"}"));
}

/* ======================================================================== */
/* secrets                                                                  */
/* ======================================================================== */

static void test_trace_redacts_bearer(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_false(fx->pctx.log_overflow);
    assert_non_null(strstr(fx->pctx.log, "> GET /api/2.0/token/list HTTP/1.1\n"));
    assert_non_null(strstr(fx->pctx.log, "> Authorization: Bearer [REDACTED]\n"));
    assert_non_null(strstr(fx->pctx.log, "< HTTP/1.1 200 OK\n"));
    assert_non_null(strstr(fx->pctx.log, "id-2")); /* the body was traced */
    assert_null(strstr(fx->pctx.log, BEARER));
    assert_true(fake_contains(conn->sent, conn->sent_len, BEARER)); /* while it did go out */
}

static void test_trace_hides_token_value(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    /* the value, escaped, first in the body */
    fake_add_response(conn, json(fx, 200,
                                 "{\"token_value\":\"dapiSEC\\u0052ET99\",\"token_info\":{\"token_id\":\"t2\"}}"));
    /* 2xx JSON that does not parse: not shown at all */
    fake_add_response(conn, json(fx, 200, "{\"token_value\":\"dapiUNPARSED77\",\"token_info\":{\"token_id\":\"t3\"},}"));
    /* an unknown outcome closes the connection: the next create opens one */
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "[\"dapiARRAY55\"]"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, "dapiSECRET99");
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_null(strstr(fx->pctx.log, TOKEN_VALUE));
    assert_null(strstr(fx->pctx.log, "dapiSEC"));
    assert_null(strstr(fx->pctx.log, "dapiUNPARSED77"));
    assert_null(strstr(fx->pctx.log, "dapiARRAY55"));
    assert_null(strstr(fx->pctx.log, BEARER));
    assert_non_null(strstr(fx->pctx.log, "\"token_value\":\"[REDACTED]\""));
    assert_non_null(strstr(fx->pctx.log, TOKEN_ID)); /* the rest of the body was traced */
    assert_null(strstr(fx->pctx.log, "decoy")); /* a nested token_value is hidden too */
}

/* A token_value member however it is spaced (tabs, CR, LF around its colon)
 * and whatever its value (a string, or a bare word up to the next
 * delimiter) is hidden; a key that only starts like it is not one. */
static void test_trace_hides_spaced_and_bare_token_values(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 400,
                                 "{\"error_code\":\"INVALID\",\"message\":\"m\",\"d\":[{\"token_value\" \t\r\n:\n\t "
                                 "\"dapiSPACED1\"},{\"token_value\":dapiBARE2 ,\"x\":1},{\"token_value\":dapiBARE3}"
                                 ",{\"token_value\":dapiBARE4],\"token_valuex\":\"shown5\",\"token_value\"x\"shown6\","
                                 "\"token_value\":dapiLAST7"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_JSON);
    assert_null(strstr(fx->pctx.log, "dapiSPACED1"));
    assert_null(strstr(fx->pctx.log, "dapiBARE"));
    assert_null(strstr(fx->pctx.log, "dapiLAST7"));
    assert_non_null(strstr(fx->pctx.log, "\"token_value\" \t\r\n:\n\t \"[REDACTED]\"}"));
    assert_non_null(strstr(fx->pctx.log, "\"token_value\":[REDACTED] ,\"x\":1}"));
    assert_non_null(strstr(fx->pctx.log, "\"token_value\":[REDACTED]}"));
    assert_non_null(strstr(fx->pctx.log, "\"token_value\":[REDACTED]],"));
    assert_non_null(strstr(fx->pctx.log, "shown5"));
    assert_non_null(strstr(fx->pctx.log, "shown6"));
}

static void test_trace_hides_bearer_echo_in_body(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 401,
                                 "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"Token " BEARER
                                 " is not valid; " BEARER BEARER "\"}"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "Invalid Token " BEARER));
    fake_add_response(conn, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"" BEARER "\"}]}"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_NOT_JSON);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_non_null(strstr(fx->pctx.log, "\"message\":\"Token [REDACTED] is not valid; [REDACTED]\""));
    assert_non_null(strstr(fx->pctx.log, "| Invalid Token [REDACTED]\n"));
    assert_null(strstr(fx->pctx.log, BEARER));
}

/*
 * FINDING: dbtok__trace_line (core/src/trace.c:75) logs response header lines
 * verbatim, so a header that echoes the bearer token reaches the port's log,
 * against dbtok_port.h: "dbtok never passes the bearer token ... here".
 */
static void test_trace_hides_bearer_echo_in_header(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 401, "WWW-Authenticate: Bearer error=\"invalid_token\", token=\"" BEARER "\"\r\n",
                                   "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"m\"}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_non_null(strstr(fx->pctx.log, "< WWW-Authenticate: Bearer error="));
    assert_null(strstr(fx->pctx.log, BEARER));
}

static void scan_work_for_bearer(fake_script *s, dbtok__state *c)
{
    bool *seen = s->user;
    if (fake_contains(c->work, c->work_len, BEARER)) {
        *seen = true;
    }
}

static void test_work_buffer_forgets_bearer_once_sent(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;
    bool seen = false;

    with_sleep(fx);
    c1->send_fails = true; /* the retried request is wiped too */
    c1->send_fail_after = 100;
    fake_add_response(c2, json(fx, 200, CREATE_BODY))->chunk = 3;
    fake_add_response(c2, json(fx, 200, LIST_BODY));
    fake_add_response(c2, json(fx, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\"}"));
    fx->script.on_recv = scan_work_for_bearer;
    fx->script.user = &seen;
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_false(fake_contains(fx->work, fx->work_len, BEARER));
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_false(fake_contains(fx->work, fx->work_len, BEARER));
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_false(fake_contains(fx->work, fx->work_len, BEARER));
    assert_true(fx->script.hook_calls > 3);
    assert_false(seen); /* not even while waiting for the answer */
    assert_true(fake_contains(c2->sent, c2->sent_len, BEARER));
}

/*
 * FINDING: exchange.c attempt() builds the request (bearer token included)
 * in the work buffer before connecting (exchange.c:112-124) and wipes it only
 * after dbtok__tls_send_all (exchange.c:130). When connecting fails, the bearer
 * token stays in the caller's work buffer after the call returns.
 */
static void test_work_buffer_forgets_bearer_when_connect_fails(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    conn->connect_err = DBTOK_ERR_CONNECT;
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_CONNECT);
    assert_int_equal(fake_total_sent(&fx->script), 0);
    assert_false(fake_contains(fx->work, fx->work_len, BEARER));
}

static void test_result_wipe(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    size_t i;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_true(fake_contains(fx->work, fx->work_len, TOKEN_VALUE));
    memset(fx->work + fx->work_len - 64, 0x5A, 64); /* even bytes dbtok never wrote */
    dbtok_result_wipe(&fx->client);
    assert_false(fake_contains(fx->work, fx->work_len, TOKEN_VALUE));
    assert_false(fake_contains(fx->work, fx->work_len, "dapi"));
    for (i = 0; i < fx->work_len; i++) {
        if (fx->work[i] != 0) {
            fail_msg("work[%zu] = 0x%02x after dbtok_result_wipe", i, fx->work[i]);
        }
    }
    assert_int_equal(out.token_value.len > 0 ? out.token_value.ptr[0] : 1, 0);
    assert_false(conn->disconnected); /* wiping does not end the connection */
}

static void test_close_wipes_work_buffer(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    size_t i;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    memset(fx->work + fx->work_len - 64, 0x5A, 64); /* even bytes dbtok never wrote */
    dbtok_close(&fx->client);
    for (i = 0; i < fx->work_len; i++) {
        if (fx->work[i] != 0) {
            fail_msg("work[%zu] = 0x%02x after dbtok_close", i, fx->work[i]);
        }
    }
    assert_true(conn->disconnected);
    assert_int_equal(fx->script.frees, 1);
    assert_false(fx->script.open);
    /* closed: operations refuse, a second close does nothing */
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
    dbtok_close(&fx->client);
    assert_int_equal(fx->script.frees, 1);
}

/* ======================================================================== */
/* init and arguments                                                       */
/* ======================================================================== */

static dbtok_err try_init(fixture *fx, const dbtok_config *cfg, const dbtok_port *port, size_t work_len)
{
    dbtok_err err = dbtok_init(&fx->client, cfg, port, fx->work, work_len);
    if (err == DBTOK_OK) {
        dbtok_close(&fx->client);
    }
    return err;
}

static void test_init_rejects_invalid(void **state)
{
    fixture *fx = *state;
    static const char *const bad_tokens[] = {"", "dapi\r\nX-Evil: 1", "dapi\nabc", "dapi\rabc", "dapi abc",
                                             "dapi\tabc", "dapi\x7f", "dapi\xc3\xa9", " dapi"};
    static const char *const bad_hosts[] = {"", "example.com/path", "https://example.com", "exa mple.com",
                                            "example.com\r\nX: y", "example.com?q", "user@example.com",
                                            "example.com#x", "ex\\ample.com", "example.com:443"};
    const char *host253 = repeat(fx, 'a', DBTOK_MAX_HOST_LEN);
    const char *host254 = repeat(fx, 'a', DBTOK_MAX_HOST_LEN + 1);
    dbtok_config cfg;
    dbtok_port port;
    size_t i;

    /* the defaults are fine, optional port functions may be missing */
    assert_int_equal(try_init(fx, &fx->cfg, &fx->port, fx->work_len), DBTOK_OK);
    port = fx->port;
    port.log = NULL;
    port.unix_time = NULL;
    assert_int_equal(try_init(fx, &fx->cfg, &port, DBTOK_MIN_WORK_BUFFER), DBTOK_OK);
    cfg = fx->cfg;
    cfg.host = host253;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_OK);
    fx->script.inits = 0;

    assert_int_equal(dbtok_init(NULL, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(try_init(fx, NULL, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(try_init(fx, &fx->cfg, NULL, fx->work_len), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, NULL, fx->work_len), DBTOK_ERR_INVALID_ARG);

    cfg = fx->cfg;
    cfg.host = NULL;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    cfg.host = host254;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    for (i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        cfg.host = bad_hosts[i];
        if (try_init(fx, &cfg, &fx->port, fx->work_len) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("host \"%s\" accepted", bad_hosts[i]);
        }
    }

    cfg = fx->cfg;
    cfg.token = NULL;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    for (i = 0; i < sizeof bad_tokens / sizeof bad_tokens[0]; i++) {
        cfg.token = bad_tokens[i];
        if (try_init(fx, &cfg, &fx->port, fx->work_len) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("token #%zu accepted", i);
        }
    }

    cfg = fx->cfg;
    cfg.user_agent_extra = "os/linux\r\nX-Evil: 1";
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    cfg.user_agent_extra = "os/linux";
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_OK);
    fx->script.inits = 0;

    cfg = fx->cfg;
    cfg.ca = NULL;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    cfg = fx->cfg;
    cfg.ca_len = 0;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);

    assert_int_equal(try_init(fx, &fx->cfg, &fx->port, DBTOK_MIN_WORK_BUFFER - 1), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(try_init(fx, &fx->cfg, &fx->port, 0), DBTOK_ERR_BUFFER_TOO_SMALL);

    for (i = 0; i < 6; i++) {
        port = fx->port;
        switch (i) {
        case 0: port.connect = NULL; break;
        case 1: port.send = NULL; break;
        case 2: port.recv = NULL; break;
        case 3: port.close = NULL; break;
        case 4: port.now_ms = NULL; break;
        default: port.entropy = NULL; break;
        }
        if (try_init(fx, &fx->cfg, &port, fx->work_len) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("port without function #%zu accepted", i);
        }
    }
    assert_int_equal(fx->script.inits, 0); /* rejected before any TLS setup */

    /* a rejected client needs no close and refuses every operation */
    {
        dbtok_created_token out;
        list_rec rec;
        cfg = fx->cfg;
        cfg.token = "bad token";
        assert_int_equal(dbtok_init(&fx->client, &cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
        rec_init(&rec);
        assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(fx->script.connects, 0);
    }
}

static void test_init_tls_failure(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;

    fx->script.init_err = DBTOK_ERR_CRYPTO;
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_CRYPTO);
    assert_int_equal(fx->script.inits, 1);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
    dbtok_close(&fx->client); /* harmless */
    assert_int_equal(fx->script.frees, 0);
    assert_int_equal(fx->script.connects, 0);
}

static void test_operation_arguments(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    list_rec rec;

    fake_add_conn(&fx->script);
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_create(NULL, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_list(NULL, record_cb, &rec), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_list(&fx->client, NULL, &rec), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_revoke(NULL, "x"), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_revoke(&fx->client, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_revoke(&fx->client, ""), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(fx->script.connects, 0);
    dbtok_result_wipe(NULL); /* tolerated */
    dbtok_close(NULL);
}

static void test_user_agent_extra_cannot_break_framing(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    dbtok_err err;

    fake_add_conn(&fx->script);
    fx->cfg.user_agent_extra = "x/1\r\nX-Evil: 1";
    err = dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len);
    if (err == DBTOK_OK) {
        err = dbtok_token_create(&fx->client, "c", 0, &out);
    }
    assert_int_equal(err, DBTOK_ERR_INVALID_ARG);
    assert_int_equal(fake_total_sent(&fx->script), 0);
}

static void test_no_log_no_trace(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fx->port.log = NULL;
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, TOKEN_VALUE);
    assert_int_equal(fx->pctx.log_calls, 0);
    assert_int_equal(fx->pctx.transport_calls, 0);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

/* ======================================================================== */
/* coverage of the less common answer shapes                                */
/* ======================================================================== */

/* error_code, message and details of unexpected JSON types are ignored. */
static void test_error_body_odd_types(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 400, "{\"error_code\":true,\"message\":42,\"details\":{\"retry_delay\":\"3s\"}}"));
    fake_add_response(conn, json(fx, 400, "{\"error_code\":null,\"message\":[\"m\"],\"details\":\"3s\"}"));
    fake_add_response(conn, json(fx, 400, "{\"error_code\":-7,\"message\":\"neg\"}"));
    fake_add_response(conn, json(fx, 400, "{\"error_code\":{\"c\":\"E\"},\"message\":\"obj\"}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 400);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "");
    assert_int_equal(last(fx)->retry_after_ms, 0);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "");
    assert_int_equal(last(fx)->retry_after_ms, 0);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->error_code, "-7");
    assert_string_equal(last(fx)->message, "neg");
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "obj");
}

/* Only a detail whose @type ends in RetryInfo and whose retry_delay is a
 * string counts; when several do, the last one read wins. */
static void test_error_retry_info_details(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const struct {
        const char *details;
        uint32_t ms;
    } cases[] = {
        {"[{\"@type\":\"Retry\",\"retry_delay\":\"3s\"}]", 0},                        /* @type too short */
        {"[{\"@type\":\"google.rpc.ErrorInfo\",\"retry_delay\":\"3s\"}]", 0},         /* not RetryInfo */
        {"[{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":3}]", 0},              /* not a string */
        {"[{\"@type\":7,\"retry_delay\":\"3s\"}]", 0},                                /* @type not a string */
        {"[{\"retry_delay\":\"3s\"}]", 0},                                            /* no @type */
        {"[{\"@type\":\"google.rpc.RetryInfo\"}]", 0},                                /* no delay */
        {"[\"RetryInfo\",7,{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":\"2s\"}]", 2000},
        {"[{\"@type\":\"RetryInfo\",\"retry_delay\":\"4s\"},"
         "{\"@type\":\"RetryInfo\",\"retry_delay\":\"9s\"}]", 9000},
        {"[]", 0},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn, json(fx, 429, fmt(fx, "{\"error_code\":\"E\",\"details\":%s}", cases[i].details)));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        assert_string_equal(last(fx)->error_code, "E");
        if (last(fx)->retry_after_ms != cases[i].ms) {
            fail_msg("details %s: %u ms, want %u", cases[i].details, (unsigned)last(fx)->retry_after_ms,
                     (unsigned)cases[i].ms);
        }
    }
}

/* The "3.5s" duration forms: whole and fractional seconds, the limits of
 * the fraction, overflow, and what is not a duration. */
static void test_error_retry_delay_forms(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const struct {
        const char *delay;
        uint32_t ms;
    } cases[] = {
        {"1.s", 1000},        {".5s", 500},           {"0.1239s", 123},   {"0s", 0},
        {"s", 0},             {"", 0},                {"abc", 0},         {"1.2.3s", 0},
        {"3s ", 0},           {"3ss", 0},             {"-3s", 0},         {"4294959s", 4294959000u},
        /* the overflow guard saturates a digit early: 4294967 s would still fit */
        {"4294967s", 0xFFFFFFFFu}, {"4294968s", 0xFFFFFFFFu}, {"99999999999999999999s", 0xFFFFFFFFu},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn, json(fx, 429,
                                     fmt(fx, "{\"error_code\":\"E\",\"details\":[{\"@type\":"
                                             "\"type.googleapis.com/google.rpc.RetryInfo\",\"retry_delay\":\"%s\"}]}",
                                         cases[i].delay)));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        if (last(fx)->retry_after_ms != cases[i].ms) {
            fail_msg("retry_delay \"%s\": %u ms, want %u", cases[i].delay, (unsigned)last(fx)->retry_after_ms,
                     (unsigned)cases[i].ms);
        }
    }
}

/* Retry-After as a date: ignored without a wall clock (RetryInfo is then
 * read), 0 when already past (and RetryInfo is not read), and a wait too
 * large for milliseconds is capped: a far date to UINT32_MAX ms, delta
 * seconds by the reader to 4294967 s. */
static void test_retry_after_date_and_cap(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const char detail[] = "{\"error_code\":\"E\",\"details\":[{\"@type\":\"google.rpc.RetryInfo\","
                                 "\"retry_delay\":\"3s\"}]}";

    fake_add_response(conn, json_h(fx, 429, "Retry-After: Sun, 06 Nov 1994 08:49:47 GMT\r\n", detail));
    fake_add_response(conn, json_h(fx, 429, "Retry-After: Sun, 06 Nov 1994 08:49:47 GMT\r\n", detail));
    fake_add_response(conn, json_h(fx, 429, "Retry-After: Sun, 06 Nov 1994 08:49:27 GMT\r\n", detail));
    fake_add_response(conn, json_h(fx, 429, "Retry-After: Sat, 28 Nov 2026 15:27:22 GMT\r\n", detail));
    fake_add_response(conn, json_h(fx, 429, "Retry-After: 4294968\r\n", detail));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 3000); /* no unix_time: the date means nothing */
    fx->pctx.unix_time = 784111777;
    dbtok__state_of(&fx->client)->port.unix_time = fake_port_unix_time;
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 10000);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 0);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 0xFFFFFFFFu);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 4294967000u);
}

/* Plain-text error bodies: HTML is not quoted, the first line is, CR ends
 * it, control bytes become '?', and a line longer than the buffer is cut. */
static void test_plain_text_bodies(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    const char *long_line = repeat(fx, 'L', DBTOK_MAX_ERROR_MESSAGE_LEN + 10);

    fake_add_response(conn, response(fx, 400, "text/plain", "", "<b>bad</b>"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "first\r\nsecond"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "tab\there\x01"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", long_line));
    fake_add_response(conn, response(fx, 400, "text/plain", "",
                                     fmt(fx, "%s\n", repeat(fx, 'M', DBTOK_MAX_ERROR_MESSAGE_LEN - 1))));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "only\rcr"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "");
    assert_false(last(fx)->message_truncated);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "first");
    assert_false(last(fx)->message_truncated);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "tab?here?");
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(strlen(last(fx)->message), DBTOK_MAX_ERROR_MESSAGE_LEN - 1);
    assert_true(last(fx)->message_truncated);
    /* exactly as long as the buffer holds, then the newline: not cut */
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(strlen(last(fx)->message), DBTOK_MAX_ERROR_MESSAGE_LEN - 1);
    assert_false(last(fx)->message_truncated);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "only");
    assert_false(last(fx)->message_truncated);
}

/* A create traced: its JSON body is shown; an error body that is the bearer
 * token alone, or starts or ends with it, is shown with it hidden. */
static void test_trace_request_body_and_bearer_at_ends(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fake_add_response(conn, response(fx, 400, "text/plain", "", BEARER));
    fake_add_response(conn, response(fx, 400, "text/plain", "", BEARER " starts"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "ends " BEARER));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "traced-comment", 60, &out), DBTOK_OK);
    assert_non_null(strstr(fx->pctx.log, "> POST " PATH_CREATE " HTTP/1.1\n"));
    assert_non_null(strstr(fx->pctx.log, "| {\"comment\":\"traced-comment\",\"lifetime_seconds\":60}\n"));
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, DBTOK_MASK_TEXT);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_non_null(strstr(fx->pctx.log, "| [REDACTED]\n"));
    assert_non_null(strstr(fx->pctx.log, "| [REDACTED] starts\n"));
    assert_non_null(strstr(fx->pctx.log, "| ends [REDACTED]\n"));
    assert_null(strstr(fx->pctx.log, BEARER));
}

static int failing_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

/* No entropy, no marker: create_recover fails before sending anything. */
static void test_recover_entropy_fails(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    dbtok_client blank;

    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    fx->port.entropy = failing_entropy;
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_CRYPTO);
    assert_int_equal(fake_complete_requests(&fx->script, NULL), 0);
    memset(&blank, 0, sizeof blank);
    assert_int_equal(dbtok_token_create_recover(&blank, "dev", 0, &out), DBTOK_ERR_INVALID_ARG);
}

/* Recovery that cannot remove the orphan: the revoke refused (not 404), or
 * the orphan's id too long to send back. Both end in OUTCOME_UNKNOWN. When
 * two entries carry the marker, the first is the one revoked. */
static void test_recover_orphan_not_removed(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    fake_conn *revoke;
    fake_conn *lost2;
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"first\",\"comment\":\"" MARKER_1 "\"},"
                                    "{\"token_id\":\"second\",\"comment\":\"" MARKER_1 "\"}]}"));
    revoke = fake_add_conn(&fx->script);
    fake_add_response(revoke, json(fx, 403, "{\"error_code\":\"PERMISSION_DENIED\",\"message\":\"no\"}"));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_true(fake_contains(revoke->sent, revoke->sent_len, "{\"token_id\":\"first\"}"));
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 1);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);

    /* an id of 80 characters does not fit the 79 the search keeps */
    dbtok_close(&fx->client);
    fake_tls_use(&fx->script);
    lost2 = fake_add_conn(&fx->script);
    r = fake_add_response(lost2, json(fx, 200, CREATE_BODY));
    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200,
                           fmt(fx, "{\"token_infos\":[{\"token_id\":\"%s\",\"comment\":\"" MARKER_1 "\"}]}",
                               repeat(fx, 'a', 80))));
    fx->pctx.entropy_byte = 0;
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 0);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
}

/* The error codes that mean "try later" are retried whatever the status;
 * another code with the same status is not. */
static void test_retry_on_error_code_alone(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 400, "Retry-After: 1\r\n", "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\"}"));
    fake_add_response(conn, json_h(fx, 400, "Retry-After: 2\r\n", "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\"}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, json_h(fx, 400, "Retry-After: 1\r\n", "{\"error_code\":\"INVALID_PARAMETER_VALUE\"}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_int_equal(fx->pctx.sleep_count, 2);
    assert_int_equal(fx->pctx.sleeps[0], 1000);
    assert_int_equal(fx->pctx.sleeps[1], 2000);
    assert_int_equal(last(fx)->attempts, 3);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->error_code, "INVALID_PARAMETER_VALUE");
    assert_int_equal(fx->pctx.sleep_count, 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 4);
}

/* Wiping or closing a closed client does nothing (and does not crash). */
static void test_wipe_after_close(void **state)
{
    fixture *fx = *state;
    start(fx);
    dbtok_close(&fx->client);
    assert_null(dbtok__state_of(&fx->client)->work);
    dbtok_result_wipe(&fx->client);
    dbtok_result_wipe(NULL);
    dbtok_close(&fx->client);
    assert_null(dbtok__state_of(&fx->client)->work);
}

/* ---- what a failed create says about the token (create_outcome) --------- */

/* Once a create went out whole, only a readable token, a 4xx or the
 * service's own "try later" say for sure whether a token was made; every
 * other answer is DBTOK_ERR_OUTCOME_UNKNOWN, and a 4xx never is. */
static void test_create_outcome_table(void **state)
{
    fixture *fx = *state;
    char big[WORK_LEN + 512];
    const struct {
        const char *answer;
        dbtok_err want;
        int status;
    } rows[] = {
        {response(fx, 502, "text/html", "", "<html><body>502 Bad Gateway</body></html>"), DBTOK_ERR_OUTCOME_UNKNOWN, 502},
        {response(fx, 504, "text/html", "", ""), DBTOK_ERR_OUTCOME_UNKNOWN, 504},
        {response(fx, 200, "application/json", "", ""), DBTOK_ERR_OUTCOME_UNKNOWN, 200},
        {"HTTP/1.1 204 No Content\r\n\r\n", DBTOK_ERR_OUTCOME_UNKNOWN, 204},
        {json(fx, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"x\"}"), DBTOK_ERR_OUTCOME_UNKNOWN, 500},
        {json(fx, 200, "{}"), DBTOK_ERR_OUTCOME_UNKNOWN, 200},
        {response(fx, 403, "text/html", "", "<html>HTTP ERROR 403</html>"), DBTOK_ERR_NOT_JSON, 403},
        {json(fx, 400, "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"no\"}"), DBTOK_ERR_API, 400},
        {json(fx, 429, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\"}"), DBTOK_ERR_API, 429},
        {response(fx, 503, "text/html", "", "<html>No webapps are available</html>"), DBTOK_ERR_NOT_JSON, 503},
        {json(fx, 500, "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\"}"), DBTOK_ERR_API, 500},
        {NULL, DBTOK_ERR_BUFFER_TOO_SMALL, 400}, /* a 4xx too large for the work buffer */
    };
    size_t i;

    memset(big, 'm', sizeof big);
    big[sizeof big - 1] = 0;
    fx->cfg.retry.max_attempts = 1;
    start(fx);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dbtok_created_token out;
        const char *answer = rows[i].answer != NULL
                                 ? rows[i].answer
                                 : json(fx, 400, fmt(fx, "{\"error_code\":\"X\",\"message\":\"%s\"}", big));
        restart(fx);
        fx->script.auto_conns = true;
        fake_queue_response(&fx->script, answer);
        if (dbtok_token_create(&fx->client, "c", 0, &out) != rows[i].want) {
            fail_msg("row %zu: got %s", i, dbtok_strerror(last(fx)->err));
        }
        assert_int_equal(last(fx)->err, rows[i].want);
        assert_int_equal(last(fx)->http_status, rows[i].status);
        assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    }
}

/* create_recover recovers after each unknown outcome: a 502 page, then an
 * empty 200, then a token. */
static void test_recover_after_gateway_answers(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, response(fx, 502, "text/html", "", "<html>Bad Gateway</html>"));
    fake_queue_response(&fx->script, json(fx, 200, "{\"token_infos\":[]}"));
    fake_queue_response(&fx->script, response(fx, 200, "application/json", "", ""));
    fake_queue_response(&fx->script, json(fx, 200, "{}"));
    fake_queue_response(&fx->script, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
}

/* ======================================================================== */
/* one JSON rule: duplicate keys, null, \u0000 (issue 10, points 7 and 12)   */
/* ======================================================================== */

/* Each body answers one create with 200 (after those queued before). */
static void queue_creates(fixture *fx, const char *const *bodies, size_t n)
{
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < n; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
}

/* The creates that queue_creates answered: each must give want. */
static void run_creates(fixture *fx, const char *const *bodies, size_t n, dbtok_err want)
{
    size_t i;
    unsigned before = fake_complete_requests(&fx->script, START_CREATE);

    for (i = 0; i < n; i++) {
        dbtok_created_token out;
        dbtok_err err = dbtok_token_create(&fx->client, NULL, 0, &out);
        if (err != want) {
            fail_msg("body %zu (%s): got %d, want %d", i, bodies[i], (int)err, (int)want);
        }
        assert_int_equal(last(fx)->http_status, 200);
    }
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), before + n);
}

static void expect_creates(fixture *fx, const char *const *bodies, size_t n, dbtok_err want)
{
    queue_creates(fx, bodies, n);
    start(fx);
    run_creates(fx, bodies, n, want);
}

/* A create answer with a key dbtok reads given twice (at the top or in
 * token_info, spelled with an escape or not, either value null) is
 * unreadable: the token exists but which value is it? dbtok would take the
 * first, most parsers the last. Like any unreadable 2xx: outcome unknown. */
static void test_create_duplicate_keys_unknown(void **state)
{
    static const char *const bodies[] = {
        "{\"token_value\":\"dapiA\",\"token_value\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\"},\"token_value\":\"dapiA\"}",
        "{\"token_value\":\"dapiA\",\"token\\u005fvalue\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"\\u0074oken_value\":\"dapiA\",\"token_value\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":null,\"token_value\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\"},\"token_info\":{\"token_id\":\"y\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"token_id\":\"y\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"token\\u005fid\":\"x\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"comment\":\"a\",\"comment\":\"b\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"comment\":null,\"comment\":\"b\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"creation_time\":1,\"creation_time\":2}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"expiry_time\":-1,\"expiry_time\":-1}}",
        /* and, as the list reader refuses them, containers where a field is wanted */
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":[\"x\"]}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"creation_time\":{}}}",
        "{\"token_value\":{},\"token_info\":{\"token_id\":\"x\"}}",
    };
    expect_creates(*state, bodies, sizeof bodies / sizeof bodies[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

/* Keys dbtok does not read may repeat, and objects it does not read are
 * not its business. */
static void test_create_duplicate_ignored_keys_ok(void **state)
{
    static const char *const bodies[] = {
        "{\"x\":1,\"x\":2,\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"scopes\":[],\"scopes\":[]}}",
        "{\"token_value\":\"dapiA\",\"n\":{\"token_value\":\"a\",\"token_value\":\"b\"},"
        "\"token_info\":{\"token_id\":\"x\",\"m\":{\"token_id\":\"a\",\"token_id\":\"b\"}}}",
    };
    expect_creates(*state, bodies, sizeof bodies / sizeof bodies[0], DBTOK_OK);
}

/* An empty token_value is no token one can use: not a success; the token
 * may exist, so the outcome is unknown. */
static void test_create_empty_token_value_unknown(void **state)
{
    static const char *const bodies[] = {
        "{\"token_value\":\"\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_info\":{\"token_id\":\"x\",\"comment\":\"c\"},\"token_value\":\"\"}",
    };
    expect_creates(*state, bodies, sizeof bodies / sizeof bodies[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

/* \u0000 is valid JSON: in a field dbtok ignores or in the comment it
 * fails nothing (the comment comes whole, its length past the NUL); in the
 * token_value or token_id, which are handed out as C strings, it makes the
 * answer unreadable (outcome unknown). */
static void test_create_nul_escapes(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    static const char *const unreadable[] = {
        "{\"token_value\":\"dapi\\u0000X\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\\u0000\"}}",
    };

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200,
                                          "{\"x\":\"\\u0000\",\"\\u0000\":[\"\\u0000\"],\"token_value\":\"dapiX\","
                                          "\"token_info\":{\"token_id\":\"x\",\"comment\":\"a\\u0000b\","
                                          "\"scopes\":[\"\\u0000\"]}}"));
    queue_creates(fx, unreadable, sizeof unreadable / sizeof unreadable[0]);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, "dapiX");
    assert_view_in_work(fx, out.info.token_id, "x");
    assert_int_equal(out.info.comment.len, 3);
    assert_memory_equal(out.info.comment.ptr, "a\0b", 4);
    run_creates(fx, unreadable, sizeof unreadable / sizeof unreadable[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

/* null is absent on every path: the optional fields take their defaults,
 * the required ones are missing. */
static void test_create_null_fields_absent(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    static const char *const missing[] = {
        "{\"token_value\":null,\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiX\",\"token_info\":null}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":null}}",
    };

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200,
                                          "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\","
                                          "\"comment\":null,\"creation_time\":null,\"expiry_time\":null}}"));
    queue_creates(fx, missing, sizeof missing / sizeof missing[0]);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.comment.len, 0);
    assert_int_equal(out.info.creation_time_ms, 0);
    assert_int_equal(out.info.expiry_time_ms, -1);
    run_creates(fx, missing, sizeof missing / sizeof missing[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

static int nul_comment_cb(void *user, const dbtok_token_info *info)
{
    int *ok = user;
    *ok = *ok + (info->comment.len == 4 && memcmp(info->comment.ptr, "x\0y\0", 5) == 0 ? 1 : 100);
    return 0;
}

/* Through the client: one token whose comment holds \u0000 does not break
 * the list; a repeated key does, as malformed. */
static void test_list_nul_comment_and_duplicates(void **state)
{
    fixture *fx = *state;
    int ok = 0;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"x\\u0000y\\u0000\","
                                                   "\"\\u0000\":\"\\u0000\"}]}"));
    fake_queue_response(&fx->script,
                        json(fx, 200, "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"token_id\":\"c\"}]}"));
    fake_queue_response(&fx->script, json(fx, 200, "{\"token_infos\":[],\"token_infos\":[{\"token_id\":\"a\"}]}"));
    start(fx);
    assert_int_equal(dbtok_token_list(&fx->client, nul_comment_cb, &ok), DBTOK_OK);
    assert_int_equal(ok, 1);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_JSON);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_JSON);
    assert_int_equal(rec.calls, 1);
}

/* An error body that breaks the rule (a key dbtok reads given twice, at the
 * top or in a details entry; an error_code or message holding \u0000) is
 * unreadable: the call is still DBTOK_ERR_API with the status, which the
 * service did send, but nothing of the body is believed: no code, no
 * message, no RetryInfo hint. */
static void test_error_body_breaking_the_rule(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {
        "{\"error_code\":\"A\",\"error_code\":\"B\",\"message\":\"m\"}",
        "{\"error_code\":\"A\",\"error\\u005fcode\":\"A\",\"message\":\"m\"}",
        "{\"error_code\":null,\"error_code\":\"B\",\"message\":\"m\"}",
        "{\"error_code\":403,\"message\":\"m\",\"message\":\"n\"}",
        "{\"error_code\":\"A\",\"message\":\"m\",\"details\":[],\"details\":[]}",
        "{\"error_code\":\"A\",\"message\":\"m\",\"details\":[{\"@type\":\"google.rpc.RetryInfo\","
        "\"retry_delay\":\"3s\",\"retry_delay\":\"9s\"}]}",
        "{\"error_code\":\"A\",\"message\":\"m\",\"details\":[{\"@type\":\"x\",\"@type\":\"google.rpc.RetryInfo\","
        "\"retry_delay\":\"3s\"}]}",
        "{\"error_code\":\"A\\u0000B\",\"message\":\"m\"}",
        "{\"error_code\":\"A\",\"message\":\"m\\u0000 hidden\"}",
    };
    size_t i;

    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 400, bodies[i]));
    }
    fx->script.auto_conns = true;
    start(fx);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_err err = dbtok_token_revoke(&fx->client, "x");
        if (err != DBTOK_ERR_API || last(fx)->http_status != 400 || last(fx)->error_code[0] != 0 ||
            last(fx)->message[0] != 0 || last(fx)->retry_after_ms != 0) {
            fail_msg("body %zu (%s): got %d, status %d, code \"%s\", message \"%s\", retry %u ms", i, bodies[i],
                     (int)err, last(fx)->http_status, last(fx)->error_code, last(fx)->message,
                     (unsigned)last(fx)->retry_after_ms);
        }
    }
}

/* What the rule leaves alone in an error body: \u0000 and repeats in
 * fields dbtok does not read, or in @type and retry_delay, which are never
 * handed out (they then just do not match). */
static void test_error_body_within_the_rule(void **state)
{
    fixture *fx = *state;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script,
                        json(fx, 429, "{\"x\":\"\\u0000\",\"x\":1,\"error_code\":\"E\",\"message\":\"m\",\"details\":["
                                      "{\"@type\":\"google.rpc.RetryInfo\\u0000\",\"retry_delay\":\"5s\"},"
                                      "{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":\"1s\\u0000\"},"
                                      "{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":\"2s\",\"y\":1,\"y\":2}]}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->error_code, "E");
    assert_string_equal(last(fx)->message, "m");
    assert_int_equal(last(fx)->retry_after_ms, 2000);
}

/* An error_code given twice steers nothing: a 400 whose first error_code
 * says "try later" is not retried (the status alone says no), and a create
 * answered so is a plain API error, never "outcome unknown". */
static void test_error_duplicate_code_not_retried(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 400, "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\","
                                          "\"error_code\":\"INVALID_PARAMETER_VALUE\"}"));
    fake_add_response(conn, json(fx, 200, CREATE_BODY)); /* a retry would get this */
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 400);
    assert_string_equal(last(fx)->error_code, "");
    assert_int_equal(fx->pctx.sleep_count, 0);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
}

/* A create is sent only when its answer, which echoes the comment as the
 * service escapes it, can fit the work buffer; a comment that is not UTF-8
 * is refused. Nothing is sent either way. */
static void test_create_comment_must_fit_its_answer(void **state)
{
    fixture *fx = *state;
    const size_t base = DBTOK_CREATE_ANSWER_RESERVE + 25;
    dbtok_created_token out;
    char *big = malloc(WORK_LEN);
    size_t n = (WORK_LEN - base) / 6 + 1;

    assert_non_null(big);
    assert_int_equal(dbtok_create_work_needed(NULL), base);
    assert_int_equal(dbtok_create_work_needed("ab"), base + 2);
    assert_int_equal(dbtok_create_work_needed("<\n\"\x7f"), base + 24);
    assert_int_equal(dbtok_create_work_needed("caf\xc3\xa9 \xf0\x9f\x98\x80"), base + 4 + 6 + 12);
    assert_int_equal(dbtok_create_work_needed("bad \xc3"), 0);
    assert_int_equal(dbtok_create_work_needed("\xed\xa0\x80"), 0); /* a surrogate */

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "bad \xff byte", 0, &out), DBTOK_ERR_INVALID_ARG);
    memset(big, '<', n);
    big[n] = 0;
    assert_int_equal(dbtok_token_create(&fx->client, big, 0, &out), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(last(fx)->needed_work_len, base + 6 * n);
    assert_int_equal(dbtok_token_create_recover(&fx->client, big, 0, &out), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(fx->script.connects, 0);
    /* One '<' fewer fits and is sent. */
    big[n - 1] = 0;
    assert_int_equal(dbtok_token_create(&fx->client, big, 0, &out), DBTOK_OK);
    free(big);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_request_bytes),
        T(test_create_request_fields),
        T(test_create_comment_escaped),
        T(test_create_success_parse),
        T(test_create_escapes_decoded),
        T(test_create_missing_or_bad_fields),
        T(test_create_expiry_and_times),
        T(test_create_request_too_big),
        T(test_list_entries_in_order),
        T(test_list_absent_or_null_is_empty),
        T(test_list_token_infos_not_array),
        T(test_list_bad_entry_never_handed_out),
        T(test_list_callback_aborts),
        T(test_list_one_byte_chunks),
        T(test_list_chunked),
        T(test_list_many_tokens),
        T(test_revoke_request_and_success),
        T(test_revoke_unknown_id),
        T(test_error_code_integer),
        T(test_error_retry_info),
        T(test_error_retry_after_header),
        T(test_error_message_truncated),
        T(test_redirect),
        T(test_html_login_page_200),
        T(test_proxy_503_html),
        T(test_plain_text_400),
        cmocka_unit_test(test_strerror_names_every_error),
        T(test_fault_matrix_every_byte),
        T(test_retry_429_then_create),
        T(test_retry_garbled_retry_info),
        T(test_recover_revokes_the_orphan),
        T(test_recover_without_orphan),
        T(test_recover_list_fails),
        T(test_recover_gives_up),
        T(test_recover_gives_up_all_revoked),
        T(test_recover_finds_late_orphan),
        T(test_retry_backoff_doubles_to_cap),
        T(test_retry_gives_up_after_max_attempts),
        T(test_retry_stops_at_deadline),
        T(test_retry_never_resends_a_sent_create),
        T(test_retry_after_connect_failure),
        T(test_retry_after_http_date),
        T(test_no_sleep_no_retry),
        T(test_error_retry_after_zero),
        T(test_error_message_hides_bearer),
        T(test_null_comment_is_empty),
        T(test_json_array_top_level),
        T(test_malformed_http),
        T(test_body_too_large),
        T(test_work_buffer_bounds),
        T(test_error_reset_between_calls),
        T(test_create_lost_answer_is_outcome_unknown),
        T(test_create_send_broken_is_sent_again),
        T(test_list_lost_answer_retried_once),
        T(test_list_lost_gives_up_at_max_attempts),
        T(test_list_lost_mid_body_no_duplicates),
        T(test_list_timeout_not_retried),
        T(test_revoke_lost_answer_sent_once),
        T(test_connect_failure),
        T(test_keep_alive_one_connection),
        T(test_connection_close_reconnects),
        T(test_stray_bytes_not_reused),
        T(test_idle_close_reconnects_before_sending),
        T(test_trace_redacts_bearer),
        T(test_trace_hides_token_value),
        T(test_trace_hides_spaced_and_bare_token_values),
        T(test_trace_hides_bearer_echo_in_body),
        T(test_trace_hides_bearer_echo_in_header),
        T(test_work_buffer_forgets_bearer_once_sent),
        T(test_work_buffer_forgets_bearer_when_connect_fails),
        T(test_result_wipe),
        T(test_close_wipes_work_buffer),
        T(test_init_rejects_invalid),
        T(test_init_tls_failure),
        T(test_operation_arguments),
        T(test_user_agent_extra_cannot_break_framing),
        T(test_no_log_no_trace),
        T(test_error_body_odd_types),
        T(test_error_retry_info_details),
        T(test_error_retry_delay_forms),
        T(test_retry_after_date_and_cap),
        T(test_plain_text_bodies),
        T(test_trace_request_body_and_bearer_at_ends),
        T(test_recover_entropy_fails),
        T(test_recover_orphan_not_removed),
        T(test_retry_on_error_code_alone),
        T(test_wipe_after_close),
        T(test_create_duplicate_keys_unknown),
        T(test_create_duplicate_ignored_keys_ok),
        T(test_create_empty_token_value_unknown),
        T(test_create_nul_escapes),
        T(test_create_null_fields_absent),
        T(test_list_nul_comment_and_duplicates),
        T(test_error_body_breaking_the_rule),
        T(test_error_body_within_the_rule),
        T(test_error_duplicate_code_not_retried),
        T(test_create_outcome_table),
        T(test_recover_after_gateway_answers),
        T(test_create_comment_must_fit_its_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
