// SPDX-License-Identifier: MIT
// consensus-ws-bench: the issue-7 benchmark contract on the library's session
// layer (Client::connect on a bare TokenAuth: no token purchase, no reconnects).
//
//   consensus-ws-bench --url ws://HOST:PORT/PATH --size BYTES --count N
//       --mode pingpong|stream [--window W] [--conns K] [--ca FILE | --insecure]
//
// Prints one JSON line. Timing (seconds, cpu_s) covers only the message phase:
// from every connection open to the last echo. Each echo is checked (binary,
// length, first and last byte, which carry the message's sequence number).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "insecure_ca.h"

namespace {

using consensus::Client;
using consensus::Error;
using consensus::Event;
using consensus::EventType;
using consensus::Session;

enum class Mode { pingpong, stream };

struct Args {
    const char* url = nullptr;
    uint64_t size = 0;
    uint64_t count = 0;
    Mode mode = Mode::pingpong;
    uint64_t window = 64;
    uint64_t conns = 1;
    const char* ca = nullptr;
    bool insecure = false;
};

// The parts of the URL the bench itself needs (the library parses it again).
struct Target {
    bool tls = false;
    char host[256] = {};
    char port[8] = {};
};

struct Bench;

struct Conn {
    Bench* bench = nullptr;
    Session session;
    uint64_t target = 0;  // messages this connection sends
    uint64_t sent = 0;
    uint64_t received = 0;
    bool open = false;
};

struct Bench {
    Args args;
    uint64_t in_flight = 1;  // per connection
    Conn* conns = nullptr;
    uint8_t* payload = nullptr;
    uint64_t opened = 0;
    uint64_t finished = 0;  // connections that got every echo
    uint64_t echoes = 0;
    bool running = false;  // message phase: echoes trigger more sends
    bool closing = false;  // closes are expected now
    const char* failure = nullptr;
};

int usage(const char* why) {
    fprintf(stderr,
            "consensus-ws-bench: %s\nusage: consensus-ws-bench --url ws[s]://HOST:PORT/PATH "
            "--size BYTES --count N --mode pingpong|stream [--window W] [--conns K] "
            "[--ca FILE | --insecure]\n",
            why);
    return 2;
}

bool parse_u64(const char* s, uint64_t min, uint64_t max, uint64_t* out) {
    if (s == nullptr || *s < '0' || *s > '9') return false;
    char* end = nullptr;
    const unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || v < min || v > max) return false;
    *out = v;
    return true;
}

// One option with its value; returns false on an unknown option or bad value.
bool parse_option(const char* opt, const char* val, Args* a) {
    if (strcmp(opt, "--url") == 0) return (a->url = val) != nullptr;
    if (strcmp(opt, "--ca") == 0) return (a->ca = val) != nullptr;
    // A message goes out as one frame (size + 14) in the send buffer, at most
    // consensus::kMaxBufferBytes.
    if (strcmp(opt, "--size") == 0) {
        return parse_u64(val, 1, consensus::kMaxBufferBytes - 14, &a->size);
    }
    if (strcmp(opt, "--count") == 0) return parse_u64(val, 1, UINT64_MAX / 2, &a->count);
    if (strcmp(opt, "--window") == 0) return parse_u64(val, 1, 1u << 20, &a->window);
    if (strcmp(opt, "--conns") == 0) return parse_u64(val, 1, 0x7fff, &a->conns);
    if (strcmp(opt, "--mode") == 0 && val != nullptr) {
        if (strcmp(val, "pingpong") == 0)
            a->mode = Mode::pingpong;
        else if (strcmp(val, "stream") == 0)
            a->mode = Mode::stream;
        else
            return false;
        return true;
    }
    return false;
}

const char* parse_args(int argc, char** argv, Args* a) {
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--insecure") == 0) {
            a->insecure = true;
            continue;
        }
        const char* val = i + 1 < argc ? argv[i + 1] : nullptr;
        if (!parse_option(argv[i], val, a)) return "bad or unknown option";
        ++i;
    }
    if (a->url == nullptr || a->size == 0 || a->count == 0) return "--url, --size, --count needed";
    if (a->ca != nullptr && a->insecure) return "--ca and --insecure exclude each other";
    if (a->count < a->conns) return "--count must be at least --conns";
    return nullptr;
}

