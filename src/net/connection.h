/* SPDX-License-Identifier: MIT */
// The core's byte stream: one port stream plus optional TLS (a TlsSession,
// src/tls/, over the port stream). This file keeps the TCP state, the port
// interest (including the direction TLS needs), readiness and the mapping of
// outcomes to Error. Non-blocking throughout; driven from the poll loop.
// Single-threaded.
//
// Memory: this object (120 B on x86_64, whatever the mbedTLS line: the TLS
// session holds a pointer to its mbedTLS context, not the context). With TLS,
// open() has the session allocate the context (736 B with Debian's 2.28, 456 B
// with our 3.6 build) and mbedTLS's record buffers per connection (~37 KB with
// Debian's 16 KiB records; ~45 KB peak during the handshake; our 3.6 build:
// 13.3 to 28.0 KB held, 29.7 to 32.2 KB peak: docs/MEMORY.md) plus a copy of the
// host name, all from mbedTLS's allocator; all freed by close().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/port.h"
#include "tls/tls_session.h"

namespace consensus {

class Connection {
  public:
    Connection();
    ~Connection();                           // close()
    Connection(const Connection&) = delete;  // the TLS session keeps a pointer to this
    Connection& operator=(const Connection&) = delete;

    /// Starts TCP (+TLS when tls != nullptr) to host:port_number. host is
    /// NUL-terminated (name or IP literal, IPv6 without brackets); with TLS a
    /// name is the SNI and must match a dNSName SAN (or the CN without SANs),
    /// an IP literal goes without SNI and must match an iPAddress SAN
    /// (tls/tls_session.h). An active
    /// connection is closed first. Port interest is set to "writable" (the
    /// connect); call progress() when the stream is ready (or at once).
    /// Errors: invalid_params (null host or port ops, host rejected by mbedTLS
    /// e.g. longer than 255, a TLS host with ':' that is no IPv6 address),
    /// invalid_config (tls not initialised),
    /// dns_failed, connect_failed, no_resources (no stream slot, or mbedTLS
    /// could not allocate its buffers), tls_failed (mbedTLS setup failed).
    Error open(const cws_port& port, TlsShared* tls, const char* host, uint16_t port_number);

    /// As open(), but TCP goes to proxy_host:proxy_port (a proxy that will
    /// tunnel to host:port_number): progress() stops once TCP is up, with
    /// tunneling() true, and the stream carries plain bytes to the proxy
    /// (send/recv) until end_tunnel(). TLS, when asked for, is for `host`:
    /// the certificate checked is the service's, never the proxy's.
    /// Errors: as open().
    Error open_via(const cws_port& port, TlsShared* tls, const char* host, uint16_t port_number,
                   const char* proxy_host, uint16_t proxy_port);

    /// The proxy's tunnel is open: goes on to the TLS handshake (would_block,
    /// or its error) or, without TLS, is open (ok). Errors: as progress();
    /// not_open unless tunneling().
    Error end_tunnel();

    /// Advances the TCP connect, then the TLS handshake. Returns ok once the
    /// connection carries data (and every later call), would_block while in
    /// progress (port interest already set to what it waits on), not_open
    /// before open() / after close(), or the error that ended it:
    /// dns_failed (a port that resolves asynchronously: connect_status said
    /// CWS_IO_DNS_FAILED), connect_failed, tls_failed, cert_invalid (X.509
    /// chain or host name). After an error the stream is already released.
    Error progress();

    bool is_open() const { return state_ == State::open; }             // handshake done, not closed
    bool handshaking() const { return state_ == State::handshaking; }  // TCP up, TLS not yet
    bool tunneling() const { return state_ == State::tunnel; }         // TCP up to the proxy
    bool is_active() const;  // has a stream (opening or open)
    bool is_tls() const { return tls_; }

