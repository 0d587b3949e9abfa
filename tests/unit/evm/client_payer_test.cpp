// SPDX-License-Identifier: MIT
// EvmSigner as a Client's payment hook, on the fake port with the service's
// captured 402: the Date header path, a refusal's text in the error, and a key
// held elsewhere (sign_digest answering now, later, wrongly or never).
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "consensus/x402_evm.h"
#include "evm/ecdsa.h"
#include "unit/evm/hex_util.h"
#include "unit/evm/signer_fixture.h"

using namespace consensus;
using namespace clienttest;

namespace {

// What the last sign_digest call was asked.
struct Remote {
    EvmSignResult answer = EvmSignResult::pending;
    int calls = 0;
    uint32_t id = 0;
    uint8_t digest[32] = {};
    const uint8_t* key = evm_test::kKey;  // the key the "secure element" holds
};

bool sign_with(const uint8_t key[32], const uint8_t digest[32], uint8_t sig[65]) {
    alignas(16) uint8_t room[1024];
    evm::Secp256k1 secp;
    const bool ok = secp.create(room, nullptr) && secp.sign(key, digest, sig);
    secp.destroy();
    return ok;
}

EvmSignResult remote_sign(void* user, const uint8_t digest[32], uint32_t id, uint8_t sig[65]) {
    Remote* r = static_cast<Remote*>(user);
    ++r->calls;
    r->id = id;
    memcpy(r->digest, digest, 32);
    if (r->answer == EvmSignResult::signed_now && !sign_with(r->key, digest, sig)) {
        return EvmSignResult::refused;
    }
    return r->answer;
}

// The PAYMENT-SIGNATURE value the client sent on its second connection.
std::string sent_header(Harness& h) {
    const std::string sent = h.fp.stream(1).sent();
    const std::string tag = "PAYMENT-SIGNATURE: ";
    const size_t at = sent.find(tag);
    if (at == std::string::npos) return "";
    return sent.substr(at + tag.size(), sent.find("\r\n", at) - at - tag.size());
}

// At namespace scope: an over-aligned member would make CppUTest allocate
// the test group with the aligned operator new, which its leak detector does
// not pair (armhf's default new alignment is 8).
alignas(16) uint8_t g_signer_memory[8192];

}  // namespace

TEST_GROUP(EvmClientPayer) {
    Harness h;
    cws_port port{};
    EvmSignerOptions opt;
    EvmSigner signer;
    Remote remote;

    void setup() override {
        port = h.fp.port();
        opt.port = &port;
        opt.private_key = evm_test::kKey;
        h.options.payment_hook = &EvmSigner::hook;
        h.options.payment_user = &signer;
    }
    void teardown() override {
        h.client.deinit();
        signer.deinit();
    }
    void start() {
        CHECK(signer.init(opt, g_signer_memory, sizeof g_signer_memory) == Error::ok);
        CHECK(h.init() == Error::ok);
        h.fp.stream(0).push(vector_text("402-hybrid.http"));
        h.fp.stream(0).push_eof();
        h.fp.stream(1).push(vector_text("paid-200.http"));
        h.fp.stream(1).push_eof();
        CHECK(h.client.request_token(TokenParams(), &Harness::token_cb, &h) == Error::ok);
        h.spin();
    }
    void use_remote(EvmSignResult answer, uint8_t max_pending) {
        opt.private_key = nullptr;
        opt.sign_digest = &remote_sign;
        opt.sign_user = &remote;
        CHECK_TRUE(evm_key_address(evm_test::kKey, &opt.address));
        opt.max_pending = max_pending;
        remote.answer = answer;
    }
};

// No wall clock: the 402's own Date header (Wed, 25 Nov 2026 16:48:29 GMT)
// is the time, plus the challenge's 300 s.
TEST(EvmClientPayer, DateHeaderOfThe402SetsValidBefore) {
    h.fp.wall_clock_s = 0;
    start();
    CHECK(h.token_result.error == Error::ok);
    CHECK(h.token_result.paid);
    const std::string header = sent_header(h);
    evm_test::Decoded d(header.data(), header.size());
    STRCMP_EQUAL("1795625609", d.at("payload.authorization.validBefore").c_str());
    STRCMP_EQUAL(evm_test::kKeyAddress, d.at("payload.authorization.from").c_str());
}

