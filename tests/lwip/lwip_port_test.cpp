// SPDX-License-Identifier: MIT
// The lwIP port's own behaviour (consensus/port_lwip.h) beyond the
// conformance suite: name resolution (host table, literals, lwIP's DNS and
// its bound), the stream pool, the receive window the application's reads
// reopen, a large transfer, resets, and close() in every state. Every test
// ends with lwIP's pcbs, segments, pbufs and heap bytes back where they were.
#include <string.h>

#include <vector>

#include "CppUTest/TestHarness.h"
#include "consensus/port_lwip.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip_harness.h"

namespace {

using lwip_test::now_ms;

constexpr int32_t kStepMs = 10;

const uint8_t* bytes(const char* text) {
    return reinterpret_cast<const uint8_t*>(text);
}

uint8_t pattern(size_t i, unsigned seed) {
    return static_cast<uint8_t>((i * 7u + seed) % 251u);
}

}  // namespace

TEST_GROUP(LwipPort) {
    lwip_test::Usage base{};
    lwip_test::Board board;
    cws_lwip_config config{};
    cws_lwip_port state{};
    cws_port port{};
    lwip_test::LwipPeer peer;

    void setup() override {
        lwip_test::stack_init();
        dns_setserver(0, nullptr);  // no DNS server unless a test sets one
        base = lwip_test::usage();
        CHECK_TRUE(peer.start());
        config = lwip_test::make_config(&board);
        init();
    }
    void teardown() override {
        peer.stop();
        cws_lwip_port_deinit(&state);
        dns_setserver(0, nullptr);
        CHECK_TEXT(lwip_test::settle(base), lwip_test::describe(lwip_test::usage()));
    }
    void init() {
        LONGS_EQUAL(0, cws_lwip_port_init(&state, &config));
        port = cws_lwip_port_get(&state);
    }

    cws_open_result open(const char* host, uint16_t p, cws_stream** s) {
        return port.ops->open(port.ctx, host, p, s);
    }
    int status(cws_stream * s) {
        return port.ops->connect_status(port.ctx, s);
    }
    long send(cws_stream * s, const uint8_t* data, size_t len) {
        return port.ops->send(port.ctx, s, data, len);
    }
    long recv(cws_stream * s, uint8_t * buf, size_t len) {
        return port.ops->recv(port.ctx, s, buf, len);
    }
    void close(cws_stream * s) {
        port.ops->close(port.ctx, s);
    }
    void interest(cws_stream * s, unsigned want) {
        port.ops->set_interest(port.ctx, s, want);
    }
    int wait(int32_t ms) {
        return port.ops->wait(port.ctx, ms);
    }
    unsigned ready(cws_stream * s) {
        return port.ops->ready(port.ctx, s);
    }

    // The slot behind s (the header's fields are readable for diagnostics).
    cws_lwip_slot* slot(cws_stream * s) {
        return reinterpret_cast<cws_lwip_slot*>(s);
    }

    // Waits, within the bound, until the connect ends; returns its status.
    int finish_connect(cws_stream * s) {
        interest(s, CWS_WANT_WRITE);
        const uint64_t end = now_ms() + lwip_test::kBoundMs;
        int st = status(s);
        while (st == CWS_IO_WOULD_BLOCK && now_ms() < end) {
            wait(kStepMs);
            st = status(s);
        }
        return st;
    }
    cws_stream* connect_peer() {
        cws_stream* s = nullptr;
        LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.port(), &s));
        LONGS_EQUAL(0, finish_connect(s));
        CHECK_TRUE(peer.accept());
        return s;
    }
    // Waits until ready() shows any bit of want (interest want); 0 on timeout.
    unsigned wait_for(cws_stream * s, unsigned want) {
        interest(s, want);
        const uint64_t end = now_ms() + lwip_test::kBoundMs;
        while (now_ms() < end) {
            wait(kStepMs);
            if ((ready(s) & want) != 0) return ready(s);
        }
        return 0;
    }
    // Bytes queued in the port for s (received, not yet read).
    size_t queued(cws_stream * s) {
        const pbuf* rx = slot(s)->rx;
        return rx != nullptr ? rx->tot_len : 0;
    }
};

