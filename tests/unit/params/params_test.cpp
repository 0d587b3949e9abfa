// SPDX-License-Identifier: MIT
#include "consensus/params.h"

#include <stdint.h>
#include <string.h>

#include "CppUTest/TestHarness.h"

using namespace consensus;

namespace {

TokenParams make(Model m, int32_t minutes, int32_t mb) {
    TokenParams p;
    p.model = m;
    p.minutes = minutes;
    p.megabytes = mb;
    return p;
}

}  // namespace

TEST_GROUP(params){};

TEST(params, MergeFallsBackToBuiltInDefaults) {
    TokenParams r = merge_params(TokenParams{}, TokenParams{});
    CHECK(r.model == Model::hybrid);
    LONGS_EQUAL(5, r.minutes);
    LONGS_EQUAL(50, r.megabytes);
    POINTERS_EQUAL(nullptr, r.node_region);
    POINTERS_EQUAL(nullptr, r.node_domain);
    POINTERS_EQUAL(nullptr, r.node_exclude);
}

TEST(params, MergeTakesDefaultsUnderParams) {
    TokenParams defaults = make(Model::time, 10, 0);
    defaults.node_region = "eu";
    defaults.node_domain = "d";
    TokenParams p;
    p.megabytes = 7;
    p.node_domain = "mine";
    p.node_exclude = "x";
    TokenParams r = merge_params(p, defaults);
    CHECK(r.model == Model::time);
    LONGS_EQUAL(10, r.minutes);
    LONGS_EQUAL(7, r.megabytes);
    STRCMP_EQUAL("eu", r.node_region);
    STRCMP_EQUAL("mine", r.node_domain);
    STRCMP_EQUAL("x", r.node_exclude);
}

TEST(params, MergeParamsWinIncludingZero) {
    TokenParams r = merge_params(make(Model::data, 0, 1), make(Model::time, 9, 9));
    CHECK(r.model == Model::data);
    LONGS_EQUAL(0, r.minutes);
    LONGS_EQUAL(1, r.megabytes);
}

TEST(params, ValidModelsPass) {
    CHECK(validate_params(make(Model::hybrid, 5, 50)) == Error::ok);
    CHECK(validate_params(make(Model::time, 1, 0)) == Error::ok);
    CHECK(validate_params(make(Model::data, 0, 1)) == Error::ok);
    CHECK(validate_params(make(Model::hybrid, kMaxMinutes, kMaxMegabytes)) == Error::ok);
    CHECK(validate_params(make(Model::time, kMaxMinutes, kMaxMegabytes)) == Error::ok);
}

TEST(params, UnknownModelIsInvalid) {
    CHECK(validate_params(make(Model::unset, 5, 50)) == Error::invalid_params);
    CHECK(validate_params(make(static_cast<Model>(9), 5, 50)) == Error::invalid_params);
}

TEST(params, DimensionsOutOfRangeAreInvalid) {
    CHECK(validate_params(make(Model::hybrid, -1, 50)) == Error::invalid_params);
    CHECK(validate_params(make(Model::hybrid, 5, -1)) == Error::invalid_params);
    CHECK(validate_params(make(Model::hybrid, kMaxMinutes + 1, 50)) == Error::invalid_params);
    CHECK(validate_params(make(Model::hybrid, 5, kMaxMegabytes + 1)) == Error::invalid_params);
    // Caps apply to the dimension a model does not bill, too.
    CHECK(validate_params(make(Model::time, 5, kMaxMegabytes + 1)) == Error::invalid_params);
    CHECK(validate_params(make(Model::data, -5, 5)) == Error::invalid_params);
    CHECK(validate_params(make(Model::data, INT32_MAX, 5)) == Error::invalid_params);
}

TEST(params, BilledDimensionMustBeAtLeastOne) {
    CHECK(validate_params(make(Model::time, 0, 50)) == Error::invalid_params);
    CHECK(validate_params(make(Model::data, 50, 0)) == Error::invalid_params);
    CHECK(validate_params(make(Model::hybrid, 0, 50)) == Error::invalid_params);
    CHECK(validate_params(make(Model::hybrid, 5, 0)) == Error::invalid_params);
}

