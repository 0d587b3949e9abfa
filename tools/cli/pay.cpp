// SPDX-License-Identifier: MIT
#include "pay.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "consensus/config.h"
#include "consensus/port_posix.h"
#include "exit_status.h"
#include "payer.h"
#include "wallet.h"

namespace consensus {
namespace cli {

namespace {

// The longest PAYMENT-SIGNATURE value `pay` writes (the library's own limit).
constexpr uint32_t kMaxHeader = kMaxPaymentHeader;

int usage_error(const Output& out, const char* msg) {
    print_error(out, kNoSession, Error::invalid_config, msg, strlen(msg), 0);
    return kExitUsage;
}

int refused(const Output& out, Error code, const char* msg) {
    print_error(out, kNoSession, code, msg, strlen(msg), 0);
    return kExitNoToken;
}

// All of stdin, up to cap - 1 bytes; false when there is more or it fails.
bool read_stdin(char* buf, size_t cap, size_t* len) {
    size_t n = 0;
    ssize_t r = 0;
    while (n < cap && (r = read(STDIN_FILENO, buf + n, cap - n)) > 0) n += static_cast<size_t>(r);
    if (r < 0 || n == cap) return false;
    *len = n;
    return true;
}

bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// The challenge JSON, whitespace around it ignored.
Error parse_input(const char* text, size_t n, void* scratch, size_t scratch_len,
                  PaymentChallenge* ch) {
    size_t b = 0;
    while (b < n && is_space(text[b])) ++b;
    while (n > b && is_space(text[n - 1])) --n;
    return parse_payment_challenge(text + b, n - b, scratch, scratch_len, ch);
}

// The POSIX port, for the signer's entropy and wall clock (no stream is opened).
struct Port {
    void* memory = nullptr;
    cws_posix_port* port = nullptr;
    cws_port ops{};
    bool open() {
        const size_t bytes = cws_posix_port_bytes(1);
        memory = malloc(bytes);
        if (memory == nullptr || cws_posix_port_init(memory, bytes, 1, &port) != 0) return false;
        ops = cws_posix_port_get(port);
        return true;
    }
    ~Port() {
        if (port != nullptr) cws_posix_port_deinit(port);
        free(memory);
    }
};

}  // namespace

int run_address(const Args& args, const Output& out) {
    char msg[256];
    uint8_t key[32];
    if (!load_wallet_key(args.wallet_key, key, msg, sizeof msg)) return usage_error(out, msg);
    EvmAddress a;
    const bool ok = evm_key_address(key, &a);
    wipe_secret(key, sizeof key);
    if (!ok) return usage_error(out, "--wallet-key: not a valid key");
    char text[43];
    evm_address_text(a, text);
    if (out.json) {
        printf("{\"type\":\"address\",\"address\":\"%s\"}\n", text);
    } else {
        printf("%s\n", text);
    }
    return kExitOk;
}

int run_pay(const Args& args, const Output& out) {
    Port port;
    if (!port.open()) return usage_error(out, "cannot set up the POSIX port");
    Wallet wallet;
    char msg[256];
    if (!wallet.open(args, &port.ops, kMaxHeader, msg, sizeof msg)) return usage_error(out, msg);

    static char input[kMaxChallengeToPayer + 1];
    alignas(8) static unsigned char scratch[64 * 1024];
    size_t n = 0;
    if (!read_stdin(input, sizeof input, &n)) {
        return refused(out, Error::message_too_large, "pay: stdin is not a challenge (too long)");
    }
    PaymentChallenge ch;
    if (parse_input(input, n, scratch, sizeof scratch, &ch) != Error::ok) {
        return refused(out, Error::bad_response, "pay: stdin is not a PaymentRequired JSON");
    }
    static char header[kMaxHeader];
    PaymentHeaderOut h{header, sizeof header, 0};
    if (EvmSigner::hook(&wallet.signer(), ch, PaymentTicket{1}, &h) != PaymentDecision::paid) {
        snprintf(msg, sizeof msg, "pay: %s (%s)", h.refusal != nullptr ? h.refusal : "refused",
                 evm_refusal_name(wallet.signer().last_refusal()));
        return refused(out, Error::payment_refused, msg);
    }
    fwrite(header, 1, h.size, stdout);
    fputc('\n', stdout);
    memset(header, 0, h.size);
    return fflush(stdout) == 0 ? kExitOk : kExitNoToken;
}

}  // namespace cli
}  // namespace consensus
