/* SPDX-License-Identifier: MIT */
/* A copy-me port (see port_template.h and docs/PORTING.md).
 *
 * What is written out here is platform-independent bookkeeping every port
 * needs (a fixed stream pool, the interest and readiness bits). Everything
 * that talks to the platform is a stub marked TODO(port) that says exactly
 * what to implement; each stub returns the value that makes the core fail
 * safely (no stream, no entropy), never one that pretends success.
 *
 * Rules every op lives by (the core relies on them):
 *  - never block, except wait() (up to its timeout) and, if the platform has
 *    no asynchronous resolver, open() while it resolves a name;
 *  - send/recv never return 0 for len > 0: "nothing now" is
 *    CWS_IO_WOULD_BLOCK, EOF is CWS_IO_CLOSED, anything fatal CWS_IO_ERROR;
 *  - all ops run on the one thread that runs the client: no locks here, and
 *    no op calls back into the client (it is not re-entrant);
 *  - readiness is level-triggered: wait() reports what is true when it looks
 *    (the core reads an open stream only when ready() says so);
 *  - a recv that returns fewer than len bytes, or CWS_IO_WOULD_BLOCK, spends
 *    the read readiness until the next wait() (see tp_recv).
 * consensus/port.h states every rule on its op.
 */
#include "port_template.h"

#include <stddef.h>
#include <stdint.h>

/* The stream type of this port; the core only ever holds pointers to it. */
struct cws_stream {
    int in_use;
    int handle;        /* TODO(port): your socket/connection handle type */
    int connecting;    /* a non-blocking connect is still in flight */
    unsigned interest; /* CWS_WANT_* last declared by the core */
    unsigned ready;    /* CWS_WANT_* found by the last wait() */
};

typedef struct template_port {
    struct cws_stream streams[CWS_TEMPLATE_MAX_STREAMS];
    /* TODO(port): what wait() blocks on, e.g. an RTOS event group that the
     * network stack's callbacks signal, or your select() sets. */
} template_port;

/* Static: firmware usually has one network interface and no heap to spare. */
static template_port g_port;

static template_port* self(void* ctx) {
    return (template_port*)ctx;
}

static struct cws_stream* take_stream(template_port* p) {
    for (size_t i = 0; i < CWS_TEMPLATE_MAX_STREAMS; ++i) {
        struct cws_stream* s = &p->streams[i];
        if (!s->in_use) {
            s->in_use = 1;
            s->handle = -1;
            s->connecting = 0;
            s->interest = 0;
            s->ready = 0;
            return s;
        }
    }
    return NULL;
}

static void release_stream(struct cws_stream* s) {
    s->in_use = 0;
    s->handle = -1;
    s->interest = 0;
    s->ready = 0;
}

/* open: start a TCP connection to host:port and return at once.
 * Called by the core when a token request or a WebSocket starts. */
static cws_open_result tp_open(void* ctx, const char* host, uint16_t port, cws_stream** out) {
    struct cws_stream* s = take_stream(self(ctx));
    if (s == NULL) return CWS_OPEN_NO_RESOURCES;
    /* TODO(port):
     * 1. Resolve host (a name, or an IPv4/IPv6 literal without brackets).
     *    A blocking resolver (lwIP netconn_gethostbyname, a modem's AT+CDNSGIP)
     *    stalls the whole loop: document its bound. To avoid that, start the
     *    lookup here, return CWS_OPEN_OK with s->connecting = 1 and finish
     *    resolution and connect in tp_connect_status() (a failed lookup then
     *    surfaces as connect_failed rather than dns_failed).
     *    Unknown name: release_stream(s); return CWS_OPEN_DNS_FAILED.
     * 2. Create a TCP socket and make it NON-BLOCKING; disable Nagle
     *    (TCP_NODELAY) if you can: WebSocket frames are small.
     *    Out of sockets: release_stream(s); return CWS_OPEN_NO_RESOURCES.
     * 3. Start connect(). "In progress" (EINPROGRESS) is success: set
     *    s->connecting = 1. Refused/unreachable at once:
     *    release_stream(s); return CWS_OPEN_CONNECT_FAILED.
     * 4. Store the handle in s->handle, set *out = s, return CWS_OPEN_OK.
     * If a name has several addresses, trying the next one when a connect
     * fails (in tp_connect_status) is what makes "localhost" work on both
     * ::1 and 127.0.0.1. */
    (void)host;
    (void)port;
    (void)out;
    release_stream(s);
    return CWS_OPEN_CONNECT_FAILED; /* stub: no network yet */
}

/* connect_status: has the connect started by open() finished?
 * Called by the core after open() and whenever wait() reported the stream
 * (a connect completes as "writable"); it may also be called without any
 * wait() in between, so ask the socket itself, without blocking. */
