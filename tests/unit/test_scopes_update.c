/*
 * Unit tests of what the Token API gained: scopes and autoscope on create
 * (dbtok_token_create_with), the scope fields of a token info and their
 * iterator, the answer's and each entry's JSON as sent (answer_json,
 * dbtok_token_list_json), and dbtok_token_update.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "api_fixture.h"

/* Every string of a list, joined by '|', each checked to end in a NUL. */
static const char *joined(fixture *fx, const dbtok_str_list *l)
{
    sbuf b = pool_open(fx);
    dbtok_str s;
    size_t pos = 0, n = 0;
    sb_add(&b, "%s", "");
    while (dbtok_str_list_next(l, &pos, &s)) {
        assert_int_equal(s.ptr[s.len], '\0');
        assert_null(memchr(s.ptr, '\0', s.len));
        sb_add(&b, "%s%s", n++ > 0 ? "|" : "", s.ptr);
    }
    assert_int_equal(n, l->count);
    return pool_close(fx, &b);
}

static const char *const SCOPED_ANSWER =
    "{\"token_value\":\"" TOKEN_VALUE "\",\"token_info\":{\"token_id\":\"" TOKEN_ID "\",\"comment\":\"c\","
    "\"scopes\":[\"sql\",\"unity-\\u0063atalog\",\"\\u00e9\\/x\"],\"autoscope_state\":\"AUTOSCOPE_STATE_RUNNING\","
    "\"inferred_scopes\":[],\"backfill_scopes\":[\"a\"],\"future\":{\"scopes\":1}},\"extra\":[1,{\"k\":null}]}";

static void test_create_with_scopes(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const char *const scopes[] = {"sql", "unity-catalog", "we\"ird\\"};
    dbtok_create_options o;
    dbtok_created_token t;

    fake_add_response(conn, json(fx, 200, SCOPED_ANSWER));
    start(fx);
    memset(&o, 0, sizeof o);
    o.comment = "c";
    o.lifetime_seconds = 600;
    o.scopes = scopes;
    o.n_scopes = 3;
    o.autoscope_enabled = true;
    assert_int_equal(dbtok_token_create_with(&fx->client, &o, &t), DBTOK_OK);
    check_only_sent(conn, request(fx, "POST", PATH_CREATE, HOST,
                                  "{\"comment\":\"c\",\"lifetime_seconds\":600,\"scopes\":[\"sql\",\"unity-catalog\","
                                  "\"we\\\"ird\\\\\"],\"autoscope_enabled\":true}"));
    assert_view_in_work(fx, t.token_value, TOKEN_VALUE);
    assert_string_equal(joined(fx, &t.info.scopes), "sql|unity-catalog|\xc3\xa9/x");
    assert_view_in_work(fx, t.info.autoscope_state, "AUTOSCOPE_STATE_RUNNING");
    assert_int_equal(t.info.inferred_scopes.count, 0);
    assert_string_equal(joined(fx, &t.info.backfill_scopes), "a");
    assert_int_equal(t.answer_json.len, 0); /* not asked for */
}

/* Nothing asked beyond comment and lifetime: the body is today's. */
static void test_create_plain_body_unchanged(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_create_options o;
    dbtok_created_token t;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    start(fx);
    memset(&o, 0, sizeof o);
    assert_int_equal(dbtok_token_create_with(&fx->client, &o, &t), DBTOK_OK);
    check_only_sent(conn, request(fx, "POST", PATH_CREATE, HOST, "{}"));
    assert_string_equal(joined(fx, &t.info.scopes), "all-apis|sql");
}

static void test_create_answer_json(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_create_options o;
    dbtok_created_token t;

    fake_add_response(conn, json(fx, 200, SCOPED_ANSWER));
    start(fx);
    memset(&o, 0, sizeof o);
    o.answer_json = true;
    assert_int_equal(dbtok_token_create_with(&fx->client, &o, &t), DBTOK_OK);
    /* As sent, escapes and unknown members kept, beside the decoded views. */
    assert_view_in_work(fx, t.answer_json, SCOPED_ANSWER);
    assert_view_in_work(fx, t.token_value, TOKEN_VALUE);
    assert_string_equal(joined(fx, &t.info.scopes), "sql|unity-catalog|\xc3\xa9/x");
    assert_int_equal(dbtok_create_options_work_needed(&o), 2 * dbtok_create_work_needed(NULL));
}

