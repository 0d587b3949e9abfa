// SPDX-License-Identifier: MIT
// Key and address helpers of the public API: a key file's text, a key's
// address, addresses as text.
#include <string.h>

#include "consensus/x402_evm.h"
#include "core/strview.h"
#include "core/wipe.h"
#include "evm/ecdsa.h"
#include "evm/evm_text.h"

namespace consensus {

namespace {

bool space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// libsecp256k1 0.2.0's context is 208 bytes on 64-bit hosts.
constexpr size_t kContextRoom = 512;

}  // namespace

bool evm_key_address(const uint8_t key[32], EvmAddress* out) {
    alignas(16) uint8_t room[kContextRoom];
    evm::Secp256k1 secp;
    if (evm::Secp256k1::context_size() > sizeof room || !secp.create(room, nullptr)) return false;
    const bool ok = secp.key_valid(key) && secp.key_address(key, out);
    secp.destroy();
    wipe(room, sizeof room);
    return ok;
}

bool evm_parse_private_key(const char* text, size_t size, uint8_t key[32]) {
    size_t b = 0, e = size;
    while (b < e && space(text[b])) ++b;
    while (e > b && space(text[e - 1])) --e;
    if (e - b >= 2 && text[b] == '0' && (text[b + 1] == 'x' || text[b + 1] == 'X')) b += 2;
    EvmAddress unused;
    if (e - b != 64 || !evm::hex_decode(text + b, 32, key) || !evm_key_address(key, &unused)) {
        wipe(key, 32);
        return false;
    }
    return true;
}

bool evm_parse_address(const char* text, size_t size, EvmAddress* out) {
    return text != nullptr && evm::parse_address(make_view(text, size), out);
}

void evm_address_text(const EvmAddress& a, char out[43]) {
    evm::address_text(a, out);
    out[evm::kAddressTextLen] = '\0';
}

}  // namespace consensus
