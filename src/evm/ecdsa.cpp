// SPDX-License-Identifier: MIT
#include "evm/ecdsa.h"

#include <secp256k1.h>
#include <secp256k1_preallocated.h>
#include <secp256k1_recovery.h>
#include <string.h>

#include "core/wipe.h"
#include "evm/keccak.h"

namespace consensus {
namespace evm {

namespace {

constexpr uint8_t kEthereumV = 27;  // v = 27 + recovery id
constexpr size_t kCompactBytes = 64;

// Splits v into a recovery id; Ethereum signers write 27/28, some 0/1.
bool recovery_id(uint8_t v, int* recid) {
    if (v == kEthereumV || v == kEthereumV + 1) {
        *recid = v - kEthereumV;
        return true;
    }
    if (v <= 1) {
        *recid = v;
        return true;
    }
    return false;
}

}  // namespace

size_t Secp256k1::context_size() {
    return secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE);
}

bool Secp256k1::create(void* memory, const uint8_t seed[32]) {
    ctx_ = secp256k1_context_preallocated_create(memory, SECP256K1_CONTEXT_NONE);
    if (ctx_ == nullptr) return false;
    if (seed != nullptr && secp256k1_context_randomize(ctx_, seed) != 1) {
        destroy();
        return false;
    }
    return true;
}

void Secp256k1::destroy() {
    if (ctx_ == nullptr) return;
    secp256k1_context_preallocated_destroy(ctx_);
    ctx_ = nullptr;
}

bool Secp256k1::key_valid(const uint8_t key[kPrivateKeyBytes]) const {
    return secp256k1_ec_seckey_verify(ctx_, key) == 1;
}

void address_of_public_key(const uint8_t xy[64], EvmAddress* out) {
    uint8_t h[kKeccakDigestBytes];
    keccak256(xy, 64, h);
    memcpy(out->bytes, h + (sizeof h - sizeof out->bytes), sizeof out->bytes);
}

namespace {

bool address_of(const secp256k1_context* ctx, const secp256k1_pubkey& pub, EvmAddress* out) {
    uint8_t uncompressed[65];  // 0x04 || x || y
    size_t n = sizeof uncompressed;
    if (secp256k1_ec_pubkey_serialize(ctx, uncompressed, &n, &pub, SECP256K1_EC_UNCOMPRESSED) !=
            1 ||
        n != sizeof uncompressed) {
        return false;
    }
    address_of_public_key(uncompressed + 1, out);
    return true;
}

}  // namespace

bool Secp256k1::key_address(const uint8_t key[kPrivateKeyBytes], EvmAddress* out) const {
    secp256k1_pubkey pub;
    if (secp256k1_ec_pubkey_create(ctx_, &pub, key) != 1) return false;
    return address_of(ctx_, pub, out);
}

bool Secp256k1::sign(const uint8_t key[kPrivateKeyBytes], const uint8_t digest[32],
                     uint8_t sig[kSignatureBytes]) const {
    // A null nonce function is libsecp256k1's RFC 6979 without extra data: the
    // same signature as every standard Ethereum signer, and it is low s.
    secp256k1_ecdsa_recoverable_signature rs;
    if (secp256k1_ecdsa_sign_recoverable(ctx_, &rs, digest, key, nullptr, nullptr) != 1) {
        return false;
    }
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx_, sig, &recid, &rs);
    sig[kCompactBytes] = static_cast<uint8_t>(kEthereumV + recid);
    wipe(&rs, sizeof rs);
    return true;
}

bool Secp256k1::recover(const uint8_t digest[32], const uint8_t sig[kSignatureBytes],
                        EvmAddress* out) const {
    int recid = 0;
    if (!recovery_id(sig[kCompactBytes], &recid)) return false;
    secp256k1_ecdsa_recoverable_signature rs;
    if (secp256k1_ecdsa_recoverable_signature_parse_compact(ctx_, &rs, sig, recid) != 1) {
        return false;
    }
    secp256k1_ecdsa_signature plain;
    secp256k1_ecdsa_recoverable_signature_convert(ctx_, &plain, &rs);
    if (secp256k1_ecdsa_signature_normalize(ctx_, nullptr, &plain) == 1) return false;  // high s
    secp256k1_pubkey pub;
    if (secp256k1_ecdsa_recover(ctx_, &pub, &rs, digest) != 1) return false;
    return address_of(ctx_, pub, out);
}

bool Secp256k1::normalize(uint8_t sig[kSignatureBytes]) {
    const secp256k1_context* ctx = secp256k1_context_static;
    int recid = 0;
    if (!recovery_id(sig[kCompactBytes], &recid)) return false;
    secp256k1_ecdsa_signature plain;
    if (secp256k1_ecdsa_signature_parse_compact(ctx, &plain, sig) != 1) return false;
    if (secp256k1_ecdsa_signature_normalize(ctx, &plain, &plain) == 1) {
        recid ^= 1;  // s -> n - s mirrors R, whose y parity is the recovery id's low bit
        secp256k1_ecdsa_signature_serialize_compact(ctx, sig, &plain);
    }
    sig[kCompactBytes] = static_cast<uint8_t>(kEthereumV + recid);
    return true;
}

}  // namespace evm
}  // namespace consensus
