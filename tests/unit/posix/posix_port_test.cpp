// SPDX-License-Identifier: MIT
// The POSIX port on real loopback sockets. The test plays the server with
// plain BSD sockets. Waits use poll() with generous upper bounds; no result
// depends on timing.
#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "common/fake_dns.h"
#include "consensus/port_posix.h"
#include "unit/posix/loopback.h"

namespace {

using loopback::kBoundMs;
using loopback::Listener;

// c-ares's allocator while a test counts (ares_library_init_mem): live bytes
// (usable sizes, so blocks from before or after counting free alike) and live
// blocks of 32 KB or more (a c-ares 1.18 channel is one of about 73 KB).
// (malloc)(n): CppUTest's leak detector may define malloc as a macro.
long long g_cares_live = 0;
long long g_cares_big = 0;
constexpr size_t kBigBlock = 32 * 1024;

void count_block(void* p, int sign) {
    if (p == nullptr) return;
    const size_t u = malloc_usable_size(p);
    g_cares_live += sign * static_cast<long long>(u);
    if (u >= kBigBlock) g_cares_big += sign;
}
void* count_malloc(size_t n) {
    void* p = (malloc)(n);
    count_block(p, +1);
    return p;
}
void count_free(void* p) {
    count_block(p, -1);
    (free)(p);
}
void* count_realloc(void* p, size_t n) {
    const size_t old = p != nullptr ? malloc_usable_size(p) : 0;
    void* q = (realloc)(p, n);
    if (q == nullptr) return nullptr;  // p stays live
    g_cares_live -= static_cast<long long>(old);
    if (old >= kBigBlock) --g_cares_big;
    count_block(q, +1);
    return q;
}

uint64_t mono_ms() {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

std::string read_peer(int fd, size_t want) {
    std::string out;
    char buf[256];
    while (out.size() < want) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, kBoundMs) != 1) break;
        const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

}  // namespace

TEST_GROUP(PosixPort) {
    std::vector<unsigned char> mem;
    cws_posix_port* pp = nullptr;
    cws_port port{};
    std::vector<int> peers;

    void setup() override {
        make(4);
    }
    void teardown() override {
        if (pp != nullptr) cws_posix_port_deinit(pp);
        for (int fd : peers) ::close(fd);
    }
    void make(uint32_t streams) {
        if (pp != nullptr) cws_posix_port_deinit(pp);
        mem.assign(cws_posix_port_bytes(streams), 0);
        LONGS_EQUAL(0, cws_posix_port_init(mem.data(), mem.size(), streams, &pp));
        port = cws_posix_port_get(pp);
    }
    // Drives connect_status until it leaves WOULD_BLOCK (bounded).
    int finish_connect(cws_stream * s) {
        port.ops->set_interest(port.ctx, s, CWS_WANT_WRITE);
        for (int i = 0; i < 100; ++i) {
            const int st = port.ops->connect_status(port.ctx, s);
            if (st != CWS_IO_WOULD_BLOCK) return st;
            port.ops->wait(port.ctx, 100);
        }
        return CWS_IO_WOULD_BLOCK;
    }
    // Opens host:l.port, completes the connect and accepts the peer.
    cws_stream* connect_to(const Listener& l, const char* host, int* peer) {
        cws_stream* s = nullptr;
        LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, host, l.port, &s));
        CHECK(s != nullptr);
        LONGS_EQUAL(0, finish_connect(s));
        *peer = l.accept_one();
        CHECK(*peer >= 0);
        peers.push_back(*peer);
        return s;
    }
    // Waits (bounded) until s is ready for want.
    unsigned wait_for(cws_stream * s, unsigned want) {
        port.ops->set_interest(port.ctx, s, want);
        for (int i = 0; i < 50; ++i) {
            port.ops->wait(port.ctx, 100);
            const unsigned r = port.ops->ready(port.ctx, s);
            if (r != 0) return r;
        }
        return 0;
    }
};

