// SPDX-License-Identifier: MIT
#include "tls/tls.h"

#include <mbedtls/version.h>

#include "tls/crypto.h"

namespace consensus {

namespace {

// Preference order: X25519 and P-256 are cheapest; P-384 for servers that
// insist. The array must outlive the config, hence static storage.
#if MBEDTLS_VERSION_NUMBER >= 0x03010000
const uint16_t kGroups[] = {MBEDTLS_SSL_IANA_TLS_GROUP_X25519, MBEDTLS_SSL_IANA_TLS_GROUP_SECP256R1,
                            MBEDTLS_SSL_IANA_TLS_GROUP_SECP384R1, MBEDTLS_SSL_IANA_TLS_GROUP_NONE};
#else
const mbedtls_ecp_group_id kCurves[] = {MBEDTLS_ECP_DP_CURVE25519, MBEDTLS_ECP_DP_SECP256R1,
                                        MBEDTLS_ECP_DP_SECP384R1, MBEDTLS_ECP_DP_NONE};
#endif

// A positive return means "some certificates skipped"; accept it when the
// chain holds at least one.
bool parse_ok(int rc, const mbedtls_x509_crt& ca) {
    return rc == 0 || (rc > 0 && ca.raw.len > 0);
}

Error load_ca(TlsShared* t, const char* ca_pem, size_t ca_pem_len, const char* ca_file) {
    if ((ca_pem == nullptr || ca_pem_len == 0) && ca_file == nullptr) return Error::invalid_config;
    if (ca_pem != nullptr && ca_pem_len > 0) {
        const int rc = mbedtls_x509_crt_parse(
            &t->ca, reinterpret_cast<const unsigned char*>(ca_pem), ca_pem_len);
        if (!parse_ok(rc, t->ca)) return Error::invalid_config;
    }
    if (ca_file != nullptr) {
#if defined(MBEDTLS_FS_IO)
        const int rc = mbedtls_x509_crt_parse_file(&t->ca, ca_file);
        if (!parse_ok(rc, t->ca)) return Error::invalid_config;
#else
        return Error::invalid_config;  // no file system (bare metal): pass ca_pem
#endif
    }
    return Error::ok;
}

// RFC 6066's codes (MBEDTLS_SSL_MAX_FRAG_LEN_*): 1 = 512 ... 4 = 4096.
unsigned char max_fragment_code(uint16_t bytes) {
    switch (bytes) {
        case 512:
            return 1;
        case 1024:
            return 2;
        case 2048:
            return 3;
        case 4096:
            return 4;
        default:
            return 0;
    }
}

// Whether the linked mbedTLS can ask for a Maximum Fragment Length without
// harm. Released mbedTLS gets two cases wrong (cmake/mbedtls-3.6-mfl.patch
// says how): 3.x with TLS 1.3 (3.6.6 included) writes the extension without
// noting it as sent, so every TLS 1.3 handshake with a server that accepts it
// (OpenSSL 3 does) fails with unsupported_extension; and with
// MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH (2.28 and 3.x) it cuts its input buffer
// to the length asked for, accepted or not, so the first full-size record of
// a server that ignores the request fails. Only builds with the patch ask in
// those cases (their configuration says so; cmake/deps.cmake checks the
// prefix was built with it); a build without MFL cannot ask at all. Not
// asking costs memory, never a connection.
constexpr bool kCanAskMaxFragment =
#if !defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    false;
#elif defined(CONSENSUS_MBEDTLS_MFL_PATCHED)
    true;
#elif defined(MBEDTLS_SSL_PROTO_TLS1_3) || defined(MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH)
    false;
#else
    true;
#endif

// Maximum Fragment Length (RFC 6066), asked in every ClientHello when
// max_fragment_bytes is not 0 and the build can (above). A server that
// accepts sends no record longer; with MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH (our
// 3.6 build, patched) mbedTLS then cuts the input buffer to it after the
// handshake. Either way the client sends no longer record (mbedTLS caps its
// output at the asked length, accepted or not): TlsSession::write cuts
// records at mbedtls_ssl_get_max_out_record_payload. False when mbedTLS
// refuses the length.
bool configure_max_fragment(mbedtls_ssl_config* c, uint16_t max_fragment_bytes) {
    if (max_fragment_bytes == 0 || !kCanAskMaxFragment) return true;
#if defined(MBEDTLS_SSL_MAX_FRAGMENT_LENGTH)
    return mbedtls_ssl_conf_max_frag_len(c, max_fragment_code(max_fragment_bytes)) == 0;
#else
    (void)c;
    return true;
#endif
}

bool configure(TlsShared* t, uint16_t max_fragment_bytes) {
    mbedtls_ssl_config* c = &t->conf;
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(c, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(c, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    mbedtls_ssl_conf_authmode(c, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_ca_chain(c, &t->ca, nullptr);
    mbedtls_ssl_conf_rng(c, &Rng::mbedtls_rng, t->rng);
#if MBEDTLS_VERSION_NUMBER >= 0x03010000
    mbedtls_ssl_conf_groups(c, kGroups);
#else
    mbedtls_ssl_conf_curves(c, kCurves);
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x03060100 && defined(MBEDTLS_SSL_PROTO_TLS1_3) && \
    defined(MBEDTLS_SSL_SESSION_TICKETS)
    // 3.6.1+ drops TLS 1.3 NewSessionTickets unseen unless asked; asking makes
    // mbedtls_ssl_read report each one (TlsSession::read consumes it and reads
    // on), which session resumption needs. Up to 3.6.0 they are always reported.
    mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(
        c, MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
#endif
    return configure_max_fragment(c, max_fragment_bytes);
}

}  // namespace

bool tls_max_fragment_valid(uint16_t max_fragment_bytes) {
    return max_fragment_bytes == 0 || max_fragment_code(max_fragment_bytes) != 0;
}

Error tls_shared_init(TlsShared* t, Rng* rng, const char* ca_pem, size_t ca_pem_len,
                      const char* ca_file, uint16_t max_fragment_bytes) {
    if (t == nullptr) return Error::invalid_config;
    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->ca);
    t->rng = rng;
    t->initialized = true;  // from here on tls_shared_free must run
    if (rng == nullptr || !rng->ready() || !tls_max_fragment_valid(max_fragment_bytes)) {
        tls_shared_free(t);
        return Error::invalid_config;
    }
    // 3.x: TLS 1.3 and PSA-backed TLS 1.2 need the PSA core (idempotent).
    if (!tls_crypto_init()) {
        tls_shared_free(t);
        return Error::invalid_config;
    }
    Error e = load_ca(t, ca_pem, ca_pem_len, ca_file);
    if (e == Error::ok &&
        mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        e = Error::invalid_config;
    }
    if (e != Error::ok) {
        tls_shared_free(t);
        return e;
    }
    if (!configure(t, max_fragment_bytes)) {
        tls_shared_free(t);
        return Error::invalid_config;
    }
    return Error::ok;
}

void tls_shared_free(TlsShared* t) {
    if (t == nullptr || !t->initialized) return;
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->ca);
    t->rng = nullptr;
    t->initialized = false;
}

}  // namespace consensus
