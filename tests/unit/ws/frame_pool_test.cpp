// SPDX-License-Identifier: MIT
// Framers borrowing wslay contexts from one FrameContextPool: a context goes
// back at every frame boundary and serves another stream in between; one
// given back mid-frame is created anew; a failed re-creation leaves a smaller
// pool that still works and grows back.
#include <stdint.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "consensus/error.h"
#include "context_fail.h"
#include "ws/framer.h"
#include "ws_test_util.h"

using consensus::Error;
using consensus::TxBuffer;
using consensus::ws::Framer;
using RS = consensus::ws::Framer::RecvStatus;
using namespace wstest;

namespace {

constexpr uint8_t kText = 0x1;
constexpr uint8_t kBin = 0x2;
constexpr uint8_t kPing = 0x9;
constexpr uint8_t kClose = 0x8;

// One framer with its own buffers, script and handler.
struct Peer {
    Framer fr;
    Bytes msgbuf = Bytes(1000, 0);
    Bytes txmem = Bytes(4000, 0);
    TxBuffer tx{nullptr, 0, 0, 0};
    ScriptIo io;
    Recorder rec;

    void init(FramerEnv& env) {
        tx = TxBuffer{txmem.data(), txmem.size(), 0, 0};
        CHECK(fr.init(msgbuf.data(), msgbuf.size(), &env.pool, &env.keys) == Error::ok);
    }
    // A new connection whose stream starts with `data`.
    void restart(const Bytes& data) {
        CHECK(fr.reset() == Error::ok);
        io = ScriptIo{};
        io.data = data;
        rec = Recorder{};
        tx.clear();
    }
    void more(const Bytes& data) { append(io.data, data); }
    RS receive() { return fr.receive(ScriptIo::recv, &io, tx, rec); }
    std::vector<std::string> messages() const {
        std::vector<std::string> out;
        for (const Event& e : rec.events) {
            if (e.kind == 'm') out.push_back(e.data);
        }
        return out;
    }
};

Bytes slice(const Bytes& b, size_t from, size_t to) {
    return Bytes(b.begin() + static_cast<long>(from), b.begin() + static_cast<long>(to));
}

}  // namespace

TEST_GROUP(frame_pool) {
    Rng rng;
    FramerEnv env{&rng, 1};  // one context for every framer below
    Peer a;
    Peer b;
    Peer c;

    void setup() override {
        a.init(env);
        b.init(env);
        c.init(env);
    }
    void teardown() override {
        a.fr.deinit();
        b.fr.deinit();
        c.fr.deinit();
        context_fail::refuse_after(-1);
    }
};

// A's stream split at every byte over two receive() calls; between them B
// reads its own stream on the same single context. At a frame boundary A
// holds nothing and B reads at once; inside a frame (header or payload) A
// keeps the context, B reads nothing and waits, and gets the context (and
// its message) once A's frame is whole. Both streams come out intact.
TEST(frame_pool, SplitAtEveryByteWhileAnotherFramerBorrowsBetween) {
    const Bytes bin(300, 0x5A);
    Bytes sa = server_frame(true, kText, bytes_of("first"));
    append(sa, server_frame(true, kBin, bin));
    // A ping cut in its payload is gathered in the held entry's buffer.
    append(sa, server_frame(true, kPing, bytes_of("ping-payload")));
    append(sa, server_frame(true, kText, bytes_of("last")));
    const std::vector<size_t> boundaries = {7, 7 + 304, 7 + 304 + 14};
    const Bytes sb = server_frame(true, kText, bytes_of("from b"));
    for (size_t split = 1; split < sa.size(); ++split) {
        const bool boundary =
            std::find(boundaries.begin(), boundaries.end(), split) != boundaries.end();
        a.restart(slice(sa, 0, split));
        b.restart(Bytes{});
        CHECK(a.receive() == RS::would_block);
        CHECK_EQUAL(!boundary, a.fr.holds_parser());
        CHECK_EQUAL(boundary ? 1u : 0u, env.pool.ready());

        b.more(sb);
        const RS rb = b.receive();
        if (boundary) {
            CHECK(rb == RS::would_block);
            CHECK_EQUAL(1u, b.messages().size());
        } else {
            CHECK(rb == RS::no_parser);
            CHECK(b.fr.waiting_for_parser());
            CHECK_EQUAL(0u, b.io.pos);  // nothing read: the bytes wait
            CHECK_EQUAL(0u, b.messages().size());
        }

        a.more(slice(sa, split, sa.size()));
        CHECK(a.receive() == RS::would_block);
        const std::vector<std::string> ma = a.messages();
        CHECK_EQUAL(3u, ma.size());
        if (ma.size() == 3) {
            STRCMP_EQUAL("first", ma[0].c_str());
            CHECK(bytes_of(ma[1]) == bin);
            STRCMP_EQUAL("last", ma[2].c_str());
        }
        const auto pongs = tx_frames(a.tx);
        CHECK_EQUAL(1u, pongs.size());
        if (pongs.size() == 1) CHECK(pongs[0].payload == bytes_of("ping-payload"));
        CHECK_FALSE(a.fr.holds_parser());

        if (!boundary) {
            CHECK_EQUAL(1u, b.rec.parser_ready);  // granted as A's frame completed
            CHECK(b.fr.holds_parser());
            CHECK_FALSE(b.fr.waiting_for_parser());
            CHECK(b.receive() == RS::would_block);
        }
        const std::vector<std::string> mb = b.messages();
        CHECK_EQUAL(1u, mb.size());
        if (mb.size() == 1) STRCMP_EQUAL("from b", mb[0].c_str());
        CHECK_EQUAL(1u, env.pool.ready());
        CHECK_EQUAL(0u, env.pool.waiters());
    }
}

