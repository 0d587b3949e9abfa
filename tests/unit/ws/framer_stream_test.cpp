// SPDX-License-Identifier: MIT
// Streaming in the framer: messages larger than the message buffer delivered
// in parts (every part boundary, UTF-8 across them, the streamed limit), and
// fragments written into the send buffer's lent room.
#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "ws_test_util.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "consensus/error.h"
#include "ws/framer.h"

using consensus::Error;
using consensus::TxBuffer;
using consensus::ws::Framer;
using RS = consensus::ws::Framer::RecvStatus;
using namespace wstest;

namespace {

constexpr size_t kChunks[] = {1, 2, 3, 5, 7, 16, 17, 64, 4096, SIZE_MAX};
constexpr uint8_t kCont = 0x0, kText = 0x1, kBin = 0x2, kPing = 0x9;

struct Piece {
    char kind;  // 'm' whole message, 'p' part
    bool binary;
    std::string data;
    uint64_t offset;
    bool last;
};

struct PartRecorder final : consensus::ws::FrameHandler {
    std::vector<Piece> pieces;
    void on_message(bool binary, const uint8_t* d, size_t n) override {
        pieces.push_back(Piece{'m', binary, str_of(d, n), 0, true});
    }
    void on_message_part(bool binary, const uint8_t* d, size_t n, uint64_t offset,
                         bool last) override {
        pieces.push_back(Piece{'p', binary, str_of(d, n), offset, last});
    }
    void on_pong(const uint8_t*, size_t) override {}
    void on_close(uint16_t, const char*, size_t) override {}
    virtual ~PartRecorder() = default;
};

Bytes pattern(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>('a' + i % 26);
    return b;
}

// The message split into frames of `frame` bytes (the last one shorter).
Bytes fragmented(uint8_t opcode, const Bytes& payload, size_t frame) {
    Bytes out;
    size_t at = 0;
    do {
        const size_t n = payload.size() - at < frame ? payload.size() - at : frame;
        const Bytes piece(payload.begin() + static_cast<long>(at),
                          payload.begin() + static_cast<long>(at + n));
        at += n;
        append(out, server_frame(at == payload.size(), at == n ? opcode : kCont, piece));
    } while (at < payload.size());
    return out;
}

}  // namespace

TEST_GROUP(framer_stream) {
    static constexpr size_t kMax = 16;  // a tiny message buffer: many part boundaries
    Framer fr;
    Bytes msgbuf;
    Bytes txmem;
    TxBuffer tx{nullptr, 0, 0, 0};
    Rng rng;
    FramerEnv env{&rng};
    ScriptIo io;
    PartRecorder rec;

    void setup() override {
        msgbuf.assign(kMax, 0);
        txmem.assign(70000, 0);
        tx = TxBuffer{txmem.data(), txmem.size(), 0, 0};
        CHECK(fr.init(msgbuf.data(), msgbuf.size(), &env.pool, &env.keys) == Error::ok);
        fr.set_stream_limit(1000);
    }
    void teardown() override {
        fr.deinit();
    }

    RS feed(const Bytes& stream, size_t chunk) {
        CHECK(fr.reset() == Error::ok);
        rec.pieces.clear();
        tx.clear();
        io = ScriptIo{};
        io.data = stream;
        io.chunk = chunk;
        return fr.receive(ScriptIo::recv, &io, tx, rec);
    }

    // Checks the parts of one message: consecutive offsets, every part but the
    // last exactly kMax bytes, the last flagged; returns them joined.
    std::string joined_parts() {
        std::string all;
        for (size_t i = 0; i < rec.pieces.size(); ++i) {
            const Piece& p = rec.pieces[i];
            CHECK_EQUAL('p', p.kind);
            CHECK_EQUAL(all.size(), p.offset);
            const bool last = i + 1 == rec.pieces.size();
            CHECK_EQUAL(last, p.last);
            if (!last) CHECK_EQUAL(kMax, p.data.size());
            CHECK(p.data.size() <= kMax && !p.data.empty());
            all += p.data;
        }
        return all;
    }
};

TEST(framer_stream, MessageOfExactlyTheBufferSizeComesWhole) {
    const Bytes payload = pattern(kMax);
    for (size_t frame : {size_t{1}, size_t{5}, kMax}) {
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kBin, payload, frame), c) == RS::would_block);
            LONGS_EQUAL(1, rec.pieces.size());
            CHECK_EQUAL('m', rec.pieces[0].kind);
            CHECK(rec.pieces[0].data == str_of(payload.data(), payload.size()));
        }
    }
}

TEST(framer_stream, OneByteMoreComesInTwoParts) {
    const Bytes payload = pattern(kMax + 1);
    for (size_t frame : {size_t{1}, size_t{5}, kMax, kMax + 1}) {
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kBin, payload, frame), c) == RS::would_block);
            LONGS_EQUAL(2, rec.pieces.size());
            CHECK(rec.pieces[0].binary && rec.pieces[1].binary);
            CHECK_EQUAL(1u, rec.pieces[1].data.size());
            CHECK(joined_parts() == str_of(payload.data(), payload.size()));
        }
    }
}

