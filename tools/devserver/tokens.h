// Session tokens: random uuid v4, single use, valid for a fixed time.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>

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

}  // namespace devserver
