/* SPDX-License-Identifier: MIT */
// Shared set-up of the EvmSigner tests: a signer on the fake port with a
// fixed key, challenges from the captured vectors, and the header decoded back.
#pragma once

#include <mbedtls/base64.h>
#include <stdio.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/x402_evm.h"
#include "core/strview.h"
#include "fakes/fake_port.h"
#include "json/json.h"
#include "x402/challenge.h"

namespace evm_test {

// A throwaway key: it holds nothing on any chain and must never be funded.
constexpr uint8_t kKey[32] = {0x4c, 0x08, 0x83, 0xa6, 0x91, 0x02, 0x93, 0x7d, 0x62, 0x31, 0x47,
                              0x1b, 0x5d, 0xbb, 0x62, 0x04, 0xfe, 0x51, 0x29, 0x61, 0x70, 0x82,
                              0x79, 0x2a, 0xe4, 0x68, 0xd0, 0x1a, 0x3f, 0x36, 0x23, 0x18};
constexpr char kKeyAddress[] = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
constexpr char kPayee[] = "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE";
constexpr uint64_t kNow = 1795625309;  // 2026-11-25, when the vectors were captured

inline std::string read_file(const std::string& path) {
    FILE* f = fopen(path.c_str(), "rb");
    if (f == nullptr) FAIL(("cannot open " + path).c_str());
    std::string s;
    char buf[4096];
    size_t n = 0;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
    fclose(f);
    return s;
}

inline std::string read_vector(const char* name) {
    return read_file(std::string(CONSENSUS_VECTORS_DIR) + "/" + name);
}

// A challenge parsed from JSON text that the struct's views point into.
struct Challenge {
    std::string json;
    alignas(8) unsigned char scratch[8192];
    consensus::PaymentChallenge ch;

    explicit Challenge(const std::string& text) : json(text) {
        CHECK_EQUAL(static_cast<int>(consensus::Error::ok),
                    static_cast<int>(consensus::parse_payment_challenge(
                        json.data(), json.size(), scratch, sizeof scratch, &ch)));
    }
};

// The header's JSON, and lookups into it by path.
struct Decoded {
    std::string json;
    alignas(8) unsigned char scratch[16384];
    consensus::JsonDoc doc;

    explicit Decoded(const char* b64, size_t n) {
        json.resize(n);
        size_t out = 0;
        CHECK_EQUAL(0, mbedtls_base64_decode(reinterpret_cast<unsigned char*>(&json[0]), n, &out,
                                             reinterpret_cast<const unsigned char*>(b64), n));
        json.resize(out);
        CHECK_EQUAL(static_cast<int>(consensus::Error::ok),
                    static_cast<int>(consensus::json_parse_object(json.data(), json.size(), scratch,
                                                                  sizeof scratch, &doc)));
    }
    // "payload.authorization.from" -> the raw text of that member ("" if absent).
    std::string at(const char* path) const {
        int node = 0;
        std::string p = path;
        size_t from = 0;
        while (node >= 0 && from <= p.size()) {
            size_t dot = p.find('.', from);
            std::string key =
                p.substr(from, dot == std::string::npos ? std::string::npos : dot - from);
            node = consensus::json_find(doc, node, key.c_str());
            if (dot == std::string::npos) break;
            from = dot + 1;
        }
        if (node < 0) return "";
        consensus::StrView v = consensus::json_raw(doc, node);
        return std::string(v.data, v.size);
    }
};

struct Signer {
    consensus::fake::FakePort port;
    cws_port cport;
    consensus::EvmSignerOptions opt;
    alignas(16) uint8_t memory[16384];
    consensus::EvmSigner signer;
    char header[2048];
    consensus::PaymentHeaderOut out{header, sizeof header, 0};

    Signer() {
        cport = port.port();
        port.wall_clock_s = kNow;
        opt.private_key = kKey;
        opt.port = &cport;
    }
    consensus::Error init() { return signer.init(opt, memory, sizeof memory); }
    consensus::PaymentDecision pay(const consensus::PaymentChallenge& ch) {
        out = consensus::PaymentHeaderOut{header, sizeof header, 0};
        return consensus::EvmSigner::hook(&signer, ch, consensus::PaymentTicket{7}, &out);
    }
};

inline consensus::EvmAddress addr(const char* text) {
    consensus::EvmAddress a{};
    CHECK_TRUE(consensus::evm_parse_address(text, strlen(text), &a));
    return a;
}

}  // namespace evm_test