TEST(framer_stream, LargeMessageInEveryFrameAndChunkSize) {
    const Bytes payload = pattern(333);
    for (size_t frame : {size_t{1}, size_t{7}, size_t{16}, size_t{100}, size_t{333}}) {
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kText, payload, frame), c) == RS::would_block);
            LONGS_EQUAL((333 + kMax - 1) / kMax, rec.pieces.size());
            CHECK(!rec.pieces[0].binary);
            CHECK(joined_parts() == str_of(payload.data(), payload.size()));
        }
    }
}

TEST(framer_stream, SmallMessagesAroundAStreamedOneStayWhole) {
    Bytes stream = server_frame(true, kText, bytes_of("before"));
    append(stream, fragmented(kBin, pattern(40), 40));
    append(stream, server_frame(true, kText, bytes_of("after")));
    for (size_t c : kChunks) {
        CHECK(feed(stream, c) == RS::would_block);
        LONGS_EQUAL(5, rec.pieces.size());
        CHECK(rec.pieces[0].kind == 'm' && rec.pieces[0].data == "before");
        CHECK(rec.pieces[1].kind == 'p' && rec.pieces[1].offset == 0);
        CHECK(rec.pieces[3].kind == 'p' && rec.pieces[3].offset == 32 && rec.pieces[3].last);
        CHECK(rec.pieces[4].kind == 'm' && rec.pieces[4].data == "after");
    }
}

// A two-byte character split by the part boundary: the first part ends with
// its lead byte, the next starts with its continuation; the validator's state
// is carried across.
TEST(framer_stream, PartEndingInsideAUtf8SequenceIsCarriedOver) {
    Bytes payload = pattern(kMax - 1);
    payload.push_back(0xC3);  // é = C3 A9, split: C3 ends part 1
    payload.push_back(0xA9);
    append(payload, bytes_of("xyz"));
    for (size_t frame : {size_t{1}, size_t{3}, size_t{16}, size_t{64}}) {
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kText, payload, frame), c) == RS::would_block);
            LONGS_EQUAL(2, rec.pieces.size());
            CHECK_EQUAL(0xC3, static_cast<uint8_t>(rec.pieces[0].data.back()));
            CHECK_EQUAL(0xA9, static_cast<uint8_t>(rec.pieces[1].data.front()));
            CHECK(joined_parts() == str_of(payload.data(), payload.size()));
        }
    }
    // A four-byte character with its boundary after each of its bytes.
    for (size_t at = 1; at < 4; ++at) {
        Bytes p4 = pattern(kMax - at);
        const uint8_t smile[4] = {0xF0, 0x9F, 0x98, 0x80};
        p4.insert(p4.end(), smile, smile + 4);
        append(p4, bytes_of("!"));
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kText, p4, 7), c) == RS::would_block);
            CHECK(joined_parts() == str_of(p4.data(), p4.size()));
        }
    }
}

TEST(framer_stream, InvalidContinuationInTheNextPartIs1007) {
    Bytes payload = pattern(kMax - 1);
    payload.push_back(0xC3);
    payload.push_back(0x41);  // not a continuation byte
    append(payload, bytes_of("xyz"));
    for (size_t frame : {size_t{1}, size_t{16}, size_t{64}}) {
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kText, payload, frame), c) == RS::violation);
            LONGS_EQUAL(1007, fr.violation_code());
            // Nothing invalid was delivered: at most the valid bytes before it.
            for (const Piece& p : rec.pieces) CHECK(p.data.find('A') == std::string::npos);
        }
    }
}

// Which parts are delivered before a 1007 must not depend on the chunking: a
// full buffer goes out as soon as the next byte arrives, before that byte is
// validated (found by fuzz_framer: a whole-chunk run delivered none).
TEST(framer_stream, PartsBeforeInvalidTextDoNotDependOnTheChunking) {
    Bytes payload = pattern(kMax);
    append(payload, bytes_of("xy"));
    payload.push_back(0xFF);  // never valid in UTF-8
    append(payload, bytes_of("tail"));
    for (size_t frame : {size_t{3}, size_t{64}}) {
        for (size_t c : kChunks) {
            CHECK(feed(fragmented(kText, payload, frame), c) == RS::violation);
            LONGS_EQUAL(1007, fr.violation_code());
            LONGS_EQUAL(1, rec.pieces.size());
            CHECK(rec.pieces[0].data == str_of(payload.data(), kMax));
        }
    }
}

TEST(framer_stream, TextEndingInsideASequenceIs1007) {
    Bytes payload = pattern(kMax + 4);
    payload.push_back(0xE2);
    payload.push_back(0x82);  // € is E2 82 AC: one byte missing at the end
    for (size_t c : kChunks) {
        CHECK(feed(fragmented(kText, payload, 9), c) == RS::violation);
        LONGS_EQUAL(1007, fr.violation_code());
        LONGS_EQUAL(1, rec.pieces.size());  // the first full part went out, not the last
        CHECK(!rec.pieces[0].last);
    }
}

