#include "evm/payload.h"

#include <string.h>

#include "core/writer.h"
#include "evm/evm_text.h"

namespace consensus {
namespace evm {

namespace {

constexpr size_t kSignatureHexLen = 2 * kSignatureBytes;

size_t base64_len(size_t n) {
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

size_t encode_payload(char* buf, size_t json_len, size_t cap) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // The JSON moves to the end of the buffer; the base64 then grows from
    // the start. Each 3-byte group is read before its 4 characters are
    // written, and since base64_len(json_len) <= cap the writes never reach
    // bytes not yet read: one buffer, no second copy of the payload.
    const size_t start = cap - json_len;
    memmove(buf + start, buf, json_len);
    const uint8_t* in = reinterpret_cast<const uint8_t*>(buf + start);
    size_t o = 0;
    for (size_t i = 0; i < json_len; i += 3) {
        const size_t left = json_len - i;
        const uint32_t b0 = in[i];
        const uint32_t b1 = left > 1 ? in[i + 1] : 0;
        const uint32_t b2 = left > 2 ? in[i + 2] : 0;
        const uint32_t group = b0 << 16 | b1 << 8 | b2;
        buf[o++] = kAlphabet[group >> 18 & 63];
        buf[o++] = kAlphabet[group >> 12 & 63];
        buf[o++] = left > 1 ? kAlphabet[group >> 6 & 63] : '=';
        buf[o++] = left > 2 ? kAlphabet[group & 63] : '=';
    }
    memset(buf + o, 0, cap - o);  // what is left of the JSON (no secret, but no stale bytes)
    return o;
}

}  // namespace evm
}  // namespace consensus
