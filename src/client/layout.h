/* SPDX-License-Identifier: MIT */
// The client's block (Client::required_bytes; docs/MEMORY.md has the
// formula): what each part costs, the Config rules init() checks first, and
// how init() lays the parts out. The layout is the only allocator: every
// part of the client lives in the caller's block, in this order:
//   [core][TLS session cache][post queue][shared lanes][frame parser entries]
//   [session slot + its buffers] x max_sessions [request slot + its buffers] x max_requests
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/config.h"
#include "consensus/port.h"

namespace consensus {

struct ClientCore;

/// Every part of the block is aligned to this.
constexpr size_t kLayoutAlign = 16;

constexpr size_t align_up(size_t n) {
    return (n + kLayoutAlign - 1) & ~(kLayoutAlign - 1);
}

/// Bytes of the whole block for `c` (the core's own size included); SIZE_MAX
/// when it does not fit size_t.
size_t client_block_bytes(const Config& c);

/// The first Config rule that `c` breaks (the text init() reports), or nullptr.
const char* config_fault(const Config& c);

/// Config::frame_parsers, 0 meaning one per session.
size_t frame_parsers(const Config& c);

/// Bump allocation inside the caller's block; the sizes were checked up front
/// (client_block_bytes).
struct Carver {
    uint8_t* p;
    uint8_t* take(size_t n) {
        uint8_t* r = p;
        p += align_up(n);
        return r;
    }
};

/// Fills the core (constructed by the caller at the block's start, carved
/// already) with its settings and carves its parts: the TLS session cache,
/// the post queue, the frame parser entries. Nothing is started.
void place_core_parts(ClientCore* core, Carver* carve, const Config& config,
                      const ClientOptions& options, const cws_port& port);

/// Carves and binds the shared lanes (with max_handshakes), the sessions and
/// the request slots, each slot followed by its buffers.
void place_slots(ClientCore* core, Carver* carve);

}  // namespace consensus
