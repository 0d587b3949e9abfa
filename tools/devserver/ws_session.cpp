// SPDX-License-Identifier: MIT
#include "ws_session.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>

#include "json.h"

namespace devserver {

namespace {

constexpr double kBytesPerMb = 1024.0 * 1024.0;
constexpr int64_t kCloseHandshakeMs = 5000;  // wait this long for the client's close frame

}  // namespace

WsSession::WsSession(SessionSpec spec, EventLog& log, std::string& in, std::string& out)
    : spec_(std::move(spec)), log_(log), in_(in), out_(out) {}

WsSession::~WsSession() {
    if (!close_logged_) log_close(1006, "", "network");
    if (ctx_ != nullptr) wslay_event_context_free(ctx_);
}

bool WsSession::start(int64_t now_ms) {
    wslay_event_callbacks cbs{};
    cbs.recv_callback = recv_cb;
    cbs.send_callback = send_cb;
    cbs.on_msg_recv_callback = msg_cb;
    if (wslay_event_context_server_init(&ctx_, &cbs, this) != 0) return false;
    wslay_event_config_set_max_recv_msg_length(ctx_, spec_.max_message_bytes);
    now_ms_ = now_ms;
    start_at_ms_ = now_ms + spec_.modes.start_delay_ms;
    if (spec_.modes.start_delay_ms == 0) begin();
    return true;
}

void WsSession::begin() {
    started_ = true;
    started_ms_ = now_ms_;
    int64_t limit_ms = static_cast<int64_t>(std::llround(spec_.limits.time_seconds * 1000));
    if (spec_.modes.expire_after_ms >= 0) {  // --expire-after-ms: sooner, never later
        limit_ms = std::min(limit_ms, spec_.modes.expire_after_ms);
    }
    expires_ms_ = now_ms_ + limit_ms;
    bool send_start = !spec_.modes.no_session_start;
    log_.write("session_start",
               {{"session", json_quote(spec_.id)}, {"sent", send_start ? "true" : "false"}});
    if (send_start) queue_session_start();
    if (spec_.modes.close_after_start != 0) {
        server_close(spec_.modes.close_after_start, "Closed by --close-after-start",
                     "close_after_start");
        return;
    }
    if (spec_.control.kind != TestControl::Kind::None && spec_.control.after == 0) after_echo();
}

void WsSession::queue_session_start() {
    const Pricing& pr = spec_.pricing;
    queue_text("{\"type\":\"session_start\",\"sessionId\":" + json_quote(spec_.id) +
               ",\"model\":" + json_quote(spec_.params.model_name) +
               ",\"served_by\":\"local\",\"limits\":{\"timeSeconds\":" +
               js_number(spec_.limits.time_seconds) +
               ",\"dataMB\":" + js_number(spec_.limits.data_mb) + "},\"pricing\":{\"totalCost\":" +
               js_number(pr.total_cost) + ",\"pricePerMinute\":" + js_number(pr.per_minute) +
               ",\"pricePerMB\":" + js_number(pr.per_mb) + "}}");
}

void WsSession::queue_text(const std::string& text) {
    wslay_event_msg msg{WSLAY_TEXT_FRAME, reinterpret_cast<const uint8_t*>(text.data()),
                        text.size()};
    wslay_event_queue_msg(ctx_, &msg);  // copies the payload
}

ssize_t WsSession::recv_cb(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int, void* user) {
    auto* s = static_cast<WsSession*>(user);
    if (s->in_.empty()) {
        // EOF must be a callback failure, or wslay treats it as "would block".
        wslay_event_set_error(ctx,
                              s->peer_eof_ ? WSLAY_ERR_CALLBACK_FAILURE : WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = std::min(len, s->in_.size());
    std::memcpy(buf, s->in_.data(), n);
    s->in_.erase(0, n);
    return static_cast<ssize_t>(n);
}

ssize_t WsSession::send_cb(wslay_event_context_ptr ctx, const uint8_t* data, size_t len, int,
                           void* user) {
    auto* s = static_cast<WsSession*>(user);
    if (s->out_.size() >= kMaxOutput) {
        wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
        return -1;
    }
    size_t n = std::min(len, kMaxOutput - s->out_.size());
    s->out_.append(reinterpret_cast<const char*>(data), n);
    return static_cast<ssize_t>(n);
}

void WsSession::msg_cb(wslay_event_context_ptr, const wslay_event_on_msg_recv_arg* arg,
                       void* user) {
    static_cast<WsSession*>(user)->on_message(*arg);
}

void WsSession::on_message(const wslay_event_on_msg_recv_arg& arg) {
    switch (arg.opcode) {
        case WSLAY_TEXT_FRAME:
        case WSLAY_BINARY_FRAME:
            on_data(arg);
            break;
        case WSLAY_CONNECTION_CLOSE:
            // wslay answers with the same code; the session ends once that is sent.
            if (!close_logged_) {
                std::string reason(reinterpret_cast<const char*>(arg.msg), arg.msg_length);
                if (arg.msg_length >= 2) reason.erase(0, 2);
                log_close(arg.status_code, reason, "client");
            }
            break;
        default:  // ping (wslay queues the pong) and pong
            break;
    }
}

void WsSession::on_data(const wslay_event_on_msg_recv_arg& arg) {
    if (expired_ || action_ != Action::None || close_logged_) return;
    bool binary = arg.opcode == WSLAY_BINARY_FRAME;
    if (!started_) {  // the real service drops what comes before session_start
        log_.write("dropped_before_start", {{"session", json_quote(spec_.id)},
                                            {"bytes", std::to_string(arg.msg_length)},
                                            {"binary", binary ? "true" : "false"}});
        return;
    }
    bytes_in_ += arg.msg_length;
    log_.write("message", {{"session", json_quote(spec_.id)},
                           {"bytes", std::to_string(arg.msg_length)},
                           {"binary", binary ? "true" : "false"}});
    // The reference server checks the limit when a message arrives, before echoing it.
    if (static_cast<double>(bytes_in_ + bytes_out_) >= spec_.limits.data_mb * kBytesPerMb) {
        expire(false);
        return;
    }
    wslay_event_msg echo{arg.opcode, arg.msg, arg.msg_length};
    if (wslay_event_queue_msg(ctx_, &echo) != 0) return;
    bytes_out_ += arg.msg_length;
    ++echoes_;
    if (spec_.control.kind != TestControl::Kind::None && echoes_ == spec_.control.after) {
        after_echo();
    }
}

void WsSession::after_echo() {
    switch (spec_.control.kind) {
        case TestControl::Kind::Drop:
            action_ = Action::Drop;
            log_close(1006, "", "server_drop");
            break;
        case TestControl::Kind::Freeze:
            action_ = Action::Freeze;
            log_.write("freeze", {{"session", json_quote(spec_.id)}});
            break;
        case TestControl::Kind::Close:
            server_close(spec_.control.close_code, "Closed by --close-after", "test_control");
            break;
        case TestControl::Kind::None:
            break;
    }
}

void WsSession::expire(bool time_limit) {
    expired_ = true;
    double minutes = static_cast<double>(now_ms_ - started_ms_) / 60000.0;
    double mb = static_cast<double>(bytes_in_ + bytes_out_) / kBytesPerMb;
    if (time_limit) {  // the reference server rounds on this path only
        minutes = round4(minutes);
        mb = round4(mb);
    }
    const char* reason = time_limit ? "time_limit_reached" : "data_limit_reached";
    queue_text(std::string("{\"type\":\"session_expired\",\"reason\":\"") + reason +
               "\",\"finalUsage\":{\"durationMinutes\":" + js_number(minutes) +
               ",\"dataMB\":" + js_number(mb) + "}}");
    log_.write("session_expired",
               {{"session", json_quote(spec_.id)}, {"reason", json_quote(reason)}});
    if (time_limit) {
        server_close(1000, "Time limit reached", "time_limit");
    } else {
        server_close(1008, "Data limit reached", "data_limit");
    }
}

void WsSession::server_close(int code, const std::string& reason, const char* why) {
    // wslay sends control frames ahead of queued data; the close must come last,
    // so it is queued only once the data queue has drained (see flush_close).
    close_pending_ = true;
    close_code_ = code;
    close_reason_ = reason;
    close_deadline_ms_ = now_ms_ + kCloseHandshakeMs;
    log_.write("server_close", {{"session", json_quote(spec_.id)}, {"why", json_quote(why)}});
    log_close(code, reason, "server");
}

void WsSession::flush_close() {
    if (!close_pending_ || wslay_event_get_queued_msg_count(ctx_) > 0) return;
    close_pending_ = false;
    wslay_event_queue_close(ctx_, static_cast<uint16_t>(close_code_),
                            reinterpret_cast<const uint8_t*>(close_reason_.data()),
                            close_reason_.size());
}

void WsSession::log_close(int code, const std::string& reason, const char* initiator) {
    close_logged_ = true;
    log_.write("close", {{"session", json_quote(spec_.id)},
                         {"code", std::to_string(code)},
                         {"reason", json_quote(reason)},
                         {"initiator", json_quote(initiator)},
                         {"bytes_in", std::to_string(bytes_in_)},
                         {"bytes_out", std::to_string(bytes_out_)}});
}

void WsSession::pump(int64_t now_ms, bool peer_eof) {
    now_ms_ = now_ms;
    peer_eof_ = peer_eof;
    if (failed_) return;
    // After a drop/freeze trigger nothing more is read; only the triggering echo is flushed.
    if (action_ == Action::None) {
        if (!expired_ && !close_logged_ && now_ms >= expires_ms_) expire(true);
        if (wslay_event_want_read(ctx_) && wslay_event_recv(ctx_) != 0) {
            if (!close_logged_) log_close(1006, "", peer_eof ? "network" : "protocol_error");
            failed_ = true;
            return;
        }
        // After the reads: whatever arrived until now came before session_start.
        if (!started_ && !close_logged_ && now_ms >= start_at_ms_) begin();
    }
    for (int i = 0; i < 2 && !failed_; ++i) {  // second round: the deferred close frame
        if (wslay_event_want_write(ctx_) && wslay_event_send(ctx_) != 0) failed_ = true;
        flush_close();
    }
}

int64_t WsSession::next_deadline_ms() const {
    if (failed_ || action_ != Action::None) return INT64_MAX;
    if (expired_ || close_logged_) return close_deadline_ms_;
    return started_ ? expires_ms_ : start_at_ms_;
}

bool WsSession::output_queued() const {
    return close_pending_ || (ctx_ != nullptr && wslay_event_get_queued_msg_count(ctx_) > 0);
}

bool WsSession::finished() const {
    if (action_ == Action::Freeze) return false;
    if (failed_) return true;
    if (action_ == Action::Drop) return !output_queued();
    if (now_ms_ >= close_deadline_ms_) return true;
    return !close_pending_ && !wslay_event_want_read(ctx_) && !wslay_event_want_write(ctx_);
}

}  // namespace devserver
