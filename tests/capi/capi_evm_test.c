/* SPDX-License-Identifier: MIT */
/* The C API of the EVM payer (consensus_evm.h), in C99: the options and
 * sizes against the C++ ones, init's errors, the key helpers, and
 * cws_evm_payment_hook as a C client's hook on the fake port (paying the
 * captured 402 as the C++ signer does, refusing by policy, and a key held
 * elsewhere answering later or never).
 * usage: unit_capi_evm [test name]   (no name: every test) */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi/c_check.h"
#include "capi/capi_evm_shim.h"
#include "capi/capi_shim.h"
#include "consensus/consensus.h"
#include "consensus/consensus_evm.h"

/* A throwaway key (tests/unit/evm/signer_fixture.h): it holds nothing on any
 * chain and must never be funded. */
static const uint8_t kKey[32] = {0x4c, 0x08, 0x83, 0xa6, 0x91, 0x02, 0x93, 0x7d, 0x62, 0x31, 0x47,
                                 0x1b, 0x5d, 0xbb, 0x62, 0x04, 0xfe, 0x51, 0x29, 0x61, 0x70, 0x82,
                                 0x79, 0x2a, 0xe4, 0x68, 0xd0, 0x1a, 0x3f, 0x36, 0x23, 0x18};
static const char kKeyHex[] = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
static const char kKeyAddress[] = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23";
/* The payee and amount of 402-hybrid.http. */
static const char kPayee[] = "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE";

enum { kHeaderCap = 4096 };

/* ---- a client paying through the EVM payer on the fake port ---------------- */

typedef struct fixture {
    capi_fake* fake;
    cws_port port;
    cws_config config;
    cws_options options;
    cws_evm_signer_options so;
    unsigned char* signer_raw;
    cws_evm_signer* signer;
    unsigned char* client_raw;
    cws_client* client;
    /* token callback */
    int token_calls;
    cws_error token_error;
    bool token_paid;
    char token_message[256];
    /* sign_digest */
    cws_evm_sign_result answer;
    int sign_calls;
    uint32_t sign_id;
    uint8_t digest[32];
} fixture;

/* size bytes at a 16-aligned address inside a malloc'd block (*raw). */
static void* aligned_block(unsigned char** raw, size_t size) {
    uintptr_t p;
    free(*raw);
    *raw = (unsigned char*)malloc(size + 16);
    p = (uintptr_t)*raw;
    return *raw + (16 - p % 16) % 16;
}

static void on_token(void* user, const cws_token_result* r) {
    fixture* f = (fixture*)user;
    size_t n = r->message.size < sizeof f->token_message - 1 ? r->message.size
                                                             : sizeof f->token_message - 1;
    ++f->token_calls;
    f->token_error = r->error;
    f->token_paid = r->paid;
    if (n > 0) memcpy(f->token_message, r->message.data, n);
    f->token_message[n] = '\0';
}

static cws_evm_sign_result remote_sign(void* user, const uint8_t digest[32], uint32_t id,
                                       uint8_t sig[65]) {
    fixture* f = (fixture*)user;
    ++f->sign_calls;
    f->sign_id = id;
    memcpy(f->digest, digest, 32);
    if (f->answer == CWS_EVM_SIGNED_NOW && !capi_evm_sign(kKey, digest, sig)) {
        return CWS_EVM_REFUSED;
    }
    return f->answer;
}

static void fixture_setup(fixture* f) {
    memset(f, 0, sizeof *f);
    f->fake = capi_fake_create();
    f->port = capi_fake_port(f->fake);
    cws_config_default(&f->config);
    cws_options_default(&f->options);
    f->options.server_url = "http://127.0.0.1:8080";
    cws_evm_signer_options_default(&f->so);
    f->so.port = &f->port;
    f->so.private_key = kKey;
}

/* A key held elsewhere: remote_sign with the key's address. */
static void use_remote(fixture* f, cws_evm_sign_result answer, uint8_t max_pending) {
    f->so.private_key = NULL;
    f->so.sign_digest = remote_sign;
    f->so.sign_user = f;
    CHECK(cws_evm_key_address(kKey, &f->so.address));
    f->so.max_pending = max_pending;
    f->answer = answer;
}

static void spin_client(fixture* f) {
    int i;
    for (i = 0; i < 8; ++i) cws_client_poll(f->client, 0);
}

/* The signer, then the client with cws_evm_payment_hook, then one token
 * bought over the captured 402 (no wall clock: the 402's Date is the time). */
