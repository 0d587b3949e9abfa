/* SPDX-License-Identifier: MIT */
// TLS configuration shared by all connections of one client: the mbedTLS
// client config (TLS 1.2+, server authentication required, short curve list)
// and the trusted CA chain, parsed once. Connections (net/connection.h) each
// hold a TlsSession (tls/tls_session.h) whose context points at this config.
#pragma once

#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/config.h"
#include "consensus/error.h"
#include "core/rng.h"
#include "tls/session_cache.h"

namespace consensus {

struct TlsShared {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt ca;
    Rng* rng = nullptr;
    /// Sessions to resume, per host:port (the client's; nullptr: none).
    TlsSessionCache* cache = nullptr;
    bool initialized = false;  // config and chain must be freed
};

/// Builds the shared client config. Trust anchors come from ca_pem (a PEM or
/// DER buffer; PEM must be NUL-terminated with the NUL counted in ca_pem_len,
/// as mbedtls_x509_crt_parse requires) and/or ca_file (a PEM/DER file or
/// bundle path). At least one is required. A bundle where some certificates
/// do not parse is accepted when at least one did (system bundles carry
/// algorithms mbedTLS lacks).
/// The config: TLS 1.2 minimum, authmode REQUIRED, curves X25519, P-256,
/// P-384 (mbedTLS's default list starts with P-521, which costs memory and
/// time on small CPUs), RNG = rng (must outlive *t), and the Maximum
/// Fragment Length (RFC 6066) asked for: max_fragment_bytes 512, 1024, 2048
/// or 4096, 0 = do not ask (ClientOptions::tls_max_fragment_bytes says what
/// it saves, and which mbedTLS builds are never asked to ask).
/// Errors: invalid_config (no CA given, CA unreadable or unparsable, rng not
/// initialised, config defaults failed, max_fragment_bytes not one of
/// those). On error *t is left freed.
/// Memory: the parsed chain is heap-allocated by mbedTLS (~0.8 KB per EC
/// root, ~1.4 KB per RSA root; the Debian system bundle ~400 KB: pin roots).
Error tls_shared_init(TlsShared* t, Rng* rng, const char* ca_pem, size_t ca_pem_len,
                      const char* ca_file, uint16_t max_fragment_bytes = kTlsMaxFragmentDefault);

/// True for the values tls_shared_init takes as max_fragment_bytes.
bool tls_max_fragment_valid(uint16_t max_fragment_bytes);

/// Frees config and chain; idempotent. No connection may still use it.
void tls_shared_free(TlsShared* t);

}  // namespace consensus
