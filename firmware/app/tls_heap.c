/* SPDX-License-Identifier: MIT */
#include "tls_heap.h"

#include <mbedtls/memory_buffer_alloc.h>
#include <stdint.h>

/* Each block carries its size in front, so that free() can count it down.
 * The tag is 8 bytes: a block keeps the alignment the allocator gave it
 * (MBEDTLS_MEMORY_ALIGN_MULTIPLE, the pointer size). */
typedef union size_tag {
    size_t size;
    uint64_t align;
} size_tag;

static uint8_t g_arena[kTlsHeapBytes] __attribute__((aligned(8)));
static tls_heap_stats g_stats = {kTlsHeapBytes, 0, 0, 0, 0};
static size_t g_blocks;

void* __real_mbedtls_calloc(size_t n, size_t size);
void __real_mbedtls_free(void* p);
void* __wrap_mbedtls_calloc(size_t n, size_t size);
void __wrap_mbedtls_free(void* p);

void tls_heap_init(void) {
    mbedtls_memory_buffer_alloc_init(g_arena, sizeof g_arena);
}

void* __wrap_mbedtls_calloc(size_t n, size_t size) {
    if (size != 0 && n > (SIZE_MAX - sizeof(size_tag)) / size) {
        ++g_stats.failures;
        return NULL;
    }
    const size_t bytes = n * size + sizeof(size_tag);
    size_tag* tag = (size_tag*)__real_mbedtls_calloc(1, bytes);
    if (tag == NULL) {
        ++g_stats.failures;
        return NULL;
    }
    tag->size = bytes;
    g_stats.now_bytes += bytes;
    if (g_stats.now_bytes > g_stats.peak_bytes) g_stats.peak_bytes = g_stats.now_bytes;
    if (++g_blocks > g_stats.peak_blocks) g_stats.peak_blocks = g_blocks;
    return tag + 1;
}

void __wrap_mbedtls_free(void* p) {
    if (p == NULL) return;
    size_tag* tag = (size_tag*)p - 1;
    g_stats.now_bytes -= tag->size;
    --g_blocks;
    __real_mbedtls_free(tag);
}

tls_heap_stats tls_heap_read(void) {
    return g_stats;
}
