// SPDX-License-Identifier: MIT
// Name resolution inside the loop (issue 18): the POSIX port resolves names
// with c-ares, so a dead resolver stalls only the session that waits for it.
// consensus-devserver (ws) on 127.0.0.1 and a fake DNS server on loopback
// (tests/common/fake_dns.h) that the port is pointed at:
//  - silent: a session whose connect_url names a host only that server could
//    resolve stays connecting until its open timeout and ends with timeout
//    (never dns_failed); meanwhile two sessions of the same Client keep
//    going: one echoes a message every 100 ms, each echo within 200 ms, and
//    an idle one with a 300 ms keepalive stays open (a loop stalled for the
//    open timeout would have missed its pongs and dropped it);
//  - nxdomain: the same session ends with dns_failed.
#include <string>
#include <vector>

#include "common/fake_dns.h"
#include "consensus/client.h"
#include "support/harness.h"
#include "support/process.h"
#include "support/servers.h"

// CppUTest last: it redefines `new`.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::ClientOptions;
using consensus::Config;
using consensus::Error;
using consensus::EventType;
using consensus::Session;
using consensus::TokenAuth;
using consensus::TokenParams;
using itest::EventRecorder;
using itest::Harness;
using itest::PayerKind;
using itest::RecordedEvent;
using itest::ServerKind;
using itest::TestServer;
using itest::TokenBox;

namespace {

constexpr int kBoundMs = 20000;
constexpr uint32_t kOpenTimeoutMs = 3000;

// The echoing session: one message in flight at a time, its round trip kept.
struct Echoer {
    uint64_t sent_at = 0;
    bool in_flight = false;
    unsigned echoes = 0;
    uint64_t worst_ms = 0;
    static void react(void* ctx, Session&, const RecordedEvent& ev) {
        Echoer* e = static_cast<Echoer*>(ctx);
        if (ev.type != EventType::message || ev.server_json || !e->in_flight) return;
        const uint64_t rtt = ev.at_ms - e->sent_at;
        if (rtt > e->worst_ms) e->worst_ms = rtt;
        ++e->echoes;
        e->in_flight = false;
    }
};

struct Rig {
    TestServer server;
    fakedns::Server dns;
    Harness harness;
    Config config;
    ClientOptions options;
    std::string url;

    void start(fakedns::Server::Mode mode) {
        if (!server.start(ServerKind::devserver, false)) FAIL(server.error().c_str());
        CHECK_TRUE(dns.start(mode));
        url = "http://127.0.0.1:" + std::to_string(server.port());
        config.max_sessions = 3;
        config.max_requests = 1;
        options.server_url = url.c_str();
        options.open_timeout_ms = kOpenTimeoutMs;
        options.request_timeout_ms = 10000;
        options.max_reconnects = 0;
        options.ping_interval_ms = 300;
        CHECK_ERR(Error::ok, harness.init(config, options, PayerKind::demo));
        LONGS_EQUAL(0, cws_posix_port_set_dns_servers(harness.posix(), dns.servers()));
    }
    // A bought token whose connect_url names `host` instead of 127.0.0.1.
    TokenAuth token_for(const char* host) {
        TokenBox box;
        CHECK_ERR(Error::ok, harness.client().request_token(TokenParams(), TokenBox::cb, &box));
        CHECK_TRUE(harness.run_until([&] { return box.done; }, kBoundMs));
        CHECK_ERR(Error::ok, box.error);
        TokenAuth auth = box.auth;
        std::string u = auth.connect_url;
        const size_t at = u.find("127.0.0.1");
        CHECK_TEXT(at != std::string::npos, u.c_str());
        u.replace(at, 9, host);
        CHECK(u.size() < sizeof auth.connect_url);
        memcpy(auth.connect_url, u.c_str(), u.size() + 1);
        return auth;
    }
};

bool has_error(const EventRecorder& rec, Error e) {
    for (const RecordedEvent& ev : rec.events()) {
        if ((ev.type == EventType::error || ev.type == EventType::ended) && ev.error == e)
            return true;
    }
    return false;
}

}  // namespace

