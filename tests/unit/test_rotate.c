/*
 * Unit tests of the rotation state machine (rotate.c) over the fake TLS
 * layer, against a small model of the Token API that answers what it is
 * sent (create, list, delete, OAuth's token request) and keeps its tokens.
 *
 * The walks inject one failure at a time at every point of a first
 * provisioning, of a rotation and of the boot that finishes what a power cut
 * left: each request dropped before the service,
 * acted on with its answer lost, cut in the middle of its answer, each
 * connect refused, each storage write failed or torn. In "power cut" mode
 * the same points end the run outright (RAM lost) and the device boots
 * again from its store. After every run the invariant is checked: the
 * stored token works whenever the old one did; after a clean boot the
 * service holds exactly one token of the device, the stored one; the
 * bootstrap credential is never in the store.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_fixture.h"
#include "dbtok/dbtok_rotate.h"

#define DEVICE "sensor-17"
#define MARKER "[dbtok-device:" DEVICE "]"
#define BOOTSTRAP "dapi-bootstrap-factory-0001"
#define OAUTH_ID "sp-app-id"
#define OAUTH_SECRET "sp-oauth-secret-0001"
#define OAUTH_ACCESS "eyJoauth.access.token.0001"
#define MAX_TOKENS 64
#define LIFETIME_S 3600

/* ---- the model service ---------------------------------------------------- */

typedef struct {
    char id[DBTOK__ORPHAN_ID_MAX + 8];
    char value[40];
    char comment[200];
    int64_t expiry_ms;
    bool live;
} model_token;

typedef enum {
    F_NONE,
    F_DROP,       /* the request never reaches the service */
    F_ACT_LOSE,   /* the service acts; its answer is lost */
    F_CUT_MID,    /* the answer breaks off halfway */
    F_CONNECT,    /* a connect is refused */
    F_WRITE_FAIL, /* a storage write fails, the slot untouched */
    F_WRITE_TORN, /* a storage write stops halfway */
    F_WRITE_DONE, /* (power cut only) the write completes, the cut comes before it returns */
    F_WRITE_LIE   /* the write completes and reports a failure (an fsync error after the data landed) */
} fault_kind;

typedef struct {
    fixture *fx;
    model_token tok[MAX_TOKENS];
    unsigned n_tok;
    bool bootstrap_live;
    bool deletes_ignored; /* a service that says deleted and keeps the token */
    const char *bad_value; /* the next create answers this token value */
    const char *reused_id; /* the next create answers this id (a token it already has) */
    bool echo_bootstrap;   /* lists not made with the bootstrap fail, echoing it */
    const char *date;      /* the Date every answer carries; NULL for none */
    unsigned requests;
    size_t done[FAKE_MAX_CONNS];
    bool connect_placed;
    /* the medium: two slots */
    uint8_t slot[2][DBTOK_STORE_SLOT_SIZE];
    unsigned writes;
    bool broken; /* every write fails, untouched */
    /* the armed fault, counted from arming */
    fault_kind fault;
    unsigned at;
    bool power_cut;
    bool fired;
    unsigned req_base;
    unsigned write_base;
    unsigned cut_request; /* F_CUT_MID under power cut: the request whose answer is cut */
    jmp_buf power;
} model;

static model_token *find_id(model *m, const char *id, size_t len)
{
    unsigned k;
    for (k = 0; k < m->n_tok; k++) {
        if (m->tok[k].live && strlen(m->tok[k].id) == len && memcmp(m->tok[k].id, id, len) == 0) {
            return &m->tok[k];
        }
    }
    return NULL;
}

static bool bearer_ok(const model *m, const char *b, size_t len)
{
    unsigned k;
    if ((m->bootstrap_live && len == strlen(BOOTSTRAP) && memcmp(b, BOOTSTRAP, len) == 0) ||
        (len == strlen(OAUTH_ACCESS) && memcmp(b, OAUTH_ACCESS, len) == 0)) {
        return true;
    }
    for (k = 0; k < m->n_tok; k++) {
        if (m->tok[k].live && strlen(m->tok[k].value) == len && memcmp(m->tok[k].value, b, len) == 0) {
            return true;
        }
    }
    return false;
}

/* The value of a string member named key in body (no escapes in what the
 * client sends these tests), or NULL. */
static const char *member(const char *body, const char *key, size_t *len)
{
    char pat[32];
    const char *p;
    const char *end;
    (void)snprintf(pat, sizeof pat, "\"%s\":\"", key);
    p = strstr(body, pat);
    if (p == NULL) {
        return NULL;
    }
    p += strlen(pat);
    end = strchr(p, '"');
    assert_non_null(end);
    *len = (size_t)(end - p);
    return p;
}

/* An answer of the service, with its Date when the model sends one. */
static const char *m_json(model *m, int status, const char *body)
{
    if (m->date == NULL) {
        return json(m->fx, status, body);
    }
    return json_h(m->fx, status, fmt(m->fx, "Date: %s\r\n", m->date), body);
}

static const char *answer_list(model *m)
{
    sbuf b = pool_open(m->fx);
    unsigned k;
    bool first = true;
    sb_add(&b, "{\"token_infos\":[");
    for (k = 0; k < m->n_tok; k++) {
        if (m->tok[k].live) {
            sb_add(&b, "%s{\"token_id\":\"%s\",\"creation_time\":1,\"expiry_time\":%lld,\"comment\":\"%s\"}",
                   first ? "" : ",", m->tok[k].id, (long long)m->tok[k].expiry_ms, m->tok[k].comment);
            first = false;
        }
    }
    sb_add(&b, "]}");
    return m_json(m, 200, pool_close(m->fx, &b));
}

