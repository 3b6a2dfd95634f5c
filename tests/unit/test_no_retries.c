/*
 * Unit test: the core built with DBTOK_ENABLE_RETRIES 0. A 503 that a
 * default build would try again is the answer, after one request and no
 * wait, whatever config.retry asks for; the service's Retry-After is still
 * reported.
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

#if DBTOK_ENABLE_RETRIES
#error "this test is built with -DDBTOK_ENABLE_RETRIES=0"
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

static void test_one_request_no_wait(void **state)
{
    static const char unavailable[] = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                                      "Retry-After: 7\r\nContent-Length: 59\r\n\r\n"
                                      "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"busy 1\"}";
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n"
                             "{\"token_infos\":[]}";
    dbtok_port port;
    dbtok_config cfg;
    (void)state;

    memset(&script, 0, sizeof script);
    fake_tls_use(&script);
    script.auto_conns = true;
    fake_queue_response(&script, unavailable);
    fake_queue_response(&script, ok);
    fake_port_make(&port, &pctx, false);
    port.sleep_ms = fake_port_sleep_ms;
    memset(&cfg, 0, sizeof cfg);
    cfg.host = "example.cloud.databricks.com";
    cfg.token = "dapi-test";
    cfg.ca = fake_ca;
    cfg.ca_len = sizeof fake_ca;
    cfg.retry.max_attempts = 5;
    assert_int_equal(dbtok_init(&client, &cfg, &port, work, sizeof work), DBTOK_OK);
    assert_int_equal(dbtok_token_list(&client, on_token, NULL), DBTOK_ERR_API);
    assert_int_equal(dbtok_last_error(&client)->attempts, 1);
    assert_int_equal(dbtok_last_error(&client)->retry_after_ms, 7000);
    assert_int_equal(fake_complete_requests(&script, "GET /api/2.0/token/list "), 1);
    assert_int_equal(pctx.sleep_count, 0);
    dbtok_close(&client);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_one_request_no_wait)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
