// SPDX-License-Identifier: MIT
// Connection over the fake port, plain TCP: open errors, progress, the
// send/recv mapping, interest and readiness, close.
#include "net/connection.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "common/check_err.h"
#include "fakes/fake_port.h"
#include "tls/tls.h"  // TlsShared (net/connection.h only declares it)

using consensus::Connection;
using consensus::Error;
using consensus::TlsShared;
using consensus::fake::FakePort;
using consensus::fake::FakeStream;

namespace {

const uint8_t* bytes(const char* s) {
    return reinterpret_cast<const uint8_t*>(s);
}

}  // namespace

TEST_GROUP(Connection) {
    FakePort fp;
    Connection conn;

    Error open_ok() {
        return conn.open(fp.port(), nullptr, "example.com", 8080);
    }
    void open_and_connect() {
        CHECK_EQUAL(static_cast<int>(Error::ok), static_cast<int>(open_ok()));
        CHECK_EQUAL(static_cast<int>(Error::ok), static_cast<int>(conn.progress()));
    }
};

TEST(Connection, FreshConnectionIsIdle) {
    CHECK_FALSE(conn.is_active());
    CHECK_FALSE(conn.is_open());
    CHECK_ERR(Error::not_open, conn.last_error());
    CHECK_ERR(Error::not_open, conn.progress());
    CHECK_FALSE(conn.readable());
    CHECK_FALSE(conn.writable());
    CHECK_FALSE(conn.has_pending());
}

TEST(Connection, OpenPassesHostAndPort) {
    open_and_connect();
    CHECK_EQUAL(1u, fp.opened());
    STRCMP_EQUAL("example.com", fp.stream(0).host.c_str());
    CHECK_EQUAL(8080, fp.stream(0).port);
    CHECK_TRUE(conn.is_open());
    CHECK_TRUE(conn.is_active());
    CHECK_ERR(Error::ok, conn.last_error());
}

TEST(Connection, DnsFailure) {
    fp.script_open(CWS_OPEN_DNS_FAILED);
    CHECK_ERR(Error::dns_failed, open_ok());
    CHECK_FALSE(conn.is_active());
    CHECK_ERR(Error::dns_failed, conn.last_error());
    CHECK_ERR(Error::dns_failed, conn.progress());
    CHECK_EQUAL(0u, fp.opened());
    CHECK_EQUAL(1u, fp.open_calls());
    STRCMP_EQUAL("example.com", fp.open_host(0).c_str());
}

TEST(Connection, ConnectFailedAtOnce) {
    fp.script_open(CWS_OPEN_CONNECT_FAILED);
    CHECK_ERR(Error::connect_failed, open_ok());
    CHECK_ERR(Error::connect_failed, conn.last_error());
    CHECK_FALSE(conn.is_active());
}

TEST(Connection, NoResources) {
    fp.script_open(CWS_OPEN_NO_RESOURCES);
    CHECK_ERR(Error::no_resources, open_ok());
    CHECK_ERR(Error::no_resources, conn.last_error());
}

TEST(Connection, NullHostIsInvalidParams) {
    CHECK_ERR(Error::invalid_params, conn.open(fp.port(), nullptr, nullptr, 80));
    CHECK_EQUAL(0u, fp.open_calls());
}

TEST(Connection, UninitialisedTlsIsInvalidConfig) {
    TlsShared tls;  // never initialised
    CHECK_ERR(Error::invalid_config, conn.open(fp.port(), &tls, "example.com", 443));
    CHECK_EQUAL(0u, fp.open_calls());
    CHECK_FALSE(conn.is_active());
}

TEST(Connection, ConnectInProgressWaitsForWritable) {
    fp.stream(0).connect_polls = 2;
    CHECK_ERR(Error::ok, open_ok());
    CHECK_TRUE(conn.is_active());
    CHECK_FALSE(conn.is_open());
    CHECK_EQUAL(static_cast<unsigned>(CWS_WANT_WRITE), fp.stream(0).interest);
    conn.set_interest(true, false);  // stored, applied once open
    CHECK_EQUAL(static_cast<unsigned>(CWS_WANT_WRITE), fp.stream(0).interest);
    CHECK_ERR(Error::would_block, conn.progress());
    CHECK_ERR(Error::ok, conn.last_error());
    fp.port().ops->wait(fp.port().ctx, 0);
    CHECK_TRUE(conn.writable());  // the awaited direction: call progress
    CHECK_ERR(Error::would_block, conn.progress());
    CHECK_ERR(Error::ok, conn.progress());
    CHECK_TRUE(conn.is_open());
    CHECK_EQUAL(static_cast<unsigned>(CWS_WANT_READ), fp.stream(0).interest);
    CHECK_EQUAL(3, fp.stream(0).connect_status_calls);
    CHECK_ERR(Error::ok, conn.progress());  // stays ok
}

