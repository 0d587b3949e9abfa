/* SPDX-License-Identifier: MIT */
/* Polled lwIP netif driver for the SMSC LAN9118 (QEMU's mps2-an385/an386
 * Ethernet at 0x40200000; the real AN386 has a register-compatible
 * LAN9220). One instance, 32-bit bus, no interrupts, NO_SYS lwIP.
 *
 *   netif_add(&nif, &ip, &mask, &gw, NULL, lan9118_netif_init, netif_input);
 *   for (;;) { lan9118_poll(&nif); sys_check_timeouts(); ... }
 *
 * Handled: soft reset, MAC address from the chip (MAC_ADDRH/ADDRL: QEMU
 * loads -nic ...,mac=; a real board's EEPROM does the same), PHY reset and
 * autonegotiation, link up/down and duplex from the PHY (checked every
 * 250 ms in lan9118_poll), TX of pbuf chains of any alignment (one FIFO
 * buffer per pbuf, start offset = address & 3, no copy), RX of every waiting
 * frame into PBUF_POOL pbufs (RX data offset 2 = ETH_PAD_SIZE, so the IP
 * header lands 4-byte aligned), TX status drained and counted.
 * Not handled: interrupts (INT_EN stays 0), multicast filters (only our
 * unicast and broadcast are received), checksum offload (the LAN9118 has
 * none), flow control (AFC_CFG left at reset), power management, 16-bit
 * bus mode, EEPROM writes. Receive errors (RX status ES: CRC, runt, too
 * long, ...) and frames arriving with the pool empty are read out, dropped
 * and counted, never blocking; frames the chip itself drops on an RX FIFO
 * overrun are in its RX_DROP counter (QEMU always reports 0 there and
 * drops silently), and a TX FIFO that stays full drops the frame (ERR_MEM,
 * TCP retransmits). RX_DP_CTRL fast-forward is not used to discard: QEMU's
 * model skips the data without freeing its FIFO space, so frames are
 * discarded by reading them out (at most ~380 word reads). */
#ifndef CONSENSUS_BOARD_LAN9118_H
#define CONSENSUS_BOARD_LAN9118_H

#include <stdint.h>

#include "lwip/err.h"
#include "lwip/netif.h"

#ifdef __cplusplus
extern "C" {
#endif

struct lan9118_stats {
    uint32_t rx_frames;        /* handed to netif->input */
    uint32_t rx_dropped_nomem; /* PBUF_POOL empty: frame read out and dropped */
    uint32_t rx_errors;        /* RX status error, or a length out of range */
    uint32_t rx_chip_dropped;  /* the chip's RX_DROP counter (FIFO overruns) */
    uint32_t tx_frames;        /* written to the TX FIFO */
    uint32_t tx_errors;        /* TX status with ES set, or an oversized frame */
    uint32_t tx_no_space;      /* TX FIFO full: frame dropped */
    uint32_t link_changes;
};

/* netif_add's init function: resets the chip and the PHY, reads the MAC
 * address, enables TX and RX. ERR_IF if no LAN9118 answers or the chip has
 * no valid (unicast, non-zero) MAC address. */
err_t lan9118_netif_init(struct netif* netif);

/* Drains every frame waiting in the RX FIFO into netif->input (dropping,
 * with a count, when PBUF_POOL is empty), drains the TX status FIFO, and
 * every 250 ms updates the link state from the PHY. Never blocks. */
void lan9118_poll(struct netif* netif);

const struct lan9118_stats* lan9118_get_stats(void);

#ifdef __cplusplus
}
#endif

#endif
