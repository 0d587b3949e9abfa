// SPDX-License-Identifier: MIT
#include "client/lane_pool.h"

namespace consensus {

void LanePool::bind(uint16_t* ring, uint16_t capacity) {
    free_ = nullptr;
    ring_ = ring;
    capacity_ = capacity;
    head_ = 0;
    count_ = 0;
}

void LanePool::add(HttpLane* lane) {
    lane->next_free = free_;
    free_ = lane;
}

HttpLane* LanePool::take() {
    HttpLane* lane = free_;
    if (lane != nullptr) free_ = lane->next_free;
    return lane;
}

bool LanePool::give_back(HttpLane* lane, uint16_t* session) {
    if (count_ == 0) {
        add(lane);
        return false;
    }
    *session = ring_[head_];
    head_ = static_cast<uint16_t>((head_ + 1) % capacity_);
    --count_;
    return true;
}

void LanePool::wait(uint16_t session) {
    ring_[(head_ + count_) % capacity_] = session;
    ++count_;
}

// Rare (a close while waiting): shift the later entries one place forward.
void LanePool::leave(uint16_t session) {
    uint16_t k = 0;
    while (k < count_ && at(k) != session) ++k;
    if (k == count_) return;
    for (; k + 1 < count_; ++k) ring_[(head_ + k) % capacity_] = at(static_cast<uint16_t>(k + 1));
    --count_;
}

}  // namespace consensus
