// SPDX-License-Identifier: MIT
#include "json/token_json.h"

#include <stdint.h>
#include <string.h>

#include "CppUTest/TestHarness.h"
#include "consensus/client.h"
#include "json/json.h"
#include "unit/http/vectors.h"

using namespace consensus;

namespace {

alignas(16) unsigned char g_scratch[64 * 1024];
char g_text[1 << 16];

Error parse(const char* body, TokenAuth* out) {
    return parse_token_response(body, strlen(body), g_scratch, sizeof(g_scratch), out);
}

}  // namespace

TEST_GROUP(token_json) {
    TokenAuth auth;
    void setup() override {
        memset(&auth, 0x5a, sizeof(auth));
        auth.obtained_ms = 1234;
        auth.has_params = true;
        auth.model = Model::time;
        auth.minutes = 7;
        auth.megabytes = 8;
        strcpy(auth.node_region, "keep");
    }
    void check_untouched() {
        LONGS_EQUAL(1234, auth.obtained_ms);
        CHECK(auth.has_params);
        CHECK(auth.model == Model::time);
        LONGS_EQUAL(7, auth.minutes);
        LONGS_EQUAL(8, auth.megabytes);
        STRCMP_EQUAL("keep", auth.node_region);
    }
    void expect(Error e, const char* body) {
        CHECK_TEXT(parse(body, &auth) == e, body);
        if (e != Error::ok) {
            STRCMP_EQUAL("", auth.token);
            STRCMP_EQUAL("", auth.connect_url);
        }
        check_untouched();
    }
};

TEST(token_json, Paid200Vector) {
    size_t len = vectors::read("paid-200.http", g_text, sizeof(g_text));
    CHECK(len > 0);
    size_t at = vectors::body_offset(g_text);
    CHECK(parse_token_response(g_text + at, len - at, g_scratch, sizeof(g_scratch), &auth) ==
          Error::ok);
    STRCMP_EQUAL("05b0fc44-ac7f-4804-84e2-6810d9359f72", auth.token);
    STRCMP_EQUAL("ws://127.0.0.1:18402/ws-connect?token=05b0fc44-ac7f-4804-84e2-6810d9359f72",
                 auth.connect_url);
    LONGS_EQUAL(60, auth.expires_in_s);
    check_untouched();
}

TEST(token_json, UnknownFieldsIgnoredAndDefaultExpiry) {
    expect(Error::ok,
           " {\"extra\":{\"a\":[1,2,{\"b\":null}]},\"connect_url\":\"wss://h/ws-connect?token=t\","
           "\"token\":\"t\",\"n\":-1.5e3,\"x\":true,\"x\":false}\r\n");
    STRCMP_EQUAL("t", auth.token);
    STRCMP_EQUAL("wss://h/ws-connect?token=t", auth.connect_url);
    LONGS_EQUAL(kDefaultExpiresIn, auth.expires_in_s);
}

TEST(token_json, EscapesAreDecoded) {
    expect(Error::ok,
           "{\"token\":\"a\\\"b\\\\c\\/d\\be\\ff\\ng\\rh\\ti\",\"connect_url\":\"ws:\\/\\/h\\/x\","
           "\"expires_in\":0}");
    STRCMP_EQUAL("a\"b\\c/d\be\ff\ng\rh\ti", auth.token);
    STRCMP_EQUAL("ws://h/x", auth.connect_url);
    LONGS_EQUAL(0, auth.expires_in_s);
}

TEST(token_json, UnicodeEscapesToUtf8) {
    expect(Error::ok,
           "{\"token\":\"\\u0041\\u00e9\\u00E9\\u20ac\\ud83d\\ude00\\uD83D\\uDE00z\","
           "\"connect_url\":\"u\"}");
    STRCMP_EQUAL("A\xc3\xa9\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xf0\x9f\x98\x80z", auth.token);
    expect(Error::ok, "{\"token\":\"caf\xc3\xa9\",\"connect_url\":\"u\"}");  // raw UTF-8 kept
    STRCMP_EQUAL("caf\xc3\xa9", auth.token);
}

TEST(token_json, BadEscapes) {
    expect(Error::bad_response, "{\"token\":\"\\ud83d\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"\\ud83dx\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"\\ud83d\\u0041\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"\\ude00\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"a\\u0000b\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"\\x41\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"\\u12g4\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"\\u12\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"a\tb\",\"connect_url\":\"u\"}");  // raw control
}

