// SPDX-License-Identifier: MIT
// Shared HTTP lanes (Config::max_handshakes > 0): sessions take turns for the
// memory of their purchase and upgrade, first come, first served, and give it
// back once open. On the fake port and clock.
#include <string.h>

#include <string>

#include "unit/client/client_fixture.h"

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

TEST_GROUP(lanes) {
    Harness h;
    Session a, b, c;

    void setup() override {
        h.config.max_sessions = 3;
        h.config.max_handshakes = 1;
        h.config.session_tx_bytes = 256;
        h.config.max_message_bytes = 256;
        CHECK_ERR(Error::ok, h.init());
    }
    void teardown() override {
        h.client.deinit();
    }
    // A free token on stream i, answered at once.
    void script_token(size_t i, const std::string& token) {
        h.fp.stream(i).push(response(200, "OK", token_body(token)));
        h.fp.stream(i).push_eof();
    }
    void accept_upgrade(size_t i) {
        h.fp.stream(i).push(switching_protocols(h.fp.stream(i).sent()) + frame(0x1, kSessionStart));
    }
    void open_three() {
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &a));
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &b));
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &c));
    }
    // Takes session s (whose purchase runs on stream i) through its token
    // and upgrade (stream i + 1) to open.
    void serve(Session & s, size_t i, const std::string& token) {
        script_token(i, token);
        h.spin();
        accept_upgrade(i + 1);
        h.spin();
        CHECK(s.state() == SessionState::open);
    }
};

TEST(lanes, SessionsTakeTurnsFirstComeFirstServed) {
    open_three();
    h.spin();
    // One lane: only the first session has a connection; the others wait,
    // showing the state they wait to enter.
    LONGS_EQUAL(1, h.fp.opened());
    CHECK(a.state() == SessionState::requesting_token);
    CHECK(b.state() == SessionState::requesting_token);
    CHECK(c.state() == SessionState::requesting_token);
    serve(a, 0, "ta");
    // a is open and gave its lane back: b (first in the queue) has it, not c.
    LONGS_EQUAL(3, h.fp.opened());
    CHECK(h.fp.stream(2).sent().find("GET /ws") != std::string::npos);
    serve(b, 2, "tb");
    serve(c, 4, "tc");
    LONGS_EQUAL(6, h.fp.opened());
    h.fp.stream(1).take_sent();  // the upgrade requests
    h.fp.stream(5).take_sent();
    // Every session works on its own small send buffer.
    CHECK_ERR(Error::ok, a.send_text("x", 1));
    CHECK_ERR(Error::ok, c.send_text("y", 1));
    h.spin();
    LONGS_EQUAL(1, client_frames(h.fp.stream(1).take_sent()).size());
    LONGS_EQUAL(1, client_frames(h.fp.stream(5).take_sent()).size());
}

TEST(lanes, AWaitingSessionRunsNoTimer) {
    open_three();
    h.spin();
    // a's purchase gets no answer: it times out and waits to reconnect; the
    // waiting sessions never time out however long they wait.
    h.run_for(h.options.open_timeout_ms * 3, 100);
    for (const Recorded& r : h.events) {
        if (r.type == EventType::error) CHECK(r.text.find("timed out") != std::string::npos);
    }
    CHECK(h.count(EventType::error) >= 1);
    CHECK(b.state() != SessionState::closed);
    CHECK(c.state() != SessionState::closed);
    // With a's attempt over, the lane went to b: its purchase is on stream 1.
    CHECK(h.fp.opened() >= 2);
    CHECK(h.fp.stream(1).sent().find("GET /ws") != std::string::npos);
}

TEST(lanes, ClosingAWaitingSessionLeavesTheQueue) {
    open_three();
    h.spin();
    CHECK_ERR(Error::ok, b.close(1000, nullptr));
    CHECK(b.state() == SessionState::closed);
    LONGS_EQUAL(1, h.count(EventType::ended));
    serve(a, 0, "ta");
    // The lane went past b to c.
    serve(c, 2, "tc");
    LONGS_EQUAL(4, h.fp.opened());
}

