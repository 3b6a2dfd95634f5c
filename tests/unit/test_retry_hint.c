/*
 * Unit tests of the service's retry hints as dbtok_last_error reports them:
 * RetryInfo's retry_delay and the Retry-After header, in seconds or as a date.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_fixture.h"

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
        /* the delay as written is the row's name */
        ROW_INT_EQUAL(cases[i].delay, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        ROW_STRING_EQUAL(cases[i].delay, last(fx)->error_code, "REQUEST_LIMIT_EXCEEDED");
        ROW_INT_EQUAL(cases[i].delay, last(fx)->retry_after_ms, cases[i].ms);
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

/* Only a detail whose @type ends in RetryInfo and whose retry_delay is a
 * string counts; when several do, the last one read wins. */
static void test_error_retry_info_details(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const struct {
        const char *name;
        const char *details;
        uint32_t ms;
    } cases[] = {
        {"@type too short", "[{\"@type\":\"Retry\",\"retry_delay\":\"3s\"}]", 0},
        {"not RetryInfo", "[{\"@type\":\"google.rpc.ErrorInfo\",\"retry_delay\":\"3s\"}]", 0},
        {"retry_delay not a string", "[{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":3}]", 0},
        {"@type not a string", "[{\"@type\":7,\"retry_delay\":\"3s\"}]", 0},
        {"no @type", "[{\"retry_delay\":\"3s\"}]", 0},
        {"no retry_delay", "[{\"@type\":\"google.rpc.RetryInfo\"}]", 0},
        {"odd entries before RetryInfo",
         "[\"RetryInfo\",7,{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":\"2s\"}]", 2000},
        {"the last RetryInfo wins",
         "[{\"@type\":\"RetryInfo\",\"retry_delay\":\"4s\"},{\"@type\":\"RetryInfo\",\"retry_delay\":\"9s\"}]", 9000},
        {"no details", "[]", 0},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn, json(fx, 429, fmt(fx, "{\"error_code\":\"E\",\"details\":%s}", cases[i].details)));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ROW_INT_EQUAL(cases[i].name, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        ROW_STRING_EQUAL(cases[i].name, last(fx)->error_code, "E");
        ROW_INT_EQUAL(cases[i].name, last(fx)->retry_after_ms, cases[i].ms);
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
        /* the delay as written is the row's name */
        ROW_INT_EQUAL(cases[i].delay, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        ROW_INT_EQUAL(cases[i].delay, last(fx)->retry_after_ms, cases[i].ms);
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
    /* With a wall clock, the port says it is 784111777: Sun, 06 Nov 1994 08:49:37 GMT. */
    static const struct {
        const char *name;
        bool wall_clock;
        const char *retry_after;
        uint32_t ms;
    } cases[] = {
        {"no unix_time: the date means nothing", false, "Sun, 06 Nov 1994 08:49:47 GMT", 3000},
        {"a date 10 s ahead", true, "Sun, 06 Nov 1994 08:49:47 GMT", 10000},
        {"a date already past", true, "Sun, 06 Nov 1994 08:49:27 GMT", 0},
        {"a far date is capped", true, "Sat, 28 Nov 2026 15:27:22 GMT", 0xFFFFFFFFu},
        {"delta seconds capped by the reader", true, "4294968", 4294967000u},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn, json_h(fx, 429, fmt(fx, "Retry-After: %s\r\n", cases[i].retry_after), detail));
    }
    start(fx);
    fx->pctx.unix_time = 784111777;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok__state_of(&fx->client)->port.unix_time = cases[i].wall_clock ? fake_port_unix_time : NULL;
        ROW_INT_EQUAL(cases[i].name, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        ROW_INT_EQUAL(cases[i].name, last(fx)->retry_after_ms, cases[i].ms);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_error_retry_info),
        T(test_error_retry_after_header),
        T(test_error_retry_after_zero),
        T(test_error_retry_info_details),
        T(test_error_retry_delay_forms),
        T(test_retry_after_date_and_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
