// SPDX-License-Identifier: MIT
// devserver-test-signer: test-only companion of test_verify_payments.py,
// which has no secp256k1 of its own. Built from the library's EVM module and
// the dev server's verify.cpp; never installed, never given a real key.
//
//   devserver-test-signer address KEY
//       the EIP-55 address of KEY (64 hex digits)
//   devserver-test-signer sign KEY
//       stdin, one authorization a line, tab-separated:
//         name version network asset from to value validAfter validBefore nonce
//       stdout, one a line: its EIP-712 TransferWithAuthorization signature
//       by KEY, "0x" + 130 hex digits (r || s || v, low s, v 27/28)
//   devserver-test-signer check NOW
//       stdin: a requirement JSON line {scheme, network, amount, asset, payTo,
//       extra:{name, version}}, then a PaymentPayload JSON line; stdout: the
//       reason verify_payment gives at Unix time NOW ("valid" when none), with
//       a fresh nonce table
// Exit 0, or 2 with a line on stderr when the input does not parse.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "consensus/x402_evm.h"
#include "evm/ecdsa.h"
#include "evm/eip712.h"
#include "evm/evm_text.h"
#include "json.h"
#include "verify.h"

namespace {

namespace evm = consensus::evm;
using consensus::EvmAddress;
using consensus::StrView;

int fail(const std::string& what) {
    std::fprintf(stderr, "devserver-test-signer: %s\n", what.c_str());
    return 2;
}

StrView view(const std::string& s) {
    return StrView{s.data(), s.size()};
}

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    std::stringstream in(line);
    std::string field;
    while (std::getline(in, field, '\t')) out.push_back(field);
    return out;
}

bool to_u64(const std::string& s, uint64_t* out) {
    evm::Uint256 v;
    return evm::parse_uint256(view(s), &v) && evm::uint256_to_u64(v, out);
}

// One line of `sign`'s input into the domain and the message.
bool read_authorization(const std::vector<std::string>& f, evm::Eip712Domain* d,
                        evm::TransferAuthorization* a) {
    if (f.size() != 10) return false;
    d->name = view(f[0]);
    d->version = view(f[1]);
    return evm::parse_eip155_network(view(f[2]), &d->chain_id) &&
           evm::parse_address(view(f[3]), &d->verifying_contract) &&
           evm::parse_address(view(f[4]), &a->from) && evm::parse_address(view(f[5]), &a->to) &&
           evm::parse_uint256(view(f[6]), &a->value) &&
           evm::parse_uint256(view(f[7]), &a->valid_after) &&
           evm::parse_uint256(view(f[8]), &a->valid_before) && f[9].size() == 66 &&
           f[9].compare(0, 2, "0x") == 0 &&
           evm::hex_decode(f[9].data() + 2, sizeof a->nonce, a->nonce);
}

int sign(const char* key_text) {
    uint8_t key[evm::kPrivateKeyBytes];
    if (!consensus::evm_parse_private_key(key_text, std::strlen(key_text), key)) {
        return fail("bad key");
    }
    std::vector<unsigned char> memory(evm::Secp256k1::context_size() + 16);
    void* aligned = memory.data() + (16 - reinterpret_cast<uintptr_t>(memory.data()) % 16) % 16;
    evm::Secp256k1 secp;
    if (!secp.create(aligned, nullptr)) return fail("no secp256k1 context");
    std::string line;
    while (std::getline(std::cin, line)) {
        std::vector<std::string> fields = split_tabs(line);  // the domain points into it
        evm::Eip712Domain domain;
        evm::TransferAuthorization auth;
        if (!read_authorization(fields, &domain, &auth)) {
            return fail("bad authorization line: " + line);
        }
        evm::Digest digest;
        evm::transfer_digest(domain, auth, digest);
        uint8_t sig[evm::kSignatureBytes];
        char hex[2 * sizeof sig];
        if (!secp.sign(key, digest, sig)) return fail("signing failed");
        evm::hex_encode(sig, sizeof sig, hex);
        std::printf("0x%.*s\n", static_cast<int>(sizeof hex), hex);
    }
    secp.destroy();
    return 0;
}

int address(const char* key_text) {
    uint8_t key[evm::kPrivateKeyBytes];
    EvmAddress a;
    char text[43];
    if (!consensus::evm_parse_private_key(key_text, std::strlen(key_text), key) ||
        !consensus::evm_key_address(key, &a)) {
        return fail("bad key");
    }
    consensus::evm_address_text(a, text);
    std::printf("%s\n", text);
    return 0;
}

std::string string_at(const devserver::JsonDoc& doc, int obj, const char* key) {
    int t = doc.find(obj, key);
    return doc.is_string(t) ? doc.str(t) : std::string();
}

int check(const char* now_text) {
    uint64_t now = 0;
    std::string req_line, payload_line;
    devserver::JsonDoc req_doc, payload;
    if (!to_u64(now_text, &now) || !std::getline(std::cin, req_line) ||
        !std::getline(std::cin, payload_line) || !req_doc.parse(req_line) ||
        !payload.parse(payload_line)) {
        return fail("check needs NOW, then a requirement and a payload, one JSON line each");
    }
    int extra = req_doc.find(0, "extra");
    devserver::Requirement req{
        string_at(req_doc, 0, "scheme"),     string_at(req_doc, 0, "network"),
        string_at(req_doc, 0, "amount"),     string_at(req_doc, 0, "asset"),
        string_at(req_doc, 0, "payTo"),      string_at(req_doc, extra, "name"),
        string_at(req_doc, extra, "version")};
    devserver::NonceTable nonces;
    devserver::UsedNonce paid;
    devserver::PaymentReason r = devserver::verify_payment(payload, req, now, nonces, &paid);
    std::printf("%s\n",
                r == devserver::PaymentReason::Valid ? "valid" : devserver::payment_reason_name(r));
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    std::string cmd = argc == 3 ? argv[1] : "";
    if (cmd == "address") return address(argv[2]);
    if (cmd == "sign") return sign(argv[2]);
    if (cmd == "check") return check(argv[2]);
    return fail("usage: devserver-test-signer address KEY | sign KEY | check NOW");
}
