// SPDX-License-Identifier: MIT
// Token parameters: merge, validation and the local quote (docs/SERVICE.md §1-2).
#include "consensus/params.h"

#include <string.h>

#include "core/strview.h"

namespace consensus {

namespace {

constexpr Model kDefaultModel = Model::hybrid;
constexpr int32_t kDefaultMinutes = 5;
constexpr int32_t kDefaultMegabytes = 50;

// Prices in micro-USD per unit (USD x 1e6), so the quote is exact integer math.
constexpr uint64_t kHybridPerMinute = 500;
constexpr uint64_t kHybridPerMb = 100;
constexpr uint64_t kTimePerMinute = 1000;
constexpr uint64_t kDataPerMb = 120;
// The server charges "$" + cost.toFixed(4): whole multiples of 100 micro-USD.
constexpr uint64_t kChargeStep = 100;

const char* pick_str(const char* a, const char* b) {
    return a ? a : b;
}

// A node header value: at most kMaxNodeHeader bytes of printable ASCII and no
// surrounding spaces (they would be stripped by HTTP and change the meaning).
bool node_header_ok(const char* s) {
    if (s == nullptr) return true;
    size_t n = bounded_len(s, kMaxNodeHeader);
    if (n > kMaxNodeHeader) return false;
    if (n == 0) return true;  // empty = not sent
    if (s[0] == ' ' || s[n - 1] == ' ') return false;
    for (size_t i = 0; i < n; ++i) {
        if (!is_printable(s[i])) return false;
    }
    return true;
}

bool in_range(int32_t v, int32_t max) {
    return v >= 0 && v <= max;
}

uint64_t non_negative(int32_t v) {
    return v > 0 ? static_cast<uint64_t>(v) : 0;
}

}  // namespace

TokenParams merge_params(const TokenParams& params, const TokenParams& defaults) {
    TokenParams r;
    r.model = params.model != Model::unset     ? params.model
              : defaults.model != Model::unset ? defaults.model
                                               : kDefaultModel;
    r.minutes = params.minutes >= 0     ? params.minutes
                : defaults.minutes >= 0 ? defaults.minutes
                                        : kDefaultMinutes;
    r.megabytes = params.megabytes >= 0     ? params.megabytes
                  : defaults.megabytes >= 0 ? defaults.megabytes
                                            : kDefaultMegabytes;
    r.node_region = pick_str(params.node_region, defaults.node_region);
    r.node_domain = pick_str(params.node_domain, defaults.node_domain);
    r.node_exclude = pick_str(params.node_exclude, defaults.node_exclude);
    return r;
}

Error validate_params(const TokenParams& p) {
    if (!in_range(p.minutes, kMaxMinutes) || !in_range(p.megabytes, kMaxMegabytes)) {
        return Error::invalid_params;
    }
    switch (p.model) {
        case Model::hybrid:
            if (p.minutes < 1 || p.megabytes < 1) return Error::invalid_params;
            break;
        case Model::time:
            if (p.minutes < 1) return Error::invalid_params;
            break;
        case Model::data:
            if (p.megabytes < 1) return Error::invalid_params;
            break;
        case Model::unset:
        default:
            return Error::invalid_params;
    }
    if (!node_header_ok(p.node_region) || !node_header_ok(p.node_domain) ||
        !node_header_ok(p.node_exclude)) {
        return Error::invalid_params;
    }
    return Error::ok;
}

uint64_t quote_micro_usd(const TokenParams& p) {
    uint64_t minutes = non_negative(p.minutes);
    uint64_t mb = non_negative(p.megabytes);
    uint64_t micro = 0;
    switch (p.model) {
        case Model::hybrid:
            micro = kHybridPerMinute * minutes + kHybridPerMb * mb;
            break;
        case Model::time:
            micro = kTimePerMinute * minutes;
            break;
        case Model::data:
            micro = kDataPerMb * mb;
            break;
        case Model::unset:
        default:
            return 0;
    }
    // Round to the server's 4 decimals, halves up (toFixed on these values).
    return (micro + kChargeStep / 2) / kChargeStep * kChargeStep;
}

const char* model_name(Model m) {
    switch (m) {
        case Model::hybrid:
            return "hybrid";
        case Model::time:
            return "time";
        case Model::data:
            return "data";
        case Model::unset:
        default:
            return "unset";
    }
}

bool parse_model(const char* s, Model* out) {
    if (s == nullptr || out == nullptr) return false;
    constexpr Model kModels[] = {Model::hybrid, Model::time, Model::data};
    for (Model m : kModels) {
        if (strcmp(s, model_name(m)) == 0) {
            *out = m;
            return true;
        }
    }
    return false;
}

}  // namespace consensus
