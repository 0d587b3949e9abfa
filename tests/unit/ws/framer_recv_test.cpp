// SPDX-License-Identifier: MIT
// Receiving side of the framer: server frames built by hand, fed through a
// scripted recv in many chunk sizes (down to 1 byte per call).
#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "consensus/error.h"
#include "ws/framer.h"
#include "ws_test_util.h"

using consensus::Error;
using consensus::TxBuffer;
using consensus::ws::Framer;
using RS = consensus::ws::Framer::RecvStatus;
using namespace wstest;

namespace {

constexpr size_t kChunks[] = {1, 2, 3, 5, 7, 64, 4096, SIZE_MAX};

constexpr uint8_t kCont = 0x0, kText = 0x1, kBin = 0x2, kClose = 0x8, kPing = 0x9, kPong = 0xA;

struct Run {
    RS status;
    std::vector<Event> events;
    Bytes tx;
    uint16_t code;
};

Bytes text_payload(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>('a' + i % 26);
    return b;
}

Bytes binary_payload(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>((i * 7 + 3) & 0xFF);
    return b;
}

// Records where message bytes live, to prove the zero-copy path.
struct PointerRecorder final : consensus::ws::FrameHandler {
    std::vector<const uint8_t*> ptrs;
    void on_message(bool, const uint8_t* d, size_t) override { ptrs.push_back(d); }
    void on_pong(const uint8_t*, size_t) override {}
    void on_close(uint16_t, const char*, size_t) override {}
    virtual ~PointerRecorder() = default;
};

// Echoes every message back from inside the callback.
struct Echoer final : consensus::ws::FrameHandler {
    Framer* fr = nullptr;
    TxBuffer* tx = nullptr;
    std::vector<Error> results;
    void on_message(bool binary, const uint8_t* d, size_t n) override {
        results.push_back(fr->write_message(*tx, binary, d, n));
    }
    void on_pong(const uint8_t*, size_t) override {}
    void on_close(uint16_t, const char*, size_t) override {}
    virtual ~Echoer() = default;
};

}  // namespace

TEST_GROUP(framer_recv) {
    static constexpr size_t kMax = 65536;
    Framer fr;
    Bytes msgbuf;
    Bytes txmem;
    TxBuffer tx{nullptr, 0, 0, 0};
    Rng rng;
    FramerEnv env{&rng};
    ScriptIo io;
    Recorder rec;

    void setup() override {
        msgbuf.assign(kMax, 0);
        txmem.assign(80000, 0);
        tx = TxBuffer{txmem.data(), txmem.size(), 0, 0};
        CHECK(fr.init(msgbuf.data(), msgbuf.size(), &env.pool, &env.keys) == Error::ok);
    }
    void teardown() override {
        fr.deinit();
    }

    RS recv() {
        return fr.receive(ScriptIo::recv, &io, tx, rec);
    }

    Run feed(const Bytes& stream, size_t chunk) {
        CHECK(fr.reset() == Error::ok);
        rec.events.clear();
        tx.clear();
        io = ScriptIo{};
        io.data = stream;
        io.chunk = chunk;
        rng = Rng{};
        Run r;
        r.status = recv();
        r.events = rec.events;
        r.tx.assign(tx.data + tx.start, tx.data + tx.end);
        r.code = fr.violation_code();
        return r;
    }

    // Same outcome for every chunk size; returns the whole-buffer run.
    Run feed_all(const Bytes& stream) {
        const Run ref = feed(stream, SIZE_MAX);
        for (size_t c : kChunks) {
            const Run r = feed(stream, c);
            CHECK(r.status == ref.status);
            CHECK_EQUAL(ref.code, r.code);
            CHECK_EQUAL(ref.events.size(), r.events.size());
            for (size_t i = 0; i < r.events.size() && i < ref.events.size(); ++i) {
                CHECK_EQUAL(ref.events[i].kind, r.events[i].kind);
                CHECK_EQUAL(ref.events[i].binary, r.events[i].binary);
                CHECK_EQUAL(ref.events[i].code, r.events[i].code);
                CHECK(ref.events[i].data == r.events[i].data);
            }
            CHECK(ref.tx.size() == r.tx.size());
        }
        return ref;
    }

    // One receive() per piece: the first gets `first` bytes of the stream,
    // every later one the next `piece` bytes. Stops after the first status
    // other than would_block; returns the status of every call.
    std::vector<RS> feed_in_receives(const Bytes& stream, size_t first, size_t piece) {
        CHECK(fr.reset() == Error::ok);
        rec.events.clear();
        tx.clear();
        io = ScriptIo{};
        rng = Rng{};
        std::vector<RS> out;
        size_t at = 0;
        while (at < stream.size()) {
            const size_t want = at == 0 ? first : piece;
            const size_t n = want < stream.size() - at ? want : stream.size() - at;
            io.data.insert(io.data.end(), stream.begin() + static_cast<long>(at),
                           stream.begin() + static_cast<long>(at + n));
            at += n;
            out.push_back(recv());
            if (out.back() != RS::would_block) break;
        }
        return out;
    }

    // The stream's last byte completes a header that must be refused with
    // `code`: at every split over two receive() calls, and one byte per call,
    // exactly the call that brings that byte says violation, with `events`
    // delivered before it and every byte read.
    void expect_refused_at_last_byte(const Bytes& stream, uint16_t code, size_t events = 0) {
        for (size_t split = 1; split <= stream.size(); ++split) {
            const std::vector<RS> st = feed_in_receives(stream, split, SIZE_MAX);
            CHECK_EQUAL(split < stream.size() ? 2u : 1u, st.size());
            if (st.size() == 2) CHECK(st[0] == RS::would_block);
            CHECK(st.back() == RS::violation);
            CHECK_EQUAL(code, fr.violation_code());
            CHECK_EQUAL(events, rec.events.size());
            CHECK_EQUAL(stream.size(), io.pos);
        }
        const std::vector<RS> st = feed_in_receives(stream, 1, 1);
        CHECK_EQUAL(stream.size(), st.size());
        for (size_t i = 0; i + 1 < st.size(); ++i) CHECK(st[i] == RS::would_block);
        CHECK(st.back() == RS::violation);
        CHECK_EQUAL(code, fr.violation_code());
        CHECK_EQUAL(events, rec.events.size());
        expect_violation(stream, code, events);  // and in any chunking within one call
    }

    void expect_violation(const Bytes& stream, uint16_t code, size_t events_before = 0) {
        const Run r = feed_all(stream);
        CHECK(r.status == RS::violation);
        CHECK_EQUAL(code, r.code);
        CHECK_EQUAL(events_before, r.events.size());
    }

    void expect_single_message(const Bytes& payload, bool binary) {
        const Run r = feed_all(server_frame(true, binary ? kBin : kText, payload));
        CHECK(r.status == RS::would_block);
        CHECK_EQUAL(1u, r.events.size());
        CHECK_EQUAL('m', r.events[0].kind);
        CHECK_EQUAL(binary, r.events[0].binary);
        CHECK_EQUAL(payload.size(), r.events[0].data.size());
        CHECK(Bytes(r.events[0].data.begin(), r.events[0].data.end()) == payload);
    }
};

