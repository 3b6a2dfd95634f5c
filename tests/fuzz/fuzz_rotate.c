/*
 * libFuzzer harness: the rotation of a device's token (core/src/rotate.c,
 * dbtok_rotate.h) over the record store (store.c) in a two-slot medium of
 * the harness, and over the scripted fake TLS layer of the unit tests: the
 * starting record, every storage failure, every answer and every transport
 * event drawn from the input.
 *
 * Input: a 30-byte header, then the answers the server sends, in the order
 * requests ask for them, separated by "\n@@\n", each ending as its first byte
 * says (fuzz_script.h).
 *   [0]      work buffer: DBTOK_MIN_WORK_BUFFER + 64 * value bytes
 *   [1]      bits 0-2, value % 5: the record the store holds at the start:
 *              0 none (a new device), 1 none with sweep (a first rotation
 *              cut after its step 1), 2 T, 3 T with sweep, 4 T with retire R
 *              and sweep (a rotation cut after its step 2, R its old token);
 *            bit 3: with T, the other slot holds an older record (P);
 *            bit 4: with T, the client is configured with the bootstrap
 *              credential (T was refused) instead of T;
 *            bit 5: no log;
 *            bits 6-7: 0 no retries (no sleep_ms), else up to 1 + value
 *              attempts per call, the port sleeping on the fake clock
 *   [2]      bit 0: dbtok_token_rotate_finish before the rotation;
 *            bits 1-2, after it: 0 nothing, 1 finish, 2 a reboot (the
 *              record loaded from the store into a new dbtok_device, a new
 *              client with its token, or the bootstrap credential when it
 *              holds none) then finish, 3 a reboot then finish and rotate;
 *            bit 3: a lifetime of 3600 s (else the workspace's default);
 *            bits 4-5: the comment: none, a short one, the longest allowed,
 *              one with quotes, UTF-8 and a control character;
 *            bits 6-7: the device name: "sensor-17", 40 characters, one
 *              character, "Sensor_17.rev-B"
 *   [3], [4] a store write that fails: bits 0-3 its number among the run's
 *            writes (1-15; 0: none); bits 4-5 what it wrote before
 *            returning -1: nothing, half the slot, all of it, [5] * 2 bytes
 *   [5]      see [3]
 *   [6]      the port's unix_time: 0 none, else 1796000000 + (value - 128)
 *            days (the starting records' time floor is 1796000000)
 *   [7]      bit 0: scopes "sql" and "unity-catalog"; bit 1: autoscope;
 *            bit 2: a second rotation on the same client and device right
 *              after the first (before what [2] bits 1-2 say)
 *   [8..23]  the connections, in the order they are opened (fuzz_script.h)
 *   [24..29] split sizes for each recv (fuzz_script.h), cycled
 *
 * Checked, besides everything AddressSanitizer sees (the work buffer, the
 * dbtok_device, the device name, comment and configured credential are heap
 * blocks of exactly their size; the credential is poisoned once the header
 * says the caller may wipe it):
 *  - each call returns a dbtok_err it may return (never DBTOK_ERR_ABORTED;
 *    DBTOK_ERR_OUTCOME_UNKNOWN only from a rotation, before its new record
 *    is kept); DBTOK_ERR_STORAGE exactly when a keep failed, which is then
 *    the call's last keep, with no request after it;
 *  - on return dev->kept is the record last kept; the store holds it, or
 *    the record of a later keep that failed but wrote it anyway;
 *  - every record kept is a step of the state table: {kept, sweep}; {N,
 *    retire: kept's id, sweep} with N new (neither the old token's value
 *    nor the configured credential), its value visible ASCII, after a list
 *    made with N as the bearer was answered 2xx; {kept, no retire, no
 *    sweep} after the retiree's revoke was answered 2xx or 404; the time
 *    floor never falls;
 *  - a create goes out only while the store's record says sweep;
 *  - no revoke names the token of the record the store holds when it goes
 *    out, nor (at the end) the one it holds then, unless it went out before
 *    the create that answered that id (a service reusing an id); none names
 *    T while the store holds T's value (under any id);
 *  - every request carries the configured credential, or for the proof the
 *    new token, until the new record is kept; from then on the kept token,
 *    which is also the client's bearer (the same pointer) after the call;
 *  - on DBTOK_OK: a rotation keeps a new id and a visible ASCII value with
 *    retire and sweep clear; a finish keeps the same token (or the new one
 *    whose keep had failed, which it keeps first) with both clear; a finish
 *    with nothing to do sends and keeps nothing;
 *  - a client that has the bootstrap credential never stores it; a new
 *    token is never the one the create was made with; the configured
 *    credential is never in the client's log nor its error record, up to
 *    the end of the call in which it stops being the bearer; the bearer is
 *    never in the error record; a token the device made (when the input
 *    holds it only once) is never in the log; none of them is in the work
 *    buffer once a request is out, unless the input holds it;
 *  - dbtok_close wipes the work buffer, dbtok_device_wipe the device; the
 *    port's own transport functions are never called.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbtok/dbtok.h"
#include "dbtok/dbtok_rotate.h"
#include "dbtok/dbtok_store.h"
#include "fuzz_common.h"
#include "fuzz_script.h"

#define HEADER 30
/* No two of the secrets share a run of 8 characters, so that finding one in
 * the log never stands for another. */
