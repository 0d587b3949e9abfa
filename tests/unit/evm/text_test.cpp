// SPDX-License-Identifier: MIT
// Addresses (EIP-55), uint256 decimals and CAIP-2 networks: the parsers a
// hostile 402 meets first.
#include <string.h>

#include "CppUTest/TestHarness.h"
#include "core/strview.h"
#include "evm/evm_text.h"
#include "unit/evm/hex_util.h"

using namespace consensus;
using namespace consensus::evm;

namespace {

std::string checksummed(const char* text) {
    EvmAddress a;
    if (!parse_address(view_of(text), &a)) return "unparsed";
    char out[kAddressTextLen + 1] = {};
    address_text(a, out);
    return out;
}

bool parses_u256(const char* text, Uint256* v) {
    return parse_uint256(view_of(text), v);
}

}  // namespace

TEST_GROUP(EvmText){};

// The examples of the EIP-55 specification.
TEST(EvmText, Eip55SpecExamplesRoundTrip) {
    const char* const examples[] = {
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed", "0xfB6916095ca1df60bB79Ce92cE3Ea74c37c5d359",
        "0xdbF03B407c01E7cD3CBea99509d93f8DDDC8C6FB", "0xD1220A0cf47c7B9Be7A2E6BA89F429762e7b9aDb"};
    for (const char* e : examples) {
        STRCMP_EQUAL(e, checksummed(e).c_str());
        std::string lower = e;
        for (char& c : lower) c = ascii_lower(c);
        lower[1] = 'x';
        STRCMP_EQUAL(e, checksummed(lower.c_str()).c_str());
    }
}

TEST(EvmText, MixedCaseWithABadChecksumIsRefused) {
    EvmAddress a;
    // One letter of a valid checksummed address flipped.
    CHECK_FALSE(parse_address(view_of("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeD"), &a));
    CHECK_TRUE(parse_address(view_of("0x5AAEB6053F3E94C9B9A09F33669435E7EF1BEAED"), &a));
}

TEST(EvmText, MalformedAddressesAreRefused) {
    EvmAddress a;
    const char* const bad[] = {"",
                               "0x",
                               "5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                               "0X5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed",
                               "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe",
                               "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAedd",
                               "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAeg",
                               " 0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAe"};
    for (const char* b : bad) CHECK_FALSE(parse_address(view_of(b), &a));
}

TEST(EvmText, Uint256CanonicalDecimalsOnly) {
    Uint256 v;
    CHECK_TRUE(parses_u256("0", &v));
    CHECK_TRUE(uint256_is_zero(v));
    CHECK_TRUE(parses_u256("7500", &v));
    uint64_t x = 0;
    CHECK_TRUE(uint256_to_u64(v, &x));
    CHECK_EQUAL(7500u, x);
    CHECK_TRUE(parses_u256(
        "115792089237316195423570985008687907853269984665640564039457584007913129639935", &v));
    for (uint8_t b : v.bytes) CHECK_EQUAL(0xff, b);
    CHECK_FALSE(uint256_to_u64(v, &x));
    // 2^256 overflows; leading zeros, signs, spaces, exponents and hex are refused.
    CHECK_FALSE(parses_u256(
        "115792089237316195423570985008687907853269984665640564039457584007913129639936", &v));
    const char* const bad[] = {"", "07500", "00", "-1", "+1", " 1", "1 ", "1e3", "0x10", "1.0"};
    for (const char* b : bad) CHECK_FALSE(parses_u256(b, &v));
}

TEST(EvmText, Uint64RoundTrip) {
    uint64_t x = 0;
    CHECK_TRUE(uint256_to_u64(uint256_from_u64(UINT64_MAX), &x));
    CHECK_TRUE(x == UINT64_MAX);
    Uint256 v;
    CHECK_TRUE(parses_u256("18446744073709551616", &v));  // 2^64
    CHECK_FALSE(uint256_to_u64(v, &x));
}

TEST(EvmText, Eip155Networks) {
    Uint256 id;
    CHECK_TRUE(parse_eip155_network(view_of("eip155:84532"), &id));
    uint64_t x = 0;
    CHECK_TRUE(uint256_to_u64(id, &x));
    CHECK_EQUAL(84532u, x);
    const char* const bad[] = {"eip155:",
                               "eip155:0",
                               "eip155:084532",
                               "eip155:-1",
                               "solana:5eykt4UsFv8P8NJdTREpY1vzqKqZKvdp",
                               "EIP155:1",
                               "eip155"};
    for (const char* b : bad) CHECK_FALSE(parse_eip155_network(view_of(b), &id));
}

TEST(EvmText, HexDecodeRefusesNonHex) {
    uint8_t out[2];
    CHECK_TRUE(hex_decode("aBcD", 2, out));
    CHECK_EQUAL(0xab, out[0]);
    CHECK_EQUAL(0xcd, out[1]);
    CHECK_FALSE(hex_decode("ab g", 2, out));
}
