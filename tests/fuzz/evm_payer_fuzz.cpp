// SPDX-License-Identifier: MIT
// The EVM payer from challenge to header on arbitrary PaymentRequired JSON.
// Input: [control][json...]
//   control bits 0-1: header capacity (256, 1,000, 2,048, 8,192 bytes);
//   bit 2: the port has no wall clock (the Date path: server_time_s below);
//   bit 3: a payee allow-list that holds the service's payee;
//   bits 4-5: max_amount (0, 7,500, 1,000,000, UINT64_MAX).
// Properties: a refusal leaves size 0 and names a reason; a payment is base64
// of a JSON object that fits the capacity and whose signature recovers to
// the key's address over the authorization it carries.
#include <mbedtls/base64.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>

#include "consensus/payment.h"
#include "consensus/x402_evm.h"
#include "core/strview.h"
#include "evm/ecdsa.h"
#include "evm/eip712.h"
#include "evm/evm_text.h"
#include "fuzz_util.h"
#include "json/json.h"

using namespace consensus;

namespace {

constexpr uint8_t kKey[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16,
                              17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
constexpr size_t kCaps[] = {256, 1000, 2048, 8192};
constexpr uint64_t kMaxAmounts[] = {0, 7500, 1000000, UINT64_MAX};

uint8_t g_counter = 0;
int fuzz_random(void*, uint8_t* buf, size_t len) {
    for (size_t i = 0; i < len; ++i) buf[i] = ++g_counter;
    return 0;
}
int fuzz_clock(void*, uint64_t* unix_s) {
    *unix_s = 1795625309;
    return 0;
}

// A member of an object by path ("payload.authorization.from"), raw text.
StrView member(const JsonDoc& doc, const char* path) {
    char key[32];
    int node = 0;
    const char* p = path;
    while (node >= 0) {
        const char* dot = strchr(p, '.');
        const size_t n = dot != nullptr ? static_cast<size_t>(dot - p) : strlen(p);
        memcpy(key, p, n);
        key[n] = '\0';
        node = json_find(doc, node, key);
        if (dot == nullptr) break;
        p = dot + 1;
    }
    fuzz::require(node >= 0, "a paid header lacks a member");
    return json_raw(doc, node);
}

void check_paid(const char* header, size_t size, size_t cap, const PaymentRequirement* accepts,
                size_t count, const EvmAddress& me) {
    fuzz::require(size > 0 && size <= cap && size % 4 == 0, "header size");
    std::unique_ptr<char[]> json(new char[size]);
    size_t n = 0;
    fuzz::require(mbedtls_base64_decode(reinterpret_cast<unsigned char*>(json.get()), size, &n,
                                        reinterpret_cast<const unsigned char*>(header), size) == 0,
                  "header is base64");
    std::unique_ptr<jsmntok_t[]> tokens(new jsmntok_t[4096]);
    JsonDoc doc;
    fuzz::require(
        json_parse_object(json.get(), n, tokens.get(), 4096 * sizeof(jsmntok_t), &doc) == Error::ok,
        "header is one JSON object");
    // The authorization must be for a requirement of the challenge.
    const StrView to = member(doc, "payload.authorization.to");
    const StrView value = member(doc, "payload.authorization.value");
    evm::TransferAuthorization a{};
    fuzz::require(evm::parse_address(to, &a.to), "to parses");
    bool matched = false;
    for (size_t i = 0; i < count && !matched; ++i) {
        EvmAddress payee;
        matched = evm::parse_address(accepts[i].pay_to, &payee) &&
                  memcmp(payee.bytes, a.to.bytes, 20) == 0 &&
                  accepts[i].amount.size == value.size &&
                  memcmp(accepts[i].amount.data, value.data, value.size) == 0;
    }
    fuzz::require(matched, "paid someone or something the challenge did not ask");
    const StrView from = member(doc, "payload.authorization.from");
    EvmAddress who;
    fuzz::require(evm::parse_address(from, &who) && memcmp(who.bytes, me.bytes, 20) == 0,
                  "from is the key's address");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const uint8_t control = data[0];
    std::unique_ptr<char[]> text(new char[size - 1 + 1]);
    memcpy(text.get(), data + 1, size - 1);
    std::unique_ptr<jsmntok_t[]> tokens(new jsmntok_t[256]);
    PaymentChallenge ch;
    if (parse_payment_challenge(text.get(), size - 1, tokens.get(), 256 * sizeof(jsmntok_t), &ch) !=
        Error::ok) {
        return 0;
    }
    if ((control & 4) != 0) ch.server_time_s = 1795625000;

    cws_port_ops ops{};
    ops.random = fuzz_random;
    ops.wall_clock = (control & 4) != 0 ? nullptr : fuzz_clock;
    const cws_port port{&ops, nullptr};
    const EvmAddress payees[] = {{{0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde,
                                   0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde, 0xc0, 0xde}}};
    EvmSignerOptions opt;
    opt.private_key = kKey;
    opt.port = &port;
    if ((control & 8) != 0) {
        opt.pay_to = payees;
        opt.pay_to_count = 1;
    }
    opt.max_amount = kMaxAmounts[(control >> 4) & 3];
    opt.max_header = 8192;
    alignas(16) static uint8_t memory[4096];
    EvmSigner signer;
    fuzz::require(signer.init(opt, memory, sizeof memory) == Error::ok, "init");

    const size_t cap = kCaps[control & 3];
    std::unique_ptr<char[]> header(new char[cap]);
    PaymentHeaderOut out{header.get(), cap, 0};
    const PaymentDecision d = EvmSigner::hook(&signer, ch, PaymentTicket{1}, &out);
    if (d == PaymentDecision::paid) {
        fuzz::require(signer.last_refusal() == EvmRefusal::none, "paid with a refusal");
        check_paid(header.get(), out.size, cap, ch.accepts, ch.accepts_count, signer.address());
    } else {
        fuzz::require(d == PaymentDecision::refused && out.size == 0 && out.refusal != nullptr &&
                          signer.last_refusal() != EvmRefusal::none,
                      "a refusal is typed and empty");
    }
    signer.deinit();
    return 0;
}
