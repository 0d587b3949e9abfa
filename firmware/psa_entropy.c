/* SPDX-License-Identifier: MIT */
/* PSA's entropy on the mbedTLS 3.6 image (mbedtls-3.6-config.h).
 *
 * TLS 1.3 generates its ECDHE keys through PSA, and PSA draws from its own
 * CTR-DRBG, which mbedTLS's entropy module seeds and reseeds. Without an OS
 * (MBEDTLS_NO_PLATFORM_ENTROPY) the module's only source is this function
 * (MBEDTLS_ENTROPY_HARDWARE_ALT, a "strong" source; psa_crypto_init fails
 * without it): it reads the port's random() op, the entropy source that also
 * seeds the library's own CTR-DRBG (core/rng). A board does the same with
 * its own port. The entropy module conditions what it gathers (SHA-512)
 * before it seeds the DRBG, so a raw TRNG is fine here.
 *
 * A failing source (the RNG's seed or clock error, a stuck peripheral) fails
 * psa_crypto_init, and with it Client::init's TLS set-up, rather than let
 * PSA run on weak keys. */
#include <mbedtls/entropy.h>
#include <stddef.h>

#include "stub_port.h"

int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen);

int mbedtls_hardware_poll(void* data, unsigned char* output, size_t len, size_t* olen) {
    (void)data; /* always NULL: the entropy module passes no context */
    const cws_port port = stub_port();
    *olen = 0;
    if (port.ops->random(port.ctx, output, len) != 0) return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
    *olen = len;
    return 0;
}
