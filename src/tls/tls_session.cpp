// SPDX-License-Identifier: MIT
#include "tls/tls_session.h"

#include <limits.h>
#include <mbedtls/asn1.h>
#include <mbedtls/net_sockets.h>  // MBEDTLS_ERR_NET_* codes only
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <mbedtls/x509.h>
#include <mbedtls/x509_crt.h>
#include <string.h>

#include "consensus/port.h"
#include "core/strview.h"
#include "tls/session_cache.h"
#include "tls/tls.h"
#include "tls/tls_alloc.h"

namespace consensus {

namespace {

// mbedTLS counts in int: larger lengths are offered in pieces.
size_t clamp_int(size_t len) {
    return len > static_cast<size_t>(INT_MAX) ? INT_MAX : len;
}

// mbedtls_ssl_read calls one read() makes for post-handshake messages before
// it leaves the rest to the owner's next call: each NewSessionTicket takes two,
// and OpenSSL sends two tickets after a TLS 1.3 handshake.
constexpr int kMaxRoundsPerRead = 8;

// mbedTLS 3.x with TLS 1.3 reports a session ticket from ssl_read; it is not
// data and the read simply goes on. 2.28 has no such code.
bool is_session_ticket(int rc) {
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    return rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET;
#else
    (void)rc;
    return false;
#endif
}

// Record content types and the alert that matter to the plaintext scan
// (RFC 8446 B.1, B.2; the same numbers in TLS 1.2).
constexpr uint8_t kAlert = 21;
constexpr uint8_t kHandshake = 22;
constexpr uint8_t kRecordHeader = 5;
constexpr uint8_t kAlertFatal = 2;
constexpr uint8_t kNoAlert = 0xFF;  // no alert has that description

// The version a finished handshake negotiated, as static text. 3.2+ names it
// by number; 2.28 (and 3.0/3.1) by the text of mbedtls_ssl_get_version, which
// is only ever "TLSv1.2" here since the configuration's minimum is 1.2
// (tls.cpp) and 2.28 has no 1.3.
const char* negotiated_version(const mbedtls_ssl_context* ssl) {
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    switch (mbedtls_ssl_get_version_number(ssl)) {
        case MBEDTLS_SSL_VERSION_TLS1_2:
            return "TLSv1.2";
        case MBEDTLS_SSL_VERSION_TLS1_3:
            return "TLSv1.3";
        default:
            return nullptr;
    }
#else
    return strcmp(mbedtls_ssl_get_version(ssl), "TLSv1.2") == 0 ? "TLSv1.2" : nullptr;
#endif
}

// TLS 1.2 grants its session during the handshake (an id or a ticket);
// TLS 1.3 grants tickets after it, which read() stores.
bool granted_in_handshake(const mbedtls_ssl_context* ssl) {
    const char* v = negotiated_version(ssl);
    return v != nullptr && strcmp(v, "TLSv1.3") != 0;
}

// mbedTLS refused the version the server chose (outside the configured
// minimum and maximum): the same code, -0x6E80, under two names.
bool is_bad_version(int rc) {
#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
    return rc == MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION;
#else
    return rc == MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION;
#endif
}

bool is_orderly_end(int rc) {
    return rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF;
}

// A GeneralName iPAddress is [7] IMPLICIT OCTET STRING: context-specific,
// primitive, tag 7. mbedTLS (2.28 and 3.x) keeps every SAN entry in
// crt.subject_alt_names with this raw tag byte and the raw 4 or 16 bytes.
constexpr int kSanIpTag = MBEDTLS_ASN1_CONTEXT_SPECIFIC | MBEDTLS_X509_SAN_IP_ADDRESS;

bool has_ip_san(const mbedtls_x509_crt& crt, const IpAddress& ip) {
    for (const mbedtls_x509_sequence* cur = &crt.subject_alt_names; cur != nullptr;
         cur = cur->next) {
        const mbedtls_x509_buf& san = cur->buf;
        if (san.tag == kSanIpTag && san.len == ip.len && memcmp(san.p, ip.bytes, ip.len) == 0) {
            return true;
        }
    }
    return false;
}

}  // namespace

const char* certificate_problem(uint32_t flags) {
    if (flags == 0) return nullptr;
    if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0) return "is not trusted";
    if ((flags & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0) return "is for another name";
    if ((flags & MBEDTLS_X509_BADCERT_EXPIRED) != 0) return "has expired";
    if ((flags & MBEDTLS_X509_BADCERT_FUTURE) != 0) return "is not valid yet";
    return "was refused";
}

TlsSession::TlsSession()
    : ssl_(nullptr),
      transport_(nullptr),
      transport_ctx_(nullptr),
      pending_send_(0),
      error_(0),
      verify_flags_(0),
      ip_host_{},
      cache_(nullptr),
      claim_{},
      transport_failed_(false),
      offered_(false),
      chain_checked_(false),
      established_(false),
      scanning_(false),
      record_type_(0),
      header_got_(0),
      body_left_(0),
      body_len_(0),
      alert_level_(0),
      peer_alert_(kNoAlert) {}

TlsSession::~TlsSession() {
    free();
}

TlsStatus TlsSession::setup(TlsShared* shared, const char* host, uint16_t port,
                            const TlsTransport* transport, void* ctx) {
    free();
    clear_diagnostics();
    transport_failed_ = false;
    cache_ = nullptr;
    claim_ = TlsCacheClaim{};
    if (shared == nullptr || !shared->initialized || transport == nullptr) {
        return TlsStatus::bad_config;
    }
    // A null name would clear verification instead of setting it.
    if (host == nullptr) return TlsStatus::bad_host;
    const StrView name = view_of(host);
    ip_host_ = IpAddress{};
    const bool ip = parse_ip_literal(name, &ip_host_);
    // No DNS name holds ':', so such a host that is no IPv6 address (a zone
    // id, say) could match nothing: refuse it before it reaches SNI.
    if (!ip && memchr(name.data, ':', name.size) != nullptr) return TlsStatus::bad_host;
    // The context comes from mbedTLS's heap, like everything it allocates for
    // the session: a connection without TLS never pays for it.
    ssl_ = static_cast<mbedtls_ssl_context*>(tls_calloc(1, sizeof(mbedtls_ssl_context)));
    if (ssl_ == nullptr) return setup_failed(MBEDTLS_ERR_SSL_ALLOC_FAILED, TlsStatus::no_memory);
    mbedtls_ssl_init(ssl_);
    int rc = mbedtls_ssl_setup(ssl_, &shared->conf);
    if (rc != 0) return setup_failed(rc, TlsStatus::tls_failed);
    rc = use_host(host, ip);
    if (rc != 0) return setup_failed(rc, TlsStatus::bad_host);
    offer_cached(shared, host, port);
    transport_ = transport;
    transport_ctx_ = ctx;
    scanning_ = true;
    header_got_ = 0;
    mbedtls_ssl_set_bio(ssl_, this, &TlsSession::bio_send, &TlsSession::bio_recv, nullptr);
    return TlsStatus::ok;
}

// A DNS name sets SNI and turns on mbedTLS's host name verification
// (without it 2.28 accepts a valid chain for any name).
// An IP host sets no name in mbedTLS: no SNI (RFC 6066 section 3 allows no
// address there), and no mbedTLS name check, which would compare the address
// text with dNSName SANs and the CN (2.28 knows no iPAddress matching; 3.x
// does, but it also accepts a dNSName or a CN that spells the address).
// Without a name, 2.28 verifies the chain only (x509_crt_verify_name runs
// for a non-NULL name alone), so verify_cert is what checks the address.
// The explicit NULL is also what 3.6.3+ wants to hear: a client with
// authmode REQUIRED that never set a name fails the handshake with
// MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME.
int TlsSession::use_host(const char* host, bool ip) {
    const int rc = mbedtls_ssl_set_hostname(ssl_, ip ? nullptr : host);
    if (rc != 0) return rc;
    // Per session, so the shared config stays free of connection state.
    mbedtls_ssl_set_verify(ssl_, &TlsSession::verify_cert, this);
    return 0;
}

// Runs once per certificate of a verified chain (after mbedTLS's own checks,
// whose flags it may add to): never in a resumed handshake, which is how
// resumed() tells. Depth 0 is the server's certificate; for an IP host, no
// iPAddress SAN equal to it sets the name mismatch flag, which with authmode
// REQUIRED fails the handshake with CERT_VERIFY_FAILED.
int TlsSession::verify_cert(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags) {
    TlsSession* s = static_cast<TlsSession*>(ctx);
    s->chain_checked_ = true;
    if (depth == 0 && s->ip_host_.len > 0 && !has_ip_san(*crt, s->ip_host_)) {
        *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
    }
    return 0;
}

// The session is keyed by the very host text the certificate is checked
// against (and the SNI), so it goes back to that server only. mbedTLS copies
// what it offers; one it cannot take (a cipher suite this build lacks) is
// simply not offered.
void TlsSession::offer_cached(TlsShared* shared, const char* host, uint16_t port) {
    if (shared->cache == nullptr) return;
    cache_ = shared->cache;
    claim_ = cache_->claim(view_of(host), port);
    const mbedtls_ssl_session* cached = cache_->offer(claim_);
    if (cached != nullptr) offered_ = mbedtls_ssl_set_session(ssl_, cached) == 0;
}

void TlsSession::store_granted() {
    if (cache_ != nullptr) (void)cache_->store(claim_, ssl_);
}

TlsStatus TlsSession::setup_failed(int rc, TlsStatus otherwise) {
    error_ = rc;
    free();
    return rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? TlsStatus::no_memory : otherwise;
}

TlsStatus TlsSession::handshake() {
    if (ssl_ == nullptr) return TlsStatus::tls_failed;
    const int rc = mbedtls_ssl_handshake(ssl_);
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) return TlsStatus::want_read;
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return TlsStatus::want_write;
    verify_flags_ = mbedtls_ssl_get_verify_result(ssl_);
    if (rc == 0) {
        if (granted_in_handshake(ssl_)) store_granted();
        established_ = true;
        scanning_ = false;  // what follows is encrypted
        return TlsStatus::ok;
    }
    error_ = rc;
    // What was offered may be what the server choked on: start afresh.
    if (offered_ && cache_ != nullptr) cache_->drop(claim_);
    // Chain and host name failures both surface as CERT_VERIFY_FAILED with
    // authmode REQUIRED; everything else (alerts, garbage, EOF) is TLS.
    return rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ? TlsStatus::cert_invalid
                                                     : TlsStatus::tls_failed;
}

