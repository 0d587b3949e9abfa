// SPDX-License-Identifier: MIT
// The x402 "exact" EVM payer: requirement selection and policy, the
// EIP-3009 authorization, its EIP-712 digest, the signature, and the
// PaymentPayload header. See include/consensus/x402_evm.h.
#include <string.h>

#include <new>

#include "consensus/client.h"
#include "consensus/x402_evm.h"
#include "core/strview.h"
#include "core/wipe.h"
#include "core/writer.h"
#include "evm/ecdsa.h"
#include "evm/eip712.h"
#include "evm/evm_text.h"
#include "evm/payload.h"
#include "json/json.h"

namespace consensus {

const EvmAddress kBaseSepoliaUsdc = {{0x03, 0x6c, 0xbd, 0x53, 0x84, 0x2c, 0x54, 0x26, 0x63, 0x4e,
                                      0x79, 0x29, 0x54, 0x1e, 0xc2, 0x31, 0x8f, 0x3d, 0xcf, 0x7e}};

namespace {

const char* const kDefaultNetworks[] = {"eip155:84532"};
constexpr uint32_t kMaxValidityLimit = 86400;
constexpr uint32_t kMinHeader = 256;
constexpr uint32_t kMaxHeader = 64u * 1024;
constexpr uint8_t kMaxPendingLimit = 64;
constexpr size_t kAlign = 16;
// An RTC that reads earlier than 2020-01-01 was never set.
constexpr uint64_t kEarliestTime = 1577836800;
// jsmn tokens for one requirement object (on the stack: 20 B each). The
// service's requirement needs 19; more is a requirement we do not pay.
constexpr size_t kRequirementTokens = 40;

constexpr size_t round_up(size_t n) {
    return (n + kAlign - 1) / kAlign * kAlign;
}

// One payment waiting for sign_digest; max_header bytes of JSON follow it.
struct PendingSlot {
    uint32_t id;  // 0 = free
    PaymentTicket ticket;
    uint8_t digest[32];
    uint32_t json_len;
    uint32_t sig_at;
};

size_t slot_stride(const EvmSignerOptions& o) {
    return round_up(sizeof(PendingSlot)) + round_up(o.max_header);
}

const char* const kRefusalNames[] = {
    "none",
    "no_payable_requirement",
    "asset_not_allowed",
    "payee_not_allowed",
    "amount_too_high",
    "malformed_requirement",
    "no_time",
    "no_entropy",
    "header_too_small",
    "busy",
    "signer_failed",
};

// The payment_refused message for each refusal (static: the client copies it).
const char* const kRefusalTexts[] = {
    "",
    "EVM payer: no requirement it can pay (scheme exact, eip3009, an allowed network)",
    "EVM payer: asset not on the allow-list",
    "EVM payer: payee not on the allow-list",
    "EVM payer: amount over the per-payment maximum",
    "EVM payer: malformed payment requirement",
    "EVM payer: no time (no wall clock, no Date header)",
    "EVM payer: the port's entropy failed",
    "EVM payer: payment header does not fit",
    "EVM payer: every pending slot is in use",
    "EVM payer: the signer produced no valid signature",
};

static_assert(sizeof kRefusalNames / sizeof kRefusalNames[0] ==
                  static_cast<size_t>(EvmRefusal::signer_failed) + 1,
              "a name per refusal");
static_assert(sizeof kRefusalTexts == sizeof kRefusalNames, "a text per refusal");

bool address_listed(const EvmAddress* list, size_t count, const EvmAddress& a) {
    for (size_t i = 0; i < count; ++i) {
        if (memcmp(list[i].bytes, a.bytes, sizeof a.bytes) == 0) return true;
    }
    return false;
}

// extra.name / extra.version: plain strings (no escapes: the EIP-712 domain
// hashes the decoded bytes, and USDC's are ASCII).
bool plain_string(const JsonDoc& doc, int i, StrView* out) {
    if (i < 0 || !json_is_string(doc, i)) return false;
    *out = json_raw(doc, i);
    return memchr(out->data, '\\', out->size) == nullptr;
}

struct Extra {
    StrView name;
    StrView version;
    bool other_method = false;  // assetTransferMethod present and not eip3009
};

bool parse_extra(StrView raw, Extra* out) {
    alignas(8) uint8_t scratch[kRequirementTokens * sizeof(jsmntok_t)];
    JsonDoc doc;
    if (json_parse_object(raw.data, raw.size, scratch, sizeof scratch, &doc) != Error::ok) {
        return false;
    }
    const int extra = json_find(doc, 0, "extra");
    if (extra < 0 || !json_is_object(doc, extra)) return false;
    const int method = json_find(doc, extra, "assetTransferMethod");
    if (method == kJsonDuplicate) return false;
    if (method >= 0) {
        out->other_method =
            !json_is_string(doc, method) || !view_equals(json_raw(doc, method), "eip3009");
    }
    return plain_string(doc, json_find(doc, extra, "name"), &out->name) &&
           plain_string(doc, json_find(doc, extra, "version"), &out->version);
}

}  // namespace

const char* evm_refusal_name(EvmRefusal r) {
    const size_t i = static_cast<size_t>(r);
    return i < sizeof kRefusalNames / sizeof kRefusalNames[0] ? kRefusalNames[i] : "unknown";
}

struct EvmSigner::Impl {
    EvmSignerOptions opt;
    uint8_t key[evm::kPrivateKeyBytes];
    evm::Secp256k1 secp;
    uint8_t* slots;
    uint32_t next_id;

