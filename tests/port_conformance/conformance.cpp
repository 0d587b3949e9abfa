// SPDX-License-Identifier: MIT
#include "port_conformance/conformance.h"

#include <string.h>

#include "CppUTest/TestHarness.h"

namespace port_conformance {

namespace {

// Every loop below is bounded: kMaxSteps waits of kStepMs (5 s) is far more
// than anything takes on a test link, so a hang becomes a failure instead.
constexpr int32_t kStepMs = 20;
constexpr int kMaxSteps = 250;

// The port's ops with its context bound, so the checks read like the contract.
class Driver {
  public:
    explicit Driver(const cws_port& p) : ops_(p.ops), ctx_(p.ctx) {}
    cws_open_result open(const char* host, uint16_t port, cws_stream** s) const {
        return ops_->open(ctx_, host, port, s);
    }
    int status(cws_stream* s) const { return ops_->connect_status(ctx_, s); }
    long send(cws_stream* s, const uint8_t* data, size_t len) const {
        return ops_->send(ctx_, s, data, len);
    }
    long recv(cws_stream* s, uint8_t* buf, size_t len) const {
        return ops_->recv(ctx_, s, buf, len);
    }
    void close(cws_stream* s) const { ops_->close(ctx_, s); }
    void interest(cws_stream* s, unsigned want) const { ops_->set_interest(ctx_, s, want); }
    int wait(int32_t timeout_ms) const { return ops_->wait(ctx_, timeout_ms); }
    unsigned ready(cws_stream* s) const { return ops_->ready(ctx_, s); }
    bool readable(cws_stream* s) const { return (ready(s) & CWS_WANT_READ) != 0; }
    uint64_t now() const { return ops_->now_ms(ctx_); }
    int random(uint8_t* buf, size_t len) const { return ops_->random(ctx_, buf, len); }

