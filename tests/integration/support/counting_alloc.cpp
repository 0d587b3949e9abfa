// SPDX-License-Identifier: MIT
// The replacement allocator (see counting_alloc.h). No TestHarness.h here:
// CppUTest's macros must not touch these definitions.
#include "support/counting_alloc.h"

#include <errno.h>
#include <malloc.h>
#include <string.h>

namespace itest {
namespace heap {
namespace {
bool g_on = false;
Counts g_counts{};
}  // namespace

void start() {
    g_counts = Counts{};
    g_on = true;
}

Counts stop() {
    g_on = false;
    return g_counts;
}

Counts now() {
    return g_counts;
}

}  // namespace heap
}  // namespace itest

#if !ITEST_UNDER_ASAN

// Under ASan nothing is replaced, so these exist only here.
namespace itest {
namespace heap {
namespace {

void note_alloc(void* p, size_t requested) {
    if (!g_on || p == nullptr) return;
    ++g_counts.allocs;
    g_counts.bytes += requested;
    g_counts.live_bytes += static_cast<int64_t>(malloc_usable_size(p));
    if (g_counts.live_bytes > g_counts.peak_live) g_counts.peak_live = g_counts.live_bytes;
}

void note_realloc(size_t old_usable, void* p, size_t requested) {
    if (!g_on || p == nullptr) return;
    ++g_counts.reallocs;
    g_counts.bytes += requested;
    g_counts.live_bytes +=
        static_cast<int64_t>(malloc_usable_size(p)) - static_cast<int64_t>(old_usable);
    if (g_counts.live_bytes > g_counts.peak_live) g_counts.peak_live = g_counts.live_bytes;
}

void note_free(void* p) {
    if (!g_on || p == nullptr) return;
    ++g_counts.frees;
    g_counts.live_bytes -= static_cast<int64_t>(malloc_usable_size(p));
}

}  // namespace
}  // namespace heap
}  // namespace itest

extern "C" {
void* __libc_malloc(size_t size);
void* __libc_calloc(size_t n, size_t size);
void* __libc_realloc(void* p, size_t size);
void* __libc_memalign(size_t alignment, size_t size);
void __libc_free(void* p);

using itest::heap::note_alloc;
using itest::heap::note_free;
using itest::heap::note_realloc;

void* malloc(size_t size) noexcept {
    void* p = __libc_malloc(size);
    note_alloc(p, size);
    return p;
}

void* calloc(size_t n, size_t size) noexcept {
    void* p = __libc_calloc(n, size);
    note_alloc(p, n * size);
    return p;
}

void* realloc(void* old, size_t size) noexcept {
    if (old == nullptr) return malloc(size);
    if (size == 0) {
        free(old);
        return nullptr;
    }
    const size_t old_usable = malloc_usable_size(old);
    void* p = __libc_realloc(old, size);
    note_realloc(old_usable, p, size);
    return p;
}

void free(void* p) noexcept {
    note_free(p);
    __libc_free(p);
}

void* memalign(size_t alignment, size_t size) noexcept {
    void* p = __libc_memalign(alignment, size);
    note_alloc(p, size);
    return p;
}

void* aligned_alloc(size_t alignment, size_t size) noexcept {
    return memalign(alignment, size);
}

int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
    if (alignment % sizeof(void*) != 0 || (alignment & (alignment - 1)) != 0) return EINVAL;
    void* p = memalign(alignment, size);
    if (p == nullptr) return ENOMEM;
    *out = p;
    return 0;
}

}  // extern "C"

#endif
