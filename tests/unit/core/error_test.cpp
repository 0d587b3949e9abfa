// SPDX-License-Identifier: MIT
#include "consensus/error.h"

#include <string.h>

#include "CppUTest/TestHarness.h"

using consensus::Error;
using consensus::error_name;

TEST_GROUP(error){};

TEST(error, NamesAreStableAndUnique) {
    STRCMP_EQUAL("invalid_params", error_name(Error::invalid_params));
    STRCMP_EQUAL("payment_required", error_name(Error::payment_required));
    STRCMP_EQUAL("token_rejected", error_name(Error::token_rejected));
    STRCMP_EQUAL("would_block", error_name(Error::would_block));
    STRCMP_EQUAL("paid_attempts_exhausted", error_name(Error::paid_attempts_exhausted));
    STRCMP_EQUAL("price_too_high", error_name(Error::price_too_high));
    STRCMP_EQUAL("proxy_failed", error_name(Error::proxy_failed));
    STRCMP_EQUAL("busy", error_name(Error::busy));
    STRCMP_EQUAL("stream_aborted", error_name(Error::stream_aborted));
    constexpr int kLast = static_cast<int>(Error::stream_aborted);
    for (int a = 0; a <= kLast; ++a) {
        const char* na = error_name(static_cast<Error>(a));
        STRCMP_NOCASE_CONTAINS("", na);
        CHECK(strcmp(na, "unknown") != 0);
        for (int b = a + 1; b <= kLast; ++b) {
            CHECK(strcmp(na, error_name(static_cast<Error>(b))) != 0);
        }
    }
}
