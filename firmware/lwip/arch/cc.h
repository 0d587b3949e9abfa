/* SPDX-License-Identifier: MIT */
/* lwIP architecture glue for the bare-metal Cortex-M images (arm-none-eabi
 * gcc + newlib): types come from <stdint.h>/<inttypes.h> (lwIP's defaults),
 * little-endian, gcc's packing attributes, asserts end the run on the board,
 * random numbers from the board's entropy. */
#ifndef CONSENSUS_LWIP_ARCH_CC_H
#define CONSENSUS_LWIP_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#define PACK_STRUCT_STRUCT __attribute__((packed))

/* Diagnostics only with LWIP_DEBUG (off in lwipopts.h). */
#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)

void board_assert_failed(const char* msg, const char* file, int line) __attribute__((noreturn));
#define LWIP_PLATFORM_ASSERT(x) board_assert_failed((x), __FILE__, __LINE__)

uint32_t board_rand32(void);
#define LWIP_RAND() ((u32_t)board_rand32())

#endif
