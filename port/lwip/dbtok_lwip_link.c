/*
 * dbtok_bm_link over lwIP's raw TCP API. See dbtok_lwip_link.h.
 *
 * lwIP's callbacks get the link through the arg pointer it hands back (tcp_arg), so
 * there is no global state; they only record what happened, and the link's functions
 * act on it.
 */
#include "dbtok_lwip_link.h"

#include <string.h>

#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

enum { LINK_CLOSED, LINK_CONNECTING, LINK_CONNECTED };

void dbtok_lwip_poll(dbtok_lwip_link *link)
{
    if (link->netif_poll != NULL) {
        link->netif_poll(link->netif);
    }
    sys_check_timeouts();
}

/* Polls lwIP once; false once timeout_ms have passed since start, else sleeps (when
 * the firmware gave an idle hook) and returns true. */
static bool wait_more(dbtok_lwip_link *link, uint32_t start, uint32_t timeout_ms)
{
    dbtok_lwip_poll(link);
    if ((uint32_t)(sys_now() - start) >= timeout_ms) {
        return false;
    }
    if (link->idle != NULL) {
        link->idle(link->idle_ctx);
    }
    return true;
}

static bool same_name(const char *a, const char *b)
{
    for (;; a++, b++) {
        char x = (*a >= 'A' && *a <= 'Z') ? (char)(*a - 'A' + 'a') : *a;
        char y = (*b >= 'A' && *b <= 'Z') ? (char)(*b - 'A' + 'a') : *b;
        if (x != y) {
            return false;
        }
        if (x == '\0') {
            return true;
        }
    }
}

static const dbtok_lwip_host *lookup(const dbtok_lwip_link *link, const char *host)
{
    size_t i;
    for (i = 0; i < link->host_count; i++) {
        if (same_name(link->hosts[i].name, host)) {
            return &link->hosts[i];
        }
    }
    return NULL;
}

static bool has_address(const struct netif *netif)
{
    return netif_is_up(netif) && netif_is_link_up(netif) && !ip4_addr_isany_val(*netif_ip4_addr(netif));
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err)
{
    dbtok_lwip_link *link = arg;
    (void)pcb;
    (void)err; /* always ERR_OK: a failed connect goes to on_error */
    link->state = LINK_CONNECTED;
    return ERR_OK;
}

/* lwIP has freed the pcb: a reset, a refused or timed-out connect, or retransmissions
 * given up. */
static void on_error(void *arg, err_t err)
{
    dbtok_lwip_link *link = arg;
    (void)err;
    link->pcb = NULL;
    link->error = link->state == LINK_CONNECTING ? DBTOK_PORT_ERR_CONNECT : DBTOK_PORT_ERR_IO;
}

/* Data is queued for read(); p == NULL is the peer's FIN. */
static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    dbtok_lwip_link *link = arg;
    (void)pcb;
    if (p == NULL) {
        link->peer_closed = true;
    } else if (err != ERR_OK) {
        pbuf_free(p);
    } else if (link->rx == NULL) {
        link->rx = p;
    } else {
        pbuf_cat(link->rx, p); /* bounded by the receive window, so tot_len cannot wrap */
    }
    return ERR_OK;
}

/* Detaches the link from its pcb: lwIP's callbacks no longer reach it. */
static struct tcp_pcb *detach(dbtok_lwip_link *link)
{
    struct tcp_pcb *pcb = link->pcb;
    link->pcb = NULL;
    link->state = LINK_CLOSED;
    if (pcb != NULL) {
        tcp_arg(pcb, NULL);
        tcp_recv(pcb, NULL);
        tcp_err(pcb, NULL);
    }
    return pcb;
}

