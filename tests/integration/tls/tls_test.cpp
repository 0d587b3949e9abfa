// Connection with TLS over the POSIX port against `openssl s_server` on
// loopback (certificates from scripts/gen-test-cert: server.pem for
// DNS:localhost only, server-ip.pem also for IP:127.0.0.1 and IP:::1) and
// against in-test plain TCP listeners. Every wait is bounded; no result
// depends on timing.
#include "tls/tls.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <mbedtls/x509.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "common/check_err.h"
#include "consensus/port_posix.h"
#include "core/rng.h"
#include "net/connection.h"

using consensus::Connection;
using consensus::Error;
using consensus::Rng;
using consensus::TlsShared;

namespace {

constexpr int kBoundMs = 10000;

// Certificates are generated once per run. A plain static flag, not a cached
// std::string: CppUTest would report the cache as a leak of the first test.
const char* cert_dir() {
    static bool generated = false;
    if (!generated) {
        const std::string cmd = std::string(CONSENSUS_SOURCE_DIR) + "/scripts/gen-test-cert '" +
                                CONSENSUS_TEST_SCRATCH + "' >/dev/null";
        if (system(cmd.c_str()) != 0) {
            fprintf(stderr, "gen-test-cert failed\n");
            abort();
        }
        generated = true;
    }
    return CONSENSUS_TEST_SCRATCH;
}

std::string path(const char* name) {
    return std::string(cert_dir()) + "/" + name;
}

std::string slurp(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// `openssl s_server -rev` (answers each line reversed) on a kernel-chosen port,
// all addresses (it prints ACCEPT [::]:PORT), with <cert>.pem and <cert>.key.
class SServer {
  public:
    bool start(const char* cert_name = "server") {
        int out[2];
        if (pipe(out) != 0) return false;
        pid_ = fork();
        if (pid_ == 0) {
            const int devnull = open("/dev/null", O_RDWR);
            dup2(devnull, 0);
            dup2(out[1], 1);
            dup2(devnull, 2);
            close(out[0]);
            const std::string cert = path(cert_name) + ".pem";
            const std::string key = path(cert_name) + ".key";
            execlp("openssl", "openssl", "s_server", "-accept", "0", "-cert", cert.c_str(), "-key",
                   key.c_str(), "-tls1_2", "-rev", static_cast<char*>(nullptr));
            _exit(127);
        }
        close(out[1]);
        out_ = out[0];
        // s_server prints "ACCEPT [::]:PORT" once it listens.
        std::string seen;
        char buf[256];
        while (seen.find('\n', seen.find("ACCEPT")) == std::string::npos) {
            pollfd p{out_, POLLIN, 0};
            if (poll(&p, 1, kBoundMs) != 1) return false;
            const ssize_t n = read(out_, buf, sizeof buf);
            if (n <= 0) return false;
            seen.append(buf, static_cast<size_t>(n));
        }
        const size_t at = seen.find("ACCEPT");
        const size_t colon = seen.rfind(':', seen.find('\n', at));
        port_ = static_cast<uint16_t>(atoi(seen.c_str() + colon + 1));
        return port_ != 0;
    }
    uint16_t port() const { return port_; }
    ~SServer() {
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        if (out_ >= 0) close(out_);
    }

  private:
    pid_t pid_ = -1;
    int out_ = -1;
    uint16_t port_ = 0;
};

// A plain TCP listener on 127.0.0.1 that the test serves by hand.
struct PlainListener {
    int fd = -1;
    uint16_t port = 0;
    bool start() {
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) return false;
        if (listen(fd, 4) != 0) return false;
        socklen_t len = sizeof a;
        getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
        port = ntohs(a.sin_port);
        return true;
    }
    ~PlainListener() {
        if (fd >= 0) close(fd);
    }
};

}  // namespace

