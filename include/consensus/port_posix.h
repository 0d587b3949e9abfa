/* The POSIX port (Linux): non-blocking TCP sockets, poll(), CLOCK_MONOTONIC
 * and getrandom(), behind the cws_port contract of consensus/port.h.
 *
 * Memory: the port lives in caller-provided memory sized by
 * cws_posix_port_bytes(max_streams). Steady state (streams open, messages,
 * keepalive) allocates nothing. Allocation happens only while a stream is
 * opened: IP literals go through libc's getaddrinfo(AI_NUMERICHOST) (its
 * result list, freed at once), names through c-ares (below).
 *
 * Streams: IPv4 and IPv6, SOCK_NONBLOCK | SOCK_CLOEXEC, TCP_NODELAY. send()
 * uses MSG_NOSIGNAL, so a peer that went away never raises SIGPIPE. recv()
 * returns CWS_IO_CLOSED on EOF and CWS_IO_ERROR on ECONNRESET, ETIMEDOUT and
 * any other failure.
 *
 * Name resolution never blocks: IP literals (IPv6 without brackets) are
 * parsed inside open() without DNS. A name is looked up by c-ares
 * (ares_getaddrinfo: the hosts file, then the DNS servers of
 * /etc/resolv.conf, or those of cws_posix_port_set_dns_servers()), A and
 * AAAA, sorted by RFC 6724. open() starts the lookup and returns CWS_OPEN_OK
 * with a stream that is still resolving; a hosts-file name is answered
 * inside open(), and a hosts-file miss that is a bad name may be
 * CWS_OPEN_DNS_FAILED at once. The lookup is part of connecting:
 * connect_status() reads c-ares's sockets (poll with timeout 0) and runs its
 * timers, answers CWS_IO_WOULD_BLOCK while the lookup runs, then starts the
 * TCP connect. A name that does not resolve (NXDOMAIN, no A/AAAA record,
 * SERVFAIL, REFUSED, a bad name, no server reachable) is CWS_IO_DNS_FAILED;
 * the core reports dns_failed. When c-ares gives up because no server
 * answered (ARES_ETIMEOUT), the stream stays at CWS_IO_WOULD_BLOCK: a silent
 * resolver ends as the core's open timeout (Error::timeout), never as
 * dns_failed, whatever "options timeout:N attempts:N" resolv.conf sets.
 * close() cancels a lookup still in flight (ares_destroy: its sockets are
 * closed and its memory freed). wait() polls c-ares's sockets with the
 * streams and wakes up for c-ares's retry timers (ares_timeout); foreign
 * loops use cws_posix_port_timeout_ms() for the same.
 *
 * c-ares memory: each lookup runs on a channel of its own (so close() cancels
 * exactly it), created by open() and destroyed when the answer is in, when
 * the lookup gave up, or by close(). Measured with c-ares 1.18.1 on x86-64
 * (counting allocator via ares_library_init_mem): the channel is one block
 * of about 73 KB (mostly its query lookup tables) plus 5 small ones for the
 * resolv.conf servers and search domains; a lookup adds 10 to 20 small
 * allocations (the A and AAAA queries, the answer list), under 1 KB. So
 * about 75 KB of heap per lookup in flight, for the lookup's duration
 * (lookups in flight at once each hold their own), all freed before the TCP
 * connect starts; none between lookups and none in steady state. IP
 * literals use no channel.
 *
 * Each open() keeps up to CWS_POSIX_MAX_ADDRS resolved addresses; when a
 * connect attempt fails, connect_status() moves on to the next address (so
 * "localhost" works whether the server listens on ::1 or 127.0.0.1). The
 * socket, and so the file descriptor, may therefore change while a stream is
 * connecting, and a resolving stream polls c-ares's sockets instead: foreign
 * loops must fetch cws_posix_port_pollfds() anew before each poll.
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

/* CWS_POSIX_MAX_ADDRS: resolved addresses remembered per stream for connect
 * fallback.
 * CWS_POSIX_DNS_FDS: sockets of the port's c-ares channel handed out as
 * pollfds (wait() and cws_posix_port_pollfds()); c-ares keeps one UDP and
 * maybe one TCP socket per name server it has asked, shared by all lookups.
 * When it has more (three name servers and TCP fallback), the others are read
 * by the port itself (connect_status(), wait(), set_revents()) at least every
 * 20 ms (cws_posix_port_timeout_ms()).
 * CWS_POSIX_POLLFDS_MAX(max_streams): the most pollfds a port ever has: its
 * wake fd, CWS_POSIX_DNS_FDS channel sockets and one socket per stream.
 * CWS_POSIX_DNS_SERVERS_MAX: longest server list (with its '\0') that
 * cws_posix_port_set_dns_servers() keeps. */
