/* SPDX-License-Identifier: MIT */
// The dev server's own TLS (tls.cpp) and hashing (encoding.cpp) on either
// mbedTLS line the project builds with: 2.28 (Debian bookworm) or 3.6 LTS
// (-DCONSENSUS_MBEDTLS=3.6). The server links the library only with the EVM
// payer (CONSENSUS_EVM, for --verify-payments), so it keeps its few version
// differences here rather than borrowing src/tls/crypto.h.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha1.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

namespace devserver {

// 3.x: TLS 1.3 (and the key handling of its TLS 1.2) runs on PSA crypto,
// which must be started once per process. Nothing to do on 2.28.
inline bool mbedtls_start() {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS;
#else
    return true;
#endif
}

// One-shot SHA-1: mbedtls_sha1_ret on 2.28, mbedtls_sha1 (which now returns
// the status) on 3.x.
inline int sha1_digest(const unsigned char* data, size_t len, unsigned char digest[20]) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_sha1(data, len, digest);
#else
    return mbedtls_sha1_ret(data, len, digest);
#endif
}

// 3.x wants an RNG for the blinding of private key operations while parsing.
inline int parse_keyfile(mbedtls_pk_context* key, const char* path,
                         mbedtls_ctr_drbg_context* drbg) {
#if MBEDTLS_VERSION_MAJOR >= 3
    return mbedtls_pk_parse_keyfile(key, path, nullptr, mbedtls_ctr_drbg_random, drbg);
#else
    (void)drbg;
    return mbedtls_pk_parse_keyfile(key, path, nullptr);
#endif
}

// TLS 1.2 at least; the most recent the line has at most (1.2 on 2.28, whose
// TLS 1.3 is experimental and off in Debian's build; 1.3 on 3.6).
inline void min_tls_1_2(mbedtls_ssl_config* conf) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

}  // namespace devserver
