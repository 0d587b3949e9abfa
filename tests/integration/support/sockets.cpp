// SPDX-License-Identifier: MIT
#include "support/sockets.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

namespace itest {

namespace {

sockaddr_in loopback_any_port() {
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return a;
}

uint16_t bound_port(int fd) {
    sockaddr_in a = loopback_any_port();
    socklen_t len = sizeof a;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) return 0;
    return ntohs(a.sin_port);
}

}  // namespace

uint16_t dead_port() {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return 0;
    sockaddr_in a = loopback_any_port();
    const uint16_t port =
        bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 ? bound_port(fd) : 0;
    close(fd);
    return port;
}

SilentListener::SilentListener() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return;
    sockaddr_in a = loopback_any_port();
    if (bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd_, 16) == 0) {
        port_ = bound_port(fd_);
    }
}

SilentListener::~SilentListener() {
    if (fd_ >= 0) close(fd_);
}

consensus::TokenAuth bare_auth(const std::string& connect_url) {
    consensus::TokenAuth a{};
    snprintf(a.token, sizeof a.token, "%s", "t");
    snprintf(a.connect_url, sizeof a.connect_url, "%s", connect_url.c_str());
    a.expires_in_s = UINT32_MAX;  // with obtained_ms 0: never expired on a monotonic clock
    a.obtained_ms = 0;
    a.has_params = false;
    return a;
}

}  // namespace itest
