/* SPDX-License-Identifier: MIT */
// Shared pieces of the peer benchmark clients: the command-line contract, the
// message pattern and echo check, process figures and the one JSON result line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

enum class Mode { PingPong, Stream };

struct Url {
    bool tls = false;
    bool raw = false;  // tcp:// (raw TCP echo, no WebSocket framing)
    std::string host;
    uint16_t port = 0;
    std::string path = "/";
};

struct Args {
    Url url;
    size_t size = 0;
    uint64_t count = 0;
    Mode mode = Mode::PingPong;
    unsigned window = 64;  // forced to 1 in ping-pong
    unsigned conns = 1;
    std::string ca;
    bool insecure = false;
};

constexpr size_t kMaxSize = 16u << 20;  // one message, bounded
constexpr unsigned kMaxConns = 20000;
constexpr unsigned kMaxWindow = 65536;

// Parses the contract; on failure prints usage to stderr and returns false.
bool parse_args(int argc, char** argv, Args& out);

// Messages for connection-local sequence number seq: first and last byte vary
// with seq so that a lost, repeated or reordered echo is caught.
inline uint8_t first_byte(uint64_t seq) {
    return static_cast<uint8_t>(seq * 31u + 7u);
}
inline uint8_t last_byte(uint64_t seq) {
    return static_cast<uint8_t>((seq >> 3) ^ 0xa5u ^ seq);
}
// Fills a size-byte payload (body pattern plus the seq-dependent ends).
void fill_message(uint8_t* buf, size_t size, uint64_t seq);
// Stamps only the two ends (body unchanged).
void stamp_message(uint8_t* buf, size_t size, uint64_t seq);
// True when an echo of length len with the given end bytes matches seq.
bool echo_ok(size_t len, uint8_t first, uint8_t last, size_t size, uint64_t seq);

// Messages per connection: count split evenly, the remainder to the first ones.
std::vector<uint64_t> split_count(uint64_t count, unsigned conns);

double now_s();  // monotonic seconds
double cpu_s();  // user + system CPU seconds of this process
long rss_kb();   // resident set from /proc/self/statm, kB

struct Figures {
    double seconds = 0;
    double cpu_s = 0;  // CPU seconds spent during the message phase
    long rss_kb_start = 0;
    long rss_kb_connected = 0;
};

// Prints the single JSON line on stdout.
void print_result(const char* client, const Args& a, const Figures& f);

}  // namespace bench
