/*
 * Unit tests of OAuth machine-to-machine (core/src/oauth.c): the token
 * request on the client's connection, the access token as the bearer, its
 * refresh before expiry and once after a 401, the service's refusal, what
 * is masked and traced, and what dbtok_init() refuses.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "api_fixture.h"

#define CLIENT_ID "5f1c2e4a-0b7d-4c1e-9a3f-2d6b8e0c4a11"
#define CLIENT_SECRET "dose0123456789abcdef0123456789abcdef"
#define ACCESS "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcCJ9.c2lnbmF0dXJl"
#define ACCESS_2 "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzcDIifQ.c2lnMg"
/* base64("5f1c2e4a-0b7d-4c1e-9a3f-2d6b8e0c4a11:dose0123456789abcdef0123456789abcdef") */
#define BASIC "NWYxYzJlNGEtMGI3ZC00YzFlLTlhM2YtMmQ2YjhlMGM0YTExOmRvc2UwMTIzNDU2Nzg5YWJjZGVmMDEyMzQ1Njc4OWFiY2RlZg=="
#define GRANT "grant_type=client_credentials&scope=all-apis"

static void use_oauth(fixture *fx)
{
    fx->cfg.token = NULL;
    fx->cfg.client_id = CLIENT_ID;
    fx->cfg.client_secret = CLIENT_SECRET;
}

static const char *token_answer(fixture *fx, const char *access, int expires_in)
{
    return json(fx, 200, fmt(fx, "{\"access_token\":\"%s\",\"token_type\":\"Bearer\",\"expires_in\":%d,"
                                 "\"scope\":\"all-apis\"}",
                             access, expires_in));
}

/* The token request as it must go out. */
static const char *token_request(fixture *fx)
{
    return fmt(fx,
               "POST /oidc/v1/token HTTP/1.1\r\nHost: " HOST "\r\nUser-Agent: dbtok/" DBTOK_VERSION_STRING
               "\r\nAuthorization: Basic " BASIC "\r\nAccept: application/json\r\nContent-Type: "
               "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n" GRANT,
               sizeof GRANT - 1);
}

/* An API request carrying `bearer`. */
static const char *api_request(fixture *fx, const char *method, const char *path, const char *bearer,
                               const char *body)
{
    const char *with = request(fx, method, path, HOST, body);
    const char *at = strstr(with, BEARER);
    return fmt(fx, "%.*s%s%s", (int)(at - with), with, bearer, at + strlen(BEARER));
}

static void test_oauth_flow_on_one_connection(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token t;
    list_rec rec;
    size_t off = 0;

    use_oauth(fx);
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fake_add_response(conn, json(fx, 200, LIST_BODY));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "device 42", 0, &t), DBTOK_OK);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(dbtok_token_revoke(&fx->client, TOKEN_ID), DBTOK_OK);
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_CREATE, ACCESS, "{\"comment\":\"device 42\"}"));
    check_sent(conn, &off, api_request(fx, "GET", PATH_LIST, ACCESS, NULL));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS, "{\"token_id\":\"" TOKEN_ID "\"}"));
    assert_int_equal(off, conn->sent_len);
    assert_int_equal(dbtok_get_stats(&fx->client)->connects, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->handshakes, 1);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 4);
}

/* Fetched again DBTOK_OAUTH_REFRESH_MARGIN_S before expires_in runs out (half
 * the lifetime when that is shorter), not before. */
