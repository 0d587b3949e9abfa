/* SPDX-License-Identifier: MIT */
// The two servers the session tests run against, behind one interface:
// consensus-devserver (ours) and tests/interop/token-server.mjs (the real
// @x402/express middleware in front of Node's `ws`), paid mode, ws or wss.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

#include "support/process.h"
#include "support/server_log.h"

namespace itest {

enum class ServerKind { devserver, token_server };
const char* server_kind_name(ServerKind kind);

/// True when node and the npm packages token-server.mjs/payer.mjs import are
/// installed (`npm ci --prefix tests/interop`); else false with *why set.
bool node_ready(std::string* why);

class TestServer {
  public:
    /// Starts `kind` with --log in the scratch directory, --tls with the dev
    /// certificate when tls, plus `extra` (the kind's own test controls).
    bool start(ServerKind kind, bool tls, const std::vector<std::string>& extra = {});
    void stop() { process_.stop(); }

    ServerKind kind() const { return kind_; }
    bool tls() const { return tls_; }
    uint16_t port() const { return process_.port(); }
    const std::string& error() const { return process_.error(); }
    /// https://localhost:P with TLS (the certificate also names 127.0.0.1 and
    /// ::1), else http://127.0.0.1:P.
    std::string base_url() const;
    const ServerLog& log() const { return log_; }

    /// Tokens sold for a payment, in order (devserver: token_request with
    /// paid:true and status 200; token-server: mint, which the payment
    /// middleware only lets through after verification).
    std::vector<std::string> purchased_tokens() const;
    /// Waits until at least n purchases are in the log; returns the count seen.
    size_t wait_purchases(size_t n, int timeout_ms) const;
    /// WebSocket upgrades the server answered with `status` (101, 401, ...).
    size_t upgrades(int status) const;

  private:
    Match purchase_match() const;

    ServerKind kind_ = ServerKind::devserver;
    bool tls_ = false;
    ServerProcess process_;
    ServerLog log_{""};
};

}  // namespace itest