TEST(framer_recv, TextFrameInEveryChunkSize) {
    expect_single_message(bytes_of("Hello"), false);
    CHECK_EQUAL(0u, tx.pending());
}

TEST(framer_recv, BinaryFrameWithNonUtf8Bytes) {
    expect_single_message(binary_payload(300), true);
}

TEST(framer_recv, FrameLengthEdges) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{125}, size_t{126}, size_t{127}, size_t{65535},
                     size_t{65536}}) {
        expect_single_message(text_payload(n), false);
        expect_single_message(binary_payload(n), true);
    }
}

TEST(framer_recv, ManyFramesInOneRead) {
    Bytes s;
    for (int i = 0; i < 100; ++i) append(s, server_frame(true, kText, text_payload(i)));
    const Run r = feed_all(s);
    CHECK(r.status == RS::would_block);
    CHECK_EQUAL(100u, r.events.size());
    for (size_t i = 0; i < r.events.size(); ++i) CHECK_EQUAL(i, r.events[i].data.size());
}

TEST(framer_recv, MessageLargerThanWslayBufferIsAssembled) {
    const Bytes p = binary_payload(20000);
    const Run r = feed(server_frame(true, kBin, p), 1000);
    CHECK(r.status == RS::would_block);
    CHECK_EQUAL(1u, r.events.size());
    CHECK(Bytes(r.events[0].data.begin(), r.events[0].data.end()) == p);
}

TEST(framer_recv, MaxMessageAndMaxPlusOne) {
    CHECK(fr.init(msgbuf.data(), 1000, &env.pool, &env.keys) == Error::ok);
    expect_single_message(text_payload(1000), false);
    expect_violation(server_frame(true, kText, text_payload(1001)), 1009);
    expect_violation(server_frame(true, kBin, binary_payload(1001)), 1009);
    // The limit is per message, across fragments.
    Bytes ok = server_frame(false, kBin, binary_payload(600));
    append(ok, server_frame(true, kCont, binary_payload(400)));
    const Run r = feed_all(ok);
    CHECK_EQUAL(1u, r.events.size());
    CHECK_EQUAL(1000u, r.events[0].data.size());
    Bytes big = server_frame(false, kBin, binary_payload(600));
    append(big, server_frame(true, kCont, binary_payload(401)));
    expect_violation(big, 1009);
}

