// SPDX-License-Identifier: MIT
#include "server.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <ctime>

#include "http.h"
#include "transport.h"
#include "ws_session.h"

namespace devserver {

namespace {

constexpr int64_t kLingerMs = 2000;           // wait for the peer's FIN after our reply
constexpr int64_t kRequestTimeoutMs = 30000;  // a request must arrive within this
constexpr int64_t kSweepEveryMs = 10000;      // forget expired tokens this often
constexpr int64_t kMaxPollMs = 1000;
constexpr size_t kMaxWsInput = 1024 * 1024;  // stop reading while this much is unparsed

}  // namespace

int64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

enum class ConnState { Handshake, Request, Responding, Lingering, WebSocket, Frozen, Done };

struct Conn {
    explicit Conn(int fd) : transport(fd) {}
    Transport transport;
    ConnState state = ConnState::Request;
    Transport::Io last_io = Transport::Io::WantRead;  // what the transport waits for
    std::string in, out;
    RequestParser parser;
    std::unique_ptr<WsSession> ws;
    bool peer_eof = false;
    int64_t timer_ms = INT64_MAX;  // request timeout or linger end
    bool drop_hard = false;        // close without shutdown (test drop, upgrade refusal)
};

Server::Server(const Options& options, EventLog& log)
    : options_(options),
      log_(log),
      tokens_(options.token_ttl_s * 1000),
      ctx_{options, tokens_, log, std::string(), false} {}

Server::~Server() {
    conns_.clear();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

bool Server::listen(std::string& error) {
    if (options_.tls) {
        tls_ = std::make_unique<TlsServer>();
        if (!tls_->init(options_.cert_file, options_.key_file, error)) return false;
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* res = nullptr;
    std::string port = std::to_string(options_.port);
    int rc = getaddrinfo(options_.host.c_str(), port.c_str(), &hints, &res);
    if (rc != 0) {
        error = "cannot resolve " + options_.host + ": " + gai_strerror(rc);
        return false;
    }
    listen_fd_ = ::socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (listen_fd_ >= 0) setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    bool ok = listen_fd_ >= 0 && ::bind(listen_fd_, res->ai_addr, res->ai_addrlen) == 0 &&
              ::listen(listen_fd_, SOMAXCONN) == 0;
    freeaddrinfo(res);
    sockaddr_storage ss{};
    socklen_t len = sizeof ss;
    if (!ok || getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&ss), &len) != 0) {
        error = "cannot listen on " + options_.host + ":" + port + ": " + std::strerror(errno);
        return false;
    }
    port_ = ntohs(ss.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&ss)->sin6_port
                                           : reinterpret_cast<sockaddr_in*>(&ss)->sin_port);
    bool v6 = options_.host.find(':') != std::string::npos;
    ctx_.listen_authority =
        (v6 ? "[" + options_.host + "]" : options_.host) + ":" + std::to_string(port_);
    return true;
}

void Server::accept_all(int64_t now) {
    for (;;) {
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
                std::fprintf(stderr, "consensus-devserver: accept: %s\n", std::strerror(errno));
                accept_pause_until_ = now + 100;  // do not spin while out of descriptors
            }
            return;
        }
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        auto c = std::make_unique<Conn>(fd);
        c->timer_ms = now + kRequestTimeoutMs;
        if (tls_) {
            c->state = ConnState::Handshake;
            if (!c->transport.enable_tls(*tls_)) continue;  // dropped: out of memory
        }
        conns_.push_back(std::move(c));
    }
}

void Server::start_linger(Conn& c, int64_t now) {
    c.state = ConnState::Lingering;
    c.timer_ms = now + kLingerMs;
    if (c.drop_hard) {
        c.state = ConnState::Done;
        return;
    }
    c.transport.shutdown_write();
}

