// SPDX-License-Identifier: MIT
// DEVELOPMENT ONLY: see dev_payer.h. A fake signature, for
// consensus-devserver; never for a server that takes real payments.
#include "dev_payer.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "mbedtls/base64.h"  // mbedTLS: linked by the library already

namespace examples {
namespace {

using consensus::StrView;

constexpr const char* kDevPayerAddress = "0x2f5c34fbc99dd9f01ace001cd3c0599843b8a4b3";

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
    void hex(const uint8_t* data, size_t n) {
        static constexpr char kHex[] = "0123456789abcdef";
        for (size_t i = 0; i < n; ++i) {
            char two[2] = {kHex[data[i] >> 4], kHex[data[i] & 15]};
            put(two, 2);
        }
    }
};

// Addresses, amounts and URLs go inside JSON quotes as they are: printable
// ASCII without quote or backslash only.
bool plain(const StrView& v) {
    if (v.data == nullptr || v.size == 0) return false;
    for (size_t i = 0; i < v.size; ++i) {
        char c = v.data[i];
        if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
    }
    return true;
}

}  // namespace

consensus::PaymentDecision dev_payment_hook(void* /*user*/,
                                            const consensus::PaymentChallenge& challenge,
                                            consensus::PaymentTicket /*ticket*/,
                                            consensus::PaymentHeaderOut* header) {
    using consensus::PaymentDecision;
    if (challenge.accepts_count == 0) return PaymentDecision::refused;
    const consensus::PaymentRequirement& req = challenge.accepts[0];
    if (!plain(req.pay_to) || !plain(req.amount) || !plain(challenge.resource_url) ||
        req.raw.data == nullptr || req.raw.size == 0 || req.raw.data[0] != '{') {
        return PaymentDecision::refused;
    }
    uint8_t nonce[32];
    if (getrandom(nonce, sizeof nonce, 0) != static_cast<ssize_t>(sizeof nonce)) {
        return PaymentDecision::refused;
    }
    char valid_before[24];
    snprintf(valid_before, sizeof valid_before, "%" PRIu64,
             static_cast<uint64_t>(time(nullptr)) + req.max_timeout_s);
    uint8_t fake_signature[65];
    memset(fake_signature, 0xab, sizeof fake_signature);

    char json[4096];
    Builder b{json, sizeof json};
    b.put("{\"x402Version\":2,\"payload\":{\"authorization\":{\"from\":\"");
    b.put(kDevPayerAddress);
    b.put("\",\"to\":\"");
    b.put(req.pay_to);
    b.put("\",\"value\":\"");
    b.put(req.amount);
    b.put("\",\"validAfter\":\"0\",\"validBefore\":\"");
    b.put(valid_before);
    b.put("\",\"nonce\":\"0x");
    b.hex(nonce, sizeof nonce);
    b.put("\"},\"signature\":\"0x");
    b.hex(fake_signature, sizeof fake_signature);
    b.put("\"},\"resource\":{\"url\":\"");
    b.put(challenge.resource_url);
    b.put("\"},\"accepted\":");
    b.put(req.raw);
    b.put("}");
    if (b.overflow) return PaymentDecision::refused;

    // The PAYMENT-SIGNATURE value: standard base64 of the JSON.
    size_t n = 0;
    if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(header->data), header->capacity, &n,
                              reinterpret_cast<const unsigned char*>(json), b.len) != 0) {
        return PaymentDecision::refused;
    }
    header->size = n;
    return PaymentDecision::paid;
}

}  // namespace examples