#define BOOTSTRAP "dapiB00TSTRAPqx7Kw2LmN9vR4tY6uZ1aS3dF5gH8"
#define T_VALUE "dapiDEVtokenJ2k4M6n8P0r2T4v6X8z0B2d4F6h8"
#define P_VALUE "dapiOLDtokenQw9Er8Ty7Ui6Op5As4Df3Gh2Jk1L"
#define T_ID "7f3a9c2e4b6d8f0a1c3e5a7b9d1f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f"
#define R_ID "0c2a4e6b8d0f2a4c6e8b0d2f4a6c8e0b2d4f6a8c0e2b4d6f8a0c2e4b6d8f0a2c"
#define P_ID "5e1b9f3d7a5c1e9b3f7d5a1c9e3b7f5d1a9c3e7b5f1d9a3c7e5b1f9d3a7c5e1b"
#define START_TIME_S 1796000000
#define DAY_S 86400
#define MAX_KEEPS 16 /* three per rotation, one per finish */
#define MAX_CALLS 6
#define MAX_LIVES 2
#define MAX_PROVEN 8
/* A connection that took this much of the fake's record is found closed
 * when idle, so that a long run of requests moves to a new one, as a server
 * makes it; a request is far smaller. */
#define CONN_FULL (FAKE_SENT_MAX - 8192)
/* "{\"token_id\":\"" + an escaped id of DBTOK_STORE_ID_MAX - 1 bytes + "\"}" */
#define DELETE_BODY_MAX (16 + 6 * DBTOK_STORE_ID_MAX)

enum { CALL_FINISH, CALL_ROTATE };

/* One call of the keep callback. */
typedef struct {
    dbtok_stored_token rec; /* as handed to the store (seq set) */
    bool ok;
    bool landed;     /* failed, but the store holds it */
    unsigned at_req; /* requests sent before it */
} keep_event;

typedef struct {
    int kind;
    dbtok_err err;
    unsigned first_req;
    unsigned last_req;
    unsigned first_keep;
    unsigned last_keep;
    dbtok_stored_token before; /* dev->kept when it started */
    bool pending;              /* it started with a new record whose keep had failed... */
    dbtok_stored_token next;   /* ...this one (dev->next), which it keeps first */
} call_rec;

/* A client's life: its credential, and the log written while the client
 * has it masked: until the end of the call in which it stops being the
 * bearer (a later call may remember other values in its place). */
typedef struct {
    char credential[DBTOK_STORE_VALUE_MAX];
    size_t log_from;
    size_t log_to;
    unsigned masked_calls; /* calls up to this one */
    bool ended;
} life_rec;

typedef struct {
    fuzz_script run;
    const uint8_t *data;
    size_t size;
    dbtok_config cfg;
    dbtok_client client;
    dbtok_rotation rot;
    dbtok_device *dev;
    uint8_t *work;
    size_t work_len;
    char *credential; /* the configured credential, exactly sized; poisoned once it may be wiped */
    size_t credential_size;
    /* the medium */
    uint8_t slot[2][DBTOK_STORE_SLOT_SIZE];
    bool armed; /* setup done: writes count, and fail as the input says */
    unsigned writes;
    uint8_t fault[2];
    size_t tear_len;
    /* what the device keeps: the record last kept (or loaded), as the harness saw it */
    dbtok_stored_token held;
    const keep_event *written; /* a keep since then that failed but wrote its record, or NULL */
    bool switched; /* this client's bearer is the kept token */
    keep_event keeps[MAX_KEEPS];
    unsigned n_keeps;
    call_rec calls[MAX_CALLS];
    unsigned n_calls;
    life_rec lives[MAX_LIVES];
    unsigned n_lives;
    char proven[MAX_PROVEN][DBTOK_STORE_VALUE_MAX]; /* bearers of the proofs */
    char create_bearer[DBTOK_STORE_VALUE_MAX];      /* of the last create */
    unsigned n_proven;
} rotate_run;

static rotate_run S;
/* DBTOK_FUZZ_VERBOSE=1 prints each call, its requests and keeps, and the log. */
static int verbose = -1;
static uint8_t scratch[FAKE_LOG_MAX + 1]; /* for fuzz_secret_runs */

/* ---- the medium and the keep callback ------------------------------------ */

