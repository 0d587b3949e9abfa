/* SPDX-License-Identifier: MIT */
/* wslay's frame contexts on the device: a fixed pool instead of a heap.
 * wslay_frame_context_init takes one per connection (struct
 * wslay_frame_context: a 4 KiB input buffer and the frame state, 4,208 B on
 * Cortex-M4); the client holds Config::frame_parsers of them (0: one per
 * session) from Client::init to deinit, and frees one before it takes its
 * replacement (src/ws/frame_context_pool.cpp, after a connection ended
 * mid-frame), so the pool never needs a spare. */
#ifndef CONSENSUS_FIRMWARE_WSLAY_POOL_H
#define CONSENSUS_FIRMWARE_WSLAY_POOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Contexts in the pool: the device's frame parsers (max_sessions 1,
 * frame_parsers 0: one). */
enum { kWslayContexts = 1 };

/* Contexts taken now and at most at once; requests the pool refused. */
typedef struct wslay_pool_stats {
    size_t context_bytes;
    unsigned in_use;
    unsigned peak;
    unsigned refused;
} wslay_pool_stats;

wslay_pool_stats wslay_pool_read(void);

#ifdef __cplusplus
}
#endif

#endif
