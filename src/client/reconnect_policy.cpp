// SPDX-License-Identifier: MIT
#include "client/reconnect_policy.h"

namespace consensus {

namespace {
constexpr uint32_t kPpm = 1000000;
}

const char* reconnect_jitter_fault(float jitter) {
    // Written so that NaN fails too (every comparison with NaN is false).
    if (!(jitter >= 0.0f && jitter <= 1.0f)) return "options.reconnect_jitter must be in [0, 1]";
    return nullptr;
}

ReconnectPolicy make_reconnect_policy(uint32_t interval_ms, uint32_t max_ms, float jitter) {
    ReconnectPolicy p;
    p.interval_ms = interval_ms;
    p.max_ms = max_ms;
    p.jitter_ppm = static_cast<uint32_t>(jitter * static_cast<float>(kPpm) + 0.5f);
    if (p.jitter_ppm > kPpm) p.jitter_ppm = kPpm;
    return p;
}

uint32_t reconnect_wait_ms(const ReconnectPolicy& p, uint32_t failures, uint32_t random32) {
    const uint64_t cap = p.max_ms > p.interval_ms ? p.max_ms : p.interval_ms;
    uint64_t wait = p.interval_ms;
    for (uint32_t i = 1; i < failures && wait < cap; ++i) wait *= 2;
    if (wait > cap) wait = cap;
    // At most jitter_ppm of the wait goes, in proportion to random32.
    const uint64_t share = wait * p.jitter_ppm / kPpm;
    const uint64_t cut = (share * random32) >> 32;
    return static_cast<uint32_t>(wait - cut);
}

}  // namespace consensus
