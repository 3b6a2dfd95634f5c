/*
 * Unit tests of dbtok_token_create_recover: a create whose answer is lost is
 * found by its marker in a list, revoked, and sent again.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "api_fixture.h"

/* The fake entropy counts up from 0, so the first marker is predictable. */
#define MARKER_1 "[dbtok:0001020304050607]"

#define MARKER_2 "[dbtok:08090a0b0c0d0e0f]"

/* The create's answer is lost after the server acted: the token carrying the
 * marker is found, revoked, and the create sent once more with a new marker. */
static void test_recover_revokes_the_orphan(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    fake_conn *list = fake_add_conn(&fx->script);
    fake_conn *revoke = fake_add_conn(&fx->script);
    fake_conn *check = fake_add_conn(&fx->script);
    fake_conn *create = fake_add_conn(&fx->script);
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(list, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"other\",\"comment\":\"x\"},"
                                           "{\"token_id\":\"orphan\",\"comment\":\"dev " MARKER_1 "\"}]}"));
    fake_add_response(revoke, json(fx, 200, "{}"));
    /* the revoke is believed once a list shows the orphan gone */
    fake_add_response(check, json(fx, 200, "{\"token_infos\":[{\"token_id\":\"other\",\"comment\":\"x\"}]}"));
    fake_add_response(create, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 60, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
    assert_true(fake_contains(revoke->sent, revoke->sent_len, "{\"token_id\":\"orphan\"}"));
    assert_true(fake_contains(lost->sent, lost->sent_len, "\"comment\":\"dev " MARKER_1 "\""));
    assert_true(fake_contains(create->sent, create->sent_len, "\"comment\":\"dev " MARKER_2 "\""));
    /* every request of the recovery on a connection of its own */
    assert_int_equal(fx->script.connects, 5);
}

/* Nothing carries the marker (the create never took effect), or the orphan
 * is gone already (404): either way the create is sent again. */
static void test_recover_without_orphan(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 3;
    r->end = FAKE_END_CLOSE;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"a\",\"comment\":\"" MARKER_1 "\"}]}"));
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"gone\"}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, NULL, 0, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 2);
    /* no comment given: the marker alone */
    assert_true(fake_contains(lost->sent, lost->sent_len, "{\"comment\":\"" MARKER_1 "\"}"));
}

/* A list that names the token the caller holds (a rotation's old token)
 * with the lost create's marker is not believed: that token is never
 * revoked, and the create is sent again. */
static void test_recover_never_revokes_the_held_token(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"held\",\"comment\":\"dev " MARKER_1 "\"}]}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok__create_recover(dbtok__state_of(&fx->client), "dev", 0, NULL, "held", &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 0);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 2);
}

/* The recovery's own list fails: a token may exist, and the caller is told. */
static void test_recover_list_fails(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_conn(&fx->script)->connect_err = DBTOK_ERR_CONNECT;
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    assert_int_equal(dbtok_token_create_recover(NULL, "dev", 0, &out), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, NULL), DBTOK_ERR_INVALID_ARG);
}

/* Every answer lost, every orphan removed: an error, and no token left. */
static void test_recover_gives_up(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    int round;

    /* Each lost create closes its connection; each list of the recovery
     * and each create after it opens one of its own. */
    for (round = 0; round < 3; round++) {
        fake_response *r = fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
        r->cut = true;
        r->cut_at = 0;
        r->end = FAKE_END_RESET;
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    }
    start(fx);
    /* No list showed a marker: the creates may yet be acted on, so that no
     * token exists is not known. */
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 3);
}

/* Every answer lost, but each create's token found by its marker and
 * revoked: then it is certain that none of the call's tokens exists. */
static void test_recover_gives_up_all_revoked(void **state)
{
    fixture *fx = *state;
    static const char *const markers[3] = {MARKER_1, MARKER_2, "[dbtok:1011121314151617]"};
    dbtok_created_token out;
    int round;

    for (round = 0; round < 3; round++) {
        char body[160];
        fake_response *r = fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
        r->cut = true;
        r->cut_at = 0;
        r->end = FAKE_END_RESET;
        snprintf(body, sizeof body, "{\"token_infos\":[{\"token_id\":\"o%d\",\"comment\":\"dev %s\"}]}", round,
                 markers[round]);
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, body));
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
        fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    }
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_IO);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 6);
}

/* A token of an earlier round that shows up in the list only later (the
 * service's list lagging behind its create) is still found and revoked:
 * each list looks for every marker of the call. */
