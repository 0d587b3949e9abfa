// SPDX-License-Identifier: MIT
// Managed sessions on the fake port and clock: open, messages, close
// handshake, keepalive, reconnect with a fresh token, expiry, budget, errors.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

// What a test listener did from inside its callback (client.h, "Calling the
// library from inside a callback").
struct Reentry {
    Harness* h = nullptr;
    Session other;             // a second session, or the one opened from inside
    Error result = Error::ok;  // what the call made from inside returned
    int calls = 0;
    size_t ended_seen = 0;  // `ended` events recorded when the call returned
    bool flag = false;
    int counted = 0;
};

void count_calls(void* user, Session&, const Event&) {
    ++*static_cast<int*>(user);
}

// Removes itself from the message listeners, from inside its own call.
void remove_self(void* user, Session& self, const Event&) {
    Reentry* r = static_cast<Reentry*>(user);
    ++r->calls;
    r->flag = self.off(EventType::message, remove_self, user);
}

// On its first call, adds count_calls (on r->counted) to the event being delivered.
void add_counter(void* user, Session& self, const Event&) {
    Reentry* r = static_cast<Reentry*>(user);
    if (r->calls++ == 0) r->result = self.on(EventType::message, count_calls, &r->counted);
}

}  // namespace

TEST_GROUP(session) {
    Harness h;
    Session s;
    size_t next_stream = 0;  // the next fake stream the client will open

    void setup() override {
        h.config.max_sessions = 2;
        CHECK(h.init() == Error::ok);
    }
    void teardown() override {
        h.client.deinit();
    }

    // Scripts a free token purchase on the next stream.
    void script_token(const std::string& token) {
        h.fp.stream(next_stream).push(response(200, "OK", token_body(token)));
        h.fp.stream(next_stream).push_eof();
        ++next_stream;
    }
    // Answers the upgrade request found on stream i with a 101 and, by
    // default, the service's session_start (pass "" for a bare 101).
    void accept_upgrade(size_t i, const std::string& then = frame(0x1, kSessionStart)) {
        h.fp.stream(i).push(switching_protocols(h.fp.stream(i).sent()) + then);
    }
    // Opens a managed session through token + upgrade + session_start.
    void open(SessionOptions o, const std::string& token = "t1") {
        open_into(s, o, token);
    }
    void open_into(Session & out, SessionOptions o, const std::string& token) {
        script_token(token);
        CHECK(h.client.open_session(TokenParams(), o, &out) == Error::ok);
        h.spin();
        const size_t ws = next_stream++;
        accept_upgrade(ws, frame(0x1, kSessionStart));
        h.spin();
        CHECK(out.state() == SessionState::open);
    }
    void open() {
        open(h.session_options());
    }
    FakeStream& ws() {
        return h.fp.stream(next_stream - 1);
    }
};

TEST(session, OpensWithTokenUpgradeAndSessionStart) {
    open();
    CHECK(h.find(EventType::token) != nullptr);
    STRCMP_EQUAL("t1", h.find(EventType::token)->text.c_str());
    const Recorded* op = h.find(EventType::open);
    CHECK(op != nullptr);
    LONGS_EQUAL(1, op->attempt);
    STRCMP_EQUAL("", op->text.c_str());  // plain ws: no TLS version
    CHECK(h.find(EventType::session_start) != nullptr);
    const Recorded* msg = h.find(EventType::message);
    CHECK(msg != nullptr);
    STRCMP_EQUAL(kSessionStart, msg->text.c_str());  // still delivered as a message
    CHECK(s.public_state() == PublicState::connected);
    const std::string req = ws().sent();
    STRCMP_CONTAINS("GET /ws-connect?token=t1 HTTP/1.1\r\n", req.c_str());
    STRCMP_CONTAINS("Upgrade: websocket\r\n", req.c_str());
    STRCMP_CONTAINS("Sec-WebSocket-Version: 13\r\n", req.c_str());
    STRCMP_EQUAL("127.0.0.1", h.fp.open_host(1).c_str());
    LONGS_EQUAL(9, h.fp.open_port(1));
}

TEST(session, NodeHeadersGoOnTheUpgradeToo) {
    script_token("t1");
    TokenParams p;
    p.node_region = "eu-west";
    p.node_domain = "example.org";
    CHECK(h.client.open_session(p, h.session_options(), &s) == Error::ok);
    h.spin();
    STRCMP_CONTAINS("x-node-region: eu-west\r\n", h.fp.stream(0).sent().c_str());
    STRCMP_CONTAINS("x-node-region: eu-west\r\n", h.fp.stream(1).sent().c_str());
    STRCMP_CONTAINS("x-node-domain: example.org\r\n", h.fp.stream(1).sent().c_str());
}