static void fixture_buy(fixture* f) {
    const size_t need = cws_evm_signer_bytes(&f->so);
    void* mem = aligned_block(&f->signer_raw, need);
    size_t client_need;
    CHECK_ERR(CWS_OK, cws_evm_signer_init(mem, need, &f->so, &f->signer, NULL));
    f->options.payment_hook = cws_evm_payment_hook;
    f->options.payment_user = f->signer;
    client_need = cws_client_required_bytes(&f->config);
    mem = aligned_block(&f->client_raw, client_need);
    CHECK_ERR(CWS_OK, cws_client_init(mem, client_need, &f->config, &f->options, &f->port,
                                      &f->client, NULL));
    capi_fake_push_vector(f->fake, 0, "402-hybrid.http");
    capi_fake_push_eof(f->fake, 0);
    capi_fake_push_vector(f->fake, 1, "paid-200.http");
    capi_fake_push_eof(f->fake, 1);
    CHECK_ERR(CWS_OK, cws_request_token(f->client, NULL, on_token, f));
    spin_client(f);
}

static void fixture_teardown(fixture* f) {
    cws_client_deinit(f->client);
    cws_evm_signer_deinit(f->signer);
    free(f->client_raw);
    free(f->signer_raw);
    capi_fake_destroy(f->fake);
}

/* The PAYMENT-SIGNATURE value of the paid retry (stream 1); "" when none. */
static size_t sent_header(fixture* f, char* out, size_t cap) {
    if (capi_fake_opened(f->fake) < 2) {
        out[0] = '\0';
        return 0;
    }
    return capi_evm_header_of(capi_fake_sent(f->fake, 1, NULL), out, cap);
}

/* ---- the tests ------------------------------------------------------------ */

static void test_options_and_sizes_equal_the_cpp_ones(void) {
    cws_evm_signer_options o;
    int r;
    char text[43];
    memset(&o, 0xab, sizeof o);
    cws_evm_signer_options_default(&o);
    CHECK(capi_evm_options_mismatch(&o) == NULL);
    /* The comparison sees each field (a changed one is named). */
    o.max_pending = 2;
    CHECK_STR("max_pending", capi_evm_options_mismatch(&o));
    o.max_pending = 0;
    o.address.bytes[19] = 1;
    CHECK_STR("address", capi_evm_options_mismatch(&o));
    o.address.bytes[19] = 0;
    o.pay_to_count = 1;
    CHECK_STR("pay_to_count", capi_evm_options_mismatch(&o));
    o.pay_to_count = 0;
    /* The C++ defaults, spelled out. */
    CHECK(o.private_key == NULL && o.sign_digest == NULL && o.port == NULL);
    CHECK(o.network_count == 0 && o.asset_count == 0 && o.pay_to_count == 0);
    CHECK(o.max_amount == 1000000 && o.max_validity_s == 600 && o.max_header == 2048);
    cws_evm_signer_options_default(NULL);
    /* Sizes: the C header plus the C++ signer's memory. */
    CHECK(cws_evm_signer_bytes(&o) == CWS_EVM_SIGNER_HEADER_BYTES + capi_evm_cpp_memory_needed(&o));
    CHECK(cws_evm_signer_bytes(&o) % CWS_EVM_SIGNER_ALIGN == 0);
    o.max_pending = 3;
    o.max_header = 4096;
    CHECK(cws_evm_signer_bytes(&o) == CWS_EVM_SIGNER_HEADER_BYTES + capi_evm_cpp_memory_needed(&o));
    CHECK(cws_evm_signer_bytes(&o) > 3 * 4096);
    CHECK(cws_evm_signer_bytes(NULL) == SIZE_MAX);
    /* Refusal names, value for value, and outside the enum. */
    for (r = 0; r <= CWS_EVM_REFUSAL_SIGNER_FAILED + 1; ++r) {
        CHECK_STR(capi_evm_cpp_refusal_name(r), cws_evm_refusal_name((cws_evm_refusal)r));
    }
    CHECK_STR("payee_not_allowed", cws_evm_refusal_name(CWS_EVM_REFUSAL_PAYEE_NOT_ALLOWED));
    CHECK_STR("unknown",
              cws_evm_refusal_name((cws_evm_refusal)(CWS_EVM_REFUSAL_SIGNER_FAILED + 1)));
    cws_evm_address_text(cws_evm_base_sepolia_usdc(), text);
    CHECK_STR("0x036CbD53842c5426634e7929541eC2318f3dCF7e", text);
}