enum { CWS_POSIX_MAX_ADDRS = 4, CWS_POSIX_DNS_FDS = 4, CWS_POSIX_DNS_SERVERS_MAX = 128 };
#define CWS_POSIX_POLLFDS_MAX(max_streams) (1u + CWS_POSIX_DNS_FDS + (max_streams))

/* Bytes of memory a port with max_streams streams needs (alignment slack
 * included, so any address works). 208 B per stream plus 195 B on x86_64
 * (the wake fd's pollfd and the DNS server list included).
 * Returns 0 when max_streams is 0 or the size would overflow. */
size_t cws_posix_port_bytes(uint32_t max_streams);

/* Builds a port in mem (len >= cws_posix_port_bytes(max_streams)); the memory
 * must stay valid until cws_posix_port_deinit(). Returns 0 and sets *out, or
 * -1 when an argument is null/zero, len is too small, or the wake eventfd
 * cannot be created (EMFILE, ...): nothing is touched, no fd is kept. */
int cws_posix_port_init(void* mem, size_t len, uint32_t max_streams, cws_posix_port** out);

/* The port as the core consumes it (ops + ctx). Valid while the port is. */
cws_port cws_posix_port_get(cws_posix_port* p);

/* Closes every stream still open (cancelling their lookups) and the wake
 * eventfd. The memory can then be reused. No thread may call the port's wake
 * op (Client::wake/post) any more: stop them first. */
void cws_posix_port_deinit(cws_posix_port* p);

/* The DNS servers of the lookups that open() starts from now on, instead of
 * /etc/resolv.conf's: c-ares's list syntax "host[:port][,host[:port]]...",
 * IPv6 as "[::1]:5353". The hosts file still comes first; search domains and
 * timeouts stay resolv.conf's. NULL or "" = the system's servers again.
 * Returns 0, or -1 when p is NULL or servers has CWS_POSIX_DNS_SERVERS_MAX
 * characters or more (nothing changes). A bad list makes later opens of
 * names fail with CWS_OPEN_NO_RESOURCES. Meant for tests (a fake DNS server
 * on 127.0.0.1:<port>) and for devices with a fixed resolver. */
int cws_posix_port_set_dns_servers(cws_posix_port* p, const char* servers);

/* Foreign event loops (epoll, libuv, a main loop with its own poll()):
 * instead of the port's wait(), the program
 *   1. calls cws_posix_port_pollfds() to get the port's wake eventfd (always
 *      the first entry, POLLIN), the pollfds of the streams with interest and
 *      those of the DNS lookups in flight (fd, events; revents cleared), and
 *      polls them with its own fds, for at most cws_posix_port_timeout_ms(p,
 *      its own timeout) (e.g. the client's next_timeout_ms()),
 *   2. hands the results back with cws_posix_port_set_revents(), which
 *      replaces the readiness that ready() reports (as wait() would),
 *   3. runs the client's process step.
 * pollfds writes at most max entries and returns how many there are (may
 * exceed max: then call again with a bigger array). There are never more
 * than CWS_POSIX_POLLFDS_MAX(max_streams): an array of that size always fits.
 * set_revents clears the readiness of all streams first, then applies each
 * fds[i].revents to the stream whose socket is fds[i].fd, and drains the wake
 * eventfd when its entry has revents (unknown fds and the DNS sockets are
 * ignored, so the program may pass its whole array: a lookup reads its
 * sockets itself in the process step). Returns nothing; cost is
 * O(n * max_streams).
 * timeout_ms returns timeout_ms (< 0 = no limit, returned as -1) shortened
 * to the next retry timer of any DNS lookup in flight. */
size_t cws_posix_port_pollfds(cws_posix_port* p, struct pollfd* out, size_t max);
void cws_posix_port_set_revents(cws_posix_port* p, const struct pollfd* fds, size_t n);
int32_t cws_posix_port_timeout_ms(cws_posix_port* p, int32_t timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_POSIX_H */