TEST(token_json, WrongTypesAndMissingFields) {
    expect(Error::bad_response, "{\"token\":12345,\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"t\",\"connect_url\":7}");
    expect(Error::bad_response, "{\"token\":null,\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":[\"t\"],\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"t\"}");
    expect(Error::bad_response, "{\"token\":\"\",\"connect_url\":\"u\"}");
    expect(Error::bad_response, "{\"token\":\"t\",\"connect_url\":\"\"}");
    expect(Error::bad_response, "{}");
    expect(Error::bad_response, "{\"data\":{\"token\":\"t\",\"connect_url\":\"u\"}}");
}

TEST(token_json, ExpiresInRules) {
    expect(Error::ok, "{\"token\":\"t\",\"connect_url\":\"u\",\"expires_in\":4294967295}");
    LONGS_EQUAL(4294967295u, auth.expires_in_s);
    const char* bad[] = {"-1",   "1.5",    "60.0",
                         "6e1",  "\"60\"", "4294967296",
                         "null", "true",   "99999999999999999999999"};
    for (const char* b : bad) {
        char body[128];
        snprintf(body, sizeof(body), "{\"token\":\"t\",\"connect_url\":\"u\",\"expires_in\":%s}",
                 b);
        expect(Error::bad_response, body);
    }
}

TEST(token_json, DuplicateKeysAreRejected) {
    expect(Error::bad_response, "{\"token\":\"a\",\"connect_url\":\"u\",\"token\":\"b\"}");
    expect(Error::bad_response, "{\"token\":\"a\",\"connect_url\":\"u\",\"connect_url\":\"v\"}");
    expect(Error::bad_response,
           "{\"token\":\"a\",\"connect_url\":\"u\",\"expires_in\":1,"
           "\"expires_in\":2}");
    // The same key spelled with an escape is still the same key.
    expect(Error::bad_response, "{\"token\":\"a\",\"connect_url\":\"u\",\"tok\\u0065n\":\"b\"}");
}

TEST(token_json, LengthBounds) {
    char token[kMaxToken + 2];
    memset(token, 'k', sizeof(token));
    token[kMaxToken] = '\0';
    char body[2048];
    snprintf(body, sizeof(body), "{\"token\":\"%s\",\"connect_url\":\"u\"}", token);
    expect(Error::ok, body);
    LONGS_EQUAL(kMaxToken, strlen(auth.token));
    token[kMaxToken] = 'k';
    token[kMaxToken + 1] = '\0';
    snprintf(body, sizeof(body), "{\"token\":\"%s\",\"connect_url\":\"u\"}", token);
    expect(Error::message_too_large, body);

    char url[kMaxUrl + 2];
    memset(url, 'u', sizeof(url));
    url[kMaxUrl] = '\0';
    snprintf(body, sizeof(body), "{\"token\":\"t\",\"connect_url\":\"%s\"}", url);
    expect(Error::ok, body);
    LONGS_EQUAL(kMaxUrl, strlen(auth.connect_url));
    url[kMaxUrl] = 'u';
    url[kMaxUrl + 1] = '\0';
    snprintf(body, sizeof(body), "{\"token\":\"t\",\"connect_url\":\"%s\"}", url);
    expect(Error::message_too_large, body);

    // 43 euro signs: 258 escaped bytes, 129 decoded bytes.
    char* p = body + sprintf(body, "{\"connect_url\":\"u\",\"token\":\"");
    for (int i = 0; i < 43; ++i) p += sprintf(p, "\\u20ac");
    sprintf(p, "\"}");
    expect(Error::message_too_large, body);
}

TEST(token_json, NotJson) {
    const char* bad[] = {
        "",
        "   ",
        "null",
        "[1]",
        "\"token\"",
        "42",
        "{\"token\":\"t\",\"connect_url\":\"u\"",
        "{\"token\":\"t\",\"connect_url\":\"u",
        "{\"token\":\"t\",\"connect_url\":\"u\"} x",
        "{\"token\":\"t\",\"connect_url\":\"u\"}{}",
        "{\"token\":\"t\" \"connect_url\":\"u\"}",
        "{\"token\":\"t\",,\"connect_url\":\"u\"}",
        "{\"token\":\"t\",\"connect_url\":\"u\",}",
        "{,\"token\":\"t\",\"connect_url\":\"u\"}",
        "{\"token\" \"t\",\"connect_url\":\"u\"}",
        "{\"token\"::\"t\",\"connect_url\":\"u\"}",
        "{token:\"t\",\"connect_url\":\"u\"}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":tru}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":01}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":-}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":1.}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":[1,,2]}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":[1 2]}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":[1,]}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":{\"a\"}}",
        "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":{\"a\":1:2}}",
        "<html>502 Bad Gateway</html>",
    };
    for (const char* b : bad) expect(Error::bad_response, b);
    const char nul[] = "{\"token\":\"t\",\"connect_url\":\"u\",\"x\":\"\0\"}";
    CHECK(parse_token_response(nul, sizeof(nul) - 1, g_scratch, sizeof(g_scratch), &auth) ==
          Error::bad_response);  // a NUL byte inside the body
}

