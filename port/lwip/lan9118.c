/*
 * LAN9118 netif driver. See lan9118.h.
 *
 * From the LAN9118 datasheet (SMSC, rev. 1.5): system registers at the base, the MAC's
 * behind MAC_CSR_CMD/MAC_CSR_DATA, the PHY's (internal PHY, address 1) behind the MAC's
 * MII_ACC/MII_DATA.
 *   0x00 RX data FIFO      0x20 TX data FIFO     0x40 RX status FIFO
 *   0x50 ID_REV            0x5C INT_EN           0x64 BYTE_TEST (reads 0x87654321)
 *   0x6C RX_CFG            0x70 TX_CFG (bit 1 TX_ON, bit 2 TXSAO: status FIFO may overrun)
 *   0x74 HW_CFG (bit 0 SRST)  0x7C RX_FIFO_INF (23:16 status words used)
 *   0x80 TX_FIFO_INF (15:0 TX data FIFO bytes free)  0x84 PMT_CTRL (bit 0 READY)
 *   0xA4 MAC_CSR_CMD (bit 31 busy, bit 30 read, 7:0 index)  0xA8 MAC_CSR_DATA
 * MAC: 1 MAC_CR (bit 2 RXEN, bit 3 TXEN, bit 20 FDPX), 2 ADDRH, 3 ADDRL, 6 MII_ACC
 * (15:11 PHY, 10:6 register, bit 1 write, bit 0 busy), 7 MII_DATA.
 * TX command A: bit 13 first segment, bit 12 last segment, 10:0 buffer bytes; command
 * B: 31:16 tag, 10:0 frame bytes; then the bytes, little-endian in 32-bit words.
 * RX status: 29:16 frame bytes with the 4-byte FCS, bit 15 error summary; then the
 * frame and its FCS in ceil(bytes / 4) words.
 */
#include "lan9118.h"

#include <stdbool.h>
#include <string.h>

#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "netif/ethernet.h"

#define REG_RX_DATA 0x00u
#define REG_TX_DATA 0x20u
#define REG_RX_STATUS 0x40u
#define REG_ID_REV 0x50u
#define REG_INT_EN 0x5Cu
#define REG_BYTE_TEST 0x64u
#define REG_RX_CFG 0x6Cu
#define REG_TX_CFG 0x70u
#define REG_HW_CFG 0x74u
#define REG_RX_FIFO_INF 0x7Cu
#define REG_TX_FIFO_INF 0x80u
#define REG_PMT_CTRL 0x84u
#define REG_MAC_CSR_CMD 0xA4u
#define REG_MAC_CSR_DATA 0xA8u

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST 0x1u
#define PMT_CTRL_READY 0x1u
#define TX_CFG_TX_ON 0x2u
#define TX_CFG_TXSAO 0x4u
#define MAC_CSR_BUSY 0x80000000u
#define MAC_CSR_READ 0x40000000u

#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_MII_ACC 6u
#define MAC_MII_DATA 7u
#define MAC_CR_RXEN 0x4u
#define MAC_CR_TXEN 0x8u
#define MAC_CR_FDPX 0x100000u
#define MII_ACC_BUSY 0x1u
#define MII_ACC_WRITE 0x2u
#define PHY_ADDRESS 1u

/* IEEE 802.3 clause 22 PHY registers. */
#define PHY_BCR 0u
#define PHY_BSR 1u
#define PHY_ANAR 4u
#define PHY_ANLPAR 5u
#define PHY_BCR_AN_ENABLE 0x1000u
#define PHY_BCR_AN_RESTART 0x0200u
#define PHY_BSR_LINK 0x0004u
#define PHY_AN_FULL_DUPLEX 0x0140u /* 100BASE-TX and 10BASE-T full duplex */

#define TX_CMD_A_FIRST 0x2000u
#define TX_CMD_A_LAST 0x1000u
#define RX_STATUS_ERROR 0x8000u

#define FCS_LEN 4u
#define FRAME_MIN 14u
#define FRAME_MAX 1514u          /* without the FCS */
#define WAIT_POLLS 100000u       /* bound on every busy-wait for the chip */
#define LINK_CHECK_MS 500u

static volatile uint32_t *reg(const dbtok_lan9118 *nic, uint32_t offset)
{
    return (volatile uint32_t *)(nic->base + offset);
}

static bool wait_clear(const dbtok_lan9118 *nic, uint32_t offset, uint32_t bits)
{
    uint32_t i;
    for (i = 0; i < WAIT_POLLS; i++) {
        if ((*reg(nic, offset) & bits) == 0) {
            return true;
        }
    }
    return false;
}

