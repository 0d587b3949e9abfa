// SPDX-License-Identifier: MIT
#include "demo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "args.h"
#include "consensus/x402_evm.h"
#include "exit_status.h"
#include "runner.h"
#include "wallet.h"

extern char** environ;

namespace consensus {
namespace cli {
namespace {

constexpr int kReadyTimeoutMs = 5000;
constexpr int kStopTimeoutMs = 2000;
constexpr const char* kDevserverName = "consensus-devserver";

struct Devserver {
    pid_t pid = -1;
    int out_fd = -1;  // its stdout; kept open so it never writes to a closed pipe
    unsigned port = 0;
};

uint64_t mono_ms() {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

bool executable(const char* path) {
    return access(path, X_OK) == 0;
}

// Reads stdout until "READY <port>\n", bounded by kReadyTimeoutMs.
bool wait_ready(Devserver* d) {
    char line[128];
    size_t len = 0;
    uint64_t deadline = mono_ms() + kReadyTimeoutMs;
    while (len < sizeof line - 1) {
        uint64_t now = mono_ms();
        if (now >= deadline) return false;
        struct pollfd p = {d->out_fd, POLLIN, 0};
        int r = poll(&p, 1, static_cast<int>(deadline - now));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        ssize_t n = read(d->out_fd, line + len, 1);  // byte-wise: never read past the line
        if (n <= 0) return false;
        if (line[len] == '\n') {
            line[len] = '\0';
            return sscanf(line, "READY %u", &d->port) == 1 && d->port > 0 && d->port < 65536;
        }
        ++len;
    }
    return false;
}

bool start_devserver(const char* path, Devserver* d) {
    int out_pipe[2];
    if (pipe2(out_pipe, O_CLOEXEC) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    char arg0[] = "consensus-devserver";
    char arg1[] = "--port";
    char arg2[] = "0";
    char arg3[] = "--verify-payments";
    char* argv[] = {arg0, arg1, arg2, arg3, nullptr};
    int rc = posix_spawn(&d->pid, path, &fa, nullptr, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out_pipe[1]);
    if (rc != 0) {
        close(out_pipe[0]);
        d->pid = -1;
        return false;
    }
    d->out_fd = out_pipe[0];
    return true;
}

void stop_devserver(Devserver* d) {
    if (d->pid > 0) {
        kill(d->pid, SIGTERM);
        uint64_t deadline = mono_ms() + kStopTimeoutMs;
        int status = 0;
        while (waitpid(d->pid, &status, WNOHANG) == 0) {
            if (mono_ms() >= deadline) {
                kill(d->pid, SIGKILL);
                waitpid(d->pid, &status, 0);
                break;
            }
            struct timespec pause = {0, 10 * 1000 * 1000};
            nanosleep(&pause, nullptr);
        }
    }
    if (d->out_fd >= 0) close(d->out_fd);
    d->pid = -1;
    d->out_fd = -1;
}

void note(const Output& out, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void note(const Output& out, const char* fmt, ...) {
    char text[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    print_note(out, text);
}

// A throwaway wallet for one demo run: a fresh key in a new private
// directory, in the key-file form --wallet-key reads. It holds nothing on any
// chain; the file and the directory are removed when the demo ends.
struct ThrowawayKey {
    char dir[256] = "";
    char path[300] = "";
    char address[43] = "";

    bool create() {
        const char* tmp = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s/consensus-demo-XXXXXX",
                 tmp != nullptr && *tmp ? tmp : "/tmp");
        if (mkdtemp(dir) == nullptr) return false;  // mode 0700
        snprintf(path, sizeof path, "%s/wallet.key", dir);
        uint8_t key[32];
        EvmAddress a;
        do {  // a random 32 bytes is a valid key but with probability ~2^-128
            if (getrandom(key, sizeof key, 0) != static_cast<ssize_t>(sizeof key)) return false;
        } while (!evm_key_address(key, &a));
        evm_address_text(a, address);
        char hex[66];
        for (size_t i = 0; i < sizeof key; ++i) snprintf(hex + 2 * i, 3, "%02x", key[i]);
        hex[64] = '\n';
        const int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        const bool ok = fd >= 0 && write(fd, hex, 65) == 65;
        if (fd >= 0) close(fd);
        wipe_secret(key, sizeof key);
        wipe_secret(hex, sizeof hex);
        return ok;
    }
    ~ThrowawayKey() {
        if (path[0] != '\0') unlink(path);
        if (dir[0] != '\0') rmdir(dir);
    }
};

}  // namespace

bool find_devserver(char* path, size_t cap) {
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    if (n <= 0) return false;
    self[n] = '\0';
    char* slash = strrchr(self, '/');
    if (slash == nullptr) return false;
    *slash = '\0';
    int w = snprintf(path, cap, "%s/%s", self, kDevserverName);
    if (w > 0 && static_cast<size_t>(w) < cap && executable(path)) return true;
    w = snprintf(path, cap, "%s/../devserver/%s", self, kDevserverName);
    return w > 0 && static_cast<size_t>(w) < cap && executable(path);
}

int run_demo(const Output& out) {
    char path[4200];
    if (!find_devserver(path, sizeof path)) {
        const char* why = "consensus-devserver not found next to consensus-ws";
        print_error(out, kNoSession, Error::connect_failed, why, strlen(why), 0);
        return kExitNoToken;
    }
    Devserver dev;
    if (!start_devserver(path, &dev) || !wait_ready(&dev)) {
        stop_devserver(&dev);
        const char* why = "consensus-devserver did not start (no READY line)";
        print_error(out, kNoSession, Error::connect_failed, why, strlen(why), 0);
        return kExitNoToken;
    }
    ThrowawayKey wallet;
    if (!wallet.create()) {
        stop_devserver(&dev);
        const char* why = "cannot create a throwaway wallet key";
        print_error(out, kNoSession, Error::no_resources, why, strlen(why), 0);
        return kExitNoToken;
    }
    char server[64];
    snprintf(server, sizeof server, "http://127.0.0.1:%u", dev.port);
    note(out,
         "demo: consensus-devserver (paid mode, --verify-payments: EIP-712 signatures are "
         "checked) listening on 127.0.0.1:%u",
         dev.port);
    note(out,
         "demo: connect --server %s --send hello --wallet-key <throwaway key, mode 0600, "
         "removed after>: the built-in EVM signer pays from %s with a real signature",
         server, wallet.address);

    Args a;
    a.command = Command::connect;
    a.server_url = server;
    a.params.model = Model::hybrid;
    a.params.minutes = 5;
    a.params.megabytes = 50;
    a.wallet_key = wallet.path;
    a.sends[0] = "hello";
    a.send_count = 1;
    a.wait_ms = 500;       // the echo comes back at once on loopback
    a.max_reconnects = 1;  // a local failure is not worth a long retry loop
    a.json = out.json;
    int status = run_connect(a, out);
    stop_devserver(&dev);
    note(out, "demo: %s (exit status %d)", status == kExitOk ? "done" : "failed", status);
    return status;
}

}  // namespace cli
}  // namespace consensus