TEST(session, UpgradeSplitAtEveryByteStillOpens) {
    script_token("t1");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    h.fp.stream(1).chunk = 1;
    accept_upgrade(1, frame(0x1, kSessionStart) + frame(0x1, "second"));
    for (int i = 0; i < 2000 && h.count(EventType::message) < 2; ++i) h.client.poll(0);
    LONGS_EQUAL(2, h.count(EventType::message));
    STRCMP_EQUAL("second", h.find(EventType::message, 1)->text.c_str());
}

TEST(session, SendIsRefusedUntilOpenAndMaskedAfter) {
    script_token("t1");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    CHECK(s.send_text("early", 5) == Error::not_open);
    h.spin();
    accept_upgrade(1, "");
    h.spin();
    // The 101 came, session_start not yet: the service would drop a message.
    CHECK(s.state() == SessionState::starting);
    CHECK(s.send_text("early", 5) == Error::not_open);
    LONGS_EQUAL(0, h.count(EventType::open));
    h.fp.stream(1).push(frame(0x1, kSessionStart));
    h.spin();
    CHECK(s.state() == SessionState::open);
    h.fp.stream(1).take_sent();
    CHECK(s.send_text("hello", 5) == Error::ok);
    CHECK(s.send_binary(reinterpret_cast<const uint8_t*>("\x00\x01"), 2) == Error::ok);
    const std::vector<wstest::ClientFrame> f = client_frames(h.fp.stream(1).sent());
    LONGS_EQUAL(2, f.size());
    CHECK(f[0].masked && f[0].fin);
    LONGS_EQUAL(1, f[0].opcode);
    STRCMP_EQUAL("hello", wstest::str_of(f[0].payload.data(), f[0].payload.size()).c_str());
    LONGS_EQUAL(2, f[1].opcode);
    CHECK(memcmp(f[0].key, f[1].key, 4) != 0);  // a fresh mask per frame
}

// A server that keeps the socket full cannot hold the loop: one pass reads
// at most Link::kBytesPerPass, the next passes go on where it stopped.
TEST(session, AFloodIsReadInBoundedSlicesPerPass) {
    open();
    const size_t before = h.count(EventType::message);
    const std::string one = frame(0x1, std::string(1000, 'f'));  // 1004 bytes on the wire
    std::string flood;
    for (int i = 0; i < 2000; ++i) flood += one;
    ws().push(flood);
    h.client.poll(0);  // one wait (the port reports the stream readable), one pass
    const size_t first_pass = h.count(EventType::message) - before;
    CHECK(first_pass > 0);
    CHECK(first_pass <= 256 * 1024 / 1004 + 1);
    for (int i = 0; i < 20 && h.count(EventType::message) - before < 2000; ++i) h.client.poll(0);
    LONGS_EQUAL(2000, h.count(EventType::message) - before);
}

TEST(session, EchoedMessagesArriveInOrder) {
    open();
    ws().push(frame(0x1, "hello") + frame(0x1, "world") + frame(0x2, "bin"));
    h.spin();
    LONGS_EQUAL(4, h.count(EventType::message));
    STRCMP_EQUAL("hello", h.find(EventType::message, 1)->text.c_str());
    STRCMP_EQUAL("world", h.find(EventType::message, 2)->text.c_str());
    CHECK(h.find(EventType::message, 3)->binary);
}

TEST(session, PingIsAnsweredWithPong) {
    open();
    ws().take_sent();
    ws().push(frame(0x9, "p!"));
    h.spin();
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(0xA, f[0].opcode);
    STRCMP_EQUAL("p!", wstest::str_of(f[0].payload.data(), f[0].payload.size()).c_str());
}

