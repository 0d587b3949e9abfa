/* The POSIX port (Linux): non-blocking TCP sockets, poll(), CLOCK_MONOTONIC
 * and getrandom(), behind the cws_port contract of consensus/port.h.
 *
 * Memory: the port lives in caller-provided memory sized by
 * cws_posix_port_bytes(max_streams); it never allocates afterwards, except
 * inside getaddrinfo() (libc) while open() resolves a name.
 *
 * Streams: IPv4 and IPv6, SOCK_NONBLOCK | SOCK_CLOEXEC, TCP_NODELAY. send()
 * uses MSG_NOSIGNAL, so a peer that went away never raises SIGPIPE. recv()
 * returns CWS_IO_CLOSED on EOF and CWS_IO_ERROR on ECONNRESET, ETIMEDOUT and
 * any other failure.
 *
 * Name resolution BLOCKS: open() calls getaddrinfo(). IP literals (IPv6
 * without brackets) never touch DNS: they are tried with AI_NUMERICHOST first.
 * For names the wait is bounded by the resolver configuration
 * (/etc/resolv.conf "options timeout:N attempts:N"; glibc defaults to 5 s per
 * attempt, 2 attempts, per name server). A program that cannot afford that
 * pause resolves names itself and passes IP literals, or uses its own port.
 *
 * Each open() keeps up to CWS_POSIX_MAX_ADDRS resolved addresses; when a
 * connect attempt fails, connect_status() moves on to the next address (so
 * "localhost" works whether the server listens on ::1 or 127.0.0.1). The
 * socket, and so the file descriptor, may therefore change while a stream is
 * connecting: foreign loops must fetch cws_posix_port_pollfds() anew before
 * each poll.
 *
 * Waking: the port owns one eventfd (created by cws_posix_port_init, closed
 * by cws_posix_port_deinit). The wake op (Client::wake, Client::post) writes
 * to it; wait() polls it with the streams and reads it empty.
 *
 * Threads: one port is used by one thread (the poll loop), except its wake op,
 * which any thread or signal handler may call between cws_posix_port_init and
 * cws_posix_port_deinit (it is async-signal-safe: one write() to the eventfd,
 * errno preserved). Every function below is loop-thread only.
 */
#ifndef CONSENSUS_PORT_POSIX_H
#define CONSENSUS_PORT_POSIX_H

#include <stddef.h>
#include <stdint.h>

#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pollfd;
typedef struct cws_posix_port cws_posix_port;

/* Resolved addresses remembered per stream for connect fallback. */
enum { CWS_POSIX_MAX_ADDRS = 4 };

/* Bytes of memory a port with max_streams streams needs (alignment slack
 * included, so any address works). 156 B per stream plus 59 B on x86_64 (the
 * wake fd's pollfd included).
 * Returns 0 when max_streams is 0 or the size would overflow. */
size_t cws_posix_port_bytes(uint32_t max_streams);

/* Builds a port in mem (len >= cws_posix_port_bytes(max_streams)); the memory
 * must stay valid until cws_posix_port_deinit(). Returns 0 and sets *out, or
 * -1 when an argument is null/zero, len is too small, or the wake eventfd
 * cannot be created (EMFILE, ...): nothing is touched, no fd is kept. */
int cws_posix_port_init(void* mem, size_t len, uint32_t max_streams, cws_posix_port** out);

/* The port as the core consumes it (ops + ctx). Valid while the port is. */
cws_port cws_posix_port_get(cws_posix_port* p);

/* Closes every stream still open and the wake eventfd. The memory can then
 * be reused. No thread may call the port's wake op (Client::wake/post) any
 * more: stop them first. */
void cws_posix_port_deinit(cws_posix_port* p);

/* Foreign event loops (epoll, libuv, a main loop with its own poll()):
 * instead of the port's wait(), the program
 *   1. calls cws_posix_port_pollfds() to get the port's wake eventfd (always
 *      the first entry, POLLIN) and one pollfd per stream with interest (fd,
 *      events; revents cleared), and polls them with its own fds,
 *   2. hands the results back with cws_posix_port_set_revents(), which
 *      replaces the readiness that ready() reports (as wait() would),
 *   3. runs the client's process step.
 * pollfds writes at most max entries and returns 1 (the wake fd) + how many
 * streams have interest: at most max_streams + 1 (may exceed max: then call
 * again with a bigger array; size it max_streams + 1).
 * set_revents clears the readiness of all streams first, then applies each
 * fds[i].revents to the stream whose socket is fds[i].fd, and drains the wake
 * eventfd when its entry has revents (unknown fds are ignored, so the program
 * may pass its whole array). Returns nothing; cost is O(n * max_streams). */
size_t cws_posix_port_pollfds(cws_posix_port* p, struct pollfd* out, size_t max);
void cws_posix_port_set_revents(cws_posix_port* p, const struct pollfd* fds, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_POSIX_H */
