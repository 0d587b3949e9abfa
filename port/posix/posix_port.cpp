// SPDX-License-Identifier: MIT
// The POSIX port: see include/consensus/port_posix.h for the contract.
#include <ares.h>
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
// Where a stream's name lookup stands (Dns::none: no lookup, an IP literal or
// a name resolved inside open()).
enum class Dns : uint8_t {
    none,
    pending,  // c-ares is asking; the answer comes in connect_status()
    resolved,
    failed,  // the name does not resolve (NXDOMAIN, no address, bad name)
    silent,  // c-ares gave up waiting: the core's open timeout decides
    no_memory,
    cancelled  // the channel went away (new DNS servers): a connect error
};

struct cws_stream {
    int fd;  // -1: no socket (free slot, resolving, or every address failed)
    bool in_use;
    bool connecting;  // a non-blocking connect() is in flight on fd
    Dns dns;
    uint32_t gen;  // this slot's lookup generation: bumped by close() and each lookup
    uint8_t addr_count;
    uint8_t addr_next;  // next address to try when the current attempt fails
    unsigned interest;  // CWS_WANT_* declared by the core
    unsigned ready;     // CWS_WANT_* found by the last wait()/set_revents()
    Addr addrs[CWS_POSIX_MAX_ADDRS];
};

struct cws_posix_port {
    uint32_t max_streams;
    bool ares_ready;       // ares_library_init() succeeded (cleanup at deinit)
    int wake_fd;           // eventfd: op_wake writes, wait()/set_revents drain
    uint32_t lookups;      // streams whose lookup is in flight (Dns::pending)
    uint64_t gen_limit;    // generations run 0 .. gen_limit - 1 (see lookup_tag)
    ares_channel channel;  // every lookup's, created at the first; nullptr: none yet
    cws_stream* streams;
    pollfd* fds;      // wait() scratch: the wake fd, the channel's sockets, the streams
    uint32_t* owner;  // fds[i] belongs to streams[owner[i]] (kWakeOwner, kDnsOwner)
    char dns_servers[CWS_POSIX_DNS_SERVERS_MAX];  // "" = the system's
};

