/* SPDX-License-Identifier: MIT */
// The x402 v2 challenge: the PAYMENT-REQUIRED header of a 402, decoded and parsed.
#pragma once

#include <stddef.h>

#include "consensus/error.h"
#include "consensus/payment.h"

namespace consensus {

/// The response headers a purchase keeps (HttpResponseReader's keep-list),
/// indexed by PaymentHeader.
constexpr const char* kPaymentHeaderNames[] = {"payment-required", "payment-response", "date"};
enum PaymentHeader : size_t { kPaymentRequired = 0, kPaymentResponse = 1, kResponseDate = 2 };
/// The request header that carries the payment (x402 v2).
constexpr char kPaymentSignatureHeader[] = "PAYMENT-SIGNATURE";

/// The failure a settlement receipt (a PAYMENT-RESPONSE header value: base64
/// JSON {success:false, errorReason, errorMessage, ...}) reports, unescaped:
/// "errorReason: errorMessage" (either alone when only one is a string), cut
/// to cap - 1, NUL-terminated. 0 when the value does not decode or names no
/// error. json_buf holds the decoded JSON, scratch the JSON tokens.
size_t settlement_error_text(const char* b64, size_t b64_len, char* json_buf, size_t json_cap,
                             void* scratch, size_t scratch_len, char* out, size_t cap);

/// Decodes a PAYMENT-REQUIRED header value (standard base64 with padding:
/// [A-Za-z0-9+/]*={0,2}, length a multiple of 4; anything else, e.g. base64url
/// or whitespace, is bad_response, as in @x402/core) into `json_out`
/// (NUL-terminated) and parses the x402 PaymentRequired object: x402Version,
/// error, resource.url, accepts[] (scheme, network, amount, asset, payTo,
/// maxTimeoutSeconds, and the raw object text). Views point into json_out and
/// are the raw JSON string contents (escapes not decoded; the five payment
/// fields must not contain escapes). More than kMaxAccepts entries: the first
/// kMaxAccepts are kept and checked, the rest ignored.
/// Errors: bad_response (bad base64, not a JSON object, bad JSON, a repeated
/// key we read, no or empty accepts, a kept entry that is not an object or lacks
/// a string scheme/network/amount/asset/payTo, amount not decimal digits,
/// x402Version or maxTimeoutSeconds not a non-negative 32-bit integer, error or
/// resource.url not strings), message_too_large (json_cap < decoded size + 1,
/// or scratch too small for the tokens). On error *out is reset to empty.
/// resource and extensions, when present, must be objects (kept as raw text).
/// Memory: scratch holds jsmn tokens (20 B each; one accept needs ~30 tokens,
/// the two-network challenge 50); json_out needs 3/4 of b64_len + 1.
Error decode_challenge(const char* b64, size_t b64_len, char* json_out, size_t json_cap,
                       void* scratch, size_t scratch_len, PaymentChallenge* out);

}  // namespace consensus