static const char *answer_create(model *m, const char *body)
{
    model_token *t = &m->tok[m->n_tok];
    size_t len = 0;
    const char *comment = member(body, "comment", &len);
    assert_true(m->n_tok < MAX_TOKENS);
    m->n_tok++;
    (void)snprintf(t->id, sizeof t->id, "id-%u", m->n_tok);
    (void)snprintf(t->value, sizeof t->value, "dapi-value-%04u", m->n_tok);
    (void)snprintf(t->comment, sizeof t->comment, "%.*s", comment != NULL ? (int)len : 0,
                   comment != NULL ? comment : "");
    t->expiry_ms = (int64_t)(m->fx->pctx.unix_time + LIFETIME_S) * 1000;
    t->live = true;
    return m_json(m, 200, fmt(m->fx, "{\"token_value\":\"%s\",\"token_info\":{\"token_id\":\"%s\",\"creation_time\":1,"
                                       "\"expiry_time\":%lld,\"comment\":\"%s\"}}",
                                m->bad_value != NULL ? m->bad_value : t->value,
                                m->reused_id != NULL ? m->reused_id : t->id, (long long)t->expiry_ms,
                                t->comment));
}

/* What the service answers req (NUL-terminated request text). */
static const char *serve(model *m, const char *req)
{
    const char *auth = strstr(req, "\r\nAuthorization: ");
    const char *body = strstr(req, "\r\n\r\n");
    const char *b;
    size_t len;

    assert_non_null(auth);
    assert_non_null(body);
    body += 4;
    auth += strlen("\r\nAuthorization: ");
    if (strncmp(req, "POST /oidc/v1/token ", 20) == 0) {
        return m_json(m, 200, "{\"access_token\":\"" OAUTH_ACCESS "\",\"token_type\":\"Bearer\",\"expires_in\":3600}");
    }
    assert_true(strncmp(auth, "Bearer ", 7) == 0);
    auth += 7;
    if (!bearer_ok(m, auth, (size_t)(strstr(auth, "\r\n") - auth))) {
        return m_json(m, 403, "{\"error_code\":403,\"message\":\"Invalid access token.\"}");
    }
    if (strncmp(req, START_CREATE, strlen(START_CREATE)) == 0) {
        return answer_create(m, body);
    }
    if (strncmp(req, START_LIST, strlen(START_LIST)) == 0) {
        if (m->echo_bootstrap && strncmp(auth, BOOTSTRAP, strlen(BOOTSTRAP)) != 0) {
            return m_json(m, 500, "{\"error_code\":\"INTERNAL_ERROR\",\"message\":\"not " BOOTSTRAP "\"}");
        }
        return answer_list(m);
    }
    assert_true(strncmp(req, START_DELETE, strlen(START_DELETE)) == 0);
    b = member(body, "token_id", &len);
    assert_non_null(b);
    if (find_id(m, b, len) == NULL) {
        return m_json(m, 404, "{\"error_code\":\"RESOURCE_DOES_NOT_EXIST\",\"message\":\"Token unknown.\"}");
    }
    if (!m->deletes_ignored) {
        find_id(m, b, len)->live = false;
    }
    return m_json(m, 200, "{}");
}

static bool armed(model *m, fault_kind kind, unsigned count)
{
    if (m->fault != kind || m->fired || count != m->at) {
        return false;
    }
    m->fired = true;
    return true;
}

static void on_send(fake_script *s, unsigned conn_idx, size_t len, size_t sent)
{
    model *m = s->user;
    fake_conn *conn = &s->conns[conn_idx];
    char req[FAKE_SENT_MAX / 4];
    size_t n = conn->sent_len - m->done[conn_idx];
    unsigned number;
    fake_response *r;

    assert_int_equal(sent, len);
    assert_true(n < sizeof req);
    memcpy(req, conn->sent + m->done[conn_idx], n);
    req[n] = '\0';
    m->done[conn_idx] = conn->sent_len;
    number = ++m->requests - m->req_base;
    if (armed(m, F_DROP, number)) {
        if (m->power_cut) {
            longjmp(m->power, 1);
        }
        r = fake_add_response(conn, json(m->fx, 200, "{}"));
        r->cut = true;
        r->end = FAKE_END_RESET;
        return;
    }
    r = fake_add_response(conn, serve(m, req));
    /* a long run of requests moves to a new connection, as servers make it */
    conn->closed_when_idle = conn->n_resp >= FAKE_MAX_RESPONSES - 1;
    if (armed(m, F_ACT_LOSE, number)) {
        if (m->power_cut) {
            longjmp(m->power, 1);
        }
        r->cut = true;
        r->end = FAKE_END_RESET;
    } else if (armed(m, F_CUT_MID, number)) {
        r->cut = true;
        r->cut_at = strlen(r->bytes) / 2;
        r->end = FAKE_END_RESET;
        m->cut_request = m->power_cut ? conn->send_calls : 0;
    }
}

/* Under power cut, the cut answer ends the run where it breaks off. */
static void on_recv(fake_script *s, dbtok__state *c)
{
    model *m = s->user;
    fake_conn *conn = &s->conns[s->active];
    (void)c;
    if (m->cut_request != 0 && conn->send_calls == m->cut_request && conn->cur_for == conn->send_calls &&
        conn->cur != NULL && conn->cur->cut && conn->delivered >= conn->cur->cut_at) {
        m->cut_request = 0;
        longjmp(m->power, 1);
    }
}

static int medium_read(void *ctx, unsigned slot, uint8_t *buf, size_t len)
{
    model *m = ctx;
    memcpy(buf, m->slot[slot], len);
    return 0;
}

