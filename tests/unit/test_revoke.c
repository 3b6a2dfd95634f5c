/*
 * Unit tests of dbtok_token_revoke: the request, and an id the service does not know.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_fixture.h"

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_revoke_request_and_success),
        T(test_revoke_unknown_id),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
