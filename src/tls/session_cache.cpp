// SPDX-License-Identifier: MIT
#include "tls/session_cache.h"

#include <string.h>

#include <new>

#include "core/wipe.h"

namespace consensus {

void TlsSessionCache::bind(TlsCacheEntry* entries, uint16_t count) {
    entries_ = count > 0 ? entries : nullptr;
    count_ = entries_ != nullptr ? count : 0;
    clock_ = 0;
    for (uint16_t i = 0; i < count_; ++i) {
        TlsCacheEntry* e = new (&entries_[i]) TlsCacheEntry();
        mbedtls_ssl_session_init(&e->session);
    }
}

void TlsSessionCache::clear() {
    for (uint16_t i = 0; i < count_; ++i) {
        TlsCacheEntry* e = &entries_[i];
        empty(e);
        wipe(e->host, sizeof e->host);
        e->host_len = 0;
        e->port = 0;
        e->last_use = 0;
        ++e->generation;  // claims from before are stale
    }
    clock_ = 0;
}

// mbedtls_ssl_session_free zeroizes the struct and what it points to.
void TlsSessionCache::empty(TlsCacheEntry* e) {
    mbedtls_ssl_session_free(&e->session);
    mbedtls_ssl_session_init(&e->session);
    e->holds = false;
}

// Byte for byte: the host is the SNI, and mbedTLS 3.6 refuses to offer a
// TLS 1.3 ticket under a name spelled otherwise than when it was granted.
bool TlsSessionCache::owns(const TlsCacheEntry& e, StrView host, uint16_t port) {
    return e.host_len == host.size && e.port == port && memcmp(e.host, host.data, host.size) == 0;
}

TlsCacheClaim TlsSessionCache::claim(StrView host, uint16_t port) {
    TlsCacheClaim c;
    if (count_ == 0 || host.size == 0 || host.size > kMaxCachedHost) return c;
    TlsCacheEntry* pick = nullptr;
    for (uint16_t i = 0; i < count_; ++i) {
        TlsCacheEntry* e = &entries_[i];
        if (owns(*e, host, port)) {
            pick = e;
            break;
        }
        if (pick == nullptr || e->last_use < pick->last_use) pick = e;
    }
    if (!owns(*pick, host, port)) {
        empty(pick);  // another host's session leaves with its owner
        wipe(pick->host, sizeof pick->host);
        memcpy(pick->host, host.data, host.size);
        pick->host_len = static_cast<uint8_t>(host.size);
        pick->port = port;
        ++pick->generation;
    }
    pick->last_use = ++clock_;
    c.index = static_cast<int>(pick - entries_);
    c.generation = pick->generation;
    return c;
}

TlsCacheEntry* TlsSessionCache::live(const TlsCacheClaim& claim) const {
    if (claim.index < 0 || claim.index >= count_) return nullptr;
    TlsCacheEntry* e = &entries_[claim.index];
    return e->generation == claim.generation ? e : nullptr;
}

const mbedtls_ssl_session* TlsSessionCache::offer(const TlsCacheClaim& claim) const {
    const TlsCacheEntry* e = live(claim);
    return e != nullptr && e->holds ? &e->session : nullptr;
}

bool TlsSessionCache::store(const TlsCacheClaim& claim, const mbedtls_ssl_context* ssl) {
    TlsCacheEntry* e = live(claim);
    if (e == nullptr) return false;
    empty(e);
    if (mbedtls_ssl_get_session(ssl, &e->session) != 0) {
        empty(e);  // a failed copy may hold a part
        return false;
    }
    e->holds = true;
    return true;
}

void TlsSessionCache::drop(const TlsCacheClaim& claim) {
    TlsCacheEntry* e = live(claim);
    if (e != nullptr) empty(e);
}

uint16_t TlsSessionCache::held() const {
    uint16_t n = 0;
    for (uint16_t i = 0; i < count_; ++i) n += entries_[i].holds ? 1 : 0;
    return n;
}

}  // namespace consensus
