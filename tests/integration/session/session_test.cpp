// SPDX-License-Identifier: MIT
// Sessions end to end through the library API (consensus::Client on the POSIX
// port) against both servers, ws and wss:
//   consensus-devserver (ours; paid with the in-process demo payer), and
//   tests/interop/token-server.mjs (the real @x402/express middleware and
//   Node's `ws`; paid by tests/interop/payer.mjs, the real @x402 client SDK).
// Each case asserts the exact event sequence (messages left out of the trace,
// checked separately) and facts from the server's --log file.
#include <stdio.h>
#include <string.h>

#include <string>
#include <vector>

#include "consensus/client.h"
#include "support/harness.h"
#include "support/scratch.h"
#include "support/servers.h"
#include "support/sockets.h"

// CppUTest last: it redefines `new`.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::ClientOptions;
using consensus::Config;
using consensus::Error;
using consensus::EventType;
using consensus::Session;
using consensus::SessionState;
using consensus::TokenParams;
using itest::bare_auth;
using itest::dead_port;
using itest::EventRecorder;
using itest::Harness;
using itest::PayerKind;
using itest::RecordedEvent;
using itest::ServerKind;
using itest::TestServer;

namespace {

// Largest message both ways: the receive limit, and the send buffer holds it
// with the 14-byte client frame header.
constexpr uint32_t kMaxMessage = 100000;
constexpr int kBoundMs = 30000;         // any wait for the servers / node payers
constexpr uint32_t kReconnectMs = 200;  // short, so reconnect cases stay quick

const char* const kOneOpen = "payment(402) payment(paid) token open(1) session_start";
const char* const kReopen =
    "reconnecting(2) payment(402) payment(paid) token open(2) session_start";
const char* const kCallerEnd = "close(caller,1000) ended(ok)";

std::string join(std::initializer_list<const char*> parts) {
    std::string out;
    for (const char* p : parts) {
        if (!out.empty()) out += ' ';
        out += p;
    }
    return out;
}

// What the session sends: `first` on open(1), `again` on every later open.
// Failures inside listeners are collected, not asserted (a failing CHECK must
// not unwind through the library).
struct Script {
    std::vector<std::string> first;
    std::vector<std::string> again;
    std::string failures;

    static void react(void* ctx, Session& s, const RecordedEvent& ev) {
        Script* sc = static_cast<Script*>(ctx);
        if (ev.type != EventType::open) return;
        for (const std::string& m : ev.attempt == 1 ? sc->first : sc->again) {
            const Error e = s.send_text(m.data(), m.size());
            if (e != Error::ok) sc->failures += std::string("send: ") + consensus::error_name(e);
        }
    }
};

std::vector<std::string> numbered(const char* stem, int n) {
    std::vector<std::string> out;
    for (int i = 0; i < n; ++i) out.push_back(std::string(stem) + std::to_string(i));
    return out;
}

// One server, one client, one recorded session.
struct Rig {
    TestServer server;
    Harness harness;
    EventRecorder rec;
    Session session;
    Config config;
    ClientOptions options;
    std::string url;

    Rig() {
        config.max_sessions = 2;
        config.max_requests = 1;
        config.max_message_bytes = kMaxMessage;
        config.tx_buffer_bytes = kMaxMessage + 14;
        config.max_payment_header = 4096;
        options.open_timeout_ms = 5000;
        options.request_timeout_ms = 20000;
        options.reconnect_interval_ms = kReconnectMs;
        options.ping_interval_ms = 0;
    }

    // False (after saying why) when the token server cannot run here.
    static bool available(ServerKind kind) {
        std::string why;
        if (kind == ServerKind::devserver || itest::node_ready(&why)) return true;
        printf("\n  SKIPPED (token-server.mjs): %s\n", why.c_str());
        return false;
    }

    void start(ServerKind kind, bool tls, const std::vector<std::string>& extra = {}) {
        if (!server.start(kind, tls, extra)) FAIL(server.error().c_str());
        url = server.base_url();
        options.server_url = url.c_str();
        if (tls) options.ca_file = itest::dev_cert_file();
        const PayerKind payer = kind == ServerKind::devserver ? PayerKind::demo : PayerKind::node;
        CHECK_ERR(Error::ok, harness.init(config, options, payer));
    }

    void open(const TokenParams& params = TokenParams(), bool renew = false) {
        CHECK_ERR(Error::ok, harness.client().open_session(params, rec.options(renew), &session));
    }

