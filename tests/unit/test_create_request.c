/*
 * Unit tests of the create request: its bytes, its JSON fields and their
 * escaping, and a comment too big for the work buffer or for its answer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"

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
        T(test_create_request_too_big),
        T(test_create_comment_must_fit_its_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