TEST(framer_recv, HugeDeclaredLengthRefusedBeforeBuffering) {
    CHECK(fr.init(msgbuf.data(), 1000, &env.pool, &env.keys) == Error::ok);
    memset(msgbuf.data(), 0xEE, msgbuf.size());
    // 2^63: the top bit of a 64-bit length must be 0 (RFC 6455 5.2): refused
    // from the 10 header bytes alone.
    Run r = feed(server_frame(true, kBin, Bytes{}, 0, nullptr, 64, 1ull << 63), SIZE_MAX);
    CHECK(r.status == RS::violation);
    CHECK_EQUAL(1002, r.code);
    CHECK_EQUAL(10u, io.pos);
    // 2^63 - 1 and 2^32: legal lengths, over the limit: 1009 at the header
    // (before the payload byte that follows it), with nothing copied into the
    // message buffer. DeclaredLengthOverLimitRefusedAtItsHeader: with no
    // payload byte at all.
    for (uint64_t n :
         {uint64_t{(1ull << 63) - 1}, uint64_t{1ull << 32}, uint64_t{65536}, uint64_t{1001}}) {
        Bytes s = server_frame(true, kBin, Bytes{}, 0, nullptr, 0, n);
        append(s, binary_payload(100));
        r = feed(s, 1);
        CHECK(r.status == RS::violation);
        CHECK_EQUAL(1009, r.code);
        CHECK(r.events.empty());
    }
    for (size_t i = 0; i < msgbuf.size(); ++i) BYTES_EQUAL(0xEE, msgbuf[i]);
}

TEST(framer_recv, HeaderAloneWaitsForPayload) {
    // A header without payload bytes yet is not an error: wait for more.
    Bytes s = server_frame(true, kText, text_payload(10));
    s.resize(2);
    Run r = feed(s, SIZE_MAX);
    CHECK(r.status == RS::would_block);
    CHECK(r.events.empty());
    io.data = server_frame(true, kText, text_payload(10));
    CHECK(recv() == RS::would_block);
    CHECK_EQUAL(1u, rec.events.size());
    STRCMP_EQUAL("abcdefghij", rec.events[0].data.c_str());
}

// A header declaring more than the limit is refused by the receive() that
// completes its length, though no payload byte ever comes (a server that sends
// just such a header and then nothing must not keep the client waiting).
TEST(framer_recv, DeclaredLengthOverLimitRefusedAtItsHeader) {
    CHECK(fr.init(msgbuf.data(), 1000, &env.pool, &env.keys) == Error::ok);
    memset(msgbuf.data(), 0xEE, msgbuf.size());
    struct Case {
        bool fin;
        uint8_t opcode;
        uint64_t length;
    };
    const Case cases[] = {
        {true, kBin, 1001},       {true, kText, 1001},        {false, kBin, 1001},
        {true, kBin, 65535},      {true, kText, 65536},       {true, kBin, 1ull << 32},
        {true, kBin, 1ull << 40}, {false, kText, 1ull << 40}, {true, kBin, (1ull << 63) - 1},
    };
    for (const Case& c : cases) {
        expect_refused_at_last_byte(server_frame(c.fin, c.opcode, Bytes{}, 0, nullptr, 0, c.length),
                                    1009);
    }
    // Non-minimal encodings of an over-limit length stay what wslay calls them.
    expect_refused_at_last_byte(server_frame(true, kBin, Bytes{}, 0, nullptr, 64, 1001), 1002);
    for (size_t i = 0; i < msgbuf.size(); ++i) BYTES_EQUAL(0xEE, msgbuf[i]);
}

TEST(framer_recv, DeclaredLength64BitAtTheLimit) {
    // kMax = 65536 needs the 64-bit length encoding: exactly the limit waits
    // for its payload, one more is refused at the header.
    const Bytes at_max = server_frame(true, kBin, Bytes{}, 0, nullptr, 0, kMax);
    const std::vector<RS> st = feed_in_receives(at_max, 1, 1);
    CHECK_EQUAL(at_max.size(), st.size());
    for (RS s : st) CHECK(s == RS::would_block);
    io.data.resize(io.data.size() + kMax, 0x5A);
    CHECK(recv() == RS::would_block);
    CHECK_EQUAL(1u, rec.events.size());
    CHECK_EQUAL(kMax, rec.events[0].data.size());
    expect_refused_at_last_byte(server_frame(true, kBin, Bytes{}, 0, nullptr, 0, kMax + 1), 1009);
    expect_refused_at_last_byte(server_frame(true, kBin, Bytes{}, 0, nullptr, 0, 1ull << 40), 1009);
}

// The limit is per message: a continuation header whose length, added to what
// the message already holds, passes the limit is refused at that header.
TEST(framer_recv, ContinuationOverLimitRefusedAtItsHeader) {
    CHECK(fr.init(msgbuf.data(), 1000, &env.pool, &env.keys) == Error::ok);
    Bytes start = server_frame(false, kBin, binary_payload(600));
    append(start, server_frame(true, kPing, bytes_of("p")));  // between the fragments
    for (uint64_t n : {uint64_t{401}, uint64_t{65536}, uint64_t{1ull << 40}}) {
        Bytes s = start;
        append(s, server_frame(true, kCont, Bytes{}, 0, nullptr, 0, n));
        expect_refused_at_last_byte(s, 1009);
        // A middle fragment counts the same way.
        s = start;
        append(s, server_frame(false, kCont, binary_payload(300)));
        append(s, server_frame(false, kCont, Bytes{}, 0, nullptr, 0, n - 300));
        expect_refused_at_last_byte(s, 1009);
    }
    // Exactly what is left (400) waits for its payload and completes the message.
    Bytes ok = start;
    append(ok, server_frame(true, kCont, Bytes{}, 0, nullptr, 0, 400));
    const std::vector<RS> st = feed_in_receives(ok, 1, 1);
    for (RS s : st) CHECK(s == RS::would_block);
    CHECK(rec.events.empty());
    append(io.data, binary_payload(400));
    CHECK(recv() == RS::would_block);
    CHECK_EQUAL(1u, rec.events.size());
    CHECK_EQUAL(1000u, rec.events[0].data.size());
    CHECK_EQUAL(1u, tx_frames(tx).size());  // the pong
}

