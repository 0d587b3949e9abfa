// SPDX-License-Identifier: MIT
// consensus-bench-echo: the benchmark's echo server. One epoll loop (the
// machine has 2 cores: one for the client under test, one for us), level
// triggered, non-blocking sockets. Three listeners: WebSocket (ws), WebSocket
// over TLS (wss, OpenSSL: fastest TLS on the box, so server-side crypto costs
// the least and the TLS cost measured is the client's) and raw TCP.
//
// WebSocket frames are echoed streaming: each client frame's header is
// rewritten unmasked and its payload is unmasked a word at a time straight
// into the output buffer as it arrives, so no frame is ever buffered whole.
// Everything produced by one read goes out in one send (coalescing).
//
//   consensus-bench-echo [--ws-port P] [--wss-port P] [--tcp-port P]
//                        [--cert FILE --key FILE]
// Port 0 (default) picks a free one; a listener is skipped with port -1.
// wss needs --cert/--key. Prints "READY ws=P wss=P tcp=P" when listening.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

namespace {

enum class Kind { Tcp, Ws, Wss };
enum class Phase { Upgrade, Open, Closing };

constexpr size_t kReadChunk = 256 * 1024;
constexpr size_t kOutHighWater = 8u << 20;  // stop reading above this backlog
constexpr size_t kMaxRequest = 8192;        // upgrade request bound

volatile sig_atomic_t g_stop = 0;
void on_signal(int) {
    g_stop = 1;
}

// Streaming RFC 6455 frame parser state for one connection.
struct FrameState {
    uint8_t hdr[14];
    size_t hdr_len = 0;
    uint64_t remaining = 0;  // payload bytes still to come for this frame
    uint8_t mask[4] = {0, 0, 0, 0};
    size_t mask_off = 0;
    bool in_payload = false;
    bool discard = false;  // pong payloads are dropped, not echoed
};

// Growable byte buffer without value-initialisation (std::vector::resize would
// zero every echoed byte before we overwrite it).
struct Buf {
    std::unique_ptr<uint8_t[]> p;
    size_t len = 0, cap = 0;
    uint8_t* extend(size_t n) {
        if (len + n > cap) {
            size_t ncap = cap == 0 ? 65536 : cap;
            while (ncap < len + n) ncap *= 2;
            std::unique_ptr<uint8_t[]> q(new uint8_t[ncap]);
            if (len > 0) std::memcpy(q.get(), p.get(), len);
            p = std::move(q);
            cap = ncap;
        }
        uint8_t* at = p.get() + len;
        len += n;
        return at;
    }
    void append(const uint8_t* d, size_t n) {
        if (n > 0) std::memcpy(extend(n), d, n);
    }
    void push_back(uint8_t b) { *extend(1) = b; }
    uint8_t* data() { return p.get(); }
    size_t size() const { return len; }
    void clear() { len = 0; }
    void consume(size_t n) {
        std::memmove(p.get(), p.get() + n, len - n);
        len -= n;
    }
};

struct Conn {
    int fd = -1;
    Kind kind = Kind::Tcp;
    Phase phase = Phase::Open;
    SSL* ssl = nullptr;
    bool read_paused = false;
    bool want_out = false;  // EPOLLOUT registered
    bool close_after_flush = false;
    std::vector<uint8_t> req;  // upgrade request bytes
    Buf out;
    size_t out_off = 0;
    FrameState fs;
};

struct Listener {
    int fd = -1;
    Kind kind;
};

int g_ep = -1;
SSL_CTX* g_tls = nullptr;
std::vector<uint8_t> g_rbuf(kReadChunk);

int make_listener(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);  // loopback only
    sa.sin_port = htons(static_cast<uint16_t>(port));
    if (bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || listen(fd, 4096) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int bound_port(int fd) {
    sockaddr_in sa{};
    socklen_t len = sizeof sa;
    getsockname(fd, reinterpret_cast<sockaddr*>(&sa), &len);
    return ntohs(sa.sin_port);
}

void update_events(Conn* c) {
    epoll_event ev{};
    ev.events = (c->read_paused ? 0u : uint32_t(EPOLLIN)) | (c->want_out ? uint32_t(EPOLLOUT) : 0u);
    ev.data.ptr = c;
    epoll_ctl(g_ep, EPOLL_CTL_MOD, c->fd, &ev);
}

void destroy(Conn* c) {
    epoll_ctl(g_ep, EPOLL_CTL_DEL, c->fd, nullptr);
    if (c->ssl != nullptr) SSL_free(c->ssl);
    close(c->fd);
    delete c;
}

// Returns bytes read, 0 on would-block, -1 on EOF or error.
ssize_t conn_read(Conn* c, uint8_t* buf, size_t cap) {
    if (c->ssl == nullptr) {
        ssize_t n = recv(c->fd, buf, cap, 0);
        if (n > 0) return n;
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return 0;
        return -1;
    }
    int n = SSL_read(c->ssl, buf, int(cap));
    if (n > 0) return n;
    int e = SSL_get_error(c->ssl, n);
    if (e == SSL_ERROR_WANT_READ) return 0;
    if (e == SSL_ERROR_WANT_WRITE) {  // handshake needs to send first
        c->want_out = true;
        return 0;
    }
    return -1;
}

// Returns bytes written, 0 on would-block, -1 on error.
ssize_t conn_write(Conn* c, const uint8_t* buf, size_t len) {
    if (c->ssl == nullptr) {
        ssize_t n = send(c->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0) return n;
        return errno == EAGAIN || errno == EINTR ? 0 : -1;
    }
    int n = SSL_write(c->ssl, buf, int(len));
    if (n > 0) return n;
    int e = SSL_get_error(c->ssl, n);
    return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
}

// Sends what is queued; false when the connection is to be destroyed.
bool flush(Conn* c) {
    while (c->out_off < c->out.size()) {
        ssize_t n = conn_write(c, c->out.data() + c->out_off, c->out.size() - c->out_off);
        if (n < 0) return false;
        if (n == 0) break;
        c->out_off += size_t(n);
    }
    if (c->out_off == c->out.size()) {
        c->out.clear();
        c->out_off = 0;
        if (c->close_after_flush) return false;  // server closes first (RFC 6455 7.1.1)
    } else if (c->out_off >= c->out.size() / 2) {
        // a peer that keeps the pipe full never lets the buffer drain: drop the
        // sent prefix (amortised: at most as many bytes moved as were sent)
        c->out.consume(c->out_off);
        c->out_off = 0;
    }
    bool pending = c->out_off < c->out.size();
    bool pause = c->out.size() - c->out_off > kOutHighWater;
    if (pending != c->want_out || pause != c->read_paused) {
        c->want_out = pending;
        c->read_paused = pause;
        update_events(c);
    }
    return true;
}

// XORs src with the 4-byte mask starting at mask offset off, 8 bytes a step.
void unmask_into(uint8_t* dst, const uint8_t* src, size_t n, const uint8_t mask[4], size_t off) {
    uint8_t m8[8];
    for (size_t i = 0; i < 8; ++i) m8[i] = mask[(off + i) & 3];
    uint64_t mw;
    std::memcpy(&mw, m8, 8);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        std::memcpy(&w, src + i, 8);
        w ^= mw;
        std::memcpy(dst + i, &w, 8);
    }
    for (; i < n; ++i) dst[i] = src[i] ^ m8[i & 7];
}

size_t header_need(const uint8_t* h, size_t have) {
    if (have < 2) return 2;
    size_t len7 = h[1] & 0x7f;
    size_t need = 2 + ((h[1] & 0x80) ? 4 : 0);
    if (len7 == 126) need += 2;
    if (len7 == 127) need += 8;
    return need;
}

// Parsed header: writes the echo header; false on a protocol error.
bool start_frame(Conn* c) {
    FrameState& fs = c->fs;
    const uint8_t* h = fs.hdr;
    if ((h[1] & 0x80) == 0) return false;  // clients must mask
    uint8_t opcode = h[0] & 0x0f;
    size_t len7 = h[1] & 0x7f, p = 2;
    uint64_t len = len7;
    if (len7 == 126) {
        len = (uint64_t(h[2]) << 8) | h[3];
        p = 4;
    } else if (len7 == 127) {
        len = 0;
        for (int i = 0; i < 8; ++i) len = (len << 8) | h[2 + i];
        p = 10;
    }
    std::memcpy(fs.mask, h + p, 4);
    fs.remaining = len;
    fs.mask_off = 0;
    fs.in_payload = true;
    fs.discard = opcode == 0xA;
    if (fs.discard) return true;
    uint8_t b0 = opcode == 0x9 ? uint8_t((h[0] & 0xf0) | 0xA) : h[0];  // ping -> pong
    c->out.push_back(b0);
    c->out.push_back(uint8_t(len7));
    c->out.append(h + 2, p - 2);  // extended length, unmasked
    if (opcode == 0x8) {
        c->close_after_flush = true;
        c->phase = Phase::Closing;
    }
    return true;
}

bool feed_frames(Conn* c, const uint8_t* data, size_t n) {
    FrameState& fs = c->fs;
    size_t i = 0;
    while (i < n && c->phase == Phase::Open) {
        if (!fs.in_payload) {
            size_t need = header_need(fs.hdr, fs.hdr_len);
            while (fs.hdr_len < need && i < n) {
                fs.hdr[fs.hdr_len++] = data[i++];
                need = header_need(fs.hdr, fs.hdr_len);
            }
            if (fs.hdr_len < need) return true;
            if (!start_frame(c)) return false;
            fs.hdr_len = 0;
        }
        size_t take = size_t(std::min<uint64_t>(fs.remaining, n - i));
        if (!fs.discard && take > 0) {
            unmask_into(c->out.extend(take), data + i, take, fs.mask, fs.mask_off);
        }
        fs.mask_off = (fs.mask_off + take) & 3;
        fs.remaining -= take;
        i += take;
        if (fs.remaining == 0) fs.in_payload = false;
    }
    return true;
}

bool header_value(const std::string& req, const char* name, std::string& out) {
    size_t nlen = std::strlen(name);
    size_t pos = 0;
    while ((pos = req.find("\r\n", pos)) != std::string::npos) {
        pos += 2;
        if (req.size() - pos > nlen && strncasecmp(req.c_str() + pos, name, nlen) == 0 &&
            req[pos + nlen] == ':') {
            size_t v = pos + nlen + 1, e = req.find("\r\n", v);
            while (v < e && (req[v] == ' ' || req[v] == '\t')) ++v;
            out = req.substr(v, e - v);
            while (!out.empty() && (out.back() == ' ' || out.back() == '\t')) out.pop_back();
            return true;
        }
    }
    return false;
}

// Handles upgrade request bytes; false on error. Leftover bytes become frames.
bool feed_upgrade(Conn* c, const uint8_t* data, size_t n) {
    c->req.insert(c->req.end(), data, data + n);
    std::string req(c->req.begin(), c->req.end());
    size_t end = req.find("\r\n\r\n");
    if (end == std::string::npos) return req.size() <= kMaxRequest;
    std::string key, proto;
    if (!header_value(req, "Sec-WebSocket-Key", key)) return false;
    key += "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char sha[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(key.data()), key.size(), sha);
    unsigned char b64[64];
    EVP_EncodeBlock(b64, sha, SHA_DIGEST_LENGTH);
    std::string resp =
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        "Connection: Upgrade\r\nSec-WebSocket-Accept: ";
    resp += reinterpret_cast<const char*>(b64);
    if (header_value(req, "Sec-WebSocket-Protocol", proto)) {
        resp += "\r\nSec-WebSocket-Protocol: " + proto.substr(0, proto.find(','));
    }
    resp += "\r\n\r\n";
    c->out.append(reinterpret_cast<const uint8_t*>(resp.data()), resp.size());
    c->phase = Phase::Open;
    size_t used = end + 4;
    std::vector<uint8_t> rest(c->req.begin() + long(used), c->req.end());
    c->req.clear();
    c->req.shrink_to_fit();
    return feed_frames(c, rest.data(), rest.size());
}

bool feed(Conn* c, const uint8_t* data, size_t n) {
    if (c->kind == Kind::Tcp) {
        c->out.append(data, n);
        return true;
    }
    if (c->phase == Phase::Upgrade) return feed_upgrade(c, data, n);
    if (c->phase == Phase::Closing) return true;  // ignore after close
    return feed_frames(c, data, n);
}

// Reads what is there, echoes it; false when the connection is to be destroyed.
bool on_readable(Conn* c) {
    for (;;) {
        ssize_t n = conn_read(c, g_rbuf.data(), g_rbuf.size());
        if (n < 0) return false;
        if (n == 0) break;
        if (!feed(c, g_rbuf.data(), size_t(n))) return false;
        // TLS may hold decrypted bytes the socket no longer signals.
        if (c->ssl == nullptr || SSL_pending(c->ssl) == 0) break;
        if (c->out.size() - c->out_off > kOutHighWater) break;
    }
    return flush(c);
}

void accept_all(const Listener& l) {
    for (;;) {
        int fd = accept4(l.fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) return;
        int one = 1;
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        Conn* c = new Conn;
        c->fd = fd;
        c->kind = l.kind;
        c->phase = l.kind == Kind::Tcp ? Phase::Open : Phase::Upgrade;
        if (l.kind == Kind::Wss) {
            c->ssl = SSL_new(g_tls);
            SSL_set_fd(c->ssl, fd);
            SSL_set_accept_state(c->ssl);
            SSL_set_mode(c->ssl,
                         SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
        }
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        epoll_ctl(g_ep, EPOLL_CTL_ADD, fd, &ev);
    }
}

void on_event(Conn* c, uint32_t events) {
    bool alive = true;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) alive = on_readable(c);
    if (alive && (events & EPOLLOUT)) {
        bool was_paused = c->read_paused;
        alive = flush(c);
        // a TLS handshake that wanted to write, or a drained backlog: read again
        if (alive && (was_paused || c->ssl != nullptr)) alive = on_readable(c);
    }
    if (!alive) destroy(c);
}

bool setup_tls(const char* cert, const char* key) {
    g_tls = SSL_CTX_new(TLS_server_method());
    if (g_tls == nullptr) return false;
    if (SSL_CTX_use_certificate_chain_file(g_tls, cert) != 1 ||
        SSL_CTX_use_PrivateKey_file(g_tls, key, SSL_FILETYPE_PEM) != 1) {
        ERR_print_errors_fp(stderr);
        return false;
    }
    return true;
}

int parse_port(const char* s) {
    char* end = nullptr;
    long v = std::strtol(s, &end, 10);
    if (*end != '\0' || v < -1 || v > 65535) {
        std::fprintf(stderr, "consensus-bench-echo: bad port %s\n", s);
        std::exit(2);
    }
    return int(v);
}

}  // namespace

