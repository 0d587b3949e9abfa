// The POSIX port: see include/consensus/port_posix.h for the contract.
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cstddef>
#include <new>

#include "consensus/port_posix.h"

namespace {

// One resolved address; sockaddr_in6 is the largest family we connect to.
struct Addr {
    union {
        sockaddr sa;
        sockaddr_in v4;
        sockaddr_in6 v6;
    } u;
    socklen_t len;
};

}  // namespace

// The stream type of this port (opaque to the core).
struct cws_stream {
    int fd;  // -1: no socket (free slot, or every address failed)
    bool in_use;
    bool connecting;  // a non-blocking connect() is in flight on fd
    uint8_t addr_count;
    uint8_t addr_next;  // next address to try when the current attempt fails
    unsigned interest;  // CWS_WANT_* declared by the core
    unsigned ready;     // CWS_WANT_* found by the last wait()/set_revents()
    Addr addrs[CWS_POSIX_MAX_ADDRS];
};

struct cws_posix_port {
    uint32_t max_streams;
    int wake_fd;  // eventfd: op_wake writes, wait()/set_revents drain
    cws_stream* streams;
    pollfd* fds;      // wait() scratch: the wake fd, then one per stream
    uint32_t* owner;  // fds[i] belongs to streams[owner[i]] (kWakeOwner: the wake fd)
};

namespace {

constexpr uint32_t kWakeOwner = UINT32_MAX;

constexpr size_t align_up(size_t v, size_t a) {
    return (v + a - 1) / a * a;
}

// Layout of the caller's memory after aligning its start; returns the total.
struct Layout {
    size_t streams;
    size_t fds;
    size_t owner;
    size_t total;
};

bool layout(uint32_t n, Layout* out) {
    if (n == 0 || n > UINT32_MAX / 2) return false;
    const size_t count = n;
    size_t off = sizeof(cws_posix_port);
    off = align_up(off, alignof(cws_stream));
    out->streams = off;
    off += count * sizeof(cws_stream);
    off = align_up(off, alignof(pollfd));
    out->fds = off;
    off += (count + 1) * sizeof(pollfd);  // + the wake fd
    off = align_up(off, alignof(uint32_t));
    out->owner = off;
    off += (count + 1) * sizeof(uint32_t);
    out->total = off;
    return true;
}

cws_posix_port* self(void* ctx) {
    return static_cast<cws_posix_port*>(ctx);
}

short events_of(unsigned want) {
    short ev = 0;
    if (want & CWS_WANT_READ) ev = static_cast<short>(ev | POLLIN);
    if (want & CWS_WANT_WRITE) ev = static_cast<short>(ev | POLLOUT);
    return ev;
}

// Errors and hang-ups report both bits so the next recv/send meets them.
unsigned bits_of(short revents) {
    unsigned bits = 0;
    if (revents & POLLIN) bits |= CWS_WANT_READ;
    if (revents & POLLOUT) bits |= CWS_WANT_WRITE;
    if (revents & (POLLERR | POLLHUP | POLLNVAL)) bits |= CWS_WANT_READ | CWS_WANT_WRITE;
    return bits;
}

bool is_resource_errno(int e) {
    return e == EMFILE || e == ENFILE || e == ENOBUFS || e == ENOMEM;
}

void reset_stream(cws_stream* s) {
    s->fd = -1;
    s->in_use = false;
    s->connecting = false;
    s->addr_count = 0;
    s->addr_next = 0;
    s->interest = 0;
    s->ready = 0;
}

// Starts a non-blocking connect to a. Returns 0 when the attempt is under way
// (or already connected), else the errno that stopped it.
int start_connect(cws_stream* s, const Addr& a) {
    const int fd = ::socket(a.u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) return errno;
    const int one = 1;
    // Small WebSocket frames must not wait for Nagle; failure only costs latency.
    (void)::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    int rc;
    do {
        rc = ::connect(fd, &a.u.sa, a.len);
    } while (rc < 0 && errno == EINTR);
    if (rc == 0) {
        s->fd = fd;
        s->connecting = false;
        return 0;
    }
    if (errno == EINPROGRESS) {
        s->fd = fd;
        s->connecting = true;
        return 0;
    }
    const int err = errno;
    ::close(fd);
    return err;
}

// Tries the remaining addresses in order. Returns 0 when one is under way,
// else the errno of the last failure.
int connect_next(cws_stream* s) {
    int err = ECONNREFUSED;
    while (s->addr_next < s->addr_count) {
        err = start_connect(s, s->addrs[s->addr_next++]);
        if (err == 0) return 0;
    }
    s->fd = -1;
    s->connecting = false;
    return err;
}

// Writes port as decimal into buf (at least 6 bytes).
void port_text(uint16_t port, char* buf) {
    char tmp[6];
    size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + port % 10);
        port = static_cast<uint16_t>(port / 10);
    } while (port != 0);
    for (size_t i = 0; i < n; ++i) buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