TEST(session, CallerCloseDoesTheHandshakeAndNeverReconnects) {
    open();
    ws().take_sent();
    CHECK(s.close(1000, "bye") == Error::ok);
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(8, f[0].opcode);
    LONGS_EQUAL(0x03, f[0].payload[0]);
    LONGS_EQUAL(0xE8, f[0].payload[1]);
    CHECK(s.state() == SessionState::closing);
    CHECK(s.send_text("x", 1) == Error::not_open);
    ws().push(close_frame(1000, "bye"));
    h.spin();
    const Recorded* c = h.find(EventType::close);
    CHECK(c != nullptr);
    CHECK(c->initiator == Initiator::caller);
    LONGS_EQUAL(1000, c->code);
    CHECK(ws().closed);
    CHECK(h.find(EventType::ended) != nullptr);
    CHECK(h.find(EventType::ended)->error == Error::ok);
    CHECK(s.public_state() == PublicState::closed_by_caller);
    const size_t opens = h.fp.open_calls();
    h.run_for(10000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
}

TEST(session, CloseWaitsBoundedForTheServer) {
    open();
    CHECK(s.close(1000, nullptr) == Error::ok);
    h.fp.advance(h.options.close_timeout_ms - 1);
    h.spin();
    CHECK(s.state() == SessionState::closing);
    h.fp.advance(1);
    h.spin();
    CHECK(s.state() == SessionState::closed);
    CHECK(ws().closed);
    CHECK(h.find(EventType::close)->initiator == Initiator::caller);
}

TEST(session, CloseRejectsBadCodesAndLongReasons) {
    open();
    CHECK(s.close(1005, nullptr) == Error::invalid_params);
    CHECK(s.close(999, nullptr) == Error::invalid_params);
    CHECK(s.close(1000, std::string(124, 'r').c_str()) == Error::invalid_params);
    CHECK(s.state() == SessionState::open);
}

TEST(session, CloseWhileWaitingToReconnectCancelsIt) {
    open();
    ws().push_eof();
    h.spin();
    CHECK(s.state() == SessionState::waiting_to_reconnect);
    CHECK(s.public_state() == PublicState::reconnecting);
    CHECK(s.close(1000, nullptr) == Error::ok);
    const size_t opens = h.fp.open_calls();
    h.run_for(5000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
    CHECK(s.public_state() == PublicState::closed_by_caller);
}

TEST(session, DroppedConnectionReconnectsWithANewTokenAfterExactlyTheInterval) {
    open();
    ws().push_eof();
    h.spin();
    const Recorded* c = h.find(EventType::close);
    CHECK(c != nullptr);
    CHECK(c->initiator == Initiator::network);
    LONGS_EQUAL(1006, c->code);
    const Recorded* r = h.find(EventType::reconnecting);
    CHECK(r != nullptr);
    LONGS_EQUAL(2, r->attempt);
    LONGS_EQUAL(2000, r->in_ms);
    script_token("t2");
    const size_t opens = h.fp.open_calls();
    h.fp.advance(1999);
    h.spin();
    LONGS_EQUAL(opens, h.fp.open_calls());
    h.fp.advance(1);
    h.spin();
    LONGS_EQUAL(opens + 2, h.fp.open_calls());  // token request, then the WebSocket
    STRCMP_CONTAINS("GET /ws-connect?token=t2 ", h.fp.stream(3).sent().c_str());
    accept_upgrade(3);
    ++next_stream;
    h.spin();
    CHECK(s.state() == SessionState::open);
    LONGS_EQUAL(2, h.find(EventType::open, 1)->attempt);
}

TEST(session, ServerCloseThatIsNotAnExpiryReconnects) {
    open();
    ws().push(close_frame(1011, "oops"));
    h.spin();
    const Recorded* c = h.find(EventType::close);
    CHECK(c->initiator == Initiator::server);
    LONGS_EQUAL(1011, c->code);
    STRCMP_EQUAL("oops", c->text.c_str());
    CHECK(s.state() == SessionState::waiting_to_reconnect);
}

TEST(session, ExpiryEndsTheSessionWithoutBuyingAgain) {
    open();
    ws().push(frame(0x1, kExpired) + close_frame(1000, "Time limit reached"));
    h.spin();
    LONGS_EQUAL(1, h.count(EventType::session_expired));
    CHECK(h.find(EventType::close)->initiator == Initiator::server);
    CHECK(h.find(EventType::ended)->error == Error::ok);
    const size_t opens = h.fp.open_calls();
    h.run_for(10000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
}

TEST(session, ExpiryCloseWithoutTheMessageAlsoEnds) {
    open();
    ws().push(close_frame(1008, "Data limit reached"));
    h.spin();
    CHECK(h.find(EventType::ended) != nullptr);
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
    // The caller hears of the expiry as if the message had come, before the close.
    LONGS_EQUAL(1, h.count(EventType::session_expired));
    CHECK(h.find(EventType::session_expired) < h.find(EventType::close));
}

TEST(session, RenewalIsNotBoundByMaxReconnects) {
    h.client.deinit();
    h.options.max_reconnects = 0;
    CHECK(h.init() == Error::ok);
    SessionOptions o = h.session_options();
    o.renew = true;
    open(o);
    FakeStream& first = ws();
    script_token("t2");
    first.push(frame(0x1, kExpired) + close_frame(1000, "Time limit reached"));
    h.spin();
    LONGS_EQUAL(1, h.count(EventType::reconnecting));
    CHECK(h.find(EventType::ended) == nullptr);
    h.fp.advance(h.options.reconnect_interval_ms);
    h.spin();
    STRCMP_CONTAINS("GET /ws-connect?token=t2 ", h.fp.stream(3).sent().c_str());
}

TEST(session, RenewBuysANewSessionAfterExpiry) {
    SessionOptions o = h.session_options();
    o.renew = true;
    open(o);
    FakeStream& first = ws();
    script_token("t2");
    first.push(frame(0x1, kExpired) + close_frame(1000, "Time limit reached"));
    h.spin();
    LONGS_EQUAL(1, h.count(EventType::reconnecting));
    CHECK(h.find(EventType::ended) == nullptr);
    // A renewal is a purchase like any other: it waits the reconnect interval.
    LONGS_EQUAL(2000, h.find(EventType::reconnecting)->in_ms);
    const size_t opens = h.fp.open_calls();
    h.fp.advance(1999);
    h.spin();
    LONGS_EQUAL(opens, h.fp.open_calls());
    h.fp.advance(1);
    h.spin();
    STRCMP_CONTAINS("GET /ws-connect?token=t2 ", h.fp.stream(3).sent().c_str());
}

TEST(session, TokenRejectedOnUpgradeIsTypedAndRetriedWithANewToken) {
    script_token("t1");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    h.fp.stream(1).push("HTTP/1.1 401 Unauthorized\r\n\r\n");
    h.fp.stream(1).push_eof();
    h.spin();
    const Recorded* e = h.find(EventType::error);
    CHECK(e != nullptr);
    CHECK(e->error == Error::token_rejected);
    CHECK(e->phase == Phase::open);
    LONGS_EQUAL(401, e->http_status);
    CHECK(s.state() == SessionState::waiting_to_reconnect);
}

TEST(session, OtherUpgradeRefusalIsHandshakeFailed) {
    script_token("t1");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    h.fp.stream(1).push("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
    h.spin();
    CHECK(h.find(EventType::error)->error == Error::handshake_failed);
    LONGS_EQUAL(403, h.find(EventType::error)->http_status);
}

TEST(session, WrongAcceptKeyIsHandshakeFailed) {
    script_token("t1");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    h.fp.stream(1).push(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
        "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n");
    h.spin();
    CHECK(h.find(EventType::error)->error == Error::handshake_failed);
    CHECK(h.find(EventType::open) == nullptr);
}

TEST(session, SilentUpgradeTimesOut) {
    script_token("t1");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    h.fp.advance(h.options.open_timeout_ms);
    h.spin();
    CHECK(h.find(EventType::error)->error == Error::timeout);
    CHECK(h.find(EventType::error)->phase == Phase::open);
    CHECK(h.fp.stream(1).closed);
}

TEST(session, MaxReconnectsZeroEndsAfterTheFirstFailure) {
    h.client.deinit();
    h.options.max_reconnects = 0;
    CHECK(h.init() == Error::ok);
    h.fp.script_open(CWS_OPEN_CONNECT_FAILED);
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    CHECK(h.find(EventType::error)->error == Error::connect_failed);
    CHECK(h.find(EventType::error)->phase == Phase::token);
    CHECK(h.find(EventType::ended)->error == Error::connect_failed);
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
}

TEST(session, ReconnectCountResetsOnASuccessfulOpen) {
    h.client.deinit();
    h.options.max_reconnects = 1;
    CHECK(h.init() == Error::ok);
    open();
    ws().push_eof();  // 1st loss: one reconnect allowed
    h.spin();
    LONGS_EQUAL(1, h.count(EventType::reconnecting));
    h.fp.script_open(CWS_OPEN_DNS_FAILED);  // the reconnect's purchase fails
    h.fp.advance(2000);
    h.spin();
    CHECK(h.find(EventType::ended) != nullptr);
    CHECK(h.find(EventType::ended)->error == Error::dns_failed);
}

TEST(session, KeepalivePingsWhenIdleAndDeclaresADeadLink) {
    open();
    ws().take_sent();
    h.fp.advance(h.options.ping_interval_ms - 1);
    h.spin();
    LONGS_EQUAL(0, client_frames(ws().sent()).size());
    h.fp.advance(1);
    h.spin();
    std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(9, f[0].opcode);
    h.fp.advance(h.options.ping_interval_ms);
    h.spin();
    const Recorded* c = h.find(EventType::close);
    CHECK(c != nullptr);
    CHECK(c->initiator == Initiator::network);
    CHECK(ws().closed);
    CHECK(s.state() == SessionState::waiting_to_reconnect);
}

TEST(session, AnyInboundDataIsProofOfLife) {
    open();
    ws().take_sent();
    h.fp.advance(15000);
    ws().push(frame(0x1, "alive"));
    h.spin();
    h.fp.advance(15000);  // 30 s since open, 15 s since data
    h.spin();
    LONGS_EQUAL(0, client_frames(ws().sent()).size());
    ws().push(frame(0xA, ""));  // a pong answers our ping as well
    h.fp.advance(5000);
    h.spin();
    CHECK(s.state() == SessionState::open);
}

TEST(session, KeepaliveOffNeverPings) {
    h.client.deinit();
    h.options.ping_interval_ms = 0;
    CHECK(h.init() == Error::ok);
    open();
    ws().take_sent();
    h.fp.advance(10 * 60 * 1000);
    h.spin();
    LONGS_EQUAL(0, ws().sent_size());
    CHECK(s.state() == SessionState::open);
    LONGS_EQUAL(-1, h.client.next_timeout_ms());
}

TEST(session, NextTimeoutTracksTheEarliestTimer) {
    open();
    LONGS_EQUAL(h.options.ping_interval_ms, h.client.next_timeout_ms());
    ws().push_eof();
    h.spin();
    LONGS_EQUAL(h.options.reconnect_interval_ms, h.client.next_timeout_ms());
}

TEST(session, MaskedServerFrameClosesWith1002AndReconnects) {
    open();
    ws().take_sent();
    const uint8_t key[4] = {1, 2, 3, 4};
    const wstest::Bytes bad = wstest::server_frame(true, 1, wstest::bytes_of("x"), 0, key);
    ws().push(bad.data(), bad.size());
    h.spin();
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(8, f[0].opcode);
    LONGS_EQUAL(1002, (f[0].payload[0] << 8) | f[0].payload[1]);
    CHECK(h.find(EventType::error)->error == Error::protocol_error);
    CHECK(s.state() == SessionState::waiting_to_reconnect);
}

TEST(session, OversizedMessageClosesWith1009) {
    h.client.deinit();
    h.config.max_message_bytes = 1024;
    h.config.work_buffer_bytes = 8192;
    CHECK(h.init() == Error::ok);
    open();
    // work buffer 8192 > max_message 1024: the limit is the message knob.
    ws().take_sent();
    ws().push(frame(0x2, std::string(1025, 'a')));
    h.spin();
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(1009, (f[0].payload[0] << 8) | f[0].payload[1]);
    CHECK(h.find(EventType::error)->error == Error::message_too_large);
}

TEST(session, FullSendBufferIsWouldBlockThenWritable) {
    open();
    ws().send_would_block = true;
    const std::string big(1000, 'x');
    Error e = Error::ok;
    int sent = 0;
    while ((e = s.send_text(big.data(), big.size())) == Error::ok) ++sent;
    CHECK(e == Error::would_block);
    CHECK(sent >= 3);
    LONGS_EQUAL(0, h.count(EventType::writable));
    ws().send_would_block = false;
    h.spin();
    LONGS_EQUAL(1, h.count(EventType::writable));
    CHECK(s.send_text(big.data(), big.size()) == Error::ok);
}

TEST(session, MessageLargerThanTheSendBufferIsRefused) {
    open();
    const std::string huge(h.config.tx_buffer_bytes, 'x');
    CHECK(s.send_text(huge.data(), huge.size()) == Error::message_too_large);
}

TEST(session, BudgetStopsTheReconnectOnce) {
    h.client.deinit();
    h.options.limit_micro_usd = 10000;  // one hybrid 5/50 session (7500)
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    accept_upgrade(2);
    h.spin();
    CHECK(s.state() == SessionState::open);
    LONGS_EQUAL(2, h.count(EventType::payment));  // required, then paid
    h.fp.stream(2).push_eof();
    h.spin();
    h.fp.advance(2000);
    h.spin();
    const Recorded* e = h.find(EventType::error);
    CHECK(e != nullptr);
    CHECK(e->error == Error::budget_exhausted);
    CHECK(h.find(EventType::ended)->error == Error::budget_exhausted);
    LONGS_EQUAL(1, h.limit_hook_calls);
    LONGS_EQUAL(3, h.fp.open_calls());  // nothing sent for the refused purchase
}

TEST(session, PendingPaymentDuringReconnect) {
    open();
    h.mode = HookMode::pending;
    ws().push_eof();
    h.spin();
    h.fp.stream(2).push(vector_text("402-hybrid.http"));
    h.fp.stream(3).push(vector_text("paid-200.http"));
    h.fp.advance(2000);
    h.spin();
    CHECK(s.state() == SessionState::paying);
    LONGS_EQUAL(1, h.hook_calls);
    CHECK(h.client.complete_payment(h.last_ticket, "c2ln", 4) == Error::ok);
    h.spin();
    STRCMP_CONTAINS("PAYMENT-SIGNATURE: c2ln\r\n", h.fp.stream(3).sent().c_str());
    CHECK(s.state() == SessionState::upgrading);
}

TEST(session, ConnectWithAnExpiredAuthIsTokenExpiredBeforeTraffic) {
    TokenAuth auth{};
    strcpy(auth.token, "t");
    strcpy(auth.connect_url, "ws://127.0.0.1:9/ws-connect?token=t");
    auth.expires_in_s = 60;
    auth.obtained_ms = h.fp.now;
    h.fp.advance(60000);
    CHECK(h.client.connect(auth, h.session_options(), &s) == Error::token_expired);
    LONGS_EQUAL(0, h.fp.open_calls());
    auth.connect_url[0] = '\0';
    CHECK(h.client.connect(auth, h.session_options(), &s) == Error::invalid_params);
}

TEST(session, BareAuthIsNotReusedAfterALoss) {
    TokenAuth auth{};
    strcpy(auth.token, "t");
    strcpy(auth.connect_url, "ws://127.0.0.1:9/ws-connect?token=t");
    auth.expires_in_s = 60;
    auth.obtained_ms = h.fp.now;
    CHECK(h.client.connect(auth, h.session_options(), &s) == Error::ok);
    h.spin();
    accept_upgrade(0);
    h.spin();
    CHECK(s.state() == SessionState::open);
    h.fp.stream(0).push_eof();
    h.spin();
    CHECK(h.find(EventType::ended) != nullptr);
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
}

TEST(session, PoolIsBoundedAndStaleHandlesAreRefused) {
    Session a, b, c;
    script_token("a");
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &a) == Error::ok);
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &b) == Error::ok);
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &c) == Error::no_resources);
    CHECK(a.close(1000, nullptr) == Error::ok);
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &c) == Error::ok);
    CHECK_FALSE(a.valid());
    CHECK(a.send_text("x", 1) == Error::invalid_handle);
    CHECK(c.valid());
}