namespace {

constexpr uint32_t kWakeOwner = UINT32_MAX;
constexpr uint32_t kDnsOwner = UINT32_MAX - 1;

// pollfds the port may hand out: its wake fd, up to CWS_POSIX_DNS_FDS sockets
// of the shared c-ares channel, one socket per stream.
constexpr size_t fd_slots(uint32_t streams) {
    return CWS_POSIX_POLLFDS_MAX(streams);
}

// The port whose c-ares call is running on this thread: c-ares calls
// on_resolved only from inside ares_getaddrinfo, ares_process_fd, ares_cancel
// and ares_destroy, each made under an InCares.
thread_local cws_posix_port* t_port = nullptr;

struct InCares {
    explicit InCares(cws_posix_port* p) : prev(t_port) { t_port = p; }
    ~InCares() { t_port = prev; }
    InCares(const InCares&) = delete;
    InCares& operator=(const InCares&) = delete;
    cws_posix_port* prev;
};

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
    off += fd_slots(count) * sizeof(pollfd);
    off = align_up(off, alignof(uint32_t));
    out->owner = off;
    off += fd_slots(count) * sizeof(uint32_t);
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
    s->dns = Dns::none;
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

// Keeps the IPv4/IPv6 addresses of a resolver's answer, in its order.
template <class Node>
void keep_addrs(cws_stream* s, const Node* list) {
    s->addr_count = 0;
    s->addr_next = 0;
    for (const Node* ai = list; ai != nullptr && s->addr_count < CWS_POSIX_MAX_ADDRS;
         ai = ai->ai_next) {
        const bool v4 = ai->ai_family == AF_INET && ai->ai_addrlen == sizeof(sockaddr_in);
        const bool v6 = ai->ai_family == AF_INET6 && ai->ai_addrlen == sizeof(sockaddr_in6);
        if (!v4 && !v6) continue;
        Addr& a = s->addrs[s->addr_count++];
        memset(&a, 0, sizeof a);
        memcpy(&a.u, ai->ai_addr, ai->ai_addrlen);
        a.len = static_cast<socklen_t>(ai->ai_addrlen);
    }
}

// An IP literal (IPv6 without brackets) into s->addrs, without DNS: libc's
// getaddrinfo() with AI_NUMERICHOST never sends a query. EAI_NONAME: a name.
int resolve_literal(const char* host, const char* service, cws_stream* s) {
    addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* list = nullptr;
    const int rc = ::getaddrinfo(host, service, &hints, &list);
    if (rc != 0) return rc;
    keep_addrs(s, list);
    ::freeaddrinfo(list);
    return 0;
}

// A lookup's callback arg: its slot and the slot's generation at its start,
// gen * max_streams + slot (gen < gen_limit, so it fits a pointer; a
// generation wraps after gen_limit lookups in one slot, 2^32 on 64-bit).
void* lookup_tag(const cws_posix_port* p, uint32_t slot) {
    const uint64_t v = uint64_t{p->streams[slot].gen} * p->max_streams + slot;
    return reinterpret_cast<void*>(static_cast<uintptr_t>(v));
}

// A new generation for the slot: answers to its earlier lookups are ignored.
void bump_gen(const cws_posix_port* p, cws_stream* s) {
    s->gen = uint64_t{s->gen} + 1 >= p->gen_limit ? 0 : s->gen + 1;
}

// c-ares's answer for one lookup. Runs inside ares_getaddrinfo() (hosts
// file), ares_process_fd() (drive_channel), ares_cancel() or ares_destroy():
// it only records. The answer belongs to a stream only while that stream's
// slot still has the lookup's generation and waits for it; otherwise the
// stream was closed (maybe its slot reused): the answer is freed, unseen.
void on_resolved(void* arg, int status, int /*timeouts*/, ares_addrinfo* res) {
    cws_posix_port* p = t_port;
    cws_stream* s = nullptr;
    if (p != nullptr) {
        const uintptr_t tag = reinterpret_cast<uintptr_t>(arg);
        const uint32_t slot = static_cast<uint32_t>(tag % p->max_streams);
        const uint64_t gen = tag / p->max_streams;
        cws_stream* c = &p->streams[slot];
        if (c->gen == gen && c->dns == Dns::pending) s = c;
    }
    if (s == nullptr) {
        if (res != nullptr) ares_freeaddrinfo(res);
        return;
    }
    --p->lookups;
    if (status == ARES_SUCCESS && res != nullptr) {
        keep_addrs(s, res->nodes);
        s->dns = s->addr_count > 0 ? Dns::resolved : Dns::failed;
    } else if (status == ARES_ETIMEOUT) {
        s->dns = Dns::silent;
    } else if (status == ARES_ENOMEM) {
        s->dns = Dns::no_memory;
    } else if (status == ARES_EDESTRUCTION || status == ARES_ECANCELLED) {
        s->dns = Dns::cancelled;
    } else {
        s->dns = Dns::failed;  // ENOTFOUND, ENODATA, EBADNAME, SERVFAIL, REFUSED, ...
    }
    if (res != nullptr) ares_freeaddrinfo(res);
}

// The port's channel, created at its first lookup (and again after
// cws_posix_port_set_dns_servers). False when c-ares cannot make it.
bool ensure_channel(cws_posix_port* p) {
    if (p->channel != nullptr) return true;
    ares_channel ch = nullptr;
    ares_options opts;
    memset(&opts, 0, sizeof opts);
    if (ares_init_options(&ch, &opts, 0) != ARES_SUCCESS) return false;
    if (p->dns_servers[0] != '\0' &&
        ares_set_servers_ports_csv(ch, p->dns_servers) != ARES_SUCCESS) {
        ares_destroy(ch);  // no query yet: no callback
        return false;
    }
    p->channel = ch;
    return true;
}

// With no stream waiting for an answer, the channel goes: the queries of
// closed streams still in it would only keep the loop waking up for nothing,
// and the channel itself is ~74 KB (c-ares 1.18's query tables) that a
// device would otherwise hold for hours after its one lookup. The next
// lookup makes a new one.
void settle(cws_posix_port* p) {
    if (p->channel == nullptr || p->lookups != 0) return;
    ares_channel ch = p->channel;
    p->channel = nullptr;
    InCares in(p);
    ares_destroy(ch);  // cancels what is left: answers nobody waits for
}

// Starts the lookup of a name for the stream in slot on the port's channel,
// under a new generation. The answer may come at once (hosts file).
cws_open_result start_lookup(cws_posix_port* p, const char* host, const char* service,
                             uint32_t slot) {
    if (!p->ares_ready || !ensure_channel(p)) return CWS_OPEN_NO_RESOURCES;
    cws_stream* s = &p->streams[slot];
    ares_addrinfo_hints hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = ARES_AI_NUMERICSERV;
    bump_gen(p, s);
    s->dns = Dns::pending;
    ++p->lookups;
    InCares in(p);
    ares_getaddrinfo(p->channel, host, service, &hints, on_resolved, lookup_tag(p, slot));
    return CWS_OPEN_OK;
}

// The channel's sockets (bits as ares_getsock); returns how many.
int channel_sockets(ares_channel ch, ares_socket_t* socks, int* bits) {
    *bits = ares_getsock(ch, socks, ARES_GETSOCK_MAXNUM);
    int n = 0;
    while (n < ARES_GETSOCK_MAXNUM &&
           (ARES_GETSOCK_READABLE(*bits, n) != 0 || ARES_GETSOCK_WRITABLE(*bits, n) != 0)) {
        ++n;
    }
    return n;
}

// Lets c-ares read the answers waiting on all its sockets and run its retry
// timers, without blocking (asks the sockets directly: the caller may not have
// waited since open(), and wait() polls at most CWS_POSIX_DNS_FDS of them).
void drive_channel(cws_posix_port* p) {
    if (p->channel == nullptr) return;
    InCares in(p);
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = 0;
    const int k = channel_sockets(p->channel, socks, &bits);
    pollfd fds[ARES_GETSOCK_MAXNUM];
    for (int i = 0; i < k; ++i) {
        fds[i].fd = socks[i];
        fds[i].events = static_cast<short>((ARES_GETSOCK_READABLE(bits, i) != 0 ? POLLIN : 0) |
                                           (ARES_GETSOCK_WRITABLE(bits, i) != 0 ? POLLOUT : 0));
        fds[i].revents = 0;
    }
    if (k > 0 && ::poll(fds, static_cast<nfds_t>(k), 0) > 0) {
        for (int i = 0; i < k; ++i) {
            const short ev = fds[i].revents;
            if (ev == 0) continue;
            const bool rd = (ev & (POLLIN | POLLERR | POLLHUP)) != 0;
            const bool wr = (ev & (POLLOUT | POLLERR | POLLHUP)) != 0;
            ares_process_fd(p->channel, rd ? fds[i].fd : ARES_SOCKET_BAD,
                            wr ? fds[i].fd : ARES_SOCKET_BAD);
        }
    }
    // Timeouts only (retransmit to the next server, or give up).
    ares_process_fd(p->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    settle(p);
}

// True while the channel has queries (its sockets and timers matter).
bool channel_busy(const cws_posix_port* p) {
    timeval tv;
    return p->channel != nullptr && ares_timeout(p->channel, nullptr, &tv) != nullptr;
}

cws_open_result op_open(void* ctx, const char* host, uint16_t port, cws_stream** out) {
    cws_posix_port* p = self(ctx);
    if (host == nullptr || out == nullptr) return CWS_OPEN_CONNECT_FAILED;
    cws_stream* s = nullptr;
    uint32_t slot = 0;
    for (; slot < p->max_streams; ++slot) {
        if (!p->streams[slot].in_use) {
            s = &p->streams[slot];
            break;
        }
    }
    if (s == nullptr) return CWS_OPEN_NO_RESOURCES;
    reset_stream(s);
    char service[6];
    port_text(port, service);
    const int rc = resolve_literal(host, service, s);
    if (rc == EAI_MEMORY) return CWS_OPEN_NO_RESOURCES;
    if (rc != 0 && rc != EAI_NONAME) return CWS_OPEN_DNS_FAILED;
    if (rc == EAI_NONAME) {
        if (host[0] == '\0') return CWS_OPEN_DNS_FAILED;
        const cws_open_result r = start_lookup(p, host, service, slot);
        if (r != CWS_OPEN_OK) {
            reset_stream(s);
            return r;
        }
        if (s->dns == Dns::pending) {  // the usual case: connect_status() goes on
            s->in_use = true;
            *out = s;
            return CWS_OPEN_OK;
        }
        // Answered at once (hosts file, a bad name): finish here.
        const Dns d = s->dns;
        settle(p);
        if (d == Dns::no_memory) {
            reset_stream(s);
            return CWS_OPEN_NO_RESOURCES;
        }
        if (d != Dns::resolved) {
            reset_stream(s);
            return CWS_OPEN_DNS_FAILED;
        }
        s->dns = Dns::none;
    }
    if (s->addr_count == 0) {
        reset_stream(s);
        return CWS_OPEN_DNS_FAILED;
    }
    const int err = connect_next(s);
    if (err != 0) {
        reset_stream(s);
        return is_resource_errno(err) ? CWS_OPEN_NO_RESOURCES : CWS_OPEN_CONNECT_FAILED;
    }
    s->in_use = true;
    *out = s;
    return CWS_OPEN_OK;
}

// A stream whose lookup is (or was) in flight: drive it, then start the TCP
// connect once the addresses are in.
int lookup_status(cws_posix_port* p, cws_stream* s) {
    if (s->dns == Dns::pending) drive_channel(p);
    switch (s->dns) {
        case Dns::pending:
        case Dns::silent:  // no answer will come; the open timeout decides
            return CWS_IO_WOULD_BLOCK;
        case Dns::failed:
            return CWS_IO_DNS_FAILED;
        case Dns::no_memory:
        case Dns::cancelled:
            return CWS_IO_ERROR;
        case Dns::resolved:
        case Dns::none:
            break;
    }
    s->dns = Dns::none;
    return connect_next(s) == 0 ? 1 : CWS_IO_ERROR;  // 1: go on with the connect
}

int op_connect_status(void* ctx, cws_stream* s) {
    if (s == nullptr) return CWS_IO_ERROR;
    if (s->dns != Dns::none) {
        const int st = lookup_status(self(ctx), s);
        if (st != 1) return st;
    }
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

// A lookup still in flight runs on inside c-ares (its answer, under an older
// generation, is then ignored), unless no other stream waits for one.
void op_close(void* ctx, cws_stream* s) {
    if (s == nullptr || !s->in_use) return;
    cws_posix_port* p = self(ctx);
    if (s->dns == Dns::pending) --p->lookups;
    bump_gen(p, s);
    if (s->fd >= 0) ::close(s->fd);
    reset_stream(s);
    settle(p);
}

void op_set_interest(void*, cws_stream* s, unsigned want) {
    if (s != nullptr) s->interest = want & (CWS_WANT_READ | CWS_WANT_WRITE);
}

// Collects the wake fd, up to CWS_POSIX_DNS_FDS sockets of the c-ares channel
// (the others: see resolver_timeout), then one pollfd per stream socket with
// interest, into fds/owner; returns the count (which may exceed max).
size_t collect(cws_posix_port* p, pollfd* fds, uint32_t* owner, size_t max) {
    size_t n = 0;
    auto add = [&](int fd, short events, uint32_t who) {
        if (n < max) {
            fds[n].fd = fd;
            fds[n].events = events;
            fds[n].revents = 0;
            if (owner != nullptr) owner[n] = who;
        }
        ++n;
    };
    if (p->wake_fd >= 0) add(p->wake_fd, POLLIN, kWakeOwner);
    if (p->channel != nullptr) {
        ares_socket_t socks[ARES_GETSOCK_MAXNUM];
        int bits = 0;
        int k = channel_sockets(p->channel, socks, &bits);
        if (k > CWS_POSIX_DNS_FDS) k = CWS_POSIX_DNS_FDS;
        for (int j = 0; j < k; ++j) {
            add(socks[j],
                static_cast<short>((ARES_GETSOCK_READABLE(bits, j) != 0 ? POLLIN : 0) |
                                   (ARES_GETSOCK_WRITABLE(bits, j) != 0 ? POLLOUT : 0)),
                kDnsOwner);
        }
    }
    for (uint32_t i = 0; i < p->max_streams; ++i) {
        const cws_stream& s = p->streams[i];
        if (!s.in_use || s.fd < 0 || s.interest == 0) continue;
        add(s.fd, events_of(s.interest), i);
    }
    return n;
}

// timeout_ms (< 0: none) shortened to the channel's next c-ares timer, and to
// kSpillMs while it has more sockets than collect() hands out (drive_channel
// polls them all itself). Rounded up: never a busy loop.
constexpr int32_t kSpillMs = 20;

int32_t resolver_timeout(const cws_posix_port* p, int32_t timeout_ms) {
    if (p->channel == nullptr) return timeout_ms;
    int32_t ms = -1;
    timeval tv;
    if (ares_timeout(p->channel, nullptr, &tv) != nullptr) {
        const int64_t v = static_cast<int64_t>(tv.tv_sec) * 1000 + (tv.tv_usec + 999) / 1000;
        ms = v > INT32_MAX ? INT32_MAX : static_cast<int32_t>(v);
    }
    ares_socket_t socks[ARES_GETSOCK_MAXNUM];
    int bits = 0;
    if (channel_sockets(p->channel, socks, &bits) > CWS_POSIX_DNS_FDS &&
        (ms < 0 || ms > kSpillMs)) {
        ms = kSpillMs;
    }
    if (ms >= 0 && (timeout_ms < 0 || ms < timeout_ms)) return ms;
    return timeout_ms;
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
    const size_t n = collect(p, p->fds, p->owner, fd_slots(p->max_streams));
    // A lookup's retry timer may be due first; the core then finds its
    // stream still connecting and waits again.
    const int32_t t = resolver_timeout(p, timeout_ms < 0 ? -1 : timeout_ms);
    // With no stream of interest poll() still sleeps: the core waits for a timer.
    // r <= 0: timeout, or EINTR: the loop recomputes its deadline.
    const int r = ::poll(p->fds, static_cast<nfds_t>(n), t);
    int ready = 0;
    for (size_t i = 0; r > 0 && i < n; ++i) {
        if (p->fds[i].revents == 0) continue;
        if (p->owner[i] == kWakeOwner) {
            drain_wake(p);  // woken: not a stream, not counted
            continue;
        }
        if (p->owner[i] == kDnsOwner) continue;  // drive_channel() reads it
        p->streams[p->owner[i]].ready = bits_of(p->fds[i].revents);
        ++ready;
    }
    // Answers and retry timers, also of closed streams' lookups (else their
    // sockets would stay readable and the next wait() would not sleep).
    if (channel_busy(p)) drive_channel(p);
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
    p->lookups = 0;
    p->gen_limit = uint64_t{UINTPTR_MAX} / max_streams;
    if (p->gen_limit > uint64_t{UINT32_MAX} + 1) p->gen_limit = uint64_t{UINT32_MAX} + 1;
    p->channel = nullptr;
    p->streams = reinterpret_cast<cws_stream*>(base + l.streams);
    p->fds = reinterpret_cast<pollfd*>(base + l.fds);
    p->owner = reinterpret_cast<uint32_t*>(base + l.owner);
    for (uint32_t i = 0; i < max_streams; ++i) {
        cws_stream* s = new (&p->streams[i]) cws_stream{};
        reset_stream(s);
        s->gen = 0;
    }
    for (size_t i = 0; i < fd_slots(max_streams); ++i) {
        new (&p->fds[i]) pollfd{};
        p->owner[i] = 0;
    }
    // Nothing to set up on Linux (no allocation); counted, so deinit pairs it.
    p->ares_ready = ares_library_init(ARES_LIB_INIT_ALL) == ARES_SUCCESS;
    p->dns_servers[0] = '\0';
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
    if (p->channel != nullptr) {
        ares_channel ch = p->channel;
        p->channel = nullptr;
        InCares in(p);
        ares_destroy(ch);  // settle() cancelled every query: no callback left
    }
    if (p->wake_fd >= 0) ::close(p->wake_fd);
    p->wake_fd = -1;
    if (p->ares_ready) ares_library_cleanup();
    p->ares_ready = false;
}

int cws_posix_port_set_dns_servers(cws_posix_port* p, const char* servers) {
    if (p == nullptr) return -1;
    if (servers == nullptr) servers = "";
    const size_t len = strlen(servers);
    if (len >= sizeof p->dns_servers) return -1;
    if (strcmp(p->dns_servers, servers) == 0) return 0;
    memcpy(p->dns_servers, servers, len + 1);
    // The next lookup makes a channel with the new servers. Lookups in flight
    // on the old one end (ARES_EDESTRUCTION: their streams see CWS_IO_ERROR).
    if (p->channel != nullptr) {
        ares_channel ch = p->channel;
        p->channel = nullptr;
        InCares in(p);
        ares_destroy(ch);
    }
    return 0;
}

int32_t cws_posix_port_timeout_ms(cws_posix_port* p, int32_t timeout_ms) {
    if (timeout_ms < 0) timeout_ms = -1;
    return p == nullptr ? timeout_ms : resolver_timeout(p, timeout_ms);
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
            if (s.in_use && s.dns == Dns::none && s.fd == fds[k].fd) {
                s.ready |= bits_of(fds[k].revents);
                break;
            }
        }
    }
    if (channel_busy(p)) drive_channel(p);  // the channel's sockets and timers
}

}  // extern "C"