static void test_oauth_refresh_before_expiry(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    size_t off = 0;

    use_oauth(fx);
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, token_answer(fx, ACCESS_2, 40));
    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "a"), DBTOK_OK);
    fx->pctx.now_ms += (3600u - DBTOK_OAUTH_REFRESH_MARGIN_S) * 1000u - 1u;
    assert_int_equal(dbtok_token_revoke(&fx->client, "b"), DBTOK_OK); /* still the first token */
    fx->pctx.now_ms += 1u;
    assert_int_equal(dbtok_token_revoke(&fx->client, "c"), DBTOK_OK); /* a new one first */
    fx->pctx.now_ms += 19999u;                                       /* 40 s: refreshed after 20 */
    assert_int_equal(dbtok_token_revoke(&fx->client, "d"), DBTOK_OK);
    fx->pctx.now_ms += 1u;
    assert_int_equal(dbtok_token_revoke(&fx->client, "e"), DBTOK_OK);
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS, "{\"token_id\":\"a\"}"));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS, "{\"token_id\":\"b\"}"));
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS_2, "{\"token_id\":\"c\"}"));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS_2, "{\"token_id\":\"d\"}"));
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS, "{\"token_id\":\"e\"}"));
    assert_int_equal(off, conn->sent_len);
}

/* A 401: one new token, the request once more (a create too: refused
 * unread, it made nothing). A second 401 is the answer. */
static void test_oauth_refetch_once_after_401(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const char expired[] = "{\"error_code\":\"UNAUTHENTICATED\",\"message\":\"Token expired\"}";
    dbtok_created_token t;
    size_t off = 0;

    use_oauth(fx);
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 200, "{}"));
    fake_add_response(conn, json(fx, 401, expired));
    fake_add_response(conn, token_answer(fx, ACCESS_2, 3600));
    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fake_add_response(conn, json(fx, 401, expired));
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 401, expired));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "a"), DBTOK_OK);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &t), DBTOK_OK);
    assert_int_equal(dbtok_token_revoke(&fx->client, "b"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 401);
    assert_string_equal(last(fx)->error_code, "UNAUTHENTICATED");
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS, "{\"token_id\":\"a\"}"));
    check_sent(conn, &off, api_request(fx, "POST", PATH_CREATE, ACCESS, "{\"comment\":\"c\"}"));
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_CREATE, ACCESS_2, "{\"comment\":\"c\"}"));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS_2, "{\"token_id\":\"b\"}"));
    check_sent(conn, &off, token_request(fx));
    check_sent(conn, &off, api_request(fx, "POST", PATH_DELETE, ACCESS, "{\"token_id\":\"b\"}"));
    assert_int_equal(off, conn->sent_len);
}

/* A wrong secret: the service's OAuth error, and no API request at all. */
static void test_oauth_wrong_secret(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    use_oauth(fx);
    fake_add_response(conn, json(fx, 401, "{\"error\":\"invalid_client\",\"error_description\":\"Client "
                                          "authentication failed\"}"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 401);
    assert_string_equal(last(fx)->error_code, "invalid_client");
    assert_string_equal(last(fx)->message, "Client authentication failed");
    assert_int_equal(rec.calls, 0);
    check_only_sent(conn, token_request(fx));
}

/* An answer without a usable bearer token is malformed: nothing is sent
 * with it, and nothing of it is kept. */
static void test_oauth_unusable_answers(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {
        "{\"token_type\":\"Bearer\",\"expires_in\":3600}",
        "{\"access_token\":\"\",\"expires_in\":3600}",
        "{\"access_token\":\"a b\",\"expires_in\":3600}",
        "{\"access_token\":\"a\\r\\nX-Evil: 1\",\"expires_in\":3600}",
        "{\"access_token\":\"a\\u0000b\"}",
        "{\"access_token\":\"abc\",\"token_type\":\"mac\"}",
        "{\"access_token\":\"abc\",\"expires_in\":\"3600\"}",
        "{\"access_token\":\"abc\",\"expires_in\":-1}",
        "{\"access_token\":\"abc\",\"access_token\":\"abd\"}",
        "[\"abc\"]",
    };
    size_t i;

    use_oauth(fx);
    fx->script.auto_conns = true;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
    fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"access_token\":\"%s\"}",
                                                       repeat(fx, 'x', DBTOK_MAX_OAUTH_TOKEN_LEN))));
    start(fx);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        ROW_INT_EQUAL(bodies[i], dbtok_token_revoke(&fx->client, "a"), DBTOK_ERR_JSON);
    }
    assert_int_equal(dbtok_token_revoke(&fx->client, "a"), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 0);
}

