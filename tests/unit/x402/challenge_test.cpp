// SPDX-License-Identifier: MIT
#include "x402/challenge.h"

#include <mbedtls/base64.h>
#include <stdint.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "common/kept_headers.h"
#include "consensus/params.h"
#include "consensus/payment.h"
#include "http/response.h"
#include "json/json.h"
#include "unit/http/vectors.h"

using namespace consensus;

namespace {

alignas(16) unsigned char g_scratch[16 * 1024];
char g_raw[1 << 16];
char g_work[8192];
char g_json[4096];
char g_b64[8192];

constexpr HttpLimits kLimits = {4096, 64, 4096};

struct Expected {
    const char* file;
    const char* error;
    const char* amount;
    size_t accepts;
    const char* url;
};

constexpr const char kHybridUrl[] = "http://127.0.0.1:18402/ws?model=hybrid&minutes=5&megabytes=50";

// From decoding the vectors independently (README tables and the .json files).
constexpr Expected kExpected[] = {
    {"402-authorization-expired.http", "invalid_exact_evm_payload_authorization_valid_before",
     "7500", 1, kHybridUrl},
    {"402-bad-header-not-json.http", "Payment required", "7500", 1, kHybridUrl},
    {"402-bad-header.http", "Payment required", "7500", 1, kHybridUrl},
    {"402-browser-paywall.http", "Payment required", "7500", 1, kHybridUrl},
    {"402-data.http", "Payment required", "6000", 1,
     "http://127.0.0.1:18402/ws?model=data&megabytes=50"},
    {"402-facilitator-verify-500.http",
     "Facilitator verify failed (500): fake facilitator: internal error", "7500", 1, kHybridUrl},
    {"402-hybrid-evm-solana.http", "Payment required", "7500", 2,
     "http://127.0.0.1:18404/ws?model=hybrid&minutes=5&megabytes=50"},
    {"402-hybrid.http", "Payment required", "7500", 1, kHybridUrl},
    {"402-missing-accepted.http", "No matching payment requirements", "7500", 1, kHybridUrl},
    {"402-no-matching-requirements.http", "No matching payment requirements", "7500", 1,
     kHybridUrl},
    {"402-nonce-reused.http", "invalid_exact_evm_nonce_already_used", "7500", 1, kHybridUrl},
    {"402-nonnumeric-minutes.http", "Payment required", "5000", 1,
     "http://127.0.0.1:18402/ws?model=hybrid&minutes=abc"},
    {"402-time.http", "Payment required", "5000", 1,
     "http://127.0.0.1:18402/ws?model=time&minutes=5"},
    {"402-unsupported-version.http", "Unsupported x402 version: 3", "7500", 1, kHybridUrl},
    {"402-v1-payload-in-payment-signature.http", "No matching payment requirements", "7500", 1,
     kHybridUrl},
    {"402-v1-x-payment-only.http", "Payment required", "7500", 1, kHybridUrl},
    {"402-verify-rejected.http", "invalid_exact_evm_signature", "7500", 1, kHybridUrl},
};

bool view_is(StrView v, const char* s) {
    return v.size == strlen(s) && memcmp(v.data, s, v.size) == 0;
}

// Reads a vector through the HTTP reader, like the client does.
StrView challenge_header(HttpResponseReader* r, const char* file) {
    size_t len = vectors::read(file, g_raw, sizeof(g_raw));
    CHECK_TEXT(len > 0, file);
    r->begin(kLimits, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    size_t used = 0;
    CHECK(r->feed(reinterpret_cast<const uint8_t*>(g_raw), len, &used) ==
          HttpResponseReader::Status::complete);
    LONGS_EQUAL(402, r->status());
    return r->header(testhdr::payment_required);
}

// base64 of `json` into g_b64 (NUL-terminated); returns its length.
size_t encode(const char* json) {
    size_t n = 0;
    int rc = mbedtls_base64_encode(reinterpret_cast<unsigned char*>(g_b64), sizeof(g_b64), &n,
                                   reinterpret_cast<const unsigned char*>(json), strlen(json));
    LONGS_EQUAL(0, rc);
    return n;
}

Error decode_json(const char* json, PaymentChallenge* c) {
    size_t n = encode(json);
    return decode_challenge(g_b64, n, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch), c);
}

const char* kAccept =
    "{\"scheme\":\"exact\",\"network\":\"eip155:84532\",\"amount\":\"7500\",\"asset\":\"0xA\","
    "\"payTo\":\"0xB\",\"maxTimeoutSeconds\":300,\"extra\":{\"name\":\"USDC\",\"version\":\"2\"}}";

}  // namespace

