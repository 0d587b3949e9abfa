// SPDX-License-Identifier: MIT
// TLS failures through the public API: untrusted self-signed server, wrong
// host name, expired certificate, plain TCP on an https/wss URL, and a real
// TLS fatal alert in the middle of a session. Token requests must fail with a
// typed error; sessions must report it in phase open/session and apply the
// reconnect policy (a new token, after the interval, at most max_reconnects).
// Servers: tests/hostile/hostile_server.py in TLS mode, one per certificate.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "hostile/harness.h"

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"
#include "common/mbedtls_line.h"

using consensus::Error;
using consensus::EventType;
using consensus::Initiator;
using consensus::Phase;
using hostile::Ev;
using hostile::Outcome;
using hostile::RunSpec;

namespace {

enum Srv { kGood, kSelfSigned, kWrongHost, kExpired, kPlain, kServers };
const char* const kCert[kServers] = {"server", "selfsigned", "wronghost", "expired", nullptr};

// Plain arrays of servers: no heap in statics (CppUTest's leak check).
hostile::ServerProc g_servers[kServers];
char g_dir[512];

const char* cert_dir() {
    if (g_dir[0] == '\0') {
        snprintf(g_dir, sizeof g_dir, "%s", CONSENSUS_TEST_SCRATCH);
        const std::string cmd = std::string(CONSENSUS_SOURCE_DIR) +
                                "/tests/integration/tlsfail/gen-tlsfail-certs '" + g_dir +
                                "' >/dev/null";
        if (system(cmd.c_str()) != 0) {
            fprintf(stderr, "gen-tlsfail-certs failed\n");
            abort();
        }
    }
    return g_dir;
}

uint16_t port_of(Srv s) {
    if (g_servers[s].port() == 0) {
        std::vector<std::string> argv = {"python3",
                                         CONSENSUS_SOURCE_DIR "/tests/hostile/hostile_server.py"};
        if (kCert[s] != nullptr) {
            const std::string d = cert_dir();
            argv.push_back("--tls");
            argv.push_back(d + "/" + kCert[s] + ".pem");
            argv.push_back(d + "/" + kCert[s] + ".key");
        }
        if (!g_servers[s].start(argv)) {
            fprintf(stderr, "hostile_server.py (%d) did not start\n", static_cast<int>(s));
            abort();
        }
    }
    return g_servers[s].port();
}

std::string https(Srv s, const std::string& scenario) {
    return "https://localhost:" + std::to_string(port_of(s)) + "/" + scenario;
}

RunSpec spec(const std::string& url) {
    RunSpec r;
    r.server_url = url;
    r.ca_file = std::string(cert_dir()) + "/ca.pem";
    return r;
}

Outcome token(const RunSpec& s) {
    hostile::Runner r(s);
    if (!r.setup()) FAIL("Client::init failed");
    return r.token();
}

Outcome session(const RunSpec& s) {
    hostile::Runner r(s);
    if (!r.setup()) FAIL("Client::init failed");
    return r.session();
}

// `words`: what the error's text must say (it names the host, localhost).
void check_token_fails(Srv s, Error e, const char* words) {
    const Outcome o = token(spec(https(s, "ws_echo")));
    CHECK(o.token_done);
    CHECK_ERR(e, o.token.error);
    STRCMP_CONTAINS(words, o.token_message.c_str());
    LONGS_EQUAL(0, o.token.http_status);
    CHECK(o.elapsed_ms < 4500);
}

// The token comes from the good server; the session's wss connect_url points
// at server `s`. Policy: each failed open is reported (phase open), followed
// by a reconnect after the interval; max_reconnects = 1. The TLS failure
// comes before the upgrade request, so the token was never presented: the
// reconnect reuses it instead of buying a new one.
void check_session_fails(Srv s, Error e, const char* words) {
    RunSpec r = spec(https(kGood, "wssat_" + std::to_string(port_of(s)) + "_ws_echo"));
    r.max_reconnects = 1;
    const Outcome o = session(r);
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::open));
    LONGS_EQUAL(1, o.count(EventType::token));
    LONGS_EQUAL(1, o.count(EventType::reconnecting));
    LONGS_EQUAL(2, o.count(EventType::error));
    for (const Ev& ev : o.events) {
        if (ev.type != EventType::error) continue;
        CHECK_ERR(e, ev.error);
        CHECK(ev.phase == Phase::open);
        STRCMP_CONTAINS(words, ev.text.c_str());
    }
    CHECK_ERR(e, o.end_error);
    CHECK(o.elapsed_ms < 6000);  // two opens of < 3 s each, no hang
}

}  // namespace

TEST_GROUP(TlsFail){};

