// SPDX-License-Identifier: MIT
// bench-lws: the libwebsockets peer (Debian libwebsockets-dev 4.1, OpenSSL).
// Written the way the library wants to be used: one context, one service loop,
// one lws_write per WRITEABLE callback (its documented rule), receive in the
// RECEIVE callback with rx_buffer_size sized to the message.
#include <libwebsockets.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "bench_common.h"

namespace {

struct Conn {
    struct lws* wsi = nullptr;
    uint64_t quota = 0, sent = 0, received = 0;
    size_t rx_len = 0;
    uint8_t rx_first = 0, rx_last = 0;
};

struct Run {
    bench::Args args;
    std::vector<Conn> conns;
    std::vector<uint8_t> tx;  // LWS_PRE headroom + message
    unsigned established = 0;
    uint64_t done = 0;
    bool started = false, finished = false, failed = false;
    double t0 = 0, cpu0 = 0;
    bench::Figures fig;
};

Run g_run;

void start_phase() {
    g_run.fig.rss_kb_connected = bench::rss_kb();
    g_run.started = true;
    g_run.cpu0 = bench::cpu_s();
    g_run.t0 = bench::now_s();
    for (Conn& c : g_run.conns) lws_callback_on_writable(c.wsi);
}

bool can_send(const Conn& c) {
    return g_run.started && c.sent < c.quota && c.sent - c.received < g_run.args.window;
}

int on_writeable(struct lws* wsi, Conn& c) {
    if (!can_send(c)) return 0;
    uint8_t* msg = g_run.tx.data() + LWS_PRE;
    bench::stamp_message(msg, g_run.args.size, c.sent++);
    int n = lws_write(wsi, msg, g_run.args.size, LWS_WRITE_BINARY);
    if (n < int(g_run.args.size)) {
        std::fprintf(stderr, "bench-lws: lws_write failed\n");
        g_run.failed = true;
        return -1;
    }
    if (can_send(c)) lws_callback_on_writable(wsi);
    return 0;
}

int on_receive(struct lws* wsi, Conn& c, const uint8_t* in, size_t len) {
    if (len > 0) {
        if (c.rx_len == 0) c.rx_first = in[0];
        c.rx_last = in[len - 1];
        c.rx_len += len;
    }
    if (!lws_is_final_fragment(wsi) || lws_remaining_packet_payload(wsi) != 0) return 0;
    if (!bench::echo_ok(c.rx_len, c.rx_first, c.rx_last, g_run.args.size, c.received)) {
        std::fprintf(stderr, "bench-lws: bad echo %llu (len %zu)\n",
                     static_cast<unsigned long long>(c.received), c.rx_len);
        g_run.failed = true;
        return -1;
    }
    c.rx_len = 0;
    ++c.received;
    if (++g_run.done == g_run.args.count) {
        g_run.fig.seconds = bench::now_s() - g_run.t0;
        g_run.fig.cpu_s = bench::cpu_s() - g_run.cpu0;
        g_run.finished = true;
    } else if (can_send(c)) {
        lws_callback_on_writable(wsi);
    }
    return 0;
}

int callback(struct lws* wsi, enum lws_callback_reasons reason, void*, void* in, size_t len) {
    Conn* c = static_cast<Conn*>(lws_get_opaque_user_data(wsi));
    switch (reason) {
        case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
            std::fprintf(stderr, "bench-lws: connect failed: %s\n",
                         in != nullptr ? static_cast<const char*>(in) : "?");
            g_run.failed = true;
            return 0;
        case LWS_CALLBACK_CLIENT_ESTABLISHED:
            if (++g_run.established == g_run.conns.size()) start_phase();
            return 0;
        case LWS_CALLBACK_CLIENT_WRITEABLE:
            return c != nullptr ? on_writeable(wsi, *c) : 0;
        case LWS_CALLBACK_CLIENT_RECEIVE:
            return c != nullptr ? on_receive(wsi, *c, static_cast<const uint8_t*>(in), len) : 0;
        case LWS_CALLBACK_CLIENT_CLOSED:
            if (!g_run.finished) {
                std::fprintf(stderr, "bench-lws: connection closed early\n");
                g_run.failed = true;
            }
            return 0;
        default:
            return 0;
    }
}

}  // namespace

int main(int argc, char** argv) {
    Run& r = g_run;
    if (!bench::parse_args(argc, argv, r.args)) return 2;
    if (r.args.url.raw) {
        std::fprintf(stderr, "bench-lws: needs a ws:// or wss:// url\n");
        return 2;
    }
    r.fig.rss_kb_start = bench::rss_kb();
    lws_set_log_level(LLL_ERR, nullptr);
    const size_t size = r.args.size;
    struct lws_protocols protocols[] = {
        {"bench", callback, 0, size < 65536 ? size : 65536, 0, nullptr, 0},
        {nullptr, nullptr, 0, 0, 0, nullptr, 0}};
    struct lws_context_creation_info info;
    std::memset(&info, 0, sizeof info);
    info.port = CONTEXT_PORT_NO_LISTEN;
    info.protocols = protocols;
    info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
    info.fd_limit_per_thread = r.args.conns + 64;
    if (!r.args.ca.empty()) info.client_ssl_ca_filepath = r.args.ca.c_str();
    struct lws_context* ctx = lws_create_context(&info);
    if (ctx == nullptr) {
        std::fprintf(stderr, "bench-lws: lws_create_context failed\n");
        return 1;
    }
    r.tx.resize(LWS_PRE + size);
    bench::fill_message(r.tx.data() + LWS_PRE, size, 0);
    std::vector<uint64_t> quota = bench::split_count(r.args.count, r.args.conns);
    r.conns.resize(r.args.conns);
    int ssl = 0;
    if (r.args.url.tls) {
        ssl = LCCSCF_USE_SSL;
        if (r.args.insecure) {
            ssl |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
                   LCCSCF_ALLOW_EXPIRED | LCCSCF_ALLOW_INSECURE;
        }
    }
    for (size_t i = 0; i < r.conns.size(); ++i) {
        r.conns[i].quota = quota[i];
        struct lws_client_connect_info ci;
        std::memset(&ci, 0, sizeof ci);
        ci.context = ctx;
        ci.address = r.args.url.host.c_str();
        ci.port = r.args.url.port;
        ci.path = r.args.url.path.c_str();
        ci.host = ci.address;
        ci.origin = ci.address;
        ci.ssl_connection = ssl;
        ci.protocol = protocols[0].name;
        ci.opaque_user_data = &r.conns[i];
        ci.pwsi = &r.conns[i].wsi;
        if (lws_client_connect_via_info(&ci) == nullptr) {
            std::fprintf(stderr, "bench-lws: connect %zu failed\n", i);
            return 1;
        }
    }
    const double deadline = bench::now_s() + 600;
    while (!r.finished && !r.failed && bench::now_s() < deadline) lws_service(ctx, 0);
    lws_context_destroy(ctx);
    if (!r.finished) {
        if (!r.failed) std::fprintf(stderr, "bench-lws: timed out\n");
        return 1;
    }
    bench::print_result("libwebsockets", r.args, r.fig);
    return 0;
}
