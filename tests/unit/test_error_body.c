/*
 * Unit tests of error answers: what dbtok_last_error reports from JSON error
 * bodies, plain text and HTML answers, redirects, and dbtok_strerror.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api_fixture.h"

static void test_error_code_integer(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 403, "{\"error_code\": 403, \"message\": \"Invalid access token.\"}"));
    fake_add_response(conn, json(fx, 500, "{}"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 403);
    assert_string_equal(last(fx)->error_code, "403");
    assert_string_equal(last(fx)->message, "Invalid access token.");

    /* nothing but a status: API error with empty code and message */
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 500);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "");
    assert_int_equal(rec.calls, 0);
}

/* The older shapes the service still sends, read as the Databricks SDKs read
 * them, and only where the usual fields say nothing. */
static void test_older_error_shapes(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        const char *body;
        const char *code;
        const char *message;
    } rows[] = {
        {"usual", "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"gone\"}", "RESOURCE_DOES_NOT_EXIST", "gone"},
        {"API 1.2", "{\"error\":\"Token not found\"}", "", "Token not found"},
        {"API 1.2 beside a code", "{\"error_code\":\"X\",\"error\":\"e\"}", "X", "e"},
        {"OAuth", "{\"error\":\"invalid_client\",\"error_description\":\"Client authentication failed\"}",
         "invalid_client", "Client authentication failed"},
        {"OAuth under a usual code", "{\"error_code\":\"C\",\"message\":\"m\",\"error\":\"e\",\"error_description\":\"d\"}",
         "C", "m"},
        {"SCIM", "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"detail\":\"User not found\","
                 "\"status\":\"404\"}",
         "404", "User not found"},
        {"SCIM, status a number", "{\"detail\":\"d\",\"status\":404}", "404", "d"},
        {"SCIM detail alone", "{\"detail\":\"d\"}", "", "d"},
        {"SCIM under a usual message", "{\"message\":\"m\",\"detail\":\"d\",\"status\":\"500\"}", "", "m"},
        {"error of another type", "{\"error\":{\"code\":1}}", "", ""},
        {"error given twice", "{\"error\":\"a\",\"error\":\"b\"}", "", ""},
        {"a NUL in detail", "{\"detail\":\"a\\u0000b\",\"status\":\"400\"}", "", ""},
    };
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 404, rows[i].body));
    }
    start(fx);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        ROW_INT_EQUAL(rows[i].name, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        ROW_INT_EQUAL(rows[i].name, last(fx)->http_status, 404);
        ROW_STRING_EQUAL(rows[i].name, last(fx)->error_code, rows[i].code);
        ROW_STRING_EQUAL(rows[i].name, last(fx)->message, rows[i].message);
    }
}

/* An echoed bearer token never reaches the message a caller prints, and a
 * plain-text body ending in a newline is not "truncated". */
static void test_error_message_hides_bearer(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, json(fx, 403, "{\"error_code\":403,\"message\":\"bad token " BEARER " here\"}"));
    fake_add_response(conn, response(fx, 400, "text/plain", "", "Invalid Token\n"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_API);
    assert_null(strstr(last(fx)->message, BEARER));
    assert_non_null(strstr(last(fx)->message, "bad token [REDACTED]"));
    assert_non_null(strstr(last(fx)->message, " here"));
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "Invalid Token");
    assert_false(last(fx)->message_truncated);
}

static void test_error_message_truncated(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    const size_t fit = DBTOK_MAX_ERROR_MESSAGE_LEN - 1;
    const char *exact = repeat(fx, 'e', fit);
    const char *longer = repeat(fx, 'm', fit + 1);
    const char *much = repeat(fx, 'z', 3 * DBTOK_MAX_ERROR_MESSAGE_LEN);
    const char *long_code = repeat(fx, 'C', 2 * DBTOK_MAX_ERROR_CODE_LEN);

    fake_add_response(conn, json(fx, 400, fmt(fx, "{\"error_code\":\"E\",\"message\":\"%s\"}", exact)));
    fake_add_response(conn, json(fx, 400, fmt(fx, "{\"error_code\":\"E\",\"message\":\"%s\"}", longer)));
    fake_add_response(conn, json(fx, 400, fmt(fx, "{\"error_code\":\"%s\",\"message\":\"%s\"}", long_code, much)));
    start(fx);

    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->message, exact);
    assert_false(last(fx)->message_truncated);

    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(strlen(last(fx)->message), fit);
    assert_memory_equal(last(fx)->message, longer, fit);
    assert_true(last(fx)->message_truncated);

    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(strlen(last(fx)->message), fit);
    assert_true(last(fx)->message_truncated);
    assert_int_equal(strlen(last(fx)->error_code), DBTOK_MAX_ERROR_CODE_LEN - 1);
    assert_memory_equal(last(fx)->error_code, long_code, DBTOK_MAX_ERROR_CODE_LEN - 1);
}

