// SPDX-License-Identifier: MIT
#include "client/session_slot.h"

#include <string.h>

#include "client/client_core.h"
#include "client/failure_text.h"
#include "core/log.h"
#include "core/strview.h"
#include "core/wipe.h"
#include "json/server_message.h"

namespace consensus {

namespace {

bool valid_close_code_to_send(uint16_t code) {
    return code == ws::kCloseNormal || (code >= 3000 && code <= 4999);
}

// The service ends sessions with these closes, with or without a
// session_expired message first (docs/SERVICE.md section 6).
bool is_expiry_close(uint16_t code, const char* reason) {
    return (code == 1000 && strcmp(reason, "Time limit reached") == 0) ||
           (code == 1008 && strcmp(reason, "Data limit reached") == 0);
}

bool expired_by(uint64_t now, uint64_t deadline) {
    return static_cast<int64_t>(now - deadline) >= 0;
}

// What a paid session must serve, open, to count as working: the smaller of
// min_served_ms and a tenth of the time bought (the data model buys 24 h).
uint64_t min_served_for(const TokenParams& p, uint32_t min_served_ms) {
    constexpr uint64_t kDataModelMs = 24ull * 60 * 60 * 1000;
    const uint64_t bought =
        p.model == Model::data ? kDataModelMs : static_cast<uint64_t>(p.minutes) * 60000u;
    return bought / 10 < min_served_ms ? bought / 10 : min_served_ms;
}

template <size_t N>
void copy_reason(char (&out)[N], const char* reason, size_t len) {
    copy_cut(out, N, reason, len);
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

// ---- the HTTP lane ----------------------------------------------------------

// The session's lane for its purchase or connect: its own, a free shared one,
// or none yet (false: queued, `next` runs once one is handed over).
bool SessionSlot::hold_lane(Pending next) {
    if (link_.lane() != nullptr) return true;
    HttpLane* lane = own_lane_ != nullptr ? own_lane_ : core_->lanes.take();
    if (lane != nullptr) {
        take_lane(lane);
        return true;
    }
    core_->lanes.wait(index_);
    queued_for_ = next;
    enter(Stage::queued);
    return false;
}

void SessionSlot::take_lane(HttpLane* lane) {
    link_.attach(lane);
    lane->fetch.bind(core_, &link_, this, index_);
}

void SessionSlot::drop_lane() {
    if (stage_ == Stage::queued) core_->lanes.leave(index_);
    HttpLane* lane = link_.detach();
    if (lane != nullptr && lane != own_lane_) core_->return_lane(lane);
}

// A lane was handed over: do what the session waited for. A token that
// expired in the queue is bought again (or, bought elsewhere, fails).
void SessionSlot::step_queued(uint64_t now) {
    if (link_.lane() == nullptr) return;
    if (queued_for_ == Pending::purchase) {
        begin_purchase(now);
    } else if (token_reusable(now)) {
        begin_connect(now);
    } else if (auth_.has_params) {
        forget_token();
        begin_purchase(now);
    } else {
        now_ = now;
        attempt_failed(Error::token_expired, Phase::open, 0,
                       "the token expired while the session waited for an HTTP lane");
    }
}

// ---- purchase -------------------------------------------------------------

void SessionSlot::begin_purchase(uint64_t now) {
    now_ = now;
    if (!hold_lane(Pending::purchase)) return;
    const TokenParams params = params_of(auth_);
    const uint64_t quote = quote_micro_usd(params);
    if (!core_->guard.reserve(quote)) {
        if (emit_error(Error::budget_exhausted, Phase::token, 0,
                       "the purchase would exceed the spend limit")) {
            end(Error::budget_exhausted);
        }
        return;
    }
    ++attempt_;
    enter(Stage::purchasing);
    purchase().start(&auth_, quote, now);
}

void SessionSlot::on_payment(bool paid) {
    Event ev = blank_event(EventType::payment);
    ev.payment_paid = paid;
    emit(ev);
}

void SessionSlot::on_fetch_done() {
    const TokenFetch& fetch = purchase();
    token_paid_ = fetch.charged();
    presented_ = false;
    if (fetch.state() != TokenFetch::State::done) {
        auth_.token[0] = '\0';  // no token to reuse
        attempt_failed(fetch.error(), Phase::token, fetch.http_status(), fetch.message());
        return;
    }
    Event ev = blank_event(EventType::token);
    ev.token = view_of(auth_.token);
    ev.connect_url = view_of(auth_.connect_url);
    ev.expires_in_s = auth_.expires_in_s;
    if (!emit(ev)) return;
    if (stage_ == Stage::purchasing)
        begin_connect(now_ > auth_.obtained_ms ? now_ : auth_.obtained_ms);
}

// ---- opening --------------------------------------------------------------

void SessionSlot::begin_connect(uint64_t now) {
    now_ = now;
    if (!hold_lane(Pending::connect)) return;
    opened_at_ = 0;
    deadline_ = now + core_->options.open_timeout_ms;
    if (parse_url(auth_.connect_url, strlen(auth_.connect_url), &url_) != Error::ok ||
        !url_.websocket) {
        attempt_failed(Error::bad_response, Phase::open, 0,
                       "connect_url is not a ws:// or wss:// URL");
        return;
    }
    const char* why = nullptr;
    const Error e = core_->open(link_.conn(), url_, &why);
    if (e != Error::ok) {
        attempt_failed(e, Phase::open, 0, why != nullptr ? why : connect_failure_text(e));
        return;
    }
    enter(Stage::connecting);
}

void SessionSlot::step_connecting() {
    const Error e = link_.conn().progress();
    if (e == Error::would_block) return;
    if (e != Error::ok) {
        attempt_failed(e, Phase::open, 0, connect_failure_text(e));
        return;
    }
    send_upgrade();
}

void SessionSlot::send_upgrade() {
    uint8_t nonce[16];
    core_->rng.fill(nonce, sizeof nonce);
    ws::make_key(nonce, key_);
    const ws::NodeHeaders node{auth_.node_region, auth_.node_domain, auth_.node_exclude};
    TxBuffer& tx = link_.fresh_tx();
    const size_t n = ws::write_upgrade_request(reinterpret_cast<char*>(tx.data), tx.capacity,
                                               url_.host_header.data, url_.host_header.size,
                                               url_.target.data, url_.target.size, key_, node);
    if (n == 0) {
        attempt_failed(Error::message_too_large, Phase::open, 0,
                       "upgrade request does not fit the send buffer");
        return;
    }
    tx.commit(n);
    link_.reader().begin(core_->http_limits(), header_names(ws::kUpgradeHeaderNames),
                         reinterpret_cast<char*>(link_.work()), link_.work_size(), true);
    enter(Stage::upgrading);
    step_upgrading();
}

void SessionSlot::step_upgrading() {
    const size_t unsent = link_.tx().pending();
    const Link::Flush f = link_.flush();
    if (link_.tx().pending() < unsent) presented_ = true;      // the token is used up now
    if (f == Link::Flush::done && unsent > 0) forget_token();  // the request just left whole
    if (f == Link::Flush::failed) {
        attempt_failed(link_.transport_error(), Phase::open, 0,
                       "connection lost while sending the upgrade");
        return;
    }
    switch (link_.read_response()) {
        case Link::Read::would_block:
            link_.conn().set_interest(true, f == Link::Flush::would_block);
            return;
        case Link::Read::upgrade:
            on_upgraded();
            return;
        case Link::Read::complete:
            upgrade_refused();
            return;
        case Link::Read::bad:
            attempt_failed(Error::handshake_failed, Phase::open, link_.reader().status(),
                           link_.reader().error_detail());
            return;
        case Link::Read::lost:
            attempt_failed(link_.transport_error(), Phase::open, 0,
                           "connection lost during the upgrade");
            return;
    }
}

void SessionSlot::upgrade_refused() {
    const int status = link_.reader().status();
    const uint64_t expiry = auth_.obtained_ms + uint64_t{auth_.expires_in_s} * 1000u;
    if (status == 401 && expired_by(now_, expiry)) {
        attempt_failed(Error::token_expired, Phase::open, status, "the token had expired");
    } else if (status == 401) {
        attempt_failed(Error::token_rejected, Phase::open, status, "the server refused the token");
    } else {
        attempt_failed(Error::handshake_failed, Phase::open, status,
                       "the server refused the upgrade");
    }
}

void SessionSlot::on_upgraded() {
    const HttpResponseReader& r = link_.reader();
    const char* problem =
        ws::check_upgrade_response(r.header(ws::kUpgradeHeader), r.header(ws::kConnectionHeader),
                                   r.header(ws::kAcceptHeader), key_);
    if (problem != nullptr) {
        attempt_failed(Error::handshake_failed, Phase::open, 101, problem);
        return;
    }
    (void)framer_.reset();  // fails only on a framer never initialised
    link_.use_own_tx();
    expired_ = false;
    keepalive_.start(now_, core_->options.ping_interval_ms);
    close_code_ = ws::kCloseNoStatus;
    close_reason_[0] = '\0';
    if (await_start_) {
        enter(Stage::starting);
        deadline_ = now_ + core_->options.start_timeout_ms;
    } else if (!opened()) {
        return;
    }
    if (live()) step_open(now_);  // frames may have come with the 101
}

// The session is usable: at the service's session_start (or the 101).
bool SessionSlot::opened() {
    enter(Stage::open);
    ever_opened_ = true;
    reconnects_in_row_ = 0;
    opened_at_ = now_;
    Event ev = blank_event(EventType::open);
    ev.attempt = attempt_;
    ev.tls_version = link_.conn().tls_version();
    return emit(ev);
}

// ---- open -----------------------------------------------------------------

long SessionSlot::recv_frames(void* self, uint8_t* buf, size_t len) {
    SessionSlot* s = static_cast<SessionSlot*>(self);
    const long n = s->link_.recv(buf, len);
    if (n > 0) s->keepalive_.on_rx(s->now_);  // any inbound byte is proof of life
    return n;
}

void SessionSlot::receive_frames() {
    switch (framer_.receive(recv_frames, this, link_.tx(), *this)) {
        case ws::Framer::RecvStatus::would_block:
            return;
        case ws::Framer::RecvStatus::no_parser:
            park_reading();
            return;
        case ws::Framer::RecvStatus::peer_closed_io:
        case ws::Framer::RecvStatus::io_error:
            if (closing()) {
                finish_close(our_close_code_, our_close_reason_);
            } else {
                link_lost();
            }
            return;
        case ws::Framer::RecvStatus::violation:
            on_protocol_violation();
            return;
        case ws::Framer::RecvStatus::close_received:
            flush();  // the echo of the server's close, or our own close already sent
            if (closing()) {
                finish_close(close_code_, close_reason_);
                return;
            }
            if (stage_ == Stage::starting) {
                attempt_failed(Error::closed, Phase::open, 0,
                               "the server closed the WebSocket before session_start");
                return;
            }
            link_.close();
            if (!expired_ && is_expiry_close(close_code_, close_reason_) && !expired_by_close()) {
                return;
            }
            if (stage_ != Stage::open) return;  // a listener closed or ended it
            if (!emit_close(Initiator::server, close_code_, close_reason_)) return;
            after_server_close();
            return;
    }
}

// No frame parser free (Config::frame_parsers): stop asking for read
// readiness, so poll() sleeps; the bytes wait in the socket until
// on_parser_ready.
void SessionSlot::park_reading() {
    link_.conn().set_interest(false, link_.tx().pending() > 0);
}

void SessionSlot::on_parser_ready() {
    link_.conn().set_interest(true, link_.tx().pending() > 0);
}

// A connection that ended mid-frame, or while waiting for a parser, gives
// the parser (or its place in the queue) back now, not at its next upgrade.
void SessionSlot::release_parser() {
    if (live() || (!framer_.holds_parser() && !framer_.waiting_for_parser())) return;
    (void)framer_.reset();
}

void SessionSlot::on_protocol_violation() {
    const uint16_t code = framer_.violation_code();
    framer_.write_close(link_.tx(), code, "", 0);
    flush();
    const Error e =
        code == ws::kCloseMessageTooBig ? Error::message_too_large : Error::protocol_error;
    if (stage_ == Stage::starting) {
        attempt_failed(e, Phase::open, 0, "the server broke the WebSocket protocol");
        return;
    }
    if (!emit_error(e, Phase::session, 0, "the server broke the WebSocket protocol")) return;
    connection_lost(Initiator::server, code, "protocol violation", e);
}

void SessionSlot::after_server_close() {
    if (stage_ != Stage::open) return;  // a listener already closed or ended it
    if (expired_) {
        if (renew_) {
            schedule_reconnect(Error::ok, now_, true);  // a renewal waits like any purchase
        } else {
            end(Error::ok);
        }
        return;
    }
    schedule_reconnect(Error::closed, now_);
}

void SessionSlot::step_open(uint64_t now) {
    if (!link_.conn().is_open()) {  // a send failed since the last step
        link_lost();
        return;
    }
    link_.begin_pass();
    if (link_.readable()) receive_frames();
    if (!live()) return;
    framer_.flush_control(link_.tx());
    if (stage_ == Stage::closing_unsent && write_owed_close()) enter(Stage::closing);
    flush();
    if (!link_.conn().is_open()) {
        link_lost();
        return;
    }
    if (stage_ == Stage::open) keepalive(now);
    if (!live()) return;
    const bool tx_pending = link_.tx().pending() > 0;
    if (want_writable_ && !tx_pending && stage_ == Stage::open) {
        want_writable_ = false;
        Event ev = blank_event(EventType::writable);
        if (!emit(ev)) return;
    }
    link_.conn().set_interest(!framer_.waiting_for_parser(), tx_pending);
    if (link_.lane() != nullptr && !link_.has_leftover()) drop_lane();
}

bool SessionSlot::write_owed_close() {
    return framer_.write_close(link_.tx(), our_close_code_, our_close_reason_,
                               strlen(our_close_reason_)) == Error::ok;
}

void SessionSlot::keepalive(uint64_t now) {
    Keepalive::Due due = keepalive_.due(now);
    // Waiting for a frame parser it cannot read the pong that may wait in its
    // socket: no verdict until it reads again (the sessions holding the
    // parsers have theirs), only pings.
    if (due == Keepalive::Due::dead && framer_.waiting_for_parser()) due = Keepalive::Due::ping;
    switch (due) {
        case Keepalive::Due::nothing:
            return;
        case Keepalive::Due::ping:
            if (framer_.write_ping(link_.tx(), nullptr, 0) == Error::ok) {
                keepalive_.on_ping_sent(now);
                flush();
            }
            return;
        case Keepalive::Due::dead:  // no proof of life for two intervals: a half-open link
            link_.close();
            if (!emit_close(Initiator::network, ws::kCloseAbnormal, "keepalive timeout")) return;
            schedule_reconnect(Error::timeout, now);
            return;
    }
}

// The service's messages are parsed on the stack: their events point at the
// parsed fields only while they are delivered (client.h), so no session
// keeps them.
void SessionSlot::on_message(bool binary, const uint8_t* data, size_t len) {
    if (!binary) {
        SessionStartInfo start{};
        SessionExpiredInfo expired{};
        const ServerMessage kind = parse_server_message(reinterpret_cast<const char*>(data), len,
                                                        scratch_, scratch_size_, &start, &expired);
        if (kind == ServerMessage::session_start) {
            if (stage_ == Stage::starting && !opened()) return;
            Event ev = blank_event(EventType::session_start);
            ev.start = &start;
            if (!emit(ev)) return;
        } else if (kind == ServerMessage::session_expired) {
            expired_ = true;
            Event ev = blank_event(EventType::session_expired);
            ev.expired = &expired;
            if (!emit(ev)) return;
        }
    }
    Event ev = blank_event(EventType::message);
    ev.data = data;
    ev.size = len;
    ev.binary = binary;
    emit(ev);
}

void SessionSlot::on_pong(const uint8_t* data, size_t len) {
    (void)data;  // liveness is tracked per byte received (recv_frames)
    (void)len;
}

void SessionSlot::on_close(uint16_t code, const char* reason, size_t reason_len) {
    close_code_ = code;
    copy_reason(close_reason_, reason, reason_len);
}

void SessionSlot::step_closing(uint64_t now) {
    if (expired_by(now, deadline_)) {
        finish_close(our_close_code_, our_close_reason_);
        return;
    }
    step_open(now);
}

void SessionSlot::flush() {
    (void)link_.flush();  // a failure shows as !conn().is_open() at the next check
}

// ---- failures, reconnects, the end ------------------------------------------

// A token never presented (its upgrade request never left) can still open a
// session while it stays valid through the next open: no need to buy again.
bool SessionSlot::token_reusable(uint64_t at) const {
    if (presented_ || auth_.token[0] == '\0') return false;
    const uint64_t expiry = auth_.obtained_ms + uint64_t{auth_.expires_in_s} * 1000u;
    return !expired_by(at + core_->options.open_timeout_ms, expiry);
}

// The receive chunk is idle until the upgrade: it holds the event's text.
const char* SessionSlot::connect_failure_text(Error e) {
    return describe_connect_failure(e, link_.conn(), url_, reinterpret_cast<char*>(link_.rx()),
                                    link_.rx_size());
}

// A token once presented is spent (single use): no copy of it stays, neither
// in the auth nor in the upgrade request's bytes.
void SessionSlot::forget_token() {
    wipe(auth_.token, sizeof auth_.token);
    wipe(auth_.connect_url, sizeof auth_.connect_url);
    url_ = Url{};
    link_.wipe_tx();
}

// Judges the last paid token once: it gave a working session or it did not.
void SessionSlot::settle_paid_token(bool worked) {
    if (!token_paid_) return;
    token_paid_ = false;
    paid_failures_ = worked ? 0 : paid_failures_ + 1;
}

// Before paying again: stop once max_paid_attempts paid tokens in a row gave
// no working session (a server taking payments without serving).
bool SessionSlot::paid_attempts_spent() {
    const uint32_t max = core_->options.max_paid_attempts;
    if (max == 0 || paid_failures_ < max) return false;
    if (emit_error(Error::paid_attempts_exhausted, ever_opened_ ? Phase::session : Phase::open, 0,
                   "paid tokens in a row gave no working session: max_paid_attempts reached")) {
        end(Error::paid_attempts_exhausted);
    }
    return true;
}

void SessionSlot::attempt_failed(Error e, Phase phase, int http_status, const char* detail) {
    log_at<LogLevel::warn>(core_->log(), log_id(), "attempt ", attempt_, " failed (", phase,
                           "): ", e, ", HTTP ", http_status, ": ", detail);
    link_.close();
    if (!emit_error(e, phase, http_status, detail)) return;  // a listener closed the session
    schedule_reconnect(e, now_);
}

void SessionSlot::connection_lost(Initiator who, uint16_t code, const char* reason, Error e) {
    log_at<LogLevel::warn>(core_->log(), log_id(), "connection lost: ", e, ", close ", int{code},
                           " ", reason);
    link_.close();
    if (!emit_close(who, code, reason)) return;  // a listener closed the session
    schedule_reconnect(e, now_);
}

// The transport failed under an open session. A TLS failure (a fatal alert, a
// record that does not decrypt) gets a typed error event of its own; a reset
// or an EOF is just a lost link.
void SessionSlot::link_lost() {
    if (stage_ == Stage::starting) {
        attempt_failed(link_.transport_error(), Phase::open, 0,
                       "connection lost before session_start");
        return;
    }
    const Error e = link_.conn().last_error();
    if (e != Error::tls_failed) {
        connection_lost(Initiator::network, ws::kCloseAbnormal, "connection lost", Error::closed);
        return;
    }
    if (!emit_error(e, Phase::session, 0, "TLS failure on the open session")) return;
    connection_lost(Initiator::network, ws::kCloseAbnormal, "TLS failure", e);
}

// The caller's close ends here: by the server's close, its deadline, or the link.
void SessionSlot::finish_close(uint16_t code, const char* reason) {
    link_.close();
    if (!emit_close(Initiator::caller, code, reason)) return;
    end(Error::ok, Stage::closed_by_caller);
}

// The service may end a session with its expiry close and no session_expired
// message: the caller gets the session_expired event all the same.
bool SessionSlot::expired_by_close() {
    expired_ = true;
    const bool data = close_code_ == 1008;
    SessionExpiredInfo info{};
    info.reason = data ? ExpiryReason::data_limit_reached : ExpiryReason::time_limit_reached;
    info.reason_text = view_of(data ? "data_limit_reached" : "time_limit_reached");
    info.duration_minutes = -1;
    info.data_mb = -1;
    Event ev = blank_event(EventType::session_expired);
    ev.expired = &info;
    return emit(ev);
}

// The wait before the next purchase: a renewal waits the interval; a failure
// the backoff of its run (this one included). Both with the jitter.
uint32_t SessionSlot::next_wait(bool renewal) {
    uint32_t random32 = 0;
    if (core_->reconnect.jitter_ppm != 0) {
        (void)core_->rng.fill(reinterpret_cast<uint8_t*>(&random32), sizeof random32);
    }
    const uint32_t failures = renewal ? 1 : reconnects_in_row_ + 1;
    return reconnect_wait_ms(core_->reconnect, failures, random32);
}

void SessionSlot::schedule_reconnect(Error why, uint64_t now, bool renewal) {
    drop_lane();
    if (closing()) {
        end(Error::ok, Stage::closed_by_caller);
        return;
    }
    if (!auth_.has_params) {
        end(why);  // a bare token cannot be bought again, and it is single use
        return;
    }
    if (opened_at_ != 0 && now - opened_at_ >= min_served_ms_) settle_paid_token(true);
    opened_at_ = 0;
    const uint32_t wait = next_wait(renewal);
    if (!token_reusable(now + wait)) {
        forget_token();  // presented in part, or expiring: spent either way
        settle_paid_token(false);
        if (paid_attempts_spent()) return;
    }
    // A renewal is no failed attempt: max_reconnects does not bound it.
    if (!renewal && reconnects_in_row_ >= core_->options.max_reconnects) {
        end(why);
        return;
    }
    if (!renewal) ++reconnects_in_row_;
    log_at<LogLevel::info>(core_->log(), log_id(), renewal ? "renewal" : "reconnect", " in ", wait,
                           " ms (", reconnects_in_row_, " in a row, after ", why, ")");
    enter(Stage::waiting_to_reconnect);
    deadline_ = now + wait;
    Event ev = blank_event(EventType::reconnecting);
    ev.attempt = attempt_ + 1;
    ev.in_ms = wait;
    emit(ev);
}

// The session's last event: `ended`, once. Its listeners may start another
// session in this very slot (the rest of them then miss it).
void SessionSlot::end(Error why, Stage final) {
    if (why != Error::ok) log_at<LogLevel::error>(core_->log(), log_id(), "session ends: ", why);
    if (link_.lane() != nullptr) purchase().abort();
    link_.close();
    forget_token();
    drop_lane();
    enter(final);
    if (ended_) return;
    ended_ = true;
    Event ev = blank_event(EventType::ended);
    ev.error = why;
    deliver(ev);
}

// ---- the handle's API -------------------------------------------------------

Error SessionSlot::send(bool binary, const uint8_t* data, size_t size) {
    if (stage_ != Stage::open) return Error::not_open;
    if (data == nullptr && size > 0) return Error::invalid_params;
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

Error SessionSlot::close(uint16_t code, const char* reason) {
    const size_t reason_len = reason != nullptr ? strlen(reason) : 0;
    if (!valid_close_code_to_send(code) || reason_len > ws::Framer::kMaxCloseReason) {
        return Error::invalid_params;
    }
    if (is_free() || closing()) return Error::ok;
    our_close_code_ = code;
    copy_reason(our_close_reason_, reason != nullptr ? reason : "", reason_len);
    if ((stage_ != Stage::open && stage_ != Stage::starting) || !link_.conn().is_open()) {
        // Nothing open (a purchase, a connect, a reconnect wait, or a link
        // already gone, as inside a close listener): end here.
        end(Error::ok, Stage::closed_by_caller);
        return Error::ok;
    }
    deadline_ = core_->now() + core_->options.close_timeout_ms;
    // A full send buffer: the frame is written once it drains (step_open).
    enter(write_owed_close() ? Stage::closing : Stage::closing_unsent);
    flush();
    link_.conn().set_interest(true, link_.tx().pending() > 0);
    return Error::ok;
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
            if (expired_by(now, deadline_)) {
                attempt_failed(Error::timeout, Phase::open, 0, "opening the session timed out");
            } else if (stage_ == Stage::connecting) {
                step_connecting();
            } else {
                step_upgrading();
            }
            return;
        case Stage::starting:
            if (expired_by(now, deadline_)) {
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
            if (!expired_by(now, deadline_)) return;
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
