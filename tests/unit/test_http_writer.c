/*
 * Unit tests for the request writer and its byte builder, and the public
 * host and token checks it shares with dbtok_init() (core/src/config_check.c).
 * Links the real dbtok_json_escape (core/src/str_util.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "http_writer.h"

#include "dbtok/dbtok_config.h"
#include "dbtok/dbtok_version.h"

#define UA "User-Agent: dbtok/" DBTOK_VERSION_STRING "\r\n"
#define CANARY 0x5Au

static http_request base_request(void)
{
    http_request r;

    r.method = "GET";
    r.path = "/api/2.0/token/list";
    r.path_segment = NULL;
    r.put_segment = NULL;
    r.put_auth = NULL;
    r.auth_arg = NULL;
    r.form_body = false;
    r.host = "example.cloud.databricks.com";
    r.port = 443;
    r.token = "dapi0123abcd";
    r.user_agent_extra = NULL;
    r.workspace_id = NULL;
    return r;
}

/* Write req with body in front of a canary-filled buffer and expect exactly
 * `want`; nothing past it may change. */
static void expect_request(const http_request *req, const char *body, const char *want)
{
    uint8_t buf[1024];
    size_t body_len = strlen(body);
    size_t want_len = strlen(want);
    size_t total = 0;
    size_t i;

    memset(buf, CANARY, sizeof buf);
    memcpy(buf, body, body_len);
    assert_int_equal(dbtok__http_write_request(buf, sizeof buf, req, body_len, &total), DBTOK_OK);
    assert_int_equal(total, want_len);
    assert_memory_equal(buf, want, want_len);
    for (i = want_len; i < sizeof buf; i++) {
        assert_int_equal(buf[i], CANARY);
    }
}

