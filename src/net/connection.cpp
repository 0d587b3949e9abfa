#include "net/connection.h"

#include <limits.h>
#include <mbedtls/net_sockets.h>  // MBEDTLS_ERR_NET_* codes only
#include <mbedtls/x509.h>

namespace consensus {

namespace {

size_t clamp_int(size_t len) {
    return len > static_cast<size_t>(INT_MAX) ? INT_MAX : len;
}

}  // namespace

Connection::Connection()
    : port_{nullptr, nullptr},
      stream_(nullptr),
      tls_(nullptr),
      ssl_{},
      ssl_live_(false),
      state_(State::idle),
      last_error_(Error::ok),
      want_read_(false),
      want_write_(false),
      read_needs_write_(false),
      write_needs_read_(false),
      transport_failed_(false),
      pending_send_(0),
      interest_(0),
      tls_error_(0),
      verify_flags_(0) {}

Connection::~Connection() {
    close();
}

bool Connection::is_active() const {
    return state_ == State::connecting || state_ == State::handshaking || state_ == State::open;
}

Error Connection::open(const cws_port& port, TlsShared* tls, const char* host,
                       uint16_t port_number) {
    close();
    port_ = port;
    tls_ = tls;
    want_read_ = want_write_ = false;
    read_needs_write_ = write_needs_read_ = transport_failed_ = false;
    pending_send_ = 0;
    interest_ = 0;
    tls_error_ = 0;
    verify_flags_ = 0;
    if (host == nullptr || port.ops == nullptr) return fail(Error::invalid_params);
    if (tls != nullptr) {
        if (!tls->initialized) return fail(Error::invalid_config);
        // TLS first: a failure here needs no stream to undo.
        mbedtls_ssl_init(&ssl_);
        ssl_live_ = true;
        int rc = mbedtls_ssl_setup(&ssl_, &tls->conf);
        if (rc != 0) {
            tls_error_ = rc;
            return fail(rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? Error::no_resources
                                                           : Error::tls_failed);
        }
        // Sets SNI and turns on host name verification (without it 2.28
        // accepts a valid chain for any name).
        rc = mbedtls_ssl_set_hostname(&ssl_, host);
        if (rc != 0) {
            tls_error_ = rc;
            return fail(rc == MBEDTLS_ERR_SSL_ALLOC_FAILED ? Error::no_resources
                                                           : Error::invalid_params);
        }
        mbedtls_ssl_set_bio(&ssl_, this, &Connection::bio_send, &Connection::bio_recv, nullptr);
    }
    cws_stream* s = nullptr;
    const cws_open_result r = port.ops->open(port.ctx, host, port_number, &s);
    if (r == CWS_OPEN_OK && s == nullptr) return fail(Error::connect_failed);
    switch (r) {
        case CWS_OPEN_OK:
            break;
        case CWS_OPEN_DNS_FAILED:
            return fail(Error::dns_failed);
        case CWS_OPEN_NO_RESOURCES:
            return fail(Error::no_resources);
        case CWS_OPEN_CONNECT_FAILED:
        default:
            return fail(Error::connect_failed);
    }
    stream_ = s;
    state_ = State::connecting;
    last_error_ = Error::ok;
    port_interest(CWS_WANT_WRITE);  // a non-blocking connect completes as "writable"
    return Error::ok;
}

Error Connection::progress() {
    switch (state_) {
        case State::idle:
        case State::closed:
            return Error::not_open;
        case State::failed:
            return last_error_;
        case State::open:
            return Error::ok;
        case State::connecting: {
            const int st = port_.ops->connect_status(port_.ctx, stream_);
            if (st == CWS_IO_WOULD_BLOCK) {
                port_interest(CWS_WANT_WRITE);
                return Error::would_block;
            }
            if (st != 0) return fail(Error::connect_failed);
            if (tls_ == nullptr) {
                state_ = State::open;
                apply_interest();
                return Error::ok;
            }
            state_ = State::handshaking;
            return handshake_step();
        }
        case State::handshaking:
            return handshake_step();
    }
    return Error::not_open;
}

Error Connection::handshake_step() {
    const int rc = mbedtls_ssl_handshake(&ssl_);
    if (rc == 0) {
        state_ = State::open;
        verify_flags_ = mbedtls_ssl_get_verify_result(&ssl_);
        apply_interest();
        return Error::ok;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_READ) {
        port_interest(CWS_WANT_READ);
        return Error::would_block;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
        port_interest(CWS_WANT_WRITE);
        return Error::would_block;
    }
    tls_error_ = rc;
    verify_flags_ = mbedtls_ssl_get_verify_result(&ssl_);
    // Chain and host name failures both surface as CERT_VERIFY_FAILED with
    // authmode REQUIRED; everything else (alerts, garbage, EOF) is TLS.
    return fail(rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED ? Error::cert_invalid
                                                          : Error::tls_failed);
}

long Connection::send(const uint8_t* data, size_t len) {
    if (state_ != State::open) return CWS_IO_ERROR;
    if (len == 0) return 0;
    if (tls_ != nullptr) return send_tls(data, len);
    const long n = port_.ops->send(port_.ctx, stream_, data, len);
    if (n > 0 || n == CWS_IO_WOULD_BLOCK) return n;
    fail(Error::closed);
    return CWS_IO_ERROR;
}

long Connection::send_tls(const uint8_t* data, size_t len) {
    size_t n = len;
    if (pending_send_ > 0) {
        // mbedTLS already holds this record: the retry must name the same
        // bytes and reports their count, whatever else the caller added.
        if (len < pending_send_) {
            fail(Error::invalid_params);
            return CWS_IO_ERROR;
        }
        n = pending_send_;
    } else {
        const int max = mbedtls_ssl_get_max_out_record_payload(&ssl_);
        if (max > 0 && n > static_cast<size_t>(max)) n = static_cast<size_t>(max);
        n = clamp_int(n);
    }
    const int rc = mbedtls_ssl_write(&ssl_, data, n);
    if (rc > 0) {
        pending_send_ = 0;
        if (write_needs_read_) {
            write_needs_read_ = false;
            apply_interest();
        }
        return rc;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ || rc == 0) {
        pending_send_ = n;
        const bool needs_read = rc == MBEDTLS_ERR_SSL_WANT_READ;
        if (needs_read != write_needs_read_) {
            write_needs_read_ = needs_read;
            apply_interest();
        }
        return CWS_IO_WOULD_BLOCK;
    }
    return fail_io(rc);
}

long Connection::recv(uint8_t* buf, size_t len) {
    if (state_ != State::open) return CWS_IO_ERROR;
    if (len == 0) return 0;
    if (tls_ != nullptr) return recv_tls(buf, len);
    const long n = port_.ops->recv(port_.ctx, stream_, buf, len);
    if (n > 0 || n == CWS_IO_WOULD_BLOCK) return n;
    fail(Error::closed);
    return n == CWS_IO_CLOSED ? CWS_IO_CLOSED : CWS_IO_ERROR;
}

long Connection::recv_tls(uint8_t* buf, size_t len) {
    for (;;) {
        const int rc = mbedtls_ssl_read(&ssl_, buf, clamp_int(len));
        if (rc > 0) {
            if (read_needs_write_) {
                read_needs_write_ = false;
                apply_interest();
            }
            return rc;
        }
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE) {
            const bool needs_write = rc == MBEDTLS_ERR_SSL_WANT_WRITE;
            if (needs_write != read_needs_write_) {
                read_needs_write_ = needs_write;
                apply_interest();
            }
            return CWS_IO_WOULD_BLOCK;
        }
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;  // 3.6 TLS 1.3: not data
#endif
        if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
            // Orderly end: close_notify, or EOF (many servers skip close_notify).
            tls_error_ = rc;
            fail(Error::closed);
            return CWS_IO_CLOSED;
        }
        return fail_io(rc);
    }
}

