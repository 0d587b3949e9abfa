// SPDX-License-Identifier: MIT
// The token request and the WebSocket through an HTTP CONNECT proxy, on the
// fake port: the tunnel request, Basic authentication, the proxy's answers
// (in any split), its refusals and misbehaviour, NO_PROXY, and credentials
// that never outlive the CONNECT.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

const char kEstablished[] = "HTTP/1.1 200 Connection established\r\n\r\n";
const char kProxy[] = "http://user:pa%3Ass@10.0.0.5:3128";
// base64("user:pa:ss"): the userinfo percent-decoded, then encoded.
const char kBasic[] = "Proxy-Authorization: Basic dXNlcjpwYTpzcw==\r\n";

// Plays a proxy and the servers behind it: a stream's n-th reply is pushed
// once the client has sent n requests (each ends with a blank line) on it.
struct Script {
    std::vector<std::vector<std::string>> replies;  // per stream
    std::vector<size_t> pushed;

    void on(size_t stream, std::vector<std::string> r) {
        if (replies.size() <= stream) {
            replies.resize(stream + 1);
            pushed.resize(stream + 1, 0);
        }
        replies[stream] = std::move(r);
    }

    static size_t requests_in(const std::string& sent) {
        size_t n = 0;
        for (size_t at = sent.find("\r\n\r\n"); at != std::string::npos;
             at = sent.find("\r\n\r\n", at + 4)) {
            ++n;
        }
        return n;
    }

    static void play(FakePort& fp, void* user) {
        Script* s = static_cast<Script*>(user);
        for (size_t i = 0; i < s->replies.size() && i < fp.opened(); ++i) {
            const size_t sent = requests_in(fp.stream(i).sent());
            while (s->pushed[i] < s->replies[i].size() && s->pushed[i] < sent) {
                fp.stream(i).push(s->replies[i][s->pushed[i]++]);
            }
        }
    }
};

bool block_holds(const std::vector<uint8_t>& block, const std::string& text) {
    for (size_t i = 0; i + text.size() <= block.size(); ++i) {
        if (memcmp(block.data() + i, text.data(), text.size()) == 0) return true;
    }
    return false;
}

}  // namespace

TEST_GROUP(proxy) {
    Harness h;
    Script script;
    void setup() override {
        h.options.http_proxy = kProxy;
        h.fp.on_wait = &Script::play;
        h.fp.on_wait_user = &script;
    }
    void teardown() override {
        h.client.deinit();
    }

    void request() {
        CHECK_ERR(Error::ok, h.init());
        CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
        for (int i = 0; i < 200 && h.token_callbacks == 0; ++i) h.client.poll(0);
        LONGS_EQUAL(1, h.token_callbacks);
    }
};

TEST(proxy, TheTokenRequestGoesThroughATunnelWithBasicAuthentication) {
    script.on(0, {kEstablished, response(200, "OK", token_body("tok-1"))});
    request();
    CHECK_ERR(Error::ok, h.token_result.error);
    STRCMP_EQUAL("tok-1", h.token_got.c_str());
    STRCMP_EQUAL("10.0.0.5", h.fp.open_host(0).c_str());
    LONGS_EQUAL(3128, h.fp.open_port(0));
    const std::string sent = h.fp.stream(0).sent();
    const std::string connect =
        "CONNECT 127.0.0.1:8080 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUser-Agent: ";
    LONGS_EQUAL(0, sent.find(connect));
    const size_t end = sent.find("\r\n\r\n");
    CHECK(sent.find(kBasic) < end);
    // Then the token request itself, inside the tunnel.
    LONGS_EQUAL(end + 4, sent.find("GET /ws?model=hybrid&minutes=5&megabytes=50 HTTP/1.1\r\n"));
}

TEST(proxy, TheAnswerInSingleBytesStillOpensTheTunnel) {
    h.fp.stream(0).chunk = 1;
    script.on(0, {"HTTP/1.0 200 OK\r\nVia: test\r\n\r\n", response(200, "OK", token_body("t"))});
    request();
    CHECK_ERR(Error::ok, h.token_result.error);
}

