// SPDX-License-Identifier: MIT
// Keccak-256 against published digests (the Ethereum convention: Keccak's
// original padding). The viem-computed vectors of other lengths, across the
// 136-byte block boundary, are in vectors_test.cpp.
#include "evm/keccak.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "unit/evm/hex_util.h"

using namespace consensus::evm;

namespace {

std::string keccak_hex(const std::string& s) {
    uint8_t d[kKeccakDigestBytes];
    keccak256(s.data(), s.size(), d);
    return evm_test::hex(d, sizeof d);
}

}  // namespace

TEST_GROUP(Keccak){};

TEST(Keccak, EmptyInput) {
    STRCMP_EQUAL("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470",
                 keccak_hex("").c_str());
}

TEST(Keccak, Abc) {
    STRCMP_EQUAL("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
                 keccak_hex("abc").c_str());
}

TEST(Keccak, QuickBrownFox) {
    STRCMP_EQUAL("4d741b6f1eb29cb2a9b9911c82f56fa8d73b04959d3d9d222895df6c0b28aa15",
                 keccak_hex("The quick brown fox jumps over the lazy dog").c_str());
}

// The EIP-712 type hash every EIP-3009 token publishes as
// TRANSFER_WITH_AUTHORIZATION_TYPEHASH.
TEST(Keccak, TransferWithAuthorizationTypeHash) {
    STRCMP_EQUAL("7c7c6cdb67a18743f49ec6fa9b35f50d52ed05cbed4cc592e13b44501c1a2267",
                 keccak_hex("TransferWithAuthorization(address from,address to,uint256 value,"
                            "uint256 validAfter,uint256 validBefore,bytes32 nonce)")
                     .c_str());
}

TEST(Keccak, IncrementalEqualsOneShotAcrossBlocks) {
    std::string msg;
    for (int i = 0; i < 1000; ++i) msg.push_back(static_cast<char>(i * 7 + 3));
    const std::string whole = keccak_hex(msg);
    for (size_t step : {1u, 7u, 135u, 136u, 137u, 500u}) {
        Keccak256 k;
        for (size_t at = 0; at < msg.size(); at += step) {
            k.update(msg.data() + at, msg.size() - at < step ? msg.size() - at : step);
        }
        uint8_t d[kKeccakDigestBytes];
        k.finish(d);
        STRCMP_EQUAL(whole.c_str(), evm_test::hex(d, sizeof d).c_str());
    }
}

TEST(Keccak, FinishResetsForTheNextMessage) {
    Keccak256 k;
    k.update("junk", 4);
    uint8_t d[kKeccakDigestBytes];
    k.finish(d);
    k.update("abc", 3);
    k.finish(d);
    STRCMP_EQUAL("4e03657aea45a94fc7d47ba826c8d667c0d1e6e33a64a036ec44f58fa12d6c45",
                 evm_test::hex(d, sizeof d).c_str());
}
