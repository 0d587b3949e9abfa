// SPDX-License-Identifier: MIT
// What a session does against a service that takes payments without serving,
// on the fake port and clock: open only at session_start, a bound on paid
// tokens in a row that give no working session, reuse of a token that was
// never presented, renewals through the reconnect wait, token_expired.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

const char kStart[] =
    "{\"type\":\"session_start\",\"sessionId\":\"s\",\"model\":\"hybrid\",\"served_by\":\"local\","
    "\"limits\":{\"timeSeconds\":300,\"dataMB\":50}}";

// The request written on a stream, as the server would read it.
std::string sent_on(Harness& h, size_t i) {
    return h.fp.stream(i).sent();
}

}  // namespace

TEST_GROUP(paid) {
    Harness h;
    Session s;
    size_t next = 0;  // the next fake stream the client will open

    void setup() override {
        h.options.reconnect_interval_ms = 100;
        h.options.max_reconnects = UINT32_MAX;
    }
    void teardown() override {
        h.client.deinit();
    }
    void init() {
        CHECK_ERR(Error::ok, h.init());
    }
    // A paid purchase on the next two streams to open: the 402, then the
    // token. `next` is then the stream of its WebSocket.
    void script_paid_token() {
        next = h.fp.opened();
        h.fp.stream(next++).push(vector_text("402-hybrid.http"));
        h.fp.stream(next).push(vector_text("paid-200.http"));
        h.fp.stream(next++).push_eof();
    }
    void start() {
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
        h.spin();
    }
    // The WebSocket stream the client opened last.
    FakeStream& ws() {
        return h.fp.last();
    }
    void answer_101(const std::string& then = frame(0x1, kStart)) {
        ws().push(switching_protocols(ws().sent()) + then);
        h.spin();
    }
    void refuse_upgrade() {
        ws().push("HTTP/1.1 401 Unauthorized\r\n\r\n");
        ws().push_eof();
        h.spin();
    }
    // Purchase i of a loop: the first opens the session, the others follow
    // the reconnect wait.
    void next_paid_purchase(int i) {
        script_paid_token();
        if (i == 0) {
            start();
        } else {
            wait_reconnect();
        }
    }
    // Moves past the reconnect wait.
    void wait_reconnect() {
        h.fp.advance(h.options.reconnect_interval_ms);
        h.spin();
    }
};

// ---- open at session_start ----------------------------------------------------

TEST(paid, AMessageOneMillisecondBeforeSessionStartIsRefused) {
    init();
    script_paid_token();
    start();
    answer_101("");
    CHECK(s.state() == SessionState::starting);
    h.fp.advance(1);
    h.spin();
    CHECK_ERR(Error::not_open, s.send_text("a", 1));
    LONGS_EQUAL(0, h.count(EventType::open));
    ws().push(frame(0x1, kStart));
    h.spin();
    CHECK(s.state() == SessionState::open);
    LONGS_EQUAL(1, h.count(EventType::open));
    CHECK_ERR(Error::ok, s.send_text("a", 1));
    // open comes before session_start and its message, so a listener may send in it.
    CHECK(h.find(EventType::open) < h.find(EventType::session_start));
}

TEST(paid, NoSessionStartIsATimeoutInPhaseOpen) {
    h.options.start_timeout_ms = 5000;
    h.options.max_reconnects = 0;
    init();
    script_paid_token();
    start();
    answer_101("");
    h.fp.advance(4999);
    h.spin();
    CHECK(s.state() == SessionState::starting);
    h.fp.advance(1);
    h.spin();
    const Recorded* e = h.find(EventType::error);
    CHECK(e != nullptr);
    CHECK_ERR(Error::timeout, e->error);
    CHECK(e->phase == Phase::open);
    LONGS_EQUAL(0, h.count(EventType::open));
    LONGS_EQUAL(0, h.count(EventType::close));  // never opened: no close event
    CHECK_ERR(Error::timeout, h.find(EventType::ended)->error);
}

