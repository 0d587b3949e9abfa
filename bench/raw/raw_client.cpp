// SPDX-License-Identifier: MIT
// raw-tcp: the ceiling. Same contract as the WebSocket clients, but messages
// are bare size-byte records on a TCP stream (no framing, no masking), echoed
// by the benchmark server's tcp listener. One epoll loop, non-blocking sockets,
// every message queued by one step goes out in one send.
//   raw-tcp --url tcp://127.0.0.1:PORT --size B --count N --mode pingpong|stream
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "bench_common.h"

namespace {

struct Conn {
    int fd = -1;
    uint64_t quota = 0, sent = 0, received = 0;
    size_t rx_off = 0;  // bytes of the current echo seen so far
    uint8_t rx_first = 0;
    std::vector<uint8_t> out;
    size_t out_off = 0;
    bool want_out = false;
};

bench::Args g_args;
std::vector<uint8_t> g_msg;  // the message body, stamped per sequence number
int g_ep = -1;

int connect_to(const bench::Url& u) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(u.host.c_str(), std::to_string(u.port).c_str(), &hints, &res) != 0) return -1;
    int fd = -1;
    for (addrinfo* a = res; a != nullptr && fd < 0; a = a->ai_next) {
        fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(res);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

void set_events(Conn& c, bool want_out) {
    if (want_out == c.want_out) return;
    c.want_out = want_out;
    epoll_event ev{};
    ev.events = EPOLLIN | (want_out ? uint32_t(EPOLLOUT) : 0u);
    ev.data.ptr = &c;
    epoll_ctl(g_ep, EPOLL_CTL_MOD, c.fd, &ev);
}

// Queues messages up to the window, then sends once. False on error.
bool pump(Conn& c) {
    if (c.out_off == c.out.size()) {
        c.out.clear();
        c.out_off = 0;
    } else if (c.out_off >= c.out.size() / 2) {  // never drained: drop the sent prefix
        c.out.erase(c.out.begin(), c.out.begin() + long(c.out_off));
        c.out_off = 0;
    }
    while (c.sent < c.quota && c.sent - c.received < g_args.window) {
        bench::stamp_message(g_msg.data(), g_msg.size(), c.sent++);
        c.out.insert(c.out.end(), g_msg.begin(), g_msg.end());
    }
    while (c.out_off < c.out.size()) {
        ssize_t n = send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
        if (n < 0 && errno == EAGAIN) break;
        if (n < 0) return false;
        c.out_off += size_t(n);
    }
    set_events(c, c.out_off < c.out.size());
    return true;
}

// Walks received bytes message by message; false on a bad echo.
bool consume(Conn& c, const uint8_t* d, size_t n) {
    const size_t size = g_args.size;
    while (n > 0) {
        if (c.rx_off == 0) c.rx_first = d[0];
        size_t take = std::min(n, size - c.rx_off);
        c.rx_off += take;
        d += take;
        n -= take;
        if (c.rx_off < size) break;
        if (!bench::echo_ok(size, c.rx_first, d[-1], size, c.received)) {
            std::fprintf(stderr, "raw-tcp: bad echo %llu\n",
                         static_cast<unsigned long long>(c.received));
            return false;
        }
        c.rx_off = 0;
        ++c.received;
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    if (!bench::parse_args(argc, argv, g_args)) return 2;
    if (!g_args.url.raw) {
        std::fprintf(stderr, "raw-tcp: needs a tcp:// url\n");
        return 2;
    }
    bench::Figures fig;
    fig.rss_kb_start = bench::rss_kb();
    g_msg.resize(g_args.size);
    bench::fill_message(g_msg.data(), g_msg.size(), 0);
    std::vector<uint64_t> quota = bench::split_count(g_args.count, g_args.conns);
    std::vector<Conn> conns(g_args.conns);
    g_ep = epoll_create1(EPOLL_CLOEXEC);
    for (size_t i = 0; i < conns.size(); ++i) {
        conns[i].fd = connect_to(g_args.url);
        if (conns[i].fd < 0) {
            std::perror("raw-tcp: connect");
            return 1;
        }
        conns[i].quota = quota[i];
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = &conns[i];
        epoll_ctl(g_ep, EPOLL_CTL_ADD, conns[i].fd, &ev);
    }
    fig.rss_kb_connected = bench::rss_kb();
    double cpu0 = bench::cpu_s(), t0 = bench::now_s();
    for (Conn& c : conns) {
        if (!pump(c)) return 1;
    }
    uint64_t done = 0;
    std::vector<uint8_t> rbuf(256 * 1024);
    std::vector<epoll_event> evs(conns.size() < 256 ? conns.size() : 256);
    while (done < g_args.count) {
        int n = epoll_wait(g_ep, evs.data(), int(evs.size()), 10000);
        if (n <= 0) {
            std::fprintf(stderr, "raw-tcp: stalled (%llu of %llu)\n",
                         static_cast<unsigned long long>(done),
                         static_cast<unsigned long long>(g_args.count));
            return 1;
        }
        for (int i = 0; i < n; ++i) {
            Conn& c = *static_cast<Conn*>(evs[size_t(i)].data.ptr);
            if (evs[size_t(i)].events & EPOLLIN) {
                ssize_t r = recv(c.fd, rbuf.data(), rbuf.size(), 0);
                if (r == 0 || (r < 0 && errno != EAGAIN)) {
                    std::fprintf(stderr, "raw-tcp: connection lost\n");
                    return 1;
                }
                uint64_t before = c.received;
                if (r > 0 && !consume(c, rbuf.data(), size_t(r))) return 1;
                done += c.received - before;
            }
            if (!pump(c)) return 1;
        }
    }
    fig.seconds = bench::now_s() - t0;
    fig.cpu_s = bench::cpu_s() - cpu0;
    bench::print_result("raw-tcp", g_args, fig);
    for (Conn& c : conns) close(c.fd);
    return 0;
}