static void test_create_with_refused_before_sending(void **state)
{
    fixture *fx = *state;
    static const char *const empty[] = {"sql", ""};
    static const char *const not_utf8[] = {"\xff"};
    static const char *const null_entry[] = {NULL};
    dbtok_create_options o;
    dbtok_created_token t;
    size_t i;
    static const struct {
        const char *const *scopes;
        size_t n;
    } bad[] = {{empty, 2}, {not_utf8, 1}, {null_entry, 1}, {NULL, 1}};

    (void)fake_add_conn(&fx->script);
    start(fx);
    assert_int_equal(dbtok_token_create_with(&fx->client, NULL, &t), DBTOK_ERR_INVALID_ARG);
    for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        memset(&o, 0, sizeof o);
        o.scopes = bad[i].scopes;
        o.n_scopes = bad[i].n;
        assert_int_equal(dbtok_token_create_with(&fx->client, &o, &t), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(dbtok_create_options_work_needed(&o), 0);
    }
    /* Scopes whose echo cannot fit: not sent, the size named. */
    memset(&o, 0, sizeof o);
    o.scopes = (const char *const[]){repeat(fx, 's', WORK_LEN)};
    o.n_scopes = 1;
    assert_int_equal(dbtok_token_create_with(&fx->client, &o, &t), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(last(fx)->needed_work_len, dbtok_create_options_work_needed(&o));
    assert_true(dbtok_create_options_work_needed(&o) > WORK_LEN);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 0);
}

/* The scope fields are read by the one rule: wrong types, a repeat or a NUL
 * in any of them makes a create answer unreadable (the token may exist). */
static void test_create_scope_fields_malformed(void **state)
{
    fixture *fx = *state;
    static const char *const infos[] = {
        "\"scopes\":\"sql\"",
        "\"scopes\":[\"sql\",1]",
        "\"scopes\":[[\"sql\"]]",
        "\"scopes\":[\"a\"],\"scopes\":[\"a\"]",
        "\"scopes\":[\"a\\u0000\"]",
        "\"autoscope_state\":true",
        "\"autoscope_state\":{\"a\":1}",
        "\"inferred_scopes\":{}",
        "\"backfill_scopes\":[null]",
        "\"backfill_scopes\":[],\"backf\\u0069ll_scopes\":[]",
    };
    dbtok_created_token t;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof infos / sizeof infos[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, fmt(fx, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":"
                                                               "\"x\",%s}}", infos[i])));
    }
    start(fx);
    for (i = 0; i < sizeof infos / sizeof infos[0]; i++) {
        ROW_INT_EQUAL(infos[i], dbtok_token_create(&fx->client, NULL, 0, &t), DBTOK_ERR_OUTCOME_UNKNOWN);
    }
}

typedef struct {
    fixture *fx;
    int calls;
    const char *seen[8];
    const char *scopes[8];
    const char *autoscope[8];
} scope_rec;

static int rec_scopes(void *user, const dbtok_token_info *info)
{
    scope_rec *r = user;
    char state[64];
    if (r->calls < 8) {
        r->scopes[r->calls] = joined(r->fx, &info->scopes);
        assert_int_equal(dbtok_str_copy(state, sizeof state, info->autoscope_state), DBTOK_OK);
        r->autoscope[r->calls] = fmt(r->fx, "%s", state);
    }
    r->calls++;
    return 0;
}

static int rec_json(void *user, dbtok_str text)
{
    scope_rec *r = user;
    if (r->calls < 8) {
        r->seen[r->calls] = fmt(r->fx, "%.*s", (int)text.len, text.ptr);
    }
    r->calls++;
    return 0;
}

#define ENTRY_1 "{\"token_id\":\"a\",\"scopes\":[\"sql\",\"x\\u0079\"],\"autoscope_state\":\"AUTOSCOPE_STATE_COMPLETED\"}"
#define ENTRY_2 "{ \"future\" : [ {\"scopes\":0} ], \"token_id\" : \"b\\/c\" }"
#define LIST_TWO "{\"token_infos\":[" ENTRY_1 " , " ENTRY_2 "],\"next\":{\"k\":[]}}"

static void test_list_scopes_and_json(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    scope_rec r;

    fake_add_response(conn, json(fx, 200, LIST_TWO));
    fake_add_response(conn, json(fx, 200, LIST_TWO));
    start(fx);
    memset(&r, 0, sizeof r);
    r.fx = fx;
    assert_int_equal(dbtok_token_list(&fx->client, rec_scopes, &r), DBTOK_OK);
    assert_int_equal(r.calls, 2);
    assert_string_equal(r.scopes[0], "sql|xy");
    assert_string_equal(r.autoscope[0], "AUTOSCOPE_STATE_COMPLETED");
    assert_string_equal(r.scopes[1], "");
    assert_string_equal(r.autoscope[1], "");
    memset(&r, 0, sizeof r);
    r.fx = fx;
    assert_int_equal(dbtok_token_list_json(&fx->client, rec_json, &r), DBTOK_OK);
    assert_int_equal(r.calls, 2);
    assert_string_equal(r.seen[0], ENTRY_1);
    assert_string_equal(r.seen[1], ENTRY_2);
    assert_int_equal(dbtok_token_list_json(&fx->client, NULL, &r), DBTOK_ERR_INVALID_ARG);
}

/* The JSON flavour hands out exactly the entries the decoding one accepts:
 * an entry it would refuse fails the call there, in both. */