static int medium_write(void *ctx, unsigned slot, const uint8_t *buf, size_t len)
{
    model *m = ctx;
    unsigned number = ++m->writes - m->write_base;
    if (m->broken || armed(m, F_WRITE_FAIL, number)) {
        return -1;
    }
    if (armed(m, F_WRITE_TORN, number)) {
        memcpy(m->slot[slot], buf, len / 2);
        if (m->power_cut) {
            longjmp(m->power, 1);
        }
        return -1;
    }
    memcpy(m->slot[slot], buf, len);
    if (armed(m, F_WRITE_DONE, number)) {
        longjmp(m->power, 1);
    }
    return armed(m, F_WRITE_LIE, number) ? -1 : 0;
}

static dbtok_store store_of(model *m)
{
    dbtok_store s;
    s.ctx = m;
    s.read = medium_read;
    s.write = medium_write;
    return s;
}

static int keep_in_store(void *ctx, dbtok_stored_token *rec)
{
    dbtok_store s = store_of(ctx);
    return dbtok_store_save(&s, rec) == DBTOK_OK ? 0 : -1;
}

/* ---- the device ------------------------------------------------------------ */

typedef struct {
    model m;
    dbtok_device dev;
    dbtok_rotation rot;
    unsigned conns_before;
} device_ctx;

static void rotation_init(device_ctx *d)
{
    memset(&d->rot, 0, sizeof d->rot);
    d->rot.device = DEVICE;
    d->rot.create.comment = "dbtok device";
    d->rot.create.lifetime_seconds = LIFETIME_S;
    d->rot.keep = keep_in_store;
    d->rot.keep_ctx = &d->m;
}

/* A fresh client over a fresh script (the model and the store stay), with
 * credential token (NULL: the OAuth client). */
static dbtok_client *power_on(device_ctx *d, const char *token)
{
    fixture *fx = d->m.fx;
    unsigned k;
    dbtok_close(&fx->client);
    fake_tls_use(&fx->script);
    fx->pool_used = 0;
    for (k = 0; k < FAKE_MAX_CONNS; k++) {
        fake_conn *conn = fake_add_conn(&fx->script);
        /* the at-th connect of the first script after arming */
        if (d->m.fault == F_CONNECT && !d->m.connect_placed && k + 1 == d->m.at) {
            conn->connect_err = DBTOK_ERR_CONNECT;
        }
    }
    d->m.connect_placed = d->m.fault == F_CONNECT;
    memset(d->m.done, 0, sizeof d->m.done);
    fx->script.refuse_when_full = true;
    fx->script.user = &d->m;
    fx->script.on_send = on_send;
    fx->script.on_recv = on_recv;
    fx->cfg.token = token;
    fx->cfg.client_id = token == NULL ? OAUTH_ID : NULL;
    fx->cfg.client_secret = token == NULL ? OAUTH_SECRET : NULL;
    with_sleep(fx);
    return start(fx);
}

/* The record the store holds (zeroed when none). */
static void load(device_ctx *d)
{
    dbtok_store s = store_of(&d->m);
    dbtok_err err;
    memset(&d->dev, 0, sizeof d->dev);
    err = dbtok_store_load(&s, &d->dev.kept);
    assert_true(err == DBTOK_OK || err == DBTOK_ERR_NOT_FOUND);
    if (err != DBTOK_OK) {
        memset(&d->dev.kept, 0, sizeof d->dev.kept);
    }
}

static int ignore_entry(void *user, const dbtok_token_info *info)
{
    (void)user, (void)info;
    return 0;
}

/* A boot as the firmware makes it: the stored token when there is one
 * (finish what is left, use it, rotate when forced or refused), else the
 * bootstrap credential. */
static dbtok_err boot(device_ctx *d, bool force)
{
    dbtok_client *client;
    dbtok_err err;

    load(d);
    if (d->dev.kept.token_value[0] == '\0') {
        client = power_on(d, BOOTSTRAP);
        return dbtok_token_rotate(client, &d->rot, &d->dev);
    }
    client = power_on(d, d->dev.kept.token_value);
    err = dbtok_token_rotate_finish(client, &d->rot, &d->dev);
    if (err == DBTOK_OK) {
        err = dbtok_token_list(client, ignore_entry, NULL); /* the device's use of its token */
    }
    if (err == DBTOK_OK && !force) {
        return DBTOK_OK;
    }
    if (dbtok_token_refused(dbtok_last_error(client))) {
        client = power_on(d, BOOTSTRAP);
    } else if (err != DBTOK_OK) {
        return err;
    }
    return dbtok_token_rotate(client, &d->rot, &d->dev);
}

static bool live_value(const model *m, const char *value)
{
    unsigned k;
    for (k = 0; k < m->n_tok; k++) {
        if (m->tok[k].live && strcmp(m->tok[k].value, value) == 0) {
            return true;
        }
    }
    return false;
}

static unsigned live_marked(const model *m, const char **id)
{
    unsigned k;
    unsigned n = 0;
    for (k = 0; k < m->n_tok; k++) {
        /* (an entry without an id, which no one can revoke, is not counted) */
        if (m->tok[k].live && m->tok[k].id[0] != '\0' && strstr(m->tok[k].comment, MARKER) != NULL) {
            *id = m->tok[k].id;
            n++;
        }
    }
    return n;
}

static bool in_store(const model *m, const char *secret)
{
    return fake_contains(m->slot[0], sizeof m->slot, secret);
}

