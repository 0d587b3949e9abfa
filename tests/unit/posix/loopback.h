/* SPDX-License-Identifier: MIT */
// A TCP listener on a loopback address with a kernel-chosen port, for the
// POSIX port's tests (posix_port_test.cpp, posix_conformance_test.cpp).
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

namespace loopback {

constexpr int kBoundMs = 5000;  // upper bound for anything to happen on loopback

struct Listener {
    int fd = -1;
    uint16_t port = 0;

    // Without listening the port is only reserved: connects to it are refused.
    bool start(int family, bool listening = true) {
        fd = ::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) return false;
        sockaddr_storage ss;
        memset(&ss, 0, sizeof ss);
        socklen_t len;
        if (family == AF_INET) {
            sockaddr_in* a = reinterpret_cast<sockaddr_in*>(&ss);
            a->sin_family = AF_INET;
            a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            len = sizeof *a;
        } else {
            sockaddr_in6* a = reinterpret_cast<sockaddr_in6*>(&ss);
            a->sin6_family = AF_INET6;
            a->sin6_addr = in6addr_loopback;
            len = sizeof *a;
        }
        if (::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) != 0) return false;
        if (listening && ::listen(fd, 8) != 0) return false;
        socklen_t got = sizeof ss;
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &got);
        port = ntohs(family == AF_INET ? reinterpret_cast<sockaddr_in*>(&ss)->sin_port
                                       : reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port);
        return true;
    }
    int accept_one() const {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, kBoundMs) != 1) return -1;
        return ::accept4(fd, nullptr, nullptr, SOCK_CLOEXEC);
    }
    ~Listener() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace loopback
