/* SPDX-License-Identifier: MIT */
// One managed WebSocket session: buys its token (TokenFetch, over the
// session's own Link, lent), opens the connection, upgrades, runs the framer,
// keeps the link alive and reconnects with a fresh token. An explicit state
// machine (Stage) driven by step() from poll():
//
//   purchasing -> connecting -> upgrading -> starting -> open -> closing_unsent -> closing
//     ^    ^          |             |           |         |                          |
//     |    |          v             v           v         v                          v
//     |    +------- waiting_to_reconnect <-----------------+              closed_by_caller
//     |                 |
//     +-----------------+ (to connecting instead when the last token was never
//                          presented and is still valid)
//   (any stage) -> closed: the end, not asked for by the caller
//
// Purchasing, connecting and upgrading need an HTTP lane (client/http_lane.h).
// With shared lanes (Config::max_handshakes > 0) a session that finds none
// free is queued (for its purchase or its connect) until one is handed to
// it; it gives the lane back once open (its leftover bytes read), or when
// the attempt ends. With a lane of its own (the default) it never waits.
//
// starting: the 101 came, the service's session_start is awaited (the service
// drops what arrives before it); open means usable. Paid tokens that give no
// working session are counted (paid_failures_) and bounded.
//
// The public SessionState is derived: purchasing is requesting_token or
// paying (the purchase says which), connecting is connecting or tls_handshake
// (the connection says which).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/http_lane.h"
#include "client/keepalive.h"
#include "client/link.h"
#include "client/listeners.h"
#include "client/slot_buffers.h"
#include "client/token_fetch.h"
#include "consensus/client.h"
#include "core/url.h"
#include "ws/framer.h"
#include "ws/handshake.h"

namespace consensus {

struct ClientCore;

class SessionSlot final : public TokenFetchOwner, public ws::FrameHandler {
  public:
    /// own_lane: the session's own HTTP lane, laid over its buffers; nullptr
    /// when it takes one from the client's shared pool.
    void bind(ClientCore* core, uint16_t index, const SessionBuffers& buffers, HttpLane* own_lane,
              ListenerEntry* listeners);
    Error init_framer();  // borrows wslay contexts from core->parsers: no allocation
    void unbind();        // releases the framer and any connection

    bool is_free() const { return stage_ == Stage::closed || stage_ == Stage::closed_by_caller; }
    /// A session that buys its own tokens (resolved, validated params). *out
    /// gets its handle before any of its events can fire.
    Error start_managed(const TokenParams& params, const SessionOptions& options, uint64_t now,
                        Session* out);
    /// A session on a token bought elsewhere (*out set when ok, as above).
    Error start_with_auth(const TokenAuth& auth, const SessionOptions& options, uint64_t now,
                          Session* out);

    void step(uint64_t now);
    /// Earliest time step() must run without I/O (UINT64_MAX: none).
    uint64_t next_deadline() const;
    /// True when bytes are already buffered (TLS, or after the 101): the loop must not sleep.
    /// Not while waiting for a frame parser: the bytes wait, the loop may sleep.
    bool has_pending_input() const { return link_.has_pending() && !framer_.waiting_for_parser(); }

    Error send(bool binary, const uint8_t* data, size_t size);
    Error send_stream(bool binary, SendSource source, void* user);
    Error resume_stream();
    Error close(uint16_t code, const char* reason);
    Error on(EventType type, Listener fn, void* user) { return listeners_.add(type, fn, user); }
    bool off(EventType type, Listener fn, void* user) { return listeners_.remove(type, fn, user); }
    SessionState state() const;
    PublicState public_state() const;
    uint32_t generation() const { return generation_; }
    uint16_t index() const { return index_; }
    ClientCore* core() const { return core_; }
    /// The purchase of the lane it holds (nullptr: none held, no purchase).
    TokenFetch* fetch() { return link_.lane() != nullptr ? &purchase() : nullptr; }
    void shutdown();  // Client::deinit: drop everything now, no events
    /// A shared lane handed to this queued session; it goes on at its next step.
    void lane_granted(HttpLane* lane) { take_lane(lane); }

    // TokenFetchOwner
    void on_payment(bool paid) override;
    void on_fetch_done() override;
    // ws::FrameHandler
    void on_message(bool binary, const uint8_t* data, size_t len) override;
    void on_message_part(bool binary, const uint8_t* data, size_t len, uint64_t offset,
                         bool last) override;
    void on_pong(const uint8_t* data, size_t len) override;
    void on_close(uint16_t code, const char* reason, size_t reason_len) override;
    void on_parser_ready() override;

  private:
    enum class Stage : uint8_t {
        queued,                // waits for a shared HTTP lane (queued_for_ says for what)
        purchasing,            // purchase() runs: GET /ws and the payment step
        connecting,            // TCP, then TLS
        upgrading,             // the upgrade request is out; the 101 awaited
        starting,              // the 101 came; session_start awaited (bounded)
        open,                  // frames flow; the caller may send
        closing_unsent,        // close() was called; its frame waits for room in tx
        closing,               // our close frame is out; the server's awaited (bounded)
        waiting_to_reconnect,  // a new attempt starts at deadline_
        closed,                // over (or never started); no more events
        closed_by_caller,      // over because the caller closed it
    };

