// SPDX-License-Identifier: MIT
// Sending side of the framer: byte-exact client frames with a deterministic
// mask-key source, backpressure on a full TxBuffer, close/ping rules.
#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "consensus/error.h"
#include "core/tx_buffer.h"
#include "ws/framer.h"
#include "ws_test_util.h"

using consensus::Error;
using consensus::TxBuffer;
using consensus::ws::Framer;
using namespace wstest;

namespace {

constexpr uint8_t kText = 0x1, kBin = 0x2, kClose = 0x8, kPing = 0x9;

Bytes payload_of(size_t n) {
    Bytes b(n);
    for (size_t i = 0; i < n; ++i) b[i] = static_cast<uint8_t>(i * 31 + 7);
    return b;
}

}  // namespace

TEST_GROUP(framer_send) {
    Framer fr;
    uint8_t msgbuf[64];
    Bytes txmem;
    TxBuffer tx{nullptr, 0, 0, 0};
    Rng rng;
    FramerEnv env{&rng};

    void setup() override {
        txmem.assign(70000, 0);
        tx = TxBuffer{txmem.data(), txmem.size(), 0, 0};
        CHECK(fr.init(msgbuf, sizeof msgbuf, &env.pool, &env.keys) == Error::ok);
    }
    void teardown() override {
        fr.deinit();
    }

    Bytes pending() const {
        return Bytes(tx.data + tx.start, tx.data + tx.end);
    }
};

TEST(framer_send, RfcMaskedHelloExample) {
    // RFC 6455 5.7: "Hello" masked with key 37 fa 21 3d.
    rng.seq = {0x37, 0xFA, 0x21, 0x3D};
    const uint8_t hello[] = {'H', 'e', 'l', 'l', 'o'};
    CHECK(fr.write_message(tx, false, hello, sizeof hello) == Error::ok);
    const Bytes expected{0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58};
    CHECK(pending() == expected);
    CHECK_EQUAL(1u, rng.calls);
}

TEST(framer_send, FreshKeyPerFrame) {
    const uint8_t m[] = {'a'};
    CHECK(fr.write_message(tx, true, m, 1) == Error::ok);
    CHECK(fr.write_message(tx, true, m, 1) == Error::ok);
    const Bytes expected{0x82, 0x81, 0x00, 0x01, 0x02, 0x03, 'a' ^ 0x00,
                         0x82, 0x81, 0x04, 0x05, 0x06, 0x07, 'a' ^ 0x04};
    CHECK(pending() == expected);
}

TEST(framer_send, LengthEdgesHeaderBytes) {
    struct Case {
        size_t n;
        Bytes header;  // before the key
    };
    const Case cases[] = {
        {0, {0x82, 0x80}},
        {125, {0x82, 0xFD}},
        {126, {0x82, 0xFE, 0x00, 0x7E}},
        {65535, {0x82, 0xFE, 0xFF, 0xFF}},
        {65536, {0x82, 0xFF, 0, 0, 0, 0, 0, 0x01, 0x00, 0x00}},
    };
    for (const Case& c : cases) {
        tx.clear();
        const Bytes p = payload_of(c.n);
        CHECK(fr.write_message(tx, true, p.data(), p.size()) == Error::ok);
        CHECK_EQUAL(Framer::frame_size(c.n), tx.pending());
        CHECK_EQUAL(c.header.size() + 4 + c.n, tx.pending());
        const Bytes got = pending();
        CHECK(Bytes(got.begin(), got.begin() + c.header.size()) == c.header);
        const ClientFrame f = parse_client_frame(got.data(), got.size());
        CHECK_TRUE(f.ok);
        CHECK_TRUE(f.masked);
        CHECK(f.payload == p);
    }
}

TEST(framer_send, MaskingIsRightForEveryLengthAndAlignment) {
    rng.seq = {0xA1, 0xB2, 0xC3, 0xD4};
    for (size_t offset = 0; offset < 8; ++offset) {
        for (size_t n = 0; n <= 41; ++n) {
            tx.start = tx.end = offset;  // unaligned destination
            const Bytes p = payload_of(n);
            CHECK(fr.write_message(tx, false, p.data(), n) == Error::ok);
            const uint8_t* out = tx.data + tx.start + 6;
            for (size_t i = 0; i < n; ++i) {
                BYTES_EQUAL(p[i] ^ rng.seq[i % 4], out[i]);
            }
            tx.clear();
        }
    }
}

