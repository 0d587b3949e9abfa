/* SPDX-License-Identifier: MIT */
/* SMSC LAN9118 polled netif driver (register map and FIFO formats from the
 * SMSC LAN9118 datasheet; behaviour checked against QEMU 7.2's model). */
#include "lan9118.h"

#include <string.h>

#include "board.h"
#include "lwip/etharp.h"
#include "lwip/pbuf.h"
#include "lwip/sys.h"
#include "netif/ethernet.h"

#define REG(off) (*(volatile uint32_t*)(BOARD_LAN9118_BASE + (off)))

/* System control and status registers (byte offsets). */
#define RX_DATA_FIFO REG(0x00u)
#define TX_DATA_FIFO REG(0x20u)
#define RX_STATUS_FIFO REG(0x40u)
#define TX_STATUS_FIFO REG(0x48u)
#define ID_REV REG(0x50u)
#define IRQ_CFG REG(0x54u)
#define INT_STS REG(0x58u)
#define INT_EN REG(0x5Cu)
#define BYTE_TEST REG(0x64u)
#define RX_CFG REG(0x6Cu)
#define TX_CFG REG(0x70u)
#define HW_CFG REG(0x74u)
#define RX_FIFO_INF REG(0x7Cu)
#define TX_FIFO_INF REG(0x80u)
#define PMT_CTRL REG(0x84u)
#define RX_DROP REG(0xA0u)
#define MAC_CSR_CMD REG(0xA4u)
#define MAC_CSR_DATA REG(0xA8u)

#define BYTE_TEST_VALUE 0x87654321u
#define HW_CFG_SRST (1u << 0)
#define PMT_CTRL_READY (1u << 0)
#define TX_CFG_TX_ON (1u << 1)
#define RX_CFG_RXDOFF_SHIFT 8 /* bytes of offset before the frame data */
#define RX_FIFO_INF_RXSUSED(v) (((v) >> 16) & 0xFFu)
#define TX_FIFO_INF_TDFREE(v) ((v)&0xFFFFu)
#define TX_FIFO_INF_TXSUSED(v) (((v) >> 16) & 0xFFu)
#define RX_STS_ES (1u << 15)
#define RX_STS_LENGTH(v) (((v) >> 16) & 0x3FFFu) /* includes the 4-byte FCS */
#define TX_STS_ES (1u << 15)

/* TX command A / B. */
#define TXA_FIRST_SEG (1u << 13)
#define TXA_LAST_SEG (1u << 12)
#define TXA_OFFSET_SHIFT 16
#define TXB_TAG_SHIFT 16

/* MAC CSRs, reached through MAC_CSR_CMD/DATA. */
#define MAC_CSR_BUSY (1u << 31)
#define MAC_CSR_READ (1u << 30)
#define MAC_CR 1u
#define MAC_ADDRH 2u
#define MAC_ADDRL 3u
#define MAC_MII_ACC 6u
#define MAC_MII_DATA 7u
#define MAC_CR_FDPX (1u << 20)
#define MAC_CR_TXEN (1u << 3)
#define MAC_CR_RXEN (1u << 2)
#define MII_ACC_BUSY (1u << 0)
#define MII_ACC_WRITE (1u << 1)
#define PHY_ADDR 1u /* the internal PHY */

/* PHY registers (IEEE 802.3 clause 22). */
#define PHY_BMCR 0u
#define PHY_BMSR 1u
#define PHY_ANAR 4u
#define PHY_ANLPAR 5u
#define BMCR_RESET (1u << 15)
#define BMCR_ANENABLE (1u << 12)
#define BMCR_ANRESTART (1u << 9)
#define BMSR_LINK (1u << 2)
#define BMSR_ANCOMPLETE (1u << 5)
#define ANAR_ALL_10_100 0x01E1u /* 100FD 100HD 10FD 10HD, IEEE 802.3 selector */
#define AN_100FD (1u << 8)
#define AN_10FD (1u << 6)

#define SPIN_LIMIT 1000000u
#define LINK_CHECK_MS 250u
#define MAX_FRAME 1518u /* with a VLAN tag, without FCS */

static struct lan9118_stats g_stats;
static uint32_t g_tx_tag;
static uint32_t g_last_link_check;

static int wait_clear(volatile uint32_t* reg, uint32_t mask) {
    for (uint32_t i = 0; i < SPIN_LIMIT; ++i) {
        if ((*reg & mask) == 0) return 0;
    }
    return -1;
}

static uint32_t mac_read(uint32_t index) {
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    MAC_CSR_CMD = MAC_CSR_BUSY | MAC_CSR_READ | index;
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    return MAC_CSR_DATA;
}

static void mac_write(uint32_t index, uint32_t value) {
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
    MAC_CSR_DATA = value;
    MAC_CSR_CMD = MAC_CSR_BUSY | index;
    (void)wait_clear(&MAC_CSR_CMD, MAC_CSR_BUSY);
}

