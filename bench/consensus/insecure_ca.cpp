// SPDX-License-Identifier: MIT
#include "insecure_ca.h"

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/net_sockets.h>
#include <mbedtls/pem.h>
#include <mbedtls/ssl.h>

#include "tls/crypto.h"

namespace bench {

namespace {

// Everything one probe handshake needs; freed in one place.
struct Probe {
    mbedtls_net_context net;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    mbedtls_ssl_config conf;
    mbedtls_ssl_context ssl;

    Probe() {
        mbedtls_net_init(&net);
        mbedtls_entropy_init(&entropy);
        mbedtls_ctr_drbg_init(&drbg);
        mbedtls_ssl_config_init(&conf);
        mbedtls_ssl_init(&ssl);
    }
    ~Probe() {
        mbedtls_ssl_free(&ssl);
        mbedtls_ssl_config_free(&conf);
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
        mbedtls_net_free(&net);
    }
    Probe(const Probe&) = delete;
    Probe& operator=(const Probe&) = delete;
};

bool setup(Probe& p, const char* host, const char** why) {
    static const unsigned char kPers[] = "consensus-ws-bench";
    if (!consensus::tls_crypto_init()) {  // PSA crypto on mbedTLS 3.x
        *why = "crypto start-up";
        return false;
    }
    if (mbedtls_ctr_drbg_seed(&p.drbg, mbedtls_entropy_func, &p.entropy, kPers, sizeof kPers - 1) !=
        0) {
        *why = "entropy";
        return false;
    }
    if (mbedtls_ssl_config_defaults(&p.conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        *why = "TLS config";
        return false;
    }
    // The probe only reads the certificate; the measured connections verify it.
    mbedtls_ssl_conf_authmode(&p.conf, MBEDTLS_SSL_VERIFY_NONE);
    mbedtls_ssl_conf_rng(&p.conf, mbedtls_ctr_drbg_random, &p.drbg);
    if (mbedtls_ssl_setup(&p.ssl, &p.conf) != 0 || mbedtls_ssl_set_hostname(&p.ssl, host) != 0) {
        *why = "TLS setup";
        return false;
    }
    return true;
}

bool handshake(Probe& p, const char** why) {
    for (int i = 0; i < 1000; ++i) {  // blocking socket: a handful of rounds at most
        const int rc = mbedtls_ssl_handshake(&p.ssl);
        if (rc == 0) return true;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) break;
    }
    *why = "TLS handshake with the server failed";
    return false;
}

}  // namespace

bool fetch_server_cert_pem(const char* host, const char* port, char* out, size_t cap, size_t* len,
                           const char** why) {
    Probe p;
    if (!setup(p, host, why)) return false;
    if (mbedtls_net_connect(&p.net, host, port, MBEDTLS_NET_PROTO_TCP) != 0) {
        *why = "cannot connect to the server";
        return false;
    }
    mbedtls_ssl_set_bio(&p.ssl, &p.net, mbedtls_net_send, mbedtls_net_recv, nullptr);
    if (!handshake(p, why)) return false;
    const mbedtls_x509_crt* crt = mbedtls_ssl_get_peer_cert(&p.ssl);
    if (crt == nullptr) {
        *why = "the server sent no certificate";
        return false;
    }
    size_t olen = 0;
    if (mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                 crt->raw.p, crt->raw.len, reinterpret_cast<unsigned char*>(out),
                                 cap, &olen) != 0) {
        *why = "certificate too large";
        return false;
    }
    (void)mbedtls_ssl_close_notify(&p.ssl);
    *len = olen;  // includes the NUL
    return true;
}

}  // namespace bench
