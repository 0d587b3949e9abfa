// SPDX-License-Identifier: MIT
// Footprint probe for Linux targets (armhf, arm64, x86_64), run by
// scripts/footprint (under qemu-user for ARM). Prints, per configuration of
// firmware/footprint_configs.h:
//   arena <config> <bytes>            Client::required_bytes on this target
//   heap <config> <scheme> peak=<B> live_open=<B> allocs=<N>
// The heap lines come from one real session against consensus-devserver
// (--free: no payment) on loopback: token, WebSocket open, one echo, close.
// They count what mbedTLS and wslay take from malloc (the library itself
// allocates nothing), and with wss-name the POSIX port's resolver (c-ares)
// too; peak is the high-water mark from init to deinit, live_open what is
// held while the session is open. ws and wss reach the server by address
// (127.0.0.1), wss-name by name (localhost, looked up through c-ares).
// Usage: footprint_probe <port> <ws|wss|wss-name> [ca.pem]
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <new>

#include "consensus/client.h"
#include "consensus/port_posix.h"
#include "footprint_configs.h"

extern "C" void* __libc_malloc(size_t);
extern "C" void* __libc_calloc(size_t, size_t);
extern "C" void* __libc_realloc(void*, size_t);
extern "C" void* __libc_memalign(size_t, size_t);
extern "C" void __libc_free(void*);

namespace {

// Bytes are counted with malloc_usable_size, not with a header of our own:
// glibc itself may hand out blocks (e.g. from the resolver) that reach our
// free(), and a header-based scheme would misread those.
bool g_counting = false;
int64_t g_live = 0;
int64_t g_peak = 0;
uint64_t g_allocs = 0;

void* note_alloc(void* p) {
    if (p != nullptr && g_counting) {
        g_live += static_cast<int64_t>(malloc_usable_size(p));
        g_allocs += 1;
        if (g_live > g_peak) g_peak = g_live;
    }
    return p;
}

void note_free(void* p) {
    if (p != nullptr && g_counting) g_live -= static_cast<int64_t>(malloc_usable_size(p));
}

}  // namespace

extern "C" void* malloc(size_t size) noexcept {
    return note_alloc(__libc_malloc(size));
}
extern "C" void* calloc(size_t n, size_t size) noexcept {
    return note_alloc(__libc_calloc(n, size));
}
extern "C" void free(void* p) noexcept {
    note_free(p);
    __libc_free(p);
}
extern "C" void* realloc(void* p, size_t size) noexcept {
    if (p == nullptr) return malloc(size);
    const int64_t old = static_cast<int64_t>(malloc_usable_size(p));
    void* q = __libc_realloc(p, size);
    if (q != nullptr && g_counting) {  // a resize is not a new allocation
        g_live += static_cast<int64_t>(malloc_usable_size(q)) - old;
        if (g_live > g_peak) g_peak = g_live;
    }
    return q;
}
extern "C" void* memalign(size_t alignment, size_t size) noexcept {
    return note_alloc(__libc_memalign(alignment, size));
}
extern "C" void* aligned_alloc(size_t alignment, size_t size) noexcept {
    return memalign(alignment, size);
}
extern "C" int posix_memalign(void** out, size_t alignment, size_t size) noexcept {
    void* p = memalign(alignment, size);
    if (p == nullptr) return 12;  // ENOMEM
    *out = p;
    return 0;
}

namespace {

using namespace consensus;

struct Run {
    bool opened = false;
    bool echoed = false;
    bool ended = false;
    int64_t live_open = 0;
    Session session;
};

PaymentDecision decline(void*, const PaymentChallenge&, PaymentTicket, PaymentHeaderOut*) {
    return PaymentDecision::decline;
}

void on_event(void* user, Session& s, const Event& e) {
    Run* run = static_cast<Run*>(user);
    if (e.type == EventType::open) {
        run->opened = true;
        run->live_open = g_live;
        s.send_text("footprint", 9);
    } else if (e.type == EventType::message) {
        run->echoed = true;
        s.close(1000, nullptr);
    } else if (e.type == EventType::ended || e.type == EventType::close) {
        run->ended = true;
    } else if (e.type == EventType::error) {
        fprintf(stderr, "probe: error %s (http %d)\n", error_name(e.error), e.http_status);
    }
}

// One session on `config`; returns false if it did not open and echo.
bool measure(const char* name, const Config& config, const char* url, const char* scheme,
             const char* ca) {
    alignas(16) static uint8_t port_mem[4096];
    cws_posix_port* pp = nullptr;
    if (cws_posix_port_bytes(4) > sizeof port_mem ||
        cws_posix_port_init(port_mem, sizeof port_mem, 4, &pp) != 0) {
        return false;
    }
    const size_t need = Client::required_bytes(config);
    void* mem = aligned_alloc(16, (need + 15) / 16 * 16);
    ClientOptions options;
    options.server_url = url;
    options.payment_hook = &decline;
    options.ca_file = ca;
    options.ping_interval_ms = 0;
    Client client;
    Run run;
    g_live = g_peak = g_allocs = 0;
    g_counting = true;
    bool ok = client.init(config, options, cws_posix_port_get(pp), mem, need) == Error::ok;
    SessionOptions so;
    so.listener = &on_event;
    so.user = &run;
    ok = ok && client.open_session(TokenParams{}, so, &run.session) == Error::ok;
    for (int i = 0; ok && i < 500 && !run.ended; ++i) client.poll(20);
    client.deinit();
    g_counting = false;
    cws_posix_port_deinit(pp);
    free(mem);
    const bool done = ok && run.opened && run.echoed;
    printf("heap %s %s peak=%lld live_open=%lld allocs=%llu%s\n", name, scheme,
           static_cast<long long>(g_peak), static_cast<long long>(run.live_open),
           static_cast<unsigned long long>(g_allocs), done ? "" : " FAILED");
    return done;
}

}  // namespace

int main(int argc, char** argv) {
    setvbuf(stdout, nullptr, _IONBF, 0);  // no stdio buffer inside the counted window
    const Config configs[] = {consensus_footprint::default_config(),
                              consensus_footprint::minimal_config()};
    const char* names[] = {"default", "minimal"};
    for (int i = 0; i < 2; ++i) {
        printf("arena %s %zu\n", names[i], Client::required_bytes(configs[i]));
    }
    if (argc < 3) return 0;
    const bool by_name = strcmp(argv[2], "wss-name") == 0;
    const bool tls = by_name || strcmp(argv[2], "wss") == 0;
    char url[128];
    snprintf(url, sizeof url, "%s://%s:%s", tls ? "https" : "http",
             by_name ? "localhost" : "127.0.0.1", argv[1]);
    const char* ca = argc > 3 ? argv[3] : nullptr;
    bool all = true;
    for (int i = 0; i < 2; ++i) all = measure(names[i], configs[i], url, argv[2], ca) && all;
    return all ? 0 : 1;
}