long Connection::fail_io(int rc) {
    tls_error_ = rc;
    fail(transport_failed_ ? Error::closed : Error::tls_failed);
    return CWS_IO_ERROR;
}

bool Connection::has_pending() const {
    if (tls_ == nullptr || !ssl_live_ || state_ != State::open) return false;
    return mbedtls_ssl_get_bytes_avail(&ssl_) > 0 || mbedtls_ssl_check_pending(&ssl_) != 0;
}

void Connection::set_interest(bool read, bool write) {
    want_read_ = read;
    want_write_ = write;
    if (state_ == State::open) apply_interest();
}

void Connection::apply_interest() {
    unsigned bits = 0;
    if (want_read_) bits |= read_needs_write_ ? CWS_WANT_WRITE : CWS_WANT_READ;
    if (want_write_) bits |= write_needs_read_ ? CWS_WANT_READ : CWS_WANT_WRITE;
    port_interest(bits);
}

void Connection::port_interest(unsigned bits) {
    if (stream_ == nullptr) return;
    interest_ = bits;
    port_.ops->set_interest(port_.ctx, stream_, bits);
}

unsigned Connection::port_ready() const {
    return stream_ == nullptr ? 0u : port_.ops->ready(port_.ctx, stream_);
}

bool Connection::readable() const {
    // Hot path (asked several times per message): plain TCP, open.
    if (state_ == State::open && tls_ == nullptr) return (port_ready() & CWS_WANT_READ) != 0;
    switch (state_) {
        case State::open:
            return has_pending() ||
                   (port_ready() & (read_needs_write_ ? CWS_WANT_WRITE : CWS_WANT_READ)) != 0;
        case State::connecting:
        case State::handshaking:
            return (port_ready() & interest_) != 0;
        default:
            return false;
    }
}