static int medium_read(void *ctx, unsigned slot, uint8_t *buf, size_t len)
{
    (void)ctx;
    FUZZ_CHECK(slot < 2 && len == DBTOK_STORE_SLOT_SIZE);
    memcpy(buf, S.slot[slot], len);
    return 0;
}

static int medium_write(void *ctx, unsigned slot, const uint8_t *buf, size_t len)
{
    static const size_t part[3] = {0, DBTOK_STORE_SLOT_SIZE / 2, DBTOK_STORE_SLOT_SIZE};
    unsigned n;
    unsigned k;

    (void)ctx;
    FUZZ_CHECK(slot < 2 && len == DBTOK_STORE_SLOT_SIZE);
    if (!S.armed) {
        memcpy(S.slot[slot], buf, len);
        return 0;
    }
    n = ++S.writes;
    for (k = 0; k < 2; k++) {
        if ((S.fault[k] & 15u) == n) {
            unsigned mode = (S.fault[k] >> 4) & 3u;
            memcpy(S.slot[slot], buf, mode < 3 ? part[mode] : S.tear_len);
            return -1;
        }
    }
    memcpy(S.slot[slot], buf, len);
    return 0;
}

static dbtok_store medium(void)
{
    dbtok_store s;
    s.ctx = NULL;
    s.read = medium_read;
    s.write = medium_write;
    return s;
}

/* The record the medium holds (zeroed when none). */
static void stored(dbtok_stored_token *out)
{
    dbtok_store s = medium();
    dbtok_err err = dbtok_store_load(&s, out);
    FUZZ_CHECK(err == DBTOK_OK || err == DBTOK_ERR_NOT_FOUND);
    if (err != DBTOK_OK) {
        memset(out, 0, sizeof *out);
    }
}

static bool same_record(const dbtok_stored_token *a, const dbtok_stored_token *b)
{
    return a->seq == b->seq && strcmp(a->token_value, b->token_value) == 0 && strcmp(a->token_id, b->token_id) == 0 &&
           a->expiry_time_ms == b->expiry_time_ms && a->time_floor_s == b->time_floor_s &&
           strcmp(a->retire_id, b->retire_id) == 0 && a->sweep == b->sweep;
}

static bool same_token(const dbtok_stored_token *a, const dbtok_stored_token *b)
{
    return strcmp(a->token_value, b->token_value) == 0 && strcmp(a->token_id, b->token_id) == 0 &&
           a->expiry_time_ms == b->expiry_time_ms;
}

static bool terminated(const dbtok_stored_token *r)
{
    return memchr(r->token_value, '\0', sizeof r->token_value) != NULL &&
           memchr(r->token_id, '\0', sizeof r->token_id) != NULL &&
           memchr(r->retire_id, '\0', sizeof r->retire_id) != NULL;
}

static bool visible_ascii(const char *s)
{
    size_t i;
    for (i = 0; s[i] != '\0'; i++) {
        if ((unsigned char)s[i] < 0x21u || (unsigned char)s[i] > 0x7eu) {
            return false;
        }
    }
    return i > 0;
}

/* Whether request r went out whole, and its answer was a complete 2xx (or
 * also 404, when gone_ok). */
static bool answered_ok(const fuzz_request *r, bool gone_ok)
{
    fuzz_answer a = fuzz_script_answer(&S.run, r->answer, NULL, NULL);
    return r->whole && a.complete && ((a.status >= 200 && a.status < 300) || (gone_ok && a.status == 404));
}

/* The bearer of request r into out (DBTOK_STORE_VALUE_MAX bytes); false
 * when its head did not go out whole. One Authorization line, always. */
static bool request_bearer(const fuzz_request *r, char *out)
{
    static const char auth[] = "\r\nAuthorization: Bearer ";
    const uint8_t *p = fuzz_script_request_text(&S.run, r);
    size_t head = 0;
    size_t at;
    size_t end;

    while (head + 4 <= r->len && !fuzz_match(p + head, (const uint8_t *)"\r\n\r\n", 4)) {
        head++;
    }
    if (head + 4 > r->len) {
        return false;
    }
    head += 2; /* the last header's CR LF */
    FUZZ_CHECK(fuzz_count(p, head, "\r\nAuthorization:", 16) == 1);
    for (at = 0; at + sizeof auth - 1 <= head && !fuzz_match(p + at, (const uint8_t *)auth, sizeof auth - 1); at++) {
    }
    FUZZ_CHECK(at + sizeof auth - 1 <= head);
    at += sizeof auth - 1;
    for (end = at; end + 2 <= head && !fuzz_match(p + end, (const uint8_t *)"\r\n", 2); end++) {
    }
    FUZZ_CHECK(end - at < DBTOK_STORE_VALUE_MAX);
    memcpy(out, p + at, end - at);
    out[end - at] = '\0';
    return true;
}

