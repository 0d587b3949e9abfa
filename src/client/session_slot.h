// One managed WebSocket session: buys its token (TokenFetch), opens the
// connection, upgrades, runs the framer, keeps the link alive and reconnects
// with a fresh token. An explicit state machine driven by step() from poll().
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/listeners.h"
#include "client/slot_buffers.h"
#include "client/token_fetch.h"
#include "consensus/client.h"
#include "core/url.h"
#include "http/response.h"
#include "net/connection.h"
#include "ws/framer.h"
#include "ws/tx_buffer.h"

namespace consensus {

struct ClientCore;

class SessionSlot final : public TokenFetchOwner, public ws::FrameHandler {
  public:
    void bind(ClientCore* core, uint16_t index, const SlotBuffers& buffers,
              ListenerEntry* listeners);
    Error init_framer();  // wslay's frame context: one allocation, at Client::init
    void unbind();        // releases the framer and any connection

    bool is_free() const { return state_ == SessionState::idle || state_ == SessionState::closed; }
    /// A session that buys its own tokens (resolved, validated params).
    Error start_managed(const TokenParams& params, const SessionOptions& options, uint64_t now);
    /// A session on a token bought elsewhere.
    Error start_with_auth(const TokenAuth& auth, const SessionOptions& options, uint64_t now);

    void step(uint64_t now);
    /// Earliest time step() must run without I/O (UINT64_MAX: none).
    uint64_t next_deadline() const;
    /// True when bytes are already buffered (TLS): the loop must not sleep.
    bool has_pending_input() const;

    Error send(bool binary, const uint8_t* data, size_t size);
    Error close(uint16_t code, const char* reason);
    Error on(EventType type, Listener fn, void* user) { return listeners_.add(type, fn, user); }
    bool off(EventType type, Listener fn, void* user) { return listeners_.remove(type, fn, user); }
    SessionState state() const;
    PublicState public_state() const;
    uint32_t generation() const { return generation_; }
    uint16_t index() const { return index_; }
    TokenFetch& fetch() { return fetch_; }
    void shutdown();  // Client::deinit: drop everything now, no events

    // TokenFetchOwner
    void on_payment(bool paid) override;
    void on_fetch_done() override;
    // ws::FrameHandler
    void on_message(bool binary, const uint8_t* data, size_t len) override;
    void on_pong(const uint8_t* data, size_t len) override;
    void on_close(uint16_t code, const char* reason, size_t reason_len) override;

  private:
    void begin(const SessionOptions& options);
    void begin_purchase(uint64_t now);
    void begin_connect(uint64_t now);
    void step_connecting(uint64_t now);
    void step_upgrading(uint64_t now);
    void step_open(uint64_t now);
    void step_closing(uint64_t now);
    void on_upgraded(size_t consumed, size_t received, uint64_t now);
    void receive_frames(uint64_t now);
    void keepalive(uint64_t now);
    bool flush_tx();
    void attempt_failed(Error e, Phase phase, int http_status, const char* detail);
    void connection_lost(Initiator who, uint16_t code, const char* reason, Error e);
    void link_lost();
    void after_server_close();
    void schedule_reconnect(Error why, uint64_t now);
    void end(Error why);
    void emit(Event& ev);
    void emit_error(Error e, Phase phase, int http_status, const char* detail);
    void emit_close(Initiator who, uint16_t code, const char* reason, size_t reason_len);
    static long recv_frames(void* self, uint8_t* buf, size_t len);
    static Event blank_event(EventType type);

    ClientCore* core_ = nullptr;
    uint16_t index_ = 0;
    uint32_t generation_ = 0;
    SlotBuffers buffers_{};
    ListenerTable listeners_;
    Connection conn_;
    TokenFetch fetch_;
    ws::Framer framer_;
    ws::TxBuffer tx_{};
    Url url_{};
    TokenAuth auth_{};

    SessionState state_ = SessionState::idle;
    bool renew_ = false;
    bool caller_closed_ = false;
    bool expired_ = false;
    bool want_writable_ = false;
    bool close_owed_ = false;  // close() could not write its frame yet
    bool io_broken_ = false;   // a send failed; step() reports the loss
    bool ping_outstanding_ = false;
    bool ever_opened_ = false;
    uint32_t attempt_ = 0;            // connection attempts so far (open reports it)
    uint32_t reconnects_in_row_ = 0;  // reset by a successful open
    uint64_t deadline_ = 0;           // open timeout, reconnect time or close timeout
    uint64_t last_rx_ = 0;
    uint64_t ping_sent_ = 0;
    uint64_t now_ = 0;           // the step's time, for callbacks from the framer
    size_t leftover_start_ = 0;  // bytes that arrived with the 101 (in rx)
    size_t leftover_end_ = 0;
    uint16_t close_code_ = 1005;      // what the peer's close frame said
    uint16_t our_close_code_ = 1000;  // what close() asked for
    char close_reason_[124] = {};
    char our_close_reason_[124] = {};
    char key_[25] = {};
    SessionStartInfo start_info_{};
    SessionExpiredInfo expired_info_{};
    Error last_error_ = Error::ok;
};

}  // namespace consensus
