/*
 * Time without a real-time clock: config.time_floor_s, the service's Date
 * learned over the (here: fake) verified connection, and
 * dbtok_trusted_time_s() over them and the port's clock.
 *
 * The fake TLS layer verifies nothing and never calls tls.c's verify
 * callback, which is what records the notAfter of a connection's server
 * certificate (server_not_after_s): each test sets it itself, as a verified
 * handshake would. The certificate checks themselves run over real TLS
 * (tests/integration/test_time_floor.py).
 *
 * Built twice: with DBTOK_ENABLE_HTTP_DATES 1, and with 0, where the floor
 * and the clock still count and no Date is ever believed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_fixture.h"

#define FLOOR 1796083200            /* 2026-12-01T00:00:00Z */
#define DATE_TEXT "Sun, 06 Nov 2033 08:49:37 GMT"
#define DATE 2014879777             /* DATE_TEXT */
#define CERT_END 2019686400         /* 2034-01-01T00:00:00Z: the server certificate's notAfter */
#define OK_BODY "{}"

static void set_cert_end(fixture *fx, int64_t end)
{
#if DBTOK_ENABLE_HTTP_DATES
    dbtok__state_of(&fx->client)->server_not_after_s = end;
#else
    (void)fx, (void)end;
#endif
}

static dbtok_client *start_at(fixture *fx, int64_t floor_s)
{
    fx->cfg.time_floor_s = floor_s;
    start(fx);
    set_cert_end(fx, CERT_END);
    return &fx->client;
}

/* One revoke answered with these header lines (each ending in CRLF), on
 * whichever connection is open. */
static dbtok_err answer_with(fixture *fx, const char *headers)
{
    (void)fake_queue_response(&fx->script, json_h(fx, 200, headers, OK_BODY));
    return dbtok_token_revoke(&fx->client, "x");
}

static const char *date_line(fixture *fx, const char *text)
{
    return fmt(fx, "Date: %s\r\n", text);
}

/* The time a believed Date gives: date with HTTP dates; without them no Date
 * is believed and the time stays otherwise. */
static int64_t learned(int64_t date, int64_t otherwise)
{
    return DBTOK_ENABLE_HTTP_DATES ? date : otherwise;
}

static void test_nothing_known_is_zero(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    assert_int_equal(dbtok_trusted_time_s(NULL), 0);
    start_at(fx, 0);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), 0);
    assert_int_equal(answer_with(fx, ""), DBTOK_OK); /* no Date */
    assert_int_equal(dbtok_trusted_time_s(&fx->client), 0);
}

static void test_floor_alone(void **state)
{
    fixture *fx = *state;

    start_at(fx, FLOOR);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
    fx->pctx.now_ms += 86400000u; /* a floor does not move with the clock: it is a bound, not a time */
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
}

static void test_negative_floor_refused(void **state)
{
    fixture *fx = *state;
    static const int64_t bad[] = {-1, INT64_MIN};
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx->cfg.time_floor_s = bad[i];
        assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
    }
    assert_int_equal(fx->script.inits, 0);
}

/* The larger of the clock and the floor; a clock that says something
 * before 1970 is a broken one, and gives no time. */
static void test_clock_and_floor(void **state)
{
    fixture *fx = *state;

    fx->port.unix_time = fake_port_unix_time;
    start_at(fx, FLOOR);
    fx->pctx.unix_time = FLOOR + 5;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR + 5);
    fx->pctx.unix_time = FLOOR - 5;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
    fx->cfg.time_floor_s = 0;
    restart(fx);
    fx->pctx.unix_time = -7;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), 0);
}

/* A Date raises the time, which then runs on with the monotonic clock, in
 * whole seconds. */
static void test_date_learned_and_running(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    fx->pctx.now_ms = 5000;
    start_at(fx, FLOOR);
    assert_int_equal(answer_with(fx, date_line(fx, DATE_TEXT)), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE, FLOOR));
    fx->pctx.now_ms += 2999;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 2, FLOOR));
    fx->pctx.now_ms += 1;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 3, FLOOR));
}

/* The three HTTP-date forms, any case of the name, spaces around the value,
 * and an error answer: its head is the service's word as much as a 2xx's. */
