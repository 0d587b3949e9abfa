/* SPDX-License-Identifier: MIT */
/* lwIP options of the host tests of port/lwip (tests/lwip/): one lwIP stack
 * in the test process, IPv4 on the loopback netif (127.0.0.1), the port's
 * streams and the test's peer (a raw-API listener) both in it.
 *
 * What the port needs (consensus/port_lwip.h): NO_SYS 1, LWIP_TCP 1,
 * LWIP_CALLBACK_API 1, LWIP_TIMERS 1, TCP_WND <= 0xFFFF; LWIP_DNS optional.
 * What is here for the tests only:
 *  - MEMP_MEM_MALLOC + MEM_LIBC_MALLOC: every pcb, segment and pbuf comes
 *    from malloc, so ASan and valgrind see a use after free of a pcb lwIP
 *    released (the tcp_err rule) instead of a recycled pool slot. The MEMP
 *    and MEM statistics still count, which the tests assert return to their
 *    level after each test (no pbuf or pcb leak);
 *  - TCP_MSL 100 ms: TIME_WAIT ends at the next slow timer, so a test's
 *    closed connections are gone before the leak check;
 *  - TCP_SYNMAXRTX 1: lwIP gives up a connect nobody answers after one SYN
 *    retransmission (about 3.5 s), so a test sees tcp_err(ERR_ABRT) from
 *    lwIP's timer, the path that frees the pcb BEFORE calling tcp_err;
 *  - LWIP_DNS defaults to 1 (the DNS tests point the server at an address
 *    nobody answers); the Cortex-M4 compile check also builds the port with
 *    -DLWIP_DNS=0.
 */
#ifndef CONSENSUS_TEST_LWIPOPTS_H
#define CONSENSUS_TEST_LWIPOPTS_H

#define NO_SYS 1
#define SYS_LIGHTWEIGHT_PROT 0
#define LWIP_TIMERS 1
#define LWIP_NETCONN 0
#define LWIP_SOCKET 0

#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_ARP 0
#define LWIP_ETHERNET 0
#define LWIP_ICMP 1
#define LWIP_RAW 0
#define LWIP_DHCP 0
#define LWIP_AUTOIP 0
#define LWIP_IGMP 0
#define LWIP_UDP 1
#define LWIP_TCP 1
#define LWIP_CALLBACK_API 1
#ifndef LWIP_DNS
#define LWIP_DNS 1
#endif
#define DNS_MAX_SERVERS 1

#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1

#define MEM_LIBC_MALLOC 1
#define MEMP_MEM_MALLOC 1
#define MEM_ALIGNMENT 8
#define MEM_SIZE (256 * 1024)
#define MEMP_NUM_TCP_PCB 32
#define MEMP_NUM_TCP_PCB_LISTEN 4
#define MEMP_NUM_TCP_SEG 256
#define MEMP_NUM_PBUF 64
#define PBUF_POOL_SIZE 64

#define TCP_MSS 1460
#define TCP_WND (16 * TCP_MSS)
#define TCP_SND_BUF (8 * TCP_MSS)
#define TCP_SND_QUEUELEN (4 * TCP_SND_BUF / TCP_MSS)
#define TCP_MSL 100UL
#define TCP_SYNMAXRTX 1 /* a connect nobody answers ends after one retry, ~3.5 s */
#define TCP_LISTEN_BACKLOG 0
#define LWIP_TCP_KEEPALIVE 0

#define LWIP_STATS 1
#define LWIP_STATS_DISPLAY 0
#define MEM_STATS 1
#define MEMP_STATS 1
#define PBUF_STATS 0
#define TCP_STATS 1
#define UDP_STATS 1
#define LINK_STATS 1
#define IP_STATS 1
#define ICMP_STATS 0
#define SYS_STATS 0

#endif /* CONSENSUS_TEST_LWIPOPTS_H */