static void test_get_exact(void **state)
{
    http_request r = base_request();

    (void)state;
    expect_request(&r, "",
                   "GET /api/2.0/token/list HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "\r\n");
}

/* A workspace id rides on every request, after the credential; only
 * digits, so that it can neither break the header nor add one. */
static void test_workspace_id(void **state)
{
    static const char *const bad[] = {"12a", "-1", "+1", " 1", "1 ", "1\r\nX-Evil: 1", "1\n", "\xd9\xa1",
                                      "12345678901234567890"};
    http_request r = base_request();
    uint8_t buf[1024];
    size_t total = 0;
    size_t i;

    (void)state;
    r.workspace_id = "1234567890123456";
    expect_request(&r, "",
                   "GET /api/2.0/token/list HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "X-Databricks-Workspace-Id: 1234567890123456\r\n"
                   "\r\n");
    r.workspace_id = "";
    expect_request(&r, "",
                   "GET /api/2.0/token/list HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "\r\n");
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        r.workspace_id = bad[i];
        if (dbtok__http_write_request(buf, sizeof buf, &r, 0, &total) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("workspace id \"%s\" accepted", bad[i]);
        }
    }
    assert_int_equal(dbtok_config_check_workspace_id("1234567890123456789", 19), DBTOK_OK);
    assert_int_equal(dbtok_config_check_workspace_id("7", 1), DBTOK_OK);
    assert_int_equal(dbtok_config_check_workspace_id("7x", 1), DBTOK_OK); /* len bounds what is read */
    assert_int_equal(dbtok_config_check_workspace_id("", 0), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_config_check_workspace_id(NULL, 3), DBTOK_ERR_INVALID_ARG);
}

static void test_post_exact(void **state)
{
    http_request r = base_request();

    (void)state;
    r.method = "POST";
    r.path = "/api/2.0/token/delete";
    expect_request(&r, "{\"token_id\":\"abc\"}",
                   "POST /api/2.0/token/delete HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "Accept: application/json\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: 18\r\n"
                   "\r\n"
                   "{\"token_id\":\"abc\"}");
}

/* A POST without a body still states its length. */
static void test_post_empty_body(void **state)
{
    http_request r = base_request();

    (void)state;
    r.method = "POST";
    r.path = "/api/2.0/token/create";
    expect_request(&r, "",
                   "POST /api/2.0/token/create HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "Accept: application/json\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: 0\r\n"
                   "\r\n");
}

/* Any method with a body describes it. */
static void test_patch_with_body(void **state)
{
    http_request r = base_request();

    (void)state;
    r.method = "PATCH";
    r.path = "/api/2.0/token/ab12";
    expect_request(&r, "{}",
                   "PATCH /api/2.0/token/ab12 HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "Accept: application/json\r\n"
                   "Content-Type: application/json\r\n"
                   "Content-Length: 2\r\n"
                   "\r\n"
                   "{}");
}

/* A body longer than the head overlaps its own destination when moved. */
static void test_body_longer_than_head(void **state)
{
    http_request r = base_request();
    uint8_t buf[2048];
    uint8_t body[1200];
    size_t total = 0;
    size_t head;
    size_t i;

    (void)state;
    r.method = "POST";
    for (i = 0; i < sizeof body; i++) {
        body[i] = (uint8_t)('a' + i % 23u);
    }
    memcpy(buf, body, sizeof body);
    assert_int_equal(dbtok__http_write_request(buf, sizeof buf, &r, sizeof body, &total), DBTOK_OK);
    head = total - sizeof body;
    assert_true(head < sizeof body);
    assert_memory_equal(buf + head - 24, "Content-Length: 1200\r\n\r\n", 24);
    assert_memory_equal(buf + head, body, sizeof body);
}

static void expect_host_header(const char *host, uint16_t port, const char *want_line)
{
    char want[512];
    http_request r = base_request();

    r.host = host;
    r.port = port;
    strcpy(want, "GET /api/2.0/token/list HTTP/1.1\r\n");
    strcat(want, want_line);
    strcat(want, "\r\n" UA "Authorization: Bearer dapi0123abcd\r\n\r\n");
    expect_request(&r, "", want);
}

static void test_host_and_port(void **state)
{
    (void)state;
    expect_host_header("localhost", 8443, "Host: localhost:8443");
    expect_host_header("localhost", 80, "Host: localhost:80");
    expect_host_header("localhost", 1, "Host: localhost:1");
    expect_host_header("localhost", 65535, "Host: localhost:65535");
    expect_host_header("127.0.0.1", 443, "Host: 127.0.0.1");
    expect_host_header("Adb-123.Azuredatabricks.NET", 443, "Host: Adb-123.Azuredatabricks.NET");
}

static void test_ipv6_host(void **state)
{
    (void)state;
    expect_host_header("::1", 8443, "Host: [::1]:8443");
    expect_host_header("::1", 443, "Host: [::1]");
    expect_host_header("[::1]", 443, "Host: [::1]");
    expect_host_header("[::1]", 9000, "Host: [::1]:9000");
    expect_host_header("2001:DB8::a", 443, "Host: [2001:DB8::a]");
    expect_host_header("::ffff:192.0.2.1", 443, "Host: [::ffff:192.0.2.1]");
}

static void test_user_agent_extra(void **state)
{
    http_request r = base_request();

    (void)state;
    r.user_agent_extra = "os/linux board/mps2";
    expect_request(&r, "",
                   "GET /api/2.0/token/list HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n"
                   "User-Agent: dbtok/" DBTOK_VERSION_STRING " os/linux board/mps2\r\n"
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "\r\n");
    /* An empty extra adds nothing, not even a space. */
    r.user_agent_extra = "";
    expect_request(&r, "",
                   "GET /api/2.0/token/list HTTP/1.1\r\n"
                   "Host: example.cloud.databricks.com\r\n" UA
                   "Authorization: Bearer dapi0123abcd\r\n"
                   "\r\n");
}

/* Refused, with the buffer (body included) left exactly as it was. */
static void expect_refused(const http_request *req, const char *what)
{
    uint8_t buf[1024];
    uint8_t before[sizeof buf];
    size_t total = 12345;
    dbtok_err err;

    memset(buf, CANARY, sizeof buf);
    memcpy(buf, "BODY", 4);
    memcpy(before, buf, sizeof buf);
    err = dbtok__http_write_request(buf, sizeof buf, req, 4, &total);
    if (err != DBTOK_ERR_INVALID_ARG) {
        fail_msg("%s: accepted (%d)", what, err);
    }
    assert_int_equal(total, 0);
    assert_memory_equal(buf, before, sizeof buf);
}

/* CR, LF, other controls and DEL in any caller text: each one could start a
 * smuggled header or request. (A NUL cannot sit inside a C string; an empty
 * value is covered below.) */
static void test_injection(void **state)
{
    static const char *const bad[] = {"\r", "\n", "\r\n", "\x01", "\x1f", "\t", "\x7f", "\x1b"};
    static const char *const where[] = {"method", "path", "host", "token", "extra"};
    size_t b;
    size_t w;

    (void)state;
    for (w = 0; w < sizeof where / sizeof where[0]; w++) {
        for (b = 0; b < sizeof bad / sizeof bad[0]; b++) {
            char text[64];
            char what[64];
            http_request r = base_request();
            const char *good[] = {"GET", "/api/2.0/token/list", "example.com", "dapi0123", "os/x"};

            strcpy(text, good[w]);
            strcat(text, bad[b]);
            strcat(text, "X-Evil: 1");
            switch (w) {
            case 0: r.method = text; break;
            case 1: r.path = text; break;
            case 2: r.host = text; break;
            case 3: r.token = text; break;
            default: r.user_agent_extra = text; break;
            }
            strcpy(what, where[w]);
            expect_refused(&r, what);

            /* The same text without the control byte is accepted (except where
             * the space or colon in "X-Evil: 1" is itself not allowed), which
             * shows the refusal above is about that byte. */
            if (w >= 3) {
                uint8_t buf[1024];
                size_t total = 0;
                strcpy(text, good[w]);
                strcat(text, "X-Evil: 1");
                assert_int_equal(dbtok__http_write_request(buf, sizeof buf, &r, 0, &total), DBTOK_OK);
            }
        }
    }
}

static void test_invalid_values(void **state)
{
    static const char *const hosts[] = {"", "a b", "a_b", "exa/mple.com", "h:8443", "[::1", "::1]", "[]",
                                        "[host]", "[beef]", "[1.2.3.4]", "x.com.", "\xc3\xa9.com", "a%25eth0", "user@host"};
    static const char *const paths[] = {"", "api/2.0/token/list", "/a b", "/\xc3\xa9", "*", "http://x/y"};
    static const char *const methods[] = {"", "GE T", "G\"ET", "G(ET", "GET\xc3\xa9"};
    char long_host[DBTOK_MAX_HOST_LEN + 2];
    http_request r;
    size_t i;
    size_t total = 0;
    uint8_t buf[1024];

    (void)state;
    for (i = 0; i < sizeof hosts / sizeof hosts[0]; i++) {
        r = base_request();
        r.host = hosts[i];
        /* "x.com." (a fully qualified name) is allowed; the rest are not. */
        if (strcmp(hosts[i], "x.com.") == 0) {
            assert_int_equal(dbtok__http_write_request(buf, sizeof buf, &r, 0, &total), DBTOK_OK);
        } else {
            expect_refused(&r, hosts[i]);
        }
    }
    for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        r = base_request();
        r.path = paths[i];
        expect_refused(&r, paths[i]);
    }
    for (i = 0; i < sizeof methods / sizeof methods[0]; i++) {
        r = base_request();
        r.method = methods[i];
        expect_refused(&r, methods[i]);
    }

    /* Host length: DBTOK_MAX_HOST_LEN accepted, one more refused. */
    memset(long_host, 'a', sizeof long_host - 1);
    long_host[DBTOK_MAX_HOST_LEN] = '\0';
    r = base_request();
    r.host = long_host;
    assert_int_equal(dbtok__http_write_request(buf, sizeof buf, &r, 0, &total), DBTOK_OK);
    long_host[DBTOK_MAX_HOST_LEN] = 'a';
    long_host[DBTOK_MAX_HOST_LEN + 1] = '\0';
    expect_refused(&r, "long host");

    r = base_request();
    r.token = "";
    expect_refused(&r, "empty token");
    r = base_request();
    r.port = 0;
    expect_refused(&r, "port 0");
    r = base_request();
    r.token = NULL;
    expect_refused(&r, "NULL token");
    r = base_request();
    r.host = NULL;
    expect_refused(&r, "NULL host");
    r = base_request();
    r.path = NULL;
    expect_refused(&r, "NULL path");
    r = base_request();
    r.method = NULL;
    expect_refused(&r, "NULL method");

    r = base_request();
    assert_int_equal(dbtok__http_write_request(buf, sizeof buf, NULL, 0, &total), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok__http_write_request(buf, sizeof buf, &r, 0, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok__http_write_request(NULL, 10, &r, 0, &total), DBTOK_ERR_INVALID_ARG);
}

/* Every capacity below the need: refused with the same need reported and
 * the buffer, body first, untouched. The exact need then succeeds. */
static void test_buffer_too_small(void **state)
{
    static const char body[] = "{\"comment\":\"factory\",\"lifetime_seconds\":3600}";
    http_request r = base_request();
    uint8_t buf[512];
    uint8_t before[sizeof buf];
    size_t need = 0;
    size_t cap;
    size_t total;

    (void)state;
    r.method = "POST";
    r.path = "/api/2.0/token/create";
    memset(buf, CANARY, sizeof buf);
    memcpy(buf, body, sizeof body - 1);
    memcpy(before, buf, sizeof buf);

    /* Measuring alone: no buffer at all. */
    assert_int_equal(dbtok__http_write_request(NULL, 0, &r, sizeof body - 1, &need), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_true(need > 200 && need < sizeof buf);

    for (cap = 0; cap < need; cap++) {
        total = 0;
        assert_int_equal(dbtok__http_write_request(buf, cap, &r, sizeof body - 1, &total), DBTOK_ERR_BUFFER_TOO_SMALL);
        assert_int_equal(total, need);
        assert_memory_equal(buf, before, sizeof buf);
    }
    assert_int_equal(dbtok__http_write_request(buf, need, &r, sizeof body - 1, &total), DBTOK_OK);
    assert_int_equal(total, need);
    assert_memory_equal(buf + need - (sizeof body - 1), body, sizeof body - 1);
    assert_memory_equal(buf, "POST /api/2.0/token/create HTTP/1.1\r\n", 37);
    assert_memory_equal(buf + need, before + need, sizeof buf - need);
}

static void test_buf_put_counts_past_cap(void **state)
{
    uint8_t mem[8];
    http_buf b = {mem, 5, 0};
    http_buf m = {NULL, 0, 0};

    (void)state;
    memset(mem, CANARY, sizeof mem);
    dbtok__http_buf_puts(&b, "abc");
    assert_false(http_buf_overflow(&b));
    dbtok__http_buf_put(&b, "defg", 4); /* would cross the cap: counted, not written */
    assert_int_equal(b.len, 7);
    assert_true(http_buf_overflow(&b));
    dbtok__http_buf_put(&b, "h", 1); /* fits in the gap, but the text is already broken */
    assert_int_equal(b.len, 8);
    assert_memory_equal(mem, "abc", 3);
    assert_int_equal(mem[3], CANARY);
    assert_int_equal(mem[4], CANARY);
    assert_int_equal(mem[5], CANARY);

    b.len = 0;
    dbtok__http_buf_puts(&b, "abcde"); /* exactly full is not an overflow */
    assert_false(http_buf_overflow(&b));
    assert_memory_equal(mem, "abcde", 5);
    assert_int_equal(mem[5], CANARY);
    dbtok__http_buf_put(&b, "", 0);
    assert_false(http_buf_overflow(&b));

    dbtok__http_buf_puts(&m, "measure");
    dbtok__http_buf_put_u32(&m, 1234);
    assert_int_equal(m.len, 11);
    assert_true(http_buf_overflow(&m));
}

static void expect_number(int64_t i, uint32_t u, int use_u32, const char *want)
{
    uint8_t mem[32];
    http_buf b = {mem, sizeof mem, 0};

    if (use_u32) {
        dbtok__http_buf_put_u32(&b, u);
    } else {
        dbtok__http_buf_put_i64(&b, i);
    }
    assert_int_equal(b.len, strlen(want));
    assert_memory_equal(mem, want, b.len);
}

static void test_put_numbers(void **state)
{
    (void)state;
    expect_number(0, 0, 0, "0");
    expect_number(7, 0, 0, "7");
    expect_number(-1, 0, 0, "-1");
    expect_number(3600, 0, 0, "3600");
    expect_number(-86400, 0, 0, "-86400");
    expect_number(INT64_MAX, 0, 0, "9223372036854775807");
    expect_number(INT64_MIN, 0, 0, "-9223372036854775808");
    expect_number(0, 0, 1, "0");
    expect_number(0, 10, 1, "10");
    expect_number(0, UINT32_MAX, 1, "4294967295");
}

/* Quotes, backslashes and control characters are escaped, UTF-8 passes, and
 * at every capacity the string is either all there or counted as overflow
 * with nothing written past the cap. */
static void test_json_string(void **state)
{
    static const char in[] = "a\"b\\c\n\x01\x1f\xc3\xa9/";
    static const char want[] = "x\"a\\\"b\\\\c\\n\\u0001\\u001f\xc3\xa9/\"";
    uint8_t mem[64];
    size_t need = sizeof want - 1;
    size_t cap;

    (void)state;
    for (cap = 0; cap <= need + 2; cap++) {
        http_buf b = {mem, cap, 0};
        size_t i;
        memset(mem, CANARY, sizeof mem);
        dbtok__http_buf_put(&b, "x", 1);
        dbtok__http_buf_put_json_string(&b, in, sizeof in - 1);
        assert_int_equal(b.len, need);
        if (cap >= need) {
            assert_false(http_buf_overflow(&b));
            assert_memory_equal(mem, want, need);
        } else {
            assert_true(http_buf_overflow(&b));
        }
        for (i = (cap < need) ? cap : need; i < sizeof mem; i++) {
            assert_int_equal(mem[i], CANARY);
        }
    }

    {
        http_buf b = {mem, sizeof mem, 0};
        dbtok__http_buf_put_json_string(&b, "", 0);
        assert_int_equal(b.len, 2);
        assert_memory_equal(mem, "\"\"", 2);
    }
}

/* The public checks dbtok_init() and the writer share, as an application
 * (the CLI) calls them on its settings. */
static void test_config_check_host(void **state)
{
    static const char *const good[] = {"example.cloud.databricks.com", "Adb-1.Azuredatabricks.NET", "127.0.0.1",
                                       "localhost", "::1", "[::1]", "fe80::1", "::ffff:127.0.0.1"};
    static const char *const bad[] = {"", "my_host.internal", "exa mple.com", "example.com:443", "[]",
                                      "[1.2.3.4]", "[zz::1]", "zz::1", "[::1", "example.com/x", "user@h",
                                      "h\r\nX: y"};
    char long_name[DBTOK_MAX_HOST_LEN + 2];
    size_t i;
    (void)state;
    for (i = 0; i < sizeof good / sizeof good[0]; i++) {
        if (dbtok_config_check_host(good[i], strlen(good[i])) != DBTOK_OK) {
            fail_msg("host \"%s\" refused", good[i]);
        }
    }
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dbtok_config_check_host(bad[i], strlen(bad[i])) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("host \"%s\" accepted", bad[i]);
        }
    }
    /* A span: what follows len is not read; a NUL inside it is refused. */
    assert_int_equal(dbtok_config_check_host("example.com/path", 11), DBTOK_OK);
    assert_int_equal(dbtok_config_check_host("a\0b", 3), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_config_check_host(NULL, 3), DBTOK_ERR_INVALID_ARG);
    memset(long_name, 'a', sizeof long_name);
    assert_int_equal(dbtok_config_check_host(long_name, DBTOK_MAX_HOST_LEN), DBTOK_OK);
    assert_int_equal(dbtok_config_check_host(long_name, DBTOK_MAX_HOST_LEN + 1), DBTOK_ERR_INVALID_ARG);
}

