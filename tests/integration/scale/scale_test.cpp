// SPDX-License-Identifier: MIT
// Many sessions, one loop (issue 3, item 7): one client, one thread, one
// poll(), 1000 concurrent sessions against consensus-devserver (free mode,
// ws). Each opens, sends and receives a message, and closes cleanly. Printed:
// Client::required_bytes per session, heap per session (counted: wslay's frame
// context at init, anything during opening), RSS from /proc/self/statm before
// and after, and the time to open all.
//
// And sessions never block each other: a session whose TLS handshake stalls
// (a listener that accepts and never speaks) does not hold up another
// session's messages in the same loop.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "client/client_core.h"
#include "client/request_slot.h"
#include "client/session_slot.h"
#include "common/client_block.h"
#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "demo_payer.h"
#include "support/counting_alloc.h"
#include "support/harness.h"
#include "support/process.h"
#include "support/scratch.h"
#include "support/servers.h"
#include "support/sockets.h"

// CppUTest last: it redefines `new`.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::Error;
using consensus::Event;
using consensus::EventType;
using consensus::Session;
using itest::heap::Counts;

namespace {

constexpr uint16_t kSessions = 1000;
constexpr int kBoundMs = 15000;

// Resident set size in bytes (/proc/self/statm, second field, in pages).
long long rss_bytes() {
    FILE* f = fopen("/proc/self/statm", "r");
    if (f == nullptr) return -1;
    long long size = 0;
    long long resident = 0;
    const int got = fscanf(f, "%lld %lld", &size, &resident);
    fclose(f);
    return got == 2 ? resident * sysconf(_SC_PAGESIZE) : -1;
}

// Raises the soft descriptor limit to the hard one (the soft limit is not
// relied on). Returns the limit now in force.
rlim_t raise_nofile() {
    rlimit r{};
    getrlimit(RLIMIT_NOFILE, &r);
    r.rlim_cur = r.rlim_max;
    setrlimit(RLIMIT_NOFILE, &r);
    getrlimit(RLIMIT_NOFILE, &r);
    return r.rlim_cur;
}

// Per-session outcome, in fixed fields (no allocation in listeners).
struct Probe {
    uint16_t index = 0;
    bool opened = false;
    bool echoed = false;
    bool ended = false;
    bool bad = false;  // wrong echo, an error, or an unexpected close
    uint16_t close_code = 0;
    consensus::Initiator initiator = consensus::Initiator::network;
    Error end_error = Error::ok;
    char text[24] = {};
    size_t text_len = 0;

