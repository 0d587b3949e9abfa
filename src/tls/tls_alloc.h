/* SPDX-License-Identifier: MIT */
// mbedTLS's allocator (mbedtls_calloc / mbedtls_free), for what the core
// allocates on mbedTLS's behalf: the TLS session's mbedtls_ssl_context. What
// <mbedtls/platform.h> declares, without including it: it includes <stdio.h>
// in 2.28 and 3.6 alike, and no OS or stdio header may reach src/
// (scripts/test-cross, the firmware checks). The same three cases as
// platform.h, read from the build's mbedTLS configuration (version.h includes
// it on both lines):
//  - MBEDTLS_PLATFORM_MEMORY with both MBEDTLS_PLATFORM_{CALLOC,FREE}_MACRO:
//    the macros;
//  - MBEDTLS_PLATFORM_MEMORY without them (our 3.6 build, the firmware): the
//    functions, which forward to what mbedtls_platform_set_calloc_free set
//    (the firmware's counted arena);
//  - otherwise (Debian's 2.28): calloc and free.
#pragma once

#include <mbedtls/version.h>
#include <stddef.h>

#if defined(MBEDTLS_PLATFORM_MEMORY) && defined(MBEDTLS_PLATFORM_CALLOC_MACRO) && \
    defined(MBEDTLS_PLATFORM_FREE_MACRO)
#define CONSENSUS_TLS_CALLOC MBEDTLS_PLATFORM_CALLOC_MACRO
#define CONSENSUS_TLS_FREE MBEDTLS_PLATFORM_FREE_MACRO
#elif defined(MBEDTLS_PLATFORM_MEMORY)
extern "C" {
void* mbedtls_calloc(size_t n, size_t size);
void mbedtls_free(void* ptr);
}
#define CONSENSUS_TLS_CALLOC ::mbedtls_calloc
#define CONSENSUS_TLS_FREE ::mbedtls_free
#else
#include <stdlib.h>
#define CONSENSUS_TLS_CALLOC ::calloc
#define CONSENSUS_TLS_FREE ::free
#endif

namespace consensus {

/// n zeroed objects of size bytes from mbedTLS's heap, or nullptr.
inline void* tls_calloc(size_t n, size_t size) {
    return CONSENSUS_TLS_CALLOC(n, size);
}

/// Returns what tls_calloc gave (nullptr: nothing).
inline void tls_free(void* p) {
    CONSENSUS_TLS_FREE(p);
}

}  // namespace consensus

#undef CONSENSUS_TLS_CALLOC
#undef CONSENSUS_TLS_FREE
