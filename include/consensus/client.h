/* SPDX-License-Identifier: MIT */
/// \file
/// The client: buys session tokens (GET /ws, paid through x402) and runs a
/// fixed pool of WebSocket sessions, all from one poll loop on one thread.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/config.h"
#include "consensus/error.h"
#include "consensus/events.h"
#include "consensus/export.h"
#include "consensus/params.h"
#include "consensus/payment.h"
#include "consensus/port.h"

/// The C++ API of consensus-ws (the C API is consensus.h).
namespace consensus {

/// What GET /ws returned, plus what it was bought with (for reconnects).
struct TokenAuth {
    char token[kMaxToken + 1];      ///< the session token, NUL-terminated
    char connect_url[kMaxUrl + 1];  ///< where it is presented (carries the token), NUL-terminated
    uint32_t expires_in_s;          ///< its lifetime in seconds, from obtained_ms
    uint64_t obtained_ms;           ///< port clock when the 200 arrived
    bool has_params;                ///< false: a bare URL, it cannot be renewed
    ///@{
    /// What it was bought with (TokenParams, resolved; strings NUL-terminated).
    Model model;
    int32_t minutes;
    int32_t megabytes;
    char node_region[kMaxNodeHeader + 1];
    char node_domain[kMaxNodeHeader + 1];
    char node_exclude[kMaxNodeHeader + 1];
    ///@}
};

/// Result of a token request, handed to its callback.
struct TokenResult {
    Error error;            ///< ok, or why the request failed
    int http_status;        ///< last HTTP status seen, 0 if none
    StrView message;        ///< server's message/error text, or a detail
    const TokenAuth* auth;  ///< set when error == ok
    bool paid;              ///< a payment was made for it
};
/// Called once per request_token, with its result (valid only during the call).
using TokenCallback = void (*)(void* user, const TokenResult& result);

/// Where a session is now (Session::state()). Every value is entered:
/// requesting_token (GET /ws) -> paying (the payment hook has the challenge)
/// -> connecting (TCP) -> tls_handshake (wss only) -> upgrading (the upgrade
/// request is out) -> starting (the 101 came; the service's session_start is
/// awaited) -> open (usable) -> closing (the caller closed; the server's close
/// frame is awaited, bounded by close_timeout_ms) -> closed; after a failure or
/// a lost link, waiting_to_reconnect, then requesting_token again. A session on
/// a caller's token (Client::connect) starts at connecting.
enum class SessionState : uint8_t {
    requesting_token,      ///< buying the token: GET /ws
    paying,                ///< the payment hook has the challenge
    connecting,            ///< TCP (the name lookup included)
    tls_handshake,         ///< wss only
    upgrading,             ///< the upgrade request is out
    starting,              ///< the 101 came; the service's session_start is awaited
    open,                  ///< usable
    closing,               ///< the caller closed; the server's close frame is awaited
    waiting_to_reconnect,  ///< after a failure or a lost link
    closed,                ///< over (also: a stale handle's state)
};
/// Stable lower-case name of a state ("requesting_token", ...); static text.
CONSENSUS_API const char* session_state_name(SessionState s);

/// The version of the mbedTLS the library is linked with, e.g. "2.28.3" or
/// "3.6.6" (static storage; no errors, no allocation).
CONSENSUS_API const char* tls_library_version();

/// The JavaScript SDK's getState(): connected / reconnecting / closedByCaller, plus the rest.
enum class PublicState : uint8_t {
    connecting,        ///< not open yet, never was
    connected,         ///< open
    reconnecting,      ///< was open; waiting or on the way to open again
    closed_by_caller,  ///< the caller closed it (closing, or closed)
    closed             ///< over for another reason (also: a stale handle's state)
};

/// How a session is opened (Client::open_session, Client::connect).
struct SessionOptions {
    Listener listener = nullptr;  ///< registered for every event type
    void* user = nullptr;         ///< passed to listener
    bool renew = false;           ///< after session_expired, buy a new session and continue
    /// Open at the service's session_start message (default), or, false, at
    /// the 101 for a WebSocket server that sends none (not the Consensus
    /// service: it drops what arrives before session_start).
    bool await_session_start = true;
    /// Streaming receive. 0 (default): a message must fit
    /// Config::max_message_bytes, or the session closes with 1009. > 0: the
    /// largest message accepted (a larger one closes with 1009,
    /// message_too_large); one that does not fit the message buffer comes as
    /// `message_part` events, each of at most max_message_bytes (every one but
    /// the last exactly that), from the message buffer or straight from the
    /// frame parser's input: no larger buffer, no allocation. A message that
    /// fits still comes whole as `message`. Text is UTF-8 checked across the
    /// parts (1007 at the first invalid byte; no invalid byte is delivered).
    /// The service's own messages (session_start, ~230 B) must still fit the
    /// message buffer: they are parsed whole, never from parts.
    /// Memory: 16 bytes in the session slot, nothing per message.
    uint64_t max_streamed_message_bytes = 0;
};

/// The source of a streamed send (Session::send_stream): writes the next
/// piece of the message into out (at most cap bytes, cap > 0) and returns how
/// many it wrote; sets *last when the message ends with this piece (it may
/// be empty). 0 without *last: nothing now, the stream pauses until
/// Session::resume_stream. Negative (or more than cap): the message cannot be
/// finished: the session closes with 1011 and reports an `error` event
/// (stream_aborted). Called from poll() when the send buffer has room. From
/// inside it the session's close() may be called (the stream is dropped);
/// send_text, send_binary and send_stream are `busy`.
using SendSource = long (*)(void* user, uint8_t* out, size_t cap, bool* last);

/// \file
/// \details
/// Calling the library from inside a callback (a Listener, a TokenCallback, the
/// PaymentHook, the LimitReachedHook). Callbacks run on the loop's thread, from
/// poll()/process() or from the call that caused them (request_token,
/// open_session, connect, complete_payment, refuse_payment, Session::close).
/// From inside one you may:
///  - use any session, its own or another: send_text, send_binary,
///    send_stream, resume_stream, close, on, off, state, public_state, valid,
///    index;
///  - on() and off() any listener, of any event, of any session. off() takes
///    effect at once: a listener removed while an event is being delivered is
///    not called for it, unless it already was. off() of the very listener
///    that is running: the listeners after it still receive the event. A
///    listener on()-ed for the event being delivered may receive that event
///    too (it takes a later slot);
///  - send from `message`: the event's data is valid until the listener
///    returns, so it can be echoed; frames sent during one read pass leave
///    together after it;
///  - close() from any event. From `message`, `open`, `session_start`,
///    `session_expired` or `writable` of an open session it starts the close
///    handshake; messages already read in the same pass are still delivered.
///    On a session that is not open (from `error`, `token`, `payment`,
///    `reconnecting`, ...), or whose link is already gone (from `close`, after
///    a network loss or the server's close frame), it ends the session at
///    once: `ended` fires before close() returns, nothing else is done for the
///    session (no connect after `token`, no payment hook after `payment`, no
///    reconnect after `close`). From `ended` it does nothing;
///  - read the client: budget, stand_down, next_timeout_ms;
///  - start work: request_token, open_session, connect. A TokenCallback's own
///    request slot is still taken while it runs (request_token there is
///    no_resources when that was the only slot); result.auth may be passed to
///    connect(). A session slot is free again once its `ended` fired:
///    open_session/connect from inside `ended`, or from any event after a
///    close() there that ended the session, may take that very slot: its old
///    handle goes stale at once, the listeners after the caller miss the event
///    being delivered, and the new session runs from a clean start;
///  - answer a payment: the PaymentHook may call complete_payment or
///    refuse_payment on its ticket before it returns (its return value is then
///    ignored);
///  - deinit() the client (see below).
///
/// The final event. `ended` is a session's last event: every session that
/// open_session/connect started gets exactly one (unless deinit() comes
/// first), and none of its events is delivered after it, not even to the
/// listeners after the one whose close() ended it (they miss that event).
/// `close` is not final: a managed session gets one per lost connection, and
/// after the caller's close() `close` (initiator caller) comes, then `ended`.
///
/// deinit() from inside a callback is deferred. It returns at once; from then
/// on no callback of this client runs (no event, TokenCallback, PaymentHook or
/// LimitReachedHook; the listeners after the caller miss the event being
/// delivered; a PaymentHook's `paid` answer is dropped, nothing is sent), and
/// the client answers as an uninitialised one: request_token, open_session,
/// connect, complete_payment, refuse_payment, set_reconnect_policy are
/// invalid_config, every Session handle is invalid_handle (valid() false,
/// state() closed), budget() all zero, stand_down() false, next_timeout_ms()
/// -1, init() invalid_config. The callback's own arguments (the event's data,
/// result.auth, the challenge) stay valid until it returns. The teardown
/// (connections closed, TLS state released, the block wiped) happens when the
/// outermost library call on the stack returns: poll(), process(), or the
/// call that caused the callback. Only after that call returned may the memory
/// block be reused or freed, the Client object destroyed, or init() called
/// again.
///
/// poll() and process() of the calling client are refused from inside a
/// callback: poll() returns -1 at once (no wait, nothing run), process() does
/// nothing. They would run again the state machine that is calling.

/// \file
/// \details
/// Threads. A client belongs to the thread that runs its loop (poll/process):
/// every call of Client and Session is for that thread only, and not
/// thread-safe, except two:
///  - Client::wake()  any thread, also an interrupt or a signal handler when
///                    the port's wake op is (the POSIX port's is);
///  - Client::post()  any thread (lock-free, never blocks, never allocates);
///                    not from a signal handler or an ISR.
/// Both may run from when init() returned until deinit() is called: start the
/// other threads after init, stop (join) them before deinit. A Session handle
/// may be copied to another thread for post(); its own methods stay on the
/// loop's thread.

/// A handle to a session slot. Copyable; stale handles return invalid_handle.
class CONSENSUS_API Session {
  public:
    ///@{
    /// Sends one text / binary message. Errors: not_open (not open now, or
    /// not yet: before the `open` event, the service would drop it),
    /// would_block (frame does not fit the send buffer: wait for `writable`),
    /// message_too_large (payload + 14 > tx_buffer_bytes), invalid_handle.
    Error send_text(const char* data, size_t size);
    Error send_binary(const uint8_t* data, size_t size);
    ///@}
    /// Sends one message pulled from `source` piece by piece (SendSource),
    /// fragmented on the wire: the first frame text (binary false: the caller
    /// vouches for UTF-8) or binary, then continuations, FIN on the last
    /// piece. Each poll() pass, when at least half of the send buffer is free,
    /// the source is asked once to fill the free room (less a 14-byte header)
    /// directly: nothing is copied beyond the send buffer, and every other
    /// session keeps running between the pieces. Pings, pongs and the close
    /// go out between fragments. While the stream runs, send_text,
    /// send_binary and send_stream return busy, and posted messages for the
    /// session are dropped (posts_dropped counts them). `writable` fires once
    /// the last piece has left the send buffer. close() drops the stream (the
    /// source is not called again; the message stays unfinished, the close
    /// follows), as does a lost connection. Returns at once: the first piece
    /// is pulled by the next poll(). Errors: invalid_params (null source),
    /// not_open, busy (a stream already runs), invalid_handle.
    /// Memory: 24 bytes in the session slot; no stack beyond the source's call.
    Error send_stream(bool binary, SendSource source, void* user);
    /// Resumes a stream its source paused (returned 0 without *last): the
    /// next poll() asks it again. ok when no stream is paused (nothing to do).
    /// Errors: invalid_handle.
    Error resume_stream();
    /// Starts the close handshake and cancels every pending reconnect.
    /// Errors: invalid_params (bad code or reason over 123 bytes), invalid_handle.
    Error close(uint16_t code = 1000, const char* reason = nullptr);
    ///@{
    /// Registers / removes exactly one listener. no_resources when all slots are used.
    Error on(EventType type, Listener fn, void* user);
    bool off(EventType type, Listener fn, void* user);
    ///@}
    /// Where the session is now; closed for a stale handle.
    SessionState state() const;
    /// state() as the JavaScript SDK's getState() reports it.
    PublicState public_state() const;
    /// The session's slot in the client's pool (Event::session_index).
    uint16_t index() const { return index_; }
    /// True while the handle names a session of a running client.
    bool valid() const;

