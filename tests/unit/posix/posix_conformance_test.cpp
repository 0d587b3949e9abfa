// SPDX-License-Identifier: MIT
// The port conformance checks (tests/port_conformance) against the POSIX
// port, with the peer played by plain BSD sockets on 127.0.0.1.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

#include "CppUTest/TestHarness.h"
#include "consensus/port_posix.h"
#include "port_conformance/conformance.h"
#include "unit/posix/loopback.h"

namespace {

class LoopbackPeer final : public port_conformance::Peer {
  public:
    bool start() { return listener_.start(AF_INET) && refuser_.start(AF_INET, false); }
    ~LoopbackPeer() override { drop(); }

    const char* host() override { return "127.0.0.1"; }
    uint16_t port() override { return listener_.port; }
    uint16_t refused_port() override { return refuser_.port; }
    bool accept() override {
        drop();
        conn_ = listener_.accept_one();
        return conn_ >= 0;
    }
    bool write(const uint8_t* data, size_t len) override {
        // The socket blocks: on loopback the kernel takes a few bytes at once.
        return ::send(conn_, data, len, MSG_NOSIGNAL) == static_cast<ssize_t>(len);
    }
    size_t read(uint8_t* buf, size_t len) override {
        pollfd p{conn_, POLLIN, 0};
        if (::poll(&p, 1, loopback::kBoundMs) != 1) return 0;
        const ssize_t n = ::recv(conn_, buf, len, 0);
        return n > 0 ? static_cast<size_t>(n) : 0;
    }
    void finish() override { ::shutdown(conn_, SHUT_WR); }
    void reset() override {
        linger lg{1, 0};  // close() with a zero linger sends RST
        ::setsockopt(conn_, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
        drop();
    }

  private:
    void drop() {
        if (conn_ >= 0) ::close(conn_);
        conn_ = -1;
    }

    loopback::Listener listener_;
    loopback::Listener refuser_;  // bound, not listening: connects are refused
    int conn_ = -1;
};

class PosixFixture {
  public:
    static constexpr uint32_t kStreams = 2;

    void setup() {
        mem_.assign(cws_posix_port_bytes(kStreams), 0);
        LONGS_EQUAL(0, cws_posix_port_init(mem_.data(), mem_.size(), kStreams, &pp_));
        CHECK_TRUE(peer_.start());
    }
    void teardown() {
        if (pp_ != nullptr) cws_posix_port_deinit(pp_);
        pp_ = nullptr;
    }
    port_conformance::Target target() {
        return port_conformance::Target{cws_posix_port_get(pp_), &peer_, kStreams};
    }

  private:
    std::vector<unsigned char> mem_;
    cws_posix_port* pp_ = nullptr;
    LoopbackPeer peer_;
};

}  // namespace

CWS_PORT_CONFORMANCE_TESTS(PosixPortConformance, PosixFixture)
