/* SPDX-License-Identifier: MIT */
// One WebSocket session after the 101: session_start, echo, metering, expiry,
// the test-control actions and the service modes (ServiceModes). wslay's event
// API frames it; bytes come from and go to the connection's buffers, so this
// class never touches a socket.
#pragma once

#include <wslay/wslay.h>

#include <cstdint>
#include <string>

#include "log.h"
#include "options.h"
#include "pricing.h"

namespace devserver {

struct SessionSpec {
    std::string id;
    SessionParams params;
    Limits limits;
    Pricing pricing;
    TestControl control;  // Kind::None except for the first session
    size_t max_message_bytes = 0;
    ServiceModes modes;
};

class WsSession {
  public:
    // What the connection must do once its output buffer is flushed.
    enum class Action { None, Drop, Freeze };

    // Bound on bytes wslay may park in the connection's output buffer.
    static constexpr size_t kMaxOutput = 1024 * 1024;

    WsSession(SessionSpec spec, EventLog& log, std::string& in, std::string& out);
    ~WsSession();
    WsSession(const WsSession&) = delete;
    WsSession& operator=(const WsSession&) = delete;

    // Creates the wslay context and, without --start-delay-ms, starts the session
    // (queues session_start). False on allocation failure.
    bool start(int64_t now_ms);

    // Consumes `in` (peer_eof: nothing more will arrive), fires timers, and
    // appends frames to `out` (up to kMaxOutput).
    void pump(int64_t now_ms, bool peer_eof);

    // Earliest time pump() must run even without I/O (INT64_MAX: none).
    int64_t next_deadline_ms() const;
    Action action() const { return action_; }
    // wslay still holds frames that have not reached the output buffer.
    bool output_queued() const;
    // The session is over: flush the output, then close the TCP connection.
    bool finished() const;

    // Payload bytes received from / echoed to the client (the metered total).
    uint64_t bytes_in() const { return bytes_in_; }
    uint64_t bytes_out() const { return bytes_out_; }

  private:
    static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t* buf, size_t len, int flags,
                           void* user);
    static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t* data, size_t len, int flags,
                           void* user);
    static void msg_cb(wslay_event_context_ptr ctx, const wslay_event_on_msg_recv_arg* arg,
                       void* user);
    void on_message(const wslay_event_on_msg_recv_arg& arg);
    void on_data(const wslay_event_on_msg_recv_arg& arg);
    void begin();
    void queue_session_start();
    void after_echo();
    void expire(bool time_limit);
    void server_close(int code, const std::string& reason, const char* why);
    void flush_close();
    void log_close(int code, const std::string& reason, const char* initiator);
    void queue_text(const std::string& text);

    SessionSpec spec_;
    EventLog& log_;
    std::string& in_;
    std::string& out_;
    wslay_event_context_ptr ctx_ = nullptr;
    bool peer_eof_ = false;
    bool failed_ = false;
    bool started_ = false;  // session_start is due or sent: data is echoed from now on
    bool expired_ = false;
    bool close_logged_ = false;
    bool close_pending_ = false;  // a server close waits for the data queue to drain
    int close_code_ = 0;
    std::string close_reason_;
    Action action_ = Action::None;
    int64_t now_ms_ = 0;
    int64_t start_at_ms_ = 0;  // when the session starts (101 + --start-delay-ms)
    int64_t started_ms_ = 0;
    int64_t expires_ms_ = INT64_MAX;
    int64_t close_deadline_ms_ = INT64_MAX;
    uint64_t bytes_in_ = 0, bytes_out_ = 0;
    int64_t echoes_ = 0;
};

}  // namespace devserver