// ---- configuration -------------------------------------------------------------

TEST(LwipPort, InitRefusesAnIncompleteConfig) {
    cws_lwip_config c = config;
    c.service = nullptr;
    LONGS_EQUAL(-1, cws_lwip_port_init(&state, &c));
    c = config;
    c.now_ms = nullptr;
    LONGS_EQUAL(-1, cws_lwip_port_init(&state, &c));
    c = config;
    c.random = nullptr;
    LONGS_EQUAL(-1, cws_lwip_port_init(&state, &c));
    c = config;
    c.host_count = 1;  // and no table
    LONGS_EQUAL(-1, cws_lwip_port_init(&state, &c));
    LONGS_EQUAL(-1, cws_lwip_port_init(nullptr, &config));
    LONGS_EQUAL(-1, cws_lwip_port_init(&state, nullptr));
    // idle and wall_clock are optional.
    c = config;
    c.idle = nullptr;
    c.wall_clock = nullptr;
    LONGS_EQUAL(0, cws_lwip_port_init(&state, &c));
    uint64_t unix_s = 0;
    CHECK(cws_lwip_port_get(&state).ops->wall_clock(&state, &unix_s) != 0);
}

// ---- names ---------------------------------------------------------------------

// A name in the host table connects to its address without asking DNS (a DNS
// server is set, which would never answer: a lookup would cost the bound).
TEST(LwipPort, HostTableNameIsNotLookedUpByDns) {
    static const cws_lwip_host hosts[] = {{"other.example", "192.0.2.1"},
                                          {"echo.device.local", "127.0.0.1"}};
    config.hosts = hosts;
    config.host_count = 2;
    config.dns_timeout_ms = 2000;
    init();
    ip_addr_t silent;
    IP_ADDR4(&silent, 127, 0, 0, 2);  // on the loopback net, nobody answers
    dns_setserver(0, &silent);
    const auto udp_sent = lwip_stats.udp.xmit;
    const uint64_t t0 = now_ms();
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open("echo.device.local", peer.port(), &s));
    CHECK(now_ms() - t0 < 100);
    LONGS_EQUAL(udp_sent, lwip_stats.udp.xmit);  // no DNS query went out
    LONGS_EQUAL(0, finish_connect(s));
    CHECK_TRUE(peer.accept());
    CHECK_TRUE(peer.write(bytes("hi"), 2));
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    uint8_t buf[4];
    LONGS_EQUAL(2, recv(s, buf, sizeof buf));
    MEMCMP_EQUAL("hi", buf, 2);
    LONGS_EQUAL(udp_sent, lwip_stats.udp.xmit);
    close(s);
}

// The table matches exactly: another spelling is not in it, and with no DNS
// server that is CWS_OPEN_DNS_FAILED at once. So are unknown and empty names;
// none of them holds a slot.
TEST(LwipPort, UnknownNameWithoutDnsFailsAtOnce) {
    static const cws_lwip_host hosts[] = {{"echo.local", "127.0.0.1"}};
    config.hosts = hosts;
    config.host_count = 1;
    init();
    const uint64_t t0 = now_ms();
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_DNS_FAILED, open("ECHO.local", peer.port(), &s));
    LONGS_EQUAL(CWS_OPEN_DNS_FAILED, open("nowhere.invalid", peer.port(), &s));
    LONGS_EQUAL(CWS_OPEN_DNS_FAILED, open("", peer.port(), &s));
    CHECK(now_ms() - t0 < 100);
    for (const cws_lwip_slot& sl : state.slots) CHECK_FALSE(sl.in_use);
}