TEST(session, ListenersAreAddedAndRemovedExactly) {
    open(SessionOptions());
    int calls = 0;
    auto fn = [](void* u, Session&, const Event&) { ++*static_cast<int*>(u); };
    CHECK(s.on(EventType::message, fn, &calls) == Error::ok);
    CHECK(s.on(EventType::message, fn, &calls) == Error::ok);
    CHECK(s.on(EventType::message, fn, &calls) == Error::no_resources);  // 2 slots
    ws().push(frame(0x1, "a"));
    h.spin();
    LONGS_EQUAL(2, calls);
    CHECK(s.off(EventType::message, fn, &calls));
    ws().push(frame(0x1, "b"));
    h.spin();
    LONGS_EQUAL(3, calls);
    CHECK(s.off(EventType::message, fn, &calls));
    CHECK_FALSE(s.off(EventType::message, fn, &calls));
}

// ---- calls from inside a listener (client.h, "Calling the library from inside a callback")

TEST(session, SendFromInsideTheOpenListener) {
    script_token("t1");
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Reentry r;
    auto send_hi = [](void* u, Session& self, const Event&) {
        Reentry* got = static_cast<Reentry*>(u);
        ++got->calls;
        got->result = self.send_text("hi", 2);
    };
    CHECK_ERR(Error::ok, s.on(EventType::open, send_hi, &r));
    h.spin();
    accept_upgrade(1);
    h.fp.stream(1).take_sent();  // the upgrade request
    h.spin();
    LONGS_EQUAL(1, r.calls);
    CHECK_ERR(Error::ok, r.result);
    const std::vector<wstest::ClientFrame> f = client_frames(h.fp.stream(1).sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(1, f[0].opcode);
    STRCMP_EQUAL("hi", wstest::str_of(f[0].payload.data(), f[0].payload.size()).c_str());
}

TEST(session, SendFromInsideAMessageListenerLeavesAfterTheReadPass) {
    open();
    Reentry r;
    auto echo = [](void* u, Session& self, const Event& ev) {
        Reentry* got = static_cast<Reentry*>(u);
        ++got->calls;
        got->result = self.send_binary(ev.data, ev.size);  // the view is valid until we return
    };
    CHECK_ERR(Error::ok, s.on(EventType::message, echo, &r));
    ws().take_sent();
    const int writes = ws().send_calls;
    ws().push(frame(0x1, "one") + frame(0x2, "two"));
    h.spin();
    LONGS_EQUAL(2, r.calls);
    LONGS_EQUAL(writes + 1, ws().send_calls);  // both echoes in one write
    CHECK_ERR(Error::ok, r.result);
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(2, f.size());
    STRCMP_EQUAL("one", wstest::str_of(f[0].payload.data(), f[0].payload.size()).c_str());
    STRCMP_EQUAL("two", wstest::str_of(f[1].payload.data(), f[1].payload.size()).c_str());
}

TEST(session, CloseFromInsideAMessageListenerStartsTheHandshake) {
    open();
    Reentry r;
    auto close_now = [](void* u, Session& self, const Event&) {
        Reentry* got = static_cast<Reentry*>(u);
        if (got->calls++ == 0) got->result = self.close(1000, "enough");
    };
    CHECK_ERR(Error::ok, s.on(EventType::message, close_now, &r));
    ws().take_sent();
    ws().push(frame(0x1, "a") + frame(0x1, "b"));
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    CHECK(s.state() == SessionState::closing);
    LONGS_EQUAL(2, r.calls);  // "b" came in the same read: still delivered
    STRCMP_EQUAL("b", h.find(EventType::message, 2)->text.c_str());
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(8, f[0].opcode);
    ws().push(close_frame(1000, "enough"));
    h.spin();
    CHECK(h.find(EventType::close)->initiator == Initiator::caller);
    CHECK_ERR(Error::ok, h.find(EventType::ended)->error);
}

TEST(session, CloseFromInsideReconnectingEndsBeforeItReturns) {
    open();
    Reentry r;
    r.h = &h;
    auto stop = [](void* u, Session& self, const Event&) {
        Reentry* got = static_cast<Reentry*>(u);
        got->result = self.close(1000, nullptr);
        got->ended_seen = got->h->count(EventType::ended);
    };
    CHECK_ERR(Error::ok, s.on(EventType::reconnecting, stop, &r));
    ws().push_eof();
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    LONGS_EQUAL(1, r.ended_seen);  // `ended` fired inside close()
    const size_t opens = h.fp.open_calls();
    h.run_for(5000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
    CHECK(s.public_state() == PublicState::closed_by_caller);
}

TEST(session, CloseFromInsideACloseListenerAfterANetworkLossEndsAtOnce) {
    open();
    Reentry r;
    auto stop = [](void* u, Session& self, const Event&) {
        static_cast<Reentry*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::close, stop, &r));
    ws().push_eof();
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    LONGS_EQUAL(1, h.count(EventType::close));
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
    CHECK_ERR(Error::ok, h.find(EventType::ended)->error);
}

// The server's close frame has ended the link: there is nothing to close,
// so close() ends the session at once, with no second close event.
TEST(session, CloseFromInsideACloseListenerAfterAServerCloseEndsAtOnce) {
    open();
    Reentry r;
    auto stop = [](void* u, Session& self, const Event&) {
        Reentry* got = static_cast<Reentry*>(u);
        if (got->calls++ == 0) got->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::close, stop, &r));
    const size_t opens = h.fp.open_calls();
    ws().push(close_frame(1011, "oops"));
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    CHECK(s.state() == SessionState::closed);
    CHECK(s.public_state() == PublicState::closed_by_caller);
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
    LONGS_EQUAL(1, h.count(EventType::close));  // the server's
    CHECK(h.find(EventType::close)->initiator == Initiator::server);
    CHECK_ERR(Error::ok, h.find(EventType::ended)->error);
    LONGS_EQUAL(opens, h.fp.open_calls());
}

