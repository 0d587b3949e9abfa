// SPDX-License-Identifier: MIT
// Proves the steady state allocates nothing: receive() and write_*() over a
// mixed stream (direct and assembled messages, fragments, pings, pongs,
// messages larger than wslay's input buffer) with malloc counted process-wide.
#include <stdint.h>
#include <string.h>

#include <vector>

#include "CppUTest/TestHarness.h"
#include "alloc_count.h"
#include "consensus/error.h"
#include "ws/framer.h"
#include "ws_test_util.h"

using consensus::Error;
using consensus::TxBuffer;
using consensus::ws::Framer;
using RS = consensus::ws::Framer::RecvStatus;
using namespace wstest;

namespace {

// A handler that allocates nothing and writes each message back.
struct EchoCounter final : consensus::ws::FrameHandler {
    Framer* fr = nullptr;
    TxBuffer* tx = nullptr;
    size_t messages = 0;
    size_t pongs = 0;
    size_t bytes = 0;
    size_t write_errors = 0;
    void on_message(bool binary, const uint8_t* d, size_t n) override {
        ++messages;
        bytes += n;
        if (fr->write_message(*tx, binary, d, n) != Error::ok) ++write_errors;
        tx->clear();  // as if the port took it all
    }
    void on_pong(const uint8_t*, size_t) override { ++pongs; }
    void on_close(uint16_t, const char*, size_t) override {}
    virtual ~EchoCounter() = default;
};

Bytes mixed_stream() {
    Bytes s;
    for (int round = 0; round < 20; ++round) {
        append(s, server_frame(true, 0x1, Bytes(10 + round, 'a')));  // whole: no copy
        append(s, server_frame(false, 0x1, bytes_of("frag \xE2")));
        append(s, server_frame(true, 0x9, bytes_of("ping")));
        append(s, server_frame(true, 0x0, bytes_of("\x82\xAC end")));
        append(s, server_frame(true, 0x2, Bytes(9000, static_cast<uint8_t>(round))));
        append(s, server_frame(true, 0xA, bytes_of("pong")));
    }
    return s;
}

}  // namespace

TEST_GROUP(alloc){};

TEST(alloc, PoolInitTakesOneAllocationPerContextAndFramersNone) {
    if (!alloc_count::available()) return;  // sanitizer build: malloc belongs to ASan
    std::vector<uint8_t> msg(100);
    Rng rng;
    consensus::ws::MaskKeys keys;
    keys.init(Rng::fill, &rng);
    consensus::ws::FrameContext entries[3];
    consensus::ws::FrameContextPool pool;
    alloc_count::start();
    const Error pe = pool.init(entries, 3, Framer::wslay_callbacks());
    alloc_count::stop();
    CHECK(pe == Error::ok);
    CHECK_EQUAL(3u, alloc_count::allocations());
    Framer fr;
    alloc_count::start();
    const Error e = fr.init(msg.data(), msg.size(), &pool, &keys);
    const Error r = fr.reset();  // nothing held: nothing to free or create
    alloc_count::stop();
    CHECK(e == Error::ok);
    CHECK(r == Error::ok);
    CHECK_EQUAL(0u, alloc_count::allocations());
    CHECK_EQUAL(0u, alloc_count::frees());
    alloc_count::start();
    fr.deinit();
    pool.deinit();
    alloc_count::stop();
    CHECK_EQUAL(0u, alloc_count::allocations());
    CHECK_EQUAL(3u, alloc_count::frees());
}

