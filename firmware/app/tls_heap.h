/* SPDX-License-Identifier: MIT */
/* mbedTLS's heap on the device: a static arena under mbedTLS's own buffer
 * allocator (memory_buffer_alloc.c), with every mbedtls_calloc/mbedtls_free
 * counted on the way (the image links with -Wl,--wrap=mbedtls_calloc
 * -Wl,--wrap=mbedtls_free; mbedTLS 3.6, where both are functions). The
 * allocator itself keeps no statistics unless built with
 * MBEDTLS_MEMORY_DEBUG, which would pull stdio into every image. */
#ifndef CONSENSUS_FIRMWARE_TLS_HEAP_H
#define CONSENSUS_FIRMWARE_TLS_HEAP_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The arena: 48 KiB, enough for a TLS 1.2 or 1.3 handshake with a 16 KiB
 * input record buffer (MBEDTLS_SSL_IN_CONTENT_LEN) and a 4 KiB output one. */
enum { kTlsHeapBytes = 48 * 1024 };

/* Hands the arena to mbedTLS (mbedtls_memory_buffer_alloc_init). Once, at boot. */
void tls_heap_init(void);

typedef struct tls_heap_stats {
    size_t arena_bytes; /* kTlsHeapBytes */
    size_t peak_bytes;  /* most bytes allocated at once, each block's 8-byte size tag included */
    size_t peak_blocks; /* most blocks at once (the allocator adds its own header to each) */
    size_t now_bytes;   /* allocated now (0 after the client's deinit: nothing leaked) */
    size_t failures;    /* allocations the arena refused */
} tls_heap_stats;

tls_heap_stats tls_heap_read(void);

#ifdef __cplusplus
}
#endif

#endif
