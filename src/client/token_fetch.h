// One token purchase: GET /ws, the x402 payment step, the paid retry, the
// token JSON. Sans-I/O over a Connection; driven by step() from poll().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/slot_buffers.h"
#include "consensus/client.h"
#include "http/response.h"
#include "net/connection.h"
#include "ws/tx_buffer.h"

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

    void bind(ClientCore* core, Connection* conn, const SlotBuffers& buffers,
              TokenFetchOwner* owner, uint16_t ticket_slot);
    /// Starts a purchase with resolved, validated params stored in *auth
    /// (model, minutes, megabytes, node headers); the result lands in *auth.
    /// The caller has reserved `quote` with the spend guard.
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
    /// The response reader, lent to the owner between purchases: a session
    /// parses its WebSocket upgrade with it. A purchase and an upgrade never
    /// overlap, so one reader (552 B on x86_64) serves both.
    HttpResponseReader& reader() { return reader_; }

  private:
    bool begin_attempt(const char* payment, size_t payment_size);
    void on_response();
    void on_challenge();
    void fail(Error e, const char* detail);
    void finish_ok();
    bool pump_send();
    bool pump_recv(uint64_t now);
    size_t decode_area_offset() const { return buffers_.work_size / 2; }

    ClientCore* core_ = nullptr;
    Connection* conn_ = nullptr;
    TokenFetchOwner* owner_ = nullptr;
    SlotBuffers buffers_{};
    ws::TxBuffer tx_{};
    HttpResponseReader reader_;
    TokenAuth* auth_ = nullptr;
    State state_ = State::idle;
    Error error_ = Error::ok;
    int http_status_ = 0;
    bool payment_sent_ = false;
    bool paid_ = false;
    uint64_t quote_ = 0;
    uint64_t deadline_ = 0;
    uint16_t ticket_slot_ = 0;
    uint32_t ticket_seq_ = 0;
    char message_[128] = {};
};

}  // namespace consensus
