/* SPDX-License-Identifier: MIT */
/** \file
 * The port layer: everything the portable core needs from a platform.
 *
 * A port provides non-blocking TCP streams with readiness, a monotonic clock
 * and an entropy source. TLS is NOT part of a port: the core layers mbedTLS
 * over any port stream. C-compatible so an RTOS or modem port can be written in C.
 *
 * Return-value contract of send/recv (never ambiguous: "would block" has a code of
 * its own, and "closed" never looks like "nothing yet"):
 * <pre>
 *   > 0                 bytes moved, at most len
 *   CWS_IO_WOULD_BLOCK  nothing now (no byte moved); the core waits for
 *                       readiness and calls again
 *   CWS_IO_CLOSED       the peer closed the stream in order (EOF); recv only
 *   CWS_IO_ERROR        reset, unreachable or any other failure; the stream is dead
 * </pre>
 * 0 is never returned for len > 0 (the core never passes len 0).
 *
 * Rules across the ops (the core relies on each; docs/PORTING.md section 1):
 *  - One thread runs the client and every op, except wake() (any thread,
 *    see wake). No op calls back into the
 *    client (poll, process, a session's send or close): the core is not
 *    re-entrant.
 *  - No op blocks, except wait() up to its timeout and, in a port that
 *    resolves names synchronously, open() while it resolves a name.
 *  - Readiness is level-triggered: wait() reports what is true when it looks
 *    (bytes, EOF or an error pending; room to send), whenever it happened and
 *    whatever earlier recv/send calls left. The core calls recv on an open
 *    session only after ready() reported it readable, and sleeps in wait()
 *    until a stream is ready or a timer is due.
 */
#ifndef CONSENSUS_PORT_H
#define CONSENSUS_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Opaque stream; each port defines it. */
typedef struct cws_stream cws_stream;

/** The ops' negative results (send/recv: the contract in this file's description;
 * connect_status: see there). */
enum {
    CWS_IO_WOULD_BLOCK = -1, /**< nothing now; the core waits for readiness */
    CWS_IO_CLOSED = -2,      /**< the peer closed the stream in order (EOF); recv only */
    CWS_IO_ERROR = -3,       /**< reset, unreachable or any other failure: the stream is dead */
    CWS_IO_DNS_FAILED = -4   /**< connect_status: the name did not resolve */
};

/** What open() reports. */
typedef enum cws_open_result {
    CWS_OPEN_OK = 0,             /**< *out is valid; it may still be connecting */
    CWS_OPEN_DNS_FAILED = 1,     /**< name did not resolve */
    CWS_OPEN_CONNECT_FAILED = 2, /**< refused or unreachable at once */
    CWS_OPEN_NO_RESOURCES = 3    /**< no free stream slot or socket */
} cws_open_result;

/** Readiness / interest bits. */
enum {
    CWS_WANT_READ = 1u, /**< bytes, EOF or an error to read */
    CWS_WANT_WRITE = 2u /**< room to send */
};

/** The ops a port provides; the core calls them (the rules: this file's
 * description). */