size_t TlsSession::record_bytes(size_t len) const {
    const int max = mbedtls_ssl_get_max_out_record_payload(ssl_);
    if (max > 0 && len > static_cast<size_t>(max)) len = static_cast<size_t>(max);
    return clamp_int(len);
}

TlsStatus TlsSession::write(const uint8_t* data, size_t len, size_t* written) {
    *written = 0;
    if (ssl_ == nullptr) return TlsStatus::tls_failed;
    if (len == 0) return TlsStatus::ok;
    // mbedTLS may already hold a record: the retry must name the same bytes
    // and reports their count, whatever else the caller added.
    if (pending_send_ > 0 && len < pending_send_) return TlsStatus::short_retry;
    const size_t n = pending_send_ > 0 ? pending_send_ : record_bytes(len);
    const int rc = mbedtls_ssl_write(ssl_, data, n);
    if (rc > 0) {
        pending_send_ = 0;
        *written = static_cast<size_t>(rc);
        return TlsStatus::ok;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ || rc == 0) {
        pending_send_ = static_cast<uint32_t>(n);  // n <= INT_MAX
        return rc == MBEDTLS_ERR_SSL_WANT_READ ? TlsStatus::want_read : TlsStatus::want_write;
    }
    return io_failed(rc);
}

TlsStatus TlsSession::read(uint8_t* buf, size_t len, size_t* got) {
    *got = 0;
    if (ssl_ == nullptr) return TlsStatus::tls_failed;
    if (len == 0) return TlsStatus::ok;
    // A post-handshake message takes two mbedtls_ssl_read calls on 3.x: the
    // first holds the record back and says WANT_READ (check_pending is then
    // true), the second processes it and, for a TLS 1.3 NewSessionTicket,
    // reports it. Neither is data nor an error: read on, for a few records at
    // most so a stream of them cannot hold the poll loop (pending() stays
    // true and the owner comes back).
    int rc = 0;
    for (int round = 0; round < kMaxRoundsPerRead; ++round) {
        rc = mbedtls_ssl_read(ssl_, buf, clamp_int(len));
        const bool held = rc == MBEDTLS_ERR_SSL_WANT_READ && mbedtls_ssl_check_pending(ssl_) != 0;
        const bool ticket = is_session_ticket(rc);
        if (ticket) store_granted();
        if (!held && !ticket) break;
        rc = MBEDTLS_ERR_SSL_WANT_READ;  // what the owner sees when the rounds run out
    }
    if (rc > 0) {
        *got = static_cast<size_t>(rc);
        return TlsStatus::ok;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) return TlsStatus::want_read;
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) return TlsStatus::want_write;
    if (is_orderly_end(rc)) {
        error_ = rc;
        return TlsStatus::closed;
    }
    return io_failed(rc);
}

