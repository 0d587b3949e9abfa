/* SPDX-License-Identifier: MIT */
// Wiping secrets (payment headers, tokens) from memory the library owns, in
// a way the compiler may not drop as a dead store (mbedTLS's zeroize).
#pragma once

#include <mbedtls/platform_util.h>
#include <stddef.h>

namespace consensus {

inline void wipe(void* p, size_t n) {
    if (p != nullptr && n > 0) mbedtls_platform_zeroize(p, n);
}

}  // namespace consensus