// A port that resolves asynchronously reports a name that does not resolve
// from connect_status: still dns_failed, not connect_failed.
TEST(Connection, DnsFailsLater) {
    fp.stream(0).connect_polls = 2;
    fp.stream(0).dns_fails = true;
    CHECK_ERR(Error::ok, open_ok());
    CHECK_ERR(Error::would_block, conn.progress());
    CHECK_ERR(Error::would_block, conn.progress());
    CHECK_ERR(Error::dns_failed, conn.progress());
    CHECK_FALSE(conn.is_active());
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_ERR(Error::dns_failed, conn.last_error());
    conn.close();
    CHECK_EQUAL(0, fp.stream(0).calls_after_close);
}

TEST(Connection, ConnectFailsLater) {
    fp.stream(0).connect_polls = 1;
    fp.stream(0).connect_fails = true;
    CHECK_ERR(Error::ok, open_ok());
    CHECK_ERR(Error::would_block, conn.progress());
    CHECK_ERR(Error::connect_failed, conn.progress());
    CHECK_FALSE(conn.is_active());
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_ERR(Error::connect_failed, conn.last_error());
    CHECK_ERR(Error::connect_failed, conn.progress());
    conn.close();
    CHECK_EQUAL(0, fp.stream(0).calls_after_close);
}

TEST(Connection, SendAndRecvBeforeOpenAreErrors) {
    uint8_t buf[8];
    CHECK_EQUAL(CWS_IO_ERROR, conn.send(bytes("x"), 1));
    CHECK_EQUAL(CWS_IO_ERROR, conn.recv(buf, sizeof buf));
    fp.stream(0).connect_polls = 5;
    CHECK_ERR(Error::ok, open_ok());
    CHECK_EQUAL(CWS_IO_ERROR, conn.send(bytes("x"), 1));
    CHECK_EQUAL(CWS_IO_ERROR, conn.recv(buf, sizeof buf));
    CHECK_EQUAL(0u, fp.stream(0).sent_size());
    CHECK_TRUE(conn.is_active());  // not fatal: still connecting
}

TEST(Connection, SendPassesBytesAndPartialWrites) {
    open_and_connect();
    fp.stream(0).send_limit = 3;
    CHECK_EQUAL(3, conn.send(bytes("hello"), 5));
    CHECK_EQUAL(2, conn.send(bytes("lo"), 2));
    STRCMP_EQUAL("hello", fp.stream(0).sent().c_str());
    CHECK_EQUAL(0, conn.send(bytes("x"), 0));
}

TEST(Connection, SendWouldBlock) {
    open_and_connect();
    fp.stream(0).send_would_block = true;
    CHECK_EQUAL(CWS_IO_WOULD_BLOCK, conn.send(bytes("abc"), 3));
    CHECK_TRUE(conn.is_open());
    fp.stream(0).send_would_block = false;
    CHECK_EQUAL(3, conn.send(bytes("abc"), 3));
}

TEST(Connection, SendErrorClosesWithClosed) {
    open_and_connect();
    fp.stream(0).send_error = true;
    CHECK_EQUAL(CWS_IO_ERROR, conn.send(bytes("abc"), 3));
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_FALSE(conn.is_active());
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_EQUAL(CWS_IO_ERROR, conn.send(bytes("abc"), 3));
    CHECK_EQUAL(0, fp.stream(0).calls_after_close);
}

TEST(Connection, RecvSplitReads) {
    fp.stream(0).push("abc");
    fp.stream(0).chunk = 1;
    open_and_connect();
    uint8_t buf[8];
    std::string got;
    for (int i = 0; i < 3; ++i) {
        CHECK_EQUAL(1, conn.recv(buf, sizeof buf));
        got.append(reinterpret_cast<char*>(buf), 1);
    }
    STRCMP_EQUAL("abc", got.c_str());
    CHECK_EQUAL(CWS_IO_WOULD_BLOCK, conn.recv(buf, sizeof buf));
    CHECK_EQUAL(0, conn.recv(buf, 0));
}

TEST(Connection, RecvEofIsClosed) {
    fp.stream(0).push("ab");
    fp.stream(0).push_eof();
    open_and_connect();
    uint8_t buf[8];
    CHECK_EQUAL(2, conn.recv(buf, sizeof buf));
    CHECK_EQUAL(CWS_IO_CLOSED, conn.recv(buf, sizeof buf));
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_FALSE(conn.is_active());
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_EQUAL(CWS_IO_ERROR, conn.recv(buf, sizeof buf));
}

TEST(Connection, RecvErrorIsError) {
    fp.stream(0).push_error();
    open_and_connect();
    uint8_t buf[8];
    CHECK_EQUAL(CWS_IO_ERROR, conn.recv(buf, sizeof buf));
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_TRUE(fp.stream(0).closed);
}