// A DNS server that never answers: open() gives up after config.dns_timeout_ms
// (its documented bound), not before, and holds no slot.
TEST(LwipPort, DnsThatNeverAnswersFailsWithinTheBound) {
    config.dns_timeout_ms = 300;
    init();
    ip_addr_t silent;
    IP_ADDR4(&silent, 127, 0, 0, 2);
    dns_setserver(0, &silent);
    const auto udp_sent = lwip_stats.udp.xmit;
    const uint64_t t0 = now_ms();
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_DNS_FAILED, open("silent.example", peer.port(), &s));
    const uint64_t took = now_ms() - t0;
    CHECK(took >= 300);
    CHECK(took < 1000);
    CHECK(lwip_stats.udp.xmit > udp_sent);  // lwIP's DNS client did ask
    CHECK(board.services > 0);              // the wait ran the board's input
    for (const cws_lwip_slot& sl : state.slots) CHECK_FALSE(sl.in_use);
}

// IP literals never touch DNS; lwIP's DNS knows "localhost" (LWIP_HAVE_LOOPIF).
TEST(LwipPort, LiteralAndLocalhostConnect) {
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open("127.0.0.1", peer.port(), &s));
    LONGS_EQUAL(0, finish_connect(s));
    close(s);
    LONGS_EQUAL(CWS_OPEN_OK, open("localhost", peer.port(), &s));
    LONGS_EQUAL(0, finish_connect(s));
    close(s);
}

// ---- the pool ------------------------------------------------------------------

// CWS_LWIP_MAX_STREAMS streams, then CWS_OPEN_NO_RESOURCES (before any name
// lookup); a closed slot serves the next open() at once, and works.
TEST(LwipPort, PoolExhaustionThenReuse) {
    cws_stream* s[CWS_LWIP_MAX_STREAMS] = {};
    for (auto& x : s) LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.port(), &x));
    cws_stream* extra = nullptr;
    LONGS_EQUAL(CWS_OPEN_NO_RESOURCES, open(peer.host(), peer.port(), &extra));
    LONGS_EQUAL(CWS_OPEN_NO_RESOURCES, open("nowhere.invalid", peer.port(), &extra));
    LONGS_EQUAL(CWS_LWIP_MAX_STREAMS, lwip_stats.memp[MEMP_TCP_PCB]->used - base.tcp_pcbs);
    close(s[1]);
    LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.port(), &s[1]));
    for (auto& x : s) LONGS_EQUAL(0, finish_connect(x));
    for (auto& x : s) close(x);
}

// ---- reading -------------------------------------------------------------------

// Segments queue as a pbuf chain; small reads cross pbuf boundaries exactly,
// then the FIN reads as CWS_IO_CLOSED.
TEST(LwipPort, SmallReadsCrossPbufsThenClosed) {
    cws_stream* s = connect_peer();
    std::vector<uint8_t> sent;
    for (unsigned seg = 0; seg < 5; ++seg) {  // five segments, five pbufs
        uint8_t chunk[300];
        for (size_t i = 0; i < sizeof chunk; ++i) chunk[i] = pattern(sent.size() + i, 3);
        CHECK_TRUE(peer.write(chunk, sizeof chunk));
        sent.insert(sent.end(), chunk, chunk + sizeof chunk);
        lwip_test::drive_for(2);
    }
    peer.finish();
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    std::vector<uint8_t> got;
    const uint64_t end = now_ms() + lwip_test::kBoundMs;
    long n = 0;
    while (now_ms() < end) {
        uint8_t buf[7];
        n = recv(s, buf, sizeof buf);
        if (n == CWS_IO_CLOSED) break;
        if (n == CWS_IO_WOULD_BLOCK) {
            wait(kStepMs);
            continue;
        }
        CHECK(n > 0 && n <= 7);
        got.insert(got.end(), buf, buf + n);
    }
    LONGS_EQUAL(CWS_IO_CLOSED, n);
    LONGS_EQUAL(sent.size(), got.size());
    CHECK(sent == got);
    LONGS_EQUAL(CWS_IO_CLOSED, recv(s, reinterpret_cast<uint8_t*>(&n), 1));  // stays
    close(s);
}

