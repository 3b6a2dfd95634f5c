/*
 * Unit test: the core built with every optional feature but retries left out
 * (DBTOK_ENABLE_TRACE, _HTTP_DATES, _ERROR_TEXTS, _CREATE_RECOVER, _SCOPES,
 * _RAW_JSON and _UPDATE 0, among others). Each
 * check here would fail on a default build: the port's log is called there,
 * a Retry-After date sets retry_after_ms and sets the wait, and
 * dbtok_strerror says what went wrong. That dbtok_token_create_recover and
 * the parsers are gone from the archive is features.left_out's check.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "client_internal.h"
#include "fake_tls.h"

#if DBTOK_ENABLE_TRACE || DBTOK_ENABLE_HTTP_DATES || DBTOK_ENABLE_ERROR_TEXTS || DBTOK_ENABLE_CREATE_RECOVER || \
    DBTOK_ENABLE_SCOPES || DBTOK_ENABLE_RAW_JSON || DBTOK_ENABLE_UPDATE || DBTOK_ENABLE_OAUTH_M2M
#error "this test is built with those switches 0"
#endif
#if !DBTOK_ENABLE_RETRIES
#error "this test needs retries: a Retry-After date is read to time one"
#endif

static const uint8_t fake_ca[] = "not parsed";
static fake_script script;
static fake_port_ctx pctx;
static uint8_t work[8192];
static dbtok_client client;

static int on_token(void *user, const dbtok_token_info *info)
{
    (void)user;
    (void)info;
    return 0;
}

static void start(dbtok_port *port, bool with_log)
{
    dbtok_config cfg;

    memset(&script, 0, sizeof script);
    fake_tls_use(&script);
    script.auto_conns = true;
    fake_port_make(port, &pctx, with_log);
    port->sleep_ms = fake_port_sleep_ms;
    port->unix_time = fake_port_unix_time;
    pctx.unix_time = 1793003600; /* an hour before the Retry-After date below */
    memset(&cfg, 0, sizeof cfg);
    cfg.host = "example.cloud.databricks.com";
    cfg.token = "dapi-test";
    cfg.ca = fake_ca;
    cfg.ca_len = sizeof fake_ca;
    cfg.retry.max_attempts = 2;
    cfg.retry.base_ms = 100;
    cfg.retry.max_ms = 100;
    assert_int_equal(dbtok_init(&client, &cfg, port, work, sizeof work), DBTOK_OK);
}

static void test_log_never_called(void **state)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n"
                             "{\"token_infos\":[]}";
    dbtok_port port;
    (void)state;

    start(&port, true);
    assert_non_null(port.log);
    fake_queue_response(&script, ok);
    assert_int_equal(dbtok_token_list(&client, on_token, NULL), DBTOK_OK);
    assert_int_equal(pctx.log_calls, 0);
    dbtok_close(&client);
}

/* The date lies an hour ahead: a default build would report 3,600,000 ms
 * and, with max_ms below it, give up rather than wait. */
