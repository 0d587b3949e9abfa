// SPDX-License-Identifier: MIT
// consensus-tls-resume-bench: what TLS session resumption saves (issue 17).
//
//   consensus-tls-resume-bench [--count N] [--tls 1.2|1.3|all] [--host NAME]
//       [--gap-ms MS] [--json FILE]
//
// Against a local `openssl s_server -rev` (one per TLS version, forced with
// -tls1_2 / -tls1_3; 1.3 only when the linked mbedTLS line has it), runs N
// full and N resumed handshakes, interleaved (full, resumed, full, ...) so
// that machine noise hits both alike, each on a fresh Connection
// (src/net/connection.h) over the POSIX port:
//  - full: a TlsShared without a session cache (nothing offered);
//  - resumed: a TlsShared whose TlsSessionCache was primed by one earlier
//    connection; each resumed connection offers the session the previous one
//    was granted (as a device reconnecting does).
// Every full run must report tls_resumed() false and every resumed run true,
// else the bench fails: it never reports a resumption that did not happen.
//
// Per handshake, from Connection::open to progress() == ok: wall time
// (CLOCK_MONOTONIC), client CPU time (CLOCK_PROCESS_CPUTIME_ID: the server is
// another process) and the bytes the TLS layer sent and received (a port that
// forwards to the POSIX port and counts per stream). The loop blocks in the
// port's wait() between steps, so CPU time is work, not spinning. open()
// includes resolving the host (localhost: /etc/hosts) and the TCP connect,
// alike for both kinds. After the handshake, one line is echoed (which also
// reads TLS 1.3 NewSessionTickets, so the next resumed run has one) and the
// connection closes (close_notify); those bytes count in the whole-connection
// totals, not in the handshake's, and nothing after the handshake is timed.
//
// Prints a markdown table (median and p90 handshake ms, mean client CPU µs per
// handshake, median bytes, ratios resumed / full) on stdout, progress on
// stderr; --json FILE writes every run. Exit 0 only when every run succeeded.
#include <dirent.h>
#include <fcntl.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "consensus/error.h"
#include "consensus/port.h"
#include "consensus/port_posix.h"
#include "core/rng.h"
#include "net/connection.h"
#include "tls/session_cache.h"
#include "tls/tls.h"

