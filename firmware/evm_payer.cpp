// SPDX-License-Identifier: MIT
// The built-in EVM payer (consensus_evm, issue 11) in the bare-metal image:
// an EvmSigner in static memory on the stub port pays the service's captured
// 402 challenge once, as a client's payment hook would on a real board. The
// board has no network, so the challenge is an embedded copy and the hook is
// called directly; the image is linked and inspected, not run (the stub
// port's random reads the STM32 RNG).
//
// Time: the stub port has no wall clock (its wall_clock op is NULL), so the
// signer takes the time from the 402's Date header
// (PaymentChallenge::server_time_s), as on a board without an RTC.
#include "evm_payer.h"

#include <stdint.h>

#include "consensus/payment.h"
#include "consensus/x402_evm.h"

namespace {

// EvmSigner::memory_needed(options) for the options below (defaults:
// max_pending 0): the signer's state and libsecp256k1's context. The
// context's size is a function of the library (180 B on Cortex-M4), not a
// constant, so the buffer has a fixed size and is checked before init.
constexpr size_t kSignerBytes = 336;
// EvmSignerOptions::max_header's default: the header of this challenge takes
// 1,112 B (the JSON is written here first, then base64-encoded in place).
constexpr size_t kHeaderBytes = 2048;
// jsmn tokens of the challenge (20 B each; this one has 34).
constexpr size_t kScratchBytes = 1024;

// tests/vectors/x402/402-hybrid.json as the service sends it: the decoded
// PAYMENT-REQUIRED header of 402-hybrid.http, byte for byte.
constexpr char kChallenge[] =
    "{\"x402Version\":2,\"error\":\"Payment required\",\"resource\":{\"url\":"
    "\"http://127.0.0.1:18402/ws?model=hybrid&minutes=5&megabytes=50\","
    "\"description\":\"Pay-per-use WebSockets on demand\",\"mimeType\":\"application/json\"},"
    "\"accepts\":[{\"scheme\":\"exact\",\"network\":\"eip155:84532\",\"amount\":\"7500\","
    "\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\","
    "\"payTo\":\"0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE\",\"maxTimeoutSeconds\":300,"
    "\"extra\":{\"name\":\"USDC\",\"version\":\"2\"}}]}";
// Its Date header: Wed, 25 Nov 2026 16:48:29 GMT.
constexpr uint64_t kChallengeDate = 1795625309;

// A throwaway key (it is in this file: never fund its address). A real board
// keeps its key in protected storage, or signs outside (sign_digest).
constexpr uint8_t kKey[32] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b,
                              0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16,
                              0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20};

alignas(16) uint8_t g_signer_memory[kSignerBytes];
alignas(8) uint8_t g_challenge_tokens[kScratchBytes];
char g_header[kHeaderBytes];

}  // namespace

FirmwareEvmResult firmware_evm_pay(const cws_port* port) {
    FirmwareEvmResult result{0, 0, g_header, 0};
    consensus::EvmSignerOptions options;
    options.private_key = kKey;
    options.port = port;
    if (consensus::EvmSigner::memory_needed(options) > sizeof g_signer_memory) {
        result.step = 1;
        return result;
    }
    consensus::EvmSigner signer;
    if (signer.init(options, g_signer_memory, sizeof g_signer_memory) != consensus::Error::ok) {
        result.step = 2;
        return result;
    }
    consensus::PaymentChallenge challenge;
    if (consensus::parse_payment_challenge(kChallenge, sizeof kChallenge - 1, g_challenge_tokens,
                                           sizeof g_challenge_tokens,
                                           &challenge) != consensus::Error::ok) {
        result.step = 3;
        return result;
    }
    challenge.server_time_s = kChallengeDate;
    consensus::PaymentHeaderOut out{g_header, sizeof g_header, 0};
    const consensus::PaymentDecision decision =
        consensus::EvmSigner::hook(&signer, challenge, consensus::PaymentTicket{1}, &out);
    result.refusal = static_cast<int>(signer.last_refusal());
    signer.deinit();  // wipes the key copy and the context
    if (decision != consensus::PaymentDecision::paid) {
        result.step = 4;
        return result;
    }
    result.header_size = out.size;
    return result;
}
