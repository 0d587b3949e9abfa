/* SPDX-License-Identifier: MIT */
// The library's random generator: mbedTLS CTR-DRBG seeded from the port's
// entropy source. Feeds TLS (mbedtls_ssl_conf_rng), WebSocket masks and
// Sec-WebSocket-Key. One per client; single-threaded.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/port.h"

namespace consensus {

class Rng {
  public:
    /// Bytes handed out from one CTR-DRBG call; a 4-byte mask costs a copy.
    static constexpr size_t kPoolBytes = 64;

    Rng();
    ~Rng();
    Rng(const Rng&) = delete;
    Rng& operator=(const Rng&) = delete;

    /// Seeds CTR-DRBG from port.ops->random (48 bytes of entropy plus nonce;
    /// reseeds later draw again from the same callback, so `port` must stay
    /// valid while the Rng is used: it is copied, its ctx is not).
    /// Errors: invalid_config when the port has no random op or it fails.
    /// Memory: this object only (~0.4 KB); nothing allocated.
    /// Calling init again re-seeds from scratch.
    Error init(const cws_port& port);

    /// Releases the DRBG state (idempotent; also done by the destructor).
    void deinit();

    bool ready() const { return ready_; }

    /// Fills out with len random bytes. Small requests are served from an
    /// internal 64-byte pool refilled by one CTR-DRBG call, so a per-frame
    /// 4-byte mask is a memcpy most of the time.
    /// Errors: invalid_config when not initialised or a due reseed failed
    /// (the port's random broke); out is then zero-filled. Callers that only
    /// need masks may ignore the result; key material must not.
    Error fill(uint8_t* out, size_t len);

    /// mbedTLS RNG callback: pass an initialised Rng* as p_rng
    /// (mbedtls_ssl_conf_rng(&conf, Rng::mbedtls_rng, &rng)). Draws directly
    /// from CTR-DRBG, never from the mask pool. Returns 0 or an mbedTLS error.
    static int mbedtls_rng(void* rng, unsigned char* out, size_t len);

  private:
    static int entropy(void* self, unsigned char* out, size_t len);
    Error refill();

    mbedtls_ctr_drbg_context drbg_;
    cws_port port_;
    bool ready_;
    uint8_t pool_[kPoolBytes];
    size_t pool_pos_;  // next unused byte of pool_; kPoolBytes = empty
};

}  // namespace consensus
