/* SPDX-License-Identifier: MIT */
// Port conformance: the checks every cws_port must pass, written against the
// contract in consensus/port.h only, so any port's test can run them (the
// POSIX port on loopback, the FakePort, next an lwIP port on its stack).
//
// A port's test supplies a fixture class with
//   void setup();                       fresh port + peer (may use CHECK)
//   void teardown();                    release both (runs after a failure too)
//   port_conformance::Target target();  what the checks drive
// and expands, after including "CppUTest/TestHarness.h":
//   CWS_PORT_CONFORMANCE_TESTS(MyPortConformance, MyFixture)
// which defines one CppUTest test per check (CWS_PORT_CONFORMANCE_CHECKS).
// The check functions can also be called one by one from any test.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/port.h"

namespace port_conformance {

/// The far end of the streams under test, played by the test program. Every
/// call returns within a bound (a few seconds), never hangs.
class Peer {
  public:
    virtual ~Peer() = default;
    /// Where open() reaches this peer (NUL-terminated host, port number).
    virtual const char* host() = 0;
    virtual uint16_t port() = 0;
    /// A port number on host() where every connect is refused.
    virtual uint16_t refused_port() = 0;
    /// Takes the connection the port opened last. False: none arrived.
    virtual bool accept() = 0;
    /// Sends all of data to the port's stream. False on failure.
    virtual bool write(const uint8_t* data, size_t len) = 0;
    /// Receives up to len bytes, waiting a bound for the first. 0: none came.
    virtual size_t read(uint8_t* buf, size_t len) = 0;
    /// Closes the peer's sending side in order (FIN after what it wrote).
    virtual void finish() = 0;
    /// Aborts the connection (RST).
    virtual void reset() = 0;
};

/// One port under test with its peer.
struct Target {
    cws_port port;
    Peer* peer;
    /// Streams the port can hold open at once; 0 skips the pool check (a
    /// port without a fixed pool).
    uint32_t max_streams;
};

// The checks; each names the rule of consensus/port.h it holds the port to.
void connect_send_recv(const Target& t);
void connect_status_needs_no_wait(const Target& t);
void refused_connect_fails(const Target& t);
void close_before_connected(const Target& t);
void closed_stream_is_reused_at_once(const Target& t);
void short_read_spends_read_readiness(const Target& t);
void would_block_spends_read_readiness(const Target& t);
void unread_bytes_stay_readable(const Target& t);
void interest_takes_effect_at_next_wait(const Target& t);
void eof_after_data_is_closed(const Target& t);
void reset_is_error(const Target& t);
void partial_sends_count_exactly(const Target& t);
void wait_sleeps_its_timeout(const Target& t);
void clock_is_monotonic(const Target& t);
void random_fills(const Target& t);

}  // namespace port_conformance

// X(group, TestName, check_function) for every check above.
#define CWS_PORT_CONFORMANCE_CHECKS(X, group)                                   \
    X(group, ConnectSendRecv, connect_send_recv)                                \
    X(group, ConnectStatusNeedsNoWait, connect_status_needs_no_wait)            \
    X(group, RefusedConnectFails, refused_connect_fails)                        \
    X(group, CloseBeforeConnected, close_before_connected)                      \
    X(group, ClosedStreamIsReusedAtOnce, closed_stream_is_reused_at_once)       \
    X(group, ShortReadSpendsReadReadiness, short_read_spends_read_readiness)    \
    X(group, WouldBlockSpendsReadReadiness, would_block_spends_read_readiness)  \
    X(group, UnreadBytesStayReadable, unread_bytes_stay_readable)               \
    X(group, InterestTakesEffectAtNextWait, interest_takes_effect_at_next_wait) \
    X(group, EofAfterDataIsClosed, eof_after_data_is_closed)                    \
    X(group, ResetIsError, reset_is_error)                                      \
    X(group, PartialSendsCountExactly, partial_sends_count_exactly)             \
    X(group, WaitSleepsItsTimeout, wait_sleeps_its_timeout)                     \
    X(group, ClockIsMonotonic, clock_is_monotonic)                              \
    X(group, RandomFills, random_fills)

#define CWS_PORT_CONFORMANCE_TEST_(group, name, check) \
    TEST(group, name) {                                \
        port_conformance::check(fixture.target());     \
    }

// One TEST_GROUP holding a Fixture, and one TEST per check.
#define CWS_PORT_CONFORMANCE_TESTS(group, Fixture) \
    TEST_GROUP(group) {                            \
        Fixture fixture;                           \
        void setup() override {                    \
            fixture.setup();                       \
        }                                          \
        void teardown() override {                 \
            fixture.teardown();                    \
        }                                          \
    };                                             \
    CWS_PORT_CONFORMANCE_CHECKS(CWS_PORT_CONFORMANCE_TEST_, group)
