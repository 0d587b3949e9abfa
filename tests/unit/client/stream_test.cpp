// SPDX-License-Identifier: MIT
// Streaming on a session, on the fake port: a message larger than the message
// buffer received in parts, and one sent from a pull source (pieces, pauses,
// aborts, a close or a ping between fragments, other sends refused meanwhile).
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

// A pull source over a string. pause_at: bytes after which it returns 0 once
// (a pause); fail_at: bytes after which it returns -1.
struct Source {
    std::string data;
    size_t at = 0;
    size_t pause_at = SIZE_MAX;
    size_t fail_at = SIZE_MAX;
    size_t max_piece = SIZE_MAX;
    int calls = 0;
    Session* close_inside = nullptr;  // close() this session from inside the call
    Error send_inside = Error::ok;    // what send_text from inside returned

    static long pull(void* user, uint8_t* out, size_t cap, bool* last) {
        Source* s = static_cast<Source*>(user);
        ++s->calls;
        if (s->close_inside != nullptr) {
            s->send_inside = s->close_inside->send_text("x", 1);
            s->close_inside->close(1000, nullptr);
            return 1;
        }
        if (s->at >= s->fail_at) return -1;
        if (s->at == s->pause_at) {
            s->pause_at = SIZE_MAX;
            return 0;
        }
        size_t n = s->data.size() - s->at;
        if (n > cap) n = cap;
        if (n > s->max_piece) n = s->max_piece;
        if (s->pause_at != SIZE_MAX && s->at < s->pause_at && s->at + n > s->pause_at)
            n = s->pause_at - s->at;
        memcpy(out, s->data.data() + s->at, n);
        s->at += n;
        *last = s->at == s->data.size();
        return static_cast<long>(n);
    }
};

std::string pattern(size_t n) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>((i * 31 + 7) & 0xFF);
    return s;
}

// The data frames of what the client sent, checked to be one fragmented
// message (first opcode, continuations, FIN on the last only); returns its
// payload joined, or "<bad>".
std::string one_message(const std::vector<wstest::ClientFrame>& frames, uint8_t opcode,
                        size_t* fragments = nullptr) {
    std::string all;
    size_t n = 0;
    bool done = false;
    for (const wstest::ClientFrame& f : frames) {
        if (f.opcode >= 0x8) continue;  // control frames may come between
        if (done || !f.masked) return "<bad>";
        if (f.opcode != (n == 0 ? opcode : 0)) return "<bad>";
        all += wstest::str_of(f.payload.data(), f.payload.size());
        done = f.fin;
        ++n;
    }
    if (fragments != nullptr) *fragments = n;
    return done ? all : "<bad>";
}

}  // namespace

TEST_GROUP(stream) {
    Harness h;
    Session s;
    size_t next_stream = 0;

    void setup() override {
        h.config.max_sessions = 2;
        h.config.max_message_bytes = 1024;
        h.config.work_buffer_bytes = 8192;
    }
    void teardown() override {
        h.client.deinit();
    }
    void open(uint64_t max_streamed = 0) {
        CHECK(h.init() == Error::ok);
        h.fp.stream(next_stream).push(response(200, "OK", token_body("t1")));
        h.fp.stream(next_stream).push_eof();
        ++next_stream;
        SessionOptions o = h.session_options();
        o.max_streamed_message_bytes = max_streamed;
        CHECK(h.client.open_session(TokenParams(), o, &s) == Error::ok);
        h.spin();
        const size_t i = next_stream++;
        h.fp.stream(i).push(switching_protocols(h.fp.stream(i).sent()) + frame(0x1, kSessionStart));
        h.spin();
        CHECK(s.state() == SessionState::open);
        ws().take_sent();
    }
    FakeStream& ws() {
        return h.fp.stream(next_stream - 1);
    }
    std::string parts_joined() {
        std::string all;
        for (const Recorded& r : h.events) {
            if (r.type != EventType::message_part) continue;
            CHECK_EQUAL(all.size(), r.offset);
            all += r.text;
        }
        return all;
    }
};

// ---- receiving

