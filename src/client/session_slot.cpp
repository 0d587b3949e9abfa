#include "client/session_slot.h"

#include <string.h>

#include "client/client_core.h"
#include "json/server_message.h"
#include "ws/handshake.h"

namespace consensus {

namespace {

constexpr uint16_t kCloseNoStatus = 1005;
constexpr uint16_t kCloseAbnormal = 1006;
constexpr size_t kMaxCloseReason = 123;

size_t copy_reason(char* out, const char* reason, size_t len) {
    const size_t n = len < kMaxCloseReason ? len : kMaxCloseReason;
    if (n > 0) memcpy(out, reason, n);
    out[n] = '\0';
    return n;
}

bool valid_close_code_to_send(uint16_t code) {
    return code == 1000 || (code >= 3000 && code <= 4999);
}

// The service ends sessions with these closes, with or without a
// session_expired message first (SERVER_PROTOCOL.md section 4).
bool is_expiry_close(uint16_t code, const char* reason) {
    return (code == 1000 && strcmp(reason, "Time limit reached") == 0) ||
           (code == 1008 && strcmp(reason, "Data limit reached") == 0);
}

void fill_random(void* rng, uint8_t* out, size_t len) {
    static_cast<Rng*>(rng)->fill(out, len);
}

bool expired_by(uint64_t now, uint64_t deadline) {
    return static_cast<int64_t>(now - deadline) >= 0;
}

}  // namespace

void SessionSlot::bind(ClientCore* core, uint16_t index, const SlotBuffers& buffers,
                       ListenerEntry* listeners) {
    core_ = core;
    index_ = index;
    buffers_ = buffers;
    listeners_.bind(listeners, core->config.listeners_per_event);
    listeners_.clear();
    fetch_.bind(core, &conn_, buffers, this, index);
}

Error SessionSlot::init_framer() {
    return framer_.init(buffers_.work, core_->config.max_message_bytes, fill_random, &core_->rng);
}

void SessionSlot::unbind() {
    shutdown();
    framer_.deinit();
}

void SessionSlot::shutdown() {
    fetch_.abort();
    conn_.close();
    state_ = SessionState::closed;
}

void SessionSlot::begin(const SessionOptions& options) {
    ++generation_;
    listeners_.clear();
    if (options.listener != nullptr) {
        for (size_t t = 0; t < kEventTypeCount; ++t) {
            listeners_.add(static_cast<EventType>(t), options.listener, options.user);
        }
    }
    renew_ = options.renew;
    caller_closed_ = false;
    expired_ = false;
    want_writable_ = false;
    close_owed_ = false;
    io_broken_ = false;
    ever_opened_ = false;
    attempt_ = 0;
    reconnects_in_row_ = 0;
    last_error_ = Error::ok;
}

Error SessionSlot::start_managed(const TokenParams& params, const SessionOptions& options,
                                 uint64_t now) {
    begin(options);
    memset(&auth_, 0, sizeof auth_);
    store_params(params, &auth_);
    auth_.has_params = true;
    state_ = SessionState::requesting_token;
    begin_purchase(now);
    return Error::ok;
}

Error SessionSlot::start_with_auth(const TokenAuth& auth, const SessionOptions& options,
                                   uint64_t now) {
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
    auth_ = auth;
    attempt_ = 1;
    begin_connect(now);
    return Error::ok;
}

// ---- purchase -------------------------------------------------------------

void SessionSlot::begin_purchase(uint64_t now) {
    now_ = now;
    const TokenParams params = params_of(auth_);
    const uint64_t quote = quote_micro_usd(params);
    if (!core_->guard.reserve(quote)) {
        emit_error(Error::budget_exhausted, Phase::token, 0,
                   "the purchase would exceed the spend limit");
        end(Error::budget_exhausted);
        return;
    }
    ++attempt_;
    state_ = SessionState::requesting_token;
    fetch_.start(&auth_, quote, now);
}

void SessionSlot::on_payment(bool paid) {
    Event ev = blank_event(EventType::payment);
    ev.payment_paid = paid;
    emit(ev);
}

void SessionSlot::on_fetch_done() {
    if (fetch_.state() != TokenFetch::State::done) {
        attempt_failed(fetch_.error(), Phase::token, fetch_.http_status(), fetch_.message());
        return;
    }
    Event ev = blank_event(EventType::token);
    ev.token = StrView{auth_.token, strlen(auth_.token)};
    ev.connect_url = StrView{auth_.connect_url, strlen(auth_.connect_url)};
    ev.expires_in_s = auth_.expires_in_s;
    emit(ev);
    if (state_ == SessionState::requesting_token)
        begin_connect(now_ > auth_.obtained_ms ? now_ : auth_.obtained_ms);
}

// ---- opening --------------------------------------------------------------

void SessionSlot::begin_connect(uint64_t now) {
    now_ = now;
    deadline_ = now + core_->options.open_timeout_ms;
    if (parse_url(auth_.connect_url, strlen(auth_.connect_url), &url_) != Error::ok ||
        !url_.websocket) {
        attempt_failed(Error::bad_response, Phase::open, 0,
                       "connect_url is not a ws:// or wss:// URL");
        return;
    }
    char host[256];
    if (!copy_host(url_.host, host, sizeof host)) {
        attempt_failed(Error::message_too_large, Phase::open, 0, "host name too long");
        return;
    }
    TlsShared* tls = nullptr;
    if (url_.tls) {
        tls = core_->tls_config();
        if (tls == nullptr) {
            attempt_failed(Error::invalid_config, Phase::open, 0,
                           "trusted CA certificates could not be loaded");
            return;
        }
    }
    const Error e = conn_.open(core_->port, tls, host, url_.port);
    if (e != Error::ok) {
        attempt_failed(e, Phase::open, 0, "cannot reach the session server");
        return;
    }
    state_ = SessionState::connecting;
}

void SessionSlot::step_connecting(uint64_t now) {
    const Error e = conn_.progress();
    if (e == Error::would_block) return;
    if (e != Error::ok) {
        attempt_failed(e, Phase::open, 0, "cannot reach the session server");
        return;
    }
    uint8_t nonce[16];
    core_->rng.fill(nonce, sizeof nonce);
    ws::make_key(nonce, key_);
    const ws::NodeHeaders node{auth_.node_region, auth_.node_domain, auth_.node_exclude};
    tx_ = ws::TxBuffer{buffers_.tx, buffers_.tx_size, 0, 0};
    const size_t n = ws::write_upgrade_request(reinterpret_cast<char*>(tx_.data), tx_.capacity,
                                               url_.host_header.data, url_.host_header.size,
                                               url_.target.data, url_.target.size, key_, node);
    if (n == 0) {
        attempt_failed(Error::message_too_large, Phase::open, 0,
                       "upgrade request does not fit the send buffer");
        return;
    }
    tx_.end = n;
    const HttpLimits limits{core_->config.max_header_line, core_->config.max_headers,
                            core_->config.max_body_bytes};
    // The purchase is over: its reader parses the upgrade response.
    fetch_.reader().begin(limits, reinterpret_cast<char*>(buffers_.work), buffers_.work_size, true);
    state_ = SessionState::upgrading;
    step_upgrading(now);
}

void SessionSlot::step_upgrading(uint64_t now) {
    if (!flush_tx()) {
        if (io_broken_)
            attempt_failed(Error::connect_failed, Phase::open, 0,
                           "connection lost during the upgrade");
        return;
    }
    HttpResponseReader& reader = fetch_.reader();  // lent: no purchase runs now
    for (;;) {
        const long n = conn_.recv(buffers_.rx, buffers_.rx_size);
        HttpResponseReader::Status st;
        size_t consumed = 0;
        if (n > 0) {
            st = reader.feed(buffers_.rx, static_cast<size_t>(n), &consumed);
            if (st == HttpResponseReader::Status::need_more) continue;
            if (st == HttpResponseReader::Status::upgrade) {
                on_upgraded(consumed, static_cast<size_t>(n), now);
                return;
            }
        } else if (n == CWS_IO_WOULD_BLOCK) {
            conn_.set_interest(true, tx_.pending() > 0);
            return;
        } else if (n == CWS_IO_CLOSED) {
            st = reader.finish();
        } else {
            attempt_failed(Error::connect_failed, Phase::open, 0,
                           "connection lost during the upgrade");
            return;
        }
        if (st == HttpResponseReader::Status::complete) {
            const int status = reader.status();
            if (status == 401) {
                attempt_failed(Error::token_rejected, Phase::open, status,
                               "the server refused the token");
            } else {
                attempt_failed(Error::handshake_failed, Phase::open, status,
                               "the server refused the upgrade");
            }
            return;
        }
        attempt_failed(Error::handshake_failed, Phase::open, reader.status(),
                       reader.error_detail());
        return;
    }
}

void SessionSlot::on_upgraded(size_t consumed, size_t received, uint64_t now) {
    const StrView accept = fetch_.reader().header(HeaderId::sec_websocket_accept);
    if (!ws::accept_matches(key_, accept.data, accept.size)) {
        attempt_failed(Error::handshake_failed, Phase::open, 101,
                       "missing or wrong Sec-WebSocket-Accept");
        return;
    }
    // Frame bytes that arrived with the 101 belong to the framer.
    leftover_start_ = consumed;
    leftover_end_ = received;
    if (framer_.reset() != Error::ok) {
        attempt_failed(Error::no_resources, Phase::open, 101, "no memory for the frame parser");
        return;
    }
    tx_ = ws::TxBuffer{buffers_.tx, buffers_.tx_size, 0, 0};
    state_ = SessionState::open;
    ever_opened_ = true;
    reconnects_in_row_ = 0;
    expired_ = false;
    ping_outstanding_ = false;
    last_rx_ = now;
    close_code_ = kCloseNoStatus;
    close_reason_[0] = '\0';
    Event ev = blank_event(EventType::open);
    ev.attempt = attempt_;
    emit(ev);
    if (state_ == SessionState::open) step_open(now);
}

// ---- open -----------------------------------------------------------------

long SessionSlot::recv_frames(void* self, uint8_t* buf, size_t len) {
    SessionSlot* s = static_cast<SessionSlot*>(self);
    long n;
    if (s->leftover_start_ < s->leftover_end_) {
        size_t avail = s->leftover_end_ - s->leftover_start_;
        if (avail > len) avail = len;
        memcpy(buf, s->buffers_.rx + s->leftover_start_, avail);
        s->leftover_start_ += avail;
        n = static_cast<long>(avail);
    } else if (!s->conn_.readable()) {
        // The last read drained the socket (the port spends its readiness on
        // a short read): wait for poll, not for a recv() that says EAGAIN.
        n = CWS_IO_WOULD_BLOCK;
    } else {
        n = s->conn_.recv(buf, len);
    }
    if (n > 0) {  // any inbound byte is proof of life
        s->last_rx_ = s->now_;
        s->ping_outstanding_ = false;
    }
    return n;
}

void SessionSlot::receive_frames(uint64_t now) {
    (void)now;
    const ws::Framer::RecvStatus st = framer_.receive(recv_frames, this, tx_, *this);
    switch (st) {
        case ws::Framer::RecvStatus::would_block:
            return;
        case ws::Framer::RecvStatus::peer_closed_io:
        case ws::Framer::RecvStatus::io_error:
            if (state_ == SessionState::closing) {
                conn_.close();
                emit_close(Initiator::caller, our_close_code_, our_close_reason_,
                           strlen(our_close_reason_));
                end(Error::ok);
                return;
            }
            link_lost();
            return;
        case ws::Framer::RecvStatus::violation: {
            const uint16_t code = framer_.violation_code();
            framer_.write_close(tx_, code, "", 0);
            flush_tx();
            const Error e = code == 1009 ? Error::message_too_large : Error::protocol_error;
            emit_error(e, Phase::session, 0, "the server broke the WebSocket protocol");
            connection_lost(Initiator::server, code, "protocol violation", e);
            return;
        }
        case ws::Framer::RecvStatus::close_received:
            flush_tx();  // the echo of the server's close, or our own close already sent
            conn_.close();
            if (state_ == SessionState::closing || caller_closed_) {
                emit_close(Initiator::caller, close_code_, close_reason_, strlen(close_reason_));
                end(Error::ok);
                return;
            }
            emit_close(Initiator::server, close_code_, close_reason_, strlen(close_reason_));
            after_server_close();
            return;
    }
}

void SessionSlot::after_server_close() {
    if (state_ != SessionState::open) return;  // a listener already closed or ended it
    if (expired_ || is_expiry_close(close_code_, close_reason_)) {
        if (renew_) {
            Event ev = blank_event(EventType::reconnecting);
            ev.attempt = attempt_ + 1;
            ev.in_ms = 0;
            emit(ev);
            begin_purchase(now_);
        } else {
            end(Error::ok);
        }
        return;
    }
    last_error_ = Error::closed;
    schedule_reconnect(Error::closed, now_);
}

void SessionSlot::step_open(uint64_t now) {
    if (io_broken_) {
        link_lost();
        return;
    }
    if (leftover_start_ < leftover_end_ || conn_.readable()) receive_frames(now);
    if (state_ != SessionState::open && state_ != SessionState::closing) return;
    framer_.flush_control(tx_);
    if (close_owed_ && framer_.write_close(tx_, our_close_code_, our_close_reason_,
                                           strlen(our_close_reason_)) == Error::ok) {
        close_owed_ = false;
    }
    flush_tx();
    if (io_broken_) {
        link_lost();
        return;
    }
    if (state_ == SessionState::open) keepalive(now);
    if (want_writable_ && tx_.pending() == 0 && state_ == SessionState::open) {
        want_writable_ = false;
        Event ev = blank_event(EventType::writable);
        emit(ev);
    }
    if (state_ == SessionState::open || state_ == SessionState::closing) {
        conn_.set_interest(true, tx_.pending() > 0);
    }
}

void SessionSlot::keepalive(uint64_t now) {
    const uint32_t interval = core_->options.ping_interval_ms;
    if (interval == 0) return;
    if (ping_outstanding_) {
        if (now - ping_sent_ >= interval) {
            // No proof of life for two intervals: a half-open link.
            conn_.close();
            emit_close(Initiator::network, kCloseAbnormal, "keepalive timeout", 17);
            last_error_ = Error::timeout;
            schedule_reconnect(Error::timeout, now);
        }
        return;
    }
    if (now - last_rx_ >= interval && framer_.write_ping(tx_, nullptr, 0) == Error::ok) {
        ping_outstanding_ = true;
        ping_sent_ = now;
        flush_tx();
    }
}

void SessionSlot::on_message(bool binary, const uint8_t* data, size_t len) {
    if (!binary) {
        const ServerMessage kind =
            parse_server_message(reinterpret_cast<const char*>(data), len, buffers_.rx,
                                 buffers_.rx_size, &start_info_, &expired_info_);
        if (kind == ServerMessage::session_start) {
            Event ev = blank_event(EventType::session_start);
            ev.start = &start_info_;
            emit(ev);
        } else if (kind == ServerMessage::session_expired) {
            expired_ = true;
            Event ev = blank_event(EventType::session_expired);
            ev.expired = &expired_info_;
            emit(ev);
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
        conn_.close();
        emit_close(Initiator::caller, our_close_code_, our_close_reason_,
                   strlen(our_close_reason_));
        end(Error::ok);
        return;
    }
    step_open(now);
}

bool SessionSlot::flush_tx() {
    while (tx_.pending() > 0) {
        const size_t want = tx_.pending();
        const long n = conn_.send(tx_.data + tx_.start, want);
        if (n > 0) {
            tx_.start += static_cast<size_t>(n);
            // Plain TCP took less than offered: its buffer is full and another
            // send() now would only say EAGAIN. (TLS writes one record per call.)
            if (static_cast<size_t>(n) < want && !conn_.is_tls()) return false;
            continue;
        }
        if (n != CWS_IO_WOULD_BLOCK) io_broken_ = true;
        return false;
    }
    tx_.start = tx_.end = 0;
    return true;
}

// ---- failures, reconnects, the end ------------------------------------------

void SessionSlot::attempt_failed(Error e, Phase phase, int http_status, const char* detail) {
    conn_.close();
    last_error_ = e;
    emit_error(e, phase, http_status, detail);
    if (is_free()) return;  // a listener closed the session
    if (caller_closed_) {
        end(Error::ok);
        return;
    }
    schedule_reconnect(e, now_);
}

void SessionSlot::connection_lost(Initiator who, uint16_t code, const char* reason, Error e) {
    conn_.close();
    last_error_ = e;
    emit_close(who, code, reason, strlen(reason));
    if (is_free()) return;
    schedule_reconnect(e, now_);
}

// The transport failed under an open session. A TLS failure (a fatal alert, a
// record that does not decrypt) gets a typed error event of its own; a reset
// or an EOF is just a lost link.
void SessionSlot::link_lost() {
    const Error e = conn_.last_error();
    if (e != Error::tls_failed) {
        connection_lost(Initiator::network, kCloseAbnormal, "connection lost", Error::closed);
        return;
    }
    emit_error(e, Phase::session, 0, "TLS failure on the open session");
    if (is_free()) return;  // a listener closed the session
    connection_lost(Initiator::network, kCloseAbnormal, "TLS failure", e);
}

void SessionSlot::schedule_reconnect(Error why, uint64_t now) {
    if (caller_closed_) {
        end(Error::ok);
        return;
    }
    if (!auth_.has_params) {
        end(why);  // a bare token cannot be bought again, and it is single use
        return;
    }
    if (reconnects_in_row_ >= core_->options.max_reconnects) {
        end(why);
        return;
    }
    ++reconnects_in_row_;
    state_ = SessionState::waiting_to_reconnect;
    deadline_ = now + core_->options.reconnect_interval_ms;
    Event ev = blank_event(EventType::reconnecting);
    ev.attempt = attempt_ + 1;
    ev.in_ms = core_->options.reconnect_interval_ms;
    emit(ev);
}

void SessionSlot::end(Error why) {
    fetch_.abort();
    conn_.close();
    state_ = SessionState::closed;
    Event ev = blank_event(EventType::ended);
    ev.error = why;
    emit(ev);
}

// ---- the handle's API -------------------------------------------------------

Error SessionSlot::send(bool binary, const uint8_t* data, size_t size) {
    if (state_ != SessionState::open) return Error::not_open;
    if (data == nullptr && size > 0) return Error::invalid_params;
    Error e = framer_.write_message(tx_, binary, data, size);
    if (e == Error::would_block) {
        flush_tx();  // what the socket takes now makes room for this frame
        e = framer_.write_message(tx_, binary, data, size);
    }
    if (e == Error::would_block) {
        want_writable_ = true;
        conn_.set_interest(true, true);
        return e;
    }
    if (e != Error::ok) return e;
    // From a listener inside a receive pass, step_open writes once after the
    // pass: every frame the pass produced leaves in one send(). Otherwise
    // optimistic: most sends leave at once, no wait for writability.
    if (framer_.receiving()) return Error::ok;
    flush_tx();
    if (tx_.pending() > 0) conn_.set_interest(true, true);
    return Error::ok;
}

Error SessionSlot::close(uint16_t code, const char* reason) {
    const size_t reason_len = reason != nullptr ? strlen(reason) : 0;
    if (!valid_close_code_to_send(code) || reason_len > kMaxCloseReason) {
        return Error::invalid_params;
    }
    if (is_free()) return Error::ok;
    caller_closed_ = true;
    our_close_code_ = code;
    copy_reason(our_close_reason_, reason != nullptr ? reason : "", reason_len);
    if (state_ == SessionState::closing) return Error::ok;
    if (state_ != SessionState::open) {
        end(Error::ok);  // nothing open: cancel the purchase, connect or reconnect
        return Error::ok;
    }
    state_ = SessionState::closing;
    deadline_ = core_->now() + core_->options.close_timeout_ms;
    if (framer_.write_close(tx_, code, our_close_reason_, reason_len) != Error::ok) {
        close_owed_ = true;  // the send buffer is full: written once it drains
    }
    flush_tx();
    conn_.set_interest(true, tx_.pending() > 0);
    return Error::ok;
}

// ---- the loop ---------------------------------------------------------------

void SessionSlot::step(uint64_t now) {
    now_ = now;
    switch (state_) {
        case SessionState::idle:
        case SessionState::closed:
            return;
        case SessionState::requesting_token:
        case SessionState::paying:
            fetch_.step(now);
            return;
        case SessionState::connecting:
        case SessionState::tls_handshake:
        case SessionState::upgrading:
            if (expired_by(now, deadline_)) {
                attempt_failed(Error::timeout, Phase::open, 0, "opening the session timed out");
                return;
            }
            if (state_ == SessionState::upgrading) {
                step_upgrading(now);
            } else {
                step_connecting(now);
            }
            return;
        case SessionState::open:
            step_open(now);
            return;
        case SessionState::closing:
            step_closing(now);
            return;
        case SessionState::waiting_to_reconnect:
            if (expired_by(now, deadline_)) begin_purchase(now);
            return;
    }
}

uint64_t SessionSlot::next_deadline() const {
    switch (state_) {
        case SessionState::requesting_token:
        case SessionState::paying:
            return fetch_.deadline();
        case SessionState::connecting:
        case SessionState::tls_handshake:
        case SessionState::upgrading:
        case SessionState::closing:
        case SessionState::waiting_to_reconnect:
            return deadline_;
        case SessionState::open: {
            const uint32_t interval = core_->options.ping_interval_ms;
            if (interval == 0) return UINT64_MAX;
            return (ping_outstanding_ ? ping_sent_ : last_rx_) + interval;
        }
        case SessionState::idle:
        case SessionState::closed:
            return UINT64_MAX;
    }
    return UINT64_MAX;
}

bool SessionSlot::has_pending_input() const {
    return conn_.has_pending() || leftover_start_ < leftover_end_;
}

SessionState SessionSlot::state() const {
    if (state_ == SessionState::requesting_token && fetch_.paying()) return SessionState::paying;
    return state_;
}

PublicState SessionSlot::public_state() const {
    switch (state_) {
        case SessionState::open:
            return PublicState::connected;
        case SessionState::waiting_to_reconnect:
            return PublicState::reconnecting;
        case SessionState::closed:
        case SessionState::idle:
            return caller_closed_ ? PublicState::closed_by_caller : PublicState::closed;
        case SessionState::closing:
            return caller_closed_ ? PublicState::closed_by_caller : PublicState::connected;
        default:
            return ever_opened_ ? PublicState::reconnecting : PublicState::connecting;
    }
}

// ---- events -------------------------------------------------------------------

Event SessionSlot::blank_event(EventType type) {
    Event ev{};
    ev.type = type;
    return ev;
}

void SessionSlot::emit(Event& ev) {
    ev.session_index = index_;
    Session handle = ClientCore::make_handle(this);
    listeners_.fire(handle, ev);
}

void SessionSlot::emit_error(Error e, Phase phase, int http_status, const char* detail) {
    Event ev = blank_event(EventType::error);
    ev.error = e;
    ev.phase = phase;
    ev.http_status = http_status;
    if (detail != nullptr) ev.reason = StrView{detail, strlen(detail)};
    emit(ev);
}

void SessionSlot::emit_close(Initiator who, uint16_t code, const char* reason, size_t reason_len) {
    Event ev = blank_event(EventType::close);
    ev.initiator = who;
    ev.code = code;
    ev.reason = StrView{reason, reason_len};
    emit(ev);
}

}  // namespace consensus