static void test_redirect(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;

    fake_add_response(conn, "HTTP/1.1 302 Found\r\nLocation: https://" HOST "/login?next_url=%2Fapi\r\n"
                            "Content-Length: 0\r\n\r\n");
    fake_add_response(conn, json_h(fx, 301, "Location: https://elsewhere/\r\n", CREATE_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_REDIRECT);
    assert_int_equal(last(fx)->err, DBTOK_ERR_REDIRECT);
    assert_int_equal(last(fx)->http_status, 302);
    assert_int_equal(rec.calls, 0);
    /* a 3xx is never a success, even with a body that would parse; after a
     * create it cannot prove that no token was made */
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(last(fx)->http_status, 301);
    assert_int_equal(fake_complete_requests(&fx->script, NULL), 2);
}

static const char LOGIN_PAGE[] =
    "<!DOCTYPE html>\n<html><head><title>Databricks - Sign In</title></head>"
    "<body><form action=\"/login.html\">{\"token_infos\":[]}</form></body></html>\n";

static void test_html_login_page_200(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, response(fx, 200, "text/html; charset=utf-8", "", LOGIN_PAGE));
    fake_queue_response(&fx->script, response(fx, 200, "text/html; charset=utf-8", "", LOGIN_PAGE));
    fake_queue_response(&fx->script, response(fx, 200, "text/html", "", LOGIN_PAGE));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_NOT_JSON);
    assert_int_equal(rec.calls, 0);
    assert_int_equal(last(fx)->http_status, 200);
    assert_string_equal(last(fx)->message, "");
    /* a 2xx that is not a token: one may have been made */
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(last(fx)->http_status, 200);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->err, DBTOK_ERR_NOT_JSON);
}

static void test_proxy_503_html(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, response(fx, 503, "text/html", "Retry-After: 30\r\n",
                                     "<html><body><h1>503 Service Unavailable</h1>No webapps are available"
                                     "</body></html>"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->http_status, 503);
    assert_int_equal(last(fx)->retry_after_ms, 30000);
    assert_string_equal(last(fx)->error_code, "");
    assert_int_equal(rec.calls, 0);
}

/* Every result has its own text; an unknown value still gets one. */
static void test_strerror_names_every_error(void **state)
{
    const char *seen[32];
    int e;
    int k;
    (void)state;
    for (e = DBTOK_OK; e >= DBTOK_ERR_PROXY_AUTH; e--) {
        const char *text = dbtok_strerror((dbtok_err)e);
        assert_non_null(text);
        assert_true(strlen(text) > 0);
        assert_string_not_equal(text, "unknown error");
        for (k = 0; k < -e; k++) {
            assert_string_not_equal(text, seen[k]);
        }
        seen[-e] = text;
    }
    assert_string_equal(dbtok_strerror((dbtok_err)(DBTOK_ERR_PROXY_AUTH - 1)), "unknown error");
    assert_string_equal(dbtok_strerror((dbtok_err)1), "unknown error");
}

