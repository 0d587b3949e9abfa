// SPDX-License-Identifier: MIT
// secp256k1 through libsecp256k1: addresses of known keys, RFC 6979
// determinism, low s, recovery, and the normalisation of outside signatures.
#include "evm/ecdsa.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/x402_evm.h"
#include "evm/keccak.h"
#include "unit/evm/hex_util.h"

using namespace consensus;
using namespace consensus::evm;

namespace {

// secp256k1's group order n, big-endian.
constexpr char kOrderHex[] = "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141";

struct Context {
    alignas(16) uint8_t room[1024];
    Secp256k1 secp;
    Context() {
        const uint8_t seed[32] = {7};
        CHECK_TRUE(Secp256k1::context_size() <= sizeof room);
        CHECK_TRUE(secp.create(room, seed));
    }
    ~Context() { secp.destroy(); }
};

std::string address_of_key_hex(const char* key_hex) {
    uint8_t key[32];
    CHECK_TRUE(evm_test::unhex(key_hex, key, 32));
    EvmAddress a;
    if (!evm_key_address(key, &a)) return "invalid";
    char text[43];
    evm_address_text(a, text);
    return text;
}

void key_from_u8(uint8_t last, uint8_t key[32]) {
    memset(key, 0, 32);
    key[31] = last;
}

}  // namespace

TEST_GROUP(Ecdsa){};

TEST(Ecdsa, AddressesOfKnownKeys) {
    STRCMP_EQUAL(
        "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf",
        address_of_key_hex("0000000000000000000000000000000000000000000000000000000000000001")
            .c_str());
    STRCMP_EQUAL(
        "0x2B5AD5c4795c026514f8317c7a215E218DcCD6cF",
        address_of_key_hex("0000000000000000000000000000000000000000000000000000000000000002")
            .c_str());
    // The key of web3.js's documentation example.
    STRCMP_EQUAL(
        "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23",
        address_of_key_hex("4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318")
            .c_str());
}

TEST(Ecdsa, ZeroAndOrderAreNotKeys) {
    STRCMP_EQUAL("invalid", address_of_key_hex(
                                "0000000000000000000000000000000000000000000000000000000000000000")
                                .c_str());
    STRCMP_EQUAL("invalid", address_of_key_hex(kOrderHex).c_str());
}

TEST(Ecdsa, SignIsDeterministicLowSAndRecovers) {
    Context c;
    uint8_t key[32];
    key_from_u8(1, key);
    EvmAddress me;
    CHECK_TRUE(c.secp.key_address(key, &me));
    uint8_t order[32];
    CHECK_TRUE(evm_test::unhex(kOrderHex, order, 32));
    bool saw27 = false, saw28 = false;
    for (int i = 0; i < 32; ++i) {
        uint8_t digest[32];
        keccak256(&i, sizeof i, digest);
        uint8_t sig[65], again[65];
        CHECK_TRUE(c.secp.sign(key, digest, sig));
        CHECK_TRUE(c.secp.sign(key, digest, again));
        MEMCMP_EQUAL(sig, again, 65);  // RFC 6979: same key and digest, same bytes
        CHECK_TRUE(sig[64] == 27 || sig[64] == 28);
        saw27 |= sig[64] == 27;
        saw28 |= sig[64] == 28;
        CHECK_TRUE(sig[32] < 0x80);  // s <= n/2: its top bit is clear
        EvmAddress who;
        CHECK_TRUE(c.secp.recover(digest, sig, &who));
        MEMCMP_EQUAL(me.bytes, who.bytes, 20);
    }
    CHECK_TRUE(saw27 && saw28);
}

TEST(Ecdsa, RecoverRefusesHighSBadVAndOtherDigests) {
    Context c;
    uint8_t key[32];
    key_from_u8(2, key);
    EvmAddress me;
    CHECK_TRUE(c.secp.key_address(key, &me));
    uint8_t digest[32] = {1, 2, 3};
    uint8_t sig[65];
    CHECK_TRUE(c.secp.sign(key, digest, sig));

    uint8_t bad[65];
    memcpy(bad, sig, 65);
    bad[64] = 29;
    EvmAddress who;
    CHECK_FALSE(c.secp.recover(digest, bad, &who));

    // The same signature with s' = n - s and the other parity is valid math
    // but not canonical: refused, as the USDC contract refuses it.
    uint8_t order[32];
    CHECK_TRUE(evm_test::unhex(kOrderHex, order, 32));
    memcpy(bad, sig, 65);
    int borrow = 0;
    for (int i = 31; i >= 0; --i) {
        const int d = order[i] - sig[32 + i] - borrow;
        bad[32 + i] = static_cast<uint8_t>(d & 0xff);
        borrow = d < 0;
    }
    bad[64] = static_cast<uint8_t>(sig[64] == 27 ? 28 : 27);
    CHECK_FALSE(c.secp.recover(digest, bad, &who));
    // normalize() brings it back to the signer's own bytes.
    CHECK_TRUE(Secp256k1::normalize(bad));
    MEMCMP_EQUAL(sig, bad, 65);

    // Another digest recovers someone else.
    uint8_t other[32] = {9};
    CHECK_TRUE(c.secp.recover(other, sig, &who));
    CHECK_TRUE(memcmp(me.bytes, who.bytes, 20) != 0);

    // r = 0 does not parse.
    memcpy(bad, sig, 65);
    memset(bad, 0, 32);
    CHECK_FALSE(c.secp.recover(digest, bad, &who));
}

TEST(Ecdsa, NormalizeTakesRecoveryIdsZeroAndOne) {
    Context c;
    uint8_t key[32];
    key_from_u8(3, key);
    uint8_t digest[32] = {4};
    uint8_t sig[65];
    CHECK_TRUE(c.secp.sign(key, digest, sig));
    uint8_t raw[65];
    memcpy(raw, sig, 65);
    raw[64] = static_cast<uint8_t>(sig[64] - 27);
    CHECK_TRUE(Secp256k1::normalize(raw));
    MEMCMP_EQUAL(sig, raw, 65);
    raw[64] = 5;
    CHECK_FALSE(Secp256k1::normalize(raw));
}

TEST(Ecdsa, ParsePrivateKeyText) {
    uint8_t key[32];
    CHECK_TRUE(evm_parse_private_key(
        "  0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n", 69, key));
    CHECK_EQUAL(0x4c, key[0]);
    const char plain[] = "4C0883A69102937D6231471B5DBB6204FE5129617082792AE468D01A3F362318";
    CHECK_TRUE(evm_parse_private_key(plain, sizeof plain - 1, key));
    const char* const bad[] = {
        "",
        "0x",
        "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f36231",    // 63 digits
        "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f3623181",  // 65
        "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f36231g",
        "4c0883a69102937d6231471b5dbb6204 fe5129617082792ae468d01a3f362318",
        "0000000000000000000000000000000000000000000000000000000000000000",
        kOrderHex,
    };
    for (const char* b : bad) {
        memset(key, 0xee, sizeof key);
        CHECK_FALSE(evm_parse_private_key(b, strlen(b), key));
        for (uint8_t byte : key) CHECK_EQUAL(0, byte);  // nothing of a refused key stays
    }
}