  private:
    const cws_port_ops* ops_;
    void* ctx_;
};

const uint8_t* bytes(const char* text) {
    return reinterpret_cast<const uint8_t*>(text);
}

// Asks connect_status until the connect ends, sleeping in wait() on write
// readiness between the calls, as the core does. Returns the last status.
int finish_connect(const Driver& d, cws_stream* s) {
    d.interest(s, CWS_WANT_WRITE);
    int st = d.status(s);
    for (int i = 0; i < kMaxSteps && st == CWS_IO_WOULD_BLOCK; ++i) {
        d.wait(kStepMs);
        st = d.status(s);
    }
    return st;
}

// Declares want, then waits until ready() reports any of it. Returns the
// bits of the last wait(), 0 when none of want came within the bound.
unsigned wait_for(const Driver& d, cws_stream* s, unsigned want) {
    d.interest(s, want);
    for (int i = 0; i < kMaxSteps; ++i) {
        d.wait(kStepMs);
        const unsigned r = d.ready(s);
        if ((r & want) != 0) return r;
    }
    return 0;
}

// Opens a stream to the peer, completes the connect and lets the peer accept.
cws_stream* connect_peer(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, d.open(t.peer->host(), t.peer->port(), &s));
    CHECK(s != nullptr);
    LONGS_EQUAL(0, finish_connect(d, s));
    CHECK_TRUE(t.peer->accept());
    return s;
}

// Receives exactly len bytes however the link splits them, waiting for read
// readiness before each recv (a spent readiness is what makes it wait).
void recv_exact(const Driver& d, cws_stream* s, uint8_t* buf, size_t len) {
    size_t got = 0;
    for (int i = 0; i < kMaxSteps && got < len; ++i) {
        CHECK_TRUE(d.readable(s) || (wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
        const long n = d.recv(s, buf + got, len - got);
        CHECK(n != 0);  // 0 is never an answer for len > 0
        if (n == CWS_IO_WOULD_BLOCK) continue;
        CHECK(n > 0 && static_cast<size_t>(n) <= len - got);
        got += static_cast<size_t>(n);
    }
    LONGS_EQUAL(len, got);
}

// Sends all of data, taking short writes and waiting for write readiness.
void send_all(const Driver& d, cws_stream* s, const uint8_t* data, size_t len) {
    size_t done = 0;
    for (int i = 0; i < kMaxSteps && done < len; ++i) {
        const long n = d.send(s, data + done, len - done);
        if (n == CWS_IO_WOULD_BLOCK) {
            CHECK((wait_for(d, s, CWS_WANT_WRITE) & CWS_WANT_WRITE) != 0);
            continue;
        }
        CHECK(n > 0 && static_cast<size_t>(n) <= len - done);
        done += static_cast<size_t>(n);
    }
    LONGS_EQUAL(len, done);
}

// The peer reads exactly len bytes into buf.
void peer_reads(Peer& peer, uint8_t* buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        const size_t n = peer.read(buf + got, len - got);
        if (n == 0) break;
        got += n;
    }
    LONGS_EQUAL(len, got);
}

// ---- the byte pattern of partial_sends_count_exactly ----

// Byte i of the stream is i % kPeriod (a prime, so no power-of-two chunk
// lines up with it): a byte lost, doubled or reordered shows.
constexpr size_t kPeriod = 251;
constexpr size_t kChunk = 65536;
uint8_t g_pattern[kChunk + kPeriod];

void make_pattern() {
    for (size_t i = 0; i < sizeof g_pattern; ++i) g_pattern[i] = static_cast<uint8_t>(i % kPeriod);
}

// The pattern bytes starting at stream offset `at`.
const uint8_t* pattern_at(size_t at) {
    return g_pattern + at % kPeriod;
}

// Sends pattern chunks, from stream offset `from`, until the port would
// block. Returns the bytes taken; each send must take 1..len bytes or nothing
// (would-block).
size_t fill_until_would_block(const Driver& d, cws_stream* s, size_t from) {
    size_t total = 0;
    for (int i = 0; i < 4096; ++i) {  // socket buffers hold a few MB at most
        const long n = d.send(s, pattern_at(from + total), kChunk);
        if (n == CWS_IO_WOULD_BLOCK) return total;
        CHECK(n > 0 && static_cast<size_t>(n) <= kChunk);
        total += static_cast<size_t>(n);
    }
    FAIL("send never would-block although the peer does not read");
    return total;
}

// The peer reads `count` bytes and finds the pattern from offset `from`.
void peer_reads_pattern(Peer& peer, size_t from, size_t count) {
    static uint8_t buf[kChunk];
    size_t got = 0;
    while (got < count) {
        const size_t want = count - got < kChunk ? count - got : kChunk;
        const size_t n = peer.read(buf, want);
        CHECK(n > 0);
        CHECK(memcmp(buf, pattern_at(from + got), n) == 0);
        got += n;
    }
}

}  // namespace

// ---- connecting ----------------------------------------------------------------

// The basics: a connect ends as write readiness; bytes move both ways.
void connect_send_recv(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    CHECK((wait_for(d, s, CWS_WANT_WRITE) & CWS_WANT_WRITE) != 0);
    send_all(d, s, bytes("ping"), 4);
    uint8_t buf[8];
    peer_reads(*t.peer, buf, 4);
    MEMCMP_EQUAL("ping", buf, 4);
    CHECK_TRUE(t.peer->write(bytes("pong"), 4));
    recv_exact(d, s, buf, 4);
    MEMCMP_EQUAL("pong", buf, 4);
    d.close(s);
}

// The core asks connect_status on every process(), whether or not wait()
// reported the stream: with no interest declared, wait() never reports it.
void connect_status_needs_no_wait(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, d.open(t.peer->host(), t.peer->port(), &s));
    d.interest(s, 0);
    CHECK_TRUE(t.peer->accept());
    int st = d.status(s);
    for (int i = 0; i < kMaxSteps && st == CWS_IO_WOULD_BLOCK; ++i) {
        d.wait(kStepMs);  // a sleep: nothing of interest to report
        st = d.status(s);
    }
    LONGS_EQUAL(0, st);
    d.close(s);
}

// Refused at once by open(), or later by connect_status() after the failed
// connect woke wait() as write readiness; close() takes the failed stream.
void refused_connect_fails(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = nullptr;
    const cws_open_result r = d.open(t.peer->host(), t.peer->refused_port(), &s);
    if (r == CWS_OPEN_CONNECT_FAILED) return;
    LONGS_EQUAL(CWS_OPEN_OK, r);
    CHECK((wait_for(d, s, CWS_WANT_WRITE) & CWS_WANT_WRITE) != 0);
    LONGS_EQUAL(CWS_IO_ERROR, finish_connect(d, s));
    d.close(s);
}

