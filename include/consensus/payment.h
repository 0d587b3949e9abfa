/* SPDX-License-Identifier: MIT */
/// \file
/// The x402 payment step. The library does the HTTP; on a 402 it decodes the
/// PAYMENT-REQUIRED challenge and asks the user's hook for the value of the
/// PAYMENT-SIGNATURE header. The hook may answer at once or later.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/export.h"
#include "consensus/strview.h"

namespace consensus {

// Views in a challenge point into library memory: valid only during the hook call.

/// Most requirements kept from one challenge; extra entries are ignored.
constexpr size_t kMaxAccepts = 4;

/// One entry of the challenge's `accepts` (x402 v2 PaymentRequirements).
struct PaymentRequirement {
    StrView scheme;              ///< "exact"
    StrView network;             ///< CAIP-2, e.g. "eip155:84532"
    StrView amount;              ///< atomic units, decimal string
    StrView asset;               ///< the token contract's address
    StrView pay_to;              ///< payTo: the payee's address
    uint32_t max_timeout_s = 0;  ///< maxTimeoutSeconds
    StrView raw;                 ///< the whole JSON object of this entry
};

/// The decoded 402 challenge.
struct PaymentChallenge {
    StrView json;               ///< the full decoded PAYMENT-REQUIRED JSON
    uint32_t x402_version = 0;  ///< x402Version
    StrView error;              ///< "Payment required" or the failure reason
    StrView resource_url;       ///< resource.url
    StrView resource_json;      ///< the whole resource object, as sent (empty when absent)
    StrView extensions_json;    ///< the extensions object, as sent (empty when absent)
    /// The 402 response's Date header as Unix seconds (0 = absent or not an
    /// IMF-fixdate): the server's claim of the time, for a payer without a
    /// clock of its own.
    uint64_t server_time_s = 0;
    PaymentRequirement accepts[kMaxAccepts];  ///< the requirements kept (in the hook: those the
                                              ///< price policy passed)
    size_t accepts_count = 0;                 ///< entries in accepts
    StrView accepts_json;                     ///< the server's whole `accepts` array, as sent
};

/// The challenge as a signer may see it: the server's JSON text with its
/// `accepts` array holding only the requirements left in ch.accepts (the
/// library removes those its price policy refused), each verbatim. Hand this,
/// not ch.json, to an external signer. Writes into out (no NUL); returns the
/// size, or 0 when it does not fit in cap or ch has no accepts array. No
/// allocation.
CONSENSUS_API size_t write_policy_challenge(const PaymentChallenge& ch, char* out, size_t cap);

/// Parses a decoded PaymentRequired JSON text (what an external payer reads
/// on stdin) as the library parses a 402's PAYMENT-REQUIRED header: views
/// point into json; server_time_s stays 0. scratch holds the JSON tokens (20 B
/// each; 2 KiB is ample for the service's challenges). Errors: bad_response
/// (not JSON, not a PaymentRequired with at least one well-formed
/// requirement), message_too_large (scratch too small). No allocation.
CONSENSUS_API Error parse_payment_challenge(const char* json, size_t len, void* scratch,
                                            size_t scratch_len, PaymentChallenge* out);

/// Identifies one pending payment; pass it back to Client::complete_payment.
struct PaymentTicket {
    uint32_t id = 0;  ///< opaque: pass the ticket back as it came
};

/// The payment hook's answer.
enum class PaymentDecision : uint8_t {
    paid,     ///< `header` was filled: retry now
    pending,  ///< the hook will call Client::complete_payment / refuse_payment later
    refused,  ///< no payment: the request fails with payment_refused
    decline,  ///< no payer configured: the request fails with payment_required
};

/// Output buffer for the payment header value (capacity = Config::max_payment_header).
struct PaymentHeaderOut {
    char* data;       ///< where the hook writes the value (no NUL needed)
    size_t capacity;  ///< bytes at data
    size_t size;      ///< set by the hook
    /// Set by a hook that answers `refused` (optional): a static text saying
    /// why, which becomes the payment_refused error's message.
    const char* refusal = nullptr;
};

/// The hook. Called from poll() with the decoded challenge. It may answer its
/// ticket from inside (Client::complete_payment / refuse_payment); it must not
/// call poll() (client.h, "Calling the library from inside a callback").
using PaymentHook = PaymentDecision (*)(void* user, const PaymentChallenge& challenge,
                                        PaymentTicket ticket, PaymentHeaderOut* header);

}  // namespace consensus
