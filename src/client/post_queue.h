/* SPDX-License-Identifier: MIT */
// Messages posted from other threads (Client::post) for the loop to send: a
// bounded multi-producer ring of fixed-size cells with per-cell sequence
// numbers (Dmitry Vyukov's bounded MPMC queue, with the one consumer the loop
// is). Lock-free: a producer claims a cell with one compare-and-swap on the
// tail, copies the message in, and publishes it with a release store of the
// cell's sequence; a producer never waits for another (a full ring, or a cell
// not yet freed by the loop, is would_block at once). The loop reads the
// head cell's sequence (acquire) and frees it with a release store. A
// producer stalled between its claim and its publish only delays the loop at
// that cell (it stops draining there and resumes on a later pass).
//
// Why not a mutex: post() must never block (a real-time thread, an RTOS task
// of higher priority than the loop's), and a lock held by a preempted loop
// would block it; std::mutex would also need an OS on every target.
//
// Memory: the PostQueue and its cells are carved from the client's block
// only when Config::post_slots > 0 (bytes()).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <atomic>

#include "consensus/client.h"
#include "core/checked_size.h"

namespace consensus {

/// One cell's header; its message bytes follow it.
struct PostCell {
    std::atomic<uint32_t> seq;  // == position: free for it; position + 1: holds its message
    uint32_t size;
    Session target;
    bool binary;
};

class PostQueue {
  public:
    /// Bytes this queue takes in the block for c (0 when c.post_slots == 0).
    static CheckedSize bytes(const Config& c);
    static size_t cell_stride(const Config& c);

    /// Lays the cells out at `cells` (c.post_slots of cell_stride(c) bytes).
    void bind(uint8_t* cells, const Config& c);

    // ---- any thread ----
    /// Copies the message into the next free cell. would_block when the ring
    /// is full. The caller checked size against the slot.
    Error push(const Session& target, const uint8_t* data, size_t size, bool binary);
    /// True when the caller should wake the loop: the first push since the
    /// loop last began draining (later ones coalesce into that wake).
    bool claim_wake() { return wake_pending_.exchange(1, std::memory_order_acq_rel) == 0; }

    // ---- the loop's thread ----
    /// Clears the wake claim before draining: a push after it wakes again.
    void begin_drain() { wake_pending_.exchange(0, std::memory_order_acq_rel); }
    /// The oldest published message, or nullptr (empty, or its producer is
    /// still copying it in).
    PostCell* front();
    static const uint8_t* payload(const PostCell* c) {
        return reinterpret_cast<const uint8_t*>(c) + kHeaderBytes;
    }
    /// Frees the front cell for producers.
    void pop();
    uint32_t capacity() const { return mask_ + 1; }
    uint32_t dropped() const { return dropped_; }
    void count_drop() { ++dropped_; }
    /// The last drain stopped at its bound with messages left: the loop must
    /// not sleep before the next one (no wake will come for them).
    bool backlog() const { return backlog_; }
    void set_backlog(bool b) { backlog_ = b; }

  private:
    static constexpr size_t kHeaderBytes = (sizeof(PostCell) + 15) & ~size_t{15};
    PostCell* cell(uint32_t pos) const {
        return reinterpret_cast<PostCell*>(cells_ + size_t{pos & mask_} * stride_);
    }

    // Producers' and the loop's positions on separate cache lines.
    std::atomic<uint32_t> tail_{0};
    std::atomic<uint32_t> wake_pending_{0};
    [[maybe_unused]] uint8_t pad_[56] = {};
    uint32_t head_ = 0;  // the loop's only
    uint32_t dropped_ = 0;
    uint32_t mask_ = 0;
    bool backlog_ = false;
    size_t stride_ = 0;
    uint8_t* cells_ = nullptr;
};

}  // namespace consensus
