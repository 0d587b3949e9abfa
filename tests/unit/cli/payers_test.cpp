// SPDX-License-Identifier: MIT
// The demo payer's payload and the `--payer CMD` child processes.
#include <poll.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/payment.h"
#include "demo_payer.h"
#include "payer.h"

using consensus::PaymentChallenge;
using consensus::PaymentDecision;
using consensus::PaymentHeaderOut;
using consensus::PaymentTicket;
using consensus::StrView;
using namespace consensus::cli;

namespace {

StrView sv(const char* s) {
    return StrView{s, strlen(s)};
}

constexpr const char* kAccepted =
    "{\"scheme\":\"exact\",\"network\":\"eip155:84532\",\"amount\":\"7500\",\"asset\":"
    "\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\",\"payTo\":"
    "\"0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE\",\"maxTimeoutSeconds\":300,\"extra\":{"
    "\"name\":\"USDC\",\"version\":\"2\"}}";

PaymentChallenge challenge() {
    PaymentChallenge c;
    c.x402_version = 2;
    c.resource_url = sv("http://127.0.0.1:18402/ws?model=hybrid&minutes=5&megabytes=50");
    c.accepts_count = 1;
    c.accepts[0].scheme = sv("exact");
    c.accepts[0].network = sv("eip155:84532");
    c.accepts[0].amount = sv("7500");
    c.accepts[0].asset = sv("0x036CbD53842c5426634e7929541eC2318f3dCF7e");
    c.accepts[0].pay_to = sv("0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE");
    c.accepts[0].max_timeout_s = 300;
    c.accepts[0].raw = sv(kAccepted);
    return c;
}

int b64_value(char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

// A strict decoder for the test (standard alphabet, padding required).
bool b64_decode(const char* s, size_t n, std::string* out) {
    if (n % 4 != 0) return false;
    out->clear();
    for (size_t i = 0; i < n; i += 4) {
        int v[4];
        int pad = 0;
        for (int k = 0; k < 4; ++k) {
            if (s[i + k] == '=' && i + 4 == n && k >= 2) {
                v[k] = 0;
                ++pad;
                continue;
            }
            if (pad > 0) return false;
            v[k] = b64_value(s[i + k]);
            if (v[k] < 0) return false;
        }
        unsigned w = (unsigned(v[0]) << 18) | (unsigned(v[1]) << 12) | (unsigned(v[2]) << 6) |
                     unsigned(v[3]);
        out->push_back(static_cast<char>(w >> 16));
        if (pad < 2) out->push_back(static_cast<char>((w >> 8) & 255));
        if (pad < 1) out->push_back(static_cast<char>(w & 255));
    }
    return true;
}

struct Done {
    int calls = 0;
    bool paid = false;
    uint32_t ticket = 0;
    std::string header;
};

void on_done(void* user, PaymentTicket ticket, bool paid, const char* header, size_t size) {
    Done* d = static_cast<Done*>(user);
    ++d->calls;
    d->paid = paid;
    d->ticket = ticket.id;
    d->header = paid ? std::string(header, size) : std::string();
}

// Runs the pool until the job finished (poll on its pipes; bounded).
void run_until_done(PayerPool& pool, Done& done) {
    for (int i = 0; i < 2000 && done.calls == 0; ++i) {
        struct pollfd fds[4];
        size_t n = pool.pollfds(fds, 4);
        poll(fds, n, pool.needs_reaping() ? 5 : 100);
        pool.service();
    }
}

}  // namespace

TEST_GROUP(cli_demo_payer){};

TEST(cli_demo_payer, BuildsAWellFormedV2Payload) {
    uint8_t nonce[32];
    for (int i = 0; i < 32; ++i) nonce[i] = static_cast<uint8_t>(i);
    char out[4096];
    size_t n = 0;
    CHECK(build_demo_payment(challenge(), 1000, nonce, out, sizeof out, &n));
    std::string json;
    CHECK(b64_decode(out, n, &json));
    // The signature is 65 bytes of 0xab: build its text explicitly.
    std::string sig;
    for (int i = 0; i < 65; ++i) sig += "ab";
    std::string expect =
        std::string("{\"x402Version\":2,\"payload\":{\"authorization\":{\"from\":\"") +
        kDemoPayerAddress +
        "\",\"to\":\"0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE\",\"value\":\"7500\","
        "\"validAfter\":\"0\",\"validBefore\":\"1300\",\"nonce\":"
        "\"0x000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f\"},"
        "\"signature\":\"0x" +
        sig +
        "\"},\"resource\":{\"url\":\"http://127.0.0.1:18402/ws?model=hybrid&minutes=5&"
        "megabytes=50\"},\"accepted\":" +
        kAccepted + "}";
    STRCMP_EQUAL(expect.c_str(), json.c_str());
}

TEST(cli_demo_payer, RefusesWhatItCannotBuild) {
    uint8_t nonce[32] = {};
    char out[4096];
    size_t n = 0;
    PaymentChallenge c = challenge();
    c.accepts_count = 0;
    CHECK_FALSE(build_demo_payment(c, 0, nonce, out, sizeof out, &n));
    c = challenge();
    c.accepts[0].pay_to = sv("0x\"injected");
    CHECK_FALSE(build_demo_payment(c, 0, nonce, out, sizeof out, &n));
    c = challenge();
    c.accepts[0].amount = sv("");
    CHECK_FALSE(build_demo_payment(c, 0, nonce, out, sizeof out, &n));
    c = challenge();
    c.accepts[0].raw = sv("\"not an object\"");
    CHECK_FALSE(build_demo_payment(c, 0, nonce, out, sizeof out, &n));
    c = challenge();
    CHECK_FALSE(build_demo_payment(c, 0, nonce, out, 100, &n));  // header buffer too small
    std::string huge(5000, 'x');
    huge[0] = '{';
    c.accepts[0].raw = StrView{huge.data(), huge.size()};
    CHECK_FALSE(build_demo_payment(c, 0, nonce, out, sizeof out, &n));  // payload too large
}

TEST(cli_demo_payer, HookPaysAtOnce) {
    char buf[4096];
    PaymentHeaderOut h{buf, sizeof buf, 0};
    CHECK(demo_payment_hook(nullptr, challenge(), PaymentTicket{7}, &h) == PaymentDecision::paid);
    CHECK(h.size > 1000);
    std::string json;
    CHECK(b64_decode(buf, h.size, &json));
    STRCMP_CONTAINS("\"accepted\":{\"scheme\":\"exact\"", json.c_str());
    PaymentHeaderOut small{buf, 10, 0};
    CHECK(demo_payment_hook(nullptr, challenge(), PaymentTicket{7}, &small) ==
          PaymentDecision::refused);
}

TEST_GROUP(cli_payer) {
    PayerJob jobs[2];
    PayerPool pool;
    Done done;
    void start_pool(const char* cmd) {
        pool.init(jobs, 2, cmd, on_done, &done);
    }
    void teardown() override {
        pool.kill_all();
    }
};

TEST(cli_payer, HeaderFromStdoutTrimmed) {
    start_pool("cat >/dev/null; printf '  eyJhIjoxfQ==\\n'");
    CHECK(pool.start("{\"x402Version\":2}", 17, PaymentTicket{42}));
    LONGS_EQUAL(1, pool.active());
    run_until_done(pool, done);
    LONGS_EQUAL(1, done.calls);
    CHECK(done.paid);
    LONGS_EQUAL(42, done.ticket);
    STRCMP_EQUAL("eyJhIjoxfQ==", done.header.c_str());
    LONGS_EQUAL(0, pool.active());
}

TEST(cli_payer, OutputIsWipedOnceHandedOver) {
    start_pool("cat >/dev/null; printf 'eyJzZWNyZXQiOjF9'");
    CHECK(pool.start("{}", 2, PaymentTicket{3}));
    run_until_done(pool, done);
    CHECK(done.paid);
    STRCMP_EQUAL("eyJzZWNyZXQiOjF9", done.header.c_str());
    for (char c : jobs[0].out) {  // the job that ran
        if (c != 0) FAIL("the payer's output stayed in the job buffer");
    }
}

TEST(cli_payer, ChallengeArrivesOnStdin) {
    // The payer echoes its stdin back: the header is exactly the challenge.
    start_pool("cat");
    CHECK(pool.start("challenge-json", 14, PaymentTicket{1}));
    run_until_done(pool, done);
    CHECK(done.paid);
    STRCMP_EQUAL("challenge-json", done.header.c_str());
}

TEST(cli_payer, NonZeroExitIsRefusal) {
    start_pool("printf abc; exit 3");
    CHECK(pool.start("{}", 2, PaymentTicket{5}));
    run_until_done(pool, done);
    LONGS_EQUAL(1, done.calls);
    CHECK_FALSE(done.paid);
    LONGS_EQUAL(5, done.ticket);
}

TEST(cli_payer, EmptyOrUnprintableOutputIsRefusal) {
    start_pool("printf '\\n'");
    CHECK(pool.start("{}", 2, PaymentTicket{1}));
    run_until_done(pool, done);
    CHECK_FALSE(done.paid);
    done = Done{};
    start_pool("printf 'abc\\r\\nX-Evil: 1'");
    CHECK(pool.start("{}", 2, PaymentTicket{2}));
    run_until_done(pool, done);
    LONGS_EQUAL(1, done.calls);
    CHECK_FALSE(done.paid);
}

TEST(cli_payer, OverlongOutputIsRefusal) {
    start_pool("head -c 20000 /dev/zero | tr '\\0' a");
    CHECK(pool.start("{}", 2, PaymentTicket{1}));
    run_until_done(pool, done);
    LONGS_EQUAL(1, done.calls);
    CHECK_FALSE(done.paid);
}

TEST(cli_payer, MissingCommandIsRefusal) {
    start_pool("/nonexistent/payer-binary 2>/dev/null");
    CHECK(pool.start("{}", 2, PaymentTicket{1}));
    run_until_done(pool, done);
    CHECK_FALSE(done.paid);
}

TEST(cli_payer, PoolIsBoundedAndChallengeSizeChecked) {
    start_pool("sleep 5");
    CHECK(pool.start("{}", 2, PaymentTicket{1}));
    CHECK(pool.start("{}", 2, PaymentTicket{2}));
    CHECK_FALSE(pool.start("{}", 2, PaymentTicket{3}));  // both slots busy
    struct pollfd fds[4];
    LONGS_EQUAL(2, pool.pollfds(fds, 4));
    LONGS_EQUAL(1, pool.pollfds(fds, 1));
    pool.kill_all();  // no callback for killed jobs
    LONGS_EQUAL(0, pool.active());
    LONGS_EQUAL(0, done.calls);
    std::string big(kMaxChallengeToPayer + 1, 'x');
    CHECK_FALSE(pool.start(big.data(), big.size(), PaymentTicket{4}));
}

TEST(cli_payer, OutputToHeader) {
    size_t s = 0;
    size_t n = 0;
    CHECK(payer_output_to_header(" ab \r\n", 6, &s, &n));
    LONGS_EQUAL(1, s);
    LONGS_EQUAL(2, n);
    CHECK_FALSE(payer_output_to_header(" \n", 2, &s, &n));
    CHECK_FALSE(
        payer_output_to_header("a\x01"
                               "b",
                               3, &s, &n));
    CHECK_FALSE(payer_output_to_header("caf\xc3\xa9", 5, &s, &n));
}
