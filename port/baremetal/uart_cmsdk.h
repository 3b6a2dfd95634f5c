/*
 * Reference link for dbtok_bm_board: the Arm CMSDK APB UART (MPS2 boards, QEMU's
 * mps2-an385/an386, several Cortex-M SoCs), carrying the TLS byte stream to a
 * UART-to-TCP bridge or a modem in transparent mode.
 *
 * Receiving is interrupt-driven into a ring, so bytes that arrive while the CPU is
 * busy with a signature check are kept; the board calls dbtok_uart_cmsdk_rx_isr()
 * from the UART's RX interrupt. The UART has no flow control: if the ring is full
 * for longer than one byte time, the UART's overrun flag is set and reads report
 * DBTOK_PORT_ERR_IO (the TLS session is then broken; bytes are never lost silently).
 * Size DBTOK_UART_RX_RING for the longest computation at your baud rate, or use a
 * modem with RTS/CTS. Transmitting is polled.
 *
 * A transparent link has no dial and no hang-up: open() succeeds once, and after
 * close() the stream is over, so a second open() fails with DBTOK_PORT_ERR_CONNECT.
 */
#ifndef DBTOK_UART_CMSDK_H
#define DBTOK_UART_CMSDK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok_baremetal.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of receive ring; a power of two. */
#ifndef DBTOK_UART_RX_RING
#define DBTOK_UART_RX_RING 512u
#endif

typedef struct {
    uintptr_t base;             /* register block, e.g. 0x40004000 for MPS2 UART0 */
    volatile uint32_t rx_head;  /* written by the RX interrupt (and by reads, with it masked) */
    volatile uint32_t rx_tail;  /* written by reads */
    volatile bool overrun;      /* the UART dropped a byte */
    bool opened;                /* the one stream has been handed out */
    bool closed;
    uint8_t rx_ring[DBTOK_UART_RX_RING];
} dbtok_uart_cmsdk;

/* Reset *u, program the baud divisor (UART clock / baud rate, at least 16) and
 * enable TX, RX and the RX interrupt. The board then enables the interrupt in the
 * NVIC. */
void dbtok_uart_cmsdk_init(dbtok_uart_cmsdk *u, uintptr_t base, uint32_t baud_div);

/* Call from the UART's RX interrupt handler. */
void dbtok_uart_cmsdk_rx_isr(dbtok_uart_cmsdk *u);

/* Fill *link with the functions for this UART. */
void dbtok_uart_cmsdk_link(dbtok_uart_cmsdk *u, dbtok_bm_link *link);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_UART_CMSDK_H */
