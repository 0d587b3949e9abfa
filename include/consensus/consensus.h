/* SPDX-License-Identifier: MIT */
/** \file
 * The C API of consensus-ws: the C++ client (consensus/client.h) for C
 * programs and C firmware. C99, no C++ in it.
 *
 * A thin layer over the C++ core: every function converts its arguments and
 * calls the matching C++ member; the state machines, the rules and the errors
 * are the C++ ones (client.h documents them at length; this header repeats
 * what a C caller needs). Nothing here allocates: the client lives in one
 * block of caller memory sized by cws_client_required_bytes(), as in C++.
 *
 * Memory. The block holds, in this order:
 *   - the C layer's header (CWS_CLIENT_HEADER_BYTES): the C++ Client object,
 *     the payment and limit hooks with their user pointers;
 *   - the C listener table: per session CWS_SESSION_ROW_BYTES(lpe) (lpe =
 *     listeners_per_event): the C function pointer and user pointer of every
 *     listener cws_on() registered (the C++ listener slots hold the
 *     trampoline that calls them), and of the session options' listener;
 *   - the token callbacks of cws_request_token: CWS_REQUEST_TABLE_BYTES(n)
 *     for max_requests = n;
 *   - the C++ client's own block (Client::required_bytes, docs/MEMORY.md).
 * x86_64: 112 B, plus 416 B per session at the default listeners_per_event
 * (2: the handle 16 B, the options' listener 16 B, 12 event types x 2 x
 * 16 B), plus 16 B per request slot and 16 B more, on top of the C++
 * figures. The C layer keeps no secret (only function and user pointers);
 * the C++ part is wiped at deinit.
 * Stack: a callback's arguments are converted on the stack of the library
 * call that delivers them (x86_64): an event 152 B (+ 184 B with
 * session_start, + 40 B with session_expired), a payment challenge 536 B, a
 * token result 40 B + its auth 872 B; cws_connect copies the auth (~0.9 KB).
 *
 * Callbacks (listeners, the payment hook, token callbacks, the limit hook)
 * run on the loop's thread, from cws_client_poll()/cws_client_process() or
 * from the call that caused them. What they may call is client.h's
 * "Calling the library from inside a callback": any session function, on/off,
 * open/connect/request_token, complete/refuse_payment, deinit (deferred to
 * the outermost library call's return); never poll/process of the same
 * client (poll returns -1, process does nothing). Every pointer a callback
 * receives (the event, its strings, the challenge, the token result) is valid
 * only until it returns.
 *
 * Threads: everything is for the loop's thread except cws_client_wake() and
 * cws_client_post() (THREAD-SAFE, see each).
 */
#ifndef CONSENSUS_CONSENSUS_H
#define CONSENSUS_CONSENSUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/export.h"
#include "consensus/port.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- errors ------------------------------------------------------------- */

/** consensus::Error, value for value. cws_error_name() gives the stable
 * lower-case name ("invalid_params", ...) the CLI prints. */
typedef enum cws_error {
    CWS_OK = 0,
    CWS_ERR_INVALID_PARAMS = 1,     /**< bad model/minutes/megabytes/header value; nothing sent */
    CWS_ERR_INVALID_CONFIG = 2,     /**< bad config/options, or the client is not initialised */
    CWS_ERR_PAYMENT_REQUIRED = 3,   /**< a 402 and the hook declined it (no payer) */
    CWS_ERR_PAYMENT_REFUSED = 4,    /**< the payment hook refused or failed */
    CWS_ERR_PAYMENT_REJECTED = 5,   /**< the server answered the paid retry with 402 again */
    CWS_ERR_BUDGET_EXHAUSTED = 6,   /**< the spend guard refused the purchase; nothing sent */
    CWS_ERR_HTTP_STATUS = 7,        /**< any other non-2xx answer */
    CWS_ERR_BAD_RESPONSE = 8,       /**< malformed HTTP, JSON, or a 200 without a token */
    CWS_ERR_DNS_FAILED = 9,         /**< the host name did not resolve */
    CWS_ERR_CONNECT_FAILED = 10,    /**< TCP connect refused/unreachable/reset */
    CWS_ERR_TLS_FAILED = 11,        /**< TLS handshake or record layer failure */
    CWS_ERR_CERT_INVALID = 12,      /**< certificate chain or host name verification failed */
    CWS_ERR_TIMEOUT = 13,           /**< request or open timeout elapsed */
    CWS_ERR_TOKEN_EXPIRED = 14,     /**< the auth is older than its expires_in; nothing sent */
    CWS_ERR_TOKEN_REJECTED = 15,    /**< 401 on the upgrade */
    CWS_ERR_HANDSHAKE_FAILED = 16,  /**< the upgrade was refused or its answer was invalid */
    CWS_ERR_PROTOCOL_ERROR = 17,    /**< the peer broke RFC 6455 (or HTTP) rules */
    CWS_ERR_MESSAGE_TOO_LARGE = 18, /**< a message, header, URL, token or body over its bound */
    CWS_ERR_NOT_OPEN = 19,          /**< send on a session that is not open */
    CWS_ERR_WOULD_BLOCK = 20,       /**< no room in the send buffer: retry after CWS_EV_WRITABLE */
    CWS_ERR_CLOSED = 21,            /**< the connection was closed (peer or network) */
    CWS_ERR_NO_RESOURCES = 22,      /**< all session/request/listener slots are in use */
    CWS_ERR_INVALID_HANDLE = 23,    /**< the session handle or ticket is stale or empty */
    CWS_ERR_PAID_ATTEMPTS_EXHAUSTED = 24, /**< max_paid_attempts paid tokens gave no session */
    CWS_ERR_PRICE_TOO_HIGH = 25,          /**< every requirement of the 402 asks too much */
    CWS_ERR_PROXY_FAILED = 26,            /**< the HTTP proxy refused the tunnel or broke HTTP */
    CWS_ERR_BUSY = 27,                    /**< a streamed send is in progress on the session */
    CWS_ERR_STREAM_ABORTED = 28           /**< a streamed send's source failed (closed 1011) */
} cws_error;