static void test_init_errors(void) {
    fixture f;
    cws_evm_signer_options o;
    cws_evm_signer* s = NULL;
    const char* why = NULL;
    const char* const bad_network[] = {"eip155:x"};
    const uint8_t zero_key[32] = {0};
    size_t need;
    unsigned char* raw = NULL;
    unsigned char* mem;
    cws_evm_address a;
    fixture_setup(&f);
    o = f.so;
    need = cws_evm_signer_bytes(&o);
    mem = (unsigned char*)aligned_block(&raw, need + 16);
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_evm_signer_init(mem, need, NULL, &s, &why));
    CHECK_STR("options or out is null", why);
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_evm_signer_init(mem, need, &o, NULL, &why));
    o.port = NULL;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("port with a random op required", why);
    o.port = &f.port;
    o.sign_digest = remote_sign; /* and the private key */
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("exactly one of private_key and sign_digest", why);
    o.sign_digest = NULL;
    o.private_key = NULL; /* neither */
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("exactly one of private_key and sign_digest", why);
    o.private_key = kKey;
    o.networks = bad_network;
    o.network_count = 1;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("network is not eip155:<chain id>", why);
    o.network_count = 0;
    o.max_header = 100;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("max_header out of 256..65536", why);
    o.max_header = 2048;
    o.private_key = zero_key;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("private key is zero or not below the curve order", why);
    o.private_key = kKey;
    /* The memory: misaligned, too small (also smaller than the C header), null. */
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem + 8, need, &o, &s, &why));
    CHECK_STR("memory too small or not 16-aligned", why);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, need - 16, &o, &s, &why));
    CHECK_STR("memory too small or not 16-aligned", why);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(mem, 16, &o, &s, &why));
    CHECK_STR("memory too small or not 16-aligned", why);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_init(NULL, need, &o, &s, &why));
    CHECK(s == NULL); /* nothing set on an error */
    /* The same block after the errors. */
    CHECK_ERR(CWS_OK, cws_evm_signer_init(mem, need, &o, &s, &why));
    CHECK_STR("", why);
    CHECK(s == (cws_evm_signer*)(void*)mem);
    a = cws_evm_signer_address(s);
    {
        char text[43];
        cws_evm_address_text(&a, text);
        CHECK_STR(kKeyAddress, text);
    }
    CHECK(cws_evm_signer_last_refusal(s) == CWS_EVM_REFUSAL_NONE);
    cws_evm_signer_deinit(s);
    cws_evm_signer_deinit(s); /* idempotent */
    a = cws_evm_signer_address(s);
    CHECK(a.bytes[0] == 0 && a.bytes[19] == 0);
    cws_evm_signer_deinit(NULL);
    free(raw);
    capi_fake_destroy(f.fake);
}

static void test_key_and_address_helpers(void) {
    uint8_t key[32];
    cws_evm_address a, b;
    char text[43];
    char spaced[80];
    CHECK(cws_evm_key_address(kKey, &a));
    cws_evm_address_text(&a, text);
    CHECK_STR(kKeyAddress, text);
    CHECK(text[42] == '\0');
    /* A key file's text: optional 0x, whitespace around. */
    sprintf(spaced, "  %s\n", kKeyHex);
    CHECK(cws_evm_parse_private_key(spaced, strlen(spaced), key));
    CHECK(memcmp(key, kKey, 32) == 0);
    CHECK(cws_evm_parse_private_key(kKeyHex + 2, 64, key));
    CHECK(memcmp(key, kKey, 32) == 0);
    CHECK(!cws_evm_parse_private_key(kKeyHex, 40, key));
    CHECK(key[0] == 0 && key[31] == 0); /* wiped */
    CHECK(!cws_evm_parse_private_key(
        "0x0000000000000000000000000000000000000000000000000000000000000000", 66, key));
    CHECK(!cws_evm_parse_private_key(NULL, 0, key));
    memset(key, 0, sizeof key);
    CHECK(!cws_evm_key_address(key, &b));
    CHECK(!cws_evm_key_address(NULL, &b));
    /* Addresses: EIP-55 text round trip; a broken checksum is refused. */
    CHECK(cws_evm_parse_address(kKeyAddress, 42, &b));
    CHECK(memcmp(a.bytes, b.bytes, 20) == 0);
    CHECK(cws_evm_parse_address("0x2c7536e3605d9c16a7a3d7b1898e529396a65c23", 42, &b));
    CHECK(memcmp(a.bytes, b.bytes, 20) == 0);
    CHECK(!cws_evm_parse_address("0x2C7536E3605D9C16a7a3D7b1898e529396a65c23", 42, &b));
    CHECK(!cws_evm_parse_address(kKeyAddress, 41, &b));
    CHECK(!cws_evm_parse_address(NULL, 0, &b));
    cws_evm_parse_address(kPayee, 42, &b);
    cws_evm_address_text(&b, text);
    CHECK_STR(kPayee, text);
}

