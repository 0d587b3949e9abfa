/* SPDX-License-Identifier: MIT */
/** \file
 * The POSIX port (Linux): non-blocking TCP sockets, poll(), CLOCK_MONOTONIC
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
 * All lookups share the port's one c-ares channel, created at the first
 * name lookup and destroyed by cws_posix_port_deinit() (or by
 * cws_posix_port_set_dns_servers(), see there). A lookup is known by its
 * stream's slot and the slot's generation, which close() and every new
 * lookup in the slot advance: an answer for an older generation is freed
 * unseen. close() therefore does not stop the query itself: a closed stream's
 * lookup runs on inside c-ares, keeping a socket and under 1 KB until it
 * answers or times out, except that once no open stream waits for a lookup
 * the port cancels what is left (ares_cancel: sockets closed, memory freed).
 * wait() polls the channel's sockets with the streams, reads them itself and
 * wakes up for c-ares's retry timers (ares_timeout); foreign loops use
 * cws_posix_port_timeout_ms() for the same.
 *
 * c-ares memory, measured with c-ares 1.18.1 on x86-64 (counting allocator
 * via ares_library_init_mem, tests/unit/posix ManyLookupsShareOneChannel):
 * the channel is about 74.4 KB (one block of about 73 KB, mostly its query
 * lookup tables, plus small ones for the servers and search domains), held
 * from the first name lookup until deinit; each lookup in flight adds about
 * 750 B (the A and AAAA queries, the answer list), freed when it ends. So
 * 32 lookups at once hold about 98 KB, 1,000 about 0.8 MB. Nothing more in
 * steady state; IP literals never create the channel.
 *
 * Each open() keeps up to CWS_POSIX_MAX_ADDRS resolved addresses; when a
 * connect attempt fails, connect_status() moves on to the next address (so
 * "localhost" works whether the server listens on ::1 or 127.0.0.1). The
 * socket, and so the file descriptor, may therefore change while a stream is
 * connecting, and the c-ares channel's sockets come and go with its
 * queries: foreign loops must fetch cws_posix_port_pollfds() anew before each
 * poll.
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

#include "consensus/export.h"
#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pollfd;
/** The POSIX port, in the caller's memory (cws_posix_port_init). */
typedef struct cws_posix_port cws_posix_port;

/** CWS_POSIX_MAX_ADDRS: resolved addresses remembered per stream for connect
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
/** The most pollfds a port ever has (described with CWS_POSIX_DNS_FDS). */
#define CWS_POSIX_POLLFDS_MAX(max_streams) (1u + CWS_POSIX_DNS_FDS + (max_streams))

/** Bytes of memory a port with max_streams streams needs (alignment slack
 * included, so any address works). 164 B per stream plus 259 B on x86_64
 * (the wake fd's pollfd and the DNS server list included).
 * Returns 0 when max_streams is 0 or the size would overflow. */
CONSENSUS_API size_t cws_posix_port_bytes(uint32_t max_streams);

/** Builds a port in mem (len >= cws_posix_port_bytes(max_streams)); the memory
 * must stay valid until cws_posix_port_deinit(). Returns 0 and sets *out, or
 * -1 when an argument is null/zero, len is too small, or the wake eventfd
 * cannot be created (EMFILE, ...): nothing is touched, no fd is kept. */
CONSENSUS_API int cws_posix_port_init(void* mem, size_t len, uint32_t max_streams,
                                      cws_posix_port** out);

/** The port as the core consumes it (ops + ctx). Valid while the port is. */
CONSENSUS_API cws_port cws_posix_port_get(cws_posix_port* p);

/** Closes every stream still open (cancelling their lookups) and the wake
 * eventfd. The memory can then be reused. No thread may call the port's wake
 * op (Client::wake/post) any more: stop them first. */
CONSENSUS_API void cws_posix_port_deinit(cws_posix_port* p);

/** The DNS servers of the lookups that open() starts from now on, instead of
 * /etc/resolv.conf's: c-ares's list syntax "host[:port][,host[:port]]...",
 * IPv6 as "[::1]:5353". The hosts file still comes first; search domains and
 * timeouts stay resolv.conf's. NULL or "" = the system's servers again.
 * Returns 0, or -1 when p is NULL or servers has CWS_POSIX_DNS_SERVERS_MAX
 * characters or more (nothing changes). A bad list makes later opens of
 * names fail with CWS_OPEN_NO_RESOURCES. A different list destroys the
 * port's c-ares channel (the next lookup makes a new one, ~74 KB again):
 * lookups still in flight then end, their streams' connect_status() returning
 * CWS_IO_ERROR; so set the servers before opening names. Meant for tests (a
 * fake DNS server on 127.0.0.1:\<port>) and for devices with a fixed
 * resolver. */
CONSENSUS_API int cws_posix_port_set_dns_servers(cws_posix_port* p, const char* servers);

/**@{*/
/** Foreign event loops (epoll, libuv, a main loop with its own poll()):
 * instead of the port's wait(), the program
 *   1. calls cws_posix_port_pollfds() to get the port's wake eventfd (always
 *      the first entry, POLLIN), up to CWS_POSIX_DNS_FDS sockets of the
 *      port's c-ares channel while it has queries, and the sockets of the
 *      streams with interest (fd, events; revents cleared), and
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
 * eventfd when its entry has revents (unknown fds are ignored, so the
 * program may pass its whole array), then lets c-ares read all the channel's
 * sockets (a zero-timeout poll of its own) and run its timers. Returns
 * nothing; cost is O(n * max_streams).
 * timeout_ms returns timeout_ms (< 0 = no limit, returned as -1) shortened
 * to the channel's next retry timer, and to 20 ms while it has more than
 * CWS_POSIX_DNS_FDS sockets. */
CONSENSUS_API size_t cws_posix_port_pollfds(cws_posix_port* p, struct pollfd* out, size_t max);
CONSENSUS_API void cws_posix_port_set_revents(cws_posix_port* p, const struct pollfd* fds,
                                              size_t n);
CONSENSUS_API int32_t cws_posix_port_timeout_ms(cws_posix_port* p, int32_t timeout_ms);
/**@}*/

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_PORT_POSIX_H */