/** Number of cws_error values (CWS_OK .. CWS_ERR_STREAM_ABORTED). */
#define CWS_ERROR_COUNT 29

/** Stable lower-case name of an error, static storage, never null ("unknown"
 * for a value outside the enum). No allocation. */
CONSENSUS_API const char* cws_error_name(cws_error e);

/* ---- bounds (config.h, params.h, events.h, payment.h) ------------------- */

#define CWS_MAX_TOKEN 128       /**< longest token kept (kMaxToken) */
#define CWS_MAX_URL 512         /**< longest URL kept (kMaxUrl) */
#define CWS_MAX_NODE_HEADER 64  /**< longest x-node-* value (kMaxNodeHeader) */
#define CWS_MAX_SESSION_ID 64   /**< session_start's sessionId, cut here (kMaxSessionId) */
#define CWS_MAX_SERVED_BY 64    /**< session_start's served_by, cut here (kMaxServedBy) */
#define CWS_MAX_ACCEPTS 4       /**< requirements kept from one 402 (kMaxAccepts) */
#define CWS_MAX_MINUTES 1440    /**< kMaxMinutes */
#define CWS_MAX_MEGABYTES 10240 /**< kMaxMegabytes */
#define CWS_EVENT_TYPE_COUNT 12 /**< kEventTypeCount */

/* ---- memory of the C layer (see the top of this file) -------------------- */

/** Alignment of the client block. */
#define CWS_CLIENT_ALIGN 16
/** The C layer's header at the start of the block. */
#define CWS_CLIENT_HEADER_BYTES 112
/** One listener entry: a function pointer and a user pointer. */
#define CWS_LISTENER_ENTRY_BYTES (2 * sizeof(void*))
/** Rounds n up to CWS_CLIENT_ALIGN. */
#define CWS_ALIGN16(n) (((n) + 15u) / 16u * 16u)
/** The C listener table's row of one session: its handle, its options'
 * listener, and lpe entries per event type. */
#define CWS_SESSION_ROW_BYTES(lpe)    \
    CWS_ALIGN16(sizeof(cws_session) + \
                (1u + CWS_EVENT_TYPE_COUNT * (lpe)) * CWS_LISTENER_ENTRY_BYTES)
/** The token callbacks of max_requests request slots (one entry more than
 * slots, so that a request_token always reaches the core's own checks). */
#define CWS_REQUEST_TABLE_BYTES(max_requests) \
    CWS_ALIGN16(((max_requests) + 1u) * CWS_LISTENER_ENTRY_BYTES)

/* ---- token parameters ---------------------------------------------------- */

/** consensus::Model. */
typedef enum cws_model {
    CWS_MODEL_UNSET = 0,
    CWS_MODEL_HYBRID = 1,
    CWS_MODEL_TIME = 2,
    CWS_MODEL_DATA = 3
} cws_model;

/** consensus::TokenParams: what a session is bought with. Unset fields (-1,
 * CWS_MODEL_UNSET, NULL) take the client's defaults, then hybrid / 5 / 50.
 * Strings are copied by the library. */
typedef struct cws_token_params {
    cws_model model;          /**< the billing model */
    int32_t minutes;          /**< minutes bought, at most CWS_MAX_MINUTES */
    int32_t megabytes;        /**< megabytes bought, at most CWS_MAX_MEGABYTES */
    const char* node_region;  /**< sent as x-node-region when set */
    const char* node_domain;  /**< sent as x-node-domain when set */
    const char* node_exclude; /**< sent as x-node-exclude when set */
} cws_token_params;

/** Fills *p with TokenParams' defaults (all unset). No errors. */
CONSENSUS_API void cws_token_params_default(cws_token_params* p);

/** "hybrid" / "time" / "data" ("unset" for CWS_MODEL_UNSET), static, never null. */
CONSENSUS_API const char* cws_model_name(cws_model m);

/* ---- config --------------------------------------------------------------- */

/** consensus::Config, field for field: the sizes of the client. Ranges and
 * byte costs of every knob: consensus/config.h and docs/MEMORY.md. Get the
 * defaults with cws_config_default(), then change what you need. */
