// SPDX-License-Identifier: MIT
#include "support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

#include "support/scratch.h"

extern char** environ;

namespace itest {

namespace {

constexpr int kStopGraceMs = 3000;
constexpr int kPollStepMs = 10;

// True when the child exited (reaped here); *status gets its wait status.
bool reap_if_exited(pid_t pid, int* status) {
    return waitpid(pid, status, WNOHANG) == pid;
}

}  // namespace

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

uint64_t mono_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

void sleep_ms(int ms) {
    timespec ts{ms / 1000, static_cast<long>(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

bool ServerProcess::start(const char* name, const std::vector<std::string>& argv,
                          int ready_timeout_ms) {
    stop();
    out_path_ = scratch_file(name, ".out");
    err_path_ = scratch_file(name, ".err");
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    pid_t pid = -1;
    const int rc = posix_spawn(&pid, args[0], &fa, nullptr, args.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) {
        error_ = std::string("cannot start ") + argv[0] + ": " + strerror(rc);
        return false;
    }
    pid_ = pid;
    if (wait_ready(ready_timeout_ms)) return true;
    stop();
    return false;
}

bool ServerProcess::wait_ready(int timeout_ms) {
    const uint64_t deadline = mono_ms() + static_cast<uint64_t>(timeout_ms);
    for (;;) {
        const std::string out = read_file(out_path_);
        const size_t at = out.find("READY ");
        if (at != std::string::npos && out.find('\n', at) != std::string::npos) {
            port_ = static_cast<uint16_t>(atoi(out.c_str() + at + 6));
            if (port_ != 0) return true;
        }
        int status = 0;
        if (reap_if_exited(pid_, &status)) {
            pid_ = -1;
            error_ = "server exited before READY; stderr: " + read_file(err_path_);
            return false;
        }
        if (mono_ms() >= deadline) {
            error_ = "no READY <port> within the bound; stderr: " + read_file(err_path_);
            return false;
        }
        sleep_ms(kPollStepMs);
    }
}

void ServerProcess::stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    int status = 0;
    bool gone = false;
    for (int waited = 0; waited < kStopGraceMs && !gone; waited += kPollStepMs) {
        gone = reap_if_exited(pid_, &status);
        if (!gone) sleep_ms(kPollStepMs);
    }
    if (!gone) {
        kill(pid_, SIGKILL);
        waitpid(pid_, &status, 0);
    }
    pid_ = -1;
}

std::string ServerProcess::stderr_text() const {
    return read_file(err_path_);
}

}  // namespace itest