TEST(paid, ServerClosingBeforeSessionStartFailsTheAttempt) {
    h.options.max_reconnects = 0;
    init();
    script_paid_token();
    start();
    answer_101(close_frame(1011, "no node"));
    const Recorded* e = h.find(EventType::error);
    CHECK(e != nullptr);
    CHECK_ERR(Error::closed, e->error);
    CHECK(e->phase == Phase::open);
    LONGS_EQUAL(0, h.count(EventType::open));
}

TEST(paid, AwaitOffOpensAtThe101) {
    init();
    script_paid_token();
    SessionOptions o = h.session_options();
    o.await_session_start = false;
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), o, &s));
    h.spin();
    answer_101("");
    CHECK(s.state() == SessionState::open);
    CHECK_ERR(Error::ok, s.send_text("a", 1));
}

// ---- paid tokens in a row that give no working session --------------------------

TEST(paid, EveryUpgradeRefusedStopsAfterThreePayments) {
    init();
    for (int i = 0; i < 3; ++i) {
        next_paid_purchase(i);
        refuse_upgrade();
    }
    LONGS_EQUAL(3, h.hook_calls);
    const Recorded* last = nullptr;
    for (size_t i = 0; h.find(EventType::error, i) != nullptr; ++i)
        last = h.find(EventType::error, i);
    CHECK_ERR(Error::paid_attempts_exhausted, last->error);
    CHECK(last->phase == Phase::open);
    CHECK_ERR(Error::paid_attempts_exhausted, h.find(EventType::ended)->error);
    LONGS_EQUAL(2, h.count(EventType::reconnecting));  // none scheduled after the third
    const size_t opens = h.fp.open_calls();
    h.run_for(10000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
}

TEST(paid, TheBoundIsAKnob) {
    h.options.max_paid_attempts = 1;
    init();
    script_paid_token();
    start();
    refuse_upgrade();
    LONGS_EQUAL(1, h.hook_calls);
    CHECK_ERR(Error::paid_attempts_exhausted, h.find(EventType::ended)->error);
}

TEST(paid, ZeroMeansNoBound) {
    h.options.max_paid_attempts = 0;
    h.options.max_reconnects = 4;
    init();
    script_paid_token();
    start();
    refuse_upgrade();
    for (int i = 0; i < 4; ++i) {
        script_paid_token();
        wait_reconnect();
        refuse_upgrade();
    }
    LONGS_EQUAL(5, h.hook_calls);
    CHECK_ERR(Error::token_rejected, h.find(EventType::ended)->error);
}

TEST(paid, FreeTokensAreNotCounted) {
    h.options.max_reconnects = 4;
    init();
    for (int i = 0; i < 5; ++i) {
        next = h.fp.opened();
        h.fp.stream(next).push(response(200, "OK", token_body("free")));
        h.fp.stream(next).push_eof();
        if (i == 0)
            start();
        else
            wait_reconnect();
        refuse_upgrade();
    }
    LONGS_EQUAL(0, h.hook_calls);
    CHECK_ERR(Error::token_rejected, h.find(EventType::ended)->error);
}

TEST(paid, ASessionClosedAtOnceAfterStartCounts) {
    init();
    for (int i = 0; i < 3; ++i) {
        next_paid_purchase(i);
        answer_101(frame(0x1, kStart) + close_frame(1011, "bye"));
    }
    LONGS_EQUAL(3, h.hook_calls);
    LONGS_EQUAL(3, h.count(EventType::open));
    const Recorded* end = h.find(EventType::ended);
    CHECK(end != nullptr);
    CHECK_ERR(Error::paid_attempts_exhausted, end->error);
}

TEST(paid, ASessionThatServedItsMinimumResetsTheCount) {
    init();
    for (int i = 0; i < 5; ++i) {
        next_paid_purchase(i);
        answer_101();
        CHECK(s.state() == SessionState::open);
        h.fp.advance(30000);  // min(30 s, 5 min / 10): it served
        ws().push(close_frame(1011, "bye"));
        h.spin();
    }
    LONGS_EQUAL(5, h.hook_calls);
    CHECK(h.find(EventType::ended) == nullptr);
    CHECK(s.state() == SessionState::waiting_to_reconnect);
}

TEST(paid, AnExpiryWellBeforeWhatWasBoughtCountsAndRenewWaits) {
    init();
    SessionOptions o = h.session_options();
    o.renew = true;
    const char expired[] = "{\"type\":\"session_expired\",\"reason\":\"time_limit_reached\"}";
    for (int i = 0; i < 3; ++i) {
        script_paid_token();
        if (i == 0) {
            CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), o, &s));
            h.spin();
        } else {
            const size_t opens = h.fp.open_calls();
            h.fp.advance(h.options.reconnect_interval_ms - 1);
            h.spin();
            LONGS_EQUAL(opens, h.fp.open_calls());  // a renewal waits like any purchase
            h.fp.advance(1);
            h.spin();
        }
        answer_101(frame(0x1, kStart) + frame(0x1, expired) +
                   close_frame(1000, "Time limit reached"));
    }
    LONGS_EQUAL(3, h.hook_calls);
    CHECK_ERR(Error::paid_attempts_exhausted, h.find(EventType::ended)->error);
}