// What came before a refused header is delivered first, in stream order.
TEST(framer_recv, FramesBeforeRefusedHeaderAreDelivered) {
    CHECK(fr.init(msgbuf.data(), 1000, &env.pool, &env.keys) == Error::ok);
    Bytes s = server_frame(true, kText, bytes_of("first"));
    append(s, server_frame(true, kPong, bytes_of("q")));
    append(s, server_frame(false, kText, bytes_of("frag")));
    append(s, server_frame(true, kCont, bytes_of("mented")));
    append(s, server_frame(true, kBin, Bytes{}, 0, nullptr, 0, 1ull << 40));
    expect_refused_at_last_byte(s, 1009, 3);
    STRCMP_EQUAL("first", rec.events[0].data.c_str());
    STRCMP_EQUAL("q", rec.events[1].data.c_str());
    STRCMP_EQUAL("fragmented", rec.events[2].data.c_str());
    // Bytes after the refused header are never looked at.
    append(s, server_frame(true, kText, bytes_of("never")));
    expect_violation(s, 1009, 3);
}

// The protocol errors a header shows are refused at its length too, before
// any payload (or mask key) arrives.
TEST(framer_recv, HeaderProtocolErrorsRefusedBeforePayload) {
    const uint8_t key[4] = {1, 2, 3, 4};
    const Bytes masked = server_frame(true, kText, Bytes{}, 0, key, 0, 5);
    expect_refused_at_last_byte(Bytes(masked.begin(), masked.begin() + 2), 1002);
    expect_refused_at_last_byte(server_frame(true, kText, Bytes{}, 4, nullptr, 0, 5), 1002);
    expect_refused_at_last_byte(server_frame(true, 0x3, Bytes{}, 0, nullptr, 0, 5), 1002);
    expect_refused_at_last_byte(server_frame(true, kCont, Bytes{}, 0, nullptr, 0, 5), 1002);
    expect_refused_at_last_byte(server_frame(true, kClose, Bytes{}, 0, nullptr, 0, 1), 1002);
    Bytes frag = server_frame(false, kText, bytes_of("a"));
    append(frag, server_frame(true, kBin, Bytes{}, 0, nullptr, 0, 5));
    expect_refused_at_last_byte(frag, 1002);
    // wslay itself refuses a control frame's 126/127 length at its second byte.
    const Bytes ping = server_frame(true, kPing, Bytes{}, 0, nullptr, 0, 126);
    expect_refused_at_last_byte(Bytes(ping.begin(), ping.begin() + 2), 1002);
}

TEST(framer_recv, NonMinimalLengthEncodingIsProtocolError) {
    expect_violation(server_frame(true, kText, text_payload(5), 0, nullptr, 16), 1002);
    expect_violation(server_frame(true, kText, text_payload(100), 0, nullptr, 64), 1002);
    expect_violation(server_frame(true, kText, text_payload(65535), 0, nullptr, 64), 1002);
}

TEST(framer_recv, MaskedServerFrameIsProtocolError) {
    const uint8_t key[4] = {1, 2, 3, 4};
    expect_violation(server_frame(true, kText, bytes_of("Hello"), 0, key), 1002);
    expect_violation(server_frame(true, kPing, bytes_of("x"), 0, key), 1002);
}

TEST(framer_recv, ReservedBitsAreProtocolError) {
    for (uint8_t rsv : {uint8_t{4}, uint8_t{2}, uint8_t{1}, uint8_t{7}}) {
        expect_violation(server_frame(true, kText, bytes_of("Hello"), rsv), 1002);
        expect_violation(server_frame(true, kPing, Bytes{}, rsv), 1002);
    }
}

TEST(framer_recv, UnknownOpcodesAreProtocolError) {
    for (uint8_t op : {3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF}) {
        expect_violation(server_frame(true, op, bytes_of("x")), 1002);
        expect_violation(server_frame(true, op, Bytes{}), 1002);
    }
}

TEST(framer_recv, ControlFrameOver125IsProtocolError) {
    expect_violation(server_frame(true, kPing, text_payload(126)), 1002);
    expect_violation(server_frame(true, kPong, text_payload(126)), 1002);
    expect_violation(server_frame(true, kClose, close_payload(1000, std::string(124, 'r'))), 1002);
    // 125 is fine.
    const Run r = feed_all(server_frame(true, kPing, text_payload(125)));
    CHECK(r.status == RS::would_block);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());
    CHECK(frames[0].payload == text_payload(125));
}