    enum class Pending : uint8_t { purchase, connect };  // what a queued session waits to do

    // A streamed send (send_stream): none -> running <-> paused -> none (the
    // last piece written, close(), a lost connection, or the source failed).
    enum class Stream : uint8_t { none, running, paused };
    struct OutStream {
        SendSource source = nullptr;
        void* user = nullptr;
        Stream state = Stream::none;
        bool binary = false;
        bool started = false;    // its first fragment is out: the rest are continuations
        bool in_source = false;  // the source runs: it holds the send buffer's free room
    };

    static const char* stage_name(Stage s);
    void enter(Stage next);  // stage_ = next, and the log line
    int32_t log_id() const { return index_; }

    void begin(const SessionOptions& options);
    // The purchase lives in the lane: only while one is attached.
    TokenFetch& purchase() const { return link_.lane()->fetch; }
    void take_lane(HttpLane* lane);
    bool hold_lane(Pending next);
    void drop_lane();
    void step_queued(uint64_t now);
    void begin_purchase(uint64_t now);
    void begin_connect(uint64_t now);
    void step_connecting();
    void send_upgrade();
    void step_upgrading();
    void on_upgraded();
    void upgrade_refused();
    bool opened();
    bool live() const { return stage_ == Stage::starting || stage_ == Stage::open || closing(); }
    bool token_reusable(uint64_t now) const;
    void forget_token();
    const char* connect_failure_text(Error e);
    void settle_paid_token(bool worked);
    bool paid_attempts_spent();
    void step_open(uint64_t now);
    void step_closing(uint64_t now);
    bool write_owed_close();
    void start_closing(uint16_t code, const char* reason, size_t reason_len);
    void pump_stream();
    void abort_stream();
    bool streaming() const { return stream_.state != Stream::none; }
    void receive_frames();
    void park_reading();
    void release_parser();
    void step_stage(uint64_t now);
    void on_protocol_violation();
    void keepalive(uint64_t now);
    void flush();
    bool closing() const { return stage_ == Stage::closing_unsent || stage_ == Stage::closing; }
    void attempt_failed(Error e, Phase phase, int http_status, const char* detail);
    void connection_lost(Initiator who, uint16_t code, const char* reason, Error e);
    void link_lost();
    void after_server_close();
    void finish_close(uint16_t code, const char* reason);
    void schedule_reconnect(Error why, uint64_t now, bool renewal = false);
    uint32_t next_wait(bool renewal);
    bool expired_by_close();
    void end(Error why, Stage final = Stage::closed);
    // The emitters return whether the session that emitted still runs: false
    // once a listener ended it (close), its slot started another session
    // (open_session/connect from `ended`), or the client is being torn down
    // (deinit); the caller then returns without touching the session again.
    bool emit(Event& ev);
    bool deliver(Event& ev);
    bool emit_error(Error e, Phase phase, int http_status, const char* detail);
    bool emit_close(Initiator who, uint16_t code, const char* reason);
    static long recv_frames(void* self, uint8_t* buf, size_t len);
    static Event blank_event(EventType type);

    ClientCore* core_ = nullptr;
    HttpLane* own_lane_ = nullptr;  // nullptr: lanes come from the shared pool
    uint8_t* message_ = nullptr;    // the framer's reassembly buffer
    uint8_t* scratch_ = nullptr;    // JSON tokens of the service's messages
    size_t scratch_size_ = 0;
    uint16_t index_ = 0;
    uint32_t generation_ = 0;
    ListenerTable listeners_;
    Link link_;          // this session's connection and buffers
    ws::Framer framer_;  // its message buffer: SessionBuffers::message
    Keepalive keepalive_;
    OutStream stream_;  // the streamed send, if any
    Url url_{};
    TokenAuth auth_{};

    Stage stage_ = Stage::closed;
    Pending queued_for_ = Pending::purchase;
    bool ended_ = true;  // `ended` was delivered (or is being): no other event after it
    bool renew_ = false;
    bool await_start_ = true;     // open at session_start, not at the 101
    bool presented_ = false;      // the token's upgrade request left: it is used up
    bool token_paid_ = false;     // the token was paid for and not yet judged
    uint32_t paid_failures_ = 0;  // paid tokens in a row that gave no working session
    uint64_t opened_at_ = 0;      // when the session opened (0: not open this attempt)
    uint64_t min_served_ms_ = 0;  // what a paid session must serve to count as working
    bool expired_ = false;        // the server said session_expired
    bool want_writable_ = false;  // a send was refused with would_block
    bool ever_opened_ = false;
    uint32_t attempt_ = 0;                        // connection attempts so far (open reports it)
    uint32_t reconnects_in_row_ = 0;              // reset by a successful open
    uint64_t deadline_ = 0;                       // open timeout, reconnect time or close timeout
    uint64_t now_ = 0;                            // the step's time, for callbacks from the framer
    uint16_t close_code_ = ws::kCloseNoStatus;    // what the server's close frame said
    uint16_t our_close_code_ = ws::kCloseNormal;  // what close() asked for
    char close_reason_[ws::Framer::kMaxCloseReason + 1] = {};
    char our_close_reason_[ws::Framer::kMaxCloseReason + 1] = {};
    char key_[ws::kKeyLen + 1] = {};
};

}  // namespace consensus
