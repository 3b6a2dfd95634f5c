/*
 * The transport of a fuzzed client run, drawn from the input, and the
 * record of its requests. See fuzz_script.h.
 */
#include "fuzz_script.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_common.h"
#include "http_reader.h"

const uint8_t fuzz_script_ca[] = "not parsed: the fake TLS layer never looks at it";
const size_t fuzz_script_ca_len = sizeof fuzz_script_ca;

static size_t next_chunk(fake_script *fake)
{
    fuzz_script *s = fake->user;
    uint8_t b = s->splits[s->next_split++ % FUZZ_SCRIPT_SPLITS];
    return b == 0 ? 0 : fuzz_split_size(b);
}

static bool starts(const uint8_t *p, size_t n, const char *prefix)
{
    size_t k = strlen(prefix);
    return n >= k && memcmp(p, prefix, k) == 0;
}

static void on_send(fake_script *fake, unsigned conn, size_t len, size_t sent)
{
    fuzz_script *s = fake->user;
    const fake_conn *c = &fake->conns[conn];
    fuzz_request *r;

    if (s->n_req == FUZZ_SCRIPT_MAX_REQUESTS) {
        s->req_overflow = true;
        return;
    }
    r = &s->req[s->n_req++];
    r->conn = conn;
    r->off = c->sent_len - sent;
    r->len = sent;
    r->whole = sent == len && len > 0;
    r->answer = -2;
    r->kind = starts(c->sent + r->off, sent, "POST /api/2.0/token/create ")   ? 'C'
              : starts(c->sent + r->off, sent, "GET /api/2.0/token/list ")    ? 'L'
              : starts(c->sent + r->off, sent, "POST /api/2.0/token/delete ") ? 'D'
                                                                              : '?';
    if (s->on_request != NULL) {
        s->on_request(s, r);
    }
}

/* The first recv after a send picks its answer: the fake takes the next one
 * of the queue. Later recvs are not looked at: with one-byte splits a hook
 * that scans the work buffer would run once per byte. */
static void on_recv(fake_script *fake, dbtok__state *c)
{
    fuzz_script *s = fake->user;
    fuzz_request *r = s->n_req > 0 ? &s->req[s->n_req - 1] : NULL;

    if (r == NULL || r->answer != -2) {
        return;
    }
    r->answer = fake->next_queue < fake->n_queue ? (int)fake->next_queue : -1;
    if (s->on_answer != NULL) {
        s->on_answer(s, c);
    }
}

static void script_connections(fuzz_script *s, const uint8_t *knobs)
{
    static const dbtok_err connect_errs[4] = {DBTOK_ERR_CONNECT, DBTOK_ERR_TLS, DBTOK_ERR_TIMEOUT,
                                              DBTOK_ERR_CERT_VERIFY};
    unsigned i;

    for (i = 0; i < FUZZ_SCRIPT_CONN_KNOBS; i++) {
        fake_conn *conn = fake_add_conn(&s->fake);
        uint8_t k = knobs[i];
        switch (k & 7u) {
        case 5:
            conn->connect_err = connect_errs[(k >> 3) & 3u];
            break;
        case 6:
            conn->send_fails = true;
            conn->send_fail_after = (size_t)((k >> 3) & 0x0Fu) * 32u;
            conn->send_err = (k & 0x40u) != 0 ? DBTOK_ERR_TIMEOUT : DBTOK_ERR_IO;
            break;
        default:
            break;
        }
        conn->closed_when_idle = (k & 0x80u) != 0;
    }
    s->fake.auto_conns = true;
    s->fake.refuse_when_full = true;
}

/* Splits the answers on the separator into the fake's queue. */
static void script_answers(fuzz_script *s, const uint8_t *p, size_t n)
{
    size_t sep = strlen(FUZZ_SCRIPT_SEPARATOR);

    while (s->fake.n_queue < FAKE_MAX_QUEUE) {
        const uint8_t *end = NULL;
        size_t len;
        size_t i;
        fake_response *r;

        for (i = 0; i + sep <= n; i++) {
            if (memcmp(p + i, FUZZ_SCRIPT_SEPARATOR, sep) == 0) {
                end = p + i;
                break;
            }
        }
        len = end != NULL ? (size_t)(end - p) : n;
        r = fake_queue_response(&s->fake, NULL);
        if (len > 0) {
            r->end = p[0] == 'R' ? FAKE_END_RESET : p[0] == 'T' ? FAKE_END_TIMEOUT : FAKE_END_CLOSE;
            if (p[0] != 'N') {
                r->bytes = (const char *)p + 1;
                r->len = len - 1;
            }
        }
        if (end == NULL) {
            break;
        }
        p += len + sep;
        n -= len + sep;
    }
}

void fuzz_script_start(fuzz_script *s, const uint8_t *conn_knobs, const uint8_t *splits, const uint8_t *answers,
                       size_t len, bool with_log, bool with_sleep)
{
    fake_tls_use(&s->fake);
    fake_port_make(&s->port, &s->pctx, with_log);
    if (with_sleep) {
        s->port.sleep_ms = fake_port_sleep_ms;
    }
    s->fake.user = s;
    s->fake.next_chunk = next_chunk;
    s->fake.on_recv = on_recv;
    s->fake.on_send = on_send;
    s->splits = splits;
    s->next_split = 0;
    s->n_req = 0;
    s->req_overflow = false;
    s->on_request = NULL;
    s->on_answer = NULL;
    script_connections(s, conn_knobs);
    script_answers(s, answers, len);
}

const uint8_t *fuzz_script_request_text(const fuzz_script *s, const fuzz_request *r)
{
    return s->fake.conns[r->conn].sent + r->off;
}

bool fuzz_script_request_holds(const fuzz_script *s, const fuzz_request *r, const char *needle, size_t len)
{
    return fuzz_contains(fuzz_script_request_text(s, r), r->len, needle, len);
}

fuzz_answer fuzz_script_answer(const fuzz_script *s, int idx, uint8_t **body, size_t *body_len)
{
    fuzz_answer a = {false, false, 0};
    const fake_response *r;
    http_reader reader;
    uint8_t *copy;
    size_t consumed = 0;
    size_t got = 0;
    int rc = 0;

    if (body != NULL) {
        *body = NULL;
        *body_len = 0;
    }
    if (idx < 0) {
        return a;
    }
    r = &s->fake.queue[idx];
    /* An exactly sized copy, which the reader rewrites (the body moves to its start). */
    copy = fuzz_dup((const uint8_t *)(r->bytes != NULL ? r->bytes : ""), r->bytes != NULL ? r->len : 0);
    dbtok__http_reader_init(&reader, NULL, NULL);
    if (r->bytes != NULL && r->len > 0) {
        rc = dbtok__http_reader_feed(&reader, copy, r->len, &consumed, &got);
    }
    if (rc == 0 && r->end == FAKE_END_CLOSE) {
        rc = dbtok__http_reader_eof(&reader);
    }
    a.complete = rc == 1;
    a.head = reader.head_done;
    a.status = reader.status;
    if (body != NULL && a.complete) {
        *body = copy;
        *body_len = got;
    } else {
        free(copy);
    }
    return a;
}

bool fuzz_script_room(const fuzz_script *s, size_t sent_reserve, unsigned requests)
{
    unsigned i;
    for (i = 0; i < s->fake.n_conns; i++) {
        if (s->fake.conns[i].sent_len > FAKE_SENT_MAX - sent_reserve) {
            return false;
        }
    }
    return s->n_req + requests <= FUZZ_SCRIPT_MAX_REQUESTS;
}