typedef struct cws_config {
    uint16_t max_sessions;       /**< 0..32767; max_sessions + max_requests >= 1 (1) */
    uint16_t max_requests;       /**< 0..32767, stand-alone token requests (1) */
    uint32_t tx_buffer_bytes;    /**< max_payment_header + 1024 .. 16 MiB (4096) */
    uint32_t rx_buffer_bytes;    /**< 256 .. 16 MiB (2048) */
    uint32_t max_message_bytes;  /**< 125 .. 16 MiB (16384) */
    uint32_t work_buffer_bytes;  /**< max(2048, 2 x max_payment_header) .. 16 MiB (8192) */
    uint32_t max_header_line;    /**< 256 .. 8 MiB (4096) */
    uint16_t max_headers;        /**< 8 .. 1024 (64) */
    uint32_t max_body_bytes;     /**< 0 .. 8 MiB (4096) */
    uint32_t max_payment_header; /**< 64 .. 64 KiB (2048) */
    uint8_t listeners_per_event; /**< 1 .. 16 (2) */
    uint8_t tls_session_cache;   /**< 0 .. 16 (2) */
    uint16_t post_slots;         /**< 0 or a power of two 2 .. 4096 (0: post off) */
    uint32_t post_slot_bytes;    /**< 1 .. 64 KiB (256) */
    uint16_t max_handshakes;     /**< 0 .. max_sessions (0: a lane per session) */
    uint32_t session_tx_bytes;   /**< 0, or 256 .. 16 MiB with max_handshakes > 0 (0) */
    uint16_t frame_parsers;      /**< 0 (one per session) or 1 .. max_sessions (0) */
} cws_config;

/** Fills *c with consensus::Config's defaults. No errors, no allocation. */
CONSENSUS_API void cws_config_default(cws_config* c);

/* ---- payment ---------------------------------------------------------------- */

/** A view: pointer + length, not NUL-terminated, never owning. */
typedef struct cws_str {
    const char* data; /**< the first byte */
    size_t size;      /**< bytes at data */
} cws_str;

/** consensus::PaymentRequirement: one entry of the 402's `accepts`. */
typedef struct cws_payment_requirement {
    cws_str scheme;         /**< "exact" */
    cws_str network;        /**< CAIP-2, e.g. "eip155:84532" */
    cws_str amount;         /**< atomic units, decimal string */
    cws_str asset;          /**< the token contract's address */
    cws_str pay_to;         /**< payTo: the payee's address */
    uint32_t max_timeout_s; /**< maxTimeoutSeconds */
    cws_str raw;            /**< the whole JSON object of this entry */
} cws_payment_requirement;

/** consensus::PaymentChallenge: the decoded 402 challenge. Every view points
 * into library memory and is valid only during the hook's call. */
typedef struct cws_payment_challenge {
    cws_str json;            /**< the full decoded PAYMENT-REQUIRED JSON */
    uint32_t x402_version;   /**< x402Version */
    cws_str error;           /**< "Payment required" or the failure reason */
    cws_str resource_url;    /**< resource.url */
    cws_str resource_json;   /**< the resource object, as sent (empty when absent) */
    cws_str extensions_json; /**< the extensions object, as sent (empty when absent) */
    uint64_t server_time_s;  /**< the 402's Date header, Unix seconds (0: none) */
    cws_payment_requirement accepts[CWS_MAX_ACCEPTS]; /**< those the price policy passed */
    size_t accepts_count;                             /**< entries in accepts */
    cws_str accepts_json; /**< the server's whole `accepts` array, as sent */
} cws_payment_challenge;

/** consensus::PaymentTicket: names one pending payment. */
typedef struct cws_payment_ticket {
    uint32_t id; /**< opaque: pass the ticket back as it came */
} cws_payment_ticket;

/** consensus::PaymentDecision. */
typedef enum cws_payment_decision {
    CWS_PAY_PAID = 0,    /**< header was filled: retry now */
    CWS_PAY_PENDING = 1, /**< the answer comes later: cws_complete_payment / cws_refuse_payment */
    CWS_PAY_REFUSED = 2, /**< no payment: the purchase fails with payment_refused */
    CWS_PAY_DECLINE = 3  /**< no payer: the purchase fails with payment_required */
} cws_payment_decision;

/** consensus::PaymentHeaderOut: where the hook writes the PAYMENT-SIGNATURE
 * value (capacity = config.max_payment_header; no NUL needed). */
typedef struct cws_payment_header_out {
    char* data;      /**< where the hook writes the value */
    size_t capacity; /**< bytes at data */
    size_t size;     /**< set by the hook (<= capacity) */
    /** Optional, with CWS_PAY_REFUSED: a static text saying why (the
     * payment_refused error's message). */
    const char* refusal;
} cws_payment_header_out;

/** The payment hook (required). Called on the loop's thread with the decoded
 * challenge; it may answer its ticket from inside (then its return value is
 * ignored), or return CWS_PAY_PENDING and answer later. */
typedef cws_payment_decision (*cws_payment_hook)(void* user, const cws_payment_challenge* challenge,
                                                 cws_payment_ticket ticket,
                                                 cws_payment_header_out* header);

/* ---- budget ----------------------------------------------------------------- */

/** consensus::Budget: the spend guard, in micro-USD. */
typedef struct cws_budget {
    bool limited;                 /**< a limit is set (limit_micro_usd not 0) */
    uint64_t limit_micro_usd;     /**< the limit (0: none) */
    uint64_t spent_micro_usd;     /**< charged since init or cws_client_reset_budget() */
    uint64_t remaining_micro_usd; /**< the limit minus what was spent (0 when not limited) */
} cws_budget;

