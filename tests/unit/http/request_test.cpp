// SPDX-License-Identifier: MIT
#include "http/request.h"

#include <string.h>

#include "CppUTest/TestHarness.h"
#include "consensus/params.h"
#include "core/strview.h"
#include "core/url.h"
#include "unit/http/vectors.h"

using namespace consensus;

namespace {

Url url_of(const char* s) {
    Url u{};
    CHECK(parse_url(s, strlen(s), &u) == Error::ok);
    return u;
}

TokenParams defaults() {
    return merge_params(TokenParams{}, TokenParams{});
}

// The token request as the purchase writes it: the payment, when there is
// one, as x402's PAYMENT-SIGNATURE header.
size_t write_request(char* out, size_t cap, const Url& base, const TokenParams& params,
                     const char* payment, size_t payment_len) {
    ExtraHeader extra;
    if (payment != nullptr) extra = ExtraHeader{"PAYMENT-SIGNATURE", {payment, payment_len}};
    return write_token_request(out, cap, base, params, extra);
}

}  // namespace

TEST_GROUP(request) {
    char buf[2048];
};

TEST(request, DefaultRequestBytes) {
    size_t n = write_request(buf, sizeof(buf), url_of("https://consensus.canister.software"),
                             defaults(), nullptr, 0);
    const char* expected =
        "GET /ws?model=hybrid&minutes=5&megabytes=50 HTTP/1.1\r\n"
        "Host: consensus.canister.software\r\n"
        "Accept: application/json\r\n"
        "User-Agent: consensus-ws/0.1.0\r\n"
        "Connection: close\r\n\r\n";
    LONGS_EQUAL(strlen(expected), n);
    CHECK(memcmp(expected, buf, n) == 0);
}

TEST(request, RequestLineMatchesCapturedVector) {
    // MANIFEST.json: the capture sent "GET /ws?model=hybrid&minutes=5&megabytes=50 HTTP/1.1"
    // to Host 127.0.0.1:18402 and got 402-hybrid.http back.
    size_t n =
        write_request(buf, sizeof(buf), url_of("http://127.0.0.1:18402/"), defaults(), nullptr, 0);
    CHECK(n > 0);
    const char* head =
        "GET /ws?model=hybrid&minutes=5&megabytes=50 HTTP/1.1\r\nHost: 127.0.0.1:18402\r\n";
    CHECK(strncmp(buf, head, strlen(head)) == 0);
}

TEST(request, PathPrefixWithoutTrailingSlash) {
    TokenParams p = defaults();
    p.model = Model::time;
    p.minutes = 1440;
    p.megabytes = 0;
    size_t n = write_request(buf, sizeof(buf), url_of("https://h:8443/api/v2//"), p, nullptr, 0);
    buf[n] = '\0';
    STRCMP_CONTAINS("GET /api/v2/ws?model=time&minutes=1440&megabytes=0 HTTP/1.1\r\n", buf);
    STRCMP_CONTAINS("\r\nHost: h:8443\r\n", buf);
    n = write_request(buf, sizeof(buf), url_of("http://[::1]:9/x?q=1"), p, nullptr, 0);
    buf[n] = '\0';
    STRCMP_CONTAINS("GET /x/ws?model=time", buf);  // the base query is not used
    STRCMP_CONTAINS("\r\nHost: [::1]:9\r\n", buf);
}

TEST(request, NodeHeadersAndPayment) {
    TokenParams p = defaults();
    p.node_region = "eu-central";
    p.node_domain = "";  // empty: not sent
    p.node_exclude = "node-a,node-b";
    const char* pay = "eyJ4NDAyVmVyc2lvbiI6Mn0=";
    size_t n = write_request(buf, sizeof(buf), url_of("http://h"), p, pay, strlen(pay));
    const char* expected =
        "GET /ws?model=hybrid&minutes=5&megabytes=50 HTTP/1.1\r\n"
        "Host: h\r\n"
        "Accept: application/json\r\n"
        "User-Agent: consensus-ws/0.1.0\r\n"
        "x-node-region: eu-central\r\n"
        "x-node-exclude: node-a,node-b\r\n"
        "PAYMENT-SIGNATURE: eyJ4NDAyVmVyc2lvbiI6Mn0=\r\n"
        "Connection: close\r\n\r\n";
    LONGS_EQUAL(strlen(expected), n);
    CHECK(memcmp(expected, buf, n) == 0);
    p.node_domain = "d.example";
    n = write_request(buf, sizeof(buf), url_of("http://h"), p, nullptr, 0);
    buf[n] = '\0';
    STRCMP_CONTAINS("x-node-region: eu-central\r\nx-node-domain: d.example\r\nx-node-exclude:",
                    buf);
}

