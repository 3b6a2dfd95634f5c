/*
 * CMSDK APB UART link. See uart_cmsdk.h.
 *
 * Registers (Arm CoreLink SDK, APB UART): DATA 0x00, STATE 0x04 (bit 0 TX full,
 * bit 1 RX full, bit 3 RX overrun, write 1 to clear), CTRL 0x08 (bit 0 TX enable,
 * bit 1 RX enable, bit 3 RX interrupt enable), INTSTATUS/INTCLEAR 0x0C (bit 1 RX),
 * BAUDDIV 0x10.
 */
#include "uart_cmsdk.h"

#define UART_DATA 0x00u
#define UART_STATE 0x04u
#define UART_CTRL 0x08u
#define UART_INTCLEAR 0x0Cu
#define UART_BAUDDIV 0x10u

#define STATE_TX_FULL 0x1u
#define STATE_RX_FULL 0x2u
#define STATE_RX_OVERRUN 0x8u
#define CTRL_TX_EN 0x1u
#define CTRL_RX_EN 0x2u
#define CTRL_RX_INT_EN 0x8u
#define INT_RX 0x2u

#if (DBTOK_UART_RX_RING & (DBTOK_UART_RX_RING - 1u)) != 0 || DBTOK_UART_RX_RING < 16
#error "DBTOK_UART_RX_RING must be a power of two, at least 16"
#endif

static volatile uint32_t *reg(const dbtok_uart_cmsdk *u, uint32_t offset)
{
    return (volatile uint32_t *)(u->base + offset);
}

/* Interrupts off around the reader's own draining, so the ring has one writer at a
 * time. PRIMASK is restored, not cleared: a caller may already run masked. */
static uint32_t irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static void irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* Moves received bytes from the UART into the ring while there is room. With the
 * ring full the byte stays in DATA; the next read() drains it. */
static void drain(dbtok_uart_cmsdk *u)
{
    uint32_t state = *reg(u, UART_STATE);
    if ((state & STATE_RX_OVERRUN) != 0) {
        *reg(u, UART_STATE) = STATE_RX_OVERRUN;
        u->overrun = true;
    }
    while ((*reg(u, UART_STATE) & STATE_RX_FULL) != 0 && u->rx_head - u->rx_tail < DBTOK_UART_RX_RING) {
        u->rx_ring[u->rx_head & (DBTOK_UART_RX_RING - 1u)] = (uint8_t)*reg(u, UART_DATA);
        u->rx_head++;
    }
}

void dbtok_uart_cmsdk_rx_isr(dbtok_uart_cmsdk *u)
{
    /* Cleared before draining: a byte landing after the drain raises it again. */
    *reg(u, UART_INTCLEAR) = INT_RX;
    drain(u);
}

void dbtok_uart_cmsdk_init(dbtok_uart_cmsdk *u, uintptr_t base, uint32_t baud_div)
{
    u->base = base;
    u->rx_head = 0;
    u->rx_tail = 0;
    u->overrun = false;
    u->opened = false;
    u->closed = false;
    *reg(u, UART_BAUDDIV) = baud_div;
    *reg(u, UART_CTRL) = CTRL_TX_EN | CTRL_RX_EN | CTRL_RX_INT_EN;
}

static int uart_open(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    dbtok_uart_cmsdk *u = ctx;
    /* The bridge or modem was told where to connect when it was set up. */
    (void)host;
    (void)port;
    (void)timeout_ms;
    if (u->opened) {
        return DBTOK_PORT_ERR_CONNECT;
    }
    u->opened = true;
    return 0;
}

static int uart_write(void *ctx, const uint8_t *buf, size_t len)
{
    dbtok_uart_cmsdk *u = ctx;
    size_t n = 0;
    if (u->closed) {
        return DBTOK_PORT_ERR_IO;
    }
    while (n < len && n < 0x7fffffffu && (*reg(u, UART_STATE) & STATE_TX_FULL) == 0) {
        *reg(u, UART_DATA) = buf[n++];
    }
    return (int)n;
}

static int uart_read(void *ctx, uint8_t *buf, size_t len)
{
    dbtok_uart_cmsdk *u = ctx;
    bool was_full;
    size_t n = 0;

    if (u->closed) {
        return DBTOK_PORT_ERR_IO;
    }
    if (u->overrun) {
        return DBTOK_PORT_ERR_IO;
    }
    /* The interrupt drains the UART while the ring has room; a full ring leaves a byte
     * in DATA, which is fetched here once room has been made. */
    was_full = u->rx_head - u->rx_tail == DBTOK_UART_RX_RING;
    while (n < len && n < 0x7fffffffu && u->rx_tail != u->rx_head) {
        buf[n++] = u->rx_ring[u->rx_tail & (DBTOK_UART_RX_RING - 1u)];
        u->rx_tail++;
    }
    if (was_full) {
        uint32_t primask = irq_save();
        drain(u);
        irq_restore(primask);
    }
    return (int)n;
}

static void uart_close(void *ctx)
{
    dbtok_uart_cmsdk *u = ctx;
    u->closed = true;
}

void dbtok_uart_cmsdk_link(dbtok_uart_cmsdk *u, dbtok_bm_link *link)
{
    link->ctx = u;
    link->open = uart_open;
    link->write = uart_write;
    link->read = uart_read;
    link->close = uart_close;
}
