// SPDX-License-Identifier: MIT
// Rng: CTR-DRBG seeded from the port's random(); deterministic with the fake.
#include "core/rng.h"

#include <string.h>

#include <set>
#include <string>

#include "CppUTest/TestHarness.h"
#include "common/check_err.h"
#include "fakes/fake_port.h"

using consensus::Error;
using consensus::Rng;
using consensus::fake::FakePort;

TEST_GROUP(Rng) {
    FakePort fp1;
    FakePort fp2;
    Rng a;
    Rng b;
};

TEST(Rng, InitDrawsFromThePort) {
    CHECK_FALSE(a.ready());
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    CHECK_TRUE(a.ready());
    CHECK_TRUE(fp1.random_calls >= 1);
}

TEST(Rng, FailingPortRandomIsInvalidConfig) {
    fp1.random_fails = true;
    CHECK_ERR(Error::invalid_config, a.init(fp1.port()));
    CHECK_FALSE(a.ready());
}

TEST(Rng, PortWithoutOpsIsInvalidConfig) {
    cws_port none{nullptr, nullptr};
    CHECK_ERR(Error::invalid_config, a.init(none));
}

TEST(Rng, FillBeforeInitIsInvalidConfigAndZero) {
    uint8_t buf[8];
    memset(buf, 0xaa, sizeof buf);
    CHECK_ERR(Error::invalid_config, a.fill(buf, sizeof buf));
    for (uint8_t v : buf) CHECK_EQUAL(0, v);
    unsigned char out[4];
    CHECK(Rng::mbedtls_rng(&a, out, sizeof out) != 0);
    CHECK(Rng::mbedtls_rng(nullptr, out, sizeof out) != 0);
}

TEST(Rng, SameSeedSameOutput) {
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    CHECK_ERR(Error::ok, b.init(fp2.port()));
    uint8_t x[100];
    uint8_t y[100];
    CHECK_ERR(Error::ok, a.fill(x, sizeof x));
    CHECK_ERR(Error::ok, b.fill(y, sizeof y));
    MEMCMP_EQUAL(x, y, sizeof x);
}

TEST(Rng, DifferentSeedDifferentOutput) {
    fp2.random_next = 77;
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    CHECK_ERR(Error::ok, b.init(fp2.port()));
    uint8_t x[32];
    uint8_t y[32];
    a.fill(x, sizeof x);
    b.fill(y, sizeof y);
    CHECK(memcmp(x, y, sizeof x) != 0);
}

TEST(Rng, SmallFillsComeFromThePool) {
    // 16 masks of 4 bytes are the same DRBG block as one 64-byte draw.
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    CHECK_ERR(Error::ok, b.init(fp2.port()));
    uint8_t whole[Rng::kPoolBytes];
    uint8_t pieces[Rng::kPoolBytes];
    CHECK_ERR(Error::ok, a.fill(whole, sizeof whole));
    for (size_t i = 0; i < sizeof pieces; i += 4) CHECK_ERR(Error::ok, b.fill(pieces + i, 4));
    MEMCMP_EQUAL(whole, pieces, sizeof whole);
}

TEST(Rng, MasksDoNotRepeat) {
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    std::set<uint32_t> seen;
    for (int i = 0; i < 1000; ++i) {
        uint8_t m[4];
        CHECK_ERR(Error::ok, a.fill(m, sizeof m));
        uint32_t v;
        memcpy(&v, m, sizeof v);
        seen.insert(v);
    }
    // 1000 draws from 2^32: a collision has probability ~1e-4.
    CHECK_TRUE(seen.size() >= 999);
}

TEST(Rng, LargeFillCrossesDrbgRequestLimit) {
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    static uint8_t big[3000];
    memset(big, 0, sizeof big);
    uint8_t head[3];
    CHECK_ERR(Error::ok, a.fill(head, sizeof head));  // leaves a partial pool
    CHECK_ERR(Error::ok, a.fill(big, sizeof big));
    CHECK(memcmp(big, big + 1024, 1024) != 0);
    CHECK(memcmp(big + 1024, big + 2048, 952) != 0);
    size_t zeros = 0;
    for (uint8_t v : big) zeros += v == 0 ? 1 : 0;
    CHECK_TRUE(zeros < 60);  // ~12 expected
}

TEST(Rng, MbedtlsCallbackDraws) {
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    unsigned char x[32];
    unsigned char y[32];
    CHECK_EQUAL(0, Rng::mbedtls_rng(&a, x, sizeof x));
    CHECK_EQUAL(0, Rng::mbedtls_rng(&a, y, sizeof y));
    CHECK(memcmp(x, y, sizeof x) != 0);
}

TEST(Rng, ZeroLengthFillIsOk) {
    CHECK_ERR(Error::ok, a.fill(nullptr, 0));
}

TEST(Rng, DeinitMakesItUnready) {
    CHECK_ERR(Error::ok, a.init(fp1.port()));
    a.deinit();
    CHECK_FALSE(a.ready());
    a.deinit();
    uint8_t m[4];
    CHECK_ERR(Error::invalid_config, a.fill(m, sizeof m));
}
