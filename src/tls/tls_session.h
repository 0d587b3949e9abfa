/* SPDX-License-Identifier: MIT */
// One TLS client session over a byte transport its owner supplies: the
// mbedTLS context, its handshake, record I/O and shutdown. One file per TLS
// backend (as Mongoose does): the interface speaks TlsStatus, never mbedTLS
// codes, so net/ does not depend on the TLS library's version and a second
// mbedTLS line (3.6 beside 2.28) changes only src/tls/. Non-blocking,
// single-threaded.
//
// Memory: this object is 88 B on x86_64 and holds no mbedTLS state: setup()
// takes the mbedtls_ssl_context from mbedTLS's allocator (mbedtls_calloc:
// 736 B with Debian's 2.28, 456 B with our 3.6 build on x86_64), where the
// record buffers come from too, so a session that never starts TLS (ws://)
// pays nothing for it and this header does not include mbedTLS's. setup()
// then makes mbedTLS allocate the record buffers (~37 KB with 16 KiB records)
// and a copy of a DNS host name; the handshake peaks at ~45 KB; free()
// returns it all, the context included. Our 3.6 build (4 KiB out, the input
// buffer cut to the negotiated MFL after the handshake): docs/MEMORY.md,
// "TLS memory".
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/ip_literal.h"
#include "tls/cache_claim.h"

// mbedTLS's types (typedef'd to these struct names in 2.28 and 3.x).
struct mbedtls_ssl_context;
struct mbedtls_x509_crt;

namespace consensus {

struct TlsShared;
class TlsSessionCache;

/// What a session call ended with. want_read / want_write: would block, call
/// again once the transport is readable / writable (TLS may need the direction
/// the caller did not ask for: a read that must flush, a write during
/// renegotiation).
enum class TlsStatus : uint8_t {
    ok,
    want_read,
    want_write,
    closed,            // read: the peer ended the session (close_notify or EOF)
    transport_failed,  // read/write: the transport reported CWS_IO_ERROR
    tls_failed,        // alert, garbage, EOF in the handshake, any other mbedTLS error
    cert_invalid,      // handshake: X.509 chain or host name rejected
    no_memory,         // setup: mbedTLS could not allocate its buffers or the host copy
    bad_config,        // setup: the shared config is missing or not initialised
    bad_host,          // setup: no host, or mbedTLS rejected it (e.g. longer than 255)
    short_retry,       // write: fewer bytes offered than the pending record holds
};

/// The byte stream under TLS (net/Connection gives its port stream). Both
/// return > 0 bytes moved (at most len), CWS_IO_WOULD_BLOCK, CWS_IO_CLOSED
/// (recv only: orderly EOF) or CWS_IO_ERROR (include/consensus/port.h); 0 and
/// any other negative value count as CWS_IO_ERROR.
struct TlsTransport {
    long (*send)(void* ctx, const uint8_t* data, size_t len);
    long (*recv)(void* ctx, uint8_t* buf, size_t len);
};

/// What X.509 verification flags (verify_flags()) say, in a few words, most
/// telling first: "is not trusted", "is for another name", "has expired",
/// "is not valid yet", "was refused"; nullptr when the flags are 0.
const char* certificate_problem(uint32_t verify_flags);

class TlsSession {
  public:
    TlsSession();   // no session yet (nothing allocated): setup() starts one
    ~TlsSession();  // free()
    TlsSession(const TlsSession&) = delete;  // mbedTLS keeps a pointer to this
    TlsSession& operator=(const TlsSession&) = delete;

    /// Prepares a client session on shared's config (initialised by
    /// tls_shared_init; must outlive the session). host (NUL-terminated) is
    /// what the server's certificate must match:
    ///  - a DNS name: it is also the SNI, and mbedTLS checks it against the
    ///    dNSName SANs (the CN when the certificate has no SAN);
    ///  - an IP literal (core/ip_literal.h: IPv4 dotted quad or IPv6 without
    ///    brackets): no SNI (RFC 6066 forbids addresses there); it must equal
    ///    an iPAddress SAN of the certificate byte for byte, never the CN nor
    ///    a dNSName SAN.
    /// Either way the chain is verified as always and a mismatch fails the
    /// handshake with cert_invalid (MBEDTLS_X509_BADCERT_CN_MISMATCH).
    /// transport (static storage) carries the records, called with ctx. A live
    /// session is freed first; the diagnostics are cleared. No I/O happens here.
    /// Resumption: with shared.cache, the session claims the cache entry of
    /// host:port and offers what it holds (a session the server refuses or
    /// that has expired costs a full handshake, no error); the session the
    /// server grants is stored back (TLS 1.2 at the end of the handshake,
    /// TLS 1.3 with each NewSessionTicket read()).
    /// Returns ok, bad_config, bad_host (also a host with ':' that is no IPv6
    /// address, e.g. with a zone id), no_memory or tls_failed (mbedTLS setup
    /// failed); on error nothing stays allocated. no_memory also when the
    /// context itself cannot be allocated.
    /// Memory: the mbedtls_ssl_context (mbedtls_calloc, sizeof depends on the
    /// mbedTLS build), then mbedTLS allocates the in and out record buffers
    /// (~37 KB with Debian's 16 KiB records) and a copy of a DNS host; all
    /// held until free().
    TlsStatus setup(TlsShared* shared, const char* host, uint16_t port,
                    const TlsTransport* transport, void* ctx);

