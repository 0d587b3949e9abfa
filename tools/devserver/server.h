/* SPDX-License-Identifier: MIT */
// The single-threaded poll() loop: listener, connections (HTTP request ->
// response, or upgrade -> WebSocket session), timers, clean exit on a signal.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "log.h"
#include "options.h"
#include "routes.h"
#include "tls.h"
#include "tokens.h"

namespace devserver {

struct Conn;

class Server {
  public:
    Server(const Options& options, EventLog& log);
    ~Server();

    // Loads TLS material, binds and listens. Returns false with `error` set.
    bool listen(std::string& error);
    int port() const { return port_; }
    // Runs until `stop_fd` (a pipe written by the signal handler) becomes readable.
    void run(int stop_fd);

  private:
    void accept_all(int64_t now);
    void process(Conn& c, int64_t now);
    void on_request(Conn& c, int64_t now);
    void start_ws(Conn& c, const std::string& rest, UpgradeResult& up, int64_t now);
    void pump_ws(Conn& c, int64_t now);
    void start_linger(Conn& c, int64_t now);
    short interest(const Conn& c) const;
    int64_t deadline(const Conn& c) const;

    const Options& options_;
    EventLog& log_;
    TokenStore tokens_;
    ServerContext ctx_;
    std::unique_ptr<TlsServer> tls_;
    int listen_fd_ = -1;
    int port_ = 0;
    int64_t accept_pause_until_ = 0;
    std::vector<std::unique_ptr<Conn>> conns_;
};

// CLOCK_MONOTONIC in milliseconds.
int64_t monotonic_ms();

}  // namespace devserver
