// SPDX-License-Identifier: MIT
// The EVM payer against viem (tests/vectors/evm/viem-vectors.json, made by
// tests/interop/evm-vectors.mjs): Keccak-256 of many lengths, the EIP-712
// Mail example, TransferWithAuthorization hashes and signatures byte for
// byte, addresses and recovery. viem shares no code with this module.
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>
#include <vector>

#include "CppUTest/TestHarness.h"
#include "consensus/x402_evm.h"
#include "core/strview.h"
#include "evm/ecdsa.h"
#include "evm/eip712.h"
#include "evm/evm_text.h"
#include "evm/keccak.h"
#include "json/json.h"
#include "unit/evm/hex_util.h"
#include "unit/evm/signer_fixture.h"

using namespace consensus;
using namespace consensus::evm;

namespace {

struct Vectors {
    std::string text;
    std::vector<unsigned char> scratch;
    JsonDoc doc;

    Vectors()
        : text(evm_test::read_file(std::string(CONSENSUS_EVM_VECTORS_DIR) + "/viem-vectors.json")),
          scratch(20 * 20000) {
        CHECK_EQUAL(static_cast<int>(Error::ok),
                    static_cast<int>(json_parse_object(text.data(), text.size(), scratch.data(),
                                                       scratch.size(), &doc)));
    }
    // Member `key` of object `obj` (a path "a.b" walks objects).
    int at(int obj, const char* path) const {
        std::string p = path;
        size_t from = 0;
        int node = obj;
        for (;;) {
            size_t dot = p.find('.', from);
            node = json_find(doc, node, p.substr(from, dot - from).c_str());
            CHECK_TEXT(node >= 0, path);
            if (dot == std::string::npos) return node;
            from = dot + 1;
        }
    }
    std::string str(int obj, const char* path) const {
        StrView v = json_raw(doc, at(obj, path));
        return std::string(v.data, v.size);
    }
    // Elements of array `path` of the top object.
    std::vector<int> items(const char* path) const {
        const int arr = at(0, path);
        CHECK_TRUE(json_is_array(doc, arr));
        std::vector<int> out;
        int i = arr + 1;
        for (int k = 0; k < doc.tok[arr].size; ++k, i = json_next(doc, i)) out.push_back(i);
        return out;
    }
};

std::vector<uint8_t> bytes_of(const std::string& hex0x) {
    std::vector<uint8_t> out((hex0x.size() - 2) / 2);
    CHECK_TRUE(evm_test::unhex(hex0x, out.data(), out.size()));
    return out;
}

std::string hex0x(const uint8_t* p, size_t n) {
    return "0x" + evm_test::hex(p, n);
}

StrView view(const std::string& s) {
    return make_view(s.data(), s.size());
}

uint64_t u64(const std::string& decimal) {
    Uint256 v;
    uint64_t x = 0;
    CHECK_TRUE(parse_uint256(view(decimal), &v) && uint256_to_u64(v, &x));
    return x;
}

struct Case {
    std::string name_bytes;  // the domain name's UTF-8 bytes
    std::string version;
    Eip712Domain domain{};
    TransferAuthorization auth{};
    uint8_t key[32];
};

void load_case(const Vectors& v, int c, Case* out) {
    std::vector<uint8_t> name = bytes_of(v.str(c, "domain_name_utf8_hex"));
    out->name_bytes.assign(name.begin(), name.end());
    out->version = v.str(c, "domain.version");
    out->domain.name = view(out->name_bytes);
    out->domain.version = view(out->version);
    CHECK_TRUE(parse_uint256(view(v.str(c, "domain.chainId")), &out->domain.chain_id));
    CHECK_TRUE(
        parse_address(view(v.str(c, "domain.verifyingContract")), &out->domain.verifying_contract));
    CHECK_TRUE(parse_address(view(v.str(c, "message.from")), &out->auth.from));
    CHECK_TRUE(parse_address(view(v.str(c, "message.to")), &out->auth.to));
    CHECK_TRUE(parse_uint256(view(v.str(c, "message.value")), &out->auth.value));
    CHECK_TRUE(parse_uint256(view(v.str(c, "message.validAfter")), &out->auth.valid_after));
    CHECK_TRUE(parse_uint256(view(v.str(c, "message.validBefore")), &out->auth.valid_before));
    CHECK_TRUE(evm_test::unhex(v.str(c, "message.nonce"), out->auth.nonce, 32));
    CHECK_TRUE(evm_test::unhex(v.str(c, "private_key"), out->key, 32));
}

}  // namespace