namespace {

using consensus::Connection;
using consensus::Error;
using consensus::error_name;
using consensus::Rng;
using consensus::TlsCacheEntry;
using consensus::TlsSessionCache;
using consensus::TlsShared;

constexpr int64_t kNsPerMs = 1000000;
constexpr int64_t kBoundNs = 10000 * kNsPerMs;  // any one connection step

int64_t clock_ns(clockid_t id) {
    timespec ts{};
    clock_gettime(id, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}
int64_t mono_ns() {
    return clock_ns(CLOCK_MONOTONIC);
}
int64_t cpu_ns() {
    return clock_ns(CLOCK_PROCESS_CPUTIME_ID);
}

// ------------------------------------------------------------ counting port

struct Bytes {
    uint64_t out = 0;
    uint64_t in = 0;
};

// Forwards every op to an inner port and counts what send and recv moved, per
// stream. last() is the stream opened most recently (kept after its close).
class CountingPort {
  public:
    explicit CountingPort(const cws_port& inner) : inner_(inner) {}
    cws_port port() { return cws_port{&kOps, this}; }
    Bytes last() const { return slots_[last_].bytes; }

  private:
    struct Slot {
        cws_stream* stream = nullptr;
        Bytes bytes;
    };
    static constexpr int kSlots = 4;

    static CountingPort* self(void* ctx) { return static_cast<CountingPort*>(ctx); }
    Slot* find(cws_stream* s) {
        for (Slot& slot : slots_) {
            if (slot.stream == s) return &slot;
        }
        return nullptr;
    }

    static cws_open_result open(void* ctx, const char* host, uint16_t p, cws_stream** out) {
        CountingPort* c = self(ctx);
        const cws_open_result r = c->inner_.ops->open(c->inner_.ctx, host, p, out);
        if (r != CWS_OPEN_OK || *out == nullptr) return r;
        Slot* slot = c->find(nullptr);
        if (slot == nullptr) {
            c->inner_.ops->close(c->inner_.ctx, *out);
            *out = nullptr;
            return CWS_OPEN_NO_RESOURCES;
        }
        slot->stream = *out;
        slot->bytes = Bytes{};
        c->last_ = static_cast<int>(slot - c->slots_);
        return r;
    }
    static int connect_status(void* ctx, cws_stream* s) {
        return self(ctx)->inner_.ops->connect_status(self(ctx)->inner_.ctx, s);
    }
    static long send(void* ctx, cws_stream* s, const uint8_t* data, size_t len) {
        CountingPort* c = self(ctx);
        const long n = c->inner_.ops->send(c->inner_.ctx, s, data, len);
        Slot* slot = c->find(s);
        if (n > 0 && slot != nullptr) slot->bytes.out += static_cast<uint64_t>(n);
        return n;
    }
    static long recv(void* ctx, cws_stream* s, uint8_t* buf, size_t len) {
        CountingPort* c = self(ctx);
        const long n = c->inner_.ops->recv(c->inner_.ctx, s, buf, len);
        Slot* slot = c->find(s);
        if (n > 0 && slot != nullptr) slot->bytes.in += static_cast<uint64_t>(n);
        return n;
    }
    static void close(void* ctx, cws_stream* s) {
        CountingPort* c = self(ctx);
        Slot* slot = c->find(s);
        if (slot != nullptr) slot->stream = nullptr;  // the counts stay for last()
        c->inner_.ops->close(c->inner_.ctx, s);
    }
    static void set_interest(void* ctx, cws_stream* s, unsigned want) {
        self(ctx)->inner_.ops->set_interest(self(ctx)->inner_.ctx, s, want);
    }
    static int wait(void* ctx, int32_t timeout_ms) {
        return self(ctx)->inner_.ops->wait(self(ctx)->inner_.ctx, timeout_ms);
    }
    static unsigned ready(void* ctx, cws_stream* s) {
        return self(ctx)->inner_.ops->ready(self(ctx)->inner_.ctx, s);
    }
    static uint64_t now_ms(void* ctx) {
        return self(ctx)->inner_.ops->now_ms(self(ctx)->inner_.ctx);
    }
    static int random(void* ctx, uint8_t* buf, size_t len) {
        return self(ctx)->inner_.ops->random(self(ctx)->inner_.ctx, buf, len);
    }

    static const cws_port_ops kOps;

    cws_port inner_;
    Slot slots_[kSlots];
    int last_ = 0;
};

const cws_port_ops CountingPort::kOps = {
    &CountingPort::open,
    &CountingPort::connect_status,
    &CountingPort::send,
    &CountingPort::recv,
    &CountingPort::close,
    &CountingPort::set_interest,
    &CountingPort::wait,
    &CountingPort::ready,
    &CountingPort::now_ms,
    &CountingPort::random,
    nullptr,
    nullptr,
};

// ------------------------------------------------------------ s_server

// `openssl s_server -rev` on a kernel-chosen port, speaking only `version`
// ("-tls1_2" or "-tls1_3"). Its output goes to a file (a pipe nobody drains
// would fill up over hundreds of connections); it dies with the bench.
class SServer {
  public:
    ~SServer() { stop(); }

    bool start(const std::string& certs, const char* version, std::string* why) {
        const std::string log = certs + "/s_server" + version + ".log";
        const std::string cert = certs + "/server-ip.pem";
        const std::string key = certs + "/server-ip.key";
        const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            *why = "cannot create " + log;
            return false;
        }
        pid_ = fork();
        if (pid_ == 0) {
            prctl(PR_SET_PDEATHSIG, SIGTERM);
            const int devnull = ::open("/dev/null", O_RDWR);
            dup2(devnull, 0);
            dup2(fd, 1);
            dup2(devnull, 2);
            execlp("openssl", "openssl", "s_server", "-accept", "0", "-cert", cert.c_str(), "-key",
                   key.c_str(), version, "-rev", static_cast<char*>(nullptr));
            _exit(127);
        }
        ::close(fd);
        if (pid_ < 0) {
            *why = "fork failed";
            return false;
        }
        // It prints "ACCEPT [::]:PORT" once it listens.
        const int64_t deadline = mono_ns() + kBoundNs;
        while (mono_ns() < deadline) {
            std::string seen;
            FILE* f = fopen(log.c_str(), "r");
            if (f != nullptr) {
                char buf[512];
                const size_t n = fread(buf, 1, sizeof buf, f);
                fclose(f);
                seen.assign(buf, n);
            }
            const size_t at = seen.find("ACCEPT");
            const size_t eol = at == std::string::npos ? at : seen.find('\n', at);
            if (eol != std::string::npos) {
                const size_t colon = seen.rfind(':', eol);
                port_ = static_cast<uint16_t>(atoi(seen.c_str() + colon + 1));
                if (port_ == 0) *why = "cannot read the port from s_server: " + seen;
                return port_ != 0;
            }
            if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
                pid_ = -1;
                *why = "openssl s_server exited (is openssl on PATH?)";
                return false;
            }
            usleep(5000);
        }
        *why = "openssl s_server did not start";
        return false;
    }
    uint16_t port() const { return port_; }
    void stop() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        pid_ = -1;
    }

  private:
    pid_t pid_ = -1;
    uint16_t port_ = 0;
};

