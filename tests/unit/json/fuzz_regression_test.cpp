// SPDX-License-Identifier: MIT
// Inputs found by the libFuzzer targets (tests/fuzz/regressions/<target>/,
// where each file starts with the target's control byte), replayed here so
// the fix stays under the normal unit tier.
#include <string.h>

#include "consensus/events.h"
#include "json/server_message.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"

using namespace consensus;

namespace {

alignas(16) unsigned char g_scratch[4096];

int64_t time_seconds_of(const char* msg) {
    SessionStartInfo start;
    memset(&start, 0x5a, sizeof(start));
    const ServerMessage m =
        parse_server_message(msg, strlen(msg), g_scratch, sizeof(g_scratch), &start, nullptr);
    CHECK(m == ServerMessage::session_start);
    return start.time_seconds;
}

}  // namespace

TEST_GROUP(json_fuzz_regression){};

// regressions/server_message/negative-time-seconds: a negative limit came out
// as-is, indistinguishable from the "absent" marker -1 for -1 itself.
TEST(json_fuzz_regression, NegativeTimeSecondsReadsAsAbsent) {
    LONGS_EQUAL(-1,
                time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":-7}}"));
    LONGS_EQUAL(
        -1, time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":-728.0}}"));
    LONGS_EQUAL(-1,
                time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":-0.5}}"));
}

// regressions/server_message/huge-time-seconds: 1e30 was converted from double
// to int64_t out of range (undefined behaviour, reported by UBSan).
TEST(json_fuzz_regression, TimeSecondsBeyondInt64ReadsAsAbsent) {
    LONGS_EQUAL(-1,
                time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":1e30}}"));
    LONGS_EQUAL(-1,
                time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":-1e30}}"));
    LONGS_EQUAL(-1, time_seconds_of("{\"type\":\"session_start\",\"limits\":"
                                    "{\"timeSeconds\":9223372036854775808}}"));
}

TEST(json_fuzz_regression, TimeSecondsInRangeIsKept) {
    LONGS_EQUAL(0, time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":0}}"));
    LONGS_EQUAL(300,
                time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":300.9}}"));
    LONGS_EQUAL(INT64_MAX, time_seconds_of("{\"type\":\"session_start\",\"limits\":"
                                           "{\"timeSeconds\":9223372036854775807}}"));
    CHECK(time_seconds_of("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":9.2e18}}") ==
          9200000000000000000LL);
}
