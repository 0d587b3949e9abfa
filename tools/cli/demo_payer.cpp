// SPDX-License-Identifier: MIT
#include "demo_payer.h"

#include <string.h>

#include "json_text.h"

namespace consensus {
namespace cli {
namespace {

constexpr size_t kPayloadCap = 4096;

// Bounded text builder: an overflow is remembered, never written past cap.
struct Builder {
    char* p;
    size_t cap;
    size_t len = 0;
    bool overflow = false;

    void put(const char* s, size_t n) {
        if (overflow || n > cap - len) {
            overflow = true;
            return;
        }
        memcpy(p + len, s, n);
        len += n;
    }
    void put(const char* s) { put(s, strlen(s)); }
    void put(const StrView& v) { put(v.data, v.size); }
};

// Addresses, amounts and URLs go inside JSON quotes as they are: only
// printable ASCII without quote or backslash is accepted.
bool plain(const StrView& v) {
    if (v.data == nullptr || v.size == 0) return false;
    for (size_t i = 0; i < v.size; ++i) {
        char c = v.data[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
}

void put_hex(Builder* b, const uint8_t* data, size_t n) {
    static constexpr char kHex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; ++i) {
        char two[2] = {kHex[data[i] >> 4], kHex[data[i] & 15]};
        b->put(two, 2);
    }
}

}  // namespace

bool build_demo_payment(const PaymentChallenge& challenge, uint64_t now_s, const uint8_t nonce[32],
                        char* out, size_t cap, size_t* size) {
    if (challenge.accepts_count == 0) return false;
    const PaymentRequirement& req = challenge.accepts[0];
    if (!plain(req.pay_to) || !plain(req.amount) || !plain(challenge.resource_url)) return false;
    if (req.raw.data == nullptr || req.raw.size == 0 || req.raw.data[0] != '{') return false;

    char json[kPayloadCap];
    Builder b{json, sizeof json};
    char valid_before[kDecimalCap];
    format_u64(now_s + req.max_timeout_s, valid_before);
    b.put("{\"x402Version\":2,\"payload\":{\"authorization\":{\"from\":\"");
    b.put(kDemoPayerAddress);
    b.put("\",\"to\":\"");
    b.put(req.pay_to);
    b.put("\",\"value\":\"");
    b.put(req.amount);
    b.put("\",\"validAfter\":\"0\",\"validBefore\":\"");
    b.put(valid_before);
    b.put("\",\"nonce\":\"0x");
    put_hex(&b, nonce, 32);
    b.put("\"},\"signature\":\"0x");
    uint8_t fake_signature[65];
    memset(fake_signature, 0xab, sizeof fake_signature);
    put_hex(&b, fake_signature, sizeof fake_signature);
    b.put("\"},\"resource\":{\"url\":\"");
    b.put(challenge.resource_url);
    b.put("\"},\"accepted\":");
    b.put(req.raw);
    b.put("}");
    if (b.overflow) return false;
    return base64_encode(reinterpret_cast<const uint8_t*>(json), b.len, out, cap, size);
}

PaymentDecision demo_pay(const PaymentChallenge& challenge, uint64_t now_s, const uint8_t nonce[32],
                         PaymentHeaderOut* header) {
    size_t n = 0;
    if (!build_demo_payment(challenge, now_s, nonce, header->data, header->capacity, &n)) {
        return PaymentDecision::refused;
    }
    header->size = n;
    return PaymentDecision::paid;
}

}  // namespace cli
}  // namespace consensus
