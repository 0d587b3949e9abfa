/* The EVM payer's signing path in the bare-metal image (see evm_probe.c). */
#ifndef CONSENSUS_FIRMWARE_EVM_PROBE_H
#define CONSENSUS_FIRMWARE_EVM_PROBE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Derives the public key of a fixed private key and signs a fixed digest
 * with it, recoverably, in a static libsecp256k1 context. pub: the
 * uncompressed key (0x04 || x || y); sig: r || s || v, v = 27 + recovery id.
 * 0 on success, else the number of the step that failed. */
int firmware_evm_probe(uint8_t pub[65], uint8_t sig[65]);

#ifdef __cplusplus
}
#endif

#endif
