/*
 * libFuzzer harness: a whole client session (dbtok_init, then creates,
 * lists, revokes and recovering creates) over the scripted fake TLS layer of
 * the unit tests, every answer and every transport event drawn from the
 * input.
 *
 * Input: a 32-byte header, then the answers the server sends, in the order
 * requests ask for them, separated by "\n@@\n", each ending as its first byte
 * says (fuzz_script.h).
 *   [0]       work buffer: DBTOK_MIN_WORK_BUFFER + 64 * value bytes
 *   [1]       bits 0-2: operations - 1; bit 3: no log; bit 4: wipe the
 *             result after each create; bit 5: a User-Agent suffix;
 *             bits 6-7: 0 no retries (no sleep_ms), else up to 1 + value
 *             attempts per call, the port sleeping on the fake clock
 *   [2..9]    operations: value % 4 picks create, list, revoke or
 *             create_recover, value >> 2 its arguments (see run_op)
 *   [10..25]  the connections, in the order they are opened (fuzz_script.h)
 *   [26..31]  split sizes for each recv (fuzz_script.h), cycled
 *
 * Every request sent is logged with the answer it was given, so that each
 * operation can be judged afterwards against the rules that keep a token
 * from being created twice or left behind. Checked, besides everything
 * AddressSanitizer sees (the work buffer is a heap block of exactly its
 * size):
 *  - a create or revoke that went out whole is sent again only after a
 *    complete answer with an error status (the server said no, or "later");
 *    a create whose answer was lost ends the call as
 *    DBTOK_ERR_OUTCOME_UNKNOWN; a create that succeeded had a complete 2xx
 *    answer, and one that never went out whole did not succeed;
 *  - create_recover creates again after a lost or unreadable answer only
 *    once a complete
 *    list was read and, when it showed the lost create's marker, a revoke
 *    was answered; with a new marker each time, and at most three creates;
 *  - a list is never sent again once an entry was handed out;
 *  - every result is a dbtok_err the operation may return, and the error
 *    record agrees, with NUL-terminated text;
 *  - views returned are inside the work buffer, NUL-terminated UTF-8;
 *  - a create never fails plainly after a 2xx JSON answer (a token exists:
 *    it succeeds, or reports DBTOK_ERR_OUTCOME_UNKNOWN, or create_recover
 *    recovers it);
 *  - the bearer token is never in the log nor in the error record, and not
 *    in the work buffer once a request is out (unless the server echoed it);
 *    a created token's value is not in the log;
 *  - dbtok_close wipes the work buffer; the port's own transport functions
 *    are never called (the fake TLS layer aborts on any misuse of its
 *    contract: connecting twice, receiving before sending, ...).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbtok/dbtok.h"
#include "fuzz_common.h"
#include "fuzz_script.h"
#include "list_reader.h"

#define HEADER 32
#define MAX_OPS 8
#define MAX_SECRETS 16
#define MAX_ID 256
/* An operation starts only while every connection has this much of the
 * fake's record left: a create_recover with retries sends up to 36
 * requests of about 1.2 KB. */
#define SENT_RESERVE 45000u
/* "[dbtok:" 16 hex digits "]" */
#define MARKER_LEN 24

#define BEARER "dapiFUZZbearer0123456789abcdef0123456789"

enum { OP_CREATE, OP_LIST, OP_REVOKE, OP_RECOVER };

typedef struct {
    fuzz_script run;
    dbtok_config cfg;
    dbtok_client client;
    uint8_t *work;
    size_t work_len;
    bool input_has_bearer;
    /* list callback state */
    size_t stop_at;
    size_t seen;
    unsigned req_at_first_entry;
    char last_id[MAX_ID];
    /* created token values, to look for in the log */
    char secrets[MAX_SECRETS][MAX_ID];
    size_t n_secrets;
} session;

static session S;
/* DBTOK_FUZZ_VERBOSE=1 prints each request, each operation's result and
 * the log: what one wants to see when replaying a single input. */
