// SPDX-License-Identifier: MIT
// SessionSlot: its life (bind, begin, end), the handle's API, the loop
// and the events. The stages live beside it: session_opening.cpp (lane,
// purchase, connect, upgrade), session_open.cpp (frames, keepalive,
// closing), session_ending.cpp (failures, reconnects, the end).
#include "client/session_slot.h"

#include <string.h>

#include "client/client_core.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/strview.h"

namespace consensus {

namespace {

bool valid_close_code_to_send(uint16_t code) {
    return code == ws::kCloseNormal || (code >= 3000 && code <= 4999);
}

// What a paid session must serve, open, to count as working: the smaller of
// min_served_ms and a tenth of the time bought (the data model buys 24 h).
uint64_t min_served_for(const TokenParams& p, uint32_t min_served_ms) {
    constexpr uint64_t kDataModelMs = 24ull * 60 * 60 * 1000;
    const uint64_t bought =
        p.model == Model::data ? kDataModelMs : static_cast<uint64_t>(p.minutes) * 60000u;
    return bought / 10 < min_served_ms ? bought / 10 : min_served_ms;
}

}  // namespace

void SessionSlot::bind(ClientCore* core, uint16_t index, const SessionBuffers& buffers,
                       HttpLane* own_lane, ListenerEntry* listeners) {
    core_ = core;
    index_ = index;
    own_lane_ = own_lane;
    message_ = buffers.message;
    scratch_ = buffers.scratch;
    scratch_size_ = buffers.scratch_size;
    listeners_.bind(listeners, core->config.listeners_per_event);
    listeners_.clear();
    link_.bind(buffers.tx, buffers.tx_size);
}

Error SessionSlot::init_framer() {
    return framer_.init(message_, core_->config.max_message_bytes, &core_->parsers,
                        &core_->mask_keys);
}

void SessionSlot::unbind() {
    shutdown();
    framer_.deinit();
}

void SessionSlot::shutdown() {
    if (link_.lane() != nullptr) purchase().abort();
    link_.close();
    forget_token();
    drop_lane();
    stage_ = Stage::closed;
    ended_ = true;
}

// inline: not emitted, nor its texts, where the log is compiled out.
inline const char* SessionSlot::stage_name(Stage s) {
    switch (s) {
        case Stage::queued:
            return "waiting for an HTTP lane";
        case Stage::purchasing:
            return "purchasing";
        case Stage::connecting:
            return "connecting";
        case Stage::upgrading:
            return "upgrading";
        case Stage::starting:
            return "starting";
        case Stage::open:
            return "open";
        case Stage::closing_unsent:
            return "closing (frame unsent)";
        case Stage::closing:
            return "closing";
        case Stage::waiting_to_reconnect:
            return "waiting to reconnect";
        case Stage::closed:
            return "closed";
        case Stage::closed_by_caller:
            return "closed by the caller";
    }
    return "?";
}

void SessionSlot::enter(Stage next) {
    if constexpr (kLogCompiled >= LogLevel::info) {  // the names go with the lines
        if (next != stage_) {
            log_at<LogLevel::info>(core_->log(), log_id(), stage_name(stage_), " -> ",
                                   stage_name(next));
        }
    }
    stage_ = next;
}

void SessionSlot::begin(const SessionOptions& options) {
    ++generation_;
    ended_ = false;
    listeners_.clear();
    if (options.listener != nullptr) {
        for (size_t t = 0; t < kEventTypeCount; ++t) {
            listeners_.add(static_cast<EventType>(t), options.listener, options.user);
        }
    }
    renew_ = options.renew;
    await_start_ = options.await_session_start;
    framer_.set_stream_limit(options.max_streamed_message_bytes);
    stream_ = OutStream{};
    presented_ = false;
    token_paid_ = false;
    paid_failures_ = 0;
    opened_at_ = 0;
    min_served_ms_ = 0;
    expired_ = false;
    want_writable_ = false;
    ever_opened_ = false;
    attempt_ = 0;
    reconnects_in_row_ = 0;
}

Error SessionSlot::start_managed(const TokenParams& params, const SessionOptions& options,
                                 uint64_t now, Session* out) {
    begin(options);
    *out = ClientCore::make_handle(this);
    memset(&auth_, 0, sizeof auth_);
    store_params(params, &auth_);
    auth_.has_params = true;
    min_served_ms_ = min_served_for(params, core_->options.min_served_ms);
    begin_purchase(now);
    return Error::ok;
}

Error SessionSlot::start_with_auth(const TokenAuth& auth, const SessionOptions& options,
                                   uint64_t now, Session* out) {
    if (auth.token[0] == '\0' || auth.connect_url[0] == '\0') return Error::invalid_params;
    if (memchr(auth.token, '\0', sizeof auth.token) == nullptr ||
        memchr(auth.connect_url, '\0', sizeof auth.connect_url) == nullptr) {
        return Error::invalid_params;
    }
    Url url;
    if (parse_url(auth.connect_url, strlen(auth.connect_url), &url) != Error::ok ||
        !url.websocket) {
        return Error::invalid_params;
    }
    if (now - auth.obtained_ms >= static_cast<uint64_t>(auth.expires_in_s) * 1000u) {
        return Error::token_expired;
    }
    begin(options);
    *out = ClientCore::make_handle(this);
    auth_ = auth;
    attempt_ = 1;
    begin_connect(now);
    return Error::ok;
}

// ---- the handle's API -------------------------------------------------------

Error SessionSlot::send(bool binary, const uint8_t* data, size_t size) {
    if (stage_ != Stage::open) return Error::not_open;
    if (data == nullptr && size > 0) return Error::invalid_params;
    if (streaming()) return Error::busy;  // its frames would land inside the streamed message
    TxBuffer& tx = link_.tx();
    Error e = framer_.write_message(tx, binary, data, size);
    if (e == Error::would_block) {
        flush();  // what the socket takes now makes room for this frame
        e = framer_.write_message(tx, binary, data, size);
    }
    if (e == Error::would_block) {
        want_writable_ = true;
        link_.conn().set_interest(true, true);
        return e;
    }
    if (e != Error::ok) return e;
    // From a listener inside a receive pass, step_open writes once after the
    // pass: every frame the pass produced leaves in one send(). Otherwise
    // optimistic: most sends leave at once, no wait for writability.
    if (framer_.receiving()) return Error::ok;
    flush();
    if (tx.pending() > 0) link_.conn().set_interest(true, true);
    return Error::ok;
}

Error SessionSlot::send_stream(bool binary, SendSource source, void* user) {
    if (stage_ != Stage::open) return Error::not_open;
    if (source == nullptr) return Error::invalid_params;
    if (streaming()) return Error::busy;
    stream_ = OutStream{source, user, Stream::running, binary, false, false};
    link_.conn().set_interest(true, true);  // the next poll() pulls the first piece
    return Error::ok;
}

Error SessionSlot::resume_stream() {
    if (stream_.state != Stream::paused) return Error::ok;
    stream_.state = Stream::running;
    if (stage_ == Stage::open) link_.conn().set_interest(true, true);
    return Error::ok;
}

Error SessionSlot::close(uint16_t code, const char* reason) {
    const size_t reason_len = reason != nullptr ? strlen(reason) : 0;
    if (!valid_close_code_to_send(code) || reason_len > ws::Framer::kMaxCloseReason) {
        return Error::invalid_params;
    }
    if (is_free() || closing()) return Error::ok;
    if ((stage_ != Stage::open && stage_ != Stage::starting) || !link_.conn().is_open()) {
        // Nothing open (a purchase, a connect, a reconnect wait, or a link
        // already gone, as inside a close listener): end here.
        our_close_code_ = code;
        copy_cut(our_close_reason_, reason != nullptr ? reason : "", reason_len);
        end(Error::ok, Stage::closed_by_caller);
        return Error::ok;
    }
    start_closing(code, reason != nullptr ? reason : "", reason_len);
    return Error::ok;
}

// The close handshake of an open (or starting) session; a streamed send is
// dropped, unfinished. From inside the stream's source the send buffer's
// free room is lent out: the frame waits for step_open (closing_unsent).
void SessionSlot::start_closing(uint16_t code, const char* reason, size_t reason_len) {
    our_close_code_ = code;
    copy_cut(our_close_reason_, reason, reason_len);
    const bool in_source = stream_.in_source;
    stream_ = OutStream{};
    stream_.in_source = in_source;
    deadline_ = core_->now() + core_->options.close_timeout_ms;
    if (in_source) {
        enter(Stage::closing_unsent);
        return;
    }
    // A full send buffer: the frame is written once it drains (step_open).
    enter(write_owed_close() ? Stage::closing : Stage::closing_unsent);
    flush();
    link_.conn().set_interest(true, link_.tx().pending() > 0);
}

// ---- the loop ---------------------------------------------------------------

void SessionSlot::step(uint64_t now) {
    step_stage(now);
    release_parser();
}

void SessionSlot::step_stage(uint64_t now) {
    now_ = now;
    switch (stage_) {
        case Stage::closed:
        case Stage::closed_by_caller:
            return;
        case Stage::queued:
            step_queued(now);
            return;
        case Stage::purchasing:
            purchase().step(now);
            return;
        case Stage::connecting:
        case Stage::upgrading:
            if (deadline_reached(now, deadline_)) {
                attempt_failed(Error::timeout, Phase::open, 0, "opening the session timed out");
            } else if (stage_ == Stage::connecting) {
                step_connecting();
            } else {
                step_upgrading();
            }
            return;
        case Stage::starting:
            if (deadline_reached(now, deadline_)) {
                attempt_failed(Error::timeout, Phase::open, 0, "no session_start from the server");
            } else {
                step_open(now);
            }
            return;
        case Stage::open:
            step_open(now);
            return;
        case Stage::closing_unsent:
        case Stage::closing:
            step_closing(now);
            return;
        case Stage::waiting_to_reconnect:
            if (!deadline_reached(now, deadline_)) return;
            if (token_reusable(now)) {
                ++attempt_;  // the last token was never presented: no new purchase
                begin_connect(now);
            } else {
                begin_purchase(now);
            }
            return;
    }
}

uint64_t SessionSlot::next_deadline() const {
    switch (stage_) {
        case Stage::queued:  // no timer while waiting; at once when a lane was handed over
            return link_.lane() != nullptr ? 0 : UINT64_MAX;
        case Stage::purchasing:
            return purchase().deadline();
        case Stage::connecting:
        case Stage::upgrading:
        case Stage::starting:
        case Stage::closing_unsent:
        case Stage::closing:
        case Stage::waiting_to_reconnect:
            return deadline_;
        case Stage::open:
            return keepalive_.deadline();
        case Stage::closed:
        case Stage::closed_by_caller:
            return UINT64_MAX;
    }
    return UINT64_MAX;
}

SessionState SessionSlot::state() const {
    switch (stage_) {
        case Stage::queued:
            return queued_for_ == Pending::purchase ? SessionState::requesting_token
                                                    : SessionState::connecting;
        case Stage::purchasing:
            return purchase().paying() ? SessionState::paying : SessionState::requesting_token;
        case Stage::connecting:
            return link_.conn().handshaking() ? SessionState::tls_handshake
                                              : SessionState::connecting;
        case Stage::upgrading:
            return SessionState::upgrading;
        case Stage::starting:
            return SessionState::starting;
        case Stage::open:
            return SessionState::open;
        case Stage::closing_unsent:
        case Stage::closing:
            return SessionState::closing;
        case Stage::waiting_to_reconnect:
            return SessionState::waiting_to_reconnect;
        case Stage::closed:
        case Stage::closed_by_caller:
            return SessionState::closed;
    }
    return SessionState::closed;
}

PublicState SessionSlot::public_state() const {
    switch (stage_) {
        case Stage::open:
            return PublicState::connected;
        case Stage::waiting_to_reconnect:
            return PublicState::reconnecting;
        case Stage::closing_unsent:
        case Stage::closing:
        case Stage::closed_by_caller:
            return PublicState::closed_by_caller;
        case Stage::closed:
            return PublicState::closed;
        case Stage::queued:
        case Stage::purchasing:
        case Stage::connecting:
        case Stage::upgrading:
        case Stage::starting:
            return ever_opened_ ? PublicState::reconnecting : PublicState::connecting;
    }
    return PublicState::closed;
}

// ---- events -------------------------------------------------------------------

Event SessionSlot::blank_event(EventType type) {
    Event ev{};
    ev.type = type;
    return ev;
}

bool SessionSlot::emit(Event& ev) {
    if (ended_) return false;
    return deliver(ev) && !ended_;
}

// To each listener in turn, while the session that emits runs: a listener
// that closes it (so `ended` fires, inside), starts another session in the
// slot or deinit-s the client stops the delivery (client.h).
bool SessionSlot::deliver(Event& ev) {
    ev.session_index = index_;
    Session handle = ClientCore::make_handle(this);
    const uint32_t generation = generation_;
    const bool final = ev.type == EventType::ended;
    const auto runs = [this, generation, final] {
        return generation_ == generation && !core_->teardown_pending && (final || !ended_);
    };
    if (!runs()) return false;
    listeners_.fire(handle, ev, runs);
    return runs();
}

bool SessionSlot::emit_error(Error e, Phase phase, int http_status, const char* detail) {
    Event ev = blank_event(EventType::error);
    ev.error = e;
    ev.phase = phase;
    ev.http_status = http_status;
    if (detail != nullptr) ev.reason = view_of(detail);
    return emit(ev);
}

bool SessionSlot::emit_close(Initiator who, uint16_t code, const char* reason) {
    Event ev = blank_event(EventType::close);
    ev.initiator = who;
    ev.code = code;
    ev.reason = view_of(reason);
    return emit(ev);
}

}  // namespace consensus