TEST_GROUP(ViemVectors){};

TEST(ViemVectors, Keccak256) {
    Vectors v;
    const std::vector<int> items = v.items("keccak256");
    CHECK_TRUE(items.size() >= 13);
    for (int i : items) {
        std::vector<uint8_t> in = bytes_of(v.str(i, "input_hex"));
        uint8_t d[32];
        keccak256(in.data(), in.size(), d);
        STRCMP_EQUAL(v.str(i, "digest_hex").c_str(), hex0x(d, 32).c_str());
    }
}

TEST(ViemVectors, Eip712MailDomainSeparator) {
    Vectors v;
    const int mail = v.at(0, "eip712_mail");
    Eip712Domain d{};
    const std::string name = v.str(mail, "domain.name"), version = v.str(mail, "domain.version");
    d.name = view(name);
    d.version = view(version);
    d.chain_id = uint256_from_u64(1);
    CHECK_TRUE(parse_address(view(v.str(mail, "domain.verifyingContract")), &d.verifying_contract));
    uint8_t sep[32], digest[32], hash[32];
    domain_separator(d, sep);
    STRCMP_EQUAL(v.str(mail, "domain_separator").c_str(), hex0x(sep, 32).c_str());
    CHECK_TRUE(evm_test::unhex(v.str(mail, "struct_hash"), hash, 32));
    typed_data_digest(sep, hash, digest);
    STRCMP_EQUAL(v.str(mail, "digest").c_str(), hex0x(digest, 32).c_str());
}

TEST(ViemVectors, TransferWithAuthorizationHashesAndSignatures) {
    Vectors v;
    const std::vector<int> cases = v.items("transfer_with_authorization");
    CHECK_TRUE(cases.size() >= 6);
    alignas(16) uint8_t room[1024];
    Secp256k1 secp;
    CHECK_TRUE(secp.create(room, nullptr));
    for (int c : cases) {
        Case k;
        load_case(v, c, &k);
        const std::string name = v.str(c, "name");
        uint8_t sep[32], hash[32], digest[32], sig[65];
        domain_separator(k.domain, sep);
        transfer_struct_hash(k.auth, hash);
        transfer_digest(k.domain, k.auth, digest);
        STRCMP_EQUAL_TEXT(v.str(c, "domain_separator").c_str(), hex0x(sep, 32).c_str(),
                          name.c_str());
        STRCMP_EQUAL_TEXT(v.str(c, "struct_hash").c_str(), hex0x(hash, 32).c_str(), name.c_str());
        STRCMP_EQUAL_TEXT(v.str(c, "digest").c_str(), hex0x(digest, 32).c_str(), name.c_str());
        CHECK_TRUE(secp.sign(k.key, digest, sig));
        STRCMP_EQUAL_TEXT(v.str(c, "signature").c_str(), hex0x(sig, 65).c_str(), name.c_str());
        EvmAddress who, mine;
        char text[43];
        CHECK_TRUE(secp.recover(digest, sig, &who));
        evm_address_text(who, text);
        STRCMP_EQUAL_TEXT(v.str(c, "address").c_str(), text, name.c_str());
        CHECK_TRUE(secp.key_address(k.key, &mine));
        MEMCMP_EQUAL(who.bytes, mine.bytes, 20);
    }
    secp.destroy();
}

