/* SPDX-License-Identifier: MIT */
// Hex helpers for the EVM tests.
#pragma once

#include <stdint.h>
#include <string.h>

#include <string>

#include "evm/evm_text.h"

namespace evm_test {

inline std::string hex(const uint8_t* p, size_t n) {
    std::string s(2 * n, '0');
    consensus::evm::hex_encode(p, n, &s[0]);
    return s;
}

// "0x..." or bare hex into out (exactly n bytes); false when malformed.
inline bool unhex(const std::string& text, uint8_t* out, size_t n) {
    const char* t = text.c_str();
    size_t len = text.size();
    if (len >= 2 && t[0] == '0' && t[1] == 'x') {
        t += 2;
        len -= 2;
    }
    return len == 2 * n && consensus::evm::hex_decode(t, n, out);
}

}  // namespace evm_test