// The control: the same servers and CA work when the certificate is right.
TEST(TlsFail, GoodCertificateWorksForTokenAndSession) {
    RunSpec r = spec(https(kGood, "ws_echo"));
    r.send_after_open = {"hello over wss"};
    r.close_after_replies = true;
    const Outcome o = session(r);
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::error));
    LONGS_EQUAL(1, o.count(EventType::open));
    // Python's ssl (OpenSSL 3) offers 1.2 and 1.3: the line's newest wins.
    STRCMP_EQUAL(mbedtls_line::kHasTls13 ? "TLSv1.3" : "TLSv1.2",
                 o.first(EventType::open)->text.c_str());
    const Ev* msg = o.first(EventType::message);
    CHECK(msg != nullptr);
    STRCMP_EQUAL("hello over wss", msg->text.c_str());
    CHECK_ERR(Error::ok, o.end_error);
}

TEST(TlsFail, TokenFromUntrustedSelfSigned) {
    check_token_fails(kSelfSigned, Error::cert_invalid,
                      "the certificate of localhost is not trusted");
}
TEST(TlsFail, TokenFromWrongHostName) {
    check_token_fails(kWrongHost, Error::cert_invalid,
                      "the certificate of localhost is for another name");
}
TEST(TlsFail, TokenFromExpiredCertificate) {
    check_token_fails(kExpired, Error::cert_invalid, "the certificate of localhost has expired");
}
TEST(TlsFail, TokenFromPlainTcpOnHttpsUrl) {
    check_token_fails(kPlain, Error::tls_failed, "TLS handshake with localhost:");
}

TEST(TlsFail, SessionOnUntrustedSelfSigned) {
    check_session_fails(kSelfSigned, Error::cert_invalid,
                        "the certificate of localhost is not trusted");
}
TEST(TlsFail, SessionOnWrongHostName) {
    check_session_fails(kWrongHost, Error::cert_invalid,
                        "the certificate of localhost is for another name");
}
TEST(TlsFail, SessionOnExpiredCertificate) {
    check_session_fails(kExpired, Error::cert_invalid, "the certificate of localhost has expired");
}
TEST(TlsFail, SessionOnPlainTcpWithWssUrl) {
    check_session_fails(kPlain, Error::tls_failed, "TLS handshake with localhost:");
}

// Rule: a token bought over TLS is presented only over TLS. An https token
// server answering a ws:// connect_url gets bad_response and no upgrade.
TEST(TlsFail, TokenOverTlsIsNeverPresentedInClear) {
    const Outcome o = session(spec(https(kGood, "tok_tls_downgrade")));
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::token));
    LONGS_EQUAL(0, o.count(EventType::open));
    const Ev* err = o.first(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(Error::bad_response, err->error);
    CHECK(err->phase == Phase::token);
    CHECK(err->text.find("only presented over TLS") != std::string::npos);
}

// The server answers the upgrade request with a record that does not
// decrypt: the TLS failure is reported as itself (tls_failed, phase open),
// as a TLS failure on the token request is, not as a lost connection.
TEST(TlsFail, TlsErrorDuringTheUpgradeIsTlsFailed) {
    RunSpec r = spec(https(kGood, "tls_garbage_upgrade"));
    r.max_reconnects = 0;
    const Outcome o = session(r);
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::open));
    LONGS_EQUAL(1, o.count(EventType::error));
    const Ev* err = o.first(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(Error::tls_failed, err->error);
    CHECK(err->phase == Phase::open);
    CHECK_ERR(Error::tls_failed, o.end_error);
}

// The server corrupts the client's first record after the upgrade, so
// OpenSSL sends a genuine, encrypted bad_record_mac fatal alert mid-session.
// The session closes 1006 (network) and the reconnect policy applies: a new
// token after the interval, a new open.
TEST(TlsFail, FatalAlertMidSessionReconnects) {
    RunSpec r = spec(https(kGood, "tls_alert"));
    r.send_after_open = {"this record gets corrupted"};
    r.max_reconnects = 1;
    r.close_on_open = 2;  // the reconnect opened: stop there
    const Outcome o = session(r);
    CHECK(o.ended);
    LONGS_EQUAL(2, o.count(EventType::open));
    LONGS_EQUAL(2, o.count(EventType::token));
    LONGS_EQUAL(1, o.count(EventType::reconnecting));
    const Ev* close = o.first(EventType::close);
    CHECK(close != nullptr);
    LONGS_EQUAL(1006, close->code);
    CHECK(close->initiator == Initiator::network);
    CHECK_ERR(Error::ok, o.end_error);  // ended by the caller's close on the 2nd open
}

// The alert also surfaces as a typed tls_failed error in phase session, and
// the session ends with it once reconnects are spent.
TEST(TlsFail, FatalAlertMidSessionIsTypedTlsFailed) {
    RunSpec r = spec(https(kGood, "tls_alert"));
    r.send_after_open = {"this record gets corrupted"};
    const Outcome o = session(r);
    CHECK(o.ended);
    const Ev* err = o.first(EventType::error);
    CHECK_TEXT(err != nullptr, "no error event for the TLS alert");
    CHECK_ERR(Error::tls_failed, err->error);
    CHECK(err->phase == Phase::session);
    CHECK_ERR(Error::tls_failed, o.end_error);
}
