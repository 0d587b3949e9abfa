/* SPDX-License-Identifier: MIT */
/// \file
/// Sizing and behaviour of a client. All library memory is computed from
/// Config by Client::required_bytes() and taken once, from the caller's buffer,
/// at Client::init(). Nothing is allocated afterwards by the library itself;
/// mbedTLS and wslay allocate internally (see each knob and README "Memory").
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/log.h"
#include "consensus/params.h"
#include "consensus/payment.h"

namespace consensus {

///@{
/// Longest token and connect_url kept (bytes). Longer is bad_response/message_too_large.
constexpr size_t kMaxToken = 128;
constexpr size_t kMaxUrl = 512;
///@}

/// Upper bounds of the Config knobs: Client::init refuses a knob above its
/// bound (invalid_config, *why names the knob). They keep every size the
/// library computes far from wrapping, in 32 bits too: one slot's buffers
/// stay under 64 MiB, and JSON offsets (jsmn's int) under 2 GiB.
/// max_sessions, max_requests: a payment ticket has 15 bits for the slot.
constexpr uint16_t kMaxSlots = 32767;
/// tx_buffer_bytes, rx_buffer_bytes, work_buffer_bytes, max_message_bytes:
/// 16 MiB each, as the dev server's own message limit. Far beyond what an
/// embedded client should hold in one piece; a session at the bound costs
/// 48 MiB of buffers.
constexpr uint32_t kMaxBufferBytes = 16u * 1024 * 1024;
/// max_header_line, max_body_bytes: half the largest work area, where the
/// response reader keeps header values and the body. A larger limit could
/// never be met.
constexpr uint32_t kMaxHttpLimitBytes = kMaxBufferBytes / 2;
/// max_headers: a token response has about ten.
constexpr uint16_t kMaxHeaderCount = 1024;
/// max_payment_header: HTTP servers refuse request headers far smaller
/// (Node.js: 16 KiB for all of them).
constexpr uint32_t kMaxPaymentHeader = 64u * 1024;
/// listeners_per_event: 12 x 16 slots of 16 B (x86_64) per session.
constexpr uint8_t kMaxListenersPerEvent = 16;
/// Most TLS sessions a client keeps for resumption (Config::tls_session_cache).
constexpr uint8_t kMaxTlsSessionCache = 16;
/// Most messages Client::post() may queue (Config::post_slots).
constexpr uint16_t kMaxPostSlots = 4096;
/// Largest message one post() carries (Config::post_slot_bytes).
constexpr uint32_t kMaxPostSlotBytes = 64u * 1024;
/// ClientOptions::tls_max_fragment_bytes by default (RFC 6066's largest).
constexpr uint16_t kTlsMaxFragmentDefault = 4096;

/// Each knob: its range (init refuses a value outside it) and its byte cost
/// in the caller's block (docs/MEMORY.md). All knobs within range, the layout
/// may still not fit size_t on a 32-bit target: init refuses that too.
struct Config {
    /// Concurrent sessions, 0..32767 (kMaxSlots); max_sessions + max_requests
    /// >= 1. Each costs 1,912 B of state (x86_64) + 16 B per listener slot
    /// (12 event types x listeners_per_event) + its buffers: with its own
    /// HTTP lane (max_handshakes 0) 904 B + tx_buffer_bytes + rx_buffer_bytes
    /// + max(max_message_bytes, work_buffer_bytes); with shared lanes the
    /// session tx (session_tx_bytes) + max_message_bytes. And a frame parser
    /// when frame_parsers is 0 (see there). docs/MEMORY.md has the layout.
    uint16_t max_sessions = 1;
    /// Concurrent stand-alone token requests (request_token), 0..32767
    /// (kMaxSlots). Each costs 2,000 B of state (x86_64) + tx_buffer_bytes
    /// + rx_buffer_bytes + work_buffer_bytes.
    uint16_t max_requests = 1;
    /// Outgoing bytes staged per HTTP lane (HTTP requests) and per session
    /// (WebSocket frames; with shared lanes session_tx_bytes may size that).
    /// A message needs payload + 14 bytes of room, else send() is would_block.
    /// max_payment_header + 1024 .. 16 MiB (kMaxBufferBytes); costs its size
    /// per session (with its own lane), per shared lane and per request.
    uint32_t tx_buffer_bytes = 4096;
    /// Socket read chunk of the HTTP phases. 256 .. 16 MiB (kMaxBufferBytes);
    /// costs its size per session (with its own lane), per shared lane and
    /// per request, and once per client with shared lanes (the scratch where
    /// the service's text messages are parsed).
    uint32_t rx_buffer_bytes = 2048;
    /// Largest message received whole (reassembly buffer, per session). Larger
    /// messages close the session with 1009 and message_too_large.
    /// 125 .. 16 MiB (kMaxBufferBytes); costs what it exceeds work_buffer_bytes
    /// by, per session with its own lane; its size with shared lanes.
    uint32_t max_message_bytes = 16384;
    /// HTTP work area per lane (kept headers, body, decoded challenge, JSON
    /// tokens). A session's own lane shares it with the message buffer: the
    /// session takes the larger. max(2048, 2 x max_payment_header) .. 16 MiB
    /// (kMaxBufferBytes); costs its size per request and per shared lane, and
    /// per session with its own lane when larger than max_message_bytes.
    uint32_t work_buffer_bytes = 8192;
    /// Longest HTTP header line (name + value); the x402 challenge needs ~1 KiB.
    /// 256 .. 8 MiB (kMaxHttpLimitBytes); a limit, no memory of its own.
    uint32_t max_header_line = 4096;
    /// Most HTTP response headers accepted. 8 .. 1024 (kMaxHeaderCount); a
    /// limit, no memory of its own.
    uint16_t max_headers = 64;
    /// Longest HTTP response body kept (token JSON, error JSON). 0 .. 8 MiB
    /// (kMaxHttpLimitBytes); a limit: the body is kept in the work area.
    uint32_t max_body_bytes = 4096;
    /// Longest PAYMENT-SIGNATURE value the hook may produce. No memory of its
    /// own: the header is staged in the work area and the send buffer, so init
    /// requires work_buffer_bytes >= 2 x this and tx_buffer_bytes >= this + 1 KiB.
    /// 64 .. 64 KiB (kMaxPaymentHeader).
    uint32_t max_payment_header = 2048;
    /// Listener slots per session and event type. 1 .. 16
    /// (kMaxListenersPerEvent); costs 192 B (12 x 16 B, x86_64) each, per
    /// session, rounded up to 16 B.
    uint8_t listeners_per_event = 2;
    /// TLS sessions kept for resumption, one per server host:port (the token
    /// server and the session host are one entry when they are the same
    /// host and port). 0 .. 16 (kMaxTlsSessionCache); 0 turns resumption
    /// off. The token request, its upgrade and every reconnect resume the
    /// server's session (TLS 1.2 session id or ticket, TLS 1.3 ticket)
    /// instead of a full handshake. Costs sizeof(TlsCacheEntry) each in the
    /// block (x86_64: 432 B with Debian's 2.28, 768 B with 3.6), plus the
    /// heap mbedTLS takes for a stored session: its ticket
    /// (~0.2 KB from OpenSSL) and, where mbedTLS keeps the peer certificate
    /// (Debian's 2.28; 3.6 with TLS 1.3, which requires it), that
    /// certificate parsed (~1-2 KB). Sessions are
    /// wiped at deinit and never offered to another host or port.
    uint8_t tls_session_cache = 2;
    /// Messages Client::post() (other threads) may have queued for the loop
    /// at once. 0 (the default: post() is off and costs nothing) or a power
    /// of two from 2 to 4096 (kMaxPostSlots). Costs, once per client,
    /// post_slots x (32 B + post_slot_bytes, rounded up to 16 B) + 96 B (the
    /// cell header and the queue state; x86_64, and the same on 32-bit ARM).
    uint16_t post_slots = 0;
    /// Largest message one post() carries: its slot's size. 1 .. 64 KiB
    /// (kMaxPostSlotBytes), checked only when post_slots > 0; a message must
    /// also fit the send buffer (size + 14 <= tx_buffer_bytes).
    uint32_t post_slot_bytes = 256;
    /// Sessions in their HTTP phases (buying a token, upgrading) at once,
    /// 0 .. max_sessions. 0 (the default): every session has an HTTP lane of
    /// its own, laid over its buffers, and never waits (the costs at
    /// max_sessions). N > 0: N lanes shared by all sessions, handed out first
    /// come, first served; a session that finds none free waits (its state
    /// says requesting_token or connecting; no timer runs while it waits) and
    /// gives its lane back once open. For gateways with many mostly idle
    /// sessions: each session then costs only its state + session_tx_bytes +
    /// max_message_bytes + its listeners, and each lane 904 B (x86_64) +
    /// tx_buffer_bytes + rx_buffer_bytes + work_buffer_bytes; the client adds
    /// rx_buffer_bytes (the scratch where the service's text messages are
    /// parsed) and 2 B per session (the queue). docs/MEMORY.md.
    uint16_t max_handshakes = 0;
    /// With shared lanes (max_handshakes > 0): a session's send buffer for
    /// its WebSocket frames; 0 (the default): tx_buffer_bytes. 256 .. 16 MiB
    /// (kMaxBufferBytes); must be 0 when max_handshakes is 0. A message needs
    /// payload + 14 bytes of room. Costs its size per session.
    uint32_t session_tx_bytes = 0;
    /// WebSocket frame parsers (wslay frame contexts) the sessions share.
    /// 0 (the default): one per session (max_sessions), nothing ever waits.
    /// Otherwise 1 .. max_sessions. Each is one heap allocation by wslay at
    /// init (4,256 B requested on x86_64, 4,208 B on Cortex-M4: a 4 KiB input
    /// buffer; glibc's malloc_usable_size says 4,264 B), plus 152 B in the
    /// block (x86_64; 140 B on 32-bit ARM: the pool entry and the 125-byte
    /// buffer where a control frame that arrives in pieces is gathered); init is no_resources when
    /// one cannot be allocated. One thread reads one socket at a time, so a session holds a parser
    /// only while one of its frames is half-read; whole frames give it back at once. The trade-off:
    /// a session that finds none free waits without reading (its bytes stay in the kernel's socket
    /// buffer; timers, keepalive pings and sends go on; it is not declared dead while it cannot
    /// read) until one is given back, longest waiter first. So a server that stops mid-frame on
    /// frame_parsers sessions stalls reading on all the others until those sessions' keepalive
    /// timeouts end them (2 x ping_interval_ms; ping_interval_ms 0 removes that bound). Advice: 0
    /// for a few sessions; a gateway with many mostly idle sessions, 4-16 (the memory of 4-16
    /// sessions' parsers instead of max_sessions'). A connection that ends mid-frame frees and
    /// re-allocates its parser (wslay cannot reset one); if that allocation
    /// fails, one parser fewer until a later attempt succeeds.
    uint16_t frame_parsers = 0;
};

/// Budget snapshot of the spend guard, in micro-USD.
struct Budget {
    bool limited;                  ///< a limit is set (ClientOptions::limit_micro_usd not 0)
    uint64_t limit_micro_usd;      ///< the limit (0: none)
    uint64_t spent_micro_usd;      ///< charged by the spend guard since init or reset_budget()
    uint64_t remaining_micro_usd;  ///< the limit minus what was spent (0 when not limited)
};

/// Called on the loop's thread when the spend guard refuses a purchase, once
/// (until Client::reset_budget), with the budget at that moment.
using LimitReachedHook = void (*)(void* user, const Budget& budget);

/// Behaviour knobs; defaults follow the JavaScript SDK. server_url is copied at
/// init; ca_pem, ca_file and the default params' strings must outlive the client.
struct ClientOptions {
    /// Base URL of the service, http:// or https:// (a path prefix is kept).
    const char* server_url = "https://consensus.canister.software";
    /// Required: a client without a payment hook is invalid_config (as in the JavaScript SDK).
    PaymentHook payment_hook = nullptr;
    void* payment_user = nullptr;  ///< passed to payment_hook
    /// Merged under every request's params.
    TokenParams defaults;
    /// Bound on opening a WebSocket: DNS, TCP, TLS, upgrade.
    uint32_t open_timeout_ms = 12000;
    /// Bound on one token request, payment included.
    uint32_t request_timeout_ms = 30000;
    /// Wait before a reconnect (and before a renewal), and the first wait of
    /// a run of failures. Alone it is a fixed interval, as the JavaScript SDK
    /// waits; a fleet also sets the next two (docs/CLI.md, "Fleets").
    uint32_t reconnect_interval_ms = 2000;
    /// Cap of the backoff: each failure in a row doubles the wait, from the
    /// interval up to this. 0 (or anything <= the interval): no growth.
    uint32_t reconnect_max_ms = 0;
    /// Jitter share, 0..1 (init refuses anything else): each wait loses a
    /// uniform random part up to this fraction of it (from the client's
    /// CTR-DRBG, seeded by the port), so devices dropped together do not buy
    /// their next tokens together. 0: exact waits.
    float reconnect_jitter = 0.0f;
    /// Consecutive failed reconnect attempts allowed (UINT32_MAX: unlimited).
    uint32_t max_reconnects = UINT32_MAX;
    /// Keepalive: ping after this long without inbound data; the link is dead
    /// when nothing arrives within another interval. 0 = off.
    uint32_t ping_interval_ms = 20000;
    /// The service starts a session with its session_start message, and drops
    /// what the client sends before it: a session is open (usable) only then.
    /// Bound on waiting for it after the 101; past it the attempt fails with
    /// timeout (phase open). SessionOptions::await_session_start turns the
    /// wait off for WebSocket servers that are not the service.
    uint32_t start_timeout_ms = 10000;
    /// Paid tokens in a row that gave no working session before the session
    /// stops with paid_attempts_exhausted (0: no bound). A paid token counts
    /// when it is given up (a new one is bought) without having served, open,
    /// the smaller of min_served_ms and a tenth of the time bought: it never
    /// reached session_start, was refused (401), or its session ended
    /// abnormally or expired before that. A token never presented (the
    /// connect_url could not be reached) is reused, not counted, while it is
    /// valid. The spend guard applies on top. (The JavaScript SDK pays again
    /// on every reconnect, without limit.)
    uint32_t max_paid_attempts = 3;
    /// See max_paid_attempts.
    uint32_t min_served_ms = 30000;
    /// How long close() waits for the server's close frame.
    uint32_t close_timeout_ms = 2000;
    /// Price check before the payment hook is called: a requirement of the
    /// 402 may ask (in USDC units, 6 decimals: 1 unit = 1 micro-USD) at most
    /// the local quote plus price_margin_ppm parts per million of it (for the
    /// service's price changes), and no more than the spend guard has left.
    /// The hook sees only the requirements that pass (PaymentChallenge::json
    /// still holds the server's whole text); when none does, the purchase
    /// fails with price_too_high naming both amounts, and nothing is signed.
    /// The spend guard charges what the dearest passing requirement asks.
    uint32_t price_margin_ppm = 0;
    /// Spend guard (0 = no limit).
    uint64_t limit_micro_usd = 0;
    LimitReachedHook on_limit_reached = nullptr;  ///< optional (nullptr: none)
    void* limit_user = nullptr;                   ///< passed to on_limit_reached
    /// Where a bought token may be presented. By default its connect_url must
    /// name the token server's own host (any port), as the service's does; a
    /// token bought over https is presented only over wss. A connect_url that
    /// breaks this fails the purchase with bad_response naming the host, and
    /// nothing is sent to it. connect_hosts widens the hosts (exact names or
    /// IP literals, case-insensitive, no wildcards; the strings must outlive
    /// the client). Client::connect() with the caller's own TokenAuth is not
    /// checked: the caller chose it.
    const char* const* connect_hosts = nullptr;
    size_t connect_host_count = 0;  ///< entries in connect_hosts
    /// Trusted CAs for https/wss: a PEM buffer (NUL-terminated, len includes
    /// the NUL) or a file path. The chain is parsed once per client, on first use.
    const char* ca_pem = nullptr;
    size_t ca_pem_len = 0;          ///< bytes of ca_pem, its NUL included
    const char* ca_file = nullptr;  ///< or: the path of a PEM file
    /// TLS Maximum Fragment Length (RFC 6066) the client asks servers for:
    /// 4096 (default), 2048, 1024 or 512 bytes, or 0 to not ask; any other
    /// value is invalid_config. A server that accepts sends records of at most
    /// this many bytes; a server that ignores it (mbedTLS's TLS 1.3 server, for
    /// one) may send 16 KiB records, and the connection works as without it.
    /// Either way the client sends no longer record itself. Asked only where
    /// the linked mbedTLS handles it: a build without
    /// MBEDTLS_SSL_MAX_FRAGMENT_LENGTH cannot ask; released mbedTLS 3.x with
    /// TLS 1.3 (3.6.6 included) fails every TLS 1.3 handshake with a server
    /// that accepts it, and released mbedTLS with
    /// MBEDTLS_SSL_VARIABLE_BUFFER_LENGTH fails with a server that ignores
    /// it; with such a build (ESP-IDF's, Zephyr's, Debian trixie's) the
    /// client does not ask, unless mbedTLS is built with the project's
    /// cmake/mbedtls-3.6-mfl.patch (docs/MEMORY.md): not asking costs the
    /// memory below, never a connection.
    /// Memory (mbedTLS's heap, per https/wss connection; docs/MEMORY.md,
    /// measured on x86_64): with the mbedTLS 3.6 build of scripts/install-deps
    /// mbedtls-3.6, a server that accepts 4096 lets mbedTLS cut its input
    /// record buffer from 16,717 to 4,429 B after the handshake: 12,288 B less
    /// held while the connection is open (TLS 1.3: 15,739 B held instead of
    /// 28,027 B; TLS 1.2: 13,319 B instead of 25,591 B). Smaller lengths cut
    /// more (unmeasured). The handshake peak does not fall (the cut comes after
    /// it) but rises, briefly, as the smaller buffer is allocated before the
    /// larger is freed: 31,796 B against 29,707 B (TLS 1.2), 32,216 B against
    /// 31,291 B (TLS 1.3). Debian's mbedTLS 2.28 cannot resize its buffers (16 KiB in and
    /// out at compile time): asking changes no memory there. Nothing in the
    /// caller's block.
    uint16_t tls_max_fragment_bytes = kTlsMaxFragmentDefault;
    /// HTTP proxies (the POSIX CLI fills them from --proxy and curl's
    /// environment variables): http://[user[:password]@]host[:port][/], no
    /// scheme meaning http://, port 1080 when none (as curl). A connection to
    /// an https/wss URL goes through https_proxy, one to an http/ws URL
    /// through http_proxy (each only when set), both as a CONNECT tunnel:
    /// the token request and the WebSocket alike, TLS end to end inside it,
    /// so the certificate checked is the service's, never the proxy's. A
    /// user:password (percent-encoded in the URL, at most 255 bytes decoded)
    /// is sent as Basic authentication to the proxy only, and appears in no
    /// log, event or error. A refusal (407, 403, any non-2xx) or a broken
    /// answer fails the attempt with proxy_failed, the proxy's status in
    /// http_status and the proxy's host in the text. The proxy's answer is
    /// bounded as every response (max_header_line, max_headers). Only http://
    /// proxies: an https:// or socks proxy URL is invalid_config. The strings
    /// must outlive the client. Memory: 112 B of client state for both
    /// (x86_64); the CONNECT request is written in the HTTP lane's receive
    /// buffer (it must fit rx_buffer_bytes) and wiped once sent; 600 B of
    /// stack while it is written.
    const char* http_proxy = nullptr;
    /// The proxy for https/wss URLs: see http_proxy.
    const char* https_proxy = nullptr;
    /// Hosts reached without the proxies, as curl's NO_PROXY: comma-separated
    /// names (each exempts itself and every name below it; a leading '.' is
    /// ignored), IP literals (exact), or "*" for all. The string must outlive
    /// the client.
    const char* no_proxy = nullptr;
    /// The log hook (consensus/log.h); nullptr (the default): no lines.
    LogHook log_hook = nullptr;
    void* log_user = nullptr;  ///< passed to log_hook
    /// The most detailed level passed to the hook (lines above the level the
    /// library was compiled with never are).
    LogLevel log_level = LogLevel::info;
};

}  // namespace consensus