// A dead transport makes mbedTLS fail too: report the transport, not TLS.
TlsStatus TlsSession::io_failed(int rc) {
    error_ = rc;
    return transport_failed_ ? TlsStatus::transport_failed : TlsStatus::tls_failed;
}

bool TlsSession::pending() const {
    if (ssl_ == nullptr) return false;
    return mbedtls_ssl_get_bytes_avail(ssl_) > 0 || mbedtls_ssl_check_pending(ssl_) != 0;
}

void TlsSession::close_notify() {
    if (ssl_ != nullptr && !transport_failed_) (void)mbedtls_ssl_close_notify(ssl_);
}

const char* TlsSession::version() const {
    return ssl_ != nullptr && established_ ? negotiated_version(ssl_) : nullptr;
}

bool TlsSession::no_common_version() const {
    return is_bad_version(error_) || (error_ == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE &&
                                      peer_alert_ == MBEDTLS_SSL_ALERT_MSG_PROTOCOL_VERSION);
}

// Follows the record boundaries of what the peer sent and keeps the
// description of a fatal alert that came in the clear. Stops at the first
// record that is neither handshake nor alert (ChangeCipherSpec, or TLS 1.3's
// encrypted records, outer type application_data): after it an alert may be
// encrypted, and its bytes would mean nothing. Before it, an alert record is
// its two plain bytes (level, description).
void TlsSession::scan_plaintext(const uint8_t* data, size_t len) {
    for (size_t i = 0; i < len && scanning_;) {
        if (header_got_ < kRecordHeader) {
            const uint8_t b = data[i++];
            if (header_got_ == 0) {
                record_type_ = b;
                body_len_ = 0;
                if (b != kAlert && b != kHandshake) {
                    scanning_ = false;  // ChangeCipherSpec (20), application data, garbage
                    return;
                }
            } else if (header_got_ >= 3) {
                body_len_ = static_cast<uint16_t>((body_len_ << 8) | b);
            }
            if (++header_got_ == kRecordHeader) body_left_ = body_len_;
        } else {
            const size_t take = len - i < body_left_ ? len - i : body_left_;
            if (record_type_ == kAlert && body_len_ == 2) {
                for (size_t k = 0; k < take; ++k) {
                    const size_t at = body_len_ - body_left_ + k;  // 0: level, 1: description
                    if (at == 0) alert_level_ = data[i + k];
                    if (at == 1 && alert_level_ == kAlertFatal) peer_alert_ = data[i + k];
                }
            }
            i += take;
            body_left_ = static_cast<uint16_t>(body_left_ - take);
        }
        if (header_got_ == kRecordHeader && body_left_ == 0) header_got_ = 0;  // next record
    }
}

