/* SPDX-License-Identifier: MIT */
// Server-side TLS with mbedTLS (2.28: TLS 1.2; 3.6: TLS 1.2 and 1.3; see
// mbedtls_lines.h for what differs): one shared configuration (certificate,
// key, DRBG) for every connection. Per-connection state lives in Transport.
#pragma once

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#include <string>

namespace devserver {

class TlsServer {
  public:
    TlsServer();
    ~TlsServer();
    TlsServer(const TlsServer&) = delete;
    TlsServer& operator=(const TlsServer&) = delete;

    // Loads the PEM chain and key and builds a TLS 1.2+ server configuration.
    bool init(const std::string& cert_file, const std::string& key_file, std::string& error);
    const mbedtls_ssl_config* config() const { return &conf_; }

  private:
    mbedtls_entropy_context entropy_;
    mbedtls_ctr_drbg_context drbg_;
    mbedtls_x509_crt chain_;
    mbedtls_pk_context key_;
    mbedtls_ssl_config conf_;
};

// mbedTLS's text for an error code.
std::string tls_error_text(int code);

}  // namespace devserver
