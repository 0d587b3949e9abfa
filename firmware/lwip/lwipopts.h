/* SPDX-License-Identifier: MIT */
/* lwIP 2.1.3 options for the bare-metal firmware (QEMU mps2-an386 now, an
 * STM32F4-class part later): NO_SYS raw API (one thread, no OS), IPv4 only,
 * TCP + UDP + DNS client, static addressing, all memory static (lwIP's own
 * heap and pools; no malloc).
 *
 * Sized for two TCP streams at once: a token request (HTTPS) and the
 * WebSocket, each behind TLS with incoming records up to 16 KiB
 * (MBEDTLS_SSL_IN_CONTENT_LEN) and outgoing records up to 4 KiB
 * (MBEDTLS_SSL_OUT_CONTENT_LEN, firmware/mbedtls_config.h). A 16 KiB record
 * need not fit in the TCP window: the port copies received data into
 * mbedTLS's input buffer as it arrives and reopens the window (tcp_recved),
 * so the window only sets throughput and how many pool buffers a
 * connection can pin. Byte costs are for arm-none-eabi, measured with
 * arm-none-eabi-nm -S on consensus-board-selftest.elf (memp_memory_<POOL>_base,
 * ram_heap, dns_table, arp_table): about 36.7 KiB of .bss in all, of which
 * the pool and the heap are 34.0 KiB. */
#ifndef CONSENSUS_LWIPOPTS_H
#define CONSENSUS_LWIPOPTS_H

/* ---- system ---- */
#define NO_SYS 1
/* Nothing calls lwIP from an interrupt (the driver is polled): no locking. */
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0
#define LWIP_CALLBACK_API 1
#define LWIP_EVENT_API 0

/* ---- memory: lwIP's own static heap and pools, never malloc ---- */
#define MEM_LIBC_MALLOC 0
#define MEMP_MEM_MALLOC 0
#define MEM_USE_POOLS 0
#define MEM_ALIGNMENT 4

/* lwIP's heap (ram_heap: MEM_SIZE + 19 bytes of bookkeeping and alignment): TCP
 * segments written with TCP_WRITE_FLAG_COPY (PBUF_RAM: the data plus 16 B
 * pbuf + 56 B of headers each), outgoing DNS queries and packets queued on
 * ARP resolution. The device's client moves data on one connection at a
 * time (its one session buys its token, then opens; a closing connection
 * holds no send data once acknowledged): one full send buffer (5,840) plus
 * its segments' headers and a few queued packets fit 10 KiB. Measured peak
 * in the firmware tests: 1.3 KiB (messages are small); a 4 KiB TLS record
 * in flight takes 4.4 KiB. A full heap makes the port's send() answer
 * would-block, never fail. Cost: ram_heap = 10,259 bytes of .bss. */
#define MEM_SIZE (10 * 1024)

/* Receive buffers (the driver's pbuf_alloc(PBUF_POOL) per frame). One
 * buffer holds a full frame: PBUF_POOL_BUFSIZE defaults to TCP_MSS + 40 of
 * IP/TCP + 16 of Ethernet (with ETH_PAD_SIZE) = 1516, plus a 16-byte
 * struct pbuf = 1532 bytes per buffer. 8 = one connection's full window in
 * flight (4, see TCP_WND; the device receives on one connection at a time,
 * see MEM_SIZE) + 4 for ACKs, ARP, DNS replies and the frame being handed
 * in. A full pool drops frames in the driver (counted; TCP retransmits), it
 * never blocks. Measured peak in the firmware tests: 2. Cost: 8 x 1532
 * (+ alignment) = 12,259 bytes. */
#define PBUF_POOL_SIZE 8

/* struct pbuf headers for PBUF_ROM/PBUF_REF (no-copy writes, DNS names).
 * 8 x 16 (+ alignment) = 131 bytes. */
#define MEMP_NUM_PBUF 8

/* ---- link layer ---- */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
/* 2 bytes before the 14-byte Ethernet header so the IP header is 4-byte
 * aligned; the LAN9118 driver matches it (RX data offset 2, TX start
 * offset 2), so frames move word by word without a copy. */
#define ETH_PAD_SIZE 2
/* The gateway (10.0.2.2), the DNS server (10.0.2.3) and on-link servers:
 * 4 entries x 24 B = 96 bytes. */
