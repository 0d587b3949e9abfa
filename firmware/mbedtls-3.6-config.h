/* SPDX-License-Identifier: MIT */
/* mbedTLS 3.6 LTS configuration for the bare-metal image (firmware/,
 * -DCONSENSUS_MBEDTLS=3.6; built once by `scripts/install-mbedtls-3.6
 * cortex-m4`, which scripts/install-cross-deps cortex-m runs).
 *
 * Passed as MBEDTLS_CONFIG_FILE both when mbedTLS is built and to everything
 * that includes its headers (firmware/CMakeLists.txt): the struct layouts
 * depend on it. The install script records its SHA-256 in the prefix's
 * stamp; firmware/CMakeLists.txt refuses a prefix built from another
 * version of it.
 *
 * A TLS 1.3 and TLS 1.2 client, the counterpart of mbedtls_config.h (the 2.28
 * image's) with what 3.6 adds for TLS 1.3 and nothing else:
 *   - TLS 1.3 (full handshake, ephemeral ECDHE) and TLS 1.2 (ECDHE-ECDSA,
 *     ECDHE-RSA), certificates verified (X.509 parsing, RSA PKCS#1 v1.5 and
 *     PSS, ECDSA), server name indication, max_fragment_length, extended
 *     master secret, TLS 1.3 middlebox compatibility (upstream's default);
 *   - AES-GCM and ChaCha20-Poly1305 only (TLS_AES_128_GCM_SHA256,
 *     TLS_AES_256_GCM_SHA384, TLS_CHACHA20_POLY1305_SHA256 and their TLS 1.2
 *     ECDHE counterparts); X25519, P-256 and P-384;
 *   - PSA crypto, which TLS 1.3 runs on (key exchange, HKDF, transcript):
 *     volatile keys in a fixed key store, no storage;
 *   - SHA-1 (the WebSocket accept key), base64 (x402 headers), CTR-DRBG (the
 *     library's generator, seeded by the port's random()).
 *
 * Trimmed against the host's cmake/mbedtls-3.6-config.h, and why:
 *   - no file system, sockets, time or OS entropy (MBEDTLS_FS_IO, NET_C,
 *     HAVE_TIME, HAVE_TIME_DATE, platform entropy): a board has none. As in
 *     the 2.28 image, certificate validity dates are NOT checked; a board
 *     with a clock enables MBEDTLS_HAVE_TIME_DATE and supplies
 *     mbedtls_platform_gmtime_r;
 *   - no CBC (the ciphers are AES-GCM and ChaCha20-Poly1305), so no
 *     encrypt-then-MAC, and no AES decryption at all
 *     (MBEDTLS_BLOCK_CIPHER_NO_DECRYPT: GCM and CTR-DRBG only encrypt);
 *   - no TLS server, no renegotiation, no session tickets or TLS 1.3 PSK
 *     (no resumption on the device yet), no P-521, no SHA-224, no
 *     deterministic ECDSA, HMAC-DRBG, PK or PEM writing, RSASSA-PSS
 *     certificate signatures, error strings or version queries;
 *   - PSA: a fixed key store (no MBEDTLS_PSA_KEY_STORE_DYNAMIC) and
 *     MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS (PSA runs in the caller's address
 *     space, no buffer is shared with another party: PSA need not copy
 *     them).
 *
 * Entropy for PSA. TLS 1.3 generates its ECDHE keys with PSA, which draws
 * from its own CTR-DRBG, seeded by mbedTLS's entropy module. Without an OS
 * that module has one source: MBEDTLS_ENTROPY_HARDWARE_ALT, i.e.
 * mbedtls_hardware_poll(), which the firmware defines on the port's random()
 * op (firmware/psa_entropy.c), the same source that seeds the library's own
 * CTR-DRBG. Not MBEDTLS_PSA_CRYPTO_EXTERNAL_RNG: that option (experimental
 * in 3.6) hands every PSA random request to the platform unconditioned and
 * requires a DRBG-quality generator there, while a port's random() is an
 * entropy source (docs/PORTING.md, section 7).
 *
 * Only the options listed here are on; everything else is off. mbedTLS's
 * check_config.h (included by build_info.h after this file) rejects an
 * inconsistent set at compile time.
 */
