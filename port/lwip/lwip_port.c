/* SPDX-License-Identifier: MIT */
/* The lwIP port (consensus/port_lwip.h): consensus/port.h on lwIP's raw TCP
 * API with NO_SYS=1. Every function here, and every callback it registers,
 * runs on the one thread that drives lwIP: no locks.
 *
 * Ownership of a stream's lwIP objects:
 *  - slot->pcb is the port's from tcp_new() until close(), unless lwIP frees
 *    it first: the tcp_err callback says so, and from then on the port never
 *    touches that pointer again (it is set to NULL in the callback);
 *  - slot->rx holds the pbufs the recv callback accepted (it returns ERR_OK,
 *    so they are the port's) until recv() copies them out or close() frees
 *    them; tcp_recved() is called only for bytes the application read.
 */
#include <string.h>

#include "consensus/port_lwip.h"
#include "lwip/dns.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/opt.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#if !NO_SYS
#error "port/lwip is the NO_SYS=1 port: an RTOS build must lock lwIP's core (consensus/port_lwip.h)"
#endif
#if !LWIP_TCP || !LWIP_CALLBACK_API
#error "port/lwip needs LWIP_TCP=1 and LWIP_CALLBACK_API=1"
#endif
#if TCP_WND > 0xFFFF
#error "port/lwip chains received pbufs (16-bit tot_len): TCP_WND must be at most 0xFFFF"
#endif

/* ---- slots ------------------------------------------------------------------ */

static cws_lwip_port* port_of(void* ctx) {
    return (cws_lwip_port*)ctx;
}

/* The core holds cws_stream pointers that are slot pointers converted; the
 * port converts them back and never dereferences a cws_stream. */
static cws_lwip_slot* slot_of(cws_stream* s) {
    return (cws_lwip_slot*)(void*)s;
}

static cws_stream* stream_of(cws_lwip_slot* s) {
    return (cws_stream*)(void*)s;
}

static cws_lwip_slot* take_slot(cws_lwip_port* p) {
    for (size_t i = 0; i < CWS_LWIP_MAX_STREAMS; ++i) {
        cws_lwip_slot* s = &p->slots[i];
        if (!s->in_use) {
            memset(s, 0, sizeof *s);
            s->in_use = 1;
            return s;
        }
    }
    return NULL;
}

static void release_slot(cws_lwip_slot* s) {
    memset(s, 0, sizeof *s);
}

/* ---- lwIP callbacks (they only record; readiness is computed by wait()) ----- */

static err_t on_connected(void* arg, struct tcp_pcb* pcb, err_t err) {
    cws_lwip_slot* s = (cws_lwip_slot*)arg;
    LWIP_UNUSED_ARG(pcb);
    LWIP_UNUSED_ARG(err); /* always ERR_OK in lwIP 2.1: failures come as tcp_err */
    if (s != NULL) s->connected = 1;
    return ERR_OK;
}

static err_t on_recv(void* arg, struct tcp_pcb* pcb, struct pbuf* p, err_t err) {
    cws_lwip_slot* s = (cws_lwip_slot*)arg;
    LWIP_UNUSED_ARG(pcb);
    if (p == NULL) { /* the peer's FIN: recv reports it after the queued bytes */
        if (s != NULL) s->eof = 1;
        return ERR_OK;
    }
    if (s == NULL || err != ERR_OK) { /* err is always ERR_OK in lwIP 2.1 */
        pbuf_free(p);
        return ERR_OK;
    }
    if (s->rx == NULL) {
        s->rx = p;
    } else {
        pbuf_cat(s->rx, p); /* takes over p's reference */
    }
    return ERR_OK;
}

/* lwIP has already freed the pcb when it calls this: forget it, touch nothing. */
static void on_error(void* arg, err_t err) {
    cws_lwip_slot* s = (cws_lwip_slot*)arg;
    LWIP_UNUSED_ARG(err);
    if (s == NULL) return;
    s->pcb = NULL;
    s->error = 1;
}

static void detach(struct tcp_pcb* pcb) {
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL); /* lwIP's tcp_recv_null then frees what still arrives */
    tcp_err(pcb, NULL);
}