bool Connection::writable() const {
    switch (state_) {
        case State::open:
            return (port_ready() & (write_needs_read_ ? CWS_WANT_READ : CWS_WANT_WRITE)) != 0;
        case State::connecting:
        case State::handshaking:
            return (port_ready() & interest_) != 0;
        default:
            return false;
    }
}

Error Connection::last_error() const {
    switch (state_) {
        case State::idle:
            return Error::not_open;
        case State::closed:
            return Error::closed;
        case State::failed:
            return last_error_;
        default:
            return Error::ok;
    }
}

Error Connection::fail(Error e) {
    release(false);
    last_error_ = e;
    state_ = State::failed;
    return e;
}

void Connection::release(bool notify) {
    if (ssl_live_) {
        // One attempt only: a peer that does not read must not stall close().
        if (notify && state_ == State::open && !transport_failed_) {
            (void)mbedtls_ssl_close_notify(&ssl_);
        }
        mbedtls_ssl_free(&ssl_);
        ssl_live_ = false;
    }
    if (stream_ != nullptr) {
        port_.ops->close(port_.ctx, stream_);
        stream_ = nullptr;
    }
    interest_ = 0;
    pending_send_ = 0;
}

void Connection::close() {
    const bool active = is_active();
    release(true);
    if (active) state_ = State::closed;
}

int Connection::bio_send(void* ctx, const unsigned char* buf, size_t len) {
    Connection* c = static_cast<Connection*>(ctx);
    if (c->stream_ == nullptr) return MBEDTLS_ERR_NET_SEND_FAILED;
    const long n = c->port_.ops->send(c->port_.ctx, c->stream_, buf, clamp_int(len));
    if (n > 0) return static_cast<int>(n);
    if (n == CWS_IO_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_WRITE;
    c->transport_failed_ = true;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

int Connection::bio_recv(void* ctx, unsigned char* buf, size_t len) {
    Connection* c = static_cast<Connection*>(ctx);
    if (c->stream_ == nullptr) return MBEDTLS_ERR_NET_RECV_FAILED;
    const long n = c->port_.ops->recv(c->port_.ctx, c->stream_, buf, clamp_int(len));
    if (n > 0) return static_cast<int>(n);
    if (n == CWS_IO_WOULD_BLOCK) return MBEDTLS_ERR_SSL_WANT_READ;
    if (n == CWS_IO_CLOSED) return 0;  // EOF: mbedTLS reports CONN_EOF / 0
    c->transport_failed_ = true;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

}  // namespace consensus