TEST(ViemVectors, AddressesAndRecovery) {
    Vectors v;
    for (int i : v.items("addresses.from_private_key")) {
        uint8_t key[32];
        CHECK_TRUE(evm_test::unhex(v.str(i, "private_key"), key, 32));
        EvmAddress a;
        CHECK_TRUE(evm_key_address(key, &a));
        char text[43];
        evm_address_text(a, text);
        STRCMP_EQUAL(v.str(i, "address").c_str(), text);
    }
    for (int i : v.items("addresses.eip55")) {
        EvmAddress a;
        CHECK_TRUE(parse_address(view(v.str(i, "lower")), &a));
        char text[43];
        evm_address_text(a, text);
        STRCMP_EQUAL(v.str(i, "eip55").c_str(), text);
        CHECK_TRUE(parse_address(view(v.str(i, "eip55")), &a));
    }
    alignas(16) uint8_t room[1024];
    Secp256k1 secp;
    CHECK_TRUE(secp.create(room, nullptr));
    for (int i : v.items("recover")) {
        uint8_t digest[32], sig[65];
        CHECK_TRUE(evm_test::unhex(v.str(i, "digest"), digest, 32));
        CHECK_TRUE(evm_test::unhex(v.str(i, "signature"), sig, 65));
        EvmAddress who;
        CHECK_TRUE(secp.recover(digest, sig, &who));
        char text[43];
        evm_address_text(who, text);
        STRCMP_EQUAL(v.str(i, "address").c_str(), text);
    }
    secp.destroy();
}

namespace {

// A port whose entropy hands out a given nonce and whose clock is fixed: the
// hook then signs exactly the authorization viem signed.
struct ScriptedPort {
    uint8_t nonce[32];
    uint64_t now_s;
    int calls = 0;
    static int random(void* ctx, uint8_t* buf, size_t len) {
        ScriptedPort* p = static_cast<ScriptedPort*>(ctx);
        // The first call seeds the context's blinding; the next is the nonce.
        for (size_t i = 0; i < len; ++i) buf[i] = p->calls == 0 ? 0x5a : p->nonce[i % 32];
        ++p->calls;
        return 0;
    }
    static int wall_clock(void* ctx, uint64_t* unix_s) {
        *unix_s = static_cast<ScriptedPort*>(ctx)->now_s;
        return 0;
    }
};

}  // namespace

// The whole hook, from the service's captured 402 to the header: the
// signature in it is viem's, byte for byte.
TEST(ViemVectors, HookSignsTheServiceChallengeAsViemDoes) {
    Vectors v;
    int base = -1;
    for (int c : v.items("transfer_with_authorization")) {
        if (v.str(c, "name") == "base_sepolia_usdc_7500") base = c;
    }
    CHECK_TRUE(base >= 0);
    Case k;
    load_case(v, base, &k);
    ScriptedPort sp;
    memcpy(sp.nonce, k.auth.nonce, 32);
    sp.now_s = u64(v.str(base, "message.validBefore")) - 300;  // the challenge's maxTimeoutSeconds
    cws_port_ops ops{};
    ops.random = &ScriptedPort::random;
    ops.wall_clock = &ScriptedPort::wall_clock;
    const cws_port port{&ops, &sp};
    EvmSignerOptions opt;
    opt.private_key = k.key;
    opt.port = &port;
    alignas(16) uint8_t memory[1024];
    EvmSigner signer;
    CHECK_EQUAL(static_cast<int>(Error::ok),
                static_cast<int>(signer.init(opt, memory, sizeof memory)));
    evm_test::Challenge ch(evm_test::read_vector("402-hybrid.json"));
    char header[2048];
    PaymentHeaderOut out{header, sizeof header, 0};
    CHECK_EQUAL(static_cast<int>(PaymentDecision::paid),
                static_cast<int>(EvmSigner::hook(&signer, ch.ch, PaymentTicket{1}, &out)));
    evm_test::Decoded d(header, out.size);
    STRCMP_EQUAL(v.str(base, "signature").c_str(), d.at("payload.signature").c_str());
    STRCMP_EQUAL(v.str(base, "message.nonce").c_str(), d.at("payload.authorization.nonce").c_str());
    STRCMP_EQUAL(v.str(base, "address").c_str(), d.at("payload.authorization.from").c_str());
}
