/* SPDX-License-Identifier: MIT */
// A client on the fake port with a scriptable payment hook and an event
// recorder. Include BEFORE "CppUTest/TestHarness.h".
#pragma once

#include <stdint.h>
#include <string.h>

#include <string>
#include <vector>

#include "consensus/client.h"
#include "fakes/fake_port.h"
#include "tls/crypto.h"
#include "unit/http/vectors.h"
#include "unit/ws/ws_test_util.h"

namespace clienttest {

using consensus::fake::FakePort;
using consensus::fake::FakeStream;

enum class HookMode { paid, pending, refused, decline };

struct Recorded {
    consensus::EventType type;
    consensus::Error error;
    consensus::Phase phase;
    int http_status;
    uint16_t code;
    consensus::Initiator initiator;
    uint32_t attempt;
    uint32_t in_ms;
    bool binary;
    bool paid;
    std::string text;     // message data, close reason, token, error detail or TLS version (open)
    uint64_t offset = 0;  // message_part
    bool last = false;    // message_part
};

inline std::string response(int status, const std::string& reason, const std::string& body,
                            const std::string& extra_headers = "") {
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Type: application/json\r\n" + extra_headers +
           "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" +
           body;
}

inline std::string token_body(const std::string& token, const std::string& host = "127.0.0.1:9") {
    return "{\"token\":\"" + token + "\",\"connect_url\":\"ws://" + host +
           "/ws-connect?token=" + token + "\",\"expires_in\":60}";
}

inline std::string vector_text(const char* name) {
    static char buf[65536];
    const size_t n = vectors::read(name, buf, sizeof buf);
    return std::string(buf, n);
}

// The 101 answer for the Sec-WebSocket-Key found in an upgrade request.
inline std::string switching_protocols(const std::string& request) {
    const std::string tag = "Sec-WebSocket-Key: ";
    const size_t at = request.find(tag);
    if (at == std::string::npos) return "HTTP/1.1 400 Bad Request\r\n\r\n";
    const std::string key =
        request.substr(at + tag.size(), 24) + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    uint8_t digest[consensus::kSha1Bytes];
    consensus::sha1(key.data(), key.size(), nullptr, 0, digest);
    char b64[32];
    size_t n = 0;
    consensus::base64_encode(digest, sizeof digest, b64, sizeof b64, &n);
    return "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
           "Sec-WebSocket-Accept: " +
           std::string(b64, n) + "\r\n\r\n";
}

// The service's session_start and session_expired messages, as it sends them.
inline constexpr char kSessionStart[] =
    "{\"type\":\"session_start\",\"sessionId\":\"s-1\",\"model\":\"hybrid\",\"served_by\":"
    "\"local\",\"limits\":{\"timeSeconds\":300,\"dataMB\":50},\"pricing\":{\"totalCost\":0.0075,"
    "\"pricePerMinute\":0.0005,\"pricePerMB\":0.0001}}";
inline constexpr char kExpired[] =
    "{\"type\":\"session_expired\",\"reason\":\"time_limit_reached\",\"finalUsage\":"
    "{\"durationMinutes\":5,\"dataMB\":0.01}}";

inline std::string frame(uint8_t opcode, const std::string& payload, bool fin = true) {
    const wstest::Bytes f = wstest::server_frame(fin, opcode, wstest::bytes_of(payload));
    return std::string(f.begin(), f.end());
}

inline std::string close_frame(uint16_t code, const std::string& reason) {
    const wstest::Bytes p = wstest::close_payload(code, reason);
    const wstest::Bytes f = wstest::server_frame(true, 0x8, p);
    return std::string(f.begin(), f.end());
}

// Client frames (masked) found in what the client sent.
inline std::vector<wstest::ClientFrame> client_frames(const std::string& sent) {
    std::vector<wstest::ClientFrame> out;
    size_t off = 0;
    while (off < sent.size()) {
        wstest::ClientFrame f = wstest::parse_client_frame(
            reinterpret_cast<const uint8_t*>(sent.data()) + off, sent.size() - off);
        if (!f.ok) break;
        off += f.total;
        out.push_back(f);
    }
    return out;
}

struct Harness {
    FakePort fp;
    consensus::Config config;
    consensus::ClientOptions options;
    consensus::Client client;
    std::vector<uint8_t> memory;
    std::vector<Recorded> events;
    HookMode mode = HookMode::paid;
    std::string pay_header = "UEFZTUVOVA==";
    int hook_calls = 0;
    std::string challenge_amount;
    size_t challenge_accepts = 0;
    consensus::PaymentTicket last_ticket{};
    int token_callbacks = 0;
    consensus::TokenResult token_result{};
    std::string token_got;
    std::string token_message;
    int limit_hook_calls = 0;