/* Whether request r is a revoke of id, as dbtok writes its body. */
static bool revokes(const fuzz_request *r, const char *id)
{
    char body[DELETE_BODY_MAX];
    size_t n = strlen(id);
    size_t esc;

    if (r->kind != 'D' || n == 0) {
        return false;
    }
    memcpy(body, "{\"token_id\":\"", 13);
    esc = dbtok_json_escape(body + 13, sizeof body - 15, id, n);
    FUZZ_CHECK(esc < sizeof body - 15);
    memcpy(body + 13 + esc, "\"}", 2);
    return fuzz_script_request_holds(&S.run, r, body, 15 + esc);
}

/* A list made with value as the bearer was answered 2xx before request `before`. */
static bool proven_before(const char *value, unsigned before)
{
    char bearer[DBTOK_STORE_VALUE_MAX];
    unsigned i;
    for (i = 0; i < before; i++) {
        const fuzz_request *r = &S.run.req[i];
        if (r->kind == 'L' && request_bearer(r, bearer) && strcmp(bearer, value) == 0 && answered_ok(r, false)) {
            return true;
        }
    }
    return false;
}

/* A revoke of id in [first, before) was answered 2xx or 404 (gone already). */
static bool retired(const char *id, unsigned first, unsigned before)
{
    unsigned i;
    for (i = first; i < before; i++) {
        if (revokes(&S.run.req[i], id) && answered_ok(&S.run.req[i], true)) {
            return true;
        }
    }
    return false;
}

/* The step of the state table rec is, after S.held. */
static void check_step(const dbtok_stored_token *rec)
{
    const dbtok_stored_token *cur = &S.held;

    FUZZ_CHECK(terminated(rec));
    FUZZ_CHECK(rec->time_floor_s >= cur->time_floor_s);
    FUZZ_CHECK(rec->token_value[0] == '\0' || visible_ascii(rec->token_value));
    if (same_token(rec, cur)) {
        /* step 1 (sweep set: a rotation is under way), or step 3 and a
         * finish: either way a retiree is gone first */
        FUZZ_CHECK(rec->retire_id[0] == '\0');
        if (cur->retire_id[0] != '\0' && !S.run.req_overflow) {
            FUZZ_CHECK(retired(cur->retire_id, S.calls[S.n_calls - 1].first_req, S.run.n_req));
        }
        return;
    }
    /* step 2: a new token, proven, retiring the kept one; kept only after
     * step 1 was; never the old token's value nor the credential it was
     * made with */
    FUZZ_CHECK(cur->sweep);
    FUZZ_CHECK(rec->sweep);
    FUZZ_CHECK(visible_ascii(rec->token_value));
    FUZZ_CHECK(strcmp(rec->token_value, cur->token_value) != 0);
    FUZZ_CHECK(strcmp(rec->token_value, S.create_bearer) != 0);
    FUZZ_CHECK(rec->token_id[0] != '\0' && strcmp(rec->token_id, cur->token_id) != 0);
    FUZZ_CHECK(strcmp(rec->retire_id, cur->token_id) == 0);
    FUZZ_CHECK(S.run.req_overflow || proven_before(rec->token_value, S.run.n_req));
}

static int keep(void *ctx, dbtok_stored_token *rec)
{
    dbtok_store s = medium();
    dbtok_stored_token now;
    keep_event *e;
    dbtok_err err;

    FUZZ_CHECK(ctx == &S);
    FUZZ_CHECK(S.n_calls > 0);
    check_step(rec);
    err = dbtok_store_save(&s, rec);
    FUZZ_CHECK(err == DBTOK_OK || err == DBTOK_ERR_STORAGE);
    /* A client that has the bootstrap credential never stores it (one that
     * never had it cannot tell it from a new token's value). */
    if (!S.switched && strcmp(S.lives[S.n_lives - 1].credential, BOOTSTRAP) == 0) {
        FUZZ_CHECK(!fuzz_contains(S.slot, sizeof S.slot, BOOTSTRAP, strlen(BOOTSTRAP)));
    }
    stored(&now);
    FUZZ_CHECK(S.n_keeps < MAX_KEEPS);
    e = &S.keeps[S.n_keeps++];
    memcpy(&e->rec, rec, sizeof e->rec);
    e->ok = err == DBTOK_OK;
    e->landed = err != DBTOK_OK && same_record(&now, rec);
    e->at_req = S.run.n_req;
    if (err != DBTOK_OK) {
        S.written = e->landed ? e : S.written;
        return -1;
    }
    S.written = NULL;
    FUZZ_CHECK(same_record(&now, rec));
    if (!same_token(rec, &S.held) && !S.switched) {
        /* From here on the bearer is the kept token and the configured
         * credential is the caller's to wipe (the client masks it still). */
        S.switched = true;
        S.lives[S.n_lives - 1].masked_calls = S.n_calls;
        FUZZ_POISON(S.credential, S.credential_size);
    }
    memcpy(&S.held, rec, sizeof S.held);
    return 0;
}

