/* SPDX-License-Identifier: MIT */
// Process-wide allocation counting for the ws unit tests (see alloc_count.cpp).
#pragma once

#include <stddef.h>

namespace alloc_count {

/// False when the counting allocator is compiled out (ASan/TSan builds own malloc).
bool available();
/// Starts counting from zero.
void start();
/// Stops counting; the counters keep their values.
void stop();
/// malloc + calloc + realloc calls while counting.
size_t allocations();
/// free calls with a non-null pointer while counting.
size_t frees();

}  // namespace alloc_count
