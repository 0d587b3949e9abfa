/* SPDX-License-Identifier: MIT */
// The C API's conversions between the C structs of consensus/consensus.h and
// the C++ ones: copies only, no state (src/capi/convert.cpp).
#pragma once

#include "consensus/client.h"
#include "consensus/consensus.h"

namespace consensus {
namespace capi {

Config to_cpp(const cws_config& c);
void to_c(const Config& c, cws_config* out);

TokenParams to_cpp(const cws_token_params& p);
void to_c(const TokenParams& p, cws_token_params* out);

// Everything but the hooks and their user pointers (the caller sets them).
ClientOptions to_cpp(const cws_options& o);
void to_c(const ClientOptions& o, cws_options* out);

void to_cpp(const cws_token_auth& a, TokenAuth* out);
void to_c(const TokenAuth& a, cws_token_auth* out);

Session to_cpp(const cws_session& s);
cws_session to_c(const Session& s);

void to_c(const PaymentChallenge& ch, cws_payment_challenge* out);
// Every field; the views point at the same bytes (the EVM payer's C hook).
void to_cpp(const cws_payment_challenge& ch, PaymentChallenge* out);
cws_budget to_c(const Budget& b);

// The event; start and expired receive the copies that out points to.
void to_c(const Event& e, cws_event* out, cws_session_start_info* start,
          cws_session_expired_info* expired);

// The C++ client of a C client (src/capi/consensus_c.cpp): for the C API of
// the optional modules (src/capi/evm_c.cpp).
Client& client_of(cws_client* c);

inline cws_str to_c(StrView v) {
    return cws_str{v.data, v.size};
}

inline StrView to_cpp(cws_str v) {
    return StrView{v.data, v.size};
}

inline cws_error to_c(Error e) {
    return static_cast<cws_error>(e);
}

}  // namespace capi
}  // namespace consensus