// ------------------------------------------------------------ one connection

struct Run {
    int64_t wall_ns = 0;  // open() to progress() == ok
    int64_t cpu_ns = 0;   // this process's CPU time over the same span
    Bytes handshake;      // bytes the TLS layer moved over the same span
    Bytes connection;     // the whole connection: + tickets, the line, close_notify
    bool resumed = false;
};

struct Bench {
    CountingPort* counting = nullptr;
    cws_port port{};
    const char* host = "localhost";
    Connection conn;
    std::string failure;  // why the last connect_once failed

    bool fail(const std::string& why) {
        failure = why;
        conn.close();
        return false;
    }

    // Progress steps until `done` says so (the port's wait between them);
    // false on an error of the connection or the bound.
    bool connect_once(TlsShared* tls, uint16_t server_port, Run* run) {
        const int64_t t0 = mono_ns();
        const int64_t c0 = cpu_ns();
        Error e = conn.open(port, tls, host, server_port);
        if (e != Error::ok) return fail(std::string("open: ") + error_name(e));
        while ((e = conn.progress()) == Error::would_block) {
            if (mono_ns() - t0 > kBoundNs) return fail("handshake timed out");
            port.ops->wait(port.ctx, 1000);
        }
        const int64_t c1 = cpu_ns();
        const int64_t t1 = mono_ns();
        if (e != Error::ok) {
            char why[96];
            snprintf(why, sizeof why, "handshake: %s (mbedTLS -0x%04x, verify flags 0x%x)",
                     error_name(e), static_cast<unsigned>(-conn.tls_error_code()),
                     static_cast<unsigned>(conn.verify_flags()));
            return fail(why);
        }
        run->wall_ns = t1 - t0;
        run->cpu_ns = c1 - c0;
        run->handshake = counting->last();
        run->resumed = conn.tls_resumed();
        if (!echo_line(t1)) return false;
        conn.close();
        run->connection = counting->last();
        return true;
    }

