// SPDX-License-Identifier: MIT
// Client::request_token on the fake port: the HTTP exchange, the x402 payment
// step (paid, pending, refused, declined, rejected), errors, timeouts, budget.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

TEST_GROUP(token) {
    Harness h;
    void setup() override {
        CHECK(h.init() == Error::ok);
    }
    void teardown() override {
        h.client.deinit();
    }

    Error request(const TokenParams& p = TokenParams()) {
        return h.client.request_token(p, &Harness::token_cb, &h);
    }
};

TEST(token, FreeServerAnswersWithAToken) {
    h.fp.stream(0).push(response(200, "OK", token_body("tok-1")));
    h.fp.stream(0).push_eof();
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK(h.token_result.error == Error::ok);
    STRCMP_EQUAL("tok-1", h.token_got.c_str());
    CHECK_FALSE(h.token_result.paid);
    LONGS_EQUAL(0, h.hook_calls);
    const std::string sent = h.fp.stream(0).sent();
    STRCMP_CONTAINS("GET /ws?model=hybrid&minutes=5&megabytes=50 HTTP/1.1\r\n", sent.c_str());
    STRCMP_CONTAINS("Host: 127.0.0.1:8080\r\n", sent.c_str());
    STRCMP_EQUAL("127.0.0.1", h.fp.open_host(0).c_str());
    LONGS_EQUAL(8080, h.fp.open_port(0));
    CHECK(h.fp.stream(0).closed);
}

TEST(token, ParamsDefaultsAndNodeHeadersAreSent) {
    h.fp.stream(0).push(response(200, "OK", token_body("t")));
    TokenParams p;
    p.model = Model::time;
    p.minutes = 3;
    p.megabytes = 0;
    p.node_region = "eu-west";
    p.node_exclude = "n1";
    CHECK(request(p) == Error::ok);
    h.spin();
    const std::string sent = h.fp.stream(0).sent();
    STRCMP_CONTAINS("GET /ws?model=time&minutes=3&megabytes=0 ", sent.c_str());
    STRCMP_CONTAINS("x-node-region: eu-west\r\n", sent.c_str());
    STRCMP_CONTAINS("x-node-exclude: n1\r\n", sent.c_str());
    CHECK(sent.find("x-node-domain") == std::string::npos);
}

TEST(token, InvalidParamsAreRefusedBeforeAnyTraffic) {
    TokenParams p;
    p.minutes = 0;  // hybrid bills minutes
    CHECK(request(p) == Error::invalid_params);
    p = TokenParams();
    p.megabytes = kMaxMegabytes + 1;
    CHECK(request(p) == Error::invalid_params);
    p = TokenParams();
    p.node_region = "bad\r\nInjected: 1";
    CHECK(request(p) == Error::invalid_params);
    LONGS_EQUAL(0, h.fp.open_calls());
    LONGS_EQUAL(0, h.token_callbacks);
}

TEST(token, PaidFlowRetriesOnceWithThePaymentHeader) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(0).push_eof();
    h.fp.stream(1).push(vector_text("paid-200.http"));
    h.fp.stream(1).push_eof();
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(1, h.hook_calls);
    LONGS_EQUAL(1, h.challenge_accepts);
    STRCMP_EQUAL("7500", h.challenge_amount.c_str());
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK(h.token_result.error == Error::ok);
    CHECK(h.token_result.paid);
    STRCMP_EQUAL("05b0fc44-ac7f-4804-84e2-6810d9359f72", h.token_got.c_str());
    LONGS_EQUAL(2, h.fp.opened());
    CHECK(h.fp.stream(0).sent().find("PAYMENT-SIGNATURE") == std::string::npos);
    STRCMP_CONTAINS("PAYMENT-SIGNATURE: UEFZTUVOVA==\r\n", h.fp.stream(1).sent().c_str());
    // The retry repeats the same path and query (the server rebuilds the requirement).
    STRCMP_CONTAINS("GET /ws?model=hybrid&minutes=5&megabytes=50 ", h.fp.stream(1).sent().c_str());
}