TEST(request, EveryTooSmallCapacityFails) {
    TokenParams p = defaults();
    p.node_region = "eu";
    const char* pay = "abc=";
    Url u = url_of("https://consensus.canister.software/");
    size_t full = write_request(buf, sizeof(buf), u, p, pay, 4);
    CHECK(full > 0);
    char small[512];
    for (size_t cap = 0; cap < full; ++cap) {
        memset(small, 'Z', sizeof(small));
        LONGS_EQUAL(0, write_request(small, cap, u, p, pay, 4));
        for (size_t k = cap; k < sizeof(small); ++k) CHECK(small[k] == 'Z');  // no overflow
    }
    LONGS_EQUAL(full, write_request(small, full, u, p, pay, 4));
    CHECK(memcmp(small, buf, full) == 0);
    LONGS_EQUAL(0, write_request(nullptr, 100, u, p, nullptr, 0));
}

TEST(request, HeaderInjectionIsRefused) {
    Url u = url_of("http://h");
    const char* bad = "abc\r\nX-Evil: 1";
    LONGS_EQUAL(0, write_request(buf, sizeof(buf), u, defaults(), bad, strlen(bad)));
    LONGS_EQUAL(0, write_request(buf, sizeof(buf), u, defaults(), "a\0b", 3));
    LONGS_EQUAL(0, write_request(buf, sizeof(buf), u, defaults(), " ab", 3));
    LONGS_EQUAL(0, write_request(buf, sizeof(buf), u, defaults(), "", 0));
    TokenParams p = defaults();
    p.node_exclude = "a\nb";
    LONGS_EQUAL(0, write_request(buf, sizeof(buf), u, p, nullptr, 0));
}

TEST(request, HeaderValueCheck) {
    CHECK(header_value_ok("", 0));
    CHECK(header_value_ok("a b", 3));
    CHECK_FALSE(header_value_ok("a\tb", 3));
    CHECK_FALSE(header_value_ok("ab ", 3));
    CHECK_FALSE(header_value_ok("\xc3\xa9", 2));
    CHECK_FALSE(header_value_ok(nullptr, 1));
}

namespace {

ProxyUrl proxy_of(const char* s) {
    ProxyUrl p{};
    CHECK(parse_proxy_url(s, strlen(s), &p, nullptr) == Error::ok);
    return p;
}

std::string connect_request(const char* host, uint16_t port, const char* proxy, size_t cap = 1024) {
    char out[1024];
    const size_t n =
        write_connect_request(out, cap, make_view(host, strlen(host)), port, proxy_of(proxy));
    return std::string(out, n);
}

}  // namespace

TEST(request, ConnectWithoutCredentials) {
    const std::string r = connect_request("consensus.example", 443, "http://proxy:3128");
    CHECK(r.rfind("CONNECT consensus.example:443 HTTP/1.1\r\nHost: consensus.example:443\r\n"
                  "User-Agent: ",
                  0) == 0);
    CHECK(r.find("Proxy-Authorization") == std::string::npos);
    CHECK(r.size() >= 4 && r.compare(r.size() - 4, 4, "\r\n\r\n") == 0);
}

TEST(request, ConnectToIpv6HasBrackets) {
    const std::string r = connect_request("::1", 8080, "http://proxy:3128");
    CHECK(r.rfind("CONNECT [::1]:8080 HTTP/1.1\r\nHost: [::1]:8080\r\n", 0) == 0);
}

TEST(request, ConnectBasicAuthenticationIsDecodedThenEncoded) {
    // "Aladdin:open sesame", RFC 7617's example, with its space percent-encoded.
    const std::string r = connect_request("h", 1, "http://Aladdin:open%20sesame@proxy:3128");
    CHECK(r.find("Proxy-Authorization: Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==\r\n") !=
          std::string::npos);
}

TEST(request, ConnectRefusesWhatDoesNotFit) {
    LONGS_EQUAL(0, connect_request("h", 1, "http://u:p@proxy:3128", 40).size());
    const std::string user(kMaxProxyCredentials, 'u');
    const std::string url = "http://" + user + ":p@proxy:3128";
    LONGS_EQUAL(0, connect_request("h", 1, url.c_str()).size());  // credentials too long
    const std::string fits = "http://" + user.substr(0, kMaxProxyCredentials - 2) + ":p@proxy:1";
    CHECK(connect_request("h", 1, fits.c_str()).size() > 0);
}
