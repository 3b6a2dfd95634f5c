/*
 * dbtok over lwIP's raw TCP API, for NO_SYS=1 firmware: a dbtok_bm_link (see
 * port/baremetal/dbtok_baremetal.h) whose stream is one lwIP TCP connection, so that
 * dbtok_bm_port keeps supplying the deadlines, the 64-bit clock and the "a 0 timeout
 * never blocks" rule.
 *
 * lwIP runs in the firmware's one loop: every call of the link, and dbtok_lwip_poll()
 * from the board's idle hook, polls the netif's driver and runs lwIP's timers
 * (sys_check_timeouts), so the stack makes progress exactly while dbtok waits. Never
 * call it from an interrupt.
 *
 *   open   looks the host up in the firmware's table (no DNS), waits for the netif's
 *          address (a DHCP lease) and the TCP handshake within the timeout
 *   write  queues what fits in lwIP's send buffer (tcp_write, then tcp_output)
 *   read   copies out what arrived (pbufs queued by lwIP's receive callback), telling
 *          lwIP each time so that the window opens again (tcp_recved)
 *   close  closes in order (FIN), or aborts when lwIP has no memory to do so
 *
 * Errors: a name not in the table is DBTOK_PORT_ERR_DNS; a refused or failed connect
 * DBTOK_PORT_ERR_CONNECT; no address or no handshake in time DBTOK_PORT_ERR_TIMEOUT.
 * The peer's orderly close (FIN) is DBTOK_BM_CLOSED once every byte before it was
 * read; a reset, or lwIP giving the connection up, is DBTOK_PORT_ERR_IO.
 *
 * Memory: the state below plus lwIP's own static pools (lwipopts.h); nothing is
 * allocated. The TCP receive window bounds what the link holds unread.
 */
#ifndef DBTOK_LWIP_LINK_H
#define DBTOK_LWIP_LINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dbtok_baremetal.h"

#ifdef __cplusplus
extern "C" {
#endif

struct netif;
struct pbuf;
struct tcp_pcb;

/* One entry of the firmware's host table: lwIP's DNS is not used (a device reaches
 * one workspace, whose address its configuration gives). Names compare without case. */
typedef struct {
    const char *name;   /* as in dbtok_config.host, e.g. "my-workspace.cloud.databricks.com" */
    uint8_t ipv4[4];    /* its address, most significant byte first */
} dbtok_lwip_host;

typedef struct {
    struct netif *netif;
    void (*netif_poll)(struct netif *netif); /* the driver's receive poll, e.g. dbtok_lan9118_poll */
    const dbtok_lwip_host *hosts;
    size_t host_count;
    void (*idle)(void *ctx); /* optional: sleep while open waits (WFI); NULL busy-waits */
    void *idle_ctx;

    /* The connection; set and read by dbtok_lwip_link.c and lwIP's callbacks. */
    struct tcp_pcb *pcb;
    struct pbuf *rx;        /* received and not yet read, in order (its head trimmed as read) */
    uint8_t state;          /* closed, connecting, connected */
    bool peer_closed;       /* FIN received */
    int error;              /* DBTOK_PORT_ERR_* once lwIP gave the connection up, else 0 */
} dbtok_lwip_link;

/* Sets up *link over netif, which the firmware has added (netif_add with its driver),
 * set up and given an address or a DHCP client (dhcp_start). hosts must outlive the
 * link. idle may be NULL. */
void dbtok_lwip_link_init(dbtok_lwip_link *link, struct netif *netif, void (*netif_poll)(struct netif *netif),
                          const dbtok_lwip_host *hosts, size_t host_count, void (*idle)(void *ctx), void *idle_ctx);

/* Fill *out with the link's functions over *link, for dbtok_bm_board.link. */
void dbtok_lwip_link_fill(dbtok_lwip_link *link, dbtok_bm_link *out);

/* One round of lwIP's work: the driver's receive poll, then lwIP's timers. Call it
 * from the board's idle hook (before WFI). */
void dbtok_lwip_poll(dbtok_lwip_link *link);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_LWIP_LINK_H */
