// SPDX-License-Identifier: MIT
// CheckedSize: exact while the result fits size_t, SIZE_MAX (and !fits) once
// a step overflows, whatever follows. The values are relative to SIZE_MAX, so
// the same cases run on 32- and 64-bit targets.
#include "core/checked_size.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"

using consensus::CheckedSize;

TEST_GROUP(checked_size){};

TEST(checked_size, ExactWhileItFits) {
    CheckedSize n(3);
    n.add(4).times(5).add(CheckedSize(1)).align_up(16);
    CHECK(n.fits());
    CHECK_EQUAL(48u, n.value());
    CHECK_EQUAL(0u, CheckedSize().value());
    CHECK_EQUAL(SIZE_MAX - 15, CheckedSize(SIZE_MAX - 20).align_up(16).value());
}

TEST(checked_size, TheLargestSumThatFitsIsExact) {
    CheckedSize n(SIZE_MAX - 1);
    n.add(1);
    CHECK(n.fits());
    CHECK_EQUAL(SIZE_MAX, n.value());
}

TEST(checked_size, AdditionPastSizeMaxSaturates) {
    CheckedSize n(SIZE_MAX - 1);
    n.add(2);  // would wrap to 0
    CHECK_FALSE(n.fits());
    CHECK_EQUAL(SIZE_MAX, n.value());
}

TEST(checked_size, MultiplicationPastSizeMaxSaturates) {
    CheckedSize fits(SIZE_MAX / 2);
    fits.times(2);
    CHECK(fits.fits());
    CHECK_EQUAL(SIZE_MAX - 1, fits.value());
    CheckedSize n(SIZE_MAX / 2 + 1);
    n.times(2);  // would wrap to 0
    CHECK_FALSE(n.fits());
    CHECK_EQUAL(SIZE_MAX, n.value());
    CheckedSize zero(SIZE_MAX);
    zero.times(0);
    CHECK(zero.fits());
    CHECK_EQUAL(0u, zero.value());
}

TEST(checked_size, AlignmentPastSizeMaxSaturates) {
    CheckedSize n(SIZE_MAX - 14);
    n.align_up(16);  // (n + 15) & ~15 would wrap to 0
    CHECK_FALSE(n.fits());
    CHECK_EQUAL(SIZE_MAX, n.value());
}

TEST(checked_size, AnOverflowSticksThroughLaterSteps) {
    CheckedSize n(SIZE_MAX);
    n.add(1).add(32).times(1).align_up(16);  // wrapped, this would be 48
    CHECK_FALSE(n.fits());
    CHECK_EQUAL(SIZE_MAX, n.value());
    CheckedSize big(SIZE_MAX);
    big.times(2);
    CheckedSize sum(16);
    sum.add(big);  // an overflowed operand overflows the sum
    CHECK_FALSE(sum.fits());
    CHECK_EQUAL(SIZE_MAX, sum.value());
}