TEST(token, ResponsesSplitIntoSingleBytesStillWork) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(0).chunk = 1;
    h.fp.stream(1).push(vector_text("paid-200.http"));
    h.fp.stream(1).chunk = 1;
    CHECK(request() == Error::ok);
    for (int i = 0; i < 5000 && h.token_callbacks == 0; ++i) h.client.poll(0);
    CHECK(h.token_result.error == Error::ok);
    STRCMP_EQUAL("05b0fc44-ac7f-4804-84e2-6810d9359f72", h.token_got.c_str());
}

TEST(token, PendingHookCompletesLater) {
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(1, h.hook_calls);
    LONGS_EQUAL(0, h.token_callbacks);
    LONGS_EQUAL(1, h.fp.opened());  // nothing sent while the payer works
    h.fp.advance(5000);
    h.spin();
    LONGS_EQUAL(0, h.token_callbacks);
    CHECK(h.client.complete_payment(h.last_ticket, "c2lnbmVk", 8) == Error::ok);
    h.spin();
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK(h.token_result.error == Error::ok);
    STRCMP_CONTAINS("PAYMENT-SIGNATURE: c2lnbmVk\r\n", h.fp.stream(1).sent().c_str());
    // A stale ticket is refused.
    CHECK(h.client.complete_payment(h.last_ticket, "x", 1) == Error::invalid_handle);
}

TEST(token, PendingHookCanRefuseLater) {
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.client.refuse_payment(h.last_ticket) == Error::ok);
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK(h.token_result.error == Error::payment_refused);
}

TEST(token, PendingHookIsBoundByTheRequestTimeout) {
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK(request() == Error::ok);
    h.spin();
    h.fp.advance(h.options.request_timeout_ms);
    h.spin();
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK(h.token_result.error == Error::timeout);
}

TEST(token, HookRefusalIsPaymentRefused) {
    h.mode = HookMode::refused;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::payment_refused);
    LONGS_EQUAL(402, h.token_result.http_status);
    LONGS_EQUAL(1, h.fp.opened());
}

TEST(token, NoPayerIsPaymentRequired) {
    h.mode = HookMode::decline;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::payment_required);
}

TEST(token, SecondChallengeIsPaymentRejectedWithTheServerReason) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("402-no-matching-requirements.http"));
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(1, h.hook_calls);  // no payment loop
    CHECK(h.token_result.error == Error::payment_rejected);
    LONGS_EQUAL(402, h.token_result.http_status);
    STRCMP_EQUAL("No matching payment requirements", h.token_message.c_str());
    LONGS_EQUAL(2, h.fp.opened());
}

TEST(token, SettleFailureIsPaymentRejected) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("402-settle-failed.http"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::payment_rejected);
    // @x402/express's receipt (PAYMENT-RESPONSE) says why, in its words.
    STRCMP_EQUAL(
        "invalid_exact_evm_transaction_failed: rejected by the stand-in facilitator "
        "(reject-settle mode)",
        h.token_message.c_str());
}

// The service's own answer to a failed settlement: its body names the reason.
TEST(token, SettleFailureDetailsFromTheBody) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(response(
        402, "Payment Required",
        "{\"error\":\"Settlement failed\",\"details\":\"invalid_exact_evm_transaction_failed\"}"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::payment_rejected, h.token_result.error);
    STRCMP_EQUAL("Settlement failed: invalid_exact_evm_transaction_failed",
                 h.token_message.c_str());
}

