// SPDX-License-Identifier: MIT
// Keccak-f[1600] (FIPS 202, section 3) with Keccak's original padding. Bytes
// enter the lanes little-endian whatever the host's byte order.
#include "evm/keccak.h"

#include "core/wipe.h"

namespace consensus {
namespace evm {

namespace {

constexpr int kRounds = 24;

constexpr uint64_t kRoundConstants[kRounds] = {
    0x0000000000000001ull, 0x0000000000008082ull, 0x800000000000808Aull, 0x8000000080008000ull,
    0x000000000000808Bull, 0x0000000080000001ull, 0x8000000080008081ull, 0x8000000000008009ull,
    0x000000000000008Aull, 0x0000000000000088ull, 0x0000000080008009ull, 0x000000008000000Aull,
    0x000000008000808Bull, 0x800000000000008Bull, 0x8000000000008089ull, 0x8000000000008003ull,
    0x8000000000008002ull, 0x8000000000000080ull, 0x000000000000800Aull, 0x800000008000000Aull,
    0x8000000080008081ull, 0x8000000000008080ull, 0x0000000080000001ull, 0x8000000080008008ull,
};

// rho offsets and pi destinations, walked along the pi permutation's cycle
// that starts at lane 1.
constexpr int kRho[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                          27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
constexpr int kPi[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                         15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

inline uint64_t rotl(uint64_t x, int n) {
    return (x << n) | (x >> (64 - n));
}

void permute(uint64_t a[25]) {
    for (int round = 0; round < kRounds; ++round) {
        uint64_t c[5];
        for (int x = 0; x < 5; ++x) c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        for (int x = 0; x < 5; ++x) {  // theta
            uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
            for (int y = 0; y < 25; y += 5) a[y + x] ^= d;
        }
        uint64_t carry = a[1];  // rho and pi together
        for (int i = 0; i < 24; ++i) {
            uint64_t next = a[kPi[i]];
            a[kPi[i]] = rotl(carry, kRho[i]);
            carry = next;
        }
        for (int y = 0; y < 25; y += 5) {  // chi
            uint64_t row[5] = {a[y], a[y + 1], a[y + 2], a[y + 3], a[y + 4]};
            for (int x = 0; x < 5; ++x) a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
        }
        a[0] ^= kRoundConstants[round];  // iota
    }
}

inline void xor_byte(uint64_t lanes[25], size_t pos, uint8_t b) {
    lanes[pos / 8] ^= static_cast<uint64_t>(b) << (8 * (pos % 8));
}

}  // namespace

void Keccak256::reset() {
    for (uint64_t& lane : lanes_) lane = 0;
    used_ = 0;
}

void Keccak256::update(const void* data, size_t size) {
    const uint8_t* p = static_cast<const uint8_t*>(data);
    for (size_t i = 0; i < size; ++i) {
        xor_byte(lanes_, used_, p[i]);
        if (++used_ == kRate) {
            permute(lanes_);
            used_ = 0;
        }
    }
}

void Keccak256::finish(uint8_t out[kKeccakDigestBytes]) {
    xor_byte(lanes_, used_, 0x01);
    xor_byte(lanes_, kRate - 1, 0x80);
    permute(lanes_);
    for (size_t i = 0; i < kKeccakDigestBytes; ++i) {
        out[i] = static_cast<uint8_t>(lanes_[i / 8] >> (8 * (i % 8)));
    }
    wipe(lanes_, sizeof lanes_);  // the state held whatever was hashed (keys, for an address)
    used_ = 0;
}

void keccak256(const void* data, size_t size, uint8_t out[kKeccakDigestBytes]) {
    Keccak256 k;
    k.update(data, size);
    k.finish(out);
}

}  // namespace evm
}  // namespace consensus
