/* SPDX-License-Identifier: MIT */
// What the server answers: GET /ws (token sale, x402) and the WebSocket
// upgrade on /ws-connect. Pure functions of the request and the server state;
// the connection code only moves the bytes.
#pragma once

#include <cstdint>
#include <string>

#include "http.h"
#include "log.h"
#include "options.h"
#include "tokens.h"
#include "ws_session.h"

namespace devserver {

struct ServerContext {
    const Options& options;
    TokenStore& tokens;
    EventLog& log;
    std::string listen_authority;  // host:port, used when a request has no Host header
    bool control_used = false;     // the test-control action went to the first session
    NonceTable nonces{};           // --verify-payments: the nonces paid with
};

// Any non-upgrade request: GET /ws, or 404. Returns the full response bytes.
std::string handle_request(const HttpRequest& req, ServerContext& ctx, int64_t now_ms);

struct UpgradeResult {
    enum class Kind { Drop, Reply, Accept };
    Kind kind = Kind::Drop;
    std::string response;  // Reply: write then drop; Accept: the 101
    SessionSpec spec;      // Accept only
};

// A request that asked for an upgrade.
UpgradeResult handle_upgrade(const HttpRequest& req, ServerContext& ctx, int64_t now_ms);

}  // namespace devserver
