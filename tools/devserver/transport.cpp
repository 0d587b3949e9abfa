// SPDX-License-Identifier: MIT
#include "transport.h"

#include <mbedtls/net_sockets.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace devserver {

Transport::~Transport() {
    if (tls_) mbedtls_ssl_free(&ssl_);
    if (fd_ >= 0) ::close(fd_);
}

bool Transport::enable_tls(const TlsServer& server) {
    mbedtls_ssl_init(&ssl_);
    tls_ = true;
    if (mbedtls_ssl_setup(&ssl_, server.config()) != 0) return false;
    mbedtls_ssl_set_bio(&ssl_, this, bio_send, bio_recv, nullptr);
    return true;
}

int Transport::bio_send(void* ctx, const unsigned char* buf, size_t len) {
    auto* t = static_cast<Transport*>(ctx);
    ssize_t n = ::send(t->fd_, buf, len, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<int>(n);
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    }
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

int Transport::bio_recv(void* ctx, unsigned char* buf, size_t len) {
    auto* t = static_cast<Transport*>(ctx);
    ssize_t n = ::recv(t->fd_, buf, len, 0);
    if (n >= 0) return static_cast<int>(n);  // 0 is EOF for mbedTLS too
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) {
        return MBEDTLS_ERR_SSL_WANT_READ;
    }
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

Transport::Io Transport::tls_status(int rc) const {
    switch (rc) {
        case MBEDTLS_ERR_SSL_WANT_READ:
            return Io::WantRead;
        case MBEDTLS_ERR_SSL_WANT_WRITE:
            return Io::WantWrite;
        case MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY:
        case MBEDTLS_ERR_SSL_CONN_EOF:
        case 0:
            return Io::Closed;
        default:
            return Io::Error;
    }
}

Transport::Io Transport::handshake() {
    if (!tls_) return Io::Done;
    int rc = mbedtls_ssl_handshake(&ssl_);
    if (rc == 0) return Io::Done;
    Io s = tls_status(rc);
    return s == Io::Closed ? Io::Error : s;
}

Transport::Io Transport::read(std::string& in, size_t limit) {
    char buf[16384];
    while (in.size() < limit) {
        size_t want = std::min(sizeof buf, limit - in.size());
        if (tls_) {
            int rc = mbedtls_ssl_read(&ssl_, reinterpret_cast<unsigned char*>(buf), want);
            if (rc <= 0) return tls_status(rc);
            in.append(buf, static_cast<size_t>(rc));
            continue;
        }
        ssize_t n = ::recv(fd_, buf, want, 0);
        if (n > 0) {
            in.append(buf, static_cast<size_t>(n));
        } else if (n == 0) {
            return Io::Closed;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return Io::WantRead;
        } else if (errno != EINTR) {
            return Io::Error;
        }
    }
    return Io::Done;
}

Transport::Io Transport::write(std::string& out) {
    while (!out.empty()) {
        if (tls_) {
            size_t len = pending_write_ != 0 ? pending_write_ : std::min<size_t>(out.size(), 16384);
            int rc =
                mbedtls_ssl_write(&ssl_, reinterpret_cast<const unsigned char*>(out.data()), len);
            if (rc < 0) {
                pending_write_ = len;
                Io s = tls_status(rc);
                return s == Io::Closed ? Io::Error : s;
            }
            pending_write_ = 0;
            out.erase(0, static_cast<size_t>(rc));
            continue;
        }
        ssize_t n = ::send(fd_, out.data(), out.size(), MSG_NOSIGNAL);
        if (n >= 0) {
            out.erase(0, static_cast<size_t>(n));
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return Io::WantWrite;
        } else if (errno != EINTR) {
            return Io::Error;
        }
    }
    return Io::Done;
}

bool Transport::has_pending() const {
    return tls_ && mbedtls_ssl_check_pending(&ssl_) != 0;
}

void Transport::shutdown_write() {
    if (tls_) mbedtls_ssl_close_notify(&ssl_);  // one try: the socket may be full
    ::shutdown(fd_, SHUT_WR);
}

}  // namespace devserver
