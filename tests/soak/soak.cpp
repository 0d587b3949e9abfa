// SPDX-License-Identifier: MIT
// Soak: one managed session against the hostile server's "soak" scenario,
// which echoes 3 messages and then drops the link (in turn: TCP reset, FIN
// without a close frame, close 1011). Every drop is followed by the client's
// reconnect: a new token, a new upgrade, 3 more messages. Every 25 cycles the
// caller closes the session and opens a new one (slot reuse).
// RSS (/proc/self/statm) is sampled once a second. After the warm-up the
// resident set must never exceed its value at the end of the warm-up: the
// program prints the figures and exits 1 otherwise (or when the cycles stall).
//
// Usage: consensus_soak [--seconds N] [--warmup N]   (defaults 60 and 10)
// Needs python3 (tests/hostile/hostile_server.py) on PATH.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "hostile/harness.h"

namespace {

struct Soak {
    consensus::Client client;
    consensus::Session session{};
    uint64_t opens = 0;
    uint64_t messages = 0;
    uint64_t drops = 0;
    uint64_t ended = 0;
    uint64_t renewed = 0;
    uint64_t errors = 0;
    uint32_t sent_this_open = 0;
    bool want_send = false;
    bool want_new_session = false;
};

constexpr char kMsg[] = "soak message";

void try_send(Soak* s) {
    if (!s->want_send) return;
    if (s->session.send_text(kMsg, sizeof kMsg - 1) == consensus::Error::ok) {
        s->want_send = false;
        ++s->sent_this_open;
    }
}

void on_event(void* user, consensus::Session&, const consensus::Event& ev) {
    Soak* s = static_cast<Soak*>(user);
    switch (ev.type) {
        case consensus::EventType::open:
            ++s->opens;
            s->sent_this_open = 0;
            s->want_send = true;
            break;
        case consensus::EventType::message:
            ++s->messages;
            s->want_send = s->sent_this_open < 3;
            break;
        case consensus::EventType::close:
            ++s->drops;
            s->want_send = false;
            break;
        case consensus::EventType::error:
            ++s->errors;
            if (getenv("SOAK_VERBOSE") != nullptr)
                fprintf(stderr, "soak: error %s (%.*s)\n", consensus::error_name(ev.error),
                        static_cast<int>(ev.reason.size), ev.reason.data);
            break;
        case consensus::EventType::ended:
            ++s->ended;
            s->want_new_session = true;
            break;
        default:
            break;
    }
}

bool open_session(Soak* s) {
    consensus::SessionOptions so;
    so.listener = on_event;
    so.user = s;
    return s->client.open_session(consensus::TokenParams{}, so, &s->session) ==
           consensus::Error::ok;
}

long arg(int argc, char** argv, const char* name, long def) {
    for (int i = 1; i + 1 < argc; ++i)
        if (strcmp(argv[i], name) == 0) return atol(argv[i + 1]);
    return def;
}

}  // namespace

int main(int argc, char** argv) {
    const long seconds = arg(argc, argv, "--seconds", 60);
    const long warmup = arg(argc, argv, "--warmup", 10);
    hostile::ServerProc server;
    if (!server.start({"python3", CONSENSUS_SOURCE_DIR "/tests/hostile/hostile_server.py"})) {
        fprintf(stderr, "soak: hostile_server.py did not start\n");
        return 2;
    }
    const long rss_start = hostile::rss_pages();

    static uint8_t port_mem[4096] __attribute__((aligned(16)));
    cws_posix_port* pp = nullptr;
    if (cws_posix_port_bytes(4) > sizeof port_mem ||
        cws_posix_port_init(port_mem, sizeof port_mem, 4, &pp) != 0)
        return 2;
    const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/soak";
    consensus::Config config;
    consensus::ClientOptions options;
    options.server_url = url.c_str();
    options.payment_hook = hostile::pay_always;
    options.reconnect_interval_ms = 10;
    options.open_timeout_ms = 3000;
    options.ping_interval_ms = 0;
    const size_t need = consensus::Client::required_bytes(config);
    void* mem = aligned_alloc(16, (need + 15) / 16 * 16);
    static Soak soak;
    if (soak.client.init(config, options, cws_posix_port_get(pp), mem, (need + 15) / 16 * 16) !=
            consensus::Error::ok ||
        !open_session(&soak))
        return 2;

    // The first printf allocates stdout's buffer (one page): do it before
    // the loop, not after the warm-up sample.
    printf("soak: %lds against %s, warm-up %lds\n", seconds, url.c_str(), warmup);
    fflush(stdout);
    const int64_t t0 = hostile::now_ms();
    long rss_warm = -1;
    long rss_max_after = 0;
    long rss_now = 0;
    uint64_t last_opens = 0;
    int64_t next_sample = t0 + 1000;
    bool stalled = false;
    while (hostile::now_ms() - t0 < seconds * 1000) {
        soak.client.poll(20);
        try_send(&soak);
        if (soak.opens > 0 && soak.opens % 25 == 0 && soak.opens != soak.renewed &&
            soak.session.public_state() == consensus::PublicState::connected) {
            soak.renewed = soak.opens;  // caller close + a new session
            soak.session.close(1000, "soak renew");
        }
        if (soak.want_new_session) {
            soak.want_new_session = false;
            if (!open_session(&soak)) return 2;
        }
        const int64_t now = hostile::now_ms();
        if (now < next_sample) continue;
        next_sample += 1000;
        rss_now = hostile::rss_pages();
        const int64_t elapsed_s = (now - t0) / 1000;
        if (elapsed_s == warmup) rss_warm = rss_now;
        if (rss_warm >= 0 && elapsed_s > warmup && rss_now > rss_max_after) rss_max_after = rss_now;
        if (elapsed_s % 5 == 0) {
            printf("soak t=%llds cycles=%llu messages=%llu rss=%ld pages\n",
                   static_cast<long long>(elapsed_s), static_cast<unsigned long long>(soak.opens),
                   static_cast<unsigned long long>(soak.messages), rss_now);
            fflush(stdout);
            stalled = stalled || soak.opens == last_opens;
            last_opens = soak.opens;
        }
    }
    soak.client.deinit();
    free(mem);
    cws_posix_port_deinit(pp);
    const long page = sysconf(_SC_PAGESIZE);
    printf(
        "soak: %lds, %llu cycles (open/exchange/drop/reconnect), %llu messages, %llu closes, "
        "%llu errors, %llu caller renewals\n",
        seconds, static_cast<unsigned long long>(soak.opens),
        static_cast<unsigned long long>(soak.messages), static_cast<unsigned long long>(soak.drops),
        static_cast<unsigned long long>(soak.errors), static_cast<unsigned long long>(soak.ended));
    printf(
        "soak: RSS start %ld pages, after %lds warm-up %ld pages, max after warm-up %ld pages, "
        "end %ld pages (page %ld B); growth after warm-up %ld pages\n",
        rss_start, warmup, rss_warm, rss_max_after, rss_now, page, rss_max_after - rss_warm);
    if (rss_warm < 0 || rss_max_after > rss_warm) {
        printf("soak: FAIL: RSS grew after the warm-up\n");
        return 1;
    }
    if (stalled || soak.opens < 10) {
        printf("soak: FAIL: the cycles stalled\n");
        return 1;
    }
    printf("soak: OK\n");
    return 0;
}
