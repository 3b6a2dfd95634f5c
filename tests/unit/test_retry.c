/*
 * Unit tests of retries: which answers are tried again, the backoff and the
 * service's hints, the attempt budget and the deadline.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_fixture.h"

#define ERR_429 "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"slow down\"}"

#define ERR_503 "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\",\"message\":\"busy\"}"

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

/* 429 says the create was not acted on: it is sent again, after the wait
 * RetryInfo asked for, and one token results. */
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

/* RESOURCE_EXHAUSTED is the service's other name for "too many requests"
 * (the Databricks SDKs retry it like REQUEST_LIMIT_EXCEEDED). */
static void test_retry_on_resource_exhausted(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 400, "Retry-After: 3\r\n", "{\"error_code\":\"RESOURCE_EXHAUSTED\"}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    with_sleep(fx);
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_int_equal(fx->pctx.sleep_count, 1);
    assert_int_equal(fx->pctx.sleeps[0], 3000);
    assert_int_equal(last(fx)->attempts, 2);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_retry_429_then_create),
        T(test_retry_garbled_retry_info),
        T(test_retry_backoff_doubles_to_cap),
        T(test_retry_gives_up_after_max_attempts),
        T(test_retry_stops_at_deadline),
        T(test_retry_never_resends_a_sent_create),
        T(test_retry_after_connect_failure),
        T(test_retry_after_http_date),
        T(test_no_sleep_no_retry),
        T(test_retry_on_error_code_alone),
        T(test_retry_on_resource_exhausted),
        T(test_error_duplicate_code_not_retried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
