// SPDX-License-Identifier: MIT
// Client::post and Client::wake on the loop's own thread: what post()
// refuses, the order the loop sends in, a full ring, a session that cannot
// take the message now, and the handles that are dropped. The same calls
// from other threads: tests/threads/.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

// Text messages the client sent on a stream, in order.
std::vector<std::string> texts_sent(const std::string& sent) {
    std::vector<std::string> out;
    const size_t body = sent.find("\r\n\r\n");  // after the upgrade request
    if (body == std::string::npos) return out;
    for (const wstest::ClientFrame& f : client_frames(sent.substr(body + 4))) {
        if (f.opcode == 0x1 || f.opcode == 0x2)
            out.emplace_back(f.payload.begin(), f.payload.end());
    }
    return out;
}

}  // namespace

TEST_GROUP(post) {
    Harness h;
    Session s;
    size_t next_stream = 0;
    cws_port_ops ops{};  // a changed copy of the fake's ops: outlives the client

    void setup() override {
        h.config.max_sessions = 2;
        h.config.post_slots = 4;
        h.config.post_slot_bytes = 64;
    }
    void teardown() override {
        h.client.deinit();
    }
    void init() {
        CHECK(h.init() == Error::ok);
    }
    void open_into(Session & out, const std::string& token) {
        h.fp.stream(next_stream).push(response(200, "OK", token_body(token)));
        h.fp.stream(next_stream).push_eof();
        ++next_stream;
        CHECK(h.client.open_session(TokenParams(), h.session_options(), &out) == Error::ok);
        h.spin();
        FakeStream& ws = h.fp.stream(next_stream++);
        ws.push(switching_protocols(ws.sent()) + frame(0x1, kSessionStart));
        h.spin();
        CHECK(out.state() == SessionState::open);
    }
    FakeStream& ws() {
        return h.fp.stream(next_stream - 1);
    }
};

TEST(post, IsInvalidConfigBeforeInitAndWhenOff) {
    CHECK_ERR(Error::invalid_config, h.client.post_text(s, "x", 1));
    CHECK_FALSE(h.client.wake());
    h.config.post_slots = 0;
    init();
    CHECK_ERR(Error::invalid_config, h.client.post_text(s, "x", 1));
    LONGS_EQUAL(0, h.client.posts_dropped());
}

TEST(post, RefusesBadArgumentsWithNothingQueued) {
    init();
    open_into(s, "t1");
    CHECK_ERR(Error::invalid_params, h.client.post_binary(s, nullptr, 3));
    CHECK_ERR(Error::invalid_handle, h.client.post_text(Session(), "x", 1));
    Harness other;  // a handle of another client is not this client's slot
    other.config.post_slots = 2;
    CHECK(other.init() == Error::ok);
    Session foreign;
    other.fp.stream(0).push(response(200, "OK", token_body("o")));
    CHECK(other.client.open_session(TokenParams(), other.session_options(), &foreign) == Error::ok);
    CHECK_ERR(Error::invalid_handle, h.client.post_text(foreign, "x", 1));
    other.client.deinit();
    const std::string slot(64, 'a');
    CHECK_ERR(Error::ok, h.client.post_text(s, slot.data(), slot.size()));
    CHECK_ERR(Error::message_too_large, h.client.post_text(s, slot.data(), slot.size() + 1));
    const size_t before = ws().sent_size();
    h.spin(1);
    CHECK(ws().sent_size() > before);
    LONGS_EQUAL(1, texts_sent(ws().sent()).size());
}

TEST(post, TooLargeForTheSendBufferIsRefused) {
    h.config.tx_buffer_bytes = 3072;  // max_payment_header + 1024
    h.config.post_slot_bytes = 4096;
    init();
    open_into(s, "t1");
    const std::string big(3072 - 14 + 1, 'b');
    CHECK_ERR(Error::message_too_large, h.client.post_text(s, big.data(), big.size()));
    CHECK_ERR(Error::ok, h.client.post_text(s, big.data(), big.size() - 1));
}