    /// Sends up to len bytes: returns > 0 bytes taken, CWS_IO_WOULD_BLOCK, or
    /// CWS_IO_ERROR (not open, or the connection failed: last_error() says
    /// closed for a dead transport, tls_failed for a TLS failure, and the
    /// stream is released). With TLS, a would-block leaves a record pending;
    /// the caller simply calls send again with the same (or a longer) buffer
    /// when writable and gets back the size of the pending record. A retry
    /// with fewer bytes than are pending is a caller bug: CWS_IO_ERROR,
    /// last_error() invalid_params. len == 0 returns 0.
    long send(const uint8_t* data, size_t len);

    /// Receives up to len bytes: > 0, CWS_IO_WOULD_BLOCK, CWS_IO_CLOSED (the
    /// peer closed: EOF, or TLS close_notify; last_error() closed) or
    /// CWS_IO_ERROR (last_error() closed or tls_failed). After CLOSED/ERROR
    /// the stream is released. len == 0 returns 0.
    long recv(uint8_t* buf, size_t len);

    /// Decrypted bytes (or a whole record) wait inside mbedTLS although the
    /// socket may not be readable: a loop must recv() (or not sleep) first.
    bool has_pending() const;

    /// What the caller waits for once open. TLS may need the other direction
    /// (a read that must first flush, a write during renegotiation): the port
    /// interest is mapped accordingly. While opening, progress() owns the
    /// port interest; the wishes are stored and applied once open.
    void set_interest(bool read, bool write);

    /// Open: recv() may make progress (port readiness from the last wait, or
    /// has_pending()). Opening: the awaited direction is ready, call progress().
    bool readable() const;
    /// Open: send() may make progress. Opening: as readable().
    bool writable() const;

    /// ok while opening or open; not_open before open(); closed after close()
    /// or when the peer closed; else the error that ended the connection.
    Error last_error() const;

    /// Best-effort TLS close_notify (one attempt), frees the mbedTLS context,
    /// closes the port stream. Idempotent.
    void close();

    /// Diagnostics: last mbedTLS error code seen (0 none) and the X.509
    /// verification flags of the last handshake (0 = verified or none).
    int tls_error_code() const { return session_.error_code(); }
    uint32_t verify_flags() const { return session_.verify_flags(); }
    /// The last TLS handshake resumed a cached session (tls/tls_session.h).
    bool tls_resumed() const { return session_.resumed(); }

    /// The TLS version of the open connection, static text ("TLSv1.2",
    /// "TLSv1.3"); nullptr without TLS and while not open.
    const char* tls_version() const { return state_ == State::open ? session_.version() : nullptr; }
    /// The last TLS handshake failed (tls_failed) because the server and this
    /// client share no protocol version (tls/tls_session.h).
    bool tls_no_common_version() const { return session_.no_common_version(); }

  private:
    // connecting_to_proxy: TCP to a proxy, then tunnel: plain bytes flow to
    // it until end_tunnel().
    enum class State : uint8_t {
        idle,
        connecting,
        connecting_to_proxy,
        tunnel,
        handshaking,
        open,
        failed,
        closed
    };

    // The TLS session's transport: the port stream.
    static long transport_send(void* ctx, const uint8_t* data, size_t len);
    static long transport_recv(void* ctx, uint8_t* buf, size_t len);

    Error setup(const cws_port& port, TlsShared* tls, const char* host, uint16_t port_number);
    Error open_stream(const char* host, uint16_t port_number, State connecting);
    Error after_tcp();
    bool carries_plain() const {
        return state_ == State::tunnel || (state_ == State::open && !tls_);
    }
    Error handshake_step();
    Error fail(Error e);
    void release(bool notify);
    void port_interest(unsigned bits);
    void apply_interest();
    void set_read_needs_write(bool needs_write);
    void set_write_needs_read(bool needs_read);
    unsigned port_ready() const;
    long send_tls(const uint8_t* data, size_t len);
    long recv_tls(uint8_t* buf, size_t len);

    cws_port port_;
    cws_stream* stream_;
    TlsSession session_;
    State state_;
    Error last_error_;
    bool tls_;  // opened with TLS
    bool want_read_;
    bool want_write_;
    bool read_needs_write_;  // the last TLS read wanted to write
    bool write_needs_read_;  // the last TLS write wanted to read
    uint8_t interest_;       // CWS_WANT_* last given to the port
};

}  // namespace consensus
