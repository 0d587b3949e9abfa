// SPDX-License-Identifier: MIT
// Secrets leave the client's memory as soon as they are no longer needed:
// the payment header once the paid request is out, the token once presented
// (or handed to a TokenCallback), and everything at deinit.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

const char kStart[] = "{\"type\":\"session_start\",\"sessionId\":\"s\"}";
const char kToken[] = "05b0fc44-ac7f-4804-84e2-6810d9359f72";  // paid-200.http's token

// True when any 24-byte window of `secret` is somewhere in the block.
bool block_holds(const std::vector<uint8_t>& block, const std::string& secret) {
    const size_t w = secret.size() < 24 ? secret.size() : 24;
    for (size_t at = 0; at + w <= secret.size(); at += w) {
        const std::string piece = secret.substr(at, w);
        for (size_t i = 0; i + w <= block.size(); ++i) {
            if (memcmp(block.data() + i, piece.data(), w) == 0) return true;
        }
    }
    return false;
}

std::string header_of(size_t n) {
    std::string h;
    for (size_t i = 0; h.size() < n; ++i) h += "UEFZTUVOVC0" + std::to_string(i);
    return h.substr(0, n);
}

}  // namespace

TEST_GROUP(secrets) {
    Harness h;
    void setup() override {
        h.pay_header = header_of(1500);
        CHECK_ERR(Error::ok, h.init());
    }
    void teardown() override {
        h.client.deinit();
    }
};

TEST(secrets, ThePaymentHeaderIsWipedOnceThePaidRequestIsOut) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    h.spin();
    LONGS_EQUAL(1, h.hook_calls);
    STRCMP_CONTAINS(h.pay_header.c_str(), h.fp.stream(1).sent().c_str());  // it was sent
    CHECK_FALSE(block_holds(h.memory, h.pay_header));                      // and is gone
    h.fp.stream(1).push(vector_text("paid-200.http"));
    h.spin();
    CHECK_ERR(Error::ok, h.token_result.error);
    // The callback had the token; after it the request slot keeps no copy.
    CHECK_FALSE(block_holds(h.memory, kToken));
}

TEST(secrets, ARefusedPaymentLeavesNothingTheHookWrote) {
    h.mode = HookMode::refused;
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    h.spin();
    CHECK_ERR(Error::payment_refused, h.token_result.error);
    CHECK_FALSE(block_holds(h.memory, h.pay_header));
}

TEST(secrets, ThePresentedTokenAndEverythingAtDeinitAreWiped) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    h.fp.stream(1).push_eof();
    Session s;
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    h.spin();
    STRCMP_CONTAINS(kToken, h.fp.stream(2).sent().c_str());  // the upgrade presented it
    CHECK_FALSE(block_holds(h.memory, h.pay_header));
    CHECK_FALSE(block_holds(h.memory, kToken));
    h.fp.stream(2).push(switching_protocols(h.fp.stream(2).sent()) + frame(0x1, kStart) +
                        frame(0x1, "a private message"));
    h.spin();
    CHECK(s.state() == SessionState::open);
    CHECK(block_holds(h.memory, "a private message"));  // the message buffer, while open
    CHECK_ERR(Error::ok, s.close(1000, nullptr));
    h.spin();
    h.client.deinit();
    for (uint8_t b : h.memory) {
        if (b != 0) FAIL("a byte of the client's block survived deinit");
    }
}