TEST(session, OffOfItselfInsideItsOwnCallback) {
    open(SessionOptions());
    Reentry r;
    int counted = 0;
    CHECK_ERR(Error::ok, s.on(EventType::message, remove_self, &r));
    CHECK_ERR(Error::ok, s.on(EventType::message, count_calls, &counted));
    ws().push(frame(0x1, "x") + frame(0x1, "y"));
    h.spin();
    LONGS_EQUAL(1, r.calls);
    CHECK(r.flag);            // off() found it
    LONGS_EQUAL(2, counted);  // the next listener still ran, both times
}

TEST(session, OnInsideACallbackMayReceiveTheEventBeingDelivered) {
    open(SessionOptions());
    Reentry r;
    CHECK_ERR(Error::ok, s.on(EventType::message, add_counter, &r));
    ws().push(frame(0x1, "x"));
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    LONGS_EQUAL(1, r.counted);  // added into a later slot: called for "x" too
    ws().push(frame(0x1, "y"));
    h.spin();
    LONGS_EQUAL(2, r.counted);
}

TEST(session, ListenerMayUseAnotherSessionAndReadTheClient) {
    open();
    Reentry r;
    r.h = &h;
    open_into(r.other, h.session_options(), "t2");
    auto relay = [](void* u, Session&, const Event& ev) {
        Reentry* got = static_cast<Reentry*>(u);
        got->result = got->other.send_text(reinterpret_cast<const char*>(ev.data), ev.size);
        const Client& c = got->h->client;
        got->flag = got->other.state() == SessionState::open && !c.stand_down() &&
                    !c.budget().limited && c.next_timeout_ms() >= 0;
    };
    CHECK_ERR(Error::ok, s.on(EventType::message, relay, &r));
    FakeStream& first = h.fp.stream(1);
    ws().take_sent();
    first.push(frame(0x1, "relay me"));
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    CHECK(r.flag);
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    STRCMP_EQUAL("relay me", wstest::str_of(f[0].payload.data(), f[0].payload.size()).c_str());
}

