// SPDX-License-Identifier: MIT
#include "bench_common.h"

#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace bench {
namespace {

void usage(const char* prog) {
    std::fprintf(stderr,
                 "usage: %s --url ws://HOST:PORT/PATH|wss://...|tcp://HOST:PORT --size BYTES "
                 "--count N --mode pingpong|stream [--window W] [--conns K] "
                 "[--ca FILE | --insecure]\n",
                 prog);
}

bool parse_u64(const char* s, uint64_t lo, uint64_t hi, uint64_t& out) {
    if (s == nullptr || *s == '\0') return false;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || s[0] == '-' || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool parse_url(const std::string& s, Url& u) {
    std::string rest;
    if (s.rfind("ws://", 0) == 0) {
        rest = s.substr(5);
    } else if (s.rfind("wss://", 0) == 0) {
        u.tls = true;
        rest = s.substr(6);
    } else if (s.rfind("tcp://", 0) == 0) {
        u.raw = true;
        rest = s.substr(6);
    } else {
        return false;
    }
    size_t slash = rest.find('/');
    std::string hostport = rest.substr(0, slash);
    u.path = slash == std::string::npos ? "/" : rest.substr(slash);
    size_t colon = hostport.rfind(':');
    if (colon == std::string::npos || colon == 0) return false;
    u.host = hostport.substr(0, colon);
    uint64_t port = 0;
    if (!parse_u64(hostport.c_str() + colon + 1, 1, 65535, port)) return false;
    u.port = static_cast<uint16_t>(port);
    return true;
}

}  // namespace

bool parse_args(int argc, char** argv, Args& out) {
    bool have_url = false, have_size = false, have_count = false, have_mode = false;
    for (int i = 1; i < argc; ++i) {
        std::string k = argv[i];
        const char* v = i + 1 < argc ? argv[i + 1] : nullptr;
        uint64_t n = 0;
        bool ok = true;
        if (k == "--insecure") {
            out.insecure = true;
            continue;
        }
        if (v == nullptr)
            ok = false;
        else if (k == "--url")
            ok = have_url = parse_url(v, out.url);
        else if (k == "--size")
            ok = have_size = parse_u64(v, 1, kMaxSize, n), out.size = n;
        else if (k == "--count")
            ok = have_count = parse_u64(v, 1, UINT64_MAX / 2, out.count);
        else if (k == "--window")
            ok = parse_u64(v, 1, kMaxWindow, n), out.window = unsigned(n);
        else if (k == "--conns")
            ok = parse_u64(v, 1, kMaxConns, n), out.conns = unsigned(n);
        else if (k == "--ca")
            out.ca = v;
        else if (k == "--mode") {
            std::string m = v;
            have_mode = m == "pingpong" || m == "stream";
            out.mode = m == "stream" ? Mode::Stream : Mode::PingPong;
            ok = have_mode;
        } else
            ok = false;
        if (!ok) {
            std::fprintf(stderr, "%s: bad or unknown option %s\n", argv[0], k.c_str());
            usage(argv[0]);
            return false;
        }
        ++i;
    }
    if (!have_url || !have_size || !have_count || !have_mode || (out.insecure && !out.ca.empty()) ||
        out.conns > out.count) {
        usage(argv[0]);
        return false;
    }
    if (out.mode == Mode::PingPong) out.window = 1;
    return true;
}

void fill_message(uint8_t* buf, size_t size, uint64_t seq) {
    for (size_t i = 0; i < size; ++i) buf[i] = static_cast<uint8_t>('a' + i % 26);
    stamp_message(buf, size, seq);
}

void stamp_message(uint8_t* buf, size_t size, uint64_t seq) {
    buf[0] = first_byte(seq);
    buf[size - 1] = last_byte(seq);  // for size 1 the last byte wins
}

bool echo_ok(size_t len, uint8_t first, uint8_t last, size_t size, uint64_t seq) {
    if (len != size || last != last_byte(seq)) return false;
    return size == 1 || first == first_byte(seq);
}

std::vector<uint64_t> split_count(uint64_t count, unsigned conns) {
    std::vector<uint64_t> v(conns, count / conns);
    for (uint64_t i = 0; i < count % conns; ++i) ++v[i];
    return v;
}

double now_s() {
    using C = std::chrono::steady_clock;
    return std::chrono::duration<double>(C::now().time_since_epoch()).count();
}

double cpu_s() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    auto tv = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) * 1e-6; };
    return tv(ru.ru_utime) + tv(ru.ru_stime);
}

long rss_kb() {
    FILE* f = std::fopen("/proc/self/statm", "r");
    if (f == nullptr) return -1;
    long size = 0, resident = -1;
    if (std::fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    std::fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

void print_result(const char* client, const Args& a, const Figures& f) {
    double secs = f.seconds > 0 ? f.seconds : 1e-9;
    double msgs = double(a.count) / secs;
    std::printf("{\"client\":\"%s\",\"mode\":\"%s\",\"size\":%zu,\"count\":%" PRIu64
                ",\"conns\":%u,\"window\":%u,\"tls\":%s,\"seconds\":%.6f,\"msgs_per_s\":%.1f,"
                "\"mb_per_s\":%.3f,\"cpu_s\":%.6f,\"rss_kb_start\":%ld,\"rss_kb_connected\":%ld}\n",
                client, a.mode == Mode::Stream ? "stream" : "pingpong", a.size, a.count, a.conns,
                a.window, a.url.tls ? "true" : "false", f.seconds, msgs,
                msgs * double(a.size) / 1e6, f.cpu_s, f.rss_kb_start, f.rss_kb_connected);
    std::fflush(stdout);
}

}  // namespace bench