/** Called once when the spend guard first refuses a purchase. */
typedef void (*cws_limit_hook)(void* user, const cws_budget* budget);

/* ---- the log hook ----------------------------------------------------------------- */

/** consensus::LogLevel (consensus/log.h says what each level logs). */
typedef enum cws_log_level {
    CWS_LOG_OFF = 0,
    CWS_LOG_ERROR = 1,
    CWS_LOG_WARN = 2,
    CWS_LOG_INFO = 3
} cws_log_level;

/** One log line (consensus/log.h, LogHook): session is the session's index or
 * -1 for the client; message is one NUL-terminated line, valid only during
 * the call, never a token, connect_url, key or payment header. Runs on the
 * loop's thread inside the library: record the line, call nothing. */
typedef void (*cws_log_hook)(void* user, cws_log_level level, int32_t session, const char* message);

/* ---- options ------------------------------------------------------------------ */

/** consensus::ClientOptions, field for field (client.h / config.h document
 * each). server_url is copied at init; ca_pem, ca_file, connect_hosts, the
 * proxies and the defaults' strings must outlive the client. Get the defaults with
 * cws_options_default(), then set at least payment_hook. */
typedef struct cws_options {
    const char* server_url; /**< http:// or https:// ("https://consensus.canister.software") */
    cws_payment_hook payment_hook;    /**< required */
    void* payment_user;               /**< passed to payment_hook */
    cws_token_params defaults;        /**< merged under every request's params */
    uint32_t open_timeout_ms;         /**< DNS + TCP + TLS + upgrade (12000) */
    uint32_t request_timeout_ms;      /**< one token request, payment included (30000) */
    uint32_t reconnect_interval_ms;   /**< first wait of a reconnect (2000) */
    uint32_t reconnect_max_ms;        /**< backoff cap; 0: no growth (0) */
    float reconnect_jitter;           /**< 0..1 (0) */
    uint32_t max_reconnects;          /**< failed reconnects in a row (UINT32_MAX) */
    uint32_t ping_interval_ms;        /**< keepalive; 0 off (20000) */
    uint32_t start_timeout_ms;        /**< wait for session_start after the 101 (10000) */
    uint32_t max_paid_attempts;       /**< paid tokens in a row without a session (3) */
    uint32_t min_served_ms;           /**< see client.h (30000) */
    uint32_t close_timeout_ms;        /**< wait for the server's close frame (2000) */
    uint32_t price_margin_ppm;        /**< price check margin (0) */
    uint64_t limit_micro_usd;         /**< spend guard; 0 no limit (0) */
    cws_limit_hook on_limit_reached;  /**< optional */
    void* limit_user;                 /**< passed to on_limit_reached */
    const char* const* connect_hosts; /**< more hosts a bought connect_url may name */
    size_t connect_host_count;        /**< entries in connect_hosts */
    const char* ca_pem;               /**< trusted CAs, PEM, NUL-terminated, len with the NUL */
    size_t ca_pem_len;                /**< bytes of ca_pem, its NUL included */
    const char* ca_file;              /**< or a file path */
    uint16_t tls_max_fragment_bytes;  /**< 0, 512, 1024, 2048 or 4096 (4096) */
    cws_log_hook log_hook;            /**< optional (NULL: no lines) */
    void* log_user;                   /**< passed to log_hook */
    cws_log_level log_level;          /**< most detailed level passed on (CWS_LOG_INFO) */
    const char*
        http_proxy; /**< HTTP CONNECT proxy for http/ws URLs, http://[user:pass@]host[:port] */
    const char* https_proxy; /**< the same for https/wss URLs (TLS end to end in the tunnel) */
    const char* no_proxy;    /**< hosts reached directly, as curl's NO_PROXY */
} cws_options;

/** Fills *o with consensus::ClientOptions' defaults (payment_hook NULL). */
CONSENSUS_API void cws_options_default(cws_options* o);

/* ---- events --------------------------------------------------------------------- */

/** consensus::EventType. */
typedef enum cws_event_type {
    CWS_EV_OPEN = 0,            /**< usable: the service's session_start came (attempt) */
    CWS_EV_MESSAGE = 1,         /**< a whole message (data, size, binary) */
    CWS_EV_CLOSE = 2,           /**< a connection ended (code, reason, initiator) */
    CWS_EV_ERROR = 3,           /**< a failure (error, phase, http_status, reason) */
    CWS_EV_SESSION_START = 4,   /**< the server's session_start, parsed (start) */
    CWS_EV_SESSION_EXPIRED = 5, /**< the server's session_expired (expired) */
    CWS_EV_RECONNECTING = 6,    /**< a reconnect is scheduled (attempt, in_ms) */
    CWS_EV_TOKEN = 7,           /**< a token was obtained (token, connect_url, expires_in_s) */
    CWS_EV_PAYMENT = 8,         /**< a 402 came (payment_paid false) / was paid (true) */
    CWS_EV_WRITABLE = 9,        /**< the send buffer has room again after a would_block */
    CWS_EV_ENDED = 10,          /**< the session's last event (error: why) */
    /** a part of a streamed message (data, size, binary, offset, last) */
    CWS_EV_MESSAGE_PART = 11
} cws_event_type;

