// SPDX-License-Identifier: MIT
#include "fakes/fake_port.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

namespace consensus {
namespace fake {

namespace {

const std::string kNoHost;

size_t min3(size_t a, size_t b, size_t c) {
    const size_t m = a < b ? a : b;
    return m < c ? m : c;
}

}  // namespace

// ---- FakeStream ----

unsigned FakeStream::readiness() const {
    if (closed) return 0;
    unsigned bits = 0;
    const bool drained = inbound_left() == 0;
    if (!connected) {
        // A connect in flight wakes the core so it asks connect_status.
        return CWS_WANT_WRITE;
    }
    if (!drained || eof || error) bits |= CWS_WANT_READ;
    if (!send_would_block && send_budget != 0) bits |= CWS_WANT_WRITE;
    if (drained && (eof || error)) bits |= CWS_WANT_READ | CWS_WANT_WRITE;  // hang-up
    return bits;
}

int FakeStream::do_connect_status() {
    ++connect_status_calls;
    if (closed) {
        ++calls_after_close;
        return CWS_IO_ERROR;
    }
    if (connected) return 0;
    if (connect_polls > 0) {
        --connect_polls;
        return CWS_IO_WOULD_BLOCK;
    }
    if (dns_fails) return CWS_IO_DNS_FAILED;
    if (connect_fails) return CWS_IO_ERROR;
    connected = true;
    return 0;
}

long FakeStream::do_recv(uint8_t* buf, size_t len) {
    ++recv_calls;
    if (closed) {
        ++calls_after_close;
        return CWS_IO_ERROR;
    }
    if (!connected) return CWS_IO_WOULD_BLOCK;
    if (len == 0) return 0;
    const size_t n = min3(len, chunk, inbound_left());
    if (n > 0) {
        memcpy(buf, inbound_.data() + read_pos_, n);
        read_pos_ += n;
        if (n < len) spend_read();
        return static_cast<long>(n);
    }
    if (error) return CWS_IO_ERROR;
    if (eof) return CWS_IO_CLOSED;
    spend_read();
    return CWS_IO_WOULD_BLOCK;
}

long FakeStream::do_send(const uint8_t* data, size_t len) {
    ++send_calls;
    if (closed) {
        ++calls_after_close;
        return CWS_IO_ERROR;
    }
    if (!connected) return CWS_IO_WOULD_BLOCK;
    if (send_error) return CWS_IO_ERROR;
    if (len == 0) return 0;
    if (send_would_block || send_limit == 0 || send_budget == 0) return CWS_IO_WOULD_BLOCK;
    const size_t n = min3(len, send_limit, send_budget);
    if (send_budget != SIZE_MAX) send_budget -= n;
    outbound_.append(reinterpret_cast<const char*>(data), n);
    return static_cast<long>(n);
}

// ---- FakePort ----

const cws_port_ops FakePort::kOps = {
    &FakePort::op_open,   &FakePort::op_connect_status, &FakePort::op_send,
    &FakePort::op_recv,   &FakePort::op_close,          &FakePort::op_set_interest,
    &FakePort::op_wait,   &FakePort::op_ready,          &FakePort::op_now_ms,
    &FakePort::op_random, &FakePort::op_wall_clock,     &FakePort::op_wake,
};

cws_port FakePort::port() {
    cws_port p;
    p.ops = &kOps;
    p.ctx = this;
    return p;
}

void FakePort::script_open(cws_open_result r) {
    if (script_tail_ - script_head_ >= kMaxOpenScript) {
        fprintf(stderr, "FakePort: more than %zu scripted opens pending\n", kMaxOpenScript);
        abort();
    }
    open_script_[script_tail_++ % kMaxOpenScript] = r;
}

const std::string& FakePort::open_host(size_t call) const {
    return call < kMaxStreams * 2 ? open_hosts_[call] : kNoHost;
}

uint16_t FakePort::open_port(size_t call) const {
    return call < kMaxStreams * 2 ? open_ports_[call] : 0;
}

FakeStream& FakePort::stream(size_t i) {
    if (i >= kMaxStreams) {
        fprintf(stderr, "FakePort: stream(%zu) beyond capacity %zu\n", i, kMaxStreams);
        abort();
    }
    return streams_[i];
}

cws_open_result FakePort::op_open(void* ctx, const char* host, uint16_t port, cws_stream** out) {
    FakePort* p = self(ctx);
    const size_t call = p->open_calls_++;
    if (call < kMaxStreams * 2) {
        p->open_hosts_[call] = host != nullptr ? host : "";
        p->open_ports_[call] = port;
    }
    cws_open_result r = CWS_OPEN_OK;
    if (p->script_head_ != p->script_tail_) r = p->open_script_[p->script_head_++ % kMaxOpenScript];
    if (r != CWS_OPEN_OK) return r;
    if (p->opened_ >= kMaxStreams) return CWS_OPEN_NO_RESOURCES;
    FakeStream& s = p->streams_[p->opened_++];
    s.opened = true;
    s.host = host != nullptr ? host : "";
    s.port = port;
    s.connected = s.connect_polls == 0 && !s.connect_fails && !s.dns_fails;
    *out = reinterpret_cast<cws_stream*>(&s);
    return CWS_OPEN_OK;
}

int FakePort::op_connect_status(void*, cws_stream* s) {
    return as_fake(s)->do_connect_status();
}

long FakePort::op_send(void*, cws_stream* s, const uint8_t* data, size_t len) {
    return as_fake(s)->do_send(data, len);
}

long FakePort::op_recv(void*, cws_stream* s, uint8_t* buf, size_t len) {
    return as_fake(s)->do_recv(buf, len);
}

void FakePort::op_close(void*, cws_stream* s) {
    FakeStream* f = as_fake(s);
    if (f->closed) ++f->calls_after_close;  // a double close is a core bug
    f->closed = true;
    f->interest = 0;
    f->ready = 0;
}

void FakePort::op_set_interest(void*, cws_stream* s, unsigned want) {
    FakeStream* f = as_fake(s);
    if (f->closed) ++f->calls_after_close;
    f->interest = want;
    ++f->interest_calls;
}

int FakePort::op_wait(void* ctx, int32_t timeout_ms) {
    FakePort* p = self(ctx);
    ++p->wait_calls;
    p->last_timeout = timeout_ms;
    if (p->on_wait != nullptr) p->on_wait(*p, p->on_wait_user);
    if (p->wakes_pending.exchange(0, std::memory_order_acq_rel) != 0) ++p->woken_waits;
    int count = 0;
    for (size_t i = 0; i < p->opened_; ++i) {
        FakeStream& s = p->streams_[i];
        s.ready = 0;
        if (s.closed || s.interest == 0) continue;
        const unsigned avail = s.readiness();
        const bool hangup = s.connected && s.inbound_left() == 0 && (s.eof || s.error);
        s.ready = hangup ? avail : (avail & s.interest);
        if (s.ready != 0) ++count;
    }
    if (count == 0 && p->auto_advance && timeout_ms > 0)
        p->now += static_cast<uint64_t>(timeout_ms);
    return count;
}

unsigned FakePort::op_ready(void*, cws_stream* s) {
    return as_fake(s)->ready;
}

uint64_t FakePort::op_now_ms(void* ctx) {
    return self(ctx)->now;
}

int FakePort::op_random(void* ctx, uint8_t* buf, size_t len) {
    FakePort* p = self(ctx);
    ++p->random_calls;
    if (p->random_fails) return -1;
    for (size_t i = 0; i < len; ++i) buf[i] = p->random_next++;
    return 0;
}

int FakePort::op_wall_clock(void* ctx, uint64_t* unix_s) {
    const FakePort* p = self(ctx);
    if (p->wall_clock_s == 0) return -1;
    *unix_s = p->wall_clock_s;
    return 0;
}

void FakePort::op_wake(void* ctx) {
    FakePort* p = self(ctx);
    p->wake_calls.fetch_add(1, std::memory_order_relaxed);
    p->wakes_pending.store(1, std::memory_order_release);
}

}  // namespace fake
}  // namespace consensus