static void test_hook_pays_as_the_cpp_signer_does(void) {
    fixture f;
    static char header[kHeaderCap];
    static char reference[kHeaderCap];
    static char json[kHeaderCap];
    size_t n;
    fixture_setup(&f);
    fixture_buy(&f);
    CHECK(f.token_calls == 1);
    CHECK_ERR(CWS_OK, f.token_error);
    CHECK(f.token_paid);
    CHECK(cws_evm_signer_last_refusal(f.signer) == CWS_EVM_REFUSAL_NONE);
    n = sent_header(&f, header, sizeof header);
    CHECK(n > 0);
    /* Byte for byte what the C++ client with EvmSigner::hook sends for the
     * same challenge, key, clock and randomness. */
    CHECK(capi_evm_cpp_reference_header(&f.config, &f.options, kKey, reference, sizeof reference) ==
          n);
    CHECK_STR(reference, header);
    /* And what it says. */
    CHECK(capi_evm_decode(header, n, json, sizeof json) > 0);
    CHECK(strstr(json, "\"from\":\"0x2c7536E3605D9C16a7a3D7b1898e529396a65c23\"") != NULL);
    CHECK(strstr(json, "\"to\":\"0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE\"") != NULL);
    CHECK(strstr(json, "\"value\":\"7500\"") != NULL);
    /* The 402's Date (Wed, 25 Nov 2026 16:48:29 GMT) + its 300 s. */
    CHECK(strstr(json, "\"validBefore\":\"1795625609\"") != NULL);
    CHECK(strstr(json, "\"resource\":{\"url\":\"http://127.0.0.1:18402/ws?model=hybrid") != NULL);
    fixture_teardown(&f);
}

static void test_policy_refusal(void) {
    fixture f;
    cws_evm_address other;
    fixture_setup(&f);
    CHECK(cws_evm_parse_address("0x1111111111111111111111111111111111111111", 42, &other));
    f.so.pay_to = &other;
    f.so.pay_to_count = 1;
    fixture_buy(&f);
    CHECK(f.token_calls == 1);
    CHECK_ERR(CWS_ERR_PAYMENT_REFUSED, f.token_error);
    CHECK(strstr(f.token_message, "payee not on the allow-list") != NULL);
    CHECK(capi_fake_opened(f.fake) == 1); /* nothing was sent with a signature */
    CHECK(cws_evm_signer_last_refusal(f.signer) == CWS_EVM_REFUSAL_PAYEE_NOT_ALLOWED);
    CHECK_STR("payee_not_allowed", cws_evm_refusal_name(cws_evm_signer_last_refusal(f.signer)));
    fixture_teardown(&f);
}

static void test_key_elsewhere_answers_later(void) {
    fixture f;
    uint8_t sig[65];
    static char header[kHeaderCap];
    static char reference[kHeaderCap];
    size_t n;
    fixture_setup(&f);
    use_remote(&f, CWS_EVM_PENDING, 1);
    fixture_buy(&f);
    CHECK(f.sign_calls == 1);
    CHECK(f.sign_id != 0);
    CHECK(f.token_calls == 0);
    CHECK(capi_fake_opened(f.fake) == 1); /* nothing sent while the element works */
    CHECK(capi_evm_sign(kKey, f.digest, sig));
    sig[64] = (uint8_t)(sig[64] - 27); /* an element that answers v 0/1 */
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_complete(NULL, f.client, f.sign_id, sig));
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_complete(f.signer, NULL, f.sign_id, sig));
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_evm_signer_complete(f.signer, f.client, 999, sig));
    CHECK_ERR(CWS_OK, cws_evm_signer_complete(f.signer, f.client, f.sign_id, sig));
    spin_client(&f);
    CHECK(f.token_calls == 1);
    CHECK_ERR(CWS_OK, f.token_error);
    CHECK(f.token_paid);
    /* The same header as the key in the signer's own memory gives. */
    n = sent_header(&f, header, sizeof header);
    CHECK(n > 0);
    CHECK(capi_evm_cpp_reference_header(&f.config, &f.options, kKey, reference, sizeof reference) ==
          n);
    CHECK_STR(reference, header);
    /* The slot is free again; the id is spent. */
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_evm_signer_complete(f.signer, f.client, f.sign_id, sig));
    fixture_teardown(&f);
}