    bool wait_echoes(size_t n) {
        return harness.run_until([&] { return rec.echoes().size() >= n || rec.ended(); }, kBoundMs);
    }
    bool wait_event(EventType type, size_t n = 1) {
        return harness.run_until([&] { return rec.count(type) >= n || rec.ended(); }, kBoundMs);
    }
    void close_and_wait() {
        CHECK_ERR(Error::ok, session.close(1000, "done"));
        CHECK_TEXT(harness.run_until([&] { return rec.ended(); }, kBoundMs), rec.trace().c_str());
    }
    // The tokens of the token events equal the server's paid sales, in order,
    // and are all different.
    void check_purchases(size_t n) {
        LONGS_EQUAL(n, server.wait_purchases(n, 2000));
        const std::vector<std::string> sold = server.purchased_tokens();
        std::vector<std::string> seen;
        for (const RecordedEvent& e : rec.events()) {
            if (e.type == EventType::token) seen.push_back(e.text);
        }
        LONGS_EQUAL(n, sold.size());
        LONGS_EQUAL(n, seen.size());
        for (size_t i = 0; i < n; ++i) {
            STRCMP_EQUAL(sold[i].c_str(), seen[i].c_str());
            for (size_t j = 0; j < i; ++j) CHECK(sold[i] != sold[j]);
        }
    }
    size_t server_messages() const {
        return server.log().count({{"event", itest::quoted("message")}});
    }
};

void check_strings(const std::vector<std::string>& want, const std::vector<std::string>& got) {
    LONGS_EQUAL(want.size(), got.size());
    for (size_t i = 0; i < want.size(); ++i) STRCMP_EQUAL(want[i].c_str(), got[i].c_str());
}

// ---- scenarios ------------------------------------------------------------

void echo_in_order(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    Rig r;
    r.start(kind, tls);
    Script sc;
    sc.first = numbered("in-order-", 20);
    r.rec.react(Script::react, &sc);
    r.open();
    CHECK_TEXT(r.wait_echoes(20), r.rec.trace().c_str());
    r.close_and_wait();
    STRCMP_EQUAL("", sc.failures.c_str());
    STRCMP_EQUAL(join({kOneOpen, kCallerEnd}).c_str(), r.rec.trace().c_str());
    check_strings(sc.first, r.rec.echoes());
    r.check_purchases(1);
    LONGS_EQUAL(20, r.server_messages());
    LONGS_EQUAL(1, r.server.upgrades(101));
}

// Sends each payload after the echo of the previous one; compares every echo.
struct SizeSweep {
    std::vector<std::string> payloads;
    std::vector<bool> binary;
    size_t next = 0;
    size_t echoed = 0;
    std::string failures;