static void test_date_forms(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);
    static const struct {
        const char *line;
        int64_t unix_s;
    } rows[] = {
        {"date: Sun, 06 Nov 2033 08:49:37 GMT\r\n", DATE},
        {"DATE:\t Sun, 06 Nov 2033 08:49:38 GMT \t\r\n", DATE + 1},
        {"Date: Sunday, 06-Nov-33 08:49:39 GMT\r\n", DATE + 2},
        {"Date: Sun Nov  6 08:49:40 2033\r\n", DATE + 3},
    };
    size_t i;

    start_at(fx, FLOOR);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ROW_INT_EQUAL(rows[i].line, answer_with(fx, rows[i].line), DBTOK_OK);
        ROW_INT_EQUAL(rows[i].line, dbtok_trusted_time_s(&fx->client), learned(rows[i].unix_s, FLOOR));
    }
    (void)fake_queue_response(&fx->script, json_h(fx, 404, "Date: Sun, 06 Nov 2033 08:49:50 GMT\r\n",
                                   "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"no\"}"));
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 13, FLOOR));
}

/* Only ever raised: a Date before the floor, the clock or what was learned
 * is ignored; so is one equal to it. */
static void test_date_only_raises(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    start_at(fx, DATE + 10);
    assert_int_equal(answer_with(fx, date_line(fx, DATE_TEXT)), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), DATE + 10);

    fx->cfg.time_floor_s = FLOOR;
    restart(fx);
    set_cert_end(fx, CERT_END);
    (void)fake_add_conn(&fx->script);
    assert_int_equal(answer_with(fx, "Date: Sun, 06 Nov 2033 08:49:47 GMT\r\n"), DBTOK_OK);
    fx->pctx.now_ms += 5500;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 15, FLOOR));
    /* earlier than the learned time has run to: not believed */
    assert_int_equal(answer_with(fx, "Date: Sun, 06 Nov 2033 08:49:50 GMT\r\n"), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 15, FLOOR));
    /* equal: nothing changes, the learned time keeps running from 5.5 s
     * (learned anew, it would show DATE + 15 for another second) */
    assert_int_equal(answer_with(fx, "Date: Sun, 06 Nov 2033 08:49:52 GMT\r\n"), DBTOK_OK);
    fx->pctx.now_ms += 600;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 16, FLOOR));

    fx->port.unix_time = fake_port_unix_time;
    fx->cfg.time_floor_s = 0;
    restart(fx);
    set_cert_end(fx, CERT_END);
    (void)fake_add_conn(&fx->script);
    fx->pctx.unix_time = DATE + 100;
    assert_int_equal(answer_with(fx, date_line(fx, DATE_TEXT)), DBTOK_OK);
    fx->pctx.unix_time = 0; /* were DATE learned, it would now show */
    assert_int_equal(dbtok_trusted_time_s(&fx->client), 0);
}

/* A clock that runs ahead of the learned time wins over it; the learned
 * time stays, and counts again should the clock fall behind. */
static void test_clock_overtakes_learned(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    fx->port.unix_time = fake_port_unix_time;
    start_at(fx, 0);
    fx->pctx.unix_time = FLOOR;
    assert_int_equal(answer_with(fx, date_line(fx, DATE_TEXT)), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE, FLOOR));
    fx->pctx.unix_time = DATE + 1000;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), DATE + 1000);
    fx->pctx.unix_time = FLOOR;
    fx->pctx.now_ms += 2000;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE + 2, FLOOR));
}

