// SPDX-License-Identifier: MIT
// SessionSlot, until open: the HTTP lane, the purchase, the connect and
// the upgrade.
#include <string.h>

#include "client/client_core.h"
#include "client/session_slot.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/strview.h"
#include "core/wipe.h"

namespace consensus {

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
    const Error e = core_->open(link_, url_, &why);
    if (e != Error::ok) {
        attempt_failed(e, Phase::open, 0, why != nullptr ? why : connect_failure_text(e));
        return;
    }
    enter(Stage::connecting);
}

void SessionSlot::step_connecting() {
    const Error e = link_.progress();
    if (e == Error::would_block) return;
    if (e != Error::ok) {
        attempt_failed(e, Phase::open, link_.proxy_status(), connect_failure_text(e));
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
                         reinterpret_cast<char*>(link_.work()), link_.work_size(),
                         HttpResponseReader::Expect::upgrade);
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
    if (status == 401 && deadline_reached(now_, expiry)) {
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
    stream_ = OutStream{};  // a stream of the last connection stays unfinished
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

}  // namespace consensus
