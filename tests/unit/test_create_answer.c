/*
 * Unit tests of the create answer: what a 2xx body hands back, and which
 * bodies make the outcome unknown (a token may exist, its value is lost).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api_fixture.h"

static void test_create_success_parse(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    start(fx);
    memset(&out, 0xA5, sizeof out);
    assert_int_equal(dbtok_token_create(&fx->client, "device 42", 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, TOKEN_VALUE);
    assert_view_in_work(fx, out.info.token_id, TOKEN_ID);
    assert_view_in_work(fx, out.info.comment, "device 42");
    assert_int_equal(out.info.creation_time_ms, 1700000000000);
    assert_int_equal(out.info.expiry_time_ms, 1700003600000);
    assert_int_equal(last(fx)->err, DBTOK_OK);
    assert_int_equal(last(fx)->http_status, 200);
    assert_false(conn->disconnected); /* kept alive */
}

static void test_create_escapes_decoded(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 201,
                                 "{\"token_value\":\"dapi\\u0030\\/x\",\"token_info\":{\"token_id\":\"\\u0041BC\","
                                 "\"comment\":\"caf\\u00e9 \\ud83d\\ude00 \\\"q\\\" \\\\ \\/ \\n\\t \\u20AC \xc3\xa9\","
                                 "\"creation_time\":0,\"expiry_time\":-1}}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, "dapi0/x");
    assert_view_in_work(fx, out.info.token_id, "ABC");
    assert_view_in_work(fx, out.info.comment,
                        "caf\xc3\xa9 \xf0\x9f\x98\x80 \"q\" \\ / \n\t \xe2\x82\xac \xc3\xa9");
    assert_int_equal(out.info.creation_time_ms, 0);
}

static void test_create_missing_or_bad_fields(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        const char *body;
    } cases[] = {
        {"no token_value", "{\"token_info\":{\"token_id\":\"x\"}}"},
        {"token_value only nested", "{\"token_info\":{\"token_id\":\"x\",\"token_value\":\"dapiX\"}}"},
        {"no token_info", "{\"token_value\":\"dapiX\"}"},
        {"no token_id", "{\"token_value\":\"dapiX\",\"token_info\":{\"comment\":\"c\"}}"},
        {"token_value not a string", "{\"token_value\":null,\"token_info\":{\"token_id\":\"x\"}}"},
        {"token_info a string", "{\"token_value\":\"dapiX\",\"token_info\":\"x\"}"},
        {"token_info null", "{\"token_value\":\"dapiX\",\"token_info\":null}"},
        {"token_id not a string", "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":5}}"},
        {"creation_time a string",
         "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"creation_time\":\"5\"}}"},
        {"expiry_time a fraction",
         "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"expiry_time\":1.5}}"},
        {"expiry_time past INT64_MAX",
         "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"expiry_time\":9223372036854775808}}"},
        {"comment not a string", "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"comment\":7}}"},
        {"malformed JSON", "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\"},}"},
        {"NUL in a string", "{\"token_value\":\"dapi\\u0000\",\"token_info\":{\"token_id\":\"x\"}}"},
        {"two values", "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\"}} {}"},
    };
    size_t i;

    fx->script.auto_conns = true; /* whether a JSON error keeps the connection is not the point */
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, cases[i].body));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_created_token out;
        /* A 2xx answer says a token was made; unreadable, its value is lost. */
        ROW_INT_EQUAL(cases[i].name, dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
        ROW_INT_EQUAL(cases[i].name, last(fx)->err, DBTOK_ERR_OUTCOME_UNKNOWN);
        ROW_INT_EQUAL(cases[i].name, last(fx)->http_status, 200);
    }
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), i);
}

static void test_create_expiry_and_times(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_conn *conn = fake_add_conn(&fx->script);

    fake_add_response(conn, json(fx, 200,
                                 "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"a\","
                                 "\"creation_time\":1700000000000,"
                                 "\"expiry_time\":-1}}"));
    fake_add_response(conn, json(fx, 200, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"b\"}}"));
    fake_add_response(conn, json(fx, 200,
                                 "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"c\",\"creation_time\":-0,"
                                 "\"expiry_time\":9223372036854775807}}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.creation_time_ms, 1700000000000);
    assert_int_equal(out.info.expiry_time_ms, -1);
    assert_int_equal(out.info.comment.len, 0);
    assert_non_null(out.info.comment.ptr);
    assert_int_equal(out.info.comment.ptr[0], 0);

    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.creation_time_ms, 0);  /* absent */
    assert_int_equal(out.info.expiry_time_ms, -1);   /* absent: never expires */

    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.creation_time_ms, 0);
    assert_int_equal(out.info.expiry_time_ms, INT64_MAX);
}

/* Once a create went out whole, only a readable token, a 4xx or the
 * service's own "try later" say for sure whether a token was made; every
 * other answer is DBTOK_ERR_OUTCOME_UNKNOWN, and a 4xx never is. */