TEST(alloc, ReceiveAndWriteAllocateNothing) {
    if (!alloc_count::available()) return;
    std::vector<uint8_t> msg(16384);
    std::vector<uint8_t> txmem(20000);
    TxBuffer tx{txmem.data(), txmem.size(), 0, 0};
    Rng rng;
    FramerEnv env{&rng};
    Framer fr;
    CHECK(fr.init(msg.data(), msg.size(), &env.pool, &env.keys) == Error::ok);
    EchoCounter h;
    h.fr = &fr;
    h.tx = &tx;
    ScriptIo io;
    io.data = mixed_stream();
    io.chunk = 1500;  // typical TCP segment
    std::vector<uint8_t> ping(10, 'k');

    alloc_count::start();
    const RS st = fr.receive(ScriptIo::recv, &io, tx, h);
    const Error pe = fr.write_ping(tx, ping.data(), ping.size());
    const Error fe = fr.flush_control(tx);
    const Error ce = fr.write_close(tx, 1000, "done", 4);
    alloc_count::stop();

    CHECK(st == RS::would_block);
    CHECK(pe == Error::ok);
    CHECK(fe == Error::ok);
    CHECK(ce == Error::ok);
    CHECK_EQUAL(60u, h.messages);
    CHECK_EQUAL(20u, h.pongs);
    CHECK_EQUAL(0u, h.write_errors);
    CHECK_EQUAL(0u, alloc_count::allocations());
    CHECK_EQUAL(0u, alloc_count::frees());
    fr.deinit();
}

// A handler that counts parts and allocates nothing.
struct PartCounter final : consensus::ws::FrameHandler {
    size_t parts = 0;
    uint64_t bytes = 0;
    void on_message(bool, const uint8_t*, size_t n) override { bytes += n; }
    void on_message_part(bool, const uint8_t*, size_t n, uint64_t, bool) override {
        ++parts;
        bytes += n;
    }
    void on_pong(const uint8_t*, size_t) override {}
    void on_close(uint16_t, const char*, size_t) override {}
    virtual ~PartCounter() = default;
};

// Streaming both ways: a 1 MiB message received in parts of a 1 KiB buffer
// (fragments, a ping between them), and one sent in fragments through the
// send buffer's lent room, with malloc counted.
TEST(alloc, StreamingAllocatesNothing) {
    if (!alloc_count::available()) return;
    std::vector<uint8_t> msg(1024);
    std::vector<uint8_t> txmem(8192);
    TxBuffer tx{txmem.data(), txmem.size(), 0, 0};
    Rng rng;
    FramerEnv env{&rng};
    Framer fr;
    CHECK(fr.init(msg.data(), msg.size(), &env.pool, &env.keys) == Error::ok);
    fr.set_stream_limit(uint64_t{1} << 30);
    CHECK(fr.reset() == Error::ok);
    Bytes stream;
    const Bytes piece(64 * 1024, 'q');
    for (int i = 0; i < 16; ++i) {
        append(stream, server_frame(i == 15, i == 0 ? 0x2 : 0x0, piece));
        if (i == 7) append(stream, server_frame(true, 0x9, bytes_of("mid")));
    }
    ScriptIo io;
    io.data = stream;
    io.chunk = 1500;
    PartCounter h;
    size_t fragments = 0;

    alloc_count::start();
    RS st = RS::would_block;
    while (io.pos < io.data.size() && st == RS::would_block) {
        st = fr.receive(ScriptIo::recv, &io, tx, h);
        tx.clear();
    }
    for (int i = 0; i < 100; ++i) {
        uint8_t* out = nullptr;
        size_t cap = 0;
        if (fr.begin_fragment(tx, 1, &out, &cap) != Error::ok) break;
        memset(out, 'z', cap);
        fr.end_fragment(tx, i == 0, true, i == 99, cap);
        ++fragments;
        tx.clear();
    }
    alloc_count::stop();

    CHECK(st == RS::would_block);
    CHECK_EQUAL(uint64_t{16} * 64 * 1024, h.bytes);
    CHECK_EQUAL(1024u, h.parts);
    CHECK_EQUAL(100u, fragments);
    CHECK_EQUAL(0u, alloc_count::allocations());
    CHECK_EQUAL(0u, alloc_count::frees());
    fr.deinit();
}

TEST(alloc, CounterSeesAllocations) {
    // Guards the proof above: the window really counts wslay's mallocs.
    if (!alloc_count::available()) return;
    consensus::ws::FrameContext entries[1];
    consensus::ws::FrameContextPool pool;
    alloc_count::start();
    const Error e = pool.init(entries, 1, Framer::wslay_callbacks());
    pool.deinit();
    alloc_count::stop();
    CHECK(e == Error::ok);
    CHECK_EQUAL(1u, alloc_count::allocations());
    CHECK_EQUAL(1u, alloc_count::frees());
}
