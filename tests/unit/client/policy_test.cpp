// SPDX-License-Identifier: MIT
// The connect_url policy on its own (ClientCore::connect_url_refusal): the
// TLS rule needs an https token server, which the fake-port tests do not run.
#include <string.h>

#include "client/client_core.h"
#include "core/url.h"

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"

using consensus::ClientCore;
using consensus::Url;

namespace {

Url url_of(const char* s) {
    Url u{};
    CHECK(consensus::parse_url(s, strlen(s), &u) == consensus::Error::ok);
    return u;
}

}  // namespace

TEST_GROUP(policy) {
    ClientCore core{};
    void server(const char* s) {
        core.server = url_of(s);
    }
};

TEST(policy, SameHostAnyPortAnyCase) {
    server("https://Consensus.Example");
    CHECK(core.connect_url_refusal(url_of("wss://consensus.example/ws-connect?token=t")) ==
          nullptr);
    CHECK(core.connect_url_refusal(url_of("wss://CONSENSUS.example:8443/x")) == nullptr);
}

TEST(policy, ATokenBoughtOverTlsIsOnlyPresentedOverTls) {
    server("https://consensus.example");
    STRCMP_EQUAL("a token bought over TLS is only presented over TLS",
                 core.connect_url_refusal(url_of("ws://consensus.example/x")));
}

TEST(policy, ATokenBoughtInClearMayGoToWss) {
    server("http://127.0.0.1:8080");
    CHECK(core.connect_url_refusal(url_of("wss://127.0.0.1/x")) == nullptr);
}

TEST(policy, OtherHostsAreRefusedUnlessListed) {
    server("http://127.0.0.1:8080");
    CHECK(core.connect_url_refusal(url_of("ws://localhost:8080/x")) != nullptr);
    CHECK(core.connect_url_refusal(url_of("ws://127.0.0.2:8080/x")) != nullptr);
    CHECK(core.connect_url_refusal(url_of("ws://[::1]:8080/x")) != nullptr);
    const char* const hosts[] = {nullptr, "localhost", "::1"};
    core.options.connect_hosts = hosts;
    core.options.connect_host_count = 3;
    CHECK(core.connect_url_refusal(url_of("ws://LOCALHOST:9/x")) == nullptr);
    CHECK(core.connect_url_refusal(url_of("ws://[::1]:8080/x")) == nullptr);
    CHECK(core.connect_url_refusal(url_of("ws://127.0.0.2:8080/x")) != nullptr);
    // A listed name is a whole host, not a suffix or a prefix.
    CHECK(core.connect_url_refusal(url_of("ws://localhost.evil.example/x")) != nullptr);
}
