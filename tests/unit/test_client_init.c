/*
 * Unit tests of dbtok_init and the operations' argument checks, TLS set-up
 * that fails, and a User-Agent suffix that cannot break the request.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "api_fixture.h"

static dbtok_err try_init(fixture *fx, const dbtok_config *cfg, const dbtok_port *port, size_t work_len)
{
    dbtok_err err = dbtok_init(&fx->client, cfg, port, fx->work, work_len);
    if (err == DBTOK_OK) {
        dbtok_close(&fx->client);
    }
    return err;
}

static void test_init_rejects_invalid(void **state)
{
    fixture *fx = *state;
    static const struct {
        const char *name;
        const char *token;
    } bad_tokens[] = {
        {"empty", ""},          {"CRLF and a header", "dapi\r\nX-Evil: 1"}, {"LF", "dapi\nabc"},
        {"CR", "dapi\rabc"},     {"space", "dapi abc"},                   {"tab", "dapi\tabc"},
        {"DEL", "dapi\x7f"},     {"UTF-8", "dapi\xc3\xa9"},               {"leading space", " dapi"},
    };
    /* The port functions dbtok cannot do without, in the order the switch below removes them. */
    static const char *const required_port_fns[] = {"connect", "send", "recv", "close", "now_ms", "entropy"};
    static const char *const bad_hosts[] = {"", "example.com/path", "https://example.com", "exa mple.com",
                                            "example.com\r\nX: y", "example.com?q", "user@example.com",
                                            "example.com#x", "ex\\ample.com", "example.com:443"};
    const char *host253 = repeat(fx, 'a', DBTOK_MAX_HOST_LEN);
    const char *host254 = repeat(fx, 'a', DBTOK_MAX_HOST_LEN + 1);
    dbtok_config cfg;
    dbtok_port port;
    size_t i;

    /* the defaults are fine, optional port functions may be missing */
    assert_int_equal(try_init(fx, &fx->cfg, &fx->port, fx->work_len), DBTOK_OK);
    port = fx->port;
    port.log = NULL;
    port.unix_time = NULL;
    assert_int_equal(try_init(fx, &fx->cfg, &port, DBTOK_MIN_WORK_BUFFER), DBTOK_OK);
    cfg = fx->cfg;
    cfg.host = host253;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_OK);
    fx->script.inits = 0;

    assert_int_equal(dbtok_init(NULL, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(try_init(fx, NULL, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(try_init(fx, &fx->cfg, NULL, fx->work_len), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, NULL, fx->work_len), DBTOK_ERR_INVALID_ARG);

    cfg = fx->cfg;
    cfg.host = NULL;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    cfg.host = host254;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    for (i = 0; i < sizeof bad_hosts / sizeof bad_hosts[0]; i++) {
        cfg.host = bad_hosts[i];
        if (try_init(fx, &cfg, &fx->port, fx->work_len) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("host \"%s\" accepted", bad_hosts[i]);
        }
    }

    cfg = fx->cfg;
    cfg.token = NULL;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    for (i = 0; i < sizeof bad_tokens / sizeof bad_tokens[0]; i++) {
        cfg.token = bad_tokens[i].token;
        if (try_init(fx, &cfg, &fx->port, fx->work_len) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("token with %s accepted", bad_tokens[i].name);
        }
    }

    cfg = fx->cfg;
    cfg.user_agent_extra = "os/linux\r\nX-Evil: 1";
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    cfg.user_agent_extra = "os/linux";
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_OK);
    fx->script.inits = 0;

    cfg = fx->cfg;
    cfg.ca = NULL;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);
    cfg = fx->cfg;
    cfg.ca_len = 0;
    assert_int_equal(try_init(fx, &cfg, &fx->port, fx->work_len), DBTOK_ERR_INVALID_ARG);

    assert_int_equal(try_init(fx, &fx->cfg, &fx->port, DBTOK_MIN_WORK_BUFFER - 1), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(try_init(fx, &fx->cfg, &fx->port, 0), DBTOK_ERR_BUFFER_TOO_SMALL);

    for (i = 0; i < sizeof required_port_fns / sizeof required_port_fns[0]; i++) {
        port = fx->port;
        switch (i) {
        case 0: port.connect = NULL; break;
        case 1: port.send = NULL; break;
        case 2: port.recv = NULL; break;
        case 3: port.close = NULL; break;
        case 4: port.now_ms = NULL; break;
        default: port.entropy = NULL; break;
        }
        if (try_init(fx, &fx->cfg, &port, fx->work_len) != DBTOK_ERR_INVALID_ARG) {
            fail_msg("port without %s accepted", required_port_fns[i]);
        }
    }
    assert_int_equal(fx->script.inits, 0); /* rejected before any TLS setup */

    /* a rejected client needs no close and refuses every operation */
    {
        dbtok_created_token out;
        list_rec rec;
        cfg = fx->cfg;
        cfg.token = "bad token";
        assert_int_equal(dbtok_init(&fx->client, &cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
        rec_init(&rec);
        assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(dbtok_token_revoke(&fx->client, "x"), DBTOK_ERR_INVALID_ARG);
        assert_int_equal(fx->script.connects, 0);
    }
}

static void test_init_tls_failure(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;

    fx->script.init_err = DBTOK_ERR_CRYPTO;
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_CRYPTO);
    assert_int_equal(fx->script.inits, 1);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
    dbtok_close(&fx->client); /* harmless */
    assert_int_equal(fx->script.frees, 0);
    assert_int_equal(fx->script.connects, 0);
}

static void test_operation_arguments(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    list_rec rec;

    fake_add_conn(&fx->script);
    start(fx);
    rec_init(&rec);
    assert_int_equal(dbtok_token_create(NULL, "c", 0, &out), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_list(NULL, record_cb, &rec), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_list(&fx->client, NULL, &rec), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_revoke(NULL, "x"), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_revoke(&fx->client, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_revoke(&fx->client, ""), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(fx->script.connects, 0);
    dbtok_result_wipe(NULL); /* tolerated */
    dbtok_close(NULL);
}

static void test_user_agent_extra_cannot_break_framing(void **state)
{
    fixture *fx = *state;
    dbtok_created_token out;
    dbtok_err err;

    fake_add_conn(&fx->script);
    fx->cfg.user_agent_extra = "x/1\r\nX-Evil: 1";
    err = dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len);
    if (err == DBTOK_OK) {
        err = dbtok_token_create(&fx->client, "c", 0, &out);
    }
    assert_int_equal(err, DBTOK_ERR_INVALID_ARG);
    assert_int_equal(fake_total_sent(&fx->script), 0);
}

/* Occurrences of needle in hay[0..len). */
static int count_in(const char *hay, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    size_t i;
    int count = 0;
    for (i = 0; i + n <= len; i++) {
        count += memcmp(hay + i, needle, n) == 0;
    }
    return count;
}

/* A workspace id goes out on every request of every call, once, right
 * after the credential; one that could break the header is refused before
 * anything is sent. */
static void test_workspace_id_on_every_request(void **state)
{
    fixture *fx = *state;
    fake_conn *conn = fake_add_conn(&fx->script);
    dbtok_created_token out;
    list_rec rec;

    fake_add_response(conn, json(fx, 200, CREATE_BODY));
    fake_add_response(conn, json(fx, 200, LIST_BODY));
    fake_add_response(conn, json(fx, 200, "{}"));
    fx->cfg.workspace_id = "1234567890123456";
    start(fx);
    assert_int_equal(dbtok_token_create(&fx->client, "c", 0, &out), DBTOK_OK);
    rec_init(&rec);
    assert_int_equal(dbtok_token_list(&fx->client, record_cb, &rec), DBTOK_OK);
    assert_int_equal(dbtok_token_revoke(&fx->client, TOKEN_ID), DBTOK_OK);
    assert_int_equal(count_in((const char *)conn->sent, conn->sent_len, "HTTP/1.1\r\n"), 3);
    assert_int_equal(count_in((const char *)conn->sent, conn->sent_len,
                              "\r\nAuthorization: Bearer " BEARER "\r\nX-Databricks-Workspace-Id: 1234567890123456\r\n"),
                     3);
    dbtok_close(&fx->client);

    fx->cfg.workspace_id = "123\r\nX-Evil: 1";
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
    fx->cfg.workspace_id = "12345678901234567890";
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_ERR_INVALID_ARG);
    fx->cfg.workspace_id = "";
    assert_int_equal(dbtok_init(&fx->client, &fx->cfg, &fx->port, fx->work, fx->work_len), DBTOK_OK);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_workspace_id_on_every_request),
        T(test_init_rejects_invalid),
        T(test_init_tls_failure),
        T(test_operation_arguments),
        T(test_user_agent_extra_cannot_break_framing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