/* After a clean boot: one token of the device, the stored one, clean record. */
static void check_settled(device_ctx *d, const char *row)
{
    const char *id = "";
    assert_int_equal(boot(d, false), DBTOK_OK);
    load(d);
    if (!live_value(&d->m, d->dev.kept.token_value)) {
        fail_msg("%s: the stored token does not work", row);
    }
    ROW_INT_EQUAL(row, live_marked(&d->m, &id), 1);
    ROW_STRING_EQUAL(row, id, d->dev.kept.token_id);
    ROW_INT_EQUAL(row, d->dev.kept.sweep, 0);
    ROW_STRING_EQUAL(row, d->dev.kept.retire_id, "");
    if (in_store(&d->m, BOOTSTRAP)) {
        fail_msg("%s: the bootstrap credential reached the store", row);
    }
}

static void arm(model *m, fault_kind kind, unsigned at, bool power_cut)
{
    m->fault = kind;
    m->at = at;
    m->power_cut = power_cut;
    m->fired = false;
    m->cut_request = 0;
    m->req_base = m->requests;
    m->write_base = m->writes;
    m->connect_placed = false;
}

static device_ctx *new_device(void **state)
{
    device_ctx *d = calloc(1, sizeof *d);
    assert_non_null(d);
    d->m.fx = *state;
    d->m.fx->pctx.unix_time = 1796000000;
    d->m.fx->port.unix_time = fake_port_unix_time;
    d->m.bootstrap_live = true;
    rotation_init(d);
    return d;
}

static const char *const kind_names[] = {"none", "drop", "act-lose", "cut-mid", "connect",
                                         "write-fail", "write-torn", "write-done", "write-lie"};

typedef enum {
    S_PROVISIONING, /* a new device's first boot, with the bootstrap credential */
    S_ROTATION,     /* a forced rotation with the device's own token */
    S_FINISH        /* the boot after a power cut left an orphan and record 1 */
} scenario;

static const char *const scenario_names[] = {"provisioning", "rotation", "finish"};

/* One failure at point `at` of the scenario, in error or power-cut mode.
 * False when the point lies past the run's end (the fault never fired). */
static bool walk_one(void **state, scenario sc, fault_kind kind, unsigned at, bool power_cut)
{
    device_ctx *d = new_device(state);
    char row[96];
    bool fired;

    (void)snprintf(row, sizeof row, "%s, %s %u%s", scenario_names[sc], kind_names[kind], at,
                   power_cut ? ", power cut" : "");
    if (sc != S_PROVISIONING) {
        assert_int_equal(boot(d, false), DBTOK_OK);
    }
    if (sc == S_FINISH) {
        /* the power fails once the create was acted on (the boot's list is
         * request 1): the store holds record 1, the service an orphan */
        arm(&d->m, F_ACT_LOSE, 2, true);
        if (setjmp(d->m.power) == 0) {
            (void)boot(d, true);
        }
        assert_true(d->m.fired);
        load(d);
        assert_true(d->dev.kept.sweep);
    }
    arm(&d->m, kind, at, power_cut);
    if (setjmp(d->m.power) == 0) {
        (void)boot(d, sc == S_ROTATION);
    }
    fired = kind == F_CONNECT ? d->m.fx->script.connects >= at : d->m.fired;
    arm(&d->m, F_NONE, 0, false);
    if (!power_cut) {
        /* Without a reboot, the device goes on with what it holds in RAM:
         * finishing must not revoke the token the store may hold. */
        (void)dbtok_token_rotate_finish(&d->m.fx->client, &d->rot, &d->dev);
        load(d);
        if (d->dev.kept.token_value[0] != '\0' && !live_value(&d->m, d->dev.kept.token_value)) {
            fail_msg("%s: finishing without a reboot revoked the stored token", row);
        }
    }
    load(d);
    /* whatever broke, a device whose token worked still has a working one */
    if (sc != S_PROVISIONING && !live_value(&d->m, d->dev.kept.token_value)) {
        fail_msg("%s: the device is left without a working token", row);
    }
    check_settled(d, row);
    dbtok_close(&d->m.fx->client);
    free(d);
    return fired;
}

static void walk(void **state, scenario sc, bool power_cut)
{
    static const fault_kind errors[] = {F_DROP, F_ACT_LOSE, F_CUT_MID, F_CONNECT, F_WRITE_FAIL, F_WRITE_TORN,
                                        F_WRITE_LIE};
    static const fault_kind cuts[] = {F_DROP, F_ACT_LOSE, F_CUT_MID, F_WRITE_TORN, F_WRITE_DONE};
    const fault_kind *kinds = power_cut ? cuts : errors;
    size_t n = power_cut ? sizeof cuts / sizeof cuts[0] : sizeof errors / sizeof errors[0];
    size_t k;
    unsigned points = 0;

    for (k = 0; k < n; k++) {
        unsigned at = 1;
        while (walk_one(state, sc, kinds[k], at, power_cut)) {
            at++;
            points++;
        }
        /* every kind has at least one point in every run */
        if (at == 1) {
            fail_msg("%s: %s never fired", scenario_names[sc], kind_names[kinds[k]]);
        }
    }
    print_message("%s, %s: %u failure points, invariant held after each\n", scenario_names[sc],
                  power_cut ? "power cuts" : "errors", points);
}

static void test_walk_provisioning_errors(void **state)
{
    walk(state, S_PROVISIONING, false);
}

static void test_walk_provisioning_power_cuts(void **state)
{
    walk(state, S_PROVISIONING, true);
}

static void test_walk_rotation_errors(void **state)
{
    walk(state, S_ROTATION, false);
}