/* ---- the transport -------------------------------------------------------- */

static void remember_proof(const char *value)
{
    unsigned i;
    for (i = 0; i < S.n_proven; i++) {
        if (strcmp(S.proven[i], value) == 0) {
            return;
        }
    }
    if (S.n_proven < MAX_PROVEN) {
        memcpy(S.proven[S.n_proven++], value, strlen(value) + 1);
    }
}

static void on_request(fuzz_script *run, const fuzz_request *r)
{
    const life_rec *life = &S.lives[S.n_lives - 1];
    const char *next = S.dev->next.token_value;
    char bearer[DBTOK_STORE_VALUE_MAX];
    dbtok_stored_token now;

    if (run->fake.conns[r->conn].sent_len > CONN_FULL) {
        run->fake.conns[r->conn].closed_when_idle = true;
    }
    stored(&now);
    /* The store's record says a rotation is under way before anything is
     * created, and its token is never revoked. */
    if (r->kind == 'C') {
        FUZZ_CHECK(now.sweep);
    }
    FUZZ_CHECK(!revokes(r, now.token_id));
    FUZZ_CHECK(!revokes(r, T_ID) || strcmp(now.token_value, T_VALUE) != 0);
    if (!request_bearer(r, bearer)) {
        return;
    }
    if (strcmp(bearer, S.switched ? S.held.token_value : life->credential) != 0) {
        /* the proof: a list made with the token being made */
        FUZZ_CHECK(r->kind == 'L' && next[0] != '\0' && strcmp(bearer, next) == 0);
        remember_proof(bearer);
    }
    if (r->kind == 'C') {
        memcpy(S.create_bearer, bearer, strlen(bearer) + 1);
    }
}

/* By the first recv for a request, the request is wiped: no credential the
 * client holds is left in the work buffer unless the input put it there. */
static void no_secret_in_work(const dbtok__state *c, const char *secret)
{
    size_t n = strlen(secret);
    if (n > 0 && !fuzz_contains(S.data, S.size, secret, n)) {
        FUZZ_CHECK(!fuzz_contains(c->work, c->work_len, secret, n));
    }
}

static void on_answer(fuzz_script *run, dbtok__state *c)
{
    (void)run;
    no_secret_in_work(c, BOOTSTRAP);
    no_secret_in_work(c, T_VALUE);
    if (c->config.token != NULL) {
        no_secret_in_work(c, c->config.token);
    }
}

/* ---- the device ------------------------------------------------------------ */

static void store_init(unsigned start, bool older)
{
    dbtok_store s = medium();
    dbtok_stored_token rec;

    memset(S.slot, 0xFF, sizeof S.slot); /* erased flash */
    if (start == 0) {
        return;
    }
    memset(&rec, 0, sizeof rec);
    rec.time_floor_s = START_TIME_S;
    if (older && start >= 2) {
        memcpy(rec.token_value, P_VALUE, sizeof P_VALUE);
        memcpy(rec.token_id, P_ID, sizeof P_ID);
        rec.expiry_time_ms = (int64_t)(START_TIME_S - 30 * DAY_S) * 1000;
        FUZZ_CHECK(dbtok_store_save(&s, &rec) == DBTOK_OK);
    }
    memset(&rec, 0, sizeof rec);
    rec.time_floor_s = START_TIME_S;
    rec.sweep = start != 2;
    if (start >= 2) {
        memcpy(rec.token_value, T_VALUE, sizeof T_VALUE);
        memcpy(rec.token_id, T_ID, sizeof T_ID);
        rec.expiry_time_ms = (int64_t)(START_TIME_S + 60 * DAY_S) * 1000;
    }
    if (start == 4) {
        memcpy(rec.retire_id, R_ID, sizeof R_ID);
    }
    FUZZ_CHECK(dbtok_store_save(&s, &rec) == DBTOK_OK);
}

/* A boot: dev->kept from the store, a client with credential (NULL: the
 * kept token, or the bootstrap credential when there is none). */
