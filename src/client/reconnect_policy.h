/* SPDX-License-Identifier: MIT */
// How long a session waits before its next purchase (ClientOptions
// reconnect_interval_ms, reconnect_max_ms, reconnect_jitter): the interval,
// doubled with each failure in a row up to the cap, then shortened by a
// random share up to the jitter. Pure, so every rule has a unit test.
#pragma once

#include <stdint.h>

namespace consensus {

struct ReconnectPolicy {
    uint32_t interval_ms = 2000;
    uint32_t max_ms = 0;      // 0 or <= interval_ms: the fixed interval
    uint32_t jitter_ppm = 0;  // 0..1,000,000: the largest share a wait loses
};

/// Why a jitter share is refused (outside [0, 1], NaN included), or nullptr.
const char* reconnect_jitter_fault(float jitter);

/// The policy of valid values (reconnect_jitter_fault returned nullptr).
ReconnectPolicy make_reconnect_policy(uint32_t interval_ms, uint32_t max_ms, float jitter);

/// The wait before attempt number `failures` of a run of failures (1 = the
/// first failure, or a renewal: the interval), shortened by
/// `random32` / 2^32 of its jitter share. Never above the cap (or the
/// interval, when no cap grows it).
uint32_t reconnect_wait_ms(const ReconnectPolicy& p, uint32_t failures, uint32_t random32);

}  // namespace consensus