void TlsSession::free() {
    pending_send_ = 0;
    established_ = false;
    scanning_ = false;
    if (ssl_ == nullptr) return;
    mbedtls_ssl_free(ssl_);
    tls_free(ssl_);
    ssl_ = nullptr;
}

void TlsSession::clear_diagnostics() {
    error_ = 0;
    verify_flags_ = 0;
    offered_ = false;
    chain_checked_ = false;
    peer_alert_ = kNoAlert;
}

int TlsSession::bio_send(void* ctx, const unsigned char* buf, size_t len) {
    TlsSession* s = static_cast<TlsSession*>(ctx);
    const long n = s->transport_->send(s->transport_ctx_, buf, clamp_int(len));
    if (n > 0) return static_cast<int>(n);
    if (n == CWS_IO_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    s->transport_failed_ = true;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

int TlsSession::bio_recv(void* ctx, unsigned char* buf, size_t len) {
    TlsSession* s = static_cast<TlsSession*>(ctx);
    const long n = s->transport_->recv(s->transport_ctx_, buf, clamp_int(len));
    if (n > 0) {
        const size_t got = static_cast<size_t>(n);
        if (s->scanning_) s->scan_plaintext(buf, got < len ? got : len);
        return static_cast<int>(n);
    }
    if (n == CWS_IO_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (n == CWS_IO_CLOSED) return 0;  // EOF: mbedTLS reports CONN_EOF / 0
    s->transport_failed_ = true;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

}  // namespace consensus
