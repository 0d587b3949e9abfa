// SPDX-License-Identifier: MIT
#include "ws/handshake.h"

#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "http/response.h"
#include "ws_test_util.h"

using consensus::HttpResponseReader;
using consensus::ws::accept_matches;
using consensus::ws::check_upgrade_response;
using consensus::ws::make_key;
using consensus::ws::NodeHeaders;
using consensus::ws::write_upgrade_request;

namespace {

const char kTarget[] = "/ws-connect?token=05b0fc44-ac7f-4804-84e2-6810d9359f72";
const char kHost[] = "127.0.0.1:18402";
const char kRfcKey[] = "dGhlIHNhbXBsZSBub25jZQ==";

size_t build(char* out, size_t cap, const NodeHeaders& node, const char* key = kRfcKey) {
    return write_upgrade_request(out, cap, kHost, strlen(kHost), kTarget, strlen(kTarget), key,
                                 node);
}

// Reads a 101 with the reader and the keep-list the session uses, then
// checks it as the session does; returns the problem text or nullptr.
const char* check_101(const char* response, const char* key = kRfcKey) {
    static char work[1024];
    static HttpResponseReader r;
    r.begin(consensus::HttpLimits{1024, 16, 1024},
            consensus::header_names(consensus::ws::kUpgradeHeaderNames), work, sizeof work, HttpResponseReader::Expect::upgrade);
    size_t used = 0;
    const auto st = r.feed(reinterpret_cast<const uint8_t*>(response), strlen(response), &used);
    CHECK(st == HttpResponseReader::Status::upgrade);
    return check_upgrade_response(r.header(consensus::ws::kUpgradeHeader),
                                  r.header(consensus::ws::kConnectionHeader),
                                  r.header(consensus::ws::kAcceptHeader), key);
}

}  // namespace

TEST_GROUP(handshake){};

TEST(handshake, Valid101Headers) {
    CHECK(check_101("HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n") == nullptr);
    CHECK(check_101("HTTP/1.1 101 S\r\nupgrade:  WebSocket \r\nCONNECTION: keep-alive, "
                    "Upgrade\r\nsec-websocket-accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n") ==
          nullptr);
}

TEST(handshake, Invalid101Headers) {
    const char* accept = "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n";
    const char* cases[] = {
        "Upgrade: websocket\r\n",
        "Connection: Upgrade\r\n",
        "Upgrade: h2c\r\nConnection: Upgrade\r\n",
        "Upgrade: websocket\r\nConnection: keep-alive\r\n",
        "Upgrade: websocket, h2c\r\nConnection: upgrade\r\n",
    };
    for (const char* c : cases) {
        const std::string resp = std::string("HTTP/1.1 101 S\r\n") + c + accept + "\r\n";
        const char* problem = check_101(resp.c_str());
        CHECK_TEXT(problem != nullptr, c);
        STRCMP_EQUAL("invalid 101 upgrade response", problem);
    }
}

TEST(handshake, WrongOrMissingAcceptIn101) {
    const char* head = "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
    STRCMP_EQUAL("missing or wrong Sec-WebSocket-Accept",
                 check_101((std::string(head) + "\r\n").c_str()));
    STRCMP_EQUAL(
        "missing or wrong Sec-WebSocket-Accept",
        check_101((std::string(head) + "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOA=\r\n\r\n")
                      .c_str()));
}

TEST(handshake, KeyOfRfcSampleNonce) {
    // RFC 6455 4.1: the nonce "the sample nonce" encodes to this key.
    const uint8_t nonce[16] = {'t', 'h', 'e', ' ', 's', 'a', 'm', 'p',
                               'l', 'e', ' ', 'n', 'o', 'n', 'c', 'e'};
    char key[25];
    memset(key, 'X', sizeof key);
    make_key(nonce, key);
    STRCMP_EQUAL(kRfcKey, key);
}

TEST(handshake, KeyOfZeroAndFfBytes) {
    uint8_t r[16];
    char key[25];
    memset(r, 0, sizeof r);
    make_key(r, key);
    STRCMP_EQUAL("AAAAAAAAAAAAAAAAAAAAAA==", key);
    memset(r, 0xFF, sizeof r);
    make_key(r, key);
    STRCMP_EQUAL("/////////////////////w==", key);
}

TEST(handshake, AcceptMatchesRfcVector) {
    CHECK_TRUE(accept_matches(kRfcKey, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28));
}