TEST(params, NodeHeaderRules) {
    char v[kMaxNodeHeader + 2];
    memset(v, 'a', sizeof(v));
    v[kMaxNodeHeader] = '\0';
    TokenParams p = make(Model::hybrid, 5, 50);
    p.node_region = v;
    CHECK(validate_params(p) == Error::ok);  // exactly 64 bytes
    v[kMaxNodeHeader] = 'a';
    v[kMaxNodeHeader + 1] = '\0';
    CHECK(validate_params(p) == Error::invalid_params);  // 65 bytes

    const char* bad[] = {"eu\r\nX: y", "eu\t1", " eu", "eu ", "caf\xc3\xa9", "a\x7f"};
    for (const char* b : bad) {
        TokenParams q = make(Model::hybrid, 5, 50);
        q.node_region = b;
        CHECK(validate_params(q) == Error::invalid_params);
        q = make(Model::hybrid, 5, 50);
        q.node_domain = b;
        CHECK(validate_params(q) == Error::invalid_params);
        q = make(Model::hybrid, 5, 50);
        q.node_exclude = b;
        CHECK(validate_params(q) == Error::invalid_params);
    }
    TokenParams ok = make(Model::hybrid, 5, 50);
    ok.node_region = "";  // empty: not sent
    ok.node_domain = "node.example.com";
    ok.node_exclude = "node-a, node-b ~!@#";
    CHECK(validate_params(ok) == Error::ok);
}

TEST(params, QuoteMatchesServerAmounts) {
    // The server's amounts (vectors/x402 and docs/SERVICE.md).
    LONGS_EQUAL(7500, quote_micro_usd(make(Model::hybrid, 5, 50)));
    LONGS_EQUAL(5000, quote_micro_usd(make(Model::time, 5, 0)));
    LONGS_EQUAL(6000, quote_micro_usd(make(Model::data, 0, 50)));
    LONGS_EQUAL(100, quote_micro_usd(make(Model::data, 0, 1)));  // $0.00012 -> $0.0001
}

TEST(params, QuoteIgnoresUnbilledDimension) {
    LONGS_EQUAL(5000, quote_micro_usd(make(Model::time, 5, 999)));
    LONGS_EQUAL(6000, quote_micro_usd(make(Model::data, 999, 50)));
}

TEST(params, QuoteRoundsToFourDecimals) {
    LONGS_EQUAL(200, quote_micro_usd(make(Model::data, 0, 2)));  // 240 -> 200
    LONGS_EQUAL(400, quote_micro_usd(make(Model::data, 0, 3)));  // 360 -> 400
    LONGS_EQUAL(1200, quote_micro_usd(make(Model::data, 0, 10)));
    LONGS_EQUAL(1228800, quote_micro_usd(make(Model::data, 0, kMaxMegabytes)));
    // hybrid 1440 min + 10240 MB: $1.744 (the JS SDK's $1 cap refuses it)
    LONGS_EQUAL(1744000, quote_micro_usd(make(Model::hybrid, kMaxMinutes, kMaxMegabytes)));
    LONGS_EQUAL(1440000, quote_micro_usd(make(Model::time, kMaxMinutes, 0)));
    LONGS_EQUAL(0, quote_micro_usd(make(Model::unset, 5, 50)));
    LONGS_EQUAL(0, quote_micro_usd(make(Model::time, -3, 0)));
}

TEST(params, ModelNames) {
    STRCMP_EQUAL("hybrid", model_name(Model::hybrid));
    STRCMP_EQUAL("time", model_name(Model::time));
    STRCMP_EQUAL("data", model_name(Model::data));
    STRCMP_EQUAL("unset", model_name(Model::unset));
    Model m = Model::unset;
    CHECK(parse_model("time", &m));
    CHECK(m == Model::time);
    CHECK(parse_model("hybrid", &m));
    CHECK(m == Model::hybrid);
    CHECK(parse_model("data", &m));
    CHECK(m == Model::data);
    CHECK_FALSE(parse_model("Hybrid", &m));
    CHECK_FALSE(parse_model("unset", &m));
    CHECK_FALSE(parse_model("", &m));
    CHECK_FALSE(parse_model("datax", &m));
    CHECK_FALSE(parse_model(nullptr, &m));
    CHECK_FALSE(parse_model("time", nullptr));
    CHECK(m == Model::data);
}
