/* SPDX-License-Identifier: MIT */
// calloc and free as the net tests see them (heap_wrap.cpp): unit_net links
// with -Wl,--wrap=calloc,--wrap=free (tests/CMakeLists.txt), so every call from
// the statically linked code (the library, and our static mbedTLS 3.6 build,
// whose mbedtls_calloc defaults to calloc) comes here; Debian's shared 2.28
// calls glibc directly, but the library's own mbedtls_calloc (the macro calloc
// there) still does. Works under the sanitizers too (it only renames symbols).
#pragma once

#include <stddef.h>

namespace heap_wrap {

/// Starts counting from zero; the nth calloc from now (1: the next one) fails
/// with nullptr, 0: none fails.
void start(int fail_nth = 0);
/// Stops counting (and failing); the counters keep their values.
void stop();
/// calloc calls while counting (the failed one included).
size_t callocs();
/// calloc calls that failed on purpose.
size_t failed();
/// free calls with a non-null pointer while counting.
size_t frees();

}  // namespace heap_wrap