// JSON escapes in the server's words are decoded once, never kept.
TEST(token, ServerWordsAreUnescapedOnce) {
    h.fp.stream(0).push(
        response(500, "Internal Server Error", "{\"error\":\"bad \\\"quote\\\" \\u00e9\"}"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::http_status, h.token_result.error);
    STRCMP_EQUAL("bad \"quote\" \xc3\xa9", h.token_message.c_str());
}

TEST(token, ChallengeWithoutHeaderIsBadResponse) {
    h.fp.stream(0).push(response(402, "Payment Required", "{}"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::bad_response);
    LONGS_EQUAL(0, h.hook_calls);
}

TEST(token, GarbledChallengeIsBadResponse) {
    h.fp.stream(0).push(
        response(402, "Payment Required", "{}", "PAYMENT-REQUIRED: %%%not-base64\r\n"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::bad_response);
    LONGS_EQUAL(0, h.hook_calls);
}

TEST(token, ServerErrorCarriesStatusAndMessage) {
    h.fp.stream(0).push(response(503, "Service Unavailable", "{\"message\":\"no nodes\"}"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::http_status);
    LONGS_EQUAL(503, h.token_result.http_status);
    STRCMP_EQUAL("no nodes", h.token_message.c_str());
}

TEST(token, RedirectIsNotFollowed) {
    h.fp.stream(0).push(
        "HTTP/1.1 302 Found\r\nLocation: http://elsewhere/ws\r\nContent-Length: 0\r\n\r\n");
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::http_status);
    LONGS_EQUAL(302, h.token_result.http_status);
    LONGS_EQUAL(1, h.fp.open_calls());
}

TEST(token, OkWithoutTokenIsBadResponse) {
    h.fp.stream(0).push(response(200, "OK", "{\"connect_url\":\"ws://x/ws-connect\"}"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::bad_response);
    CHECK(h.token_result.auth == nullptr);
}

TEST(token, MalformedHttpIsBadResponse) {
    h.fp.stream(0).push("garbage\r\n\r\n");
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::bad_response);
}

TEST(token, TruncatedResponseIsBadResponse) {
    h.fp.stream(0).push("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"tok");
    h.fp.stream(0).push_eof();
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::bad_response);
}

TEST(token, OversizedBodyIsMessageTooLarge) {
    h.fp.stream(0).push(response(200, "OK", std::string(h.config.max_body_bytes + 1, ' ')));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::message_too_large);
}

TEST(token, ResetMidResponseIsConnectFailure) {
    h.fp.stream(0).push("HTTP/1.1 200 OK\r\nContent-");
    h.fp.stream(0).push_error();
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error != Error::ok);
    CHECK(h.token_result.error == Error::closed || h.token_result.error == Error::connect_failed);
}

TEST(token, DnsAndConnectFailuresAreTyped) {
    h.fp.script_open(CWS_OPEN_DNS_FAILED);
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::dns_failed);
    h.fp.stream(0).connect_polls = 2;
    h.fp.stream(0).connect_fails = true;
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(2, h.token_callbacks);
    CHECK(h.token_result.error == Error::connect_failed);
}

TEST(token, SilentServerTimesOutOnTheFakeClock) {
    CHECK(request() == Error::ok);
    h.spin();
    h.fp.advance(h.options.request_timeout_ms - 1);
    h.spin();
    LONGS_EQUAL(0, h.token_callbacks);
    h.fp.advance(1);
    h.spin();
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK(h.token_result.error == Error::timeout);
    CHECK(h.fp.stream(0).closed);
}

TEST(token, OneRequestSlotMeansNoResourcesForASecond) {
    CHECK(request() == Error::ok);
    CHECK(request() == Error::no_resources);
}

TEST(token, BudgetRefusesBeforeTraffic) {
    h.client.deinit();
    h.options.limit_micro_usd = 7000;  // hybrid 5/50 costs 7500
    CHECK(h.init() == Error::ok);
    CHECK(request() == Error::budget_exhausted);
    CHECK(request() == Error::budget_exhausted);
    LONGS_EQUAL(0, h.fp.open_calls());
    LONGS_EQUAL(1, h.limit_hook_calls);  // once
    CHECK(h.client.stand_down());
    const Budget b = h.client.budget();
    CHECK(b.limited);
    LONGS_EQUAL(7000, b.remaining_micro_usd);
}

