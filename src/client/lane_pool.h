/* SPDX-License-Identifier: MIT */
// The shared HTTP lanes (Config::max_handshakes > 0) and the sessions
// waiting for one, first come, first served: a lane given back goes straight
// to the session that has waited longest, so a free lane and a waiting
// session never coexist, and a newcomer cannot pass the queue.
// No allocation: the lanes and the queue's ring live in the client's block.
// Single-threaded.
#pragma once

#include <stdint.h>

#include "client/http_lane.h"

namespace consensus {

class LanePool {
  public:
    /// ring: room for `capacity` session indices (every session waits at most once).
    void bind(uint16_t* ring, uint16_t capacity);
    /// A lane to hand out (at init, once per lane).
    void add(HttpLane* lane);
    /// A free lane, or nullptr when all are taken (then wait()).
    HttpLane* take();
    /// A lane comes back: to the first waiting session (true, *session says
    /// which; it leaves the queue) or to the free list (false).
    bool give_back(HttpLane* lane, uint16_t* session);
    /// The session joins the end of the queue (it must not be in it).
    void wait(uint16_t session);
    /// The session leaves the queue (closed while waiting); nothing when it
    /// is not in it.
    void leave(uint16_t session);

  private:
    uint16_t at(uint16_t k) const { return ring_[(head_ + k) % capacity_]; }

    HttpLane* free_ = nullptr;
    uint16_t* ring_ = nullptr;
    uint16_t capacity_ = 0;
    uint16_t head_ = 0;
    uint16_t count_ = 0;
};

}  // namespace consensus
