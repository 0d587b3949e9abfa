// SPDX-License-Identifier: MIT
#include "core/ip_literal.h"

#include <string.h>

#include "core/strview.h"

namespace consensus {

namespace {

constexpr size_t kIpv4Bytes = 4;
constexpr size_t kIpv6Bytes = 16;
constexpr size_t kIpv4MaxDigits = 3;
constexpr unsigned kIpv4MaxPart = 255;
constexpr size_t kGroupMaxDigits = 4;
constexpr size_t kNoGap = kIpv6Bytes + 1;  // no "::" seen

int hex_value(char c) {
    if (is_digit(c)) return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// A dotted quad filling all of s[0, n); writes 4 bytes.
bool parse_ipv4(const char* s, size_t n, uint8_t* out) {
    size_t pos = 0;
    for (size_t part = 0; part < kIpv4Bytes; ++part) {
        if (part > 0) {
            if (pos >= n || s[pos] != '.') return false;
            ++pos;
        }
        const size_t start = pos;
        unsigned value = 0;
        while (pos < n && is_digit(s[pos]) && pos - start <= kIpv4MaxDigits) {
            value = value * 10 + static_cast<unsigned>(s[pos] - '0');
            ++pos;
        }
        const size_t digits = pos - start;
        if (digits == 0 || digits > kIpv4MaxDigits || value > kIpv4MaxPart) return false;
        if (digits > 1 && s[start] == '0') return false;  // leading zero: octal elsewhere
        out[part] = static_cast<uint8_t>(value);
    }
    return pos == n;
}

// Moves the groups written after a "::" at byte `gap` to the end of the
// address and zeroes the bytes between.
void expand_gap(uint8_t* bytes, size_t gap, size_t filled) {
    const size_t tail = filled - gap;
    memmove(bytes + kIpv6Bytes - tail, bytes + gap, tail);
    memset(bytes + gap, 0, kIpv6Bytes - tail - gap);
}

// IPv6 text filling all of s[0, n); writes 16 bytes.
bool parse_ipv6(const char* s, size_t n, uint8_t* out) {
    uint8_t bytes[kIpv6Bytes] = {};
    size_t filled = 0;
    size_t gap = kNoGap;
    size_t pos = 0;
    if (n >= 2 && s[0] == ':' && s[1] == ':') {
        gap = 0;
        pos = 2;
    }
    while (pos < n) {
        if (filled == kIpv6Bytes) return false;  // a ninth group
        size_t end = pos;
        while (end < n && s[end] != ':') ++end;
        if (memchr(s + pos, '.', end - pos) != nullptr) {
            // A dotted quad: only as the last 32 bits.
            if (end != n || filled + kIpv4Bytes > kIpv6Bytes) return false;
            if (!parse_ipv4(s + pos, end - pos, bytes + filled)) return false;
            filled += kIpv4Bytes;
            break;
        }
        if (end == pos || end - pos > kGroupMaxDigits) return false;
        unsigned group = 0;
        for (; pos < end; ++pos) {
            const int v = hex_value(s[pos]);
            if (v < 0) return false;
            group = group * 16 + static_cast<unsigned>(v);
        }
        bytes[filled++] = static_cast<uint8_t>(group >> 8);
        bytes[filled++] = static_cast<uint8_t>(group & 0xff);
        if (pos == n) break;
        ++pos;  // the ':' after the group
        if (pos < n && s[pos] == ':') {
            if (gap != kNoGap) return false;  // a second "::"
            gap = filled;
            ++pos;
        } else if (pos == n) {
            return false;  // a trailing single ':'
        }
    }
    if (gap == kNoGap) {
        if (filled != kIpv6Bytes) return false;
    } else {
        if (filled == kIpv6Bytes) return false;  // "::" stands for at least one group
        expand_gap(bytes, gap, filled);
    }
    memcpy(out, bytes, kIpv6Bytes);
    return true;
}

}  // namespace

bool parse_ip_literal(StrView text, IpAddress* out) {
    if (text.data == nullptr || out == nullptr) return false;
    IpAddress ip{};
    if (memchr(text.data, ':', text.size) != nullptr) {
        if (!parse_ipv6(text.data, text.size, ip.bytes)) return false;
        ip.len = kIpv6Bytes;
    } else {
        if (!parse_ipv4(text.data, text.size, ip.bytes)) return false;
        ip.len = kIpv4Bytes;
    }
    *out = ip;
    return true;
}

}  // namespace consensus
