/* SPDX-License-Identifier: MIT */
// A scripted cws_port for unit tests of the client state machines: a manual
// clock, deterministic "random" bytes, scripted open()/connect results and
// per-stream inbound scripts and outbound capture. wait() never sleeps.
//
//   FakePort fp;                       // a TEST_GROUP member (see below)
//   fp.stream(0).push("HTTP/1.1 200 OK\r\n...");   // script before the core opens it
//   fp.stream(0).chunk = 1;            // deliver one byte per recv
//   fp.script_open(CWS_OPEN_DNS_FAILED);  // the next open() fails
//   client.init(..., fp.port(), ...);
//   ... run the client ...
//   STRCMP_CONTAINS("GET /ws", fp.stream(0).sent().c_str());
//   CHECK_TRUE(fp.stream(0).closed);
//
// Streams are numbered by successful open() order: stream(0) is the first
// stream the core opened, stream(1) the second, ... They can be scripted
// before they are opened. Buffers are std::strings freed with the FakePort:
// declare it as a TEST_GROUP member or a local so CppUTest's leak check,
// which runs after teardown, does not see them.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>
#include <string>

#include "consensus/port.h"

namespace consensus {
namespace fake {

class FakeStream {
  public:
    // ---- script, set by the test ----
    /// Appends inbound bytes (what the core will recv), in order.
    void push(const std::string& bytes) { inbound_.append(bytes); }
    void push(const uint8_t* data, size_t len) {
        inbound_.append(reinterpret_cast<const char*>(data), len);
    }
    /// After the inbound bytes are consumed, recv returns CWS_IO_CLOSED (EOF).
    void push_eof() { eof = true; }
    /// After the inbound bytes are consumed, recv returns CWS_IO_ERROR (reset).
    void push_error() { error = true; }

    size_t chunk = SIZE_MAX;        // most bytes one recv delivers (1 = split reads)
    size_t send_limit = SIZE_MAX;   // most bytes one send takes (partial writes)
    bool send_would_block = false;  // send returns CWS_IO_WOULD_BLOCK
    /// Bytes send may still take before it would block (a filling socket
    /// buffer); each accepted byte uses it up. SIZE_MAX = unlimited.
    size_t send_budget = SIZE_MAX;
    bool send_error = false;  // send returns CWS_IO_ERROR
    bool eof = false;         // see push_eof
    bool error = false;       // see push_error
    /// connect_status returns CWS_IO_WOULD_BLOCK this many times, then 0 (or
    /// CWS_IO_ERROR when connect_fails, CWS_IO_DNS_FAILED when dns_fails: a
    /// port whose asynchronous resolver found no such name). recv/send
    /// would-block until then.
    uint32_t connect_polls = 0;
    bool connect_fails = false;
    bool dns_fails = false;

    // ---- observation ----
    /// Every byte the core sent, in order.
    const std::string& sent() const { return outbound_; }
    size_t sent_size() const { return outbound_.size(); }
    /// Returns the sent bytes and forgets them (step-by-step protocol tests).
    std::string take_sent() {
        std::string s;
        s.swap(outbound_);
        return s;
    }
    /// Inbound bytes not yet received by the core.
    size_t inbound_left() const { return inbound_.size() - read_pos_; }

    bool opened = false;     // open() handed this stream out
    bool connected = false;  // connect_status returned 0
    bool closed = false;     // close() was called
    std::string host;        // as passed to open()
    uint16_t port = 0;
    unsigned interest = 0;  // last set_interest
    unsigned ready = 0;     // readiness from the last wait(), minus READ a recv spent
    int interest_calls = 0;
    int connect_status_calls = 0;
    int recv_calls = 0;
    int send_calls = 0;
    int calls_after_close = 0;  // any op on a closed stream (a core bug)

  private:
    friend class FakePort;
    unsigned readiness() const;
    long do_recv(uint8_t* buf, size_t len);
    // A short read or a would-block spends the read readiness until the next
    // wait(), as consensus/port.h requires of every port.
    void spend_read() { ready &= ~static_cast<unsigned>(CWS_WANT_READ); }
    long do_send(const uint8_t* data, size_t len);
    int do_connect_status();

