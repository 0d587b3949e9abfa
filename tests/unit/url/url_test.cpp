// SPDX-License-Identifier: MIT
#include "core/url.h"

#include <string.h>

#include "CppUTest/TestHarness.h"
#include "core/strview.h"

using namespace consensus;

namespace {

Error parse(const char* s, Url* u) {
    return parse_url(s, strlen(s), u);
}

void check_view(const char* expected, StrView v) {
    LONGS_EQUAL(strlen(expected), v.size);
    CHECK(memcmp(expected, v.data, v.size) == 0);
}

}  // namespace

TEST_GROUP(url){};

TEST(url, HttpsDefaults) {
    Url u;
    CHECK(parse("https://consensus.canister.software", &u) == Error::ok);
    CHECK(u.tls);
    CHECK_FALSE(u.websocket);
    check_view("consensus.canister.software", u.host);
    LONGS_EQUAL(443, u.port);
    check_view("/", u.target);
    check_view("consensus.canister.software", u.host_header);
}

TEST(url, SchemesAndDefaultPorts) {
    Url u;
    CHECK(parse("http://h", &u) == Error::ok);
    CHECK(!u.tls && !u.websocket && u.port == 80);
    CHECK(parse("ws://h/x", &u) == Error::ok);
    CHECK(!u.tls && u.websocket && u.port == 80);
    CHECK(parse("wss://h/x", &u) == Error::ok);
    CHECK(u.tls && u.websocket && u.port == 443);
    CHECK(parse("HTTPS://H/", &u) == Error::ok);
    CHECK(u.tls && !u.websocket);
    CHECK(parse("WsS://h", &u) == Error::ok);
    CHECK(u.tls && u.websocket);
}

TEST(url, ConnectUrlFromTheServer) {
    const char* s = "ws://127.0.0.1:18402/ws-connect?token=05b0fc44-ac7f-4804-84e2-6810d9359f72";
    Url u;
    CHECK(parse(s, &u) == Error::ok);
    check_view("127.0.0.1", u.host);
    LONGS_EQUAL(18402, u.port);
    check_view("/ws-connect?token=05b0fc44-ac7f-4804-84e2-6810d9359f72", u.target);
    check_view("127.0.0.1:18402", u.host_header);
    POINTERS_EQUAL(s + 20, u.target.data);  // a view into the input
}

TEST(url, PathPrefixQueryAndFragment) {
    Url u;
    CHECK(parse("https://h:8443/api/v1/?a=1#frag", &u) == Error::ok);
    LONGS_EQUAL(8443, u.port);
    check_view("/api/v1/?a=1", u.target);
    check_view("h:8443", u.host_header);
    CHECK(parse("http://h#only", &u) == Error::ok);
    check_view("/", u.target);
}

TEST(url, Ipv6Literal) {
    Url u;
    CHECK(parse("wss://[::1]:8080/p", &u) == Error::ok);
    check_view("::1", u.host);
    LONGS_EQUAL(8080, u.port);
    check_view("[::1]:8080", u.host_header);
    CHECK(parse("http://[2001:db8::ffff:1.2.3.4]", &u) == Error::ok);
    check_view("2001:db8::ffff:1.2.3.4", u.host);
    LONGS_EQUAL(80, u.port);
}

TEST(url, PortBounds) {
    Url u;
    CHECK(parse("http://h:1", &u) == Error::ok);
    LONGS_EQUAL(1, u.port);
    CHECK(parse("http://h:65535", &u) == Error::ok);
    LONGS_EQUAL(65535, u.port);
    CHECK(parse("http://h:00080", &u) == Error::ok);
    LONGS_EQUAL(80, u.port);
    const char* bad[] = {
        "http://h:0",  "http://h:65536",  "http://h:99999", "http://h:",     "http://h:8a",
        "http://h:-1", "http://h:123456", "http://h:+80",   "http://[::1]:", "http://[::1]x"};
    for (const char* b : bad) CHECK(parse(b, &u) == Error::invalid_params);
}

TEST(url, RejectsBadInput) {
    const char* bad[] = {
        "ftp://h/",
        "http:/h",
        "http//h",
        "h/ws",
        "http://",
        "http:///path",
        "http://:80/",
        "http://user@h/",
        "http://u:p@h/",
        "http://h/a b",
        "http://h/\x01",
        "http://h/\xc3\xa9",
        "http://[::1/",
        "http://[]/",
        "http://[zz::1]/",
        "http://exa!mple/",
        "http://h?x=1",
        "https://h\r\n/",
        "http://h/\x7f",
        "httpx://h/",
        "",
        "wss:",
    };
    Url u;
    u.port = 7;
    for (const char* b : bad) {
        CHECK(parse(b, &u) == Error::invalid_params);
    }
    LONGS_EQUAL(7, u.port);  // untouched on error
    CHECK(parse_url(nullptr, 5, &u) == Error::invalid_params);
    CHECK(parse_url("http://h", 8, nullptr) == Error::invalid_params);
    const char nul[] = "http://h\0/x";
    CHECK(parse_url(nul, sizeof(nul) - 1, &u) == Error::invalid_params);
}

