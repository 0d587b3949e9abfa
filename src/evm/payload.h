/* SPDX-License-Identifier: MIT */
// The PAYMENT-SIGNATURE value of an x402 v2 "exact" EVM payment: the
// PaymentPayload JSON, then base64 in place in the same buffer.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/payment.h"
#include "evm/ecdsa.h"
#include "evm/eip712.h"

namespace consensus {
namespace evm {

struct PayloadText {
    size_t json_len;
    size_t signature_at;  // offset of the signature's 130 hex digits
};

/// Writes {x402Version:2, payload:{authorization, signature}, accepted (req's
/// raw JSON), resource, extensions (as the challenge sent them)} into buf,
/// the signature's digits still zero. False when its base64 would not fit cap.
bool write_payload(const PaymentChallenge& ch, const PaymentRequirement& req,
                   const TransferAuthorization& auth, char* buf, size_t cap, PayloadText* out);
/// Puts sig's hex digits into the payload.
void put_signature(char* json, const PayloadText& text, const uint8_t sig[kSignatureBytes]);
/// Replaces the JSON (json_len bytes at buf) by its base64 in the same
/// buffer of cap bytes; returns the base64 length.
size_t encode_payload(char* buf, size_t json_len, size_t cap);

}  // namespace evm
}  // namespace consensus
