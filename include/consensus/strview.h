/* SPDX-License-Identifier: MIT */
/// \file
/// StrView: a pointer and a size, never owning. Every view the library hands
/// out (events, payment challenges, token results) points into library memory
/// and is valid only as long as the call that handed it out says.
#pragma once

#include <stddef.h>

namespace consensus {

/// A pointer and a size, never owning (see the file's description).
struct StrView {
    const char* data = nullptr;  ///< the first byte; not NUL-terminated
    size_t size = 0;             ///< bytes at data
};

}  // namespace consensus
