// SPDX-License-Identifier: MIT
// Keepalive's clock rules on their own (the session tests cover it on the wire).
#include "client/keepalive.h"

#include "CppUTest/TestHarness.h"

using consensus::Keepalive;
using Due = Keepalive::Due;

TEST_GROUP(keepalive){};

TEST(keepalive, OffWithIntervalZero) {
    Keepalive k;
    k.start(100, 0);
    CHECK(k.due(1000000) == Due::nothing);
    CHECK(k.deadline() == UINT64_MAX);
}

TEST(keepalive, PingAfterOneIdleInterval) {
    Keepalive k;
    k.start(1000, 300);
    CHECK(k.due(1299) == Due::nothing);
    CHECK(k.due(1300) == Due::ping);
    LONGS_EQUAL(1300, k.deadline());
}

TEST(keepalive, InboundBytesPushThePingBack) {
    Keepalive k;
    k.start(1000, 300);
    k.on_rx(1200);
    CHECK(k.due(1300) == Due::nothing);
    LONGS_EQUAL(1500, k.deadline());
    CHECK(k.due(1500) == Due::ping);
}

TEST(keepalive, DeadOneIntervalAfterAnUnansweredPing) {
    Keepalive k;
    k.start(1000, 300);
    k.on_ping_sent(1300);
    LONGS_EQUAL(1600, k.deadline());
    CHECK(k.due(1599) == Due::nothing);
    CHECK(k.due(1600) == Due::dead);
}

TEST(keepalive, AnyByteAfterThePingIsProofOfLife) {
    Keepalive k;
    k.start(1000, 300);
    k.on_ping_sent(1300);
    k.on_rx(1450);
    CHECK(k.due(1600) == Due::nothing);
    CHECK(k.due(1750) == Due::ping);
}

TEST(keepalive, StartForgetsAnOutstandingPing) {
    Keepalive k;
    k.start(0, 300);
    k.on_ping_sent(300);
    k.start(5000, 300);
    CHECK(k.due(5299) == Due::nothing);
    CHECK(k.due(5300) == Due::ping);
}
