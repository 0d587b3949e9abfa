// SPDX-License-Identifier: MIT
// The C API of the x402 EVM payer (consensus/consensus_evm.h): the C++
// EvmSigner in the caller's block, conversions, and a trampoline from the
// C++ sign_digest to the C one. No state of its own beyond the C callback,
// no allocation. Part of libconsensus_evm (the core needs no libsecp256k1).
#include <string.h>

#include <new>
#include <type_traits>

#include "capi/convert.h"
#include "consensus/client.h"
#include "consensus/consensus_evm.h"
#include "consensus/x402_evm.h"

using consensus::Error;
using consensus::EvmAddress;
using consensus::EvmRefusal;
using consensus::EvmSigner;
using consensus::EvmSignerOptions;
using consensus::EvmSignResult;
using consensus::capi::to_c;

// The block's header (CWS_EVM_SIGNER_HEADER_BYTES): the C++ signer and the C
// sign_digest (the C++ options hold the trampoline, user = this).
struct cws_evm_signer {
    EvmSigner signer;
    cws_evm_sign_digest sign_digest;
    void* sign_user;
};

namespace {

template <typename C, typename Cpp>
constexpr bool same(C c, Cpp cpp) {
    return static_cast<int>(c) == static_cast<int>(cpp);
}

static_assert(same(CWS_EVM_REFUSAL_NONE, EvmRefusal::none), "refusal");
static_assert(same(CWS_EVM_REFUSAL_NO_PAYABLE_REQUIREMENT, EvmRefusal::no_payable_requirement),
              "refusal");
static_assert(same(CWS_EVM_REFUSAL_ASSET_NOT_ALLOWED, EvmRefusal::asset_not_allowed), "refusal");
static_assert(same(CWS_EVM_REFUSAL_PAYEE_NOT_ALLOWED, EvmRefusal::payee_not_allowed), "refusal");
static_assert(same(CWS_EVM_REFUSAL_AMOUNT_TOO_HIGH, EvmRefusal::amount_too_high), "refusal");
static_assert(same(CWS_EVM_REFUSAL_MALFORMED_REQUIREMENT, EvmRefusal::malformed_requirement),
              "refusal");
static_assert(same(CWS_EVM_REFUSAL_NO_TIME, EvmRefusal::no_time), "refusal");
static_assert(same(CWS_EVM_REFUSAL_NO_ENTROPY, EvmRefusal::no_entropy), "refusal");
static_assert(same(CWS_EVM_REFUSAL_HEADER_TOO_SMALL, EvmRefusal::header_too_small), "refusal");
static_assert(same(CWS_EVM_REFUSAL_BUSY, EvmRefusal::busy), "refusal");
static_assert(same(CWS_EVM_REFUSAL_SIGNER_FAILED, EvmRefusal::signer_failed), "refusal");

static_assert(same(CWS_EVM_SIGNED_NOW, EvmSignResult::signed_now), "sign result");
static_assert(same(CWS_EVM_PENDING, EvmSignResult::pending), "sign result");
static_assert(same(CWS_EVM_REFUSED, EvmSignResult::refused), "sign result");

// The addresses are passed as arrays: the C struct is the C++ one's bytes.
static_assert(sizeof(cws_evm_address) == sizeof(EvmAddress), "cws_evm_address mirrors EvmAddress");
static_assert(alignof(cws_evm_address) == alignof(EvmAddress), "cws_evm_address mirrors it");
static_assert(std::is_standard_layout<EvmAddress>::value, "EvmAddress is its bytes");

static_assert(sizeof(cws_evm_signer) <= CWS_EVM_SIGNER_HEADER_BYTES, "the header fits");
static_assert(alignof(cws_evm_signer) <= CWS_EVM_SIGNER_ALIGN, "the header is 16-aligned");
static_assert(CWS_EVM_SIGNER_HEADER_BYTES % CWS_EVM_SIGNER_ALIGN == 0, "the rest is 16-aligned");

const EvmAddress* cpp_address(const cws_evm_address* a) {
    return reinterpret_cast<const EvmAddress*>(a);
}

const cws_evm_address* c_address(const EvmAddress* a) {
    return reinterpret_cast<const cws_evm_address*>(a);
}

EvmSignResult sign_trampoline(void* user, const uint8_t digest[32], uint32_t id, uint8_t sig[65]) {
    const cws_evm_signer* s = static_cast<const cws_evm_signer*>(user);
    switch (s->sign_digest(s->sign_user, digest, id, sig)) {
        case CWS_EVM_SIGNED_NOW:
            return EvmSignResult::signed_now;
        case CWS_EVM_PENDING:
            return EvmSignResult::pending;
        case CWS_EVM_REFUSED:
            break;
    }
    return EvmSignResult::refused;  // and any value outside the enum
}

// The C++ options, every field; sign_digest becomes the trampoline (user s).
EvmSignerOptions cpp_options(const cws_evm_signer_options& c, cws_evm_signer* s) {
    EvmSignerOptions o;
    o.private_key = c.private_key;
    o.sign_digest = c.sign_digest != nullptr ? sign_trampoline : nullptr;
    o.sign_user = s;
    memcpy(o.address.bytes, c.address.bytes, sizeof o.address.bytes);
    o.port = c.port;
    o.networks = c.networks;
    o.network_count = c.network_count;
    o.assets = cpp_address(c.assets);
    o.asset_count = c.asset_count;
    o.pay_to = cpp_address(c.pay_to);
    o.pay_to_count = c.pay_to_count;
    o.max_amount = c.max_amount;
    o.max_validity_s = c.max_validity_s;
    o.max_header = c.max_header;
    o.max_pending = c.max_pending;
    return o;
}

cws_error answer(const char** why, Error e, const char* text) {
    if (why != nullptr) *why = text;
    return to_c(e);
}

cws_payment_decision refused(cws_payment_header_out* header) {
    if (header != nullptr) {
        header->size = 0;
        header->refusal = "EVM payer: not initialised";
    }
    return CWS_PAY_REFUSED;
}

}  // namespace

