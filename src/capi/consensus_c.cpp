// SPDX-License-Identifier: MIT
// The C API (consensus/consensus.h): the C++ Client in the caller's block,
// conversions, and trampolines from the C++ callbacks to the C ones. No state
// machine of its own and no allocation: the C callbacks and their user
// pointers wait in tables at the start of the block (layout in the header).
#include <string.h>

#include <new>
#include <type_traits>

#include "capi/convert.h"
#include "consensus/client.h"
#include "consensus/consensus.h"

using consensus::Client;
using consensus::Error;
using consensus::Event;
using consensus::EventType;
using consensus::Session;
using consensus::capi::to_c;
using consensus::capi::to_cpp;

namespace {

// One C callback: what the C++ listener slot's user pointer points to.
struct CListener {
    cws_listener fn;
    void* user;
};

struct CTokenCallback {
    cws_token_callback fn;
    void* user;
};

// A session's row of the C listener table: the handle it belongs to (a new
// session in the slot starts the row afresh), its options' listener, then
// listeners_per_event entries per event type.
struct RowHead {
    cws_session owner;
    CListener options;
};

static_assert(sizeof(CListener) == CWS_LISTENER_ENTRY_BYTES, "a listener entry");
static_assert(sizeof(CTokenCallback) == CWS_LISTENER_ENTRY_BYTES, "a token callback entry");
static_assert(sizeof(RowHead) == sizeof(cws_session) + sizeof(CListener), "a row's head");
static_assert(alignof(RowHead) <= CWS_CLIENT_ALIGN, "rows are 16-aligned");

constexpr size_t align16(size_t n) {
    return (n + 15) & ~size_t{15};
}

}  // namespace

// The block's header (CWS_CLIENT_HEADER_BYTES): the C++ client and the hooks.
struct cws_client {
    Client client;
    cws_payment_hook payment_hook;
    void* payment_user;
    cws_limit_hook limit_hook;
    void* limit_user;
    cws_log_hook log_hook;
    void* log_user;
    // The options' listener of the cws_open_session / cws_connect running
    // now: a session's row takes it on its first use (see row_for).
    CListener staged;
    const uint8_t* inner;  // the C++ client's block
    size_t inner_size;
    size_t row_stride;
    uint16_t max_sessions;
    uint16_t max_requests;
    uint8_t per_event;
};

static_assert(sizeof(cws_client) <= CWS_CLIENT_HEADER_BYTES, "the header fits its constant");
static_assert(alignof(cws_client) <= CWS_CLIENT_ALIGN, "the header is 16-aligned");
static_assert(CWS_CLIENT_HEADER_BYTES % CWS_CLIENT_ALIGN == 0, "the tables are 16-aligned");