static void test_create_outcome_table(void **state)
{
    fixture *fx = *state;
    char big[WORK_LEN + 512];
    /* The answer has the status reported; raw, when set, is the whole
     * answer; a NULL body is an error message too large for the work buffer. */
    static const struct {
        const char *name;
        int status;
        const char *content_type;
        const char *body;
        const char *raw;
        dbtok_err want;
    } rows[] = {
        {"502 gateway page", 502, "text/html", "<html><body>502 Bad Gateway</body></html>", NULL,
         DBTOK_ERR_OUTCOME_UNKNOWN},
        {"504 empty page", 504, "text/html", "", NULL, DBTOK_ERR_OUTCOME_UNKNOWN},
        {"200 with no body", 200, "application/json", "", NULL, DBTOK_ERR_OUTCOME_UNKNOWN},
        {"204 No Content", 204, NULL, NULL, "HTTP/1.1 204 No Content\r\n\r\n", DBTOK_ERR_OUTCOME_UNKNOWN},
        {"500 INTERNAL_ERROR", 500, "application/json; charset=utf-8",
         "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"x\"}", NULL, DBTOK_ERR_OUTCOME_UNKNOWN},
        {"200 empty object", 200, "application/json; charset=utf-8", "{}", NULL, DBTOK_ERR_OUTCOME_UNKNOWN},
        {"403 html page", 403, "text/html", "<html>HTTP ERROR 403</html>", NULL, DBTOK_ERR_NOT_JSON},
        {"400 API error", 400, "application/json; charset=utf-8",
         "{\"error_code\":\"INVALID_PARAMETER_VALUE\",\"message\":\"no\"}", NULL, DBTOK_ERR_API},
        {"429 REQUEST_LIMIT_EXCEEDED", 429, "application/json; charset=utf-8",
         "{\"error_code\":\"REQUEST_LIMIT_EXCEEDED\"}", NULL, DBTOK_ERR_API},
        {"503 html page", 503, "text/html", "<html>No webapps are available</html>", NULL, DBTOK_ERR_NOT_JSON},
        {"500 TEMPORARILY_UNAVAILABLE", 500, "application/json; charset=utf-8",
         "{\"error_code\":\"TEMPORARILY_UNAVAILABLE\"}", NULL, DBTOK_ERR_API},
        {"4xx too large for the work buffer", 400, "application/json; charset=utf-8", NULL, NULL,
         DBTOK_ERR_BUFFER_TOO_SMALL},
    };
    size_t i;

    memset(big, 'm', sizeof big);
    big[sizeof big - 1] = 0;
    fx->cfg.retry.max_attempts = 1;
    start(fx);
    for (i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        dbtok_created_token out;
        const char *answer = rows[i].raw;
        if (answer == NULL) {
            const char *body = rows[i].body != NULL ? rows[i].body
                                                    : fmt(fx, "{\"error_code\":\"X\",\"message\":\"%s\"}", big);
            answer = response(fx, rows[i].status, rows[i].content_type, "", body);
        }
        restart(fx);
        fx->script.auto_conns = true;
        fake_queue_response(&fx->script, answer);
        ROW_INT_EQUAL(rows[i].name, dbtok_token_create(&fx->client, "c", 0, &out), rows[i].want);
        ROW_INT_EQUAL(rows[i].name, last(fx)->err, rows[i].want);
        ROW_INT_EQUAL(rows[i].name, last(fx)->http_status, rows[i].status);
        ROW_INT_EQUAL(rows[i].name, fake_complete_requests(&fx->script, START_CREATE), 1);
    }
}

/* ---- one JSON rule: duplicate keys, null, \u0000 (issue 10, points 7 and 12) ---- */

/* Each body answers one create with 200 (after those queued before). */
static void queue_creates(fixture *fx, const char *const *bodies, size_t n)
{
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < n; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
}

/* The creates that queue_creates answered: each must give want. */
static void run_creates(fixture *fx, const char *const *bodies, size_t n, dbtok_err want)
{
    size_t i;
    unsigned before = fake_complete_requests(&fx->script, START_CREATE);

    for (i = 0; i < n; i++) {
        dbtok_created_token out;
        dbtok_err err = dbtok_token_create(&fx->client, NULL, 0, &out);
        if (err != want) {
            fail_msg("body %zu (%s): got %d, want %d", i, bodies[i], (int)err, (int)want);
        }
        assert_int_equal(last(fx)->http_status, 200);
    }
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), before + n);
}

static void expect_creates(fixture *fx, const char *const *bodies, size_t n, dbtok_err want)
{
    queue_creates(fx, bodies, n);
    start(fx);
    run_creates(fx, bodies, n, want);
}

/* A create answer with a key dbtok reads given twice (at the top or in
 * token_info, spelled with an escape or not, either value null) is
 * unreadable: the token exists but which value is it? dbtok would take the
 * first, most parsers the last. Like any unreadable 2xx: outcome unknown. */
