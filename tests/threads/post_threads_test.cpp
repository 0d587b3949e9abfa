// SPDX-License-Identifier: MIT
// Client::post and Client::wake from real threads while the loop runs on the
// test's thread: every message arrives exactly once and in each producer's
// order, a full ring is would_block and loses nothing, and wake() ends a
// long poll() at once. Run under ThreadSanitizer by scripts/test-all.
#include <stdio.h>
#include <string.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "common/client_block.h"
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

constexpr int kProducers = 4;

// "<producer>:<n>" as text.
std::string message_of(int producer, int n) {
    return std::to_string(producer) + ":" + std::to_string(n);
}

// The text messages a stream carried after its upgrade request, in order.
std::vector<std::string> texts_sent(const std::string& sent) {
    std::vector<std::string> out;
    const size_t body = sent.find("\r\n\r\n");
    if (body == std::string::npos) return out;
    for (const wstest::ClientFrame& f : client_frames(sent.substr(body + 4))) {
        if (f.opcode == 0x1) out.emplace_back(f.payload.begin(), f.payload.end());
    }
    return out;
}

// Splits "<p>:<n>"; false when it is not one of ours.
bool parse(const std::string& m, int* producer, int* n) {
    const size_t colon = m.find(':');
    if (colon == std::string::npos) return false;
    *producer = std::stoi(m.substr(0, colon));
    *n = std::stoi(m.substr(colon + 1));
    return *producer >= 0 && *producer < kProducers;
}

}  // namespace

TEST_GROUP(post_threads) {
    Harness h;
    Session s;

    void setup() override {
        h.config.max_sessions = 1;
        h.config.max_requests = 0;
        h.config.post_slots = 16;
        h.config.post_slot_bytes = 32;
        CHECK(h.init() == Error::ok);
        h.fp.stream(0).push(response(200, "OK", token_body("t1")));
        h.fp.stream(0).push_eof();
        CHECK(h.client.open_session(TokenParams(), h.session_options(), &s) == Error::ok);
        h.spin();
        FakeStream& ws = h.fp.stream(1);
        ws.push(switching_protocols(ws.sent()) + frame(0x1, kSessionStart));
        h.spin();
        CHECK(s.state() == SessionState::open);
    }
    void teardown() override {
        h.client.deinit();
    }
};

// Four producers post 2,000 messages each through a 16-slot ring while the
// loop polls: each retries would_block until its message is taken. The
// session receives all 8,000, each once, each producer's in its order.
TEST(post_threads, EveryMessageArrivesOnceInEachProducersOrder) {
    constexpr int kEach = 2000;
    std::atomic<int> running{kProducers};
    std::atomic<long> full{0};
    std::vector<std::thread> producers;
    const Session target = s;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            for (int n = 0; n < kEach; ++n) {
                const std::string m = message_of(p, n);
                for (;;) {
                    const Error e = h.client.post_text(target, m.data(), m.size());
                    if (e == Error::ok) break;
                    if (e != Error::would_block) return;  // counted as missing below
                    full.fetch_add(1, std::memory_order_relaxed);
                    std::this_thread::yield();
                }
            }
            running.fetch_sub(1, std::memory_order_release);
        });
    }
    FakeStream& ws = h.fp.stream(1);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < deadline) {
        const bool done = running.load(std::memory_order_acquire) == 0;
        h.client.poll(0);
        if (done && texts_sent(ws.sent()).size() >= size_t{kProducers} * kEach) break;
    }
    for (std::thread& t : producers) t.join();
    h.spin(4);
    const std::vector<std::string> sent = texts_sent(ws.sent());
    LONGS_EQUAL(size_t{kProducers} * kEach, sent.size());
    int next[kProducers] = {};
    for (const std::string& m : sent) {
        int p = -1;
        int n = -1;
        CHECK_TRUE(parse(m, &p, &n));
        LONGS_EQUAL(next[p], n);  // once each, in order
        ++next[p];
    }
    for (int p = 0; p < kProducers; ++p) LONGS_EQUAL(kEach, next[p]);
    LONGS_EQUAL(0, h.client.posts_dropped());
    // Wakes coalesce: at most one per message, usually far fewer.
    CHECK(h.fp.wake_calls.load() <= kProducers * kEach);
    printf("\n  %ld would_block retries, %d wakes for %d messages\n", full.load(),
           h.fp.wake_calls.load(), kProducers * kEach);
}