/* What is no Date to believe, and leaves the answer as good as it was. */
static void test_date_not_believed(void **state)
{
    fixture *fx = *state;
    const char *too_long = fmt(fx, "Date: " DATE_TEXT "%s\r\n", repeat(fx, ' ', DBTOK_HTTP_LINE_MAX));
    const struct {
        const char *name;
        const char *headers;
    } rows[] = {
        {"not a date", "Date: tomorrow\r\n"},
        {"empty", "Date:\r\n"},
        {"another zone", "Date: Sun, 06 Nov 2033 08:49:37 UTC\r\n"},
        {"text after it", "Date: " DATE_TEXT " x\r\n"},
        {"two in one line", "Date: " DATE_TEXT ", " DATE_TEXT "\r\n"},
        {"a tab inside", "Date: Sun,\t06 Nov 2033 08:49:37 GMT\r\n"},
        {"bytes above ASCII", "Date: Sun, 06 N\xc3\xb6v 2033 08:49:37 GMT\r\n"},
        {"hour 24", "Date: Sun, 06 Nov 2033 24:00:00 GMT\r\n"},
        {"day 32", "Date: Sun, 32 Nov 2033 08:49:37 GMT\r\n"},
        {"day 0", "Date: Sun, 00 Nov 2033 08:49:37 GMT\r\n"},
        {"a five-digit year", "Date: Sun, 06 Nov 20330 08:49:37 GMT\r\n"},
        {"a signed year", "Date: Sun, 06 Nov +033 08:49:37 GMT\r\n"},
        {"the year 0", "Date: Sat, 01 Jan 0000 00:00:00 GMT\r\n"},
        {"the year 9999", "Date: Fri, 31 Dec 9999 23:59:59 GMT\r\n"},
        {"past the certificate's end", "Date: Sun, 01 Jan 2034 00:00:01 GMT\r\n"},
        {"twice, the same", "Date: " DATE_TEXT "\r\nDate: " DATE_TEXT "\r\n"},
        {"twice, different", "Date: " DATE_TEXT "\r\nDate: Sun, 06 Nov 2033 08:49:38 GMT\r\n"},
        {"a good one, then a bad one", "Date: " DATE_TEXT "\r\nDate: x\r\n"},
        {"a bad one, then a good one", "Date: x\r\nDate: " DATE_TEXT "\r\n"},
        {"three", "Date: " DATE_TEXT "\r\nDate: x\r\nDate: " DATE_TEXT "\r\n"},
        {"longer than a line is kept", too_long},
        {"another name", "X-Date: " DATE_TEXT "\r\nDated: " DATE_TEXT "\r\n"},
    };
    size_t i;

    (void)fake_add_conn(&fx->script);
    start_at(fx, FLOOR);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ROW_INT_EQUAL(rows[i].name, answer_with(fx, rows[i].headers), DBTOK_OK);
        ROW_INT_EQUAL(rows[i].name, dbtok_trusted_time_s(&fx->client), FLOOR);
    }
    /* the certificate's very end is still inside it */
    assert_int_equal(answer_with(fx, "Date: Sun, 01 Jan 2034 00:00:00 GMT\r\n"), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(CERT_END, FLOOR));
}

/* A control character in a header line is refused with the whole answer,
 * as in any other header: the time stays as it was. */
static void test_date_with_control_character(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    start_at(fx, FLOOR);
    assert_int_equal(answer_with(fx, "Date: Sun, 06 Nov\x01 2033 08:49:37 GMT\r\n"), DBTOK_ERR_PROTOCOL);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
}

/* Only the final head counts: neither an interim 1xx head's Date nor a
 * trailer's. */
static void test_date_outside_the_head(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    start_at(fx, FLOOR);
    (void)fake_queue_response(&fx->script, fmt(fx, "HTTP/1.1 100 Continue\r\nDate: " DATE_TEXT "\r\n\r\n%s",
                                               json(fx, 200, OK_BODY)));
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
    (void)fake_queue_response(&fx->script,
                              "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                              "2\r\n{}\r\n0\r\nDate: " DATE_TEXT "\r\n\r\n");
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
}

/* Before a server certificate was verified there is no end to bound a Date
 * with, so none is believed. */
static void test_date_without_verified_certificate(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    start_at(fx, FLOOR);
    set_cert_end(fx, 0);
    assert_int_equal(answer_with(fx, date_line(fx, DATE_TEXT)), DBTOK_OK);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), FLOOR);
}

/* A port whose monotonic clock went back must not wrap the learned time
 * centuries ahead; the longest run of a 64-bit clock does not overflow it. */
static void test_learned_time_arithmetic(void **state)
{
    fixture *fx = *state;
    (void)fake_add_conn(&fx->script);

    fx->pctx.now_ms = 10000;
    start_at(fx, 0);
    set_cert_end(fx, INT64_MAX);
    assert_int_equal(answer_with(fx, date_line(fx, DATE_TEXT)), DBTOK_OK);
    fx->pctx.now_ms = 4000;
    assert_int_equal(dbtok_trusted_time_s(&fx->client), learned(DATE, 0));
    assert_int_equal(answer_with(fx, "Date: Fri, 31 Dec 9999 23:59:59 GMT\r\n"), DBTOK_OK);
    fx->pctx.now_ms = UINT64_MAX;
    assert_int_equal(dbtok_trusted_time_s(&fx->client),
                     learned(253402300799 + (int64_t)((UINT64_MAX - 4000u) / 1000u), 0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_nothing_known_is_zero),
        T(test_floor_alone),
        T(test_negative_floor_refused),
        T(test_clock_and_floor),
        T(test_date_learned_and_running),
        T(test_date_forms),
        T(test_date_only_raises),
        T(test_clock_overtakes_learned),
        T(test_date_not_believed),
        T(test_date_with_control_character),
        T(test_date_outside_the_head),
        T(test_date_without_verified_certificate),
        T(test_learned_time_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
