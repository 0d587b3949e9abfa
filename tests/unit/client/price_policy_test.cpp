// SPDX-License-Identifier: MIT
// The price policy's arithmetic and filter on their own (client/price_policy.h).
#include "client/price_policy.h"

#include <string.h>

#include "CppUTest/TestHarness.h"

using namespace consensus;

namespace {

StrView sv(const char* s) {
    return StrView{s, strlen(s)};
}

PaymentChallenge challenge_of(const char* const* amounts, size_t n) {
    PaymentChallenge ch;
    for (size_t i = 0; i < n; ++i) {
        ch.accepts[i].amount = sv(amounts[i]);
        ch.accepts[i].network = sv(i == 0 ? "a" : i == 1 ? "b" : i == 2 ? "c" : "d");
    }
    ch.accepts_count = n;
    return ch;
}

}  // namespace

TEST_GROUP(price){};

TEST(price, AmountUnits) {
    LONGS_EQUAL(7500, amount_units(sv("7500")));
    LONGS_EQUAL(0, amount_units(sv("0")));
    CHECK(amount_units(sv("18446744073709551615")) == UINT64_MAX - 0);
    CHECK(amount_units(sv("18446744073709551616")) == UINT64_MAX);  // does not fit
    CHECK(amount_units(sv("1000000000000000000000000")) == UINT64_MAX);
    CHECK(amount_units(sv("")) == UINT64_MAX);
    CHECK(amount_units(sv("12a")) == UINT64_MAX);
}

TEST(price, AllowedAmount) {
    LONGS_EQUAL(7500, allowed_amount(7500, 0));
    LONGS_EQUAL(7508, allowed_amount(7500, 1000));      // 0.1 %: 7.5 -> 8 (rounded up)
    LONGS_EQUAL(15000, allowed_amount(7500, 1000000));  // 100 %
    LONGS_EQUAL(3000000000000ull, allowed_amount(1000000000000ull, 2000000));
    CHECK(allowed_amount(UINT64_MAX - 1, 1000) == UINT64_MAX);  // saturates
    CHECK(allowed_amount(UINT64_MAX / 2, UINT32_MAX) == UINT64_MAX);
}

TEST(price, KeepsWhatIsAffordableInOrder) {
    const char* const amounts[] = {"9000", "7500", "1000000000000", "7000"};
    PaymentChallenge ch = challenge_of(amounts, 4);
    const PriceCheck c = keep_affordable(&ch, 7500);
    LONGS_EQUAL(2, c.kept);
    LONGS_EQUAL(2, ch.accepts_count);
    LONGS_EQUAL(7500, c.highest_kept);
    LONGS_EQUAL(7000, c.lowest_asked);
    STRNCMP_EQUAL("b", ch.accepts[0].network.data, 1);
    STRNCMP_EQUAL("d", ch.accepts[1].network.data, 1);
}

TEST(price, NothingAffordable) {
    const char* const amounts[] = {"1000000000000", "99999999999999999999999"};
    PaymentChallenge ch = challenge_of(amounts, 2);
    const PriceCheck c = keep_affordable(&ch, 7500);
    LONGS_EQUAL(0, c.kept);
    LONGS_EQUAL(0, ch.accepts_count);
    CHECK(c.lowest_asked == 1000000000000ull);
}
