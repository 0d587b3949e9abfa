// SPDX-License-Identifier: MIT
#include "client/spend_guard.h"

namespace consensus {

void SpendGuard::configure(uint64_t limit_micro_usd, LimitReachedHook hook, void* user) {
    limit_ = limit_micro_usd;
    hook_ = hook;
    user_ = user;
    reset();
}

bool SpendGuard::reserve(uint64_t quote) {
    if (limit_ != 0 && spent_ + reserved_ + quote > limit_) {
        stand_down_ = true;
        if (!hook_fired_ && hook_ != nullptr) {
            hook_fired_ = true;  // the SDK's on_limit_reached fires once
            hook_(user_, snapshot());
        }
        return false;
    }
    reserved_ += quote;
    return true;
}

void SpendGuard::charge(uint64_t quote) {
    release(quote);
    spent_ += quote;
}

void SpendGuard::release(uint64_t quote) {
    reserved_ = quote > reserved_ ? 0 : reserved_ - quote;
}

uint64_t SpendGuard::headroom() const {
    if (limit_ == 0) return UINT64_MAX;
    const uint64_t used = spent_ + reserved_;
    return used >= limit_ ? 0 : limit_ - used;
}

Budget SpendGuard::snapshot() const {
    Budget b{};
    b.limited = limit_ != 0;
    b.limit_micro_usd = limit_;
    b.spent_micro_usd = spent_;
    b.remaining_micro_usd = limit_ > spent_ ? limit_ - spent_ : 0;
    return b;
}

void SpendGuard::reset() {
    spent_ = 0;
    reserved_ = 0;
    stand_down_ = false;
    hook_fired_ = false;
}

}  // namespace consensus