int main(int argc, char** argv) {
    int ports[3] = {0, -1, 0};  // ws, wss, tcp
    const char* cert = nullptr;
    const char* key = nullptr;
    for (int i = 1; i + 1 < argc; i += 2) {
        std::string k = argv[i];
        if (k == "--ws-port")
            ports[0] = parse_port(argv[i + 1]);
        else if (k == "--wss-port")
            ports[1] = parse_port(argv[i + 1]);
        else if (k == "--tcp-port")
            ports[2] = parse_port(argv[i + 1]);
        else if (k == "--cert")
            cert = argv[i + 1];
        else if (k == "--key")
            key = argv[i + 1];
        else {
            std::fprintf(stderr, "consensus-bench-echo: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    if (cert != nullptr && key != nullptr && ports[1] == -1) ports[1] = 0;
    if (ports[1] != -1 && (cert == nullptr || key == nullptr || !setup_tls(cert, key))) {
        std::fprintf(stderr, "consensus-bench-echo: wss needs a usable --cert and --key\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    signal(SIGTERM, on_signal);
    signal(SIGINT, on_signal);
    g_ep = epoll_create1(EPOLL_CLOEXEC);
    Listener ls[3];
    const Kind kinds[3] = {Kind::Ws, Kind::Wss, Kind::Tcp};
    int bound[3] = {-1, -1, -1};
    for (int i = 0; i < 3; ++i) {
        ls[i].kind = kinds[i];
        if (ports[i] == -1) continue;
        ls[i].fd = make_listener(ports[i]);
        if (ls[i].fd < 0) {
            std::perror("consensus-bench-echo: listen");
            return 1;
        }
        bound[i] = bound_port(ls[i].fd);
        epoll_event ev{};
        ev.events = EPOLLIN;
        ev.data.ptr = &ls[i];
        epoll_ctl(g_ep, EPOLL_CTL_ADD, ls[i].fd, &ev);
    }
    std::printf("READY ws=%d wss=%d tcp=%d\n", bound[0], bound[1], bound[2]);
    std::fflush(stdout);
    std::vector<epoll_event> evs(256);
    while (!g_stop) {
        int n = epoll_wait(g_ep, evs.data(), int(evs.size()), 500);
        for (int i = 0; i < n; ++i) {
            void* p = evs[size_t(i)].data.ptr;
            if (p == &ls[0] || p == &ls[1] || p == &ls[2]) {
                accept_all(*static_cast<Listener*>(p));
            } else {
                on_event(static_cast<Conn*>(p), evs[size_t(i)].events);
            }
        }
    }
    return 0;
}
