/* SPDX-License-Identifier: MIT */
/* wslay's build configuration for bare metal, read through its own
 * HAVE_CONFIG_H hook (wslay_net.h). Newlib has no <arpa/inet.h>: the byte
 * order helpers wslay_frame.c uses are defined here. Its one allocation, the
 * frame context of a connection, comes from a fixed pool (wslay_pool.c)
 * instead of malloc: the firmware has no heap. The macros are the only way
 * to redirect a third-party source without editing it. */
#ifndef CONSENSUS_FIRMWARE_WSLAY_CONFIG_H
#define CONSENSUS_FIRMWARE_WSLAY_CONFIG_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the firmware's wslay build assumes a little-endian target"
#endif

static inline uint16_t wslay_bm_swap16(uint16_t x) {
    return __builtin_bswap16(x);
}
static inline uint32_t wslay_bm_swap32(uint32_t x) {
    return __builtin_bswap32(x);
}
#define htons(x) wslay_bm_swap16(x)
#define ntohs(x) wslay_bm_swap16(x)
#define htonl(x) wslay_bm_swap32(x)
#define ntohl(x) wslay_bm_swap32(x)

void* wslay_pool_alloc(size_t size);
void wslay_pool_free(void* p);
#define malloc(size) wslay_pool_alloc(size)
#define free(p) wslay_pool_free(p)

#endif