/** consensus::Phase: where a failure happened. */
typedef enum cws_phase { CWS_PHASE_TOKEN = 0, CWS_PHASE_OPEN = 1, CWS_PHASE_SESSION = 2 } cws_phase;

/** consensus::Initiator: who ended a connection. */
typedef enum cws_initiator {
    CWS_BY_CALLER = 0,
    CWS_BY_SERVER = 1,
    CWS_BY_NETWORK = 2
} cws_initiator;

/** consensus::ExpiryReason. */
typedef enum cws_expiry_reason {
    CWS_EXPIRY_TIME_LIMIT_REACHED = 0,
    CWS_EXPIRY_DATA_LIMIT_REACHED = 1,
    CWS_EXPIRY_OTHER = 2
} cws_expiry_reason;

/** consensus::SessionStartInfo (strings NUL-terminated, cut at their bound). */
typedef struct cws_session_start_info {
    char session_id[CWS_MAX_SESSION_ID + 1]; /**< sessionId ("" if absent) */
    char served_by[CWS_MAX_SERVED_BY + 1];   /**< served_by ("" if absent) */
    char model[8];                           /**< model, e.g. "hybrid" ("" if absent) */
    int64_t time_seconds;                    /**< limits.timeSeconds, -1 if absent */
    double data_mb;                          /**< limits.dataMB, -1 if absent */
    double total_cost;                       /**< pricing.totalCost, -1 if absent */
    double price_per_minute;                 /**< pricing.pricePerMinute, -1 if absent */
    double price_per_mb;                     /**< pricing.pricePerMB, -1 if absent */
} cws_session_start_info;

/** consensus::SessionExpiredInfo. */
typedef struct cws_session_expired_info {
    cws_expiry_reason reason; /**< reason_text as an enum */
    cws_str reason_text;      /**< as sent, e.g. "time_limit_reached" */
    double duration_minutes;  /**< finalUsage.durationMinutes, -1 if absent */
    double data_mb;           /**< finalUsage.dataMB, -1 if absent */
} cws_session_expired_info;

/** consensus::Event, field for field. Which fields a type sets: events.h.
 * Every pointer is valid only until the listener returns (tls_version:
 * static). */
typedef struct cws_event {
    cws_event_type type;    /**< what happened */
    uint16_t session_index; /**< slot of the session in the client's pool */
    /* message */
    const uint8_t* data; /**< message, message_part: the payload */
    size_t size;         /**< message, message_part: bytes at data */
    bool binary;         /**< message, message_part: a binary (not a text) message */
    uint64_t offset;     /**< message_part: bytes of the message before this part */
    bool last;           /**< message_part: the message ends with it (message: true) */
    /* close */
    uint16_t code;           /**< close code (1006 when none was received) */
    cws_str reason;          /**< close reason, or error text */
    cws_initiator initiator; /**< close: who ended the connection */
    /* error */
    cws_error error; /**< error, ended: what failed (ended: why the session is over) */
    cws_phase phase; /**< error: where it failed */
    int http_status; /**< 0 when none */
    /* open / reconnecting */
    uint32_t attempt; /**< open: this open's number (1 = first); reconnecting: the next one's */
    uint32_t in_ms;   /**< reconnecting: the wait before it */
    const char* tls_version; /**< open: "TLSv1.2"/"TLSv1.3", NULL over ws:// */
    /* token */
    cws_str token;         /**< token: the session token */
    cws_str connect_url;   /**< token: where it is presented (it carries the token) */
    uint32_t expires_in_s; /**< token: its lifetime in seconds (expires_in) */
    /* payment */
    bool payment_paid; /**< false: a 402 was received; true: the payment was accepted */
    /* session_start / session_expired (NULL otherwise) */
    const cws_session_start_info* start;     /**< session_start: the message parsed */
    const cws_session_expired_info* expired; /**< session_expired: the message parsed */
} cws_event;

/* ---- handles ---------------------------------------------------------------------- */

/** The client: the start of the caller's block (cws_client_init). */
typedef struct cws_client cws_client;

/** A session handle: a small value, copyable, compared by cws_session_same().
 * Its fields mirror the C++ Session's (slot, generation, index): private,
 * do not read or write them. A handle that was never set by a successful
 * cws_open_session/cws_connect must be zeroed ({0}): it is then invalid.
 * A stale handle (its session ended and the slot started another) is
 * refused with CWS_ERR_INVALID_HANDLE. sizeof: 16 B on 64-bit targets,
 * 12 B on 32-bit ones. */
typedef struct cws_session {
    void* private_slot;          /**< private: do not use */
    uint32_t private_generation; /**< private: do not use */
    uint16_t private_index;      /**< private: do not use */
} cws_session;

/** A listener: called for the events it was registered for. */
typedef void (*cws_listener)(void* user, cws_session session, const cws_event* event);

