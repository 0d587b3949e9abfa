/* SPDX-License-Identifier: MIT */
// The built-in demo payer: builds a well-formed x402 v2 PaymentPayload for
// the first accepted requirement, with a FAKE signature. Only a development
// server that does not verify signatures (consensus-devserver) accepts it.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/payment.h"

namespace consensus {
namespace cli {

/// The payer address the demo payload claims (it signs nothing).
constexpr const char* kDemoPayerAddress = "0x2f5c34fbc99dd9f01ace001cd3c0599843b8a4b3";

/// Writes into `out` the PAYMENT-SIGNATURE value: standard base64 of
/// {"x402Version":2,"payload":{"authorization":{from,to,value,validAfter:"0",
/// validBefore:now_s+maxTimeoutSeconds,nonce},"signature":"0x.."},
///  "resource":{"url":...},"accepted":<accepts[0].raw verbatim>}.
/// False (nothing usable in out) when the challenge has no requirement, a
/// field holds characters that do not belong in an address/amount/URL, or
/// the result does not fit `cap` bytes. Uses a 4 KiB stack buffer.
bool build_demo_payment(const PaymentChallenge& challenge, uint64_t now_s, const uint8_t nonce[32],
                        char* out, size_t cap, size_t* size);

/// The hooks' common answer: build_demo_payment into *header, paid; refused
/// (header untouched) when the payload cannot be built.
PaymentDecision demo_pay(const PaymentChallenge& challenge, uint64_t now_s, const uint8_t nonce[32],
                         PaymentHeaderOut* header);

/// A PaymentHook that pays at once with build_demo_payment (clock: time(),
/// nonce: getrandom). `user` is unused. Refuses when the payload cannot be built.
PaymentDecision demo_payment_hook(void* user, const PaymentChallenge& challenge,
                                  PaymentTicket ticket, PaymentHeaderOut* header);

}  // namespace cli
}  // namespace consensus
