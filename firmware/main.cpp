// The bare-metal image: one client in a static buffer on the stub port, one
// managed session started, a few polls; with CONSENSUS_EVM, one secp256k1
// signature first (evm_probe.c). It exists to be linked and inspected
// (scripts/test-cross checks its symbols, scripts/footprint its sections).
#include <mbedtls/memory_buffer_alloc.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/client.h"
#if CONSENSUS_FIRMWARE_EVM
#include "evm_probe.h"
#endif
#include "footprint_configs.h"
#include "stub_port.h"

namespace {

constexpr uint32_t kCoreHz = 16000000;  // HSI after reset
// Sized for the minimal configuration; init() refuses a smaller buffer.
constexpr size_t kClientBytes = 12 * 1024;
// mbedTLS's heap: record buffers (16 KiB in + 4 KiB out) plus the handshake.
constexpr size_t kTlsArenaBytes = 48 * 1024;
constexpr int kPolls = 8;

alignas(16) uint8_t g_client_memory[kClientBytes];
uint8_t g_tls_arena[kTlsArenaBytes];
consensus::Client g_client;

// The outcome, kept where a debugger can read it.
volatile int g_init_error = -1;
volatile int g_open_error = -1;
volatile int g_last_error = -1;
volatile int g_active = -1;
#if CONSENSUS_FIRMWARE_EVM
volatile int g_evm_error = -1;
uint8_t g_evm_public_key[65];
uint8_t g_evm_signature[65];
#endif

// No wallet on this board: decline, so a 402 ends the request cleanly.
consensus::PaymentDecision decline(void*, const consensus::PaymentChallenge&,
                                   consensus::PaymentTicket, consensus::PaymentHeaderOut*) {
    return consensus::PaymentDecision::decline;
}

void on_event(void*, consensus::Session&, const consensus::Event& event) {
    if (event.type == consensus::EventType::error || event.type == consensus::EventType::ended) {
        g_last_error = static_cast<int>(event.error);
    }
}

}  // namespace

int main() {
    stub_port_init(kCoreHz);
#if CONSENSUS_FIRMWARE_EVM
    // The EVM payer's signing path (libsecp256k1), until consensus_evm is
    // built here and signs through the payment hook.
    g_evm_error = firmware_evm_probe(g_evm_public_key, g_evm_signature);
#endif
    // mbedTLS allocates only from this arena: the image has no malloc.
    mbedtls_memory_buffer_alloc_init(g_tls_arena, sizeof g_tls_arena);

    const consensus::Config config = consensus_footprint::minimal_config();
    consensus::ClientOptions options;
    options.payment_hook = &decline;
    const cws_port port = stub_port();
    g_init_error = static_cast<int>(
        g_client.init(config, options, port, g_client_memory, sizeof g_client_memory));
    if (g_init_error != 0) return 1;

    consensus::SessionOptions session_options;
    session_options.listener = &on_event;
    consensus::Session session;
    g_open_error = static_cast<int>(
        g_client.open_session(consensus::TokenParams{}, session_options, &session));
    for (int i = 0; i < kPolls; ++i) g_active = g_client.poll(10);
    g_client.deinit();
    return 0;
}