static int verbose = -1;

/* ---- the transport ------------------------------------------------------ */

/* At the first recv for a request, the request, bearer token included, is
 * wiped. */
static void on_answer(fuzz_script *run, dbtok__state *c)
{
    (void)run;
    if (!S.input_has_bearer) {
        FUZZ_CHECK(!fuzz_contains(c->work, c->work_len, BEARER, strlen(BEARER)));
    }
}

/* ---- answers as the client saw them -------------------------------------- */

/* The marker a create_recover request carries, or NULL. */
static const char *request_marker(const fuzz_request *r, char out[MARKER_LEN + 1])
{
    const uint8_t *p = fuzz_script_request_text(&S.run, r);
    size_t i;

    for (i = 0; i + MARKER_LEN <= r->len; i++) {
        if (memcmp(p + i, "[dbtok:", 7) == 0) {
            memcpy(out, p + i, MARKER_LEN);
            out[MARKER_LEN] = '\0';
            return out;
        }
    }
    return NULL;
}

/* Whether a list body shows a token whose comment holds marker, read by the
 * same streaming reader the client uses. */
typedef struct {
    const char *marker;
    bool found;
} marker_search;

static int find_marker(void *user, const dbtok_token_info *info)
{
    marker_search *m = user;
    if (fuzz_contains(info->comment.ptr, info->comment.len, m->marker, strlen(m->marker))) {
        m->found = true;
    }
    return 0;
}

static bool list_shows_marker(uint8_t *body, size_t len, const char *marker)
{
    static dbtok__state reader_client;
    marker_search m;
    exchange_request req;
    list_reader lr;
    size_t n = len;
    /* Halves for the whole body and a token per byte, whatever it holds. */
    size_t work_len = 2 * ((len + 1) * sizeof(jsmntok_t) + sizeof(int));
    uint8_t *window = malloc(work_len);

    FUZZ_CHECK(window != NULL);
    memcpy(window, body, len);
    memset(&reader_client, 0, sizeof reader_client);
    reader_client.config.token = BEARER;
    reader_client.work = window;
    reader_client.work_len = work_len;
    memset(&req, 0, sizeof req);
    m.marker = marker;
    m.found = false;
    dbtok__list_reader_init(&lr, &reader_client, &req, find_marker, NULL, &m);
    (void)dbtok__list_reader_sink(&lr, window, &n, req.body_window, true, true);
    free(window);
    return m.found;
}

/* ---- the rules a call keeps, judged from its requests ---------------------- */

static bool said_error(int answer)
{
    fuzz_answer a = fuzz_script_answer(&S.run, answer, NULL, NULL);
    return a.complete && a.status >= 400;
}

/*
 * A create_recover that created again after the whole create req[i] (its
 * answer lost, or a 2xx it could not read) with req[j]: a list was read
 * whole in between, and when it showed req[i]'s marker, a revoke was
 * answered; req[j] carries a new marker.
 */
static void check_recovery(unsigned i, unsigned j)
{
    char m1[MARKER_LEN + 1];
    char m2[MARKER_LEN + 1];
    unsigned k;
    unsigned list_ok = j;
    uint8_t *body;
    size_t body_len;
    fuzz_answer a;

    FUZZ_CHECK(request_marker(&S.run.req[i], m1) != NULL);
    if (request_marker(&S.run.req[j], m2) != NULL) { /* a create cut short may not show it */
        FUZZ_CHECK(strcmp(m1, m2) != 0);
    }
    for (k = i + 1; k < j; k++) {
        if (S.run.req[k].kind == 'L' && S.run.req[k].whole) {
            a = fuzz_script_answer(&S.run, S.run.req[k].answer, NULL, NULL);
            if (a.complete && a.status >= 200 && a.status < 300) {
                list_ok = k;
            }
        }
    }
    FUZZ_CHECK(list_ok != j);
    (void)fuzz_script_answer(&S.run, S.run.req[list_ok].answer, &body, &body_len);
    if (list_shows_marker(body, body_len, m1)) {
        bool revoked = false;
        for (k = list_ok + 1; k < j; k++) {
            if (S.run.req[k].kind == 'D' && S.run.req[k].whole) {
                a = fuzz_script_answer(&S.run, S.run.req[k].answer, NULL, NULL);
                revoked = revoked || (a.complete && ((a.status >= 200 && a.status < 300) || a.status == 404));
            }
        }
        FUZZ_CHECK(revoked);
    }
    free(body);
}