static uint32_t mac_read(const dbtok_lan9118 *nic, uint32_t index)
{
    (void)wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY);
    *reg(nic, REG_MAC_CSR_CMD) = MAC_CSR_BUSY | MAC_CSR_READ | index;
    (void)wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY);
    return *reg(nic, REG_MAC_CSR_DATA);
}

static void mac_write(const dbtok_lan9118 *nic, uint32_t index, uint32_t value)
{
    (void)wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY);
    *reg(nic, REG_MAC_CSR_DATA) = value;
    *reg(nic, REG_MAC_CSR_CMD) = MAC_CSR_BUSY | index;
    (void)wait_clear(nic, REG_MAC_CSR_CMD, MAC_CSR_BUSY);
}

static bool mii_idle(const dbtok_lan9118 *nic)
{
    uint32_t i;
    for (i = 0; i < WAIT_POLLS; i++) {
        if ((mac_read(nic, MAC_MII_ACC) & MII_ACC_BUSY) == 0) {
            return true;
        }
    }
    return false;
}

static uint32_t mii_access(uint32_t phy_reg)
{
    return (PHY_ADDRESS << 11) | (phy_reg << 6) | MII_ACC_BUSY;
}

static uint16_t phy_read(const dbtok_lan9118 *nic, uint32_t phy_reg)
{
    (void)mii_idle(nic);
    mac_write(nic, MAC_MII_ACC, mii_access(phy_reg));
    (void)mii_idle(nic);
    return (uint16_t)mac_read(nic, MAC_MII_DATA);
}

static void phy_write(const dbtok_lan9118 *nic, uint32_t phy_reg, uint16_t value)
{
    (void)mii_idle(nic);
    mac_write(nic, MAC_MII_DATA, value);
    mac_write(nic, MAC_MII_ACC, mii_access(phy_reg) | MII_ACC_WRITE);
    (void)mii_idle(nic);
}

static bool known_chip(uint32_t id_rev)
{
    uint32_t id = id_rev >> 16;
    return (id >= 0x0115u && id <= 0x0118u) || id == 0x9220u || id == 0x9221u;
}

/* The link is up when the PHY says so. The link bit latches a loss until read, so it
 * is read twice: the second reading is the state now. */
static bool phy_link_up(const dbtok_lan9118 *nic)
{
    (void)phy_read(nic, PHY_BSR);
    return (phy_read(nic, PHY_BSR) & PHY_BSR_LINK) != 0;
}

/* Full duplex when both ends advertise it (auto-negotiation's result). */
static uint32_t duplex_bits(const dbtok_lan9118 *nic)
{
    uint16_t common = (uint16_t)(phy_read(nic, PHY_ANAR) & phy_read(nic, PHY_ANLPAR));
    return (common & PHY_AN_FULL_DUPLEX) != 0 ? MAC_CR_FDPX : 0u;
}

static void follow_link(struct netif *netif, const dbtok_lan9118 *nic)
{
    if (phy_link_up(nic)) {
        if (!netif_is_link_up(netif)) {
            mac_write(nic, MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN | duplex_bits(nic));
            netif_set_link_up(netif);
        }
    } else if (netif_is_link_up(netif)) {
        netif_set_link_down(netif);
    }
}

/* One frame into the TX data FIFO: both command words, then the bytes of the pbuf
 * chain packed little-endian into words, the last one padded. */
static err_t lan9118_output(struct netif *netif, struct pbuf *p)
{
    dbtok_lan9118 *nic = netif->state;
    uint32_t len = p->tot_len;
    uint32_t word = 0;
    uint32_t fill = 0;
    uint32_t i;
    const struct pbuf *q;

    if (len < FRAME_MIN || len > FRAME_MAX) {
        return ERR_ARG;
    }
    for (i = 0; (*reg(nic, REG_TX_FIFO_INF) & 0xFFFFu) < len + 8u; i++) {
        if (i == WAIT_POLLS) {
            return ERR_IF;
        }
    }
    *reg(nic, REG_TX_DATA) = TX_CMD_A_FIRST | TX_CMD_A_LAST | len;
    *reg(nic, REG_TX_DATA) = (len << 16) | len;
    for (q = p; q != NULL; q = q->next) {
        const uint8_t *bytes = q->payload;
        uint16_t k;
        for (k = 0; k < q->len; k++) {
            word |= (uint32_t)bytes[k] << (8u * fill);
            if (++fill == 4u) {
                *reg(nic, REG_TX_DATA) = word;
                word = 0;
                fill = 0;
            }
        }
    }
    if (fill != 0) {
        *reg(nic, REG_TX_DATA) = word;
    }
    return ERR_OK;
}