    // What one payment signs.
    struct Plan {
        const PaymentRequirement* req;
        evm::Eip712Domain domain;
        evm::TransferAuthorization auth;
    };

    bool network_allowed(StrView network) const {
        for (size_t i = 0; i < opt.network_count; ++i) {
            if (view_equals(network, opt.networks[i])) return true;
        }
        return false;
    }

    // The refusal for one requirement, or none with plan filled.
    EvmRefusal check(const PaymentRequirement& req, Plan* plan) const {
        Extra extra;
        if (!view_equals(req.scheme, "exact") || !network_allowed(req.network)) {
            return EvmRefusal::no_payable_requirement;
        }
        if (!parse_extra(req.raw, &extra)) return EvmRefusal::malformed_requirement;
        if (extra.other_method) return EvmRefusal::no_payable_requirement;
        evm::Eip712Domain& d = plan->domain;
        evm::TransferAuthorization& a = plan->auth;
        if (!evm::parse_eip155_network(req.network, &d.chain_id) ||
            !evm::parse_address(req.asset, &d.verifying_contract) ||
            !evm::parse_address(req.pay_to, &a.to) || !evm::parse_uint256(req.amount, &a.value) ||
            req.max_timeout_s == 0) {
            return EvmRefusal::malformed_requirement;
        }
        if (!address_listed(opt.assets, opt.asset_count, d.verifying_contract)) {
            return EvmRefusal::asset_not_allowed;
        }
        if (opt.pay_to_count > 0 && !address_listed(opt.pay_to, opt.pay_to_count, a.to)) {
            return EvmRefusal::payee_not_allowed;
        }
        uint64_t amount = 0;
        if (!evm::uint256_to_u64(a.value, &amount) || amount > opt.max_amount) {
            return EvmRefusal::amount_too_high;
        }
        d.name = extra.name;
        d.version = extra.version;
        plan->req = &req;
        return EvmRefusal::none;
    }

    // The first payable requirement; else the refusal of the first one on an
    // allowed network (the most telling), else no_payable_requirement.
    EvmRefusal select(const PaymentChallenge& ch, Plan* plan) const {
        if (ch.x402_version != 2) return EvmRefusal::no_payable_requirement;
        EvmRefusal first = EvmRefusal::no_payable_requirement;
        for (size_t i = 0; i < ch.accepts_count; ++i) {
            const EvmRefusal r = check(ch.accepts[i], plan);
            if (r == EvmRefusal::none) return r;
            if (first == EvmRefusal::no_payable_requirement) first = r;
        }
        return first;
    }