TEST(PosixPort, BytesAndInitRejectBadArguments) {
    LONGS_EQUAL(0, cws_posix_port_bytes(0));
    const size_t need = cws_posix_port_bytes(2);
    CHECK(need > 0);
    std::vector<unsigned char> buf(need);
    cws_posix_port* p = nullptr;
    LONGS_EQUAL(-1, cws_posix_port_init(nullptr, need, 2, &p));
    LONGS_EQUAL(-1, cws_posix_port_init(buf.data(), need - 1, 2, &p));
    LONGS_EQUAL(-1, cws_posix_port_init(buf.data(), need, 0, &p));
    LONGS_EQUAL(-1, cws_posix_port_init(buf.data(), need, 2, nullptr));
    POINTERS_EQUAL(nullptr, p);
}

TEST(PosixPort, InitAcceptsAnyAlignment) {
    const size_t need = cws_posix_port_bytes(3);
    std::vector<unsigned char> buf(need + 1);
    cws_posix_port* p = nullptr;
    LONGS_EQUAL(0, cws_posix_port_init(buf.data() + 1, need, 3, &p));
    CHECK(p != nullptr);
    cws_port q = cws_posix_port_get(p);
    POINTERS_EQUAL(p, q.ctx);
    LONGS_EQUAL(0, q.ops->wait(q.ctx, 0));
    cws_posix_port_deinit(p);
}

TEST(PosixPort, ConnectSendRecvIPv4) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    const uint8_t ping[] = {'p', 'i', 'n', 'g'};
    LONGS_EQUAL(4, port.ops->send(port.ctx, s, ping, sizeof ping));
    STRCMP_EQUAL("ping", read_peer(peer, 4).c_str());

    uint8_t buf[16];
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->recv(port.ctx, s, buf, sizeof buf));
    LONGS_EQUAL(4, ::send(peer, "pong", 4, 0));
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    LONGS_EQUAL(4, port.ops->recv(port.ctx, s, buf, sizeof buf));
    MEMCMP_EQUAL("pong", buf, 4);
    LONGS_EQUAL(0, port.ops->recv(port.ctx, s, buf, 0));
    port.ops->close(port.ctx, s);
}

TEST(PosixPort, ConnectByNameLocalhost) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "localhost", &peer);
    LONGS_EQUAL(2, port.ops->send(port.ctx, s, reinterpret_cast<const uint8_t*>("hi"), 2));
    STRCMP_EQUAL("hi", read_peer(peer, 2).c_str());
}

TEST(PosixPort, ConnectIPv6Loopback) {
    Listener l;
    if (!l.start(AF_INET6)) {
        UT_PRINT("no IPv6 loopback here: skipped");
        return;
    }
    int peer = -1;
    cws_stream* s = connect_to(l, "::1", &peer);
    LONGS_EQUAL(3, port.ops->send(port.ctx, s, reinterpret_cast<const uint8_t*>("six"), 3));
    STRCMP_EQUAL("six", read_peer(peer, 3).c_str());
}

TEST(PosixPort, RefusedPortFails) {
    Listener reserved;  // bound, not listening: connects are refused
    CHECK_TRUE(reserved.start(AF_INET, false));
    cws_stream* s = nullptr;
    const cws_open_result r = port.ops->open(port.ctx, "127.0.0.1", reserved.port, &s);
    if (r == CWS_OPEN_OK) {
        LONGS_EQUAL(CWS_IO_ERROR, finish_connect(s));
        uint8_t b[4];
        LONGS_EQUAL(CWS_IO_ERROR, port.ops->recv(port.ctx, s, b, sizeof b));
        LONGS_EQUAL(CWS_IO_ERROR, port.ops->send(port.ctx, s, b, sizeof b));
        port.ops->close(port.ctx, s);
    } else {
        LONGS_EQUAL(CWS_OPEN_CONNECT_FAILED, r);
    }
}