static void power_on(const char *credential, unsigned retries)
{
    life_rec *life;
    dbtok_err err;

    stored(&S.dev->kept);
    memcpy(&S.held, &S.dev->kept, sizeof S.held);
    S.written = NULL;
    S.switched = false;
    if (credential == NULL) {
        credential = S.held.token_value[0] != '\0' ? S.held.token_value : BOOTSTRAP;
    }
    S.credential_size = strlen(credential) + 1;
    S.credential = (char *)fuzz_dup((const uint8_t *)credential, S.credential_size);
    FUZZ_CHECK(S.n_lives < MAX_LIVES);
    life = &S.lives[S.n_lives++];
    memcpy(life->credential, credential, S.credential_size);
    life->log_from = S.run.pctx.log_len;
    life->masked_calls = MAX_CALLS;
    life->ended = false;

    memset(&S.cfg, 0, sizeof S.cfg);
    S.cfg.host = FUZZ_SCRIPT_HOST;
    S.cfg.token = S.credential;
    S.cfg.ca = fuzz_script_ca;
    S.cfg.ca_len = fuzz_script_ca_len;
    S.cfg.retry.max_attempts = (uint8_t)(retries > 0 ? retries + 1u : 1u);
    err = dbtok_init(&S.client, &S.cfg, &S.run.port, S.work, S.work_len);
    FUZZ_CHECK(err == DBTOK_OK);
}

static void power_off(void)
{
    size_t i;
    life_rec *life = &S.lives[S.n_lives - 1];

    dbtok_close(&S.client);
    for (i = 0; i < S.work_len; i++) {
        FUZZ_CHECK(S.work[i] == 0);
    }
    if (!life->ended) {
        life->log_to = S.run.pctx.log_len;
        life->ended = true;
    }
    FUZZ_UNPOISON(S.credential, S.credential_size);
    free(S.credential);
    S.credential = NULL;
    dbtok_device_wipe(S.dev);
    for (i = 0; i < sizeof *S.dev; i++) {
        FUZZ_CHECK(((const uint8_t *)S.dev)[i] == 0);
    }
}

static bool keep_failed(const call_rec *call)
{
    unsigned k;
    for (k = call->first_keep; k < call->last_keep; k++) {
        if (!S.keeps[k].ok) {
            return true;
        }
    }
    return false;
}

/* The error record an application prints holds neither the bearer nor the
 * configured credential while it is masked. */
static void check_error_record(void)
{
    life_rec *life = &S.lives[S.n_lives - 1];
    const dbtok_error_info *e = dbtok_last_error(&S.client);
    const char *secrets[2];
    unsigned k;

    secrets[0] = S.switched ? S.held.token_value : life->credential;
    secrets[1] = S.n_calls <= life->masked_calls ? life->credential : secrets[0];
    if (S.n_calls == life->masked_calls && !life->ended) {
        life->log_to = S.run.pctx.log_len;
        life->ended = true;
    }
    FUZZ_CHECK(memchr(e->error_code, '\0', sizeof e->error_code) != NULL);
    FUZZ_CHECK(memchr(e->message, '\0', sizeof e->message) != NULL);
    for (k = 0; k < 2; k++) {
        FUZZ_CHECK(fuzz_secret_runs(e->message, strlen(e->message), secrets[k], scratch) == 0);
        FUZZ_CHECK(fuzz_secret_runs(e->error_code, strlen(e->error_code), secrets[k], scratch) == 0);
    }
}

/* What the call promises about its result and the record. */
static void check_call(const call_rec *call)
{
    const dbtok_stored_token *kept = &S.dev->kept;
    const dbtok__state *c = dbtok__cstate_of(&S.client);
    dbtok_err err = call->err;
    dbtok_stored_token now;
    bool last_failed = call->last_keep > call->first_keep && !S.keeps[call->last_keep - 1].ok;

    FUZZ_CHECK(err <= DBTOK_OK && err >= DBTOK_ERR_STORAGE);
    FUZZ_CHECK(err != DBTOK_ERR_ABORTED && err != DBTOK_ERR_NOT_FOUND && err != DBTOK_ERR_CRYPTO);
    /* An unknown outcome is the create's, before the new record; the only
     * argument a revoke refuses is what a list named, in a sweep. */
    FUZZ_CHECK(err != DBTOK_ERR_OUTCOME_UNKNOWN || (call->kind == CALL_ROTATE && same_token(kept, &call->before)));
    FUZZ_CHECK(err != DBTOK_ERR_INVALID_ARG || call->kind == CALL_FINISH || !same_token(kept, &call->before));

    /* A failed keep is the end of the call, and its error. */
    FUZZ_CHECK((err == DBTOK_ERR_STORAGE) == keep_failed(call));
    if (keep_failed(call)) {
        FUZZ_CHECK(last_failed);
        FUZZ_CHECK(S.keeps[call->last_keep - 1].at_req == call->last_req);
    }
    FUZZ_CHECK(terminated(kept) && same_record(kept, &S.held));
    stored(&now);
    FUZZ_CHECK(same_record(&now, kept) || (S.written != NULL && same_record(&now, &S.written->rec)));
    /* The bearer: the kept token from its keep on, else the configured one. */
    FUZZ_CHECK(c->config.token == (S.switched ? kept->token_value : S.credential));

    check_error_record();
    if (err == DBTOK_OK) {
        FUZZ_CHECK(kept->sweep == false && kept->retire_id[0] == '\0');
        if (call->kind == CALL_ROTATE) {
            FUZZ_CHECK(visible_ascii(kept->token_value));
            FUZZ_CHECK(kept->token_id[0] != '\0' && strcmp(kept->token_id, call->before.token_id) != 0);
        } else {
            FUZZ_CHECK(same_token(kept, call->pending ? &call->next : &call->before));
        }
    }
    if (call->kind == CALL_FINISH && !call->pending && !call->before.sweep && call->before.retire_id[0] == '\0') {
        FUZZ_CHECK(err == DBTOK_OK && call->last_req == call->first_req && call->last_keep == call->first_keep);
    }
}