TEST(framer_stream, PingBetweenFragmentsIsAnsweredAndTheMessageIsIntact) {
    const Bytes a = pattern(20), b = pattern(30);
    Bytes stream = server_frame(false, kText, a);
    append(stream, server_frame(true, kPing, bytes_of("hb")));
    append(stream, server_frame(true, kCont, b));
    for (size_t c : kChunks) {
        CHECK(feed(stream, c) == RS::would_block);
        Bytes whole = a;
        append(whole, b);
        CHECK(joined_parts() == str_of(whole.data(), whole.size()));
        const std::vector<ClientFrame> out = tx_frames(tx);
        LONGS_EQUAL(1, out.size());
        LONGS_EQUAL(0xA, out[0].opcode);
        CHECK(str_of(out[0].payload.data(), out[0].payload.size()) == "hb");
    }
}

TEST(framer_stream, TheStreamedLimitIsTheLargestMessage) {
    fr.set_stream_limit(40);
    for (size_t c : kChunks) {
        CHECK(feed(fragmented(kBin, pattern(40), 7), c) == RS::would_block);
        CHECK(joined_parts().size() == 40);
        CHECK(feed(fragmented(kBin, pattern(41), 7), c) == RS::violation);
        LONGS_EQUAL(1009, fr.violation_code());
        CHECK(feed(server_frame(true, kBin, pattern(41)), c) == RS::violation);
        LONGS_EQUAL(1009, fr.violation_code());
    }
}

TEST(framer_stream, WithoutStreamingALargerMessageIs1009AsBefore) {
    fr.set_stream_limit(0);
    for (size_t c : kChunks) {
        CHECK(feed(fragmented(kBin, pattern(kMax + 1), 5), c) == RS::violation);
        LONGS_EQUAL(1009, fr.violation_code());
        LONGS_EQUAL(0, rec.pieces.size());
    }
}

// ---- sending fragments

TEST(framer_stream, FragmentsAreFramedAsOneMessage) {
    const size_t sizes[] = {0, 5, 125, 126, 65535, 65536};
    for (size_t n : sizes) {
        tx.clear();
        uint8_t* out = nullptr;
        size_t cap = 0;
        CHECK(fr.begin_fragment(tx, 1, &out, &cap) == Error::ok);
        CHECK(cap >= n);
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(i * 13);
        fr.end_fragment(tx, true, true, false, n);
        CHECK(fr.begin_fragment(tx, 1, &out, &cap) == Error::ok);
        memcpy(out, "tail", 4);
        fr.end_fragment(tx, false, true, true, 4);
        const std::vector<ClientFrame> f = tx_frames(tx);
        LONGS_EQUAL(2, f.size());
        CHECK(f[0].masked && !f[0].fin);
        LONGS_EQUAL(kBin, f[0].opcode);
        LONGS_EQUAL(n, f[0].payload.size());
        for (size_t i = 0; i < n; ++i) CHECK_EQUAL(static_cast<uint8_t>(i * 13), f[0].payload[i]);
        CHECK(f[1].masked && f[1].fin);
        LONGS_EQUAL(kCont, f[1].opcode);
        CHECK(str_of(f[1].payload.data(), 4) == "tail");
        LONGS_EQUAL(tx.pending(), f[0].total + f[1].total);  // no gap between the frames
    }
}

TEST(framer_stream, FragmentRoomIsRefusedWhenFullOrClosed) {
    uint8_t* out = nullptr;
    size_t cap = 0;
    CHECK(fr.begin_fragment(tx, tx.capacity, &out, &cap) == Error::would_block);
    CHECK(out == nullptr && cap == 0);
    CHECK(fr.write_close(tx, 1000, "", 0) == Error::ok);
    CHECK(fr.begin_fragment(tx, 1, &out, &cap) == Error::closed);
}

TEST(framer_stream, AnOwedPongGoesBeforeTheNextFragment) {
    // A tx with no room: the ping's pong is owed.
    Bytes small(40, 0);
    TxBuffer full{small.data(), small.size(), 0, small.size()};
    CHECK(fr.reset() == Error::ok);
    io = ScriptIo{};
    io.data = server_frame(true, kPing, bytes_of("p"));
    CHECK(fr.receive(ScriptIo::recv, &io, full, rec) == RS::would_block);
    CHECK(fr.control_owed());
    full.consume(full.pending());
    uint8_t* out = nullptr;
    size_t cap = 0;
    CHECK(fr.begin_fragment(full, 1, &out, &cap) == Error::ok);
    out[0] = 'z';
    fr.end_fragment(full, true, false, true, 1);
    const std::vector<ClientFrame> f = tx_frames(full);
    LONGS_EQUAL(2, f.size());
    LONGS_EQUAL(0xA, f[0].opcode);
    LONGS_EQUAL(kText, f[1].opcode);
}
