/* SPDX-License-Identifier: MIT */
// The lwIP test harness: one lwIP stack (NO_SYS=1) in the test process, its
// loopback netif at 127.0.0.1, a real-time sys_now(), and the far end of the
// port's streams played by a raw-API listener in the same stack.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/port_lwip.h"
#include "port_conformance/conformance.h"

struct tcp_pcb;
struct pbuf;

namespace lwip_test {

/// Every blocking-with-a-bound call of the harness gives up after this long.
constexpr uint64_t kBoundMs = 5000;

/// lwip_init() once per process; later calls do nothing.
void stack_init();
/// The test clock (CLOCK_MONOTONIC in ms); sys_now() reads it too.
uint64_t now_ms();
/// One pass of the stack: the loopback netif's input, then lwIP's timers.
void drive_once();
/// Drives the stack for ms milliseconds of real time.
void drive_for(uint64_t ms);
/// A short sleep (the port's idle() in these tests).
void nap();

/// What lwIP holds: pcbs, segments, pbufs and heap bytes (the MEMP and MEM
/// statistics; with MEMP_MEM_MALLOC every pool element is heap too).
struct Usage {
    long tcp_pcbs;
    long listen_pcbs;
    long segments;
    long pbufs;       // MEMP_PBUF (PBUF_REF/ROM)
    long pool_pbufs;  // MEMP_PBUF_POOL
    long heap_bytes;  // lwip_stats.mem.used: PBUF_RAM and all of the above
    bool operator==(const Usage& o) const;
};
Usage usage();
/// Drives the stack until usage() == base (TIME_WAIT ends, timers settle),
/// at most kBoundMs. True when it got there.
bool settle(const Usage& base);
/// "pcbs=.. segs=.. ..." for a failure message.
const char* describe(const Usage& u);

/// Callback counters and knobs behind the port's config in the tests.
struct Board {
    unsigned services = 0;
    unsigned idles = 0;
};
/// A config whose service() drives the loopback netif, idle() naps, and
/// now_ms/random come from the test clock and getrandom(); user = board.
cws_lwip_config make_config(Board* board);

/// One connection the listener accepted.
struct Conn {
    tcp_pcb* pcb = nullptr;
    pbuf* rx = nullptr;  // received, not yet read (no tcp_recved yet)
    bool fin = false;
    bool error = false;
    bool in_use = false;
    unsigned seq = 0;  // accept order
};

/// The conformance Peer on lwIP: a listener on 127.0.0.1 in the same stack.
/// Its blocking calls drive the stack until done, within kBoundMs.
class LwipPeer final : public port_conformance::Peer {
  public:
    static constexpr size_t kConns = 16;

    LwipPeer();
    ~LwipPeer() override;
    bool start();
    /// Aborts every connection and closes the listener.
    void stop();

    const char* host() override { return "127.0.0.1"; }
    uint16_t port() override { return port_; }
    uint16_t refused_port() override { return static_cast<uint16_t>(port_ + 1); }
    bool accept() override;
    bool write(const uint8_t* data, size_t len) override;
    size_t read(uint8_t* buf, size_t len) override;
    void finish() override;
    void reset() override;

    // Non-blocking pieces for the lwIP tests (on the current connection).
    /// Bytes lwIP took (0: its send buffer is full or the stream is dead).
    size_t write_some(const uint8_t* data, size_t len);
    /// Bytes copied out (and acknowledged with tcp_recved); 0 when none.
    size_t read_some(uint8_t* buf, size_t len);
    size_t queued() const;
    bool got_fin() const { return current_ != nullptr && current_->fin; }
    bool got_error() const { return current_ != nullptr && current_->error; }
    tcp_pcb* pcb() const { return current_ != nullptr ? current_->pcb : nullptr; }

    // lwIP callbacks (public so the C callbacks can reach them).
    Conn* adopt(tcp_pcb* pcb);

  private:
    void drop(Conn* c, bool abort);

    tcp_pcb* listener_ = nullptr;
    uint16_t port_ = 0;
    Conn conns_[kConns];
    Conn* current_ = nullptr;
    unsigned next_seq_ = 1;
};

}  // namespace lwip_test