// The port calls tcp_recved() for what the application reads, and only then:
// unread bytes close the window (the peer stops), reads reopen it byte for
// byte, and the peer's next bytes come.
TEST(LwipPort, WindowReopensAsTheApplicationReads) {
    cws_stream* s = connect_peer();
    interest(s, CWS_WANT_READ);
    std::vector<uint8_t> data(TCP_WND + 4000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i, 11);
    size_t written = 0;
    const uint64_t end = now_ms() + lwip_test::kBoundMs;
    while (queued(s) < TCP_WND && now_ms() < end) {
        written += peer.write_some(data.data() + written, data.size() - written);
        wait(1);
    }
    LONGS_EQUAL(TCP_WND, queued(s));  // exactly one window, no more
    LONGS_EQUAL(0, slot(s)->pcb->rcv_wnd);
    lwip_test::drive_for(50);
    LONGS_EQUAL(TCP_WND, queued(s));  // the window stays shut

    std::vector<uint8_t> got(data.size());
    LONGS_EQUAL(1000, recv(s, got.data(), 1000));
    LONGS_EQUAL(1000, slot(s)->pcb->rcv_wnd);  // reopened by what was read
    LONGS_EQUAL(6000, recv(s, got.data() + 1000, 6000));
    LONGS_EQUAL(7000, slot(s)->pcb->rcv_wnd);
    size_t have = 7000;
    while (have < data.size() && now_ms() < end + lwip_test::kBoundMs) {
        written += peer.write_some(data.data() + written, data.size() - written);
        wait(1);
        const long n = recv(s, got.data() + have, got.size() - have);
        if (n > 0) have += static_cast<size_t>(n);
    }
    LONGS_EQUAL(data.size(), have);
    CHECK(data == got);
    close(s);
}

// ---- a large transfer ----------------------------------------------------------

// 256 KiB each way at once, byte-exact, driven as the core drives: wait(),
// then recv while readable and send while there is something to send.
TEST(LwipPort, LargeTransferBothWays) {
    constexpr size_t kSize = 256 * 1024;
    std::vector<uint8_t> up(kSize);
    std::vector<uint8_t> down(kSize);
    for (size_t i = 0; i < kSize; ++i) {
        up[i] = pattern(i, 1);
        down[i] = pattern(i, 2);
    }
    std::vector<uint8_t> port_got;
    std::vector<uint8_t> peer_got;
    port_got.reserve(kSize);
    peer_got.reserve(kSize);
    cws_stream* s = connect_peer();
    size_t port_sent = 0;
    size_t peer_sent = 0;
    const uint64_t end = now_ms() + 20000;
    while ((port_got.size() < kSize || peer_got.size() < kSize) && now_ms() < end) {
        interest(s, port_sent < kSize ? CWS_WANT_READ | CWS_WANT_WRITE : CWS_WANT_READ);
        wait(kStepMs);
        while ((ready(s) & CWS_WANT_READ) != 0) {
            uint8_t buf[1500];
            const long n = recv(s, buf, sizeof buf);
            if (n <= 0) break;
            port_got.insert(port_got.end(), buf, buf + n);
        }
        if (port_sent < kSize) {
            const long n = send(s, up.data() + port_sent, kSize - port_sent);
            CHECK(n > 0 || n == CWS_IO_WOULD_BLOCK);
            if (n > 0) port_sent += static_cast<size_t>(n);
        }
        peer_sent += peer.write_some(down.data() + peer_sent, kSize - peer_sent);
        uint8_t buf[4096];
        size_t n = 0;
        while ((n = peer.read_some(buf, sizeof buf)) > 0)
            peer_got.insert(peer_got.end(), buf, buf + n);
    }
    LONGS_EQUAL(kSize, port_got.size());
    LONGS_EQUAL(kSize, peer_got.size());
    CHECK(port_got == down);
    CHECK(peer_got == up);
    close(s);
}

