// SPDX-License-Identifier: MIT
// Framer::receive on an arbitrary server byte stream, delivered by a scripted
// recv one chunk per receive() call. Input: [split seed][config][stream...]
//   split seed bits 0-6: the chunking (0: one piece); bit 7: streaming
//   receive (a limit of 16 x the message limit + 100; larger messages come
//   in parts);
//   config bits 0-1: TxBuffer capacity (16, 64, 300, 4096 bytes);
//   bits 2-3: message limit (0, 64, 1000, 65536 bytes);
//   bit 4: echo every message from inside the callback (write_message);
//   bit 5: leave tx undrained (pongs and close echoes become owed);
//   bit 6: the stream ends with EOF (else it would block forever);
//   bit 7: send our close before the first byte arrives.
// Checks: every delivered message fits the limit (every part too, every part
// but the last exactly the limit, at consecutive offsets, non-empty; the
// joined text UTF-8), text and close reasons are
// UTF-8 (by an independent validator), close codes are legal, everything the
// framer writes parses back as whole masked client frames, and terminal
// statuses stay sticky.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>
#include <string>

#include "consensus/port.h"
#include "core/tx_buffer.h"
#include "fuzz_util.h"
#include "ws/framer.h"

using consensus::Error;
using consensus::TxBuffer;
using consensus::ws::FrameHandler;
using consensus::ws::Framer;
using RS = Framer::RecvStatus;

namespace {

struct Script {
    const uint8_t* data;
    size_t size;
    size_t pos;
    fuzz::Splitter split;
    bool gave_chunk;  // the next call says would_block, so receive() returns per chunk
    long at_end;

    static long recv(void* io, uint8_t* buf, size_t len) {
        auto* s = static_cast<Script*>(io);
        if (s->pos == s->size) return s->at_end;
        if (s->gave_chunk) {
            s->gave_chunk = false;
            return CWS_IO_WOULD_BLOCK;
        }
        size_t n = s->split.next(s->size - s->pos);
        if (n > len) n = len;
        memcpy(buf, s->data + s->pos, n);
        s->pos += n;
        s->gave_chunk = true;
        return static_cast<long>(n);
    }
};

void fill_counter(void* ctx, uint8_t* out, size_t len) {
    auto* c = static_cast<uint8_t*>(ctx);
    for (size_t i = 0; i < len; ++i) out[i] = (*c)++;
}

struct Checker final : FrameHandler {
    Framer* fr = nullptr;
    TxBuffer* tx = nullptr;
    size_t max_message = 0;
    bool echo = false;
    bool closed = false;
    std::string log;  // every event, to compare split and whole deliveries

    void note(char kind, uint16_t code, const void* d, size_t n) {
        log += kind;
        log += std::to_string(code) + ":" + std::to_string(n) + ":";
        if (n > 0) log.append(static_cast<const char*>(d), n);
    }

    uint64_t part_at = 0;  // bytes of the streamed message delivered so far
    std::string parts;     // the streamed text so far (for the UTF-8 check)

    void on_message_part(bool binary, const uint8_t* d, size_t n, uint64_t offset,
                         bool last) override {
        fuzz::require(!closed, "part after close");
        fuzz::require(n > 0 && d != nullptr, "empty part");
        fuzz::require(n <= max_message, "part over the message limit");
        fuzz::require(last || n == max_message, "a part but the last is short");
        fuzz::require(offset == part_at, "part offsets not consecutive");
        fuzz::require(offset > 0 || !last, "a whole message came as one part");
        part_at = last ? 0 : part_at + n;
        if (!binary) parts.append(reinterpret_cast<const char*>(d), n);
        if (last && !binary) {
            fuzz::require(
                fuzz::utf8_ok(reinterpret_cast<const uint8_t*>(parts.data()), parts.size()),
                "invalid UTF-8 streamed text");
        }
        if (last) parts.clear();
        note(binary ? 'B' : 'T', 0, d, n);
    }

