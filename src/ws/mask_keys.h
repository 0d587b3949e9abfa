/* SPDX-License-Identifier: MIT */
// Client frame mask keys (RFC 6455 5.3), one pool per client.
//
// Keys come from the random source kPool bytes at a time: one CTR-DRBG call
// (its fixed cost, a re-key of AES-256, is ~1,500 instructions) per 32 frames
// instead of one per 16 frames through the Rng's own 64-byte pool. Every key
// is drawn once and used for one frame only, whichever session sends it: the
// keys stay fresh and unpredictable; sharing the pool only saves memory
// (136 B per client instead of per session, x86_64).
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus::ws {

/// Fills out with len unpredictable bytes (mask keys). Must not fail.
using FillRandom = void (*)(void* ctx, uint8_t* out, size_t len);

class MaskKeys {
  public:
    static constexpr size_t kKeyLen = 4;
    static constexpr size_t kPool = 128;  // 32 keys per call of the source

    /// rnd: the key source (e.g. the TLS CTR-DRBG). Drops any unused keys.
    void init(FillRandom rnd, void* rnd_ctx) {
        rnd_ = rnd;
        rnd_ctx_ = rnd_ctx;
        pos_ = kPool;
    }
    bool ready() const { return rnd_ != nullptr; }
    /// The next unused key (ready() required).
    void next(uint8_t* key);

  private:
    FillRandom rnd_ = nullptr;
    void* rnd_ctx_ = nullptr;
    uint8_t pos_ = kPool;  // next unused byte of pool_
    uint8_t pool_[kPool];
};

}  // namespace consensus::ws