// close() takes a stream whose connect nobody confirmed (the core closes on
// an open timeout), and the port opens again afterwards.
void close_before_connected(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, d.open(t.peer->host(), t.peer->port(), &s));
    d.close(s);
    LONGS_EQUAL(CWS_OPEN_OK, d.open(t.peer->host(), t.peer->port(), &s));
    LONGS_EQUAL(0, finish_connect(d, s));
    d.close(s);
}

// A full pool refuses, and a stream close() released serves the very next
// open(): a session closes its token request and opens its WebSocket in one
// pass, with a pool of max_sessions + max_requests.
void closed_stream_is_reused_at_once(const Target& t) {
    if (t.max_streams == 0) {
        UT_PRINT("the port has no fixed stream pool: skipped");
        return;
    }
    constexpr uint32_t kMax = 16;
    CHECK(t.max_streams <= kMax);
    const Driver d(t.port);
    cws_stream* s[kMax] = {};
    for (uint32_t i = 0; i < t.max_streams; ++i) {
        LONGS_EQUAL(CWS_OPEN_OK, d.open(t.peer->host(), t.peer->port(), &s[i]));
    }
    cws_stream* extra = nullptr;
    LONGS_EQUAL(CWS_OPEN_NO_RESOURCES, d.open(t.peer->host(), t.peer->port(), &extra));
    d.close(s[0]);
    LONGS_EQUAL(CWS_OPEN_OK, d.open(t.peer->host(), t.peer->port(), &s[0]));
    for (uint32_t i = 0; i < t.max_streams; ++i) d.close(s[i]);
}

// ---- reading -------------------------------------------------------------------