// ---- errors --------------------------------------------------------------------

// A reset with bytes still queued: lwIP frees the pcb (tcp_err); wait()
// reports both bits (errors do, whatever the interest), recv and send say
// CWS_IO_ERROR at once, and close() frees the queued pbufs without touching
// the freed pcb (ASan and valgrind see the pcb: MEMP_MEM_MALLOC).
TEST(LwipPort, ResetWithQueuedBytesIsErrorAtOnce) {
    cws_stream* s = connect_peer();
    CHECK_TRUE(peer.write(bytes("unread"), 6));
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    peer.reset();
    interest(s, CWS_WANT_READ);
    const uint64_t end = now_ms() + lwip_test::kBoundMs;
    while (slot(s)->pcb != nullptr && now_ms() < end) wait(kStepMs);
    POINTERS_EQUAL(nullptr, slot(s)->pcb);
    wait(0);
    LONGS_EQUAL(CWS_WANT_READ | CWS_WANT_WRITE, ready(s));
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_ERROR, recv(s, buf, sizeof buf));
    LONGS_EQUAL(CWS_IO_ERROR, send(s, buf, sizeof buf));
    LONGS_EQUAL(CWS_IO_ERROR, status(s));
    CHECK(queued(s) == 6);  // still held, freed by close()
    close(s);
}

// A connect nobody answers (127.0.0.2 is on the loopback net, but not an
// address of the stack) ends when lwIP's timer gives up (TCP_SYNMAXRTX): it
// frees the pcb, then calls tcp_err(ERR_ABRT). The port must not touch that
// pcb, in the callback or in close() (ASan/valgrind see it: MEMP_MEM_MALLOC).
TEST(LwipPort, UnansweredConnectEndsAsErrorWhenLwipGivesUp) {
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open("127.0.0.2", peer.port(), &s));
    interest(s, CWS_WANT_WRITE);
    const uint64_t end = now_ms() + 3 * lwip_test::kBoundMs;
    int st = status(s);
    while (st == CWS_IO_WOULD_BLOCK && now_ms() < end) {
        wait(100);
        st = status(s);
    }
    LONGS_EQUAL(CWS_IO_ERROR, st);
    POINTERS_EQUAL(nullptr, slot(s)->pcb);
    LONGS_EQUAL(CWS_WANT_READ | CWS_WANT_WRITE, ready(s));
    close(s);
}

// A closed stream's pcb lives on in lwIP (FIN_WAIT) while its slot already
// serves the next stream: the port detached its callbacks, so the old
// connection's late reset never reaches the new stream.
TEST(LwipPort, ClosedStreamsLateEventsNeverReachTheNextStream) {
    cws_stream* a = connect_peer();
    close(a);
    lwip_test::drive_for(20);  // the FIN goes out, the old pcb waits in FIN_WAIT_2
    cws_stream* b = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.port(), &b));
    POINTERS_EQUAL(a, b);  // the same slot
    LONGS_EQUAL(0, finish_connect(b));
    peer.reset();  // RST on the old connection
    lwip_test::drive_for(20);
    LONGS_EQUAL(0, status(b));
    CHECK_TRUE(peer.accept());
    CHECK_TRUE(peer.write(bytes("new"), 3));
    CHECK((wait_for(b, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    uint8_t buf[4];
    LONGS_EQUAL(3, recv(b, buf, sizeof buf));
    MEMCMP_EQUAL("new", buf, 3);
    close(b);
}

// ---- close() in every state (the teardown checks nothing leaked) ---------------

TEST(LwipPort, CloseWhileConnecting) {
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.port(), &s));
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, status(s));  // the SYN is still in the loopback queue
    close(s);
    lwip_test::drive_for(20);
}