TEST(EvmClientPayer, WallClockWhenThePortHasOne) {
    h.fp.wall_clock_s = 1800000000;
    start();
    const std::string header = sent_header(h);
    evm_test::Decoded d(header.data(), header.size());
    STRCMP_EQUAL("1800000300", d.at("payload.authorization.validBefore").c_str());
}

TEST(EvmClientPayer, RefusalIsPaymentRefusedWithItsReason) {
    const EvmAddress other[] = {evm_test::addr("0x1111111111111111111111111111111111111111")};
    opt.pay_to = other;
    opt.pay_to_count = 1;
    start();
    CHECK(h.token_result.error == Error::payment_refused);
    STRCMP_CONTAINS("payee not on the allow-list", h.token_message.c_str());
    LONGS_EQUAL(1, h.fp.opened());  // nothing was sent with a signature
    CHECK(signer.last_refusal() == EvmRefusal::payee_not_allowed);
}

TEST(EvmClientPayer, SecureElementAnswersAtOnce) {
    use_remote(EvmSignResult::signed_now, 0);
    start();
    CHECK(h.token_result.error == Error::ok);
    LONGS_EQUAL(1, remote.calls);
    LONGS_EQUAL(0, remote.id);  // no slot: it must answer now
}

TEST(EvmClientPayer, SecureElementAnswersLater) {
    use_remote(EvmSignResult::pending, 1);
    start();
    LONGS_EQUAL(1, remote.calls);
    CHECK(remote.id != 0);
    LONGS_EQUAL(0, h.token_callbacks);
    LONGS_EQUAL(1, h.fp.opened());  // nothing sent while the element works
    uint8_t sig[65];
    CHECK_TRUE(sign_with(evm_test::kKey, remote.digest, sig));
    sig[64] = static_cast<uint8_t>(sig[64] - 27);  // an element that answers v 0/1
    CHECK(signer.complete(h.client, remote.id, sig) == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::ok);
    const std::string header = sent_header(h);
    evm_test::Decoded d(header.data(), header.size());
    STRCMP_EQUAL(evm_test::kKeyAddress, d.at("payload.authorization.from").c_str());
    CHECK(d.at("payload.signature").substr(130) == "1b" ||
          d.at("payload.signature").substr(130) == "1c");  // normalised to 27/28
    // The slot is free again; the id is spent.
    CHECK(signer.complete(h.client, remote.id, sig) == Error::invalid_handle);
}

TEST(EvmClientPayer, SecureElementWithAnotherKeyIsRefusedLocally) {
    use_remote(EvmSignResult::pending, 1);
    start();
    uint8_t other_key[32] = {};
    other_key[31] = 9;
    uint8_t sig[65];
    CHECK_TRUE(sign_with(other_key, remote.digest, sig));
    CHECK(signer.complete(h.client, remote.id, sig) == Error::bad_response);
    h.spin();
    CHECK(h.token_result.error == Error::payment_refused);
    LONGS_EQUAL(1, h.fp.opened());
    CHECK(signer.last_refusal() == EvmRefusal::signer_failed);
}

TEST(EvmClientPayer, SecureElementGivenUp) {
    use_remote(EvmSignResult::pending, 1);
    start();
    CHECK(signer.abandon(h.client, remote.id) == Error::ok);
    h.spin();
    CHECK(h.token_result.error == Error::payment_refused);
    CHECK(signer.abandon(h.client, remote.id) == Error::invalid_handle);
}

TEST(EvmClientPayer, PendingWithoutASlotIsBusy) {
    use_remote(EvmSignResult::pending, 0);
    start();
    CHECK(h.token_result.error == Error::payment_refused);
    CHECK(signer.last_refusal() == EvmRefusal::busy);
}

TEST(EvmClientPayer, SecureElementRefuses) {
    use_remote(EvmSignResult::refused, 1);
    start();
    CHECK(h.token_result.error == Error::payment_refused);
    CHECK(signer.last_refusal() == EvmRefusal::signer_failed);
}