static void test_key_elsewhere_answers_at_once(void) {
    fixture f;
    fixture_setup(&f);
    use_remote(&f, CWS_EVM_SIGNED_NOW, 0);
    fixture_buy(&f);
    CHECK(f.sign_calls == 1);
    CHECK(f.sign_id == 0); /* no slot: it must answer now */
    CHECK_ERR(CWS_OK, f.token_error);
    fixture_teardown(&f);
}

static void test_key_elsewhere_wrong_key_or_given_up(void) {
    fixture f;
    uint8_t other_key[32] = {0};
    uint8_t sig[65];
    /* A signature by another key: refused here. */
    fixture_setup(&f);
    use_remote(&f, CWS_EVM_PENDING, 1);
    fixture_buy(&f);
    other_key[31] = 9;
    CHECK(capi_evm_sign(other_key, f.digest, sig));
    CHECK_ERR(CWS_ERR_BAD_RESPONSE, cws_evm_signer_complete(f.signer, f.client, f.sign_id, sig));
    spin_client(&f);
    CHECK_ERR(CWS_ERR_PAYMENT_REFUSED, f.token_error);
    CHECK(capi_fake_opened(f.fake) == 1);
    CHECK(cws_evm_signer_last_refusal(f.signer) == CWS_EVM_REFUSAL_SIGNER_FAILED);
    fixture_teardown(&f);
    /* Given up. */
    fixture_setup(&f);
    use_remote(&f, CWS_EVM_PENDING, 1);
    fixture_buy(&f);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_evm_signer_abandon(f.signer, NULL, f.sign_id));
    CHECK_ERR(CWS_OK, cws_evm_signer_abandon(f.signer, f.client, f.sign_id));
    spin_client(&f);
    CHECK(f.token_calls == 1);
    CHECK_ERR(CWS_ERR_PAYMENT_REFUSED, f.token_error);
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_evm_signer_abandon(f.signer, f.client, f.sign_id));
    fixture_teardown(&f);
    /* Pending without a slot: busy. */
    fixture_setup(&f);
    use_remote(&f, CWS_EVM_PENDING, 0);
    fixture_buy(&f);
    CHECK_ERR(CWS_ERR_PAYMENT_REFUSED, f.token_error);
    CHECK(cws_evm_signer_last_refusal(f.signer) == CWS_EVM_REFUSAL_BUSY);
    fixture_teardown(&f);
}

static void test_hook_without_a_signer(void) {
    cws_payment_challenge ch;
    char buf[16];
    cws_payment_header_out out;
    cws_payment_ticket t;
    memset(&ch, 0, sizeof ch);
    t.id = 1;
    out.data = buf;
    out.capacity = sizeof buf;
    out.size = 3;
    out.refusal = NULL;
    CHECK(cws_evm_payment_hook(NULL, &ch, t, &out) == CWS_PAY_REFUSED);
    CHECK(out.size == 0 && out.refusal != NULL);
    CHECK(cws_evm_payment_hook(NULL, &ch, t, NULL) == CWS_PAY_REFUSED);
    CHECK(cws_evm_signer_last_refusal(NULL) == CWS_EVM_REFUSAL_NONE);
}

static const named_test kTests[] = {
    {"options_and_sizes_equal_the_cpp_ones", test_options_and_sizes_equal_the_cpp_ones},
    {"init_errors", test_init_errors},
    {"key_and_address_helpers", test_key_and_address_helpers},
    {"hook_pays_as_the_cpp_signer_does", test_hook_pays_as_the_cpp_signer_does},
    {"policy_refusal", test_policy_refusal},
    {"key_elsewhere_answers_later", test_key_elsewhere_answers_later},
    {"key_elsewhere_answers_at_once", test_key_elsewhere_answers_at_once},
    {"key_elsewhere_wrong_key_or_given_up", test_key_elsewhere_wrong_key_or_given_up},
    {"hook_without_a_signer", test_hook_without_a_signer},
};

int main(int argc, char** argv) {
    return run_tests(kTests, sizeof kTests / sizeof kTests[0], argc, argv);
}