TEST(LwipPort, CloseAfterRefused) {
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.refused_port(), &s));
    LONGS_EQUAL(CWS_IO_ERROR, finish_connect(s));
    CHECK((ready(s) & CWS_WANT_WRITE) != 0);
    close(s);
}

// Unread bytes: tcp_close() resets the connection (as POSIX close() does).
TEST(LwipPort, CloseWithUnreadBytesResetsThePeer) {
    cws_stream* s = connect_peer();
    CHECK_TRUE(peer.write(bytes("never read"), 10));
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    close(s);
    const uint64_t end = now_ms() + lwip_test::kBoundMs;
    while (!peer.got_error() && now_ms() < end) lwip_test::drive_once();
    CHECK_TRUE(peer.got_error());
}

// Bytes still in lwIP's send queue when the application closes are delivered,
// then the FIN; the slot serves the next open() at once.
TEST(LwipPort, CloseWhileSendDataIsQueuedDeliversItThenFin) {
    cws_stream* s = connect_peer();
    std::vector<uint8_t> data(TCP_SND_BUF);
    for (size_t i = 0; i < data.size(); ++i) data[i] = pattern(i, 5);
    size_t taken = 0;
    for (long n = 0; taken < data.size(); taken += static_cast<size_t>(n)) {
        n = send(s, data.data() + taken, data.size() - taken);
        if (n == CWS_IO_WOULD_BLOCK) break;
        CHECK(n > 0);
    }
    CHECK(taken > 0);
    CHECK(slot(s)->pcb->unsent != nullptr || slot(s)->pcb->unacked != nullptr);
    close(s);
    cws_stream* again = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, open(peer.host(), peer.port(), &again));
    std::vector<uint8_t> got;
    const uint64_t end = now_ms() + lwip_test::kBoundMs;
    while (!(peer.got_fin() && peer.queued() == 0) && now_ms() < end) {
        uint8_t buf[2048];
        const size_t n = peer.read(buf, sizeof buf);
        got.insert(got.end(), buf, buf + n);
    }
    LONGS_EQUAL(taken, got.size());
    CHECK(std::vector<uint8_t>(data.begin(), data.begin() + static_cast<long>(taken)) == got);
    CHECK_TRUE(peer.got_fin());
    close(again);
}

TEST(LwipPort, CloseAfterPeerFin) {
    cws_stream* s = connect_peer();
    peer.finish();
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    uint8_t buf[4];
    LONGS_EQUAL(CWS_IO_CLOSED, recv(s, buf, sizeof buf));
    close(s);
}

// deinit closes what the application left open: the peer sees the FIN.
TEST(LwipPort, DeinitClosesEveryStream) {
    cws_stream* s = connect_peer();
    CHECK_TRUE(slot(s)->in_use);
    cws_lwip_port_deinit(&state);
    const uint64_t end = now_ms() + lwip_test::kBoundMs;
    while (!peer.got_fin() && now_ms() < end) lwip_test::drive_once();
    CHECK_TRUE(peer.got_fin());
    for (const cws_lwip_slot& sl : state.slots) CHECK_FALSE(sl.in_use);
}

// ---- wait() --------------------------------------------------------------------

// wait(0) runs one pass (the board's service once, no idle); a timeout with
// nothing ready sleeps it through idle(), also with no stream at all.
TEST(LwipPort, WaitRunsServiceAndIdle) {
    board.services = 0;
    board.idles = 0;
    LONGS_EQUAL(0, wait(0));
    LONGS_EQUAL(1, board.services);
    LONGS_EQUAL(0, board.idles);
    const uint64_t t0 = now_ms();
    LONGS_EQUAL(0, wait(30));
    CHECK(now_ms() - t0 >= 30);
    CHECK(board.idles > 0);
    CHECK(board.services > 1);
}
