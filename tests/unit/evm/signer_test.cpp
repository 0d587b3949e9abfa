// SPDX-License-Identifier: MIT
// EvmSigner as a payment hook: the header it builds for the service's real
// challenges, and every policy refusal (no signature made, a typed reason).
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/x402_evm.h"
#include "evm/ecdsa.h"
#include "evm/eip712.h"
#include "evm/evm_text.h"
#include "unit/evm/hex_util.h"
#include "unit/evm/signer_fixture.h"
#include "unit/ws/alloc_count.h"

using namespace consensus;
using namespace evm_test;

namespace {

std::string hybrid() {
    return read_vector("402-hybrid.json");
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    const size_t at = s.find(from);
    CHECK_TRUE(at != std::string::npos);
    return s.replace(at, from.size(), to);
}

// The digest the header's authorization stands for, recomputed from its text.
void digest_of(const Decoded& d, uint8_t out[32]) {
    evm::Eip712Domain dom{};
    dom.name = view_of("USDC");
    dom.version = view_of("2");
    dom.chain_id = evm::uint256_from_u64(84532);
    dom.verifying_contract = kBaseSepoliaUsdc;
    evm::TransferAuthorization a{};
    const std::string from = d.at("payload.authorization.from");
    const std::string to = d.at("payload.authorization.to");
    const std::string value = d.at("payload.authorization.value");
    const std::string after = d.at("payload.authorization.validAfter");
    const std::string before = d.at("payload.authorization.validBefore");
    CHECK_TRUE(evm::parse_address(make_view(from.data(), from.size()), &a.from));
    CHECK_TRUE(evm::parse_address(make_view(to.data(), to.size()), &a.to));
    CHECK_TRUE(evm::parse_uint256(make_view(value.data(), value.size()), &a.value));
    CHECK_TRUE(evm::parse_uint256(make_view(after.data(), after.size()), &a.valid_after));
    CHECK_TRUE(evm::parse_uint256(make_view(before.data(), before.size()), &a.valid_before));
    CHECK_TRUE(unhex(d.at("payload.authorization.nonce"), a.nonce, 32));
    evm::transfer_digest(dom, a, out);
}

EvmAddress signer_of(const Decoded& d) {
    uint8_t digest[32], sig[65];
    digest_of(d, digest);
    CHECK_TRUE(unhex(d.at("payload.signature"), sig, 65));
    alignas(16) uint8_t room[1024];
    evm::Secp256k1 secp;
    CHECK_TRUE(secp.create(room, nullptr));
    EvmAddress who{};
    CHECK_TRUE(secp.recover(digest, sig, &who));
    secp.destroy();
    return who;
}

std::string text(const EvmAddress& a) {
    char t[43];
    evm_address_text(a, t);
    return t;
}

EvmRefusal refusal_for(Signer& s, const std::string& challenge_json) {
    Challenge c(challenge_json);
    CHECK_EQUAL(static_cast<int>(PaymentDecision::refused), static_cast<int>(s.pay(c.ch)));
    CHECK_EQUAL(0u, s.out.size);
    CHECK_TRUE(s.out.refusal != nullptr && strstr(s.out.refusal, "EVM payer") != nullptr);
    return s.signer.last_refusal();
}

}  // namespace

TEST_GROUP(EvmSigner){};

TEST(EvmSigner, PaysTheServicesChallenge) {
    Signer s;
    CHECK_EQUAL(static_cast<int>(Error::ok), static_cast<int>(s.init()));
    STRCMP_EQUAL(kKeyAddress, text(s.signer.address()).c_str());
    Challenge c(hybrid());
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(s.pay(c.ch)));
    CHECK_TRUE(s.out.size > 0 && s.out.size % 4 == 0);
    Decoded d(s.header, s.out.size);
    STRCMP_EQUAL("2", d.at("x402Version").c_str());
    STRCMP_EQUAL(kKeyAddress, d.at("payload.authorization.from").c_str());
    STRCMP_EQUAL(kPayee, d.at("payload.authorization.to").c_str());
    STRCMP_EQUAL("7500", d.at("payload.authorization.value").c_str());
    STRCMP_EQUAL("0", d.at("payload.authorization.validAfter").c_str());
    STRCMP_EQUAL(std::to_string(kNow + 300).c_str(),
                 d.at("payload.authorization.validBefore").c_str());
    // The nonce is the port's entropy (the fake counts 1, 2, 3, ... after the
    // 32 bytes init took to blind the context).
    std::string nonce = d.at("payload.authorization.nonce");
    STRCMP_EQUAL("0x2122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f40",
                 nonce.c_str());
    // accepted is the requirement verbatim; resource as the server sent it.
    STRCMP_EQUAL(std::string(c.ch.accepts[0].raw.data, c.ch.accepts[0].raw.size).c_str(),
                 d.at("accepted").c_str());
    STRCMP_EQUAL(std::string(c.ch.resource_json.data, c.ch.resource_json.size).c_str(),
                 d.at("resource").c_str());
    STRCMP_EQUAL("", d.at("extensions").c_str());
    STRCMP_EQUAL(kKeyAddress, text(signer_of(d)).c_str());
    CHECK_EQUAL(static_cast<int>(EvmRefusal::none), static_cast<int>(s.signer.last_refusal()));
}

