// SPDX-License-Identifier: MIT
// The reconnect policy (src/client/reconnect_policy.h): the backoff, its cap,
// the jitter's bounds; then a session on the fake port waiting what it says.
#include "client/reconnect_policy.h"

#include <math.h>

#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"

using namespace consensus;
using namespace clienttest;

TEST_GROUP(reconnect_policy){};

TEST(reconnect_policy, WithoutACapTheIntervalIsFixed) {
    const ReconnectPolicy p = make_reconnect_policy(2000, 0, 0.0f);
    for (uint32_t failures = 1; failures < 40; ++failures) {
        LONGS_EQUAL(2000, reconnect_wait_ms(p, failures, 0xffffffffu));
    }
    // A cap below the interval grows nothing either.
    LONGS_EQUAL(2000, reconnect_wait_ms(make_reconnect_policy(2000, 500, 0.0f), 5, 0));
}

TEST(reconnect_policy, DoublesPerFailureInARowUpToTheCap) {
    const ReconnectPolicy p = make_reconnect_policy(100, 800, 0.0f);
    const uint32_t want[] = {100, 200, 400, 800, 800, 800};
    for (uint32_t i = 0; i < 6; ++i) LONGS_EQUAL(want[i], reconnect_wait_ms(p, i + 1, 0));
    // A cap that is no power-of-two multiple is still the last wait.
    LONGS_EQUAL(700, reconnect_wait_ms(make_reconnect_policy(100, 700, 0.0f), 4, 0));
    // Never wraps: a huge run of failures at the largest cap.
    LONGS_EQUAL(UINT32_MAX, reconnect_wait_ms(make_reconnect_policy(3000000000u, UINT32_MAX, 0.0f),
                                              UINT32_MAX, 0));
}

TEST(reconnect_policy, JitterTakesAtMostItsShare) {
    const ReconnectPolicy half = make_reconnect_policy(1000, 0, 0.5f);
    LONGS_EQUAL(1000, reconnect_wait_ms(half, 1, 0));           // no cut
    LONGS_EQUAL(750, reconnect_wait_ms(half, 1, 0x80000000u));  // half of the share
    LONGS_EQUAL(501, reconnect_wait_ms(half, 1, 0xffffffffu));  // (almost) all of it
    const ReconnectPolicy full = make_reconnect_policy(100, 800, 1.0f);
    uint32_t x = 0x12345678u;
    for (int i = 0; i < 10000; ++i) {
        x = x * 1664525u + 1013904223u;
        const uint32_t failures = x % 8 + 1;
        const uint32_t cap = failures >= 4 ? 800 : 100u << (failures - 1);
        const uint32_t w = reconnect_wait_ms(full, failures, x);
        CHECK(w <= cap);
    }
    LONGS_EQUAL(1, reconnect_wait_ms(full, 1, 0xffffffffu));
}

TEST(reconnect_policy, JitterOutsideZeroToOneIsRefused) {
    CHECK(reconnect_jitter_fault(0.0f) == nullptr);
    CHECK(reconnect_jitter_fault(1.0f) == nullptr);
    CHECK(reconnect_jitter_fault(-0.01f) != nullptr);
    CHECK(reconnect_jitter_fault(1.01f) != nullptr);
    CHECK(reconnect_jitter_fault(nanf("")) != nullptr);
}

// ---- on a session ------------------------------------------------------------

TEST_GROUP(reconnect_backoff) {
    Harness h;
    void teardown() override {
        h.client.deinit();
    }
    // Waits announced by the `reconnecting` events so far.
    std::vector<uint32_t> waits() const {
        std::vector<uint32_t> w;
        for (const Recorded& r : h.events) {
            if (r.type == EventType::reconnecting) w.push_back(r.in_ms);
        }
        return w;
    }
    // Every purchase fails to connect; runs until `n` waits were announced,
    // each one sleeping out exactly its announced wait.
    void fail_purchases(size_t n) {
        for (size_t i = 0; i < n + 1; ++i) h.fp.script_open(CWS_OPEN_CONNECT_FAILED);
        Session s;
        CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
        h.spin();
        while (waits().size() < n) {
            h.fp.advance(waits().back());
            h.spin();
        }
    }
};

TEST(reconnect_backoff, FailuresInARowDoubleTheWaitUpToTheCap) {
    h.options.reconnect_interval_ms = 100;
    h.options.reconnect_max_ms = 800;
    CHECK(h.init() == Error::ok);
    fail_purchases(5);
    const std::vector<uint32_t> want = {100, 200, 400, 800, 800};
    CHECK(waits() == want);
}

TEST(reconnect_backoff, TheDefaultIsTheFixedInterval) {
    CHECK(h.init() == Error::ok);
    fail_purchases(4);
    const std::vector<uint32_t> want = {2000, 2000, 2000, 2000};
    CHECK(waits() == want);
}

TEST(reconnect_backoff, JitterKeepsEveryWaitWithinItsCap) {
    h.options.reconnect_interval_ms = 100;
    h.options.reconnect_max_ms = 800;
    h.options.reconnect_jitter = 1.0f;
    CHECK(h.init() == Error::ok);
    fail_purchases(8);
    const std::vector<uint32_t> caps = {100, 200, 400, 800, 800, 800, 800, 800};
    const std::vector<uint32_t> w = waits();
    bool all_full = true;
    for (size_t i = 0; i < caps.size(); ++i) {
        CHECK(w[i] <= caps[i]);
        all_full = all_full && w[i] == caps[i];
    }
    CHECK_FALSE(all_full);  // the jitter took something
}

TEST(reconnect_backoff, APolicyChangedAtRunTimeAppliesFromTheNextWait) {
    h.options.reconnect_interval_ms = 100;
    CHECK(h.init() == Error::ok);
    fail_purchases(2);
    h.fp.script_open(CWS_OPEN_CONNECT_FAILED);
    h.fp.script_open(CWS_OPEN_CONNECT_FAILED);
    CHECK(h.client.set_reconnect_policy(300, 1200, 0.0f) == Error::ok);
    h.fp.advance(waits().back());
    h.spin();
    h.fp.advance(waits().back());
    h.spin();
    // The run goes on (third and fourth failures): 300 x 4, then the cap.
    const std::vector<uint32_t> want = {100, 100, 1200, 1200};
    CHECK(waits() == want);
    CHECK(h.client.set_reconnect_policy(300, 1200, 2.0f) == Error::invalid_config);
}

TEST(reconnect_backoff, InitRefusesAJitterOutsideZeroToOne) {
    h.options.reconnect_jitter = 1.5f;
    const char* why = "";
    CHECK(h.client.init(h.config, h.options, h.fp.port(), nullptr, 0, &why) ==
          Error::invalid_config);
    h.options.reconnect_jitter = -0.5f;
    CHECK(h.init() == Error::invalid_config);
}
