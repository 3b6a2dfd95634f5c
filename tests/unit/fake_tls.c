/*
 * A scripted stand-in for core/src/tls.c, and a fake port. See fake_tls.h.
 *
 * The state lives in a fake_script the test owns; tls_* find it through one
 * static pointer set by fake_tls_use(). Misuse that the real layer's contract
 * forbids (connecting while a connection is open, sending or receiving with
 * none open, connecting more often than the test scripted) fails the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>

#ifdef FAKE_TLS_NO_CMOCKA
/* The fuzz harnesses run outside any cmocka test, where fail_msg has no test
 * to fail: a broken contract aborts instead, which libFuzzer reports as a
 * crash together with the input that caused it. */
#include <stdio.h>
#include <stdlib.h>

static void fake_fail(const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    vfprintf(stderr, format, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}
#define fail_msg(...) fake_fail(__VA_ARGS__)
#else
#include <cmocka.h>
#endif

#include <limits.h>
#include <string.h>

#include "client_internal.h"
#include "fake_tls.h"

static fake_script *script;

static fake_script *current(void)
{
    if (script == NULL) {
        fail_msg("fake_tls: no script (call fake_tls_use first)");
    }
    return script;
}

void fake_tls_use(fake_script *s)
{
    memset(s, 0, sizeof *s);
    script = s;
}

fake_conn *fake_add_conn(fake_script *s)
{
    if (s->n_conns >= FAKE_MAX_CONNS) {
        fail_msg("fake_tls: more than %d connections scripted", FAKE_MAX_CONNS);
    }
    return &s->conns[s->n_conns++];
}

static fake_response *init_response(fake_response *r, const char *bytes)
{
    memset(r, 0, sizeof *r);
    r->bytes = bytes;
    r->len = bytes != NULL ? strlen(bytes) : 0;
    return r;
}

fake_response *fake_add_response(fake_conn *conn, const char *bytes)
{
    if (conn->n_resp >= FAKE_MAX_RESPONSES) {
        fail_msg("fake_tls: more than %d responses on one connection", FAKE_MAX_RESPONSES);
    }
    return init_response(&conn->resp[conn->n_resp++], bytes);
}

fake_response *fake_queue_response(fake_script *s, const char *bytes)
{
    if (s->n_queue >= FAKE_MAX_QUEUE) {
        fail_msg("fake_tls: more than %d queued responses", FAKE_MAX_QUEUE);
    }
    return init_response(&s->queue[s->n_queue++], bytes);
}

size_t fake_total_sent(const fake_script *s)
{
    size_t total = 0;
    unsigned i;
    for (i = 0; i < s->n_conns; i++) {
        total += s->conns[i].sent_len;
    }
    return total;
}

static const uint8_t *find_bytes(const uint8_t *hay, size_t len, const char *needle, size_t nlen)
{
    size_t i;
    if (nlen == 0 || nlen > len) {
        return NULL;
    }
    for (i = 0; i + nlen <= len; i++) {
        if (memcmp(hay + i, needle, nlen) == 0) {
            return hay + i;
        }
    }
    return NULL;
}

bool fake_contains(const void *hay, size_t len, const char *needle)
{
    return find_bytes(hay, len, needle, strlen(needle)) != NULL;
}

static char lower(char ch)
{
    return (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
}

/* Content-Length of a request head, 0 when absent. */
static size_t head_content_length(const uint8_t *head, size_t len)
{
    static const char name[] = "\r\ncontent-length:";
    size_t n = sizeof name - 1;
    size_t i;
    size_t j;
    for (i = 0; i + n <= len; i++) {
        for (j = 0; j < n && lower((char)head[i + j]) == name[j]; j++) {
        }
        if (j == n) {
            size_t v = 0;
            size_t k = i + n;
            while (k < len && head[k] == ' ') {
                k++;
            }
            while (k < len && head[k] >= '0' && head[k] <= '9') {
                v = v * 10 + (size_t)(head[k] - '0');
                k++;
            }
            return v;
        }
    }
    return 0;
}

unsigned fake_complete_requests(const fake_script *s, const char *start)
{
    unsigned count = 0;
    unsigned i;
    for (i = 0; i < s->n_conns; i++) {
        const fake_conn *conn = &s->conns[i];
        size_t pos = 0;
        while (pos < conn->sent_len) {
            const uint8_t *end = find_bytes(conn->sent + pos, conn->sent_len - pos, "\r\n\r\n", 4);
            size_t head_len;
            size_t total;
            if (end == NULL) {
                break;
            }
            head_len = (size_t)(end - (conn->sent + pos)) + 4;
            total = head_len + head_content_length(conn->sent + pos, head_len);
            if (total > conn->sent_len - pos) {
                break;
            }
            if (start == NULL ||
                (strlen(start) <= head_len && memcmp(conn->sent + pos, start, strlen(start)) == 0)) {
                count++;
            }
            pos += total;
        }
    }
    return count;
}

/* ---- the tls_* functions of client_internal.h ------------------------- */

dbtok_err dbtok__tls_init(dbtok__state *c)
{
    fake_script *s = current();
    (void)c;
    s->inits++;
    return s->init_err;
}

dbtok_err dbtok__tls_connect(dbtok__state *c, size_t keep)
{
    fake_script *s = current();
    fake_conn *conn;
    unsigned idx;

    (void)keep;
    if (s->open || c->connected) {
        fail_msg("fake_tls: connect while a connection is open");
    }
    idx = s->connects++;
    if (idx >= s->n_conns && s->auto_conns && s->n_conns < FAKE_MAX_CONNS) {
        (void)fake_add_conn(s);
    }
    if (idx >= s->n_conns && s->refuse_when_full) {
        return DBTOK_ERR_CONNECT;
    }
    if (idx >= s->n_conns) {
        fail_msg("fake_tls: connect #%u, but only %u connection(s) scripted", idx + 1, s->n_conns);
    }
    conn = &s->conns[idx];
    if (conn->connect_err != DBTOK_OK) {
        return conn->connect_err;
    }
    conn->connected = true;
    s->active = idx;
    s->open = true;
    c->connected = true;
    c->stats.connects++;
    c->stats.handshakes++;
    return DBTOK_OK;
}

static fake_conn *open_conn(dbtok__state *c, const char *what)
{
    fake_script *s = current();
    if (!s->open || !c->connected) {
        fail_msg("fake_tls: %s without an open connection", what);
    }
    return &s->conns[s->active];
}

bool dbtok__tls_is_reusable(dbtok__state *c)
{
    fake_script *s = current();
    fake_conn *conn;
    if (!c->connected) {
        return false;
    }
    if (!s->open) {
        fail_msg("fake_tls: client thinks it is connected, the fake does not");
    }
    conn = &s->conns[s->active];
    conn->reuse_checks++;
    return !conn->closed_when_idle;
}

dbtok_err dbtok__tls_send_all(dbtok__state *c, const uint8_t *buf, size_t len, size_t *sent)
{
    fake_conn *conn = open_conn(c, "send");
    size_t n = len;

    *sent = 0;
    conn->send_calls++;
    conn->delivered = 0; /* the next response answers this request */
    if (conn->send_fails) {
        size_t allowed = conn->send_fail_after > conn->sent_len ? conn->send_fail_after - conn->sent_len : 0;
        if (n > allowed) {
            n = allowed;
        }
    }
    if (n > FAKE_SENT_MAX - conn->sent_len) {
        fail_msg("fake_tls: more than %d bytes sent on one connection", FAKE_SENT_MAX);
    }
    if (n > 0) {
        memcpy(conn->sent + conn->sent_len, buf, n);
    }
    conn->sent_len += n;
    *sent = n;
    if (current()->on_send != NULL) {
        current()->on_send(current(), current()->active, len, n);
    }
    if (n < len) {
        return conn->send_err != DBTOK_OK ? conn->send_err : DBTOK_ERR_IO;
    }
    return DBTOK_OK;
}

int dbtok__tls_recv(dbtok__state *c, uint8_t *buf, size_t len)
{
    fake_script *s = current();
    fake_conn *conn = open_conn(c, "recv");
    static const fake_response silent = {NULL, 0, 0, false, 0, FAKE_END_CLOSE};
    const fake_response *r;
    size_t stop;
    size_t n;

    if (s->on_recv != NULL) {
        s->hook_calls++;
        s->on_recv(s, c);
    }
    conn->recv_calls++;
    if (conn->send_calls == 0) {
        fail_msg("fake_tls: recv before any request was sent");
    }
    if (len == 0) {
        fail_msg("fake_tls: recv into an empty buffer");
    }
    if (conn->cur_for != conn->send_calls) {
        /* the first recv for this request: pick its answer */
        if (conn->send_calls <= conn->n_resp) {
            conn->cur = &conn->resp[conn->send_calls - 1];
        } else if (s->next_queue < s->n_queue) {
            conn->cur = &s->queue[s->next_queue++];
        } else {
            conn->cur = &silent;
        }
        conn->cur_for = conn->send_calls;
        conn->delivered = 0;
    }
    r = conn->cur;
    stop = r->bytes == NULL ? 0 : r->len;
    if (r->cut && r->cut_at < stop) {
        stop = r->cut_at;
    }
    if (conn->delivered < stop) {
        n = stop - conn->delivered;
        if (r->chunk > 0 && n > r->chunk) {
            n = r->chunk;
        }
        if (s->next_chunk != NULL) {
            size_t most = s->next_chunk(s);
            if (most > 0 && n > most) {
                n = most;
            }
        }
        if (n > len) {
            n = len;
        }
        if (n > INT_MAX) {
            n = INT_MAX;
        }
        memcpy(buf, r->bytes + conn->delivered, n);
        conn->delivered += n;
        return (int)n;
    }
    switch (r->end) {
    case FAKE_END_RESET:
        return DBTOK_ERR_IO;
    case FAKE_END_TIMEOUT:
        return DBTOK_ERR_TIMEOUT;
    default:
        return 0;
    }
}

void dbtok__tls_disconnect(dbtok__state *c)
{
    fake_script *s = current();
    if (!c->connected) {
        return;
    }
    if (!s->open) {
        fail_msg("fake_tls: disconnect of a connection the fake never opened");
    }
    s->conns[s->active].disconnected = true;
    s->open = false;
    s->disconnects++;
    c->connected = false;
}

void dbtok__tls_free(dbtok__state *c)
{
    (void)c;
    current()->frees++;
}

/* ---- the fake port ------------------------------------------------------ */

static int port_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)host;
    (void)port;
    (void)timeout_ms;
    ((fake_port_ctx *)ctx)->transport_calls++;
    return DBTOK_PORT_ERR_CONNECT;
}

