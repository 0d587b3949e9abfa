// SPDX-License-Identifier: MIT
// The C API's conversions (convert.h) and the checks that the C enums and
// bounds of consensus/consensus.h equal the C++ ones, value for value.
#include "capi/convert.h"

#include <string.h>

#include <type_traits>

namespace consensus {
namespace capi {

namespace {

template <typename C, typename Cpp>
constexpr bool same(C c, Cpp cpp) {
    return static_cast<int>(c) == static_cast<int>(cpp);
}

// ---- enums, value for value --------------------------------------------------

static_assert(same(CWS_OK, Error::ok), "error");
static_assert(same(CWS_ERR_INVALID_PARAMS, Error::invalid_params), "error");
static_assert(same(CWS_ERR_INVALID_CONFIG, Error::invalid_config), "error");
static_assert(same(CWS_ERR_PAYMENT_REQUIRED, Error::payment_required), "error");
static_assert(same(CWS_ERR_PAYMENT_REFUSED, Error::payment_refused), "error");
static_assert(same(CWS_ERR_PAYMENT_REJECTED, Error::payment_rejected), "error");
static_assert(same(CWS_ERR_BUDGET_EXHAUSTED, Error::budget_exhausted), "error");
static_assert(same(CWS_ERR_HTTP_STATUS, Error::http_status), "error");
static_assert(same(CWS_ERR_BAD_RESPONSE, Error::bad_response), "error");
static_assert(same(CWS_ERR_DNS_FAILED, Error::dns_failed), "error");
static_assert(same(CWS_ERR_CONNECT_FAILED, Error::connect_failed), "error");
static_assert(same(CWS_ERR_TLS_FAILED, Error::tls_failed), "error");
static_assert(same(CWS_ERR_CERT_INVALID, Error::cert_invalid), "error");
static_assert(same(CWS_ERR_TIMEOUT, Error::timeout), "error");
static_assert(same(CWS_ERR_TOKEN_EXPIRED, Error::token_expired), "error");
static_assert(same(CWS_ERR_TOKEN_REJECTED, Error::token_rejected), "error");
static_assert(same(CWS_ERR_HANDSHAKE_FAILED, Error::handshake_failed), "error");
static_assert(same(CWS_ERR_PROTOCOL_ERROR, Error::protocol_error), "error");
static_assert(same(CWS_ERR_MESSAGE_TOO_LARGE, Error::message_too_large), "error");
static_assert(same(CWS_ERR_NOT_OPEN, Error::not_open), "error");
static_assert(same(CWS_ERR_WOULD_BLOCK, Error::would_block), "error");
static_assert(same(CWS_ERR_CLOSED, Error::closed), "error");
static_assert(same(CWS_ERR_NO_RESOURCES, Error::no_resources), "error");
static_assert(same(CWS_ERR_INVALID_HANDLE, Error::invalid_handle), "error");
static_assert(same(CWS_ERR_PAID_ATTEMPTS_EXHAUSTED, Error::paid_attempts_exhausted), "error");
static_assert(same(CWS_ERR_PRICE_TOO_HIGH, Error::price_too_high), "error");
static_assert(same(CWS_ERR_PROXY_FAILED, Error::proxy_failed), "error");
static_assert(same(CWS_ERR_BUSY, Error::busy), "error");
static_assert(same(CWS_ERR_STREAM_ABORTED, Error::stream_aborted), "error");
static_assert(CWS_ERROR_COUNT == static_cast<int>(Error::stream_aborted) + 1,
              "CWS_ERROR_COUNT counts every Error");

static_assert(same(CWS_EV_OPEN, EventType::open), "event type");
static_assert(same(CWS_EV_MESSAGE, EventType::message), "event type");
static_assert(same(CWS_EV_CLOSE, EventType::close), "event type");
static_assert(same(CWS_EV_ERROR, EventType::error), "event type");
static_assert(same(CWS_EV_SESSION_START, EventType::session_start), "event type");
static_assert(same(CWS_EV_SESSION_EXPIRED, EventType::session_expired), "event type");
static_assert(same(CWS_EV_RECONNECTING, EventType::reconnecting), "event type");
static_assert(same(CWS_EV_TOKEN, EventType::token), "event type");
static_assert(same(CWS_EV_PAYMENT, EventType::payment), "event type");
static_assert(same(CWS_EV_WRITABLE, EventType::writable), "event type");
static_assert(same(CWS_EV_ENDED, EventType::ended), "event type");
static_assert(same(CWS_EV_MESSAGE_PART, EventType::message_part), "event type");
static_assert(CWS_EVENT_TYPE_COUNT == kEventTypeCount, "event types");

static_assert(same(CWS_PHASE_TOKEN, Phase::token), "phase");
static_assert(same(CWS_PHASE_OPEN, Phase::open), "phase");
static_assert(same(CWS_PHASE_SESSION, Phase::session), "phase");

static_assert(same(CWS_BY_CALLER, Initiator::caller), "initiator");
static_assert(same(CWS_BY_SERVER, Initiator::server), "initiator");
static_assert(same(CWS_BY_NETWORK, Initiator::network), "initiator");

static_assert(same(CWS_EXPIRY_TIME_LIMIT_REACHED, ExpiryReason::time_limit_reached), "expiry");
static_assert(same(CWS_EXPIRY_DATA_LIMIT_REACHED, ExpiryReason::data_limit_reached), "expiry");
static_assert(same(CWS_EXPIRY_OTHER, ExpiryReason::other), "expiry");

static_assert(same(CWS_LOG_OFF, LogLevel::off), "log level");
static_assert(same(CWS_LOG_ERROR, LogLevel::error), "log level");
static_assert(same(CWS_LOG_WARN, LogLevel::warn), "log level");
static_assert(same(CWS_LOG_INFO, LogLevel::info), "log level");
static_assert(same(CWS_MODEL_UNSET, Model::unset), "model");
static_assert(same(CWS_MODEL_HYBRID, Model::hybrid), "model");
static_assert(same(CWS_MODEL_TIME, Model::time), "model");
static_assert(same(CWS_MODEL_DATA, Model::data), "model");

static_assert(same(CWS_PAY_PAID, PaymentDecision::paid), "decision");
static_assert(same(CWS_PAY_PENDING, PaymentDecision::pending), "decision");
static_assert(same(CWS_PAY_REFUSED, PaymentDecision::refused), "decision");
static_assert(same(CWS_PAY_DECLINE, PaymentDecision::decline), "decision");

static_assert(same(CWS_STATE_REQUESTING_TOKEN, SessionState::requesting_token), "state");
static_assert(same(CWS_STATE_PAYING, SessionState::paying), "state");
static_assert(same(CWS_STATE_CONNECTING, SessionState::connecting), "state");
static_assert(same(CWS_STATE_TLS_HANDSHAKE, SessionState::tls_handshake), "state");
static_assert(same(CWS_STATE_UPGRADING, SessionState::upgrading), "state");
static_assert(same(CWS_STATE_STARTING, SessionState::starting), "state");
static_assert(same(CWS_STATE_OPEN, SessionState::open), "state");
static_assert(same(CWS_STATE_CLOSING, SessionState::closing), "state");
static_assert(same(CWS_STATE_WAITING_TO_RECONNECT, SessionState::waiting_to_reconnect), "state");
static_assert(same(CWS_STATE_CLOSED, SessionState::closed), "state");

static_assert(same(CWS_PUBLIC_CONNECTING, PublicState::connecting), "public state");
static_assert(same(CWS_PUBLIC_CONNECTED, PublicState::connected), "public state");
static_assert(same(CWS_PUBLIC_RECONNECTING, PublicState::reconnecting), "public state");
static_assert(same(CWS_PUBLIC_CLOSED_BY_CALLER, PublicState::closed_by_caller), "public state");
static_assert(same(CWS_PUBLIC_CLOSED, PublicState::closed), "public state");

// ---- bounds ------------------------------------------------------------------

static_assert(CWS_MAX_TOKEN == kMaxToken && CWS_MAX_URL == kMaxUrl, "bounds");
static_assert(CWS_MAX_NODE_HEADER == kMaxNodeHeader, "bounds");
static_assert(CWS_MAX_SESSION_ID == kMaxSessionId && CWS_MAX_SERVED_BY == kMaxServedBy, "bounds");
static_assert(CWS_MAX_ACCEPTS == kMaxAccepts, "bounds");
static_assert(CWS_MAX_MINUTES == kMaxMinutes && CWS_MAX_MEGABYTES == kMaxMegabytes, "bounds");
static_assert(sizeof(cws_session_start_info::model) == sizeof(SessionStartInfo::model), "model");

// ---- the session handle: the C++ Session's bytes -------------------------------

static_assert(sizeof(cws_session) == sizeof(Session), "cws_session mirrors Session");
static_assert(alignof(cws_session) == alignof(Session), "cws_session mirrors Session");
static_assert(std::is_trivially_copyable<Session>::value, "Session is copied as bytes");
static_assert(std::is_standard_layout<Session>::value, "Session's fields are in order");

template <size_t N>
void copy_text(char (&out)[N], const char* in) {
    static_assert(N > 0, "a text needs room for its NUL");
    // memchr, not strnlen (POSIX, not in a strict newlib): in is an array of N.
    const void* end = memchr(in, '\0', N - 1);
    const size_t n =
        end != nullptr ? static_cast<size_t>(static_cast<const char*>(end) - in) : N - 1;
    memcpy(out, in, n);
    out[n] = '\0';
}

}  // namespace

Config to_cpp(const cws_config& c) {
    Config o;
    o.max_sessions = c.max_sessions;
    o.max_requests = c.max_requests;
    o.tx_buffer_bytes = c.tx_buffer_bytes;
    o.rx_buffer_bytes = c.rx_buffer_bytes;
    o.max_message_bytes = c.max_message_bytes;
    o.work_buffer_bytes = c.work_buffer_bytes;
    o.max_header_line = c.max_header_line;
    o.max_headers = c.max_headers;
    o.max_body_bytes = c.max_body_bytes;
    o.max_payment_header = c.max_payment_header;
    o.listeners_per_event = c.listeners_per_event;
    o.tls_session_cache = c.tls_session_cache;
    o.post_slots = c.post_slots;
    o.post_slot_bytes = c.post_slot_bytes;
    o.max_handshakes = c.max_handshakes;
    o.session_tx_bytes = c.session_tx_bytes;
    o.frame_parsers = c.frame_parsers;
    return o;
}

void to_c(const Config& c, cws_config* o) {
    o->max_sessions = c.max_sessions;
    o->max_requests = c.max_requests;
    o->tx_buffer_bytes = c.tx_buffer_bytes;
    o->rx_buffer_bytes = c.rx_buffer_bytes;
    o->max_message_bytes = c.max_message_bytes;
    o->work_buffer_bytes = c.work_buffer_bytes;
    o->max_header_line = c.max_header_line;
    o->max_headers = c.max_headers;
    o->max_body_bytes = c.max_body_bytes;
    o->max_payment_header = c.max_payment_header;
    o->listeners_per_event = c.listeners_per_event;
    o->tls_session_cache = c.tls_session_cache;
    o->post_slots = c.post_slots;
    o->post_slot_bytes = c.post_slot_bytes;
    o->max_handshakes = c.max_handshakes;
    o->session_tx_bytes = c.session_tx_bytes;
    o->frame_parsers = c.frame_parsers;
}

TokenParams to_cpp(const cws_token_params& p) {
    TokenParams o;
    o.model = static_cast<Model>(p.model);
    o.minutes = p.minutes;
    o.megabytes = p.megabytes;
    o.node_region = p.node_region;
    o.node_domain = p.node_domain;
    o.node_exclude = p.node_exclude;
    // A model outside the enum stays outside it: validate_params refuses it.
    if (static_cast<unsigned>(p.model) > static_cast<unsigned>(Model::data)) {
        o.model = static_cast<Model>(0xff);
    }
    return o;
}

void to_c(const TokenParams& p, cws_token_params* o) {
    o->model = static_cast<cws_model>(p.model);
    o->minutes = p.minutes;
    o->megabytes = p.megabytes;
    o->node_region = p.node_region;
    o->node_domain = p.node_domain;
    o->node_exclude = p.node_exclude;
}

ClientOptions to_cpp(const cws_options& c) {
    ClientOptions o;
    o.server_url = c.server_url;
    o.defaults = to_cpp(c.defaults);
    o.open_timeout_ms = c.open_timeout_ms;
    o.request_timeout_ms = c.request_timeout_ms;
    o.reconnect_interval_ms = c.reconnect_interval_ms;
    o.reconnect_max_ms = c.reconnect_max_ms;
    o.reconnect_jitter = c.reconnect_jitter;
    o.max_reconnects = c.max_reconnects;
    o.ping_interval_ms = c.ping_interval_ms;
    o.start_timeout_ms = c.start_timeout_ms;
    o.max_paid_attempts = c.max_paid_attempts;
    o.min_served_ms = c.min_served_ms;
    o.close_timeout_ms = c.close_timeout_ms;
    o.price_margin_ppm = c.price_margin_ppm;
    o.limit_micro_usd = c.limit_micro_usd;
    o.connect_hosts = c.connect_hosts;
    o.connect_host_count = c.connect_host_count;
    o.ca_pem = c.ca_pem;
    o.ca_pem_len = c.ca_pem_len;
    o.ca_file = c.ca_file;
    o.tls_max_fragment_bytes = c.tls_max_fragment_bytes;
    o.log_hook = nullptr;  // a C hook has another signature: the caller sets its trampoline
    o.log_user = nullptr;
    o.log_level = static_cast<LogLevel>(c.log_level);
    o.http_proxy = c.http_proxy;
    o.https_proxy = c.https_proxy;
    o.no_proxy = c.no_proxy;
    return o;
}

void to_c(const ClientOptions& c, cws_options* o) {
    o->server_url = c.server_url;
    o->payment_hook = nullptr;  // a C++ hook has another signature: the caller sets its own
    o->payment_user = nullptr;
    to_c(c.defaults, &o->defaults);
    o->open_timeout_ms = c.open_timeout_ms;
    o->request_timeout_ms = c.request_timeout_ms;
    o->reconnect_interval_ms = c.reconnect_interval_ms;
    o->reconnect_max_ms = c.reconnect_max_ms;
    o->reconnect_jitter = c.reconnect_jitter;
    o->max_reconnects = c.max_reconnects;
    o->ping_interval_ms = c.ping_interval_ms;
    o->start_timeout_ms = c.start_timeout_ms;
    o->max_paid_attempts = c.max_paid_attempts;
    o->min_served_ms = c.min_served_ms;
    o->close_timeout_ms = c.close_timeout_ms;
    o->price_margin_ppm = c.price_margin_ppm;
    o->limit_micro_usd = c.limit_micro_usd;
    o->on_limit_reached = nullptr;
    o->limit_user = nullptr;
    o->connect_hosts = c.connect_hosts;
    o->connect_host_count = c.connect_host_count;
    o->ca_pem = c.ca_pem;
    o->ca_pem_len = c.ca_pem_len;
    o->ca_file = c.ca_file;
    o->tls_max_fragment_bytes = c.tls_max_fragment_bytes;
    o->log_hook = nullptr;
    o->log_user = nullptr;
    o->log_level = static_cast<cws_log_level>(c.log_level);
    o->http_proxy = c.http_proxy;
    o->https_proxy = c.https_proxy;
    o->no_proxy = c.no_proxy;
}

// The C strings are bounded like the C++ ones: a C caller's array without its
// NUL is cut, never read past (the C++ core then sees a NUL-terminated text).
void to_cpp(const cws_token_auth& a, TokenAuth* o) {
    memset(o, 0, sizeof *o);
    memcpy(o->token, a.token, sizeof o->token);
    memcpy(o->connect_url, a.connect_url, sizeof o->connect_url);
    o->expires_in_s = a.expires_in_s;
    o->obtained_ms = a.obtained_ms;
    o->has_params = a.has_params;
    o->model = static_cast<Model>(a.model);
    o->minutes = a.minutes;
    o->megabytes = a.megabytes;
    copy_text(o->node_region, a.node_region);
    copy_text(o->node_domain, a.node_domain);
    copy_text(o->node_exclude, a.node_exclude);
}

void to_c(const TokenAuth& a, cws_token_auth* o) {
    memset(o, 0, sizeof *o);
    copy_text(o->token, a.token);
    copy_text(o->connect_url, a.connect_url);
    o->expires_in_s = a.expires_in_s;
    o->obtained_ms = a.obtained_ms;
    o->has_params = a.has_params;
    o->model = static_cast<cws_model>(a.model);
    o->minutes = a.minutes;
    o->megabytes = a.megabytes;
    copy_text(o->node_region, a.node_region);
    copy_text(o->node_domain, a.node_domain);
    copy_text(o->node_exclude, a.node_exclude);
}

Session to_cpp(const cws_session& s) {
    Session o;
    memcpy(static_cast<void*>(&o), &s, sizeof o);
    return o;
}

cws_session to_c(const Session& s) {
    cws_session o;
    memcpy(&o, static_cast<const void*>(&s), sizeof o);
    return o;
}

void to_c(const PaymentChallenge& ch, cws_payment_challenge* o) {
    o->json = to_c(ch.json);
    o->x402_version = ch.x402_version;
    o->error = to_c(ch.error);
    o->resource_url = to_c(ch.resource_url);
    o->resource_json = to_c(ch.resource_json);
    o->extensions_json = to_c(ch.extensions_json);
    o->server_time_s = ch.server_time_s;
    for (size_t i = 0; i < kMaxAccepts; ++i) {
        const PaymentRequirement& r = ch.accepts[i];
        cws_payment_requirement& c = o->accepts[i];
        c.scheme = to_c(r.scheme);
        c.network = to_c(r.network);
        c.amount = to_c(r.amount);
        c.asset = to_c(r.asset);
        c.pay_to = to_c(r.pay_to);
        c.max_timeout_s = r.max_timeout_s;
        c.raw = to_c(r.raw);
    }
    o->accepts_count = ch.accepts_count;
    o->accepts_json = to_c(ch.accepts_json);
}

void to_cpp(const cws_payment_challenge& c, PaymentChallenge* o) {
    o->json = to_cpp(c.json);
    o->x402_version = c.x402_version;
    o->error = to_cpp(c.error);
    o->resource_url = to_cpp(c.resource_url);
    o->resource_json = to_cpp(c.resource_json);
    o->extensions_json = to_cpp(c.extensions_json);
    o->server_time_s = c.server_time_s;
    for (size_t i = 0; i < kMaxAccepts; ++i) {
        const cws_payment_requirement& r = c.accepts[i];
        PaymentRequirement& p = o->accepts[i];
        p.scheme = to_cpp(r.scheme);
        p.network = to_cpp(r.network);
        p.amount = to_cpp(r.amount);
        p.asset = to_cpp(r.asset);
        p.pay_to = to_cpp(r.pay_to);
        p.max_timeout_s = r.max_timeout_s;
        p.raw = to_cpp(r.raw);
    }
    // A count over the array is cut to it: the C++ side never reads past it.
    o->accepts_count = c.accepts_count < kMaxAccepts ? c.accepts_count : kMaxAccepts;
    o->accepts_json = to_cpp(c.accepts_json);
}

cws_budget to_c(const Budget& b) {
    return cws_budget{b.limited, b.limit_micro_usd, b.spent_micro_usd, b.remaining_micro_usd};
}

void to_c(const Event& e, cws_event* o, cws_session_start_info* start,
          cws_session_expired_info* expired) {
    o->type = static_cast<cws_event_type>(e.type);
    o->session_index = e.session_index;
    o->data = e.data;
    o->size = e.size;
    o->binary = e.binary;
    o->offset = e.offset;
    o->last = e.last;
    o->code = e.code;
    o->reason = to_c(e.reason);
    o->initiator = static_cast<cws_initiator>(e.initiator);
    o->error = to_c(e.error);
    o->phase = static_cast<cws_phase>(e.phase);
    o->http_status = e.http_status;
    o->attempt = e.attempt;
    o->in_ms = e.in_ms;
    o->tls_version = e.tls_version;
    o->token = to_c(e.token);
    o->connect_url = to_c(e.connect_url);
    o->expires_in_s = e.expires_in_s;
    o->payment_paid = e.payment_paid;
    o->start = nullptr;
    o->expired = nullptr;
    if (e.start != nullptr) {
        const SessionStartInfo& s = *e.start;
        memcpy(start->session_id, s.session_id, sizeof start->session_id);
        memcpy(start->served_by, s.served_by, sizeof start->served_by);
        memcpy(start->model, s.model, sizeof start->model);
        start->time_seconds = s.time_seconds;
        start->data_mb = s.data_mb;
        start->total_cost = s.total_cost;
        start->price_per_minute = s.price_per_minute;
        start->price_per_mb = s.price_per_mb;
        o->start = start;
    }
    if (e.expired != nullptr) {
        const SessionExpiredInfo& x = *e.expired;
        expired->reason = static_cast<cws_expiry_reason>(x.reason);
        expired->reason_text = to_c(x.reason_text);
        expired->duration_minutes = x.duration_minutes;
        expired->data_mb = x.data_mb;
        o->expired = expired;
    }
}

}  // namespace capi
}  // namespace consensus
