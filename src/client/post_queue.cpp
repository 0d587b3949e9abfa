// SPDX-License-Identifier: MIT
// The posted-message ring: see post_queue.h.
#include "client/post_queue.h"

#include <string.h>

#include <new>

namespace consensus {

static_assert(std::atomic<uint32_t>::is_always_lock_free,
              "post() must not take a lock: 32-bit atomics must be lock-free");

size_t PostQueue::cell_stride(const Config& c) {
    return CheckedSize(kHeaderBytes).add(c.post_slot_bytes).align_up(16).value();
}

CheckedSize PostQueue::bytes(const Config& c) {
    if (c.post_slots == 0) return CheckedSize(0);
    return CheckedSize(sizeof(PostQueue))
        .align_up(16)
        .add(CheckedSize(kHeaderBytes).add(c.post_slot_bytes).align_up(16).times(c.post_slots));
}

void PostQueue::bind(uint8_t* cells, const Config& c) {
    cells_ = cells;
    mask_ = static_cast<uint32_t>(c.post_slots) - 1;  // a power of two (init checked)
    stride_ = cell_stride(c);
    for (uint32_t i = 0; i <= mask_; ++i) {
        PostCell* p = new (cells_ + size_t{i} * stride_) PostCell();
        p->seq.store(i, std::memory_order_relaxed);
    }
    tail_.store(0, std::memory_order_relaxed);
    wake_pending_.store(0, std::memory_order_relaxed);
    head_ = 0;
    dropped_ = 0;
    backlog_ = false;
}

Error PostQueue::push(const Session& target, const uint8_t* data, size_t size, bool binary) {
    uint32_t pos = tail_.load(std::memory_order_relaxed);
    PostCell* c;
    for (;;) {
        c = cell(pos);
        const uint32_t seq = c->seq.load(std::memory_order_acquire);
        const int32_t lag = static_cast<int32_t>(seq - pos);
        if (lag == 0) {
            // Free for this position: claim it (on failure pos is reloaded).
            if (tail_.compare_exchange_weak(pos, pos + 1, std::memory_order_relaxed)) break;
        } else if (lag < 0) {
            return Error::would_block;  // the loop has not yet sent the message a lap ago
        } else {
            pos = tail_.load(std::memory_order_relaxed);  // another producer took it
        }
    }
    c->size = static_cast<uint32_t>(size);
    c->target = target;
    c->binary = binary;
    if (size > 0) memcpy(reinterpret_cast<uint8_t*>(c) + kHeaderBytes, data, size);
    c->seq.store(pos + 1, std::memory_order_release);  // published
    return Error::ok;
}

PostCell* PostQueue::front() {
    PostCell* c = cell(head_);
    const uint32_t seq = c->seq.load(std::memory_order_acquire);
    return seq == head_ + 1 ? c : nullptr;
}

void PostQueue::pop() {
    PostCell* c = cell(head_);
    // Free for the producer one lap later.
    c->seq.store(head_ + mask_ + 1, std::memory_order_release);
    ++head_;
}

}  // namespace consensus
