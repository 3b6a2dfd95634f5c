/*
 * Unit tests of answers lost on the way: a create whose answer is lost is
 * never sent again, a list or revoke is, and every answer cut at every byte.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "api_fixture.h"

typedef enum { OP_CREATE, OP_LIST, OP_REVOKE } matrix_op;

static dbtok_err run_op(fixture *fx, matrix_op op, list_rec *rec)
{
    dbtok_created_token out;
    rec_init(rec);
    switch (op) {
    case OP_CREATE:
        return dbtok_token_create(&fx->client, "matrix", 60, &out);
    case OP_LIST:
        return dbtok_token_list(&fx->client, record_cb, rec);
    default:
        return dbtok_token_revoke(&fx->client, "abc");
    }
}

static void cut_everywhere(fixture *fx, matrix_op op, const char *response)
{
    static const fake_end ends[] = {FAKE_END_CLOSE, FAKE_END_RESET};
    size_t len = strlen(response);
    size_t at;
    size_t e;

    for (e = 0; e < sizeof ends / sizeof ends[0]; e++) {
        for (at = 0; at < len; at++) {
            fake_conn *conn;
            fake_response *r;
            list_rec rec;
            dbtok_err err;

            restart(fx);
            conn = fake_add_conn(&fx->script);
            r = fake_add_response(conn, response);
            r->cut = true;
            r->cut_at = at;
            r->end = ends[e];
            r->chunk = 5;
            /* A list may be asked for again: that second try is refused. */
            fake_add_conn(&fx->script)->connect_err = DBTOK_ERR_CONNECT;
            err = run_op(fx, op, &rec);
            if (err == DBTOK_OK || (op == OP_CREATE && err != DBTOK_ERR_OUTCOME_UNKNOWN) ||
                (op == OP_REVOKE && err != DBTOK_ERR_IO && err != DBTOK_ERR_PROTOCOL) ||
                (op == OP_LIST && err != DBTOK_ERR_IO && err != DBTOK_ERR_PROTOCOL && err != DBTOK_ERR_CONNECT)) {
                fail_msg("op %d cut at %zu (end %zu): got %d", (int)op, at, e, (int)err);
            }
            if (fx->pctx.log_len > 0 && fake_contains(fx->pctx.log, fx->pctx.log_len, BEARER)) {
                fail_msg("the bearer token reached the log (op %d cut at %zu)", (int)op, at);
            }
            assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), op == OP_CREATE ? 1 : 0);
        }
    }
}

static void test_fault_matrix_every_byte(void **state)
{
    fixture *fx = *state;
    start(fx);
    cut_everywhere(fx, OP_CREATE, json(fx, 200, CREATE_BODY));
    cut_everywhere(fx, OP_LIST, json(fx, 200, LIST_BODY));
    cut_everywhere(fx, OP_LIST,
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                   "7;x=1\r\n{\"token\r\n1b\r\n_infos\":[{\"token_id\":\"a\"}]}\r\n0\r\nX-T: 1\r\n\r\n");
    cut_everywhere(fx, OP_REVOKE, json(fx, 200, "{}"));
    cut_everywhere(fx, OP_REVOKE,
                   json(fx, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"No valid token\"}"));
}

static void test_create_lost_answer_is_outcome_unknown(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        int cut;        /* offset into the response; -1: its head length; -2: a few bytes before its end */
        fake_end end;
        bool garbage;   /* answer with a malformed response instead */
        int status;     /* what the head said, when it arrived whole */
    } cases[] = {
        {"reset at 0", 0, FAKE_END_RESET, false, 0},
        {"close at 0", 0, FAKE_END_CLOSE, false, 0},
        {"timeout at 0", 0, FAKE_END_TIMEOUT, false, 0},
        {"reset mid-head", 10, FAKE_END_RESET, false, 0},
        {"close after head", -1, FAKE_END_CLOSE, false, 200},
        {"close mid-body", -2, FAKE_END_CLOSE, false, 200},
        {"reset mid-body", -2, FAKE_END_RESET, false, 200},
        {"timeout mid-body", -2, FAKE_END_TIMEOUT, false, 200},
        {"malformed response", 0, FAKE_END_CLOSE, true, 0},
    };
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dbtok_created_token out;
        const char *ok = json(fx, 200, CREATE_BODY);
        fake_conn *c1;
        fake_conn *c2;
        fake_response *r;
        dbtok_err err;

        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c2, ok); /* a second create would "succeed" here */
        if (cases[i].garbage) {
            r = fake_add_response(c1, "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n{}");
        } else {
            r = fake_add_response(c1, ok);
            r->cut = true;
            r->end = cases[i].end;
            r->cut_at = cases[i].cut == -1   ? (size_t)(strstr(ok, "\r\n\r\n") + 4 - ok)
                        : cases[i].cut == -2 ? strlen(ok) - 5
                                             : (size_t)cases[i].cut;
        }
        r->chunk = 7;
        err = dbtok_token_create(&fx->client, "device 42", 3600, &out);
        if (err != DBTOK_ERR_OUTCOME_UNKNOWN) {
            fail_msg("%s: got %d, want DBTOK_ERR_OUTCOME_UNKNOWN", cases[i].name, (int)err);
        }
        assert_int_equal(last(fx)->err, DBTOK_ERR_OUTCOME_UNKNOWN);
        assert_int_equal(last(fx)->http_status, cases[i].status);
        if (fake_complete_requests(&fx->script, START_CREATE) != 1 || fx->script.connects != 1 ||
            c2->sent_len != 0) {
            fail_msg("%s: %u complete creates over %u connects", cases[i].name,
                     fake_complete_requests(&fx->script, START_CREATE), fx->script.connects);
        }
        assert_true(c1->disconnected);
        assert_false(dbtok__state_of(&fx->client)->connected);
    }
}