/* Bytes send() can take now: what the send buffer holds, limited so that the
 * segments (one pbuf each, plus one for topping up the last) fit the queue. */
static size_t send_room(const cws_lwip_slot* s) {
    if (s->pcb == NULL || !s->connected) return 0;
    const size_t queued = tcp_sndqueuelen(s->pcb);
    if (queued + 2u > (size_t)TCP_SND_QUEUELEN) return 0;
    size_t mss = tcp_mss(s->pcb);
    if (mss == 0) mss = 536u;
    const size_t by_queue = ((size_t)TCP_SND_QUEUELEN - queued - 1u) * mss;
    const size_t buf = tcp_sndbuf(s->pcb);
    return buf < by_queue ? buf : by_queue;
}

/* ---- DNS ---------------------------------------------------------------------- */

#if LWIP_DNS
/* The one lookup open() waits for (see "Names" in port_lwip.h). name points
 * at open()'s argument only while open() waits; otherwise it is NULL and any
 * callback is a late one, ignored. */
static struct {
    const char* name;
    uint8_t done;
    uint8_t found;
    ip_addr_t addr;
} g_lookup;

static int same_name(const char* a, const char* b) {
    /* lwIP matches names ignoring ASCII case and may answer a request of ours
     * with an entry another spelling created. */
    for (;; ++a, ++b) {
        char ca = *a;
        char cb = *b;
        if (ca >= 'A' && ca <= 'Z') ca = (char)(ca - 'A' + 'a');
        if (cb >= 'A' && cb <= 'Z') cb = (char)(cb - 'A' + 'a');
        if (ca != cb) return 0;
        if (ca == '\0') return 1;
    }
}

static void on_dns_found(const char* name, const ip_addr_t* addr, void* arg) {
    LWIP_UNUSED_ARG(arg);
    if (g_lookup.name == NULL || name == NULL || !same_name(name, g_lookup.name)) return;
    g_lookup.done = 1;
    if (addr != NULL) {
        g_lookup.found = 1;
        ip_addr_copy(g_lookup.addr, *addr);
    }
}

/* Blocks at most the DNS bound. 1 and *out set, or 0. */
static int resolve_dns(cws_lwip_port* p, const char* host, ip_addr_t* out) {
    const cws_lwip_config* c = &p->config;
    g_lookup.name = host;
    g_lookup.done = 0;
    g_lookup.found = 0;
    const err_t err = dns_gethostbyname(host, out, on_dns_found, NULL);
    if (err == ERR_INPROGRESS) {
        const uint64_t bound = c->dns_timeout_ms != 0 ? c->dns_timeout_ms : CWS_LWIP_DNS_TIMEOUT_MS;
        const uint64_t start = c->now_ms(c->user);
        while (!g_lookup.done && c->now_ms(c->user) - start < bound) {
            c->service(c->user);
            sys_check_timeouts();
            if (!g_lookup.done && c->idle != NULL) c->idle(c->user);
        }
        if (g_lookup.found) ip_addr_copy(*out, g_lookup.addr);
    }
    const int ok = err == ERR_OK || (err == ERR_INPROGRESS && g_lookup.found);
    g_lookup.name = NULL;
    return ok;
}
#endif /* LWIP_DNS */

/* Host table, IP literal, then DNS. 1 and *out set, or 0. */
static int resolve(cws_lwip_port* p, const char* host, ip_addr_t* out) {
    const cws_lwip_config* c = &p->config;
    if (host == NULL || host[0] == '\0') return 0;
    for (size_t i = 0; i < c->host_count; ++i) {
        const cws_lwip_host* h = &c->hosts[i];
        if (h->name != NULL && h->address != NULL && strcmp(h->name, host) == 0) {
            return ipaddr_aton(h->address, out) ? 1 : 0;
        }
    }
    if (ipaddr_aton(host, out)) return 1;
#if LWIP_DNS
    return resolve_dns(p, host, out);
#else
    return 0;
#endif
}

