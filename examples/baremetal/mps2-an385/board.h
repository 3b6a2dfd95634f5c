/*
 * The mps2-an385 board (and mps2-an386, the same board with a Cortex-M4F) as a
 * dbtok_bm_board: UART0 carries the TLS stream, SysTick counts milliseconds, and
 * semihosting stands in for the TRNG and the RTC the board does not have.
 */
#ifndef DBTOK_FW_BOARD_H
#define DBTOK_FW_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "dbtok_baremetal.h"
#include "uart_cmsdk.h"

typedef struct {
    dbtok_bm_board board;
    dbtok_uart_cmsdk uart0;
    int urandom;            /* semihosting handle of the host's /dev/urandom */
    int64_t clock_offset_s; /* added to the host clock: lets a test move time */
} mps2_board;

/* Start SysTick and UART0, open the entropy source; with trace, dbtok's log (requests
 * and responses, secrets redacted) goes to semihosting. Returns 0, or -1 when the
 * host's entropy source cannot be opened. */
int mps2_board_init(mps2_board *b, int64_t clock_offset_s, bool trace);

/* Interrupt handlers for the vector table in startup.c. */
void mps2_systick_handler(void);
void mps2_uart0_rx_handler(void);

/* The UART0 RX interrupt's number on the MPS2 FPGA images. */
#define MPS2_IRQ_UART0_RX 0

#endif /* DBTOK_FW_BOARD_H */