    /// Advances the handshake as far as the transport allows. Returns ok
    /// (done, and every later call), want_read / want_write, cert_invalid
    /// (verify_flags() says why) or tls_failed (also for a transport error or
    /// EOF: either way the peer never finished the handshake); tls_failed
    /// without a live session. An error leaves the session to free().
    /// Memory: mbedTLS allocates the handshake state and X.509/bignum
    /// temporaries: ~45 KB peak with the record buffers, back to ~37 KB at ok.
    TlsStatus handshake();

    /// Encrypts and sends up to len bytes (one record at most); *written gets
    /// the count on ok. want_read / want_write: the record is built but not
    /// all flushed; the caller must retry with the same bytes first (len at
    /// least the pending count) and gets that count back, whatever else it
    /// adds. Errors: short_retry (a retry with fewer bytes: a caller bug),
    /// transport_failed, tls_failed (also without a live session).
    /// len == 0: ok with 0. Memory: none (the out buffer from setup).
    TlsStatus write(const uint8_t* data, size_t len, size_t* written);

    /// Decrypts up to len bytes into buf; *got gets the count on ok. Returns
    /// want_read / want_write, closed (close_notify or EOF: many servers skip
    /// close_notify), transport_failed or tls_failed (also without a live
    /// session). A TLS 1.3 session ticket (mbedTLS 3.x) is not data: it is
    /// consumed and the read goes on (want_read with pending() true when a
    /// call met more of them than it handles at once). len == 0: ok with 0.
    /// Memory: none (the in buffer from setup).
    TlsStatus read(uint8_t* buf, size_t len, size_t* got);

    /// Decrypted bytes (or a whole record) wait inside mbedTLS although the
    /// transport may not be readable: read() before waiting. No errors
    /// (false without a live session), no memory.
    bool pending() const;

    /// Sends close_notify, one attempt only (a peer that does not read must
    /// not stall the owner); skipped without a live session or after a
    /// transport failure. Its outcome is ignored. No memory.
    void close_notify();

    /// Returns mbedTLS's buffers, the host copy and the context to mbedTLS's
    /// heap; drops a pending record. Keeps the diagnostics (the owner reads
    /// them after releasing a failed session). Idempotent, no errors.
    void free();

    /// Zeroes error_code() and verify_flags() (a new connection, TLS or not).
    /// No errors, no memory.
    void clear_diagnostics();

    /// Last mbedTLS error code seen (0 none), and the X.509 verification flags
    /// of the last handshake (MBEDTLS_X509_BADCERT_*; 0 = verified or none).
    /// Both survive free(). No errors, no memory.
    int error_code() const { return error_; }
    uint32_t verify_flags() const { return verify_flags_; }

    /// The last handshake resumed a cached session: one was offered and the
    /// server sent no certificate to verify. Survives free(). No errors.
    bool resumed() const { return offered_ && !chain_checked_; }

    /// The protocol version the finished handshake negotiated, as static text:
    /// "TLSv1.2" or "TLSv1.3" (mbedTLS 2.28 speaks 1.2 only); nullptr before
    /// handshake() returned ok and after free(). No errors, no memory.
    const char* version() const;

    /// The last handshake failed because the server and this client share no
    /// protocol version: the server answered the ClientHello with a fatal
    /// protocol_version alert (an OpenSSL server limited to TLS 1.3 facing
    /// 2.28), or chose a version outside ours (mbedTLS's BAD_PROTOCOL_VERSION,
    /// e.g. a TLS 1.1 server). Survives free(); cleared with the diagnostics.
    bool no_common_version() const;

  private:
    static int bio_send(void* ctx, const unsigned char* buf, size_t len);
    static int bio_recv(void* ctx, unsigned char* buf, size_t len);
    static int verify_cert(void* ctx, mbedtls_x509_crt* crt, int depth, uint32_t* flags);

    int use_host(const char* host, bool ip);
    void offer_cached(TlsShared* shared, const char* host, uint16_t port);
    void store_granted();
    void scan_plaintext(const uint8_t* data, size_t len);

    TlsStatus setup_failed(int rc, TlsStatus otherwise);
    TlsStatus io_failed(int rc);
    size_t record_bytes(size_t len) const;

    mbedtls_ssl_context* ssl_;  // from mbedtls_calloc while live (setup to free), else nullptr
    const TlsTransport* transport_;
    void* transport_ctx_;
    uint32_t pending_send_;  // bytes of a record built but not yet flushed (<= INT_MAX)
    int error_;
    uint32_t verify_flags_;
    IpAddress ip_host_;       // the host when it is an IP literal (len 0: a DNS name)
    TlsSessionCache* cache_;  // where granted sessions go (nullptr: not kept)
    TlsCacheClaim claim_;     // this session's entry in cache_
    bool transport_failed_;   // a transport call returned CWS_IO_ERROR
    bool offered_;            // a cached session was offered to the server
    bool chain_checked_;      // the handshake verified a certificate chain
    bool established_;        // handshake() returned ok on the live session
    // The records the peer sends in the clear (until its first
    // ChangeCipherSpec or application_data record), read as they pass
    // bio_recv: mbedTLS has no getter for a received alert's description.
    bool scanning_;
    uint8_t record_type_;  // of the record being read
    uint8_t header_got_;   // header bytes read of the record (0..5)
    uint16_t body_left_;   // its body bytes still to come
    uint16_t body_len_;    // its body length
    uint8_t alert_level_;  // the first body byte of an alert record
    uint8_t peer_alert_;   // description of the peer's fatal alert (kNoAlert: none)
};

}  // namespace consensus