TEST(token, PaidTokenIsChargedAndResetRestoresTheBudget) {
    h.client.deinit();
    h.options.limit_micro_usd = 10000;
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::ok);
    LONGS_EQUAL(7500, h.client.budget().spent_micro_usd);
    CHECK(request() == Error::budget_exhausted);  // 2500 left
    h.client.reset_budget();
    CHECK_FALSE(h.client.stand_down());
    LONGS_EQUAL(0, h.client.budget().spent_micro_usd);
}

// Once the paid request has left, the payment may settle whatever the server
// answers: a 500, a second 402, a reset or a timeout still count as spent.
TEST(token, PaymentThatLeftIsSpentWhateverTheAnswer) {
    const std::string answers[] = {
        response(500, "Internal Server Error", "{\"error\":\"exploded\"}"),
        vector_text("402-settle-failed.http"),
        "HTTP/1.1 200 OK\r\nContent-Le",  // then EOF: a truncated answer
    };
    uint64_t spent = 0;
    for (const std::string& answer : answers) {
        h.client.deinit();
        h.options.limit_micro_usd = 10000;
        CHECK(h.init() == Error::ok);
        const size_t first = h.fp.opened();
        h.fp.stream(first).push(vector_text("402-hybrid.http"));
        h.fp.stream(first + 1).push(answer);
        h.fp.stream(first + 1).push_eof();
        CHECK(request() == Error::ok);
        h.spin();
        CHECK(h.token_result.error != Error::ok);
        LONGS_EQUAL(7500, h.client.budget().spent_micro_usd);
        CHECK(request() == Error::budget_exhausted);  // 2500 left: no second payment
        spent += h.client.budget().spent_micro_usd;
    }
    LONGS_EQUAL(3 * 7500, spent);
}

// A payment that never left (the connection for the paid request failed) is
// released: nothing can settle it.
TEST(token, PaymentThatNeverLeftIsReleased) {
    h.client.deinit();
    h.options.limit_micro_usd = 10000;
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).connect_fails = true;
    CHECK(request() == Error::ok);
    h.spin();
    CHECK(h.token_result.error != Error::ok);
    LONGS_EQUAL(1, h.hook_calls);
    LONGS_EQUAL(0, h.client.budget().spent_micro_usd);
    LONGS_EQUAL(10000, h.client.budget().remaining_micro_usd);
}

// ---- the price policy before the hook (ClientOptions::price_margin_ppm) ----------

namespace {

// A 402 whose requirements ask `amounts` (base64 JSON in PAYMENT-REQUIRED).
std::string challenge_402(const std::vector<std::string>& amounts) {
    std::string accepts;
    for (const std::string& a : amounts) {
        if (!accepts.empty()) accepts += ",";
        accepts +=
            "{\"scheme\":\"exact\",\"network\":\"eip155:84532\",\"amount\":\"" + a +
            "\",\"asset\":\"0x036CbD53842c5426634e7929541eC2318f3dCF7e\",\"payTo\":\"0xC0De\","
            "\"maxTimeoutSeconds\":300}";
    }
    const std::string json =
        "{\"x402Version\":2,\"error\":\"Payment required\",\"resource\":"
        "{\"url\":\"http://h/ws\"},\"accepts\":[" +
        accepts + "]}";
    char b64[2048];
    size_t n = 0;
    consensus::base64_encode(reinterpret_cast<const uint8_t*>(json.data()), json.size(), b64,
                             sizeof b64, &n);
    return response(402, "Payment Required", "{}",
                    "PAYMENT-REQUIRED: " + std::string(b64, n) + "\r\n");
}

}  // namespace

