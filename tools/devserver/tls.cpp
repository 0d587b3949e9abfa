// SPDX-License-Identifier: MIT
#include "tls.h"

#include <mbedtls/error.h>

#include "mbedtls_lines.h"

namespace devserver {

namespace {

constexpr char kPersonalization[] = "consensus-devserver";

}  // namespace

TlsServer::TlsServer() {
    mbedtls_entropy_init(&entropy_);
    mbedtls_ctr_drbg_init(&drbg_);
    mbedtls_x509_crt_init(&chain_);
    mbedtls_pk_init(&key_);
    mbedtls_ssl_config_init(&conf_);
}

TlsServer::~TlsServer() {
    mbedtls_ssl_config_free(&conf_);
    mbedtls_pk_free(&key_);
    mbedtls_x509_crt_free(&chain_);
    mbedtls_ctr_drbg_free(&drbg_);
    mbedtls_entropy_free(&entropy_);
}

std::string tls_error_text(int code) {
    char buf[160];
    mbedtls_strerror(code, buf, sizeof buf);
    return buf;
}

bool TlsServer::init(const std::string& cert_file, const std::string& key_file,
                     std::string& error) {
    if (!mbedtls_start()) {
        error = "TLS setup failed: PSA crypto did not start";
        return false;
    }
    int rc = mbedtls_ctr_drbg_seed(&drbg_, mbedtls_entropy_func, &entropy_,
                                   reinterpret_cast<const unsigned char*>(kPersonalization),
                                   sizeof kPersonalization - 1);
    if (rc == 0 && (rc = mbedtls_x509_crt_parse_file(&chain_, cert_file.c_str())) != 0) {
        error = "cannot load certificate " + cert_file + ": " + tls_error_text(rc);
        return false;
    }
    if (rc == 0 && (rc = parse_keyfile(&key_, key_file.c_str(), &drbg_)) != 0) {
        error = "cannot load key " + key_file + ": " + tls_error_text(rc);
        return false;
    }
    if (rc == 0) {
        rc = mbedtls_ssl_config_defaults(&conf_, MBEDTLS_SSL_IS_SERVER,
                                         MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    }
    if (rc == 0) {
        mbedtls_ssl_conf_rng(&conf_, mbedtls_ctr_drbg_random, &drbg_);
        min_tls_1_2(&conf_);  // and 1.3 where the line has it (3.6)
        rc = mbedtls_ssl_conf_own_cert(&conf_, &chain_, &key_);
    }
    if (rc != 0) {
        error = "TLS setup failed: " + tls_error_text(rc);
        return false;
    }
    return true;
}

}  // namespace devserver
