/* SPDX-License-Identifier: MIT */
// secp256k1 ECDSA the Ethereum way, over libsecp256k1 (constant-time, RFC
// 6979 nonces, low s). The context lives in caller memory: no malloc.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/x402_evm.h"

struct secp256k1_context_struct;

namespace consensus {
namespace evm {

constexpr size_t kPrivateKeyBytes = 32;
constexpr size_t kSignatureBytes = 65;  // r || s || v

/// A libsecp256k1 context in caller memory (context_size() bytes, 16-aligned).
class Secp256k1 {
  public:
    static size_t context_size();
    /// Creates the context in `memory` and blinds it with `seed` (32 random
    /// bytes; side-channel hardening of key operations; nullptr = no
    /// blinding, for one-off public computations). False when the seed is
    /// refused.
    bool create(void* memory, const uint8_t seed[32]);
    void destroy();
    bool ready() const { return ctx_ != nullptr; }

    /// 0 < key < n.
    bool key_valid(const uint8_t key[kPrivateKeyBytes]) const;
    /// keccak256(uncompressed public key)[12..32].
    bool key_address(const uint8_t key[kPrivateKeyBytes], EvmAddress* out) const;
    /// RFC 6979 deterministic, low s; sig = r || s || v with v = 27 + recid.
    bool sign(const uint8_t key[kPrivateKeyBytes], const uint8_t digest[32],
              uint8_t sig[kSignatureBytes]) const;
    /// ecrecover: the address whose key made sig over digest. Refuses
    /// v outside {27, 28, 0, 1}, r or s out of range, and high s (as the
    /// USDC contract's signature check does).
    bool recover(const uint8_t digest[32], const uint8_t sig[kSignatureBytes],
                 EvmAddress* out) const;
    /// Brings an outside signer's signature to the canonical form: v 27/28,
    /// low s (flipping the recovery id with it). False when it does not parse.
    static bool normalize(uint8_t sig[kSignatureBytes]);

  private:
    secp256k1_context_struct* ctx_ = nullptr;
};

/// Writes the address of a public key in its 64-byte x || y form.
void address_of_public_key(const uint8_t xy[64], EvmAddress* out);

}  // namespace evm
}  // namespace consensus