namespace {

// The C layer's part of the block, SIZE_MAX when it does not fit size_t.
size_t c_part_bytes(const cws_config& c) {
    const size_t row = CWS_SESSION_ROW_BYTES(c.listeners_per_event);
    if (c.max_sessions != 0 && row > (SIZE_MAX - 2 * CWS_CLIENT_HEADER_BYTES) / c.max_sessions) {
        return SIZE_MAX;
    }
    return CWS_CLIENT_HEADER_BYTES + row * c.max_sessions + CWS_REQUEST_TABLE_BYTES(c.max_requests);
}

cws_error answer(const char** why, Error e, const char* text) {
    if (why != nullptr) *why = text;
    return to_c(e);
}

// The C++ texts that name a C++ function get the C one's name.
const char* c_why(const char* why) {
    if (why != nullptr &&
        strcmp(why, "memory_size is smaller than Client::required_bytes(config)") == 0) {
        return "memory_size is smaller than cws_client_required_bytes(config)";
    }
    return why;
}

// True when s names a slot inside this client's block (not another client's).
bool ours(const cws_client* c, const cws_session& s) {
    const uintptr_t slot = reinterpret_cast<uintptr_t>(s.private_slot);
    const uintptr_t begin = reinterpret_cast<uintptr_t>(c->inner);
    return slot >= begin && slot - begin < c->inner_size && s.private_index < c->max_sessions;
}

bool same_handle(const cws_session& a, const cws_session& b) {
    return a.private_slot == b.private_slot && a.private_generation == b.private_generation &&
           a.private_index == b.private_index;
}

// The tables follow the header (consensus.h, "Memory").
uint8_t* rows_of(cws_client* c) {
    return reinterpret_cast<uint8_t*>(c) + CWS_CLIENT_HEADER_BYTES;
}

RowHead* row_at(cws_client* c, uint16_t index) {
    return reinterpret_cast<RowHead*>(rows_of(c) + index * c->row_stride);
}

CTokenCallback* requests_of(cws_client* c) {
    return reinterpret_cast<CTokenCallback*>(rows_of(c) + c->row_stride * c->max_sessions);
}

CListener* entries_of(RowHead* row, cws_client* c, cws_event_type type) {
    return reinterpret_cast<CListener*>(row + 1) + static_cast<size_t>(type) * c->per_event;
}

// The row of a valid session of this client. A session's row starts afresh
// on its first use: the C++ slot cleared its listeners when the session
// began, inside the cws_open_session / cws_connect call that staged its
// options' listener (the session's first events, the first cws_on on it and
// that call's return are the only first uses).
RowHead* row_for(cws_client* c, const cws_session& s) {
    RowHead* row = row_at(c, s.private_index);
    if (!same_handle(row->owner, s)) {
        memset(static_cast<void*>(row), 0, c->row_stride);
        row->owner = s;
        row->options = c->staged;
    }
    return row;
}

void deliver(const CListener& l, Session& session, const Event& event) {
    cws_session_start_info start;
    cws_session_expired_info expired;
    cws_event ev;
    to_c(event, &ev, &start, &expired);
    l.fn(l.user, to_c(session), &ev);
}

// A listener registered by cws_on: user is its entry.
void listener_trampoline(void* user, Session& session, const Event& event) {
    const CListener l = *static_cast<const CListener*>(user);
    if (l.fn != nullptr) deliver(l, session, event);
}

// The session options' listener: user is the client, the row has it.
void options_trampoline(void* user, Session& session, const Event& event) {
    cws_client* c = static_cast<cws_client*>(user);
    const CListener l = row_for(c, to_c(session))->options;
    if (l.fn != nullptr) deliver(l, session, event);
}

consensus::PaymentDecision payment_trampoline(void* user,
                                              const consensus::PaymentChallenge& challenge,
                                              consensus::PaymentTicket ticket,
                                              consensus::PaymentHeaderOut* header) {
    cws_client* c = static_cast<cws_client*>(user);
    cws_payment_challenge ch;
    to_c(challenge, &ch);
    cws_payment_header_out out{header->data, header->capacity, header->size, header->refusal};
    const cws_payment_decision d = c->payment_hook(c->payment_user, &ch, {ticket.id}, &out);
    header->size = out.size;
    header->refusal = out.refusal;
    switch (d) {
        case CWS_PAY_PAID:
            return consensus::PaymentDecision::paid;
        case CWS_PAY_PENDING:
            return consensus::PaymentDecision::pending;
        case CWS_PAY_DECLINE:
            return consensus::PaymentDecision::decline;
        case CWS_PAY_REFUSED:
            break;
    }
    return consensus::PaymentDecision::refused;  // and any value outside the enum
}

void log_trampoline(void* user, consensus::LogLevel level, int32_t session, const char* message) {
    cws_client* c = static_cast<cws_client*>(user);
    c->log_hook(c->log_user, static_cast<cws_log_level>(level), session, message);
}

void limit_trampoline(void* user, const consensus::Budget& budget) {
    cws_client* c = static_cast<cws_client*>(user);
    const cws_budget b = to_c(budget);
    c->limit_hook(c->limit_user, &b);
}

// The entry is free again before the C callback runs (its C++ request slot
// is still taken meanwhile, so a request_token from inside it finds an
// entry whenever the core finds a slot).
void token_trampoline(void* user, const consensus::TokenResult& result) {
    CTokenCallback* entry = static_cast<CTokenCallback*>(user);
    const CTokenCallback cb = *entry;
    *entry = CTokenCallback{};
    cws_token_auth auth;
    if (result.auth != nullptr) to_c(*result.auth, &auth);
    const cws_token_result r{to_c(result.error), result.http_status, to_c(result.message),
                             result.auth != nullptr ? &auth : nullptr, result.paid};
    cb.fn(cb.user, &r);
}

consensus::TokenParams params_or_default(const cws_token_params* p) {
    return p != nullptr ? to_cpp(*p) : consensus::TokenParams{};
}

// SessionOptions for the C++ core; the C listener is staged in the client.
consensus::SessionOptions session_options(cws_client* c, const cws_session_options* o) {
    consensus::SessionOptions so;
    if (o != nullptr) {
        so.listener = o->listener != nullptr ? options_trampoline : nullptr;
        so.user = c;
        so.renew = o->renew;
        so.await_session_start = o->await_session_start;
        so.max_streamed_message_bytes = o->max_streamed_message_bytes;
    }
    return so;
}

// Runs a session start with the options' listener staged, then gives the
// new session its row (when it is still running).
template <typename Start>
cws_error start_session(cws_client* c, const cws_session_options* o, cws_session* out,
                        const Start& start) {
    if (out == nullptr) return CWS_ERR_INVALID_PARAMS;
    const CListener outer = c->staged;  // a start from inside another's events
    c->staged = o != nullptr ? CListener{o->listener, o->user} : CListener{};
    Session s;
    const Error e = start(session_options(c, o), &s);
    if (e == Error::ok) {
        *out = to_c(s);
        if (s.valid()) row_for(c, *out);
    }
    c->staged = outer;
    return to_c(e);
}

}  // namespace

