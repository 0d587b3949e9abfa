/* SPDX-License-Identifier: MIT */
// One token purchase: GET /ws, the x402 payment step, the paid retry, the
// token JSON. Runs over a Link its owner lends it (a session's own link, or a
// request slot's); driven by step() from poll().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/link.h"
#include "consensus/client.h"

namespace consensus {

struct ClientCore;

/// What a purchase tells its owner (a session slot or a request slot).
class TokenFetchOwner {
  public:
    virtual void on_payment(bool paid) = 0;  // a 402 arrived / the payment was accepted
    virtual void on_fetch_done() = 0;        // state() is done or failed
  protected:
    ~TokenFetchOwner() = default;
};

class TokenFetch {
  public:
    enum class State : uint8_t { idle, connecting, sending, receiving, paying, done, failed };

    void bind(ClientCore* core, Link* link, TokenFetchOwner* owner, uint16_t ticket_slot);
    /// Starts a purchase with resolved, validated params stored in *auth
    /// (model, minutes, megabytes, node headers); the result lands in *auth.
    /// The caller has reserved `quote` with the spend guard. The reservation is
    /// charged as soon as a byte of the paid request has left (whatever the
    /// answer, the payment may settle), and released when no paid byte left.
    void start(TokenAuth* auth, uint64_t quote, uint64_t now);
    void step(uint64_t now);
    void abort();  // stops at once; releases the reservation

    Error complete_payment(uint32_t ticket_id, const char* header, size_t size);
    Error refuse_payment(uint32_t ticket_id);

    State state() const { return state_; }
    bool busy() const;
    bool paying() const { return state_ == State::paying; }
    uint64_t deadline() const { return deadline_; }
    Error error() const { return error_; }
    int http_status() const { return http_status_; }
    const char* message() const { return message_; }
    bool paid() const { return paid_; }
    /// A payment left the device in this purchase (spent for the guard).
    bool charged() const { return charged_; }

  private:
    // The session's index in log lines; -1 for a stand-alone request.
    int32_t log_id() const {
        return (ticket_slot_ & 0x8000u) != 0 ? -1 : static_cast<int32_t>(ticket_slot_);
    }
    bool begin_attempt(const char* payment, size_t payment_size);
    /// False when the purchase `run` is over: the owner's callback aborted or
    /// restarted it, or a callback called deinit().
    bool still(uint32_t run) const;
    void on_response();
    void on_challenge();
    void fail(Error e, const char* detail);
    void finish_ok();
    void charge();
    bool send_request();
    void read_response(uint64_t now);
    void fail_transport(const char* detail);
    bool connect_url_allowed();
    bool apply_price_policy(PaymentChallenge* challenge);
    // The work area: [reader: kept headers and body | decoded challenge, JSON scratch].
    size_t decode_area_offset() const { return link_->work_size() / 2; }
    char* decode_area() const {
        return reinterpret_cast<char*>(link_->work()) + decode_area_offset();
    }
    size_t decode_area_size() const { return link_->work_size() - decode_area_offset(); }
    // Where the payment hook writes its header: the start of the work area.
    size_t hook_area_size() const;
    void wipe_hook_area();
    void wipe_response();
    void payment_refused_text();

    ClientCore* core_ = nullptr;
    Link* link_ = nullptr;  // lent by the owner
    TokenFetchOwner* owner_ = nullptr;
    TokenAuth* auth_ = nullptr;
    State state_ = State::idle;
    Error error_ = Error::ok;
    int http_status_ = 0;
    bool paid_attempt_ = false;  // this attempt carries a payment header
    bool charged_ = false;       // its payment has left the device
    bool paid_ = false;
    uint64_t quote_ = 0;
    uint64_t deadline_ = 0;
    uint16_t ticket_slot_ = 0;
    uint32_t ticket_seq_ = 0;
    uint32_t run_ = 0;  // a new one at start() and abort(): the owner's callbacks may do either
    char message_[128] = {};
};

}  // namespace consensus