    // "ping\n" out, "gnip\n" back (s_server -rev); TLS 1.3 tickets are read
    // on the way.
    bool echo_line(int64_t t0) {
        static const char kLine[] = "ping\n";
        static const char kBack[] = "gnip\n";
        const size_t len = sizeof kLine - 1;
        size_t off = 0;
        conn.set_interest(false, true);
        while (off < len) {
            const long n = conn.send(reinterpret_cast<const uint8_t*>(kLine) + off, len - off);
            if (n > 0) {
                off += static_cast<size_t>(n);
                continue;
            }
            if (n != CWS_IO_WOULD_BLOCK) return fail("send failed");
            if (mono_ns() - t0 > kBoundNs) return fail("send timed out");
            port.ops->wait(port.ctx, 1000);
        }
        conn.set_interest(true, false);
        char got[16];
        size_t have = 0;
        while (have < len) {
            const long n = conn.recv(reinterpret_cast<uint8_t*>(got) + have, sizeof got - have);
            if (n > 0) {
                have += static_cast<size_t>(n);
                continue;
            }
            if (n != CWS_IO_WOULD_BLOCK) {
                return fail(std::string("recv ended: ") + error_name(conn.last_error()));
            }
            if (mono_ns() - t0 > kBoundNs) return fail("echo timed out");
            port.ops->wait(port.ctx, conn.has_pending() ? 0 : 1000);
        }
        if (have != len || memcmp(got, kBack, len) != 0) return fail("wrong echo");
        return true;
    }
};

// ------------------------------------------------------------ statistics

struct Stats {
    double median_ms = 0;
    double p90_ms = 0;
    double cpu_us = 0;  // mean per handshake
    double median_cpu_us = 0;
    double out = 0;  // median handshake bytes
    double in = 0;
    double conn_out = 0;  // median whole-connection bytes
    double conn_in = 0;
    uint64_t min_in = 0;
    uint64_t max_in = 0;
};

template <class T>
T nearest_rank(std::vector<T> v, double q) {  // q-quantile, nearest rank
    std::sort(v.begin(), v.end());
    size_t rank = static_cast<size_t>(q * static_cast<double>(v.size()) + 0.999999);
    if (rank < 1) rank = 1;
    return v[std::min(rank, v.size()) - 1];
}

template <class T>
double median(std::vector<T> v) {
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 == 1 ? static_cast<double>(v[n / 2])
                      : (static_cast<double>(v[n / 2 - 1]) + static_cast<double>(v[n / 2])) / 2;
}

Stats stats_of(const std::vector<Run>& runs) {
    std::vector<int64_t> wall, cpu;
    std::vector<uint64_t> out, in, conn_out, conn_in;
    int64_t cpu_sum = 0;
    for (const Run& r : runs) {
        wall.push_back(r.wall_ns);
        cpu.push_back(r.cpu_ns);
        cpu_sum += r.cpu_ns;
        out.push_back(r.handshake.out);
        in.push_back(r.handshake.in);
        conn_out.push_back(r.connection.out);
        conn_in.push_back(r.connection.in);
    }
    Stats s;
    s.median_ms = median(wall) / kNsPerMs;
    s.p90_ms = static_cast<double>(nearest_rank(wall, 0.9)) / kNsPerMs;
    s.cpu_us = static_cast<double>(cpu_sum) / static_cast<double>(runs.size()) / 1000;
    s.median_cpu_us = median(cpu) / 1000;
    s.out = median(out);
    s.in = median(in);
    s.conn_out = median(conn_out);
    s.conn_in = median(conn_in);
    s.min_in = *std::min_element(in.begin(), in.end());
    s.max_in = *std::max_element(in.begin(), in.end());
    return s;
}

struct VersionResult {
    const char* tls;  // "1.2" / "1.3"
    std::vector<Run> full;
    std::vector<Run> resumed;
    Stats full_stats;
    Stats resumed_stats;
};

// ------------------------------------------------------------ one TLS version

TlsCacheEntry g_entries[1];  // namespace scope: mbedTLS sessions may want alignment