    static void on_event(void* user, Session& s, const Event& ev) {
        Probe* p = static_cast<Probe*>(user);
        switch (ev.type) {
            case EventType::open:
                p->opened = true;
                p->text_len = static_cast<size_t>(
                    snprintf(p->text, sizeof p->text, "hello %u", static_cast<unsigned>(p->index)));
                if (s.send_text(p->text, p->text_len) != Error::ok) p->bad = true;
                break;
            case EventType::message:
                if (ev.size == p->text_len && memcmp(ev.data, p->text, ev.size) == 0) {
                    p->echoed = true;
                }
                break;
            case EventType::close:
                p->close_code = ev.code;
                p->initiator = ev.initiator;
                break;
            case EventType::error:
                p->bad = true;
                break;
            case EventType::ended:
                p->ended = true;
                p->end_error = ev.error;
                break;
            default:
                break;
        }
    }
};

template <class Done>
bool run_until(consensus::Client& c, Done done) {
    return itest::poll_until(c, done, kBoundMs, 100);
}

size_t count_if(const std::vector<Probe>& probes, bool Probe::*flag) {
    size_t n = 0;
    for (const Probe& p : probes) n += p.*flag ? 1 : 0;
    return n;
}

void print_row(const char* what, long long value, const char* unit) {
    printf("  scale: %-52s %12lld %s\n", what, value, unit);
}

// kSessions sessions open, echo once and close in one loop; frame_parsers
// as given (0: one per session).
void thousand_sessions(uint16_t frame_parsers, uint16_t handshakes = 0) {
    setvbuf(stdout, nullptr, _IONBF, 0);
    const rlim_t nofile = raise_nofile();  // before the server starts: it inherits it
    printf("\n  scale: RLIMIT_NOFILE %llu\n", static_cast<unsigned long long>(nofile));
    // Client and server each hold one descriptor per session (+ listeners, logs).
    CHECK(nofile >= 2 * kSessions + 64);

    itest::TestServer server;
    if (!server.start(itest::ServerKind::devserver, false, {"--free"})) {
        FAIL(server.error().c_str());
    }
    const std::string url = server.base_url();

    // Small buffers: a 1 KiB message each way is plenty for an echo.
    consensus::Config cfg;
    cfg.max_sessions = kSessions;
    cfg.max_requests = 0;
    cfg.tx_buffer_bytes = 1536;
    cfg.rx_buffer_bytes = 1024;
    cfg.work_buffer_bytes = 2048;
    cfg.max_message_bytes = 1024;
    cfg.max_payment_header = 512;
    cfg.max_header_line = 1024;
    cfg.max_headers = 32;
    cfg.max_body_bytes = 1024;
    cfg.listeners_per_event = 1;
    cfg.frame_parsers = frame_parsers;
    cfg.max_handshakes = handshakes;  // 0: every session has its own HTTP lane
    if (handshakes > 0) cfg.session_tx_bytes = 1024;
    consensus::ClientOptions opt;
    opt.server_url = url.c_str();
    opt.payment_hook = consensus::cli::demo_payment_hook;  // free mode: never asked
    opt.open_timeout_ms = 10000;
    opt.request_timeout_ms = 10000;
    opt.max_reconnects = 0;  // any failure shows up as an ended session

    const long long rss0 = rss_bytes();
    itest::ClientBlock b;
    CHECK(b.allocate(cfg, kSessions));
    const size_t client_bytes = b.client_bytes();
    const size_t port_bytes = cws_posix_port_bytes(kSessions);

    itest::heap::start();
    const Error init = b.init(cfg, opt);
    const Counts init_heap = itest::heap::stop();
    CHECK_ERR(Error::ok, init);
    const long long rss_init = rss_bytes();

    std::vector<Probe> probes(kSessions);
    std::vector<Session> sessions(kSessions);
    const uint64_t t0 = itest::mono_ms();
    itest::heap::start();
    for (uint16_t i = 0; i < kSessions; ++i) {
        probes[i].index = i;
        consensus::SessionOptions so;
        so.listener = Probe::on_event;
        so.user = &probes[i];
        CHECK_ERR(Error::ok, b.client().open_session(consensus::TokenParams(), so, &sessions[i]));
    }
    CHECK_ERR(Error::no_resources,
              b.client().open_session(consensus::TokenParams(), consensus::SessionOptions(),
                                      &sessions[0]));
    const bool all_open = run_until(b.client(), [&] {
        return count_if(probes, &Probe::opened) == kSessions || count_if(probes, &Probe::ended) > 0;
    });
    const uint64_t t_open = itest::mono_ms();
    const bool all_echoed = run_until(b.client(), [&] {
        return count_if(probes, &Probe::echoed) == kSessions || count_if(probes, &Probe::ended) > 0;
    });
    const uint64_t t_echo = itest::mono_ms();
    const Counts open_heap = itest::heap::stop();
    const long long rss_open = rss_bytes();
    LONGS_EQUAL(kSessions, count_if(probes, &Probe::opened));
    CHECK(all_open);
    LONGS_EQUAL(kSessions, count_if(probes, &Probe::echoed));
    CHECK(all_echoed);
    LONGS_EQUAL(0, count_if(probes, &Probe::bad));

    for (Session& s : sessions) CHECK_ERR(Error::ok, s.close(1000, "bye"));
    CHECK(run_until(b.client(), [&] { return count_if(probes, &Probe::ended) == kSessions; }));
    const uint64_t t_closed = itest::mono_ms();
    for (const Probe& p : probes) {
        CHECK_EQUAL(1000, p.close_code);
        CHECK(p.initiator == consensus::Initiator::caller);
        CHECK_ERR(Error::ok, p.end_error);
    }
    LONGS_EQUAL(kSessions,
                server.log().count({{"event", itest::quoted("upgrade")}, {"status", "101"}}));
    LONGS_EQUAL(kSessions, server.log().wait_count({{"event", itest::quoted("close")},
                                                    {"initiator", itest::quoted("client")},
                                                    {"code", "1000"}},
                                                   kSessions, 5000));
    const long long rss_closed = rss_bytes();

    printf(
        "  scale: config tx %u, rx %u, work %u, max_message %u, max_payment_header %u, "
        "max_header_line %u, max_body %u, listeners_per_event %u, frame_parsers %u, "
        "max_handshakes %u, session_tx_bytes %u\n",
        cfg.tx_buffer_bytes, cfg.rx_buffer_bytes, cfg.work_buffer_bytes, cfg.max_message_bytes,
        cfg.max_payment_header, cfg.max_header_line, cfg.max_body_bytes, cfg.listeners_per_event,
        cfg.frame_parsers, cfg.max_handshakes, cfg.session_tx_bytes);
    print_row("Client::required_bytes (caller's block), total",
              static_cast<long long>(client_bytes), "B");
    print_row("  per session", static_cast<long long>(client_bytes / kSessions), "B");
    print_row("POSIX port block, total", static_cast<long long>(port_bytes), "B");
    print_row("heap at Client::init (wslay frame contexts), allocs",
              static_cast<long long>(init_heap.allocs), "");
    print_row("  live per session", init_heap.live_bytes / kSessions, "B");
    print_row("heap while opening + echo, allocs", static_cast<long long>(open_heap.allocs), "");
    print_row("  live per session once all are open", open_heap.live_bytes / kSessions, "B");
    print_row("  peak live per session", open_heap.peak_live / kSessions, "B");
    print_row("RSS before init", rss0, "B");
    print_row("RSS after init", rss_init, "B");
    print_row("RSS with 1000 open sessions", rss_open, "B");
    print_row("  (RSS open - RSS before) per session", (rss_open - rss0) / kSessions, "B");
    print_row("RSS after all closed", rss_closed, "B");
    print_row("time to open all 1000 (token + connect + upgrade)",
              static_cast<long long>(t_open - t0), "ms");
    print_row("time until every echo came back", static_cast<long long>(t_echo - t0), "ms");
    print_row("time to close all (close handshakes)", static_cast<long long>(t_closed - t_echo),
              "ms");
    if (!itest::heap::available()) printf("  scale: heap not counted under ASan (figures are 0)\n");
    // One wslay context per parser at init; whole frames never keep one, so
    // no connection ends mid-frame here and none is created again.
    if (itest::heap::available()) {
        LONGS_EQUAL(frame_parsers != 0 ? frame_parsers : kSessions, init_heap.allocs);
    }
}

}  // namespace

