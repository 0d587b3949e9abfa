/* SPDX-License-Identifier: MIT */
/// \file
/// What a session reports. Listeners are a function pointer plus a user
/// pointer (no std::function: it may allocate). All views in an event are
/// valid only until the listener returns.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/strview.h"

namespace consensus {

/// What happened (Event::type); in parentheses, the Event fields the type sets.
enum class EventType : uint8_t {
    open,     ///< the session is usable: the service's session_start came (attempt: 1 = first)
    message,  ///< a whole message (data, size, binary)
    close,    ///< the connection ended (code, reason, initiator)
    error,    ///< a failure (error, http_status, text)
    session_start,    ///< the server's session_start message, parsed
    session_expired,  ///< the server's session_expired message (or its expiry close)
    reconnecting,     ///< a reconnect is scheduled (attempt, in_ms)
    token,            ///< a token was obtained for this session (token, connect_url)
    payment,          ///< payment required / paid (payment_paid)
    writable,         ///< the send buffer has room again after a would_block, or a streamed
                      ///< send (Session::send_stream) is all out of it
    ended,            ///< the session is over for good: no more reconnects (error: why)
    message_part,     ///< a part of a message larger than the message buffer, streamed
                      ///< (SessionOptions::max_streamed_message_bytes): data, size, binary,
                      ///< offset, last
};
/// Number of EventType values.
constexpr size_t kEventTypeCount = 12;

/// Where a failure happened (decides the CLI's exit status 3 / 4 / 5).
enum class Phase : uint8_t {
    token,   ///< buying the token (GET /ws, the payment)
    open,    ///< opening the WebSocket (DNS, TCP, TLS, upgrade, session_start)
    session  ///< on an open session
};

/// Who ended a connection.
enum class Initiator : uint8_t {
    caller,  ///< this program (Session::close)
    server,  ///< the server's close frame
    network  ///< the link was lost (no close frame)
};

/// Why the server expired a session (SessionExpiredInfo::reason).
enum class ExpiryReason : uint8_t {
    time_limit_reached,  ///< the minutes bought are used up
    data_limit_reached,  ///< the megabytes bought are used up
    other                ///< another reason (SessionExpiredInfo::reason_text)
};

///@{
/// Bounds of the strings copied out of session_start (longer values are cut
/// at the bound; they are informational only).
constexpr size_t kMaxSessionId = 64;
constexpr size_t kMaxServedBy = 64;
///@}

/// The server's session_start message, parsed (Event::start). Strings are
/// NUL-terminated.
struct SessionStartInfo {
    char session_id[kMaxSessionId + 1];  ///< sessionId, cut at kMaxSessionId ("" if absent)
    char served_by[kMaxServedBy + 1];    ///< served_by, cut at kMaxServedBy ("" if absent)
    char model[8];                       ///< model, e.g. "hybrid", cut at 7 bytes ("" if absent)
    int64_t time_seconds;                ///< limits.timeSeconds, -1 if absent
    double data_mb;                      ///< limits.dataMB, -1 if absent
    double total_cost;                   ///< pricing.totalCost, -1 if absent
    double price_per_minute;             ///< pricing.pricePerMinute, -1 if absent
    double price_per_mb;                 ///< pricing.pricePerMB, -1 if absent
};

/// The server's session_expired message, parsed (Event::expired).
struct SessionExpiredInfo {
    ExpiryReason reason;      ///< reason_text as an enum
    StrView reason_text;      ///< as sent, e.g. "time_limit_reached"
    double duration_minutes;  ///< finalUsage.durationMinutes, -1 if absent
    double data_mb;           ///< finalUsage.dataMB, -1 if absent
};

/// One event of a session, handed to its listeners; `type` says which fields
/// are set (EventType names them).
struct Event {
    EventType type;          ///< what happened
    uint16_t session_index;  ///< slot of the session in the client's pool
    // message
    const uint8_t* data;  ///< message, message_part: the payload
    size_t size;          ///< message, message_part: bytes at data
    bool binary;          ///< message, message_part: a binary (not a text) message
    /// message_part: bytes of the message before this part (0 for the first;
    /// message: 0).
    uint64_t offset;
    /// message_part: the message ends with this part (message: always true,
    /// so both can be handled alike). A text part is valid UTF-8 as far as it
    /// goes, but may end inside a character: the rest of that character
    /// starts the next part.
    bool last;
    // close
    uint16_t code;        ///< close code (1006 when none was received)
    StrView reason;       ///< close reason, or error text
    Initiator initiator;  ///< close: who ended the connection
    // error
    Error error;      ///< error, ended: what failed (ended: why the session is over)
    Phase phase;      ///< error: where it failed
    int http_status;  ///< 0 when none
    // open / reconnecting (attempt counts opens: 1 = first; reconnecting: the next one)
    uint32_t attempt;  ///< open: this open's number; reconnecting: the next one's
    uint32_t in_ms;    ///< reconnecting: the wait before it
    /// open: the TLS protocol version the connection negotiated, static text
    /// ("TLSv1.2" or "TLSv1.3"; the pointer stays valid after the listener
    /// returns); nullptr over plain ws. mbedTLS 2.28 builds speak 1.2 only.
    const char* tls_version;
    // token
    StrView token;          ///< token: the session token
    StrView connect_url;    ///< token: where it is presented (it carries the token)
    uint32_t expires_in_s;  ///< token: its lifetime in seconds (expires_in)
    // payment
    bool payment_paid;  ///< false: a 402 was received; true: the payment was accepted
    // session_start / session_expired
    const SessionStartInfo* start;      ///< session_start: the message parsed
    const SessionExpiredInfo* expired;  ///< session_expired: the message parsed
};

class Session;
/// What a listener may call from inside its call: client.h, "Calling the
/// library from inside a callback".
using Listener = void (*)(void* user, Session& session, const Event& event);

}  // namespace consensus
