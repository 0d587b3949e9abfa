// SPDX-License-Identifier: MIT
// A whole managed session on the fake port: the client buys a token (GET /ws,
// maybe paying a 402), upgrades and runs the WebSocket, with the fuzz input as
// the server's bytes. Input: [ctl][n lo][n hi][token answer: n bytes][ws bytes...]
//   (n hi bit 7: streaming both ways: larger messages received in parts, and
//   at each open a streamed send of 3 x the send buffer that pauses once,
//   is resumed by the next message or poll loop turn 8, and aborts instead of
//   ending when n is odd)
//   ctl bit 0: answer the first GET /ws with the n input bytes (else a canned 200);
//   bit 1: put a valid 101 (its accept computed from the request) before the ws
//          bytes (else the ws bytes are the whole upgrade answer);
//   bits 2-3: bytes per recv (all, 1, 3, 17); bit 4: EOF after the ws bytes;
//   bit 5: echo every message; bit 6: renew after expiry; bit 7: small buffers.
// Later token requests get the canned 200, later upgrades an EOF, so the run
// ends; the poll loop is bounded anyway. Checks: delivered messages fit the
// limit and text is UTF-8 (parts: within the limit, at consecutive offsets,
// the text UTF-8 joined), the send source runs only while the session is open,
// no stream is touched after its close, and deinit closes every stream.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <memory>
#include <string>

#include "consensus/client.h"
#include "fakes/fake_port.h"
#include "fuzz_util.h"
#include "tls/crypto.h"

using consensus::fake::FakePort;
using consensus::fake::FakeStream;

