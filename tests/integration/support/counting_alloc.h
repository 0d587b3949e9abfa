/* SPDX-License-Identifier: MIT */
// Process-wide heap accounting for the alloc and scale tests.
//
// counting_alloc.cpp replaces malloc, calloc, realloc, free and the aligned
// variants for the whole executable (glibc lets an executable do so, and
// libwslay.so / libmbedcrypto.so / libstdc++ then call the replacements),
// forwarding to __libc_malloc & co. Counters change only between start() and
// stop(), so the numbers belong to the code in that window. Bytes live are
// tracked with malloc_usable_size (no headers, so blocks from before start()
// are freed correctly). Single-threaded, like the library.
//
// Under AddressSanitizer the allocator belongs to ASan and cannot be replaced:
// available() is false and every count stays 0 (the tests skip, saying so).
#pragma once

#include <stddef.h>
#include <stdint.h>

#if defined(__SANITIZE_ADDRESS__)
#define ITEST_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define ITEST_UNDER_ASAN 1
#endif
#endif
#ifndef ITEST_UNDER_ASAN
#define ITEST_UNDER_ASAN 0
#endif

namespace itest {
namespace heap {

struct Counts {
    uint64_t allocs;     // malloc/calloc/aligned calls, and realloc(nullptr, n)
    uint64_t reallocs;   // realloc of an existing block
    uint64_t frees;      // free of a non-null block (realloc to 0 included)
    uint64_t bytes;      // bytes requested by allocs and reallocs
    int64_t live_bytes;  // usable bytes allocated minus freed since start()
    int64_t peak_live;   // highest live_bytes since start()
};

/// False under ASan: nothing is counted.
constexpr bool available() {
    return ITEST_UNDER_ASAN == 0;
}
/// Zeroes the counters and starts counting.
void start();
/// Stops counting; the counts of the window.
Counts stop();
/// The counts so far (counting goes on).
Counts now();

}  // namespace heap
}  // namespace itest