TEST(EvmSigner, FreshNonceEveryPayment) {
    Signer s;
    s.init();
    Challenge c(hybrid());
    s.pay(c.ch);
    Decoded first(s.header, s.out.size);
    s.pay(c.ch);
    Decoded second(s.header, s.out.size);
    CHECK_TRUE(first.at("payload.authorization.nonce") != second.at("payload.authorization.nonce"));
    CHECK_TRUE(first.at("payload.signature") != second.at("payload.signature"));
}

TEST(EvmSigner, PicksTheEvmRequirementOfAHybridChallenge) {
    Signer s;
    s.init();
    // Solana first, EVM second: the first one it can pay is taken.
    std::string j = read_vector("402-hybrid-evm-solana.json");
    Challenge c(j);
    CHECK_EQUAL(2u, c.ch.accepts_count);
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(s.pay(c.ch)));
    Decoded d(s.header, s.out.size);
    STRCMP_EQUAL("eip155:84532", d.at("accepted.network").c_str());
}

TEST(EvmSigner, SolanaOnlyIsNotPayable) {
    Signer s;
    s.init();
    std::string j =
        replaced(hybrid(), "\"eip155:84532\"", "\"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1\"");
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_payable_requirement),
                static_cast<int>(refusal_for(s, j)));
    STRCMP_EQUAL("no_payable_requirement", evm_refusal_name(s.signer.last_refusal()));
}

TEST(EvmSigner, NetworkOutsideTheAllowListIsNotPayable) {
    Signer s;
    s.init();
    // Base mainnet is not on the default list (Base Sepolia only).
    std::string j = replaced(hybrid(), "\"eip155:84532\"", "\"eip155:8453\"");
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_payable_requirement),
                static_cast<int>(refusal_for(s, j)));
}

TEST(EvmSigner, OtherSchemesAndPermit2AreNotPayable) {
    Signer s;
    s.init();
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_payable_requirement),
                static_cast<int>(refusal_for(s, replaced(hybrid(), "\"exact\"", "\"upto\""))));
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_payable_requirement),
                static_cast<int>(refusal_for(
                    s, replaced(hybrid(), "\"version\": \"2\"",
                                "\"version\": \"2\", \"assetTransferMethod\": \"permit2\""))));
    // eip3009 named explicitly is fine.
    Challenge c(replaced(hybrid(), "\"version\": \"2\"",
                         "\"version\": \"2\", \"assetTransferMethod\": \"eip3009\""));
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(s.pay(c.ch)));
}

TEST(EvmSigner, PayeeAllowList) {
    Signer s;
    const EvmAddress allowed[] = {addr("0x1111111111111111111111111111111111111111")};
    s.opt.pay_to = allowed;
    s.opt.pay_to_count = 1;
    s.init();
    CHECK_EQUAL(static_cast<int>(EvmRefusal::payee_not_allowed),
                static_cast<int>(refusal_for(s, hybrid())));
    s.signer.deinit();
    const EvmAddress both[] = {allowed[0], addr(kPayee)};
    s.opt.pay_to = both;
    s.opt.pay_to_count = 2;
    s.init();
    Challenge c(hybrid());
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(s.pay(c.ch)));
}

TEST(EvmSigner, AssetAllowList) {
    Signer s;
    s.init();
    // Same checksum rules, another contract: refused by the default list.
    std::string j = replaced(hybrid(), "0x036CbD53842c5426634e7929541eC2318f3dCF7e",
                             "0x1c7d4b196cb0c7b01d743fbc6116a902379c7238");
    CHECK_EQUAL(static_cast<int>(EvmRefusal::asset_not_allowed),
                static_cast<int>(refusal_for(s, j)));
}

