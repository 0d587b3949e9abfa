/* SPDX-License-Identifier: MIT */
#include "wslay_pool.h"

#include <stdint.h>

#include "config.h"
#include "wslay_frame.h"

/* Only frame contexts are ever asked for (the firmware links wslay_frame.c
 * alone): anything else, or more than the pool holds, is refused and wslay
 * reports WSLAY_ERR_NOMEM. */
static struct wslay_frame_context g_contexts[kWslayContexts];
static uint8_t g_taken[kWslayContexts];
static wslay_pool_stats g_stats = {sizeof(struct wslay_frame_context), 0, 0, 0};

void* wslay_pool_alloc(size_t size) {
    if (size == sizeof(struct wslay_frame_context)) {
        for (unsigned i = 0; i < kWslayContexts; ++i) {
            if (g_taken[i] != 0) continue;
            g_taken[i] = 1;
            if (++g_stats.in_use > g_stats.peak) g_stats.peak = g_stats.in_use;
            return &g_contexts[i];
        }
    }
    ++g_stats.refused;
    return NULL;
}

void wslay_pool_free(void* p) {
    for (unsigned i = 0; i < kWslayContexts; ++i) {
        if (p == &g_contexts[i] && g_taken[i] != 0) {
            g_taken[i] = 0;
            --g_stats.in_use;
        }
    }
}

wslay_pool_stats wslay_pool_read(void) {
    return g_stats;
}