/* ---- ops ---------------------------------------------------------------------- */

static cws_open_result op_open(void* ctx, const char* host, uint16_t port, cws_stream** out) {
    cws_lwip_port* p = port_of(ctx);
    cws_lwip_slot* s = take_slot(p);
    if (s == NULL) return CWS_OPEN_NO_RESOURCES;
    ip_addr_t addr;
    if (!resolve(p, host, &addr)) {
        release_slot(s);
        return CWS_OPEN_DNS_FAILED;
    }
    struct tcp_pcb* pcb = tcp_new_ip_type(IP_GET_TYPE(&addr));
    if (pcb == NULL) {
        release_slot(s);
        return CWS_OPEN_NO_RESOURCES;
    }
    tcp_arg(pcb, s);
    tcp_recv(pcb, on_recv);
    tcp_err(pcb, on_error);
    tcp_nagle_disable(pcb);
    s->pcb = pcb;
    const err_t err = tcp_connect(pcb, &addr, port, on_connected);
    if (err != ERR_OK) {
        /* Not registered yet (state CLOSED): tcp_close frees it at once. */
        detach(pcb);
        if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
        release_slot(s);
        return err == ERR_MEM || err == ERR_BUF ? CWS_OPEN_NO_RESOURCES : CWS_OPEN_CONNECT_FAILED;
    }
    *out = stream_of(s);
    return CWS_OPEN_OK;
}

static int op_connect_status(void* ctx, cws_stream* st) {
    const cws_lwip_slot* s = slot_of(st);
    LWIP_UNUSED_ARG(ctx);
    if (s->error) return CWS_IO_ERROR;
    return s->connected ? 0 : CWS_IO_WOULD_BLOCK;
}

static long op_send(void* ctx, cws_stream* st, const uint8_t* data, size_t len) {
    cws_lwip_slot* s = slot_of(st);
    LWIP_UNUSED_ARG(ctx);
    if (s->error || s->pcb == NULL) return CWS_IO_ERROR;
    if (len == 0) return 0;
    size_t n = send_room(s);
    if (n == 0) return CWS_IO_WOULD_BLOCK;
    if (n > len) n = len;
    if (n > 0xFFFFu) n = 0xFFFFu;
    err_t err = tcp_write(s->pcb, data, (u16_t)n, TCP_WRITE_FLAG_COPY);
    while (err == ERR_MEM && n > 1) { /* the heap is short: try less */
        n /= 2;
        err = tcp_write(s->pcb, data, (u16_t)n, TCP_WRITE_FLAG_COPY);
    }
    if (err == ERR_MEM) return CWS_IO_WOULD_BLOCK;
    if (err != ERR_OK) return CWS_IO_ERROR;
    (void)tcp_output(s->pcb); /* a failure here is retried by lwIP's timers */
    return (long)n;
}

static long op_recv(void* ctx, cws_stream* st, uint8_t* buf, size_t len) {
    cws_lwip_slot* s = slot_of(st);
    LWIP_UNUSED_ARG(ctx);
    if (s->error) return CWS_IO_ERROR;
    if (len == 0) return 0;
    if (s->rx == NULL) {
        if (s->eof) return CWS_IO_CLOSED;
        s->ready = (uint8_t)(s->ready & ~CWS_WANT_READ);
        return CWS_IO_WOULD_BLOCK;
    }
    const u16_t want = len < s->rx->tot_len ? (u16_t)len : s->rx->tot_len;
    const u16_t n = pbuf_copy_partial(s->rx, buf, want, 0);
    s->rx = pbuf_free_header(s->rx, n);
    if (s->pcb != NULL) tcp_recved(s->pcb, n); /* reopen the window by what was read */
    if ((size_t)n < len) s->ready = (uint8_t)(s->ready & ~CWS_WANT_READ);
    return (long)n;
}

static void close_slot(cws_lwip_slot* s) {
    if (s->rx != NULL) pbuf_free(s->rx);
    s->rx = NULL;
    if (s->pcb != NULL) {
        struct tcp_pcb* pcb = s->pcb;
        detach(pcb);
        if (tcp_close(pcb) != ERR_OK) tcp_abort(pcb);
    }
    release_slot(s);
}

