// SPDX-License-Identifier: MIT
// TLS session resumption (tls/session_cache.h) against `openssl s_server`:
// the second connection to a host:port resumes the session the first was
// granted (TLS 1.2 on both mbedTLS lines, TLS 1.3 where the line has it),
// sessions go to their own host:port only, a session the server no longer
// knows costs a full handshake and no error, a failed handshake empties the
// entry, and clear() wipes everything.
#include <string.h>

#include "common/mbedtls_line.h"
#include "tls_fixture.h"

using consensus::Error;
using consensus::TlsCacheEntry;
using consensus::TlsSessionCache;
using tls_test::SServer;
using tls_test::SServerOptions;

namespace {

// Namespace scope: the entries hold mbedTLS sessions, which some targets
// align beyond what CppUTest's group allocation guarantees.
TlsCacheEntry g_entries[2];

}  // namespace

TEST_GROUP_BASE(Resume, tls_test::TlsFixture) {
    TlsSessionCache cache;

    void setup() override {
        TlsFixture::setup();
        cache.bind(g_entries, 2);
        trust("ca.pem");
        tls.cache = &cache;
    }
    void teardown() override {
        conn.close();
        cache.clear();
        TlsFixture::teardown();
    }
    // One connection: handshake, a line echoed (which also reads the TLS 1.3
    // tickets that come after the handshake), close. Returns whether the
    // handshake resumed.
    bool exchange(const char* host, uint16_t server_port) {
        CHECK_ERR(Error::ok, conn.open(port, &tls, host, server_port));
        const Error oe = drive_open();
        CHECK_ERR(Error::ok, oe);
        send_all("ping\n");
        STRCMP_EQUAL("gnip\n", recv_some(5).c_str());
        const bool resumed = conn.tls_resumed();
        conn.close();
        return resumed;
    }
    void resumes_with(const char* version) {
        SServer server;
        CHECK_TRUE(server.start("server", version));
        CHECK_FALSE(exchange("localhost", server.port()));
        LONGS_EQUAL(1, cache.held());
        CHECK_TRUE(exchange("localhost", server.port()));
        CHECK_TRUE(exchange("localhost", server.port()));  // with the session granted by the last
        // Another spelling is another server name (SNI): no offer.
        CHECK_FALSE(exchange("LOCALHOST", server.port()));
        LONGS_EQUAL(2, cache.held());
    }
};

TEST(Resume, Tls12SecondConnectionResumes) {
    resumes_with("-tls1_2");
}

TEST(Resume, Tls13SecondConnectionResumes) {
    if (!mbedtls_line::kHasTls13) return;  // 2.28 speaks TLS 1.2 only
    resumes_with("-tls1_3");
}

TEST(Resume, WithoutACacheEveryHandshakeIsFull) {
    tls.cache = nullptr;
    SServer server;
    CHECK_TRUE(server.start());
    CHECK_FALSE(exchange("localhost", server.port()));
    CHECK_FALSE(exchange("localhost", server.port()));
    LONGS_EQUAL(0, cache.held());
}

TEST(Resume, AnotherHostOrPortGetsNoOffer) {
    SServer a;
    SServer b;
    CHECK_TRUE(a.start("server-ip"));
    CHECK_TRUE(b.start("server-ip"));
    CHECK_FALSE(exchange("localhost", a.port()));
    // The same server under another name, then another port: full handshakes.
    CHECK_FALSE(exchange("127.0.0.1", a.port()));
    CHECK_FALSE(exchange("localhost", b.port()));
    LONGS_EQUAL(2, cache.held());
    // Two entries: localhost:a was the least recently used and went.
    CHECK_FALSE(exchange("localhost", a.port()));
    CHECK_TRUE(exchange("localhost", b.port()));
}

TEST(Resume, ASessionTheServerForgotCostsAFullHandshake) {
    SServer server;
    CHECK_TRUE(server.start());
    const uint16_t at = server.port();
    CHECK_FALSE(exchange("localhost", at));
    server.stop();
    // A new process on the same port: new ticket keys, an empty session cache.
    SServer again;
    SServerOptions o;
    o.port = at;
    CHECK_TRUE(again.start(o));
    CHECK_FALSE(exchange("localhost", at));
    LONGS_EQUAL(0, conn.verify_flags());
    CHECK_TRUE(exchange("localhost", at));  // and the new grant is kept
}

TEST(Resume, AFailedHandshakeEmptiesTheEntry) {
    SServer server;
    CHECK_TRUE(server.start());
    const uint16_t at = server.port();
    CHECK_FALSE(exchange("localhost", at));
    LONGS_EQUAL(1, cache.held());
    server.stop();
    // The same port now demands a client certificate, which the client does
    // not have: the server (knowing no session from before) fails the
    // handshake with an alert.
    SServer strict;
    SServerOptions o;
    o.port = at;
    o.demand_client_cert = true;
    CHECK_TRUE(strict.start(o));
    CHECK_ERR(Error::ok, conn.open(port, &tls, "localhost", at));
    CHECK_ERR(Error::tls_failed, drive_open());
    LONGS_EQUAL(0, cache.held());
}

TEST(Resume, ClearWipesEveryEntry) {
    SServer server;
    CHECK_TRUE(server.start());
    CHECK_FALSE(exchange("localhost", server.port()));
    LONGS_EQUAL(1, cache.held());
    cache.clear();
    LONGS_EQUAL(0, cache.held());
    static const char kZero[consensus::kMaxCachedHost] = {};
    for (const TlsCacheEntry& e : g_entries) {
        LONGS_EQUAL(0, e.host_len);
        MEMCMP_EQUAL(kZero, e.host, sizeof kZero);
    }
    CHECK_FALSE(exchange("localhost", server.port()));
}