TEST(token_json, DeepNesting) {
    static char body[8192];
    char* p = body + sprintf(body, "{\"deep\":");
    for (int i = 0; i < 1000; ++i) *p++ = '[';
    for (int i = 0; i < 1000; ++i) *p++ = ']';
    sprintf(p, ",\"token\":\"t\",\"connect_url\":\"u\"}");
    expect(Error::ok, body);
    // Too few tokens for the nesting: a typed error, not a crash.
    CHECK(parse_token_response(body, strlen(body), g_scratch, 500 * sizeof(jsmntok_t), &auth) ==
          Error::message_too_large);
    body[strlen(body) - 1] = '\0';  // truncated
    expect(Error::bad_response, body);
}

TEST(token_json, ScratchHandling) {
    const char* body = "{\"token\":\"t\",\"connect_url\":\"u\",\"expires_in\":5}";
    CHECK(parse_token_response(body, strlen(body), g_scratch, 0, &auth) ==
          Error::message_too_large);
    CHECK(parse_token_response(body, strlen(body), nullptr, 4096, &auth) ==
          Error::message_too_large);
    CHECK(parse_token_response(body, strlen(body), g_scratch, 6 * sizeof(jsmntok_t), &auth) ==
          Error::message_too_large);  // needs 7 tokens
    // Any alignment works: the token array is aligned inside the area.
    for (size_t off = 1; off < 8; ++off) {
        CHECK(parse_token_response(body, strlen(body), g_scratch + off, 7 * sizeof(jsmntok_t) + 8,
                                   &auth) == Error::ok);
        LONGS_EQUAL(5, auth.expires_in_s);
    }
    CHECK(parse_token_response(body, strlen(body), g_scratch, sizeof(g_scratch), nullptr) ==
          Error::bad_response);
}

TEST_GROUP(error_text) {
    char out[64];
    size_t extract(const char* body, size_t cap) {
        return extract_error_text(body, strlen(body), g_scratch, sizeof(g_scratch), out, cap);
    }
};

TEST(error_text, MessageThenError) {
    LONGS_EQUAL(1, extract("{\"error\":\"e\",\"message\":\"m\"}", sizeof(out)));
    STRCMP_EQUAL("m", out);
    LONGS_EQUAL(1, extract("{\"error\":\"e\",\"message\":{\"m\":1}}", sizeof(out)));
    STRCMP_EQUAL("e", out);
    LONGS_EQUAL(7, extract("{\"message\":\"a\\\"b\\u00e9\\n\\t\"}", sizeof(out)));
    STRCMP_EQUAL("a\"b\xc3\xa9\n\t", out);
}

TEST(error_text, ServerVectors) {
    size_t len = vectors::read("500-negative-price.http", g_text, sizeof(g_text));
    size_t at = vectors::body_offset(g_text);
    LONGS_EQUAL(21, extract_error_text(g_text + at, len - at, g_scratch, sizeof(g_scratch), out,
                                       sizeof(out)));
    STRCMP_EQUAL("Internal Server Error", out);
    len = vectors::read("502-facilitator-bad-json.http", g_text, sizeof(g_text));
    at = vectors::body_offset(g_text);
    CHECK(extract_error_text(g_text + at, len - at, g_scratch, sizeof(g_scratch), out,
                             sizeof(out)) > 0);
    STRCMP_CONTAINS("Facilitator verify returned invalid JSON", out);
    char small[16];  // display text is cut, not an error
    LONGS_EQUAL(15, extract_error_text(g_text + at, len - at, g_scratch, sizeof(g_scratch), small,
                                       sizeof(small)));
    STRCMP_EQUAL("Facilitator ver", small);
}

TEST(error_text, NoneOrNotJson) {
    strcpy(out, "junk");
    LONGS_EQUAL(0, extract("{}", sizeof(out)));
    STRCMP_EQUAL("", out);
    LONGS_EQUAL(0, extract("{\"message\":3,\"error\":null}", sizeof(out)));
    LONGS_EQUAL(0, extract("Payment required", sizeof(out)));
    LONGS_EQUAL(0, extract("", sizeof(out)));
    LONGS_EQUAL(0, extract("{\"message\":\"\\ud800\"}", sizeof(out)));
    STRCMP_EQUAL("", out);
    LONGS_EQUAL(0, extract("{\"message\":\"x\"}", 0));
    LONGS_EQUAL(0, extract_error_text("{}", 2, g_scratch, sizeof(g_scratch), nullptr, 10));
}

TEST(error_text, CutOnCharacterBoundary) {
    LONGS_EQUAL(3, extract("{\"message\":\"abcdef\"}", 4));
    STRCMP_EQUAL("abc", out);
    LONGS_EQUAL(1, extract("{\"message\":\"a\\u20acb\"}", 4));  // the euro sign needs 3 bytes
    STRCMP_EQUAL("a", out);
    LONGS_EQUAL(1, extract("{\"message\":\"a\xe2\x82\xac\"}", 3));  // raw UTF-8 too
    STRCMP_EQUAL("a", out);
    LONGS_EQUAL(0, extract("{\"message\":\"abc\"}", 1));
    STRCMP_EQUAL("", out);
}