/* Requests first..last) of one call of kind op, which returned err. */
static void judge_call(int op, unsigned first, unsigned last, dbtok_err err)
{
    unsigned i;
    unsigned creates = 0;

    if (S.run.req_overflow) {
        return;
    }
    for (i = first; i < last; i++) {
        const fuzz_request *r = &S.run.req[i];
        unsigned j;
        unsigned k;
        bool list_between;
        bool create_between;
        if (!r->whole || (r->kind != 'C' && r->kind != 'D')) {
            continue;
        }
        /* The next request of the same kind, and what came between. */
        for (j = i + 1; j < last && S.run.req[j].kind != r->kind; j++) {
        }
        if (j == last) {
            continue;
        }
        list_between = false;
        create_between = false;
        for (k = i + 1; k < j; k++) {
            list_between = list_between || S.run.req[k].kind == 'L';
            create_between = create_between || S.run.req[k].kind == 'C';
        }
        if (r->kind == 'D') {
            /* A revoke again in a later round of create_recover, or after a
             * list that still showed a marker, is another revoke; within one
             * call's retries it must have been refused. */
            if (!create_between && !list_between) {
                FUZZ_CHECK(said_error(r->answer));
            }
        } else if (op != OP_RECOVER || !list_between) {
            FUZZ_CHECK(said_error(r->answer));
        } else if (!said_error(r->answer)) {
            check_recovery(i, j);
        }
    }
    for (i = first; i < last; i++) {
        creates += S.run.req[i].whole && S.run.req[i].kind == 'C';
    }
    if (op == OP_RECOVER) {
        /* Creates that were answered "later" are retries, not rounds; at
         * most three rounds, each with its client's retries. */
        FUZZ_CHECK(creates <= 3u * (S.cfg.retry.max_attempts > 0 ? S.cfg.retry.max_attempts : 4u));
    }
    if (op == OP_CREATE || op == OP_RECOVER) {
        const fuzz_request *final = NULL;
        for (i = first; i < last; i++) {
            if (S.run.req[i].kind == 'C' && S.run.req[i].whole) {
                final = &S.run.req[i];
            }
        }
        if (err == DBTOK_OK) {
            fuzz_answer a;
            FUZZ_CHECK(final != NULL && final == &S.run.req[last - 1]);
            a = fuzz_script_answer(&S.run, final->answer, NULL, NULL);
            FUZZ_CHECK(a.complete && a.status >= 200 && a.status < 300);
        }
        if (final == NULL) {
            FUZZ_CHECK(err != DBTOK_OK && err != DBTOK_ERR_OUTCOME_UNKNOWN && err != DBTOK_ERR_API);
        }
        if (op == OP_CREATE && final != NULL && final == &S.run.req[last - 1]) {
            /* The one rule of what a failed create says: once it went out
             * whole, only a 4xx or the service's own "try later" prove that
             * no token was made; any other failure is an unknown outcome. */
            const dbtok_error_info *e = dbtok_last_error(&S.client);
            fuzz_answer a = fuzz_script_answer(&S.run, final->answer, NULL, NULL);
            bool refused = a.head && a.status >= 400 && a.status < 500;
            bool try_later = a.complete && (a.status == 429 || a.status == 503 ||
                                            strcmp(e->error_code, "REQUEST_LIMIT_EXCEEDED") == 0 ||
                                            strcmp(e->error_code, "TEMPORARILY_UNAVAILABLE") == 0);
            if (refused) {
                FUZZ_CHECK(err != DBTOK_ERR_OUTCOME_UNKNOWN);
            } else if (!try_later) {
                FUZZ_CHECK(err == DBTOK_OK || err == DBTOK_ERR_OUTCOME_UNKNOWN);
            }
        }
        if (final != NULL && final == &S.run.req[last - 1]) {
            /* The service answered the last create with a 2xx JSON body: a
             * token exists. An answer the client cannot use (too many tokens
             * for the work buffer, a field missing, malformed) is an unknown
             * outcome, never a plain error: create reports it, and
             * create_recover recovers it or reports it. */
            uint8_t *body;
            size_t body_len;
            size_t k = 0;
            fuzz_answer a = fuzz_script_answer(&S.run, final->answer, &body, &body_len);
            while (k < body_len && (body[k] == ' ' || body[k] == '\t' || body[k] == '\r' || body[k] == '\n')) {
                k++;
            }
            if (a.complete && a.status >= 200 && a.status < 300 && k < body_len && (body[k] == '{' || body[k] == '[')) {
                FUZZ_CHECK(err == DBTOK_OK || err == DBTOK_ERR_OUTCOME_UNKNOWN);
            }
            free(body);
        }
    }
}

