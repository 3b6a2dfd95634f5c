/*
 * dbtok's bare-metal port: what a board or RTOS fills in, and the dbtok_port the
 * core runs on, built from it.
 *
 * A board supplies small, non-blocking primitives, the kind a UART driver, a modem
 * in transparent mode or an RTOS socket already has: write what fits, read what has
 * arrived, a free-running millisecond counter, a TRNG. This file's port adds what
 * every board would otherwise write again: deadlines on send and receive, a 64-bit
 * monotonic clock from a 32-bit counter that wraps, the "0 timeout never blocks" rule
 * of dbtok_port.recv, and the waits between retries. port/baremetal/README.md is the
 * porting guide.
 *
 * No heap, no globals: all state lives in the dbtok_bm_port the caller owns.
 */
#ifndef DBTOK_BAREMETAL_H
#define DBTOK_BAREMETAL_H

#include <stddef.h>
#include <stdint.h>

#include "dbtok/dbtok_port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* dbtok_bm_link.read: the peer closed the stream in order (TCP FIN, a modem's
 * "CLOSED" notice). A plain UART never says so; its stream just goes quiet. */
#define DBTOK_BM_CLOSED (-16)

/* The byte stream to the server: a UART to a bridge or a transparent-mode modem, an
 * AT-command modem's socket, an RTOS TCP socket. */
typedef struct {
    void *ctx; /* handed back to every function below */

    /* Bring the stream up to host:port within timeout_ms (dial, AT+CIPOPEN, TCP
     * connect; nothing for a fixed bridge). Return 0, or DBTOK_PORT_ERR_DNS /
     * _CONNECT / _TIMEOUT. Called only while the stream is closed. */
    int (*open)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);

    /* Non-blocking: queue up to len bytes and return how many were taken (0 when
     * the transmitter is busy), or DBTOK_PORT_ERR_IO when the stream is broken. */
    int (*write)(void *ctx, const uint8_t *buf, size_t len);

    /* Non-blocking: copy up to len bytes that have arrived and return how many (0
     * when none are waiting), DBTOK_BM_CLOSED after an orderly close, or
     * DBTOK_PORT_ERR_IO (bytes were lost, the link dropped). */
    int (*read)(void *ctx, uint8_t *buf, size_t len);

    /* End the stream (hang up, close the socket). */
    void (*close)(void *ctx);
} dbtok_bm_link;

/* Everything else the core needs from the board. */
typedef struct {
    dbtok_bm_link link;
    void *ctx; /* handed back to the functions below */

    /* Free-running milliseconds (SysTick count, HAL_GetTick, xTaskGetTickCount in
     * ms). It may wrap at 2^32; dbtok_bm_port extends it, which only needs the port
     * to be called at least once every 49 days. */
    uint32_t (*millis)(void *ctx);

    /* Fill buf from the TRNG; return 0, or non-zero when it failed. Called for the
     * DRBG seed and, through dbtok_bm_psa_rng_use(), for PSA's random numbers. */
    int (*entropy)(void *ctx, uint8_t *buf, size_t len);

    /* Optional: seconds since 1970 UTC from an RTC set by NTP, GNSS or the factory.
     * Without it certificate validity dates are not checked. */
    int64_t (*unix_time)(void *ctx);

    /* Optional: a line of diagnostics (see dbtok_port.log); never given a secret. */
    void (*log)(void *ctx, int level, const char *text, size_t len);

    /* Optional: called while waiting for the link or between retries, e.g. WFI until
     * the next interrupt or an RTOS delay of one tick so other tasks run. NULL:
     * busy-wait. */
    void (*idle)(void *ctx);
} dbtok_bm_board;

/* The port's state; one per dbtok_client, owned by the caller. */
typedef struct {
    const dbtok_bm_board *board;
    uint64_t ms_base; /* milliseconds counted by earlier wraps of board->millis */
    uint32_t ms_last; /* board->millis at the previous reading */
} dbtok_bm_port;

/* Fill *port with functions over board, keeping their state in *state. board and
 * state must outlive the client. */
void dbtok_bm_port_init(dbtok_bm_port *state, const dbtok_bm_board *board, dbtok_port *port);

/*
 * Route mbedTLS PSA's random numbers (MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG, as in
 * port/mbedtls/dbtok_mbedtls_device.h) to board->entropy. PSA's RNG is one per
 * firmware, so this keeps one board pointer for the whole program: call it once,
 * before dbtok_init(). Defined in dbtok_bm_psa_rng.c, which a firmware with its own
 * mbedtls_psa_external_get_random() simply does not use.
 */
void dbtok_bm_psa_rng_use(const dbtok_bm_board *board);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_BAREMETAL_H */