static int tp_connect_status(void* ctx, cws_stream* s) {
    (void)ctx;
    if (s == NULL || !s->in_use) return CWS_IO_ERROR;
    if (!s->connecting) return 0;
    /* TODO(port): poll the socket for writability with a zero timeout (or
     * read your stack's connect callback flag).
     * - still connecting: return CWS_IO_WOULD_BLOCK;
     * - connected (SO_ERROR == 0): s->connecting = 0; return 0;
     * - failed: try the next resolved address if any (then
     *   CWS_IO_WOULD_BLOCK), else return CWS_IO_ERROR. Keep the stream: the
     *   core calls close() on it.
     * Either way, the end of a connect must make tp_wait() report the stream
     * writable: that is what wakes the core. */
    return CWS_IO_ERROR; /* stub */
}

/* send: write up to len bytes without blocking; a short write is normal.
 * Called when the core has bytes staged (HTTP request, TLS records,
 * WebSocket frames), typically after wait() reported CWS_WANT_WRITE. */
static long tp_send(void* ctx, cws_stream* s, const uint8_t* data, size_t len) {
    (void)ctx;
    if (s == NULL || !s->in_use) return CWS_IO_ERROR;
    if (s->connecting) return CWS_IO_WOULD_BLOCK;
    if (len == 0) return 0;
    /* TODO(port): n = send(s->handle, data, len, MSG_DONTWAIT | MSG_NOSIGNAL)
     * or your stack's equivalent. Never let a vanished peer raise a signal.
     * - n > 0: return n (bytes taken);
     * - EAGAIN/EWOULDBLOCK, or the stack's buffer is full: CWS_IO_WOULD_BLOCK;
     * - EINTR: retry; anything else (reset, broken pipe): CWS_IO_ERROR. */
    (void)data;
    return CWS_IO_ERROR; /* stub */
}

/* recv: read up to len bytes without blocking.
 * Called when wait() reported CWS_WANT_READ, and by mbedTLS during a TLS
 * handshake or record read. */
static long tp_recv(void* ctx, cws_stream* s, uint8_t* buf, size_t len) {
    (void)ctx;
    if (s == NULL || !s->in_use) return CWS_IO_ERROR;
    if (s->connecting) return CWS_IO_WOULD_BLOCK;
    if (len == 0) return 0;
    /* TODO(port): n = recv(s->handle, buf, len, MSG_DONTWAIT). What does
     * not fit in len stays for the next call (keep the rest of a pbuf).
     * - n > 0: return n; if n < len the stream is drained for now, so also
     *   s->ready &= ~CWS_WANT_READ (the core then waits for tp_wait() instead
     *   of calling recv for a would-block);
     * - n == 0 (orderly FIN from the peer): CWS_IO_CLOSED. Never return 0:
     *   the core would take "closed" for "nothing yet" or the reverse;
     * - EAGAIN/EWOULDBLOCK: s->ready &= ~CWS_WANT_READ, then
     *   CWS_IO_WOULD_BLOCK; EINTR: retry;
     * - reset, timeout, anything else: CWS_IO_ERROR. */
    (void)buf;
    return CWS_IO_ERROR; /* stub */
}

/* close: close the socket and free the slot; s is never used again.
 * Called exactly once per stream open() handed out: after failures too, and
 * while still connecting. Never blocks; the slot must serve the very next
 * open() (the core reopens in the same pass). */
static void tp_close(void* ctx, cws_stream* s) {
    (void)ctx;
    if (s == NULL || !s->in_use) return;
    /* TODO(port): close(s->handle) when s->handle is valid; a pending
     * asynchronous lookup or connect must be cancelled here as well. */
    release_stream(s);
}

/* set_interest: remember what the core waits for on s (0 = nothing).
 * Called whenever that changes; wait() must honour the latest value. */
static void tp_set_interest(void* ctx, cws_stream* s, unsigned want) {
    (void)ctx;
    if (s != NULL) s->interest = want & (CWS_WANT_READ | CWS_WANT_WRITE);
}

/* wait: block up to timeout_ms (0 = just look, < 0 = no limit) until some
 * stream is ready for its interest, then record what is ready.
 * Called once per Client::poll(), before the core runs its state machines;
 * timeout_ms is already cut to the next timer the core has. */
static int tp_wait(void* ctx, int32_t timeout_ms) {
    template_port* p = self(ctx);
    int count = 0;
    for (size_t i = 0; i < CWS_TEMPLATE_MAX_STREAMS; ++i) p->streams[i].ready = 0;
    /* TODO(port): wait on every in-use stream with interest != 0 (READ ->
     * readable, WRITE -> writable) AND on the timeout, e.g. poll()/select()
     * over the handles, or xEventGroupWaitBits(timeout) with bits the stack's
     * receive/sent/error callbacks set. With no stream of interest still
     * sleep timeout_ms: the core is waiting for a timer.
     * Level-triggered: a stream is readable while bytes, an EOF or an error
     * are pending, whenever they arrived and whatever recv left; with
     * callbacks, keep per-stream pending state (cleared by recv once
     * drained), not one-shot events. Report only bits of the interest,
     * except on an error or hang-up (below).
     * Then for each ready stream set s->ready to the ready CWS_WANT_* bits
     * and count it. An error or hang-up on a stream sets BOTH bits, so the
     * core's next recv/send meets the failure. Return the count (0 on
     * timeout; an interrupted wait may also return 0).
     * Also wait for tp_wake(): a pending wake ends the wait at once (return
     * the count, 0 when no stream is ready) and is consumed, e.g. a
     * notification bit taken by the same xEventGroupWaitBits /
     * ulTaskNotifyTake / xSemaphoreTake that sleeps here. */
    (void)timeout_ms;
    return count;
}