// The rule SessionSlot::recv_frames relies on: a recv that returns fewer
// bytes than asked spends the read readiness until a later wait() sees the
// stream readable again.
void short_read_spends_read_readiness(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    CHECK_TRUE(t.peer->write(bytes("abc"), 3));
    CHECK((wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    uint8_t buf[64];
    const long n = d.recv(s, buf, sizeof buf);
    CHECK(n > 0 && n < static_cast<long>(sizeof buf));
    CHECK_FALSE(d.readable(s));
    if (n < 3) recv_exact(d, s, buf + n, static_cast<size_t>(3 - n));  // a split link
    MEMCMP_EQUAL("abc", buf, 3);
    d.wait(0);  // nothing new: still not readable
    CHECK_FALSE(d.readable(s));
    CHECK_TRUE(t.peer->write(bytes("defg"), 4));
    CHECK((wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    recv_exact(d, s, buf, 4);
    MEMCMP_EQUAL("defg", buf, 4);
    d.close(s);
}

// recv before any data, and after the data is drained, would-block and
// spends the read readiness too.
void would_block_spends_read_readiness(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, d.recv(s, buf, sizeof buf));
    CHECK_FALSE(d.readable(s));
    CHECK_TRUE(t.peer->write(bytes("12345678"), 8));
    recv_exact(d, s, buf, 8);  // the last recv filled buf: readiness may stay
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, d.recv(s, buf, sizeof buf));
    CHECK_FALSE(d.readable(s));
    d.close(s);
}

// Readiness is level-triggered: bytes a recv left (it asked for fewer) are
// reported again by the next wait() with no new arrival, and come in order.
void unread_bytes_stay_readable(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    CHECK_TRUE(t.peer->write(bytes("0123456789"), 10));
    uint8_t buf[16];
    recv_exact(d, s, buf, 4);
    MEMCMP_EQUAL("0123", buf, 4);
    CHECK((wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    recv_exact(d, s, buf, 6);
    MEMCMP_EQUAL("456789", buf, 6);
    d.close(s);
}

// set_interest takes effect at the next wait(): wait() reports only bits of
// the interest (the stream is no error), and bytes that arrived while read
// was not of interest are reported once it is.
void interest_takes_effect_at_next_wait(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    CHECK_TRUE(t.peer->write(bytes("x"), 1));
    CHECK((wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    d.interest(s, CWS_WANT_WRITE);
    d.wait(0);
    LONGS_EQUAL(CWS_WANT_WRITE, d.ready(s));
    d.interest(s, 0);
    d.wait(0);
    LONGS_EQUAL(0, d.ready(s));
    d.interest(s, CWS_WANT_READ);
    d.wait(0);
    LONGS_EQUAL(CWS_WANT_READ, d.ready(s));
    uint8_t buf[4];
    LONGS_EQUAL(1, d.recv(s, buf, sizeof buf));
    d.close(s);
}

// The peer's bytes come first, then its FIN wakes wait() as read readiness
// and recv says CWS_IO_CLOSED: never 0.
void eof_after_data_is_closed(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    CHECK_TRUE(t.peer->write(bytes("bye"), 3));
    t.peer->finish();
    uint8_t buf[16];
    recv_exact(d, s, buf, 3);
    MEMCMP_EQUAL("bye", buf, 3);
    CHECK((wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    LONGS_EQUAL(CWS_IO_CLOSED, d.recv(s, buf, sizeof buf));
    d.close(s);
}

// A reset wakes wait() as read readiness (the core reads only when told),
// recv says CWS_IO_ERROR, and send fails too, without a signal.
void reset_is_error(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    t.peer->reset();
    CHECK((wait_for(d, s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    uint8_t buf[8] = {};
    LONGS_EQUAL(CWS_IO_ERROR, d.recv(s, buf, sizeof buf));
    long r = 0;
    for (int i = 0; i < 10 && r != CWS_IO_ERROR; ++i) r = d.send(s, buf, sizeof buf);
    LONGS_EQUAL(CWS_IO_ERROR, r);
    d.close(s);
}

// ---- writing -------------------------------------------------------------------

// send takes 1..len bytes or nothing (would-block): the peer receives
// exactly the bytes counted, in order. A full stream is not reported
// writable; once the peer drains it, it is again.
// "Full" is what a wait() still finds full: a kernel moves bytes to the peer
// while the sends run, but a stack that runs only inside wait() (lwIP with
// NO_SYS=1) hands the peer what its window takes at that wait(), and the
// room that frees is real. So the check fills again until a wait(0) finds no
// room, in a bounded number of rounds: a port that reports a full stream
// writable still fails.
void partial_sends_count_exactly(const Target& t) {
    const Driver d(t.port);
    make_pattern();
    cws_stream* s = connect_peer(t);
    d.interest(s, CWS_WANT_WRITE);
    size_t taken = 0;
    bool full = false;
    for (int round = 0; round < 64 && !full; ++round) {
        taken += fill_until_would_block(d, s, taken);
        d.wait(0);
        full = (d.ready(s) & CWS_WANT_WRITE) == 0;
    }
    CHECK(taken > 0);
    CHECK_TEXT(full, "a wait(0) after every fill still reported the stream writable");
    peer_reads_pattern(*t.peer, 0, taken);
    CHECK((wait_for(d, s, CWS_WANT_WRITE) & CWS_WANT_WRITE) != 0);
    send_all(d, s, pattern_at(taken), 100);
    peer_reads_pattern(*t.peer, taken, 100);
    d.close(s);
}

// ---- time and entropy ----------------------------------------------------------

// wait(0) returns at once; with nothing ready for the interest (a writable
// stream waiting for reads), or with no interest at all, wait() sleeps its
// timeout: Client::poll cuts it to the next timer and relies on the sleep.
void wait_sleeps_its_timeout(const Target& t) {
    const Driver d(t.port);
    cws_stream* s = connect_peer(t);
    d.interest(s, CWS_WANT_READ);
    uint64_t t0 = d.now();
    d.wait(0);
    CHECK(d.now() - t0 < 1000);
    t0 = d.now();
    d.wait(100);
    CHECK(d.now() - t0 >= 50);  // half: a port's tick may be coarse
    LONGS_EQUAL(0, d.ready(s));
    d.interest(s, 0);
    t0 = d.now();
    d.wait(100);
    CHECK(d.now() - t0 >= 50);
    d.close(s);
}

// now_ms never goes backwards (keepalive takes unsigned differences) and is
// far from wrapping (deadlines are absolute, UINT64_MAX means none).
void clock_is_monotonic(const Target& t) {
    const Driver d(t.port);
    uint64_t last = d.now();
    CHECK(last < UINT64_MAX / 2);
    for (int i = 0; i < 1000; ++i) {
        const uint64_t now = d.now();
        CHECK(now >= last);
        last = now;
    }
    d.wait(kStepMs);
    CHECK(d.now() >= last);
}

// random returns 0 and unpredictable bytes: two draws differ.
void random_fills(const Target& t) {
    const Driver d(t.port);
    uint8_t a[32];
    uint8_t b[32];
    LONGS_EQUAL(0, d.random(a, sizeof a));
    LONGS_EQUAL(0, d.random(b, sizeof b));
    CHECK(memcmp(a, b, sizeof a) != 0);
}

}  // namespace port_conformance