TEST(token, AskingMoreThanTheQuoteIsRefusedBeforeTheHook) {
    h.fp.stream(0).push(challenge_402({"1000000000000"}));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::price_too_high, h.token_result.error);
    LONGS_EQUAL(0, h.hook_calls);  // nothing signed
    STRCMP_CONTAINS("1000000000000", h.token_message.c_str());
    STRCMP_CONTAINS("7500", h.token_message.c_str());
    LONGS_EQUAL(1, h.fp.open_calls());  // no paid request
}

TEST(token, TheHookSeesOnlyTheRequirementsThatPass) {
    h.fp.stream(0).push(challenge_402({"9000", "7500"}));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(1, h.hook_calls);
    LONGS_EQUAL(1, h.challenge_accepts);
    STRCMP_EQUAL("7500", h.challenge_amount.c_str());
    CHECK_ERR(Error::ok, h.token_result.error);
}

TEST(token, AMarginAllowsAPriceChangeAndTheGuardChargesWhatWasAsked) {
    h.client.deinit();
    h.options.price_margin_ppm = 20000;  // 2 %: 7500 -> 7650
    h.options.limit_micro_usd = 100000;
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(challenge_402({"7650"}));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::ok, h.token_result.error);
    LONGS_EQUAL(7650, h.client.budget().spent_micro_usd);
    h.fp.stream(2).push(challenge_402({"7651"}));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::price_too_high, h.token_result.error);
    LONGS_EQUAL(7650, h.client.budget().spent_micro_usd);
}

TEST(token, TheBudgetBoundsWhatMayBeAsked) {
    h.client.deinit();
    h.options.price_margin_ppm = 1000000;  // the quote may double...
    h.options.limit_micro_usd = 10000;     // ...but only 10000 are left
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(challenge_402({"10001"}));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::price_too_high, h.token_result.error);
    STRCMP_CONTAINS("the budget allows 10000", h.token_message.c_str());
    LONGS_EQUAL(0, h.hook_calls);
    LONGS_EQUAL(0, h.client.budget().spent_micro_usd);
}

// ---- where a bought token may be presented (ClientOptions::connect_hosts)

TEST(token, ConnectUrlOnAnotherHostIsRefusedNamingIt) {
    h.fp.stream(0).push(response(200, "OK", token_body("t", "evil.example:22")));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::bad_response, h.token_result.error);
    STRCMP_CONTAINS("evil.example", h.token_message.c_str());
    CHECK(h.token_result.auth == nullptr);
    LONGS_EQUAL(1, h.fp.open_calls());  // the token server only
}

TEST(token, ConnectUrlHostComparesWithoutCaseAndAnyPort) {
    h.fp.stream(0).push(response(200, "OK", token_body("t", "127.0.0.1:4443")));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::ok, h.token_result.error);
}

TEST(token, ConnectHostsWidenThePolicy) {
    h.client.deinit();
    const char* const hosts[] = {"Nodes.Example"};
    h.options.connect_hosts = hosts;
    h.options.connect_host_count = 1;
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(response(200, "OK", token_body("t", "nodes.example")));
    h.fp.stream(1).push(response(200, "OK", token_body("t", "other.example")));
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::ok, h.token_result.error);
    CHECK(request() == Error::ok);
    h.spin();
    CHECK_ERR(Error::bad_response, h.token_result.error);
    STRCMP_CONTAINS("other.example", h.token_message.c_str());
}

TEST(token, FreeTokenCostsNothing) {
    h.client.deinit();
    h.options.limit_micro_usd = 10000;
    CHECK(h.init() == Error::ok);
    h.fp.stream(0).push(response(200, "OK", token_body("free")));
    CHECK(request() == Error::ok);
    h.spin();
    LONGS_EQUAL(0, h.client.budget().spent_micro_usd);
}

// ---- calls from inside a callback (client.h, "Calling the library from inside a callback")