    void send_next(Session& s) {
        if (next >= payloads.size()) return;
        const std::string& p = payloads[next];
        const Error e = binary[next]
                            ? s.send_binary(reinterpret_cast<const uint8_t*>(p.data()), p.size())
                            : s.send_text(p.data(), p.size());
        if (e != Error::ok) failures += std::string(" send:") + consensus::error_name(e);
        ++next;
    }
    static void react(void* ctx, Session& s, const RecordedEvent& ev) {
        SizeSweep* sw = static_cast<SizeSweep*>(ctx);
        if (ev.type == EventType::open) sw->send_next(s);
        if (ev.type != EventType::message || ev.server_json) return;
        const size_t i = sw->echoed++;
        if (i >= sw->payloads.size() || ev.text != sw->payloads[i] || ev.binary != sw->binary[i]) {
            sw->failures += " echo " + std::to_string(i) + " differs (" +
                            std::to_string(ev.text.size()) + " B)";
        }
        sw->send_next(s);
    }
};

void message_sizes(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    Rig r;
    r.start(kind, tls);
    const size_t sizes[] = {0, 1, 125, 126, 65535, 65536, kMaxMessage};
    SizeSweep sw;
    for (bool binary : {true, false}) {
        for (size_t n : sizes) {
            std::string p(n, '\0');
            for (size_t i = 0; i < n; ++i) {
                p[i] = binary ? static_cast<char>((i * 131 + n) & 0xff)
                              : static_cast<char>('a' + (i + n) % 26);
            }
            sw.payloads.push_back(p);
            sw.binary.push_back(binary);
        }
    }
    r.rec.react(SizeSweep::react, &sw);
    r.open();
    CHECK_TEXT(r.wait_echoes(sw.payloads.size()), r.rec.trace().c_str());
    STRCMP_EQUAL("", sw.failures.c_str());
    LONGS_EQUAL(sw.payloads.size(), sw.echoed);
    // One byte over the configured maximum can never be sent.
    const std::string too_big(kMaxMessage + 1, 'x');
    CHECK_ERR(Error::message_too_large, r.session.send_text(too_big.data(), too_big.size()));
    r.close_and_wait();
    STRCMP_EQUAL(join({kOneOpen, kCallerEnd}).c_str(), r.rec.trace().c_str());
    const std::vector<std::string> bytes =
        r.server.log().values({{"event", itest::quoted("message")}}, "bytes");
    LONGS_EQUAL(sw.payloads.size(), bytes.size());
    for (size_t i = 0; i < bytes.size(); ++i) {
        STRCMP_EQUAL(std::to_string(sw.payloads[i].size()).c_str(), bytes[i].c_str());
    }
}

// The server ends the link after 2 echoes; the session reconnects with a new
// token and carries on. `first_close` is the close event expected.
// `tail_may_be_lost`: the server may drop its second echo with the link
// (Node's ws.terminate() discards what TLS has not written yet); the log
// still has to show that both messages arrived.
void reconnect_after(ServerKind kind, bool tls, const std::vector<std::string>& extra,
                     const char* first_close, bool tail_may_be_lost = false) {
    Rig r;
    r.start(kind, tls, extra);
    Script sc;
    sc.first = numbered("before-", 2);
    sc.again = numbered("after-", 3);
    r.rec.react(Script::react, &sc);
    r.open();
    CHECK_TEXT(r.harness.run_until(
                   [&] {
                       const std::vector<std::string> got = r.rec.echoes();
                       return r.rec.ended() || (!got.empty() && got.back() == sc.again.back());
                   },
                   kBoundMs),
               r.rec.trace().c_str());
    r.close_and_wait();
    STRCMP_EQUAL("", sc.failures.c_str());
    STRCMP_EQUAL(join({kOneOpen, first_close, kReopen, kCallerEnd}).c_str(), r.rec.trace().c_str());
    std::vector<std::string> want = sc.first;
    std::vector<std::string> got = r.rec.echoes();
    if (tail_may_be_lost && got.size() == 4) want.pop_back();
    want.insert(want.end(), sc.again.begin(), sc.again.end());
    check_strings(want, got);
    LONGS_EQUAL(5, r.server_messages());
    r.check_purchases(2);  // exactly two paid sales, two different tokens
    LONGS_EQUAL(2, r.server.upgrades(101));
}

void dropped_tcp(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    reconnect_after(kind, tls, {"--drop-after", "2"}, "close(network,1006)",
                    kind == ServerKind::token_server);
}

void server_close_1011(bool tls) {
    reconnect_after(ServerKind::devserver, tls, {"--close-after", "2", "--close-code", "1011"},
                    "close(server,1011)");
}

// The server stops answering after one echo but keeps TCP open: keepalive
// (ping after 300 ms of silence, dead after another 300 ms) must notice.
void frozen_server(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    constexpr uint32_t kPingMs = 300;
    Rig r;
    r.options.ping_interval_ms = kPingMs;
    r.start(kind, tls, {"--freeze-after", "1"});
    Script sc;
    sc.first = {"before-freeze"};
    sc.again = {"after-freeze"};
    r.rec.react(Script::react, &sc);
    r.open();
    CHECK_TEXT(r.wait_event(EventType::open, 2), r.rec.trace().c_str());
    CHECK_TEXT(r.wait_echoes(2), r.rec.trace().c_str());
    r.close_and_wait();
    STRCMP_EQUAL("", sc.failures.c_str());
    STRCMP_EQUAL(join({kOneOpen, "close(network,1006)", kReopen, kCallerEnd}).c_str(),
                 r.rec.trace().c_str());
    check_strings({"before-freeze", "after-freeze"}, r.rec.echoes());
    const RecordedEvent* close = nullptr;
    const RecordedEvent* echo = nullptr;
    for (const RecordedEvent& e : r.rec.events()) {
        if (e.type == EventType::message && !e.server_json && echo == nullptr) echo = &e;
        if (e.type == EventType::close && close == nullptr) close = &e;
    }
    CHECK(echo != nullptr && close != nullptr);
    STRCMP_EQUAL("keepalive timeout", close->text.c_str());
    // Two intervals after the last byte received, within scheduling slack.
    // The library stamps the bytes with its poll iteration's clock, read before
    // the frame is decrypted and the listener runs, so echo->at_ms may be late
    // by that much (14 ms seen under ASan on a loaded machine): allow 50 ms,
    // still far from a ping after one interval (300 ms).
    const uint64_t silent_ms = close->at_ms - echo->at_ms;
    printf("\n  keepalive: close(network) %llu ms after the last echo (ping %u ms)\n",
           static_cast<unsigned long long>(silent_ms), kPingMs);
    CHECK(silent_ms + 50 >= 2 * kPingMs);
    CHECK(silent_ms <= 2 * kPingMs + 400);
    r.check_purchases(2);
}

// minutes=1 at 60x time (devserver) or a fixed 800 ms (token-server).
std::vector<std::string> short_session(ServerKind kind) {
    if (kind == ServerKind::devserver) return {"--time-scale", "60"};
    return {"--expire-after-ms", "800"};
}

TokenParams one_minute() {
    TokenParams p;
    p.model = consensus::Model::time;
    p.minutes = 1;
    return p;
}

void expiry_ends(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    Rig r;
    r.start(kind, tls, short_session(kind));
    r.open(one_minute());
    CHECK_TEXT(r.harness.run_until([&] { return r.rec.ended(); }, kBoundMs), r.rec.trace().c_str());
    // Well past the reconnect interval: nothing else may happen.
    r.harness.run_for(static_cast<int>(4 * kReconnectMs));
    STRCMP_EQUAL(
        join({kOneOpen, "session_expired(time_limit_reached) close(server,1000) ended(ok)"})
            .c_str(),
        r.rec.trace().c_str());
    r.check_purchases(1);  // and no second purchase
    CHECK(r.session.state() == SessionState::closed);
}

void expiry_renews(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    Rig r;
    r.start(kind, tls, short_session(kind));
    Script sc;
    sc.again = {"renewed"};
    r.rec.react(Script::react, &sc);
    r.open(one_minute(), true);
    CHECK_TEXT(r.wait_echoes(1), r.rec.trace().c_str());
    r.close_and_wait();
    STRCMP_EQUAL("", sc.failures.c_str());
    // A renewal is a purchase like any other: it waits the reconnect
    // interval (a server expiring sessions at once must not make it a loop).
    STRCMP_EQUAL(join({kOneOpen, "session_expired(time_limit_reached) close(server,1000)", kReopen,
                       kCallerEnd})
                     .c_str(),
                 r.rec.trace().c_str());
    LONGS_EQUAL(r.options.reconnect_interval_ms, r.rec.last(EventType::reconnecting)->in_ms);
    check_strings({"renewed"}, r.rec.echoes());
    r.check_purchases(2);
}

using itest::TokenBox;

// A token obtained with request_token opens once; the same auth again is
// refused by the server with 401 -> token_rejected, and (reconnects off)
// nothing else is bought.
void reused_token(ServerKind kind, bool tls) {
    if (!Rig::available(kind)) return;
    Rig r;
    r.options.max_reconnects = 0;
    r.start(kind, tls);
    TokenBox box;
    CHECK_ERR(Error::ok, r.harness.client().request_token(TokenParams(), TokenBox::cb, &box));
    CHECK(r.harness.run_until([&] { return box.done; }, kBoundMs));
    CHECK_ERR(Error::ok, box.error);
    CHECK_ERR(Error::ok, r.harness.client().connect(box.auth, r.rec.options(), &r.session));
    CHECK(r.wait_event(EventType::open));
    r.close_and_wait();
    STRCMP_EQUAL("open(1) session_start close(caller,1000) ended(ok)", r.rec.trace().c_str());

    EventRecorder again;
    Session second;
    CHECK_ERR(Error::ok, r.harness.client().connect(box.auth, again.options(), &second));
    CHECK(r.harness.run_until([&] { return again.ended(); }, kBoundMs));
    STRCMP_EQUAL("error(token_rejected,open,401) ended(token_rejected)", again.trace().c_str());
    LONGS_EQUAL(1, r.server.upgrades(101));
    LONGS_EQUAL(1, r.server.log().wait_count(
                       {{"event", itest::quoted("upgrade")}, {"status", "401"}}, 1, 2000));
    LONGS_EQUAL(1, r.server.purchased_tokens().size());
}

// A client whose purchase server is irrelevant (nothing listens there).
void init_unreachable(Harness& h, uint32_t open_timeout_ms, std::string* url) {
    Config c;
    ClientOptions o;
    *url = "http://127.0.0.1:" + std::to_string(dead_port());
    o.server_url = url->c_str();
    o.open_timeout_ms = open_timeout_ms;
    o.max_reconnects = 0;
    o.ca_file = itest::dev_cert_file();
    CHECK_ERR(Error::ok, h.init(c, o, PayerKind::demo));
}

}  // namespace

