/* SPDX-License-Identifier: MIT */
// Classifies the service's own WebSocket text messages (docs/SERVICE.md §5-6).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/events.h"

namespace consensus {

enum class ServerMessage : uint8_t { other, session_start, session_expired };

/// Classifies a received text message. A JSON object whose "type" is
/// "session_start" fills *start: sessionId, served_by, model (cut at their
/// bounds on a character boundary; "" when absent), limits.timeSeconds,
/// limits.dataMB, pricing.totalCost/pricePerMinute/pricePerMB (-1 when absent
/// or not numbers; timeSeconds also -1 when negative or beyond int64_t).
/// "session_expired" fills *expired: reason (enum) and
/// reason_text (a view into `data`, raw JSON string contents), finalUsage
/// durationMinutes / dataMB (-1 when absent). Unknown fields are ignored;
/// anything else (not JSON, no or repeated "type", another type, scratch too
/// small) is other, and then neither struct is touched. A null start/expired
/// pointer is allowed (that struct is not filled).
/// Memory: scratch holds the jsmn tokens (20 B each; session_start needs ~20).
ServerMessage parse_server_message(const char* data, size_t len, void* scratch, size_t scratch_len,
                                   SessionStartInfo* start, SessionExpiredInfo* expired);

}  // namespace consensus
