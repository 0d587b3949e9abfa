// SPDX-License-Identifier: MIT
#include "core/rng.h"

#include <string.h>

namespace consensus {

namespace {

// Personalisation string: separates our DRBG stream from any other user of
// the same entropy source (NIST SP 800-90A recommends one).
constexpr unsigned char kPersonal[] = "consensus-ws rng v1";

}  // namespace

Rng::Rng() : drbg_{}, port_{nullptr, nullptr}, ready_(false), pool_{}, pool_pos_(kPoolBytes) {
    mbedtls_ctr_drbg_init(&drbg_);
}

Rng::~Rng() {
    deinit();
}

void Rng::deinit() {
    // ctr_drbg_free also zeroises the state; init again so free stays idempotent.
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_ctr_drbg_init(&drbg_);
    memset(pool_, 0, sizeof pool_);
    pool_pos_ = kPoolBytes;
    ready_ = false;
}

int Rng::entropy(void* self, unsigned char* out, size_t len) {
    const Rng* r = static_cast<const Rng*>(self);
    if (r->port_.ops == nullptr || r->port_.ops->random == nullptr) {
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    }
    return r->port_.ops->random(r->port_.ctx, out, len) == 0
               ? 0
               : MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
}

Error Rng::init(const cws_port& port) {
    deinit();
    if (port.ops == nullptr || port.ops->random == nullptr) return Error::invalid_config;
    port_ = port;
    const int rc =
        mbedtls_ctr_drbg_seed(&drbg_, &Rng::entropy, this, kPersonal, sizeof kPersonal - 1);
    if (rc != 0) {
        deinit();
        return Error::invalid_config;
    }
    ready_ = true;
    return Error::ok;
}

Error Rng::refill() {
    if (mbedtls_ctr_drbg_random(&drbg_, pool_, sizeof pool_) != 0) return Error::invalid_config;
    pool_pos_ = 0;
    return Error::ok;
}

Error Rng::fill(uint8_t* out, size_t len) {
    if (len == 0) return Error::ok;
    if (!ready_) {
        memset(out, 0, len);
        return Error::invalid_config;
    }
    size_t done = 0;
    while (done < len) {
        const size_t want = len - done;
        if (pool_pos_ == kPoolBytes && want >= kPoolBytes) {
            // Large request: draw straight into out (bounded per DRBG call).
            const size_t n =
                want < MBEDTLS_CTR_DRBG_MAX_REQUEST ? want : MBEDTLS_CTR_DRBG_MAX_REQUEST;
            if (mbedtls_ctr_drbg_random(&drbg_, out + done, n) != 0) break;
            done += n;
            continue;
        }
        if (pool_pos_ == kPoolBytes && refill() != Error::ok) break;
        const size_t avail = kPoolBytes - pool_pos_;
        const size_t n = want < avail ? want : avail;
        memcpy(out + done, pool_ + pool_pos_, n);
        // Bytes handed out are wiped from the pool: no second copy stays behind.
        memset(pool_ + pool_pos_, 0, n);
        pool_pos_ += n;
        done += n;
    }
    if (done == len) return Error::ok;
    memset(out, 0, len);
    return Error::invalid_config;
}

int Rng::mbedtls_rng(void* rng, unsigned char* out, size_t len) {
    Rng* r = static_cast<Rng*>(rng);
    if (r == nullptr || !r->ready_) return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    return mbedtls_ctr_drbg_random(&r->drbg_, out, len);
}

}  // namespace consensus
