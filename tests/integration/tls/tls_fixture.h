// What the TLS integration tests share: the test certificates
// (scripts/gen-test-cert: server.pem for DNS:localhost only, server-ip.pem
// also for IP:127.0.0.1 and IP:::1, other-ca.pem an unrelated root), an
// `openssl s_server` to talk to, and a fixture holding one Connection over
// the POSIX port with helpers to open, send and receive. Every wait is
// bounded.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "common/check_err.h"
#include "consensus/port_posix.h"
#include "core/rng.h"
#include "net/connection.h"
#include "tls/tls.h"

namespace tls_test {

using consensus::Connection;
using consensus::Error;
using consensus::Rng;
using consensus::TlsShared;

constexpr int kBoundMs = 10000;

// Certificates are generated once per run. A plain static flag, not a cached
// std::string: CppUTest would report the cache as a leak of the first test.
inline const char* cert_dir() {
    static bool generated = false;
    if (!generated) {
        const std::string cmd = std::string(CONSENSUS_SOURCE_DIR) + "/scripts/gen-test-cert '" +
                                CONSENSUS_TEST_SCRATCH + "' >/dev/null";
        if (system(cmd.c_str()) != 0) {
            fprintf(stderr, "gen-test-cert failed\n");
            abort();
        }
        generated = true;
    }
    return CONSENSUS_TEST_SCRATCH;
}

inline std::string path(const char* name) {
    return std::string(cert_dir()) + "/" + name;
}

inline std::string slurp(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// `openssl s_server -rev` (answers each line reversed) on all addresses (it
// prints ACCEPT [::]:PORT), with <cert>.pem and <cert>.key, speaking only the
// TLS version `version` ("-tls1_2" or "-tls1_3"), on `on_port` or a kernel-chosen
// port. It grants sessions for resumption as OpenSSL does by default
// (tickets, and a session id cache for TLS 1.2).
class SServer {
  public:
    bool start(const char* cert_name = "server", const char* version = "-tls1_2",
               uint16_t on_port = 0, const char* client_cert = nullptr) {
        int out[2];
        if (pipe(out) != 0) return false;
        pid_ = fork();
        if (pid_ == 0) {
            const int devnull = open("/dev/null", O_RDWR);
            dup2(devnull, 0);
            dup2(out[1], 1);
            dup2(devnull, 2);
            close(out[0]);
            const std::string cert = path(cert_name) + ".pem";
            const std::string key = path(cert_name) + ".key";
            const std::string accept = std::to_string(on_port);
            // client_cert "-Verify": demand a client certificate (depth 1).
            execlp("openssl", "openssl", "s_server", "-accept", accept.c_str(), "-cert",
                   cert.c_str(), "-key", key.c_str(), version, "-rev", client_cert,
                   client_cert != nullptr ? "1" : nullptr, static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        out_ = out[0];
        // s_server prints "ACCEPT [::]:PORT" once it listens on a port of
        // its choice, a bare "ACCEPT" on the port it was given.
        std::string seen;
        char buf[256];
        while (seen.find('\n', seen.find("ACCEPT")) == std::string::npos) {
            pollfd p{out_, POLLIN, 0};
            if (poll(&p, 1, kBoundMs) != 1) return false;
            const ssize_t n = read(out_, buf, sizeof buf);
            if (n <= 0) return false;
            seen.append(buf, static_cast<size_t>(n));
        }
        const size_t at = seen.find("ACCEPT");
        const size_t colon = seen.rfind(':', seen.find('\n', at));
        port_ = on_port != 0 ? on_port : static_cast<uint16_t>(atoi(seen.c_str() + colon + 1));
        return port_ != 0;
    }
    uint16_t port() const { return port_; }
    ~SServer() { stop(); }
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        if (out_ >= 0) close(out_);
        out_ = -1;
    }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    uint16_t port_ = 0;
};

struct TlsFixture : Utest {
    std::vector<unsigned char> mem;
    cws_posix_port* pp = nullptr;
    cws_port port{};
    Rng rng;
    TlsShared tls;
    Connection conn;

    void setup() override {
        cert_dir();
        mem.assign(cws_posix_port_bytes(4), 0);
        LONGS_EQUAL(0, cws_posix_port_init(mem.data(), mem.size(), 4, &pp));
        port = cws_posix_port_get(pp);
        CHECK_ERR(Error::ok, rng.init(port));
    }
    void teardown() override {
        conn.close();
        consensus::tls_shared_free(&tls);
        cws_posix_port_deinit(pp);
    }
    void trust(const char* ca) {
        CHECK_ERR(Error::ok, tls_shared_init(&tls, &rng, nullptr, 0, path(ca).c_str()));
    }
    // progress() until it leaves would_block; `serve` runs between rounds.
    Error drive_open(void (*serve)(void*) = nullptr, void* user = nullptr) {
        for (int i = 0; i < 200; ++i) {
            const Error e = conn.progress();
            if (e != Error::would_block) return e;
            if (serve != nullptr) serve(user);
            port.ops->wait(port.ctx, 50);
        }
        return Error::timeout;
    }
    void send_all(const std::string& s) {
        size_t off = 0;
        conn.set_interest(false, true);
        for (int i = 0; i < 1000 && off < s.size(); ++i) {
            const long n =
                conn.send(reinterpret_cast<const uint8_t*>(s.data()) + off, s.size() - off);
            if (n > 0) {
                off += static_cast<size_t>(n);
                continue;
            }
            LONGS_EQUAL(CWS_IO_WOULD_BLOCK, n);
            port.ops->wait(port.ctx, 100);
        }
        LONGS_EQUAL(s.size(), off);
        conn.set_interest(true, false);
    }
    // Receives until `want` bytes arrived or recv reports an end.
    std::string recv_some(size_t want, long* last = nullptr, size_t chunk = 4096) {
        std::string got;
        std::vector<uint8_t> buf(chunk);
        conn.set_interest(true, false);
        long n = 0;
        for (int i = 0; i < 1000 && got.size() < want; ++i) {
            n = conn.recv(buf.data(), buf.size());
            if (n > 0) {
                got.append(reinterpret_cast<char*>(buf.data()), static_cast<size_t>(n));
                continue;
            }
            if (n != CWS_IO_WOULD_BLOCK) break;
            port.ops->wait(port.ctx, 100);
        }
        if (last != nullptr) *last = n;
        return got;
    }
};

}  // namespace tls_test