/* ---- views and errors ---------------------------------------------------- */

static void check_view(const dbtok_str *s, bool may_be_literal)
{
    const uint8_t *p = (const uint8_t *)s->ptr;

    FUZZ_CHECK(p != NULL);
    if (may_be_literal && s->len == 0 && !(p >= S.work && p < S.work + S.work_len)) {
        FUZZ_CHECK(*p == '\0');
        return;
    }
    FUZZ_CHECK(p >= S.work && p + s->len < S.work + S.work_len);
    FUZZ_CHECK(p[s->len] == '\0');
    /* A comment may hold the service's \u0000, returned whole. */
    FUZZ_CHECK(may_be_literal ? fuzz_utf8_ok_with_nul(p, s->len) : fuzz_utf8_ok(p, s->len));
}

static void check_info(const dbtok_token_info *info)
{
    check_view(&info->token_id, false);
    check_view(&info->comment, true);
}

/* Secrets the client knows when a call starts: the bearer token and the
 * last DBTOK_MASK_TOKEN_VALUES values its creates received. No run of 8 of
 * them, raw, JSON-escaped or percent-encoded, may show in text. */
static uint8_t scratch[FAKE_LOG_MAX + 1]; /* for fuzz_secret_runs */

static void check_no_secret(const char *text, size_t len, size_t known)
{
    size_t i = known > DBTOK_MASK_TOKEN_VALUES ? known - DBTOK_MASK_TOKEN_VALUES : 0;
    FUZZ_CHECK(len <= sizeof scratch);
    FUZZ_CHECK(fuzz_secret_runs(text, len, BEARER, scratch) == 0);
    for (; i < known; i++) {
        FUZZ_CHECK(fuzz_secret_runs(text, len, S.secrets[i], scratch) == 0);
    }
}

static void check_error_record(dbtok_err err, size_t known)
{
    const dbtok_error_info *e = dbtok_last_error(&S.client);

    FUZZ_CHECK(err <= DBTOK_OK && err >= DBTOK_ERR_CRYPTO);
    if (err != DBTOK_OK && err != DBTOK_ERR_INVALID_ARG) {
        FUZZ_CHECK(e->err == err);
    }
    FUZZ_CHECK(memchr(e->error_code, '\0', sizeof e->error_code) != NULL);
    FUZZ_CHECK(memchr(e->message, '\0', sizeof e->message) != NULL);
    /* Both are printed by an application (the CLI: "Error: <code>: <message>"). */
    check_no_secret(e->message, strlen(e->message), known);
    check_no_secret(e->error_code, strlen(e->error_code), known);
    FUZZ_CHECK(e->http_status == 0 || (e->http_status >= 100 && e->http_status <= 999));
}

