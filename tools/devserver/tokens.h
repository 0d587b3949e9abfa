/* SPDX-License-Identifier: MIT */
// Session tokens: random uuid v4, single use, valid for a fixed time. And the
// nonces of verified payments (--verify-payments), which are single use too.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "pricing.h"

namespace devserver {

class TokenStore {
  public:
    explicit TokenStore(int64_t ttl_ms) : ttl_ms_(ttl_ms) {}

    // Mints a token for `params`, valid until now_ms + ttl.
    std::string issue(const SessionParams& params, int64_t now_ms);

    // Consumes `token`: true (and its params) only for a known, unused,
    // unexpired token. Any token is unusable after this call.
    bool redeem(const std::string& token, int64_t now_ms, SessionParams& out);

    // Forgets expired tokens (bounds memory when clients never connect).
    void sweep(int64_t now_ms);

  private:
    struct Entry {
        SessionParams params;
        int64_t expires_ms;
    };
    int64_t ttl_ms_;
    std::unordered_map<std::string, Entry> tokens_;
};

// The x402 facilitator refuses an authorization whose validBefore is less
// than 6 s away: it would expire before the settlement transaction is mined.
constexpr uint64_t kValidBeforeMarginS = 6;

// One authorization that was paid with: EIP-3009 nonces are per token and
// per payer. Once valid_before < now + kValidBeforeMarginS, a replay is
// refused as expired before its nonce is looked at: the entry may go.
struct UsedNonce {
    uint8_t asset[20];
    uint8_t from[20];
    uint8_t nonce[32];
    uint64_t valid_before;  // saturated at UINT64_MAX
};

// The nonces of settled payments (--verify-payments), at most kCapacity of
// them (80 bytes each, found by a linear scan). Expired entries are forgotten
// when the table is full; when it is full of live ones, new payments are
// refused (verify.h: devserver_nonce_table_full) rather than a live nonce
// forgotten.
class NonceTable {
  public:
    static constexpr size_t kCapacity = 4096;
    bool contains(const UsedNonce& n) const;
    // True when add() has room, after forgetting what expired at now_s.
    bool make_room(uint64_t now_s);
    void add(const UsedNonce& n);  // after make_room
    size_t size() const { return entries_.size(); }

  private:
    std::vector<UsedNonce> entries_;
};

}  // namespace devserver
