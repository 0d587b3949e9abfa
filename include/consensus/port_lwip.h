/* SPDX-License-Identifier: MIT */
/** \file
 * The lwIP port: the cws_port contract of consensus/port.h on lwIP's raw TCP
 * API (lwIP 2.1, NO_SYS=1, LWIP_CALLBACK_API=1), for a bare-metal main loop.
 *
 * Single-threaded: every op, and every lwIP callback the port registers, runs
 * on the one thread that also drives lwIP (the board's network input and
 * sys_check_timeouts()). wait() is that driver while the client sleeps: it
 * calls the board's service() (poll the Ethernet/Wi-Fi driver, feed frames to
 * netif->input), then sys_check_timeouts(), then looks at the streams.
 *
 * Memory: all state lives in a cws_lwip_port the caller provides (static or
 * on its stack); the port never allocates. lwIP itself allocates per stream
 * what any raw-API user costs: one tcp_pcb (MEMP_TCP_PCB, about 150-200 B on
 * a 32-bit MCU), up to TCP_SND_BUF bytes of copied send data (PBUF_RAM from
 * the lwIP heap, in MEMP_TCP_SEG segments) and up to TCP_WND bytes of received
 * pbufs the application has not read yet (the driver's pbufs, usually
 * PBUF_POOL): the port holds received pbufs until recv() copies them out and
 * only then calls tcp_recved(), so TCP's window is the bound of what one
 * stream can pin.
 *
 * Port state (sizeof, measured with arm-none-eabi-gcc for Cortex-M4 and gcc
 * for x86_64):
 * <pre>
 *   per stream (cws_lwip_slot)          16 B on Cortex-M4, 24 B on x86_64
 *   config copy (cws_lwip_config)       36 B on Cortex-M4, 72 B on x86_64
 *   cws_lwip_port = config + streams    36 + 16 x CWS_LWIP_MAX_STREAMS B on
 *                                       Cortex-M4: 100 B with the default 4
 *                                       (x86_64: 72 + 24 x n, 168 B)
 * </pre>
 * plus, when LWIP_DNS is 1, one static lookup record in lwip_port.c (12 B of
 * .bss on Cortex-M4 with IPv4 only; see "Names"). Code: about 1.35 KB of
 * Thumb-2 at -Os (1.1 KB without DNS). No heap, no other static data.
 *
 * Names. open() resolves host in this order:
 *   1. the config's host table: exact, case-sensitive match of the name;
 *      the entry's address is an IP literal (IPv4; IPv6 too when LWIP_IPV6);
 *   2. an IP literal (ipaddr_aton: "192.0.2.1"; IPv6 when LWIP_IPV6);
 *   3. lwIP's DNS client (dns_gethostbyname), when LWIP_DNS is 1. lwIP's DNS
 *      is asynchronous but the contract's open() reports CWS_OPEN_DNS_FAILED
 *      at once, so open() BLOCKS for the lookup: it runs service(),
 *      sys_check_timeouts() and idle() until lwIP's callback answers, at most
 *      config.dns_timeout_ms (CWS_LWIP_DNS_TIMEOUT_MS when 0). That is the
 *      port's DNS bound; keep it well below ClientOptions::open_timeout_ms
 *      (12 s by default). A lookup the port gave up on stays in lwIP's DNS
 *      table: lwIP keeps asking (DNS_MAX_RETRIES) and caches a late answer,
 *      which a later open() of the same name then finds at once. lwIP's own
 *      "localhost" (with LWIP_HAVE_LOOPIF) and DNS_LOCAL_HOSTLIST apply.
 *      With LWIP_DNS 0, a name in neither the table nor literal form is
 *      CWS_OPEN_DNS_FAILED.
 * One lookup runs at a time (open() is synchronous), so the answer is kept in
 * one static record of lwip_port.c rather than in the port: a callback that
 * lwIP delivers after the port gave up, or after the port's memory was
 * reused, only finds that record and ignores it.
 *
 * Readiness. Level-triggered, computed by wait() from each stream's state:
 * readable while received bytes are queued, after the peer's FIN (recv then
 * returns CWS_IO_CLOSED once the bytes are read) or after an error; writable
 * once connected while send() would take at least one byte (tcp_sndbuf() and
 * the segment queue TCP_SND_QUEUELEN have room); an error (reset, refused,
 * timeout, lwIP killed the pcb: the tcp_err callback) reports both bits to a
 * stream with any interest. A stream with interest 0 is never reported (as in
 * the POSIX port). A recv() that returns fewer than len bytes, or
 * CWS_IO_WOULD_BLOCK, spends the read readiness until the next wait().
 * An error is reported at once by recv() and send(): received bytes still
 * queued are dropped (the stream is dead; close() frees them).
 *
 * send() copies (tcp_write with TCP_WRITE_FLAG_COPY, so the caller's buffer
 * is free at once), then calls tcp_output(). Nagle is off (tcp_nagle_disable),
 * like TCP_NODELAY in the POSIX port. When the lwIP heap cannot hold the copy
 * right now, send() says CWS_IO_WOULD_BLOCK while wait() may still report the
 * stream writable (its room is there): the core retries on its next pass.
 *
 * close() detaches the port's callbacks, frees the queued pbufs, then calls
 * tcp_close() (lwIP sends FIN after any data still queued, or RST when
 * received bytes were never read, and frees the pcb itself later) and
 * tcp_abort() when tcp_close() fails. The slot is free at once.
 *
 * lwipopts.h: the port needs
 * <pre>
 *   NO_SYS              1  (an RTOS build: see below)
 *   LWIP_TCP            1
 *   LWIP_CALLBACK_API   1  (the raw API's callbacks; the default)
 *   LWIP_TIMERS         1  (the default; wait() runs sys_check_timeouts())
 *   LWIP_DNS            optional (0: names only from the host table)
 *   TCP_WND             at most 0xFFFF: received pbufs are chained in one
 *                       pbuf chain whose tot_len is 16 bits (no LWIP_WND_SCALE
 *                       window beyond 64 KiB); lwip_port.c checks it
 *   TCP_SND_BUF / TCP_SND_QUEUELEN: send() takes at most min(tcp_sndbuf(),
 *                       free queue entries x MSS) per call, so a queue of at
 *                       least 2 x TCP_SND_BUF / TCP_MSS (lwIP's own sanity
 *                       check) lets a stream use all of TCP_SND_BUF;
 *   TCP_WND x streams   is what unread data can pin in the driver's pbufs:
 *                       size PBUF_POOL_SIZE (and the heap) for it, or a slow
 *                       reader starves the others' input.
 * </pre>
 *
 * The application provides, as lwIP requires with NO_SYS=1:
 * <pre>
 *   u32_t sys_now(void)   milliseconds for lwIP's timers. The port does NOT
 *                         define it; use the same clock as config.now_ms.
 * </pre>
 * and calls lwip_init() and brings its netif up before opening streams.
 *
 * RTOS (NO_SYS=0): the port's ops then run in the client's task while lwIP's
 * core runs in tcpip_thread. Every lwIP call the port makes (tcp_*, pbuf_*,
 * dns_gethostbyname, sys_check_timeouts) must then be made with the core
 * locked (LOCK_TCPIP_CORE()/UNLOCK_TCPIP_CORE() with LWIP_TCPIP_CORE_LOCKING,
 * or through tcpip_callback), the callbacks (which run in tcpip_thread)
 * must only touch the slot under that same lock, wait() must block on an RTOS
 * event the callbacks signal instead of polling service(), and
 * sys_check_timeouts() is left to tcpip_thread. That port is not written here.
 */
