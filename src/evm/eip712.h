/* SPDX-License-Identifier: MIT */
// EIP-712 typed-data hashing for the one message x402's "exact" EVM scheme
// signs: EIP-3009 TransferWithAuthorization, in the token's domain
// {name, version, chainId, verifyingContract}.
#pragma once

#include <stdint.h>

#include "consensus/strview.h"
#include "consensus/x402_evm.h"
#include "evm/evm_text.h"
#include "evm/keccak.h"

namespace consensus {
namespace evm {

struct Eip712Domain {
    StrView name;  // UTF-8 bytes as they are hashed (no JSON escapes)
    StrView version;
    Uint256 chain_id;
    EvmAddress verifying_contract;
};

struct TransferAuthorization {
    EvmAddress from;
    EvmAddress to;
    Uint256 value;
    Uint256 valid_after;  // uint256 as EIP-3009 declares them: a payload may hold any
    Uint256 valid_before;
    uint8_t nonce[32];
};

using Digest = uint8_t[kKeccakDigestBytes];

/// hashStruct(EIP712Domain).
void domain_separator(const Eip712Domain& d, Digest out);
/// hashStruct(TransferWithAuthorization).
void transfer_struct_hash(const TransferAuthorization& a, Digest out);
/// keccak256(0x19 0x01 || domain separator || struct hash): what is signed.
void typed_data_digest(const Digest domain_sep, const Digest struct_hash, Digest out);
/// The three above in one.
void transfer_digest(const Eip712Domain& d, const TransferAuthorization& a, Digest out);

}  // namespace evm
}  // namespace consensus