/* ready: the CWS_WANT_* bits the last wait() found for s, minus the read
 * bit tp_recv spent. Called by the core after wait(), several times per
 * message: keep it cheap. */
static unsigned tp_ready(void* ctx, cws_stream* s) {
    (void)ctx;
    return s == NULL ? 0u : s->ready;
}

/* now_ms: a monotonic millisecond clock. Called often (every deadline).
 * Must never go backwards and must not wrap: a 32-bit tick counter
 * (e.g. xTaskGetTickCount at 1 kHz wraps after 49.7 days) has to be
 * extended to 64 bits here. Wall-clock time (which NTP steps) is wrong. */
static uint64_t tp_now_ms(void* ctx) {
    (void)ctx;
    /* TODO(port): return ticks converted to ms, extended to 64 bits. */
    return 0; /* stub: a stopped clock (no timeout would ever fire) */
}

/* random: fill buf with len unpredictable bytes; return 0, or -1 on failure.
 * Called by Client::init() to seed CTR-DRBG (48 bytes + nonce) and at its
 * reseeds. Masks, Sec-WebSocket-Key and TLS keys all derive from it: use a
 * hardware TRNG or the OS's CSPRNG, never rand() or a timer. */
static int tp_random(void* ctx, uint8_t* buf, size_t len) {
    (void)ctx;
    (void)buf;
    (void)len;
    /* TODO(port): read len bytes from the TRNG (wait for it to be ready,
     * run its health checks if the vendor HAL offers them). */
    return -1; /* stub: Client::init() then fails with invalid_config */
}

/* Optional: Unix time from an RTC kept by SNTP. Return nonzero while it is
 * not set (the EVM payer then uses the 402's Date header), or leave the op
 * NULL on a device without a clock. */
static int tp_wall_clock(void* ctx, uint64_t* unix_s) {
    (void)ctx;
    (void)unix_s;
    /* TODO(port): read the RTC; answer -1 until SNTP has set it once. */
    return -1;
}

/* wake: end a tp_wait() in progress early, or the next one. Called from ANY
 * task, an ISR or a signal handler, concurrently with every other op
 * (Client::wake, Client::post): never block, never allocate, touch no
 * stream. Many wakes may collapse into one. Leave the op NULL if the port
 * cannot be woken (Client::wake() then returns false, and posted messages
 * wait for the next wait() timeout). */
static void tp_wake(void* ctx) {
    (void)ctx;
    /* TODO(port): give what tp_wait() sleeps on: xTaskNotifyGive(loop_task)
     * (vTaskNotifyGiveFromISR from an ISR), xEventGroupSetBits(group,
     * WAKE_BIT) (xEventGroupSetBitsFromISR), or xSemaphoreGive(wake_sem)
     * (xSemaphoreGiveFromISR); with a select()-based stack, write one byte
     * to a socket pair or eventfd tp_wait() includes. */
}

static const cws_port_ops kOps = {
    .open = tp_open,
    .connect_status = tp_connect_status,
    .send = tp_send,
    .recv = tp_recv,
    .close = tp_close,
    .set_interest = tp_set_interest,
    .wait = tp_wait,
    .ready = tp_ready,
    .now_ms = tp_now_ms,
    .random = tp_random,
    .wall_clock = tp_wall_clock,
    .wake = tp_wake,
};

/* Designated initializers leave a newly added op NULL without a warning;
 * this breaks the CI build instead, so the template follows port.h. */
_Static_assert(sizeof(cws_port_ops) == 12 * sizeof(void (*)(void)),
               "consensus/port.h changed: add the new op to the template");

int cws_template_port_init(void) {
    for (size_t i = 0; i < CWS_TEMPLATE_MAX_STREAMS; ++i) release_stream(&g_port.streams[i]);
    /* TODO(port): create what wait() blocks on (event group, select sets). */
    return 0;
}

cws_port cws_template_port_get(void) {
    cws_port port;
    port.ops = &kOps;
    port.ctx = &g_port;
    return port;
}

void cws_template_port_deinit(void) {
    for (size_t i = 0; i < CWS_TEMPLATE_MAX_STREAMS; ++i) tp_close(&g_port, &g_port.streams[i]);
}
