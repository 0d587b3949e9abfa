// SPDX-License-Identifier: MIT
// Zero steady-state allocation, proven by counting: every malloc/calloc/
// realloc/free of the whole process (ours, libstdc++, libwslay, libmbedcrypto)
// is counted by support/counting_alloc.cpp while a window is open. An open
// session against consensus-devserver (ws and wss, paid) sends and receives a
// message of every size from 0 to 4 KiB, then growing sizes up to the
// configured maximum; the window over that sweep must hold 0 allocations and
// 0 frees. Printed too: the allocations of Client::init, of the first connect
// (purchase + TLS + upgrade) and of one reconnect after a dropped link.
//
// Under AddressSanitizer the allocator cannot be replaced: the tests are
// compiled as IGNORE_TEST (reported as ignored), not as checks that cannot fail.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "common/client_block.h"
#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "demo_payer.h"
#include "support/counting_alloc.h"
#include "support/harness.h"
#include "support/process.h"
#include "support/scratch.h"
#include "support/servers.h"

// CppUTest last: it redefines `new`.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::Error;
using consensus::Event;
using consensus::EventType;
using consensus::Session;
using itest::heap::Counts;

namespace {

constexpr uint32_t kMaxMessage = 70000;  // the configured maximum, both ways
constexpr size_t kEverySizeUpTo = 4096;
constexpr int kBoundMs = 20000;

// Sizes of the sweep: every size 0..4096, then +1/8 steps, plus the 16-bit
// length boundary and the maximum itself.
std::vector<size_t> sweep_sizes() {
    std::vector<size_t> out;
    for (size_t n = 0; n <= kEverySizeUpTo; ++n) out.push_back(n);
    for (size_t n = kEverySizeUpTo + 1; n < kMaxMessage; n += n / 8 + 1) out.push_back(n);
    out.insert(out.end(), {65535, 65536, kMaxMessage});
    return out;
}

const size_t kWarmUp[] = {0, 1, 125, 126, 4096, 65536, kMaxMessage};

// What the session reports, kept in fixed fields: the listener must not
// allocate inside the counted window.
struct Probe {
    const uint8_t* expect = nullptr;
    size_t expect_size = 0;
    bool expect_binary = false;
    bool echo_seen = false;
    bool after_server_json = false;
    uint32_t echoes = 0;
    uint32_t mismatches = 0;
    uint32_t opens = 0;
    uint32_t starts = 0;
    uint32_t closes = 0;
    uint32_t errors = 0;
    uint32_t ended = 0;

    static void on_event(void* user, Session& /*s*/, const Event& ev) {
        Probe* p = static_cast<Probe*>(user);
        switch (ev.type) {
            case EventType::open:
                ++p->opens;
                break;
            case EventType::session_start:
                ++p->starts;
                p->after_server_json = true;
                return;
            case EventType::message:
                if (!p->after_server_json) p->check_echo(ev);
                break;
            case EventType::close:
                ++p->closes;
                break;
            case EventType::error:
                ++p->errors;
                break;
            case EventType::ended:
                ++p->ended;
                break;
            default:
                break;
        }
        p->after_server_json = false;
    }
    void check_echo(const Event& ev) {
        ++echoes;
        echo_seen = true;
        if (ev.size != expect_size || ev.binary != expect_binary ||
            (ev.size > 0 && memcmp(ev.data, expect, ev.size) != 0)) {
            ++mismatches;
        }
    }
};

uint8_t g_payload[kMaxMessage];

struct Rig {
    itest::TestServer server;
    itest::ClientBlock block;
    Probe probe;
    Session session;
    std::string url;