/** consensus::SessionOptions. */
typedef struct cws_session_options {
    cws_listener listener;    /**< registered for every event type (optional) */
    void* user;               /**< passed to listener */
    bool renew;               /**< after session_expired, buy a new session and go on */
    bool await_session_start; /**< open at session_start (true), or at the 101 (false) */
    /** Streaming receive: 0 (off) or the largest message accepted; a message
     * larger than the message buffer then comes as CWS_EV_MESSAGE_PART events
     * (SessionOptions::max_streamed_message_bytes in client.h). */
    uint64_t max_streamed_message_bytes;
} cws_session_options;

/** The source of a streamed send (Session::send_stream, client.h): writes the
 * next piece into out (at most cap bytes), returns how many, sets *last on
 * the message's last piece; 0 without *last pauses until cws_resume_stream;
 * negative aborts (the session closes with 1011, CWS_ERR_STREAM_ABORTED in an
 * error event). */
typedef long (*cws_send_source)(void* user, uint8_t* out, size_t cap, bool* last);

/** Fills *o with SessionOptions' defaults (no listener, renew false,
 * await_session_start true). */
CONSENSUS_API void cws_session_options_default(cws_session_options* o);

/** consensus::TokenAuth: what GET /ws returned, plus what it was bought with. */
typedef struct cws_token_auth {
    char token[CWS_MAX_TOKEN + 1];     /**< the session token, NUL-terminated */
    char connect_url[CWS_MAX_URL + 1]; /**< where it is presented, NUL-terminated */
    uint32_t expires_in_s;             /**< its lifetime in seconds, from obtained_ms */
    uint64_t obtained_ms;              /**< port clock when the 200 arrived */
    bool has_params;                   /**< false: a bare URL, it cannot be renewed */
    /**@{*/
    /** What it was bought with (cws_token_params, resolved; strings NUL-terminated). */
    cws_model model;
    int32_t minutes;
    int32_t megabytes;
    char node_region[CWS_MAX_NODE_HEADER + 1];
    char node_domain[CWS_MAX_NODE_HEADER + 1];
    char node_exclude[CWS_MAX_NODE_HEADER + 1];
    /**@}*/
} cws_token_auth;

/** consensus::TokenResult: handed to a token callback. */
typedef struct cws_token_result {
    cws_error error;            /**< CWS_OK, or why the request failed */
    int http_status;            /**< last HTTP status seen, 0 if none */
    cws_str message;            /**< the server's message/error text, or a detail */
    const cws_token_auth* auth; /**< set when error == CWS_OK */
    bool paid;                  /**< a payment was made for it */
} cws_token_result;

/** Called once per cws_request_token, with its result (valid only during the call). */
typedef void (*cws_token_callback)(void* user, const cws_token_result* result);

/** consensus::SessionState (client.h describes the path through them). */
typedef enum cws_session_state {
    CWS_STATE_REQUESTING_TOKEN = 0,
    CWS_STATE_PAYING = 1,
    CWS_STATE_CONNECTING = 2,
    CWS_STATE_TLS_HANDSHAKE = 3,
    CWS_STATE_UPGRADING = 4,
    CWS_STATE_STARTING = 5,
    CWS_STATE_OPEN = 6,
    CWS_STATE_CLOSING = 7,
    CWS_STATE_WAITING_TO_RECONNECT = 8,
    CWS_STATE_CLOSED = 9
} cws_session_state;

/** consensus::PublicState (the JavaScript SDK's getState()). */
typedef enum cws_public_state {
    CWS_PUBLIC_CONNECTING = 0,
    CWS_PUBLIC_CONNECTED = 1,
    CWS_PUBLIC_RECONNECTING = 2,
    CWS_PUBLIC_CLOSED_BY_CALLER = 3,
    CWS_PUBLIC_CLOSED = 4
} cws_public_state;

/** "requesting_token", "open", ... static, never null ("unknown" outside the enum). */
CONSENSUS_API const char* cws_session_state_name(cws_session_state s);

/** The linked mbedTLS's version, e.g. "2.28.3" (static). */
CONSENSUS_API const char* cws_tls_library_version(void);

/* ---- the client --------------------------------------------------------------------- */

/** Bytes of the block cws_client_init needs for this config (alignment
 * CWS_CLIENT_ALIGN): Client::required_bytes(config) + CWS_CLIENT_HEADER_BYTES
 * + max_sessions x CWS_SESSION_ROW_BYTES(listeners_per_event) +
 * CWS_REQUEST_TABLE_BYTES(max_requests); a multiple of 16. SIZE_MAX when it
 * does not fit size_t (init refuses such a config); SIZE_MAX for a null
 * config. Computed for any config, also one init refuses. No allocation. */
CONSENSUS_API size_t cws_client_required_bytes(const cws_config* config);

/** Lays the client out in memory (>= cws_client_required_bytes(config),
 * CWS_CLIENT_ALIGN-aligned) and sets *out (the client is `memory` itself).
 * config, options and port are copied (options' strings: see cws_options).
 * When why is not null, *why receives a static English text naming the cause
 * ("" on CWS_OK): print it, do not parse it. Errors, in this order:
 * <pre>
 *   CWS_ERR_INVALID_PARAMS  config, options, port or out is null
 *   CWS_ERR_INVALID_CONFIG  options->payment_hook is null; port->ops or its
 *                           random op is null; a config knob out of range
 *                           (*why names it); the layout does not fit size_t;
 *                           memory is null, not 16-byte aligned or smaller
 *                           than cws_client_required_bytes(config); a bad
 *                           server_url, tls_max_fragment_bytes or
 *                           reconnect_jitter; the port's random failed
 *   CWS_ERR_NO_RESOURCES    the heap refused a frame parser (wslay)
 * </pre>
 * On an error nothing is kept: the memory may be reused. The block must not
 * hold an initialised client (cws_client_deinit it first). Allocates nothing
 * itself (wslay allocates its frame parsers, see config.h frame_parsers). */
