/* SPDX-License-Identifier: MIT */
// What a session reports. Listeners are a function pointer plus a user
// pointer (no std::function: it may allocate). All views in an event are
// valid only until the listener returns.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/strview.h"

namespace consensus {

enum class EventType : uint8_t {
    open,           // the session is usable: the service's session_start came (attempt: 1 = first)
    message,        // a whole message (data, size, binary)
    close,          // the connection ended (code, reason, initiator)
    error,          // a failure (error, http_status, text)
    session_start,  // the server's session_start message, parsed
    session_expired,  // the server's session_expired message (or its expiry close)
    reconnecting,     // a reconnect is scheduled (attempt, in_ms)
    token,            // a token was obtained for this session (token, connect_url)
    payment,          // payment required / paid (payment_paid)
    writable,         // the send buffer has room again after a would_block, or a streamed
                      // send (Session::send_stream) is all out of it
    ended,            // the session is over for good: no more reconnects (error: why)
    message_part,     ///< a part of a message larger than the message buffer, streamed
                      ///< (SessionOptions::max_streamed_message_bytes): data, size, binary,
                      ///< offset, last
};
constexpr size_t kEventTypeCount = 12;

/// Where a failure happened (decides the CLI's exit status 3 / 4 / 5).
enum class Phase : uint8_t { token, open, session };

/// Who ended a connection.
enum class Initiator : uint8_t { caller, server, network };

enum class ExpiryReason : uint8_t { time_limit_reached, data_limit_reached, other };

/// Bounds of the strings copied out of session_start (longer values are cut
/// at the bound and flagged truncated; they are informational only).
constexpr size_t kMaxSessionId = 64;
constexpr size_t kMaxServedBy = 64;

struct SessionStartInfo {
    char session_id[kMaxSessionId + 1];
    char served_by[kMaxServedBy + 1];
    char model[8];
    int64_t time_seconds;  // limits.timeSeconds, -1 if absent
    double data_mb;        // limits.dataMB, -1 if absent
    double total_cost;     // pricing.totalCost, -1 if absent
    double price_per_minute;
    double price_per_mb;
};

struct SessionExpiredInfo {
    ExpiryReason reason;
    StrView reason_text;      // as sent, e.g. "time_limit_reached"
    double duration_minutes;  // finalUsage.durationMinutes, -1 if absent
    double data_mb;           // finalUsage.dataMB, -1 if absent
};

struct Event {
    EventType type;
    uint16_t session_index;  // slot of the session in the client's pool
    // message
    const uint8_t* data;
    size_t size;
    bool binary;
    /// message_part: bytes of the message before this part (0 for the first).
    uint64_t offset;
    /// message_part: the message ends with this part (message: always true,
    /// offset 0, so both can be handled alike). A text part is valid
    /// UTF-8 as far as it goes, but may end inside a character: the rest of
    /// that character starts the next part.
    bool last;
    // close
    uint16_t code;   // close code (1006 when none was received)
    StrView reason;  // close reason, or error text
    Initiator initiator;
    // error
    Error error;
    Phase phase;
    int http_status;  // 0 when none
    // open / reconnecting (attempt counts opens: 1 = first; reconnecting: the next one)
    uint32_t attempt;
    uint32_t in_ms;
    // open: the TLS protocol version the connection negotiated, static text
    // ("TLSv1.2" or "TLSv1.3"; the pointer stays valid after the listener
    // returns); nullptr over plain ws. mbedTLS 2.28 builds speak 1.2 only.
    const char* tls_version;
    // token
    StrView token;
    StrView connect_url;
    uint32_t expires_in_s;
    // payment
    bool payment_paid;  // false: a 402 was received; true: the payment was accepted
    // session_start / session_expired
    const SessionStartInfo* start;
    const SessionExpiredInfo* expired;
};

class Session;
/// What a listener may call from inside its call: client.h, "Calling the
/// library from inside a callback".
using Listener = void (*)(void* user, Session& session, const Event& event);

}  // namespace consensus
