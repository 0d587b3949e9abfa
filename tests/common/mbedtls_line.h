/* SPDX-License-Identifier: MIT */
// What the tests that drive mbedTLS themselves (the in-memory TLS peer of
// tests/unit/net) need to know about the linked line, 2.28 or 3.6: the one
// place where tests name an mbedTLS version. The library keeps its own
// differences in src/tls.
#pragma once

#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <string.h>

#include "core/rng.h"

namespace mbedtls_line {

/// The build speaks TLS 1.3 (3.6 with the project's configuration; Debian's
/// 2.28 does not): an mbedTLS peer of the same build then negotiates it.
#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
constexpr bool kHasTls13 = true;
#else
constexpr bool kHasTls13 = false;
#endif

/// Parses a NUL-terminated PEM private key; 3.x also takes an RNG (blinding).
inline int parse_key(mbedtls_pk_context* key, const char* pem, consensus::Rng* rng) {
    const auto* p = reinterpret_cast<const unsigned char*>(pem);
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_parse_key(key, p, strlen(pem) + 1, nullptr, 0, consensus::Rng::mbedtls_rng,
                                rng);
#else
    (void)rng;
    return mbedtls_pk_parse_key(key, p, strlen(pem) + 1, nullptr, 0);
#endif
}

/// Caps a peer's configuration at TLS 1.2 (the older protocol on a line that
/// has both). A no-op on 2.28, where 1.2 is already the highest.
inline void cap_at_tls12(mbedtls_ssl_config* conf) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_max_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    (void)conf;
#endif
}

/// The session negotiated TLS 1.3 (mbedtls_ssl_get_version exists on both lines).
inline bool is_tls13(const mbedtls_ssl_context* ssl) {
    return strcmp(mbedtls_ssl_get_version(ssl), "TLSv1.3") == 0;
}

/// The outer content type of a protected alert record: 21 (alert) in TLS 1.2;
/// 23 (application_data) in TLS 1.3, which hides the real type inside the
/// encryption (RFC 8446 section 5.2).
inline unsigned char alert_record_type(const mbedtls_ssl_context* ssl) {
    return is_tls13(ssl) ? 0x17 : 0x15;
}

}  // namespace mbedtls_line
