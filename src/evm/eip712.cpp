// SPDX-License-Identifier: MIT
// hashStruct(s) = keccak256(typeHash || encodeData(s)); each member is one
// 32-byte word: strings by their keccak256, addresses left-padded, integers
// big-endian (EIP-712, "Definition of encodeData").
#include "evm/eip712.h"

#include <string.h>

namespace consensus {
namespace evm {

namespace {

constexpr char kDomainType[] =
    "EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)";
constexpr char kTransferType[] =
    "TransferWithAuthorization(address from,address to,uint256 value,uint256 validAfter,"
    "uint256 validBefore,bytes32 nonce)";

constexpr size_t kWord = 32;

void put_type_hash(Keccak256* k, const char* type) {
    Digest h;
    keccak256(type, strlen(type), h);
    k->update(h, kWord);
}

void put_string(Keccak256* k, StrView s) {
    Digest h;
    keccak256(s.data, s.size, h);
    k->update(h, kWord);
}

void put_address(Keccak256* k, const EvmAddress& a) {
    const uint8_t pad[kWord - sizeof a.bytes] = {};
    k->update(pad, sizeof pad);
    k->update(a.bytes, sizeof a.bytes);
}

void put_uint(Keccak256* k, const Uint256& v) {
    k->update(v.bytes, kWord);
}

}  // namespace

void domain_separator(const Eip712Domain& d, Digest out) {
    Keccak256 k;
    put_type_hash(&k, kDomainType);
    put_string(&k, d.name);
    put_string(&k, d.version);
    put_uint(&k, d.chain_id);
    put_address(&k, d.verifying_contract);
    k.finish(out);
}

void transfer_struct_hash(const TransferAuthorization& a, Digest out) {
    Keccak256 k;
    put_type_hash(&k, kTransferType);
    put_address(&k, a.from);
    put_address(&k, a.to);
    put_uint(&k, a.value);
    put_uint(&k, a.valid_after);
    put_uint(&k, a.valid_before);
    k.update(a.nonce, kWord);
    k.finish(out);
}

void typed_data_digest(const Digest domain_sep, const Digest struct_hash, Digest out) {
    const uint8_t prefix[2] = {0x19, 0x01};
    Keccak256 k;
    k.update(prefix, sizeof prefix);
    k.update(domain_sep, kWord);
    k.update(struct_hash, kWord);
    k.finish(out);
}

void transfer_digest(const Eip712Domain& d, const TransferAuthorization& a, Digest out) {
    Digest sep, hash;
    domain_separator(d, sep);
    transfer_struct_hash(a, hash);
    typed_data_digest(sep, hash, out);
}

}  // namespace evm
}  // namespace consensus