static void test_list_json_same_verdicts(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {
        "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"scopes\":[1]}]}",
        "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"token_id\":\"c\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\"},{\"comment\":\"no id\"}]}",
        "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"autoscope_state\":\"\\u0000\"}]}",
    };
    scope_rec r;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < 2 * (sizeof bodies / sizeof bodies[0]); i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i / 2]));
    }
    start(fx);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        memset(&r, 0, sizeof r);
        r.fx = fx;
        ROW_INT_EQUAL(bodies[i], dbtok_token_list(&fx->client, rec_scopes, &r), DBTOK_ERR_JSON);
        ROW_INT_EQUAL(bodies[i], r.calls, 1);
        memset(&r, 0, sizeof r);
        r.fx = fx;
        ROW_INT_EQUAL(bodies[i], dbtok_token_list_json(&fx->client, rec_json, &r), DBTOK_ERR_JSON);
        ROW_INT_EQUAL(bodies[i], r.calls, 1);
    }
}

static void test_update_requests(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const char *const scopes[] = {"sql", "a\"b"};
    dbtok_update_options o;
    size_t off = 0;
    int i;

    for (i = 0; i < 4; i++) {
        fake_add_response(conn, json(fx, 200, "{}"));
    }
    start(fx);
    memset(&o, 0, sizeof o);
    o.comment = "new \"one\"";
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_OK);
    check_sent(conn, &off, request(fx, "PATCH", "/api/2.0/token/" TOKEN_ID, HOST,
                                   "{\"token\":{\"comment\":\"new \\\"one\\\"\"},\"update_mask\":\"comment\"}"));
    memset(&o, 0, sizeof o);
    o.set_scopes = true;
    o.scopes = scopes;
    o.n_scopes = 2;
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_OK);
    check_sent(conn, &off, request(fx, "PATCH", "/api/2.0/token/" TOKEN_ID, HOST,
                                   "{\"token\":{\"scopes\":[\"sql\",\"a\\\"b\"]},\"update_mask\":\"scopes\"}"));
    o.comment = "";
    o.n_scopes = 0;
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_OK);
    check_sent(conn, &off, request(fx, "PATCH", "/api/2.0/token/" TOKEN_ID, HOST,
                                   "{\"token\":{\"comment\":\"\",\"scopes\":[]},\"update_mask\":\"comment,scopes\"}"));
    /* No byte of an id can change the path: '/', '?', '#', '%', space,
     * CR LF and non-ASCII are encoded. */
    memset(&o, 0, sizeof o);
    o.comment = "c";
    assert_int_equal(dbtok_token_update(&fx->client, "../delete?x=1#f %\r\n\xc3\xa9~_.-", &o), DBTOK_OK);
    check_sent(conn, &off, request(fx, "PATCH", "/api/2.0/token/..%2Fdelete%3Fx%3D1%23f%20%25%0D%0A%C3%A9~_.-", HOST,
                                   "{\"token\":{\"comment\":\"c\"},\"update_mask\":\"comment\"}"));
    assert_int_equal(off, conn->sent_len);
}

static void test_update_refused_and_unknown(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    static const char *const empty[] = {""};
    dbtok_update_options o;

    fake_add_response(conn, json(fx, 404,
                                 "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"No valid token with ID "
                                 "abc found.\"}"));
    start(fx);
    memset(&o, 0, sizeof o);
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_ERR_INVALID_ARG); /* nothing to change */
    o.comment = "\xc3";
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_ERR_INVALID_ARG);
    o.comment = NULL;
    o.set_scopes = true;
    o.scopes = empty;
    o.n_scopes = 1;
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_ERR_INVALID_ARG);
    o.scopes = NULL;
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_ERR_INVALID_ARG);
    o.n_scopes = 0;
    assert_int_equal(dbtok_token_update(&fx->client, "", &o), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_update(&fx->client, NULL, &o), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 0);
    assert_int_equal(dbtok_token_update(&fx->client, "abc", &o), DBTOK_ERR_API);
    assert_int_equal(last(fx)->http_status, 404);
    assert_string_equal(last(fx)->error_code, "RESOURCE_DOES_NOT_EXIST");
}

/* An update sets values, so a lost answer is sent again (a create's never is). */
static void test_update_retried_after_lost_answer(void **state)
{
    fixture *fx = *state;
    fake_conn *first = fake_add_conn(&fx->script);
    fake_conn *second = fake_add_conn(&fx->script);
    dbtok_update_options o;

    fake_add_response(first, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n"); /* cut before its body */
    fake_add_response(second, json(fx, 200, "{}"));
    with_sleep(fx);
    start(fx);
    memset(&o, 0, sizeof o);
    o.comment = "c";
    assert_int_equal(dbtok_token_update(&fx->client, TOKEN_ID, &o), DBTOK_OK);
    assert_int_equal(last(fx)->attempts, 2);
    assert_int_equal(dbtok_get_stats(&fx->client)->requests, 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_create_with_scopes),
        T(test_create_plain_body_unchanged),
        T(test_create_answer_json),
        T(test_create_with_refused_before_sending),
        T(test_create_scope_fields_malformed),
        T(test_list_scopes_and_json),
        T(test_list_json_same_verdicts),
        T(test_update_requests),
        T(test_update_refused_and_unknown),
        T(test_update_retried_after_lost_answer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