  private:
    friend struct ClientCore;
    void* slot_ = nullptr;
    uint32_t generation_ = 0;
    uint16_t index_ = 0;
};

/// The client: a fixed pool of sessions and token requests in one block of
/// caller memory (required_bytes, init), run by one poll loop.
class CONSENSUS_API Client {
  public:
    /// Bytes Client::init needs for this config (alignment 16): exact, a
    /// multiple of 16. SIZE_MAX when the layout does not fit size_t (possible
    /// on 32-bit targets, e.g. 32767 sessions of large buffers): never a
    /// wrapped value, so `memory_size < required_bytes(config)` stays a safe
    /// test, and init refuses such a config whatever memory_size says.
    /// Computed for any Config, also one that breaks a rule of init.
    static size_t required_bytes(const Config& config);

    /// Lays the client out in `memory` (>= required_bytes, 16-aligned).
    /// When `why` is not null, *why receives the reason: a static,
    /// NUL-terminated English text naming the cause (never null; "" on ok).
    /// Print or log it; do not parse it (the wording may improve).
    /// Errors, checked in this order (the first fault is the one reported):
    /// <pre>
    ///   invalid_config  this client is already initialised (deinit first)
    ///   invalid_config  options.payment_hook is null
    ///   invalid_config  port.ops or port.ops->random is null
    ///   invalid_config  a Config knob breaks its rule, checked in this order:
    ///                   max_sessions + max_requests >= 1, max_sessions and
    ///                   max_requests <= 32767, tx_buffer_bytes >=
    ///                   max_payment_header + 1024 and <= 16 MiB,
    ///                   rx_buffer_bytes >= 256 and <= 16 MiB,
    ///                   work_buffer_bytes >= 2048, >= 2 x max_payment_header
    ///                   and <= 16 MiB, max_message_bytes >= 125 and <= 16 MiB,
    ///                   listeners_per_event >= 1 and <= 16,
    ///                   max_header_line >= 256 and <= 8 MiB,
    ///                   max_headers >= 8 and <= 1024, max_body_bytes <= 8 MiB,
    ///                   max_payment_header >= 64 and <= 64 KiB (*why names
    ///                   the knob; the bounds are config.h's constants)
    ///   invalid_config  the layout does not fit size_t (required_bytes is
    ///                   SIZE_MAX), whatever memory_size is
    ///   invalid_config  memory is null, not 16-byte aligned, or memory_size
    ///                   is less than required_bytes(config)
    ///   invalid_config  options.server_url is null, longer than kMaxUrl,
    ///                   not a valid http(s) URL, or a ws:// or wss:// URL
    ///   invalid_config  options.tls_max_fragment_bytes is not 0, 512, 1024,
    ///                   2048 or 4096
    ///   invalid_config  port.ops->random failed (the RNG cannot be seeded)
    ///   no_resources    the heap refused a session's frame parser (wslay)
    /// </pre>
    /// On any error the client stays uninitialised (init may be retried) and
    /// the caller may reuse `memory`.
    Error init(const Config& config, const ClientOptions& options, const cws_port& port,
               void* memory, size_t memory_size, const char** why = nullptr);
    /// Closes everything at once (no handshakes, no events), releases TLS
    /// state and wipes the block. From inside a callback it is deferred to
    /// the outermost library call's return (above).
    void deinit();

