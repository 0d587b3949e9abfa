/* SPDX-License-Identifier: MIT */
/* lwIP's architecture header for the host tests of port/lwip (and for the
 * Cortex-M4 compile check of the port): C99 types from <stdint.h>, which
 * lwIP's arch.h includes by default, a failing assert that aborts, and
 * rand() as lwIP's random source (DNS transaction ids; not for security). */
#ifndef CONSENSUS_TEST_LWIP_ARCH_CC_H
#define CONSENSUS_TEST_LWIP_ARCH_CC_H

#include <stdio.h>
#include <stdlib.h>

#define LWIP_PLATFORM_DIAG(x) \
    do {                      \
        printf x;             \
    } while (0)

#define LWIP_PLATFORM_ASSERT(x)                                                     \
    do {                                                                            \
        fprintf(stderr, "lwIP assertion \"%s\" at %s:%d\n", x, __FILE__, __LINE__); \
        abort();                                                                    \
    } while (0)

#define LWIP_RAND() ((u32_t)rand())

#endif /* CONSENSUS_TEST_LWIP_ARCH_CC_H */
