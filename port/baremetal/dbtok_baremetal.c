/*
 * dbtok_port over a board's non-blocking primitives. See dbtok_baremetal.h.
 */
#include "dbtok_baremetal.h"

#include <limits.h>
#include <string.h>

static uint64_t bm_now_ms(void *ctx)
{
    dbtok_bm_port *p = ctx;
    uint32_t now = p->board->millis(p->board->ctx);
    /* Unsigned difference: correct across one wrap of the 32-bit counter. */
    p->ms_base += (uint32_t)(now - p->ms_last);
    p->ms_last = now;
    return p->ms_base;
}

/* Called once per loop that found the link not ready, so the board can sleep. */
static void bm_idle(const dbtok_bm_port *p)
{
    if (p->board->idle != NULL) {
        p->board->idle(p->board->ctx);
    }
}

static int bm_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    dbtok_bm_port *p = ctx;
    const dbtok_bm_link *link = &p->board->link;
    return link->open(link->ctx, host, port, timeout_ms);
}

static int bm_send(void *ctx, const uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    dbtok_bm_port *p = ctx;
    const dbtok_bm_link *link = &p->board->link;
    uint64_t deadline = bm_now_ms(p) + timeout_ms;
    for (;;) {
        int n = link->write(link->ctx, buf, len);
        if (n > 0) {
            return n;
        }
        if (n < 0) {
            return DBTOK_PORT_ERR_IO;
        }
        if (bm_now_ms(p) >= deadline) {
            return DBTOK_PORT_ERR_TIMEOUT;
        }
        bm_idle(p);
    }
}

/*
 * Bytes come in runs (a UART's stream, a TCP segment), and mbedTLS asks for the rest of a
 * record at once: so once some have arrived, the port waits for the next wake-up and
 * gathers what it brought, until len are in hand, a wake-up brings nothing (the run has
 * ended) or the deadline comes. Returning each byte on its own would send it through
 * mbedTLS's record layer, dbtok's BIO and this loop one at a time (bench/device: a
 * third of a list call's instructions).
 */
static int bm_recv(void *ctx, uint8_t *buf, size_t len, uint32_t timeout_ms)
{
    dbtok_bm_port *p = ctx;
    const dbtok_bm_link *link = &p->board->link;
    uint64_t deadline = bm_now_ms(p) + timeout_ms;
    size_t got = 0;

    if (len > INT_MAX) {
        len = INT_MAX;
    }
    for (;;) {
        int n = link->read(link->ctx, buf + got, len - got);
        if (n > 0) {
            got += (size_t)n;
            if (got == len || timeout_ms == 0 || bm_now_ms(p) >= deadline) {
                return (int)got;
            }
        } else if (got > 0) {
            return (int)got; /* the run has ended; a close or an error is told by the next call */
        } else if (n == DBTOK_BM_CLOSED) {
            return 0;
        } else if (n < 0) {
            return DBTOK_PORT_ERR_IO;
        } else if (timeout_ms == 0 || bm_now_ms(p) >= deadline) {
            /* Checked after one read, so a 0 timeout answers without waiting. */
            return DBTOK_PORT_ERR_TIMEOUT;
        }
        bm_idle(p);
    }
}

static void bm_close(void *ctx)
{
    dbtok_bm_port *p = ctx;
    const dbtok_bm_link *link = &p->board->link;
    link->close(link->ctx);
}

static int bm_entropy(void *ctx, uint8_t *buf, size_t len)
{
    dbtok_bm_port *p = ctx;
    return p->board->entropy(p->board->ctx, buf, len);
}

static int64_t bm_unix_time(void *ctx)
{
    dbtok_bm_port *p = ctx;
    return p->board->unix_time(p->board->ctx);
}

/* Retries wait here: idle until the time has passed, so the board sleeps (WFI) or
 * lets other tasks run rather than spinning. */
static void bm_sleep_ms(void *ctx, uint32_t ms)
{
    dbtok_bm_port *p = ctx;
    uint64_t until = bm_now_ms(p) + ms;
    while (bm_now_ms(p) < until) {
        bm_idle(p);
    }
}

static void bm_log(void *ctx, int level, const char *text, size_t len)
{
    dbtok_bm_port *p = ctx;
    p->board->log(p->board->ctx, level, text, len);
}

void dbtok_bm_port_init(dbtok_bm_port *state, const dbtok_bm_board *board, dbtok_port *port)
{
    state->board = board;
    state->ms_base = 0;
    state->ms_last = board->millis(board->ctx);

    /* Hooks this port does not know stay NULL: dbtok treats them as absent. */
    memset(port, 0, sizeof *port);
    port->ctx = state;
    port->connect = bm_connect;
    port->send = bm_send;
    port->recv = bm_recv;
    port->close = bm_close;
    port->now_ms = bm_now_ms;
    port->entropy = bm_entropy;
    port->sleep_ms = bm_sleep_ms;
    /* Optional hooks stay NULL when the board has none, as dbtok_port expects. */
    port->unix_time = board->unix_time != NULL ? bm_unix_time : NULL;
    port->log = board->log != NULL ? bm_log : NULL;
}