    /// Starts GET /ws. Validation errors return at once with nothing sent;
    /// otherwise ok, and `cb` fires from poll(). no_resources if all request
    /// slots are busy. budget_exhausted when the quote exceeds the budget.
    Error request_token(const TokenParams& params, TokenCallback cb, void* user);
    /// Opens a session on an obtained token. token_expired when older than
    /// expires_in; invalid_params when token/connect_url are empty or bad.
    Error connect(const TokenAuth& auth, const SessionOptions& options, Session* out);
    /// Buys a token and connects, as one managed session.
    Error open_session(const TokenParams& params, const SessionOptions& options, Session* out);

    /// One iteration: waits (at most max_wait_ms, less when a timer is due)
    /// for I/O, runs every ready state machine, fires callbacks.
    /// Returns the number of active requests + sessions; 0 when a callback
    /// called deinit() (the client is torn down as poll returns); -1, doing
    /// nothing, when called from inside a callback of this client.
    int poll(int32_t max_wait_ms);
    /// For a foreign loop: milliseconds until the next timer (-1 none).
    int32_t next_timeout_ms() const;
    /// For a foreign loop: service every state machine without waiting.
    /// Also sends what post() queued (see post). Does nothing when called
    /// from inside a callback of this client.
    void process();

    /// THREAD-SAFE (any thread; async-signal-safe when the port's wake op
    /// is). Makes a poll() blocked in the port's wait return promptly, or,
    /// when none is waiting, the next one return without sleeping (a
    /// foreign loop: its poll of the port's wake fd). Wakes coalesce.
    /// Returns false, doing nothing, when the port has no wake op (NULL:
    /// poll then returns when its timeout ends) or before init.
    bool wake();

