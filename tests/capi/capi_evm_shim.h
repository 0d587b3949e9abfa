/* SPDX-License-Identifier: MIT */
/* C-callable shim over the C++ EVM payer for the C API's EVM test suite
 * (capi_evm_test.c): what the C++ types say, and the C++ signer paying the
 * same scripted purchase as a reference. */
#ifndef CONSENSUS_TESTS_CAPI_EVM_SHIM_H
#define CONSENSUS_TESTS_CAPI_EVM_SHIM_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/consensus.h"
#include "consensus/consensus_evm.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NULL when every field equals consensus::EvmSignerOptions{}'s, else the
 * name of the first that does not. */
const char* capi_evm_options_mismatch(const cws_evm_signer_options* o);
/* EvmSigner::memory_needed of the options, converted field by field here. */
size_t capi_evm_cpp_memory_needed(const cws_evm_signer_options* o);
/* consensus::evm_refusal_name of a raw value. */
const char* capi_evm_cpp_refusal_name(int r);
/* The C++ payer end to end: a consensus::Client (config and options
 * converted, no wall clock: the 402's Date) with EvmSigner::hook and
 * `key`, on a fresh fake port scripted with 402-hybrid.http then
 * paid-200.http, buys one token with request_token. Writes the
 * PAYMENT-SIGNATURE value it sent (NUL-terminated) and returns its size; 0
 * when none was sent or it does not fit. */
size_t capi_evm_cpp_reference_header(const cws_config* config, const cws_options* options,
                                     const uint8_t key[32], char* out, size_t cap);
/* The PAYMENT-SIGNATURE value in a stream's sent bytes (NUL-terminated) and
 * its size; 0 when there is none. */
size_t capi_evm_header_of(const char* sent, char* out, size_t cap);
/* base64-decodes a header into out (NUL-terminated); its size, 0 on failure. */
size_t capi_evm_decode(const char* b64, size_t n, char* out, size_t cap);
/* Signs a digest with a key (RFC 6979, r||s||v, v 27/28); 0 on failure. */
int capi_evm_sign(const uint8_t key[32], const uint8_t digest[32], uint8_t sig[65]);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_TESTS_CAPI_EVM_SHIM_H */