TEST_GROUP(Session){};

// ---- both servers, ws and wss -----------------------------------------------

#define ALL_FOUR(scenario)                         \
    TEST(Session, scenario##_devserver_ws) {       \
        scenario(ServerKind::devserver, false);    \
    }                                              \
    TEST(Session, scenario##_devserver_wss) {      \
        scenario(ServerKind::devserver, true);     \
    }                                              \
    TEST(Session, scenario##_token_server_ws) {    \
        scenario(ServerKind::token_server, false); \
    }                                              \
    TEST(Session, scenario##_token_server_wss) {   \
        scenario(ServerKind::token_server, true);  \
    }

ALL_FOUR(echo_in_order)
ALL_FOUR(message_sizes)
ALL_FOUR(dropped_tcp)
ALL_FOUR(frozen_server)
ALL_FOUR(expiry_ends)
ALL_FOUR(expiry_renews)
ALL_FOUR(reused_token)

// token-server.mjs has no --close-after: the devserver's control only.
TEST(Session, server_close_1011_devserver_ws) {
    server_close_1011(false);
}
TEST(Session, server_close_1011_devserver_wss) {
    server_close_1011(true);
}

// ---- no server / a silent one -------------------------------------------------

TEST(Session, NotListeningPurchaseIsConnectFailed) {
    Harness h;
    std::string url;
    init_unreachable(h, 5000, &url);
    EventRecorder rec;
    Session s;
    CHECK_ERR(Error::ok, h.client().open_session(TokenParams(), rec.options(), &s));
    CHECK(h.run_until([&] { return rec.ended(); }, kBoundMs));
    STRCMP_EQUAL("error(connect_failed,token,0) ended(connect_failed)", rec.trace().c_str());
    CHECK_EQUAL(0u, h.payments_asked());
}

