/* SPDX-License-Identifier: MIT */
// A non-blocking accepted socket, plain or TLS, seen as "read into a string /
// write from a string". Owns the file descriptor.
#pragma once

#include <mbedtls/ssl.h>

#include <cstddef>
#include <string>

#include "tls.h"

namespace devserver {

class Transport {
  public:
    enum class Io {
        Done,       // finished (handshake) or the limit was reached (read)
        WantRead,   // wait for POLLIN
        WantWrite,  // wait for POLLOUT
        Closed,     // orderly end of stream from the peer
        Error
    };

    explicit Transport(int fd) : fd_(fd) {}
    ~Transport();
    Transport(const Transport&) = delete;
    Transport& operator=(const Transport&) = delete;

    // Switches to TLS with the shared configuration. False on setup failure.
    bool enable_tls(const TlsServer& server);
    bool is_tls() const { return tls_; }
    int fd() const { return fd_; }

    // Runs the TLS handshake (Done at once for plain TCP).
    Io handshake();
    // Appends what is available to `in`, at most until in.size() reaches `limit`.
    Io read(std::string& in, size_t limit);
    // Writes from the front of `out`, erasing what was written.
    Io write(std::string& out);
    // Decrypted bytes wait inside mbedTLS while the socket may not be readable.
    bool has_pending() const;
    // TLS close_notify (best effort) then shutdown(SHUT_WR).
    void shutdown_write();

  private:
    static int bio_send(void* ctx, const unsigned char* buf, size_t len);
    static int bio_recv(void* ctx, unsigned char* buf, size_t len);
    Io tls_status(int rc) const;

    int fd_;
    bool tls_ = false;
    mbedtls_ssl_context ssl_;
    size_t pending_write_ = 0;  // mbedTLS wants a retried write with the same length
};

}  // namespace devserver
