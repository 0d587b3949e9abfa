/* SPDX-License-Identifier: MIT */
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
#include <string.h>
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

// How an SServer runs.
struct SServerOptions {
    const char* cert = "server";      // <cert>.pem and <cert>.key
    const char* version = "-tls1_2";  // the only TLS version spoken: "-tls1_2" or "-tls1_3"
    uint16_t port = 0;                // 0: a kernel-chosen port
    bool demand_client_cert = false;  // -Verify 1: fail a client without a certificate
    // Instead of -rev: s_server's interactive mode, driven with command().
    bool interactive = false;
};

// `openssl s_server` on all addresses (it prints ACCEPT [::]:PORT). With -rev
// it answers each line reversed. It grants sessions for resumption as OpenSSL
// does by default (tickets, and a session id cache for TLS 1.2).
class SServer {
  public:
    bool start(const char* cert = "server", const char* version = "-tls1_2") {
        SServerOptions o;
        o.cert = cert;
        o.version = version;
        return start(o);
    }
    bool start(const SServerOptions& o) {
        int out[2];
        int in[2];
        if (pipe(out) != 0) return false;
        if (pipe(in) != 0) return false;
        pid_ = fork();
        if (pid_ == 0) {
            const int devnull = open("/dev/null", O_RDWR);
            dup2(o.interactive ? in[0] : devnull, 0);
            dup2(out[1], 1);
            dup2(devnull, 2);
            close(out[0]);
            close(in[1]);
            const std::string cert = path(o.cert) + ".pem";
            const std::string key = path(o.cert) + ".key";
            const std::string accept = std::to_string(o.port);
            std::vector<const char*> argv = {"openssl",      "s_server",  "-accept",
                                             accept.c_str(), "-cert",     cert.c_str(),
                                             "-key",         key.c_str(), o.version};
            if (!o.interactive) argv.push_back("-rev");
            if (o.demand_client_cert) {
                argv.push_back("-Verify");
                argv.push_back("1");
            }
            argv.push_back(nullptr);
            execvp("openssl", const_cast<char* const*>(argv.data()));
            _exit(127);
        }
        close(out[1]);
        close(in[0]);
        out_ = out[0];
        in_ = in[1];
        // s_server prints "ACCEPT [::]:PORT" once it listens on a port of
        // its choice, a bare "ACCEPT" on the port it was given.
        std::string seen;
        while (seen.find('\n', seen.find("ACCEPT")) == std::string::npos) {
            if (!read_some(&seen)) return false;
        }
        const size_t at = seen.find("ACCEPT");
        const size_t colon = seen.rfind(':', seen.find('\n', at));
        port_ = o.port != 0 ? o.port : static_cast<uint16_t>(atoi(seen.c_str() + colon + 1));
        return port_ != 0;
    }
    uint16_t port() const { return port_; }
    // Interactive mode: a line on s_server's stdin ("k\n": send a TLS 1.3
    // KeyUpdate; other text is sent as data).
    bool command(const char* line) {
        return write(in_, line, strlen(line)) == static_cast<ssize_t>(strlen(line));
    }
    // Reads s_server's output until `text` shows (bounded).
    bool wait_for(const char* text) {
        std::string seen;
        while (seen.find(text) == std::string::npos) {
            if (!read_some(&seen)) return false;
        }
        return true;
    }
    ~SServer() { stop(); }
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
            pid_ = -1;
        }
        if (out_ >= 0) close(out_);
        if (in_ >= 0) close(in_);
        out_ = in_ = -1;
    }

  private:
    bool read_some(std::string* seen) {
        char buf[256];
        pollfd p{out_, POLLIN, 0};
        if (poll(&p, 1, kBoundMs) != 1) return false;
        const ssize_t n = read(out_, buf, sizeof buf);
        if (n <= 0) return false;
        seen->append(buf, static_cast<size_t>(n));
        return true;
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int in_ = -1;
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
