// SPDX-License-Identifier: MIT
#pragma once

#include <stdint.h>

namespace consensus {

/// True once the monotonic clock `now` (ms) has reached `deadline`. Compared
/// as a signed difference, so it stays right across the clock's wrap.
inline bool deadline_reached(uint64_t now, uint64_t deadline) {
    return static_cast<int64_t>(now - deadline) >= 0;
}

}  // namespace consensus