TEST(PosixPort, EmptyNameIsDnsFailureAtOnce) {
    cws_stream* s = nullptr;
    LONGS_EQUAL(CWS_OPEN_DNS_FAILED, port.ops->open(port.ctx, "", 80, &s));
    POINTERS_EQUAL(nullptr, s);
}

TEST(PosixPort, DnsServersOptionBounds) {
    LONGS_EQUAL(-1, cws_posix_port_set_dns_servers(nullptr, "127.0.0.1"));
    std::string long_list(CWS_POSIX_DNS_SERVERS_MAX, '1');
    LONGS_EQUAL(-1, cws_posix_port_set_dns_servers(pp, long_list.c_str()));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, "127.0.0.1:53"));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, nullptr));
}

// A name the DNS server answers with NXDOMAIN: the lookup runs inside the
// loop (open returns at once) and ends as CWS_IO_DNS_FAILED, not as an error.
TEST(PosixPort, NxdomainIsDnsFailure) {
    fakedns::Server dns;
    CHECK_TRUE(dns.start(fakedns::Server::Mode::nxdomain));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, dns.servers()));
    cws_stream* s = nullptr;
    const cws_open_result r = port.ops->open(port.ctx, "no-such-host.invalid", 80, &s);
    LONGS_EQUAL(CWS_OPEN_OK, r);
    CHECK(s != nullptr);
    LONGS_EQUAL(CWS_IO_DNS_FAILED, finish_connect(s));
    CHECK(dns.queries() >= 1);
    port.ops->close(port.ctx, s);
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, nullptr, 0));  // the wake fd only
}

// A DNS server that never answers: open() and connect_status() return at
// once, connect_status() stays CWS_IO_WOULD_BLOCK, wait() never sleeps past
// its timeout, the lookup's socket is in pollfds, and close() cancels it.
TEST(PosixPort, SilentDnsNeverBlocks) {
    fakedns::Server dns;
    CHECK_TRUE(dns.start(fakedns::Server::Mode::silent));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, dns.servers()));
    cws_stream* s = nullptr;
    uint64_t t0 = mono_ms();
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "stall.example", 80, &s));
    CHECK(mono_ms() - t0 < 100);
    CHECK(s != nullptr);
    port.ops->set_interest(port.ctx, s, CWS_WANT_WRITE);
    uint64_t worst_wait = 0;
    uint64_t worst_status = 0;
    const uint64_t end = mono_ms() + 1500;
    while (mono_ms() < end) {
        t0 = mono_ms();
        LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->connect_status(port.ctx, s));
        const uint64_t st = mono_ms() - t0;
        if (st > worst_status) worst_status = st;
        t0 = mono_ms();
        port.ops->wait(port.ctx, 100);
        const uint64_t w = mono_ms() - t0;
        if (w > worst_wait) worst_wait = w;
        LONGS_EQUAL(0u, port.ops->ready(port.ctx, s));
    }
    CHECK(dns.queries() >= 1);
    CHECK_TRUE(worst_wait <= 100 + 50);
    CHECK_TRUE(worst_status < 50);
    // The channel's socket waits with the streams, after the wake fd; the
    // timer bounds the sleep.
    pollfd fds[CWS_POSIX_POLLFDS_MAX(4)];
    const size_t n = cws_posix_port_pollfds(pp, fds, CWS_POSIX_POLLFDS_MAX(4));
    CHECK(n >= 2 && n <= 1 + CWS_POSIX_DNS_FDS);
    CHECK(fds[1].fd >= 0);
    CHECK((fds[1].events & POLLIN) != 0);
    const int32_t t = cws_posix_port_timeout_ms(pp, 600000);
    CHECK(t >= 0 && t < 600000);
    LONGS_EQUAL(-1, cws_posix_port_timeout_ms(nullptr, -5));
    // Unknown to set_revents as a stream fd: no stream becomes ready.
    fds[1].revents = POLLIN;
    cws_posix_port_set_revents(pp, fds + 1, 1);
    LONGS_EQUAL(0u, port.ops->ready(port.ctx, s));
    port.ops->close(port.ctx, s);
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, nullptr, 0));  // the wake fd only
    LONGS_EQUAL(600000, cws_posix_port_timeout_ms(pp, 600000));
    // The slot is free again, for a literal that connects.
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* again = connect_to(l, "127.0.0.1", &peer);
    POINTERS_EQUAL(s, again);
}

