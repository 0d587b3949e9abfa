/* SPDX-License-Identifier: MIT */
// A fake DNS server on 127.0.0.1 (UDP, kernel-chosen port) for the POSIX
// port's resolver tests: point the port at it with
// cws_posix_port_set_dns_servers(p, dns.servers()).
//   silent    reads every query and never answers (a dead resolver);
//   nxdomain  answers every query with rcode 3 (the name does not exist);
//   by_name   by the query's first label: "late" gets 127.0.0.1 (A; AAAA: no
//             record) after 150 ms, "nxslow" NXDOMAIN after 400 ms, any
//             other name nothing (as silent).
// A thread of its own serves it, so a test's loop may run the client alone.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>

namespace fakedns {

class Server {
  public:
    enum class Mode { silent, nxdomain, by_name };

    Server() = default;
    Server(const Server&) = delete;
    Server& operator=(const Server&) = delete;
    ~Server() { stop(); }

    /// Binds and starts serving. False when the socket could not be made.
    bool start(Mode mode) {
        mode_ = mode;
        fd_ = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd_ < 0) return false;
        sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof a;
        if (::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
            return false;
        }
        port_ = ntohs(a.sin_port);
        snprintf(servers_, sizeof servers_, "127.0.0.1:%u", static_cast<unsigned>(port_));
        thread_ = std::thread([this] { serve(); });
        return true;
    }
    void stop() {
        stop_ = true;
        if (thread_.joinable()) thread_.join();
        if (fd_ >= 0) ::close(fd_);
        fd_ = -1;
    }
    /// "127.0.0.1:<port>", for cws_posix_port_set_dns_servers().
    const char* servers() const { return servers_; }
    uint16_t port() const { return port_; }
    /// Queries received so far.
    unsigned queries() const { return queries_.load(); }

  private:
    // A reply held back until due (by_name).
    struct Later {
        long long due_ms;
        sockaddr_storage to;
        socklen_t tolen;
        size_t len;  // 0: free entry
        unsigned char buf[512];
    };
    static long long now_ms() {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::steady_clock::now().time_since_epoch())
            .count();
    }
    void send_due() {
        for (Later& l : later_) {
            if (l.len == 0 || l.due_ms > now_ms()) continue;
            ::sendto(fd_, l.buf, l.len, 0, reinterpret_cast<sockaddr*>(&l.to), l.tolen);
            l.len = 0;
        }
    }
    // The by_name answer to the query in b (its question ends at qend).
    void answer_later(unsigned char* b, size_t qend, const sockaddr_storage& from, socklen_t flen) {
        const bool late = b[12] == 4 && memcmp(b + 13, "late", 4) == 0;
        const bool nx = b[12] == 6 && memcmp(b + 13, "nxslow", 6) == 0;
        if (!late && !nx) return;
        const bool type_a = b[qend - 4] == 0 && b[qend - 3] == 1;
        Later* l = nullptr;
        for (Later& e : later_) {
            if (e.len == 0) l = &e;
        }
        if (l == nullptr || qend + 16 > sizeof l->buf) return;
        memcpy(l->buf, b, qend);
        l->buf[2] = static_cast<unsigned char>(0x80 | (b[2] & 0x01));
        l->buf[3] = static_cast<unsigned char>(0x80 | (nx ? 0x03 : 0x00));
        memset(l->buf + 6, 0, 6);
        size_t len = qend;
        if (late && type_a) {  // one answer: the question's name, A, IN, TTL 60, 127.0.0.1
            l->buf[7] = 1;
            const unsigned char rr[16] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 127, 0, 0, 1};
            memcpy(l->buf + qend, rr, sizeof rr);
            len += sizeof rr;
        }
        l->due_ms = now_ms() + (late ? 150 : 400);
        l->to = from;
        l->tolen = flen;
        l->len = len;
    }
    void serve() {
        unsigned char buf[1500];
        while (!stop_) {
            send_due();
            pollfd p{fd_, POLLIN, 0};
            if (::poll(&p, 1, 10) != 1) continue;
            sockaddr_storage from;
            socklen_t flen = sizeof from;
            const ssize_t n =
                ::recvfrom(fd_, buf, sizeof buf, 0, reinterpret_cast<sockaddr*>(&from), &flen);
            if (n < 12) continue;  // shorter than a DNS header
            ++queries_;
            if (mode_ == Mode::silent) continue;
            if (mode_ == Mode::by_name) {
                const size_t qend = question_end(buf, static_cast<size_t>(n));
                if (qend != 0) answer_later(buf, qend, from, flen);
                continue;
            }
            // The query back as a response: QR=1, RD kept, RA=1, rcode 3, the
            // question kept, no records (EDNS's additional record dropped).
            const size_t qend = question_end(buf, static_cast<size_t>(n));
            if (qend == 0) continue;
            buf[2] = static_cast<unsigned char>(0x80 | (buf[2] & 0x01));
            buf[3] = 0x80 | 0x03;
            memset(buf + 6, 0, 6);  // ANCOUNT, NSCOUNT, ARCOUNT
            ::sendto(fd_, buf, qend, 0, reinterpret_cast<sockaddr*>(&from), flen);
        }
    }
    // End of the first question (name, type, class); 0 when malformed.
    static size_t question_end(const unsigned char* b, size_t n) {
        size_t i = 12;
        while (i < n && b[i] != 0) {
            if ((b[i] & 0xC0) != 0) return 0;  // no compression in a query
            i += 1 + b[i];
        }
        i += 1 + 4;
        return i <= n ? i : 0;
    }

    Mode mode_ = Mode::silent;
    int fd_ = -1;
    uint16_t port_ = 0;
    char servers_[32] = "";
    std::atomic<bool> stop_{false};
    std::atomic<unsigned> queries_{0};
    Later later_[16] = {};
    std::thread thread_;
};

}  // namespace fakedns