static void op_close(void* ctx, cws_stream* st) {
    LWIP_UNUSED_ARG(ctx);
    close_slot(slot_of(st));
}

static void op_set_interest(void* ctx, cws_stream* st, unsigned want) {
    LWIP_UNUSED_ARG(ctx);
    slot_of(st)->interest = (uint8_t)(want & (CWS_WANT_READ | CWS_WANT_WRITE));
}

/* What s is ready for now, within its interest (errors: both bits). */
static uint8_t readiness(const cws_lwip_slot* s) {
    if (!s->in_use || s->interest == 0) return 0;
    if (s->error) return (uint8_t)(CWS_WANT_READ | CWS_WANT_WRITE);
    unsigned bits = 0;
    if (s->rx != NULL || s->eof) bits |= CWS_WANT_READ;
    if (send_room(s) > 0) bits |= CWS_WANT_WRITE;
    return (uint8_t)(bits & s->interest);
}

static int op_wait(void* ctx, int32_t timeout_ms) {
    cws_lwip_port* p = port_of(ctx);
    const cws_lwip_config* c = &p->config;
    for (size_t i = 0; i < CWS_LWIP_MAX_STREAMS; ++i) p->slots[i].ready = 0;
    const uint64_t start = c->now_ms(c->user);
    for (;;) {
        c->service(c->user);
#if LWIP_TIMERS
        sys_check_timeouts();
#endif
        int count = 0;
        for (size_t i = 0; i < CWS_LWIP_MAX_STREAMS; ++i) {
            cws_lwip_slot* s = &p->slots[i];
            s->ready = readiness(s);
            if (s->ready != 0) ++count;
        }
        if (count > 0 || timeout_ms == 0) return count;
        if (timeout_ms > 0 && c->now_ms(c->user) - start >= (uint64_t)timeout_ms) return 0;
        if (c->idle != NULL) c->idle(c->user);
    }
}

static unsigned op_ready(void* ctx, cws_stream* st) {
    LWIP_UNUSED_ARG(ctx);
    return slot_of(st)->ready;
}

static uint64_t op_now_ms(void* ctx) {
    const cws_lwip_config* c = &port_of(ctx)->config;
    return c->now_ms(c->user);
}

static int op_random(void* ctx, uint8_t* buf, size_t len) {
    const cws_lwip_config* c = &port_of(ctx)->config;
    return c->random(c->user, buf, len);
}

static int op_wall_clock(void* ctx, uint64_t* unix_s) {
    const cws_lwip_config* c = &port_of(ctx)->config;
    return c->wall_clock != NULL ? c->wall_clock(c->user, unix_s) : -1;
}

/* No wake op yet (NULL): wait() polls, Client::wake() returns false. */
static const cws_port_ops k_ops = {
    op_open, op_connect_status, op_send,   op_recv,   op_close,      op_set_interest,
    op_wait, op_ready,          op_now_ms, op_random, op_wall_clock, NULL,
};

_Static_assert(sizeof k_ops == 12 * sizeof(void (*)(void)),
               "cws_port_ops changed: fill in the new op here");

/* ---- public ------------------------------------------------------------------- */

int cws_lwip_port_init(cws_lwip_port* p, const cws_lwip_config* config) {
    if (p == NULL || config == NULL || config->service == NULL || config->now_ms == NULL ||
        config->random == NULL || (config->hosts == NULL && config->host_count != 0)) {
        return -1;
    }
    memset(p, 0, sizeof *p);
    p->config = *config;
    return 0;
}

cws_port cws_lwip_port_get(cws_lwip_port* p) {
    cws_port port;
    port.ops = &k_ops;
    port.ctx = p;
    return port;
}

void cws_lwip_port_deinit(cws_lwip_port* p) {
    if (p == NULL) return;
    for (size_t i = 0; i < CWS_LWIP_MAX_STREAMS; ++i) {
        if (p->slots[i].in_use) close_slot(&p->slots[i]);
    }
}
