/*
 * Unit tests of the connection: keep-alive, reconnecting after a close or an
 * idle close, stray bytes, and a connect that fails.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api_fixture.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_connect_failure),
        T(test_keep_alive_one_connection),
        T(test_connection_close_reconnects),
        T(test_stray_bytes_not_reused),
        T(test_idle_close_reconnects_before_sending),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
