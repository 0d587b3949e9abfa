/* SPDX-License-Identifier: MIT */
// Shared helpers of the libFuzzer targets: a property check that aborts (so
// libFuzzer records the input as a crash) and a deterministic split-point
// generator driven by one control byte of the input.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "consensus/payment.h"

namespace fuzz {

// A broken property is a finding, like a sanitizer report: abort loudly.
inline void require(bool ok, const char* what) {
    if (ok) return;
    fprintf(stderr, "fuzz property violated: %s\n", what);
    abort();
}

// True when the view is empty or lies wholly inside [base, base + len).
inline bool view_inside(consensus::StrView v, const void* base, size_t len) {
    if (v.size == 0) return true;
    const uintptr_t b = reinterpret_cast<uintptr_t>(base);
    const uintptr_t p = reinterpret_cast<uintptr_t>(v.data);
    return p >= b && v.size <= len && p - b <= len - v.size;
}

// RFC 3629 by the table in its section 4, written apart from src/core/utf8.cpp.
inline bool utf8_ok(const uint8_t* p, size_t n) {
    size_t i = 0;
    while (i < n) {
        const uint8_t c = p[i];
        size_t extra = 0;
        uint8_t lo = 0x80, hi = 0xBF;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2;
            if (c == 0xE0) lo = 0xA0;
            if (c == 0xED) hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3;
            if (c == 0xF0) lo = 0x90;
            if (c == 0xF4) hi = 0x8F;
        } else {
            return false;
        }
        if (n - i <= extra) return false;
        if (p[i + 1] < lo || p[i + 1] > hi) return false;
        for (size_t k = 2; k <= extra; ++k) {
            if (p[i + k] < 0x80 || p[i + k] > 0xBF) return false;
        }
        i += extra + 1;
    }
    return true;
}

// Chunk lengths for feeding an input in pieces. seed 0 means "all at once";
// otherwise an xorshift sequence gives lengths 1..max_piece, so one control
// byte reaches both byte-at-a-time feeds and large pieces.
class Splitter {
  public:
    Splitter(uint8_t seed, size_t max_piece)
        : state_(seed == 0 ? 0 : 0x9E3779B9u ^ seed), max_piece_(max_piece == 0 ? 1 : max_piece) {}

    size_t next(size_t remaining) {
        if (state_ == 0) return remaining;
        state_ ^= state_ << 13;
        state_ ^= state_ >> 17;
        state_ ^= state_ << 5;
        const size_t n = 1 + state_ % max_piece_;
        return n < remaining ? n : remaining;
    }

  private:
    uint32_t state_;
    size_t max_piece_;
};

}  // namespace fuzz
