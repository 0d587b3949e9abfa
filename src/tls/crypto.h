/* SPDX-License-Identifier: MIT */
// The few crypto primitives the core takes from mbedTLS outside a TLS
// session, and the process-wide crypto start-up, behind one header: the calls
// that differ between mbedTLS 2.28 and 3.6 (SHA-1 lost its _ret suffix, PSA
// crypto must be started before TLS 1.3) stay in src/tls/crypto.cpp, so no
// file outside src/tls needs a version #if. Single-threaded like the rest.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus {

constexpr size_t kSha1Bytes = 20;

/// SHA-1 of a followed by b (b may be null with b_len 0): one call, no
/// allocation. false only when mbedTLS reports a failure (a hardware
/// accelerator's error); digest is then unspecified.
bool sha1(const void* a, size_t a_len, const void* b, size_t b_len, uint8_t digest[kSha1Bytes]);

enum class Base64Status : uint8_t {
    ok,
    too_small,  // *out_len says how many bytes (encode: with the NUL) are needed
    invalid,    // decode: not base64 (a bad character or '=' in the wrong place)
};

/// Standard base64 with '=' padding, as mbedtls_base64_encode: writes the
/// text and a NUL (cap counts it); *out_len gets the text length without it.
Base64Status base64_encode(const uint8_t* src, size_t len, char* dst, size_t cap, size_t* out_len);

/// Decodes base64 text (padding required, whitespace between lines allowed,
/// as mbedtls_base64_decode). dst may be null with cap 0 to learn the size.
Base64Status base64_decode(const char* src, size_t len, uint8_t* dst, size_t cap, size_t* out_len);

/// Starts what mbedTLS needs once per process before a TLS context is used:
/// nothing on 2.28; PSA crypto (psa_crypto_init, which TLS 1.3 and 3.x's
/// TLS 1.2 key handling run on) on 3.x, seeded from mbedTLS's own entropy
/// sources. Idempotent and cheap after the first call. false: PSA could not
/// start (no entropy); no TLS session can work then.
bool tls_crypto_init();

}  // namespace consensus
