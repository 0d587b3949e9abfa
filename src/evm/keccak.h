/* SPDX-License-Identifier: MIT */
// Keccak-256 as Ethereum uses it: the original Keccak padding (0x01), not
// NIST SHA3-256's (0x06). Incremental, 200 bytes of state, no allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus {
namespace evm {

constexpr size_t kKeccakDigestBytes = 32;

class Keccak256 {
  public:
    Keccak256() { reset(); }
    void reset();
    void update(const void* data, size_t size);
    /// Writes the digest and resets the state (ready for a new message).
    void finish(uint8_t out[kKeccakDigestBytes]);

  private:
    static constexpr size_t kRate = 136;  // 1600 - 2 x 256 bits, in bytes
    uint64_t lanes_[25];
    size_t used_;  // bytes absorbed into the current block
};

/// One-shot Keccak-256.
void keccak256(const void* data, size_t size, uint8_t out[kKeccakDigestBytes]);

}  // namespace evm
}  // namespace consensus