consensus::Client& consensus::capi::client_of(cws_client* c) {
    return c->client;
}

extern "C" {

const char* cws_error_name(cws_error e) {
    if (static_cast<unsigned>(e) >= CWS_ERROR_COUNT) return "unknown";
    return consensus::error_name(static_cast<Error>(e));
}

void cws_token_params_default(cws_token_params* p) {
    if (p != nullptr) to_c(consensus::TokenParams{}, p);
}

const char* cws_model_name(cws_model m) {
    if (static_cast<unsigned>(m) > CWS_MODEL_DATA) return "unknown";
    return consensus::model_name(static_cast<consensus::Model>(m));
}

void cws_config_default(cws_config* c) {
    if (c != nullptr) to_c(consensus::Config{}, c);
}

void cws_options_default(cws_options* o) {
    if (o != nullptr) to_c(consensus::ClientOptions{}, o);
}

void cws_session_options_default(cws_session_options* o) {
    if (o == nullptr) return;
    const consensus::SessionOptions d;
    o->listener = nullptr;
    o->user = d.user;
    o->renew = d.renew;
    o->await_session_start = d.await_session_start;
    o->max_streamed_message_bytes = d.max_streamed_message_bytes;
}

const char* cws_session_state_name(cws_session_state s) {
    if (static_cast<unsigned>(s) > CWS_STATE_CLOSED) return "unknown";
    return consensus::session_state_name(static_cast<consensus::SessionState>(s));
}

const char* cws_tls_library_version(void) {
    return consensus::tls_library_version();
}

size_t cws_client_required_bytes(const cws_config* config) {
    if (config == nullptr) return SIZE_MAX;
    const size_t inner = Client::required_bytes(to_cpp(*config));
    const size_t outer = c_part_bytes(*config);
    if (inner == SIZE_MAX || outer == SIZE_MAX || inner > SIZE_MAX - outer) return SIZE_MAX;
    return inner + outer;
}

cws_error cws_client_init(void* memory, size_t memory_size, const cws_config* config,
                          const cws_options* options, const cws_port* port, cws_client** out,
                          const char** why) {
    if (config == nullptr || options == nullptr || port == nullptr || out == nullptr) {
        return answer(why, Error::invalid_params, "config, options, port or out is null");
    }
    const consensus::Config cfg = to_cpp(*config);
    consensus::ClientOptions opt = to_cpp(*options);
    const size_t need = cws_client_required_bytes(config);
    const size_t outer = c_part_bytes(*config);
    const bool block_ok = memory != nullptr &&
                          reinterpret_cast<uintptr_t>(memory) % CWS_CLIENT_ALIGN == 0 &&
                          need != SIZE_MAX && memory_size >= need;
    if (!block_ok) {
        // The C++ client names the first fault (a null hook before the
        // memory, as in C++): it fails at the C++ part of this block without
        // writing anything.
        opt.payment_hook = options->payment_hook != nullptr ? payment_trampoline : nullptr;
        Client probe;
        const bool fits = outer != SIZE_MAX && memory_size > outer;
        void* inner = memory != nullptr && fits ? static_cast<uint8_t*>(memory) + outer : memory;
        const char* text = nullptr;
        const Error e = probe.init(cfg, opt, *port, inner, fits ? memory_size - outer : 0, &text);
        if (e != Error::ok) return answer(why, e, c_why(text));
        probe.deinit();  // not reached: the block was refused above
        return answer(why, Error::invalid_config,
                      "memory_size is smaller than cws_client_required_bytes(config)");
    }
    cws_client* c = new (memory) cws_client();
    c->payment_hook = options->payment_hook;
    c->payment_user = options->payment_user;
    c->limit_hook = options->on_limit_reached;
    c->limit_user = options->limit_user;
    c->log_hook = options->log_hook;
    c->log_user = options->log_user;
    c->staged = CListener{};
    c->row_stride = CWS_SESSION_ROW_BYTES(config->listeners_per_event);
    c->inner = static_cast<uint8_t*>(memory) + outer;
    c->inner_size = memory_size - outer;
    c->max_sessions = config->max_sessions;
    c->max_requests = config->max_requests;
    c->per_event = config->listeners_per_event;
    memset(rows_of(c), 0, outer - CWS_CLIENT_HEADER_BYTES);
    opt.payment_hook = c->payment_hook != nullptr ? payment_trampoline : nullptr;
    opt.payment_user = c;
    opt.on_limit_reached = c->limit_hook != nullptr ? limit_trampoline : nullptr;
    opt.limit_user = c;
    opt.log_hook = c->log_hook != nullptr ? log_trampoline : nullptr;
    opt.log_user = c;
    const char* text = nullptr;
    const Error e = c->client.init(cfg, opt, *port, static_cast<uint8_t*>(memory) + outer,
                                   memory_size - outer, &text);
    if (e != Error::ok) {
        c->~cws_client();
        return answer(why, e, c_why(text));
    }
    static_assert(align16(CWS_CLIENT_HEADER_BYTES) == CWS_CLIENT_HEADER_BYTES, "aligned");
    *out = c;
    return answer(why, Error::ok, "");
}

void cws_client_deinit(cws_client* client) {
    if (client != nullptr) client->client.deinit();
}

int cws_client_poll(cws_client* client, int32_t max_wait_ms) {
    return client != nullptr ? client->client.poll(max_wait_ms) : 0;
}

int32_t cws_client_next_timeout_ms(const cws_client* client) {
    return client != nullptr ? client->client.next_timeout_ms() : -1;
}

void cws_client_process(cws_client* client) {
    if (client != nullptr) client->client.process();
}

cws_error cws_request_token(cws_client* client, const cws_token_params* params,
                            cws_token_callback cb, void* user) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    if (cb == nullptr) return CWS_ERR_INVALID_PARAMS;
    // One entry more than request slots: each pending callback holds a busy
    // slot, so one entry is always free and the core gives its own answer
    // (no_resources when every slot is busy).
    CTokenCallback* entry = nullptr;
    CTokenCallback* const entries = requests_of(client);
    for (size_t i = 0; i <= client->max_requests && entry == nullptr; ++i) {
        if (entries[i].fn == nullptr) entry = &entries[i];
    }
    if (entry == nullptr) return CWS_ERR_NO_RESOURCES;  // not reached (above)
    *entry = CTokenCallback{cb, user};
    const Error e =
        client->client.request_token(params_or_default(params), token_trampoline, entry);
    if (e != Error::ok) *entry = CTokenCallback{};
    return to_c(e);
}