namespace {

// What a test callback did from inside, and what it got back.
struct Inside {
    Harness* h = nullptr;
    Error result = Error::invalid_handle;
    Session session;
    int calls = 0;
};

Inside g_inside;  // the payment hook's user is the Harness: the hooks find this here

PaymentDecision complete_inside(void*, const PaymentChallenge&, PaymentTicket ticket,
                                PaymentHeaderOut*) {
    ++g_inside.calls;
    g_inside.result = g_inside.h->client.complete_payment(ticket, "c2ln", 4);
    return PaymentDecision::refused;  // ignored: the ticket was already answered
}

PaymentDecision refuse_inside(void*, const PaymentChallenge&, PaymentTicket ticket,
                              PaymentHeaderOut*) {
    ++g_inside.calls;
    g_inside.result = g_inside.h->client.refuse_payment(ticket);
    return PaymentDecision::decline;  // ignored: the ticket was already answered
}

}  // namespace

TEST(token, CompletePaymentFromInsideTheHookPaysAndTheAnswerIsIgnored) {
    h.client.deinit();
    g_inside = Inside{};
    g_inside.h = &h;
    h.options.payment_hook = complete_inside;
    CHECK_ERR(Error::ok, h.init());
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK_ERR(Error::ok, request());
    h.spin();
    LONGS_EQUAL(1, g_inside.calls);
    CHECK_ERR(Error::ok, g_inside.result);
    CHECK_ERR(Error::ok, h.token_result.error);
    CHECK(h.token_result.paid);
    STRCMP_CONTAINS("PAYMENT-SIGNATURE: c2ln\r\n", h.fp.stream(1).sent().c_str());
}

TEST(token, RefusePaymentFromInsideTheHookIsPaymentRefused) {
    h.client.deinit();
    g_inside = Inside{};
    g_inside.h = &h;
    h.options.payment_hook = refuse_inside;
    CHECK_ERR(Error::ok, h.init());
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, request());
    h.spin();
    CHECK_ERR(Error::ok, g_inside.result);
    CHECK_ERR(Error::payment_refused, h.token_result.error);  // not payment_required
    LONGS_EQUAL(1, h.fp.opened());
}

TEST(token, ConnectFromInsideTheTokenCallback) {
    Inside in;
    in.h = &h;
    auto connect_now = [](void* u, const TokenResult& r) {
        Inside* got = static_cast<Inside*>(u);
        ++got->calls;
        got->result = got->h->client.connect(*r.auth, SessionOptions(), &got->session);
    };
    h.fp.stream(0).push(response(200, "OK", token_body("tok-1")));
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), connect_now, &in));
    h.spin();
    LONGS_EQUAL(1, in.calls);
    CHECK_ERR(Error::ok, in.result);  // r.auth was valid inside the callback
    STRCMP_CONTAINS("GET /ws-connect?token=tok-1 ", h.fp.stream(1).sent().c_str());
    CHECK(in.session.state() == SessionState::upgrading);
}

TEST(token, RequestTokenFromInsideItsCallbackFindsItsSlotStillTaken) {
    Inside in;
    in.h = &h;
    auto again = [](void* u, const TokenResult&) {
        Inside* got = static_cast<Inside*>(u);
        got->result = got->h->client.request_token(TokenParams(), &Harness::token_cb, got->h);
    };
    h.fp.stream(0).push(response(200, "OK", token_body("tok-1")));
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), again, &in));
    h.spin();
    CHECK_ERR(Error::no_resources, in.result);  // max_requests = 1
    CHECK_ERR(Error::ok, request());            // free once the callback returned
}

// ---- complete_payment / refuse_payment errors, budget before init ---------------

TEST(token, PaymentCallsBeforeInitAreInvalidConfig) {
    Client none;
    CHECK_ERR(Error::invalid_config, none.complete_payment(PaymentTicket{}, "x", 1));
    CHECK_ERR(Error::invalid_config, none.refuse_payment(PaymentTicket{}));
}