static void call(int kind)
{
    call_rec *rec;

    /* A rotation sends at most some 160 requests; on_request moves them off
     * a connection that is getting full. */
    if (S.n_calls == MAX_CALLS || !fuzz_script_room(&S.run, 0, 200)) {
        return;
    }
    rec = &S.calls[S.n_calls++];
    rec->kind = kind;
    rec->first_req = S.run.n_req;
    rec->first_keep = S.n_keeps;
    memcpy(&rec->before, &S.dev->kept, sizeof rec->before);
    rec->pending = S.dev->keep_pending;
    memcpy(&rec->next, &S.dev->next, sizeof rec->next);
    rec->err = kind == CALL_ROTATE ? dbtok_token_rotate(&S.client, &S.rot, S.dev)
                                   : dbtok_token_rotate_finish(&S.client, &S.rot, S.dev);
    rec->last_req = S.run.n_req;
    rec->last_keep = S.n_keeps;
    if (verbose) {
        unsigned i;
        char bearer[DBTOK_STORE_VALUE_MAX];
        fprintf(stderr, "%s: %s\n", kind == CALL_ROTATE ? "rotate" : "finish", dbtok_strerror(rec->err));
        for (i = rec->first_req; i < rec->last_req && !S.run.req_overflow; i++) {
            const fuzz_request *r = &S.run.req[i];
            fuzz_answer a = fuzz_script_answer(&S.run, r->answer, NULL, NULL);
            fprintf(stderr, "  request %u %c on connection %u: %zu bytes%s, bearer %s, answer %d: %s, status %d\n", i,
                    r->kind, r->conn, r->len, r->whole ? "" : " (cut)", request_bearer(r, bearer) ? bearer : "?",
                    r->answer, a.complete ? "complete" : "lost", a.status);
        }
        for (i = rec->first_keep; i < rec->last_keep; i++) {
            const keep_event *e = &S.keeps[i];
            fprintf(stderr, "  keep after request %u: %s, seq %u, value \"%s\", id \"%s\", retire \"%s\", sweep %d\n",
                    e->at_req, e->ok ? "kept" : e->landed ? "failed (written)" : "failed", (unsigned)e->rec.seq,
                    e->rec.token_value, e->rec.token_id, e->rec.retire_id, e->rec.sweep);
        }
    }
    if (!S.run.req_overflow) {
        check_call(rec);
    }
}

/* ---- the arguments ----------------------------------------------------------- */

static const char *device_name(unsigned sel)
{
    static const char *const names[4] = {"sensor-17", "n123456789n123456789n123456789n123456789", "a",
                                         "Sensor_17.rev-B"};
    return names[sel];
}

static const char *comment_text(unsigned sel)
{
    static char longest[DBTOK_DEVICE_TEXT_MAX + 1];
    switch (sel) {
    case 0:
        return NULL;
    case 1:
        return "dbtok device";
    case 2:
        memset(longest, 'c', sizeof longest - 1);
        return longest;
    default:
        return "\"q\" caf\xc3\xa9 \\ \x01 [dbtok-device:x]";
    }
}

/* ---- the run ------------------------------------------------------------------- */