TEST(framer_recv, FragmentedControlFrameIsProtocolError) {
    expect_violation(server_frame(false, kPing, bytes_of("x")), 1002);
    expect_violation(server_frame(false, kPong, Bytes{}), 1002);
    expect_violation(server_frame(false, kClose, close_payload(1000, "")), 1002);
}

TEST(framer_recv, ContinuationWithoutStartIsProtocolError) {
    expect_violation(server_frame(true, kCont, bytes_of("x")), 1002);
    expect_violation(server_frame(false, kCont, bytes_of("x")), 1002);
    // Also after a complete message.
    Bytes s = server_frame(true, kText, bytes_of("done"));
    append(s, server_frame(true, kCont, bytes_of("x")));
    expect_violation(s, 1002, 1);
}

TEST(framer_recv, NewMessageInsideFragmentedOneIsProtocolError) {
    Bytes s = server_frame(false, kText, bytes_of("part"));
    append(s, server_frame(true, kText, bytes_of("new")));
    expect_violation(s, 1002);
    Bytes b = server_frame(false, kText, bytes_of("part"));
    append(b, server_frame(false, kBin, bytes_of("new")));
    expect_violation(b, 1002);
}

TEST(framer_recv, OneByteClosePayloadIsProtocolError) {
    expect_violation(server_frame(true, kClose, Bytes{0x03}), 1002);
    CHECK_EQUAL(0u, tx.pending());  // no echo: the caller closes with 1002
}

TEST(framer_recv, InvalidCloseCodesAreProtocolError) {
    for (uint16_t c : {0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535}) {
        expect_violation(server_frame(true, kClose, close_payload(c, "")), 1002);
        expect_violation(server_frame(true, kClose, close_payload(c, "why")), 1002);
    }
}

TEST(framer_recv, ValidCloseCodesAreDeliveredAndEchoed) {
    for (uint16_t c : {1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 1012, 1013, 1014, 3000,
                       3999, 4000, 4999}) {
        const Run r = feed_all(server_frame(true, kClose, close_payload(c, "bye")));
        CHECK(r.status == RS::close_received);
        CHECK_EQUAL(1u, r.events.size());
        CHECK_EQUAL('c', r.events[0].kind);
        CHECK_EQUAL(c, r.events[0].code);
        STRCMP_EQUAL("bye", r.events[0].data.c_str());
        CHECK_TRUE(fr.close_sent());
        CHECK_TRUE(fr.close_received());
        const auto frames = tx_frames(tx);
        CHECK_EQUAL(1u, frames.size());
        CHECK_EQUAL(kClose, frames[0].opcode);
        CHECK_TRUE(frames[0].fin);
        CHECK_TRUE(frames[0].masked);
        CHECK(frames[0].payload == close_payload(c, ""));
    }
}

TEST(framer_recv, EmptyCloseIsDeliveredAs1005AndEchoedEmpty) {
    const Run r = feed_all(server_frame(true, kClose, Bytes{}));
    CHECK(r.status == RS::close_received);
    CHECK_EQUAL(1u, r.events.size());
    CHECK_EQUAL(1005, r.events[0].code);
    CHECK_EQUAL(0u, r.events[0].data.size());
    // 0x88, masked length 0, key 00 01 02 03 from the counting RNG.
    const Bytes expected{0x88, 0x80, 0x00, 0x01, 0x02, 0x03};
    CHECK(r.tx == expected);
}

TEST(framer_recv, CloseReasonWithInvalidUtf8Is1007) {
    Bytes p = close_payload(1000, "ok");
    p.push_back(0xC0);
    p.push_back(0x80);
    expect_violation(server_frame(true, kClose, p), 1007);
    expect_violation(server_frame(true, kClose, close_payload(1000, "\xE2\x82")), 1007);
    CHECK_FALSE(fr.close_received());
}

TEST(framer_recv, CloseReasonOf123BytesIsFine) {
    const std::string reason(123, 'r');
    const Run r = feed_all(server_frame(true, kClose, close_payload(1001, reason)));
    CHECK(r.status == RS::close_received);
    STRCMP_EQUAL(reason.c_str(), r.events[0].data.c_str());
}

TEST(framer_recv, InvalidUtf8TextIs1007) {
    expect_violation(server_frame(true, kText, bytes_of("abc\xFF")), 1007);
    expect_violation(server_frame(true, kText, bytes_of("\xED\xA0\x80")), 1007);
    expect_violation(server_frame(true, kText, bytes_of("truncated \xE2\x82")), 1007);
    // Binary frames are not checked.
    expect_single_message(bytes_of("abc\xFF"), true);
}

TEST(framer_recv, Utf8SplitAcrossFragmentsValid) {
    // Euro sign E2 82 AC split 1|2 and an emoji split 3|1 over three fragments.
    Bytes s = server_frame(false, kText, bytes_of("price \xE2"));
    append(s, server_frame(false, kCont, bytes_of("\x82\xAC \xF0\x9F\x98")));
    append(s, server_frame(true, kCont, bytes_of("\x80!")));
    const Run r = feed_all(s);
    CHECK(r.status == RS::would_block);
    CHECK_EQUAL(1u, r.events.size());
    STRCMP_EQUAL("price \xE2\x82\xAC \xF0\x9F\x98\x80!", r.events[0].data.c_str());
    CHECK_FALSE(r.events[0].binary);
}

