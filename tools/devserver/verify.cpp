// SPDX-License-Identifier: MIT
#include "verify.h"

#include <cstdlib>
#include <cstring>

#include "evm/ecdsa.h"
#include "evm/eip712.h"
#include "evm/evm_text.h"

namespace devserver {

namespace {

namespace evm = consensus::evm;
using consensus::EvmAddress;
using consensus::StrView;

constexpr char kExact[] = "exact";

// Indexed by PaymentReason.
constexpr const char* kReasonNames[] = {
    "",
    "invalid_payload",
    "invalid_exact_evm_scheme",
    "invalid_exact_evm_missing_eip712_domain",
    "invalid_exact_evm_network_mismatch",
    "invalid_exact_evm_signature",
    "invalid_exact_evm_recipient_mismatch",
    "invalid_exact_evm_payload_authorization_valid_before",
    "invalid_exact_evm_payload_authorization_valid_after",
    "invalid_exact_evm_payload_authorization_value_mismatch",
    "invalid_exact_evm_asset_mismatch",
    "invalid_exact_evm_nonce_already_used",
    "devserver_nonce_table_full",
};
static_assert(sizeof kReasonNames / sizeof kReasonNames[0] ==
                  static_cast<size_t>(PaymentReason::NonceTableFull) + 1,
              "one name per reason");

// The payload's parts the checks read.
struct Payment {
    evm::TransferAuthorization auth;
    std::string signature;               // as sent: "0x" + hex, checked by check 4
    std::string scheme, network, asset;  // of `accepted`
};

// The requirement's parts, parsed.
struct Terms {
    EvmAddress asset, pay_to;
    evm::Uint256 amount, chain_id;
};

StrView view(const std::string& s) {
    return StrView{s.data(), s.size()};
}

bool string_at(const JsonDoc& doc, int obj, const char* key, std::string* out) {
    int t = doc.find(obj, key);
    if (!doc.is_string(t)) return false;
    *out = doc.str(t);
    return true;
}

// "0x" + 2 x size hex digits, either case (viem's getAddress ignores the
// EIP-55 case of what it is given).
bool parse_hex(const std::string& s, size_t size, uint8_t* out) {
    return s.size() == 2 + 2 * size && s[0] == '0' && s[1] == 'x' &&
           evm::hex_decode(s.data() + 2, size, out);
}

bool parse_address(const std::string& s, EvmAddress* out) {
    return parse_hex(s, sizeof out->bytes, out->bytes);
}

// Decimal digits, leading zeros allowed (as BigInt reads them), below 2^256.
bool parse_decimal(const std::string& s, evm::Uint256* out) {
    if (s.empty() || s.find_first_not_of("0123456789") != std::string::npos) return false;
    size_t first = s.find_first_not_of('0');
    if (first == std::string::npos) first = s.size() - 1;
    return evm::parse_uint256(StrView{s.data() + first, s.size() - first}, out);
}

uint64_t saturated(const evm::Uint256& v) {
    uint64_t out = 0;
    return evm::uint256_to_u64(v, &out) ? out : UINT64_MAX;
}

// The exact uint256 (the digest hashes it); comparisons use saturated().
bool read_time(const JsonDoc& doc, int auth, const char* key, evm::Uint256* out) {
    std::string text;
    return string_at(doc, auth, key, &text) && parse_decimal(text, out);
}

// Every field the checks need, each in the form EIP-712 hashes it.
bool read_payment(const JsonDoc& doc, Payment* p) {
    int payload = doc.find(0, "payload");
    int auth = doc.find(payload, "authorization");
    int accepted = doc.find(0, "accepted");
    std::string from, to, value, nonce;
    return string_at(doc, auth, "from", &from) && parse_address(from, &p->auth.from) &&
           string_at(doc, auth, "to", &to) && parse_address(to, &p->auth.to) &&
           string_at(doc, auth, "value", &value) && parse_decimal(value, &p->auth.value) &&
           read_time(doc, auth, "validAfter", &p->auth.valid_after) &&
           read_time(doc, auth, "validBefore", &p->auth.valid_before) &&
           string_at(doc, auth, "nonce", &nonce) &&
           parse_hex(nonce, sizeof p->auth.nonce, p->auth.nonce) &&
           string_at(doc, payload, "signature", &p->signature) &&
           string_at(doc, accepted, "scheme", &p->scheme) &&
           string_at(doc, accepted, "network", &p->network) &&
           string_at(doc, accepted, "asset", &p->asset);
}

bool read_terms(const Requirement& req, Terms* t) {
    return parse_address(req.asset, &t->asset) && parse_address(req.pay_to, &t->pay_to) &&
           parse_decimal(req.amount, &t->amount);
}

// One context for the process: recovery needs no blinding seed.
const evm::Secp256k1* secp256k1() {
    struct Context {
        void* memory = nullptr;
        evm::Secp256k1 secp;
        bool ok = false;
        Context() {
            size_t size = (evm::Secp256k1::context_size() + 15) / 16 * 16;
            memory = std::aligned_alloc(16, size);
            ok = memory != nullptr && secp.create(memory, nullptr);
        }
        ~Context() {
            secp.destroy();
            std::free(memory);
        }
    };
    static Context context;
    return context.ok ? &context.secp : nullptr;
}

bool same(const EvmAddress& a, const EvmAddress& b) {
    return std::memcmp(a.bytes, b.bytes, sizeof a.bytes) == 0;
}

// Check 4: 65 bytes, v 27 or 28 and low s (what the token contract's
// ecrecover demands), recovering to `from` over the EIP-712 digest.
bool signed_by_from(const Payment& p, const Requirement& req, const Terms& t) {
    uint8_t sig[evm::kSignatureBytes];
    if (!parse_hex(p.signature, sizeof sig, sig)) return false;
    uint8_t v = sig[evm::kSignatureBytes - 1];
    if (v != 27 && v != 28) return false;
    evm::Eip712Domain domain{view(req.name), view(req.version), t.chain_id, t.asset};
    evm::Digest digest;
    evm::transfer_digest(domain, p.auth, digest);
    const evm::Secp256k1* secp = secp256k1();
    EvmAddress signer;
    return secp != nullptr && secp->recover(digest, sig, &signer) && same(signer, p.auth.from);
}

UsedNonce used_nonce(const Payment& p, const Terms& t) {
    UsedNonce n;
    std::memcpy(n.asset, t.asset.bytes, sizeof n.asset);
    std::memcpy(n.from, p.auth.from.bytes, sizeof n.from);
    std::memcpy(n.nonce, p.auth.nonce, sizeof n.nonce);
    n.valid_before = saturated(p.auth.valid_before);
    return n;
}

// Checks 1 to 3: what the payment is for.
PaymentReason check_terms(const Payment& p, const Requirement& req, Terms* t) {
    if (p.scheme != kExact || req.scheme != kExact) return PaymentReason::Scheme;
    if (req.name.empty() || req.version.empty()) return PaymentReason::MissingDomain;
    if (p.network != req.network || !evm::parse_eip155_network(view(req.network), &t->chain_id)) {
        return PaymentReason::NetworkMismatch;
    }
    return read_terms(req, t) ? PaymentReason::Valid : PaymentReason::InvalidPayload;
}

// Checks 5 to 9: what the authorization says.
PaymentReason check_authorization(const Payment& p, const Terms& t, uint64_t now_s) {
    if (!same(p.auth.to, t.pay_to)) return PaymentReason::RecipientMismatch;
    if (saturated(p.auth.valid_before) < now_s + kValidBeforeMarginS)
        return PaymentReason::ValidBefore;
    if (saturated(p.auth.valid_after) > now_s) return PaymentReason::ValidAfter;
    if (std::memcmp(p.auth.value.bytes, t.amount.bytes, sizeof t.amount.bytes) != 0) {
        return PaymentReason::ValueMismatch;
    }
    EvmAddress accepted_asset;
    if (!parse_address(p.asset, &accepted_asset) || !same(accepted_asset, t.asset)) {
        return PaymentReason::AssetMismatch;
    }
    return PaymentReason::Valid;
}

}  // namespace

const char* payment_reason_name(PaymentReason r) {
    return kReasonNames[static_cast<size_t>(r)];
}

PaymentReason verify_payment(const JsonDoc& payload, const Requirement& req, uint64_t now_s,
                             NonceTable& nonces, UsedNonce* paid) {
    Payment p;
    if (!read_payment(payload, &p)) return PaymentReason::InvalidPayload;
    Terms t;
    PaymentReason r = check_terms(p, req, &t);
    if (r != PaymentReason::Valid) return r;
    if (!signed_by_from(p, req, t)) return PaymentReason::Signature;
    r = check_authorization(p, t, now_s);
    if (r != PaymentReason::Valid) return r;
    *paid = used_nonce(p, t);
    if (nonces.contains(*paid)) return PaymentReason::NonceUsed;
    return nonces.make_room(now_s) ? PaymentReason::Valid : PaymentReason::NonceTableFull;
}

}  // namespace devserver
