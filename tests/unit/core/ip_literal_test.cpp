// SPDX-License-Identifier: MIT
// core/ip_literal: the strict IPv4 / IPv6 text-to-bytes parser the TLS layer
// uses to match an IP host against iPAddress subjectAltName entries.
#include "core/ip_literal.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "core/strview.h"

using consensus::IpAddress;
using consensus::parse_ip_literal;
using consensus::view_of;

namespace {

struct Valid {
    const char* text;
    uint8_t len;
    uint8_t bytes[16];
};

const Valid kValid[] = {
    {"127.0.0.1", 4, {127, 0, 0, 1}},
    {"0.0.0.0", 4, {0, 0, 0, 0}},
    {"255.255.255.255", 4, {255, 255, 255, 255}},
    {"192.0.2.10", 4, {192, 0, 2, 10}},
    {"10.200.0.99", 4, {10, 200, 0, 99}},
    {"::1", 16, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}},
    {"::", 16, {0}},
    {"1::", 16, {0, 1}},
    {"2001:db8::8:800:200c:417a",
     16,
     {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0, 0x20, 0x0c, 0x41, 0x7a}},
    {"2001:DB8:0:0:8:800:200C:417A",
     16,
     {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0x08, 0x08, 0, 0x20, 0x0c, 0x41, 0x7a}},
    {"fe80::1:2", 16, {0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 2}},
    {"0001:0002:0003:0004:0005:0006:0007:0008",
     16,
     {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
    {"1:2:3:4:5:6:7::", 16, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 0}},
    {"::2:3:4:5:6:7:8", 16, {0, 0, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 0, 7, 0, 8}},
    {"1:2:3::6:7:8", 16, {0, 1, 0, 2, 0, 3, 0, 0, 0, 0, 0, 6, 0, 7, 0, 8}},
    {"ffff:FFFF:abcd:ABCD:0:0:0:0",
     16,
     {0xff, 0xff, 0xff, 0xff, 0xab, 0xcd, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0}},
    // Embedded IPv4 in the last 32 bits.
    {"::ffff:192.0.2.1", 16, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 192, 0, 2, 1}},
    {"::127.0.0.1", 16, {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 127, 0, 0, 1}},
    {"1:2:3:4:5:6:1.2.3.4", 16, {0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 1, 2, 3, 4}},
    {"64:ff9b::10.0.0.1", 16, {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 10, 0, 0, 1}},
};

const char* const kInvalid[] = {
    "",
    // IPv4: short, long, out of range, leading zeros (octal to inet_aton),
    // hex, signs, spaces, empty parts, trailing dot.
    "127.1",
    "127.0.1",
    "1.2.3.4.5",
    "256.0.0.1",
    "1.2.3.256",
    "999.1.1.1",
    "1000.1.1.1",
    "01.2.3.4",
    "1.2.3.04",
    "010.0.0.1",
    "00.0.0.0",
    "0x7f.0.0.1",
    "127.0.0.0x1",
    "+1.2.3.4",
    "-1.2.3.4",
    " 1.2.3.4",
    "1.2.3.4 ",
    "1..2.3",
    ".1.2.3",
    "1.2.3.",
    "1.2.3.4.",
    "localhost",
    "example.com",
    "1.2.3.a",
    "2130706433",  // 127.0.0.1 as one number
    // IPv6: colons in the wrong places, two "::", too many or too few groups,
    // long groups, non-hex, zone ids, brackets, prefixes.
    ":",
    ":::",
    ":1",
    "1:",
    ":1::",
    "::1:",
    "1::2:",
    "1:::2",
    "1::2::3",
    "::1::",
    "1:2:3:4:5:6:7",
    "1:2:3:4:5:6:7:8:9",
    "1:2:3:4:5:6:7:8::",
    "::1:2:3:4:5:6:7:8",
    "1:2:3:4::5:6:7:8",
    "00001::",
    "12345::1",
    "g::1",
    "::1g",
    "fe80::1%eth0",
    "fe80::1%1",
    "[::1]",
    "::1/128",
    " ::1",
    "::1 ",
    // IPv6 with an embedded IPv4 that is not the last 32 bits, or bad.
    "::1.2.3.4:5",
    "1.2.3.4::",
    "::ffff:1.2.3",
    "::ffff:256.1.1.1",
    "::ffff:01.2.3.4",
    "1:2:3:4:5:6:7:1.2.3.4",
    "1:2:3:4:5:6::1.2.3.4",
    "::ffff:1.2.3.4.5",
};

std::string hex(const uint8_t* b, size_t n) {
    static const char kDigits[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < n; ++i) {
        out += kDigits[b[i] >> 4];
        out += kDigits[b[i] & 15];
    }
    return out;
}

}  // namespace

TEST_GROUP(IpLiteral){};

TEST(IpLiteral, ValidFormsGiveTheirBytes) {
    for (const Valid& v : kValid) {
        IpAddress ip;
        memset(&ip, 0xee, sizeof ip);
        CHECK_TEXT(parse_ip_literal(view_of(v.text), &ip), v.text);
        LONGS_EQUAL_TEXT(v.len, ip.len, v.text);
        STRCMP_EQUAL_TEXT(hex(v.bytes, v.len).c_str(), hex(ip.bytes, ip.len).c_str(), v.text);
    }
}

TEST(IpLiteral, InvalidFormsAreRefusedAndLeaveTheOutputAlone) {
    for (const char* text : kInvalid) {
        IpAddress ip;
        memset(&ip, 0xee, sizeof ip);
        CHECK_FALSE_TEXT(parse_ip_literal(view_of(text), &ip), text);
        LONGS_EQUAL_TEXT(0xee, ip.len, text);
        LONGS_EQUAL_TEXT(0xee, ip.bytes[0], text);
    }
}

TEST(IpLiteral, OnlyTheViewIsRead) {
    // "127.0.0.1" is the first 9 bytes; what follows is not looked at.
    const char text[] = "127.0.0.12";
    IpAddress ip;
    CHECK_TRUE(parse_ip_literal(consensus::make_view(text, 9), &ip));
    LONGS_EQUAL(1, ip.bytes[3]);
    const char v6[] = "::1234";
    CHECK_TRUE(parse_ip_literal(consensus::make_view(v6, 5), &ip));
    LONGS_EQUAL(0x01, ip.bytes[14]);
    LONGS_EQUAL(0x23, ip.bytes[15]);
}

TEST(IpLiteral, EmbeddedNulIsRefused) {
    const char text[] = "127.0.0.1\0";
    IpAddress ip;
    CHECK_FALSE(parse_ip_literal(consensus::make_view(text, sizeof text - 1), &ip));
}

TEST(IpLiteral, NullArgumentsAreRefused) {
    IpAddress ip;
    CHECK_FALSE(parse_ip_literal(consensus::StrView{}, &ip));
    CHECK_FALSE(parse_ip_literal(view_of("::1"), nullptr));
}