TEST(session, OpenSessionFromInsideEndedMayTakeThatVerySlot) {
    h.client.deinit();
    h.config.max_sessions = 1;
    CHECK_ERR(Error::ok, h.init());
    open(SessionOptions());
    Reentry r;
    r.h = &h;
    int later = 0;
    auto reopen = [](void* u, Session& self, const Event&) {
        Reentry* got = static_cast<Reentry*>(u);
        got->result =
            got->h->client.open_session(TokenParams(), got->h->session_options(), &got->other);
        got->flag = self.valid();
    };
    CHECK_ERR(Error::ok, s.on(EventType::ended, reopen, &r));
    CHECK_ERR(Error::ok, s.on(EventType::ended, count_calls, &later));
    FakeStream& first = ws();
    script_token("t2");
    CHECK_ERR(Error::ok, s.close(1000, nullptr));
    first.push(close_frame(1000, ""));
    h.spin();
    CHECK_ERR(Error::ok, r.result);
    LONGS_EQUAL(s.index(), r.other.index());  // the one slot, again
    CHECK_FALSE(r.flag);                      // the old handle went stale at once
    CHECK_FALSE(s.valid());
    LONGS_EQUAL(0, later);  // the slot's listeners were replaced mid-event
    STRCMP_CONTAINS("GET /ws-connect?token=t2 ", h.fp.stream(3).sent().c_str());
}

