/* SPDX-License-Identifier: MIT */
/* mbedTLS 2.28 configuration for the bare-metal image (firmware/).
 *
 * Debian's configuration cannot be used without an OS (it enables pthread
 * threading, BSD sockets, file I/O and timing). This one is a TLS 1.2 client
 * with what consensus-ws calls: ECDHE with ECDSA or RSA certificates, AES-GCM
 * and ChaCha20-Poly1305, X25519/P-256/P-384, PEM CA parsing, SHA-1 (the
 * WebSocket accept key), base64 (x402 headers) and CTR-DRBG (seeded by the
 * port's random()). Memory comes from mbedtls_memory_buffer_alloc over a
 * static arena, so the image has no malloc at all.
 *
 * Not enabled, and why: MBEDTLS_HAVE_TIME_DATE (no RTC here: certificate
 * validity dates are NOT checked; a board with a clock enables it and
 * supplies mbedtls_platform_gmtime_r), MBEDTLS_FS_IO (no files: pass the
 * CA as a PEM buffer), MBEDTLS_NET_C, MBEDTLS_TIMING_C, threading.
 */
#ifndef CONSENSUS_FIRMWARE_MBEDTLS_CONFIG_H
#define CONSENSUS_FIRMWARE_MBEDTLS_CONFIG_H

/* System support */
#define MBEDTLS_HAVE_ASM
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C
#define MBEDTLS_NO_PLATFORM_ENTROPY
/* snprintf only serves mbedtls' *_info() printers, which gc-sections drops. */

/* No C heap, no exit(): until mbedtls_memory_buffer_alloc_init() installs the
 * arena every allocation fails, and a corrupted arena halts (platform_hooks.c). */
#ifdef __cplusplus
extern "C" {
#endif
#include <stddef.h>
void* firmware_no_calloc(size_t n, size_t size);
void firmware_no_free(void* p);
__attribute__((noreturn)) void firmware_halt(int status);
#ifdef __cplusplus
}
#endif
#define MBEDTLS_PLATFORM_STD_CALLOC firmware_no_calloc
#define MBEDTLS_PLATFORM_STD_FREE firmware_no_free
#define MBEDTLS_PLATFORM_EXIT_MACRO firmware_halt

/* Hashes, ciphers, RNG */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA512_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES /* tables in flash, not 8 KiB of RAM */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_CIPHER_MODE_CBC
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CTR_DRBG_C
#define MBEDTLS_BASE64_C

/* Public key */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_PKCS1_V21
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PEM_PARSE_C

/* X.509 */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* TLS 1.2 client */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_ENCRYPT_THEN_MAC
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
/* A server may send 16 KiB records unless it honours max_fragment_length;
 * 16 KiB in is the safe value. Our own records are small. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#include "mbedtls/check_config.h"

#endif
