// SPDX-License-Identifier: MIT
// Every prefix and many byte mutations of real documents: typed results only,
// never a crash or an out-of-bounds access (run under ASan/UBSan in CI).
#include <stdint.h>
#include <string.h>

#include "CppUTest/TestHarness.h"
#include "consensus/client.h"
#include "json/server_message.h"
#include "json/token_json.h"

using namespace consensus;

namespace {

alignas(16) unsigned char g_scratch[8192];

const char kToken[] =
    "{\"token\":\"05b0fc44-ac7f-4804-84e2-6810d9359f72\",\"connect_url\":\"ws://127.0.0.1:18402/"
    "ws-connect?token=05b0fc44\",\"expires_in\":60,\"x\":[true,false,null,-1.5e-3,{}]}";

const char kStart[] =
    "{\"type\":\"session_start\",\"sessionId\":\"b3d6\",\"model\":\"hybrid\",\"served_by\":"
    "\"local\",\"limits\":{\"timeSeconds\":300,\"dataMB\":50},\"pricing\":{\"totalCost\":0.0075}}";

// xorshift: deterministic pseudo-random mutations.
uint32_t next(uint32_t* s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

}  // namespace

TEST_GROUP(json_robustness){};

TEST(json_robustness, EveryProperPrefixIsRejected) {
    TokenAuth auth;
    size_t len = strlen(kToken);
    CHECK(parse_token_response(kToken, len, g_scratch, sizeof(g_scratch), &auth) == Error::ok);
    for (size_t n = 0; n < len; ++n) {
        CHECK(parse_token_response(kToken, n, g_scratch, sizeof(g_scratch), &auth) ==
              Error::bad_response);
    }
    SessionStartInfo start;
    SessionExpiredInfo expired;
    for (size_t n = 0; n < strlen(kStart); ++n) {
        CHECK(parse_server_message(kStart, n, g_scratch, sizeof(g_scratch), &start, &expired) ==
              ServerMessage::other);
    }
}

TEST(json_robustness, MutatedDocumentsGiveTypedResults) {
    static const char kBytes[] = "{}[]\",:\\u0123456789eE+-.tfn \x01\x7f\xc3\xff";
    char buf[sizeof(kToken)];
    uint32_t seed = 0x2545F491u;
    TokenAuth auth;
    SessionStartInfo start;
    SessionExpiredInfo expired;
    char text[32];
    for (int round = 0; round < 20000; ++round) {
        memcpy(buf, kToken, sizeof(kToken));
        int edits = 1 + static_cast<int>(next(&seed) % 3);
        for (int e = 0; e < edits; ++e) {
            size_t at = next(&seed) % (sizeof(kToken) - 1);
            buf[at] = kBytes[next(&seed) % (sizeof(kBytes) - 1)];
        }
        size_t len = strlen(buf);
        Error err = parse_token_response(buf, len, g_scratch, sizeof(g_scratch), &auth);
        CHECK(err == Error::ok || err == Error::bad_response);
        if (err == Error::ok) {
            CHECK(strlen(auth.token) > 0 && strlen(auth.token) <= kMaxToken);
            CHECK(strlen(auth.connect_url) > 0);
        }
        size_t n = extract_error_text(buf, len, g_scratch, sizeof(g_scratch), text, sizeof(text));
        CHECK(n < sizeof(text) && strlen(text) == n);
        parse_server_message(buf, len, g_scratch, sizeof(g_scratch), &start, &expired);
    }
}
