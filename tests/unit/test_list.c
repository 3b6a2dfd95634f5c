/*
 * Unit tests of dbtok_token_list through the client: entries in order, odd
 * and bad bodies, a callback that stops, chunked answers and many entries.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api_fixture.h"

static void test_list_entries_in_order(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    check_only_sent(conn, request(fx, "GET", PATH_LIST, HOST, NULL));
    assert_false(fake_contains(conn->sent, conn->sent_len, "Content-Length"));
}

static void test_list_absent_or_null_is_empty(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {"{}", "{\"token_infos\":null}", "{\"token_infos\":[]}",
                                         " \r\n\t{ \"other\" : [ ] , \"token_infos\" : null } \n"};
    list_rec rec;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
    start(fx);
    rec_init(&rec);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_err err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_OK) {
            fail_msg("body %zu (%s): got %d", i, bodies[i], (int)err);
        }
    }
    assert_int_equal(rec.calls, 0);
}

static void test_list_token_infos_not_array(void **state)
{
    fixture *fx = *state;
    static const char *const bodies[] = {"{\"token_infos\":{}}", "{\"token_infos\":\"x\"}", "{\"token_infos\":5}",
                                         "{\"token_infos\":true}", "{\"token_infos\":false}",
                                         "{\"token_infos\":{\"token_id\":\"a\"}}"};
    list_rec rec;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, bodies[i]));
    }
    start(fx);
    rec_init(&rec);
    for (i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dbtok_err err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_ERR_JSON) {
            fail_msg("body %zu (%s): got %d, want DBTOK_ERR_JSON", i, bodies[i], (int)err);
        }
    }
    assert_int_equal(rec.calls, 0);
}

/* The list streams: entries before a bad one have been handed out, the bad
 * one and everything after it never are, and the call fails. */
static void test_list_bad_entry_never_handed_out(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *body;
        int good; /* entries before the bad one */
    } cases[] = {
        /* the third entry lacks token_id */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\"},{\"comment\":\"no id\"}]}", 2},
        /* the last entry is not an object */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\"},\"c\"]}", 2},
        {"{\"token_infos\":[{\"token_id\":\"a\"},null]}", 1},
        /* bad times or comment in the second */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"expiry_time\":\"never\"}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"creation_time\":1e3}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"comment\":[\"x\"]}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":7}]}", 1},
        /* broken JSON after the first entry */
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\" \"comment\":\"c\"}]}", 1},
        {"{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\xff\"}]}", 1},
        /* broken JSON after the list */
        {"{\"token_infos\":[{\"token_id\":\"a\"}],}", 1},
    };
    list_rec rec;
    size_t i;

    fx->script.auto_conns = true;
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_queue_response(&fx->script, json(fx, 200, cases[i].body));
    }
    start(fx);
    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_err err;
        rec_init(&rec);
        err = dbtok_token_list(&fx->client, record_cb, &rec);
        if (err != DBTOK_ERR_JSON || rec.calls != cases[i].good) {
            fail_msg("body %zu (%s): got %d after %d callbacks, want DBTOK_ERR_JSON after %d", i,
                     cases[i].body, (int)err, rec.calls, cases[i].good);
        }
    }
}

static void test_list_callback_aborts(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(c1, json(fx, 200, LIST_BODY));
    fake_add_response(c1, json(fx, 200, LIST_BODY)); /* must not be used: the connection was closed */
    fake_add_response(c2, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    rec.stop_at = 2;
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_ABORTED);
    assert_int_equal(rec.calls, 2);
    assert_int_equal(last(fx)->err, DBTOK_ERR_ABORTED);
    assert_true(c1->disconnected);
    assert_false(fx->script.open);

    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_int_equal(fx->script.connects, 2);
    assert_int_equal(c1->send_calls, 1);
    assert_int_equal(c2->send_calls, 1);
}

