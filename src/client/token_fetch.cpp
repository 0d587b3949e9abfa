#include "client/token_fetch.h"

#include <string.h>

#include "client/client_core.h"
#include "http/request.h"
#include "json/token_json.h"
#include "x402/challenge.h"

namespace consensus {

namespace {

void copy_text(char* out, size_t cap, const char* text, size_t size) {
    if (cap == 0) return;
    const size_t n = size < cap - 1 ? size : cap - 1;
    memcpy(out, text, n);
    out[n] = '\0';
}

}  // namespace

void TokenFetch::bind(ClientCore* core, Connection* conn, const SlotBuffers& buffers,
                      TokenFetchOwner* owner, uint16_t ticket_slot) {
    core_ = core;
    conn_ = conn;
    buffers_ = buffers;
    owner_ = owner;
    ticket_slot_ = ticket_slot;
}

bool TokenFetch::busy() const {
    return state_ != State::idle && state_ != State::done && state_ != State::failed;
}

void TokenFetch::start(TokenAuth* auth, uint64_t quote, uint64_t now) {
    auth_ = auth;
    quote_ = quote;
    paid_ = false;
    payment_sent_ = false;
    error_ = Error::ok;
    http_status_ = 0;
    message_[0] = '\0';
    deadline_ = now + core_->options.request_timeout_ms;
    begin_attempt(nullptr, 0);
}

bool TokenFetch::begin_attempt(const char* payment, size_t payment_size) {
    // The request is written first: `payment` may live in the work area that
    // the response reader is about to reuse.
    tx_ = ws::TxBuffer{buffers_.tx, buffers_.tx_size, 0, 0};
    const size_t n = write_token_request(reinterpret_cast<char*>(tx_.data), tx_.capacity,
                                         core_->server, params_of(*auth_), payment, payment_size);
    if (n == 0) {
        fail(Error::message_too_large, "token request does not fit the send buffer");
        return false;
    }
    tx_.end = n;
    const HttpLimits limits{core_->config.max_header_line, core_->config.max_headers,
                            core_->config.max_body_bytes};
    reader_.begin(limits, reinterpret_cast<char*>(buffers_.work), decode_area_offset(), false);

    char host[256];
    if (!copy_host(core_->server.host, host, sizeof host)) {
        fail(Error::invalid_config, "server host name too long");
        return false;
    }
    TlsShared* tls = nullptr;
    if (core_->server.tls) {
        tls = core_->tls_config();
        if (tls == nullptr) {
            fail(Error::invalid_config, "trusted CA certificates could not be loaded");
            return false;
        }
    }
    const Error e = conn_->open(core_->port, tls, host, core_->server.port);
    if (e != Error::ok) {
        fail(e, "cannot reach the token server");
        return false;
    }
    state_ = State::connecting;
    return true;
}

void TokenFetch::step(uint64_t now) {
    if (!busy()) return;
    if (static_cast<int64_t>(now - deadline_) >= 0) {
        fail(Error::timeout, "token request timed out");
        return;
    }
    switch (state_) {
        case State::connecting: {
            const Error e = conn_->progress();
            if (e == Error::would_block) return;
            if (e != Error::ok) {
                fail(e, "cannot reach the token server");
                return;
            }
            state_ = State::sending;
        }
            // fall through
        case State::sending:
            if (!pump_send()) return;
            state_ = State::receiving;
            // fall through
        case State::receiving:
            pump_recv(now);
            return;
        case State::paying:  // waiting for complete_payment / refuse_payment
        case State::idle:
        case State::done:
        case State::failed:
            return;
    }
}

bool TokenFetch::pump_send() {
    while (tx_.pending() > 0) {
        const long n = conn_->send(tx_.data + tx_.start, tx_.pending());
        if (n > 0) {
            tx_.start += static_cast<size_t>(n);
            continue;
        }
        if (n == CWS_IO_WOULD_BLOCK) {
            conn_->set_interest(false, true);
            return false;
        }
        fail(conn_->last_error() == Error::ok ? Error::connect_failed : conn_->last_error(),
             "connection lost while sending the token request");
        return false;
    }
    conn_->set_interest(true, false);
    return true;
}

bool TokenFetch::pump_recv(uint64_t now) {
    for (;;) {
        const long n = conn_->recv(buffers_.rx, buffers_.rx_size);
        HttpResponseReader::Status st;
        if (n > 0) {
            size_t consumed = 0;
            st = reader_.feed(buffers_.rx, static_cast<size_t>(n), &consumed);
            if (st == HttpResponseReader::Status::need_more) continue;
        } else if (n == CWS_IO_WOULD_BLOCK) {
            conn_->set_interest(true, false);
            return false;
        } else if (n == CWS_IO_CLOSED) {
            st = reader_.finish();
        } else {
            fail(conn_->last_error() == Error::ok ? Error::connect_failed : conn_->last_error(),
                 "connection lost while reading the token response");
            return false;
        }
        if (st == HttpResponseReader::Status::complete) {
            auth_->obtained_ms = now;
            on_response();
            return true;
        }
        fail(reader_.error() == Error::ok ? Error::bad_response : reader_.error(),
             reader_.error_detail());
        return false;
    }
}

void TokenFetch::on_response() {
    http_status_ = reader_.status();
    conn_->close();  // the server answers with Connection: close
    if (http_status_ == 402) {
        if (!payment_sent_) {
            on_challenge();
            return;
        }
        // The paid retry was refused: report the server's reason when it gave one.
        PaymentChallenge ch;
        const StrView pr = reader_.header(HeaderId::payment_required);
        char* area = reinterpret_cast<char*>(buffers_.work) + decode_area_offset();
        const size_t area_size = buffers_.work_size - decode_area_offset();
        if (pr.size > 0 &&
            decode_challenge(pr.data, pr.size, area, area_size / 2, area + area_size / 2,
                             area_size - area_size / 2, &ch) == Error::ok &&
            ch.error.size > 0) {
            copy_text(message_, sizeof message_, ch.error.data, ch.error.size);
        } else {
            copy_text(message_, sizeof message_, "payment settlement failed", 25);
        }
        fail(Error::payment_rejected, nullptr);
        return;
    }
    if (http_status_ >= 200 && http_status_ < 300) {
        const StrView body = reader_.body();
        uint8_t* scratch = buffers_.work + decode_area_offset();
        const Error e = parse_token_response(body.data, body.size, scratch,
                                             buffers_.work_size - decode_area_offset(), auth_);
        if (e != Error::ok) {
            fail(e, "invalid token response");
            return;
        }
        finish_ok();
        return;
    }
    const StrView body = reader_.body();
    uint8_t* scratch = buffers_.work + decode_area_offset();
    extract_error_text(body.data, body.size, scratch, buffers_.work_size - decode_area_offset(),
                       message_, sizeof message_);
    fail(Error::http_status, nullptr);
}

void TokenFetch::on_challenge() {
    owner_->on_payment(false);
    const StrView pr = reader_.header(HeaderId::payment_required);
    if (pr.size == 0) {
        fail(Error::bad_response, "402 without a PAYMENT-REQUIRED header");
        return;
    }
    // Decode area: [decoded JSON | jsmn scratch]; the reader's area (holding
    // the base64 challenge, no longer needed) then takes the hook's header.
    char* area = reinterpret_cast<char*>(buffers_.work) + decode_area_offset();
    const size_t area_size = buffers_.work_size - decode_area_offset();
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
    size_t cap = decode_area_offset();
    if (cap > core_->config.max_payment_header) cap = core_->config.max_payment_header;
    PaymentHeaderOut out{reinterpret_cast<char*>(buffers_.work), cap, 0};
    ticket_seq_ = core_->next_ticket_seq();
    state_ = State::paying;
    const PaymentTicket ticket{make_ticket(ticket_seq_, ticket_slot_)};
    const PaymentDecision d =
        core_->options.payment_hook(core_->options.payment_user, challenge, ticket, &out);
    if (state_ != State::paying) return;  // the hook completed or refused through the client
    switch (d) {
        case PaymentDecision::paid:
            if (out.size == 0 || out.size > cap) {
                fail(Error::payment_refused, "payment hook returned no usable header");
                return;
            }
            payment_sent_ = true;
            begin_attempt(out.data, out.size);
            return;
        case PaymentDecision::pending:
            return;
        case PaymentDecision::refused:
            fail(Error::payment_refused, "payment hook refused to pay");
            return;
        case PaymentDecision::decline:
            fail(Error::payment_required, "payment required and no payer configured");
            return;
    }
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
    payment_sent_ = true;
    begin_attempt(header, size);
    return Error::ok;
}

Error TokenFetch::refuse_payment(uint32_t ticket_id) {
    if (state_ != State::paying || ticket_id != make_ticket(ticket_seq_, ticket_slot_)) {
        return Error::invalid_handle;
    }
    fail(Error::payment_refused, "payment hook refused to pay");
    return Error::ok;
}

void TokenFetch::fail(Error e, const char* detail) {
    conn_->close();
    core_->guard.release(quote_);
    quote_ = 0;
    state_ = State::failed;
    error_ = e;
    if (detail != nullptr && message_[0] == '\0')
        copy_text(message_, sizeof message_, detail, strlen(detail));
    owner_->on_fetch_done();
}

void TokenFetch::finish_ok() {
    if (payment_sent_) {
        paid_ = true;
        core_->guard.charge(quote_);
        owner_->on_payment(true);
    } else {
        core_->guard.release(quote_);  // a free server charged nothing
    }
    quote_ = 0;
    state_ = State::done;
    owner_->on_fetch_done();
}

void TokenFetch::abort() {
    if (!busy()) return;
    conn_->close();
    core_->guard.release(quote_);
    quote_ = 0;
    state_ = State::idle;
}

}  // namespace consensus
