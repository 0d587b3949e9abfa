// SPDX-License-Identifier: MIT
// Replaces malloc/calloc/realloc/free for the whole test binary (glibc lets
// an executable do that, and libwslay.so then calls these too), forwarding to
// glibc's __libc_* entry points. Counts only while a window is open.
// Deliberately without CppUTest/TestHarness.h: its leak detector redefines
// new/malloc in files that include it.
#include "alloc_count.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define WS_ALLOC_COUNT_OFF 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define WS_ALLOC_COUNT_OFF 1
#endif
#endif

namespace {
bool g_counting = false;
size_t g_allocs = 0;
size_t g_frees = 0;
}  // namespace

namespace alloc_count {
#ifdef WS_ALLOC_COUNT_OFF
bool available() {
    return false;
}
#else
bool available() {
    // Under valgrind (scripts/memcheck) its allocator replaces these.
    return getenv("CONSENSUS_UNDER_VALGRIND") == nullptr;
}
#endif
void start() {
    g_allocs = 0;
    g_frees = 0;
    g_counting = true;
}
void stop() {
    g_counting = false;
}
size_t allocations() {
    return g_allocs;
}
size_t frees() {
    return g_frees;
}
}  // namespace alloc_count

#ifndef WS_ALLOC_COUNT_OFF
extern "C" {
void* __libc_malloc(size_t n);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t n);
void __libc_free(void* p);

void* malloc(size_t n) noexcept {
    if (g_counting) ++g_allocs;
    return __libc_malloc(n);
}
void* calloc(size_t n, size_t size) noexcept {
    if (g_counting) ++g_allocs;
    return __libc_calloc(n, size);
}
void* realloc(void* p, size_t n) noexcept {
    if (g_counting) ++g_allocs;
    return __libc_realloc(p, n);
}
void free(void* p) noexcept {
    if (g_counting && p != nullptr) ++g_frees;
    __libc_free(p);
}
}
#endif
