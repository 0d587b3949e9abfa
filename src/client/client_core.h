/* SPDX-License-Identifier: MIT */
// The client's internal state (Client::Impl) and what its slots share:
// the port, options, server URL, spend guard, RNG and the lazily built TLS config.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/lane_pool.h"
#include "client/reconnect_policy.h"
#include "client/spend_guard.h"
#include "consensus/client.h"
#include "core/log.h"
#include "core/rng.h"
#include "core/url.h"
#include "http/response.h"
#include "net/connection.h"
#include "tls/tls.h"
#include "ws/frame_context_pool.h"
#include "ws/mask_keys.h"

namespace consensus {

class SessionSlot;
class RequestSlot;
class PostQueue;

struct ClientCore {
    Config config;
    ClientOptions options;
    cws_port port;
    Rng rng;
    TlsShared tls;
    TlsSessionCache tls_cache;  // entries in the block, after this struct
    bool tls_ready;
    SpendGuard guard;
    ReconnectPolicy reconnect;  // options' reconnect_*, or set_reconnect_policy's
    char server_text[kMaxUrl + 1];
    Url server;
    ProxyUrl http_proxy;   // options.http_proxy parsed; host empty: none
    ProxyUrl https_proxy;  // options.https_proxy parsed; host empty: none
    SessionSlot* sessions;
    RequestSlot* requests;
    PostQueue* posts;                  // in the block; null when Config::post_slots is 0
    LanePool lanes;                    // shared HTTP lanes (Config::max_handshakes > 0); else empty
    ws::FrameContextPool parsers;      // Config::frame_parsers wslay contexts, lent to the framers
    ws::MaskKeys mask_keys;            // every session's frame mask keys
    ws::FrameContext* parser_entries;  // in the block: the pool's entries
    uint32_t ticket_seq;
    void* block;  // the caller's memory, wiped at deinit
    size_t block_size;
    size_t session_stride;  // bytes from one session slot to the next (slot + its buffers)
    size_t request_stride;
    // Teardown from anywhere: library calls that may run a callback nest
    // (depth); deinit() inside one only sets teardown_pending, and the
    // outermost call tears down as it returns (client.h, "Calling the library
    // from inside a callback").
    Client::Impl** owner;   // the Client's impl_, cleared by that teardown
    uint32_t depth;         // such calls on the stack now
    bool teardown_pending;  // deinit() was called inside one: no more callbacks

    uint64_t now() const { return port.ops->now_ms(port.ctx); }
    /// The i-th session or request slot. Slots are not contiguous (each is
    /// followed by its buffers): they are stepped through by the strides init
    /// computed (it accepted the layout: every sum fits).
    SessionSlot* session(size_t i) const {
        return reinterpret_cast<SessionSlot*>(reinterpret_cast<uint8_t*>(sessions) +
                                              i * session_stride);
    }
    RequestSlot* request(size_t i) const {
        return reinterpret_cast<RequestSlot*>(reinterpret_cast<uint8_t*>(requests) +
                                              i * request_stride);
    }
    /// Where log lines go: the options' hook (core/log.h).
    LogSink log() const { return LogSink{options.log_hook, options.log_user, options.log_level}; }
    /// A shared lane comes back, wiped: to the session waiting longest, or free.
    void return_lane(HttpLane* lane);
    /// The shared TLS config, built on first use; null when the CA cannot be loaded.
    TlsShared* tls_config();
    uint32_t next_ticket_seq() { return ++ticket_seq; }
    HttpLimits http_limits() const {
        return HttpLimits{config.max_header_line, config.max_headers, config.max_body_bytes};
    }
    /// The owner's policy for a bought token's connect_url: its host is the
    /// token server's (or listed in options.connect_hosts), and a token
    /// bought over TLS is presented only over TLS. nullptr when allowed, else
    /// why not (static text).
    const char* connect_url_refusal(const Url& url) const;
    /// The proxy a connection to `url` goes through, or nullptr (none set for
    /// its scheme, or its host is in options.no_proxy).
    const ProxyUrl* proxy_for(const Url& url) const;
    /// Opens the link's connection to the URL's host and port (through its
    /// proxy, if any), with TLS when the URL says so. On failure *why names
    /// a cause when there is one beyond the error (a host name too long, the
    /// CA not loadable); else it is left as given.
    Error open(Link& link, const Url& url, const char** why);

    // Access to Session handles (Session befriends ClientCore).
    static Session make_handle(SessionSlot* slot);
    static SessionSlot* slot_of(const Session& s);
    /// The slot a handle points at, not dereferenced (any thread may ask).
    static const void* slot_address(const Session& s) { return s.slot_; }
};

/// Ticket ids: [seq:16][kind:1][slot:15].
constexpr uint32_t kTicketRequestBit = 0x8000u;
inline uint32_t make_ticket(uint32_t seq, uint16_t slot) {
    return (seq << 16) | slot;
}
inline uint16_t ticket_slot(uint32_t id) {
    return static_cast<uint16_t>(id & 0xffffu);
}

}  // namespace consensus

namespace consensus {

/// Releases everything deinit() releases (client.cpp). Runs with no library
/// call on the stack: nothing touches the core or the block after it.
void teardown(ClientCore* core);

// One library call that may run callbacks (poll, process, and every call
// that can fire an event or a hook). The outermost one carries out a
// deinit() that a callback asked for, as it returns.
class CallScope {
  public:
    explicit CallScope(ClientCore* core) : core_(core) { ++core_->depth; }
    ~CallScope() {
        if (--core_->depth == 0 && core_->teardown_pending) teardown(core_);
    }
    CallScope(const CallScope&) = delete;
    CallScope& operator=(const CallScope&) = delete;

  private:
    ClientCore* core_;
};

/// The purchase parameters kept in an auth (strings point into it).
TokenParams params_of(const TokenAuth& auth);
/// Copies resolved params into an auth (node header strings included).
void store_params(const TokenParams& params, TokenAuth* auth);

}  // namespace consensus
