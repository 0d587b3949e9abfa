// SPDX-License-Identifier: MIT
#include "device_payers.h"

#include <stdio.h>
#include <string.h>

#include <new>

#include "consensus/x402_evm.h"
#include "core/wipe.h"
#include "demo_payer.h"
#include "device.h"

namespace {

using consensus::PaymentDecision;

// EvmSigner::memory_needed for the options below on Cortex-M4 (the signer's
// state and libsecp256k1's context), checked before init.
constexpr size_t kSignerBytes = 512;
// A key file: 64 hex digits, an optional 0x, whitespace around.
constexpr size_t kMaxKeyFile = 256;

alignas(16) uint8_t g_signer_memory[kSignerBytes];
// Constructed in place when a key is given: a static EvmSigner would register
// its destructor for an exit the firmware never takes.
alignas(consensus::EvmSigner) uint8_t g_signer_storage[sizeof(consensus::EvmSigner)];
consensus::EvmSigner* g_signer = nullptr;

// The demo payload's validBefore needs the time: the port's wall clock (the
// host's through semihosting on the emulator), else the 402's Date header.
PaymentDecision demo_hook(void* user, const consensus::PaymentChallenge& challenge,
                          consensus::PaymentTicket, consensus::PaymentHeaderOut* header) {
    const cws_port* port = static_cast<const cws_port*>(user);
    uint64_t now_s = challenge.server_time_s;
    if (port->ops->wall_clock != nullptr) (void)port->ops->wall_clock(port->ctx, &now_s);
    uint8_t nonce[32];
    if (now_s == 0 || port->ops->random(port->ctx, nonce, sizeof nonce) != 0) {
        return PaymentDecision::refused;
    }
    return consensus::cli::demo_pay(challenge, now_s, nonce, header);
}

bool wallet_setup(const consensus::cli::Args& a, const cws_port& port, uint32_t max_header,
                  char* msg, size_t cap) {
    char text[kMaxKeyFile];
    uint8_t key[32];
    const long n = device_read_file(a.wallet_key, reinterpret_cast<uint8_t*>(text), sizeof text);
    const bool parsed =
        n > 0 && consensus::evm_parse_private_key(text, static_cast<size_t>(n), key);
    consensus::wipe(text, sizeof text);
    if (!parsed) {
        snprintf(msg, cap, "--wallet-key: '%s' %s", a.wallet_key,
                 n <= 0 ? "cannot be read" : "does not hold a private key (64 hex digits)");
        consensus::wipe(key, sizeof key);
        return false;
    }
    consensus::EvmSignerOptions o;
    o.private_key = key;
    o.port = &port;
    o.pay_to = a.pay_to;
    o.pay_to_count = a.pay_to_count;
    if (a.limit_micro_usd > 0) o.max_amount = a.limit_micro_usd;
    o.max_header = max_header;
    const char* why = "the signer does not fit its static memory";
    g_signer = new (g_signer_storage) consensus::EvmSigner;
    const bool ok =
        consensus::EvmSigner::memory_needed(o) <= sizeof g_signer_memory &&
        g_signer->init(o, g_signer_memory, sizeof g_signer_memory, &why) == consensus::Error::ok;
    consensus::wipe(key, sizeof key);
    if (!ok) snprintf(msg, cap, "--wallet-key: %s", why);
    return ok;
}

}  // namespace

bool device_payer_setup(const consensus::cli::Args& a, const cws_port& port,
                        consensus::ClientOptions* opt, char* msg, size_t cap) {
    if (a.demo_payer) {
        opt->payment_hook = demo_hook;
        opt->payment_user = const_cast<cws_port*>(&port);
        return true;
    }
    if (a.wallet_key == nullptr) {
        // Without a payer a 402 fails with payment_required, as on Linux:
        // the library still needs a hook that says so.
        opt->payment_hook = [](void*, const consensus::PaymentChallenge&, consensus::PaymentTicket,
                               consensus::PaymentHeaderOut*) { return PaymentDecision::decline; };
        return true;
    }
    if (!wallet_setup(a, port, consensus::Config{}.max_payment_header, msg, cap)) return false;
    opt->payment_hook = consensus::EvmSigner::hook;
    opt->payment_user = g_signer;
    return true;
}
