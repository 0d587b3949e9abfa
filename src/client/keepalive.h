/* SPDX-License-Identifier: MIT */
// Keepalive of an open session, as a small clock-driven state machine (no
// I/O): ping after `interval` ms without inbound bytes; the link is dead when
// nothing arrives within another interval after the ping. Any inbound byte is
// proof of life, a pong included.
#pragma once

#include <stdint.h>

namespace consensus {

class Keepalive {
  public:
    enum class Due : uint8_t { nothing, ping, dead };

    /// A fresh link at `now`; interval 0 turns keepalive off.
    void start(uint64_t now, uint32_t interval) {
        interval_ = interval;
        last_rx_ = now;
        ping_sent_ = 0;
        waiting_ = false;
    }
    /// Bytes arrived at `now`.
    void on_rx(uint64_t now) {
        last_rx_ = now;
        waiting_ = false;
    }
    /// What is due at `now`.
    Due due(uint64_t now) const {
        if (interval_ == 0) return Due::nothing;
        if (waiting_) return now - ping_sent_ >= interval_ ? Due::dead : Due::nothing;
        return now - last_rx_ >= interval_ ? Due::ping : Due::nothing;
    }
    /// The ping went into the send buffer at `now`.
    void on_ping_sent(uint64_t now) {
        ping_sent_ = now;
        waiting_ = true;
    }
    /// When due() changes next (UINT64_MAX: never).
    uint64_t deadline() const {
        if (interval_ == 0) return UINT64_MAX;
        return (waiting_ ? ping_sent_ : last_rx_) + interval_;
    }

  private:
    uint64_t last_rx_ = 0;
    uint64_t ping_sent_ = 0;
    uint32_t interval_ = 0;
    bool waiting_ = false;  // a ping is out, no byte since
};

}  // namespace consensus