static int lwip_open(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    dbtok_lwip_link *link = ctx;
    const dbtok_lwip_host *entry = lookup(link, host);
    uint32_t start = sys_now();
    ip_addr_t address;
    struct tcp_pcb *pcb;

    if (entry == NULL) {
        return DBTOK_PORT_ERR_DNS;
    }
    if (link->state != LINK_CLOSED) {
        return DBTOK_PORT_ERR_CONNECT;
    }
    while (!has_address(link->netif)) {
        if (!wait_more(link, start, timeout_ms)) {
            return DBTOK_PORT_ERR_TIMEOUT;
        }
    }

    pcb = tcp_new_ip_type(IPADDR_TYPE_V4);
    if (pcb == NULL) {
        return DBTOK_PORT_ERR_CONNECT;
    }
    link->rx = NULL;
    link->peer_closed = false;
    link->error = 0;
    link->pcb = pcb;
    link->state = LINK_CONNECTING;
    tcp_arg(pcb, link);
    tcp_err(pcb, on_error);
    tcp_recv(pcb, on_recv);
    /* Each TLS record goes out whole in one write: do not hold it back for an ACK. */
    tcp_nagle_disable(pcb);
    IP_ADDR4(&address, entry->ipv4[0], entry->ipv4[1], entry->ipv4[2], entry->ipv4[3]);
    if (tcp_connect(pcb, &address, port, on_connected) != ERR_OK) {
        tcp_abort(detach(link));
        return DBTOK_PORT_ERR_CONNECT;
    }
    while (link->state == LINK_CONNECTING && link->error == 0) {
        if (!wait_more(link, start, timeout_ms)) {
            tcp_abort(detach(link));
            return DBTOK_PORT_ERR_TIMEOUT;
        }
    }
    if (link->error != 0) {
        link->state = LINK_CLOSED;
        return link->error;
    }
    return 0;
}

static int lwip_write(void *ctx, const uint8_t *buf, size_t len)
{
    dbtok_lwip_link *link = ctx;
    size_t n;
    err_t err;

    dbtok_lwip_poll(link); /* ACKs that arrived free send buffer */
    if (link->pcb == NULL || link->state != LINK_CONNECTED) {
        return DBTOK_PORT_ERR_IO;
    }
    n = (size_t)(u16_t)tcp_sndbuf(link->pcb);
    if (n > len) {
        n = len;
    }
    if (n == 0) {
        return 0;
    }
    err = tcp_write(link->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) {
        return 0; /* the segment queue is full until ACKs arrive */
    }
    if (err != ERR_OK) {
        return DBTOK_PORT_ERR_IO;
    }
    /* ERR_MEM here only delays sending: lwIP's timers send what is queued. */
    (void)tcp_output(link->pcb);
    return (int)n;
}

static int lwip_read(void *ctx, uint8_t *buf, size_t len)
{
    dbtok_lwip_link *link = ctx;

    dbtok_lwip_poll(link);
    if (link->rx != NULL) {
        u16_t n = link->rx->tot_len < len ? link->rx->tot_len : (u16_t)len;
        n = pbuf_copy_partial(link->rx, buf, n, 0);
        link->rx = pbuf_free_header(link->rx, n);
        if (link->pcb != NULL) {
            tcp_recved(link->pcb, n);
        }
        return (int)n;
    }
    if (link->peer_closed) {
        return DBTOK_BM_CLOSED;
    }
    if (link->error != 0 || link->pcb == NULL) {
        return DBTOK_PORT_ERR_IO;
    }
    return 0;
}

static void lwip_close(void *ctx)
{
    dbtok_lwip_link *link = ctx;
    struct tcp_pcb *pcb = detach(link);

    if (link->rx != NULL) {
        /* Unread bytes are acknowledged first, so that the close is a FIN and not the
         * reset lwIP sends for data left unread. */
        if (pcb != NULL) {
            tcp_recved(pcb, link->rx->tot_len);
        }
        pbuf_free(link->rx);
        link->rx = NULL;
    }
    if (pcb != NULL && tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb); /* no memory for the FIN: a reset ends it instead */
    }
    link->peer_closed = false;
    link->error = 0;
}

void dbtok_lwip_link_init(dbtok_lwip_link *link, struct netif *netif, void (*netif_poll)(struct netif *netif),
                          const dbtok_lwip_host *hosts, size_t host_count, void (*idle)(void *ctx), void *idle_ctx)
{
    memset(link, 0, sizeof *link);
    link->netif = netif;
    link->netif_poll = netif_poll;
    link->hosts = hosts;
    link->host_count = host_count;
    link->idle = idle;
    link->idle_ctx = idle_ctx;
    link->state = LINK_CLOSED;
}

void dbtok_lwip_link_fill(dbtok_lwip_link *link, dbtok_bm_link *out)
{
    out->ctx = link;
    out->open = lwip_open;
    out->write = lwip_write;
    out->read = lwip_read;
    out->close = lwip_close;
}