// The longest waiter gets the context first.
TEST(frame_pool, WaitersAreServedInOrder) {
    const Bytes whole = server_frame(true, kText, bytes_of("hi"));
    const Bytes frame = server_frame(true, kBin, Bytes(50, 1));
    a.restart(slice(frame, 0, 10));
    CHECK(a.receive() == RS::would_block);  // pins the context
    c.restart(whole);
    CHECK(c.receive() == RS::no_parser);  // c first
    b.restart(whole);
    CHECK(b.receive() == RS::no_parser);
    CHECK_EQUAL(2u, env.pool.waiters());
    a.more(slice(frame, 10, frame.size()));
    CHECK(a.receive() == RS::would_block);
    CHECK_EQUAL(1u, c.rec.parser_ready);
    CHECK_EQUAL(0u, b.rec.parser_ready);
    CHECK(c.receive() == RS::would_block);  // whole frame: given back, to b
    CHECK_EQUAL(1u, b.rec.parser_ready);
    CHECK(b.receive() == RS::would_block);
    CHECK_EQUAL(1u, b.messages().size());
    CHECK_EQUAL(1u, c.messages().size());
    CHECK_EQUAL(1u, env.pool.ready());
}

// A connection that ends while waiting leaves the queue: the context goes
// to the next waiter, or back to the pool.
TEST(frame_pool, ResetWhileWaitingLeavesTheQueue) {
    const Bytes frame = server_frame(true, kBin, Bytes(50, 1));
    a.restart(slice(frame, 0, 3));
    CHECK(a.receive() == RS::would_block);
    b.restart(frame);
    CHECK(b.receive() == RS::no_parser);
    c.restart(frame);
    CHECK(c.receive() == RS::no_parser);
    b.restart(Bytes{});
    CHECK_FALSE(b.fr.waiting_for_parser());
    CHECK_EQUAL(1u, env.pool.waiters());
    a.more(slice(frame, 3, frame.size()));
    CHECK(a.receive() == RS::would_block);
    CHECK_EQUAL(0u, b.rec.parser_ready);
    CHECK_EQUAL(1u, c.rec.parser_ready);
    c.restart(Bytes{});  // granted, then its connection ended: back to the pool
    CHECK_EQUAL(1u, env.pool.ready());
}

// Given back mid-frame (the connection ended): wslay's state cannot be reset,
// so the context is freed and created anew; the next stream parses cleanly.
TEST(frame_pool, ContextGivenBackMidFrameIsCreatedAnew) {
    const Bytes frame = server_frame(true, kText, bytes_of("0123456789"));
    for (size_t cut = 1; cut < frame.size(); ++cut) {
        a.restart(slice(frame, 0, cut));
        CHECK(a.receive() == RS::would_block);
        CHECK(a.fr.holds_parser());
        const int before = context_fail::calls();
        a.restart(Bytes{});  // reset: the half frame's context goes back
        CHECK_EQUAL(before + 1, context_fail::calls());
        CHECK_EQUAL(1u, env.pool.ready());
        b.restart(server_frame(true, kText, bytes_of("clean")));
        CHECK(b.receive() == RS::would_block);
        CHECK_EQUAL(1u, b.messages().size());
        if (b.messages().size() == 1) STRCMP_EQUAL("clean", b.messages()[0].c_str());
    }
}

