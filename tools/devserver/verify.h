/* SPDX-License-Identifier: MIT */
// --verify-payments: the checks of the x402 facilitator on an "exact" EVM
// payment (EIP-3009 TransferWithAuthorization), in the order and with the
// reason names of @x402/evm 2.27.0's exact facilitator (verifyEIP3009), minus
// the chain: no balance, no token name() / version(), no settlement.
//
// They run after the middleware's own (x402.h check_payment: the payload's
// `accepted` must equal the requirement, so 1-3 and 9 cannot fail through
// the route). A payment fails on the first (docs/CLI.md has the table):
//   0 invalid_payload (ours)     a field does not parse (the real one throws)
//   1 invalid_exact_evm_scheme   accepted or requirement scheme is not "exact"
//   2 invalid_exact_evm_missing_eip712_domain  no extra.name / extra.version
//   3 invalid_exact_evm_network_mismatch  accepted.network != the requirement's,
//                                or that is not "eip155:<chain id>"
//   4 invalid_exact_evm_signature  not 65 bytes, v not 27/28 or high s (the
//                                USDC contract's refusals), or ecrecover over
//                                the EIP-712 digest is not `from`
//   5 invalid_exact_evm_recipient_mismatch  to != payTo, as addresses
//   6 invalid_exact_evm_payload_authorization_valid_before  validBefore < now + 6
//   7 invalid_exact_evm_payload_authorization_valid_after   validAfter > now
//   8 invalid_exact_evm_payload_authorization_value_mismatch  value != amount
//   9 invalid_exact_evm_asset_mismatch (ours)  accepted.asset != the requirement's,
//                                where the real one checks the asset on chain
//   10 invalid_exact_evm_nonce_already_used  (asset, from, nonce) settled before
//   11 devserver_nonce_table_full (ours)  no room for one more nonce (tokens.h)
#pragma once

#include <cstdint>

#include "json.h"
#include "tokens.h"
#include "x402.h"

namespace devserver {

enum class PaymentReason : uint8_t {
    Valid,
    InvalidPayload,
    Scheme,
    MissingDomain,
    NetworkMismatch,
    Signature,
    RecipientMismatch,
    ValidBefore,
    ValidAfter,
    ValueMismatch,
    AssetMismatch,
    NonceUsed,
    NonceTableFull,
};

// The reason's name as the 402's `error` carries it ("" for Valid).
const char* payment_reason_name(PaymentReason r);

// Checks the decoded PaymentPayload `payload` against `req` at Unix time
// now_s. Valid: *paid holds the authorization to add() once it is settled.
PaymentReason verify_payment(const JsonDoc& payload, const Requirement& req, uint64_t now_s,
                             NonceTable& nonces, UsedNonce* paid);

}  // namespace devserver
