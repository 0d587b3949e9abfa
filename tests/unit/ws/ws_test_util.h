/* SPDX-License-Identifier: MIT */
// Test helpers for the ws module: a scripted recv (no sockets), a
// deterministic mask-key source, a recording FrameHandler, a builder for
// server frames and a parser for the client frames the framer writes.
// Include BEFORE "CppUTest/TestHarness.h" (it redefines new).
#pragma once

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "consensus/port.h"
#include "core/tx_buffer.h"
#include "ws/framer.h"

namespace wstest {

using Bytes = std::vector<uint8_t>;

inline Bytes bytes_of(const std::string& s) {
    return Bytes(s.begin(), s.end());
}
inline std::string str_of(const uint8_t* p, size_t n) {
    return std::string(reinterpret_cast<const char*>(p), n);
}
inline void append(Bytes& to, const Bytes& b) {
    to.insert(to.end(), b.begin(), b.end());
}

// A server frame built by hand. len_override lets a test declare a length
// different from the payload actually attached (hostile headers); enc forces
// the length encoding: 0 = minimal, 16 = 126 + 2 bytes, 64 = 127 + 8 bytes.
inline Bytes server_frame(bool fin, uint8_t opcode, const Bytes& payload, uint8_t rsv = 0,
                          const uint8_t* mask_key = nullptr, int enc = 0,
                          uint64_t len_override = UINT64_MAX) {
    const uint64_t n = len_override == UINT64_MAX ? payload.size() : len_override;
    Bytes f;
    f.push_back(static_cast<uint8_t>((fin ? 0x80 : 0) | (rsv << 4) | opcode));
    const uint8_t m = mask_key ? 0x80 : 0;
    if (enc == 0 && n < 126) {
        f.push_back(static_cast<uint8_t>(m | n));
    } else if (enc == 16 || (enc == 0 && n <= 0xFFFF)) {
        f.push_back(m | 126);
        f.push_back(static_cast<uint8_t>(n >> 8));
        f.push_back(static_cast<uint8_t>(n));
    } else {
        f.push_back(m | 127);
        for (int s = 56; s >= 0; s -= 8) f.push_back(static_cast<uint8_t>(n >> s));
    }
    if (mask_key) f.insert(f.end(), mask_key, mask_key + 4);
    for (size_t i = 0; i < payload.size(); ++i) {
        f.push_back(mask_key ? payload[i] ^ mask_key[i % 4] : payload[i]);
    }
    return f;
}

inline Bytes close_payload(uint16_t code, const std::string& reason) {
    Bytes p{static_cast<uint8_t>(code >> 8), static_cast<uint8_t>(code)};
    append(p, bytes_of(reason));
    return p;
}

// recv scripted in chunks; after the script it answers `at_end`.
struct ScriptIo {
    Bytes data;
    size_t pos = 0;
    size_t chunk = SIZE_MAX;
    long at_end = CWS_IO_WOULD_BLOCK;
    size_t calls = 0;
    size_t max_len_seen = 0;

