/* SPDX-License-Identifier: MIT */
// Ethereum values as text: 0x-hex, EIP-55 addresses, uint256 decimals and
// CAIP-2 chain ids. Strict parsers: what a hostile 402 sends is refused, not
// repaired. No allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/strview.h"
#include "consensus/x402_evm.h"

namespace consensus {
namespace evm {

/// A 256-bit unsigned integer, big-endian as EIP-712 encodes it.
struct Uint256 {
    uint8_t bytes[32];
};

/// Lowercase hex of data (2 x size characters, no "0x", no NUL).
void hex_encode(const uint8_t* data, size_t size, char* out);
/// Decodes exactly 2 x size hex digits (either case) into out.
bool hex_decode(const char* text, size_t size, uint8_t* out);

/// "0x" + 40 hex digits. All-lowercase and all-uppercase digits are taken as
/// they are; mixed case must carry a valid EIP-55 checksum (as viem's
/// getAddress demands), so a one-letter typo in a checksummed payee is caught.
bool parse_address(StrView text, EvmAddress* out);
/// EIP-55 form: "0x" + 40 digits, no NUL.
constexpr size_t kAddressTextLen = 42;
void address_text(const EvmAddress& a, char out[kAddressTextLen]);

/// A decimal string in canonical form ("0", or no leading zero), at most
/// 2^256 - 1.
bool parse_uint256(StrView text, Uint256* out);
Uint256 uint256_from_u64(uint64_t v);
bool uint256_is_zero(const Uint256& v);
/// The value when it fits in 64 bits.
bool uint256_to_u64(const Uint256& v, uint64_t* out);

/// "eip155:<chain id>" (CAIP-2, EVM namespace) -> the chain id.
bool parse_eip155_network(StrView network, Uint256* chain_id);

}  // namespace evm
}  // namespace consensus