static void test_recover_finds_late_orphan(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    fake_response *r;
    fake_conn *revoke;

    r = fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    r->cut = true;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{\"token_infos\":[]}"));
    r = fake_add_response(fake_add_conn(&fx->script), response(fx, 502, "text/html", "", "<html>502</html>"));
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"late\",\"comment\":\"dev " MARKER_1 "\"},"
                                    "{\"token_id\":\"now\",\"comment\":\"dev " MARKER_2 "\"}]}"));
    revoke = fake_add_conn(&fx->script);
    fake_add_response(revoke, json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"now\",\"comment\":\"dev " MARKER_2 "\"}]}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, "{}"));
    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_OK);
    assert_true(fake_contains(revoke->sent, revoke->sent_len, "{\"token_id\":\"late\"}"));
    assert_true(fake_contains(fx->script.conns[6].sent, fx->script.conns[6].sent_len, "{\"token_id\":\"now\"}"));
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 4);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
}

static int failing_entropy(void *ctx, uint8_t *buf, size_t len)
{
    (void)ctx;
    (void)buf;
    (void)len;
    return -1;
}

/* No entropy, no marker: create_recover fails before sending anything. */
static void test_recover_entropy_fails(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    dbtok_client blank;

    fake_add_response(fake_add_conn(&fx->script), json(fx, 200, CREATE_BODY));
    fx->port.entropy = failing_entropy;
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_CRYPTO);
    assert_int_equal(fake_complete_requests(&fx->script, NULL), 0);
    memset(&blank, 0, sizeof blank);
    assert_int_equal(dbtok_token_create_recover(&blank, "dev", 0, &out), DBTOK_ERR_INVALID_ARG);
}

/* Recovery that cannot remove the orphan: the revoke refused (not 404), or
 * the orphan's id too long to send back. Both end in OUTCOME_UNKNOWN. When
 * two entries carry the marker, the first is the one revoked. */
static void test_recover_orphan_not_removed(void **state)
{
    fixture *fx = *state;
    fake_conn *lost = fake_add_conn(&fx->script);
    fake_response *r = fake_add_response(lost, json(fx, 200, CREATE_BODY));
    fake_conn *revoke;
    fake_conn *lost2;
    dbtok_created_token out;

    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200, "{\"token_infos\":[{\"token_id\":\"first\",\"comment\":\"" MARKER_1 "\"},"
                                    "{\"token_id\":\"second\",\"comment\":\"" MARKER_1 "\"}]}"));
    revoke = fake_add_conn(&fx->script);
    fake_add_response(revoke, json(fx, 403, "{\"error_code\":\"PERMISSION_DENIED\",\"message\":\"no\"}"));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_true(fake_contains(revoke->sent, revoke->sent_len, "{\"token_id\":\"first\"}"));
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 1);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);

    /* an id of 80 characters does not fit the 79 the search keeps */
    dbtok_close(&fx->client);
    fake_tls_use(&fx->script);
    lost2 = fake_add_conn(&fx->script);
    r = fake_add_response(lost2, json(fx, 200, CREATE_BODY));
    r->cut = true;
    r->cut_at = 0;
    r->end = FAKE_END_RESET;
    fake_add_response(fake_add_conn(&fx->script),
                      json(fx, 200,
                           fmt(fx, "{\"token_infos\":[{\"token_id\":\"%s\",\"comment\":\"" MARKER_1 "\"}]}",
                               repeat(fx, 'a', 80))));
    fx->pctx.entropy_byte = 0;
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_ERR_OUTCOME_UNKNOWN);
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 0);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
}

/* create_recover recovers after each unknown outcome: a 502 page, then an
 * empty 200, then a token. */
static void test_recover_after_gateway_answers(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;

    fx->script.auto_conns = true;
    fake_queue_response(&fx->script, response(fx, 502, "text/html", "", "<html>Bad Gateway</html>"));
    fake_queue_response(&fx->script, json(fx, 200, "{\"token_infos\":[]}"));
    fake_queue_response(&fx->script, response(fx, 200, "application/json", "", ""));
    fake_queue_response(&fx->script, json(fx, 200, "{}"));
    fake_queue_response(&fx->script, json(fx, 200, CREATE_BODY));
    start(fx);
    assert_int_equal(dbtok_token_create_recover(&fx->client, "dev", 0, &out), DBTOK_OK);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_recover_revokes_the_orphan),
        T(test_recover_never_revokes_the_held_token),
        T(test_recover_without_orphan),
        T(test_recover_list_fails),
        T(test_recover_gives_up),
        T(test_recover_gives_up_all_revoked),
        T(test_recover_finds_late_orphan),
        T(test_recover_entropy_fails),
        T(test_recover_orphan_not_removed),
        T(test_recover_after_gateway_answers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