TEST_GROUP(challenge) {
    PaymentChallenge c;
    HttpResponseReader r;
    char doc[4096];
    // A challenge whose accepts[0] has `field` replaced by `value` (raw JSON).
    Error with_field(const char* field, const char* value) {
        char entry[1024];
        strcpy(entry, kAccept);
        char key[64];
        snprintf(key, sizeof(key), "\"%s\":", field);
        char* at = strstr(entry, key);
        CHECK(at != nullptr);
        char* v = at + strlen(key);
        char* end = v;
        if (*end == '"') {
            end = strchr(end + 1, '"') + 1;
        } else {
            while (*end != ',' && *end != '}') ++end;
        }
        char rest[1024];
        strcpy(rest, end);
        sprintf(v, "%s%s", value, rest);
        snprintf(doc, sizeof(doc), "{\"x402Version\":2,\"accepts\":[%s]}", entry);
        return decode_json(doc, &c);
    }
};

TEST(challenge, AllCapturedChallenges) {
    for (const Expected& e : kExpected) {
        StrView h = challenge_header(&r, e.file);
        CHECK_TEXT(h.size > 0, e.file);
        CHECK_TEXT(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch,
                                    sizeof(g_scratch), &c) == Error::ok,
                   e.file);
        LONGS_EQUAL(2, c.x402_version);
        CHECK_TEXT(view_is(c.error, e.error), e.file);
        CHECK_TEXT(view_is(c.resource_url, e.url), e.file);
        LONGS_EQUAL(e.accepts, c.accepts_count);
        const PaymentRequirement& a = c.accepts[0];
        CHECK(view_is(a.scheme, "exact"));
        CHECK(view_is(a.network, "eip155:84532"));
        CHECK_TEXT(view_is(a.amount, e.amount), e.file);
        CHECK(view_is(a.asset, "0x036CbD53842c5426634e7929541eC2318f3dCF7e"));
        CHECK(view_is(a.pay_to, "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE"));
        LONGS_EQUAL(300, a.max_timeout_s);
        CHECK(a.raw.size > 0 && a.raw.data[0] == '{' && a.raw.data[a.raw.size - 1] == '}');
        // json is the whole decoded text, NUL-terminated, and raw lies inside it.
        CHECK(c.json.data == g_json);
        LONGS_EQUAL(strlen(g_json), c.json.size);
        CHECK(a.raw.data > c.json.data && a.raw.data + a.raw.size < c.json.data + c.json.size);
    }
}

TEST(challenge, SolanaSecondAccept) {
    StrView h = challenge_header(&r, "402-hybrid-evm-solana.http");
    CHECK(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch),
                           &c) == Error::ok);
    const PaymentRequirement& s = c.accepts[1];
    CHECK(view_is(s.network, "solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"));
    CHECK(view_is(s.asset, "4zMMC9srt5Ri5X14GAgXhaHii3GnPAEERYPJgZJDncDU"));
    CHECK(view_is(s.pay_to, "BkidgDQfx4mcfnUcQScqLk723J3tPzsnQv8J96e1gmMe"));
    STRNCMP_EQUAL("{\"scheme\":\"exact\",\"network\":\"solana:", s.raw.data, 36);
    CHECK(strstr(g_json, "\"feePayer\":\"HVT3kyHgVxyzJzpePScdgYb5NLCibHRsU4cT9CSQjMH7\"") !=
          nullptr);
}