TEST(framer_recv, Utf8SplitAcrossFragmentsInvalid) {
    // E2 82 then a non-continuation byte in the next fragment.
    Bytes s = server_frame(false, kText, bytes_of("price \xE2\x82"));
    append(s, server_frame(true, kCont, bytes_of("x")));
    expect_violation(s, 1007);
    // Message ends inside a sequence.
    Bytes t = server_frame(false, kText, bytes_of("ok"));
    append(t, server_frame(true, kCont, bytes_of("\xF0\x9F")));
    expect_violation(t, 1007);
    // Fails fast: the bad first fragment is refused before the rest arrives.
    Bytes u = server_frame(false, kText, bytes_of("\xFF"));
    const Run r = feed(u, SIZE_MAX);
    CHECK(r.status == RS::violation);
    CHECK_EQUAL(1007, r.code);
}

TEST(framer_recv, FragmentedMessageWithInterleavedPingAndPong) {
    Bytes s = server_frame(false, kText, bytes_of("Hel"));
    append(s, server_frame(true, kPing, bytes_of("p")));
    append(s, server_frame(false, kCont, bytes_of("lo")));
    append(s, server_frame(true, kPong, bytes_of("q")));
    append(s, server_frame(false, kCont, Bytes{}));  // empty fragment
    append(s, server_frame(true, kCont, bytes_of("!")));
    const Run r = feed_all(s);
    CHECK(r.status == RS::would_block);
    CHECK_EQUAL(2u, r.events.size());
    CHECK_EQUAL('p', r.events[0].kind);
    STRCMP_EQUAL("q", r.events[0].data.c_str());
    CHECK_EQUAL('m', r.events[1].kind);
    STRCMP_EQUAL("Hello!", r.events[1].data.c_str());
    // The pong, byte for byte: FIN|PONG, masked len 1, key 00 01 02 03, 'p' ^ 0.
    const Bytes expected{0x8A, 0x81, 0x00, 0x01, 0x02, 0x03, 'p'};
    CHECK(r.tx == expected);
}

TEST(framer_recv, PingInPiecesIsGatheredAndAnswered) {
    const Run r = feed(server_frame(true, kPing, text_payload(100)), 1);
    CHECK(r.status == RS::would_block);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());
    CHECK_EQUAL(kPong, frames[0].opcode);
    CHECK(frames[0].payload == text_payload(100));
}

TEST(framer_recv, PongsAreDelivered) {
    Bytes s = server_frame(true, kPong, Bytes{});
    append(s, server_frame(true, kPong, bytes_of("keepalive-7")));
    const Run r = feed_all(s);
    CHECK_EQUAL(2u, r.events.size());
    CHECK_EQUAL('p', r.events[0].kind);
    CHECK_EQUAL(0u, r.events[0].data.size());
    STRCMP_EQUAL("keepalive-7", r.events[1].data.c_str());
    CHECK(r.tx.empty());
}

TEST(framer_recv, VectorSessionStartFrame) {
    const Bytes v = read_vector("ws-session-start-frame.bin");
    CHECK_EQUAL(4u + 228u, v.size());
    const Run r = feed_all(v);
    CHECK(r.status == RS::would_block);
    CHECK_EQUAL(1u, r.events.size());
    CHECK_FALSE(r.events[0].binary);
    CHECK(r.events[0].data == std::string(v.begin() + 4, v.end()));
    CHECK_EQUAL(0u, r.events[0].data.find("{\"type\":\"session_start\""));
}

TEST(framer_recv, VectorTimeExpiryFrames) {
    const Bytes v = read_vector("ws-time-expiry-frames.bin");
    CHECK_EQUAL(4u + 218u + 2u + 107u + 2u + 20u, v.size());
    const Run r = feed_all(v);
    CHECK(r.status == RS::close_received);
    CHECK_EQUAL(3u, r.events.size());
    CHECK_EQUAL(0u, r.events[0].data.find("{\"type\":\"session_start\""));
    CHECK_EQUAL(218u, r.events[0].data.size());
    STRCMP_EQUAL(
        "{\"type\":\"session_expired\",\"reason\":\"time_limit_reached\",\"finalUsage\":"
        "{\"durationMinutes\":0.0167,\"dataMB\":0}}",
        r.events[1].data.c_str());
    CHECK_EQUAL('c', r.events[2].kind);
    CHECK_EQUAL(1000, r.events[2].code);
    STRCMP_EQUAL("Time limit reached", r.events[2].data.c_str());
    // Echo: 1000 = 03 E8, masked with key 00 01 02 03.
    const Bytes expected{0x88, 0x82, 0x00, 0x01, 0x02, 0x03, 0x03, 0xE9};
    CHECK(r.tx == expected);
}

