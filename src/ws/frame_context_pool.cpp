// SPDX-License-Identifier: MIT
#include "ws/frame_context_pool.h"

#include <wslay/wslay.h>

#include "ws/framer.h"

namespace consensus::ws {

bool FrameContextPool::create(FrameContext* c) {
    wslay_frame_context_ptr p = nullptr;
    // The entry is wslay's user data for the context's life: recv_cb finds
    // the borrower's RecvSlot through it.
    if (wslay_frame_context_init(&p, cbs_, c) != 0) p = nullptr;
    c->ctx = p;
    c->slot = nullptr;
    return p != nullptr;
}

void FrameContextPool::push(FrameContext** list, FrameContext* c) {
    c->next = *list;
    *list = c;
}

FrameContext* FrameContextPool::pop(FrameContext** list) {
    FrameContext* c = *list;
    if (c != nullptr) *list = c->next;
    return c;
}

Error FrameContextPool::init(FrameContext* entries, size_t count,
                             const wslay_frame_callbacks* cbs) {
    deinit();
    if (entries == nullptr || cbs == nullptr || count == 0) return Error::invalid_params;
    entries_ = entries;
    cbs_ = cbs;
    for (size_t i = 0; i < count; ++i) {
        if (!create(&entries[i])) {
            count_ = i;  // what deinit frees
            deinit();
            return Error::no_resources;
        }
        count_ = i + 1;
        push(&ready_, &entries[i]);
        ++ready_count_;
    }
    return Error::ok;
}

void FrameContextPool::deinit() {
    for (size_t i = 0; i < count_; ++i) {
        if (entries_[i].ctx != nullptr) wslay_frame_context_free(entries_[i].ctx);
        entries_[i] = FrameContext{nullptr, nullptr, nullptr, {}};
    }
    entries_ = nullptr;
    count_ = 0;
    ready_ = broken_ = nullptr;
    ready_count_ = broken_count_ = 0;
    head_ = tail_ = nullptr;
    waiter_count_ = 0;
}

FrameContext* FrameContextPool::acquire(detail::RecvSlot* slot) {
    FrameContext* c = pop(&ready_);
    if (c != nullptr) {
        --ready_count_;
    } else {
        c = pop(&broken_);
        if (c == nullptr) return nullptr;
        if (!create(c)) {  // still no heap: the pool stays one smaller
            push(&broken_, c);
            return nullptr;
        }
        --broken_count_;
    }
    c->slot = slot;
    return c;
}

void FrameContextPool::release(FrameContext* c, bool idle) {
    c->slot = nullptr;
    if (!idle) {
        // Mid-frame: wslay holds that frame's state and bytes and cannot be
        // reset. Free first: the device's fixed pool has no spare context.
        wslay_frame_context_free(c->ctx);
        if (!create(c)) {
            push(&broken_, c);
            ++broken_count_;
            return;
        }
    }
    Framer* w = head_;
    if (w == nullptr) {
        push(&ready_, c);
        ++ready_count_;
        return;
    }
    head_ = w->next_waiter_;
    if (head_ == nullptr) tail_ = nullptr;
    w->next_waiter_ = nullptr;
    --waiter_count_;
    w->granted(c);
}

void FrameContextPool::queue(Framer* w) {
    w->next_waiter_ = nullptr;
    if (tail_ != nullptr) {
        tail_->next_waiter_ = w;
    } else {
        head_ = w;
    }
    tail_ = w;
    ++waiter_count_;
}

// Linear: only when a connection ends while its session waits.
void FrameContextPool::leave(Framer* w) {
    Framer* prev = nullptr;
    for (Framer* it = head_; it != nullptr; prev = it, it = it->next_waiter_) {
        if (it != w) continue;
        (prev != nullptr ? prev->next_waiter_ : head_) = it->next_waiter_;
        if (tail_ == it) tail_ = prev;
        it->next_waiter_ = nullptr;
        --waiter_count_;
        return;
    }
}

}  // namespace consensus::ws