static int port_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)buf;
    (void)len;
    (void)timeout_ms;
    ((fake_port_ctx *)ctx)->transport_calls++;
    return DBTOK_PORT_ERR_IO;
}

static int port_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    (void)buf;
    (void)len;
    (void)timeout_ms;
    ((fake_port_ctx *)ctx)->transport_calls++;
    return DBTOK_PORT_ERR_IO;
}

static void port_close(void *ctx)
{
    ((fake_port_ctx *)ctx)->transport_calls++;
}

static uint64_t port_now_ms(void *ctx)
{
    return ((fake_port_ctx *)ctx)->now_ms;
}

void fake_port_sleep_ms(void *ctx, uint32_t ms)
{
    fake_port_ctx *p = ctx;
    if (p->sleep_count < sizeof p->sleeps / sizeof p->sleeps[0]) {
        p->sleeps[p->sleep_count] = ms;
    }
    p->sleep_count++;
    p->now_ms += ms;
}

int64_t fake_port_unix_time(void *ctx)
{
    return ((fake_port_ctx *)ctx)->unix_time;
}

static int port_entropy(void *ctx, uint8_t *buf, size_t len)
{
    fake_port_ctx *p = ctx;
    size_t i;
    for (i = 0; i < len; i++) {
        buf[i] = p->entropy_byte++;
    }
    return 0;
}

static void port_log(void *ctx, int level, const char *text, size_t len)
{
    fake_port_ctx *p = ctx;
    size_t room = FAKE_LOG_MAX - p->log_len;
    (void)level;
    p->log_calls++;
    if (len > room) {
        len = room;
        p->log_overflow = true;
    }
    memcpy(p->log + p->log_len, text, len);
    p->log_len += len;
    p->log[p->log_len] = 0;
}

void fake_port_make(dbtok_port *port, fake_port_ctx *ctx, bool with_log)
{
    memset(ctx, 0, sizeof *ctx);
    ctx->now_ms = 1000000;
    memset(port, 0, sizeof *port);
    port->ctx = ctx;
    port->connect = port_connect;
    port->send = port_send;
    port->recv = port_recv;
    port->close = port_close;
    port->now_ms = port_now_ms;
    port->entropy = port_entropy;
    port->unix_time = NULL;
    port->log = with_log ? port_log : NULL;
}
