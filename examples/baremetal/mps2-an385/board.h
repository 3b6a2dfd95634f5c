/*
 * The mps2-an385 board (and mps2-an386, the same board with a Cortex-M4F) as a
 * dbtok_bm_board: UART0 carries the TLS stream, SysTick counts milliseconds, and
 * semihosting stands in for the TRNG and the RTC the board does not have.
 *
 * UART0 is wired to a TCP connection (QEMU's -serial tcp:), directly or through the
 * tests' bridge: one stream per boot. The provisioning image, whose boot may need a
 * second (a client closed and started again with the bootstrap credential), gets it
 * through the bridge, which dials the server again when it sees the next TLS
 * ClientHello, as a modem dials again per session.
 *
 * The Ethernet images (DBTOK_FW_ETHERNET: the demo's, and the provisioning one's with
 * DBTOK_FW_PROVISIONING too) carry the stream over the board's LAN9118 instead: lwIP
 * (port/lwip/) with a DHCP lease, one TCP connection per stream, as many as the client
 * opens, so no redial. Its host table (no DNS) is set before mps2_board_init().
 */
#ifndef DBTOK_FW_BOARD_H
#define DBTOK_FW_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "dbtok_baremetal.h"
#if defined(DBTOK_FW_ETHERNET)
#include "dbtok_lwip_link.h"
#include "lan9118.h"
#include "lwip/netif.h"
#else
#include "uart_cmsdk.h"
#endif

typedef struct {
    dbtok_bm_board board;
#if defined(DBTOK_FW_ETHERNET)
    dbtok_lan9118 nic;
    struct netif netif;
    dbtok_lwip_link link;   /* board.link's state */
    dbtok_lwip_host host;   /* the host table: one entry, set before mps2_board_init */
    size_t host_count;      /* 0 or 1 */
#else
    dbtok_uart_cmsdk uart0;
#endif
#if defined(DBTOK_FW_PROVISIONING) && !defined(DBTOK_FW_ETHERNET)
    dbtok_bm_link uart_link; /* UART0's own link; board.link wraps it (board.c) */
    uint32_t sessions;       /* streams opened on the link in this boot */
#endif
    int urandom;             /* semihosting handle of the host's /dev/urandom */
    int64_t clock_offset_s;  /* added to the host clock: lets a test move time */
} mps2_board;

/* Start SysTick and UART0 (Ethernet image: the LAN9118, lwIP and its DHCP client),
 * open the entropy source; with trace, dbtok's log (requests and responses, secrets
 * redacted) goes to semihosting. Returns 0, MPS2_BOARD_NO_ENTROPY when the host's
 * entropy source cannot be opened, or MPS2_BOARD_NO_NETWORK when no Ethernet
 * controller answers. */
#define MPS2_BOARD_NO_ENTROPY (-1)
#define MPS2_BOARD_NO_NETWORK (-2)
int mps2_board_init(mps2_board *b, int64_t clock_offset_s, bool trace);

/* Interrupt handlers for the vector table in startup.c. */
void mps2_systick_handler(void);
#if !defined(DBTOK_FW_ETHERNET)
void mps2_uart0_rx_handler(void);
#endif

/* The UART0 RX interrupt's number on the MPS2 FPGA images. */
#define MPS2_IRQ_UART0_RX 0

#endif /* DBTOK_FW_BOARD_H */