/* A create whose sending broke off never reached the server whole: it is
 * sent again, as one more of its max_attempts, on a new connection. */
static void test_create_send_broken_is_sent_again(void **state)
{
    fixture *fx = *state;
    size_t full;
    size_t fail_after[3];
    size_t i;

    with_sleep(fx);
    {
        /* measure the request */
        dbtok_created_token out;
        fake_conn *c = fake_add_conn(&fx->script);
        fake_add_response(c, json(fx, 200, CREATE_BODY));
        start(fx);
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_OK);
        full = c->sent_len;
    }
    fail_after[0] = 0;
    fail_after[1] = 10;
    fail_after[2] = full - 1; /* all but the last byte */

    for (i = 0; i < 3; i++) {
        dbtok_created_token out;
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        c1->send_fails = true;
        c1->send_fail_after = fail_after[i];
        fake_add_response(c1, json(fx, 200, CREATE_BODY));
        fake_add_response(c2, json(fx, 200, CREATE_BODY));
        fake_add_response(c3, json(fx, 200, CREATE_BODY));
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_OK);
        assert_view_in_work(fx, out.token_value, TOKEN_VALUE);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(c1->sent_len, fail_after[i]);
        assert_true(c1->disconnected);
        assert_int_equal(c1->recv_calls, 0);
        assert_int_equal(c2->sent_len, full);
        assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
        assert_int_equal(c3->sent_len, 0);
        assert_int_equal(last(fx)->attempts, 2);
    }

    /* broken twice with two attempts allowed: the error, never a third */
    fx->cfg.retry.max_attempts = 2;
    {
        dbtok_created_token out;
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        c1->send_fails = true;
        c1->send_fail_after = 5;
        c2->send_fails = true;
        c2->send_fail_after = 50;
        c2->send_err = DBTOK_ERR_TIMEOUT;
        fake_add_response(c3, json(fx, 200, CREATE_BODY));
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_ERR_TIMEOUT);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 0);
        assert_int_equal(c3->sent_len, 0);
        assert_int_equal(last(fx)->attempts, 2);
    }

    /* one attempt allowed: a broken send is the answer */
    fx->cfg.retry.max_attempts = 1;
    {
        dbtok_created_token out;
        fake_conn *c1;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c1->send_fails = true;
        c1->send_fail_after = 5;
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
        assert_int_equal(dbtok_token_create(&fx->client, "device 42", 3600, &out), DBTOK_ERR_IO);
        assert_int_equal(fx->script.connects, 1);
        assert_int_equal(last(fx)->attempts, 1);
    }
}

static void test_list_lost_answer_retried_once(void **state)
{
    fixture *fx = *state;
    with_sleep(fx);
    static const struct {
        const char *name;
        size_t cut;
        fake_end end;
    } cases[] = {{"reset at 0", 0, FAKE_END_RESET}, {"close at 0", 0, FAKE_END_CLOSE}};
    size_t i;

    for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        fake_response *r;
        list_rec rec;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        r = fake_add_response(c1, json(fx, 200, LIST_BODY));
        r->cut = true;
        r->cut_at = cases[i].cut;
        r->end = cases[i].end;
        fake_add_response(c2, json(fx, 200, LIST_BODY));
        fake_add_response(c3, json(fx, 200, LIST_BODY));
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        check_list_body_rec(&rec); /* each token once */
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
        assert_int_equal(last(fx)->attempts, 2);
        assert_true(c1->disconnected);
        assert_false(c2->disconnected);
        assert_int_equal(c3->sent_len, 0);
    }

    /* the kept-alive connection turns out dead when the answer is read */
    {
        fake_conn *c1;
        fake_conn *c2;
        fake_response *r;
        list_rec rec;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c1, json(fx, 200, LIST_BODY));
        r = fake_add_response(c1, NULL);
        r->end = FAKE_END_RESET;
        fake_add_response(c2, json(fx, 200, LIST_BODY));
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
        check_list_body_rec(&rec);
        assert_int_equal(fx->script.connects, 2);
        assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 3);
    }
}

/* max_attempts bounds the requests the server sees, whatever broke: each
 * attempt is one request, and error.attempts counts them. */