// What an external signer is handed once the policy dropped a requirement:
// the server's text, its accepts array holding the kept entries verbatim.
TEST(challenge, PolicyChallengeKeepsOnlyTheKeptRequirements) {
    StrView h = challenge_header(&r, "402-hybrid-evm-solana.http");
    CHECK(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch),
                           &c) == Error::ok);
    static char out[4096];
    // Nothing dropped: the server's own text, byte for byte.
    size_t n = write_policy_challenge(c, out, sizeof out);
    LONGS_EQUAL(c.json.size, n);
    CHECK(memcmp(out, c.json.data, n) == 0);
    // The Solana requirement dropped: the rest is unchanged, the array holds the EVM one.
    const std::string evm(c.accepts[0].raw.data, c.accepts[0].raw.size);
    c.accepts_count = 1;
    n = write_policy_challenge(c, out, sizeof out);
    const std::string got(out, n);
    CHECK(got.find("\"accepts\":[" + evm + "]") != std::string::npos);
    CHECK(got.find("solana") == std::string::npos);
    PaymentChallenge again;
    static char json2[4096];
    static uint8_t scratch2[8192];
    unsigned char b64[8192];
    size_t b64_len = 0;
    LONGS_EQUAL(0, mbedtls_base64_encode(b64, sizeof b64, &b64_len,
                                         reinterpret_cast<const unsigned char*>(out), n));
    CHECK(decode_challenge(reinterpret_cast<char*>(b64), b64_len, json2, sizeof json2, scratch2,
                           sizeof scratch2, &again) == Error::ok);
    LONGS_EQUAL(1, again.accepts_count);
    CHECK(view_is(again.accepts[0].network, "eip155:84532"));
    // Too small a buffer: 0, never a cut text.
    LONGS_EQUAL(0, write_policy_challenge(c, out, n - 1));
}

TEST(challenge, VectorAmountsMatchTheLocalQuote) {
    struct {
        const char* file;
        Model model;
        int32_t minutes;
        int32_t megabytes;
    } cases[] = {{"402-hybrid.http", Model::hybrid, 5, 50},
                 {"402-time.http", Model::time, 5, 0},
                 {"402-data.http", Model::data, 0, 50}};
    for (const auto& k : cases) {
        StrView h = challenge_header(&r, k.file);
        CHECK(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch),
                               &c) == Error::ok);
        TokenParams p;
        p.model = k.model;
        p.minutes = k.minutes;
        p.megabytes = k.megabytes;
        char q[24];
        snprintf(q, sizeof(q), "%llu", static_cast<unsigned long long>(quote_micro_usd(p)));
        CHECK_TEXT(view_is(c.accepts[0].amount, q), k.file);  // USDC atomic units = micro-USD
    }
}

TEST(challenge, NoChallengeInSettleFailure) {
    StrView h = challenge_header(&r, "402-settle-failed.http");
    LONGS_EQUAL(0, h.size);
    CHECK(r.header(testhdr::payment_response).size > 0);
    CHECK(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch),
                           &c) == Error::bad_response);
}

TEST(challenge, BadBase64) {
    size_t n = encode("{\"x402Version\":2,\"accepts\":[{}]}");
    CHECK(n % 4 == 0);
    const char* bad[] = {
        "eyJ4NDAyVmVyc2lvbiI6Mn0",       // no padding
        "eyJ4NDAyVmVyc2lvbiI6Mn0=\r\n",  // trailing line break
        " eyJ4NDAyVmVyc2lvbiI6Mn0=",     // leading space
        "eyJ4NDAy VmVyc2lvbiI6Mn0=",     // inner space
        "eyJ4NDAyVmVyc2lvbiI6Mn0-",      // base64url
        "ab_d",
        "a===",
        "ab=d",
        "====",
        "",
        "e30=\n",
    };
    for (const char* b : bad) {
        CHECK_TEXT(decode_challenge(b, strlen(b), g_json, sizeof(g_json), g_scratch,
                                    sizeof(g_scratch), &c) == Error::bad_response,
                   b);
    }
    CHECK(decode_challenge(nullptr, 4, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch), &c) ==
          Error::bad_response);
    CHECK(decode_challenge("e30=", 4, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch),
                           nullptr) == Error::bad_response);
}

TEST(challenge, DecodedButNotAChallenge) {
    const char* bad[] = {
        "not json",
        "[1,2]",
        "{\"x402Version\":2}",
        "{\"x402Version\":2,\"accepts\":[]}",
        "{\"x402Version\":2,\"accepts\":{}}",
        "{\"x402Version\":2,\"accepts\":[1]}",
        "{\"x402Version\":2,\"accepts\":[\"exact\"]}",
        "{\"x402Version\":\"2\",\"accepts\":[{}]}",
        "{\"x402Version\":-2,\"accepts\":[{}]}",
        "{\"x402Version\":2,\"accepts\":[{}],}",
        "{\"x402Version\":2,\"error\":5,\"accepts\":[{}]}",
        "{\"x402Version\":2,\"resource\":\"u\",\"accepts\":[{}]}",
        "{\"x402Version\":2,\"resource\":{\"url\":1},\"accepts\":[{}]}",
        "{\"x402Version\":2,\"x402Version\":1,\"accepts\":[{}]}",
    };
    for (const char* b : bad) {
        CHECK_TEXT(decode_json(b, &c) == Error::bad_response, b);
        LONGS_EQUAL(0, c.accepts_count);
        LONGS_EQUAL(0, c.json.size);
    }
    // Valid JSON wrapped in base64 with a NUL inside is not a challenge either.
    unsigned char raw[] = {'{', '}', 0, ' '};
    size_t n = 0;
    mbedtls_base64_encode(reinterpret_cast<unsigned char*>(g_b64), sizeof(g_b64), &n, raw, 4);
    CHECK(decode_challenge(g_b64, n, g_json, sizeof(g_json), g_scratch, sizeof(g_scratch), &c) ==
          Error::bad_response);
}

