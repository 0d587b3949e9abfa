/* SPDX-License-Identifier: MIT */
// StrView: a pointer and a size, never owning. Every view the library hands
// out (events, payment challenges, token results) points into library memory
// and is valid only as long as the call that handed it out says.
#pragma once

#include <stddef.h>

namespace consensus {

struct StrView {
    const char* data = nullptr;
    size_t size = 0;
};

}  // namespace consensus
