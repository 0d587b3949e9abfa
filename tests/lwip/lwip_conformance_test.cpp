// SPDX-License-Identifier: MIT
// The port conformance checks (tests/port_conformance) against the lwIP port,
// over 127.0.0.1 inside one lwIP stack (NO_SYS=1): the peer is a raw-API
// listener in the same stack, whose blocking calls drive the stack (loopback
// input and timers) until done. Every check applies to lwIP as written:
//  - RefusedConnectFails: lwIP answers a SYN to a port nobody listens on with
//    RST, so the port's open() succeeds and connect_status() reports the
//    refusal later (the check's second branch), after wait() woke for it;
//  - ConnectStatusNeedsNoWait: the peer's accept() drives the stack, which
//    runs the port's connected callback: connect_status() reads that record;
//  - PartialSendsCountExactly: "would block" comes from lwIP's send buffer
//    (TCP_SND_BUF) and segment queue (TCP_SND_QUEUELEN) once the peer's
//    window (TCP_WND, the peer does not read) is full.
// After each check the fixture closes everything and asserts lwIP's pcbs,
// segments, pbufs and heap bytes are back where they were (no leak).
#include "CppUTest/TestHarness.h"
#include "consensus/port_lwip.h"
#include "lwip_harness.h"
#include "port_conformance/conformance.h"

namespace {

class LwipFixture {
  public:
    void setup() {
        lwip_test::stack_init();
        base_ = lwip_test::usage();
        CHECK_TRUE(peer_.start());
        const cws_lwip_config config = lwip_test::make_config(&board_);
        LONGS_EQUAL(0, cws_lwip_port_init(&port_, &config));
    }
    void teardown() {
        peer_.stop();
        cws_lwip_port_deinit(&port_);
        CHECK_TEXT(lwip_test::settle(base_), lwip_test::describe(lwip_test::usage()));
    }
    port_conformance::Target target() {
        return port_conformance::Target{cws_lwip_port_get(&port_), &peer_, CWS_LWIP_MAX_STREAMS};
    }

  private:
    lwip_test::Usage base_{};
    lwip_test::Board board_;
    cws_lwip_port port_{};
    lwip_test::LwipPeer peer_;
};

}  // namespace

CWS_PORT_CONFORMANCE_TESTS(LwipPortConformance, LwipFixture)