// deinit with a lookup in flight cancels it too (ASan/valgrind: no leak).
TEST(PosixPort, DeinitCancelsLookups) {
    fakedns::Server dns;
    CHECK_TRUE(dns.start(fakedns::Server::Mode::silent));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, dns.servers()));
    cws_stream* a = nullptr;
    cws_stream* b = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "one.example", 80, &a));
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "two.example", 80, &b));
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->connect_status(port.ctx, a));
    cws_posix_port_deinit(pp);
    pp = nullptr;
}

// Lookups in flight share the port's one c-ares channel: 32 streams resolving
// through a silent server hold one channel-sized block, not 32, plus a little
// per lookup; all of it goes when the last of them stops waiting. (Prints the sizes with
// CWS_PRINT_CARES_MEMORY=1, for docs/MEMORY.md.)
TEST(PosixPort, ManyLookupsShareOneChannel) {
    fakedns::Server dns;
    CHECK_TRUE(dns.start(fakedns::Server::Mode::silent));
    cws_posix_port_deinit(pp);  // c-ares unused: the counting allocator comes first
    pp = nullptr;
    g_cares_live = 0;
    g_cares_big = 0;
    LONGS_EQUAL(ARES_SUCCESS,
                ares_library_init_mem(ARES_LIB_INIT_ALL, count_malloc, count_free, count_realloc));
    make(40);
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, dns.servers()));
    LONGS_EQUAL(0, g_cares_big);  // no channel before the first name
    cws_stream* s[32] = {};
    char name[32];
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "n0.example", 80, &s[0]));
    const long long one = g_cares_live;
    for (int i = 1; i < 32; ++i) {
        snprintf(name, sizeof name, "n%d.example", i);
        LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, name, 80, &s[i]));
    }
    for (int i = 0; i < 32; ++i) {
        LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->connect_status(port.ctx, s[i]));
    }
    const long long all = g_cares_live;
    LONGS_EQUAL(1, g_cares_big);
    const long long per_lookup = (all - one) / 31;
    CHECK(per_lookup > 0 && per_lookup < 4096);
    CHECK(all < 2 * 73728);  // one channel and 32 lookups, less than two channels
    // One UDP socket to the one server: the wake fd and it.
    LONGS_EQUAL(2, cws_posix_port_pollfds(pp, nullptr, 0));
    if (getenv("CWS_PRINT_CARES_MEMORY") != nullptr) {
        fprintf(stderr, "\nc-ares: 1 lookup %lld B, 32 lookups %lld B, per lookup %lld B\n", one,
                all, per_lookup);
    }
    for (int i = 0; i < 31; ++i) port.ops->close(port.ctx, s[i]);
    LONGS_EQUAL(1, g_cares_big);  // one stream still waits
    port.ops->close(port.ctx, s[31]);
    // No stream waits: the channel goes with its queries; nothing of c-ares
    // stays while sessions are open.
    LONGS_EQUAL(0, g_cares_big);
    LONGS_EQUAL(0, g_cares_live);
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, nullptr, 0));  // the wake fd only
    // The next lookup makes a new channel.
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "again.example", 80, &s[0]));
    LONGS_EQUAL(1, g_cares_big);
    cws_posix_port_deinit(pp);
    pp = nullptr;
    LONGS_EQUAL(0, g_cares_live);
    LONGS_EQUAL(0, g_cares_big);
    ares_library_cleanup();  // c-ares's own allocator again
}

