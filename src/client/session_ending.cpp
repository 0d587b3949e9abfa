// SPDX-License-Identifier: MIT
// SessionSlot, when an attempt fails or the session ends: what a paid
// token is worth, the reconnect decision and its wait, the end.
#include <string.h>

#include "client/client_core.h"
#include "client/failure_text.h"
#include "client/session_slot.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/strview.h"
#include "core/wipe.h"

namespace consensus {

// A token never presented (its upgrade request never left) can still open a
// session while it stays valid through the next open: no need to buy again.
bool SessionSlot::token_reusable(uint64_t at) const {
    if (presented_ || auth_.token[0] == '\0') return false;
    const uint64_t expiry = auth_.obtained_ms + uint64_t{auth_.expires_in_s} * 1000u;
    return !deadline_reached(at + core_->options.open_timeout_ms, expiry);
}

// The receive chunk is idle until the upgrade: it holds the event's text.
const char* SessionSlot::connect_failure_text(Error e) {
    return describe_connect_failure(e, link_, url_, reinterpret_cast<char*>(link_.rx()),
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

}  // namespace consensus