/* The secret, the access token and what the answer echoes of them are
 * masked; the trace hides the Basic credential and the access_token member. */
static void test_oauth_secrets_masked_and_traced_hidden(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    char out[512];
    const char *text = "secret " CLIENT_SECRET " token " ACCESS " end";

    use_oauth(fx);
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"no " ACCESS
                                          " or " CLIENT_SECRET "\"}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "a"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->message, "no " DBTOK_MASK_TEXT " or " DBTOK_MASK_TEXT);
    (void)dbtok_mask(&fx->client, text, strlen(text), out, sizeof out);
    assert_string_equal(out, "secret " DBTOK_MASK_TEXT " token " DBTOK_MASK_TEXT " end");
    assert_false(fake_contains(fx->pctx.log, fx->pctx.log_len, ACCESS));
    assert_false(fake_contains(fx->pctx.log, fx->pctx.log_len, BASIC));
    assert_false(fake_contains(fx->pctx.log, fx->pctx.log_len, CLIENT_SECRET));
    assert_true(fake_contains(fx->pctx.log, fx->pctx.log_len, "Authorization: Basic [REDACTED]"));
    assert_true(fake_contains(fx->pctx.log, fx->pctx.log_len, "Authorization: Bearer [REDACTED]"));
    assert_true(fake_contains(fx->pctx.log, fx->pctx.log_len, "\"access_token\":\"[REDACTED]\""));
}

/* The token request carries id and secret form-encoded, then base64'd: the
 * Authorization line it sends for them. */
static void expect_basic(fixture *fx, const char *id, const char *secret, const char *line)
{
    fake_conn *conn = fake_add_conn(&fx->script);

    fx->cfg.token = NULL;
    fx->cfg.client_id = id;
    fx->cfg.client_secret = secret;
    fake_add_response(conn, token_answer(fx, ACCESS, 3600));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "a"), DBTOK_OK);
    assert_true(fake_contains(conn->sent, conn->sent_len, line));
}

/* Form-encoded before base64 (RFC 6749 2.3.1): a ':' in the id cannot move
 * the split between id and secret. */
static void test_oauth_credentials_form_encoded(void **state)
{
    /* base64("a%3Ab:c%2Bd%25") */
    expect_basic(*state, "a:b", "c+d%", "Authorization: Basic YSUzQWI6YyUyQmQlMjU=\r\n");
}

/* Every class of character, and each base64 tail: unreserved ones go as
 * they are, everything else %XX. */
static void test_oauth_credentials_every_class(void **state)
{
    /* base64("Az09-._~:%21%2F%40%5B%60%7B") */
    expect_basic(*state, "Az09-._~", "!/@[`{", "Authorization: Basic QXowOS0uX346JTIxJTJGJTQwJTVCJTYwJTdC\r\n");
}

static void test_oauth_config_refused(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *token, *id, *secret;
    } bad[] = {
        {BEARER, CLIENT_ID, CLIENT_SECRET}, /* which one? */
        {NULL, CLIENT_ID, NULL},
        {NULL, CLIENT_ID, ""},
        {NULL, NULL, CLIENT_SECRET},
        {NULL, "id with space", CLIENT_SECRET},
        {NULL, CLIENT_ID, "secret\r\n"},
        {NULL, NULL, NULL},
    };
    size_t i;

    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fx->cfg.token = bad[i].token;
        fx->cfg.client_id = bad[i].id;
        fx->cfg.client_secret = bad[i].secret;
        assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
    }
    fx->cfg.token = "";
    fx->cfg.client_id = CLIENT_ID;
    fx->cfg.client_secret = CLIENT_SECRET;
    start(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_oauth_flow_on_one_connection),
        T(test_oauth_refresh_before_expiry),
        T(test_oauth_refetch_once_after_401),
        T(test_oauth_wrong_secret),
        T(test_oauth_unusable_answers),
        T(test_oauth_secrets_masked_and_traced_hidden),
        T(test_oauth_credentials_form_encoded),
        T(test_oauth_credentials_every_class),
        T(test_oauth_config_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
