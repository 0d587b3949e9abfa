// SPDX-License-Identifier: MIT
// bench-beast: the Boost.Beast peer (Debian Boost 1.74, header-only; OpenSSL
// for wss through beast::ssl_stream, which flattens writes for TLS). One
// io_context on one thread, callbacks, websocket::stream over a bare
// tcp::socket (lighter than beast::tcp_stream: no timers), binary messages,
// auto_fragment off, no permessage-deflate. Beast allows one async_write and
// one async_read in flight per stream, so stream mode runs a write loop and a
// read loop side by side.
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_common.h"

namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;
using error_code = boost::system::error_code;

struct Shared {
    bench::Args args;
    net::io_context ioc{1};
    net::ssl::context tls{net::ssl::context::tls_client};
    tcp::endpoint endpoint;
    std::vector<uint8_t> msg;
    size_t established = 0, sessions = 0;
    uint64_t done = 0;
    bool failed = false;
    double t0 = 0, cpu0 = 0;
    bench::Figures fig;
    std::vector<std::function<void()>> starters;
};

Shared* g = nullptr;

void fail(const char* what, const error_code& ec) {
    std::fprintf(stderr, "bench-beast: %s: %s\n", what, ec.message().c_str());
    g->failed = true;
    g->ioc.stop();
}

void on_established() {
    if (++g->established < g->sessions) return;
    g->fig.rss_kb_connected = bench::rss_kb();
    g->cpu0 = bench::cpu_s();
    g->t0 = bench::now_s();
    for (auto& s : g->starters) s();
}

template <class WsStream>
class Session : public std::enable_shared_from_this<Session<WsStream>> {
  public:
    template <class... A>
    explicit Session(uint64_t quota, A&&... a) : quota_(quota), ws_(std::forward<A>(a)...) {
        msg_ = g->msg;
    }

    WsStream& ws() { return ws_; }

    void configure() {
        ws_.binary(true);
        ws_.auto_fragment(false);
        ws_.read_message_max(g->args.size + 1);
        rx_.reserve(g->args.size);
    }

    void start() {
        read_loop();
        write_loop();
    }

    void handshake() {
        auto self = this->shared_from_this();
        std::string host = g->args.url.host + ":" + std::to_string(g->args.url.port);
        ws_.async_handshake(host, g->args.url.path, [self](error_code ec) {
            if (ec) return fail("ws handshake", ec);
            on_established();
        });
    }

  private:
    bool can_send() const { return sent_ < quota_ && sent_ - received_ < g->args.window; }

    void write_loop() {
        if (writing_ || !can_send()) return;
        writing_ = true;
        bench::stamp_message(msg_.data(), msg_.size(), sent_++);
        auto self = this->shared_from_this();
        ws_.async_write(net::buffer(msg_), [self](error_code ec, size_t) {
            if (ec) return fail("write", ec);
            self->writing_ = false;
            self->write_loop();
        });
    }

    void read_loop() {
        if (received_ == quota_) return;
        auto self = this->shared_from_this();
        ws_.async_read(rx_, [self](error_code ec, size_t) {
            if (ec) return fail("read", ec);
            self->on_message();
        });
    }

    void on_message() {
        const uint8_t* p = static_cast<const uint8_t*>(rx_.data().data());
        size_t len = rx_.size();
        if (!bench::echo_ok(len, len ? p[0] : 0, len ? p[len - 1] : 0, g->args.size, received_)) {
            std::fprintf(stderr, "bench-beast: bad echo %llu\n",
                         static_cast<unsigned long long>(received_));
            g->failed = true;
            g->ioc.stop();
            return;
        }
        rx_.consume(len);
        ++received_;
        if (++g->done == g->args.count) {
            g->fig.seconds = bench::now_s() - g->t0;
            g->fig.cpu_s = bench::cpu_s() - g->cpu0;
            g->ioc.stop();
            return;
        }
        read_loop();
        write_loop();
    }

    uint64_t quota_, sent_ = 0, received_ = 0;
    bool writing_ = false;
    WsStream ws_;
    std::vector<uint8_t> msg_;
    beast::flat_buffer rx_;
};

using PlainWs = websocket::stream<tcp::socket>;
using TlsWs = websocket::stream<beast::ssl_stream<tcp::socket>>;

void launch_plain(uint64_t quota) {
    auto s = std::make_shared<Session<PlainWs>>(quota, g->ioc);
    s->configure();
    g->starters.push_back([s] { s->start(); });
    beast::get_lowest_layer(s->ws()).async_connect(g->endpoint, [s](error_code ec) {
        if (ec) return fail("connect", ec);
        beast::get_lowest_layer(s->ws()).set_option(tcp::no_delay(true));
        s->handshake();
    });
}

void launch_tls(uint64_t quota) {
    auto s = std::make_shared<Session<TlsWs>>(quota, g->ioc, g->tls);
    s->configure();
    g->starters.push_back([s] { s->start(); });
    // SNI; SSL_set_tlsext_host_name is a macro with a C cast (-Wold-style-cast)
    SSL_ctrl(s->ws().next_layer().native_handle(), SSL_CTRL_SET_TLSEXT_HOSTNAME,
             TLSEXT_NAMETYPE_host_name, const_cast<char*>(g->args.url.host.c_str()));
    if (!g->args.insecure) {
        s->ws().next_layer().set_verify_callback(
            net::ssl::host_name_verification(g->args.url.host));
    }
    beast::get_lowest_layer(s->ws()).async_connect(g->endpoint, [s](error_code ec) {
        if (ec) return fail("connect", ec);
        beast::get_lowest_layer(s->ws()).set_option(tcp::no_delay(true));
        s->ws().next_layer().async_handshake(net::ssl::stream_base::client, [s](error_code e) {
            if (e) return fail("tls handshake", e);
            s->handshake();
        });
    });
}

bool setup_tls() {
    error_code ec;
    if (g->args.insecure) {
        g->tls.set_verify_mode(net::ssl::verify_none);
        return true;
    }
    g->tls.set_verify_mode(net::ssl::verify_peer, ec);
    if (!g->args.ca.empty())
        g->tls.load_verify_file(g->args.ca, ec);
    else
        g->tls.set_default_verify_paths(ec);
    if (ec) std::fprintf(stderr, "bench-beast: trust anchors: %s\n", ec.message().c_str());
    return !ec;
}

}  // namespace

int main(int argc, char** argv) {
    Shared shared;
    g = &shared;
    if (!bench::parse_args(argc, argv, shared.args)) return 2;
    if (shared.args.url.raw) {
        std::fprintf(stderr, "bench-beast: needs a ws:// or wss:// url\n");
        return 2;
    }
    shared.fig.rss_kb_start = bench::rss_kb();
    if (shared.args.url.tls && !setup_tls()) return 1;
    error_code ec;
    tcp::resolver resolver(shared.ioc);
    auto results = resolver.resolve(shared.args.url.host, std::to_string(shared.args.url.port), ec);
    if (ec || results.empty()) return fail("resolve", ec), 1;
    shared.endpoint = *results.begin();
    shared.msg.resize(shared.args.size);
    bench::fill_message(shared.msg.data(), shared.msg.size(), 0);
    std::vector<uint64_t> quota = bench::split_count(shared.args.count, shared.args.conns);
    shared.sessions = quota.size();
    for (uint64_t q : quota) {
        if (shared.args.url.tls)
            launch_tls(q);
        else
            launch_plain(q);
    }
    shared.ioc.run();
    if (shared.failed || shared.done != shared.args.count) return 1;
    bench::print_result("beast", shared.args, shared.fig);
    return 0;
}
