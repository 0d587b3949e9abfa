/* SPDX-License-Identifier: MIT */
// Outgoing byte buffer of one connection. The framer appends whole frames at
// the tail; the session flushes from the front (send data + start, pending()
// bytes, then consume() what the port took). Caller-owned storage, no
// allocation; the struct stays an aggregate so it can be brace-initialised:
//   TxBuffer tx{storage, sizeof storage, 0, 0};
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

namespace consensus {

struct TxBuffer {
    uint8_t* data;
    size_t capacity;
    size_t start;  // first pending byte
    size_t end;    // one past the last pending byte

    /// Bytes waiting to be sent: [start, end).
    size_t pending() const { return end - start; }
    /// Room after the pending bytes without moving anything.
    size_t free_tail() const { return capacity - end; }
    /// Room available after a compact().
    size_t free_total() const { return capacity - pending(); }
    /// Front of the pending bytes (what the session hands to the port).
    const uint8_t* front() const { return data + start; }

    /// Drops everything.
    void clear() { start = end = 0; }

    /// Marks n flushed bytes as gone (n <= pending(); larger n is clamped,
    /// because a port never reports more than it was given). Rewinds to the
    /// start of the storage when empty so later frames need no memmove.
    void consume(size_t n) {
        start += n < pending() ? n : pending();
        if (start == end) start = end = 0;
    }

    /// Moves the pending bytes to the front of the storage (one memmove of
    /// pending() bytes, only when start > 0).
    void compact() {
        if (start == 0) return;
        const size_t n = pending();
        if (n > 0) memmove(data, data + start, n);
        start = 0;
        end = n;
    }

    /// Makes sure n bytes can be appended at data + end, compacting if that is
    /// what it takes. False (and nothing moved) when n > free_total().
    bool reserve(size_t n) {
        if (n <= free_tail()) return true;
        if (n > free_total()) return false;
        compact();
        return true;
    }

    /// Tail pointer for appending after a successful reserve().
    uint8_t* tail() { return data + end; }
    /// Commits n bytes written at tail() (n <= free_tail()).
    void commit(size_t n) { end += n; }
};

}  // namespace consensus