cws_error cws_open_session(cws_client* client, const cws_token_params* params,
                           const cws_session_options* options, cws_session* out) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    const consensus::TokenParams p = params_or_default(params);
    return start_session(client, options, out,
                         [&](const consensus::SessionOptions& so, Session* s) {
                             return client->client.open_session(p, so, s);
                         });
}

cws_error cws_connect(cws_client* client, const cws_token_auth* auth,
                      const cws_session_options* options, cws_session* out) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    if (auth == nullptr) return CWS_ERR_INVALID_PARAMS;
    consensus::TokenAuth a;
    to_cpp(*auth, &a);
    return start_session(client, options, out,
                         [&](const consensus::SessionOptions& so, Session* s) {
                             return client->client.connect(a, so, s);
                         });
}

cws_error cws_send_text(cws_session session, const char* data, size_t size) {
    return to_c(to_cpp(session).send_text(data, size));
}

cws_error cws_send_binary(cws_session session, const uint8_t* data, size_t size) {
    return to_c(to_cpp(session).send_binary(data, size));
}

cws_error cws_send_stream(cws_session session, bool binary, cws_send_source source, void* user) {
    static_assert(std::is_same<cws_send_source, consensus::SendSource>::value,
                  "cws_send_source is consensus::SendSource");
    return to_c(to_cpp(session).send_stream(binary, source, user));
}

