// SPDX-License-Identifier: MIT
// session_start / session_expired parsing: lenient on content, strict on JSON.
#include "json/server_message.h"

#include "core/strview.h"
#include "json/json.h"

namespace consensus {

namespace {

double number_or(const JsonDoc& doc, int obj, const char* key, double fallback) {
    double v = fallback;
    int i = json_find(doc, obj, key);
    return (i >= 0 && json_number(doc, i, &v)) ? v : fallback;
}

// Informational strings: cut at the bound, "" when absent or not a string.
void copy_cut(const JsonDoc& doc, int obj, const char* key, char* out, size_t cap) {
    out[0] = '\0';
    int i = json_find(doc, obj, key);
    if (json_is_string(doc, i)) json_unescape_cut(json_raw(doc, i), out, cap);
}

// A time limit is a non-negative number of seconds; a negative value or one
// beyond int64_t says nothing, so it reads as absent (-1). The range check also
// keeps the double -> int64_t conversion defined (found by fuzz_server_message).
int64_t time_limit(const JsonDoc& doc, int t) {
    int64_t secs = -1;
    if (t >= 0 && json_int(doc, t, &secs)) return secs >= 0 ? secs : -1;
    double d = -1;  // a fractional value still tells the limit
    if (t < 0 || !json_number(doc, t, &d)) return -1;
    constexpr double kBeyond = 9223372036854775808.0;  // 2^63: the first double past INT64_MAX
    return d >= 0 && d < kBeyond ? static_cast<int64_t>(d) : -1;
}

void fill_start(const JsonDoc& doc, SessionStartInfo* s) {
    copy_cut(doc, 0, "sessionId", s->session_id, sizeof(s->session_id));
    copy_cut(doc, 0, "served_by", s->served_by, sizeof(s->served_by));
    copy_cut(doc, 0, "model", s->model, sizeof(s->model));
    int limits = json_find(doc, 0, "limits");
    int pricing = json_find(doc, 0, "pricing");
    s->time_seconds = time_limit(doc, json_find(doc, limits, "timeSeconds"));
    s->data_mb = number_or(doc, limits, "dataMB", -1);
    s->total_cost = number_or(doc, pricing, "totalCost", -1);
    s->price_per_minute = number_or(doc, pricing, "pricePerMinute", -1);
    s->price_per_mb = number_or(doc, pricing, "pricePerMB", -1);
}

void fill_expired(const JsonDoc& doc, SessionExpiredInfo* x) {
    int r = json_find(doc, 0, "reason");
    x->reason_text = json_is_string(doc, r) ? json_raw(doc, r) : StrView{};
    if (view_equals(x->reason_text, "time_limit_reached")) {
        x->reason = ExpiryReason::time_limit_reached;
    } else if (view_equals(x->reason_text, "data_limit_reached")) {
        x->reason = ExpiryReason::data_limit_reached;
    } else {
        x->reason = ExpiryReason::other;
    }
    int usage = json_find(doc, 0, "finalUsage");
    x->duration_minutes = number_or(doc, usage, "durationMinutes", -1);
    x->data_mb = number_or(doc, usage, "dataMB", -1);
}

}  // namespace

ServerMessage parse_server_message(const char* data, size_t len, void* scratch, size_t scratch_len,
                                   SessionStartInfo* start, SessionExpiredInfo* expired) {
    JsonDoc doc;
    if (json_parse_object(data, len, scratch, scratch_len, &doc) != Error::ok) {
        return ServerMessage::other;
    }
    int type = json_find(doc, 0, "type");
    if (!json_is_string(doc, type)) return ServerMessage::other;
    StrView t = json_raw(doc, type);
    if (view_equals(t, "session_start")) {
        if (start != nullptr) fill_start(doc, start);
        return ServerMessage::session_start;
    }
    if (view_equals(t, "session_expired")) {
        if (expired != nullptr) fill_expired(doc, expired);
        return ServerMessage::session_expired;
    }
    return ServerMessage::other;
}

}  // namespace consensus
