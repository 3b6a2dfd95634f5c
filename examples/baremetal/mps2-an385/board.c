/*
 * mps2-an385 board support. See board.h.
 *
 * The two things marked TEST ONLY stand in for hardware this board lacks. A real
 * board must not ship them: entropy must come from a TRNG, and the wall clock from an
 * RTC set by a trusted source (or be left out, accepting that expired certificates
 * are not refused).
 */
#include "board.h"

#include "firmware.h"
#include "semihost.h"

#if defined(DBTOK_FW_ETHERNET)
#include "lwip/dhcp.h"
#include "lwip/init.h"
#include "netif/ethernet.h"
#endif

#define CPU_HZ 25000000u          /* MPS2 FPGA images clock the core at 25 MHz */
#define UART0_BASE 0x40004000u
#define UART_BAUD 115200u

#define SYST_CSR (*(volatile uint32_t *)0xE000E010u)
#define SYST_RVR (*(volatile uint32_t *)0xE000E014u)
#define SYST_CVR (*(volatile uint32_t *)0xE000E018u)
#define SYST_CSR_ENABLE 0x1u
#define SYST_CSR_TICKINT 0x2u
#define SYST_CSR_CLKSOURCE_CPU 0x4u
#define NVIC_ISER0 (*(volatile uint32_t *)0xE000E100u)

/* Written by the interrupt handlers, which get no context argument. */
static volatile uint32_t ticks_ms;
#if !defined(DBTOK_FW_ETHERNET)
static dbtok_uart_cmsdk *uart0;
#endif

void mps2_systick_handler(void)
{
    ticks_ms++;
}

#if !defined(DBTOK_FW_ETHERNET)
void mps2_uart0_rx_handler(void)
{
    dbtok_uart_cmsdk_rx_isr(uart0);
}
#endif

static uint32_t board_millis(void *ctx)
{
    (void)ctx;
    return ticks_ms;
}

/* TEST ONLY: the host's /dev/urandom through semihosting, in place of a TRNG. */
static int board_entropy(void *ctx, uint8_t *buf, size_t len)
{
    mps2_board *b = ctx;
    return semihost_read(b->urandom, buf, len) == (int)len ? 0 : -1;
}

/* TEST ONLY: the host's clock through semihosting, in place of an RTC. */
static int64_t board_unix_time(void *ctx)
{
    mps2_board *b = ctx;
    return semihost_time() + b->clock_offset_s;
}

static void board_log(void *ctx, int level, const char *text, size_t len)
{
    (void)ctx;
    (void)level;
    semihost_write(text, len);
}

/* Sleep until the next interrupt: SysTick within a millisecond, or UART0 RX. */
static void board_wfi(void *ctx)
{
    (void)ctx;
    __asm__ volatile("wfi");
}

#if defined(DBTOK_FW_ETHERNET)
/* lwIP's LWIP_RAND() takes no context: the board whose entropy it draws on. */
static mps2_board *lwip_board;

/* lwIP's NO_SYS clock (port/lwip/arch/cc.h). */
u32_t sys_now(void)
{
    return ticks_ms;
}

/* TEST ONLY, as board_entropy: TCP's initial sequence numbers and ports, DHCP's
 * transaction ids. */
uint32_t dbtok_lwip_rand(void)
{
    uint8_t bytes[4] = {0, 0, 0, 0};
    (void)board_entropy(lwip_board, bytes, sizeof bytes);
    return (uint32_t)bytes[0] | (uint32_t)bytes[1] << 8 | (uint32_t)bytes[2] << 16 | (uint32_t)bytes[3] << 24;
}

/* "dbtok-fw: address A.B.C.D" once the netif has one (the DHCP lease): the tests
 * read it. */
static void report_address(struct netif *netif)
{
    uint32_t a = lwip_ntohl(ip4_addr_get_u32(netif_ip4_addr(netif)));
    int shift;
    if (a == 0) {
        return;
    }
    dbtok_fw_say("address ");
    for (shift = 24; shift >= 0; shift -= 8) {
        semihost_put_uint((a >> shift) & 0xFFu);
        semihost_puts(shift > 0 ? "." : "\n");
    }
}

/* Each stream is a TCP connection of its own: the provisioning image's second one in a
 * boot (a client started again) is a new connection, with nothing to redial. */