bool measure(Bench& b, Rng& rng, const std::string& certs, const char* flag, unsigned count,
             unsigned gap_ms, VersionResult* res) {
    SServer server;
    std::string why;
    if (!server.start(certs, flag, &why)) {
        fprintf(stderr, "tls-resume-bench: TLS %s: %s\n", res->tls, why.c_str());
        return false;
    }
    const std::string ca = certs + "/ca.pem";
    TlsShared full_tls;  // cache nullptr: every handshake is full
    TlsShared resume_tls;
    TlsSessionCache cache;
    cache.bind(g_entries, 1);
    resume_tls.cache = &cache;
    bool ok = tls_shared_init(&full_tls, &rng, nullptr, 0, ca.c_str()) == Error::ok &&
              tls_shared_init(&resume_tls, &rng, nullptr, 0, ca.c_str()) == Error::ok;
    if (!ok) fprintf(stderr, "tls-resume-bench: tls_shared_init failed\n");
    // Untimed: one full handshake to warm up, one to prime the cache.
    Run warm;
    for (int i = 0; ok && i < 2; ++i) {
        ok = b.connect_once(i == 0 ? &full_tls : &resume_tls, server.port(), &warm);
        if (!ok) {
            fprintf(stderr, "tls-resume-bench: TLS %s warm-up: %s\n", res->tls, b.failure.c_str());
        } else if (warm.resumed) {
            fprintf(stderr, "tls-resume-bench: TLS %s: the first handshake resumed\n", res->tls);
            ok = false;
        }
        usleep(gap_ms * 1000);
    }
    if (ok && cache.held() != 1) {
        fprintf(stderr, "tls-resume-bench: TLS %s: the server granted no session to resume\n",
                res->tls);
        ok = false;
    }
    for (unsigned i = 0; ok && i < 2 * count; ++i) {
        const bool resume = i % 2 == 1;  // full, resumed, full, resumed, ...
        Run run;
        if (!b.connect_once(resume ? &resume_tls : &full_tls, server.port(), &run)) {
            fprintf(stderr, "tls-resume-bench: TLS %s %s run %u: %s\n", res->tls,
                    resume ? "resumed" : "full", i / 2 + 1, b.failure.c_str());
            ok = false;
        } else if (run.resumed != resume) {
            fprintf(stderr, "tls-resume-bench: TLS %s %s run %u: the handshake %s\n", res->tls,
                    resume ? "resumed" : "full", i / 2 + 1,
                    resume ? "did not resume" : "resumed although nothing was offered");
            ok = false;
        } else {
            (resume ? res->resumed : res->full).push_back(run);
        }
        usleep(gap_ms * 1000);  // s_server goes back to accept()
    }
    cache.clear();
    consensus::tls_shared_free(&full_tls);
    consensus::tls_shared_free(&resume_tls);
    server.stop();
    if (!ok) return false;
    res->full_stats = stats_of(res->full);
    res->resumed_stats = stats_of(res->resumed);
    return true;
}

// ------------------------------------------------------------ report

std::string ratio(double resumed, double full) {
    char buf[32];
    if (full <= 0) return "n/a";
    snprintf(buf, sizeof buf, "%.2fx", resumed / full);
    return buf;
}

void print_table(const std::vector<VersionResult>& results, unsigned count) {
    printf(
        "| mbedTLS | TLS | handshake | runs | median ms | p90 ms | "
        "client CPU µs/handshake (mean) | bytes out | bytes in | "
        "whole connection out / in |\n");
    printf("|---|---|---|---|---|---|---|---|---|---|\n");
    for (const VersionResult& r : results) {
        const Stats* both[2] = {&r.full_stats, &r.resumed_stats};
        for (int k = 0; k < 2; ++k) {
            const Stats& s = *both[k];
            printf("| %s | %s | %s | %u | %.2f | %.2f | %.0f | %.0f | %.0f | %.0f / %.0f |\n",
                   MBEDTLS_VERSION_STRING, r.tls, k == 0 ? "full" : "resumed", count, s.median_ms,
                   s.p90_ms, s.cpu_us, s.out, s.in, s.conn_out, s.conn_in);
        }
        const Stats& f = r.full_stats;
        const Stats& s = r.resumed_stats;
        printf("| %s | %s | **resumed / full** | | %s | %s | %s | %s | %s | %s / %s |\n",
               MBEDTLS_VERSION_STRING, r.tls, ratio(s.median_ms, f.median_ms).c_str(),
               ratio(s.p90_ms, f.p90_ms).c_str(), ratio(s.cpu_us, f.cpu_us).c_str(),
               ratio(s.out, f.out).c_str(), ratio(s.in, f.in).c_str(),
               ratio(s.conn_out, f.conn_out).c_str(), ratio(s.conn_in, f.conn_in).c_str());
    }
    fflush(stdout);
}

