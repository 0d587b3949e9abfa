// SPDX-License-Identifier: MIT
#include "core/utf8.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"

using consensus::utf8_encode;
using consensus::utf8_lead_length;
using consensus::utf8_sequence_length;
using consensus::utf8_valid;
using consensus::Utf8Validator;

namespace {

bool valid(const std::string& s) {
    return utf8_valid(reinterpret_cast<const uint8_t*>(s.data()), s.size());
}

// Feeds s split at every position into two pieces; all must agree with `expect`.
void check_all_splits(const std::string& s, bool expect) {
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    for (size_t cut = 0; cut <= s.size(); ++cut) {
        Utf8Validator v;
        v.reset();
        const bool ok = v.feed(p, cut) && v.feed(p + cut, s.size() - cut) && v.complete();
        CHECK_EQUAL(expect, ok);
    }
}

}  // namespace

TEST_GROUP(utf8){};

TEST(utf8, AcceptsValidText) {
    CHECK_TRUE(valid(""));
    CHECK_TRUE(valid("plain ascii, long enough to take the 8-byte path {\"a\":1}"));
    CHECK_TRUE(valid("\xC2\x80"));          // U+0080
    CHECK_TRUE(valid("\xDF\xBF"));          // U+07FF
    CHECK_TRUE(valid("\xE0\xA0\x80"));      // U+0800
    CHECK_TRUE(valid("\xE2\x82\xAC"));      // euro sign
    CHECK_TRUE(valid("\xED\x9F\xBF"));      // U+D7FF, just below surrogates
    CHECK_TRUE(valid("\xEE\x80\x80"));      // U+E000
    CHECK_TRUE(valid("\xEF\xBF\xBF"));      // U+FFFF
    CHECK_TRUE(valid("\xF0\x90\x80\x80"));  // U+10000
    CHECK_TRUE(valid("\xF4\x8F\xBF\xBF"));  // U+10FFFF
    CHECK_TRUE(valid("Hello-\xC2\xB5@\xC3\x9F\xC3\xB6\xC3\xA4\xC3\xBC\xC3\xA0\xC3\xA1-UTF-8!!"));
}

TEST(utf8, RefusesInvalidText) {
    CHECK_FALSE(valid("\x80"));  // lone continuation
    CHECK_FALSE(valid("\xBF"));
    CHECK_FALSE(valid("\xC0\x80"));          // overlong NUL
    CHECK_FALSE(valid("\xC1\xBF"));          // overlong
    CHECK_FALSE(valid("\xE0\x9F\xBF"));      // overlong 3-byte
    CHECK_FALSE(valid("\xED\xA0\x80"));      // surrogate U+D800
    CHECK_FALSE(valid("\xED\xBF\xBF"));      // surrogate U+DFFF
    CHECK_FALSE(valid("\xF0\x8F\xBF\xBF"));  // overlong 4-byte
    CHECK_FALSE(valid("\xF4\x90\x80\x80"));  // above U+10FFFF
    CHECK_FALSE(valid("\xF5\x80\x80\x80"));
    CHECK_FALSE(valid("\xFF"));
    CHECK_FALSE(valid("\xFE"));
    CHECK_FALSE(valid("\xC2"));      // truncated
    CHECK_FALSE(valid("\xE2\x82"));  // truncated
    CHECK_FALSE(valid("\xC2\x41"));  // continuation missing
    CHECK_FALSE(valid("abcdefghijklmnop\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xED\xA0\x80"));
}

TEST(utf8, SplitsAnywhere) {
    check_all_splits(
        "\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5 kosme \xF0\x9F\x98\x80 0123456789", true);
    check_all_splits("\xCE\xBA\xE1\xBD\xB9\xCF\x83\xCE\xBC\xCE\xB5\xF4\x90\x80\x80 edited", false);
    check_all_splits("0123456789abcdef\xE2\x82", false);
}

TEST(utf8, FailureIsStickyUntilReset) {
    Utf8Validator v;
    v.reset();
    const uint8_t bad[] = {0xFF};
    const uint8_t good[] = {'a'};
    CHECK_FALSE(v.feed(bad, 1));
    CHECK_FALSE(v.feed(good, 1));
    CHECK_FALSE(v.complete());
    v.reset();
    CHECK_TRUE(v.feed(good, 1));
    CHECK_TRUE(v.complete());
}

TEST(utf8, OneByteAtATime) {
    const std::string s = "\xF0\x9F\x98\x80\xE2\x82\xAC\xC3\xA9xyz";
    Utf8Validator v;
    v.reset();
    for (size_t i = 0; i < s.size(); ++i) {
        CHECK_TRUE(v.feed(reinterpret_cast<const uint8_t*>(s.data()) + i, 1));
        // Open exactly while inside a sequence.
        const bool boundary = i == 3 || i == 6 || i >= 8;
        CHECK_EQUAL(boundary, v.complete());
    }
}

TEST_GROUP(utf8_helpers){};

TEST(utf8_helpers, SequenceLengthOfOneValidSequence) {
    const uint8_t two[] = {0xc3, 0xa9};
    LONGS_EQUAL(2, utf8_sequence_length(two, 2));
    LONGS_EQUAL(0, utf8_sequence_length(two, 1));  // cut inside
    LONGS_EQUAL(0, utf8_sequence_length(two, 0));
    const uint8_t ascii[] = {'a', 0xc3};
    LONGS_EQUAL(1, utf8_sequence_length(ascii, 2));
    const uint8_t four[] = {0xf0, 0x9f, 0x98, 0x80};  // U+1F600
    LONGS_EQUAL(4, utf8_sequence_length(four, 4));
    const uint8_t bad[][4] = {
        {0x80, 0, 0, 0},           // a continuation byte as lead
        {0xc0, 0xaf, 0, 0},        // overlong '/'
        {0xed, 0xa0, 0x80, 0},     // a surrogate
        {0xf4, 0x90, 0x80, 0x80},  // above U+10FFFF
        {0xf8, 0x88, 0x80, 0x80},  // no such lead
        {0xe2, 0x28, 0xa1, 0},     // a bad continuation
    };
    for (const auto& b : bad) LONGS_EQUAL(0, utf8_sequence_length(b, 4));
}

TEST(utf8_helpers, LeadLengthClaimsWithoutChecking) {
    LONGS_EQUAL(1, utf8_lead_length('a'));
    LONGS_EQUAL(1, utf8_lead_length(0x80));
    LONGS_EQUAL(2, utf8_lead_length(0xc0));
    LONGS_EQUAL(3, utf8_lead_length(0xe2));
    LONGS_EQUAL(4, utf8_lead_length(0xf4));
    LONGS_EQUAL(1, utf8_lead_length(0xf8));
}

TEST(utf8_helpers, EncodeRoundTripsThroughTheValidator) {
    const uint32_t cps[] = {0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x10ffff};
    const size_t lens[] = {1, 1, 2, 2, 3, 3, 3, 3, 4, 4};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; ++i) {
        char buf[4];
        const size_t n = utf8_encode(cps[i], buf);
        LONGS_EQUAL(lens[i], n);
        LONGS_EQUAL(n, utf8_sequence_length(reinterpret_cast<const uint8_t*>(buf), n));
    }
    char euro[4];
    LONGS_EQUAL(3, utf8_encode(0x20ac, euro));
    MEMCMP_EQUAL("\xe2\x82\xac", euro, 3);
}