    template <class Done>
    bool run_until(Done done) {
        return itest::poll_until(block.client(), done, kBoundMs);
    }
    // One round trip; false when the echo did not come back in time.
    bool round_trip(size_t n) {
        probe.expect = g_payload;
        probe.expect_size = n;
        probe.expect_binary = n % 2 == 1;  // odd sizes binary, even sizes text
        probe.echo_seen = false;
        const Error e = probe.expect_binary
                            ? session.send_binary(g_payload, n)
                            : session.send_text(reinterpret_cast<const char*>(g_payload), n);
        if (e != Error::ok) return false;
        return run_until([&] { return probe.echo_seen || probe.ended > 0; }) && probe.echo_seen;
    }
};

void print_counts(const char* transport, const char* what, const Counts& c) {
    printf(
        "  alloc[%s] %-44s %6llu allocs %6llu frees %9llu B requested, peak live %7lld B, "
        "live after %7lld B\n",
        transport, what, static_cast<unsigned long long>(c.allocs + c.reallocs),
        static_cast<unsigned long long>(c.frees), static_cast<unsigned long long>(c.bytes),
        static_cast<long long>(c.peak_live), static_cast<long long>(c.live_bytes));
}

// Unused under ASan (see the end of the file).
[[maybe_unused]] void steady_state(bool tls) {
    setvbuf(stdout, nullptr, _IONBF, 0);  // printf must not allocate a buffer mid-window
    const char* transport = tls ? "wss" : "ws";
    for (size_t i = 0; i < kMaxMessage; ++i) g_payload[i] = static_cast<uint8_t>('a' + i % 26);
    const std::vector<size_t> sizes = sweep_sizes();
    const size_t warm = sizeof kWarmUp / sizeof kWarmUp[0];

    Rig r;
    // The echo after the warm-up and the sweep is the server's last: it then
    // drops the link, which the reconnect measurement needs.
    const std::string drop_after = std::to_string(warm + sizes.size() + 1);
    if (!r.server.start(itest::ServerKind::devserver, tls, {"--drop-after", drop_after})) {
        FAIL(r.server.error().c_str());
    }
    r.url = r.server.base_url();

    consensus::Config cfg;
    cfg.max_sessions = 1;
    cfg.max_requests = 0;
    cfg.max_message_bytes = kMaxMessage;
    cfg.tx_buffer_bytes = kMaxMessage + 14;
    consensus::ClientOptions opt;
    opt.server_url = r.url.c_str();
    opt.payment_hook = consensus::cli::demo_payment_hook;
    opt.reconnect_interval_ms = 100;
    if (tls) opt.ca_file = itest::dev_cert_file();
    CHECK(r.block.allocate(cfg, 2));
    const size_t client_bytes = r.block.client_bytes();

    itest::heap::start();
    const Error init = r.block.init(cfg, opt);
    const Counts init_counts = itest::heap::stop();
    CHECK_ERR(Error::ok, init);
    printf("\n  alloc[%s] Client::required_bytes = %zu B (caller's block, not heap)\n", transport,
           client_bytes);
    print_counts(transport, "Client::init", init_counts);

    consensus::SessionOptions so;
    so.listener = Probe::on_event;
    so.user = &r.probe;
    itest::heap::start();
    CHECK_ERR(Error::ok, r.block.client().open_session(consensus::TokenParams(), so, &r.session));
    const bool opened = r.run_until([&] { return r.probe.starts >= 1 || r.probe.ended > 0; });
    const Counts connect_counts = itest::heap::stop();
    CHECK(opened);
    LONGS_EQUAL(1, r.probe.opens);
    print_counts(transport, "first connect (purchase, TLS, upgrade)", connect_counts);

    for (size_t n : kWarmUp) CHECK(r.round_trip(n));

    itest::heap::start();
    size_t done = 0;
    for (size_t n : sizes) {
        if (!r.round_trip(n)) break;
        ++done;
    }
    const Counts steady = itest::heap::stop();
    char what[96];
    snprintf(what, sizeof what, "steady state: %zu round trips, 0..%u B", done, kMaxMessage);
    print_counts(transport, what, steady);
    LONGS_EQUAL(sizes.size(), done);
    LONGS_EQUAL(0, r.probe.mismatches);
    LONGS_EQUAL(0, r.probe.errors);
    LONGS_EQUAL(0, steady.allocs);
    LONGS_EQUAL(0, steady.reallocs);
    LONGS_EQUAL(0, steady.frees);

    // The next echo is the server's last before it drops the link.
    itest::heap::start();
    const bool echoed = r.round_trip(1);
    const bool reopened = r.run_until([&] { return r.probe.starts >= 2 || r.probe.ended > 0; });
    const Counts reconnect = itest::heap::stop();
    CHECK(echoed && reopened);
    LONGS_EQUAL(2, r.probe.opens);
    LONGS_EQUAL(1, r.probe.closes);
    print_counts(transport, "one reconnect (drop, purchase, TLS, upgrade)", reconnect);
    LONGS_EQUAL(2, r.server.purchased_tokens().size());

    CHECK_ERR(Error::ok, r.session.close());
    CHECK(r.run_until([&] { return r.probe.ended > 0; }));
}

}  // namespace

TEST_GROUP(Alloc){};

#if ITEST_UNDER_ASAN
// ASan owns malloc: nothing can be counted, so nothing is claimed.
IGNORE_TEST(Alloc, SteadyStateWs_skipped_under_ASan) {}
IGNORE_TEST(Alloc, SteadyStateWss_skipped_under_ASan) {}
IGNORE_TEST(Alloc, CounterSeesEveryAllocation_skipped_under_ASan) {}
#else
// Pointers stored here escape, so the compiler cannot elide malloc/free pairs.
void* volatile g_sink;
void* escape(void* p) {
    g_sink = p;
    return p;
}

// The counter itself: a window sees each replaced function with its sizes,
// frees of blocks from before it, and nothing outside it.
TEST(Alloc, CounterSeesEveryAllocation) {
    void* before = escape(malloc(100));
    itest::heap::start();
    void* a = escape(malloc(1000));
    void* b = escape(calloc(10, 30));
    a = escape(realloc(a, 5000));
    void* c = nullptr;
    LONGS_EQUAL(0, posix_memalign(&c, 64, 256));
    escape(c);
    free(a);
    free(b);
    free(c);
    free(before);  // allocated outside the window: a free, not an alloc
    const Counts n = itest::heap::stop();
    free(escape(malloc(10)));
    LONGS_EQUAL(3, n.allocs);
    LONGS_EQUAL(1, n.reallocs);
    LONGS_EQUAL(4, n.frees);
    LONGS_EQUAL(1000 + 300 + 5000 + 256, n.bytes);
    CHECK(n.peak_live >= 5000 + 300 + 256);
}

TEST(Alloc, SteadyStateWs) {
    steady_state(false);
}
TEST(Alloc, SteadyStateWss) {
    steady_state(true);
}
#endif