void json_stats(FILE* f, const Stats& s) {
    fprintf(f,
            "{\"median_ms\": %.4f, \"p90_ms\": %.4f, \"cpu_us_mean\": %.1f, "
            "\"cpu_us_median\": %.1f, \"handshake_bytes_out\": %.1f, \"handshake_bytes_in\": "
            "%.1f, \"handshake_bytes_in_min\": %llu, \"handshake_bytes_in_max\": %llu, "
            "\"connection_bytes_out\": %.1f, \"connection_bytes_in\": %.1f}",
            s.median_ms, s.p90_ms, s.cpu_us, s.median_cpu_us, s.out, s.in,
            static_cast<unsigned long long>(s.min_in), static_cast<unsigned long long>(s.max_in),
            s.conn_out, s.conn_in);
}

void json_runs(FILE* f, const std::vector<Run>& runs) {
    fprintf(f, "[");
    for (size_t i = 0; i < runs.size(); ++i) {
        const Run& r = runs[i];
        fprintf(f,
                "%s\n     {\"wall_ns\": %lld, \"cpu_ns\": %lld, \"handshake_out\": %llu, "
                "\"handshake_in\": %llu, \"connection_out\": %llu, \"connection_in\": %llu, "
                "\"resumed\": %s}",
                i == 0 ? "" : ",", static_cast<long long>(r.wall_ns),
                static_cast<long long>(r.cpu_ns), static_cast<unsigned long long>(r.handshake.out),
                static_cast<unsigned long long>(r.handshake.in),
                static_cast<unsigned long long>(r.connection.out),
                static_cast<unsigned long long>(r.connection.in), r.resumed ? "true" : "false");
    }
    fprintf(f, "]");
}

bool write_json(const char* path, const std::vector<VersionResult>& results, unsigned count,
                const char* host, unsigned gap_ms) {
    FILE* f = fopen(path, "w");
    if (f == nullptr) return false;
    fprintf(f,
            "{\"bench\": \"tls-resume\", \"mbedtls\": \"%s\", \"count\": %u, \"host\": \"%s\", "
            "\"gap_ms\": %u, \"results\": [",
            MBEDTLS_VERSION_STRING, count, host, gap_ms);
    for (size_t i = 0; i < results.size(); ++i) {
        const VersionResult& r = results[i];
        fprintf(f, "%s\n  {\"tls\": \"%s\",\n   \"full\": ", i == 0 ? "" : ",", r.tls);
        json_stats(f, r.full_stats);
        fprintf(f, ",\n   \"resumed\": ");
        json_stats(f, r.resumed_stats);
        fprintf(f, ",\n   \"full_runs\": ");
        json_runs(f, r.full);
        fprintf(f, ",\n   \"resumed_runs\": ");
        json_runs(f, r.resumed);
        fprintf(f, "}");
    }
    fprintf(f, "\n]}\n");
    return fclose(f) == 0;
}

// ------------------------------------------------------------ main

// A scratch directory, removed with its (flat) contents when this goes.
class ScratchDir {
  public:
    ~ScratchDir() {
        if (path_.empty()) return;
        DIR* d = opendir(path_.c_str());
        if (d != nullptr) {
            while (const dirent* e = readdir(d)) {
                if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
                unlink((path_ + "/" + e->d_name).c_str());
            }
            closedir(d);
        }
        rmdir(path_.c_str());
    }
    bool make() {
        char dir[] = "/tmp/consensus-tls-resume-XXXXXX";
        if (mkdtemp(dir) == nullptr) return false;
        path_ = dir;
        return true;
    }
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

int usage(const char* why) {
    fprintf(stderr,
            "consensus-tls-resume-bench: %s\nusage: consensus-tls-resume-bench [--count N] "
            "[--tls 1.2|1.3|all] [--host NAME] [--gap-ms MS] [--json FILE]\n",
            why);
    return 2;
}

#if defined(MBEDTLS_SSL_PROTO_TLS1_3)
constexpr bool kHasTls13 = true;
#else
constexpr bool kHasTls13 = false;
#endif

}  // namespace