TEST(stream, ALargerMessageComesInPartsASmallerOneWhole) {
    open(1 << 20);
    const std::string big = pattern(5000);
    const wstest::Bytes b(big.begin(), big.end());
    std::string wire;
    for (size_t at = 0; at < b.size(); at += 700) {
        const size_t n = b.size() - at < 700 ? b.size() - at : 700;
        const wstest::Bytes piece(b.begin() + static_cast<long>(at),
                                  b.begin() + static_cast<long>(at + n));
        const wstest::Bytes f =
            wstest::server_frame(at + n == b.size(), at == 0 ? 0x2 : 0x0, piece);
        wire.append(f.begin(), f.end());
    }
    ws().push(wire + frame(0x1, std::string(1024, 'w')));
    h.spin();
    LONGS_EQUAL(5, h.count(EventType::message_part));  // 4 x 1024 + 904
    CHECK(parts_joined() == big);
    CHECK(h.find(EventType::message_part, 4)->last);
    CHECK(!h.find(EventType::message_part, 3)->last);
    CHECK(h.find(EventType::message_part, 0)->binary);
    LONGS_EQUAL(2, h.count(EventType::message));  // session_start, then the 1024-byte one
    LONGS_EQUAL(1024, h.find(EventType::message, 1)->text.size());
    CHECK(h.find(EventType::message, 1)->last);  // a whole message is its own last part
    LONGS_EQUAL(0, h.find(EventType::message, 1)->offset);
    CHECK(s.state() == SessionState::open);
}

TEST(stream, BeyondTheStreamedLimitIs1009) {
    open(4096);
    ws().push(frame(0x2, std::string(4097, 'a')));
    h.spin();
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(1009, (f[0].payload[0] << 8) | f[0].payload[1]);
    CHECK_ERR(Error::message_too_large, h.find(EventType::error)->error);
    LONGS_EQUAL(0, h.count(EventType::message_part));  // refused at its header
}

// ---- sending

TEST(stream, ASourceIsSentAsOneFragmentedMessageThenWritable) {
    open();
    Source src;
    src.data = pattern(20000);  // five times the 4 KiB send buffer
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    LONGS_EQUAL(0, src.calls);  // the first piece is pulled by poll()
    h.spin(30);
    size_t fragments = 0;
    CHECK(one_message(client_frames(ws().sent()), 0x2, &fragments) == src.data);
    CHECK(fragments >= 5);
    LONGS_EQUAL(1, h.count(EventType::writable));
    CHECK_ERR(Error::ok, s.send_text("after", 5));
}

TEST(stream, EachPassPullsOnePieceAndOnlyWhenHalfTheBufferIsFree) {
    open();
    Source src;
    src.data = pattern(20000);
    ws().send_would_block = true;
    CHECK_ERR(Error::ok, s.send_stream(false, Source::pull, &src));
    h.client.poll(0);
    LONGS_EQUAL(1, src.calls);
    h.spin(5);  // the socket takes nothing: the buffer stays full, no more pulls
    LONGS_EQUAL(1, src.calls);
    ws().send_would_block = false;
    h.client.poll(0);
    h.client.poll(0);
    CHECK(src.calls >= 2);
    h.spin(30);
    CHECK(one_message(client_frames(ws().sent()), 0x1) == src.data);
}

TEST(stream, OtherSendsAreBusyWhileAStreamRuns) {
    open();
    Source src;
    src.data = pattern(100);
    src.pause_at = 10;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    CHECK_ERR(Error::busy, s.send_text("x", 1));
    CHECK_ERR(Error::busy, s.send_binary(reinterpret_cast<const uint8_t*>("x"), 1));
    CHECK_ERR(Error::busy, s.send_stream(true, Source::pull, &src));
    h.spin();
    CHECK_ERR(Error::busy, s.send_text("x", 1));  // paused is still in progress
    CHECK_ERR(Error::ok, s.resume_stream());
    h.spin();
    CHECK_ERR(Error::ok, s.send_text("x", 1));
    CHECK_ERR(Error::invalid_params, s.send_stream(true, nullptr, nullptr));
}

TEST(stream, APostForAStreamingSessionIsDropped) {
    h.config.post_slots = 4;
    h.config.post_slot_bytes = 64;
    open();
    Source src;
    src.data = pattern(100);
    src.pause_at = 10;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    CHECK_ERR(Error::ok, h.client.post_text(s, "posted", 6));
    h.spin();
    LONGS_EQUAL(1, h.client.posts_dropped());
    CHECK_ERR(Error::ok, s.resume_stream());
    h.spin();
    CHECK_ERR(Error::ok, h.client.post_text(s, "posted", 6));
    h.spin();
    LONGS_EQUAL(1, h.client.posts_dropped());
    std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    CHECK(!f.empty());
    LONGS_EQUAL(0x1, f.back().opcode);  // the second post, after the whole stream
    CHECK(wstest::str_of(f.back().payload.data(), f.back().payload.size()) == "posted");
    f.pop_back();
    CHECK(one_message(f, 0x2) == src.data);
}