TEST_GROUP(Dns){};

TEST(Dns, SilentResolverStallsOnlyItsSessionWhichEndsWithTimeout) {
    Rig r;
    r.start(fakedns::Server::Mode::silent);
    const TokenAuth stall = r.token_for("stall.example");

    EventRecorder rec_a;  // echoes every 100 ms
    EventRecorder rec_b;  // idle: keepalive pings only
    Echoer echo;
    rec_a.react(Echoer::react, &echo);
    Session a;
    Session b;
    CHECK_ERR(Error::ok, r.harness.client().open_session(TokenParams(), rec_a.options(), &a));
    CHECK_ERR(Error::ok, r.harness.client().open_session(TokenParams(), rec_b.options(), &b));
    CHECK_TEXT(
        r.harness.run_until(
            [&] { return rec_a.count(EventType::open) == 1 && rec_b.count(EventType::open) == 1; },
            kBoundMs),
        (rec_a.trace() + " | " + rec_b.trace()).c_str());

    EventRecorder rec_s;
    Session s;
    const uint64_t t0 = itest::mono_ms();
    CHECK_ERR(Error::ok, r.harness.client().connect(stall, rec_s.options(), &s));
    CHECK(itest::mono_ms() - t0 < 100);  // open() returned at once

    uint64_t next_send = itest::mono_ms();
    const uint64_t bound = t0 + kBoundMs;
    while (!rec_s.ended() && itest::mono_ms() < bound) {
        const uint64_t now = itest::mono_ms();
        if (!echo.in_flight && now >= next_send) {
            echo.sent_at = now;
            echo.in_flight = true;
            CHECK_ERR(Error::ok, a.send_text("tick", 4));
            next_send = now + 100;
        }
        if (echo.in_flight && now - echo.sent_at > echo.worst_ms)
            echo.worst_ms = now - echo.sent_at;
        r.harness.turn(10);
    }
    const uint64_t took = itest::mono_ms() - t0;
    CHECK_TEXT(rec_s.ended(), rec_s.trace().c_str());
    CHECK_ERR(Error::timeout, rec_s.last(EventType::ended)->error);
    CHECK_FALSE_TEXT(has_error(rec_s, Error::dns_failed), rec_s.trace().c_str());
    CHECK_TEXT(took >= kOpenTimeoutMs - 50 && took < kOpenTimeoutMs + 1000,
               std::to_string(took).c_str());
    CHECK(r.dns.queries() >= 1);  // the lookup did go to the silent server

    // The others never noticed.
    CHECK_TEXT(echo.worst_ms < 200, std::to_string(echo.worst_ms).c_str());
    CHECK_TEXT(echo.echoes >= kOpenTimeoutMs / 200, std::to_string(echo.echoes).c_str());
    LONGS_EQUAL(0, rec_a.count(EventType::close));
    LONGS_EQUAL(0, rec_b.count(EventType::close));
    CHECK_TRUE(b.state() == consensus::SessionState::open);
    UT_PRINT(("stalled session ended after " + std::to_string(took) + " ms; " +
              std::to_string(echo.echoes) + " echoes, worst " + std::to_string(echo.worst_ms) +
              " ms")
                 .c_str());
}

TEST(Dns, NxdomainEndsWithDnsFailed) {
    Rig r;
    r.start(fakedns::Server::Mode::nxdomain);
    const TokenAuth nx = r.token_for("nx.example");
    EventRecorder rec;
    Session s;
    CHECK_ERR(Error::ok, r.harness.client().connect(nx, rec.options(), &s));
    CHECK_TRUE(r.harness.run_until([&] { return rec.ended(); }, kBoundMs));
    CHECK_ERR(Error::dns_failed, rec.last(EventType::ended)->error);
    CHECK(r.dns.queries() >= 1);
}
