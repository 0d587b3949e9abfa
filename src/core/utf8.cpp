// SPDX-License-Identifier: MIT
#include "core/utf8.h"

#include <string.h>

namespace consensus {

namespace {

constexpr uint64_t kHighBits = 0x8080808080808080ull;

// Length of the ASCII run at the front of p, checked 8 bytes at a time: JSON
// traffic is almost all ASCII, so this is the hot path.
size_t ascii_prefix(const uint8_t* p, size_t n) {
    size_t i = 0;
    while (n - i >= sizeof(uint64_t)) {
        uint64_t w;
        memcpy(&w, p + i, sizeof w);  // unaligned-safe load
        if ((w & kHighBits) != 0) break;
        i += sizeof w;
    }
    while (i < n && p[i] < 0x80) ++i;
    return i;
}

}  // namespace

// The second byte of some sequences has a narrower range: that is how
// overlongs (E0, F0), surrogates (ED) and code points above U+10FFFF (F4) are
// refused without decoding the code point.
bool Utf8Validator::start_sequence(uint8_t lead) {
    lo_ = kContLo;
    hi_ = kContHi;
    if (lead >= 0xC2 && lead <= 0xDF) {
        need_ = 1;
    } else if (lead == 0xE0) {
        need_ = 2;
        lo_ = 0xA0;
    } else if (lead == 0xED) {
        need_ = 2;
        hi_ = 0x9F;
    } else if (lead >= 0xE1 && lead <= 0xEF) {
        need_ = 2;
    } else if (lead == 0xF0) {
        need_ = 3;
        lo_ = 0x90;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
        need_ = 3;
    } else if (lead == 0xF4) {
        need_ = 3;
        hi_ = 0x8F;
    } else {
        need_ = kFailed;  // 80..C1 as a lead byte, or F5..FF
        return false;
    }
    return true;
}

bool Utf8Validator::feed(const uint8_t* p, size_t n) {
    if (need_ == kFailed) return false;
    size_t i = 0;
    while (i < n) {
        if (need_ == 0) {
            i += ascii_prefix(p + i, n - i);
            if (i == n) break;
            if (!start_sequence(p[i++])) return false;
            continue;
        }
        const uint8_t b = p[i++];
        if (b < lo_ || b > hi_) {
            need_ = kFailed;
            return false;
        }
        lo_ = kContLo;
        hi_ = kContHi;
        --need_;
    }
    return true;
}

bool utf8_valid(const uint8_t* p, size_t n) {
    Utf8Validator v;
    return v.feed(p, n) && v.complete();
}

// One sequence, by the validator's own rules.
size_t utf8_sequence_length(const uint8_t* p, size_t avail) {
    if (avail == 0) return 0;
    const size_t n = utf8_lead_length(p[0]);
    if (n > avail) return 0;
    Utf8Validator v;
    return v.feed(p, n) && v.complete() ? n : 0;
}

size_t utf8_lead_length(uint8_t lead) {
    if (lead >= 0xF0 && lead <= 0xF7) return 4;
    if (lead >= 0xE0) return lead <= 0xEF ? 3 : 1;
    if (lead >= 0xC0) return 2;
    return 1;
}

size_t utf8_encode(uint32_t cp, char* buf) {
    if (cp < 0x80) {
        buf[0] = static_cast<char>(cp);
        return 1;
    }
    if (cp < 0x800) {
        buf[0] = static_cast<char>(0xC0 | (cp >> 6));
        buf[1] = static_cast<char>(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        buf[0] = static_cast<char>(0xE0 | (cp >> 12));
        buf[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        buf[2] = static_cast<char>(0x80 | (cp & 0x3F));
        return 3;
    }
    buf[0] = static_cast<char>(0xF0 | (cp >> 18));
    buf[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    buf[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    buf[3] = static_cast<char>(0x80 | (cp & 0x3F));
    return 4;
}

}  // namespace consensus