TEST(stream, APausedSourceIsNotCalledUntilResumed) {
    open();
    Source src;
    src.data = pattern(3000);
    src.pause_at = 1000;
    src.max_piece = 500;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    h.spin(10);
    LONGS_EQUAL(3, src.calls);  // 500, 500, then the pause
    h.run_for(1000);
    LONGS_EQUAL(3, src.calls);
    LONGS_EQUAL(0, h.count(EventType::writable));
    CHECK_ERR(Error::ok, s.resume_stream());
    h.spin(10);
    LONGS_EQUAL(7, src.calls);  // four pieces of 500 more
    size_t fragments = 0;
    CHECK(one_message(client_frames(ws().sent()), 0x2, &fragments) == src.data);
    LONGS_EQUAL(6, fragments);
    LONGS_EQUAL(1, h.count(EventType::writable));
}

TEST(stream, APingBetweenFragmentsIsAnsweredAndTheMessageStaysWhole) {
    open();
    Source src;
    src.data = pattern(3000);
    src.pause_at = 1000;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    h.spin();
    ws().push(frame(0x9, "mid"));
    h.spin();
    CHECK_ERR(Error::ok, s.resume_stream());
    h.spin();
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    CHECK(one_message(f, 0x2) == src.data);
    // The pong sits between the first and the last fragment.
    size_t pong_at = f.size();
    for (size_t i = 0; i < f.size(); ++i)
        if (f[i].opcode == 0xA) pong_at = i;
    CHECK(pong_at > 0 && pong_at + 1 < f.size());
    CHECK(wstest::str_of(f[pong_at].payload.data(), 3) == "mid");
}

TEST(stream, CloseDuringAStreamDropsItAndTheSourceIsNotCalledAgain) {
    open();
    Source src;
    src.data = pattern(3000);
    src.pause_at = 1000;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    h.spin();
    const int calls = src.calls;
    CHECK_ERR(Error::ok, s.close(1000, "bye"));
    CHECK_ERR(Error::ok, s.resume_stream());  // nothing to resume any more
    h.spin();
    LONGS_EQUAL(calls, src.calls);
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    CHECK(!f.empty());
    LONGS_EQUAL(0x8, f.back().opcode);
    LONGS_EQUAL(1000, (f.back().payload[0] << 8) | f.back().payload[1]);
    ws().push(close_frame(1000, ""));
    h.spin();
    CHECK(s.state() == SessionState::closed);
    LONGS_EQUAL(0, h.count(EventType::error));
}

TEST(stream, CloseFromInsideTheSourceSendsTheCloseNotThePiece) {
    open();
    Source src;
    src.close_inside = &s;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    h.spin();
    LONGS_EQUAL(1, src.calls);
    CHECK_ERR(Error::busy, src.send_inside);
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(1, f.size());  // the piece it wrote was never framed
    LONGS_EQUAL(0x8, f[0].opcode);
    CHECK(s.state() == SessionState::closing);
}

TEST(stream, ANegativeSourceReturnClosesWith1011AndReportsAnError) {
    open();
    Source src;
    src.data = pattern(3000);
    src.max_piece = 1000;
    src.fail_at = 1000;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    h.spin();
    LONGS_EQUAL(2, src.calls);
    const std::vector<wstest::ClientFrame> f = client_frames(ws().sent());
    LONGS_EQUAL(2, f.size());
    LONGS_EQUAL(0x2, f[0].opcode);
    CHECK(!f[0].fin);
    LONGS_EQUAL(0x8, f[1].opcode);
    LONGS_EQUAL(1011, (f[1].payload[0] << 8) | f[1].payload[1]);
    CHECK_ERR(Error::stream_aborted, h.find(EventType::error)->error);
    CHECK(s.state() == SessionState::closing);
    ws().push(close_frame(1011, ""));
    h.spin();
    CHECK(s.state() == SessionState::closed);
}

TEST(stream, ALostConnectionDropsTheStream) {
    open();
    Source src;
    src.data = pattern(3000);
    src.pause_at = 1000;
    CHECK_ERR(Error::ok, s.send_stream(true, Source::pull, &src));
    h.spin();
    ws().push_eof();
    h.spin();
    CHECK(s.state() != SessionState::open);
    CHECK_ERR(Error::not_open, s.send_stream(true, Source::pull, &src));
    const int calls = src.calls;
    CHECK_ERR(Error::ok, s.resume_stream());
    h.spin();
    LONGS_EQUAL(calls, src.calls);
}

TEST(stream, ResumeAndSendStreamOnAStaleHandleAreInvalidHandle) {
    Session stale;
    CHECK_ERR(Error::invalid_handle, stale.resume_stream());
    CHECK_ERR(Error::invalid_handle, stale.send_stream(true, Source::pull, nullptr));
    CHECK(h.init() == Error::ok);  // teardown deinit-s
}