#define ARP_TABLE_SIZE 4
#define ARP_QUEUEING 1
/* Packets waiting for an ARP reply: 4 x 8 (+ alignment) = 35 bytes. */
#define MEMP_NUM_ARP_QUEUE 4
#define LWIP_SINGLE_NETIF 1
#define LWIP_NETIF_LOOPBACK 0
#define LWIP_HAVE_LOOPIF 0
#define LWIP_NETIF_STATUS_CALLBACK 0
#define LWIP_NETIF_LINK_CALLBACK 0

/* ---- IP ---- */
#define LWIP_IPV4 1
#define LWIP_IPV6 0
/* Replies to ping (for debugging with the host): about 1 KiB of code. */
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
/* TCP never sends fragments (MSS below the MTU) and DNS answers fit in one
 * datagram: no reassembly buffers. */
#define IP_REASSEMBLY 0
#define IP_FRAG 0

/* ---- UDP + DNS ---- */
#define LWIP_UDP 1
/* DNS's pcb + one spare: 2 x 32 (+ alignment) = 67 bytes. */
#define MEMP_NUM_UDP_PCB 2
#define LWIP_DNS 1
/* One server (QEMU user networking's 10.0.2.3, or the product's). */
#define DNS_MAX_SERVERS 1
/* Lookups cached/in flight at once: the two hosts the client talks to.
 * Each entry holds the name: dns_table = 2 x 144 = 288 bytes (the default
 * 256-byte names would double it). */
#define DNS_TABLE_SIZE 2
#define DNS_MAX_NAME_LENGTH 128

/* ---- TCP ---- */
#define LWIP_TCP 1
#define TCP_MSS 1460
/* Receive window per connection: 4 segments (5,840 B). Enough to keep the
 * pipe full on a LAN/emulator without window scaling, and it bounds the pool
 * buffers one connection pins to 4 (see PBUF_POOL_SIZE). QEMU's LAN9118 RX
 * FIFO holds about 7 full frames, so a larger burst would also overflow
 * the emulated NIC between polls. Costs no memory by itself. */
#define TCP_WND (4 * TCP_MSS)
/* Send buffer per connection: 4 segments (5,840 B) holds one whole
 * outgoing TLS record (4 KiB + 29 B of record overhead) so a record goes
 * out in one tcp_write. Its bytes live in the MEM_SIZE heap while unacked. */
#define TCP_SND_BUF (4 * TCP_MSS)
/* Segments queued for sending per connection: lwIP's default formula,
 * (4 * TCP_SND_BUF + TCP_MSS - 1) / TCP_MSS = 16. */
#define TCP_SND_QUEUELEN ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
/* struct tcp_seg for both connections' send queues (2 x 16) and their
 * out-of-order queues: 32 x 16 (+ alignment) = 515 bytes. */
#define MEMP_NUM_TCP_SEG 32
/* Out-of-order segments held per connection: at most 4 pool buffers, so
 * one lossy stream cannot starve the other of receive buffers. */
#define TCP_QUEUE_OOSEQ 1
#define TCP_OOSEQ_MAX_PBUFS 4
#define TCP_OOSEQ_PBUFS_LIMIT(pcb) TCP_OOSEQ_MAX_PBUFS
/* Active connections: the two streams + 2 in TIME_WAIT after a token
 * request is closed and reopened (lwIP reuses the oldest TIME_WAIT pcb when
 * the pool is empty anyway). 4 x 156 (+ alignment) = 627 bytes. */
#define MEMP_NUM_TCP_PCB 4
/* The client never listens; lwIP needs at least one. */
#define MEMP_NUM_TCP_PCB_LISTEN 1
#define TCP_LISTEN_BACKLOG 0
/* The client sends WebSocket pings itself. */
#define LWIP_TCP_KEEPALIVE 0
/* Fresh local ports after every reboot (LWIP_RAND): a reconnect right after
 * a reset does not collide with the server's state for the old one. */
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

/* ---- statistics: lwIP heap and pool high-water marks for the app ---- */
#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 1
#define MEMP_STATS 1
#define LINK_STATS 0
#define ETHARP_STATS 0
#define IP_STATS 0
#define IPFRAG_STATS 0
#define ICMP_STATS 0
#define UDP_STATS 0
#define TCP_STATS 0
#define SYS_STATS 0

/* ---- checksums: the LAN9118 (unlike the LAN9220 of the real AN386)
 * offloads nothing, lwIP computes and checks all of them ---- */
#define CHECKSUM_GEN_IP 1
#define CHECKSUM_GEN_UDP 1
#define CHECKSUM_GEN_TCP 1
#define CHECKSUM_CHECK_IP 1
#define CHECKSUM_CHECK_UDP 1
#define CHECKSUM_CHECK_TCP 1

#endif
