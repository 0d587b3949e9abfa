// SPDX-License-Identifier: MIT
#include "net/connection.h"

namespace consensus {

namespace {

// Every session outcome as the connection reports it.
Error error_of(TlsStatus st) {
    switch (st) {
        case TlsStatus::ok:
            return Error::ok;
        case TlsStatus::want_read:
        case TlsStatus::want_write:
            return Error::would_block;
        case TlsStatus::closed:
        case TlsStatus::transport_failed:  // a dead transport, not a TLS failure
            return Error::closed;
        case TlsStatus::tls_failed:
            return Error::tls_failed;
        case TlsStatus::cert_invalid:
            return Error::cert_invalid;
        case TlsStatus::no_memory:
            return Error::no_resources;
        case TlsStatus::bad_config:
            return Error::invalid_config;
        case TlsStatus::bad_host:
        case TlsStatus::short_retry:  // the caller's bug
            return Error::invalid_params;
    }
    return Error::tls_failed;
}

}  // namespace

Connection::Connection()
    : port_{nullptr, nullptr},
      stream_(nullptr),
      session_(),
      state_(State::idle),
      last_error_(Error::ok),
      tls_(false),
      want_read_(false),
      want_write_(false),
      read_needs_write_(false),
      write_needs_read_(false),
      interest_(0) {}

Connection::~Connection() {
    close();
}

bool Connection::is_active() const {
    switch (state_) {
        case State::connecting:
        case State::connecting_to_proxy:
        case State::tunnel:
        case State::handshaking:
        case State::open:
            return true;
        default:
            return false;
    }
}

Error Connection::open(const cws_port& port, TlsShared* tls, const char* host,
                       uint16_t port_number) {
    const Error e = setup(port, tls, host, port_number);
    return e != Error::ok ? e : open_stream(host, port_number, State::connecting);
}

Error Connection::open_via(const cws_port& port, TlsShared* tls, const char* host,
                           uint16_t port_number, const char* proxy_host, uint16_t proxy_port) {
    const Error e = setup(port, tls, host, port_number);
    if (e != Error::ok) return e;
    if (proxy_host == nullptr) return fail(Error::invalid_params);
    return open_stream(proxy_host, proxy_port, State::connecting_to_proxy);
}

// Everything before the stream: state, and the TLS session for `host`.
Error Connection::setup(const cws_port& port, TlsShared* tls, const char* host,
                        uint16_t port_number) {
    close();
    port_ = port;
    tls_ = tls != nullptr;
    want_read_ = want_write_ = false;
    read_needs_write_ = write_needs_read_ = false;
    interest_ = 0;
    session_.clear_diagnostics();
    if (host == nullptr || port.ops == nullptr) return fail(Error::invalid_params);
    if (tls != nullptr) {
        // TLS first: a failure here needs no stream to undo.
        static constexpr TlsTransport kTransport = {&Connection::transport_send,
                                                    &Connection::transport_recv};
        const TlsStatus st = session_.setup(tls, host, port_number, &kTransport, this);
        if (st != TlsStatus::ok) return fail(error_of(st));
    }
    return Error::ok;
}

Error Connection::open_stream(const char* host, uint16_t port_number, State connecting) {
    cws_stream* s = nullptr;
    const cws_open_result r = port_.ops->open(port_.ctx, host, port_number, &s);
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
    state_ = connecting;
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
        case State::connecting:
        case State::connecting_to_proxy: {
            const int st = port_.ops->connect_status(port_.ctx, stream_);
            if (st == CWS_IO_WOULD_BLOCK) {
                port_interest(CWS_WANT_WRITE);
                return Error::would_block;
            }
            if (st == CWS_IO_DNS_FAILED) return fail(Error::dns_failed);  // async resolver
            if (st != 0) return fail(Error::connect_failed);
            if (state_ == State::connecting_to_proxy) {
                state_ = State::tunnel;
                apply_interest();
                return Error::ok;
            }
            return after_tcp();
        }
        case State::tunnel:
            return Error::ok;
        case State::handshaking:
            return handshake_step();
    }
    return Error::not_open;
}

Error Connection::end_tunnel() {
    if (state_ != State::tunnel) return state_ == State::failed ? last_error_ : Error::not_open;
    return after_tcp();
}

// TCP is up to the server (or through the tunnel): TLS, or open.
Error Connection::after_tcp() {
    if (!tls_) {
        state_ = State::open;
        apply_interest();
        return Error::ok;
    }
    state_ = State::handshaking;
    return handshake_step();
}

Error Connection::handshake_step() {
    const TlsStatus st = session_.handshake();
    switch (st) {
        case TlsStatus::ok:
            state_ = State::open;
            apply_interest();
            return Error::ok;
        case TlsStatus::want_read:
            port_interest(CWS_WANT_READ);
            return Error::would_block;
        case TlsStatus::want_write:
            port_interest(CWS_WANT_WRITE);
            return Error::would_block;
        default:
            return fail(error_of(st));  // cert_invalid or tls_failed
    }
}

long Connection::send(const uint8_t* data, size_t len) {
    if (state_ != State::open && state_ != State::tunnel) return CWS_IO_ERROR;
    if (len == 0) return 0;
    if (!carries_plain()) return send_tls(data, len);
    const long n = port_.ops->send(port_.ctx, stream_, data, len);
    if (n > 0 || n == CWS_IO_WOULD_BLOCK) return n;
    fail(Error::closed);
    return CWS_IO_ERROR;
}

