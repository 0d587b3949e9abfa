/* SPDX-License-Identifier: MIT */
/* Heap allocation counter for the benchmark (LD_PRELOAD). Wraps glibc's
 * malloc family through its __libc_* entry points (no dlsym: dlsym itself may
 * allocate) and, at exit, appends "allocs=N reallocs=N frees=N bytes=N" to the
 * file named by BENCH_ALLOC_OUT. C++ operator new lands in malloc, so it is
 * counted; allocators that take memory straight from mmap (V8's JS heap) are
 * not: the runner says so next to Node's figure. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

extern void* __libc_malloc(size_t size);
extern void* __libc_calloc(size_t n, size_t size);
extern void* __libc_realloc(void* p, size_t size);
extern void __libc_free(void* p);
extern void* __libc_memalign(size_t align, size_t size);

static atomic_ulong g_allocs, g_reallocs, g_frees, g_bytes;

static void count(size_t size) {
    atomic_fetch_add_explicit(&g_allocs, 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&g_bytes, size, memory_order_relaxed);
}

void* malloc(size_t size) {
    count(size);
    return __libc_malloc(size);
}

void* calloc(size_t n, size_t size) {
    count(n * size);
    return __libc_calloc(n, size);
}

void* realloc(void* p, size_t size) {
    if (p == NULL)
        count(size);
    else
        atomic_fetch_add_explicit(&g_reallocs, 1, memory_order_relaxed);
    return __libc_realloc(p, size);
}

void free(void* p) {
    if (p != NULL) atomic_fetch_add_explicit(&g_frees, 1, memory_order_relaxed);
    __libc_free(p);
}

void* memalign(size_t align, size_t size) {
    count(size);
    return __libc_memalign(align, size);
}

void* aligned_alloc(size_t align, size_t size) {
    count(size);
    return __libc_memalign(align, size);
}

int posix_memalign(void** out, size_t align, size_t size) {
    if (align < sizeof(void*) || (align & (align - 1)) != 0) return EINVAL;
    count(size);
    void* p = __libc_memalign(align, size);
    if (p == NULL) return ENOMEM;
    *out = p;
    return 0;
}

__attribute__((destructor)) static void report(void) {
    const char* path = getenv("BENCH_ALLOC_OUT");
    if (path == NULL) return;
    FILE* f = fopen(path, "a");
    if (f == NULL) return;
    fprintf(f, "allocs=%lu reallocs=%lu frees=%lu bytes=%lu\n", atomic_load(&g_allocs),
            atomic_load(&g_reallocs), atomic_load(&g_frees), atomic_load(&g_bytes));
    fclose(f);
}