    ///@{
    /// THREAD-SAFE (any thread; not from a signal handler or an ISR).
    /// Queues a copy of one message for `session`, to be sent by the loop's
    /// next process() (poll() calls it), and wakes the loop. Never blocks,
    /// never allocates: the message is copied into one of Config::post_slots
    /// fixed slots in the client's block. Errors (nothing queued):
    /// <pre>
    ///   invalid_config     before init, or Config::post_slots is 0
    ///   invalid_params     data null with size > 0
    ///   invalid_handle     the handle names no session slot of this client
    ///                      (a handle gone stale is found only by the loop)
    ///   message_too_large  size > Config::post_slot_bytes, or size + 14 >
    ///                      Config::tx_buffer_bytes (it could never be sent)
    ///   would_block        every slot holds a message the loop has not sent
    ///                      yet: retry later (the loop frees slots as it sends)
    /// </pre>
    /// A message for a session that runs a streamed send (send_stream) when
    /// the loop gets to it is dropped (posts_dropped counts it).
    /// The loop sends queued messages in the order their post() calls took
    /// their slots (one thread's posts stay in its order), each as
    /// send_text/send_binary would (a text message is not checked for UTF-8
    /// here either). A message whose session has no room in its send buffer
    /// (send would be would_block) stays first in the queue, and the queue
    /// waits behind it, for every session, until that session drains (its
    /// socket takes the bytes) or stops being open. A message whose session is
    /// not open at that moment (still connecting, reconnecting, closing,
    /// ended) or whose handle went stale is dropped, without an event:
    /// posts_dropped() counts them. Messages still queued at deinit are
    /// dropped (and wiped).
    Error post(Session session, const uint8_t* data, size_t size, bool binary);
    Error post_text(Session session, const char* text, size_t size) {
        return post(session, reinterpret_cast<const uint8_t*>(text), size, false);
    }
    Error post_binary(Session session, const uint8_t* data, size_t size) {
        return post(session, data, size, true);
    }
    ///@}
    /// Loop thread only: posted messages dropped by the loop since init
    /// (their session was not open, or their handle had gone stale).
    uint32_t posts_dropped() const;