static int board_link(mps2_board *b)
{
    lwip_board = b;
    lwip_init();
    dbtok_lan9118_init(&b->nic, DBTOK_LAN9118_MPS2_BASE);
    if (netif_add(&b->netif, NULL, NULL, NULL, &b->nic, dbtok_lan9118_netif_init, ethernet_input) == NULL) {
        return MPS2_BOARD_NO_NETWORK;
    }
    netif_set_status_callback(&b->netif, report_address);
    netif_set_default(&b->netif);
    netif_set_up(&b->netif);
    if (dhcp_start(&b->netif) != ERR_OK) {
        return MPS2_BOARD_NO_NETWORK;
    }
    dbtok_lwip_link_init(&b->link, &b->netif, dbtok_lan9118_poll, &b->host, b->host_count, board_wfi, b);
    dbtok_lwip_link_fill(&b->link, &b->board.link);
    return 0;
}
#elif defined(DBTOK_FW_PROVISIONING)
/* Before a second stream: the line counts as quiet after this long without a byte,
 * waiting at most REDIAL_MAX_MS. */
#define REDIAL_QUIET_MS 50u
#define REDIAL_MAX_MS 1000u

/* The first stream is UART0's own. A later one follows a close: what the server sent
 * after it (its close_notify) still belongs to the stream closed, so it is read and
 * dropped until the line is quiet; then the bridge dials again on the ClientHello. */
static int board_link_open(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    mps2_board *b = ctx;
    uint8_t stale[64];
    uint32_t start = ticks_ms;
    uint32_t last = start;

    if (b->sessions++ == 0) {
        return b->uart_link.open(b->uart_link.ctx, host, port, timeout_ms);
    }
    while (ticks_ms - last < REDIAL_QUIET_MS && ticks_ms - start < REDIAL_MAX_MS) {
        int n = b->uart_link.read(b->uart_link.ctx, stale, sizeof stale);
        if (n < 0) {
            return DBTOK_PORT_ERR_CONNECT;
        }
        if (n > 0) {
            last = ticks_ms;
        } else {
            __asm__ volatile("wfi");
        }
    }
    return 0;
}

static int board_link_write(void *ctx, const uint8_t *buf, size_t len)
{
    mps2_board *b = ctx;
    return b->uart_link.write(b->uart_link.ctx, buf, len);
}

static int board_link_read(void *ctx, uint8_t *buf, size_t len)
{
    mps2_board *b = ctx;
    return b->uart_link.read(b->uart_link.ctx, buf, len);
}

/* The UART stays usable for a next stream: a TCP connection has nothing to hang up
 * from this side (the bridge ends it when the next one starts). */
static void board_link_close(void *ctx)
{
    (void)ctx;
}

static int board_link(mps2_board *b)
{
    dbtok_uart_cmsdk_link(&b->uart0, &b->uart_link);
    b->sessions = 0;
    b->board.link.ctx = b;
    b->board.link.open = board_link_open;
    b->board.link.write = board_link_write;
    b->board.link.read = board_link_read;
    b->board.link.close = board_link_close;
    return 0;
}
#else
/* The demo's one stream per boot: UART0's own link. */
static int board_link(mps2_board *b)
{
    dbtok_uart_cmsdk_link(&b->uart0, &b->board.link);
    return 0;
}
#endif

/* While dbtok waits. The Ethernet image lets lwIP work first: the driver's frames and
 * lwIP's timers (the LAN9118 is polled, its interrupt stays masked). */
static void board_idle(void *ctx)
{
#if defined(DBTOK_FW_ETHERNET)
    mps2_board *b = ctx;
    dbtok_lwip_poll(&b->link);
#endif
    board_wfi(ctx);
}

int mps2_board_init(mps2_board *b, int64_t clock_offset_s, bool trace)
{
    b->clock_offset_s = clock_offset_s;
    int err;
    b->urandom = semihost_open("/dev/urandom", SEMIHOST_OPEN_RB);
    if (b->urandom < 0) {
        return MPS2_BOARD_NO_ENTROPY;
    }

#if !defined(DBTOK_FW_ETHERNET)
    uart0 = &b->uart0;
    dbtok_uart_cmsdk_init(&b->uart0, UART0_BASE, CPU_HZ / UART_BAUD);
    NVIC_ISER0 = 1u << MPS2_IRQ_UART0_RX;
#endif

    SYST_RVR = CPU_HZ / 1000u - 1u;
    SYST_CVR = 0;
    SYST_CSR = SYST_CSR_CLKSOURCE_CPU | SYST_CSR_TICKINT | SYST_CSR_ENABLE;

    err = board_link(b);
    if (err != 0) {
        return err;
    }
    b->board.ctx = b;
    b->board.millis = board_millis;
    b->board.entropy = board_entropy;
    b->board.unix_time = board_unix_time;
    b->board.log = trace ? board_log : NULL;
    b->board.idle = board_idle;
    return 0;
}