static void test_list_one_byte_chunks(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(conn, json_h(fx, 200, "X-Request-Id: 1234\r\n", LIST_BODY))->chunk = 1;
    fake_add_response(conn, chunked(fx, LIST_BODY, 5))->chunk = 1;
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_true(conn->recv_calls > strlen(LIST_BODY));
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    check_list_body_rec(&rec);
    assert_int_equal(fx->script.connects, 1);
}

static void test_list_chunked(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    list_rec rec;
    size_t pieces[] = {1, 7, 64, 100000};
    size_t i;

    for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        fake_add_response(conn, chunked(fx, LIST_BODY, pieces[i]))->chunk = i * 13;
    }
    start(fx);
    for (i = 0; i < sizeof pieces / sizeof pieces[0]; i++) {
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        check_list_body_rec(&rec);
    }
    assert_int_equal(fx->script.connects, 1);
}

#define MANY 40 /* about 11 KB of body and jsmn tokens in the 16 KB work buffer */

static void test_list_many_tokens(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    sbuf b = pool_open(fx);
    list_rec rec;
    int i;

    sb_add(&b, "{\"token_infos\":[");
    for (i = 0; i < MANY; i++) {
        sb_add(&b, "%s{\"token_id\":\"%064d\",\"creation_time\":%d,\"expiry_time\":-1,\"comment\":\"n%d\"}",
               i > 0 ? "," : "", i, i, i);
    }
    sb_add(&b, "]}");
    fake_add_response(conn, json(fx, 200, pool_close(fx, &b)))->chunk = 1000;
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_true(rec.views_ok);
    assert_int_equal(rec.calls, MANY);
    for (i = 0; i < MANY; i++) {
        char want[16];
        snprintf(want, sizeof want, "n%d", i);
        assert_string_equal(rec.comment[i], want);
        assert_int_equal(rec.created[i], i);
    }
}

/* A null comment is no comment, in a create answer and in list entries. */
static void test_null_comment_is_empty(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;

    fake_add_response(conn,
                      json(fx, 200, "{\"token_value\":\"v\",\"token_info\":{\"token_id\":\"t\",\"comment\":null}}"));
    fake_add_response(conn, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":null}]}"));
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(out.info.comment.len, 0);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(rec.calls, 1);
}

static int nul_comment_cb(void *user, const dbtok_token_info *info)
{
    int *ok = user;
    *ok = *ok + (info->comment.len == 4 && memcmp(info->comment.ptr, "x\0y\0", 5) == 0 ? 1 : 100);
    return 0;
}

/* Through the client: one token whose comment holds \u0000 does not break
 * the list; a repeated key does, as malformed. */
static void test_list_nul_comment_and_duplicates(void **state)
{
    fixture *fx = *state;
    int ok = 0;
    list_rec rec;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, json(fx, 200,
                                          "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"x\\u0000y\\u0000\","
                                          "\"\\u0000\":\"\\u0000\"}]}"));
    fake_queue_response(&fx->script,
                        json(fx, 200,
                             "{\"token_infos\":[{\"token_id\":\"a\"},{\"token_id\":\"b\",\"token_id\":\"c\"}]}"));
    fake_queue_response(&fx->script, json(fx, 200, "{\"token_infos\":[],\"token_infos\":[{\"token_id\":\"a\"}]}"));
    start(fx);
    assert_int_equal(dbtok_token_list(&fx->client, nul_comment_cb, &ok), DBTOK_OK);
    assert_int_equal(ok, 1);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_JSON);
    assert_int_equal(rec.calls, 1);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_JSON);
    assert_int_equal(rec.calls, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_list_entries_in_order),
        T(test_list_absent_or_null_is_empty),
        T(test_list_token_infos_not_array),
        T(test_list_bad_entry_never_handed_out),
        T(test_list_callback_aborts),
        T(test_list_one_byte_chunks),
        T(test_list_chunked),
        T(test_list_many_tokens),
        T(test_null_comment_is_empty),
        T(test_list_nul_comment_and_duplicates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