bool parse_target(const char* url, Target* t) {
    const char* p = url;
    if (strncmp(p, "wss://", 6) == 0) {
        t->tls = true;
        p += 6;
    } else if (strncmp(p, "ws://", 5) == 0) {
        p += 5;
    } else {
        return false;
    }
    const char* host_end = p[0] == '[' ? strchr(p, ']') : p + strcspn(p, ":/?");
    if (host_end == nullptr) return false;
    const char* host = p[0] == '[' ? p + 1 : p;
    const size_t hlen = static_cast<size_t>(host_end - host);
    if (hlen == 0 || hlen >= sizeof t->host) return false;
    memcpy(t->host, host, hlen);
    const char* rest = host_end + (p[0] == '[' ? 1 : 0);
    const char* port = rest[0] == ':' ? rest + 1 : (t->tls ? "443" : "80");
    const size_t plen = strcspn(port, "/?");
    if (plen == 0 || plen >= sizeof t->port) return false;
    memcpy(t->port, port, plen);
    return true;
}

long rss_kb() {
    FILE* f = fopen("/proc/self/statm", "r");
    if (f == nullptr) return -1;
    long pages = 0, resident = -1;
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) resident = -1;
    fclose(f);
    return resident < 0 ? -1 : resident * (sysconf(_SC_PAGESIZE) / 1024);
}