// Resolves host into s->addrs (IPv4/IPv6 only). IP literals first, without DNS.
cws_open_result resolve(const char* host, uint16_t port, cws_stream* s) {
    char service[6];
    port_text(port, service);
    addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* list = nullptr;
    int rc = ::getaddrinfo(host, service, &hints, &list);
    if (rc == EAI_NONAME) {
        hints.ai_flags = AI_NUMERICSERV;  // a name: this may block (see header)
        rc = ::getaddrinfo(host, service, &hints, &list);
    }
    if (rc != 0) return rc == EAI_MEMORY ? CWS_OPEN_NO_RESOURCES : CWS_OPEN_DNS_FAILED;
    s->addr_count = 0;
    for (const addrinfo* ai = list; ai != nullptr && s->addr_count < CWS_POSIX_MAX_ADDRS;
         ai = ai->ai_next) {
        const bool v4 = ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(sockaddr_in);
        const bool v6 = ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(sockaddr_in6);
        if (!v4 && !v6) continue;
        Addr& a = s->addrs[s->addr_count++];
        memset(&a, 0, sizeof a);
        memcpy(&a.u, ai->ai_addr, ai->ai_addrlen);
        a.len = ai->ai_addrlen;
    }
    ::freeaddrinfo(list);
    return s->addr_count == 0 ? CWS_OPEN_DNS_FAILED : CWS_OPEN_OK;
}

cws_open_result op_open(void* ctx, const char* host, uint16_t port, cws_stream** out) {
    cws_posix_port* p = self(ctx);
    if (host == nullptr || out == nullptr) return CWS_OPEN_CONNECT_FAILED;
    cws_stream* s = nullptr;
    for (uint32_t i = 0; i < p->max_streams; ++i) {
        if (!p->streams[i].in_use) {
            s = &p->streams[i];
            break;
        }
    }
    if (s == nullptr) return CWS_OPEN_NO_RESOURCES;
    reset_stream(s);
    const cws_open_result r = resolve(host, port, s);
    if (r != CWS_OPEN_OK) return r;
    const int err = connect_next(s);
    if (err != 0) {
        reset_stream(s);
        return is_resource_errno(err) ? CWS_OPEN_NO_RESOURCES : CWS_OPEN_CONNECT_FAILED;
    }
    s->in_use = true;
    *out = s;
    return CWS_OPEN_OK;
}