void Server::on_request(Conn& c, int64_t now) {
    size_t used = 0;
    RequestParser::Status st = c.parser.feed(c.in.data(), c.in.size(), used);
    if (st == RequestParser::Status::NeedMore) {
        c.in.clear();
        if (c.peer_eof) c.state = ConnState::Done;
        return;
    }
    c.timer_ms = INT64_MAX;
    c.state = ConnState::Responding;
    if (st == RequestParser::Status::Error) {
        c.out = express_json(400, {}, {}, "{\"error\":\"Bad Request\"}");
        return;
    }
    const HttpRequest& req = c.parser.request();
    if (!req.upgrade) {
        c.out = handle_request(req, ctx_, now);
        return;
    }
    UpgradeResult up = handle_upgrade(req, ctx_, now);
    c.drop_hard = up.kind == UpgradeResult::Kind::Drop;  // a 401 still gets a clean FIN
    if (up.kind == UpgradeResult::Kind::Accept) {
        start_ws(c, c.in.substr(used), up, now);
    } else {
        c.out = up.response;  // empty for Drop: the connection just goes away
    }
}

void Server::start_ws(Conn& c, const std::string& rest, UpgradeResult& up, int64_t now) {
    c.out = up.response;
    c.in = rest;  // frames the client sent right behind its upgrade request
    c.ws = std::make_unique<WsSession>(std::move(up.spec), log_, c.in, c.out);
    c.state = ConnState::WebSocket;
    if (!c.ws->start(now)) c.state = ConnState::Done;
}

void Server::pump_ws(Conn& c, int64_t now) {
    WsSession& ws = *c.ws;
    for (int round = 0; round < 64; ++round) {  // bounded: other connections get their turn
        size_t in0 = c.in.size();
        if (!c.peer_eof && c.in.size() < kMaxWsInput) {
            Transport::Io r = c.transport.read(c.in, kMaxWsInput);
            if (r == Transport::Io::Closed || r == Transport::Io::Error) c.peer_eof = true;
        }
        size_t in1 = c.in.size();
        ws.pump(now, c.peer_eof);
        size_t out0 = c.out.size();
        if (!c.out.empty()) {
            c.last_io = c.transport.write(c.out);
            if (c.last_io == Transport::Io::Error) {
                c.state = ConnState::Done;
                return;
            }
        }
        bool flushed = c.out.empty() && !ws.output_queued();
        if (ws.action() == WsSession::Action::Drop && flushed) {
            std::string sink;  // unread input would turn our FIN into a RST
            c.transport.read(sink, kMaxWsInput);
            c.state = ConnState::Done;  // no close frame: the TCP connection just ends
            return;
        }
        if (ws.action() == WsSession::Action::Freeze && flushed) {
            c.state = ConnState::Frozen;
            return;
        }
        if (ws.finished() && flushed) {
            start_linger(c, now);
            return;
        }
        bool progress = in1 > in0 || c.in.size() < in1 || c.out.size() < out0;
        if (!progress) return;
    }
}

void Server::process(Conn& c, int64_t now) {
    switch (c.state) {
        case ConnState::Handshake: {
            Transport::Io r = c.transport.handshake();
            c.last_io = r;
            if (r == Transport::Io::Error) c.state = ConnState::Done;
            if (r != Transport::Io::Done) break;
            c.state = ConnState::Request;
        }
            [[fallthrough]];
        case ConnState::Request: {
            Transport::Io r = c.transport.read(c.in, RequestParser::kMaxHeaderBytes + 4096);
            c.peer_eof = r == Transport::Io::Closed || r == Transport::Io::Error;
            on_request(c, now);
            if (c.state == ConnState::WebSocket) {
                pump_ws(c, now);
                break;
            }
            if (c.state != ConnState::Responding) break;
        }
            [[fallthrough]];
        case ConnState::Responding:
            c.last_io = c.transport.write(c.out);
            if (c.last_io == Transport::Io::Error) c.state = ConnState::Done;
            if (c.out.empty() && c.state == ConnState::Responding) start_linger(c, now);
            break;
        case ConnState::Lingering: {
            std::string sink;  // discard: only the peer's FIN matters now
            Transport::Io r = c.transport.read(sink, 65536);
            if (r == Transport::Io::Closed || r == Transport::Io::Error || now >= c.timer_ms) {
                c.state = ConnState::Done;
            }
            break;
        }
        case ConnState::WebSocket:
            pump_ws(c, now);
            break;
        case ConnState::Frozen:
        case ConnState::Done:
            break;
    }
    if (c.timer_ms <= now && (c.state == ConnState::Request || c.state == ConnState::Handshake)) {
        c.state = ConnState::Done;
    }
}

