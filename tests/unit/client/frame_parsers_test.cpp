// SPDX-License-Identifier: MIT
// Config::frame_parsers below max_sessions, on the fake port and clock: a
// session whose frame is half-read holds the one parser; another session's
// messages wait in its socket (no read interest, the loop sleeps) and come
// once the parser is given back; keepalive pings go on meanwhile, and the
// holder's keepalive bounds the wait.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

// One session's messages and closes, in order.
struct Log {
    std::vector<std::string> messages;
    std::vector<std::string> closes;
    static void on_event(void* user, Session&, const Event& ev) {
        Log* l = static_cast<Log*>(user);
        if (ev.type == EventType::message) {
            l->messages.emplace_back(reinterpret_cast<const char*>(ev.data), ev.size);
        } else if (ev.type == EventType::close) {
            l->closes.emplace_back(ev.reason.data, ev.reason.size);
        }
    }
};

size_t pings_in(const std::string& sent) {
    size_t n = 0;
    for (const wstest::ClientFrame& f : client_frames(sent)) n += f.opcode == 0x9 ? 1 : 0;
    return n;
}

}  // namespace

TEST_GROUP(frame_parsers) {
    Harness h;
    Session waiter;  // index 0: steps before the holder in each pass
    Session holder;  // index 1
    Log wlog;
    Log hlog;
    size_t next_stream = 0;

    void setup() override {
        h.config.max_sessions = 2;
        h.config.frame_parsers = 1;
        CHECK_ERR(Error::ok, h.init());
        open_into(waiter, wlog, "t1");
        open_into(holder, hlog, "t2");
        wlog.messages.clear();
        hlog.messages.clear();
    }
    void teardown() override {
        h.client.deinit();
    }

    void open_into(Session & out, Log & log, const std::string& token) {
        h.fp.stream(next_stream).push(response(200, "OK", token_body(token)));
        h.fp.stream(next_stream).push_eof();
        ++next_stream;
        SessionOptions o;
        o.listener = &Log::on_event;
        o.user = &log;
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), o, &out));
        h.spin();
        const size_t i = next_stream++;
        h.fp.stream(i).push(switching_protocols(h.fp.stream(i).sent()) + frame(0x1, kSessionStart));
        h.spin();
        CHECK(out.state() == SessionState::open);
    }
    FakeStream& wstream() {
        return h.fp.stream(1);
    }
    FakeStream& hstream() {
        return h.fp.stream(3);
    }
    // The holder gets the first `cut` bytes of a 200-byte binary frame.
    std::string pin(size_t cut = 50) {
        const std::string f = frame(0x2, std::string(200, 'h'));
        hstream().push(f.substr(0, cut));
        h.spin();
        CHECK_EQUAL(0u, hlog.messages.size());
        return f.substr(cut);
    }
};

// The holder's half frame pins the parser; the waiter's message waits in
// its socket, read interest off; it comes right after the holder's frame
// completes, in the same poll pass's next wait (no sleep until a timer).
TEST(frame_parsers, HalfFrameHoldsTheParserAndTheOtherWaitsWithoutReading) {
    const std::string rest = pin();
    wstream().push(frame(0x1, "w1"));
    h.spin();
    CHECK_EQUAL(0u, wlog.messages.size());
    CHECK(wstream().inbound_left() > 0);  // not read: no parser
    CHECK((wstream().interest & CWS_WANT_READ) == 0);
    CHECK(waiter.state() == SessionState::open);

    hstream().push(rest);
    h.fp.auto_advance = true;  // a wait with nothing ready would sleep to the next timer
    const uint64_t t0 = h.fp.now;
    h.client.poll(100000);  // the holder's frame completes, the parser goes to the waiter
    CHECK_EQUAL(1u, hlog.messages.size());
    h.client.poll(100000);  // the waiter's socket is ready again: read now
    CHECK_EQUAL(t0, h.fp.now);
    CHECK_EQUAL(1u, wlog.messages.size());
    if (wlog.messages.size() == 1) STRCMP_EQUAL("w1", wlog.messages[0].c_str());
    CHECK((wstream().interest & CWS_WANT_READ) != 0);
}

// While it waits, the loop sleeps until the next timer: a few wait() calls
// over a long window, not one per pass of a readable socket.
TEST(frame_parsers, TheWaitingSessionDoesNotSpin) {
    pin();
    wstream().push(frame(0x1, "w1"));
    h.spin();
    const int waits = h.fp.wait_calls;
    const int recvs = wstream().recv_calls;
    h.fp.auto_advance = true;
    const uint64_t until = h.fp.now + h.options.ping_interval_ms / 2;
    for (int i = 0; i < 1000 && h.fp.now < until; ++i) h.client.poll(1000);
    CHECK(h.fp.now >= until);
    CHECK(h.fp.wait_calls - waits <= 12);  // one per 1 s slice of the window
    CHECK_EQUAL(recvs, wstream().recv_calls);
    CHECK(h.client.next_timeout_ms() > 0);
    CHECK_EQUAL(0u, wlog.messages.size());
}

// Keepalive goes on while waiting: the waiter pings on time; it is not
// declared dead while it cannot read (its pong may be in the socket). The
// holder, silent mid-frame, is: its close gives the parser back, and the
// waiter reads what waited (a message and the pongs).
TEST(frame_parsers, KeepaliveStillPingsAndTheHoldersTimeoutEndsTheWait) {
    pin();
    wstream().push(frame(0x1, "w1"));
    h.spin();
    wstream().take_sent();
    const uint32_t interval = h.options.ping_interval_ms;
    h.fp.advance(interval);
    h.spin();
    CHECK_EQUAL(1u, pings_in(wstream().sent()));
    wstream().push(frame(0xA, ""));  // its pong: unread for now
    h.fp.advance(interval);          // two intervals without a byte read, for both
    h.spin();
    CHECK_EQUAL(1u, hlog.closes.size());  // the holder: keepalive timeout
    if (hlog.closes.size() == 1) STRCMP_EQUAL("keepalive timeout", hlog.closes[0].c_str());
    CHECK_EQUAL(0u, wlog.closes.size());
    CHECK(waiter.state() == SessionState::open);
    CHECK_EQUAL(1u, wlog.messages.size());
    CHECK_EQUAL(0u, wstream().inbound_left());
}

// A session that ends while holding the parser mid-frame (the caller closes
// it) gives it back at once, created anew: the other reads cleanly.
TEST(frame_parsers, EndingMidFrameGivesTheParserBack) {
    pin(3);
    wstream().push(frame(0x1, "w1"));
    h.spin();
    CHECK_EQUAL(0u, wlog.messages.size());
    CHECK_ERR(Error::ok, holder.close(1000, "bye"));
    h.fp.advance(h.options.close_timeout_ms);
    h.spin();
    CHECK(holder.state() == SessionState::closed);
    CHECK_EQUAL(1u, wlog.messages.size());
    wstream().push(frame(0x1, "w2") + frame(0x1, "w3"));
    h.spin();
    CHECK_EQUAL(3u, wlog.messages.size());
}

// Whole frames never keep the parser: both sessions read in every pass.
TEST(frame_parsers, WholeFramesShareOneParser) {
    for (int i = 0; i < 20; ++i) {
        wstream().push(frame(0x1, "w" + std::to_string(i)));
        hstream().push(frame(0x1, "h" + std::to_string(i)));
        h.client.poll(0);
        CHECK_EQUAL(static_cast<size_t>(i + 1), wlog.messages.size());
        CHECK_EQUAL(static_cast<size_t>(i + 1), hlog.messages.size());
    }
}