static void test_plain_text_400(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;

    fake_add_response(conn, response(fx, 400, "text/plain", "", "Invalid Token"));
    fake_add_response(conn, "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 0\r\n\r\n");
    fake_add_response(conn, response(fx, 400, "text/plain", "", "bad\x01\xc3\xa9 byte"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->http_status, 400);
    assert_string_equal(last(fx)->message, "Invalid Token");
    assert_false(last(fx)->message_truncated);
    /* an empty body is not JSON either */
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_int_equal(last(fx)->http_status, 500);
    assert_string_equal(last(fx)->message, "");
    /* non-printable bytes never reach the message */
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
    assert_string_equal(last(fx)->message, "bad??? byte");
}

static void test_json_array_top_level(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200, "[{\"token_id\":\"a\"}]"));
    fake_queue_response(&fx->script, json(fx, 200, "[\"" TOKEN_VALUE "\"]"));
    fake_queue_response(&fx->script, json(fx, 400, "[1,2]"));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_JSON);
    assert_int_equal(rec.calls, 0);
    assert_int_equal(last(fx)->http_status, 200);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_JSON);
    assert_int_equal(last(fx)->http_status, 400);
}

static void test_error_reset_between_calls(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json_h(fx, 429, "Retry-After: 2\r\n",
                                   "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\",\"message\":\"m\"}"));
    fake_add_response(conn, json(fx, 200, "{}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_int_equal(last(fx)->retry_after_ms, 2000);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_OK);
    assert_int_equal(last(fx)->err, DBTOK_OK);
    assert_int_equal(last(fx)->http_status, 200);
    assert_string_equal(last(fx)->error_code, "");
    assert_string_equal(last(fx)->message, "");
    assert_int_equal(last(fx)->retry_after_ms, 0);
}

/* error_code, message and details of unexpected JSON types are ignored. */
static void test_error_body_odd_types(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const struct {
        const char *name;
        const char *body;
        const char *code;
        const char *message;
    } cases[] = {
        {"code bool, message number, details object",
         "{\"error_code\":true,\"message\":42,\"details\":{\"retry_delay\":\"3s\"}}", "", ""},
        {"code null, message array, details string", "{\"error_code\":null,\"message\":[\"m\"],\"details\":\"3s\"}",
         "", ""},
        {"negative integer code", "{\"error_code\":-7,\"message\":\"neg\"}", "-7", "neg"},
        {"code object", "{\"error_code\":{\"c\":\"E\"},\"message\":\"obj\"}", "", "obj"},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn, json(fx, 400, cases[i].body));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ROW_INT_EQUAL(cases[i].name, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
        ROW_INT_EQUAL(cases[i].name, last(fx)->http_status, 400);
        ROW_STRING_EQUAL(cases[i].name, last(fx)->error_code, cases[i].code);
        ROW_STRING_EQUAL(cases[i].name, last(fx)->message, cases[i].message);
        ROW_INT_EQUAL(cases[i].name, last(fx)->retry_after_ms, 0);
    }
}

/* Plain-text error bodies: HTML is not quoted, the first line is, CR ends
 * it, control bytes become '?', and a line longer than the buffer is cut. */
static void test_plain_text_bodies(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    /* The body is `fill` copies of fill_ch, then text; a NULL message says
     * only its length is known. */
    static const struct {
        const char *name;
        char fill_ch;
        size_t fill;
        const char *text;
        const char *message;
        size_t message_len;
        bool truncated;
    } cases[] = {
        {"html is not quoted", 0, 0, "<b>bad</b>", "", 0, false},
        {"the first line only", 0, 0, "first\r\nsecond", "first", 5, false},
        {"control bytes become '?'", 0, 0, "tab\there\x01", "tab?here?", 9, false},
        {"a line longer than the buffer is cut", 'L', DBTOK_MAX_ERROR_MESSAGE_LEN + 10, "", NULL,
         DBTOK_MAX_ERROR_MESSAGE_LEN - 1, true},
        {"exactly as long as the buffer holds, then the newline: not cut", 'M', DBTOK_MAX_ERROR_MESSAGE_LEN - 1, "\n",
         NULL, DBTOK_MAX_ERROR_MESSAGE_LEN - 1, false},
        {"CR alone ends the line", 0, 0, "only\rcr", "only", 4, false},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_add_response(conn, response(fx, 400, "text/plain", "",
                                         fmt(fx, "%s%s", repeat(fx, cases[i].fill_ch, cases[i].fill), cases[i].text)));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        ROW_INT_EQUAL(cases[i].name, dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_NOT_JSON);
        if (cases[i].message != NULL) {
            ROW_STRING_EQUAL(cases[i].name, last(fx)->message, cases[i].message);
        }
        ROW_INT_EQUAL(cases[i].name, strlen(last(fx)->message), cases[i].message_len);
        ROW_INT_EQUAL(cases[i].name, last(fx)->message_truncated, cases[i].truncated);
    }
}

/* An error body that breaks the rule (a key dbtok reads given twice, at the
 * top or in a details entry; an error_code or message holding \u0000) is
 * unreadable: the call is still DBTOK_ERR_API with the status, which the
 * service did send, but nothing of the body is believed: no code, no
 * message, no RetryInfo hint. */
static void test_error_body_breaking_the_rule(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {
        "{\"error_code\":\"A\",\"error_code\":\"B\",\"message\":\"m\"}",
        "{\"error_code\":\"A\",\"error\\u005fcode\":\"A\",\"message\":\"m\"}",
        "{\"error_code\":null,\"error_code\":\"B\",\"message\":\"m\"}",
        "{\"error_code\":403,\"message\":\"m\",\"message\":\"n\"}",
        "{\"error_code\":\"A\",\"message\":\"m\",\"details\":[],\"details\":[]}",
        "{\"error_code\":\"A\",\"message\":\"m\",\"details\":[{\"@type\":\"google.rpc.RetryInfo\","
        "\"retry_delay\":\"3s\",\"retry_delay\":\"9s\"}]}",
        "{\"error_code\":\"A\",\"message\":\"m\",\"details\":[{\"@type\":\"x\",\"@type\":\"google.rpc.RetryInfo\","
        "\"retry_delay\":\"3s\"}]}",
        "{\"error_code\":\"A\\u0000B\",\"message\":\"m\"}",
        "{\"error_code\":\"A\",\"message\":\"m\\u0000 hidden\"}",
    };
    size_t i;

    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 400, bodies[i]));
    }
    fx->script.auto_conns = true;
    start(fx);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_err err = dbtok_token_revoke(&fx->client, "x");
        if (err != DBTOK_ERR_API || last(fx)->http_status != 400 || last(fx)->error_code[0] != 0 ||
            last(fx)->message[0] != 0 || last(fx)->retry_after_ms != 0) {
            fail_msg("body %zu (%s): got %d, status %d, code \"%s\", message \"%s\", retry %u ms", i, bodies[i],
                     (int)err, last(fx)->http_status, last(fx)->error_code, last(fx)->message,
                     (unsigned)last(fx)->retry_after_ms);
        }
    }
}

