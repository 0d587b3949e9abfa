/* SPDX-License-Identifier: MIT */
// Session parameters of GET /ws as the reference server reads them: the price
// (what the 402 asks for) and the limits (what session_start grants).
#pragma once

#include <string>

namespace devserver {

enum class Model { Hybrid, Time, Data };

struct SessionParams {
    Model model = Model::Hybrid;
    std::string model_name = "hybrid";
    double minutes = 5;     // after parseInt; NaN became 0
    double megabytes = 50;  // after parseInt; NaN became 0
};

struct Pricing {
    double per_minute = 0;
    double per_mb = 0;
    double total_cost = 0;  // unrounded, as session_start reports it
};

struct Limits {
    double time_seconds = 0;  // already divided by the time scale
    double data_mb = 0;
};

// JavaScript's parseInt(text) without a radix. Returns false for NaN.
bool js_parse_int(const std::string& text, double& out);

// Reads model/minutes/megabytes (raw query values, `present` false when the
// key was absent). Returns false when the model is unknown.
bool parse_params(bool has_model, const std::string& model, bool has_minutes,
                  const std::string& minutes, bool has_megabytes, const std::string& megabytes,
                  SessionParams& out);

Pricing pricing_for(const SessionParams& p);

// The charged amount in USDC atomic units ("$" + cost.toFixed(4), 6 decimals),
// e.g. hybrid 5/50 -> "7500". Returns false when the price cannot be parsed by
// the money parser (negative, or absurdly large): the server answers 500.
bool atomic_amount(const SessionParams& p, std::string& out);

// Limits granted by the session, time divided by `time_scale`.
Limits limits_for(const SessionParams& p, double time_scale);

}  // namespace devserver