// A closed stream's lookup runs on in c-ares (another lookup keeps the channel
// busy); its late answer (127.0.0.1, after 150 ms) must not reach the stream
// that reuses the slot, whose own lookup ends as NXDOMAIN after 400 ms.
TEST(PosixPort, LateAnswerOfAClosedStreamIsIgnored) {
    fakedns::Server dns;
    CHECK_TRUE(dns.start(fakedns::Server::Mode::by_name));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, dns.servers()));
    Listener l;  // where the late answer would connect
    CHECK_TRUE(l.start(AF_INET));
    cws_stream* a = nullptr;
    cws_stream* busy = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "late.example", l.port, &a));
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "quiet.example", 80, &busy));
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->connect_status(port.ctx, a));
    const uint64_t t0 = mono_ms();
    port.ops->close(port.ctx, a);
    cws_stream* c = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "nxslow.example", l.port, &c));
    POINTERS_EQUAL(a, c);  // the same slot, a new generation
    port.ops->set_interest(port.ctx, c, CWS_WANT_WRITE);
    int st = CWS_IO_WOULD_BLOCK;
    while (st == CWS_IO_WOULD_BLOCK && mono_ms() - t0 < 3000) {
        port.ops->wait(port.ctx, 50);
        st = port.ops->connect_status(port.ctx, c);
    }
    LONGS_EQUAL(CWS_IO_DNS_FAILED, st);
    CHECK(mono_ms() - t0 >= 300);  // its own answer, not the late one
    CHECK(dns.queries() >= 4);
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->connect_status(port.ctx, busy));
    port.ops->close(port.ctx, c);
    port.ops->close(port.ctx, busy);
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, nullptr, 0));  // the wake fd only
}

// New DNS servers replace the channel: a lookup in flight on the old one ends
// as a connect error (not a hang), and the next lookup uses the new servers.
TEST(PosixPort, NewDnsServersEndLookupsInFlight) {
    fakedns::Server silent;
    CHECK_TRUE(silent.start(fakedns::Server::Mode::silent));
    fakedns::Server nx;
    CHECK_TRUE(nx.start(fakedns::Server::Mode::nxdomain));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, silent.servers()));
    cws_stream* a = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "stall.example", 80, &a));
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, port.ops->connect_status(port.ctx, a));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, nx.servers()));
    LONGS_EQUAL(CWS_IO_ERROR, port.ops->connect_status(port.ctx, a));
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, nullptr, 0));
    cws_stream* b = nullptr;
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "no-such-host.invalid", 80, &b));
    LONGS_EQUAL(CWS_IO_DNS_FAILED, finish_connect(b));
    CHECK(nx.queries() >= 1);
    port.ops->close(port.ctx, a);
    port.ops->close(port.ctx, b);
}

// A hosts-file name resolves without the DNS server (silent here).
TEST(PosixPort, LocalhostNeedsNoDnsServer) {
    fakedns::Server dns;
    CHECK_TRUE(dns.start(fakedns::Server::Mode::silent));
    LONGS_EQUAL(0, cws_posix_port_set_dns_servers(pp, dns.servers()));
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "localhost", &peer);
    LONGS_EQUAL(2, port.ops->send(port.ctx, s, reinterpret_cast<const uint8_t*>("ok"), 2));
    STRCMP_EQUAL("ok", read_peer(peer, 2).c_str());
    LONGS_EQUAL(0u, dns.queries());
}

TEST(PosixPort, NoFreeStreamIsNoResources) {
    make(1);
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    cws_stream* t = nullptr;
    LONGS_EQUAL(CWS_OPEN_NO_RESOURCES, port.ops->open(port.ctx, "127.0.0.1", l.port, &t));
    port.ops->close(port.ctx, s);
    LONGS_EQUAL(CWS_OPEN_OK, port.ops->open(port.ctx, "127.0.0.1", l.port, &t));
    POINTERS_EQUAL(s, t);  // the slot is reused
}

