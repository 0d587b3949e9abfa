// SPDX-License-Identifier: MIT
// encode_payload: the JSON replaced by its base64 in the same buffer, at every
// length, with the buffer as tight as the text allows (cap = its base64
// length): the in-place order must never overwrite a byte not yet read.
#include "evm/payload.h"

#include <mbedtls/base64.h>
#include <string.h>

#include <string>
#include <vector>

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"

using consensus::evm::encode_payload;

namespace {

std::string reference_base64(const std::string& in) {
    std::vector<unsigned char> out(in.size() / 3 * 4 + 8);
    size_t n = 0;
    mbedtls_base64_encode(out.data(), out.size(), &n,
                          reinterpret_cast<const unsigned char*>(in.data()), in.size());
    return std::string(reinterpret_cast<char*>(out.data()), n);
}

}  // namespace

TEST_GROUP(EvmPayload){};

TEST(EvmPayload, InPlaceBase64MatchesMbedTlsAtEveryLength) {
    for (size_t len = 1; len <= 1000; ++len) {
        std::string json(len, '\0');
        for (size_t i = 0; i < len; ++i) json[i] = static_cast<char>((i * 131 + len) & 0xff);
        const std::string expected = reference_base64(json);
        for (size_t slack = 0; slack <= 2; ++slack) {
            const size_t cap = expected.size() + slack;
            std::vector<char> buf(cap + 1, '#');  // one guard byte past cap
            memcpy(buf.data(), json.data(), len);
            const size_t n = encode_payload(buf.data(), len, cap);
            LONGS_EQUAL(expected.size(), n);
            CHECK(std::string(buf.data(), n) == expected);
            for (size_t i = n; i < cap; ++i) LONGS_EQUAL(0, buf[i]);  // the rest wiped
            LONGS_EQUAL('#', buf[cap]);
        }
    }
}