/* The end of the run: what the store holds, what was revoked, what was logged. */
static void check_run(void)
{
    dbtok_stored_token now;
    unsigned made_by = 0; /* requests before the create that answered the store's id */
    unsigned i;
    unsigned k;

    stored(&now);
    if (!S.run.req_overflow) {
        /* The store's token came from the start (made_by 0), or from the
         * create before it was first kept. */
        for (k = 0; k < S.n_keeps; k++) {
            if ((S.keeps[k].ok || S.keeps[k].landed) && strcmp(S.keeps[k].rec.token_id, now.token_id) == 0) {
                for (i = S.keeps[k].at_req; i > 0 && S.run.req[i - 1].kind != 'C'; i--) {
                }
                made_by = i;
                break;
            }
        }
        for (i = made_by; i < S.run.n_req; i++) {
            FUZZ_CHECK(!revokes(&S.run.req[i], now.token_id));
        }
        /* T is the token whose value is T_VALUE, whatever id a record gives it. */
        for (i = 0; i < S.run.n_req && strcmp(now.token_value, T_VALUE) == 0; i++) {
            FUZZ_CHECK(!revokes(&S.run.req[i], T_ID));
        }
    }
    FUZZ_CHECK(S.run.pctx.transport_calls == 0);
    for (i = 0; i < S.n_lives; i++) {
        const life_rec *life = &S.lives[i];
        FUZZ_CHECK(life->log_to - life->log_from <= sizeof scratch);
        FUZZ_CHECK(fuzz_secret_runs(S.run.pctx.log + life->log_from, life->log_to - life->log_from, life->credential,
                                    scratch) == 0);
    }
    /* A token the device made, no part of which the input holds but in its
     * own answer, appears nowhere in the log. */
    for (i = 0; i < S.n_proven; i++) {
        if (strlen(S.proven[i]) >= 8 && S.size <= sizeof scratch &&
            fuzz_secret_runs(S.data, S.size, S.proven[i], scratch) <= 1) {
            FUZZ_CHECK(fuzz_secret_runs(S.run.pctx.log, S.run.pctx.log_len, S.proven[i], scratch) == 0);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const scopes[2] = {"sql", "unity-catalog"};
    unsigned start;
    unsigned retries;
    unsigned after;
    char *name;
    char *comment = NULL;
    const char *text;

    if (verbose < 0) {
        verbose = getenv("DBTOK_FUZZ_VERBOSE") != NULL;
    }
    if (size < HEADER) {
        return 0;
    }
    memset(&S.held, 0, sizeof S.held);
    S.data = data;
    S.size = size;
    S.n_keeps = 0;
    S.n_calls = 0;
    S.n_lives = 0;
    S.n_proven = 0;
    S.writes = 0;
    S.armed = false;
    S.fault[0] = data[3];
    S.fault[1] = data[4];
    S.tear_len = (size_t)data[5] * 2u;
    start = (data[1] & 7u) % 5u;
    retries = data[1] >> 6;
    fuzz_script_start(&S.run, data + 8, data + 24, data + HEADER, size - HEADER, (data[1] & 0x20u) == 0, retries > 0);
    S.run.on_request = on_request;
    S.run.on_answer = on_answer;
    if (data[6] != 0) {
        S.run.port.unix_time = fake_port_unix_time;
        S.run.pctx.unix_time = START_TIME_S + ((int64_t)data[6] - 128) * DAY_S;
    }

    name = (char *)fuzz_dup((const uint8_t *)device_name(data[2] >> 6), strlen(device_name(data[2] >> 6)) + 1);
    text = comment_text((data[2] >> 4) & 3u);
    if (text != NULL) {
        comment = (char *)fuzz_dup((const uint8_t *)text, strlen(text) + 1);
    }
    memset(&S.rot, 0, sizeof S.rot);
    S.rot.device = name;
    S.rot.create.comment = comment;
    S.rot.create.lifetime_seconds = (data[2] & 8u) != 0 ? 3600 : 0;
    S.rot.create.scopes = (data[7] & 1u) != 0 ? scopes : NULL;
    S.rot.create.n_scopes = (data[7] & 1u) != 0 ? 2u : 0u;
    S.rot.create.autoscope_enabled = (data[7] & 2u) != 0;
    S.rot.keep = keep;
    S.rot.keep_ctx = &S;

    S.work_len = DBTOK_MIN_WORK_BUFFER + 64u * data[0];
    S.work = malloc(S.work_len);
    FUZZ_CHECK(S.work != NULL);
    S.dev = malloc(sizeof *S.dev);
    FUZZ_CHECK(S.dev != NULL);
    memset(S.dev, 0, sizeof *S.dev);

    store_init(start, (data[1] & 8u) != 0);
    S.armed = true;
    power_on(start >= 2 && (data[1] & 0x10u) == 0 ? T_VALUE : BOOTSTRAP, retries);
    if ((data[2] & 1u) != 0) {
        call(CALL_FINISH);
    }
    call(CALL_ROTATE);
    if ((data[7] & 4u) != 0) {
        call(CALL_ROTATE);
    }
    after = (data[2] >> 1) & 3u;
    if (after == 1) {
        call(CALL_FINISH);
    } else if (after >= 2) {
        power_off();
        power_on(NULL, retries);
        call(CALL_FINISH);
        if (after == 3) {
            call(CALL_ROTATE);
        }
    }
    power_off();
    if (verbose) {
        /* by its length: a NUL the service sent may be in it */
        fprintf(stderr, "log:\n");
        fwrite(S.run.pctx.log, 1, S.run.pctx.log_len, stderr);
        fprintf(stderr, "\n");
    }
    check_run();
    free(S.dev);
    free(S.work);
    free(name);
    free(comment);
    return 0;
}