TEST(EvmSigner, PerPaymentMaximum) {
    Signer s;
    s.opt.max_amount = 7499;
    s.init();
    CHECK_EQUAL(static_cast<int>(EvmRefusal::amount_too_high),
                static_cast<int>(refusal_for(s, hybrid())));
    s.signer.deinit();
    s.opt.max_amount = 7500;
    s.init();
    Challenge c(hybrid());
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(s.pay(c.ch)));
    // An amount beyond 64 bits is over any maximum.
    s.opt.max_amount = UINT64_MAX;
    CHECK_EQUAL(static_cast<int>(EvmRefusal::amount_too_high),
                static_cast<int>(
                    refusal_for(s, replaced(hybrid(), "\"7500\"", "\"18446744073709551616\""))));
}

TEST(EvmSigner, MalformedRequirements) {
    Signer s;
    s.init();
    const char* const payees[] = {"0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0de",  // bad checksum
                                  "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0", "nobody"};
    for (const char* p : payees) {
        CHECK_EQUAL(static_cast<int>(EvmRefusal::malformed_requirement),
                    static_cast<int>(refusal_for(s, replaced(hybrid(), kPayee, p))));
    }
    const char* const edits[][2] = {
        {"\"7500\"", "\"07500\""},
        {"\"maxTimeoutSeconds\": 300", "\"maxTimeoutSeconds\": 0"},
        {"\"name\": \"USDC\",", ""},
        {"\"version\": \"2\"", "\"version\": 2"},
        {"\"name\": \"USDC\"", "\"name\": \"US\\u0044C\""},
        {"\"extra\": {", "\"extra\": [], \"x\": {"},
    };
    for (const auto& e : edits) {
        CHECK_EQUAL(static_cast<int>(EvmRefusal::malformed_requirement),
                    static_cast<int>(refusal_for(s, replaced(hybrid(), e[0], e[1]))));
    }
}

TEST(EvmSigner, ValidityIsCappedByMaxValidity) {
    Signer s;
    s.opt.max_validity_s = 60;
    s.init();
    Challenge c(hybrid());
    s.pay(c.ch);
    Decoded d(s.header, s.out.size);
    STRCMP_EQUAL(std::to_string(kNow + 60).c_str(),
                 d.at("payload.authorization.validBefore").c_str());
}

TEST(EvmSigner, DateHeaderWhenThereIsNoWallClock) {
    Signer s;
    s.port.wall_clock_s = 0;  // the RTC is not set
    s.init();
    Challenge c(hybrid());
    c.ch.server_time_s = 1795625000;
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(s.pay(c.ch)));
    Decoded d(s.header, s.out.size);
    STRCMP_EQUAL("1795625300", d.at("payload.authorization.validBefore").c_str());
}

TEST(EvmSigner, WallClockWinsOverTheDateHeader) {
    Signer s;
    s.init();
    Challenge c(hybrid());
    c.ch.server_time_s = 4000000000;  // a server that claims the far future
    s.pay(c.ch);
    Decoded d(s.header, s.out.size);
    STRCMP_EQUAL(std::to_string(kNow + 300).c_str(),
                 d.at("payload.authorization.validBefore").c_str());
}

TEST(EvmSigner, NoTimeAtAll) {
    Signer s;
    s.port.wall_clock_s = 0;
    s.init();
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_time), static_cast<int>(refusal_for(s, hybrid())));
    // A clock that reads 1970 (never set) is no clock either.
    s.port.wall_clock_s = 86400;
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_time), static_cast<int>(refusal_for(s, hybrid())));
}

TEST(EvmSigner, EntropyFailure) {
    Signer s;
    s.init();
    s.port.random_fails = true;
    CHECK_EQUAL(static_cast<int>(EvmRefusal::no_entropy),
                static_cast<int>(refusal_for(s, hybrid())));
}

TEST(EvmSigner, HeaderTooSmall) {
    Signer s;
    s.init();
    Challenge c(hybrid());
    s.out = PaymentHeaderOut{s.header, 1000, 0};  // the header is ~1,150 bytes
    CHECK_EQUAL(static_cast<int>(PaymentDecision::refused),
                static_cast<int>(EvmSigner::hook(&s.signer, c.ch, PaymentTicket{1}, &s.out)));
    CHECK_EQUAL(static_cast<int>(EvmRefusal::header_too_small),
                static_cast<int>(s.signer.last_refusal()));
}