namespace {

constexpr int kMaxPolls = 400;
constexpr size_t kChunks[] = {SIZE_MAX, 1, 3, 17};

std::string token_200() {
    const std::string body =
        "{\"token\":\"t1\",\"connect_url\":\"ws://127.0.0.1:9/ws-connect?token=t1\","
        "\"expires_in\":60}";
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: " +
           std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

std::string accept_for(const std::string& request) {
    static const char kTag[] = "Sec-WebSocket-Key: ";
    const size_t at = request.find(kTag);
    if (at == std::string::npos) return "";
    const std::string key =
        request.substr(at + sizeof kTag - 1, 24) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t digest[consensus::kSha1Bytes];
    consensus::sha1(key.data(), key.size(), nullptr, 0, digest);
    char b64[32];
    size_t n = 0;
    consensus::base64_encode(digest, sizeof digest, b64, sizeof b64, &n);
    return std::string(b64, n);
}

struct Server {
    uint8_t ctl = 0;
    std::string token_answer;
    std::string ws_bytes;
    bool answered[FakePort::kMaxStreams] = {};
    int token_requests = 0;
    int upgrades = 0;

    void answer(FakeStream& s) {
        const std::string& req = s.sent();
        s.chunk = kChunks[(ctl >> 2) & 3];
        if (req.find("Upgrade: websocket") == std::string::npos) {
            const bool fuzzed = token_requests++ == 0 && (ctl & 1) != 0;
            s.push(fuzzed ? token_answer : token_200());
            s.push_eof();
        } else if (upgrades++ == 0) {
            if ((ctl & 2) != 0) {
                s.push(
                    "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                    "Connection: Upgrade\r\nSec-WebSocket-Accept: " +
                    accept_for(req) + "\r\n\r\n");
            }
            s.push(ws_bytes);
            if ((ctl & 16) != 0) s.push_eof();
        } else {
            s.push_eof();
        }
    }

    static void on_wait(FakePort& fp, void* user) {
        Server* self = static_cast<Server*>(user);
        for (size_t i = 0; i < fp.opened() && i < FakePort::kMaxStreams; ++i) {
            FakeStream& s = fp.stream(i);
            if (self->answered[i] || s.sent().find("\r\n\r\n") == std::string::npos) continue;
            self->answered[i] = true;
            self->answer(s);
        }
    }
};

// FUZZ_SESSION_TRACE=1 prints every event (to see what an input does).
bool trace() {
    static const bool on = getenv("FUZZ_SESSION_TRACE") != nullptr;
    return on;
}

struct Observer {
    size_t max_message = 0;
    bool echo = false;
    bool stream = false;
    bool abort = false;       // the source fails instead of ending
    size_t stream_bytes = 0;  // the source's message size
    consensus::Session self;
    size_t sent = 0;  // bytes the source gave for the current stream
    bool paused = false;
    uint64_t part_at = 0;
    std::string parts;  // streamed text so far

    static long source(void* user, uint8_t* out, size_t cap, bool* last) {
        auto* o = static_cast<Observer*>(user);
        fuzz::require(o->self.state() == consensus::SessionState::open,
                      "send source called on a session that is not open");
        fuzz::require(cap > 0, "send source given no room");
        if (!o->paused && o->sent >= o->stream_bytes / 2) {
            o->paused = true;
            return 0;
        }
        size_t n = o->stream_bytes - o->sent;
        if (n > cap) n = cap;
        for (size_t i = 0; i < n; ++i) out[i] = static_cast<uint8_t>(o->sent + i);
        o->sent += n;
        if (o->sent == o->stream_bytes) {
            if (o->abort) return -1;
            *last = true;
        }
        return static_cast<long>(n);
    }

    void on_part(const consensus::Event& ev) {
        fuzz::require(ev.size > 0 && ev.size <= max_message, "part size out of bounds");
        fuzz::require(ev.last || ev.size == max_message, "a part but the last is short");
        fuzz::require(ev.offset == part_at, "part offsets not consecutive");
        part_at = ev.last ? 0 : part_at + ev.size;
        if (!ev.binary) parts.append(reinterpret_cast<const char*>(ev.data), ev.size);
        if (ev.last && !ev.binary) {
            fuzz::require(
                fuzz::utf8_ok(reinterpret_cast<const uint8_t*>(parts.data()), parts.size()),
                "invalid UTF-8 streamed text");
        }
        if (ev.last) parts.clear();
    }

    static void listener(void* user, consensus::Session& session, const consensus::Event& ev) {
        auto* o = static_cast<Observer*>(user);
        if (trace()) {
            fprintf(stderr, "event %d size %zu code %u error %s\n", static_cast<int>(ev.type),
                    ev.size, unsigned{ev.code}, consensus::error_name(ev.error));
        }
        if (o->stream && ev.type == consensus::EventType::open) {
            o->sent = 0;
            o->paused = false;
            o->part_at = 0;  // a message cut by a lost link is not continued
            o->parts.clear();
            fuzz::require(session.send_stream(true, source, o) == consensus::Error::ok,
                          "send_stream refused on open");
            fuzz::require(session.send_text("x", 1) == consensus::Error::busy,
                          "send_text not busy during a stream");
        }
        if (ev.type == consensus::EventType::message_part) {
            fuzz::require(o->stream, "a part without streaming");
            o->on_part(ev);
            (void)session.resume_stream();
            return;
        }
        if (ev.type != consensus::EventType::message) return;
        if (o->stream) (void)session.resume_stream();
        fuzz::require(ev.size <= o->max_message, "message over max_message_bytes");
        fuzz::require(ev.binary || fuzz::utf8_ok(ev.data, ev.size), "invalid UTF-8 text event");
        if (!o->echo) return;
        if (ev.binary) {
            (void)session.send_binary(ev.data, ev.size);
        } else {
            (void)session.send_text(reinterpret_cast<const char*>(ev.data), ev.size);
        }
    }
};

consensus::PaymentDecision pay(void*, const consensus::PaymentChallenge& c,
                               consensus::PaymentTicket, consensus::PaymentHeaderOut* out) {
    fuzz::require(c.accepts_count >= 1, "hook called without a requirement");
    static const char kHeader[] = "UEFZTUVOVA==";
    if (out->capacity < sizeof kHeader - 1) return consensus::PaymentDecision::refused;
    memcpy(out->data, kHeader, sizeof kHeader - 1);
    out->size = sizeof kHeader - 1;
    return consensus::PaymentDecision::paid;
}

void configure(uint8_t ctl, consensus::Config* c, consensus::ClientOptions* o) {
    if ((ctl & 128) != 0) {
        c->tx_buffer_bytes = 1100;  // the smallest valid: payment header + 1024 + a little
        c->rx_buffer_bytes = 256;
        c->max_message_bytes = 256;
        c->work_buffer_bytes = 2048;
        c->max_header_line = 1024;
        c->max_headers = 16;
        c->max_body_bytes = 512;
        c->max_payment_header = 64;
    }
    o->server_url = "http://127.0.0.1:8080";
    o->payment_hook = pay;
    o->open_timeout_ms = 1000;
    o->request_timeout_ms = 2000;
    o->reconnect_interval_ms = 100;
    o->max_reconnects = 2;
    o->ping_interval_ms = 500;
    o->close_timeout_ms = 200;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 3) return 0;
    Server server;
    server.ctl = data[0];
    size_t n = data[1] | (size_t{data[2] & 0x7Fu} << 8);
    const bool stream = (data[2] & 0x80) != 0;
    if (n > size - 3) n = size - 3;
    server.token_answer.assign(reinterpret_cast<const char*>(data + 3), n);
    server.ws_bytes.assign(reinterpret_cast<const char*>(data + 3 + n), size - 3 - n);

    FakePort fp;
    fp.auto_advance = true;
    fp.on_wait = Server::on_wait;
    fp.on_wait_user = &server;
    consensus::Config config;
    consensus::ClientOptions options;
    configure(server.ctl, &config, &options);
    const size_t bytes = consensus::Client::required_bytes(config);
    std::unique_ptr<uint8_t[]> raw(new uint8_t[bytes + 16]);
    uint8_t* mem = raw.get() + (16 - reinterpret_cast<uintptr_t>(raw.get()) % 16) % 16;

    consensus::Client client;
    fuzz::require(client.init(config, options, fp.port(), mem, bytes) == consensus::Error::ok,
                  "client init failed");
    Observer obs;
    obs.max_message = config.max_message_bytes;
    obs.echo = (server.ctl & 32) != 0;
    obs.stream = stream;
    obs.abort = (n & 1) != 0;
    obs.stream_bytes = 3 * size_t{config.tx_buffer_bytes};
    consensus::SessionOptions so;
    if (stream) so.max_streamed_message_bytes = 4 * uint64_t{config.max_message_bytes} + 100;
    so.listener = Observer::listener;
    so.user = &obs;
    so.renew = (server.ctl & 64) != 0;
    consensus::Session session;
    fuzz::require(
        client.open_session(consensus::TokenParams(), so, &session) == consensus::Error::ok,
        "open_session refused");
    obs.self = session;
    for (int i = 0; i < kMaxPolls && client.poll(100) > 0; ++i) {
        if (stream && i % 8 == 7) (void)session.resume_stream();  // the application, later
    }
    client.deinit();
    for (size_t i = 0; i < fp.opened(); ++i) {
        fuzz::require(fp.stream(i).calls_after_close == 0, "stream used after close");
        fuzz::require(fp.stream(i).closed, "stream left open after deinit");
    }
    return 0;
}
