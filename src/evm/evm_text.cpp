// SPDX-License-Identifier: MIT
#include "evm/evm_text.h"

#include <string.h>

#include "core/strview.h"
#include "evm/keccak.h"

namespace consensus {
namespace evm {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr size_t kAddressHexLen = 40;
constexpr size_t kMaxUint256Digits = 78;  // 2^256 - 1 has 78 digits

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool has_0x(StrView v) {
    return v.size >= 2 && v.data[0] == '0' && (v.data[1] == 'x');
}

// EIP-55: a letter is upper case when the matching nibble of
// keccak256(lowercase hex) is 8 or more.
void checksum_case(const char lower[kAddressHexLen], char out[kAddressHexLen]) {
    uint8_t h[kKeccakDigestBytes];
    keccak256(lower, kAddressHexLen, h);
    for (size_t i = 0; i < kAddressHexLen; ++i) {
        const int nibble = (i % 2 == 0) ? (h[i / 2] >> 4) : (h[i / 2] & 15);
        const char c = lower[i];
        out[i] = (c >= 'a' && c <= 'f' && nibble >= 8) ? static_cast<char>(c - 32) : c;
    }
}

// v = v * 10 + digit over 32 big-endian bytes; false on overflow.
bool times_ten_plus(Uint256* v, int digit) {
    unsigned carry = static_cast<unsigned>(digit);
    for (int i = 31; i >= 0; --i) {
        const unsigned x = v->bytes[i] * 10u + carry;
        v->bytes[i] = static_cast<uint8_t>(x & 0xff);
        carry = x >> 8;
    }
    return carry == 0;
}

}  // namespace

void hex_encode(const uint8_t* data, size_t size, char* out) {
    for (size_t i = 0; i < size; ++i) {
        out[2 * i] = kHexDigits[data[i] >> 4];
        out[2 * i + 1] = kHexDigits[data[i] & 15];
    }
}

bool hex_decode(const char* text, size_t size, uint8_t* out) {
    for (size_t i = 0; i < size; ++i) {
        const int hi = hex_value(text[2 * i]);
        const int lo = hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<uint8_t>(hi << 4 | lo);
    }
    return true;
}

bool parse_address(StrView text, EvmAddress* out) {
    if (text.size != kAddressTextLen || !has_0x(text)) return false;
    const char* digits = text.data + 2;
    bool lower = false, upper = false;
    char folded[kAddressHexLen];
    for (size_t i = 0; i < kAddressHexLen; ++i) {
        const char c = digits[i];
        if (hex_value(c) < 0) return false;
        lower |= (c >= 'a' && c <= 'f');
        upper |= (c >= 'A' && c <= 'F');
        folded[i] = ascii_lower(c);
    }
    if (lower && upper) {
        char expected[kAddressHexLen];
        checksum_case(folded, expected);
        if (memcmp(expected, digits, kAddressHexLen) != 0) return false;
    }
    return hex_decode(folded, sizeof out->bytes, out->bytes);
}

void address_text(const EvmAddress& a, char out[kAddressTextLen]) {
    char lower[kAddressHexLen];
    hex_encode(a.bytes, sizeof a.bytes, lower);
    out[0] = '0';
    out[1] = 'x';
    checksum_case(lower, out + 2);
}

bool parse_uint256(StrView text, Uint256* out) {
    if (text.size == 0 || text.size > kMaxUint256Digits) return false;
    if (text.size > 1 && text.data[0] == '0') return false;
    Uint256 v{};
    for (size_t i = 0; i < text.size; ++i) {
        if (!is_digit(text.data[i]) || !times_ten_plus(&v, text.data[i] - '0')) return false;
    }
    *out = v;
    return true;
}

Uint256 uint256_from_u64(uint64_t v) {
    Uint256 out{};
    for (int i = 31; i >= 24; --i, v >>= 8) out.bytes[i] = static_cast<uint8_t>(v & 0xff);
    return out;
}

bool uint256_is_zero(const Uint256& v) {
    uint8_t any = 0;
    for (uint8_t b : v.bytes) any |= b;
    return any == 0;
}

bool uint256_to_u64(const Uint256& v, uint64_t* out) {
    for (int i = 0; i < 24; ++i) {
        if (v.bytes[i] != 0) return false;
    }
    uint64_t x = 0;
    for (int i = 24; i < 32; ++i) x = x << 8 | v.bytes[i];
    *out = x;
    return true;
}

bool parse_eip155_network(StrView network, Uint256* chain_id) {
    constexpr char kPrefix[] = "eip155:";
    constexpr size_t kPrefixLen = sizeof kPrefix - 1;
    if (network.size <= kPrefixLen || memcmp(network.data, kPrefix, kPrefixLen) != 0) return false;
    Uint256 id{};
    if (!parse_uint256(make_view(network.data + kPrefixLen, network.size - kPrefixLen), &id)) {
        return false;
    }
    if (uint256_is_zero(id)) return false;  // no chain has id 0
    *chain_id = id;
    return true;
}

}  // namespace evm
}  // namespace consensus