TEST(PosixPort, PeerCloseIsEof) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    ::shutdown(peer, SHUT_WR);
    CHECK((wait_for(s, CWS_WANT_READ) & CWS_WANT_READ) != 0);
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_CLOSED, port.ops->recv(port.ctx, s, buf, sizeof buf));
}

TEST(PosixPort, PeerResetIsErrorWithoutSigpipe) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    linger lg{1, 0};  // close() sends RST
    ::setsockopt(peer, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(peer);
    peers.pop_back();
    CHECK(wait_for(s, CWS_WANT_READ) != 0);
    uint8_t buf[8];
    LONGS_EQUAL(CWS_IO_ERROR, port.ops->recv(port.ctx, s, buf, sizeof buf));
    // Sending to a reset connection fails (EPIPE) and must not raise SIGPIPE.
    long r = 0;
    for (int i = 0; i < 10 && r != CWS_IO_ERROR; ++i) r = port.ops->send(port.ctx, s, buf, 8);
    LONGS_EQUAL(CWS_IO_ERROR, r);
}

TEST(PosixPort, SendWouldBlockWhenThePeerDoesNotRead) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    static uint8_t chunk[65536];
    long r = 0;
    size_t total = 0;
    for (int i = 0; i < 2000; ++i) {  // socket buffers are a few MB at most
        r = port.ops->send(port.ctx, s, chunk, sizeof chunk);
        if (r < 0) break;
        total += static_cast<size_t>(r);
    }
    LONGS_EQUAL(CWS_IO_WOULD_BLOCK, r);
    CHECK(total > 0);
    // Not writable until the peer drains.
    port.ops->set_interest(port.ctx, s, CWS_WANT_WRITE);
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 0));
    LONGS_EQUAL(0u, port.ops->ready(port.ctx, s));
}

TEST(PosixPort, InterestSelectsWhatWaitReports) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    port.ops->set_interest(port.ctx, s, 0);
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 0));
    port.ops->set_interest(port.ctx, s, CWS_WANT_WRITE);
    LONGS_EQUAL(1, port.ops->wait(port.ctx, 0));
    LONGS_EQUAL(CWS_WANT_WRITE, port.ops->ready(port.ctx, s));
    port.ops->set_interest(port.ctx, s, CWS_WANT_READ);
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 0));
    LONGS_EQUAL(0u, port.ops->ready(port.ctx, s));
}

TEST(PosixPort, ForeignLoopPollfdsAndRevents) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    cws_stream* s = connect_to(l, "127.0.0.1", &peer);
    port.ops->set_interest(port.ctx, s, CWS_WANT_READ);
    // The wake eventfd first, then the stream.
    LONGS_EQUAL(2, cws_posix_port_pollfds(pp, nullptr, 0));
    pollfd fds[4];
    LONGS_EQUAL(2, cws_posix_port_pollfds(pp, fds, 1));  // the count even without room
    LONGS_EQUAL(2, cws_posix_port_pollfds(pp, fds, 3));
    CHECK(fds[0].fd >= 0);
    LONGS_EQUAL(POLLIN, fds[0].events);
    CHECK(fds[1].fd >= 0);
    CHECK(fds[1].fd != fds[0].fd);
    LONGS_EQUAL(POLLIN, fds[1].events);
    LONGS_EQUAL(1, ::send(peer, "x", 1, 0));
    // The program's own poll, with one more fd of its own.
    fds[2].fd = l.fd;
    fds[2].events = POLLIN;
    fds[2].revents = 0;
    LONGS_EQUAL(1, ::poll(fds, 3, kBoundMs));
    LONGS_EQUAL(0, fds[0].revents);  // nobody woke the port
    cws_posix_port_set_revents(pp, fds, 3);
    LONGS_EQUAL(CWS_WANT_READ, port.ops->ready(port.ctx, s));
    uint8_t b[4];
    LONGS_EQUAL(1, port.ops->recv(port.ctx, s, b, sizeof b));
    // A new round without events clears the readiness.
    fds[1].revents = 0;
    cws_posix_port_set_revents(pp, fds, 2);
    LONGS_EQUAL(0u, port.ops->ready(port.ctx, s));
    cws_posix_port_set_revents(pp, nullptr, 0);
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, nullptr, 0) - 1);
}