TEST(url, LengthBoundsTheInput) {
    Url u;
    const char* s = "http://host/path trailing junk";
    CHECK(parse_url(s, 16, &u) == Error::ok);
    check_view("/path", u.target);
}

TEST(url, BaseUrlCheck) {
    Url u;
    CHECK(parse("https://h/api/", &u) == Error::ok);
    CHECK(url_is_base(u));
    CHECK(parse("https://h/api?k=1", &u) == Error::ok);
    CHECK_FALSE(url_is_base(u));
    CHECK(parse("wss://h/", &u) == Error::ok);
    CHECK_FALSE(url_is_base(u));
}

namespace {

Error parse_proxy(const char* s, ProxyUrl* p, const char** why = nullptr) {
    return parse_proxy_url(s, strlen(s), p, why);
}

}  // namespace

TEST(url, ProxyWithCredentialsAndPort) {
    ProxyUrl p{};
    CHECK(parse_proxy("http://user:p%40ss@proxy.corp:3128/", &p) == Error::ok);
    check_view("proxy.corp", p.host);
    LONGS_EQUAL(3128, p.port);
    CHECK(p.credentials);
    check_view("user", p.user);
    check_view("p%40ss", p.password);  // decoded only when sent
}

TEST(url, ProxyWithoutSchemeOrPortIsHttpOn1080) {
    ProxyUrl p{};
    CHECK(parse_proxy("10.0.0.1", &p) == Error::ok);
    check_view("10.0.0.1", p.host);
    LONGS_EQUAL(1080, p.port);
    CHECK_FALSE(p.credentials);
    CHECK(parse_proxy("HTTP://[::1]:8080", &p) == Error::ok);
    check_view("::1", p.host);
    LONGS_EQUAL(8080, p.port);
}

TEST(url, ProxyUserWithoutPasswordAndTheLastAtSplits) {
    ProxyUrl p{};
    CHECK(parse_proxy("http://alice@h:1", &p) == Error::ok);
    CHECK(p.credentials);
    check_view("alice", p.user);
    LONGS_EQUAL(0, p.password.size);
}

TEST(url, ProxyUrlsRefusedWithoutQuotingThem) {
    const char* bad[] = {"https://u:secret@h:1",
                         "socks5://u:secret@h:1",
                         "http://u:secret@h:0",
                         "http://u:secret@h:1/path",
                         "http://u:secret@h:1?q",
                         "http://u:secret@",
                         "http://u:se cret@h:1",
                         "http://u:secret%zz@h:1",
                         "http://u:secret%4@h:1",
                         "http://u:secret@@h:1/x",
                         ""};
    for (const char* s : bad) {
        ProxyUrl p{};
        const char* why = nullptr;
        CHECK_TEXT(parse_proxy(s, &p, &why) == Error::invalid_params, s);
        CHECK(why != nullptr);
        CHECK(strstr(why, "secret") == nullptr);
    }
}

TEST(url, PercentDecodeAndItsBound) {
    char out[8];
    size_t n = 0;
    CHECK(percent_decode(make_view("a%3Ab%25", 8), out, sizeof out, &n));
    LONGS_EQUAL(4, n);
    CHECK(memcmp("a:b%", out, 4) == 0);
    CHECK_FALSE(percent_decode(make_view("123456789", 9), out, sizeof out, &n));
}

TEST(url, NoProxyAsCurlReadsIt) {
    const StrView api = make_view("api.example.com", 15);
    CHECK(no_proxy_matches("example.com", api));
    CHECK(no_proxy_matches(" .example.com ,other", api));
    CHECK(no_proxy_matches("other, API.EXAMPLE.COM", api));
    CHECK(no_proxy_matches("*", api));
    CHECK_FALSE(no_proxy_matches("ample.com", api));  // not a label boundary
    CHECK_FALSE(no_proxy_matches("xapi.example.com", api));
    CHECK_FALSE(no_proxy_matches("", api));
    CHECK_FALSE(no_proxy_matches(nullptr, api));
    CHECK_FALSE(no_proxy_matches("*.example.com", api));  // no wildcards but "*" alone
    CHECK(no_proxy_matches("127.0.0.1", make_view("127.0.0.1", 9)));
    CHECK_FALSE(no_proxy_matches("127.0.0.1", make_view("127.0.0.10", 10)));
    CHECK_FALSE(no_proxy_matches("0.0.1", make_view("127.0.0.1", 9)));  // no suffix for addresses
    CHECK_FALSE(no_proxy_matches(".0.0.1", make_view("127.0.0.1", 9)));
    CHECK(no_proxy_matches("[::1]", make_view("::1", 3)));
    CHECK(no_proxy_matches("0:0::1", make_view("::1", 3)));  // the same address, spelt otherwise
    CHECK(no_proxy_matches("*", make_view("::1", 3)));
}
