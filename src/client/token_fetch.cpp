// SPDX-License-Identifier: MIT
#include "client/token_fetch.h"

#include <string.h>

#include "client/client_core.h"
#include "client/failure_text.h"
#include "client/price_policy.h"
#include "core/deadline.h"
#include "core/log.h"
#include "core/strview.h"
#include "core/url.h"
#include "core/wipe.h"
#include "core/writer.h"
#include "http/http_date.h"
#include "http/request.h"
#include "json/json.h"
#include "json/token_json.h"
#include "x402/challenge.h"

namespace consensus {

void TokenFetch::bind(ClientCore* core, Link* link, TokenFetchOwner* owner, uint16_t ticket_slot) {
    core_ = core;
    link_ = link;
    owner_ = owner;
    ticket_slot_ = ticket_slot;
}

bool TokenFetch::busy() const {
    return state_ != State::idle && state_ != State::done && state_ != State::failed;
}

bool TokenFetch::still(uint32_t run) const {
    return run_ == run && !core_->teardown_pending;
}

void TokenFetch::start(TokenAuth* auth, uint64_t quote, uint64_t now) {
    ++run_;
    auth_ = auth;
    quote_ = quote;
    paid_ = false;
    paid_attempt_ = false;
    charged_ = false;
    error_ = Error::ok;
    http_status_ = 0;
    message_[0] = '\0';
    deadline_ = now + core_->options.request_timeout_ms;
    log_at<LogLevel::info>(core_->log(), log_id(), "token request to ", core_->server.host);
    begin_attempt(nullptr, 0);
}

bool TokenFetch::begin_attempt(const char* payment, size_t payment_size) {
    // The request is written before the connect: `payment` may live in the
    // work area (the caller wipes it when this returns), and a proxy's
    // CONNECT exchange uses the lane's receive chunk and reader, not the send
    // buffer. The reader begins on the token response once connected.
    TxBuffer& tx = link_->fresh_tx();
    ExtraHeader extra;
    if (payment != nullptr) extra = ExtraHeader{kPaymentSignatureHeader, {payment, payment_size}};
    const size_t n = write_token_request(reinterpret_cast<char*>(tx.data), tx.capacity,
                                         core_->server, params_of(*auth_), extra);
    if (n == 0) {
        fail(Error::message_too_large, "token request does not fit the send buffer");
        return false;
    }
    tx.commit(n);
    const char* why = nullptr;
    const Error e = core_->open(*link_, core_->server, &why);
    if (e != Error::ok) {
        fail(e, why != nullptr ? why
                               : describe_connect_failure(e, *link_, core_->server, message_,
                                                          sizeof message_));
        return false;
    }
    state_ = State::connecting;
    return true;
}

void TokenFetch::step(uint64_t now) {
    if (!busy()) return;
    if (deadline_reached(now, deadline_)) {
        fail(Error::timeout, "token request timed out");
        return;
    }
    switch (state_) {
        case State::connecting: {
            const Error e = link_->progress();
            if (e == Error::would_block) return;
            if (e != Error::ok) {
                http_status_ = link_->proxy_status();
                fail(e,
                     describe_connect_failure(e, *link_, core_->server, message_, sizeof message_));
                return;
            }
            link_->reader().begin(core_->http_limits(), header_names(kPaymentHeaderNames),
                                  reinterpret_cast<char*>(link_->work()), decode_area_offset(),
                                  HttpResponseReader::Expect::response);
            state_ = State::sending;
        }
            // fall through
        case State::sending:
            if (!send_request()) return;
            state_ = State::receiving;
            // fall through
        case State::receiving:
            read_response(now);
            return;
        case State::paying:  // waiting for complete_payment / refuse_payment
        case State::idle:
        case State::done:
        case State::failed:
            return;
    }
}

bool TokenFetch::send_request() {
    const size_t unsent = link_->tx().pending();
    const Link::Flush f = link_->flush();
    // Once a byte of the paid request has left, the payment may settle
    // whatever comes back (or nothing): it is spent for the guard now.
    if (paid_attempt_ && link_->tx().pending() < unsent) charge();
    switch (f) {
        case Link::Flush::done:
            if (paid_attempt_) link_->wipe_tx();  // the payment header is out: no copy stays
            link_->conn().set_interest(true, false);
            return true;
        case Link::Flush::would_block:
            link_->conn().set_interest(false, true);
            return false;
        case Link::Flush::failed:
            fail_transport("connection lost while sending the token request");
            return false;
    }
    return false;
}

void TokenFetch::read_response(uint64_t now) {
    switch (link_->read_response()) {
        case Link::Read::would_block:
            link_->conn().set_interest(true, false);
            return;
        case Link::Read::complete:
            auth_->obtained_ms = now;
            on_response();
            return;
        case Link::Read::lost:
            fail_transport("connection lost while reading the token response");
            return;
        case Link::Read::upgrade:  // the reader refuses a 101 here: unreachable
        case Link::Read::bad: {
            const HttpResponseReader& r = link_->reader();
            fail(r.error() == Error::ok ? Error::bad_response : r.error(), r.error_detail());
            return;
        }
    }
}

// The owner's policy on where a bought token may be presented: nothing is
// ever sent to a refused connect_url (it is bad_response naming the host).
bool TokenFetch::connect_url_allowed() {
    Url url;
    if (parse_url(auth_->connect_url, strlen(auth_->connect_url), &url) != Error::ok ||
        !url.websocket) {
        fail(Error::bad_response, "connect_url is not a ws:// or wss:// URL");
        return false;
    }
    const char* refusal = core_->connect_url_refusal(url);
    if (refusal == nullptr) return true;
    BoundedWriter w(message_, sizeof message_ - 1);
    w.put("connect_url host ");
    w.put(url.host);
    w.put(": ");
    w.put(refusal);
    message_[w.result()] = '\0';  // 0 (nothing) when it did not fit: then the plain reason
    fail(Error::bad_response, refusal);
    return false;
}

// The owner's price policy, before any signer sees the challenge: drops the
// requirements that ask too much, and reserves what the dearest kept one
// asks. False (and the purchase failed) when none is left.
bool TokenFetch::apply_price_policy(PaymentChallenge* challenge) {
    const uint64_t by_quote = allowed_amount(quote_, core_->options.price_margin_ppm);
    const uint64_t headroom = core_->guard.headroom();
    const uint64_t by_budget = headroom > UINT64_MAX - quote_ ? UINT64_MAX : quote_ + headroom;
    const uint64_t allowed = by_quote < by_budget ? by_quote : by_budget;
    const PriceCheck check = keep_affordable(challenge, allowed);
    if (check.kept == 0) {
        BoundedWriter w(message_, sizeof message_ - 1);
        w.put("the server asks ");
        w.put_uint(check.lowest_asked);
        w.put(" micro-USD, the quote is ");
        w.put_uint(quote_);
        if (by_budget < by_quote) {
            w.put(", the budget allows ");
            w.put_uint(by_budget);
        }
        message_[w.result()] = '\0';
        fail(Error::price_too_high, "the server asks more than the price policy allows");
        return false;
    }
    if (check.highest_kept > quote_) {
        core_->guard.reserve(check.highest_kept - quote_);  // within the headroom: succeeds
        quote_ = check.highest_kept;
    }
    return true;
}

void TokenFetch::fail_transport(const char* detail) {
    fail(link_->transport_error(), detail);
}

void TokenFetch::on_response() {
    const HttpResponseReader& reader = link_->reader();
    http_status_ = reader.status();
    link_->close();  // the server answers with Connection: close
    if (http_status_ == 402) {
        if (!paid_attempt_) {
            on_challenge();
            return;
        }
        payment_refused_text();
        fail(Error::payment_rejected, nullptr);
        return;
    }
    if (http_status_ >= 200 && http_status_ < 300) {
        const StrView body = reader.body();
        uint8_t* scratch = reinterpret_cast<uint8_t*>(decode_area());
        const Error e =
            parse_token_response(body.data, body.size, scratch, decode_area_size(), auth_);
        if (e != Error::ok) {
            fail(e, "invalid token response");
            return;
        }
        if (!connect_url_allowed()) return;
        wipe_response();
        finish_ok();
        return;
    }
    const StrView body = reader.body();
    extract_error_text(body.data, body.size, reinterpret_cast<uint8_t*>(decode_area()),
                       decode_area_size(), message_, sizeof message_);
    fail(Error::http_status, nullptr);
}

// The paid retry was refused: the server's own words, unescaped once, from
// where it puts them: the body (the service: {"error", "details"}), the
// settlement receipt (PAYMENT-RESPONSE: errorReason, errorMessage), the new
// challenge's error; else a plain text.
void TokenFetch::payment_refused_text() {
    const HttpResponseReader& reader = link_->reader();
    const StrView body = reader.body();
    char* area = decode_area();
    const size_t half = decode_area_size() / 2;
    if (extract_error_text(body.data, body.size, area, decode_area_size(), message_,
                           sizeof message_) > 0) {
        return;
    }
    const StrView receipt = reader.header(kPaymentResponse);
    if (receipt.size > 0 &&
        settlement_error_text(receipt.data, receipt.size, area, half, area + half,
                              decode_area_size() - half, message_, sizeof message_) > 0) {
        return;
    }
    PaymentChallenge ch;
    const StrView pr = reader.header(kPaymentRequired);
    if (pr.size > 0 &&
        decode_challenge(pr.data, pr.size, area, half, area + half, decode_area_size() - half,
                         &ch) == Error::ok &&
        ch.error.size > 0) {
        json_unescape_cut(ch.error, message_, sizeof message_);
        return;
    }
    copy_cut(message_, sizeof message_, "payment settlement failed", 25);
}

void TokenFetch::on_challenge() {
    const uint32_t run = run_;
    owner_->on_payment(false);
    if (!still(run)) return;  // a listener closed the session (or deinit-ed the client)
    const StrView pr = link_->reader().header(kPaymentRequired);
    if (pr.size == 0) {
        fail(Error::bad_response, "402 without a PAYMENT-REQUIRED header");
        return;
    }
    // Decode area: [decoded JSON | jsmn scratch]; the reader's area (holding
    // the base64 challenge, no longer needed) then takes the hook's header.
    char* area = decode_area();
    const size_t area_size = decode_area_size();
    const size_t json_cap = pr.size / 4 * 3 + 4;
    if (json_cap >= area_size) {
        fail(Error::message_too_large, "payment challenge too large for the work buffer");
        return;
    }
    PaymentChallenge challenge;
    const Error e = decode_challenge(pr.data, pr.size, area, json_cap, area + json_cap,
                                     area_size - json_cap, &challenge);
    if (e != Error::ok) {
        fail(e, "malformed payment challenge");
        return;
    }
    uint64_t date_s = 0;
    if (parse_http_date(link_->reader().header(kResponseDate), &date_s)) {
        challenge.server_time_s = date_s;
    }
    if (!apply_price_policy(&challenge)) return;
    log_at<LogLevel::info>(core_->log(), log_id(), "402: payment required, offers: ",
                           static_cast<uint64_t>(challenge.accepts_count),
                           "; asking the payment hook");
    const size_t cap = hook_area_size();
    PaymentHeaderOut out{reinterpret_cast<char*>(link_->work()), cap, 0};
    ticket_seq_ = core_->next_ticket_seq();
    state_ = State::paying;
    const PaymentTicket ticket{make_ticket(ticket_seq_, ticket_slot_)};
    const PaymentDecision d =
        core_->options.payment_hook(core_->options.payment_user, challenge, ticket, &out);
    // The hook completed or refused through the client, closed the session,
    // or deinit-ed the client: nothing is sent on its answer.
    if (!still(run) || state_ != State::paying) return;
    switch (d) {
        case PaymentDecision::paid:
            if (out.size == 0 || out.size > cap) {
                fail(Error::payment_refused, "payment hook returned no usable header");
                return;
            }
            paid_attempt_ = true;
            begin_attempt(out.data, out.size);
            wipe_hook_area();  // the request holds it now; no second copy stays
            return;
        case PaymentDecision::pending:
            log_at<LogLevel::info>(core_->log(), log_id(),
                                   "payment pending (the hook answers later)");
            return;
        case PaymentDecision::refused:
            fail(Error::payment_refused, out.refusal ? out.refusal : "payment hook refused to pay");
            return;
        case PaymentDecision::decline:
            fail(Error::payment_required, "payment required and no payer configured");
            return;
    }
}

size_t TokenFetch::hook_area_size() const {
    const size_t cap = decode_area_offset();
    return cap > core_->config.max_payment_header ? core_->config.max_payment_header : cap;
}

void TokenFetch::wipe_hook_area() {
    wipe(link_->work(), hook_area_size());
}

Error TokenFetch::complete_payment(uint32_t ticket_id, const char* header, size_t size) {
    if (state_ != State::paying || ticket_id != make_ticket(ticket_seq_, ticket_slot_)) {
        return Error::invalid_handle;
    }
    if (header == nullptr || size == 0) {
        fail(Error::payment_refused, "payment hook returned no header");
        return Error::ok;
    }
    if (size > core_->config.max_payment_header) {
        fail(Error::payment_refused, "payment header longer than max_payment_header");
        return Error::message_too_large;
    }
    paid_attempt_ = true;
    begin_attempt(header, size);
    wipe_hook_area();  // a copy the hook may have left there (the caller wipes its own)
    return Error::ok;
}

Error TokenFetch::refuse_payment(uint32_t ticket_id) {
    if (state_ != State::paying || ticket_id != make_ticket(ticket_seq_, ticket_slot_)) {
        return Error::invalid_handle;
    }
    fail(Error::payment_refused, "payment hook refused to pay");
    return Error::ok;
}

// The response held the token (or part of it), and the work area what a
// refusing hook wrote: no copy stays in the buffers.
void TokenFetch::wipe_response() {
    wipe(link_->rx(), link_->rx_size());
    wipe(link_->work(), link_->work_size());
}

void TokenFetch::fail(Error e, const char* detail) {
    wipe_response();
    if (paid_attempt_) link_->wipe_tx();
    link_->close();
    core_->guard.release(quote_);
    quote_ = 0;
    state_ = State::failed;
    error_ = e;
    if (detail != nullptr && message_[0] == '\0')
        copy_cut(message_, sizeof message_, detail, strlen(detail));
    owner_->on_fetch_done();
}

void TokenFetch::charge() {
    if (charged_) return;
    charged_ = true;
    log_at<LogLevel::info>(core_->log(), log_id(), "payment sent: ", quote_, " micro-USD charged");
    core_->guard.charge(quote_);
    quote_ = 0;  // nothing reserved any more: a failure releases nothing
}

void TokenFetch::finish_ok() {
    // A paid attempt was charged when its request left (send_request).
    core_->guard.release(quote_);  // a free server charged nothing
    quote_ = 0;
    if (paid_attempt_) {
        paid_ = true;
        const uint32_t run = run_;
        owner_->on_payment(true);
        if (!still(run)) return;  // a listener closed the session (or deinit-ed the client)
    }
    state_ = State::done;
    log_at<LogLevel::info>(core_->log(), log_id(), "token received", paid_ ? " (paid)" : "",
                           ", valid ", auth_->expires_in_s, " s");
    owner_->on_fetch_done();
}

void TokenFetch::abort() {
    if (!busy()) return;
    ++run_;
    if (paid_attempt_) link_->wipe_tx();
    link_->close();
    core_->guard.release(quote_);
    quote_ = 0;
    state_ = State::idle;
}

}  // namespace consensus