CONSENSUS_API cws_error cws_client_init(void* memory, size_t memory_size, const cws_config* config,
                                        const cws_options* options, const cws_port* port,
                                        cws_client** out, const char** why);

/** Closes everything at once (no handshakes, no events), releases TLS state
 * and wipes the C++ part of the block. From inside a callback it is deferred
 * to the outermost library call's return; only then may the block be
 * reused. NULL: nothing. */
CONSENSUS_API void cws_client_deinit(cws_client* client);

/** One loop iteration: waits at most max_wait_ms (less when a timer is due)
 * in the port's wait, runs every ready state machine, fires callbacks.
 * Returns the number of active requests + sessions; 0 after a deinit from a
 * callback; -1 (nothing done) from inside a callback of this client. */
CONSENSUS_API int cws_client_poll(cws_client* client, int32_t max_wait_ms);

/** A foreign loop: milliseconds until the next timer, 0 when work is pending,
 * -1 when none (and after deinit). */
CONSENSUS_API int32_t cws_client_next_timeout_ms(const cws_client* client);

/** A foreign loop: runs every state machine without waiting (after the
 * program's own poll; consensus/port_posix.h's pollfds). Also sends what
 * cws_client_post() queued. Nothing from inside a callback. */
CONSENSUS_API void cws_client_process(cws_client* client);

/** Buys a token alone (GET /ws, paid through the hook); cb fires once, from a
 * later poll (result->auth may be passed to cws_connect). Errors, nothing
 * sent: CWS_ERR_INVALID_CONFIG (not initialised), CWS_ERR_INVALID_PARAMS (cb
 * null, bad params), CWS_ERR_NO_RESOURCES (every request slot busy),
 * CWS_ERR_BUDGET_EXHAUSTED (the quote exceeds the budget). params NULL:
 * all defaults. No allocation (the callback waits in the block's request
 * table). */
CONSENSUS_API cws_error cws_request_token(cws_client* client, const cws_token_params* params,
                                          cws_token_callback cb, void* user);

/** Buys a token and connects, as one managed session (reconnects buy anew).
 * *out receives the handle. params NULL: all defaults; options NULL: the
 * defaults (no listener: add some with cws_on before the next poll). Errors:
 * CWS_ERR_INVALID_CONFIG (not initialised), CWS_ERR_INVALID_PARAMS (out
 * null, bad params), CWS_ERR_BUDGET_EXHAUSTED, CWS_ERR_NO_RESOURCES (every
 * session slot busy). No allocation. */
CONSENSUS_API cws_error cws_open_session(cws_client* client, const cws_token_params* params,
                                         const cws_session_options* options, cws_session* out);

/** Opens a session on an obtained token (a token callback's result->auth, or
 * the caller's). Errors: CWS_ERR_INVALID_CONFIG (not initialised),
 * CWS_ERR_INVALID_PARAMS (auth or out null, token or connect_url empty or
 * bad), CWS_ERR_TOKEN_EXPIRED (older than expires_in_s), CWS_ERR_NO_RESOURCES.
 * A connect that fails at once fires error and ended before it returns.
 * Copies the auth (~0.9 KB on the stack). No allocation. */
CONSENSUS_API cws_error cws_connect(cws_client* client, const cws_token_auth* auth,
                                    const cws_session_options* options, cws_session* out);

/**@{*/
/** Sends one text / binary message (no allocation: copied into the session's
 * send buffer). Errors: CWS_ERR_NOT_OPEN (not open, or not yet: before
 * CWS_EV_OPEN), CWS_ERR_WOULD_BLOCK (no room now: wait for CWS_EV_WRITABLE),
 * CWS_ERR_MESSAGE_TOO_LARGE (size + 14 > tx buffer), CWS_ERR_INVALID_HANDLE. */
CONSENSUS_API cws_error cws_send_text(cws_session session, const char* data, size_t size);
CONSENSUS_API cws_error cws_send_binary(cws_session session, const uint8_t* data, size_t size);
/**@}*/

/** Sends one message pulled from source piece by piece, fragmented on the
 * wire, through the session's send buffer only (Session::send_stream in
 * client.h: one piece per poll pass, CWS_EV_WRITABLE when all of it is out).
 * Meanwhile cws_send_text/cws_send_binary/cws_send_stream are CWS_ERR_BUSY.
 * Errors: CWS_ERR_INVALID_PARAMS (source NULL), CWS_ERR_NOT_OPEN,
 * CWS_ERR_BUSY, CWS_ERR_INVALID_HANDLE. No allocation. */
CONSENSUS_API cws_error cws_send_stream(cws_session session, bool binary, cws_send_source source,
                                        void* user);
/** Resumes a stream its source paused. CWS_OK also when none is paused;
 * CWS_ERR_INVALID_HANDLE. */