TEST(post, SendsInPostingOrderAndWakesOncePerDrain) {
    init();
    open_into(s, "t1");
    const int wakes = h.fp.wake_calls.load();
    CHECK_ERR(Error::ok, h.client.post_text(s, "one", 3));
    CHECK_ERR(Error::ok, h.client.post_text(s, "two", 3));
    CHECK_ERR(Error::ok, h.client.post_binary(s, reinterpret_cast<const uint8_t*>("3"), 1));
    CHECK_ERR(Error::ok, h.client.post_text(s, "", 0));
    // The first post woke the loop; the others coalesced into that wake.
    LONGS_EQUAL(wakes + 1, h.fp.wake_calls.load());
    CHECK_ERR(Error::would_block, h.client.post_text(s, "five", 4));  // 4 slots
    h.spin(1);
    const std::vector<std::string> sent = texts_sent(ws().sent());
    LONGS_EQUAL(4, sent.size());
    STRCMP_EQUAL("one", sent[0].c_str());
    STRCMP_EQUAL("two", sent[1].c_str());
    STRCMP_EQUAL("3", sent[2].c_str());
    STRCMP_EQUAL("", sent[3].c_str());
    // Drained: slots are free again, and the next post wakes again.
    CHECK_ERR(Error::ok, h.client.post_text(s, "five", 4));
    LONGS_EQUAL(wakes + 2, h.fp.wake_calls.load());
    h.spin(1);
    LONGS_EQUAL(5, texts_sent(ws().sent()).size());
    LONGS_EQUAL(0, h.client.posts_dropped());
}

TEST(post, WakeCallsThePortsWakeOp) {
    init();
    const int before = h.fp.wake_calls.load();
    CHECK_TRUE(h.client.wake());
    LONGS_EQUAL(before + 1, h.fp.wake_calls.load());
    h.spin(1);
    CHECK(h.fp.woken_waits >= 1);
}

TEST(post, WithoutAWakeOpWakeIsFalseAndPostsStillGo) {
    ops = *h.fp.port().ops;
    ops.wake = nullptr;
    h.memory.assign(Client::required_bytes(h.config) + 16, 0);
    uint8_t* block =
        h.memory.data() + ((16 - reinterpret_cast<uintptr_t>(h.memory.data()) % 16) % 16);
    CHECK(h.client.init(h.config, h.options, cws_port{&ops, h.fp.port().ctx}, block,
                        Client::required_bytes(h.config)) == Error::ok);
    CHECK_FALSE(h.client.wake());
    open_into(s, "t1");
    CHECK_ERR(Error::ok, h.client.post_text(s, "quiet", 5));
    LONGS_EQUAL(0, h.fp.wake_calls.load());
    h.spin(1);
    LONGS_EQUAL(1, texts_sent(ws().sent()).size());
}

// The session's send buffer is full: the message stays first, and every
// message behind it waits, until the socket takes bytes again.
TEST(post, AMessageWithoutRoomStaysFirstUntilTheSessionDrains) {
    h.config.tx_buffer_bytes = 3072;
    h.config.post_slot_bytes = 2048;
    init();
    Session t;
    open_into(s, "t1");
    FakeStream& first = ws();
    open_into(t, "t2");
    FakeStream& second = ws();
    first.send_would_block = true;
    const std::string big(2000, 'x');
    CHECK_ERR(Error::ok, h.client.post_text(s, big.data(), big.size()));  // fits tx
    CHECK_ERR(Error::ok, h.client.post_text(s, big.data(), big.size()));  // would_block
    CHECK_ERR(Error::ok, h.client.post_text(t, "other", 5));              // behind it
    h.spin(3);
    LONGS_EQUAL(0, texts_sent(second.sent()).size());
    LONGS_EQUAL(0, h.client.posts_dropped());
    first.send_would_block = false;
    h.spin(3);
    const std::vector<std::string> a = texts_sent(first.sent());
    LONGS_EQUAL(2, a.size());
    CHECK(a[1] == big);
    const std::vector<std::string> b = texts_sent(second.sent());
    LONGS_EQUAL(1, b.size());
    STRCMP_EQUAL("other", b[0].c_str());
}

// Not open at delivery (still buying its token), or ended with its handle
// stale: dropped and counted, and the messages behind still go out.
TEST(post, MessagesForASessionNotOpenOrStaleAreDroppedAndCounted) {
    init();
    open_into(s, "t1");
    FakeStream& open_ws = ws();
    Session pending;
    CHECK(h.client.open_session(TokenParams(), h.session_options(), &pending) == Error::ok);
    CHECK(pending.state() != SessionState::open);
    CHECK_ERR(Error::ok, h.client.post_text(pending, "early", 5));
    CHECK_ERR(Error::ok, h.client.post_text(s, "kept", 4));
    h.spin(1);
    LONGS_EQUAL(1, h.client.posts_dropped());
    LONGS_EQUAL(1, texts_sent(open_ws.sent()).size());
    CHECK_ERR(Error::ok, pending.close());  // ends at once: nothing was open
    CHECK(pending.state() == SessionState::closed);
    CHECK_ERR(Error::ok, h.client.post_text(pending, "stale", 5));
    h.spin(1);
    LONGS_EQUAL(2, h.client.posts_dropped());
}