/* Reads one frame of `words` FIFO words; the first frame_len bytes go into p (NULL:
 * the frame is read and dropped). */
static void read_frame(const dbtok_lan9118 *nic, uint32_t words, struct pbuf *p, uint32_t frame_len)
{
    struct pbuf *q = p;
    uint16_t at = 0;
    uint32_t stored = 0;
    uint32_t w;

    for (w = 0; w < words; w++) {
        uint32_t word = *reg(nic, REG_RX_DATA);
        uint32_t b;
        for (b = 0; b < 4u && q != NULL && stored < frame_len; b++) {
            ((uint8_t *)q->payload)[at++] = (uint8_t)(word >> (8u * b));
            stored++;
            if (at == q->len) {
                q = q->next;
                at = 0;
            }
        }
    }
}

void dbtok_lan9118_poll(struct netif *netif)
{
    dbtok_lan9118 *nic = netif->state;
    uint32_t now = sys_now();

    while (((*reg(nic, REG_RX_FIFO_INF) >> 16) & 0xFFu) != 0) {
        uint32_t status = *reg(nic, REG_RX_STATUS);
        uint32_t len = (status >> 16) & 0x3FFFu;
        uint32_t words = (len + 3u) / 4u;
        struct pbuf *p = NULL;

        if ((status & RX_STATUS_ERROR) == 0 && len >= FRAME_MIN + FCS_LEN && len <= FRAME_MAX + FCS_LEN) {
            p = pbuf_alloc(PBUF_RAW, (u16_t)(len - FCS_LEN), PBUF_POOL);
        }
        read_frame(nic, words, p, len - FCS_LEN);
        if (p == NULL) {
            nic->rx_dropped++;
        } else if (netif->input(p, netif) != ERR_OK) {
            pbuf_free(p);
        }
    }
    if ((uint32_t)(now - nic->link_checked_ms) >= LINK_CHECK_MS) {
        nic->link_checked_ms = now;
        follow_link(netif, nic);
    }
}

void dbtok_lan9118_init(dbtok_lan9118 *nic, uintptr_t base)
{
    nic->base = base;
    nic->link_checked_ms = 0;
    nic->rx_dropped = 0;
}

static bool valid_unicast(const uint8_t *mac)
{
    static const uint8_t zero[ETH_HWADDR_LEN];
    return (mac[0] & 1u) == 0 && memcmp(mac, zero, sizeof zero) != 0;
}

err_t dbtok_lan9118_netif_init(struct netif *netif)
{
    dbtok_lan9118 *nic = netif->state;
    uint32_t low;
    uint32_t high;
    uint32_t i;

    /* The datasheet's first access: BYTE_TEST, which also proves the bus works. */
    if (*reg(nic, REG_BYTE_TEST) != BYTE_TEST_VALUE || !known_chip(*reg(nic, REG_ID_REV))) {
        return ERR_IF;
    }
    *reg(nic, REG_HW_CFG) = HW_CFG_SRST;
    if (!wait_clear(nic, REG_HW_CFG, HW_CFG_SRST)) {
        return ERR_IF;
    }
    for (i = 0; (*reg(nic, REG_PMT_CTRL) & PMT_CTRL_READY) == 0; i++) {
        if (i == WAIT_POLLS) {
            return ERR_IF;
        }
    }

    low = mac_read(nic, MAC_ADDRL);
    high = mac_read(nic, MAC_ADDRH);
    netif->hwaddr[0] = (uint8_t)low;
    netif->hwaddr[1] = (uint8_t)(low >> 8);
    netif->hwaddr[2] = (uint8_t)(low >> 16);
    netif->hwaddr[3] = (uint8_t)(low >> 24);
    netif->hwaddr[4] = (uint8_t)high;
    netif->hwaddr[5] = (uint8_t)(high >> 8);
    if (!valid_unicast(netif->hwaddr)) {
        return ERR_IF;
    }
    netif->hwaddr_len = ETH_HWADDR_LEN;

    *reg(nic, REG_INT_EN) = 0;
    *reg(nic, REG_RX_CFG) = 0; /* no offset: frames start at the first byte of a word */
    *reg(nic, REG_TX_CFG) = TX_CFG_TX_ON | TX_CFG_TXSAO;
    phy_write(nic, PHY_BCR, PHY_BCR_AN_ENABLE | PHY_BCR_AN_RESTART);

    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = lan9118_output;
    /* The MAC is enabled with the link (follow_link), in the duplex negotiated. */
    nic->link_checked_ms = sys_now();
    follow_link(netif, nic);
    return ERR_OK;
}
