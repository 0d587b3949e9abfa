// SPDX-License-Identifier: MIT
#include "tls/crypto.h"

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>
#include <mbedtls/version.h>

#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
#include <psa/crypto.h>
#endif

#include "consensus/client.h"

namespace consensus {

namespace {

// 2.28 returns the status from the *_ret names (its plain names are void and
// deprecated); 3.x dropped the suffix and returns the status from the plain ones.
#if MBEDTLS_VERSION_MAJOR >= 3
int sha1_starts(mbedtls_sha1_context* c) {
    return mbedtls_sha1_starts(c);
}
int sha1_update(mbedtls_sha1_context* c, const unsigned char* p, size_t n) {
    return mbedtls_sha1_update(c, p, n);
}
int sha1_finish(mbedtls_sha1_context* c, unsigned char* out) {
    return mbedtls_sha1_finish(c, out);
}
#else
int sha1_starts(mbedtls_sha1_context* c) {
    return mbedtls_sha1_starts_ret(c);
}
int sha1_update(mbedtls_sha1_context* c, const unsigned char* p, size_t n) {
    return mbedtls_sha1_update_ret(c, p, n);
}
int sha1_finish(mbedtls_sha1_context* c, unsigned char* out) {
    return mbedtls_sha1_finish_ret(c, out);
}
#endif

Base64Status base64_status(int rc) {
    if (rc == 0) return Base64Status::ok;
    return rc == MBEDTLS_ERR_BASE64_BUFFER_TOO_SMALL ? Base64Status::too_small
                                                     : Base64Status::invalid;
}

}  // namespace

bool sha1(const void* a, size_t a_len, const void* b, size_t b_len, uint8_t digest[kSha1Bytes]) {
    mbedtls_sha1_context c;
    mbedtls_sha1_init(&c);
    bool ok =
        sha1_starts(&c) == 0 && sha1_update(&c, static_cast<const unsigned char*>(a), a_len) == 0;
    if (ok && b_len > 0) ok = sha1_update(&c, static_cast<const unsigned char*>(b), b_len) == 0;
    ok = ok && sha1_finish(&c, digest) == 0;
    mbedtls_sha1_free(&c);
    return ok;
}

Base64Status base64_encode(const uint8_t* src, size_t len, char* dst, size_t cap, size_t* out_len) {
    *out_len = 0;
    return base64_status(
        mbedtls_base64_encode(reinterpret_cast<unsigned char*>(dst), cap, out_len, src, len));
}

Base64Status base64_decode(const char* src, size_t len, uint8_t* dst, size_t cap, size_t* out_len) {
    *out_len = 0;
    return base64_status(
        mbedtls_base64_decode(dst, cap, out_len, reinterpret_cast<const unsigned char*>(src), len));
}

bool tls_crypto_init() {
#if MBEDTLS_VERSION_MAJOR >= 3 && defined(MBEDTLS_PSA_CRYPTO_C)
    // psa_crypto_init is itself idempotent; the flag only saves the call.
    static bool started = false;
    if (!started) started = psa_crypto_init() == PSA_SUCCESS;
    return started;
#else
    return true;
#endif
}

// The public name of the linked mbedTLS (include/consensus/client.h). With
// MBEDTLS_VERSION_C it is the library's own answer, which for a shared
// system library may differ from the headers the code was compiled with.
const char* tls_library_version() {
#if defined(MBEDTLS_VERSION_C)
    static char text[18];  // mbedtls_version_get_string writes at most 9 bytes
    if (text[0] == '\0') mbedtls_version_get_string(text);
    return text;
#else
    return MBEDTLS_VERSION_STRING;
#endif
}

}  // namespace consensus