static int mii_wait(void) {
    for (uint32_t i = 0; i < SPIN_LIMIT; ++i) {
        if ((mac_read(MAC_MII_ACC) & MII_ACC_BUSY) == 0) return 0;
    }
    return -1;
}

static uint16_t phy_read(uint32_t reg) {
    (void)mii_wait();
    mac_write(MAC_MII_ACC, PHY_ADDR << 11 | reg << 6 | MII_ACC_BUSY);
    (void)mii_wait();
    return (uint16_t)mac_read(MAC_MII_DATA);
}

static void phy_write(uint32_t reg, uint16_t value) {
    (void)mii_wait();
    mac_write(MAC_MII_DATA, value);
    mac_write(MAC_MII_ACC, PHY_ADDR << 11 | reg << 6 | MII_ACC_WRITE | MII_ACC_BUSY);
    (void)mii_wait();
}

/* Link and duplex from the PHY; MAC_CR follows the negotiated duplex. */
static void update_link(struct netif* netif) {
    (void)phy_read(PHY_BMSR); /* the link bit latches low: read twice */
    uint16_t bmsr = phy_read(PHY_BMSR);
    int up = (bmsr & BMSR_LINK) && (bmsr & BMSR_ANCOMPLETE);
    int was_up = netif_is_link_up(netif) ? 1 : 0;
    if (up == was_up) return;
    ++g_stats.link_changes;
    if (up) {
        uint16_t common = phy_read(PHY_ANAR) & phy_read(PHY_ANLPAR);
        uint32_t cr = MAC_CR_TXEN | MAC_CR_RXEN;
        if (common & (AN_100FD | AN_10FD)) cr |= MAC_CR_FDPX;
        mac_write(MAC_CR, cr);
        netif_set_link_up(netif);
    } else {
        netif_set_link_down(netif);
    }
}

static void drain_tx_status(void) {
    while (TX_FIFO_INF_TXSUSED(TX_FIFO_INF) != 0) {
        if (TX_STATUS_FIFO & TX_STS_ES) ++g_stats.tx_errors;
    }
}

static err_t lan9118_linkoutput(struct netif* netif, struct pbuf* p) {
    (void)netif;
    drain_tx_status();
    if (p->tot_len <= ETH_PAD_SIZE || p->len < ETH_PAD_SIZE ||
        (uint32_t)p->tot_len - ETH_PAD_SIZE > MAX_FRAME) {
        ++g_stats.tx_errors;
        return ERR_ARG;
    }
    const uint32_t frame_len = p->tot_len - ETH_PAD_SIZE;

    /* FIFO space: two command words + the data words of every buffer, and
     * which buffer is the last non-empty one. */
    uint32_t need = 0;
    const struct pbuf* last = NULL;
    uint32_t skip = ETH_PAD_SIZE;
    for (const struct pbuf* q = p; q != NULL; q = q->next) {
        const uint8_t* data = (const uint8_t*)q->payload + skip;
        uint32_t len = q->len - skip;
        skip = 0;
        if (len == 0) continue;
        need += 8u + (((uintptr_t)data & 3u) + len + 3u) / 4u * 4u;
        last = q;
    }
    uint32_t spins = 0;
    while (TX_FIFO_INF_TDFREE(TX_FIFO_INF) < need) {
        if (++spins == SPIN_LIMIT) {
            ++g_stats.tx_no_space;
            return ERR_MEM;
        }
    }

    g_tx_tag = (g_tx_tag + 1u) & 0xFFFFu;
    const uint32_t cmd_b = g_tx_tag << TXB_TAG_SHIFT | frame_len;
    uint32_t first = TXA_FIRST_SEG;
    skip = ETH_PAD_SIZE;
    for (const struct pbuf* q = p; q != NULL; q = q->next) {
        const uint8_t* data = (const uint8_t*)q->payload + skip;
        uint32_t len = q->len - skip;
        skip = 0;
        if (len == 0) continue;
        /* Whole words from the aligned address below data; the chip skips
         * the offset bytes of the first word and ignores the tail of the
         * last one. */
        const uint32_t offset = (uintptr_t)data & 3u;
        const uint8_t* base = data - offset;
        const uint32_t nwords = (offset + len + 3u) / 4u;
        TX_DATA_FIFO = first | (q == last ? TXA_LAST_SEG : 0u) | offset << TXA_OFFSET_SHIFT | len;
        TX_DATA_FIFO = cmd_b;
        for (uint32_t i = 0; i < nwords; ++i) {
            uint32_t w;
            memcpy(&w, base + 4u * i, sizeof w); /* one aligned load */
            TX_DATA_FIFO = w;
        }
        first = 0;
        if (q == last) break;
    }
    ++g_stats.tx_frames;
    return ERR_OK;
}

static void rx_discard(uint32_t words) {
    for (uint32_t i = 0; i < words; ++i) (void)RX_DATA_FIFO;
}

/* Reads words into the pbuf chain; bytes beyond tot_len (the FCS) are
 * dropped. Word stores where the destination is aligned and has room. */