TEST_GROUP(Scale){};

TEST(Scale, ThousandSessionsOneLoop) {
    thousand_sessions(0);
}

// The gateway advice of config.h: 16 parsers for 1000 sessions.
TEST(Scale, ThousandSessionsSixteenFrameParsers) {
    thousand_sessions(16);
}

// A gateway's whole advice: 16 shared HTTP lanes and 16 frame parsers.
TEST(Scale, ThousandSessionsSixteenLanesAndFrameParsers) {
    thousand_sessions(16, 16);
}

// One session's TLS handshake stalls (the peer accepts and never speaks);
// another session in the same client and loop exchanges 50 messages, one
// after the other, meanwhile. The stalled one ends only at its own open timeout.
TEST(Scale, StalledTlsHandshakeDoesNotBlockOthers) {
    constexpr uint32_t kOpenTimeoutMs = 3000;
    constexpr size_t kRoundTrips = 50;
    itest::SilentListener silent;
    CHECK(silent.port() != 0);
    itest::TestServer server;
    if (!server.start(itest::ServerKind::devserver, false)) FAIL(server.error().c_str());
    const std::string url = server.base_url();

    consensus::Config cfg;
    cfg.max_sessions = 2;
    cfg.max_requests = 0;
    consensus::ClientOptions opt;
    opt.server_url = url.c_str();
    opt.open_timeout_ms = kOpenTimeoutMs;
    opt.ca_file = itest::dev_cert_file();
    itest::Harness h;
    CHECK_ERR(Error::ok, h.init(cfg, opt, itest::PayerKind::demo));

    itest::EventRecorder stalled_rec;
    Session stalled;
    const uint64_t t0 = itest::mono_ms();
    CHECK_ERR(Error::ok, h.client().connect(
                             itest::bare_auth("wss://localhost:" + std::to_string(silent.port()) +
                                              "/ws-connect?token=t"),
                             stalled_rec.options(), &stalled));

    // Ping-pong: each echo triggers the next message.
    struct PingPong {
        size_t sent = 0;
        std::string failures;
        static void react(void* ctx, Session& s, const itest::RecordedEvent& ev) {
            PingPong* pp = static_cast<PingPong*>(ctx);
            const bool echo = ev.type == EventType::message && !ev.server_json;
            if ((ev.type != EventType::open && !echo) || pp->sent >= kRoundTrips) return;
            const std::string m = "m" + std::to_string(pp->sent++);
            if (s.send_text(m.data(), m.size()) != Error::ok) pp->failures += " send";
        }
    } pp;
    itest::EventRecorder busy_rec;
    busy_rec.react(PingPong::react, &pp);
    Session busy;
    CHECK_ERR(Error::ok,
              h.client().open_session(consensus::TokenParams(), busy_rec.options(), &busy));
    CHECK(h.run_until([&] { return busy_rec.echoes().size() >= kRoundTrips || busy_rec.ended(); },
                      kBoundMs));
    const uint64_t t_busy = itest::mono_ms();
    const consensus::SessionState during = stalled.state();
    CHECK(h.run_until([&] { return stalled_rec.ended(); }, kBoundMs));
    const uint64_t t_stalled = itest::mono_ms();

    printf(
        "\n  never block: %zu round trips done %llu ms after start while the other session "
        "was %s; it ended at %llu ms (open_timeout_ms %u)\n",
        kRoundTrips, static_cast<unsigned long long>(t_busy - t0),
        consensus::session_state_name(during), static_cast<unsigned long long>(t_stalled - t0),
        kOpenTimeoutMs);
    STRCMP_EQUAL("", pp.failures.c_str());
    LONGS_EQUAL(kRoundTrips, busy_rec.echoes().size());
    CHECK(during == consensus::SessionState::connecting ||
          during == consensus::SessionState::tls_handshake);
    CHECK(t_busy - t0 < kOpenTimeoutMs);
    STRCMP_EQUAL("error(timeout,open,0) ended(timeout)", stalled_rec.trace().c_str());
    CHECK(t_stalled - t0 + 5 >= kOpenTimeoutMs);
    CHECK_ERR(Error::ok, busy.close());
    CHECK(h.run_until([&] { return busy_rec.ended(); }, kBoundMs));
}