    void on_message(bool binary, const uint8_t* d, size_t n) override {
        fuzz::require(part_at == 0, "a message inside a streamed one");
        fuzz::require(!closed, "message after close");
        fuzz::require(n <= max_message, "message over the limit");
        fuzz::require(n == 0 || d != nullptr, "null message data");
        fuzz::require(binary || fuzz::utf8_ok(d, n), "invalid UTF-8 text delivered");
        note(binary ? 'b' : 't', 0, d, n);
        if (echo) {
            const Error e = fr->write_message(*tx, binary, d, n);
            fuzz::require(e == Error::ok || e == Error::would_block ||
                              e == Error::message_too_large || e == Error::closed,
                          "unexpected write_message error");
        }
    }
    void on_pong(const uint8_t* d, size_t n) override {
        fuzz::require(n <= Framer::kMaxControlPayload, "pong over 125 bytes");
        fuzz::require(n == 0 || d != nullptr, "null pong data");
        note('p', 0, d, n);
    }
    void on_close(uint16_t code, const char* reason, size_t n) override {
        fuzz::require(!closed, "second close delivered");
        closed = true;
        note('c', code, reason, n);
        fuzz::require(consensus::ws::close_code_valid(code) ||
                          (code == consensus::ws::kCloseNoStatus && n == 0),
                      "illegal close code delivered");
        fuzz::require(n <= Framer::kMaxCloseReason, "close reason too long");
        fuzz::require(fuzz::utf8_ok(reinterpret_cast<const uint8_t*>(reason), n),
                      "close reason not UTF-8");
    }
    virtual ~Checker() = default;
};

// Whatever the framer wrote must be whole, masked, RFC-shaped client frames.
void check_tx(const TxBuffer& tx, bool drain_all, TxBuffer* mut) {
    size_t off = tx.start;
    while (off < tx.end) {
        const uint8_t* p = tx.data + off;
        const size_t avail = tx.end - off;
        fuzz::require(avail >= 6, "truncated client frame header");
        fuzz::require((p[0] & 0x70) == 0, "RSV bits set by the framer");
        const uint8_t op = p[0] & 0x0F;
        fuzz::require(op == 1 || op == 2 || op == 8 || op == 9 || op == 10, "bad opcode written");
        fuzz::require((p[1] & 0x80) != 0, "unmasked client frame");
        uint64_t n = p[1] & 0x7F;
        size_t h = 2;
        if (n == 126) {
            n = (uint64_t{p[2]} << 8) | p[3];
            h = 4;
        } else if (n == 127) {
            fuzz::require(avail >= 14, "truncated 64-bit header");
            n = 0;
            for (int i = 0; i < 8; ++i) n = (n << 8) | p[2 + i];
            h = 10;
        }
        fuzz::require(op < 8 || n <= Framer::kMaxControlPayload, "control frame over 125");
        fuzz::require(avail - h - 4 >= n, "frame runs past the buffer");
        off += h + 4 + static_cast<size_t>(n);
    }
    if (drain_all) mut->consume(mut->pending());
}

bool terminal(RS s) {
    return s == RS::violation || s == RS::close_received;
}

struct Outcome {
    RS status = RS::would_block;
    uint16_t violation = 0;
    std::string log;
};

Outcome run_pass(const uint8_t* data, size_t size, uint8_t cfg, uint8_t split_seed, bool stream) {
    static constexpr size_t kTx[] = {16, 64, 300, 4096};
    static constexpr size_t kMsg[] = {0, 64, 1000, 65536};
    const size_t tx_cap = kTx[cfg & 3];
    const size_t max_msg = kMsg[(cfg >> 2) & 3];
    const bool drain = (cfg & 32) == 0;

    std::unique_ptr<uint8_t[]> msgbuf(new uint8_t[max_msg + 1]);
    std::unique_ptr<uint8_t[]> txmem(new uint8_t[tx_cap]);
    TxBuffer tx{txmem.get(), tx_cap, 0, 0};
    uint8_t counter = 0;
    consensus::ws::MaskKeys keys;
    keys.init(fill_counter, &counter);
    consensus::ws::FrameContext entry;
    consensus::ws::FrameContextPool pool;  // one context, as a client with frame_parsers = 1
    fuzz::require(pool.init(&entry, 1, Framer::wslay_callbacks()) == Error::ok, "pool init failed");
    Framer fr;
    if (stream) fr.set_stream_limit(16 * uint64_t{max_msg} + 100);
    fuzz::require(fr.init(msgbuf.get(), max_msg, &pool, &keys) == Error::ok, "init failed");
    Checker h;
    h.fr = &fr;
    h.tx = &tx;
    h.max_message = max_msg;
    h.echo = (cfg & 16) != 0;
    if ((cfg & 128) != 0) (void)fr.write_close(tx, consensus::ws::kCloseNormal, "bye", 3);

    Script io{data,  size,
              0,     fuzz::Splitter(split_seed, 300),
              false, (cfg & 64) != 0 ? CWS_IO_CLOSED : CWS_IO_WOULD_BLOCK};
    const size_t max_rounds = 2 * (size + 2);  // one chunk (>= 1 byte) per round
    bool ended = false;
    Outcome out;
    for (size_t round = 0; round < max_rounds; ++round) {
        const RS s = fr.receive(Script::recv, &io, tx, h);
        out.status = s;
        check_tx(tx, drain, &tx);
        if (s == RS::violation) {
            const uint16_t code = fr.violation_code();
            out.violation = code;
            fuzz::require(code == 1002 || code == 1007 || code == 1009, "bad violation code");
            (void)fr.write_close(tx, code, "", 0);
            check_tx(tx, drain, &tx);
        }
        if (terminal(s)) {
            fuzz::require(fr.receive(Script::recv, &io, tx, h) == s, "terminal status not sticky");
            fuzz::require(s != RS::close_received || h.closed, "close status without on_close");
            break;
        }
        if (s == RS::peer_closed_io || s == RS::io_error) break;
        if (io.pos == io.size) {
            if (ended) break;
            ended = true;  // one more receive() for whatever wslay still holds
        }
        (void)fr.flush_control(tx);
        check_tx(tx, drain, &tx);
    }
    out.log.swap(h.log);
    return out;
}

}  // namespace

// The chunking must not change what is delivered: the events, the final
// status and the violation code equal those of a one-piece delivery.
extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t seed = data[0] & 0x7F;
    const bool stream = (data[0] & 0x80) != 0;
    const Outcome split = run_pass(data + 2, size - 2, data[1], seed, stream);
    if (seed == 0) return 0;  // seed 0 is the one-piece delivery itself
    const Outcome whole = run_pass(data + 2, size - 2, data[1], 0, stream);
    fuzz::require(split.status == whole.status, "chunking changed the final status");
    fuzz::require(split.violation == whole.violation, "chunking changed the violation code");
    fuzz::require(split.log == whole.log, "chunking changed the delivered events");
    return 0;
}
