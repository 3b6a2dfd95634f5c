/*
 * lwIP's configuration for dbtok's Ethernet firmware: NO_SYS=1 (one poll loop, no
 * threads), IPv4 with ARP, DHCP and TCP, and every buffer in lwIP's own static pools
 * and heap array (no malloc). A firmware with a configuration of its own keeps it:
 * dbtok_lwip_link.c needs only the raw TCP API (LWIP_TCP, LWIP_CALLBACK_API) and, for
 * the address wait, an IPv4 netif.
 *
 * Sizes are for one TLS connection at a time (port/lwip/README.md has the measured
 * RAM): the receive window is what the link may hold unread, the send buffer what one
 * write can queue.
 */
#ifndef DBTOK_LWIPOPTS_H
#define DBTOK_LWIPOPTS_H

/* One thread of control: the firmware's loop calls into lwIP, never an interrupt
 * (the LAN9118 driver polls), so lwIP needs no locking. */
#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

/* Memory: lwIP's heap is a static array (mem.c's ram_heap), the pools are static
 * arrays too (memp.c); neither calls malloc. MEM_SIZE holds what tcp_write copies
 * (TCP_SND_BUF), a DHCP message and the ARP queue. */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_ALIGNMENT 4
#define MEM_SIZE (6 * 1024)
#define MEMP_NUM_PBUF 4
#define MEMP_NUM_RAW_PCB 0
#define MEMP_NUM_UDP_PCB 1        /* DHCP */
#define MEMP_NUM_TCP_PCB 2        /* the connection, and one closing beside its successor */
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define MEMP_NUM_TCP_SEG 8
#define MEMP_NUM_ARP_QUEUE 2
#define PBUF_POOL_SIZE 8          /* received frames: the window, plus room for ARP and DHCP */
#define PBUF_POOL_BUFSIZE LWIP_MEM_ALIGN_SIZE(TCP_MSS + 40 + PBUF_LINK_ENCAPSULATION_HLEN + PBUF_LINK_HLEN)

/* Protocols: IPv4 with ARP and ICMP (echo), DHCP over UDP, TCP. No DNS: the link
 * resolves from a table the firmware gives it (see dbtok_lwip_link.h). */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 1
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_DHCP 1
/* Address conflict detection would hold the lease back by seconds of probing. */
#define LWIP_DHCP_DOES_ACD_CHECK 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_DNS 0
#define IP_REASSEMBLY 0
#define IP_FRAG 0

/* TCP: one full-size segment per pool buffer; a window of four (what the link may
 * hold unread), two in flight on the way out (a TLS record of up to 2 KiB). No
 * out-of-order queue: a lost segment costs a retransmission, not RAM. */
#define TCP_MSS 1460
#define TCP_WND (4 * TCP_MSS)
#define TCP_SND_BUF (2 * TCP_MSS)
#define TCP_SND_QUEUELEN 8
#define TCP_QUEUE_OOSEQ 0
#define LWIP_TCP_KEEPALIVE 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 0
#define LWIP_NETIF_HOSTNAME 0
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_SINGLE_NETIF 1

/* No statistics, no debug output: lwIP's diagnostics would need printf. */
#define LWIP_STATS 0
#define LWIP_DEBUG 0
#define LWIP_PERF 0

#endif /* DBTOK_LWIPOPTS_H */