int main(int argc, char** argv) {
    unsigned count = 200;
    unsigned gap_ms = 2;
    const char* tls = "all";
    const char* host = "localhost";
    const char* json = nullptr;
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            usage("what TLS session resumption saves (issue 17)");
            return 0;
        }
        if (i + 1 >= argc) return usage("missing value or unknown option");
        const char* v = argv[++i];
        if (strcmp(a, "--count") == 0) {
            count = static_cast<unsigned>(strtoul(v, nullptr, 10));
            if (count == 0 || count > 100000) return usage("--count must be 1..100000");
        } else if (strcmp(a, "--gap-ms") == 0) {
            gap_ms = static_cast<unsigned>(strtoul(v, nullptr, 10));
            if (gap_ms > 1000) return usage("--gap-ms must be 0..1000");
        } else if (strcmp(a, "--tls") == 0) {
            tls = v;
        } else if (strcmp(a, "--host") == 0) {
            host = v;
        } else if (strcmp(a, "--json") == 0) {
            json = v;
        } else {
            return usage("unknown option");
        }
    }
    std::vector<const char*> versions;  // TLS versions to measure
    if (strcmp(tls, "all") == 0 || strcmp(tls, "1.2") == 0) versions.push_back("1.2");
    if ((strcmp(tls, "all") == 0 && kHasTls13) || strcmp(tls, "1.3") == 0) {
        if (!kHasTls13) {
            fprintf(stderr, "tls-resume-bench: mbedTLS %s is built without TLS 1.3\n",
                    MBEDTLS_VERSION_STRING);
            return 1;
        }
        versions.push_back("1.3");
    }
    if (versions.empty()) return usage("--tls must be 1.2, 1.3 or all");

    // Throwaway certificates (scripts/gen-test-cert) and s_server's output.
    ScratchDir scratch;
    if (!scratch.make()) {
        fprintf(stderr, "tls-resume-bench: mkdtemp failed\n");
        return 1;
    }
    const std::string& certs = scratch.path();
    const std::string cmd =
        std::string(CONSENSUS_SOURCE_DIR) + "/scripts/gen-test-cert '" + certs + "' >/dev/null";
    if (system(cmd.c_str()) != 0) {
        fprintf(stderr, "tls-resume-bench: scripts/gen-test-cert failed\n");
        return 1;
    }

    std::vector<unsigned char> mem(cws_posix_port_bytes(2));
    cws_posix_port* pp = nullptr;
    if (cws_posix_port_init(mem.data(), mem.size(), 2, &pp) != 0) {
        fprintf(stderr, "tls-resume-bench: port init failed\n");
        return 1;
    }
    CountingPort counting(cws_posix_port_get(pp));
    Rng rng;
    int rc = 0;
    {
        Bench b;
        b.counting = &counting;
        b.port = counting.port();
        b.host = host;
        if (rng.init(b.port) != Error::ok) {
            fprintf(stderr, "tls-resume-bench: rng init failed\n");
            rc = 1;
        }
        std::vector<VersionResult> results;
        for (const char* v : versions) {
            if (rc != 0) break;
            VersionResult res;
            res.tls = v;
            const char* flag = strcmp(v, "1.3") == 0 ? "-tls1_3" : "-tls1_2";
            fprintf(stderr, "tls-resume-bench: mbedTLS %s, TLS %s: %u full + %u resumed\n",
                    MBEDTLS_VERSION_STRING, v, count, count);
            if (!measure(b, rng, certs, flag, count, gap_ms, &res)) {
                rc = 1;
                break;
            }
            results.push_back(res);
        }
        if (rc == 0) {
            print_table(results, count);
            if (json != nullptr && !write_json(json, results, count, host, gap_ms)) {
                fprintf(stderr, "tls-resume-bench: cannot write %s\n", json);
                rc = 1;
            }
        }
    }
    rng.deinit();
    cws_posix_port_deinit(pp);
    return rc;
}
