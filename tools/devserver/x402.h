/* SPDX-License-Identifier: MIT */
// x402 version 2 as @x402/express 2.27 speaks it for the Consensus route:
// the challenge (PAYMENT-REQUIRED), the check of a payment (PAYMENT-SIGNATURE)
// and the receipt (PAYMENT-RESPONSE). Here payments are NOT verified: any
// well-formed payload that names this request's requirement is accepted
// (--verify-payments adds the facilitator's checks: verify.h).
#pragma once

#include <string>

namespace devserver {

// The one requirement of this route (the challenge's accepts[0]), as the
// facilitator's checks read it.
struct Requirement {
    std::string scheme, network, amount, asset, pay_to;
    std::string name, version;  // extra: the token's EIP-712 domain
};
Requirement requirement_for(const std::string& amount);

// The PaymentRequired JSON, key order as the middleware writes it.
std::string challenge_json(const std::string& error, const std::string& resource_url,
                           const std::string& amount);

enum class PaymentVerdict {
    Accepted,     // well-formed and matching: answer 200
    Missing,      // absent, not base64 or not JSON: "Payment required"
    NoMatch,      // `accepted` missing or different: "No matching payment requirements"
    Unsupported,  // x402Version neither 1 nor 2: "Unsupported x402 version: N"
    Refused       // --verify-payments: a failed check, `error` is its reason name
};

struct PaymentCheck {
    PaymentVerdict verdict = PaymentVerdict::Missing;
    std::string error;  // the challenge's `error` text when not accepted
    std::string payer;  // payload.authorization.from, when present
    std::string json;   // Accepted: the decoded PaymentPayload
};

// Checks a PAYMENT-SIGNATURE value against the requirement rebuilt from this
// request (`amount` in atomic units). `present` false: no header at all.
PaymentCheck check_payment(bool present, const std::string& header, const std::string& amount);

// The SettleResponse JSON (success, random transaction hash).
std::string settle_json(const std::string& payer);

// A failed SettleResponse as the facilitator in 402-settle-failed.http wrote it,
// with `message` as its errorMessage (payer omitted when empty).
std::string settle_failed_json(const std::string& payer, const std::string& message);

}  // namespace devserver