static void copy_id(const dbtok_str *id)
{
    if (id->len < MAX_ID) {
        memcpy(S.last_id, id->ptr, id->len);
        S.last_id[id->len] = '\0';
    }
}

static int on_token(void *user, const dbtok_token_info *info)
{
    (void)user;
    check_info(info);
    if (S.seen++ == 0) {
        S.req_at_first_entry = S.run.n_req;
    }
    copy_id(&info->token_id);
    return S.stop_at != 0 && S.seen == S.stop_at;
}

/* ---- the operations ------------------------------------------------------ */

static const char *comment_arg(unsigned sel)
{
    static char long_comment[701];
    switch (sel) {
    case 0:
        return NULL;
    case 1:
        return "sensor 42";
    case 2:
        return "\"\xc3\xbcn\xc3\xaf\\c\xc3\xb8"
               "d\xc3\xa9\"\n\t\x01";
    default:
        memset(long_comment, 'c', sizeof long_comment - 1);
        return long_comment; /* more than a small work buffer holds */
    }
}

static const char *token_id_arg(unsigned sel)
{
    static char long_id[601];
    switch (sel) {
    case 0:
        return "6b86b273ff34fce19d6b804eff5a3f5747ada4eaa22f1d49c01e52ddb7875b4b";
    case 1:
        return S.last_id[0] != '\0' ? S.last_id : "0000";
    case 2:
        return "id\"with\\escapes\x01";
    default:
        memset(long_id, 'f', sizeof long_id - 1);
        return long_id;
    }
}

static void created(dbtok_err err, const dbtok_created_token *out, bool wipe)
{
    if (err != DBTOK_OK) {
        return;
    }
    check_view(&out->token_value, false);
    check_info(&out->info);
    copy_id(&out->info.token_id);
    if (out->token_value.len < MAX_ID && S.n_secrets < MAX_SECRETS) {
        memcpy(S.secrets[S.n_secrets], out->token_value.ptr, out->token_value.len);
        S.secrets[S.n_secrets][out->token_value.len] = '\0';
        S.n_secrets++;
    }
    if (wipe) {
        dbtok_result_wipe(&S.client);
    }
}

