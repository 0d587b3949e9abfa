// SPDX-License-Identifier: MIT
// decode_challenge on arbitrary header values. Input: [mode][bytes...]
//   mode bit 0: 0 = the bytes are the header value as received (base64 layer),
//               1 = the bytes are base64-encoded here first, so the JSON and
//                   schema layers see arbitrary JSON-ish text;
//   bits 1-2: json_out capacity (exact need, one short, half, roomy);
//   bits 3-5: jsmn scratch (4, 16, 32, 48, 64, 96, 128, 1024 tokens).
// Buffers are exact-size heap blocks so ASan sees any overrun.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>
#include <string>

#include "consensus/payment.h"
#include "fuzz_util.h"
#include "x402/challenge.h"

using consensus::Error;
using consensus::PaymentChallenge;

namespace {

constexpr size_t kTokenBytes = 20;  // one jsmn token with parent links

std::string base64(const uint8_t* p, size_t n) {
    static constexpr char kAlpha[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < n; i += 3) {
        const uint32_t b0 = p[i];
        const uint32_t b1 = i + 1 < n ? p[i + 1] : 0;
        const uint32_t b2 = i + 2 < n ? p[i + 2] : 0;
        const uint32_t v = (b0 << 16) | (b1 << 8) | b2;
        out += kAlpha[(v >> 18) & 63];
        out += kAlpha[(v >> 12) & 63];
        out += i + 1 < n ? kAlpha[(v >> 6) & 63] : '=';
        out += i + 2 < n ? kAlpha[v & 63] : '=';
    }
    return out;
}

bool digits(consensus::StrView v) {
    for (size_t i = 0; i < v.size; ++i) {
        if (v.data[i] < '0' || v.data[i] > '9') return false;
    }
    return v.size > 0;
}

void check_ok(const PaymentChallenge& c, const char* json, size_t cap) {
    fuzz::require(c.accepts_count >= 1 && c.accepts_count <= consensus::kMaxAccepts,
                  "accepts_count out of range");
    fuzz::require(fuzz::view_inside(c.json, json, cap), "json view outside json_out");
    fuzz::require(c.json.size < cap && json[c.json.size] == '\0', "json_out not terminated");
    fuzz::require(fuzz::view_inside(c.error, json, cap), "error outside json_out");
    fuzz::require(fuzz::view_inside(c.resource_url, json, cap), "resource_url outside json_out");
    for (size_t i = 0; i < c.accepts_count; ++i) {
        const consensus::PaymentRequirement& a = c.accepts[i];
        fuzz::require(
            a.scheme.size > 0 && a.network.size > 0 && a.asset.size > 0 && a.pay_to.size > 0,
            "empty payment field accepted");
        fuzz::require(digits(a.amount), "amount not decimal digits");
        const consensus::StrView views[] = {a.scheme, a.network, a.amount,
                                            a.asset,  a.pay_to,  a.raw};
        for (const consensus::StrView& v : views) {
            fuzz::require(fuzz::view_inside(v, json, cap), "accept field outside json_out");
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    std::string b64 = (mode & 1) != 0
                          ? base64(data + 1, size - 1)
                          : std::string(reinterpret_cast<const char*>(data + 1), size - 1);
    std::unique_ptr<char[]> in(new char[b64.size() + 1]);
    memcpy(in.get(), b64.data(), b64.size());

    const size_t need = b64.size() / 4 * 3 + 1;
    const size_t caps[] = {need, need > 1 ? need - 1 : 1, need / 2 + 1, need + 4096};
    const size_t cap = caps[(mode >> 1) & 3];
    static constexpr size_t kToks[] = {4, 16, 32, 48, 64, 96, 128, 1024};
    const size_t scratch_len = kToks[(mode >> 3) & 7] * kTokenBytes;
    std::unique_ptr<char[]> json(new char[cap]);
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[scratch_len]);

    PaymentChallenge c;
    const Error e = consensus::decode_challenge(in.get(), b64.size(), json.get(), cap,
                                                scratch.get(), scratch_len, &c);
    if (e == Error::ok) {
        check_ok(c, json.get(), cap);
        // Encoded here: what comes out must be exactly what went in.
        fuzz::require((mode & 1) == 0 ||
                          (c.json.size == size - 1 && memcmp(c.json.data, data + 1, size - 1) == 0),
                      "decoded JSON differs from the encoded bytes");
    } else {
        fuzz::require(e == Error::bad_response || e == Error::message_too_large,
                      "untyped challenge error");
        fuzz::require(c.accepts_count == 0 && c.json.size == 0, "challenge not reset on error");
    }
    return 0;
}
