// SPDX-License-Identifier: MIT
#include "tokens.h"

#include <cstring>

#include "encoding.h"

namespace devserver {

std::string TokenStore::issue(const SessionParams& params, int64_t now_ms) {
    std::string token = random_uuid();
    tokens_[token] = Entry{params, now_ms + ttl_ms_};
    return token;
}

bool TokenStore::redeem(const std::string& token, int64_t now_ms, SessionParams& out) {
    auto it = tokens_.find(token);
    if (it == tokens_.end()) return false;
    bool valid = now_ms < it->second.expires_ms;
    out = it->second.params;
    tokens_.erase(it);  // single use, whatever the outcome
    return valid;
}

void TokenStore::sweep(int64_t now_ms) {
    for (auto it = tokens_.begin(); it != tokens_.end();) {
        it = now_ms >= it->second.expires_ms ? tokens_.erase(it) : std::next(it);
    }
}

namespace {

bool same(const UsedNonce& a, const UsedNonce& b) {
    return std::memcmp(a.asset, b.asset, sizeof a.asset) == 0 &&
           std::memcmp(a.from, b.from, sizeof a.from) == 0 &&
           std::memcmp(a.nonce, b.nonce, sizeof a.nonce) == 0;
}

}  // namespace

bool NonceTable::contains(const UsedNonce& n) const {
    for (const UsedNonce& e : entries_) {
        if (same(e, n)) return true;
    }
    return false;
}

bool NonceTable::make_room(uint64_t now_s) {
    if (entries_.size() < kCapacity) return true;
    size_t kept = 0;
    for (const UsedNonce& e : entries_) {
        if (e.valid_before >= now_s + kValidBeforeMarginS) entries_[kept++] = e;
    }
    entries_.resize(kept);
    return kept < kCapacity;
}

void NonceTable::add(const UsedNonce& n) {
    if (entries_.size() < kCapacity) entries_.push_back(n);
}

}  // namespace devserver