static void test_create_duplicate_keys_unknown(void **state)
{
    static const char *const bodies[] = {
        "{\"token_value\":\"dapiA\",\"token_value\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\"},\"token_value\":\"dapiA\"}",
        "{\"token_value\":\"dapiA\",\"token\\u005fvalue\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"\\u0074oken_value\":\"dapiA\",\"token_value\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":null,\"token_value\":\"dapiB\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\"},\"token_info\":{\"token_id\":\"y\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"token_id\":\"y\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"token\\u005fid\":\"x\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"comment\":\"a\",\"comment\":\"b\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"comment\":null,\"comment\":\"b\"}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"creation_time\":1,\"creation_time\":2}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"expiry_time\":-1,\"expiry_time\":-1}}",
        /* and, as the list reader refuses them, containers where a field is wanted */
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":[\"x\"]}}",
        "{\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"creation_time\":{}}}",
        "{\"token_value\":{},\"token_info\":{\"token_id\":\"x\"}}",
    };
    expect_creates(*state, bodies, sizeof bodies / sizeof bodies[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

/* Keys dbtok does not read may repeat, and objects it does not read are
 * not its business. */
static void test_create_duplicate_ignored_keys_ok(void **state)
{
    static const char *const bodies[] = {
        "{\"x\":1,\"x\":2,\"token_value\":\"dapiA\",\"token_info\":{\"token_id\":\"x\",\"owners\":[],\"owners\":[]}}",
        "{\"token_value\":\"dapiA\",\"n\":{\"token_value\":\"a\",\"token_value\":\"b\"},"
        "\"token_info\":{\"token_id\":\"x\",\"m\":{\"token_id\":\"a\",\"token_id\":\"b\"}}}",
    };
    expect_creates(*state, bodies, sizeof bodies / sizeof bodies[0], DBTOK_OK);
}

/* An empty token_value is no token one can use: not a success; the token
 * may exist, so the outcome is unknown. */
static void test_create_empty_token_value_unknown(void **state)
{
    static const char *const bodies[] = {
        "{\"token_value\":\"\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_info\":{\"token_id\":\"x\",\"comment\":\"c\"},\"token_value\":\"\"}",
    };
    expect_creates(*state, bodies, sizeof bodies / sizeof bodies[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

/* \u0000 is valid JSON: in a field dbtok ignores or in the comment it
 * fails nothing (the comment comes whole, its length past the NUL); in the
 * token_value, token_id, autoscope_state or a scope, which are handed out as
 * C strings, it makes the answer unreadable (outcome unknown). */
static void test_create_nul_escapes(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    static const char *const unreadable[] = {
        "{\"token_value\":\"dapi\\u0000X\",\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\\u0000\"}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"scopes\":[\"s\\u0000\"]}}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\",\"autoscope_state\":\"\\u0000\"}}",
    };

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200,
                                          "{\"x\":\"\\u0000\",\"\\u0000\":[\"\\u0000\"],\"token_value\":\"dapiX\","
                                          "\"token_info\":{\"token_id\":\"x\",\"comment\":\"a\\u0000b\","
                                          "\"owners\":[\"\\u0000\"]}}"));
    queue_creates(fx, unreadable, sizeof unreadable / sizeof unreadable[0]);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_view_in_work(fx, out.token_value, "dapiX");
    assert_view_in_work(fx, out.info.token_id, "x");
    assert_int_equal(out.info.comment.len, 3);
    assert_memory_equal(out.info.comment.ptr, "a\0b", 4);
    run_creates(fx, unreadable, sizeof unreadable / sizeof unreadable[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

/* null is absent on every path: the optional fields take their defaults,
 * the required ones are missing. */
static void test_create_null_fields_absent(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    static const char *const missing[] = {
        "{\"token_value\":null,\"token_info\":{\"token_id\":\"x\"}}",
        "{\"token_value\":\"dapiX\",\"token_info\":null}",
        "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":null}}",
    };

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200,
                                          "{\"token_value\":\"dapiX\",\"token_info\":{\"token_id\":\"x\","
                                          "\"comment\":null,\"creation_time\":null,\"expiry_time\":null}}"));
    queue_creates(fx, missing, sizeof missing / sizeof missing[0]);
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.comment.len, 0);
    assert_int_equal(out.info.creation_time_ms, 0);
    assert_int_equal(out.info.expiry_time_ms, -1);
    run_creates(fx, missing, sizeof missing / sizeof missing[0], DBTOK_ERR_OUTCOME_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_success_parse),
        T(test_create_escapes_decoded),
        T(test_create_missing_or_bad_fields),
        T(test_create_expiry_and_times),
        T(test_create_duplicate_keys_unknown),
        T(test_create_duplicate_ignored_keys_ok),
        T(test_create_empty_token_value_unknown),
        T(test_create_nul_escapes),
        T(test_create_null_fields_absent),
        T(test_create_outcome_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
