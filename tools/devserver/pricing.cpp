// SPDX-License-Identifier: MIT
#include "pricing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace devserver {

namespace {

constexpr double kMaxMinutes = 1440;
constexpr double kMaxMegabytes = 10240;
constexpr double kTimeModelMbPerMinute = 2.5;
constexpr double kTimeModelMaxMb = 500;
constexpr double kDataModelSeconds = 24 * 3600;

bool is_js_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

int digit_value(char c, int radix) {
    int v = -1;
    if (c >= '0' && c <= '9') v = c - '0';
    if (c >= 'a' && c <= 'z') v = c - 'a' + 10;
    if (c >= 'A' && c <= 'Z') v = c - 'A' + 10;
    return v < radix ? v : -1;
}

}  // namespace

bool js_parse_int(const std::string& text, double& out) {
    size_t i = 0;
    while (i < text.size() && is_js_space(text[i])) ++i;
    double sign = 1;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) {
        if (text[i] == '-') sign = -1;
        ++i;
    }
    int radix = 10;
    if (i + 1 < text.size() && text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
        radix = 16;  // parseInt("0x10") is 16
        i += 2;
    }
    double value = 0;
    size_t digits = 0;
    for (; i < text.size(); ++i, ++digits) {
        int d = digit_value(text[i], radix);
        if (d < 0) break;
        value = value * radix + d;
    }
    if (digits == 0) return false;
    out = sign * value;
    return true;
}

bool parse_params(bool has_model, const std::string& model, bool has_minutes,
                  const std::string& minutes, bool has_megabytes, const std::string& megabytes,
                  SessionParams& out) {
    out = SessionParams{};
    if (has_model) {
        if (model == "hybrid") {
            out.model = Model::Hybrid;
        } else if (model == "time") {
            out.model = Model::Time;
        } else if (model == "data") {
            out.model = Model::Data;
        } else {
            return false;
        }
        out.model_name = model;
    }
    // NaN counts as 0 (parseInt semantics of the reference server).
    if (has_minutes && !js_parse_int(minutes, out.minutes)) out.minutes = 0;
    if (has_megabytes && !js_parse_int(megabytes, out.megabytes)) out.megabytes = 0;
    return true;
}

Pricing pricing_for(const SessionParams& p) {
    Pricing r;
    switch (p.model) {
        case Model::Hybrid:
            r.per_minute = 0.0005;
            r.per_mb = 0.0001;
            break;
        case Model::Time:
            r.per_minute = 0.001;
            break;
        case Model::Data:
            r.per_mb = 0.00012;
            break;
    }
    r.total_cost = p.minutes * r.per_minute + p.megabytes * r.per_mb;
    return r;
}

bool atomic_amount(const SessionParams& p, std::string& out) {
    double cost = pricing_for(p).total_cost;
    if (!std::isfinite(cost) || cost >= 1e12) return false;
    char fixed[64];
    // %.4f rounds the exact binary value like Number#toFixed (no exact ties exist at 4 digits).
    std::snprintf(fixed, sizeof fixed, "%.4f", cost);
    if (fixed[0] == '-') {
        // "$-0.0000" still parses (as zero); any real negative price makes the parser throw.
        if (std::strtod(fixed, nullptr) != 0) return false;
        out = "0";
        return true;
    }
    const char* dot = std::strchr(fixed, '.');
    if (dot == nullptr) return false;
    std::string digits =
        std::string(fixed, static_cast<size_t>(dot - fixed)) + (dot + 1) + "00";  // 6 decimals
    size_t nz = digits.find_first_not_of('0');
    out = nz == std::string::npos ? "0" : digits.substr(nz);
    return true;
}

Limits limits_for(const SessionParams& p, double time_scale) {
    Limits l;
    double minutes = std::min(p.minutes, kMaxMinutes);
    double megabytes = std::min(p.megabytes, kMaxMegabytes);
    switch (p.model) {
        case Model::Hybrid:
            l.time_seconds = minutes * 60;
            l.data_mb = megabytes;
            break;
        case Model::Time:
            l.time_seconds = minutes * 60;
            l.data_mb = std::min(p.minutes * kTimeModelMbPerMinute, kTimeModelMaxMb);
            break;
        case Model::Data:
            l.time_seconds = kDataModelSeconds;
            l.data_mb = megabytes;
            break;
    }
    l.time_seconds /= time_scale;
    return l;
}

}  // namespace devserver
