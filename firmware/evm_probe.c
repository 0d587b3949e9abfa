/* The EVM payer's signing path (issue 11) on bare metal, so that the image
 * links libsecp256k1 and its size shows: a context in a static buffer (no
 * malloc), blinded, then what the signer does with a key: the public key
 * (the payer's address is keccak256 of its x || y) and a recoverable ECDSA
 * signature of a 32-byte digest (the EIP-712 digest of the authorization).
 * The key and the digest are fixed here. When consensus_evm is built for
 * Cortex-M, main.cpp calls its EvmSigner instead and this file goes.
 *
 * -DEVM_PROBE_RECOVER=1 (CMake: -DEVM_PROBE_RECOVER=ON) also recovers the
 * public key from the signature, as the payer does to check an outside
 * signer's answer: that pulls in the verification table
 * (precomputed_ecmult.c, ECMULT_WINDOW_SIZE), which the signing path does
 * not use. */
#include "evm_probe.h"

#include <secp256k1.h>
#include <secp256k1_preallocated.h>
#include <secp256k1_recovery.h>
#include <string.h>

/* secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) is a function,
 * not a constant: 180 bytes on a 32-bit target (208 on a 64-bit one). The
 * buffer is sized for it and the size is checked before every use. */
#define EVM_PROBE_CONTEXT_BYTES 180u
static _Alignas(16) unsigned char g_context_memory[EVM_PROBE_CONTEXT_BYTES];

/* A valid key (0 < key < n) and a digest: any fixed bytes do. */
static const unsigned char kKey[32] = {
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
    0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
    0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};
static const unsigned char kDigest[32] = {
    0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0x5a, 0x5a, 0x5a,
    0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5, 0xa5,
    0xa5, 0xa5, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a, 0x5a};
/* Blinding seed: a device takes 32 bytes from its RNG (the port's random). */
static const unsigned char kSeed[32] = {0x42};

static int sign(secp256k1_context* ctx, uint8_t pub[65], uint8_t sig[65]) {
    secp256k1_pubkey key;
    if (secp256k1_ec_pubkey_create(ctx, &key, kKey) != 1) return 3;
    size_t pub_len = 65;
    secp256k1_ec_pubkey_serialize(ctx, pub, &pub_len, &key, SECP256K1_EC_UNCOMPRESSED);
    if (pub_len != 65) return 4;

    secp256k1_ecdsa_recoverable_signature rsig;
    if (secp256k1_ecdsa_sign_recoverable(ctx, &rsig, kDigest, kKey, NULL, NULL) != 1) return 5;
    int recid = 0;
    secp256k1_ecdsa_recoverable_signature_serialize_compact(ctx, sig, &recid, &rsig);
    sig[64] = (uint8_t)(27 + recid);

#if EVM_PROBE_RECOVER
    secp256k1_pubkey recovered;
    if (secp256k1_ecdsa_recover(ctx, &recovered, &rsig, kDigest) != 1) return 6;
    if (secp256k1_ec_pubkey_cmp(ctx, &recovered, &key) != 0) return 7;
#endif
    return 0;
}

int firmware_evm_probe(uint8_t pub[65], uint8_t sig[65]) {
    if (secp256k1_context_preallocated_size(SECP256K1_CONTEXT_NONE) > sizeof g_context_memory) {
        return 1;
    }
    secp256k1_context* ctx =
        secp256k1_context_preallocated_create(g_context_memory, SECP256K1_CONTEXT_NONE);
    if (ctx == NULL) return 2;
    const int result = secp256k1_context_randomize(ctx, kSeed) == 1 ? sign(ctx, pub, sig) : 2;
    secp256k1_context_preallocated_destroy(ctx);
    memset(g_context_memory, 0, sizeof g_context_memory);
    return result;
}