extern "C" {

const char* cws_evm_refusal_name(cws_evm_refusal r) {
    return consensus::evm_refusal_name(static_cast<EvmRefusal>(r));
}

const cws_evm_address* cws_evm_base_sepolia_usdc(void) {
    return c_address(&consensus::kBaseSepoliaUsdc);
}

void cws_evm_signer_options_default(cws_evm_signer_options* o) {
    if (o == nullptr) return;
    const EvmSignerOptions d;
    o->private_key = d.private_key;
    o->sign_digest = nullptr;
    o->sign_user = d.sign_user;
    memcpy(o->address.bytes, d.address.bytes, sizeof o->address.bytes);
    o->port = d.port;
    o->networks = d.networks;
    o->network_count = d.network_count;
    o->assets = c_address(d.assets);
    o->asset_count = d.asset_count;
    o->pay_to = c_address(d.pay_to);
    o->pay_to_count = d.pay_to_count;
    o->max_amount = d.max_amount;
    o->max_validity_s = d.max_validity_s;
    o->max_header = d.max_header;
    o->max_pending = d.max_pending;
}

size_t cws_evm_signer_bytes(const cws_evm_signer_options* options) {
    if (options == nullptr) return SIZE_MAX;
    return CWS_EVM_SIGNER_HEADER_BYTES + EvmSigner::memory_needed(cpp_options(*options, nullptr));
}

cws_error cws_evm_signer_init(void* memory, size_t size, const cws_evm_signer_options* options,
                              cws_evm_signer** out, const char** why) {
    if (options == nullptr || out == nullptr) {
        return answer(why, Error::invalid_params, "options or out is null");
    }
    const bool block_ok = memory != nullptr &&
                          reinterpret_cast<uintptr_t>(memory) % CWS_EVM_SIGNER_ALIGN == 0 &&
                          size >= CWS_EVM_SIGNER_HEADER_BYTES;
    if (!block_ok) {
        // The C++ signer names the first fault (the options before the
        // memory, as in C++) without writing anything.
        EvmSigner probe;
        const char* text = nullptr;
        const Error e = probe.init(cpp_options(*options, nullptr), nullptr, 0, &text);
        return answer(why, e, text);
    }
    cws_evm_signer* s = new (memory) cws_evm_signer();
    s->sign_digest = options->sign_digest;
    s->sign_user = options->sign_user;
    const char* text = nullptr;
    const Error e = s->signer.init(cpp_options(*options, s),
                                   static_cast<uint8_t*>(memory) + CWS_EVM_SIGNER_HEADER_BYTES,
                                   size - CWS_EVM_SIGNER_HEADER_BYTES, &text);
    if (e != Error::ok) {
        s->~cws_evm_signer();
        return answer(why, e, text);
    }
    *out = s;
    return answer(why, Error::ok, "");
}

void cws_evm_signer_deinit(cws_evm_signer* signer) {
    if (signer == nullptr) return;
    signer->signer.deinit();
    signer->sign_digest = nullptr;
    signer->sign_user = nullptr;
}

cws_evm_address cws_evm_signer_address(const cws_evm_signer* signer) {
    cws_evm_address a;
    memset(&a, 0, sizeof a);
    if (signer != nullptr) memcpy(a.bytes, signer->signer.address().bytes, sizeof a.bytes);
    return a;
}

cws_evm_refusal cws_evm_signer_last_refusal(const cws_evm_signer* signer) {
    if (signer == nullptr) return CWS_EVM_REFUSAL_NONE;
    return static_cast<cws_evm_refusal>(signer->signer.last_refusal());
}

cws_payment_decision cws_evm_payment_hook(void* user, const cws_payment_challenge* challenge,
                                          cws_payment_ticket ticket,
                                          cws_payment_header_out* header) {
    cws_evm_signer* s = static_cast<cws_evm_signer*>(user);
    if (s == nullptr || challenge == nullptr || header == nullptr) return refused(header);
    consensus::PaymentChallenge ch;
    consensus::capi::to_cpp(*challenge, &ch);
    consensus::PaymentHeaderOut out{header->data, header->capacity, header->size, header->refusal};
    const consensus::PaymentDecision d = EvmSigner::hook(&s->signer, ch, {ticket.id}, &out);
    header->size = out.size;
    header->refusal = out.refusal;
    return static_cast<cws_payment_decision>(d);  // paid, pending or refused (convert.cpp)
}

cws_error cws_evm_signer_complete(cws_evm_signer* signer, cws_client* client, uint32_t id,
                                  const uint8_t sig[65]) {
    if (signer == nullptr || client == nullptr) return CWS_ERR_INVALID_CONFIG;
    return to_c(signer->signer.complete(consensus::capi::client_of(client), id, sig));
}

cws_error cws_evm_signer_abandon(cws_evm_signer* signer, cws_client* client, uint32_t id) {
    if (signer == nullptr || client == nullptr) return CWS_ERR_INVALID_CONFIG;
    return to_c(signer->signer.abandon(consensus::capi::client_of(client), id));
}

void cws_evm_address_text(const cws_evm_address* a, char out[43]) {
    if (a != nullptr && out != nullptr) consensus::evm_address_text(*cpp_address(a), out);
}

bool cws_evm_parse_address(const char* text, size_t size, cws_evm_address* out) {
    if (text == nullptr || out == nullptr) return false;
    EvmAddress a;
    if (!consensus::evm_parse_address(text, size, &a)) return false;
    memcpy(out->bytes, a.bytes, sizeof out->bytes);
    return true;
}

bool cws_evm_parse_private_key(const char* text, size_t size, uint8_t key[32]) {
    if (text == nullptr || key == nullptr) return false;
    return consensus::evm_parse_private_key(text, size, key);
}

bool cws_evm_key_address(const uint8_t key[32], cws_evm_address* out) {
    if (key == nullptr || out == nullptr) return false;
    EvmAddress a;
    if (!consensus::evm_key_address(key, &a)) return false;
    memcpy(out->bytes, a.bytes, sizeof out->bytes);
    return true;
}

}  // extern "C"