TEST(proxy, A407IsProxyFailedNamingTheProxyAndItsStatus) {
    script.on(0, {"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic "
                  "realm=\"x\"\r\nContent-Length: 5\r\n\r\nnope!"});
    request();
    CHECK_ERR(Error::proxy_failed, h.token_result.error);
    LONGS_EQUAL(407, h.token_result.http_status);
    STRCMP_EQUAL("proxy 10.0.0.5:3128 refused the tunnel (HTTP 407)", h.token_message.c_str());
    CHECK(h.fp.stream(0).closed);
    CHECK(h.fp.stream(0).sent().find("GET /ws") == std::string::npos);  // nothing for the server
}

TEST(proxy, AnyNon2xxIsARefusal) {
    script.on(0, {"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n"});
    request();
    CHECK_ERR(Error::proxy_failed, h.token_result.error);
    LONGS_EQUAL(502, h.token_result.http_status);
}

TEST(proxy, AnAnswerHeaderLongerThanTheLimitIsRefused) {
    h.config.max_header_line = 256;
    script.on(0, {"HTTP/1.1 200 OK\r\nX-Long: " + std::string(300, 'a') + "\r\n\r\n"});
    request();
    CHECK_ERR(Error::proxy_failed, h.token_result.error);
    STRCMP_CONTAINS("sent an answer too long", h.token_message.c_str());
}

TEST(proxy, BytesAfterThe200AreRefused) {
    script.on(0, {std::string(kEstablished) + "HTTP/1.1 200 OK\r\n"});
    request();
    CHECK_ERR(Error::proxy_failed, h.token_result.error);
    STRCMP_CONTAINS("sent bytes after its 200", h.token_message.c_str());
}

TEST(proxy, AProxyClosingBeforeItsAnswerIsProxyFailed) {
    script.on(0, {"HTTP/1.1 200 Conn"});
    h.fp.stream(0).push_eof();
    request();
    CHECK_ERR(Error::proxy_failed, h.token_result.error);
    STRCMP_CONTAINS("closed the connection before answering CONNECT", h.token_message.c_str());
}

TEST(proxy, A101IsNoTunnel) {
    script.on(0, {"HTTP/1.1 101 Switching Protocols\r\n\r\n"});
    request();
    CHECK_ERR(Error::proxy_failed, h.token_result.error);
    STRCMP_EQUAL("proxy 10.0.0.5:3128 sent a malformed answer (HTTP 101)", h.token_message.c_str());
}

TEST(proxy, NoProxyHostsAndOtherSchemesGoDirect) {
    h.options.no_proxy = "example.com, 127.0.0.1";
    h.fp.stream(0).push(response(200, "OK", token_body("t")));
    request();
    CHECK_ERR(Error::ok, h.token_result.error);
    STRCMP_EQUAL("127.0.0.1", h.fp.open_host(0).c_str());
    LONGS_EQUAL(0, h.fp.stream(0).sent().find("GET /ws"));
}

TEST(proxy, HttpsProxyIsOnlyForTlsUrls) {
    h.options.http_proxy = nullptr;
    h.options.https_proxy = kProxy;
    h.fp.stream(0).push(response(200, "OK", token_body("t")));
    request();
    CHECK_ERR(Error::ok, h.token_result.error);
    STRCMP_EQUAL("127.0.0.1", h.fp.open_host(0).c_str());
}

TEST(proxy, TheCredentialsAreWipedOnceTheConnectIsOut) {
    script.on(0, {kEstablished});  // the server behind never answers
    CHECK_ERR(Error::ok, h.init());
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    h.spin(20);
    STRCMP_CONTAINS(kBasic, h.fp.stream(0).sent().c_str());  // it was sent
    CHECK_FALSE(block_holds(h.memory, "dXNlcjpwYTpzcw=="));  // and no copy stays
    CHECK_FALSE(block_holds(h.memory, "pa%3Ass"));           // (nor the URL: it is the caller's)
}

