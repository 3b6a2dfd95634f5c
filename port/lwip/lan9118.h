/*
 * An lwIP netif driver for the SMSC (Microchip) LAN9118 family: LAN9115-LAN9118 and
 * LAN9220/LAN9221, the Ethernet controller of Arm's MPS2 boards and of QEMU's
 * mps2-an385 and mps2-an386 (registers at 0x40200000).
 *
 * Polled, for NO_SYS=1 firmware: dbtok_lan9118_poll() moves the frames that arrived
 * into lwIP and follows the PHY's link state; the firmware calls it from its loop
 * (dbtok_lwip_poll() does). The chip's interrupt line stays masked. Frames go out
 * through the TX data FIFO as one buffer each; received frames are copied from the
 * RX data FIFO into pbufs from lwIP's PBUF_POOL (a frame that finds the pool empty is
 * dropped, and TCP sends it again).
 *
 * The MAC address is the chip's own (loaded from its EEPROM at reset; QEMU sets it from
 * -nic's mac=). No heap; the state is the caller's dbtok_lan9118.
 */
#ifndef DBTOK_LAN9118_H
#define DBTOK_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The controller's registers on the MPS2 boards. */
#define DBTOK_LAN9118_MPS2_BASE 0x40200000u

typedef struct {
    uintptr_t base;           /* register block */
    uint32_t link_checked_ms; /* sys_now() when the PHY's link state was last read */
    uint32_t rx_dropped;      /* frames dropped: no pbuf, bad length or receive error */
} dbtok_lan9118;

/* Before netif_add(): where the chip is. */
void dbtok_lan9118_init(dbtok_lan9118 *nic, uintptr_t base);

/* netif_add()'s init function; netif->state must be the dbtok_lan9118. Checks the
 * chip (BYTE_TEST, ID_REV), resets it, reads its MAC address, starts the PHY's
 * auto-negotiation and enables the transmitter and receiver. ERR_IF when no LAN9118
 * answers, its reset does not complete or it has no valid MAC address. */
err_t dbtok_lan9118_netif_init(struct netif *netif);

/* Hand every frame waiting in the chip to netif->input and, every half second, bring
 * the netif's link up or down with the PHY's. */
void dbtok_lan9118_poll(struct netif *netif);

#ifdef __cplusplus
}
#endif

#endif /* DBTOK_LAN9118_H */