TEST(lanes, ALaneComesBackWipedOfTheTokenAndItsRequest) {
    open_three();
    h.spin();
    serve(a, 0, "secret-token-a");
    const std::string block(reinterpret_cast<const char*>(h.memory.data()), h.memory.size());
    CHECK(block.find("secret-token-a") == std::string::npos);
    CHECK(block.find("Sec-WebSocket-Key") == std::string::npos);
}

TEST(lanes, AFrameLargerThanTheSessionSendBufferIsRefused) {
    open_three();
    h.spin();
    serve(a, 0, "ta");
    const std::string big(256, 'z');  // + 8 bytes of header and mask: over 256
    CHECK_ERR(Error::message_too_large, a.send_text(big.data(), big.size()));
    CHECK_ERR(Error::ok, a.send_text(big.data(), 200));
}

TEST(lanes, ATokenThatExpiredWhileWaitingIsNotPresented) {
    open_three();
    h.spin();
    // A token bought elsewhere, valid for 1 s, waits behind a for 1.5 s.
    CHECK_ERR(Error::ok, b.close(1000, nullptr));
    CHECK_ERR(Error::ok, c.close(1000, nullptr));
    TokenAuth auth{};
    strcpy(auth.token, "tx");
    strcpy(auth.connect_url, "ws://127.0.0.1:9/ws-connect?token=tx");
    auth.expires_in_s = 1;
    auth.obtained_ms = h.fp.now;
    Session d;
    CHECK_ERR(Error::ok, h.client.connect(auth, h.session_options(), &d));
    CHECK(d.state() == SessionState::connecting);
    h.fp.advance(1500);
    serve(a, 0, "ta");
    h.spin();
    CHECK(d.state() == SessionState::closed);
    const Recorded* e = h.find(EventType::error);
    CHECK(e != nullptr);
    CHECK_ERR(Error::token_expired, e->error);
    // No stream was opened for it: the token never left.
    LONGS_EQUAL(2, h.fp.opened());
}

TEST(lanes, ALaneGivenBackAfterAFailedUpgradeKeepsNoTokenBytes) {
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &a));
    script_token(0, "secret-token-a");
    h.fp.stream(1).send_budget = 20;  // the upgrade request leaves in part: the token stays
    h.fp.stream(1).push_error();      // then the connection is reset
    h.spin();
    CHECK(a.state() == SessionState::waiting_to_reconnect);
    const std::string block(reinterpret_cast<const char*>(h.memory.data()), h.memory.size());
    CHECK(block.find("secret-token-a") == std::string::npos);
}

// The purchase runs in the lane; a payment ticket still names its session:
// once that session gave the lane up, its ticket pays for nothing.
TEST(lanes, APaymentTicketFollowsItsSessionNotItsLane) {
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &a));
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &b));
    h.spin();
    CHECK(a.state() == SessionState::paying);
    const PaymentTicket ticket_a = h.last_ticket;
    CHECK_ERR(Error::ok, a.close(1000, nullptr));  // the lane goes to b
    h.spin();
    CHECK(b.state() == SessionState::paying);
    const PaymentTicket ticket_b = h.last_ticket;
    CHECK(ticket_a.id != ticket_b.id);
    CHECK_ERR(Error::invalid_handle, h.client.complete_payment(ticket_a, "eA==", 4));
    LONGS_EQUAL(2, h.fp.opened());  // a's ticket sent nothing
    CHECK_ERR(Error::ok, h.client.complete_payment(ticket_b, "eA==", 4));
    h.spin();
    LONGS_EQUAL(3, h.fp.opened());
    STRCMP_CONTAINS("PAYMENT-SIGNATURE: eA==\r\n", h.fp.stream(2).sent().c_str());
}