TEST(proxy, TheCredentialsAreWipedWhenTheConnectNeverLeaves) {
    h.fp.stream(0).send_would_block = true;
    CHECK_ERR(Error::ok, h.init());
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    h.spin(4);
    h.fp.advance(h.options.request_timeout_ms + 1);
    h.spin(4);
    CHECK_ERR(Error::timeout, h.token_result.error);
    CHECK_FALSE(block_holds(h.memory, "dXNlcjpwYTpzcw=="));
}

TEST(proxy, TheSessionTunnelsTooAndARefusalThereIsPhaseOpen) {
    script.on(0, {kEstablished, response(200, "OK", token_body("t", "127.0.0.1:9"))});
    script.on(1, {"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n"});
    h.options.max_reconnects = 0;
    CHECK_ERR(Error::ok, h.init());
    Session s;
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    for (int i = 0; i < 200 && h.count(EventType::ended) == 0; ++i) h.client.poll(0);
    LONGS_EQUAL(2, h.fp.opened());
    STRCMP_EQUAL("10.0.0.5", h.fp.open_host(1).c_str());
    LONGS_EQUAL(0, h.fp.stream(1).sent().find("CONNECT 127.0.0.1:9 HTTP/1.1\r\n"));
    const Recorded* err = h.find(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(Error::proxy_failed, err->error);
    CHECK(err->phase == Phase::open);
    LONGS_EQUAL(403, err->http_status);
    STRCMP_EQUAL("proxy 10.0.0.5:3128 refused the tunnel (HTTP 403)", err->text.c_str());
}

TEST(proxy, TheSessionOpensThroughItsTunnel) {
    script.on(0, {kEstablished, response(200, "OK", token_body("t", "127.0.0.1:9"))});
    script.on(1, {kEstablished});
    CHECK_ERR(Error::ok, h.init());
    Session s;
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    for (int i = 0; i < 200 && h.fp.stream(1).sent().find("Sec-WebSocket-Key") == std::string::npos;
         ++i) {
        h.client.poll(0);
    }
    const std::string sent = h.fp.stream(1).sent();
    const size_t upgrade = sent.find("GET /ws-connect?token=t HTTP/1.1\r\n");
    CHECK(upgrade != std::string::npos);
    CHECK(sent.find("CONNECT 127.0.0.1:9 HTTP/1.1\r\n") < upgrade);
    h.fp.stream(1).push(switching_protocols(sent.substr(upgrade)));
    h.fp.stream(1).push(frame(0x1, kSessionStart));
    for (int i = 0; i < 50 && h.count(EventType::open) == 0; ++i) h.client.poll(0);
    LONGS_EQUAL(1, h.count(EventType::open));
}

TEST(proxy, InitRefusesProxyUrlsItCannotUseWithoutQuotingThem) {
    const char* bad[] = {"https://user:hunter2@proxy:443",  "socks5://user:hunter2@proxy:1080",
                         "http://user:hunter2@proxy:99999", "http://user:hunter2@proxy/path",
                         "http://us er:hunter2@proxy:8080", "http://user:hunter2@:8080"};
    for (const char* url : bad) {
        h.options.https_proxy = url;
        const char* why = nullptr;
        CHECK_ERR(Error::invalid_config, h.init(&why));
        CHECK(why != nullptr);
        CHECK(strstr(why, "hunter2") == nullptr);
        STRCMP_CONTAINS("proxy", why);
    }
}

TEST(proxy, ASessionsCredentialsAreWipedWhenItsConnectNeverLeaves) {
    script.on(0, {kEstablished, response(200, "OK", token_body("t", "127.0.0.1:9"))});
    h.fp.stream(1).send_would_block = true;
    h.options.max_reconnects = 0;
    CHECK_ERR(Error::ok, h.init());
    Session s;
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    for (int i = 0; i < 50 && h.fp.opened() < 2; ++i) h.client.poll(0);
    LONGS_EQUAL(2, h.fp.opened());
    h.fp.advance(h.options.open_timeout_ms + 1);
    h.spin(4);
    const Recorded* err = h.find(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(Error::timeout, err->error);
    CHECK_FALSE(block_holds(h.memory, "dXNlcjpwYTpzcw=="));
}