TEST(handshake, AcceptRejectsWrongValues) {
    CHECK_FALSE(accept_matches(kRfcKey, "s3pPLMBiTxaQ9kYGzzhZRbK+xOp=", 28));   // one char off
    CHECK_FALSE(accept_matches(kRfcKey, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo", 27));    // short
    CHECK_FALSE(accept_matches(kRfcKey, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo= ", 29));  // trailing space
    CHECK_FALSE(accept_matches("dGhlIHNhbXBsZSBub25jZQ==", "", 0));
    CHECK_FALSE(accept_matches(kRfcKey, nullptr, 28));
    CHECK_FALSE(accept_matches(nullptr, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28));
    // Another key gives another accept value.
    CHECK_FALSE(accept_matches("AAAAAAAAAAAAAAAAAAAAAA==", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28));
}

TEST(handshake, AcceptRejectsKeysOfWrongLength) {
    CHECK_FALSE(accept_matches("dGhlIHNhbXBsZSBub25jZQ=", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28));
    CHECK_FALSE(accept_matches("dGhlIHNhbXBsZSBub25jZQ==x", "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=", 28));
}

TEST(handshake, AcceptOfVectorResponse) {
    // The captured 101 answers the captured request's key.
    const wstest::Bytes resp = wstest::read_vector("ws-101-response.http");
    CHECK_FALSE(resp.empty());
    const std::string text(resp.begin(), resp.end());
    const std::string name = "Sec-WebSocket-Accept: ";
    const size_t at = text.find(name);
    CHECK(at != std::string::npos);
    const size_t v = at + name.size();
    const size_t end = text.find("\r\n", v);
    CHECK_TRUE(accept_matches(kRfcKey, text.c_str() + v, end - v));
}

TEST(handshake, UpgradeRequestExactBytes) {
    char out[512];
    const NodeHeaders node{"eu-central", nullptr, "node-a,node-b"};
    const size_t n = build(out, sizeof out, node);
    const std::string expected =
        "GET /ws-connect?token=05b0fc44-ac7f-4804-84e2-6810d9359f72 HTTP/1.1\r\n"
        "Host: 127.0.0.1:18402\r\n"
        "Upgrade: websocket\r\n"
        "Connection: Upgrade\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        "Sec-WebSocket-Version: 13\r\n"
        "User-Agent: consensus-ws/0.1.0\r\n"
        "x-node-region: eu-central\r\n"
        "x-node-exclude: node-a,node-b\r\n"
        "\r\n";
    CHECK_EQUAL(expected.size(), n);
    STRCMP_EQUAL(expected.c_str(), std::string(out, n).c_str());
}

TEST(handshake, UpgradeRequestMatchesCapturedRequestApartFromUserAgent) {
    // The captured request (JavaScript SDK) has the same lines minus User-Agent.
    const wstest::Bytes vec = wstest::read_vector("ws-upgrade-request.http");
    CHECK_FALSE(vec.empty());
    char out[512];
    const size_t n = build(out, sizeof out, NodeHeaders{"eu-central", "", "node-a,node-b"});
    std::string mine(out, n);
    const std::string ua = "User-Agent: consensus-ws/0.1.0\r\n";
    const size_t at = mine.find(ua);
    CHECK(at != std::string::npos);
    mine.erase(at, ua.size());
    STRCMP_EQUAL(std::string(vec.begin(), vec.end()).c_str(), mine.c_str());
}

TEST(handshake, UpgradeRequestAllNodeHeaders) {
    char out[512];
    const size_t n = build(out, sizeof out, NodeHeaders{"us", "example.org", "x"});
    const std::string s(out, n);
    CHECK(s.find(
              "\r\nx-node-region: us\r\nx-node-domain: example.org\r\nx-node-exclude: x\r\n\r\n") !=
          std::string::npos);
}

TEST(handshake, UpgradeRequestWithoutNodeHeaders) {
    char out[512];
    const size_t n = build(out, sizeof out, NodeHeaders{nullptr, "", nullptr});
    const std::string s(out, n);
    CHECK(s.find("x-node") == std::string::npos);
    CHECK(s.find("User-Agent: consensus-ws/0.1.0\r\n\r\n") != std::string::npos);
    CHECK_EQUAL(n, s.find("\r\n\r\n") + 4);
}

TEST(handshake, UpgradeRequestFitsExactlyOrReturnsZero) {
    char out[512];
    const NodeHeaders node{"eu-central", "dom", "node-a,node-b"};
    const size_t n = build(out, sizeof out, node);
    CHECK(n > 0);
    char exact[512];
    CHECK_EQUAL(n, build(exact, n, node));
    MEMCMP_EQUAL(out, exact, n);
    for (size_t cap = 0; cap < n; ++cap) {
        char small[512];
        memset(small, 0x5A, sizeof small);
        CHECK_EQUAL(0u, build(small, cap, node));
        // Never writes past cap.
        for (size_t i = cap; i < sizeof small; ++i) BYTES_EQUAL(0x5A, small[i]);
    }
}

TEST(handshake, UpgradeRequestRefusesHeaderInjection) {
    char out[512];
    CHECK_EQUAL(0u, build(out, sizeof out, NodeHeaders{"eu\r\nX-Evil: 1", nullptr, nullptr}));
    CHECK_EQUAL(0u, build(out, sizeof out, NodeHeaders{nullptr, "a\nb", nullptr}));
    CHECK_EQUAL(0u, build(out, sizeof out, NodeHeaders{nullptr, nullptr, "tab\there"}));
    const char bad_host[] = "h\r\nost";
    CHECK_EQUAL(0u, write_upgrade_request(out, sizeof out, bad_host, strlen(bad_host), kTarget,
                                          strlen(kTarget), kRfcKey, NodeHeaders{}));
    const char bad_target[] = "/a b";
    CHECK_EQUAL(0u, write_upgrade_request(out, sizeof out, kHost, strlen(kHost), bad_target,
                                          strlen(bad_target), kRfcKey, NodeHeaders{}));
}

TEST(handshake, UpgradeRequestRefusesMissingParts) {
    char out[512];
    const NodeHeaders none{nullptr, nullptr, nullptr};
    CHECK_EQUAL(0u, write_upgrade_request(out, sizeof out, kHost, 0, kTarget, strlen(kTarget),
                                          kRfcKey, none));
    CHECK_EQUAL(0u, write_upgrade_request(out, sizeof out, kHost, strlen(kHost), kTarget, 0,
                                          kRfcKey, none));
    CHECK_EQUAL(0u, build(out, sizeof out, none, "short"));
    CHECK_EQUAL(0u, build(out, sizeof out, none, "dGhlIHNhbXBsZSBub25jZQ==="));
    CHECK_EQUAL(0u, build(out, sizeof out, none, nullptr));
    CHECK_EQUAL(0u, write_upgrade_request(nullptr, 100, kHost, strlen(kHost), kTarget,
                                          strlen(kTarget), kRfcKey, none));
}