    /// Answers the ticket of a payment hook (which returned `pending`, or is
    /// still running). The purchase's outcome (the TokenCallback, or the
    /// session's events) may fire before these return.
    /// complete_payment sends the paid retry with `header` (copied). Errors:
    /// <pre>
    ///   invalid_config     before init / after deinit
    ///   invalid_handle     the ticket names no slot of this client, or its
    ///                      purchase is no longer waiting for payment
    ///                      (answered, timed out, or its session closed)
    ///   message_too_large  size > Config::max_payment_header; the purchase
    ///                      fails with payment_refused and the ticket is spent
    /// </pre>
    /// A null header or size 0 returns ok, and the purchase fails with
    /// payment_refused.
    Error complete_payment(PaymentTicket ticket, const char* header, size_t size);
    /// Fails the purchase with payment_refused. Errors: invalid_config before
    /// init / after deinit; invalid_handle as for complete_payment.
    Error refuse_payment(PaymentTicket ticket);

    /// The spend guard's budget. Before init / after deinit: all zero (limited
    /// false). Each init starts a new budget from ClientOptions::limit_micro_usd.
    Budget budget() const;
    /// Forgets what was spent and clears stand_down. No-op before init.
    void reset_budget();
    /// True once the spend guard refused a purchase (the SDK's isStandDown()).
    /// False before init / after deinit.
    bool stand_down() const;
    /// Replaces the reconnect policy (ClientOptions reconnect_interval_ms,
    /// reconnect_max_ms, reconnect_jitter) from the next wait on; a wait
    /// already counting down keeps its deadline. Allowed from callbacks.
    /// Errors: invalid_config before init / after deinit, or for a jitter
    /// outside [0, 1] (the policy is then unchanged).
    Error set_reconnect_policy(uint32_t interval_ms, uint32_t max_ms, float jitter);

    struct Impl;

  private:
    Impl* impl_ = nullptr;
};

}  // namespace consensus