// wake() makes the foreign loop's poll return on the first entry, and
// set_revents drains it: the next poll sleeps again.
TEST(PosixPort, ForeignLoopWakeFdIsDrainedBySetRevents) {
    pollfd fds[2];
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, fds, 2));
    LONGS_EQUAL(0, ::poll(fds, 1, 0));
    port.ops->wake(port.ctx);
    port.ops->wake(port.ctx);  // wakes coalesce
    LONGS_EQUAL(1, ::poll(fds, 1, kBoundMs));
    CHECK((fds[0].revents & POLLIN) != 0);
    cws_posix_port_set_revents(pp, fds, 1);
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, fds, 2));
    LONGS_EQUAL(0, ::poll(fds, 1, 0));
}

// A wake before wait() makes it return at once, and only once: wait()
// consumes it. No stream is reported for it.
TEST(PosixPort, WakeEndsTheNextWaitOnce) {
    port.ops->wake(port.ctx);
    const uint64_t t0 = port.ops->now_ms(port.ctx);
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 10000));
    CHECK(port.ops->now_ms(port.ctx) - t0 < 1000);
    const uint64_t t1 = port.ops->now_ms(port.ctx);
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 50));
    CHECK(port.ops->now_ms(port.ctx) - t1 >= 40);  // slept: the wake was consumed
}

// The port's file descriptors: deinit closes the wake eventfd too.
TEST(PosixPort, DeinitClosesTheWakeFd) {
    pollfd fds[1];
    LONGS_EQUAL(1, cws_posix_port_pollfds(pp, fds, 1));
    const int fd = fds[0].fd;
    CHECK(::fcntl(fd, F_GETFD) >= 0);
    cws_posix_port_deinit(pp);
    CHECK(::fcntl(fd, F_GETFD) < 0);
    port.ops->wake(port.ctx);  // after deinit: a no-op (the fd is -1), not a write to a reused fd
    LONGS_EQUAL(0, cws_posix_port_pollfds(pp, nullptr, 0));
}

TEST(PosixPort, DeinitClosesStreams) {
    Listener l;
    CHECK_TRUE(l.start(AF_INET));
    int peer = -1;
    connect_to(l, "127.0.0.1", &peer);
    cws_posix_port_deinit(pp);
    pp = nullptr;
    char b[4];
    pollfd p{peer, POLLIN, 0};
    LONGS_EQUAL(1, ::poll(&p, 1, kBoundMs));
    LONGS_EQUAL(0, ::recv(peer, b, sizeof b, 0));  // EOF at the peer
}

TEST(PosixPort, WaitWithoutStreamsTimesOut) {
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 0));
    LONGS_EQUAL(0, port.ops->wait(port.ctx, 1));
}

TEST(PosixPort, ClockIsMonotonic) {
    const uint64_t a = port.ops->now_ms(port.ctx);
    const uint64_t b = port.ops->now_ms(port.ctx);
    CHECK(b >= a);
    CHECK(a > 0);
}

TEST(PosixPort, RandomFillsBuffers) {
    uint8_t x[32];
    uint8_t y[32];
    LONGS_EQUAL(0, port.ops->random(port.ctx, x, sizeof x));
    LONGS_EQUAL(0, port.ops->random(port.ctx, y, sizeof y));
    CHECK(memcmp(x, y, sizeof x) != 0);
    LONGS_EQUAL(0, port.ops->random(port.ctx, x, 0));
}