TEST(framer_recv, NoEchoAfterOurOwnClose) {
    CHECK(fr.write_close(tx, 1000, "bye", 3) == Error::ok);
    const size_t ours = tx.pending();
    io.data = server_frame(true, kClose, close_payload(1000, ""));
    CHECK(recv() == RS::close_received);
    CHECK_EQUAL(ours, tx.pending());
    CHECK_EQUAL(1u, rec.events.size());
    CHECK_EQUAL(1000, rec.events[0].code);
}

TEST(framer_recv, DataAfterOurCloseIsStillDelivered) {
    CHECK(fr.write_close(tx, 1000, nullptr, 0) == Error::ok);
    io.data = server_frame(true, kText, bytes_of("late"));
    append(io.data, server_frame(true, kPing, bytes_of("p")));
    CHECK(recv() == RS::would_block);
    CHECK_EQUAL(1u, rec.events.size());
    CHECK_EQUAL(1u, tx_frames(tx).size());  // no pong after our close
}

TEST(framer_recv, CloseIsStickyAndStopsReading) {
    Bytes s = server_frame(true, kClose, close_payload(1000, ""));
    append(s, server_frame(true, kText, bytes_of("after close")));
    const Run r = feed(s, SIZE_MAX);
    CHECK(r.status == RS::close_received);
    CHECK_EQUAL(1u, r.events.size());
    const size_t calls = io.calls;
    CHECK(recv() == RS::close_received);
    CHECK_EQUAL(calls, io.calls);
    CHECK_EQUAL(1u, rec.events.size());
}

TEST(framer_recv, ViolationIsStickyUntilReset) {
    Bytes s = server_frame(true, 0x3, Bytes{});
    append(s, server_frame(true, kText, bytes_of("never")));
    Run r = feed(s, 2);
    CHECK(r.status == RS::violation);
    const size_t calls = io.calls;
    CHECK(recv() == RS::violation);
    CHECK_EQUAL(calls, io.calls);
    CHECK(rec.events.empty());
    r = feed(server_frame(true, kText, bytes_of("fresh")), SIZE_MAX);
    CHECK(r.status == RS::would_block);
    CHECK_EQUAL(0, r.code);
    CHECK_EQUAL(1u, r.events.size());
}

TEST(framer_recv, ResetDropsHalfReceivedFrame) {
    Bytes s = server_frame(true, kText, text_payload(50));
    s.resize(20);
    CHECK(feed(s, SIZE_MAX).status == RS::would_block);
    const Run r = feed(server_frame(true, kBin, bytes_of("new")), SIZE_MAX);
    CHECK_EQUAL(1u, r.events.size());
    STRCMP_EQUAL("new", r.events[0].data.c_str());
}

TEST(framer_recv, IoStatusesAreReported) {
    Bytes s = server_frame(true, kText, bytes_of("last words"));
    io.data = s;
    io.at_end = CWS_IO_CLOSED;
    CHECK(recv() == RS::peer_closed_io);
    CHECK_EQUAL(1u, rec.events.size());  // delivered before the EOF

    CHECK(feed(Bytes{}, SIZE_MAX).status == RS::would_block);
    io.at_end = CWS_IO_ERROR;
    CHECK(recv() == RS::io_error);
    io.at_end = 0;  // the port contract forbids 0
    CHECK(recv() == RS::io_error);
    io.at_end = -77;
    CHECK(recv() == RS::io_error);
}

TEST(framer_recv, RecvClaimingMoreThanAskedIsIoError) {
    struct Liar {
        static long recv(void*, uint8_t*, size_t len) { return static_cast<long>(len) + 1; }
    };
    CHECK(fr.receive(Liar::recv, nullptr, tx, rec) == RS::io_error);
}

TEST(framer_recv, MessageSplitOverSeveralReceiveCalls) {
    const Bytes whole = server_frame(true, kText, text_payload(300));
    io.data.assign(whole.begin(), whole.begin() + 150);
    CHECK(recv() == RS::would_block);
    CHECK(rec.events.empty());
    io.data = whole;
    CHECK(recv() == RS::would_block);
    CHECK_EQUAL(1u, rec.events.size());
    CHECK(bytes_of(rec.events[0].data) == text_payload(300));
}

TEST(framer_recv, WholeSingleFrameIsDeliveredWithoutCopy) {
    PointerRecorder pr;
    Bytes s = server_frame(true, kText, bytes_of("direct"));
    append(s, server_frame(false, kText, bytes_of("frag")));
    append(s, server_frame(true, kCont, bytes_of("mented")));
    io.data = s;
    CHECK(fr.receive(ScriptIo::recv, &io, tx, pr) == RS::would_block);
    CHECK_EQUAL(2u, pr.ptrs.size());
    const uint8_t* lo = msgbuf.data();
    const uint8_t* hi = msgbuf.data() + msgbuf.size();
    CHECK(pr.ptrs[0] < lo || pr.ptrs[0] >= hi);  // straight from wslay's buffer
    CHECK(pr.ptrs[1] == lo);                     // assembled in the message buffer
}