static void test_list_lost_gives_up_at_max_attempts(void **state)
{
    fixture *fx = *state;
    uint8_t max;

    with_sleep(fx);
    for (max = 1; max <= 4; max++) {
        fake_conn *conns[5];
        list_rec rec;
        unsigned k;
        fx->cfg.retry.max_attempts = max;
        restart(fx);
        for (k = 0; k < 5; k++) {
            conns[k] = fake_add_conn(&fx->script);
            if (k < 4) {
                fake_add_response(conns[k], NULL)->end = FAKE_END_RESET;
            } else {
                fake_add_response(conns[k], json(fx, 200, LIST_BODY));
            }
        }
        rec_init(&rec);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_IO);
        assert_int_equal(last(fx)->err, DBTOK_ERR_IO);
        assert_int_equal(fx->script.connects, max);
        assert_int_equal(fake_complete_requests(&fx->script, START_LIST), max);
        assert_int_equal(last(fx)->attempts, max);
        assert_int_equal(dbtok__state_of(&fx->client)->stats.requests, max);
        assert_int_equal(conns[4]->sent_len, 0);
        assert_int_equal(rec.calls, 0);
    }
}

/*
 * The answer breaks off mid-body. Whether the list is sent again or the
 * loss is reported, no entry may reach the callback twice, and if the call
 * succeeds every entry arrived once, in order.
 */
static void test_list_lost_mid_body_no_duplicates(void **state)
{
    fixture *fx = *state;
    static const char *const cut_after[] = {
        "{\"token_infos\":[",                          /* before the first entry */
        "{\"token_infos\":[{\"token_id\":\"id-1\",",    /* inside the first */
        "\"comment\":\"first\"},",                      /* after the first */
        "\"comment\":\"second\",\"scopes\":[\"x\"],",    /* inside the second */
    };
    size_t i;

    for (i = 0; i < sizeof cut_after / sizeof cut_after[0]; i++) {
        const char *ok = json(fx, 200, LIST_BODY);
        const char *mark = strstr(ok, cut_after[i]);
        fake_conn *c1;
        fake_conn *c2;
        fake_conn *c3;
        fake_response *r;
        list_rec rec;
        dbtok_err err;
        int k;

        assert_non_null(mark);
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        c3 = fake_add_conn(&fx->script);
        r = fake_add_response(c1, ok);
        r->cut = true;
        r->cut_at = (size_t)(mark - ok) + strlen(cut_after[i]);
        r->end = FAKE_END_RESET;
        r->chunk = 16;
        fake_add_response(c2, ok);
        fake_add_response(c3, ok);
        rec_init(&rec);
        err = dbtok_token_list(&fx->client, record_cb, &rec);
        assert_true(rec.views_ok);
        for (k = 1; k < rec.calls && k < REC_MAX; k++) {
            int m;
            for (m = 0; m < k; m++) {
                if (strcmp(rec.id[k], rec.id[m]) == 0) {
                    fail_msg("cut %zu: entry %s handed out twice", i, rec.id[k]);
                }
            }
        }
        if (err == DBTOK_OK) {
            check_list_body_rec(&rec);
            assert_int_equal(fx->script.connects, 2);
        } else if (err != DBTOK_ERR_IO) {
            fail_msg("cut %zu: got %d, want DBTOK_OK or DBTOK_ERR_IO", i, (int)err);
        }
        assert_int_equal(c3->sent_len, 0);
    }
}

static void test_list_timeout_not_retried(void **state)
{
    fixture *fx = *state;
    fake_conn *c1 = fake_add_conn(&fx->script);
    fake_conn *c2 = fake_add_conn(&fx->script);
    list_rec rec;

    fake_add_response(c1, NULL)->end = FAKE_END_TIMEOUT;
    fake_add_response(c2, json(fx, 200, LIST_BODY));
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_TIMEOUT);
    assert_int_equal(fx->script.connects, 1);
    assert_true(c1->disconnected);
    assert_int_equal(c2->sent_len, 0);
}

static void test_revoke_lost_answer_sent_once(void **state)
{
    fixture *fx = *state;
    static const fake_end ends[] = {FAKE_END_RESET, FAKE_END_CLOSE, FAKE_END_TIMEOUT};
    static const dbtok_err want[] = {DBTOK_ERR_IO, DBTOK_ERR_IO, DBTOK_ERR_TIMEOUT};
    size_t i;

    for (i = 0; i < 3; i++) {
        fake_conn *c1;
        fake_conn *c2;
        restart(fx);
        c1 = fake_add_conn(&fx->script);
        c2 = fake_add_conn(&fx->script);
        fake_add_response(c1, NULL)->end = ends[i];
        fake_add_response(c2, json(fx, 200, "{}"));
        assert_int_equal(dbtok_token_revoke(&fx->client, TOKEN_ID), want[i]);
        assert_int_equal(last(fx)->err, want[i]);
        assert_int_equal(fx->script.connects, 1);
        assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 1);
        assert_int_equal(c2->sent_len, 0);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_fault_matrix_every_byte),
        T(test_create_lost_answer_is_outcome_unknown),
        T(test_create_send_broken_is_sent_again),
        T(test_list_lost_answer_retried_once),
        T(test_list_lost_gives_up_at_max_attempts),
        T(test_list_lost_mid_body_no_duplicates),
        T(test_list_timeout_not_retried),
        T(test_revoke_lost_answer_sent_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