int op_connect_status(void*, cws_stream* s) {
    if (s == nullptr) return CWS_IO_ERROR;
    if (!s->connecting) return s->fd >= 0 ? 0 : CWS_IO_ERROR;
    // Ask the socket directly: the caller may not have waited since open().
    pollfd one{s->fd, POLLOUT, 0};
    const int r = ::poll(&one, 1, 0);
    if (r == 0 || (r < 0 && errno == EINTR)) return CWS_IO_WOULD_BLOCK;
    int err = 0;
    if (r < 0) {
        err = errno;
    } else {
        socklen_t len = sizeof err;
        if (::getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
    }
    if (err == 0) {
        s->connecting = false;
        return 0;
    }
    // This address failed: fall back to the next one, if any.
    ::close(s->fd);
    s->ready = 0;
    return connect_next(s) == 0 ? CWS_IO_WOULD_BLOCK : CWS_IO_ERROR;
}

long op_send(void*, cws_stream* s, const uint8_t* data, size_t len) {
    if (s == nullptr || s->fd < 0) return CWS_IO_ERROR;
    if (s->connecting) return CWS_IO_WOULD_BLOCK;
    if (len == 0) return 0;
    if (len > static_cast<size_t>(LONG_MAX)) len = static_cast<size_t>(LONG_MAX);
    for (;;) {
        const ssize_t n = ::send(s->fd, data, len, MSG_NOSIGNAL);
        if (n > 0) return static_cast<long>(n);
        if (n == 0) return CWS_IO_WOULD_BLOCK;  // not seen for len > 0; never report 0
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return CWS_IO_WOULD_BLOCK;
        return CWS_IO_ERROR;
    }
}

long op_recv(void*, cws_stream* s, uint8_t* buf, size_t len) {
    if (s == nullptr || s->fd < 0) return CWS_IO_ERROR;
    if (s->connecting) return CWS_IO_WOULD_BLOCK;
    if (len == 0) return 0;
    if (len > static_cast<size_t>(LONG_MAX)) len = static_cast<size_t>(LONG_MAX);
    for (;;) {
        const ssize_t n = ::recv(s->fd, buf, len, 0);
        if (n > 0) {
            // Fewer bytes than asked: the socket is drained for now, so the
            // read readiness of the last wait() is spent. The core then waits
            // for poll() instead of paying a recv() that only says EAGAIN.
            if (static_cast<size_t>(n) < len) s->ready &= ~static_cast<unsigned>(CWS_WANT_READ);
            return static_cast<long>(n);
        }
        if (n == 0) return CWS_IO_CLOSED;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            s->ready &= ~static_cast<unsigned>(CWS_WANT_READ);
            return CWS_IO_WOULD_BLOCK;
        }
        return CWS_IO_ERROR;
    }
}

void op_close(void*, cws_stream* s) {
    if (s == nullptr || !s->in_use) return;
    if (s->fd >= 0) ::close(s->fd);
    reset_stream(s);
}

void op_set_interest(void*, cws_stream* s, unsigned want) {
    if (s != nullptr) s->interest = want & (CWS_WANT_READ | CWS_WANT_WRITE);
}

// Collects the wake fd, then one pollfd per stream with interest, into
// fds/owner; returns the count (which may exceed max).
size_t collect(cws_posix_port* p, pollfd* fds, uint32_t* owner, size_t max) {
    size_t n = 0;
    if (p->wake_fd >= 0) {
        if (n < max) {
            fds[n].fd = p->wake_fd;
            fds[n].events = POLLIN;
            fds[n].revents = 0;
            if (owner != nullptr) owner[n] = kWakeOwner;
        }
        ++n;
    }
    for (uint32_t i = 0; i < p->max_streams; ++i) {
        const cws_stream& s = p->streams[i];
        if (!s.in_use || s.fd < 0 || s.interest == 0) continue;
        if (n < max) {
            fds[n].fd = s.fd;
            fds[n].events = events_of(s.interest);
            fds[n].revents = 0;
            if (owner != nullptr) owner[n] = i;
        }
        ++n;
    }
    return n;
}

// Consumes every wake made so far (the eventfd's counter back to 0).
void drain_wake(cws_posix_port* p) {
    uint64_t count;
    ssize_t r;
    do {
        r = ::read(p->wake_fd, &count, sizeof count);
    } while (r < 0 && errno == EINTR);
}

// Any thread, a signal handler too: write() on an eventfd is async-signal-safe
// and does not block (EFD_NONBLOCK; EAGAIN only when the counter is already
// huge, i.e. a wake is pending anyway). errno is kept for a signal handler.
void op_wake(void* ctx) {
    const int fd = self(ctx)->wake_fd;
    if (fd < 0) return;
    const int saved = errno;
    const uint64_t one = 1;
    ssize_t r;
    do {
        r = ::write(fd, &one, sizeof one);
    } while (r < 0 && errno == EINTR);
    errno = saved;
}

void clear_ready(cws_posix_port* p) {
    for (uint32_t i = 0; i < p->max_streams; ++i) p->streams[i].ready = 0;
}

int op_wait(void* ctx, int32_t timeout_ms) {
    cws_posix_port* p = self(ctx);
    clear_ready(p);
    const size_t n = collect(p, p->fds, p->owner, size_t{p->max_streams} + 1);
    // With no stream of interest poll() still sleeps: the core waits for a timer.
    const int r = ::poll(p->fds, static_cast<nfds_t>(n), timeout_ms < 0 ? -1 : timeout_ms);
    if (r <= 0) return 0;  // timeout, or EINTR: the loop recomputes its deadline
    int ready = 0;
    for (size_t i = 0; i < n; ++i) {
        if (p->fds[i].revents == 0) continue;
        if (p->owner[i] == kWakeOwner) {
            drain_wake(p);  // woken: not a stream, not counted
            continue;
        }
        p->streams[p->owner[i]].ready = bits_of(p->fds[i].revents);
        ++ready;
    }
    return ready;
}