TEST_GROUP(Tls) {
    std::vector<unsigned char> mem;
    cws_posix_port* pp = nullptr;
    cws_port port{};
    Rng rng;
    TlsShared tls;
    Connection conn;

    void setup() override {
        cert_dir();
        mem.assign(cws_posix_port_bytes(4), 0);
        LONGS_EQUAL(0, cws_posix_port_init(mem.data(), mem.size(), 4, &pp));
        port = cws_posix_port_get(pp);
        CHECK_ERR(Error::ok, rng.init(port));
    }
    void teardown() override {
        conn.close();
        consensus::tls_shared_free(&tls);
        cws_posix_port_deinit(pp);
    }
    void trust(const char* ca) {
        CHECK_ERR(Error::ok, tls_shared_init(&tls, &rng, nullptr, 0, path(ca).c_str()));
    }
    // progress() until it leaves would_block; `serve` runs between rounds.
    Error drive_open(void (*serve)(void*) = nullptr, void* user = nullptr) {
        for (int i = 0; i < 200; ++i) {
            const Error e = conn.progress();
            if (e != Error::would_block) return e;
            if (serve != nullptr) serve(user);
            port.ops->wait(port.ctx, 50);
        }
        return Error::timeout;
    }
    void send_all(const std::string& s) {
        size_t off = 0;
        conn.set_interest(false, true);
        for (int i = 0; i < 1000 && off < s.size(); ++i) {
            const long n =
                conn.send(reinterpret_cast<const uint8_t*>(s.data()) + off, s.size() - off);
            if (n > 0) {
                off += static_cast<size_t>(n);
                continue;
            }
            LONGS_EQUAL(CWS_IO_WOULD_BLOCK, n);
            port.ops->wait(port.ctx, 100);
        }
        LONGS_EQUAL(s.size(), off);
        conn.set_interest(true, false);
    }
    // Receives until `want` bytes arrived or recv reports an end.
    std::string recv_some(size_t want, long* last = nullptr, size_t chunk = 4096) {
        std::string got;
        std::vector<uint8_t> buf(chunk);
        conn.set_interest(true, false);
        long n = 0;
        for (int i = 0; i < 1000 && got.size() < want; ++i) {
            n = conn.recv(buf.data(), buf.size());
            if (n > 0) {
                got.append(reinterpret_cast<char*>(buf.data()), static_cast<size_t>(n));
                continue;
            }
            if (n != CWS_IO_WOULD_BLOCK) break;
            port.ops->wait(port.ctx, 100);
        }
        if (last != nullptr) *last = n;
        return got;
    }
};

TEST(Tls, HandshakeAndEchoWithTheRightCa) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    CHECK_TRUE(conn.is_open());
    LONGS_EQUAL(0, conn.verify_flags());
    send_all("hello\n");
    STRCMP_EQUAL("olleh\n", recv_some(6).c_str());
}

TEST(Tls, CaFromPemBuffer) {
    SServer server;
    CHECK_TRUE(server.start());
    const std::string pem = slurp(path("ca.pem"));
    CHECK_ERR(Error::ok, tls_shared_init(&tls, &rng, pem.c_str(), pem.size() + 1, nullptr));
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    send_all("abc\n");
    STRCMP_EQUAL("cba\n", recv_some(4).c_str());
}

TEST(Tls, PemBufferWithoutItsNulIsInvalidConfig) {
    const std::string pem = slurp(path("ca.pem"));
    CHECK_ERR(Error::invalid_config, tls_shared_init(&tls, &rng, pem.c_str(), pem.size(), nullptr));
    CHECK_FALSE(tls.initialized);
}

TEST(Tls, WrongCaIsCertInvalid) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("other-ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::cert_invalid, drive_open());
    CHECK_TRUE((conn.verify_flags() & MBEDTLS_X509_BADCERT_NOT_TRUSTED) != 0);
    CHECK_ERR(Error::cert_invalid, conn.last_error());
    CHECK_FALSE(conn.is_active());
}

TEST(Tls, HostnameMismatchIsCertInvalid) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    // The certificate names DNS:localhost only; 127.0.0.1 must not match.
    CHECK_ERR(Error::ok, conn.open(port, &tls, "127.0.0.1", server.port()));
    CHECK_ERR(Error::cert_invalid, drive_open());
    CHECK_TRUE((conn.verify_flags() & MBEDTLS_X509_BADCERT_CN_MISMATCH) != 0);
}

// server-ip.pem names DNS:localhost, IP:127.0.0.1 and IP:::1: an address host
// must equal one of the iPAddress SANs (no SNI is sent for it).
TEST(Tls, Ipv4HostMatchesTheIpSan) {
    SServer server;
    CHECK_TRUE(server.start("server-ip"));
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "127.0.0.1", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    LONGS_EQUAL(0, conn.verify_flags());
    send_all("hello\n");
    STRCMP_EQUAL("olleh\n", recv_some(6).c_str());
}

TEST(Tls, Ipv6HostMatchesTheIpSan) {
    SServer server;
    CHECK_TRUE(server.start("server-ip"));
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "::1", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    LONGS_EQUAL(0, conn.verify_flags());
    send_all("v6\n");
    STRCMP_EQUAL("6v\n", recv_some(3).c_str());
}

