/* SPDX-License-Identifier: MIT */
// Loopback endpoints that misbehave on purpose, and hand-made auths to reach them.
#pragma once

#include <stdint.h>

#include <string>

#include "consensus/client.h"

namespace itest {

/// A loopback TCP port with nobody listening (bound, then released).
uint16_t dead_port();

/// A 127.0.0.1 listener that never accepts and never answers: connects
/// complete in the kernel's backlog, then nothing comes (an HTTP upgrade or a
/// TLS handshake that stalls). port() is 0 when it could not be set up.
class SilentListener {
  public:
    SilentListener();
    ~SilentListener();
    SilentListener(const SilentListener&) = delete;
    SilentListener& operator=(const SilentListener&) = delete;
    uint16_t port() const { return port_; }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

/// An auth for `connect_url` as if bought elsewhere: token "t", no params (a
/// bare token is never bought again), obtained at clock 0 and never expiring.
consensus::TokenAuth bare_auth(const std::string& connect_url);

}  // namespace itest