TEST(Session, NotListeningSessionIsConnectFailed) {
    Harness h;
    std::string url;
    init_unreachable(h, 5000, &url);
    EventRecorder rec;
    Session s;
    const consensus::TokenAuth a =
        bare_auth("ws://127.0.0.1:" + std::to_string(dead_port()) + "/ws-connect?token=t");
    CHECK_ERR(Error::ok, h.client().connect(a, rec.options(), &s));
    CHECK(h.run_until([&] { return rec.ended(); }, kBoundMs));
    STRCMP_EQUAL("error(connect_failed,open,0) ended(connect_failed)", rec.trace().c_str());
}

// The open timeout bounds a server that accepts TCP and never answers, for
// the HTTP upgrade (ws) and for the TLS handshake (wss).
static void open_times_out(const char* scheme, const char* host) {
    constexpr uint32_t kOpenTimeoutMs = 500;
    itest::SilentListener silent;
    CHECK(silent.port() != 0);
    Harness h;
    std::string url;
    init_unreachable(h, kOpenTimeoutMs, &url);
    EventRecorder rec;
    Session s;
    const consensus::TokenAuth a = bare_auth(std::string(scheme) + "://" + host + ":" +
                                             std::to_string(silent.port()) + "/ws-connect?token=t");
    const uint64_t t0 = itest::mono_ms();
    CHECK_ERR(Error::ok, h.client().connect(a, rec.options(), &s));
    CHECK(h.run_until([&] { return rec.ended(); }, kBoundMs));
    const uint64_t took = rec.events().back().at_ms - t0;
    printf("\n  %s open timeout: %llu ms (open_timeout_ms %u)\n", scheme,
           static_cast<unsigned long long>(took), kOpenTimeoutMs);
    STRCMP_EQUAL("error(timeout,open,0) ended(timeout)", rec.trace().c_str());
    CHECK(took + 5 >= kOpenTimeoutMs);
    CHECK(took <= kOpenTimeoutMs + 400);
}

TEST(Session, OpenTimeoutWs) {
    open_times_out("ws", "127.0.0.1");
}
TEST(Session, OpenTimeoutWssHandshake) {
    open_times_out("wss", "localhost");
}