    bool now(const PaymentChallenge& ch, uint64_t* unix_s) const {
        const cws_port_ops* ops = opt.port->ops;
        uint64_t t = 0;
        if (ops->wall_clock != nullptr && ops->wall_clock(opt.port->ctx, &t) == 0 &&
            t >= kEarliestTime) {
            *unix_s = t;
            return true;
        }
        if (ch.server_time_s >= kEarliestTime) {
            *unix_s = ch.server_time_s;
            return true;
        }
        return false;
    }

    // Time, nonce and digest of the chosen requirement.
    EvmRefusal authorize(const PaymentChallenge& ch, const EvmAddress& from, Plan* plan,
                         uint8_t digest[32]) const {
        uint64_t t = 0;
        if (!now(ch, &t)) return EvmRefusal::no_time;
        evm::TransferAuthorization& a = plan->auth;
        const uint32_t validity = plan->req->max_timeout_s < opt.max_validity_s
                                      ? plan->req->max_timeout_s
                                      : opt.max_validity_s;
        a.from = from;
        a.valid_after = evm::uint256_from_u64(0);  // as the JavaScript SDK: valid from the start
        a.valid_before = evm::uint256_from_u64(t + validity);
        if (opt.port->ops->random(opt.port->ctx, a.nonce, sizeof a.nonce) != 0) {
            return EvmRefusal::no_entropy;
        }
        evm::transfer_digest(plan->domain, a, digest);
        return EvmRefusal::none;
    }

    PendingSlot* slot(size_t i) const {
        return reinterpret_cast<PendingSlot*>(slots + i * slot_stride(opt));
    }
    static char* slot_json(PendingSlot* s) {
        return reinterpret_cast<char*>(s) + round_up(sizeof(PendingSlot));
    }
    PendingSlot* free_slot() const {
        for (size_t i = 0; i < opt.max_pending; ++i) {
            if (slot(i)->id == 0) return slot(i);
        }
        return nullptr;
    }
    PendingSlot* find_slot(uint32_t id) const {
        for (size_t i = 0; i < opt.max_pending && id != 0; ++i) {
            if (slot(i)->id == id) return slot(i);
        }
        return nullptr;
    }
    void release(PendingSlot* s) const { wipe(s, slot_stride(opt)); }

    // An outside signer's answer: canonical, and by our key.
    bool accept_signature(const uint8_t digest[32], uint8_t sig[evm::kSignatureBytes],
                          const EvmAddress& from) const {
        EvmAddress who;
        return evm::Secp256k1::normalize(sig) && secp.recover(digest, sig, &who) &&
               memcmp(who.bytes, from.bytes, sizeof who.bytes) == 0;
    }

