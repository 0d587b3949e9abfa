/* SPDX-License-Identifier: MIT */
// DEVELOPMENT ONLY: a payment hook that pays with a FAKE signature.
//
// It answers a 402 challenge with a well-formed x402 v2 PaymentPayload for
// challenge.accepts[0] whose EIP-3009 signature is 65 bytes of 0xab: only a
// development server that does not verify signatures (consensus-devserver
// without --verify-payments) accepts it. A real device signs instead, e.g.
// with consensus::EvmSigner (consensus/x402_evm.h) or a secure element.
//
// Part of the examples, not of the library: an installed package has no
// such payer, so that no product ships one by accident. (The CLI's
// --demo-payer is the same idea, in tools/cli/demo_payer.h.)
#pragma once

#include "consensus/payment.h"

namespace examples {

/// A consensus::PaymentHook: pays at once (clock: time(), nonce: getrandom).
/// `user` is unused. Refuses when the challenge has no requirement, a field
/// holds characters that do not belong in an address, amount or URL, or the
/// payload does not fit `header`. Uses about 4 KiB of stack.
consensus::PaymentDecision dev_payment_hook(void* user,
                                            const consensus::PaymentChallenge& challenge,
                                            consensus::PaymentTicket ticket,
                                            consensus::PaymentHeaderOut* header);

}  // namespace examples
