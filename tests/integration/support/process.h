/* SPDX-License-Identifier: MIT */
// A server child process for tests: started with an argv, its stdout and
// stderr written to scratch files, ready once stdout holds "READY <port>".
// Stopped by PID (SIGTERM, then SIGKILL after a bound) when destroyed.
#pragma once

#include <stdint.h>
#include <sys/types.h>

#include <string>
#include <vector>

namespace itest {

class ServerProcess {
  public:
    ServerProcess() = default;
    ~ServerProcess() { stop(); }
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    /// Runs argv (argv[0] is a path) with stdout/stderr in scratch files
    /// named after `name`. True once "READY <port>" was printed within
    /// ready_timeout_ms; otherwise the child is killed and `error()` says why.
    bool start(const char* name, const std::vector<std::string>& argv,
               int ready_timeout_ms = 15000);
    /// SIGTERM, up to 3 s to exit, then SIGKILL; reaps the child. Idempotent.
    void stop();

    bool running() const { return pid_ > 0; }
    uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    const std::string& error() const { return error_; }
    /// What the child wrote to stderr so far (for failure messages).
    std::string stderr_text() const;

  private:
    bool wait_ready(int timeout_ms);

    pid_t pid_ = -1;
    uint16_t port_ = 0;
    std::string out_path_;
    std::string err_path_;
    std::string error_;
};

/// The whole file ("" when it cannot be read).
std::string read_file(const std::string& path);
/// Monotonic clock in milliseconds.
uint64_t mono_ms();
/// Sleeps ms milliseconds.
void sleep_ms(int ms);

}  // namespace itest
