// SPDX-License-Identifier: MIT
#include "consensus/error.h"

namespace consensus {

const char* error_name(Error e) {
    switch (e) {
        case Error::ok: return "ok";
        case Error::invalid_params: return "invalid_params";
        case Error::invalid_config: return "invalid_config";
        case Error::payment_required: return "payment_required";
        case Error::payment_refused: return "payment_refused";
        case Error::payment_rejected: return "payment_rejected";
        case Error::budget_exhausted: return "budget_exhausted";
        case Error::http_status: return "http_status";
        case Error::bad_response: return "bad_response";
        case Error::dns_failed: return "dns_failed";
        case Error::connect_failed: return "connect_failed";
        case Error::tls_failed: return "tls_failed";
        case Error::cert_invalid: return "cert_invalid";
        case Error::timeout: return "timeout";
        case Error::token_expired: return "token_expired";
        case Error::token_rejected: return "token_rejected";
        case Error::handshake_failed: return "handshake_failed";
        case Error::protocol_error: return "protocol_error";
        case Error::message_too_large: return "message_too_large";
        case Error::not_open: return "not_open";
        case Error::would_block: return "would_block";
        case Error::closed: return "closed";
        case Error::no_resources: return "no_resources";
        case Error::invalid_handle: return "invalid_handle";
        case Error::paid_attempts_exhausted: return "paid_attempts_exhausted";
        case Error::price_too_high: return "price_too_high";
        case Error::proxy_failed: return "proxy_failed";
        case Error::busy: return "busy";
        case Error::stream_aborted: return "stream_aborted";
    }
    return "unknown";
}

}  // namespace consensus
