/* SPDX-License-Identifier: MIT */
// Which entry of the TLS session cache (tls/session_cache.h) a connection
// holds. Apart from the cache so that tls/tls_session.h, which keeps one, does
// not include mbedTLS's headers (the cache's entries embed an
// mbedtls_ssl_session, whose layout depends on the mbedTLS build's config).
#pragma once

#include <stdint.h>

namespace consensus {

/// Which entry a connection holds, and since when: a claim made before the
/// entry passed to another host is stale, and stale claims neither read nor
/// write it.
struct TlsCacheClaim {
    int index = -1;  // -1: no entry (no cache, or the host is too long)
    uint32_t generation = 0;
};

}  // namespace consensus