// A session with its own HTTP lane parses the service's text messages in the
// lane's read chunk, which still holds the frames that came with the 101
// beyond what the framer has read: the parse must not write over them.
TEST_GROUP(session_leftover) {
    Harness h;
    void setup() override {
        h.config.rx_buffer_bytes = 16384;
        CHECK(h.init() == Error::ok);
    }
    void teardown() override {
        h.client.deinit();
    }
};

TEST(session_leftover, AParsedTextMessageLeavesTheUnreadFramesWhole) {
    h.fp.stream(0).push(response(200, "OK", token_body("t")));
    h.fp.stream(0).push_eof();
    Session s;
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
    h.spin();
    // JSON with a token per byte or two: its parse fills as much scratch as it has.
    std::string array = "[";
    for (int i = 0; i < 1500; ++i) array += "1,";
    array += "1]";
    const std::string tail(3000, 't');
    h.fp.stream(1).push(switching_protocols(h.fp.stream(1).sent()) + frame(0x1, kSessionStart) +
                        frame(0x2, std::string(4500, 'b')) + frame(0x1, array) +
                        frame(0x1, tail));
    h.spin(20);
    CHECK(s.state() == SessionState::open);
    LONGS_EQUAL(4, h.count(EventType::message));
    STRCMP_EQUAL(array.c_str(), h.find(EventType::message, 2)->text.c_str());
    STRCMP_EQUAL(tail.c_str(), h.find(EventType::message, 3)->text.c_str());
    CHECK(h.find(EventType::error) == nullptr);
}