TEST(token, TicketsOfNoWaitingPurchaseAreInvalidHandle) {
    PaymentTicket unknown_slot{0x7fff};  // session slot 32767: not in this client
    CHECK_ERR(Error::invalid_handle, h.client.complete_payment(unknown_slot, "x", 1));
    CHECK_ERR(Error::invalid_handle, h.client.refuse_payment(unknown_slot));
    PaymentTicket idle{0x8000};  // request slot 0, idle
    CHECK_ERR(Error::invalid_handle, h.client.refuse_payment(idle));
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, request());
    h.spin();
    CHECK_ERR(Error::ok, h.client.refuse_payment(h.last_ticket));
    CHECK_ERR(Error::invalid_handle, h.client.refuse_payment(h.last_ticket));  // answered
    CHECK_ERR(Error::invalid_handle, h.client.complete_payment(h.last_ticket, "x", 1));

    h.fp.stream(1).push(vector_text("402-hybrid.http"));  // timed out
    CHECK_ERR(Error::ok, request());
    h.spin();
    h.fp.advance(h.options.request_timeout_ms);
    h.spin();
    CHECK_ERR(Error::timeout, h.token_result.error);
    CHECK_ERR(Error::invalid_handle, h.client.complete_payment(h.last_ticket, "x", 1));

    h.fp.stream(2).push(vector_text("402-hybrid.http"));  // a session closed while paying
    Session s;
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), SessionOptions(), &s));
    h.spin();
    CHECK(s.state() == SessionState::paying);
    CHECK_ERR(Error::ok, s.close(1000, nullptr));
    CHECK_ERR(Error::invalid_handle, h.client.complete_payment(h.last_ticket, "x", 1));
}

TEST(token, OverlongPaymentHeaderIsMessageTooLargeAndRefusesThePurchase) {
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, request());
    h.spin();
    const std::string header(h.config.max_payment_header + 1, 'A');
    CHECK_ERR(Error::message_too_large,
              h.client.complete_payment(h.last_ticket, header.data(), header.size()));
    LONGS_EQUAL(1, h.token_callbacks);  // before complete_payment returned
    CHECK_ERR(Error::payment_refused, h.token_result.error);
    CHECK_ERR(Error::invalid_handle,
              h.client.complete_payment(h.last_ticket, header.data(), 8));  // spent
    LONGS_EQUAL(1, h.fp.opened());
}

TEST(token, EmptyPaymentHeaderIsOkButThePurchaseIsRefused) {
    h.mode = HookMode::pending;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, request());
    h.spin();
    CHECK_ERR(Error::ok, h.client.complete_payment(h.last_ticket, nullptr, 0));
    LONGS_EQUAL(1, h.token_callbacks);
    CHECK_ERR(Error::payment_refused, h.token_result.error);
    LONGS_EQUAL(1, h.fp.opened());
}

TEST(token, BudgetBeforeInitAndAfterDeinitIsEmpty) {
    Client none;
    none.reset_budget();  // a no-op
    const Budget b = none.budget();
    CHECK_FALSE(b.limited);
    LONGS_EQUAL(0, b.limit_micro_usd);
    LONGS_EQUAL(0, b.spent_micro_usd);
    LONGS_EQUAL(0, b.remaining_micro_usd);
    CHECK_FALSE(none.stand_down());

    h.client.deinit();
    h.options.limit_micro_usd = 7000;
    CHECK_ERR(Error::ok, h.init());
    CHECK_ERR(Error::budget_exhausted, request());
    CHECK(h.client.stand_down());
    h.client.deinit();
    CHECK_FALSE(h.client.stand_down());
    CHECK_FALSE(h.client.budget().limited);
    CHECK_ERR(Error::ok, h.init());  // a new init starts a new budget
    CHECK_FALSE(h.client.stand_down());
    LONGS_EQUAL(7000, h.client.budget().remaining_micro_usd);
}