// The byte cost of every Config knob, measured by differencing
// Client::required_bytes, and checked against sizeof() of the slot types
// (docs/MEMORY.md quotes this output).
TEST(Scale, MemoryPerKnob) {
    using consensus::Client;
    using consensus::Config;
    constexpr size_t kA = 16;
    const auto align = [](size_t n) { return (n + kA - 1) / kA * kA; };
    const Config base;
    const size_t rb = Client::required_bytes(base);
    printf(
        "\n  layout (x86_64 sizeof): SessionSlot %zu, RequestSlot %zu, Client::Impl %zu, "
        "Connection %zu, TokenFetch %zu, HttpResponseReader %zu, ws::Framer %zu, TokenAuth %zu, "
        "ListenerEntry %zu, HttpLane %zu\n",
        sizeof(consensus::SessionSlot), sizeof(consensus::RequestSlot),
        sizeof(consensus::ClientCore), sizeof(consensus::Connection), sizeof(consensus::TokenFetch),
        sizeof(consensus::HttpResponseReader), sizeof(consensus::ws::Framer),
        sizeof(consensus::TokenAuth), sizeof(consensus::ListenerEntry),
        sizeof(consensus::HttpLane));
    printf("  required_bytes(default Config: 1 session, 1 request) = %zu B\n", rb);

    struct Knob {
        const char* name;
        void (*bump)(Config&);
        size_t expected;
    };
    const size_t listener_row = consensus::kEventTypeCount * sizeof(consensus::ListenerEntry);
    const size_t session_bytes =
        align(sizeof(consensus::SessionSlot)) + align(sizeof(consensus::HttpLane)) +
        base.tx_buffer_bytes + base.rx_buffer_bytes +
        (base.work_buffer_bytes > base.max_message_bytes ? base.work_buffer_bytes
                                                         : base.max_message_bytes) +
        align(listener_row * base.listeners_per_event);
    const size_t request_bytes = align(sizeof(consensus::RequestSlot)) + base.tx_buffer_bytes +
                                 base.rx_buffer_bytes + base.work_buffer_bytes;
    // frame_parsers 0: one parser's pool entry per session, rounded up together.
    const size_t entry = sizeof(consensus::ws::FrameContext);
    const Knob knobs[] = {
        {"max_sessions +1 (and its frame parser)", [](Config& c) { ++c.max_sessions; },
         session_bytes + align(2 * entry) - align(entry)},
        {"max_sessions +1, frame_parsers = 1 (shared parser)",
         [](Config& c) {
             ++c.max_sessions;
             c.frame_parsers = 1;
         },
         session_bytes},
        {"max_requests +1", [](Config& c) { ++c.max_requests; }, request_bytes},
        {"tx_buffer_bytes +1024 (per session and request)",
         [](Config& c) { c.tx_buffer_bytes += 1024; }, 2 * 1024},
        {"rx_buffer_bytes +1024 (per session and request)",
         [](Config& c) { c.rx_buffer_bytes += 1024; }, 2 * 1024},
        {"max_message_bytes +1024 (per session, above work)",
         [](Config& c) { c.max_message_bytes += 1024; }, 1024},
        {"work_buffer_bytes +1024 (per request; session: max)",
         [](Config& c) { c.work_buffer_bytes += 1024; }, 1024},
        {"listeners_per_event +1 (per session)", [](Config& c) { ++c.listeners_per_event; },
         align(listener_row * 3) - align(listener_row * 2)},
        {"max_header_line +1024", [](Config& c) { c.max_header_line += 1024; }, 0},
        {"max_headers +16", [](Config& c) { c.max_headers += 16; }, 0},
        {"max_body_bytes +1024", [](Config& c) { c.max_body_bytes += 1024; }, 0},
        {"max_payment_header +1024", [](Config& c) { c.max_payment_header += 1024; }, 0},
        {"tls_session_cache +1", [](Config& c) { ++c.tls_session_cache; },
         align(sizeof(consensus::TlsCacheEntry) * 3) - align(sizeof(consensus::TlsCacheEntry) * 2)},
    };
    for (const Knob& k : knobs) {
        Config c = base;
        k.bump(c);
        const size_t delta = Client::required_bytes(c) - rb;
        printf("  %-52s +%zu B\n", k.name, delta);
        LONGS_EQUAL(k.expected, delta);
    }
    const size_t tls_cache_bytes = align(sizeof(consensus::TlsCacheEntry) * base.tls_session_cache);
    LONGS_EQUAL(align(sizeof(consensus::ClientCore)) + tls_cache_bytes + align(entry) +
                    session_bytes + request_bytes,
                rb);

    // Shared HTTP lanes (Config::max_handshakes > 0): a session keeps only
    // its frame buffer and message buffer; each lane costs its state and
    // the three HTTP buffers.
    Config shared = base;
    shared.max_handshakes = 1;
    shared.session_tx_bytes = 1024;
    const size_t rs = Client::required_bytes(shared);
    printf("  required_bytes(1 session, 1 request, 1 shared lane, 1 KiB session tx) = %zu B\n", rs);
    const size_t shared_session = align(sizeof(consensus::SessionSlot)) + shared.session_tx_bytes +
                                  shared.max_message_bytes +
                                  align(listener_row * base.listeners_per_event);
    const size_t lane_bytes = align(sizeof(consensus::HttpLane)) + base.tx_buffer_bytes +
                              base.rx_buffer_bytes + base.work_buffer_bytes;
    const Knob shared_knobs[] = {
        {"shared: max_sessions +1 (and max_handshakes)", [](Config& c) { ++c.max_sessions; },
         shared_session + align(2 * entry) - align(entry)},
        {"shared: max_handshakes +1 (max_sessions +1 too)",
         [](Config& c) {
             ++c.max_sessions;
             ++c.max_handshakes;
         },
         shared_session + lane_bytes + align(2 * entry) - align(entry)},
        {"shared: session_tx_bytes +1024 (per session)",
         [](Config& c) { c.session_tx_bytes += 1024; }, 1024},
        {"shared: work_buffer_bytes +1024 (per lane and request)",
         [](Config& c) { c.work_buffer_bytes += 1024; }, 2 * 1024},
    };
    for (const Knob& k : shared_knobs) {
        Config c = shared;
        k.bump(c);
        const size_t delta = Client::required_bytes(c) - rs;
        printf("  %-52s +%zu B\n", k.name, delta);
        LONGS_EQUAL(k.expected, delta);
    }
    // The queue (2 B per session, rounded to 16) and the scratch (rx_buffer_bytes).
    LONGS_EQUAL(align(sizeof(consensus::ClientCore)) + tls_cache_bytes + kA + base.rx_buffer_bytes +
                    lane_bytes + align(entry) + shared_session + request_bytes,
                rs);
}