TEST(EvmSigner, InitRefusesBadOptions) {
    const char* why = nullptr;
    Signer s;
    s.opt.sign_digest = [](void*, const uint8_t*, uint32_t, uint8_t*) {
        return EvmSignResult::refused;
    };
    CHECK_EQUAL(static_cast<int>(Error::invalid_config),
                static_cast<int>(s.signer.init(s.opt, s.memory, sizeof s.memory, &why)));
    STRCMP_EQUAL("exactly one of private_key and sign_digest", why);

    Signer zero;
    const uint8_t zero_key[32] = {};
    zero.opt.private_key = zero_key;
    CHECK_EQUAL(
        static_cast<int>(Error::invalid_config),
        static_cast<int>(zero.signer.init(zero.opt, zero.memory, sizeof zero.memory, &why)));
    STRCMP_EQUAL("private key is zero or not below the curve order", why);

    Signer net;
    const char* const nets[] = {"base-sepolia"};
    net.opt.networks = nets;
    net.opt.network_count = 1;
    CHECK_EQUAL(static_cast<int>(Error::invalid_config),
                static_cast<int>(net.signer.init(net.opt, net.memory, sizeof net.memory, &why)));

    Signer small;
    CHECK_EQUAL(static_cast<int>(Error::invalid_config),
                static_cast<int>(small.signer.init(small.opt, small.memory,
                                                   EvmSigner::memory_needed(small.opt) - 1, &why)));
    CHECK_EQUAL(static_cast<int>(Error::invalid_config),
                static_cast<int>(
                    small.signer.init(small.opt, small.memory + 8, sizeof small.memory - 8, &why)));
    Signer validity;
    validity.opt.max_validity_s = 0;
    CHECK_EQUAL(static_cast<int>(Error::invalid_config), static_cast<int>(validity.init()));

    Signer twice;
    CHECK_EQUAL(static_cast<int>(Error::ok), static_cast<int>(twice.init()));
    CHECK_EQUAL(static_cast<int>(Error::invalid_config), static_cast<int>(twice.init()));

    Signer no_random;
    no_random.port.random_fails = true;
    CHECK_EQUAL(static_cast<int>(Error::invalid_config), static_cast<int>(no_random.init()));
}

TEST(EvmSigner, DeinitWipesTheKey) {
    Signer s;
    s.init();
    const size_t n = EvmSigner::memory_needed(s.opt);
    bool found = false;
    for (size_t i = 0; i + 32 <= n; ++i) found |= memcmp(s.memory + i, kKey, 32) == 0;
    CHECK_TRUE(found);  // the copy lives in the signer's memory...
    s.signer.deinit();
    for (size_t i = 0; i < n; ++i) CHECK_EQUAL(0, s.memory[i]);  // ...and nothing stays
    // A deinitialised signer refuses without touching the header.
    Challenge c(hybrid());
    CHECK_EQUAL(static_cast<int>(PaymentDecision::refused), static_cast<int>(s.pay(c.ch)));
}

TEST(EvmSigner, MemoryNeeded) {
    EvmSignerOptions o;
    const size_t base = EvmSigner::memory_needed(o);
    CHECK_TRUE(base >= evm::Secp256k1::context_size());
    CHECK_TRUE(base < 1024);
    o.max_pending = 2;
    CHECK_TRUE(EvmSigner::memory_needed(o) >= base + 2 * o.max_header);
    CHECK_TRUE(EvmSigner::memory_needed(o) <= base + 2 * (o.max_header + 64));
}

// The hook allocates nothing: libsecp256k1 works in the preallocated context,
// the header is built in the caller's buffer.
TEST(EvmSigner, PayingAllocatesNothing) {
    if (!alloc_count::available()) return;  // ASan or valgrind own malloc
    Signer s;
    s.init();
    Challenge c(hybrid());
    alloc_count::start();
    const PaymentDecision d = s.pay(c.ch);
    s.pay(c.ch);
    alloc_count::stop();
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid), static_cast<int>(d));
    CHECK_EQUAL(0u, alloc_count::allocations());
    CHECK_EQUAL(0u, alloc_count::frees());
}