// Whole frames, a close among them: the context goes back idle, no malloc.
TEST(frame_pool, ContextGivenBackIdleIsNotCreatedAgain) {
    Bytes s = server_frame(true, kText, bytes_of("x"));
    append(s, server_frame(true, kClose, close_payload(1000, "")));
    const int before = context_fail::calls();
    a.restart(s);
    CHECK(a.receive() == RS::close_received);
    CHECK_FALSE(a.fr.holds_parser());
    b.restart(server_frame(true, kText, bytes_of("y")));
    CHECK(b.receive() == RS::would_block);
    a.restart(Bytes{});
    b.restart(Bytes{});
    CHECK_EQUAL(before, context_fail::calls());
    // Bytes after the close: wslay still holds them, so that context is new.
    append(s, server_frame(true, kText, bytes_of("late")));
    a.restart(s);
    CHECK(a.receive() == RS::close_received);
    CHECK_EQUAL(before + 1, context_fail::calls());
}

// Re-creation refused: the pool is one smaller, the rest works; the next
// acquire tries again and the pool grows back.
TEST(frame_pool, FailedRecreationLeavesASmallerPoolThatRecovers) {
    a.fr.deinit();
    b.fr.deinit();
    c.fr.deinit();
    FramerEnv two{&rng, 2};
    a.init(two);
    b.init(two);
    c.init(two);
    const Bytes frame = server_frame(true, kBin, Bytes(20, 7));
    a.restart(slice(frame, 0, 5));
    CHECK(a.receive() == RS::would_block);
    context_fail::refuse_after(0);
    a.restart(Bytes{});  // freed, not created again
    CHECK_EQUAL(1u, two.pool.live());
    CHECK_EQUAL(1u, two.pool.ready());
    b.restart(slice(frame, 0, 5));  // b pins the one left
    CHECK(b.receive() == RS::would_block);
    c.restart(frame);
    CHECK(c.receive() == RS::no_parser);  // tried the broken one again: refused
    CHECK_EQUAL(1u, two.pool.live());
    context_fail::refuse_after(-1);
    a.restart(frame);
    CHECK(a.receive() == RS::would_block);  // created again on this acquire
    CHECK_EQUAL(1u, a.messages().size());
    CHECK_EQUAL(2u, two.pool.live());
    CHECK_EQUAL(1u, c.rec.parser_ready);  // a gave it back whole: c's turn
    CHECK(c.receive() == RS::would_block);
    CHECK_EQUAL(1u, c.messages().size());
    b.more(slice(frame, 5, frame.size()));
    CHECK(b.receive() == RS::would_block);
    CHECK_EQUAL(1u, b.messages().size());
    CHECK_EQUAL(2u, two.pool.ready());
    a.fr.deinit();
    b.fr.deinit();
    c.fr.deinit();
}

// Init takes every context or none (no leak when one is refused).
TEST(frame_pool, InitIsAllOrNothing) {
    consensus::ws::FrameContext entries[3];
    consensus::ws::FrameContextPool pool;
    context_fail::refuse_after(2);
    CHECK(pool.init(entries, 3, Framer::wslay_callbacks()) == Error::no_resources);
    CHECK_EQUAL(0u, pool.size());
    context_fail::refuse_after(-1);
    CHECK(pool.init(entries, 3, Framer::wslay_callbacks()) == Error::ok);
    CHECK_EQUAL(3u, pool.ready());
    CHECK(pool.init(nullptr, 3, Framer::wslay_callbacks()) == Error::invalid_params);
    CHECK(pool.init(entries, 0, Framer::wslay_callbacks()) == Error::invalid_params);
}

// Mask keys are shared by the framers and each is drawn once (RFC 6455 5.3).
TEST(frame_pool, FramersShareTheMaskKeysAndNeverReuseOne) {
    std::vector<std::vector<uint8_t>> keys;
    for (int i = 0; i < 40; ++i) {
        Peer& p = i % 2 == 0 ? a : b;
        p.tx.clear();
        CHECK(p.fr.write_message(p.tx, false, reinterpret_cast<const uint8_t*>("k"), 1) ==
              Error::ok);
        const auto frames = tx_frames(p.tx);
        CHECK_EQUAL(1u, frames.size());
        keys.emplace_back(frames[0].key, frames[0].key + 4);
    }
    for (size_t i = 0; i < keys.size(); ++i) {
        // The test source counts 0, 1, 2, ...: key i is bytes 4i .. 4i+3.
        CHECK_EQUAL(static_cast<uint8_t>(4 * i), keys[i][0]);
        for (size_t j = i + 1; j < keys.size(); ++j) CHECK(keys[i] != keys[j]);
    }
    CHECK_EQUAL(2u, rng.calls);  // 160 key bytes: two draws of 128
}
