/* SPDX-License-Identifier: MIT */
// TLS sessions kept for resumption: one small table per client, keyed by the
// server's host (also the SNI and the name its certificate was checked
// against) and port. A connection claims the entry of its host:port when it
// is set up, offers what the entry holds, and stores the session the server
// granted (TLS 1.2: after the handshake; TLS 1.3: each NewSessionTicket).
// A session is never offered to another host:port, a handshake that fails
// while offering one empties the entry, and clear() wipes every entry (the
// client's deinit). Single-threaded, like the client.
//
// Memory: the entries live in the caller's block (Config::tls_session_cache x
// sizeof(TlsCacheEntry)); mbedTLS allocates what a stored session carries
// (the ticket, ~0.2 KB from OpenSSL; with MBEDTLS_SSL_KEEP_PEER_CERTIFICATE,
// as Debian's 2.28 and every 3.6 build with TLS 1.3 have it, also the
// server's parsed certificate, ~1-2 KB)
// when it is stored, and frees it when the entry is emptied or reused.
#pragma once

#include <mbedtls/ssl.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/strview.h"
#include "tls/cache_claim.h"

namespace consensus {

/// Longest host a session is kept for: a DNS name (253) or an IP literal.
constexpr size_t kMaxCachedHost = 253;

struct TlsCacheEntry {
    mbedtls_ssl_session session;
    uint32_t generation;  // changes when the entry passes to another host:port
    uint32_t last_use;    // the cache's clock at the last claim (least recent goes first)
    uint16_t port;
    uint8_t host_len;  // 0: the entry belongs to nobody
    bool holds;        // session holds something the server granted
    char host[kMaxCachedHost];
};

class TlsSessionCache {
  public:
    /// Binds count entries at entries (uninitialised storage of count x
    /// sizeof(TlsCacheEntry)); count 0 turns resumption off. No errors, no
    /// heap.
    void bind(TlsCacheEntry* entries, uint16_t count);

    /// Frees what the entries hold and wipes them (tickets are secrets);
    /// they stay bound and empty. Idempotent.
    void clear();

    /// The entry for host:port (the host byte for byte): its own, else
    /// the least recently claimed one, emptied and given to host:port.
    /// No entry (index -1) without entries or for a host longer than
    /// kMaxCachedHost. No heap.
    TlsCacheClaim claim(StrView host, uint16_t port);

    /// What the claimed entry holds to offer, or nullptr (empty, stale).
    const mbedtls_ssl_session* offer(const TlsCacheClaim& claim) const;

    /// Replaces the claimed entry's session with the one ssl holds now
    /// (mbedtls_ssl_get_session). Returns false when the claim is stale or
    /// mbedTLS has nothing to export (the entry is then empty); no error
    /// reaches the connection. Heap: mbedTLS's copy of the ticket (and peer
    /// certificate where kept); the previous one is freed.
    bool store(const TlsCacheClaim& claim, const mbedtls_ssl_context* ssl);

    /// Empties the claimed entry (a handshake failed while offering it, so
    /// the next one starts afresh). Stale claims change nothing.
    void drop(const TlsCacheClaim& claim);

    uint16_t size() const { return count_; }
    /// Entries holding a session (tests, diagnostics).
    uint16_t held() const;

  private:
    static bool owns(const TlsCacheEntry& e, StrView host, uint16_t port);
    TlsCacheEntry* live(const TlsCacheClaim& claim) const;
    void empty(TlsCacheEntry* e);

    TlsCacheEntry* entries_ = nullptr;
    uint16_t count_ = 0;
    uint32_t clock_ = 0;
};

}  // namespace consensus
