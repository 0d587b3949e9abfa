// SPDX-License-Identifier: MIT
// The log hook (consensus/log.h): state changes, purchase steps and
// reconnect decisions reach it at their levels, and no line ever carries the
// token, the connect_url or the payment header.
#include <string>
#include <vector>

#include "unit/client/client_fixture.h"

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

struct Line {
    LogLevel level;
    int32_t session;
    std::string text;
};

void record(void* user, LogLevel level, int32_t session, const char* message) {
    static_cast<std::vector<Line>*>(user)->push_back(Line{level, session, message});
}

constexpr char kToken[] = "05b0fc44-ac7f-4804-84e2-6810d9359f72";  // paid-200.http's

}  // namespace

TEST_GROUP(log) {
    Harness h;
    Session s;
    std::vector<Line> lines;

    void setup() override {
        h.options.log_hook = record;
        h.options.log_user = &lines;
        h.pay_header = "U0VDUkVULVBBWU1FTlQtSEVBREVS";  // "SECRET-PAYMENT-HEADER"
    }
    void teardown() override {
        h.client.deinit();
    }
    bool has(const std::string& part, LogLevel level) const {
        for (const Line& l : lines) {
            if (l.level == level && l.text.find(part) != std::string::npos) return true;
        }
        return false;
    }
    // A paid purchase, an open session, then the server drops the link.
    void paid_session_then_drop() {
        CHECK_ERR(Error::ok, h.init());
        h.fp.stream(0).push(vector_text("402-hybrid.http"));
        h.fp.stream(1).push(vector_text("paid-200.http"));
        h.fp.stream(1).push_eof();
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
        h.spin();
        h.fp.stream(2).push(switching_protocols(h.fp.stream(2).sent()) + frame(0x1, kSessionStart));
        h.spin();
        CHECK(s.state() == SessionState::open);
        h.fp.stream(2).push_error();
        h.spin();
    }
};

TEST(log, StateChangesPurchaseStepsAndReconnectDecisions) {
    paid_session_then_drop();
    CHECK(has("token request to 127.0.0.1", LogLevel::info));
    CHECK(has("402: payment required", LogLevel::info));
    CHECK(has("payment sent: ", LogLevel::info));
    CHECK(has("token received (paid), valid 60 s", LogLevel::info));
    CHECK(has("purchasing -> connecting", LogLevel::info));
    CHECK(has("upgrading -> starting", LogLevel::info));
    CHECK(has("starting -> open", LogLevel::info));
    CHECK(has("connection lost: closed", LogLevel::warn));
    CHECK(has("reconnect in ", LogLevel::info));
    for (const Line& l : lines) {
        LONGS_EQUAL(0, l.session);  // the session's index
        CHECK(l.text.size() <= kLogLineMax);
    }
}

TEST(log, NoLineCarriesTheTokenTheUrlOrThePayment) {
    paid_session_then_drop();
    CHECK(!lines.empty());
    for (const Line& l : lines) {
        CHECK(l.text.find(kToken) == std::string::npos);
        CHECK(l.text.find("ws-connect") == std::string::npos);
        CHECK(l.text.find(h.pay_header) == std::string::npos);
    }
}

TEST(log, TheLevelFiltersAndNoHookMeansNoLine) {
    h.options.log_level = LogLevel::warn;
    paid_session_then_drop();
    CHECK(!lines.empty());
    for (const Line& l : lines) CHECK(l.level <= LogLevel::warn);
    CHECK(has("connection lost", LogLevel::warn));
}

TEST(log, AFailedAttemptSaysWhyAtWarn) {
    CHECK_ERR(Error::ok, h.init());
    h.fp.stream(0).push(response(500, "Internal Server Error", "{\"error\":\"down\"}"));
    h.fp.stream(0).push_eof();
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    h.spin();
    CHECK(has("attempt 1 failed (token): ", LogLevel::warn));
    CHECK(has("HTTP 500", LogLevel::warn));
}

TEST(log, AStandAloneRequestThatFailsIsAnErrorOfTheClient) {
    CHECK_ERR(Error::ok, h.init());
    h.mode = HookMode::refused;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    h.spin();
    CHECK(has("token request failed: payment_refused", LogLevel::error));
    for (const Line& l : lines) LONGS_EQUAL(-1, l.session);
}
