// SPDX-License-Identifier: MIT
#include "evm/payload.h"

#include <string.h>

#include "core/writer.h"
#include "evm/evm_text.h"
#include "tls/crypto.h"

namespace consensus {
namespace evm {

namespace {

constexpr size_t kSignatureHexLen = 2 * kSignatureBytes;

constexpr size_t base64_len(size_t n) {
    return (n + 2) / 3 * 4;
}

void put_address(BoundedWriter* w, const EvmAddress& a) {
    char text[kAddressTextLen];
    address_text(a, text);
    w->put(text, sizeof text);
}

void put_hex(BoundedWriter* w, const uint8_t* data, size_t n) {
    char two[2];
    for (size_t i = 0; i < n; ++i) {
        hex_encode(data + i, 1, two);
        w->put(two, 2);
    }
}

}  // namespace

bool write_payload(const PaymentChallenge& ch, const PaymentRequirement& req,
                   const TransferAuthorization& auth, char* buf, size_t cap, PayloadText* out) {
    uint64_t valid_after = 0, valid_before = 0;  // the payer writes 64-bit times only
    if (!uint256_to_u64(auth.valid_after, &valid_after) ||
        !uint256_to_u64(auth.valid_before, &valid_before)) {
        return false;
    }
    BoundedWriter w(buf, cap);
    w.put("{\"x402Version\":2,\"payload\":{\"authorization\":{\"from\":\"");
    put_address(&w, auth.from);
    w.put("\",\"to\":\"");
    put_address(&w, auth.to);
    w.put("\",\"value\":\"");
    w.put(req.amount);  // canonical decimal: parse_uint256 accepted it
    w.put("\",\"validAfter\":\"");
    w.put_uint(valid_after);
    w.put("\",\"validBefore\":\"");
    w.put_uint(valid_before);
    w.put("\",\"nonce\":\"0x");
    put_hex(&w, auth.nonce, sizeof auth.nonce);
    w.put("\"},\"signature\":\"0x");
    const size_t signature_at = w.result();
    const char zeros[kSignatureHexLen] = {};
    w.put(zeros, sizeof zeros);
    w.put("\"},\"accepted\":");
    w.put(req.raw);
    if (ch.resource_json.size > 0) {
        w.put(",\"resource\":");
        w.put(ch.resource_json);
    }
    if (ch.extensions_json.size > 0) {
        w.put(",\"extensions\":");
        w.put(ch.extensions_json);
    }
    w.put("}");
    const size_t n = w.result();
    if (n == 0 || signature_at == 0 || base64_len(n) > cap) return false;
    *out = PayloadText{n, signature_at};
    return true;
}

void put_signature(char* json, const PayloadText& text, const uint8_t sig[kSignatureBytes]) {
    hex_encode(sig, kSignatureBytes, json + text.signature_at);
}

// The JSON moves to the end of the buffer; its base64 then grows from the
// start, made by mbedTLS 48 bytes (64 characters) at a time through a small
// stack buffer. A chunk is read whole before its text is written, and the
// text never reaches bytes not yet read: after chunk k (not the last) the
// text ends at 64(k + 1) and the next unread byte is at start + 48(k + 1),
// where start = cap - json_len >= base64_len(json_len) - json_len >= 16(k + 1).
// One buffer, no second copy of the payload.
size_t encode_payload(char* buf, size_t json_len, size_t cap) {
    constexpr size_t kChunk = 48;  // a multiple of 3: no padding but at the end
    const size_t start = cap - json_len;
    memmove(buf + start, buf, json_len);
    const uint8_t* in = reinterpret_cast<const uint8_t*>(buf + start);
    size_t o = 0;
    for (size_t i = 0; i < json_len; i += kChunk) {
        const size_t n = json_len - i < kChunk ? json_len - i : kChunk;
        char text[base64_len(kChunk) + 1];  // and mbedTLS's NUL
        size_t len = 0;
        (void)base64_encode(in + i, n, text, sizeof text, &len);  // sized: cannot fail
        memcpy(buf + o, text, len);
        o += len;
    }
    memset(buf + o, 0, cap - o);  // what is left of the JSON (no secret, but no stale bytes)
    return o;
}

}  // namespace evm
}  // namespace consensus