CONSENSUS_API cws_error cws_resume_stream(cws_session session);

/** Starts the close handshake (code 1000 usual; reason NULL or at most 123
 * bytes) and cancels pending reconnects; on a session that is not open it
 * ends it at once (ended fires before it returns). Errors:
 * CWS_ERR_INVALID_PARAMS (bad code or reason), CWS_ERR_INVALID_HANDLE. */
CONSENSUS_API cws_error cws_close(cws_session session, uint16_t code, const char* reason);

/** Registers one listener (fn + user) for one event type of a session of
 * this client. Errors: CWS_ERR_INVALID_CONFIG (client null),
 * CWS_ERR_INVALID_PARAMS (fn null, type out of range), CWS_ERR_INVALID_HANDLE
 * (stale, zeroed, or another client's session), CWS_ERR_NO_RESOURCES
 * (listeners_per_event slots of that type taken, the options' listener
 * included). Uses one entry of the block's listener table; no allocation. */
CONSENSUS_API cws_error cws_on(cws_client* client, cws_session session, cws_event_type type,
                               cws_listener fn, void* user);
/** Removes exactly one listener (the same fn + user; also the session options'
 * listener, for that one type). True when one was removed. Takes effect at
 * once (client.h). */
CONSENSUS_API bool cws_off(cws_client* client, cws_session session, cws_event_type type,
                           cws_listener fn, void* user);

/** The session's state; CWS_STATE_CLOSED for a stale or zeroed handle. */
CONSENSUS_API cws_session_state cws_session_get_state(cws_session session);
/** The session's public state; CWS_PUBLIC_CLOSED for a stale handle. */
CONSENSUS_API cws_public_state cws_session_public_state(cws_session session);
/** The session's slot index (as in cws_event.session_index). */
CONSENSUS_API uint16_t cws_session_index(cws_session session);
/** True while the handle names a session of a running client. */
CONSENSUS_API bool cws_session_valid(cws_session session);
/** True when a and b are the same handle (same slot and generation). */
CONSENSUS_API bool cws_session_same(cws_session a, cws_session b);

/** Answers the ticket of a payment hook (which returned CWS_PAY_PENDING, or
 * is still running): sends the paid retry with header (copied). The
 * purchase's outcome may fire before it returns. Errors:
 * CWS_ERR_INVALID_CONFIG (not initialised), CWS_ERR_INVALID_HANDLE (no such
 * ticket, or its purchase no longer waits: answered, timed out, closed),
 * CWS_ERR_MESSAGE_TOO_LARGE (size > max_payment_header: the purchase fails
 * with payment_refused). A null header or size 0: ok, the purchase fails
 * with payment_refused. */
CONSENSUS_API cws_error cws_complete_payment(cws_client* client, cws_payment_ticket ticket,
                                             const char* header, size_t size);
/** Fails the purchase with payment_refused. Errors as cws_complete_payment's
 * first two. */
CONSENSUS_API cws_error cws_refuse_payment(cws_client* client, cws_payment_ticket ticket);

/** THREAD-SAFE (any thread; async-signal-safe when the port's wake op is, as
 * the POSIX port's). Makes a poll blocked in the port's wait return
 * promptly (or the next one not sleep). False when the port has no wake op
 * or the client is not initialised. Allowed from init until deinit. */
CONSENSUS_API bool cws_client_wake(cws_client* client);

/** THREAD-SAFE (any thread; not a signal handler or an ISR; lock-free, never
 * blocks or allocates). Queues a copy of one message for the session, sent
 * by the loop's next process/poll, and wakes the loop. Errors (nothing
 * queued): CWS_ERR_INVALID_CONFIG (not initialised, or config.post_slots 0),
 * CWS_ERR_INVALID_PARAMS (data null with size > 0), CWS_ERR_INVALID_HANDLE
 * (no session slot of this client), CWS_ERR_MESSAGE_TOO_LARGE (size >
 * post_slot_bytes or size + 14 > tx_buffer_bytes), CWS_ERR_WOULD_BLOCK (every
 * slot full: retry later). Messages whose session is not open when the loop
 * gets to them are dropped (cws_client_posts_dropped counts them). */
CONSENSUS_API cws_error cws_client_post(cws_client* client, cws_session session,
                                        const uint8_t* data, size_t size, bool binary);
/** Loop thread: posted messages the loop dropped since init. */
CONSENSUS_API uint32_t cws_client_posts_dropped(const cws_client* client);

/** The spend guard's budget (all zero before init / after deinit). */
CONSENSUS_API cws_budget cws_client_budget(const cws_client* client);
/** Forgets what was spent and clears stand_down. */
CONSENSUS_API void cws_client_reset_budget(cws_client* client);
/** True once the spend guard refused a purchase. */
CONSENSUS_API bool cws_client_stand_down(const cws_client* client);
/** Replaces the reconnect policy from the next wait on. Errors:
 * CWS_ERR_INVALID_CONFIG (not initialised, or jitter outside [0, 1]). */
CONSENSUS_API cws_error cws_client_set_reconnect_policy(cws_client* client, uint32_t interval_ms,
                                                        uint32_t max_ms, float jitter);

#ifdef __cplusplus
}
#endif

#endif /* CONSENSUS_CONSENSUS_H */