    // Asks sign_digest. A free slot takes the payload first: the callback may
    // answer through complete() from inside, or later (*pending).
    EvmRefusal sign_outside(const uint8_t digest[32], PaymentTicket ticket, const char* json,
                            const evm::PayloadText& text, const EvmAddress& from,
                            uint8_t sig[evm::kSignatureBytes], bool* pending) {
        PendingSlot* s = free_slot();
        uint32_t id = 0;
        if (s != nullptr) {
            id = next_id++;
            if (next_id == 0) next_id = 1;
            *s = PendingSlot{id,
                             ticket,
                             {},
                             static_cast<uint32_t>(text.json_len),
                             static_cast<uint32_t>(text.signature_at)};
            memcpy(s->digest, digest, sizeof s->digest);
            memcpy(slot_json(s), json, text.json_len);
        }
        const EvmSignResult answer = opt.sign_digest(opt.sign_user, digest, id, sig);
        if (answer == EvmSignResult::pending && s != nullptr) {
            *pending = true;
            return EvmRefusal::none;
        }
        if (s != nullptr) release(s);
        if (answer == EvmSignResult::pending) return EvmRefusal::busy;
        if (answer != EvmSignResult::signed_now || !accept_signature(digest, sig, from)) {
            return EvmRefusal::signer_failed;
        }
        return EvmRefusal::none;
    }
};

EvmSigner::~EvmSigner() {
    deinit();
}

size_t EvmSigner::memory_needed(const EvmSignerOptions& o) {
    return round_up(sizeof(Impl)) + round_up(evm::Secp256k1::context_size()) +
           o.max_pending * slot_stride(o);
}

namespace {

const char* options_problem(const EvmSignerOptions& o) {
    if (o.port == nullptr || o.port->ops == nullptr || o.port->ops->random == nullptr) {
        return "port with a random op required";
    }
    if ((o.private_key != nullptr) == (o.sign_digest != nullptr)) {
        return "exactly one of private_key and sign_digest";
    }
    if ((o.network_count > 0 && o.networks == nullptr) ||
        (o.asset_count > 0 && o.assets == nullptr) || (o.pay_to_count > 0 && o.pay_to == nullptr)) {
        return "a count without its array";
    }
    for (size_t i = 0; i < o.network_count; ++i) {
        evm::Uint256 id;
        if (o.networks[i] == nullptr || !evm::parse_eip155_network(view_of(o.networks[i]), &id)) {
            return "network is not eip155:<chain id>";
        }
    }
    if (o.max_validity_s == 0 || o.max_validity_s > kMaxValidityLimit) {
        return "max_validity_s out of 1..86400";
    }
    if (o.max_header < kMinHeader || o.max_header > kMaxHeader) {
        return "max_header out of 256..65536";
    }
    if (o.max_pending > kMaxPendingLimit) return "max_pending over 64";
    return nullptr;
}

}  // namespace

Error EvmSigner::init(const EvmSignerOptions& options, void* memory, size_t size,
                      const char** why) {
    const char* problem = options_problem(options);
    if (problem == nullptr && impl_ != nullptr) problem = "already initialised";
    if (problem == nullptr &&
        (memory == nullptr || reinterpret_cast<uintptr_t>(memory) % kAlign != 0 ||
         size < memory_needed(options))) {
        problem = "memory too small or not 16-aligned";
    }
    uint8_t seed[32];
    if (problem == nullptr &&
        options.port->ops->random(options.port->ctx, seed, sizeof seed) != 0) {
        problem = "the port's random failed";
    }
    if (problem != nullptr) {
        if (why != nullptr) *why = problem;
        return Error::invalid_config;
    }
    memset(memory, 0, memory_needed(options));
    uint8_t* base = static_cast<uint8_t*>(memory);
    Impl* impl = new (base) Impl();
    impl->opt = options;
    if (impl->opt.network_count == 0) {
        impl->opt.networks = kDefaultNetworks;
        impl->opt.network_count = 1;
    }
    if (impl->opt.asset_count == 0) {
        impl->opt.assets = &kBaseSepoliaUsdc;
        impl->opt.asset_count = 1;
    }
    impl->opt.private_key = nullptr;  // the copy in impl->key is the only one kept
    void* ctx_mem = base + round_up(sizeof(Impl));
    impl->slots = base + round_up(sizeof(Impl)) + round_up(evm::Secp256k1::context_size());
    impl->next_id = 1;
    const bool ctx_ok = impl->secp.create(ctx_mem, seed);
    wipe(seed, sizeof seed);
    impl_ = impl;
    if (!ctx_ok) problem = "secp256k1 context";
    if (problem == nullptr && options.private_key != nullptr) {
        memcpy(impl->key, options.private_key, sizeof impl->key);
        if (!impl->secp.key_valid(impl->key) || !impl->secp.key_address(impl->key, &address_)) {
            problem = "private key is zero or not below the curve order";
        }
    } else if (problem == nullptr) {
        address_ = options.address;
    }
    if (problem != nullptr) {
        deinit();
        if (why != nullptr) *why = problem;
        return Error::invalid_config;
    }
    last_refusal_ = EvmRefusal::none;
    return Error::ok;
}

void EvmSigner::deinit() {
    if (impl_ == nullptr) return;
    const size_t size = memory_needed(impl_->opt);
    impl_->secp.destroy();
    impl_->~Impl();
    wipe(impl_, size);  // the key, the context's blinding, every pending payload
    impl_ = nullptr;
    address_ = EvmAddress{};
}

namespace {

PaymentDecision refuse(EvmRefusal r, EvmRefusal* last, PaymentHeaderOut* out) {
    *last = r;
    out->size = 0;
    out->refusal = kRefusalTexts[static_cast<size_t>(r)];
    return PaymentDecision::refused;
}

}  // namespace

PaymentDecision EvmSigner::hook(void* user, const PaymentChallenge& ch, PaymentTicket ticket,
                                PaymentHeaderOut* out) {
    EvmSigner* self = static_cast<EvmSigner*>(user);
    EvmRefusal* last = &self->last_refusal_;
    Impl* impl = self->impl_;
    if (impl == nullptr) return refuse(EvmRefusal::signer_failed, last, out);
    Impl::Plan plan;
    uint8_t digest[32];
    EvmRefusal r = impl->select(ch, &plan);
    if (r == EvmRefusal::none) r = impl->authorize(ch, self->address_, &plan, digest);
    if (r != EvmRefusal::none) return refuse(r, last, out);

    const size_t cap = out->capacity < impl->opt.max_header ? out->capacity : impl->opt.max_header;
    evm::PayloadText text;
    if (!evm::write_payload(ch, *plan.req, plan.auth, out->data, cap, &text)) {
        return refuse(EvmRefusal::header_too_small, last, out);
    }
    uint8_t sig[evm::kSignatureBytes];
    if (impl->opt.sign_digest == nullptr) {
        r = impl->secp.sign(impl->key, digest, sig) ? EvmRefusal::none : EvmRefusal::signer_failed;
    } else {
        bool pending = false;
        r = impl->sign_outside(digest, ticket, out->data, text, self->address_, sig, &pending);
        if (pending) {
            self->last_refusal_ = EvmRefusal::none;
            wipe(out->data, text.json_len);  // the slot holds the payload now
            return PaymentDecision::pending;
        }
    }
    if (r != EvmRefusal::none) return refuse(r, last, out);
    evm::put_signature(out->data, text, sig);
    wipe(sig, sizeof sig);
    out->size = evm::encode_payload(out->data, text.json_len, cap);
    self->last_refusal_ = EvmRefusal::none;
    return PaymentDecision::paid;
}

Error EvmSigner::complete(Client& client, uint32_t id, const uint8_t sig_in[65]) {
    PendingSlot* s = impl_ != nullptr ? impl_->find_slot(id) : nullptr;
    if (s == nullptr || sig_in == nullptr) return Error::invalid_handle;
    const PaymentTicket ticket = s->ticket;
    uint8_t sig[evm::kSignatureBytes];
    memcpy(sig, sig_in, sizeof sig);
    if (!impl_->accept_signature(s->digest, sig, address_)) {
        impl_->release(s);
        last_refusal_ = EvmRefusal::signer_failed;
        client.refuse_payment(ticket);
        return Error::bad_response;
    }
    char* json = Impl::slot_json(s);
    const evm::PayloadText text{s->json_len, s->sig_at};
    evm::put_signature(json, text, sig);
    const size_t size = evm::encode_payload(json, text.json_len, impl_->opt.max_header);
    const Error e = client.complete_payment(ticket, json, size);
    impl_->release(s);
    return e;
}

Error EvmSigner::abandon(Client& client, uint32_t id) {
    PendingSlot* s = impl_ != nullptr ? impl_->find_slot(id) : nullptr;
    if (s == nullptr) return Error::invalid_handle;
    const PaymentTicket ticket = s->ticket;
    impl_->release(s);
    return client.refuse_payment(ticket);
}

}  // namespace consensus