/* What the rule leaves alone in an error body: \u0000 and repeats in
 * fields dbtok does not read, or in @type and retry_delay, which are never
 * handed out (they then just do not match). */
static void test_error_body_within_the_rule(void **state)
{
    fixture *fx = *state;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script,
                        json(fx, 429, "{\"x\":\"\\u0000\",\"x\":1,\"error_code\":\"E\",\"message\":\"m\",\"details\":["
                                      "{\"@type\":\"google.rpc.RetryInfo\\u0000\",\"retry_delay\":\"5s\"},"
                                      "{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":\"1s\\u0000\"},"
                                      "{\"@type\":\"google.rpc.RetryInfo\",\"retry_delay\":\"2s\",\"y\":1,\"y\":2}]}"));
    start(fx);
    assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_API);
    assert_string_equal(last(fx)->error_code, "E");
    assert_string_equal(last(fx)->message, "m");
    assert_int_equal(last(fx)->retry_after_ms, 2000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_error_code_integer),
        T(test_older_error_shapes),
        T(test_error_message_truncated),
        T(test_redirect),
        T(test_html_login_page_200),
        T(test_proxy_503_html),
        T(test_plain_text_400),
        cmocka_unit_test(test_strerror_names_every_error),
        T(test_error_message_hides_bearer),
        T(test_json_array_top_level),
        T(test_error_reset_between_calls),
        T(test_error_body_odd_types),
        T(test_plain_text_bodies),
        T(test_error_body_breaking_the_rule),
        T(test_error_body_within_the_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
