// SPDX-License-Identifier: MIT
// EIP-712 hashing: the specification's own Mail example (domain separator
// and digest as published), and the USDC domain.
#include "evm/eip712.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "core/strview.h"
#include "unit/evm/hex_util.h"

using namespace consensus;
using namespace consensus::evm;

namespace {

void keccak_of(const std::string& s, uint8_t out[32]) {
    keccak256(s.data(), s.size(), out);
}

EvmAddress address(const char* text) {
    EvmAddress a{};
    CHECK_TRUE(parse_address(view_of(text), &a));
    return a;
}

// hashStruct(Person) = keccak(typeHash(Person) || keccak(name) || wallet).
void person_hash(const char* name, const char* wallet, uint8_t out[32]) {
    std::string enc(96, '\0');
    uint8_t* p = reinterpret_cast<uint8_t*>(&enc[0]);
    keccak_of("Person(string name,address wallet)", p);
    keccak_of(name, p + 32);
    const EvmAddress w = address(wallet);
    memcpy(p + 64 + 12, w.bytes, 20);
    keccak_of(enc, out);
}

}  // namespace

TEST_GROUP(Eip712){};

// https://eips.ethereum.org/EIPS/eip-712, the example in its "Rationale"
// (Example.js): domain separator 0xf2cee375..., Mail struct hash
// 0xc52c0ee5..., digest 0xbe609aee....
TEST(Eip712, SpecificationMailExample) {
    Eip712Domain d{};
    d.name = view_of("Ether Mail");
    d.version = view_of("1");
    d.chain_id = uint256_from_u64(1);
    d.verifying_contract = address("0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC");
    uint8_t sep[32];
    domain_separator(d, sep);
    STRCMP_EQUAL("f2cee375fa42b42143804025fc449deafd50cc031ca257e0b194a650a912090f",
                 evm_test::hex(sep, 32).c_str());

    std::string enc(128, '\0');
    uint8_t* p = reinterpret_cast<uint8_t*>(&enc[0]);
    keccak_of("Mail(Person from,Person to,string contents)Person(string name,address wallet)", p);
    person_hash("Cow", "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826", p + 32);
    person_hash("Bob", "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB", p + 64);
    keccak_of("Hello, Bob!", p + 96);
    uint8_t mail[32];
    keccak_of(enc, mail);
    STRCMP_EQUAL("c52c0ee5d84264471806290a3f2c4cecfc5490626bf912d01f240d7a274b371e",
                 evm_test::hex(mail, 32).c_str());

    uint8_t digest[32];
    typed_data_digest(sep, mail, digest);
    STRCMP_EQUAL("be609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2",
                 evm_test::hex(digest, 32).c_str());
}

// Every field of the authorization changes the digest.
TEST(Eip712, EveryFieldIsBound) {
    Eip712Domain d{};
    d.name = view_of("USDC");
    d.version = view_of("2");
    d.chain_id = uint256_from_u64(84532);
    d.verifying_contract = kBaseSepoliaUsdc;
    TransferAuthorization a{};
    a.value = uint256_from_u64(7500);
    a.valid_before = uint256_from_u64(1795625609);
    uint8_t base[32], other[32];
    transfer_digest(d, a, base);

    auto differs = [&](const Eip712Domain& d2, const TransferAuthorization& a2) {
        transfer_digest(d2, a2, other);
        return memcmp(base, other, 32) != 0;
    };
    TransferAuthorization a2 = a;
    a2.from.bytes[19] ^= 1;
    CHECK_TRUE(differs(d, a2));
    a2 = a;
    a2.to.bytes[0] ^= 1;
    CHECK_TRUE(differs(d, a2));
    a2 = a;
    a2.value.bytes[31] ^= 1;
    CHECK_TRUE(differs(d, a2));
    a2 = a;
    a2.valid_after = uint256_from_u64(1);
    CHECK_TRUE(differs(d, a2));
    a2 = a;
    a2.valid_before.bytes[31] ^= 1;
    CHECK_TRUE(differs(d, a2));
    a2 = a;
    a2.nonce[31] = 1;
    CHECK_TRUE(differs(d, a2));
    Eip712Domain d2 = d;
    d2.version = view_of("1");
    CHECK_TRUE(differs(d2, a));
    d2 = d;
    d2.chain_id = uint256_from_u64(8453);
    CHECK_TRUE(differs(d2, a));
    d2 = d;
    d2.verifying_contract.bytes[5] ^= 1;
    CHECK_TRUE(differs(d2, a));
    d2 = d;
    d2.name = view_of("USD Coin");
    CHECK_TRUE(differs(d2, a));
}