typedef struct cws_port_ops {
    /** Starts a non-blocking TCP connect to host (name or IP literal, IPv6
     * without brackets, at most 255 characters) and port. Name resolution
     * either way:
     *  - asynchronous (preferred): open() starts the lookup and returns
     *    CWS_OPEN_OK with a stream that is still resolving; the lookup is
     *    part of connecting (see connect_status). An answer known at once
     *    (IP literal, hosts file) may be handled inside open() as below.
     *  - synchronous: open() resolves before it returns and reports a name
     *    that does not resolve as CWS_OPEN_DNS_FAILED. It may block meanwhile;
     *    such a port documents its bound.
     * On failure no stream is held and the core does not call close. A
     * stream that close() released is available to the very next open():
     * the core reopens within the same process() pass. */
    cws_open_result (*open)(void* ctx, const char* host, uint16_t port, cws_stream** out);
    /** For a stream from open(): 0 connected, CWS_IO_WOULD_BLOCK still
     * resolving or connecting, CWS_IO_DNS_FAILED the name did not resolve
     * (only from a port that resolves asynchronously: the core reports it as
     * dns_failed, like open()'s CWS_OPEN_DNS_FAILED), CWS_IO_ERROR failed
     * (refused, unreachable, reset). A resolver that does not answer keeps
     * the stream at CWS_IO_WOULD_BLOCK: the core's open timeout ends it (and
     * close() cancels the lookup). The core calls it on every process() while
     * connecting, whether or not wait() reported the stream: ask the
     * platform, do not rely on wait(); resolving progresses here too. A
     * connect that ends, either way, makes the stream ready for
     * CWS_WANT_WRITE. After 0 the core no longer asks; after CWS_IO_ERROR or
     * CWS_IO_DNS_FAILED it calls close(). */
    int (*connect_status)(void* ctx, cws_stream* s);
    /** Called only after connect_status() returned 0, until close(). A short
     * write is normal: the core offers the rest again later. Never raises a
     * signal when the peer is gone. */
    long (*send)(void* ctx, cws_stream* s, const uint8_t* data, size_t len);
    /** Called only after connect_status() returned 0, until close(). Returns
     * the stream's next bytes in order; what does not fit in len stays for
     * the next call. Bytes the peer sent before its FIN come first, then
     * CWS_IO_CLOSED. After CWS_IO_CLOSED or CWS_IO_ERROR the core calls
     * close().
     * A recv that returns fewer than len bytes, or CWS_IO_WOULD_BLOCK, spends
     * the stream's read readiness: ready() stops reporting CWS_WANT_READ
     * until the next wait() finds the stream readable again. The core then
     * skips recv until that wait(), instead of paying a recv that only says
     * CWS_IO_WOULD_BLOCK. */
    long (*recv)(void* ctx, cws_stream* s, uint8_t* buf, size_t len);
    /** Closes and releases the stream without blocking, in any state: still
     * resolving (the lookup is cancelled), connecting, failed, reset or open. Called exactly once
     * per stream open() handed out; s is invalid afterwards. */
    void (*close)(void* ctx, cws_stream* s);
    /** Declares what the core waits for on s (CWS_WANT_* bits, 0 = nothing).
     * Takes effect at the next wait(). Cheap: the core calls it on every
     * step of a stream, also while connecting. */
    void (*set_interest)(void* ctx, cws_stream* s, unsigned want);
    /** Clears every stream's readiness, then waits at most timeout_ms (0 = do
     * not block; the core never passes < 0, which means no limit) until some
     * stream is ready for its interest, and records what is ready. With
     * nothing ready it sleeps the whole timeout, also with no stream at all:
     * the core is waiting for a timer. A stream is never reported for a bit
     * outside its interest, except on an error or hang-up. Returns the number
     * of ready streams, 0 on timeout; the core ignores the count, so an early
     * return (a signal) is harmless. */
    int (*wait)(void* ctx, int32_t timeout_ms);
    /** CWS_WANT_* bits found ready for s by the last wait(), minus read
     * readiness a recv spent (see recv); errors and hang-ups report both
     * bits so the next recv/send meets them, and EOF reports CWS_WANT_READ.
     * Cheap: the core asks it several times per message. */
    unsigned (*ready)(void* ctx, cws_stream* s);
    /** Monotonic milliseconds: never goes backwards (keepalive takes unsigned
     * differences) and never wraps (deadlines are compared as absolute
     * values, UINT64_MAX meaning none): count from boot in 64 bits. */
    uint64_t (*now_ms)(void* ctx);
    /** Fills buf with len unpredictable bytes (seeds CTR-DRBG at init and at
     * its reseeds, so also during process()). 0 = success. */
    int (*random)(void* ctx, uint8_t* buf, size_t len);
    /** Optional (NULL = the device has no wall clock): the time of day as
     * seconds since 1970-01-01 UTC. 0 = *unix_s is set; nonzero = not known
     * now (an RTC not yet set, no SNTP answer yet). Only the x402 EVM payer
     * uses it, to bound a payment authorization in time; without it that
     * payer takes the time from the 402's Date header. */
    int (*wall_clock)(void* ctx, uint64_t* unix_s);
    /** Optional (NULL = the port cannot be woken): makes a wait() in progress
     * return promptly, or, when no wait() is in progress, the next one
     * (without sleeping). The one op that may be called from ANY thread, an
     * interrupt or a signal handler, concurrently with every other op,
     * between the port's init and its deinit: it never blocks, never
     * allocates and touches no stream. Wakes may coalesce (many calls, one
     * early return); wait() consumes the pending wake. Client::wake() and
     * Client::post() call it. POSIX: a write to an eventfd that wait() polls;
     * an RTOS: a task notification or semaphore give (docs/PORTING.md). */
    void (*wake)(void* ctx);
} cws_port_ops;

/** A port as the core consumes it: its ops and their context. */
typedef struct cws_port {
    const cws_port_ops* ops; /**< the port's ops */
    void* ctx;               /**< passed to every op */
} cws_port;

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_H */