    std::string inbound_;
    size_t read_pos_ = 0;
    std::string outbound_;
};

class FakePort {
  public:
    static constexpr size_t kMaxStreams = 32;
    static constexpr size_t kMaxOpenScript = 32;

    FakePort() = default;
    FakePort(const FakePort&) = delete;
    FakePort& operator=(const FakePort&) = delete;

    /// The port to hand to the core; valid while this FakePort lives.
    cws_port port();

    // ---- clock ----
    uint64_t now = 1000;  // now_ms(); the test moves it
    void advance(uint64_t ms) { now += ms; }
    /// When true, a wait(timeout > 0) that finds nothing ready advances `now`
    /// by timeout, as a real sleep would (lets timer-driven loops run).
    bool auto_advance = false;

    // ---- random ----
    /// random() writes counter bytes: 0x01, 0x02, ... continuing across calls.
    uint8_t random_next = 1;
    bool random_fails = false;  // random() returns -1
    int random_calls = 0;
    // wall_clock(): Unix seconds once set (> 0); until then it answers -1
    // like an RTC SNTP has not set.
    uint64_t wall_clock_s = 0;

    // ---- open ----
    /// Queues the result of the next open() call (FIFO); once the queue is
    /// empty open() succeeds. A failed open uses no stream.
    void script_open(cws_open_result r);
    /// open() calls made (failed ones included), and their arguments.
    size_t open_calls() const { return open_calls_; }
    const std::string& open_host(size_t call) const;
    uint16_t open_port(size_t call) const;
    /// Streams handed out so far.
    size_t opened() const { return opened_; }
    /// The i-th stream opened (0-based); may be scripted before it is opened.
    FakeStream& stream(size_t i);
    /// The most recently opened stream (stream(0) when none yet).
    FakeStream& last() { return stream(opened_ == 0 ? 0 : opened_ - 1); }

    // ---- wait ----
    int wait_calls = 0;
    int32_t last_timeout = 0;  // timeout_ms of the last wait()
    /// Called at the start of every wait(): lets a test play the server
    /// (push a reply once the request was sent, advance the clock, ...).
    void (*on_wait)(FakePort& port, void* user) = nullptr;
    void* on_wait_user = nullptr;

    // ---- wake (the one op other threads call) ----
    /// wake() calls so far, from any thread. wait() never sleeps, so a wake
    /// only counts; wakes_pending is what the next wait() consumes.
    std::atomic<int> wake_calls{0};
    std::atomic<int> wakes_pending{0};
    /// wait() calls that consumed a pending wake.
    int woken_waits = 0;

  private:
    static FakePort* self(void* ctx) { return static_cast<FakePort*>(ctx); }
    static FakeStream* as_fake(cws_stream* s) { return reinterpret_cast<FakeStream*>(s); }
    static cws_open_result op_open(void* ctx, const char* host, uint16_t port, cws_stream** out);
    static int op_connect_status(void* ctx, cws_stream* s);
    static long op_send(void* ctx, cws_stream* s, const uint8_t* data, size_t len);
    static long op_recv(void* ctx, cws_stream* s, uint8_t* buf, size_t len);
    static void op_close(void* ctx, cws_stream* s);
    static void op_set_interest(void* ctx, cws_stream* s, unsigned want);
    static int op_wait(void* ctx, int32_t timeout_ms);
    static unsigned op_ready(void* ctx, cws_stream* s);
    static uint64_t op_now_ms(void* ctx);
    static int op_random(void* ctx, uint8_t* buf, size_t len);
    static int op_wall_clock(void* ctx, uint64_t* unix_s);
    static void op_wake(void* ctx);
    static const cws_port_ops kOps;

    FakeStream streams_[kMaxStreams];
    size_t opened_ = 0;
    cws_open_result open_script_[kMaxOpenScript] = {};
    size_t script_head_ = 0;
    size_t script_tail_ = 0;
    std::string open_hosts_[kMaxStreams * 2];
    uint16_t open_ports_[kMaxStreams * 2] = {};
    size_t open_calls_ = 0;
};

}  // namespace fake
}  // namespace consensus