short Server::interest(const Conn& c) const {
    switch (c.state) {
        case ConnState::Handshake:
            return c.last_io == Transport::Io::WantWrite ? POLLOUT : POLLIN;
        case ConnState::Request:
        case ConnState::Lingering:
            return POLLIN;
        case ConnState::Responding:
            return POLLOUT;
        case ConnState::WebSocket: {
            short ev = 0;
            if (!c.peer_eof && c.in.size() < kMaxWsInput) ev |= POLLIN;
            if (!c.out.empty() || c.ws->output_queued()) ev |= POLLOUT;
            return ev;
        }
        case ConnState::Frozen:
        case ConnState::Done:
            return 0;
    }
    return 0;
}

int64_t Server::deadline(const Conn& c) const {
    int64_t d = c.timer_ms;
    if (c.state == ConnState::WebSocket) {
        d = std::min(d, c.ws->next_deadline_ms());
        if (c.transport.has_pending() && c.in.size() < kMaxWsInput) d = 0;  // drain mbedTLS
    }
    return c.state == ConnState::Frozen ? INT64_MAX : d;
}

void Server::run(int stop_fd) {
    std::vector<pollfd> fds;
    int64_t next_sweep = monotonic_ms() + kSweepEveryMs;
    for (;;) {
        int64_t now = monotonic_ms();
        int64_t wake = std::min(now + kMaxPollMs, next_sweep);
        fds.assign(2 + conns_.size(), pollfd{});
        fds[0] = {stop_fd, POLLIN, 0};
        fds[1] = {listen_fd_, static_cast<short>(now >= accept_pause_until_ ? POLLIN : 0), 0};
        for (size_t i = 0; i < conns_.size(); ++i) {
            fds[2 + i] = {conns_[i]->transport.fd(), interest(*conns_[i]), 0};
            wake = std::min(wake, deadline(*conns_[i]));
        }
        int timeout = static_cast<int>(std::max<int64_t>(0, wake - now));
        int n = ::poll(fds.data(), fds.size(), timeout);
        if (n < 0 && errno != EINTR) {
            std::perror("consensus-devserver: poll");
            return;
        }
        if (n > 0 && fds[0].revents != 0) return;  // SIGTERM/SIGINT
        now = monotonic_ms();
        size_t polled = conns_.size();  // connections accepted below wait for the next round
        for (size_t i = 0; i < polled; ++i) {
            Conn& c = *conns_[i];
            short rev = n > 0 ? fds[2 + i].revents : 0;
            if (c.state == ConnState::Frozen && (rev & (POLLHUP | POLLERR)) != 0) {
                c.state = ConnState::Done;  // the peer gave up on the frozen link
            } else if (rev != 0 || deadline(c) <= now) {
                process(c, now);
            }
        }
        if (n > 0 && fds[1].revents != 0) accept_all(now);
        conns_.erase(std::remove_if(conns_.begin(), conns_.end(),
                                    [](const std::unique_ptr<Conn>& c) {
                                        return c->state == ConnState::Done;
                                    }),
                     conns_.end());
        if (now >= next_sweep) {
            tokens_.sweep(now);
            next_sweep = now + kSweepEveryMs;
        }
    }
}

}  // namespace devserver
