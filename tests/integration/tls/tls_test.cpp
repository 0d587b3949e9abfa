// SPDX-License-Identifier: MIT
// Connection with TLS over the POSIX port against `openssl s_server` on
// loopback (certificates from scripts/gen-test-cert: server.pem for
// DNS:localhost only, server-ip.pem also for IP:127.0.0.1 and IP:::1) and
// against in-test plain TCP listeners. Every wait is bounded; no result
// depends on timing.
#include <arpa/inet.h>
#include <mbedtls/x509.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "common/mbedtls_line.h"
#include "tls_fixture.h"

using consensus::Error;
using tls_test::kBoundMs;
using tls_test::path;
using tls_test::slurp;
using tls_test::SServer;

namespace {

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

TEST_GROUP_BASE(Tls, tls_test::TlsFixture){};

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

TEST(Tls, OpenConnectionNamesItsVersion) {
    SServer server;
    CHECK_TRUE(server.start());
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK(conn.tls_version() == nullptr);
    CHECK_ERR(Error::ok, drive_open());
    STRCMP_EQUAL("TLSv1.2", conn.tls_version());
    conn.close();
    CHECK(conn.tls_version() == nullptr);
}

// OpenSSL limited to TLS 1.3: a line with 1.3 (3.6) negotiates it; 2.28 gets
// the server's fatal protocol_version alert, which the connection reads as
// "no TLS version in common".
TEST(Tls, Tls13OnlyServer) {
    SServer server;
    CHECK_TRUE(server.start("server", "-tls1_3"));
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    const Error e = drive_open();
    if (mbedtls_line::kHasTls13) {
        CHECK_ERR(Error::ok, e);
        STRCMP_EQUAL("TLSv1.3", conn.tls_version());
        send_all("hello\n");
        STRCMP_EQUAL("olleh\n", recv_some(6).c_str());
    } else {
        CHECK_ERR(Error::tls_failed, e);
        LONGS_EQUAL(MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, conn.tls_error_code());
        CHECK_TRUE(conn.tls_no_common_version());
        CHECK(conn.tls_version() == nullptr);
    }
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

// mbedTLS 3.6 implements no TLS 1.3 KeyUpdate (RFC 8446 section 4.6.3): a
// server that sends one ends the session as a TLS failure, which the client
// handles like any other lost link. OpenSSL sends one only when its
// application asks (SSL_key_update), as s_server's "k" command does.
TEST(Tls, Tls13KeyUpdateFromTheServerIsATlsFailure) {
    if (!mbedtls_line::kHasTls13) return;  // 2.28 speaks TLS 1.2 only
    SServer server;
    tls_test::SServerOptions o;
    o.version = "-tls1_3";
    o.interactive = true;
    CHECK_TRUE(server.start(o));
    trust("ca.pem");
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", server.port()));
    CHECK_ERR(Error::ok, drive_open());
    CHECK_TRUE(server.command("hello\n"));
    STRCMP_EQUAL("hello\n", recv_some(6).c_str());
    CHECK_TRUE(server.command("k\n"));
    long last = 0;
    STRCMP_EQUAL("", recv_some(1, &last).c_str());
    LONGS_EQUAL(CWS_IO_ERROR, last);
    CHECK_ERR(Error::tls_failed, conn.last_error());
    LONGS_EQUAL(MBEDTLS_ERR_SSL_UNEXPECTED_MESSAGE, conn.tls_error_code());
}
