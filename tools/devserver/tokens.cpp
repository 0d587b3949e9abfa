#include "tokens.h"

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

}  // namespace devserver