static void test_retry_after_date_ignored(void **state)
{
    static const char unavailable[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                      "Retry-After: Mon, 26 Oct 2026 09:33:20 GMT\r\nContent-Length: 59\r\n\r\n"
                                      "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"busy 1\"}";
    dbtok_port port;
    (void)state;

    start(&port, false);
    fake_queue_response(&script, unavailable);
    fake_queue_response(&script, unavailable);
    assert_int_equal(dbtok_token_list(&client, on_token, NULL), DBTOK_ERR_API);
    assert_int_equal(dbtok_last_error(&client)->attempts, 2);
    assert_int_equal(dbtok_last_error(&client)->retry_after_ms, 0);
    assert_int_equal(pctx.sleep_count, 1);
    assert_true(pctx.sleeps[0] <= 100);
    dbtok_close(&client);
}

static void test_strerror_without_texts(void **state)
{
    (void)state;
    assert_string_equal(dbtok_strerror(DBTOK_OK), "success");
    assert_string_equal(dbtok_strerror(DBTOK_ERR_TIMEOUT), "error");
    assert_string_equal(dbtok_strerror(DBTOK_ERR_OUTCOME_UNKNOWN), "error");
}

/* Built without workspace ids, a config that names one is refused: its
 * token would otherwise reach whatever workspace the host routes to. So are
 * OAuth and proxies without theirs. */
static void test_workspace_id_refused(void **state)
{
    dbtok_port port;
    dbtok_config cfg;

    (void)state;
    start(&port, false);
    dbtok_close(&client);
    memset(&cfg, 0, sizeof cfg);
    cfg.host = "example.cloud.databricks.com";
    cfg.token = "dapi-test";
    cfg.ca = fake_ca;
    cfg.ca_len = sizeof fake_ca;
    cfg.workspace_id = "1234567890123456";
    assert_int_equal(dbtok_init(&client, &cfg, &port, work, sizeof work), DBTOK_ERR_INVALID_ARG);
    cfg.workspace_id = "";
    /* Nor OAuth: a client id is refused, not ignored for the token. */
    cfg.token = NULL;
    cfg.client_id = "sp";
    cfg.client_secret = "secret";
    assert_int_equal(dbtok_init(&client, &cfg, &port, work, sizeof work), DBTOK_ERR_INVALID_ARG);
    cfg.token = "dapi-test";
    assert_int_equal(dbtok_init(&client, &cfg, &port, work, sizeof work), DBTOK_ERR_INVALID_ARG);
    cfg.client_id = NULL;
    cfg.client_secret = NULL;
    /* Nor a proxy: connecting around the one the caller named could cross
     * a network that only the proxy may. */
    cfg.proxy.host = "proxy.example";
    assert_int_equal(dbtok_init(&client, &cfg, &port, work, sizeof work), DBTOK_ERR_INVALID_ARG);
    cfg.proxy.host = "";
    assert_int_equal(dbtok_init(&client, &cfg, &port, work, sizeof work), DBTOK_OK);
    dbtok_close(&client);
}

/* Built without the older error shapes, their fields say nothing: only the
 * status of such an answer is kept. */
static void test_older_error_shapes_left_out(void **state)
{
    dbtok_port port;
    fake_conn *conn;

    (void)state;
    start(&port, false);
    conn = fake_add_conn(&script);
    fake_add_response(conn, "HTTP/1.1 401 Unauthorized\r\nContent-Type: application/json\r\nContent-Length: 63\r\n\r\n"
                            "{\"error\":\"invalid_client\",\"error_description\":\"wrong secret..\"}");
    assert_int_equal(dbtok_token_revoke(&client, "x"), DBTOK_ERR_API);
    assert_int_equal(dbtok_last_error(&client)->http_status, 401);
    assert_string_equal(dbtok_last_error(&client)->error_code, "");
    assert_string_equal(dbtok_last_error(&client)->message, "");
    dbtok_close(&client);
}

/* Built without scopes and raw JSON, a create that asks for them is refused
 * before anything is sent (a token with less restriction than asked for
 * would be worse than none), a body naming them is refused as naming an
 * unknown field, and a list entry's scopes are an unknown member. */
static int on_scopes(void *user, const dbtok_token_info *info)
{
    *(size_t *)user += info->scopes.count + info->autoscope_state.len;
    return 0;
}

static void test_scopes_and_raw_json_left_out(void **state)
{
    static const char *const scopes[] = {"sql"};
    static const char body[] =
        "{\"token_infos\":[{\"token_id\":\"a\",\"scopes\":[\"sql\"],\"autoscope_state\":\"X\"}]}";
    char text[] = "{\"comment\": \"c\", \"scopes\": [\"sql\"]}";
    char answer[256];
    dbtok_create_request req;
    dbtok_create_options o;
    dbtok_created_token t;
    dbtok_port port;
    fake_conn *conn;
    size_t seen = 0;

    (void)state;
    start(&port, false);
    memset(&o, 0, sizeof o);
    o.scopes = scopes;
    o.n_scopes = 1;
    assert_int_equal(dbtok_token_create_with(&client, &o, &t), DBTOK_ERR_INVALID_ARG);
    o.n_scopes = 0;
    o.autoscope_enabled = true;
    assert_int_equal(dbtok_token_create_with(&client, &o, &t), DBTOK_ERR_INVALID_ARG);
    o.autoscope_enabled = false;
    o.answer_json = true;
    assert_int_equal(dbtok_token_create_with(&client, &o, &t), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_get_stats(&client)->requests, 0);
    assert_int_equal(dbtok_create_request_parse(text, strlen(text), &req), DBTOK_ERR_JSON);
    assert_int_equal(req.fault, DBTOK_REQUEST_UNKNOWN_FIELD);
    assert_int_equal(req.field.len, 6);
    conn = fake_add_conn(&script);
    (void)snprintf(answer, sizeof answer,
                   "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n%s",
                   sizeof body - 1, body);
    fake_add_response(conn, answer);
    assert_int_equal(dbtok_token_list(&client, on_scopes, &seen), DBTOK_OK);
    assert_int_equal(seen, 0);
    dbtok_close(&client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_older_error_shapes_left_out),
        cmocka_unit_test(test_workspace_id_refused),
        cmocka_unit_test(test_scopes_and_raw_json_left_out),
        cmocka_unit_test(test_log_never_called),
        cmocka_unit_test(test_retry_after_date_ignored),
        cmocka_unit_test(test_strerror_without_texts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