unsigned op_ready(void*, cws_stream* s) {
    return s == nullptr ? 0 : s->ready;
}

uint64_t op_now_ms(void*) {
    timespec ts;
    ::clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<uint64_t>(ts.tv_sec) * 1000u + static_cast<uint64_t>(ts.tv_nsec) / 1000000u;
}

int op_random(void*, uint8_t* buf, size_t len) {
    size_t done = 0;
    while (done < len) {
        const ssize_t n = ::getrandom(buf + done, len - done, 0);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        done += static_cast<size_t>(n);
    }
    return 0;
}

int op_wall_clock(void*, uint64_t* unix_s) {
    timespec ts;
    if (::clock_gettime(CLOCK_REALTIME, &ts) != 0 || ts.tv_sec < 0) return -1;
    *unix_s = static_cast<uint64_t>(ts.tv_sec);
    return 0;
}

constexpr cws_port_ops kOps = {
    op_open, op_connect_status, op_send,   op_recv,   op_close,      op_set_interest,
    op_wait, op_ready,          op_now_ms, op_random, op_wall_clock, op_wake,
};

}  // namespace

extern "C" {

size_t cws_posix_port_bytes(uint32_t max_streams) {
    Layout l;
    if (!layout(max_streams, &l)) return 0;
    return l.total + alignof(std::max_align_t) - 1;  // slack to align any start
}

int cws_posix_port_init(void* mem, size_t len, uint32_t max_streams, cws_posix_port** out) {
    Layout l;
    if (mem == nullptr || out == nullptr || !layout(max_streams, &l)) return -1;
    if (len < cws_posix_port_bytes(max_streams)) return -1;
    const int wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wake_fd < 0) return -1;
    const uintptr_t start = reinterpret_cast<uintptr_t>(mem);
    const uintptr_t aligned = align_up(start, alignof(std::max_align_t));
    unsigned char* base = reinterpret_cast<unsigned char*>(aligned);
    cws_posix_port* p = new (base) cws_posix_port{};
    p->max_streams = max_streams;
    p->wake_fd = wake_fd;
    p->streams = reinterpret_cast<cws_stream*>(base + l.streams);
    p->fds = reinterpret_cast<pollfd*>(base + l.fds);
    p->owner = reinterpret_cast<uint32_t*>(base + l.owner);
    for (uint32_t i = 0; i < max_streams; ++i) {
        cws_stream* s = new (&p->streams[i]) cws_stream{};
        reset_stream(s);
    }
    for (uint32_t i = 0; i <= max_streams; ++i) {
        new (&p->fds[i]) pollfd{};
        p->owner[i] = 0;
    }
    *out = p;
    return 0;
}

cws_port cws_posix_port_get(cws_posix_port* p) {
    cws_port port;
    port.ops = &kOps;
    port.ctx = p;
    return port;
}

void cws_posix_port_deinit(cws_posix_port* p) {
    if (p == nullptr) return;
    for (uint32_t i = 0; i < p->max_streams; ++i) op_close(p, &p->streams[i]);
    if (p->wake_fd >= 0) ::close(p->wake_fd);
    p->wake_fd = -1;
}

size_t cws_posix_port_pollfds(cws_posix_port* p, struct pollfd* out, size_t max) {
    if (p == nullptr) return 0;
    return collect(p, out, nullptr, out == nullptr ? 0 : max);
}

void cws_posix_port_set_revents(cws_posix_port* p, const struct pollfd* fds, size_t n) {
    if (p == nullptr) return;
    clear_ready(p);
    if (fds == nullptr) return;
    for (size_t k = 0; k < n; ++k) {
        if (fds[k].fd < 0 || fds[k].revents == 0) continue;
        if (fds[k].fd == p->wake_fd) {
            drain_wake(p);
            continue;
        }
        for (uint32_t i = 0; i < p->max_streams; ++i) {
            cws_stream& s = p->streams[i];
            if (s.in_use && s.fd == fds[k].fd) {
                s.ready |= bits_of(fds[k].revents);
                break;
            }
        }
    }
}

}  // extern "C"