TEST(framer_send, WouldBlockWhenTxLacksRoomAndNothingIsWritten) {
    uint8_t mem[64];
    memset(mem, 0x77, sizeof mem);
    TxBuffer small{mem, sizeof mem, 0, 60};
    const uint8_t m[10] = {0};
    CHECK(fr.write_message(small, false, m, sizeof m) == Error::would_block);
    CHECK_EQUAL(0u, small.start);
    CHECK_EQUAL(60u, small.end);
    for (uint8_t b : mem) BYTES_EQUAL(0x77, b);
    CHECK_EQUAL(0u, rng.calls);  // no key drawn for a frame not written
}

TEST(framer_send, CompactsToMakeRoom) {
    uint8_t mem[64];
    for (size_t i = 0; i < sizeof mem; ++i) mem[i] = static_cast<uint8_t>(i);
    TxBuffer small{mem, sizeof mem, 50, 60};  // 10 pending, 4 free at the tail
    const uint8_t m[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    CHECK(fr.write_message(small, true, m, sizeof m) == Error::ok);
    CHECK_EQUAL(0u, small.start);
    CHECK_EQUAL(10u + 16u, small.end);
    for (size_t i = 0; i < 10; ++i) BYTES_EQUAL(50 + i, mem[i]);  // old bytes first, in order
    const ClientFrame f = parse_client_frame(mem + 10, 16);
    CHECK_TRUE(f.ok);
    CHECK(f.payload == Bytes(m, m + 10));
}

TEST(framer_send, MessageTooLargeWhenItCanNeverFit) {
    uint8_t mem[64];
    TxBuffer small{mem, sizeof mem, 0, 0};
    Bytes p = payload_of(59);  // 2 + 4 + 59 = 65 > 64
    CHECK(fr.write_message(small, false, p.data(), p.size()) == Error::message_too_large);
    p.resize(58);  // exactly 64
    CHECK(fr.write_message(small, false, p.data(), p.size()) == Error::ok);
    CHECK_EQUAL(64u, small.pending());
    // Full now, but it would fit into an empty buffer: would_block, not too large.
    CHECK(fr.write_message(small, false, p.data(), 1) == Error::would_block);
    // No overflow in the size arithmetic.
    CHECK(fr.write_message(small, false, p.data(), SIZE_MAX) == Error::message_too_large);
    CHECK(fr.write_message(small, false, p.data(), SIZE_MAX - 10) == Error::message_too_large);
}

TEST(framer_send, FrameSizeSaturatesInsteadOfWrapping) {
    CHECK_EQUAL(SIZE_MAX, Framer::frame_size(SIZE_MAX - Framer::kMaxHeader));      // fits exactly
    CHECK_EQUAL(SIZE_MAX, Framer::frame_size(SIZE_MAX - Framer::kMaxHeader + 1));  // would be 0
    CHECK_EQUAL(SIZE_MAX, Framer::frame_size(SIZE_MAX - 5));                       // would be 8
    CHECK_EQUAL(SIZE_MAX, Framer::frame_size(SIZE_MAX));
    CHECK_EQUAL(size_t{65536 + 14}, Framer::frame_size(65536));
}

TEST(framer_send, NullDataWithLengthIsInvalid) {
    CHECK(fr.write_message(tx, false, nullptr, 3) == Error::invalid_params);
    CHECK(fr.write_message(tx, false, nullptr, 0) == Error::ok);
    CHECK(fr.write_ping(tx, nullptr, 2) == Error::invalid_params);
    CHECK(fr.write_close(tx, 1000, nullptr, 2) == Error::invalid_params);
}

TEST(framer_send, PingBytesAndLimit) {
    rng.seq = {0, 0, 0, 0};
    const Bytes p = payload_of(125);
    CHECK(fr.write_ping(tx, p.data(), 126) == Error::invalid_params);
    CHECK_EQUAL(0u, tx.pending());
    CHECK(fr.write_ping(tx, p.data(), 125) == Error::ok);
    const Bytes got = pending();
    CHECK_EQUAL(2u + 4u + 125u, got.size());
    BYTES_EQUAL(0x89, got[0]);
    BYTES_EQUAL(0xFD, got[1]);
    CHECK(Bytes(got.begin() + 6, got.end()) == p);  // zero key: payload as is
    CHECK(fr.write_ping(tx, nullptr, 0) == Error::ok);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(2u, frames.size());
    CHECK_EQUAL(kPing, frames[1].opcode);
    CHECK_EQUAL(0u, frames[1].payload.size());
}

TEST(framer_send, CloseBytesWithReason) {
    rng.seq = {0x01, 0x02, 0x03, 0x04};
    CHECK(fr.write_close(tx, 1000, "bye", 3) == Error::ok);
    // Key phase runs on from the code into the reason.
    const Bytes expected{0x88,        0x85,        0x01,       0x02,       0x03,      0x04,
                         0x03 ^ 0x01, 0xE8 ^ 0x02, 'b' ^ 0x03, 'y' ^ 0x04, 'e' ^ 0x01};
    CHECK(pending() == expected);
    CHECK_TRUE(fr.close_sent());
}

TEST(framer_send, CloseWithoutStatus) {
    CHECK(fr.write_close(tx, 1005, nullptr, 0) == Error::ok);
    const Bytes expected{0x88, 0x80, 0x00, 0x01, 0x02, 0x03};
    CHECK(pending() == expected);
}

TEST(framer_send, CloseReasonLimitAndValidation) {
    const std::string r123(123, 'r');
    const std::string r124(124, 'r');
    CHECK(fr.write_close(tx, 1000, r124.data(), r124.size()) == Error::invalid_params);
    CHECK(fr.write_close(tx, 1000, "\xC0\x80", 2) == Error::invalid_params);
    CHECK(fr.write_close(tx, 1005, "x", 1) == Error::invalid_params);
    for (uint16_t c : {0, 999, 1004, 1006, 1015, 1016, 2999, 5000}) {
        CHECK(fr.write_close(tx, c, nullptr, 0) == Error::invalid_params);
    }
    CHECK_EQUAL(0u, tx.pending());
    CHECK_FALSE(fr.close_sent());
    CHECK(fr.write_close(tx, 4000, r123.data(), r123.size()) == Error::ok);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(1u, frames.size());
    CHECK_EQUAL(kClose, frames[0].opcode);
    CHECK_EQUAL(125u, frames[0].payload.size());
}

TEST(framer_send, ProtocolCloseCodesCanBeSent) {
    // What the session sends after a violation.
    for (uint16_t c : {1002, 1007, 1009}) {
        CHECK(fr.reset() == Error::ok);
        tx.clear();
        CHECK(fr.write_close(tx, c, nullptr, 0) == Error::ok);
        const auto frames = tx_frames(tx);
        CHECK_EQUAL(1u, frames.size());
        CHECK(frames[0].payload == close_payload(c, ""));
    }
}

TEST(framer_send, NothingButCloseAfterClose) {
    CHECK(fr.write_close(tx, 1000, nullptr, 0) == Error::ok);
    const size_t n = tx.pending();
    const uint8_t m[] = {'x'};
    CHECK(fr.write_message(tx, false, m, 1) == Error::closed);
    CHECK(fr.write_ping(tx, m, 1) == Error::closed);
    CHECK(fr.write_close(tx, 1000, nullptr, 0) == Error::closed);
    CHECK_EQUAL(n, tx.pending());
}

TEST(framer_send, CloseThatDoesNotFitIsNotRecorded) {
    uint8_t mem[8];
    TxBuffer small{mem, sizeof mem, 0, 4};
    CHECK(fr.write_close(small, 1000, nullptr, 0) == Error::would_block);
    CHECK_FALSE(fr.close_sent());
    small.clear();
    CHECK(fr.write_close(small, 1000, nullptr, 0) == Error::ok);
    CHECK_TRUE(fr.close_sent());
}

TEST(framer_send, TxBufferHelpers) {
    uint8_t mem[16];
    TxBuffer b{mem, sizeof mem, 0, 0};
    CHECK_TRUE(b.reserve(16));
    CHECK_FALSE(b.reserve(17));
    b.commit(10);
    CHECK_EQUAL(10u, b.pending());
    CHECK_EQUAL(6u, b.free_tail());
    b.consume(4);
    CHECK_EQUAL(6u, b.pending());
    CHECK_EQUAL(10u, b.free_total());
    CHECK(b.front() == mem + 4);
    b.consume(100);  // clamped; empty rewinds to the front
    CHECK_EQUAL(0u, b.start);
    CHECK_EQUAL(0u, b.end);
}

TEST(framer_send, TextOpcode) {
    const uint8_t m[] = {'t'};
    CHECK(fr.write_message(tx, false, m, 1) == Error::ok);
    CHECK(fr.write_message(tx, true, m, 1) == Error::ok);
    const auto frames = tx_frames(tx);
    CHECK_EQUAL(2u, frames.size());
    CHECK_EQUAL(kText, frames[0].opcode);
    CHECK_EQUAL(kBin, frames[1].opcode);
    CHECK_TRUE(frames[0].fin);
}