TEST(Tls, DnsHostStillMatchesAnIpCertificate) {
    SServer server;
    CHECK_TRUE(server.start("server-ip"));
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    LONGS_EQUAL(0, conn.verify_flags());
}

TEST(Tls, IpHostNotInTheSansIsCertInvalid) {
    SServer server;
    CHECK_TRUE(server.start("server-ip"));
    trust("ca.pem");
    // Loopback too (the server listens on all addresses), but not a SAN.
    CHECK_ERR(Error::ok, conn.open(port, &tls, "127.0.0.2", server.port()));
    CHECK_ERR(Error::cert_invalid, drive_open());
    LONGS_EQUAL(MBEDTLS_X509_BADCERT_CN_MISMATCH, conn.verify_flags());
    CHECK_FALSE(conn.is_active());
}

TEST(Tls, IpHostStillNeedsTheRightCa) {
    SServer server;
    CHECK_TRUE(server.start("server-ip"));
    trust("other-ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "127.0.0.1", server.port()));
    CHECK_ERR(Error::cert_invalid, drive_open());
    LONGS_EQUAL(MBEDTLS_X509_BADCERT_NOT_TRUSTED, conn.verify_flags());
}

namespace {

struct PlainServe {
    int listen_fd;
    int peer = -1;
    const char* reply;
};

// Accepts once, then answers the ClientHello with plain text and hangs up.
void serve_plain(void* user) {
    PlainServe* s = static_cast<PlainServe*>(user);
    if (s->peer >= 0) return;
    s->peer = accept4(s->listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (s->peer < 0) return;
    pollfd p{s->peer, POLLIN, 0};
    poll(&p, 1, kBoundMs);  // the ClientHello
    if (s->reply != nullptr) (void)!write(s->peer, s->reply, strlen(s->reply));
    shutdown(s->peer, SHUT_RDWR);
}

}  // namespace

TEST(Tls, PlainTcpServerIsTlsFailed) {
    PlainListener l;
    CHECK_TRUE(l.start());
    trust("ca.pem");
    PlainServe serve{l.fd, -1, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n"};
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", l.port));
    CHECK_ERR(Error::tls_failed, drive_open(serve_plain, &serve));
    CHECK(conn.tls_error_code() != 0);
    CHECK_FALSE(conn.is_active());
    if (serve.peer >= 0) close(serve.peer);
}

TEST(Tls, ServerThatHangsUpIsTlsFailed) {
    PlainListener l;
    CHECK_TRUE(l.start());
    trust("ca.pem");
    PlainServe serve{l.fd, -1, nullptr};
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", l.port));
    CHECK_ERR(Error::tls_failed, drive_open(serve_plain, &serve));
    if (serve.peer >= 0) close(serve.peer);
}

TEST(Tls, PendingBytesAfterAPartialRead) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    send_all("0123456789\n");
    std::string first = recv_some(1, nullptr, 1);
    STRCMP_EQUAL("9", first.c_str());
    // The rest of the record sits decrypted inside mbedTLS.
    CHECK_TRUE(conn.has_pending());
    CHECK_TRUE(conn.readable());
    uint8_t buf[32];
    LONGS_EQUAL(10, conn.recv(buf, sizeof buf));
    MEMCMP_EQUAL("87654321\x30\n", buf, 10);
    CHECK_FALSE(conn.has_pending());
}

TEST(Tls, ManyRecordsBothWays) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    std::string out;
    std::string expect;
    for (int i = 0; i < 200; ++i) {
        std::string line(500, static_cast<char>('a' + i % 26));
        line[0] = 'X';
        out += line + "\n";
        std::string rev(line.rbegin(), line.rend());
        expect += rev + "\n";
    }
    send_all(out);
    const std::string got = recv_some(expect.size());
    LONGS_EQUAL(expect.size(), got.size());
    CHECK_TRUE(got == expect);
}

TEST(Tls, ServerCloseIsClosed) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    send_all("CLOSE\n");  // s_server -rev ends the connection on this line
    long last = 0;
    recv_some(1000, &last);
    LONGS_EQUAL(CWS_IO_CLOSED, last);
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_FALSE(conn.is_active());
    conn.close();
    conn.close();
}

TEST(Tls, CloseIsIdempotentAndReopenWorks) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    conn.close();
    conn.close();
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    send_all("xy\n");
    STRCMP_EQUAL("yx\n", recv_some(3).c_str());
}
