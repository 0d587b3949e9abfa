/* SPDX-License-Identifier: MIT */
// The owner's price policy, applied to a 402 challenge before the payment
// hook sees it: a requirement may ask at most what the owner allows (the
// local quote plus a margin, and no more than the budget has left). Amounts
// are read as USDC units: 6 decimals, so 1 unit = 1 micro-USD, the currency
// the service prices in. (A signer that pays another asset must check that
// asset and its decimals itself; the built-in one pins USDC.)
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/payment.h"

namespace consensus {

struct PriceCheck {
    size_t kept;            // requirements left in the challenge
    uint64_t highest_kept;  // the most a kept requirement asks (0: none kept)
    uint64_t lowest_asked;  // the least any requirement asked (for the refusal text)
};

/// A requirement's amount as a number; UINT64_MAX when it does not fit (no
/// decimal amount passes the policy then). The challenge parser has checked
/// that the amount is decimal digits.
uint64_t amount_units(StrView amount);

/// What a purchase quoted at `quote` may be asked: the quote plus
/// margin_ppm parts per million of it (rounded up), saturating.
uint64_t allowed_amount(uint64_t quote, uint32_t margin_ppm);

/// Removes from ch->accepts every requirement asking more than `allowed`,
/// keeping the order of the rest. No allocation.
PriceCheck keep_affordable(PaymentChallenge* ch, uint64_t allowed);

}  // namespace consensus