TEST(challenge, RequirementFields) {
    CHECK(with_field("amount", "\"7500\"") == Error::ok);
    LONGS_EQUAL(1, c.accepts_count);
    CHECK(view_is(c.accepts[0].amount, "7500"));
    CHECK(view_is(c.accepts[0].raw, kAccept));
    LONGS_EQUAL(2, c.x402_version);
    LONGS_EQUAL(0, c.error.size);
    LONGS_EQUAL(0, c.resource_url.size);

    CHECK(with_field("amount", "7500") == Error::bad_response);  // a number, not a string
    CHECK(with_field("amount", "\"7.5\"") == Error::bad_response);
    CHECK(with_field("amount", "\"-1\"") == Error::bad_response);
    CHECK(with_field("amount", "\"\"") == Error::bad_response);
    CHECK(with_field("payTo", "null") == Error::bad_response);
    CHECK(with_field("payTo", "\"0x\\u0042\"") == Error::bad_response);  // escapes refused
    CHECK(with_field("scheme", "\"\"") == Error::bad_response);
    CHECK(with_field("network", "[]") == Error::bad_response);
    CHECK(with_field("asset", "{}") == Error::bad_response);
    CHECK(with_field("maxTimeoutSeconds", "-1") == Error::bad_response);
    CHECK(with_field("maxTimeoutSeconds", "1.5") == Error::bad_response);
    CHECK(with_field("maxTimeoutSeconds", "4294967296") == Error::bad_response);
    CHECK(with_field("maxTimeoutSeconds", "4294967295") == Error::ok);
    LONGS_EQUAL(4294967295u, c.accepts[0].max_timeout_s);
    CHECK(decode_json("{\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
                      "\"asset\":\"a\",\"payTo\":\"p\",\"extra\":\"any\"}]}",
                      &c) == Error::ok);  // extra is the hook's business

    CHECK(decode_json("{\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
                      "\"asset\":\"a\"}]}",
                      &c) == Error::bad_response);  // no payTo
    CHECK(decode_json("{\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
                      "\"asset\":\"a\",\"payTo\":\"p\",\"payTo\":\"q\"}]}",
                      &c) == Error::bad_response);  // repeated
    CHECK(decode_json("{\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
                      "\"asset\":\"a\",\"payTo\":\"p\"}]}",
                      &c) == Error::ok);
    LONGS_EQUAL(0, c.x402_version);  // absent
    LONGS_EQUAL(0, c.accepts[0].max_timeout_s);
}

TEST(challenge, ErrorAndUrlAreRawViews) {
    CHECK(decode_json("{\"x402Version\":2,\"error\":\"say \\\"hi\\\"\",\"resource\":{\"url\":"
                      "\"http:\\/\\/h\\/ws\"},\"accepts\":[{\"scheme\":\"exact\",\"network\":"
                      "\"n\",\"amount\":\"1\",\"asset\":\"a\",\"payTo\":\"p\"}]}",
                      &c) == Error::ok);
    CHECK(view_is(c.error, "say \\\"hi\\\""));
    CHECK(view_is(c.resource_url, "http:\\/\\/h\\/ws"));
}

