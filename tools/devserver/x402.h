// x402 version 2 as @x402/express 2.27 speaks it for the Consensus route:
// the challenge (PAYMENT-REQUIRED), the check of a payment (PAYMENT-SIGNATURE)
// and the receipt (PAYMENT-RESPONSE). Payments are NOT verified: any
// well-formed payload that names this request's requirement is accepted.
#pragma once

#include <string>

namespace devserver {

// The PaymentRequired JSON, key order as the middleware writes it.
std::string challenge_json(const std::string& error, const std::string& resource_url,
                           const std::string& amount);

enum class PaymentVerdict {
    Accepted,    // well-formed and matching: answer 200
    Missing,     // absent, not base64 or not JSON: "Payment required"
    NoMatch,     // `accepted` missing or different: "No matching payment requirements"
    Unsupported  // x402Version neither 1 nor 2: "Unsupported x402 version: N"
};

struct PaymentCheck {
    PaymentVerdict verdict = PaymentVerdict::Missing;
    std::string error;  // the challenge's `error` text when not accepted
    std::string payer;  // payload.authorization.from, when present
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
