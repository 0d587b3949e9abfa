// SPDX-License-Identifier: MIT
// https/wss to an IP literal through the public API against consensus-devserver
// on loopback: the token request (https://127.0.0.1:P or https://[::1]:P) and
// the session on the connect_url the server derives from it (wss://<same
// address>:P) verify the server's certificate against its iPAddress SANs.
//  - the dev certificate (scripts/gen-dev-cert: DNS:localhost, IP:127.0.0.1,
//    IP:::1) works for both addresses;
//  - a certificate of a trusted CA for DNS:localhost only (scripts/gen-test-cert
//    server.pem) fails for 127.0.0.1 with cert_invalid in phase token, while
//    the same server works as https://localhost:P.
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "consensus/client.h"
#include "support/harness.h"
#include "support/scratch.h"
#include "support/servers.h"

// CppUTest last: it redefines `new`.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::ClientOptions;
using consensus::Config;
using consensus::Error;
using consensus::EventType;
using consensus::Session;
using consensus::TokenParams;
using itest::EventRecorder;
using itest::Harness;
using itest::PayerKind;
using itest::RecordedEvent;
using itest::ServerKind;
using itest::TestServer;

namespace {

constexpr int kBoundMs = 30000;

// scripts/gen-test-cert once per process: ca.pem and server.pem (DNS:localhost).
// A plain char array: CppUTest would report a cached std::string as a leak.
std::string test_cert(const char* name) {
    static char dir[1024];
    if (dir[0] == '\0') {
        const std::string d = std::string(itest::scratch_dir()) + "/test-certs";
        const std::string cmd = std::string("'") + itest::source_dir() +
                                "/scripts/gen-test-cert' '" + d + "' >/dev/null";
        if (d.size() >= sizeof dir || system(cmd.c_str()) != 0)
            FAIL("scripts/gen-test-cert failed");
        snprintf(dir, sizeof dir, "%s", d.c_str());
    }
    return std::string(dir) + "/" + name;
}

// Sends "hello" on open, closes after its echo.
void say_hello(void*, Session& s, const RecordedEvent& ev) {
    if (ev.type == EventType::open) (void)s.send_text("hello", 5);
    if (ev.type == EventType::message && !ev.server_json) (void)s.close(1000, "done");
}

struct Rig {
    TestServer server;
    Harness harness;
    EventRecorder rec;
    Session session;
    Config config;
    ClientOptions options;
    std::string url;
    std::string ca;

    Rig() {
        config.max_sessions = 1;
        config.max_requests = 1;
        options.open_timeout_ms = 5000;
        options.request_timeout_ms = 10000;
        options.max_reconnects = 0;
        options.ping_interval_ms = 0;
    }
    // The devserver with TLS (extra: its other options, e.g. another
    // certificate); the client trusts ca_file and asks for base_url.
    void start(const std::vector<std::string>& extra, const std::string& ca_file,
               const std::string& base_url_prefix) {
        if (!server.start(ServerKind::devserver, true, extra)) FAIL(server.error().c_str());
        url = base_url_prefix + std::to_string(server.port());
        ca = ca_file;
        options.server_url = url.c_str();
        options.ca_file = ca.c_str();
        CHECK_ERR(Error::ok, harness.init(config, options, PayerKind::demo));
    }
    void run_session() {
        rec.react(say_hello, nullptr);
        CHECK_ERR(Error::ok, harness.client().open_session(TokenParams(), rec.options(), &session));
        CHECK_TEXT(harness.run_until([&] { return rec.ended(); }, kBoundMs), rec.trace().c_str());
    }
};

const char* const kHelloTrace =
    "payment(402) payment(paid) token open(1) session_start close(caller,1000) ended(ok)";

void check_hello(const Rig& r) {
    STRCMP_EQUAL(kHelloTrace, r.rec.trace().c_str());
    const std::vector<std::string> echoes = r.rec.echoes();
    LONGS_EQUAL(1, echoes.size());
    STRCMP_EQUAL("hello", echoes[0].c_str());
    LONGS_EQUAL(1, r.server.upgrades(101));
}

}  // namespace

TEST_GROUP(IpSan){};

TEST(IpSan, Ipv4LiteralWithTheDevCertificateWorksForTokenAndSession) {
    Rig r;
    r.start({}, itest::dev_cert_file(), "https://127.0.0.1:");
    r.run_session();
    check_hello(r);
}

TEST(IpSan, Ipv6LiteralWithTheDevCertificateWorksForTokenAndSession) {
    Rig r;
    r.start({"--host", "::1"}, itest::dev_cert_file(), "https://[::1]:");
    r.run_session();
    check_hello(r);
}

TEST(IpSan, CertificateWithoutIpSanIsCertInvalidForAnIpv4Literal) {
    Rig r;
    r.start({"--cert", test_cert("server.pem"), "--key", test_cert("server.key")},
            test_cert("ca.pem"), "https://127.0.0.1:");
    r.run_session();
    STRCMP_EQUAL("error(cert_invalid,token,0) ended(cert_invalid)", r.rec.trace().c_str());
    LONGS_EQUAL(0, r.server.upgrades(101));
}

// The control: the same server, certificate and CA by name.
TEST(IpSan, CertificateWithoutIpSanWorksByName) {
    Rig r;
    r.start({"--cert", test_cert("server.pem"), "--key", test_cert("server.key")},
            test_cert("ca.pem"), "https://localhost:");
    r.run_session();
    check_hello(r);
}
