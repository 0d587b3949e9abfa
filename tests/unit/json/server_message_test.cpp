// SPDX-License-Identifier: MIT
#include "json/server_message.h"

#include <string.h>

#include "CppUTest/TestHarness.h"
#include "consensus/events.h"
#include "unit/http/vectors.h"

using namespace consensus;

namespace {

alignas(16) unsigned char g_scratch[16 * 1024];
char g_text[1 << 16];

}  // namespace

TEST_GROUP(server_message) {
    SessionStartInfo start;
    SessionExpiredInfo expired;
    void setup() override {
        memset(&start, 0x5a, sizeof(start));
        memset(static_cast<void*>(&expired), 0x5a, sizeof(expired));
    }
    ServerMessage parse(const char* s) {
        return parse_server_message(s, strlen(s), g_scratch, sizeof(g_scratch), &start, &expired);
    }
};

TEST(server_message, SessionStartVector) {
    size_t len = vectors::read("ws-session-start.json", g_text, sizeof(g_text));
    CHECK(len > 0);
    CHECK(parse_server_message(g_text, len, g_scratch, sizeof(g_scratch), &start, &expired) ==
          ServerMessage::session_start);
    STRCMP_EQUAL("b3d6a786-8589-4355-b848-8012da9958c6", start.session_id);
    STRCMP_EQUAL("local", start.served_by);
    STRCMP_EQUAL("hybrid", start.model);
    LONGS_EQUAL(300, start.time_seconds);
    DOUBLES_EQUAL(50.0, start.data_mb, 0.0);
    DOUBLES_EQUAL(0.0075, start.total_cost, 1e-15);
    DOUBLES_EQUAL(0.0005, start.price_per_minute, 0.0);
    DOUBLES_EQUAL(0.0001, start.price_per_mb, 0.0);
}

TEST(server_message, TimeExpiryFrames) {
    CHECK(
        parse("{\"type\":\"session_start\",\"sessionId\":\"6dc8\",\"model\":\"time\",\"served_by\":"
              "\"local\",\"limits\":{\"timeSeconds\":1,\"dataMB\":2.5},\"pricing\":{"
              "\"totalCost\":0.001,\"pricePerMinute\":0.001,\"pricePerMB\":0}}") ==
        ServerMessage::session_start);
    LONGS_EQUAL(1, start.time_seconds);
    DOUBLES_EQUAL(2.5, start.data_mb, 0.0);
    DOUBLES_EQUAL(0.0, start.price_per_mb, 0.0);
    CHECK(parse("{\"type\":\"session_expired\",\"reason\":\"time_limit_reached\",\"finalUsage\":{"
                "\"durationMinutes\":0.0167,\"dataMB\":0}}") == ServerMessage::session_expired);
    CHECK(expired.reason == ExpiryReason::time_limit_reached);
    LONGS_EQUAL(18, expired.reason_text.size);
    STRNCMP_EQUAL("time_limit_reached", expired.reason_text.data, 18);
    DOUBLES_EQUAL(0.0167, expired.duration_minutes, 1e-15);
    DOUBLES_EQUAL(0.0, expired.data_mb, 0.0);
}

TEST(server_message, DataExpiry) {
    CHECK(parse("{\"type\":\"session_expired\",\"reason\":\"data_limit_reached\",\"finalUsage\":{"
                "\"durationMinutes\":0.0005166666666666667,\"dataMB\":1.46484375}}") ==
          ServerMessage::session_expired);
    CHECK(expired.reason == ExpiryReason::data_limit_reached);
    DOUBLES_EQUAL(0.0005166666666666667, expired.duration_minutes, 1e-18);
    DOUBLES_EQUAL(1.46484375, expired.data_mb, 0.0);
    CHECK(parse("{\"reason\":\"admin\",\"type\":\"session_expired\"}") ==
          ServerMessage::session_expired);
    CHECK(expired.reason == ExpiryReason::other);
    DOUBLES_EQUAL(-1.0, expired.duration_minutes, 0.0);
    DOUBLES_EQUAL(-1.0, expired.data_mb, 0.0);
    CHECK(parse("{\"type\":\"session_expired\"}") == ServerMessage::session_expired);
    LONGS_EQUAL(0, expired.reason_text.size);
    CHECK(expired.reason == ExpiryReason::other);
}

TEST(server_message, MissingAndOddFields) {
    CHECK(parse("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":\"300\"},\"pricing\":"
                "[],\"tunnel\":{\"x\":1},\"model\":\"a-very-long-model\"}") ==
          ServerMessage::session_start);
    STRCMP_EQUAL("", start.session_id);
    STRCMP_EQUAL("", start.served_by);
    STRCMP_EQUAL("a-very-", start.model);  // cut at its bound
    LONGS_EQUAL(-1, start.time_seconds);
    DOUBLES_EQUAL(-1.0, start.data_mb, 0.0);
    DOUBLES_EQUAL(-1.0, start.total_cost, 0.0);
    CHECK(parse("{\"type\":\"session_start\",\"limits\":{\"timeSeconds\":90.5,\"dataMB\":-2e1}}") ==
          ServerMessage::session_start);
    LONGS_EQUAL(90, start.time_seconds);
    DOUBLES_EQUAL(-20.0, start.data_mb, 0.0);
}

TEST(server_message, LongSessionIdIsCut) {
    char msg[512];
    char id[200];
    memset(id, 'i', sizeof(id) - 1);
    id[sizeof(id) - 1] = '\0';
    snprintf(msg, sizeof(msg), "{\"type\":\"session_start\",\"sessionId\":\"%s\"}", id);
    CHECK(parse(msg) == ServerMessage::session_start);
    LONGS_EQUAL(kMaxSessionId, strlen(start.session_id));
}

TEST(server_message, OtherMessages) {
    const char* other[] = {
        "Echo: hello",
        "",
        "{}",
        "[\"session_start\"]",
        "{\"type\":\"session_starting\"}",
        "{\"type\":\"Session_Start\"}",
        "{\"type\":1}",
        "{\"kind\":\"session_start\"}",
        "{\"id\":\"1\",\"status\":200,\"body\":\"{\\\"type\\\":\\\"session_start\\\"}\"}",
        "{\"type\":\"session_start\"",
        "{\"type\":\"session_start\",}",
    };
    SessionStartInfo before = start;
    for (const char* o : other) CHECK_TEXT(parse(o) == ServerMessage::other, o);
    CHECK(memcmp(&before, &start, sizeof(start)) == 0);  // untouched
}

TEST(server_message, NullTargetsAndSmallScratch) {
    const char* m = "{\"type\":\"session_start\",\"sessionId\":\"s\"}";
    CHECK(parse_server_message(m, strlen(m), g_scratch, sizeof(g_scratch), nullptr, nullptr) ==
          ServerMessage::session_start);
    CHECK(parse_server_message(m, strlen(m), g_scratch, 8, &start, &expired) ==
          ServerMessage::other);
}