static void test_config_check_token(void **state)
{
    static const char *const bad[] = {"", "dapi abc", "dapi\tabc", "dapi\r\nX: 1", "dapi\x7f", "dapi\xc3\xa9",
                                      " dapi"};
    size_t i;
    (void)state;
    assert_int_equal(dbtok_config_check_token("dapi0123abcd", 12), DBTOK_OK);
    assert_int_equal(dbtok_config_check_token("!~#dapi", 7), DBTOK_OK);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (dbtok_config_check_token(bad[i], strlen(bad[i])) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("token #%zu accepted", i);
        }
    }
    assert_int_equal(dbtok_config_check_token("dapi x", 4), DBTOK_OK);
    assert_int_equal(dbtok_config_check_token(NULL, 4), DBTOK_ERR_INVALID_ARG);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_exact),
        cmocka_unit_test(test_workspace_id),
        cmocka_unit_test(test_post_exact),
        cmocka_unit_test(test_post_empty_body),
        cmocka_unit_test(test_patch_with_body),
        cmocka_unit_test(test_body_longer_than_head),
        cmocka_unit_test(test_host_and_port),
        cmocka_unit_test(test_ipv6_host),
        cmocka_unit_test(test_user_agent_extra),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_invalid_values),
        cmocka_unit_test(test_buffer_too_small),
        cmocka_unit_test(test_buf_put_counts_past_cap),
        cmocka_unit_test(test_put_numbers),
        cmocka_unit_test(test_json_string),
        cmocka_unit_test(test_config_check_host),
        cmocka_unit_test(test_config_check_token),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
