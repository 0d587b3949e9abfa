// SPDX-License-Identifier: MIT
// demo_payment_hook: build_demo_payment with the host's clock and getrandom.
// Apart from demo_payer.cpp so that the payload builder stays portable (the
// firmware's connect links it with its own clock and entropy).
#include <sys/random.h>
#include <time.h>

#include "demo_payer.h"

namespace consensus {
namespace cli {

PaymentDecision demo_payment_hook(void* /*user*/, const PaymentChallenge& challenge,
                                  PaymentTicket /*ticket*/, PaymentHeaderOut* header) {
    uint8_t nonce[32];
    if (getrandom(nonce, sizeof nonce, 0) != static_cast<ssize_t>(sizeof nonce)) {
        return PaymentDecision::refused;
    }
    return demo_pay(challenge, static_cast<uint64_t>(time(nullptr)), nonce, header);
}

}  // namespace cli
}  // namespace consensus