    Harness() {
        options.server_url = "http://127.0.0.1:8080";
        options.payment_hook = &Harness::hook;
        options.payment_user = this;
        options.on_limit_reached = &Harness::limit_hook;
        options.limit_user = this;
    }

    consensus::Error init(const char** why = nullptr) {
        memory.assign(consensus::Client::required_bytes(config) + 16, 0);
        uintptr_t p = reinterpret_cast<uintptr_t>(memory.data());
        uint8_t* aligned = memory.data() + ((16 - (p % 16)) % 16);
        return client.init(config, options, fp.port(), aligned,
                           consensus::Client::required_bytes(config), why);
    }

    void spin(int n = 8) {
        for (int i = 0; i < n; ++i) client.poll(0);
    }

    // Runs the loop while advancing the clock by `step` ms per poll, for `total` ms.
    void run_for(uint64_t total, uint64_t step = 10) {
        for (uint64_t t = 0; t < total; t += step) {
            fp.advance(step);
            client.poll(0);
        }
    }

    size_t count(consensus::EventType t) const {
        size_t n = 0;
        for (const Recorded& r : events) n += r.type == t ? 1 : 0;
        return n;
    }
    const Recorded* find(consensus::EventType t, size_t nth = 0) const {
        for (const Recorded& r : events) {
            if (r.type == t && nth-- == 0) return &r;
        }
        return nullptr;
    }

    consensus::SessionOptions session_options() {
        consensus::SessionOptions o;
        o.listener = &Harness::listener;
        o.user = this;
        return o;
    }

    static void listener(void* user, consensus::Session&, const consensus::Event& ev) {
        Harness* h = static_cast<Harness*>(user);
        Recorded r{ev.type,    ev.error, ev.phase,  ev.http_status,  ev.code,      ev.initiator,
                   ev.attempt, ev.in_ms, ev.binary, ev.payment_paid, std::string()};
        if (ev.type == consensus::EventType::message ||
            ev.type == consensus::EventType::message_part) {
            r.text.assign(reinterpret_cast<const char*>(ev.data), ev.size);
            r.offset = ev.offset;
            r.last = ev.last;
        } else if (ev.type == consensus::EventType::token) {
            r.text.assign(ev.token.data, ev.token.size);
        } else if (ev.type == consensus::EventType::open) {
            if (ev.tls_version != nullptr) r.text = ev.tls_version;
        } else if (ev.reason.data != nullptr) {
            r.text.assign(ev.reason.data, ev.reason.size);
        }
        h->events.push_back(r);
    }

    static consensus::PaymentDecision hook(void* user, const consensus::PaymentChallenge& ch,
                                           consensus::PaymentTicket ticket,
                                           consensus::PaymentHeaderOut* out) {
        Harness* h = static_cast<Harness*>(user);
        ++h->hook_calls;
        h->last_ticket = ticket;
        h->challenge_accepts = ch.accepts_count;
        if (ch.accepts_count > 0) {
            h->challenge_amount.assign(ch.accepts[0].amount.data, ch.accepts[0].amount.size);
        }
        switch (h->mode) {
            case HookMode::paid:
                memcpy(out->data, h->pay_header.data(), h->pay_header.size());
                out->size = h->pay_header.size();
                return consensus::PaymentDecision::paid;
            case HookMode::pending:
                return consensus::PaymentDecision::pending;
            case HookMode::refused:
                return consensus::PaymentDecision::refused;
            case HookMode::decline:
                return consensus::PaymentDecision::decline;
        }
        return consensus::PaymentDecision::refused;
    }

    static void token_cb(void* user, const consensus::TokenResult& r) {
        Harness* h = static_cast<Harness*>(user);
        ++h->token_callbacks;
        h->token_result = r;
        h->token_got = r.auth != nullptr ? r.auth->token : "";
        h->token_message.assign(r.message.data != nullptr ? r.message.data : "", r.message.size);
    }

    static void limit_hook(void* user, const consensus::Budget&) {
        ++static_cast<Harness*>(user)->limit_hook_calls;
    }
};

}  // namespace clienttest
