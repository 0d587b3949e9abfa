/* SPDX-License-Identifier: MIT */
// Test helper: reads the captured x402 vectors kept in the repository
// (tests/vectors/x402, their README says how they were captured). The build
// passes the folder as CONSENSUS_VECTORS_DIR.
#pragma once

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

namespace vectors {

inline const char* dir() {
    return CONSENSUS_VECTORS_DIR;
}

/// Reads vector `name` into buf (NUL-terminated); returns its size, 0 on failure.
inline size_t read(const char* name, char* buf, size_t cap) {
    char path[1200];
    snprintf(path, sizeof(path), "%s/%s", dir(), name);
    FILE* f = fopen(path, "rb");
    if (f == nullptr) return 0;
    size_t n = fread(buf, 1, cap - 1, f);
    fclose(f);
    buf[n] = '\0';
    return n;
}

/// Every 402 response captured (with and without PAYMENT-REQUIRED).
constexpr const char* k402Files[] = {
    "402-authorization-expired.http",
    "402-bad-header-not-json.http",
    "402-bad-header.http",
    "402-browser-paywall.http",
    "402-data.http",
    "402-facilitator-settle-500.http",
    "402-facilitator-verify-500.http",
    "402-hybrid-evm-solana.http",
    "402-hybrid.http",
    "402-missing-accepted.http",
    "402-no-matching-requirements.http",
    "402-nonce-reused.http",
    "402-nonnumeric-minutes.http",
    "402-settle-failed.http",
    "402-time.http",
    "402-unsupported-version.http",
    "402-v1-payload-in-payment-signature.http",
    "402-v1-x-payment-only.http",
    "402-verify-rejected.http",
};
constexpr size_t k402Count = sizeof(k402Files) / sizeof(k402Files[0]);

/// The value of header `name` in raw response text (case-insensitive name),
/// found by plain text search; sets *len. nullptr when absent.
inline const char* raw_header(const char* raw, const char* name, size_t* len) {
    size_t nl = strlen(name);
    for (const char* p = strstr(raw, "\r\n"); p != nullptr; p = strstr(p + 2, "\r\n")) {
        if (p[2] == '\r') return nullptr;  // end of the header block
        if (strncasecmp(p + 2, name, nl) == 0 && p[2 + nl] == ':') {
            const char* v = p + 2 + nl + 1;
            while (*v == ' ') ++v;
            const char* e = strstr(v, "\r\n");
            *len = static_cast<size_t>(e - v);
            return v;
        }
    }
    return nullptr;
}

/// Offset of the body (after the blank line) in raw response text.
inline size_t body_offset(const char* raw) {
    const char* p = strstr(raw, "\r\n\r\n");
    return p ? static_cast<size_t>(p - raw) + 4 : 0;
}

}  // namespace vectors