#ifndef CONSENSUS_PORT_LWIP_H
#define CONSENSUS_PORT_LWIP_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/export.h"
#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Streams one port holds at once: Config::max_sessions + Config::max_requests.
 * Define it (compiler flag, for the port and every user of this header alike)
 * to change it. */
#ifndef CWS_LWIP_MAX_STREAMS
#define CWS_LWIP_MAX_STREAMS 4
#endif

/** The DNS bound used when config.dns_timeout_ms is 0. */
#define CWS_LWIP_DNS_TIMEOUT_MS 5000u

struct tcp_pcb; /* lwIP's, from lwip/tcp.h */
struct pbuf;    /* lwIP's, from lwip/pbuf.h */

/** One entry of the static host table: an exact name and its IP literal. */
typedef struct cws_lwip_host {
    const char* name;    /**< matched exactly, case-sensitive */
    const char* address; /**< "192.0.2.10" (IPv6 literals with LWIP_IPV6) */
} cws_lwip_host;

/** The port's settings and the board's callbacks (cws_lwip_port_init copies it). */
typedef struct cws_lwip_config {
    /** Looked up before anything else; may be NULL with host_count 0. The
     * array and its strings must outlive the port (flash is fine). */
    const cws_lwip_host* hosts;
    size_t host_count; /**< entries in hosts */
    /** The DNS bound of open() in milliseconds; 0 = CWS_LWIP_DNS_TIMEOUT_MS.
     * Unused when LWIP_DNS is 0. */
    uint32_t dns_timeout_ms;
    /** Required: runs the board's network input once without blocking (poll
     * the MAC, hand received frames to netif->input, and with a loopback
     * netif call netif_poll_all()). Called by wait() on every pass and by
     * open() while it waits for DNS. */
    void (*service)(void* user);
    /** Optional: sleeps until something may have happened (e.g. __WFI(): the
     * Ethernet interrupt or the SysTick wakes it). Called by wait() between
     * passes when nothing is ready and time remains, and by open() while it
     * waits for DNS. NULL: wait() spins. */
    void (*idle)(void* user);
    /** Required: the port's now_ms op (monotonic, 64-bit, never wraps). */
    uint64_t (*now_ms)(void* user);
    /** Required: the port's random op (a TRNG; 0 = success). */
    int (*random)(void* user, uint8_t* buf, size_t len);
    /** Optional: the port's wall_clock op (NULL: the device has none). */
    int (*wall_clock)(void* user, uint64_t* unix_s);
    /** Passed to every callback above. */
    void* user;
} cws_lwip_config;