// ---- a token never presented is reused ------------------------------------------

TEST(paid, UnreachableConnectUrlReusesTheToken) {
    h.options.max_reconnects = 2;
    init();
    script_paid_token();
    h.fp.stream(next).connect_fails = true;
    h.fp.stream(next + 1).connect_fails = true;
    h.fp.stream(next + 2).connect_fails = true;
    start();
    wait_reconnect();
    wait_reconnect();
    LONGS_EQUAL(1, h.hook_calls);
    LONGS_EQUAL(1, h.count(EventType::token));
    LONGS_EQUAL(3, h.count(EventType::error));
    LONGS_EQUAL(5, h.fp.open_calls());  // 402, paid request, three connects
    CHECK(h.find(EventType::ended) != nullptr);
    for (size_t i = 2; i < 5; ++i) LONGS_EQUAL(18402, h.fp.open_port(i));
}

TEST(paid, AReusedTokenOpensTheSession) {
    init();
    script_paid_token();
    h.fp.stream(next).connect_fails = true;
    start();
    wait_reconnect();
    answer_101();
    CHECK(s.state() == SessionState::open);
    LONGS_EQUAL(1, h.hook_calls);
    STRCMP_CONTAINS("GET /ws-connect?token=05b0fc44", sent_on(h, next + 1).c_str());
}

TEST(paid, ATokenThatExpiresBetweenTwoAttemptsIsBoughtAgain) {
    h.options.reconnect_interval_ms = 60000;  // the wait outlives the 60 s token
    init();
    script_paid_token();
    h.fp.stream(next).connect_fails = true;
    start();
    script_paid_token();
    wait_reconnect();
    LONGS_EQUAL(2, h.hook_calls);
    LONGS_EQUAL(2, h.count(EventType::token));
}

TEST(paid, APresentedTokenIsNeverReused) {
    init();
    script_paid_token();
    start();
    ws().push_eof();  // the upgrade request left, then the link died
    h.spin();
    script_paid_token();
    wait_reconnect();
    LONGS_EQUAL(2, h.hook_calls);
}

// ---- 401 on an expired token ------------------------------------------------------

TEST(paid, A401AfterTheTokenExpiredIsTokenExpired) {
    h.options.max_reconnects = 0;
    h.options.open_timeout_ms = 120000;
    init();
    script_paid_token();
    start();
    h.fp.advance(60000);  // the 60 s token expires while the upgrade waits
    refuse_upgrade();
    CHECK_ERR(Error::token_expired, h.find(EventType::error)->error);
}