double cpu_seconds() {
    rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
           static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double wall_seconds() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

// Message seq of a connection: its first and last byte (distinct patterns, so
// a reordered, truncated or shifted echo is caught).
uint8_t first_byte(uint64_t seq) {
    return static_cast<uint8_t>(seq & 0xff);
}
uint8_t last_byte(uint64_t seq) {
    return static_cast<uint8_t>((seq * 31 + 7) & 0xff);
}

void fail(Bench* b, const char* why) {
    if (b->failure == nullptr) b->failure = why;
}

void send_more(Conn* c) {
    Bench* b = c->bench;
    const size_t size = b->args.size;
    while (c->sent < c->target && c->sent - c->received < b->in_flight) {
        b->payload[0] = first_byte(c->sent);
        if (size > 1) b->payload[size - 1] = last_byte(c->sent);
        const Error e = c->session.send_binary(b->payload, size);
        if (e == Error::would_block) return;  // resumed by the writable event
        if (e != Error::ok) {
            fail(b, consensus::error_name(e));
            return;
        }
        ++c->sent;
    }
}

void on_echo(Conn* c, const Event& ev) {
    Bench* b = c->bench;
    const uint64_t seq = c->received;
    const bool ok = ev.binary && ev.size == b->args.size && ev.data[0] == first_byte(seq) &&
                    (ev.size == 1 || ev.data[ev.size - 1] == last_byte(seq));
    if (!ok || !b->running || seq >= c->target) {
        fail(b, "wrong echo (type, length, first or last byte, or unexpected)");
        return;
    }
    ++c->received;
    ++b->echoes;
    if (c->received == c->target) ++b->finished;
    send_more(c);
}

void on_event(void* user, Session&, const Event& ev) {
    Conn* c = static_cast<Conn*>(user);
    Bench* b = c->bench;
    switch (ev.type) {
        case EventType::open:
            c->open = true;
            ++b->opened;
            return;
        case EventType::message:
            on_echo(c, ev);
            return;
        case EventType::writable:
            if (b->running) send_more(c);
            return;
        case EventType::error:
            if (!b->closing) fail(b, consensus::error_name(ev.error));
            return;
        case EventType::close:
        case EventType::ended:
            if (!b->closing) fail(b, "connection closed during the run");
            return;
        default:
            return;
    }
}

consensus::PaymentDecision no_payment(void*, const consensus::PaymentChallenge&,
                                      consensus::PaymentTicket, consensus::PaymentHeaderOut*) {
    return consensus::PaymentDecision::refused;  // never asked: the bench buys nothing
}

constexpr uint64_t kMaxTxBytes = 1u << 20;

// Sizing for one benchmark run. Why these numbers: the per-session buffers
// decide RSS per session at --conns 1000.
//  - shared HTTP lanes (max_handshakes): only the upgrade needs HTTP memory,
//    so 16 lanes serve every connection in turn; and 16 shared frame parsers
//    (frame_parsers): one is held only while a frame is half-read
//    (docs/MEMORY.md);
//  - session tx: room for the whole window of frames so a burst of sends is
//    coalesced into one socket write (capped at 1 MiB; floor 256);
//  - the lanes' tx: the upgrade request (1088 is the client's floor); rx:
//    only the HTTP 101 passes through it (the framer has its own input);
//  - max_message: exactly the benchmark's message size (floor 125);
//  - work / header limits: the 101 response is a handful of short headers.
consensus::Config bench_config(const Args& a, uint64_t in_flight) {
    consensus::Config c;
    c.max_sessions = static_cast<uint16_t>(a.conns);
    c.max_requests = 0;
    const uint64_t frame = a.size + 14;
    uint64_t tx = frame * in_flight;
    if (tx > kMaxTxBytes) tx = frame > kMaxTxBytes ? frame : kMaxTxBytes;
    const uint16_t shared = static_cast<uint16_t>(a.conns < 16 ? a.conns : 16);
    c.max_handshakes = shared;
    c.frame_parsers = shared;
    c.session_tx_bytes = static_cast<uint32_t>(tx < 256 ? 256 : tx);
    c.max_payment_header = 64;
    c.tx_buffer_bytes = 1088;
    c.rx_buffer_bytes = 256;
    c.max_message_bytes = static_cast<uint32_t>(a.size < 125 ? 125 : a.size);
    c.work_buffer_bytes = 2048;
    c.max_header_line = 512;
    c.max_headers = 16;
    c.max_body_bytes = 256;
    c.listeners_per_event = 1;
    return c;
}

// Polls until done() or the failure or a stall of stall_s seconds without
// progress (progress() changes).
template <typename Done, typename Progress>
bool run_until(Client& client, Bench& b, double stall_s, Done done, Progress progress) {
    uint64_t last = progress();
    double last_change = wall_seconds();
    while (!done() && b.failure == nullptr) {
        client.poll(100);
        const uint64_t now_progress = progress();
        if (now_progress != last) {
            last = now_progress;
            last_change = wall_seconds();
        } else if (wall_seconds() - last_change > stall_s) {
            fail(&b, "no progress (stalled)");
        }
    }
    return b.failure == nullptr;
}

struct Setup {
    void* port_mem = nullptr;
    cws_posix_port* port = nullptr;
    void* client_mem = nullptr;
    char ca_pem[8192];
    consensus::ClientOptions options;
};

const char* init_client(Bench& b, const Target& t, Setup& s, Client& client) {
    const size_t port_bytes = cws_posix_port_bytes(static_cast<uint32_t>(b.args.conns));
    s.port_mem = malloc(port_bytes);
    if (s.port_mem == nullptr ||
        cws_posix_port_init(s.port_mem, port_bytes, static_cast<uint32_t>(b.args.conns), &s.port) !=
            0) {
        return "port init failed";
    }
    s.options.payment_hook = no_payment;
    s.options.ping_interval_ms = 0;  // no keepalive traffic inside the measurement
    s.options.open_timeout_ms = 60000;
    s.options.ca_file = b.args.ca;
    if (t.tls && b.args.insecure) {
        size_t len = 0;
        const char* why = nullptr;
        if (!bench::fetch_server_cert_pem(t.host, t.port, s.ca_pem, sizeof s.ca_pem, &len, &why))
            return why;
        s.options.ca_pem = s.ca_pem;
        s.options.ca_pem_len = len;
    }
    const consensus::Config config = bench_config(b.args, b.in_flight);
    const size_t bytes = (Client::required_bytes(config) + 15) / 16 * 16;
    s.client_mem = aligned_alloc(16, bytes);
    if (s.client_mem == nullptr) return "out of memory";
    const Error e = client.init(config, s.options, cws_posix_port_get(s.port), s.client_mem, bytes);
    return e == Error::ok ? nullptr : consensus::error_name(e);
}

const char* connect_all(Bench& b, Client& client, const cws_port& port) {
    consensus::TokenAuth auth{};
    strcpy(auth.token, "bench");  // not sent: the URL is used as given
    if (strlen(b.args.url) > consensus::kMaxUrl) return "URL too long";
    strcpy(auth.connect_url, b.args.url);
    auth.expires_in_s = 365u * 24 * 3600;
    auth.obtained_ms = port.ops->now_ms(port.ctx);
    auth.has_params = false;  // a bare URL: no purchase, no reconnect
    for (uint64_t i = 0; i < b.args.conns; ++i) {
        Conn& c = b.conns[i];
        c.bench = &b;
        c.target = b.args.count / b.args.conns + (i < b.args.count % b.args.conns ? 1 : 0);
        consensus::SessionOptions so;
        so.listener = on_event;
        so.user = &c;
        so.await_session_start = false;  // the bench's echo server sends no session_start
        const Error e = client.connect(auth, so, &c.session);
        if (e != Error::ok) return consensus::error_name(e);
    }
    return nullptr;
}

void close_all(Bench& b, Client& client) {
    b.closing = true;
    for (uint64_t i = 0; i < b.args.conns; ++i) b.conns[i].session.close(1000, nullptr);
    const double until = wall_seconds() + 3.0;
    while (client.poll(50) > 0 && wall_seconds() < until) {
    }
}

void print_result(const Bench& b, const Target& t, double secs, double cpu, long rss0, long rss1) {
    const double msgs = static_cast<double>(b.args.count);
    printf(
        "{\"client\":\"consensus-ws\",\"mode\":\"%s\",\"size\":%llu,\"count\":%llu,"
        "\"conns\":%llu,\"window\":%llu,\"tls\":%s,\"seconds\":%.6f,\"msgs_per_s\":%.1f,"
        "\"mb_per_s\":%.3f,\"cpu_s\":%.6f,\"rss_kb_start\":%ld,\"rss_kb_connected\":%ld}\n",
        b.args.mode == Mode::stream ? "stream" : "pingpong",
        static_cast<unsigned long long>(b.args.size), static_cast<unsigned long long>(b.args.count),
        static_cast<unsigned long long>(b.args.conns), static_cast<unsigned long long>(b.in_flight),
        t.tls ? "true" : "false", secs, msgs / secs,
        msgs * static_cast<double>(b.args.size) / secs / 1e6, cpu, rss0, rss1);
}

int run(Bench& b, const Target& t, long rss0) {
    Setup s;
    Client client;
    const char* err = init_client(b, t, s, client);
    if (err == nullptr) err = connect_all(b, client, cws_posix_port_get(s.port));
    int status = 1;
    if (err != nullptr) {
        fprintf(stderr, "consensus-ws-bench: %s\n", err);
    } else if (run_until(
                   client, b, 30.0, [&] { return b.opened == b.args.conns; },
                   [&] { return b.opened; })) {
        const long rss1 = rss_kb();
        const double cpu0 = cpu_seconds();
        const double t0 = wall_seconds();
        b.running = true;
        for (uint64_t i = 0; i < b.args.conns; ++i) send_more(&b.conns[i]);
        const bool ok = run_until(
            client, b, 10.0, [&] { return b.finished == b.args.conns; }, [&] { return b.echoes; });
        const double secs = wall_seconds() - t0;
        const double cpu = cpu_seconds() - cpu0;
        b.running = false;
        if (ok) {
            print_result(b, t, secs, cpu, rss0, rss1);
            status = 0;
        }
    }
    if (b.failure != nullptr) fprintf(stderr, "consensus-ws-bench: %s\n", b.failure);
    close_all(b, client);
    client.deinit();
    if (s.port != nullptr) cws_posix_port_deinit(s.port);
    free(s.client_mem);
    free(s.port_mem);
    return status;
}

}  // namespace

int main(int argc, char** argv) {
    const long rss0 = rss_kb();  // before anything of the run is allocated
    Bench b;
    const char* why = parse_args(argc, argv, &b.args);
    if (why != nullptr) return usage(why);
    Target t;
    if (!parse_target(b.args.url, &t))
        return usage("--url must be ws://HOST[:PORT]/PATH or wss://");
    b.in_flight = b.args.mode == Mode::stream ? b.args.window : 1;
    b.conns = new Conn[b.args.conns];
    b.payload = static_cast<uint8_t*>(calloc(b.args.size, 1));
    if (b.payload == nullptr) return usage("out of memory");
    for (uint64_t i = 0; i < b.args.size; ++i) b.payload[i] = static_cast<uint8_t>('a' + i % 26);
    const int status = run(b, t, rss0);
    free(b.payload);
    delete[] b.conns;
    return status;
}
