/*
 * Test doubles for unit tests of the client above the TLS layer.
 *
 * fake_tls.c implements the tls_* functions of client_internal.h over a
 * script the test owns: a queue of connections, each with the responses it
 * answers its requests with (delivered in chunks of a chosen size, and
 * optionally cut short by a close, a reset or a timeout), and knobs for a
 * failing connect, a send that breaks off after N bytes and an idle
 * connection the server closed. Everything the client sends is recorded per
 * connection. Link it instead of core/src/tls.c.
 *
 * Built with FAKE_TLS_NO_CMOCKA (the fuzz harnesses), a broken contract
 * aborts instead of failing a cmocka test.
 *
 * It also provides a fake dbtok_port: a test clock, deterministic entropy
 * and a log that captures all text, so tests can assert on traces. The
 * port's transport functions exist only to satisfy dbtok_init; with the
 * fake TLS layer nothing may call them, and they count it if anything does.
 */
#ifndef DBTOK_FAKE_TLS_H
#define DBTOK_FAKE_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "client_internal.h" /* the fake stands in for tls.c: it works on dbtok__state */

#define FAKE_MAX_CONNS 24
#define FAKE_MAX_QUEUE 256
#define FAKE_MAX_RESPONSES 16
#define FAKE_SENT_MAX 65536
#define FAKE_LOG_MAX 65536

/* What recv reports once a response's bytes (or the bytes before its cut)
 * have all been delivered. */
typedef enum {
    FAKE_END_CLOSE = 0, /* orderly close: recv returns 0 */
    FAKE_END_RESET,     /* connection reset: recv returns DBTOK_ERR_IO */
    FAKE_END_TIMEOUT    /* nothing more arrives: recv returns DBTOK_ERR_TIMEOUT */
} fake_end;

/* The answer to one request on a connection. */
typedef struct {
    const char *bytes; /* NULL: no answer at all (recv goes straight to `end`) */
    size_t len;        /* 0: strlen(bytes) */
    size_t chunk;      /* most bytes handed out per recv; 0: as many as fit */
    bool cut;          /* deliver only bytes[0..cut_at), then `end` */
    size_t cut_at;
    fake_end end;
} fake_response;

typedef struct {
    /* script */
    dbtok_err connect_err;  /* DBTOK_OK: connect and handshake succeed */
    bool send_fails;        /* dbtok__tls_send_all fails once send_fail_after bytes were
                               accepted on this connection */
    size_t send_fail_after;
    dbtok_err send_err;     /* DBTOK_OK here means DBTOK_ERR_IO */
    bool closed_when_idle;  /* dbtok__tls_is_reusable() finds the idle connection closed */
    fake_response resp[FAKE_MAX_RESPONSES]; /* resp[k] answers the k-th request sent here;
                                               past them, the script's queue answers */
    unsigned n_resp;

    /* record */
    uint8_t sent[FAKE_SENT_MAX];
    size_t sent_len;
    unsigned send_calls;    /* dbtok__tls_send_all calls (one per request attempt) */
    unsigned recv_calls;
    size_t delivered;       /* bytes of the current response handed out */
    bool connected;         /* dbtok__tls_connect succeeded on this one */
    bool disconnected;      /* dbtok__tls_disconnect was called */
    unsigned reuse_checks;  /* dbtok__tls_is_reusable calls while this one was open */
    const fake_response *cur; /* the response to the request last sent here */
    unsigned cur_for;         /* send_calls when cur was chosen */
} fake_conn;

struct fake_script;
typedef void (*fake_recv_hook)(struct fake_script *s, dbtok__state *c);
/* The most bytes the next recv may hand out (0: no limit of its own). */
typedef size_t (*fake_chunk_hook)(struct fake_script *s);
/* After a send on conns[conn]: len bytes offered, sent of them taken (now
 * the last bytes of that connection's record). */
typedef void (*fake_send_hook)(struct fake_script *s, unsigned conn, size_t len, size_t sent);

typedef struct fake_script {
    fake_conn conns[FAKE_MAX_CONNS];
    unsigned n_conns;        /* connections scripted; a connect beyond them fails the test */
    bool auto_conns;         /* ...unless this is set: then it gets a fresh default connection */
    bool refuse_when_full;   /* a connect past the last one possible fails with DBTOK_ERR_CONNECT
                                instead of failing the test (a server gone unreachable) */
    /* Answers, in order, for requests on connections that have no scripted
     * response of their own left; for tests that do not care which
     * connection carries which request. */
    fake_response queue[FAKE_MAX_QUEUE];
    unsigned n_queue;
    unsigned next_queue;
    dbtok_err init_err;      /* what dbtok__tls_init returns */

    /* record */
    unsigned connects;       /* dbtok__tls_connect calls, failed ones included */
    unsigned active;         /* index of the open connection */
    bool open;               /* a connection is open */
    unsigned inits;
    unsigned frees;
    unsigned disconnects;    /* dbtok__tls_disconnect calls on an open connection */
    fake_recv_hook on_recv;  /* called before every recv; may be NULL */
    /* Called by every recv that hands out bytes, after the response's own
     * chunk limit; may be NULL. A fuzz harness draws each split from its
     * input here, so one response arrives in uneven pieces. */
    fake_chunk_hook next_chunk;
    fake_send_hook on_send;  /* called after every dbtok__tls_send_all; may be NULL */
    void *user;
    unsigned hook_calls;
} fake_script;

/* Clears s and makes it the script the tls_* functions use. */
void fake_tls_use(fake_script *s);

/* Appends a scripted connection (zeroed: connects, answers nothing). */
fake_conn *fake_add_conn(fake_script *s);

/* Appends a response to conn; returns it for further knobs. */
fake_response *fake_add_response(fake_conn *conn, const char *bytes);

/* Appends a response to the script's queue. */
fake_response *fake_queue_response(fake_script *s, const char *bytes);

/* Total bytes sent on all connections. */
size_t fake_total_sent(const fake_script *s);

/*
 * Complete requests sent on all connections whose request line starts with
 * `start` (e.g. "POST /api/2.0/token/create "); NULL counts all. A request
 * is complete when its head and its whole Content-Length body went out.
 */
unsigned fake_complete_requests(const fake_script *s, const char *start);

/* The fake port. */
typedef struct {
    uint64_t now_ms;
    uint8_t entropy_byte;
    char log[FAKE_LOG_MAX + 1]; /* NUL-terminated capture of every log fragment */
    size_t log_len;
    bool log_overflow;
    unsigned log_calls;
    unsigned transport_calls;   /* connect/send/recv/close reached: must stay 0 */
    int64_t unix_time;          /* what unix_time answers, when a test installs it */
    uint32_t sleeps[16];        /* waits asked of sleep_ms, in order (the clock moves on) */
    unsigned sleep_count;
} fake_port_ctx;

/* Optional port functions a test may install: sleep_ms advances the test
 * clock and records the wait; unix_time answers ctx->unix_time. */
void fake_port_sleep_ms(void *ctx, uint32_t ms);
int64_t fake_port_unix_time(void *ctx);

/* Fills port with the fake's functions over ctx (cleared); log only when with_log. */
void fake_port_make(dbtok_port *port, fake_port_ctx *ctx, bool with_log);

/* Whether needle (NUL-terminated) occurs in hay[0..len). */
bool fake_contains(const void *hay, size_t len, const char *needle);

#endif /* DBTOK_FAKE_TLS_H */
