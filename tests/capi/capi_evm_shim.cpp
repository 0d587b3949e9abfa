// SPDX-License-Identifier: MIT
// The C API EVM test suite's shim (capi_evm_shim.h) over the C++ payer.
#include "capi/capi_evm_shim.h"

#include <mbedtls/base64.h>
#include <string.h>

#include <string>

#include "capi/convert.h"
#include "consensus/x402_evm.h"
#include "evm/ecdsa.h"
#include "unit/client/client_fixture.h"

namespace {

consensus::EvmSignerOptions converted(const cws_evm_signer_options& c) {
    consensus::EvmSignerOptions o;
    o.max_header = c.max_header;
    o.max_pending = c.max_pending;
    return o;  // memory_needed reads these two only
}

size_t copy_out(const std::string& s, char* out, size_t cap) {
    if (s.empty() || s.size() >= cap) return 0;
    memcpy(out, s.data(), s.size());
    out[s.size()] = '\0';
    return s.size();
}

// At namespace scope and 16-aligned, as the C++ payer tests keep it.
alignas(16) uint8_t g_signer_memory[8192];

}  // namespace

extern "C" {

#define CAPI_FIELD(name) \
    if (c->name != d.name) return #name

const char* capi_evm_options_mismatch(const cws_evm_signer_options* c) {
    const consensus::EvmSignerOptions d;
    CAPI_FIELD(private_key);
    if (c->sign_digest != nullptr) return "sign_digest";
    CAPI_FIELD(sign_user);
    if (memcmp(c->address.bytes, d.address.bytes, sizeof d.address.bytes) != 0) return "address";
    CAPI_FIELD(port);
    CAPI_FIELD(networks);
    CAPI_FIELD(network_count);
    if (static_cast<const void*>(c->assets) != static_cast<const void*>(d.assets)) return "assets";
    CAPI_FIELD(asset_count);
    if (static_cast<const void*>(c->pay_to) != static_cast<const void*>(d.pay_to)) return "pay_to";
    CAPI_FIELD(pay_to_count);
    CAPI_FIELD(max_amount);
    CAPI_FIELD(max_validity_s);
    CAPI_FIELD(max_header);
    CAPI_FIELD(max_pending);
    return nullptr;
}

#undef CAPI_FIELD

size_t capi_evm_cpp_memory_needed(const cws_evm_signer_options* o) {
    return consensus::EvmSigner::memory_needed(converted(*o));
}

const char* capi_evm_cpp_refusal_name(int r) {
    return consensus::evm_refusal_name(static_cast<consensus::EvmRefusal>(r));
}

size_t capi_evm_cpp_reference_header(const cws_config* config, const cws_options* options,
                                     const uint8_t key[32], char* out, size_t cap) {
    clienttest::Harness h;
    h.config = consensus::capi::to_cpp(*config);
    h.options = consensus::capi::to_cpp(*options);
    const cws_port port = h.fp.port();
    consensus::EvmSignerOptions so;
    so.port = &port;
    so.private_key = key;
    consensus::EvmSigner signer;
    if (signer.init(so, g_signer_memory, sizeof g_signer_memory) != consensus::Error::ok) return 0;
    h.options.payment_hook = &consensus::EvmSigner::hook;
    h.options.payment_user = &signer;
    size_t n = 0;
    if (h.init() == consensus::Error::ok) {
        h.fp.stream(0).push(clienttest::vector_text("402-hybrid.http"));
        h.fp.stream(0).push_eof();
        h.fp.stream(1).push(clienttest::vector_text("paid-200.http"));
        h.fp.stream(1).push_eof();
        if (h.client.request_token(consensus::TokenParams(), &clienttest::Harness::token_cb, &h) ==
            consensus::Error::ok) {
            h.spin();
            if (h.fp.opened() > 1) n = capi_evm_header_of(h.fp.stream(1).sent().c_str(), out, cap);
        }
        h.client.deinit();
    }
    signer.deinit();
    return n;
}

size_t capi_evm_header_of(const char* sent, char* out, size_t cap) {
    const std::string s = sent;
    const std::string tag = "PAYMENT-SIGNATURE: ";
    const size_t at = s.find(tag);
    if (at == std::string::npos) return 0;
    const size_t end = s.find("\r\n", at);
    if (end == std::string::npos) return 0;
    return copy_out(s.substr(at + tag.size(), end - at - tag.size()), out, cap);
}

size_t capi_evm_decode(const char* b64, size_t n, char* out, size_t cap) {
    size_t got = 0;
    if (cap == 0 || mbedtls_base64_decode(reinterpret_cast<unsigned char*>(out), cap - 1, &got,
                                          reinterpret_cast<const unsigned char*>(b64), n) != 0) {
        return 0;
    }
    out[got] = '\0';
    return got;
}

int capi_evm_sign(const uint8_t key[32], const uint8_t digest[32], uint8_t sig[65]) {
    alignas(16) uint8_t room[1024];
    consensus::evm::Secp256k1 secp;
    if (consensus::evm::Secp256k1::context_size() > sizeof room) return 0;
    const bool ok = secp.create(room, nullptr) && secp.sign(key, digest, sig);
    secp.destroy();
    return ok ? 1 : 0;
}

}  // extern "C"
