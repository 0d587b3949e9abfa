// SPDX-License-Identifier: MIT
#include "lwip_harness.h"

#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "lwip/init.h"
#include "lwip/ip_addr.h"
#include "lwip/memp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "lwip/sys.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

// lwIP's clock with NO_SYS=1: the application's (the port does not define it).
u32_t sys_now(void) {
    return static_cast<u32_t>(lwip_test::now_ms());
}

namespace lwip_test {

namespace {

uint64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

const uint64_t g_epoch = monotonic_ms() - 1;  // now_ms() starts at 1, never 0

Board* board_of(void* user) {
    return static_cast<Board*>(user);
}

void board_service(void* user) {
    ++board_of(user)->services;
    netif_poll_all();
}

void board_idle(void* user) {
    ++board_of(user)->idles;
    nap();
}

uint64_t board_now(void*) {
    return now_ms();
}

int board_random(void*, uint8_t* buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        const ssize_t n = getrandom(buf + got, len - got, 0);
        if (n <= 0) return -1;
        got += static_cast<size_t>(n);
    }
    return 0;
}

// ---- the peer's lwIP callbacks ----

err_t peer_recv(void* arg, tcp_pcb*, pbuf* p, err_t) {
    Conn* c = static_cast<Conn*>(arg);
    if (p == nullptr) {
        c->fin = true;
    } else if (c->rx == nullptr) {
        c->rx = p;
    } else {
        pbuf_cat(c->rx, p);
    }
    return ERR_OK;
}

void peer_err(void* arg, err_t) {
    Conn* c = static_cast<Conn*>(arg);
    c->pcb = nullptr;  // lwIP freed it
    c->error = true;
}

err_t peer_accept(void* arg, tcp_pcb* pcb, err_t err) {
    if (err != ERR_OK || pcb == nullptr) return ERR_VAL;
    if (static_cast<LwipPeer*>(arg)->adopt(pcb) == nullptr) {
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    return ERR_OK;
}

uint16_t g_next_port = 7000;  // a fresh listening port per peer

}  // namespace

void stack_init() {
    static bool done = false;
    if (done) return;
    done = true;
    lwip_init();  // also brings up the loopback netif (LWIP_HAVE_LOOPIF)
}

uint64_t now_ms() {
    return monotonic_ms() - g_epoch;
}

void drive_once() {
    netif_poll_all();
    sys_check_timeouts();
}

void drive_for(uint64_t ms) {
    const uint64_t end = now_ms() + ms;
    while (now_ms() < end) {
        drive_once();
        nap();
    }
}

void nap() {
    const timespec ts{0, 200 * 1000};  // 0.2 ms
    nanosleep(&ts, nullptr);
}

bool Usage::operator==(const Usage& o) const {
    return tcp_pcbs == o.tcp_pcbs && listen_pcbs == o.listen_pcbs && segments == o.segments &&
           pbufs == o.pbufs && pool_pbufs == o.pool_pbufs && heap_bytes == o.heap_bytes;
}

Usage usage() {
    Usage u{};
    u.tcp_pcbs = static_cast<long>(lwip_stats.memp[MEMP_TCP_PCB]->used);
    u.listen_pcbs = static_cast<long>(lwip_stats.memp[MEMP_TCP_PCB_LISTEN]->used);
    u.segments = static_cast<long>(lwip_stats.memp[MEMP_TCP_SEG]->used);
    u.pbufs = static_cast<long>(lwip_stats.memp[MEMP_PBUF]->used);
    u.pool_pbufs = static_cast<long>(lwip_stats.memp[MEMP_PBUF_POOL]->used);
    u.heap_bytes = static_cast<long>(lwip_stats.mem.used);
    return u;
}

bool settle(const Usage& base) {
    const uint64_t end = now_ms() + kBoundMs;
    while (!(usage() == base)) {
        if (now_ms() > end) return false;
        drive_once();
        nap();
    }
    return true;
}

const char* describe(const Usage& u) {
    static char text[160];
    snprintf(text, sizeof text, "pcbs=%ld listen=%ld segs=%ld pbufs=%ld pool=%ld heap=%ld",
             u.tcp_pcbs, u.listen_pcbs, u.segments, u.pbufs, u.pool_pbufs, u.heap_bytes);
    return text;
}

cws_lwip_config make_config(Board* board) {
    cws_lwip_config c{};
    c.service = board_service;
    c.idle = board_idle;
    c.now_ms = board_now;
    c.random = board_random;
    c.user = board;
    return c;
}

// ---- LwipPeer ----

LwipPeer::LwipPeer() = default;

LwipPeer::~LwipPeer() {
    stop();
}

bool LwipPeer::start() {
    stack_init();
    port_ = g_next_port;
    g_next_port = static_cast<uint16_t>(g_next_port + 2);  // port_ + 1 stays refused
    tcp_pcb* pcb = tcp_new();
    if (pcb == nullptr) return false;
    ip_addr_t any;
    ip_addr_set_loopback(0, &any);
    if (tcp_bind(pcb, &any, port_) != ERR_OK) {
        tcp_close(pcb);
        return false;
    }
    listener_ = tcp_listen(pcb);  // frees pcb, returns the listening one
    if (listener_ == nullptr) {
        tcp_close(pcb);
        return false;
    }
    tcp_arg(listener_, this);
    tcp_accept(listener_, peer_accept);
    return true;
}

void LwipPeer::stop() {
    for (Conn& c : conns_) {
        if (c.in_use) drop(&c, true);
    }
    current_ = nullptr;
    if (listener_ != nullptr) {
        tcp_arg(listener_, nullptr);
        tcp_accept(listener_, nullptr);
        tcp_close(listener_);
        listener_ = nullptr;
    }
}

Conn* LwipPeer::adopt(tcp_pcb* pcb) {
    for (Conn& c : conns_) {
        if (c.in_use) continue;
        c = Conn{};
        c.in_use = true;
        c.pcb = pcb;
        c.seq = next_seq_++;
        tcp_arg(pcb, &c);
        tcp_recv(pcb, peer_recv);
        tcp_err(pcb, peer_err);
        tcp_nagle_disable(pcb);
        return &c;
    }
    return nullptr;
}

void LwipPeer::drop(Conn* c, bool abort) {
    if (c->rx != nullptr) pbuf_free(c->rx);
    if (c->pcb != nullptr) {
        tcp_arg(c->pcb, nullptr);
        tcp_recv(c->pcb, nullptr);
        tcp_err(c->pcb, nullptr);
        if (abort || tcp_close(c->pcb) != ERR_OK) tcp_abort(c->pcb);
    }
    *c = Conn{};
    if (current_ == c) current_ = nullptr;
}

bool LwipPeer::accept() {
    // As a BSD listener: the oldest connection not yet taken. The one taken
    // before is closed (FIN, or RST when it left bytes unread).
    const unsigned after = current_ != nullptr ? current_->seq : 0;
    if (current_ != nullptr) drop(current_, false);
    const uint64_t end = now_ms() + kBoundMs;
    for (;;) {
        Conn* best = nullptr;
        for (Conn& c : conns_) {
            if (c.in_use && c.seq > after && (best == nullptr || c.seq < best->seq)) best = &c;
        }
        if (best != nullptr) {
            current_ = best;
            return true;
        }
        if (now_ms() > end) return false;
        drive_once();
        nap();
    }
}

size_t LwipPeer::write_some(const uint8_t* data, size_t len) {
    if (current_ == nullptr || current_->pcb == nullptr) return 0;
    tcp_pcb* pcb = current_->pcb;
    size_t n = len;
    if (n > tcp_sndbuf(pcb)) n = tcp_sndbuf(pcb);
    if (n > 0xFFFF) n = 0xFFFF;
    while (n > 0 && tcp_write(pcb, data, static_cast<u16_t>(n), TCP_WRITE_FLAG_COPY) != ERR_OK) {
        n /= 2;  // the segment queue is full: less
    }
    if (n > 0) tcp_output(pcb);
    return n;
}

bool LwipPeer::write(const uint8_t* data, size_t len) {
    size_t done = 0;
    const uint64_t end = now_ms() + kBoundMs;
    while (done < len) {
        if (current_ == nullptr || current_->pcb == nullptr) return false;
        done += write_some(data + done, len - done);
        if (done == len) break;
        if (now_ms() > end) return false;
        drive_once();
        nap();
    }
    return true;
}

size_t LwipPeer::read_some(uint8_t* buf, size_t len) {
    if (current_ == nullptr || current_->rx == nullptr || len == 0) return 0;
    pbuf* rx = current_->rx;
    const u16_t want = len < rx->tot_len ? static_cast<u16_t>(len) : rx->tot_len;
    const u16_t n = pbuf_copy_partial(rx, buf, want, 0);
    current_->rx = pbuf_free_header(rx, n);
    if (current_->pcb != nullptr) tcp_recved(current_->pcb, n);
    return n;
}

size_t LwipPeer::read(uint8_t* buf, size_t len) {
    const uint64_t end = now_ms() + kBoundMs;
    for (;;) {
        const size_t n = read_some(buf, len);
        if (n > 0) return n;
        if (current_ == nullptr || current_->fin || current_->error) return 0;
        if (now_ms() > end) return 0;
        drive_once();
        nap();
    }
}

size_t LwipPeer::queued() const {
    return current_ != nullptr && current_->rx != nullptr ? current_->rx->tot_len : 0;
}

void LwipPeer::finish() {
    if (current_ != nullptr && current_->pcb != nullptr) tcp_shutdown(current_->pcb, 0, 1);
}

void LwipPeer::reset() {
    if (current_ != nullptr) drop(current_, true);  // tcp_abort sends RST
}

}  // namespace lwip_test
