/* wslay's frame contexts on the device: a fixed pool instead of a heap.
 * wslay_frame_context_init takes one per connection (struct
 * wslay_frame_context: a 4 KiB input buffer and the frame state, 4,208 B on
 * Cortex-M4); the client holds one per session for the session's life
 * (src/ws/framer.cpp frees the old one before it takes the next). */
#ifndef CONSENSUS_FIRMWARE_WSLAY_POOL_H
#define CONSENSUS_FIRMWARE_WSLAY_POOL_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Contexts in the pool: Config::max_sessions of the device (one). */
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
