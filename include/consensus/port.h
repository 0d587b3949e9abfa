/* The port layer: everything the portable core needs from a platform.
 *
 * A port provides non-blocking TCP streams with readiness, a monotonic clock
 * and an entropy source. TLS is NOT part of a port: the core layers mbedTLS
 * over any port stream. C-compatible so an RTOS or modem port can be written in C.
 *
 * Return-value contract of send/recv (never ambiguous, see ANCHORS.md #1):
 *   > 0                 bytes moved
 *   CWS_IO_WOULD_BLOCK  nothing now; the core waits for readiness and calls again
 *   CWS_IO_CLOSED       the peer closed the stream in order (EOF); recv only
 *   CWS_IO_ERROR        reset, unreachable or any other failure; the stream is dead
 * 0 is never returned for len > 0.
 */
#ifndef CONSENSUS_PORT_H
#define CONSENSUS_PORT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque stream; each port defines it. */
typedef struct cws_stream cws_stream;

enum { CWS_IO_WOULD_BLOCK = -1, CWS_IO_CLOSED = -2, CWS_IO_ERROR = -3 };

typedef enum cws_open_result {
    CWS_OPEN_OK = 0,             /* *out is valid; it may still be connecting */
    CWS_OPEN_DNS_FAILED = 1,     /* name did not resolve */
    CWS_OPEN_CONNECT_FAILED = 2, /* refused or unreachable at once */
    CWS_OPEN_NO_RESOURCES = 3    /* no free stream slot or socket */
} cws_open_result;

/* Readiness / interest bits. */
enum { CWS_WANT_READ = 1u, CWS_WANT_WRITE = 2u };

typedef struct cws_port_ops {
    /* Starts a non-blocking TCP connect to host (name or IP literal, IPv6
     * without brackets) and port. May block for name resolution in a port
     * without an asynchronous resolver: such a port documents its bound. */
    cws_open_result (*open)(void* ctx, const char* host, uint16_t port, cws_stream** out);
    /* For a stream from open(): 0 connected, CWS_IO_WOULD_BLOCK still
     * connecting, CWS_IO_ERROR failed (refused, unreachable, reset). */
    int (*connect_status)(void* ctx, cws_stream* s);
    long (*send)(void* ctx, cws_stream* s, const uint8_t* data, size_t len);
    long (*recv)(void* ctx, cws_stream* s, uint8_t* buf, size_t len);
    /* Closes and releases the stream; s is invalid afterwards. */
    void (*close)(void* ctx, cws_stream* s);
    /* Declares what the core waits for on s (CWS_WANT_* bits, 0 = nothing). */
    void (*set_interest)(void* ctx, cws_stream* s, unsigned want);
    /* Waits at most timeout_ms (0 = do not block) until some stream is ready
     * for its interest. Returns the number of ready streams, 0 on timeout. */
    int (*wait)(void* ctx, int32_t timeout_ms);
    /* CWS_WANT_* bits found ready for s by the last wait(); errors and hang-ups
     * report both bits so the next recv/send sees them. */
    unsigned (*ready)(void* ctx, cws_stream* s);
    /* Monotonic milliseconds; only differences are used (wrap-safe). */
    uint64_t (*now_ms)(void* ctx);
    /* Fills buf with len unpredictable bytes (seeds CTR-DRBG). 0 = success. */
    int (*random)(void* ctx, uint8_t* buf, size_t len);
} cws_port_ops;

typedef struct cws_port {
    const cws_port_ops* ops;
    void* ctx;
} cws_port;

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_H */