static void test_walk_rotation_power_cuts(void **state)
{
    walk(state, S_ROTATION, true);
}

static void test_walk_finish_errors(void **state)
{
    walk(state, S_FINISH, false);
}

static void test_walk_finish_power_cuts(void **state)
{
    walk(state, S_FINISH, true);
}

/* ---- single behaviours ------------------------------------------------------ */

/* The clean path: three keeps in order, one create, one list made with the
 * new token, the old one revoked with the new one. */
static void test_rotation_order(void **state)
{
    device_ctx *d = new_device(state);
    fixture *fx = d->m.fx;
    const char *id = "";
    unsigned writes;
    char old_id[DBTOK_STORE_ID_MAX];

    assert_int_equal(boot(d, false), DBTOK_OK);
    assert_int_equal(d->m.writes, 3);
    assert_string_equal(d->dev.kept.token_value, "dapi-value-0001");
    assert_int_equal(d->dev.kept.expiry_time_ms, (int64_t)(1796000000 + LIFETIME_S) * 1000);
    assert_int_equal(d->dev.kept.time_floor_s, 1796000000);
    assert_true(strstr(d->m.tok[0].comment, "dbtok device " MARKER " [dbtok:") == d->m.tok[0].comment);
    (void)snprintf(old_id, sizeof old_id, "%s", d->dev.kept.token_id);
    writes = d->m.writes;
    assert_int_equal(boot(d, true), DBTOK_OK);
    assert_int_equal(d->m.writes - writes, 3);
    assert_int_equal(fake_complete_requests(&fx->script, START_CREATE), 1);
    /* the boot's use of its token, then the proof */
    assert_int_equal(fake_complete_requests(&fx->script, START_LIST), 2);
    assert_int_equal(fake_complete_requests(&fx->script, START_DELETE), 1);
    /* the list and the revoke carry the new token; the create the old */
    assert_true(fake_contains(fx->script.conns[0].sent, fx->script.conns[0].sent_len,
                              "Authorization: Bearer dapi-value-0001\r\n"));
    assert_true(fake_contains(fx->script.conns[0].sent, fx->script.conns[0].sent_len,
                              "Authorization: Bearer dapi-value-0002\r\n"));
    assert_true(fake_contains(fx->script.conns[0].sent, fx->script.conns[0].sent_len, old_id));
    assert_int_equal(live_marked(&d->m, &id), 1);
    assert_string_equal(id, d->dev.kept.token_id);
    /* the client now carries the kept token, whatever it was given */
    assert_ptr_equal(dbtok__state_of(&fx->client)->config.token, d->dev.kept.token_value);
    dbtok_close(&fx->client);
    free(d);
}

/* OAuth as the bootstrap: once the device's token is kept, requests carry
 * it, OAuth is dropped and its access token wiped. */
static void test_oauth_bootstrap_is_dropped(void **state)
{
    device_ctx *d = new_device(state);
    dbtok__state *c;
    fixture *fx = d->m.fx;
    size_t before;

    load(d);
    assert_int_equal(dbtok_token_rotate(power_on(d, NULL), &d->rot, &d->dev), DBTOK_OK);
    c = dbtok__state_of(&fx->client);
    assert_null(c->config.client_id);
    assert_null(c->config.client_secret);
    assert_ptr_equal(c->config.token, d->dev.kept.token_value);
    assert_int_equal(c->oauth_token[0], '\0');
    assert_false(in_store(&d->m, OAUTH_SECRET));
    assert_false(in_store(&d->m, OAUTH_ACCESS));
    /* the next request carries the device's token, not OAuth's */
    before = fx->script.conns[0].sent_len;
    assert_int_equal(dbtok_token_list(&fx->client, ignore_entry, NULL), DBTOK_OK);
    assert_true(fake_contains(fx->script.conns[0].sent + before, fx->script.conns[0].sent_len - before,
                              "Authorization: Bearer dapi-value-0001\r\n"));
    assert_false(fake_contains(fx->script.conns[0].sent + before, fx->script.conns[0].sent_len - before,
                               OAUTH_ACCESS));
    dbtok_close(&fx->client);
    free(d);
}

/* A token value that would break the Authorization header (or does not fit
 * the record) is never used or kept: the token is revoked. One with a NUL is
 * refused by the create itself, as an answer nobody can use: its recovery
 * revokes each of its three tokens. */
static void test_unusable_value_is_revoked(void **state)
{
    static char long_value[DBTOK_STORE_VALUE_MAX + 1];
    size_t k;
    memset(long_value, 'v', DBTOK_STORE_VALUE_MAX);
    for (k = 0; k < 3; k++) {
        device_ctx *d = new_device(state);
        static const dbtok_err want[3] = {DBTOK_ERR_PROTOCOL, DBTOK_ERR_IO, DBTOK_ERR_PROTOCOL};
        const char *bad[3];
        const char *id = "";
        bad[0] = "dapi-bad\\r\\nX-Injected: 1";
        bad[1] = "dapi\\u0000nul";
        bad[2] = long_value; /* no room for its NUL in the record */
        d->m.bad_value = bad[k];
        assert_int_equal(boot(d, false), want[k]);
        assert_int_equal(live_marked(&d->m, &id), 0);
        load(d);
        assert_string_equal(d->dev.kept.token_value, "");
        assert_true(d->dev.kept.sweep);
        dbtok_close(&d->m.fx->client);
        free(d);
    }
}

/* A create answered with the old token's id: kept, the new record would
 * retire (revoke) the token it holds. Nothing is kept and nothing revoked. */