TEST(framer_recv, HandlerMayWriteFromCallback) {
    Echoer e;
    e.fr = &fr;
    e.tx = &tx;
    io.data = server_frame(true, kText, bytes_of("echo me"));
    CHECK(fr.receive(ScriptIo::recv, &io, tx, e) == RS::would_block);
    CHECK_EQUAL(1u, e.results.size());
    CHECK(e.results[0] == Error::ok);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());
    CHECK(frames[0].payload == bytes_of("echo me"));
}

TEST(framer_recv, PendingPongLatestWins) {
    // tx with room for nothing: pings are owed, not lost.
    uint8_t small[8];
    TxBuffer full{small, sizeof small, 0, 8};
    io.data = server_frame(true, kPing, bytes_of("first"));
    append(io.data, server_frame(true, kPing, bytes_of("second")));
    CHECK(fr.receive(ScriptIo::recv, &io, full, rec) == RS::would_block);
    CHECK_TRUE(fr.control_owed());
    CHECK_EQUAL(8u, full.pending());
    CHECK(fr.flush_control(full) == Error::would_block);
    // Room again: only the latest payload goes out.
    CHECK(fr.flush_control(tx) == Error::ok);
    CHECK_FALSE(fr.control_owed());
    auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());
    CHECK_EQUAL(kPong, frames[0].opcode);
    CHECK(frames[0].payload == bytes_of("second"));
    CHECK(fr.flush_control(tx) == Error::ok);  // nothing owed: nothing written
    CHECK_EQUAL(1u, tx_frames(tx).size());
}

TEST(framer_recv, PendingPongGoesOutBeforeNextMessage) {
    uint8_t small[4];
    TxBuffer full{small, sizeof small, 0, 4};
    io.data = server_frame(true, kPing, bytes_of("pp"));
    CHECK(fr.receive(ScriptIo::recv, &io, full, rec) == RS::would_block);
    CHECK_TRUE(fr.control_owed());
    const uint8_t msg[] = {'m'};
    CHECK(fr.write_message(tx, false, msg, 1) == Error::ok);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(2u, frames.size());
    CHECK_EQUAL(kPong, frames[0].opcode);
    CHECK(frames[0].payload == bytes_of("pp"));
    CHECK_EQUAL(kText, frames[1].opcode);
    CHECK_FALSE(fr.control_owed());
}

TEST(framer_recv, PingAnsweredDirectlyClearsOlderOwedPong) {
    uint8_t small[4];
    TxBuffer full{small, sizeof small, 0, 4};
    io.data = server_frame(true, kPing, bytes_of("old"));
    CHECK(fr.receive(ScriptIo::recv, &io, full, rec) == RS::would_block);
    CHECK_TRUE(fr.control_owed());
    io = ScriptIo{};
    io.data = server_frame(true, kPing, bytes_of("new"));
    CHECK(recv() == RS::would_block);
    CHECK_FALSE(fr.control_owed());
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());
    CHECK(frames[0].payload == bytes_of("new"));
}

TEST(framer_recv, EchoCloseOwedWhenTxFull) {
    uint8_t small[4];
    TxBuffer full{small, sizeof small, 0, 4};
    io.data = server_frame(true, kPing, bytes_of("p"));
    append(io.data, server_frame(true, kClose, close_payload(1001, "going")));
    CHECK(fr.receive(ScriptIo::recv, &io, full, rec) == RS::close_received);
    CHECK_TRUE(fr.close_sent());
    CHECK_TRUE(fr.control_owed());
    const uint8_t m[] = {'x'};
    CHECK(fr.write_message(tx, false, m, 1) == Error::closed);  // flushes the echo, refuses data
    CHECK_FALSE(fr.control_owed());
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());  // the owed pong was dropped by the close
    CHECK_EQUAL(kClose, frames[0].opcode);
    CHECK(frames[0].payload == close_payload(1001, ""));
    CHECK(fr.flush_control(tx) == Error::ok);
}

TEST(framer_recv, ReceiveBeforeInitIsIoError) {
    Framer fresh;
    CHECK(fresh.receive(ScriptIo::recv, &io, tx, rec) == RS::io_error);
    CHECK(fresh.reset() == Error::invalid_params);
    CHECK(fr.receive(nullptr, &io, tx, rec) == RS::io_error);
}

TEST(framer_recv, InitRefusesMissingBuffers) {
    Framer f;
    CHECK(f.init(nullptr, 10, &env.pool, &env.keys) == Error::invalid_params);
    CHECK(f.init(msgbuf.data(), 10, nullptr, &env.keys) == Error::invalid_params);
    CHECK(f.init(msgbuf.data(), 10, &env.pool, nullptr) == Error::invalid_params);
    consensus::ws::MaskKeys no_source;
    CHECK(f.init(msgbuf.data(), 10, &env.pool, &no_source) == Error::invalid_params);
    CHECK(f.init(msgbuf.data(), 10, &env.pool, &env.keys) == Error::ok);
    CHECK(f.init(msgbuf.data(), 10, &env.pool, &env.keys) == Error::ok);  // re-init releases first
    f.deinit();
    f.deinit();  // idempotent
}