cws_error cws_resume_stream(cws_session session) {
    return to_c(to_cpp(session).resume_stream());
}

cws_error cws_close(cws_session session, uint16_t code, const char* reason) {
    return to_c(to_cpp(session).close(code, reason));
}

cws_error cws_on(cws_client* client, cws_session session, cws_event_type type, cws_listener fn,
                 void* user) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    if (fn == nullptr || static_cast<unsigned>(type) >= CWS_EVENT_TYPE_COUNT) {
        return CWS_ERR_INVALID_PARAMS;
    }
    Session s = to_cpp(session);
    if (!ours(client, session) || !s.valid()) return CWS_ERR_INVALID_HANDLE;
    CListener* entries = entries_of(row_for(client, session), client, type);
    for (size_t i = 0; i < client->per_event; ++i) {
        if (entries[i].fn != nullptr) continue;
        entries[i] = CListener{fn, user};
        const Error e = s.on(static_cast<EventType>(type), listener_trampoline, &entries[i]);
        if (e != Error::ok) entries[i] = CListener{};
        return to_c(e);
    }
    return CWS_ERR_NO_RESOURCES;
}

bool cws_off(cws_client* client, cws_session session, cws_event_type type, cws_listener fn,
             void* user) {
    if (client == nullptr || fn == nullptr || static_cast<unsigned>(type) >= CWS_EVENT_TYPE_COUNT) {
        return false;
    }
    Session s = to_cpp(session);
    if (!ours(client, session) || !s.valid()) return false;
    RowHead* row = row_for(client, session);
    CListener* entries = entries_of(row, client, type);
    const EventType t = static_cast<EventType>(type);
    for (size_t i = 0; i < client->per_event; ++i) {
        if (entries[i].fn != fn || entries[i].user != user) continue;
        const bool removed = s.off(t, listener_trampoline, &entries[i]);
        entries[i] = CListener{};
        return removed;
    }
    if (row->options.fn == fn && row->options.user == user) {
        return s.off(t, options_trampoline, client);
    }
    return false;
}

cws_session_state cws_session_get_state(cws_session session) {
    return static_cast<cws_session_state>(to_cpp(session).state());
}

cws_public_state cws_session_public_state(cws_session session) {
    return static_cast<cws_public_state>(to_cpp(session).public_state());
}

uint16_t cws_session_index(cws_session session) {
    return to_cpp(session).index();
}

bool cws_session_valid(cws_session session) {
    return to_cpp(session).valid();
}

bool cws_session_same(cws_session a, cws_session b) {
    return same_handle(a, b);
}

cws_error cws_complete_payment(cws_client* client, cws_payment_ticket ticket, const char* header,
                               size_t size) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    return to_c(client->client.complete_payment({ticket.id}, header, size));
}

cws_error cws_refuse_payment(cws_client* client, cws_payment_ticket ticket) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    return to_c(client->client.refuse_payment({ticket.id}));
}

bool cws_client_wake(cws_client* client) {
    return client != nullptr && client->client.wake();
}

cws_error cws_client_post(cws_client* client, cws_session session, const uint8_t* data, size_t size,
                          bool binary) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    return to_c(client->client.post(to_cpp(session), data, size, binary));
}

uint32_t cws_client_posts_dropped(const cws_client* client) {
    return client != nullptr ? client->client.posts_dropped() : 0;
}

cws_budget cws_client_budget(const cws_client* client) {
    return to_c(client != nullptr ? client->client.budget() : consensus::Budget{});
}

void cws_client_reset_budget(cws_client* client) {
    if (client != nullptr) client->client.reset_budget();
}

bool cws_client_stand_down(const cws_client* client) {
    return client != nullptr && client->client.stand_down();
}

cws_error cws_client_set_reconnect_policy(cws_client* client, uint32_t interval_ms, uint32_t max_ms,
                                          float jitter) {
    if (client == nullptr) return CWS_ERR_INVALID_CONFIG;
    return to_c(client->client.set_reconnect_policy(interval_ms, max_ms, jitter));
}

}  // extern "C"