TEST(Connection, InterestAndReadiness) {
    open_and_connect();
    conn.set_interest(true, true);
    CHECK_EQUAL(static_cast<unsigned>(CWS_WANT_READ | CWS_WANT_WRITE), fp.stream(0).interest);
    conn.set_interest(false, false);
    CHECK_EQUAL(0u, fp.stream(0).interest);
    conn.set_interest(true, false);
    cws_port p = fp.port();
    CHECK_EQUAL(0, p.ops->wait(p.ctx, 0));
    CHECK_FALSE(conn.readable());
    fp.stream(0).push("x");
    CHECK_EQUAL(1, p.ops->wait(p.ctx, 0));
    CHECK_TRUE(conn.readable());
    CHECK_FALSE(conn.writable());  // no write interest
    conn.set_interest(true, true);
    p.ops->wait(p.ctx, 0);
    CHECK_TRUE(conn.writable());
    CHECK_FALSE(conn.has_pending());  // plain TCP never buffers
}

TEST(Connection, CloseIsIdempotent) {
    open_and_connect();
    conn.close();
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_FALSE(conn.is_active());
    CHECK_ERR(Error::closed, conn.last_error());
    CHECK_ERR(Error::not_open, conn.progress());
    conn.close();
    CHECK_EQUAL(0, fp.stream(0).calls_after_close);
    uint8_t buf[4];
    CHECK_EQUAL(CWS_IO_ERROR, conn.recv(buf, sizeof buf));
    CHECK_EQUAL(CWS_IO_ERROR, conn.send(buf, sizeof buf));
}

TEST(Connection, CloseWhileConnecting) {
    fp.stream(0).connect_polls = 3;
    CHECK_ERR(Error::ok, open_ok());
    conn.close();
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_ERR(Error::closed, conn.last_error());
}

TEST(Connection, CloseBeforeOpenDoesNothing) {
    conn.close();
    CHECK_ERR(Error::not_open, conn.last_error());
    CHECK_EQUAL(0u, fp.open_calls());
}

TEST(Connection, ReopenClosesTheActiveStream) {
    open_and_connect();
    CHECK_ERR(Error::ok, conn.open(fp.port(), nullptr, "other.example", 9000));
    CHECK_TRUE(fp.stream(0).closed);
    CHECK_FALSE(fp.stream(1).closed);
    STRCMP_EQUAL("other.example", fp.stream(1).host.c_str());
    CHECK_ERR(Error::ok, conn.progress());
    CHECK_EQUAL(0, fp.stream(0).calls_after_close);
}

TEST(Connection, ReopenAfterFailure) {
    fp.script_open(CWS_OPEN_DNS_FAILED);
    CHECK_ERR(Error::dns_failed, open_ok());
    open_and_connect();
    CHECK_ERR(Error::ok, conn.last_error());
    CHECK_TRUE(conn.is_open());
}

TEST(Connection, DestructorClosesTheStream) {
    {
        Connection local;
        CHECK_ERR(Error::ok, local.open(fp.port(), nullptr, "h", 1));
    }
    CHECK_TRUE(fp.stream(0).closed);
}

// Through a proxy: TCP goes to the proxy, the stream carries plain bytes for
// its CONNECT exchange (tunneling), and end_tunnel() goes on as a direct
// connection would (plain here: open at once).
TEST(Connection, OpenViaAProxyTunnelsThenOpens) {
    CHECK_ERR(Error::ok, conn.open_via(fp.port(), nullptr, "example.com", 8080, "proxy.lan", 3128));
    STRCMP_EQUAL("proxy.lan", fp.stream(0).host.c_str());
    CHECK_EQUAL(3128, fp.stream(0).port);
    CHECK_FALSE(conn.tunneling());
    CHECK_ERR(Error::ok, conn.progress());  // TCP to the proxy is up
    CHECK_TRUE(conn.tunneling());
    CHECK_FALSE(conn.is_open());
    CHECK_TRUE(conn.is_active());
    CHECK_EQUAL(7L, conn.send(bytes("CONNECT"), 7));
    fp.stream(0).push("HTTP/1.1 200 OK\r\n\r\n");
    uint8_t buf[64];
    CHECK_EQUAL(19L, conn.recv(buf, sizeof buf));
    CHECK_ERR(Error::ok, conn.end_tunnel());
    CHECK_FALSE(conn.tunneling());
    CHECK_TRUE(conn.is_open());
    CHECK_ERR(Error::not_open, conn.end_tunnel());  // no tunnel any more
    STRCMP_EQUAL("CONNECT", fp.stream(0).sent().c_str());
}

TEST(Connection, EndTunnelBeforeTheTunnelIsNotOpen) {
    CHECK_ERR(Error::not_open, conn.end_tunnel());
    CHECK_ERR(Error::ok, conn.open_via(fp.port(), nullptr, "example.com", 8080, "proxy.lan", 3128));
    CHECK_ERR(Error::not_open, conn.end_tunnel());  // still connecting to the proxy
    CHECK_ERR(Error::invalid_params,
              conn.open_via(fp.port(), nullptr, "example.com", 8080, nullptr, 3128));
}
