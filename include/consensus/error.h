/* SPDX-License-Identifier: MIT */
/// \file
/// Typed errors of the consensus-ws library. No exceptions: every fallible call
/// returns an Error (or carries one in an event). Each code has a stable name
/// string (error_name) that the CLI prints and scripts may match on.
#pragma once

#include <stdint.h>

#include "consensus/export.h"

namespace consensus {

/// What a fallible call returns; error_name() gives each code's stable name.
enum class Error : uint8_t {
    ok = 0,             ///< success
    invalid_params,     ///< bad model/minutes/megabytes/header value; nothing was sent
    invalid_config,     ///< bad Config/ClientOptions (e.g. no payment hook, a knob out of range)
    payment_required,   ///< a 402 and the hook declined to handle it (no payer)
    payment_refused,    ///< the payment hook refused or failed
    payment_rejected,   ///< the server answered the paid retry with 402 again
    budget_exhausted,   ///< the spend guard refused the purchase; nothing was sent
    http_status,        ///< any other non-2xx answer; see http_status and message
    bad_response,       ///< malformed HTTP, JSON or a 200 without token/connect_url
    dns_failed,         ///< host name could not be resolved
    connect_failed,     ///< TCP connect refused/unreachable/reset
    tls_failed,         ///< TLS handshake or record layer failure
    cert_invalid,       ///< certificate chain or hostname verification failed
    timeout,            ///< request or open timeout elapsed
    token_expired,      ///< the auth is older than its expires_in; nothing was sent
    token_rejected,     ///< 401 on the WebSocket upgrade (unknown, reused or expired token)
    handshake_failed,   ///< the upgrade was refused or its answer was invalid
    protocol_error,     ///< the peer broke RFC 6455 (or HTTP) rules
    message_too_large,  ///< a message, header, URL, token or body exceeds its configured bound
    not_open,           ///< send on a session that is not open
    would_block,        ///< no room in the send buffer now; retry after a writable event
    closed,             ///< the connection was closed (by the peer or the network)
    no_resources,       ///< all session/request slots or listener slots are in use
    invalid_handle,     ///< the session handle is stale or empty
    paid_attempts_exhausted,  ///< max_paid_attempts paid tokens in a row gave no working session
    price_too_high,  ///< every requirement of the 402 asks more than the quote, margin and budget
                     ///< allow
    proxy_failed,    ///< the HTTP proxy refused the tunnel (http_status: its status, e.g. 407),
                     ///< broke HTTP, or closed before answering CONNECT
    busy,            ///< a streamed send (Session::send_stream) is in progress on the session
    stream_aborted,  ///< the source of a streamed send failed; the session closed with 1011
};

/// Stable lower-case name of an error ("invalid_params", ...). Never null.
CONSENSUS_API const char* error_name(Error e);

}  // namespace consensus