/** One stream. The fields are the port's: read them for diagnostics only. */
typedef struct cws_lwip_slot {
    struct tcp_pcb* pcb; /**< NULL when lwIP freed it (error) or when unused */
    struct pbuf* rx;     /**< received, not yet read: one pbuf chain */
    uint8_t in_use;      /**< the slot holds a stream */
    uint8_t connected;   /**< the connected callback ran */
    uint8_t eof;         /**< the peer's FIN arrived (recv callback, NULL pbuf) */
    uint8_t error;       /**< the tcp_err callback ran: pcb is gone */
    uint8_t interest;    /**< CWS_WANT_* declared by the core */
    uint8_t ready;       /**< CWS_WANT_* found by the last wait() */
} cws_lwip_slot;

/** The port's whole state: provide it (static storage is typical) and leave
 * its fields to the port. sizeof(cws_lwip_port) is the port's memory. */
typedef struct cws_lwip_port {
    cws_lwip_config config;                    /**< the copy made by cws_lwip_port_init */
    cws_lwip_slot slots[CWS_LWIP_MAX_STREAMS]; /**< one per stream */
} cws_lwip_port;

/** Prepares p with a copy of *config (the config struct need not outlive the
 * call; its host table must). Call after lwip_init() and once the netif is up.
 * Returns 0, or -1 when p or config is NULL or config lacks service, now_ms
 * or random (p is then untouched). Allocates nothing. */
CONSENSUS_API int cws_lwip_port_init(cws_lwip_port* p, const cws_lwip_config* config);

/** The port as the core consumes it (ops + ctx): hand it to Client::init().
 * Valid while p is. Costs nothing. */
CONSENSUS_API cws_port cws_lwip_port_get(cws_lwip_port* p);

/** Closes every stream still open (as the close op does: FIN or RST, queued
 * pbufs freed). p can then be reused or initialised again. Never blocks. */
CONSENSUS_API void cws_lwip_port_deinit(cws_lwip_port* p);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_LWIP_H */
