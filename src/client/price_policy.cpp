// SPDX-License-Identifier: MIT
#include "client/price_policy.h"

namespace consensus {

uint64_t amount_units(StrView amount) {
    if (amount.size == 0) return UINT64_MAX;
    uint64_t v = 0;
    for (size_t i = 0; i < amount.size; ++i) {
        const char c = amount.data[i];
        if (c < '0' || c > '9') return UINT64_MAX;
        const uint64_t digit = static_cast<uint64_t>(c - '0');
        if (v > (UINT64_MAX - digit) / 10) return UINT64_MAX;
        v = v * 10 + digit;
    }
    return v;
}

uint64_t allowed_amount(uint64_t quote, uint32_t margin_ppm) {
    constexpr uint64_t kMillion = 1000000;
    // quote / 1e6 * ppm + rounding, without overflowing quote * ppm.
    if (margin_ppm != 0 && quote / kMillion > UINT64_MAX / margin_ppm) return UINT64_MAX;
    const uint64_t whole = quote / kMillion * margin_ppm;
    const uint64_t part = (quote % kMillion * margin_ppm + kMillion - 1) / kMillion;
    const uint64_t margin = whole + part;
    return margin > UINT64_MAX - quote ? UINT64_MAX : quote + margin;
}

PriceCheck keep_affordable(PaymentChallenge* ch, uint64_t allowed) {
    PriceCheck r{0, 0, UINT64_MAX};
    for (size_t i = 0; i < ch->accepts_count; ++i) {
        const uint64_t asked = amount_units(ch->accepts[i].amount);
        if (asked < r.lowest_asked) r.lowest_asked = asked;
        if (asked > allowed) continue;
        if (asked > r.highest_kept) r.highest_kept = asked;
        ch->accepts[r.kept++] = ch->accepts[i];
    }
    ch->accepts_count = r.kept;
    return r;
}

}  // namespace consensus