static void run_op(uint8_t b, bool wipe)
{
    static const char *const names[4] = {"create", "list", "revoke", "create_recover"};
    int op = b % 4;
    unsigned arg = b >> 2;
    unsigned first = S.run.n_req;
    size_t known = S.n_secrets;
    dbtok_created_token out;
    dbtok_err err;

    memset(&out, 0, sizeof out);
    switch (op) {
    case OP_CREATE:
        err = dbtok_token_create(&S.client, comment_arg(arg & 3u), (arg & 4u) != 0 ? 7776000 : 0, &out);
        FUZZ_CHECK(err != DBTOK_ERR_ABORTED);
        created(err, &out, wipe);
        break;
    case OP_RECOVER:
        err = dbtok_token_create_recover(&S.client, comment_arg(arg & 3u), (arg & 4u) != 0 ? 7776000 : 0, &out);
        FUZZ_CHECK(err != DBTOK_ERR_ABORTED);
        created(err, &out, wipe);
        break;
    case OP_LIST:
        S.stop_at = arg & 7u;
        S.seen = 0;
        err = dbtok_token_list(&S.client, on_token, NULL);
        FUZZ_CHECK(err != DBTOK_ERR_OUTCOME_UNKNOWN);
        FUZZ_CHECK(err != DBTOK_ERR_ABORTED || (S.stop_at != 0 && S.seen == S.stop_at));
        if (S.seen > 0) {
            /* No request after the first entry was handed out. */
            FUZZ_CHECK(S.run.n_req == S.req_at_first_entry);
        }
        break;
    default:
        err = dbtok_token_revoke(&S.client, token_id_arg(arg & 3u));
        FUZZ_CHECK(err != DBTOK_ERR_ABORTED && err != DBTOK_ERR_OUTCOME_UNKNOWN);
        break;
    }
    check_error_record(err, known);
    if (verbose) {
        const dbtok_error_info *e = dbtok_last_error(&S.client);
        unsigned i;
        for (i = first; i < S.run.n_req; i++) {
            const fuzz_request *r = &S.run.req[i];
            fuzz_answer a = fuzz_script_answer(&S.run, r->answer, NULL, NULL);
            fprintf(stderr, "  request %c on connection %u: %zu bytes%s, answer %d: %s, status %d\n", r->kind,
                    r->conn, r->len, r->whole ? "" : " (cut)", r->answer, a.complete ? "complete" : "lost",
                    a.status);
        }
        fprintf(stderr, "%s: %s (http %d, code \"%s\", message \"%s\", attempts %u)\n", names[op],
                dbtok_strerror(err), e->http_status, e->error_code, e->message, (unsigned)e->attempts);
    }
    judge_call(op, first, S.run.n_req, err);
    if (!S.input_has_bearer) {
        FUZZ_CHECK(!fuzz_contains(S.work, S.work_len, BEARER, strlen(BEARER)));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    unsigned n_ops;
    unsigned retries;
    unsigned i;
    bool wipe;
    dbtok_err err;

    if (verbose < 0) {
        verbose = getenv("DBTOK_FUZZ_VERBOSE") != NULL;
    }
    if (size < HEADER) {
        return 0;
    }
    retries = data[1] >> 6;
    fuzz_script_start(&S.run, data + 10, data + 26, data + HEADER, size - HEADER, (data[1] & 8u) == 0, retries > 0);
    S.run.on_answer = on_answer;
    S.input_has_bearer = fuzz_contains(data, size, BEARER, strlen(BEARER));
    S.last_id[0] = '\0';
    S.n_secrets = 0;

    memset(&S.cfg, 0, sizeof S.cfg);
    S.cfg.host = FUZZ_SCRIPT_HOST;
    S.cfg.token = BEARER;
    S.cfg.ca = fuzz_script_ca;
    S.cfg.ca_len = fuzz_script_ca_len;
    S.cfg.user_agent_extra = (data[1] & 0x20u) != 0 ? "fuzz/1.0 board/rev-b" : NULL;
    S.cfg.retry.max_attempts = (uint8_t)(retries > 0 ? retries + 1u : 1u);
    S.work_len = DBTOK_MIN_WORK_BUFFER + 64u * data[0];
    S.work = malloc(S.work_len);
    FUZZ_CHECK(S.work != NULL);
    err = dbtok_init(&S.client, &S.cfg, &S.run.port, S.work, S.work_len);
    FUZZ_CHECK(err == DBTOK_OK);

    n_ops = 1u + (data[1] & 7u);
    wipe = (data[1] & 0x10u) != 0;
    for (i = 0; i < n_ops && fuzz_script_room(&S.run, SENT_RESERVE, 64); i++) {
        run_op(data[2 + i], wipe);
    }

    dbtok_close(&S.client);
    if (verbose) {
        fprintf(stderr, "log:\n%s\n", S.run.pctx.log);
    }
    for (i = 0; i < S.work_len; i++) {
        FUZZ_CHECK(S.work[i] == 0);
    }
    FUZZ_CHECK(S.run.pctx.transport_calls == 0);
    check_no_secret(S.run.pctx.log, S.run.pctx.log_len, 0);
    /* A created value no part of which the input holds anywhere but in its
     * own answer, where it is a token_value, appears nowhere in the trace:
     * that answer's trace hides it, and every later echo is masked. */
    for (i = 0; i < S.n_secrets; i++) {
        if (strlen(S.secrets[i]) >= 8 && size <= sizeof scratch &&
            fuzz_secret_runs(data, size, S.secrets[i], scratch) <= 1) {
            FUZZ_CHECK(fuzz_secret_runs(S.run.pctx.log, S.run.pctx.log_len, S.secrets[i], scratch) == 0);
        }
    }
    free(S.work);
    return 0;
}