TEST(challenge, MoreThanMaxAccepts) {
    char json[4096];
    char* p = json + sprintf(json, "{\"x402Version\":2,\"accepts\":[");
    for (size_t i = 0; i < kMaxAccepts + 2; ++i) {
        p += sprintf(p,
                     "%s{\"scheme\":\"exact\",\"network\":\"n%zu\",\"amount\":\"%zu\","
                     "\"asset\":\"a\",\"payTo\":\"p\"}",
                     i ? "," : "", i, i + 1);
    }
    sprintf(p, ",{\"not\":\"checked\"}]}");
    CHECK(decode_json(json, &c) == Error::ok);
    LONGS_EQUAL(kMaxAccepts, c.accepts_count);
    for (size_t i = 0; i < kMaxAccepts; ++i) {
        char want[8];
        snprintf(want, sizeof(want), "n%zu", i);
        CHECK(view_is(c.accepts[i].network, want));
    }
    // A bad entry among the kept ones is an error.
    CHECK(decode_json("{\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
                      "\"asset\":\"a\",\"payTo\":\"p\"},{\"scheme\":1}]}",
                      &c) == Error::bad_response);
}

TEST(challenge, BufferBounds) {
    StrView h = challenge_header(&r, "402-hybrid.http");
    size_t need = h.size / 4 * 3;
    for (size_t k = 1; k <= 2 && h.data[h.size - k] == '='; ++k) --need;
    LONGS_EQUAL(446, need);
    CHECK(decode_challenge(h.data, h.size, g_json, need + 1, g_scratch, sizeof(g_scratch), &c) ==
          Error::ok);  // exactly the decoded size + the NUL
    LONGS_EQUAL(need, c.json.size);
    CHECK(g_json[need] == '\0');
    memset(g_json, 'Z', sizeof(g_json));
    CHECK(decode_challenge(h.data, h.size, g_json, need, g_scratch, sizeof(g_scratch), &c) ==
          Error::message_too_large);
    CHECK(g_json[0] == 'Z');  // nothing written
    LONGS_EQUAL(0, c.accepts_count);
    CHECK(decode_challenge(h.data, h.size, nullptr, 0, g_scratch, sizeof(g_scratch), &c) ==
          Error::message_too_large);
    CHECK(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch,
                           10 * sizeof(jsmntok_t), &c) == Error::message_too_large);
    CHECK(decode_challenge(h.data, h.size, g_json, sizeof(g_json), g_scratch + 3,
                           40 * sizeof(jsmntok_t), &c) == Error::ok);  // unaligned scratch
}

TEST(challenge, ResourceAndExtensionsKeptAsRawObjects) {
    CHECK(decode_json("{\"x402Version\":2,\"resource\":{\"url\":\"u\",\"mimeType\":\"m\"},"
                      "\"extensions\":{\"bazaar\":{\"x\":[1]}},\"accepts\":[{\"scheme\":\"exact\","
                      "\"network\":\"n\",\"amount\":\"1\",\"asset\":\"a\",\"payTo\":\"p\"}]}",
                      &c) == Error::ok);
    CHECK(view_is(c.resource_json, "{\"url\":\"u\",\"mimeType\":\"m\"}"));
    CHECK(view_is(c.extensions_json, "{\"bazaar\":{\"x\":[1]}}"));
    LONGS_EQUAL(0, c.server_time_s);  // only a response's Date header sets it
    const char* bad[] = {
        "{\"extensions\":[],\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
        "\"asset\":\"a\",\"payTo\":\"p\"}]}",
        "{\"extensions\":{},\"extensions\":{},\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\","
        "\"amount\":\"1\",\"asset\":\"a\",\"payTo\":\"p\"}]}",
    };
    for (const char* b : bad) CHECK_TEXT(decode_json(b, &c) == Error::bad_response, b);
}

TEST(challenge, ParsePaymentChallengeTakesDecodedText) {
    const char json[] =
        "{\"x402Version\":2,\"accepts\":[{\"scheme\":\"exact\",\"network\":\"n\",\"amount\":\"1\","
        "\"asset\":\"a\",\"payTo\":\"p\"}]}";
    CHECK(parse_payment_challenge(json, sizeof json - 1, g_scratch, sizeof g_scratch, &c) ==
          Error::ok);
    LONGS_EQUAL(1, c.accepts_count);
    CHECK(c.json.data == json);
    CHECK(parse_payment_challenge("{\"accepts\":[]}", 14, g_scratch, sizeof g_scratch, &c) ==
          Error::bad_response);
    CHECK(parse_payment_challenge("[]", 2, g_scratch, sizeof g_scratch, &c) == Error::bad_response);
    CHECK(parse_payment_challenge(json, sizeof json - 1, g_scratch, 40, &c) ==
          Error::message_too_large);
}