static void test_new_id_is_the_old_one(void **state)
{
    device_ctx *d = new_device(state);
    char old_id[DBTOK_STORE_ID_MAX];
    assert_int_equal(boot(d, false), DBTOK_OK);
    (void)snprintf(old_id, sizeof old_id, "%s", d->dev.kept.token_id);
    d->m.reused_id = old_id;
    assert_int_equal(boot(d, true), DBTOK_ERR_PROTOCOL);
    assert_int_equal(fake_complete_requests(&d->m.fx->script, START_DELETE), 0);
    load(d);
    assert_string_equal(d->dev.kept.token_id, old_id);
    assert_true(live_value(&d->m, d->dev.kept.token_value));
    d->m.reused_id = NULL;
    check_settled(d, "after a reused id");
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* The new record's keep lands but reports a failure, and the medium then
 * fails for good: the device, going on without a reboot, must never revoke
 * the new token (the store holds it) nor the old one (it may be the one
 * kept, as far as the device can tell). */
static void test_uncertain_keep_revokes_nothing(void **state)
{
    device_ctx *d = new_device(state);
    dbtok_stored_token stored;
    dbtok_store s = store_of(&d->m);
    const char *id = "";

    assert_int_equal(boot(d, false), DBTOK_OK);
    arm(&d->m, F_WRITE_LIE, 2, false);
    assert_int_equal(boot(d, true), DBTOK_ERR_STORAGE);
    d->m.broken = true;
    assert_int_equal(dbtok_token_rotate_finish(&d->m.fx->client, &d->rot, &d->dev), DBTOK_ERR_STORAGE);
    assert_int_equal(dbtok_token_rotate(&d->m.fx->client, &d->rot, &d->dev), DBTOK_ERR_STORAGE);
    assert_int_equal(fake_complete_requests(&d->m.fx->script, START_DELETE), 0);
    assert_int_equal(dbtok_store_load(&s, &stored), DBTOK_OK);
    assert_true(live_value(&d->m, stored.token_value));
    assert_true(live_value(&d->m, d->dev.kept.token_value));
    /* the medium back: the pending record is kept first, then settled */
    d->m.broken = false;
    assert_int_equal(dbtok_token_rotate_finish(&d->m.fx->client, &d->rot, &d->dev), DBTOK_OK);
    assert_string_equal(d->dev.kept.token_value, stored.token_value);
    assert_int_equal(live_marked(&d->m, &id), 1);
    assert_string_equal(id, stored.token_id);
    dbtok_stored_token_wipe(&stored);
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* A create answered with a token the device holds already (its own value, or
 * the credential it was made with) is never kept: it would store the
 * bootstrap, or retire the very token kept. A recovery's list naming the
 * held token with the create's marker is not believed either. */
static void test_answers_naming_held_tokens(void **state)
{
    size_t k;
    for (k = 0; k < 2; k++) {
        device_ctx *d = new_device(state);
        char old_value[DBTOK_STORE_VALUE_MAX];
        assert_int_equal(boot(d, false), DBTOK_OK);
        (void)snprintf(old_value, sizeof old_value, "%s", d->dev.kept.token_value);
        d->m.bad_value = old_value;
        if (k == 0) {
            assert_int_equal(boot(d, true), DBTOK_ERR_PROTOCOL);
        } else {
            /* a new device whose bootstrap is answered back as its token */
            memset(d->m.slot, 0, sizeof d->m.slot);
            d->m.bad_value = BOOTSTRAP;
            assert_int_equal(boot(d, false), DBTOK_ERR_PROTOCOL);
            assert_false(in_store(&d->m, BOOTSTRAP));
        }
        d->m.bad_value = NULL;
        load(d);
        if (k == 0) {
            assert_string_equal(d->dev.kept.token_value, old_value);
            assert_true(live_value(&d->m, old_value));
        }
        check_settled(d, k == 0 ? "its own value" : "the bootstrap");
        dbtok_close(&d->m.fx->client);
        free(d);
    }
}

/* The bootstrap credential, no longer the bearer once the proof begins, is
 * still masked when the service echoes it. */
static void test_bootstrap_echo_is_masked(void **state)
{
    device_ctx *d = new_device(state);
    d->m.echo_bootstrap = true;
    assert_int_equal(boot(d, false), DBTOK_ERR_API);
    assert_int_equal(dbtok_last_error(&d->m.fx->client)->http_status, 500);
    assert_null(strstr(dbtok_last_error(&d->m.fx->client)->message, BOOTSTRAP));
    assert_null(strstr(d->m.fx->pctx.log, BOOTSTRAP));
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* A device without a clock: the record carries forward the time the
 * service's Date told (over the verified connection), never less than the
 * floor it booted with, and the next boot starts from it. */
static void test_learned_time_is_kept(void **state)
{
    device_ctx *d = new_device(state);
    fixture *fx = d->m.fx;
    fx->port.unix_time = NULL;
    fx->cfg.time_floor_s = 1700000000;
    d->m.date = "Tue, 01 Dec 2026 10:00:00 GMT"; /* 1796119200 */
    load(d);
    (void)power_on(d, BOOTSTRAP);
    dbtok__state_of(&fx->client)->server_not_after_s = 1900000000; /* as the handshake records it */
    assert_int_equal(dbtok_token_rotate(&fx->client, &d->rot, &d->dev), DBTOK_OK);
    assert_int_equal(d->dev.kept.time_floor_s, 1796119200);
    /* the next boot: the floor is the stored time; a Date earlier than it changes nothing */
    fx->cfg.time_floor_s = d->dev.kept.time_floor_s;
    d->m.date = "Mon, 01 Jan 2024 00:00:00 GMT";
    (void)power_on(d, d->dev.kept.token_value);
    assert_int_equal(dbtok_trusted_time_s(&fx->client), 1796119200);
    dbtok__state_of(&fx->client)->server_not_after_s = 1900000000;
    assert_int_equal(dbtok_token_rotate(&fx->client, &d->rot, &d->dev), DBTOK_OK);
    assert_int_equal(d->dev.kept.time_floor_s, 1796119200);
    fx->cfg.time_floor_s = 0;
    dbtok_close(&fx->client);
    free(d);
}

/* Orphans of earlier runs (and tokens of other devices, which stay) */
static void test_sweep_revokes_only_this_device(void **state)
{
    device_ctx *d = new_device(state);
    const char *id = "";
    model_token *t;
    unsigned k;

    for (k = 0; k < 4; k++) {
        t = &d->m.tok[d->m.n_tok++];
        /* the fourth has no id: it cannot be revoked, and must not stop the sweep */
        (void)snprintf(t->id, sizeof t->id, "orphan-%u", k);
        if (k == 3) {
            t->id[0] = '\0';
        }
        (void)snprintf(t->value, sizeof t->value, "dapi-orphan-%u", k);
        (void)snprintf(t->comment, sizeof t->comment, "%s", k == 2 ? "[dbtok-device:" DEVICE "-2]" : MARKER);
        t->expiry_ms = -1;
        t->live = true;
    }
    assert_int_equal(boot(d, false), DBTOK_OK);
    assert_int_equal(live_marked(&d->m, &id), 1);
    assert_string_equal(id, d->dev.kept.token_id);
    assert_true(d->m.tok[2].live); /* another device's name, a prefix of which is ours */
    assert_true(d->m.tok[3].live);
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* An orphan whose id the client cannot hold whole is not revoked by a cut
 * id: the sweep stops with the record still saying there is one. */
static void test_orphan_id_too_long(void **state)
{
    device_ctx *d = new_device(state);
    model_token *t = &d->m.tok[d->m.n_tok++];
    memset(t->id, 'i', DBTOK__ORPHAN_ID_MAX);
    (void)snprintf(t->value, sizeof t->value, "dapi-orphan");
    (void)snprintf(t->comment, sizeof t->comment, MARKER);
    t->expiry_ms = -1;
    t->live = true;
    assert_int_equal(boot(d, false), DBTOK_ERR_BUFFER_TOO_SMALL);
    assert_true(t->live);
    assert_int_equal(fake_complete_requests(&d->m.fx->script, START_DELETE), 0);
    load(d);
    assert_string_equal(d->dev.kept.token_value, "dapi-value-0002");
    assert_true(d->dev.kept.sweep);
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* A service that acknowledges revokes and keeps listing the tokens cannot
 * hold the device in a loop. */
static void test_sweep_is_bounded(void **state)
{
    device_ctx *d = new_device(state);
    unsigned k;
    for (k = 0; k < DBTOK_ROTATE_SWEEP_MAX + 2; k++) {
        model_token *t = &d->m.tok[d->m.n_tok++];
        (void)snprintf(t->id, sizeof t->id, "orphan-%u", k);
        (void)snprintf(t->value, sizeof t->value, "dapi-orphan-%u", k);
        (void)snprintf(t->comment, sizeof t->comment, MARKER);
        t->expiry_ms = -1;
        t->live = true;
    }
    d->m.deletes_ignored = true;
    assert_int_equal(boot(d, false), DBTOK_ERR_PROTOCOL);
    load(d);
    /* the new token is the device's; the sweep is left to do */
    assert_string_equal(d->dev.kept.token_value, "dapi-value-0011");
    assert_true(d->dev.kept.sweep);
    assert_int_equal(fake_complete_requests(&d->m.fx->script, START_DELETE), DBTOK_ROTATE_SWEEP_MAX);
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* The stored token refused (revoked behind the device's back): the boot
 * falls back to the bootstrap credential, which retires the old id. */
static void test_refused_token_falls_back(void **state)
{
    device_ctx *d = new_device(state);
    char old_id[DBTOK_STORE_ID_MAX];
    assert_int_equal(boot(d, false), DBTOK_OK);
    (void)snprintf(old_id, sizeof old_id, "%s", d->dev.kept.token_id);
    d->m.tok[0].live = false;
    assert_int_equal(boot(d, true), DBTOK_OK);
    assert_string_not_equal(d->dev.kept.token_id, old_id);
    assert_true(live_value(&d->m, d->dev.kept.token_value));
    dbtok_close(&d->m.fx->client);
    free(d);
}

static void test_arguments(void **state)
{
    device_ctx *d = new_device(state);
    dbtok_client *client;
    static const char *const names[] = {"", "a b", "dev]", "x\ny", "sensor/1", NULL};
    size_t k;

    load(d);
    client = power_on(d, BOOTSTRAP);
    assert_int_equal(dbtok_token_rotate(NULL, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_rotate(client, NULL, &d->dev), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_rotate(client, &d->rot, NULL), DBTOK_ERR_INVALID_ARG);
    assert_int_equal(dbtok_token_rotate_finish(client, &d->rot, NULL), DBTOK_ERR_INVALID_ARG);
    for (k = 0; names[k] != NULL; k++) {
        d->rot.device = names[k];
        ROW_INT_EQUAL(names[k], dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    }
    d->rot.device = NULL;
    assert_int_equal(dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    d->rot.device = repeat(d->m.fx, 'n', DBTOK_DEVICE_NAME_MAX + 1);
    assert_int_equal(dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    d->rot.device = DEVICE;
    d->rot.keep = NULL;
    assert_int_equal(dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    rotation_init(d);
    d->rot.create.answer_json = true;
    assert_int_equal(dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    rotation_init(d);
    d->rot.create.comment = repeat(d->m.fx, 'c', DBTOK_DEVICE_TEXT_MAX + 1);
    assert_int_equal(dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_ERR_INVALID_ARG);
    /* the longest comment and name that fit */
    d->rot.create.comment = repeat(d->m.fx, 'c', DBTOK_DEVICE_TEXT_MAX);
    d->rot.device = repeat(d->m.fx, 'n', DBTOK_DEVICE_NAME_MAX);
    assert_int_equal(dbtok_token_rotate(client, &d->rot, &d->dev), DBTOK_OK);
    assert_int_equal(strlen(d->m.tok[0].comment), DBTOK_DEVICE_COMMENT_MAX - 1 + 25);
    dbtok_device_wipe(&d->dev);
    assert_int_equal(d->dev.kept.token_value[0], '\0');
    dbtok_device_wipe(NULL);
    dbtok_close(&d->m.fx->client);
    free(d);
}

/* Every character a name may hold, no comment of the caller's (NULL or
 * empty: the marker alone), and answers whose id cannot be kept (none, or
 * one too long for the record): nothing is kept, nothing revoked by a cut
 * or empty id. */
static void test_names_comments_and_ids(void **state)
{
    static const char *const comments[] = {NULL, ""};
    size_t k;
    for (k = 0; k < 2; k++) {
        device_ctx *d = new_device(state);
        d->rot.device = "Dev_1.a-Z9";
        d->rot.create.comment = comments[k];
        assert_int_equal(boot(d, false), DBTOK_OK);
        assert_true(strncmp(d->m.tok[0].comment, "[dbtok-device:Dev_1.a-Z9] [dbtok:", 33) == 0);
        dbtok_close(&d->m.fx->client);
        free(d);
    }
    for (k = 0; k < 2; k++) {
        device_ctx *d = new_device(state);
        static char long_id[DBTOK_STORE_ID_MAX + 1];
        memset(long_id, 'i', DBTOK_STORE_ID_MAX);
        d->m.reused_id = k == 0 ? "" : long_id;
        assert_int_equal(boot(d, false), DBTOK_ERR_PROTOCOL);
        assert_int_equal(fake_complete_requests(&d->m.fx->script, START_DELETE), 0);
        load(d);
        assert_string_equal(d->dev.kept.token_value, "");
        dbtok_close(&d->m.fx->client);
        free(d);
    }
}

static void test_due_and_refused(void **state)
{
    dbtok_device dev;
    dbtok_error_info e;
    (void)state;
    memset(&dev, 0, sizeof dev);
    assert_true(dbtok_token_rotate_due(&dev, 0, 0));
    assert_true(dbtok_token_rotate_due(NULL, 0, 0));
    (void)snprintf(dev.kept.token_value, sizeof dev.kept.token_value, "dapi-x");
    dev.kept.expiry_time_ms = -1;
    assert_false(dbtok_token_rotate_due(&dev, INT64_MAX, INT64_MAX));
    dev.kept.expiry_time_ms = 2000000000000;
    assert_false(dbtok_token_rotate_due(&dev, 1999990000, 9999));
    assert_true(dbtok_token_rotate_due(&dev, 1999990000, 10001));
    assert_true(dbtok_token_rotate_due(&dev, 2000000001, -5));
    assert_false(dbtok_token_rotate_due(&dev, -100, 0));
    dev.kept.expiry_time_ms = -2;
    assert_true(dbtok_token_rotate_due(&dev, 0, 0));
    dev.kept.expiry_time_ms = INT64_MIN;
    assert_true(dbtok_token_rotate_due(&dev, INT64_MAX, 0));
    dev.kept.expiry_time_ms = INT64_MAX;
    assert_false(dbtok_token_rotate_due(&dev, 0, INT64_MAX / 1000 - 1));

    memset(&e, 0, sizeof e);
    assert_false(dbtok_token_refused(NULL));
    assert_false(dbtok_token_refused(&e));
    e.err = DBTOK_ERR_API;
    e.http_status = 401;
    assert_true(dbtok_token_refused(&e));
    e.http_status = 403;
    assert_true(dbtok_token_refused(&e));
    (void)snprintf(e.error_code, sizeof e.error_code, "PERMISSION_DENIED");
    assert_false(dbtok_token_refused(&e));
    e.http_status = 404;
    (void)snprintf(e.error_code, sizeof e.error_code, "RESOURCE_DOES_NOT_EXIST");
    assert_false(dbtok_token_refused(&e));
    e.http_status = 401;
    e.err = DBTOK_ERR_IO;
    assert_false(dbtok_token_refused(&e));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_rotation_order),
        T(test_oauth_bootstrap_is_dropped),
        T(test_unusable_value_is_revoked),
        T(test_sweep_revokes_only_this_device),
        T(test_sweep_is_bounded),
        T(test_refused_token_falls_back),
        T(test_arguments),
        T(test_due_and_refused),
        T(test_walk_provisioning_errors),
        T(test_walk_provisioning_power_cuts),
        T(test_walk_rotation_errors),
        T(test_walk_rotation_power_cuts),
        T(test_walk_finish_errors),
        T(test_walk_finish_power_cuts),
        T(test_orphan_id_too_long),
        T(test_new_id_is_the_old_one),
        T(test_uncertain_keep_revokes_nothing),
        T(test_answers_naming_held_tokens),
        T(test_bootstrap_echo_is_masked),
        T(test_learned_time_is_kept),
        T(test_names_comments_and_ids),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