static void rx_copy(struct pbuf* p, uint32_t words) {
    struct pbuf* q = p;
    uint8_t* dst = (uint8_t*)q->payload;
    uint32_t room = q->len;
    for (uint32_t i = 0; i < words; ++i) {
        uint32_t w = RX_DATA_FIFO;
        if (q == NULL) continue;
        if (room >= 4u && ((uintptr_t)dst & 3u) == 0) {
            memcpy(dst, &w, sizeof w); /* one aligned store */
            dst += 4;
            room -= 4u;
        } else {
            for (int b = 0; b < 4 && q != NULL; ++b) {
                *dst++ = (uint8_t)w;
                w >>= 8;
                if (--room == 0) {
                    q = q->next;
                    if (q != NULL) {
                        dst = (uint8_t*)q->payload;
                        room = q->len;
                    }
                }
            }
            continue;
        }
        if (room == 0) {
            q = q->next;
            if (q != NULL) {
                dst = (uint8_t*)q->payload;
                room = q->len;
            }
        }
    }
}

void lan9118_poll(struct netif* netif) {
    drain_tx_status();
    g_stats.rx_chip_dropped += RX_DROP; /* clears on read */
    uint32_t now = sys_now();
    if (now - g_last_link_check >= LINK_CHECK_MS) {
        g_last_link_check = now;
        update_link(netif);
    }

    while (RX_FIFO_INF_RXSUSED(RX_FIFO_INF) != 0) {
        const uint32_t status = RX_STATUS_FIFO;
        const uint32_t length = RX_STS_LENGTH(status); /* with the FCS */
        const uint32_t words = (ETH_PAD_SIZE + length + 3u) / 4u;
        if ((status & RX_STS_ES) || length < 14u + 4u || length > MAX_FRAME + 4u) {
            ++g_stats.rx_errors;
            rx_discard(words);
            continue;
        }
        struct pbuf* p = pbuf_alloc(PBUF_RAW, (u16_t)(length - 4u + ETH_PAD_SIZE), PBUF_POOL);
        if (p == NULL) {
            ++g_stats.rx_dropped_nomem;
            rx_discard(words);
            continue;
        }
        rx_copy(p, words);
        ++g_stats.rx_frames;
        if (netif->input(p, netif) != ERR_OK) pbuf_free(p);
    }
}

err_t lan9118_netif_init(struct netif* netif) {
    if (BYTE_TEST != BYTE_TEST_VALUE) return ERR_IF;
    (void)ID_REV; /* 0x0118xxxx on QEMU, 0x9220xxxx on a LAN9220 */

    HW_CFG = HW_CFG_SRST;
    if (wait_clear(&HW_CFG, HW_CFG_SRST) != 0) return ERR_IF;
    for (uint32_t i = 0; (PMT_CTRL & PMT_CTRL_READY) == 0; ++i) {
        if (i == SPIN_LIMIT) return ERR_IF;
    }
    /* Polled: no interrupts, none pending. */
    IRQ_CFG = 0;
    INT_EN = 0;
    INT_STS = 0xFFFFFFFFu;

    const uint32_t lo = mac_read(MAC_ADDRL);
    const uint32_t hi = mac_read(MAC_ADDRH);
    uint8_t mac[6] = {(uint8_t)lo,         (uint8_t)(lo >> 8), (uint8_t)(lo >> 16),
                      (uint8_t)(lo >> 24), (uint8_t)hi,        (uint8_t)(hi >> 8)};
    static const uint8_t zero[6] = {0};
    if ((mac[0] & 1u) || memcmp(mac, zero, sizeof mac) == 0) return ERR_IF;

    /* PHY: reset, advertise 10/100 half/full, (re)start autonegotiation.
     * Link comes up in lan9118_poll (immediately on QEMU, ~2 s on copper). */
    phy_write(PHY_BMCR, BMCR_RESET);
    for (uint32_t i = 0; phy_read(PHY_BMCR) & BMCR_RESET; ++i) {
        if (i == 1000u) return ERR_IF;
    }
    phy_write(PHY_ANAR, ANAR_ALL_10_100);
    phy_write(PHY_BMCR, BMCR_ANENABLE | BMCR_ANRESTART);

    /* RX: 2 bytes of offset before each frame (= ETH_PAD_SIZE), 4-byte end
     * alignment. TX on; MAC TX/RX enabled now, duplex set with the link. */
    RX_CFG = (uint32_t)ETH_PAD_SIZE << RX_CFG_RXDOFF_SHIFT;
    TX_CFG = TX_CFG_TX_ON;
    mac_write(MAC_CR, MAC_CR_TXEN | MAC_CR_RXEN);

    memset(&g_stats, 0, sizeof g_stats);
    netif->name[0] = 'e';
    netif->name[1] = 'n';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, mac, sizeof mac);
    netif->mtu = 1500;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = lan9118_linkoutput;
    g_last_link_check = sys_now();
    update_link(netif);
    return ERR_OK;
}

const struct lan9118_stats* lan9118_get_stats(void) {
    return &g_stats;
}
