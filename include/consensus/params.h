/* SPDX-License-Identifier: MIT */
/// \file
/// Token parameters: what a session is bought with, their validation and the
/// local price quote. Validation runs before any network traffic.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/export.h"

namespace consensus {

/// How a session is billed (quote_micro_usd has the prices).
enum class Model : uint8_t {
    unset = 0,  ///< take the client's default (TokenParams)
    hybrid,     ///< minutes and megabytes
    time,       ///< minutes
    data        ///< megabytes
};

///@{
/// Server caps: values above are refused (they would be paid for, not delivered).
constexpr int32_t kMaxMinutes = 1440;
constexpr int32_t kMaxMegabytes = 10240;
///@}
/// Longest x-node-* header value accepted (bytes, printable ASCII).
constexpr size_t kMaxNodeHeader = 64;

/// Parameters of GET /ws. Unset fields (-1, Model::unset, nullptr) take the
/// client defaults, then hybrid / 5 / 50. Strings are copied by the library.
struct TokenParams {
    Model model = Model::unset;          ///< the billing model
    int32_t minutes = -1;                ///< minutes bought, at most kMaxMinutes
    int32_t megabytes = -1;              ///< megabytes bought, at most kMaxMegabytes
    const char* node_region = nullptr;   ///< sent as x-node-region when set
    const char* node_domain = nullptr;   ///< sent as x-node-domain when set
    const char* node_exclude = nullptr;  ///< sent as x-node-exclude when set
};

/// `params` over `defaults`, then the built-in defaults hybrid / 5 / 50.
CONSENSUS_API TokenParams merge_params(const TokenParams& params, const TokenParams& defaults);

/// Errors: invalid_params when the model is unknown, a dimension is negative
/// or above its cap, a billed dimension is 0 (time: minutes; data: megabytes;
/// hybrid: both), or a node header is too long or not printable ASCII.
CONSENSUS_API Error validate_params(const TokenParams& resolved);

/// Local quote in micro-USD, rounded to 4 decimals (as the server charges):
/// hybrid 0.0005/min + 0.0001/MB, time 0.001/min, data 0.00012/MB.
CONSENSUS_API uint64_t quote_micro_usd(const TokenParams& resolved);

/// "hybrid" / "time" / "data" ("unset" for Model::unset).
CONSENSUS_API const char* model_name(Model m);
/// Parses a model name; false if unknown.
CONSENSUS_API bool parse_model(const char* s, Model* out);

}  // namespace consensus
