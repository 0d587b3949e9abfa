// SPDX-License-Identifier: MIT
// The bare-metal image: one client in a static buffer on the stub port, one
// managed session started, a few polls; with CONSENSUS_EVM, the built-in EVM
// payer first pays the service's captured 402 challenge (evm_payer.cpp). It
// exists to be linked and inspected (scripts/test-cross checks its symbols,
// scripts/footprint its sections).
#include <mbedtls/memory_buffer_alloc.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/client.h"
#if CONSENSUS_FIRMWARE_EVM
#include "evm_payer.h"
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
volatile int g_evm_refusal = -1;
const char* volatile g_evm_header = nullptr;  // the PAYMENT-SIGNATURE value
volatile size_t g_evm_header_size = 0;
#endif

// The client declines a 402, so a 402 ends the request cleanly: the payer
// above holds a throwaway key, and the minimal configuration's 1 KiB payment
// header is smaller than the service's payment (1,112 B).
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
    const cws_port port = stub_port();
#if CONSENSUS_FIRMWARE_EVM
    const FirmwareEvmResult paid = firmware_evm_pay(&port);
    g_evm_error = paid.step;
    g_evm_refusal = paid.refusal;
    g_evm_header = paid.header;
    g_evm_header_size = paid.header_size;
#endif
    // mbedTLS allocates only from this arena: the image has no malloc.
    mbedtls_memory_buffer_alloc_init(g_tls_arena, sizeof g_tls_arena);

    const consensus::Config config = consensus_footprint::minimal_config();
    consensus::ClientOptions options;
    options.payment_hook = &decline;
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
