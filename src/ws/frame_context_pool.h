/* SPDX-License-Identifier: MIT */
// The client's wslay frame contexts, lent to the sessions' framers.
//
// A wslay_frame_context (4,256 B requested on x86_64: a 4 KiB input buffer and
// the parse state) is needed by a framer only while it reads, and between
// reads only while a frame of its stream is half-read (wslay then holds that
// frame's state and bytes). One thread reads one socket at a time, so a
// client keeps N contexts for its sessions (Config::frame_parsers) and lends
// them: Framer::receive borrows one and gives it back once the context is
// idle again (framer.cpp, Framer::context_idle, says when that is).
//
// A context given back while not idle (its connection ended mid-frame) is
// freed and created anew (wslay has no reset). If that malloc fails the pool
// is one smaller until a later acquire creates it again.
//
// Framers that find none free queue here (FIFO, linked through the framers): the next context
// given back goes to the one that waited longest.
//
// Memory: the contexts are on the heap (one malloc each, by wslay, at init;
// one free + malloc per mid-frame end), the entries (152 B each on x86_64: the control-frame buffer
// is 125) in the caller's block. Single-threaded; no exceptions.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"

struct wslay_frame_context;
struct wslay_frame_callbacks;

namespace consensus::ws {

class Framer;
namespace detail {
struct RecvSlot;
}  // namespace detail

/// One pooled context. wslay's user data is the entry (fixed at creation);
/// slot points at the borrowing framer's RecvSlot while it is lent.
struct FrameContext {
    static constexpr size_t kMaxControlPayload = 125;
    wslay_frame_context* ctx;
    detail::RecvSlot* slot;
    FrameContext* next;  // in the ready or the broken list while not lent
    // A control frame that arrives in pieces is gathered here: while it is
    // half-read its framer holds this entry (the context is not idle).
    uint8_t ctrl[kMaxControlPayload];
};

class FrameContextPool {
  public:
    FrameContextPool() = default;
    ~FrameContextPool() { deinit(); }
    FrameContextPool(const FrameContextPool&) = delete;
    FrameContextPool& operator=(const FrameContextPool&) = delete;

    /// Creates count contexts (count mallocs by wslay) in entries[count]
    /// (caller-owned, outlives the pool). cbs must outlive the pool too.
    /// Errors: invalid_params (null entries or cbs, count 0), no_resources
    /// (a malloc failed: nothing is kept).
    Error init(FrameContext* entries, size_t count, const wslay_frame_callbacks* cbs);
    /// Frees every context. All must have been given back.
    void deinit();

    /// A ready context for slot, or (none ready) a broken entry created
    /// anew; nullptr when neither works (the caller may queue()).
    FrameContext* acquire(detail::RecvSlot* slot);
    /// Gives c back. idle: wslay's state is between frames with an empty
    /// input buffer (reusable as is); otherwise it is created anew. A usable
    /// context goes to the longest waiter (Framer::granted), if any, else to
    /// the ready list.
    void release(FrameContext* c, bool idle);
    /// w waits for the next context given back (FIFO). w must not be queued.
    void queue(Framer* w);
    /// w, queued, leaves the queue (its connection ended while waiting).
    void leave(Framer* w);

    size_t size() const { return count_; }
    /// Contexts that exist now (size() minus the broken ones).
    size_t live() const { return count_ - broken_count_; }
    /// Contexts neither lent nor broken.
    size_t ready() const { return ready_count_; }
    size_t waiters() const { return waiter_count_; }

  private:
    bool create(FrameContext* c);
    void push(FrameContext** list, FrameContext* c);
    FrameContext* pop(FrameContext** list);

    FrameContext* entries_ = nullptr;
    size_t count_ = 0;
    const wslay_frame_callbacks* cbs_ = nullptr;
    FrameContext* ready_ = nullptr;
    FrameContext* broken_ = nullptr;  // their contexts could not be created
    size_t ready_count_ = 0;
    size_t broken_count_ = 0;
    Framer* head_ = nullptr;  // linked through Framer::next_waiter_
    Framer* tail_ = nullptr;
    size_t waiter_count_ = 0;
};

}  // namespace consensus::ws