#ifndef CONSENSUS_FIRMWARE_MBEDTLS_3_6_CONFIG_H
#define CONSENSUS_FIRMWARE_MBEDTLS_3_6_CONFIG_H

/* ---- Platform: no OS, no heap ------------------------------------------- */
#define MBEDTLS_HAVE_ASM /* Thumb-2 multiply-accumulate in bignum */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_PLATFORM_MEMORY
#define MBEDTLS_MEMORY_BUFFER_ALLOC_C /* mbedTLS's heap is a static arena (main.cpp) */
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_HARDWARE_ALT /* mbedtls_hardware_poll: the port's random() */
#define MBEDTLS_ENTROPY_C            /* PSA's generator is seeded from it */
#define MBEDTLS_CTR_DRBG_C           /* PSA's generator and the library's (core/rng) */

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

/* ---- PSA crypto: TLS 1.3 runs on it --------------------------------------- */
/* psa_crypto_init() runs once, before the first TLS context (src/tls/crypto.h).
 * The key store is a fixed array of MBEDTLS_PSA_KEY_SLOT_COUNT (32) slots in
 * .bss; key material comes from the arena. */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_PSA_ASSUME_EXCLUSIVE_BUFFERS

/* ---- Ciphers: AES-GCM, ChaCha20-Poly1305 ---------------------------------- */
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES          /* tables in flash, not 8 KiB of RAM */
#define MBEDTLS_BLOCK_CIPHER_NO_DECRYPT /* GCM and CTR-DRBG only encrypt */
#define MBEDTLS_GCM_C
#define MBEDTLS_CHACHA20_C
#define MBEDTLS_POLY1305_C
#define MBEDTLS_CHACHAPOLY_C
#define MBEDTLS_CIPHER_C

/* ---- Hashes --------------------------------------------------------------- */
#define MBEDTLS_MD_C
#define MBEDTLS_SHA1_C /* Sec-WebSocket-Accept (RFC 6455), SHA-1 signed roots */
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA384_C /* TLS_AES_256_GCM_SHA384, P-384 chains */
#define MBEDTLS_SHA512_C /* SHA-384's implementation; SHA-512 signed certificates */
#define MBEDTLS_HKDF_C   /* the TLS 1.3 key schedule (PSA's HKDF is derived from it) */
#define MBEDTLS_BASE64_C /* PEM, and base64 in the core (src/tls/crypto.h) */

/* ---- Public key ----------------------------------------------------------- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_ECP_C
#define MBEDTLS_ECP_NIST_OPTIM
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_DP_CURVE25519_ENABLED
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15 /* RSA certificate signatures, TLS 1.2 */
#define MBEDTLS_PKCS1_V21 /* RSA-PSS: TLS 1.3 servers with RSA keys sign with it */
#define MBEDTLS_OID_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA_C requires it (writing signatures) */
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_PEM_PARSE_C /* CA roots as PEM (ClientOptions::ca_pem) */

/* ---- X.509: verification only --------------------------------------------- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C

/* ---- TLS 1.3 and 1.2 client ----------------------------------------------- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_SSL_SERVER_NAME_INDICATION
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
/* Built with cmake/mbedtls-3.6-mfl.patch (install-mbedtls-3.6 applies it to
 * every target): src/tls may ask for a Maximum Fragment Length, which
 * released 3.6 gets wrong under TLS 1.3. */
#define CONSENSUS_MBEDTLS_MFL_PATCHED 1
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
/* TLS 1.3 in 3.6 requires the peer's certificate kept (check_config.h). */
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE
/* As the 2.28 image: a server may send 16 KiB records unless it honours
 * max_fragment_length, so 16 KiB in; our own records are small. */
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 4096

#endif /* CONSENSUS_FIRMWARE_MBEDTLS_3_6_CONFIG_H */