long Connection::send_tls(const uint8_t* data, size_t len) {
    size_t n = 0;
    const TlsStatus st = session_.write(data, len, &n);
    switch (st) {
        case TlsStatus::ok:
            set_write_needs_read(false);
            return static_cast<long>(n);
        case TlsStatus::want_read:
        case TlsStatus::want_write:
            // The record stays pending in the session for the caller's retry.
            set_write_needs_read(st == TlsStatus::want_read);
            return CWS_IO_WOULD_BLOCK;
        default:
            fail(error_of(st));  // invalid_params, closed or tls_failed
            return CWS_IO_ERROR;
    }
}

long Connection::recv(uint8_t* buf, size_t len) {
    if (state_ != State::open && state_ != State::tunnel) return CWS_IO_ERROR;
    if (len == 0) return 0;
    if (!carries_plain()) return recv_tls(buf, len);
    const long n = port_.ops->recv(port_.ctx, stream_, buf, len);
    if (n > 0 || n == CWS_IO_WOULD_BLOCK) return n;
    fail(Error::closed);
    return n == CWS_IO_CLOSED ? CWS_IO_CLOSED : CWS_IO_ERROR;
}

long Connection::recv_tls(uint8_t* buf, size_t len) {
    size_t n = 0;
    const TlsStatus st = session_.read(buf, len, &n);
    switch (st) {
        case TlsStatus::ok:
            set_read_needs_write(false);
            return static_cast<long>(n);
        case TlsStatus::want_read:
        case TlsStatus::want_write:
            set_read_needs_write(st == TlsStatus::want_write);
            return CWS_IO_WOULD_BLOCK;
        case TlsStatus::closed:
            fail(Error::closed);
            return CWS_IO_CLOSED;
        default:
            fail(error_of(st));  // closed (dead transport) or tls_failed
            return CWS_IO_ERROR;
    }
}

bool Connection::has_pending() const {
    return tls_ && state_ == State::open && session_.pending();
}

void Connection::set_interest(bool read, bool write) {
    want_read_ = read;
    want_write_ = write;
    if (state_ == State::open || state_ == State::tunnel) apply_interest();
}

void Connection::apply_interest() {
    unsigned bits = 0;
    if (want_read_) bits |= read_needs_write_ ? CWS_WANT_WRITE : CWS_WANT_READ;
    if (want_write_) bits |= write_needs_read_ ? CWS_WANT_READ : CWS_WANT_WRITE;
    port_interest(bits);
}

// TLS asks for the other direction now and then; the port follows it.
void Connection::set_read_needs_write(bool needs_write) {
    if (needs_write == read_needs_write_) return;
    read_needs_write_ = needs_write;
    apply_interest();
}

void Connection::set_write_needs_read(bool needs_read) {
    if (needs_read == write_needs_read_) return;
    write_needs_read_ = needs_read;
    apply_interest();
}

void Connection::port_interest(unsigned bits) {
    if (stream_ == nullptr) return;
    interest_ = static_cast<uint8_t>(bits);
    port_.ops->set_interest(port_.ctx, stream_, bits);
}

unsigned Connection::port_ready() const {
    return stream_ == nullptr ? 0u : port_.ops->ready(port_.ctx, stream_);
}

bool Connection::readable() const {
    // Hot path (asked several times per message): plain TCP, open.
    if (carries_plain()) return (port_ready() & CWS_WANT_READ) != 0;
    switch (state_) {
        case State::open:
            return has_pending() ||
                   (port_ready() & (read_needs_write_ ? CWS_WANT_WRITE : CWS_WANT_READ)) != 0;
        case State::connecting:
        case State::connecting_to_proxy:
        case State::handshaking:
            return (port_ready() & interest_) != 0;
        default:
            return false;
    }
}

bool Connection::writable() const {
    if (carries_plain()) return (port_ready() & CWS_WANT_WRITE) != 0;
    switch (state_) {
        case State::open:
            return (port_ready() & (write_needs_read_ ? CWS_WANT_READ : CWS_WANT_WRITE)) != 0;
        case State::connecting:
        case State::connecting_to_proxy:
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
    // Before the stream closes: close_notify still needs it.
    if (notify && state_ == State::open) session_.close_notify();
    session_.free();
    if (stream_ != nullptr) {
        port_.ops->close(port_.ctx, stream_);
        stream_ = nullptr;
    }
    interest_ = 0;
}

void Connection::close() {
    const bool active = is_active();
    release(true);
    if (active) state_ = State::closed;
}

long Connection::transport_send(void* ctx, const uint8_t* data, size_t len) {
    Connection* c = static_cast<Connection*>(ctx);
    if (c->stream_ == nullptr) return CWS_IO_ERROR;
    return c->port_.ops->send(c->port_.ctx, c->stream_, data, len);
}

long Connection::transport_recv(void* ctx, uint8_t* buf, size_t len) {
    Connection* c = static_cast<Connection*>(ctx);
    if (c->stream_ == nullptr) return CWS_IO_ERROR;
    return c->port_.ops->recv(c->port_.ctx, c->stream_, buf, len);
}

}  // namespace consensus