// The loop does not run while four producers post until the ring is full:
// together they get exactly post_slots oks, and every later post is
// would_block. The loop then sends exactly the accepted messages.
TEST(post_threads, AFullRingIsWouldBlockAndLosesNothing) {
    std::atomic<int> accepted{0};
    std::vector<std::vector<int>> taken(kProducers);
    std::vector<std::thread> producers;
    const Session target = s;
    for (int p = 0; p < kProducers; ++p) {
        producers.emplace_back([&, p] {
            int refusals = 0;
            for (int n = 0; refusals < 50; ++n) {
                const std::string m = message_of(p, n);
                const Error e = h.client.post_text(target, m.data(), m.size());
                if (e == Error::ok) {
                    taken[p].push_back(n);
                    accepted.fetch_add(1);
                } else if (e == Error::would_block) {
                    ++refusals;  // nothing frees a slot: stays full
                } else {
                    return;
                }
            }
        });
    }
    for (std::thread& t : producers) t.join();
    LONGS_EQUAL(h.config.post_slots, accepted.load());
    h.spin(2);
    const std::vector<std::string> sent = texts_sent(h.fp.stream(1).sent());
    LONGS_EQUAL(h.config.post_slots, sent.size());
    std::vector<size_t> seen(kProducers, 0);
    for (const std::string& m : sent) {
        int p = -1;
        int n = -1;
        CHECK_TRUE(parse(m, &p, &n));
        CHECK(seen[p] < taken[p].size());
        LONGS_EQUAL(taken[p][seen[p]], n);
        ++seen[p];
    }
    // Room again.
    CHECK_ERR(Error::ok, h.client.post_text(s, "again", 5));
}

// wake() from another thread ends a poll() that would sleep 10 s, on the
// POSIX port (its eventfd); without it the poll sleeps its whole timeout.
TEST_GROUP(wake_threads) {
    itest::ClientBlock block;
    Config config;
    ClientOptions options;

    static PaymentDecision no_pay(void*, const PaymentChallenge&, PaymentTicket,
                                  PaymentHeaderOut*) {
        return PaymentDecision::refused;
    }
    void setup() override {
        config.max_sessions = 1;
        config.max_requests = 0;
        options.server_url = "http://127.0.0.1:9";
        options.payment_hook = no_pay;
        CHECK(block.allocate(config, 2));
        CHECK(block.init(config, options) == Error::ok);
    }
};

TEST(wake_threads, WakeFromAnotherThreadEndsALongPoll) {
    Client& client = block.client();
    for (int round = 0; round < 3; ++round) {
        std::atomic<bool> polling{false};
        std::atomic<bool> woke{false};
        std::thread waker([&] {
            while (!polling.load()) std::this_thread::yield();
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
            woke.store(client.wake());
        });
        const auto t0 = std::chrono::steady_clock::now();
        polling.store(true);
        client.poll(10000);
        const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::steady_clock::now() - t0)
                            .count();
        waker.join();
        CHECK_TRUE(woke.load());
        CHECK(ms < 2000);
    }
    // The wake was consumed: a poll without one sleeps its timeout.
    const auto t0 = std::chrono::steady_clock::now();
    client.poll(100);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(ms >= 90);
}

// A wake that comes before the poll is not lost: the poll returns at once.
TEST(wake_threads, AWakeBeforeThePollIsKept) {
    Client& client = block.client();
    std::atomic<bool> woke{false};
    std::thread waker([&] { woke.store(client.wake()); });
    waker.join();
    CHECK_TRUE(woke.load());
    const auto t0 = std::chrono::steady_clock::now();
    client.poll(10000);
    const auto ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
            .count();
    CHECK(ms < 2000);
}