    static long recv(void* io, uint8_t* buf, size_t len) {
        auto* s = static_cast<ScriptIo*>(io);
        ++s->calls;
        if (len > s->max_len_seen) s->max_len_seen = len;
        if (s->pos == s->data.size()) return s->at_end;
        size_t n = s->data.size() - s->pos;
        if (n > s->chunk) n = s->chunk;
        if (n > len) n = len;
        memcpy(buf, s->data.data() + s->pos, n);
        s->pos += n;
        return static_cast<long>(n);
    }
};

// Mask keys: cycles through `seq`, or counts 0, 1, 2, ... when it is empty.
struct Rng {
    Bytes seq;
    size_t pos = 0;
    uint8_t counter = 0;
    size_t calls = 0;
    static void fill(void* ctx, uint8_t* out, size_t len) {
        auto* r = static_cast<Rng*>(ctx);
        ++r->calls;
        for (size_t i = 0; i < len; ++i) {
            if (r->seq.empty()) {
                out[i] = r->counter++;
            } else {
                out[i] = r->seq[r->pos++ % r->seq.size()];
            }
        }
    }
};

// What a client gives every framer: its pool of wslay contexts (n of them)
// and its mask keys (from rng). Declare it before the framers that use it.
struct FramerEnv {
    static constexpr size_t kMaxContexts = 4;
    consensus::ws::FrameContext entries[kMaxContexts];
    consensus::ws::FrameContextPool pool;
    consensus::ws::MaskKeys keys;
    explicit FramerEnv(Rng* rng, size_t n = 1) {
        keys.init(Rng::fill, rng);
        pool.init(entries, n, consensus::ws::Framer::wslay_callbacks());
    }
};

struct Event {
    char kind;  // 'm' message, 'p' pong, 'c' close
    bool binary;
    std::string data;
    uint16_t code;
};

struct Recorder final : consensus::ws::FrameHandler {
    std::vector<Event> events;
    void on_message(bool binary, const uint8_t* d, size_t n) override {
        events.push_back(Event{'m', binary, str_of(d, n), 0});
    }
    void on_pong(const uint8_t* d, size_t n) override {
        events.push_back(Event{'p', false, str_of(d, n), 0});
    }
    void on_close(uint16_t code, const char* reason, size_t n) override {
        events.push_back(Event{'c', false, std::string(reason, n), code});
    }
    size_t parser_ready = 0;  // on_parser_ready calls
    void on_parser_ready() override { ++parser_ready; }
    virtual ~Recorder() = default;
};

// One client frame as parsed back from tx.
struct ClientFrame {
    bool ok = false;
    bool fin = false;
    uint8_t opcode = 0;
    bool masked = false;
    uint8_t key[4] = {0, 0, 0, 0};
    size_t header_len = 0;
    size_t total = 0;
    Bytes payload;  // unmasked
};

inline ClientFrame parse_client_frame(const uint8_t* p, size_t avail) {
    ClientFrame f;
    if (avail < 2) return f;
    f.fin = (p[0] & 0x80) != 0;
    f.opcode = p[0] & 0x0F;
    f.masked = (p[1] & 0x80) != 0;
    uint64_t n = p[1] & 0x7F;
    size_t h = 2;
    if (n == 126) {
        if (avail < 4) return f;
        n = (uint64_t{p[2]} << 8) | p[3];
        h = 4;
    } else if (n == 127) {
        if (avail < 10) return f;
        n = 0;
        for (int i = 0; i < 8; ++i) n = (n << 8) | p[2 + i];
        h = 10;
    }
    if (f.masked) {
        if (avail < h + 4) return f;
        memcpy(f.key, p + h, 4);
        h += 4;
    }
    if (avail - h < n) return f;
    f.header_len = h;
    f.total = h + n;
    f.payload.resize(n);
    for (size_t i = 0; i < n; ++i) f.payload[i] = p[h + i] ^ (f.masked ? f.key[i % 4] : 0);
    f.ok = true;
    return f;
}

// All frames pending in tx.
inline std::vector<ClientFrame> tx_frames(const consensus::TxBuffer& tx) {
    std::vector<ClientFrame> out;
    size_t off = tx.start;
    while (off < tx.end) {
        ClientFrame f = parse_client_frame(tx.data + off, tx.end - off);
        if (!f.ok) break;
        off += f.total;
        out.push_back(f);
    }
    return out;
}

// The captured protocol vectors (tests/vectors/x402), passed in by the build.
inline std::string vectors_dir() {
    return CONSENSUS_VECTORS_DIR;
}

inline Bytes read_vector(const char* name) {
    const std::string path = vectors_dir() + "/" + name;
    Bytes b;
    FILE* f = fopen(path.c_str(), "rb");
    if (f == nullptr) return b;
    uint8_t buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) b.insert(b.end(), buf, buf + n);
    fclose(f);
    return b;
}

}  // namespace wstest
