/*
 * Unit tests of answers that break HTTP or do not fit: malformed heads,
 * bodies too large, and the work buffer's bounds.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api_fixture.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_malformed_http),
        T(test_body_too_large),
        T(test_work_buffer_bounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
