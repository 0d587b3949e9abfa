/* SPDX-License-Identifier: MIT */
// The spend guard: a budget in micro-USD shared by every purchase of a client.
// Quotes are reserved when a purchase starts (so concurrent sessions cannot
// overspend together), then either charged (the token was paid for) or released.
#pragma once

#include <stdint.h>

#include "consensus/config.h"

namespace consensus {

class SpendGuard {
  public:
    void configure(uint64_t limit_micro_usd, LimitReachedHook hook, void* user);
    /// False (and the guard stands down) when the quote exceeds what is left.
    bool reserve(uint64_t quote);
    void charge(uint64_t quote);   // a reserved quote was paid
    void release(uint64_t quote);  // a reserved quote was not paid
    /// What a new reservation may still take (UINT64_MAX: no limit).
    uint64_t headroom() const;
    Budget snapshot() const;
    void reset();
    /// No LimitReachedHook any more (deinit() from inside a callback).
    void mute() { hook_ = nullptr; }
    bool stand_down() const { return stand_down_; }

  private:
    uint64_t limit_ = 0;  // 0: unlimited
    uint64_t spent_ = 0;
    uint64_t reserved_ = 0;
    bool stand_down_ = false;
    bool hook_fired_ = false;
    LimitReachedHook hook_ = nullptr;
    void* user_ = nullptr;
};

}  // namespace consensus
