// SPDX-License-Identifier: MIT
// Client: init and deinit, the public API and the poll loop. The block's
// layout is client/layout.cpp; what the slots share, client_core.cpp; the
// Session handle, session_handle.cpp.
#include <string.h>

#include <new>

#include "client/client_core.h"
#include "client/layout.h"
#include "client/post_queue.h"
#include "client/request_slot.h"
#include "client/session_slot.h"
#include "core/strview.h"
#include "core/wipe.h"
#include "ws/framer.h"

namespace consensus {

namespace {

void fill_random(void* rng, uint8_t* out, size_t len) {
    static_cast<Rng*>(rng)->fill(out, len);
}

}  // namespace

// The core as the public header names it (an empty subclass: the layout is
// ClientCore's).
struct Client::Impl : ClientCore {};
static_assert(sizeof(Client::Impl) == sizeof(ClientCore), "the layout sizes a ClientCore");

// What deinit() releases. Runs with no library call on the stack (depth 0):
// nothing touches the core or the block after it.
void teardown(ClientCore* core) {
    for (size_t i = 0; core->sessions != nullptr && i < core->config.max_sessions; ++i) {
        SessionSlot* s = core->session(i);
        s->unbind();
        s->~SessionSlot();
    }
    core->parsers.deinit();  // every framer gave its context back
    for (size_t i = 0; core->requests != nullptr && i < core->config.max_requests; ++i) {
        RequestSlot* r = core->request(i);
        r->shutdown();
        r->~RequestSlot();
    }
    core->tls_cache.clear();  // before the block's wipe: mbedTLS holds the tickets' copies
    if (core->tls_ready) tls_shared_free(&core->tls);
    core->rng.deinit();
    void* const block = core->block;
    const size_t block_size = core->block_size;
    *core->owner = nullptr;
    static_cast<Client::Impl*>(core)->~Impl();
    wipe(block, block_size);  // tokens, payment headers, message bytes: nothing stays
}

namespace {

// The client while it runs: null before init, after deinit, and from the
// moment a callback called deinit() (the teardown itself waits).
Client::Impl* running(Client::Impl* impl) {
    return impl != nullptr && !impl->teardown_pending ? impl : nullptr;
}

}  // namespace

// SIZE_MAX when the layout does not fit size_t (client/layout.h).
size_t Client::required_bytes(const Config& c) {
    return client_block_bytes(c);
}

namespace {

// Hands init()'s reason to the caller who asked for it (why may be null).
Error answer(const char** why, Error e, const char* reason) {
    if (why != nullptr) *why = reason;
    return e;
}

// Rng::init needs random(); the other ops are first called later.
const char* port_fault(const cws_port& port) {
    if (port.ops == nullptr) return "port.ops is null";
    if (port.ops->random == nullptr) return "port.ops->random is null";
    return nullptr;
}

const char* memory_fault(const Config& c, const void* memory, size_t size) {
    if (memory == nullptr) return "memory is null";
    if (reinterpret_cast<uintptr_t>(memory) % kLayoutAlign != 0)
        return "memory is not 16-byte aligned";
    if (size < Client::required_bytes(c)) {
        return "memory_size is smaller than Client::required_bytes(config)";
    }
    return nullptr;
}

// Only what can be judged before the copy; the URL is parsed in the copy
// (start_core), because the parsed views point into it.
const char* server_url_fault(const char* url) {
    if (url == nullptr) return "options.server_url is null";
    if (strlen(url) > kMaxUrl) return "options.server_url is longer than kMaxUrl (512 bytes)";
    return nullptr;
}

// The first fault of init()'s arguments, or nullptr. Nothing is written yet.
const char* arguments_fault(const Config& config, const ClientOptions& options,
                            const cws_port& port, const void* memory, size_t memory_size) {
    if (options.payment_hook == nullptr) return "options.payment_hook is null (it is required)";
    const char* fault = port_fault(port);
    if (fault == nullptr) fault = config_fault(config);
    if (fault == nullptr) fault = memory_fault(config, memory, memory_size);
    if (fault == nullptr) fault = server_url_fault(options.server_url);
    if (fault == nullptr && !tls_max_fragment_valid(options.tls_max_fragment_bytes)) {
        fault = "options.tls_max_fragment_bytes must be 0, 512, 1024, 2048 or 4096";
    }
    if (fault == nullptr) fault = reconnect_jitter_fault(options.reconnect_jitter);
    return fault;
}

// Parses one proxy URL (none: nothing to do): the fault, or nullptr.
const char* start_proxy(const char* url, ProxyUrl* out) {
    const char* why = nullptr;
    if (url == nullptr || parse_proxy_url(url, strlen(url), out, &why) == Error::ok) return nullptr;
    return why;
}

// Parses the copied server URL and the proxies, seeds the RNG: the fault, or
// nullptr.
const char* start_core(ClientCore* core) {
    Url& url = core->server;
    if (parse_url(core->server_text, strlen(core->server_text), &url) != Error::ok) {
        return "options.server_url is not a valid http:// or https:// URL";
    }
    if (url.websocket) return "options.server_url must be http:// or https://, not ws:// or wss://";
    // The proxies' views point into the caller's strings (they outlive the
    // client); a reason never quotes a URL, which may hold a password.
    const char* why = start_proxy(core->options.http_proxy, &core->http_proxy);
    if (why == nullptr) why = start_proxy(core->options.https_proxy, &core->https_proxy);
    if (why != nullptr) return why;
    if (core->rng.init(core->port) != Error::ok) {
        return "port.ops->random failed: the RNG could not be seeded";
    }
    return nullptr;
}

// The parsers' allocations (one wslay frame context each) happen here, at init.
bool init_framers(ClientCore* core) {
    const size_t n = frame_parsers(core->config);
    if (n == 0) return true;  // no sessions
    core->mask_keys.init(fill_random, &core->rng);
    if (core->parsers.init(core->parser_entries, n, ws::Framer::wslay_callbacks()) != Error::ok) {
        return false;
    }
    for (uint16_t i = 0; i < core->config.max_sessions; ++i) {
        if (core->session(i)->init_framer() != Error::ok) return false;
    }
    return true;
}

}  // namespace

Error Client::init(const Config& config, const ClientOptions& options, const cws_port& port,
                   void* memory, size_t memory_size, const char** why) {
    if (impl_ != nullptr && impl_->teardown_pending) {
        return answer(why, Error::invalid_config,
                      "deinit() from inside a callback: init again after the outermost call "
                      "(poll, process, ...) returned");
    }
    if (impl_ != nullptr) {
        return answer(why, Error::invalid_config, "already initialised: call deinit() first");
    }
    const char* fault = arguments_fault(config, options, port, memory, memory_size);
    if (fault != nullptr) return answer(why, Error::invalid_config, fault);
    Carver carve{static_cast<uint8_t*>(memory)};
    Impl* core = new (carve.take(sizeof(Impl))) Impl();
    place_core_parts(core, &carve, config, options, port);
    fault = start_core(core);
    if (fault != nullptr) {
        core->~Impl();
        return answer(why, Error::invalid_config, fault);
    }
    core->guard.configure(options.limit_micro_usd, options.on_limit_reached, options.limit_user);
    core->reconnect = make_reconnect_policy(options.reconnect_interval_ms, options.reconnect_max_ms,
                                            options.reconnect_jitter);
    core->block = memory;
    core->block_size = required_bytes(config);
    core->owner = &impl_;
    impl_ = core;
    place_slots(core, &carve);
    if (!init_framers(core)) {
        deinit();
        return answer(why, Error::no_resources, "no heap for the frame parsers (wslay)");
    }
    return answer(why, Error::ok, "");
}

// Inside a callback the teardown waits for the outermost library call to
// return; from here on the client answers as an uninitialised one.
void Client::deinit() {
    if (impl_ == nullptr) return;
    if (impl_->depth > 0) {
        impl_->teardown_pending = true;
        impl_->guard.mute();  // no LimitReachedHook either
        return;
    }
    teardown(impl_);
}

static Error resolve(const ClientCore& core, const TokenParams& params, TokenParams* out) {
    *out = merge_params(params, core.options.defaults);
    return validate_params(*out);
}

Error Client::request_token(const TokenParams& params, TokenCallback cb, void* user) {
    if (running(impl_) == nullptr) return Error::invalid_config;
    if (cb == nullptr) return Error::invalid_params;
    CallScope scope(impl_);  // the LimitReachedHook may run
    TokenParams p;
    const Error e = resolve(*impl_, params, &p);
    if (e != Error::ok) return e;
    for (size_t i = 0; i < impl_->config.max_requests; ++i) {
        RequestSlot* r = impl_->request(i);
        if (!r->is_free()) continue;
        const uint64_t quote = quote_micro_usd(p);
        if (!impl_->guard.reserve(quote)) return Error::budget_exhausted;
        r->start(p, quote, cb, user, impl_->now());
        return Error::ok;
    }
    return Error::no_resources;
}

static SessionSlot* free_session(ClientCore* core) {
    for (size_t i = 0; i < core->config.max_sessions; ++i) {
        SessionSlot* s = core->session(i);
        if (s->is_free()) return s;
    }
    return nullptr;
}

Error Client::connect(const TokenAuth& auth, const SessionOptions& options, Session* out) {
    if (running(impl_) == nullptr) return Error::invalid_config;
    if (out == nullptr) return Error::invalid_params;
    CallScope scope(impl_);  // a failed open fires error and ended at once
    SessionSlot* s = free_session(impl_);
    if (s == nullptr) return Error::no_resources;
    return s->start_with_auth(auth, options, impl_->now(), out);
}

Error Client::open_session(const TokenParams& params, const SessionOptions& options, Session* out) {
    if (running(impl_) == nullptr) return Error::invalid_config;
    if (out == nullptr) return Error::invalid_params;
    CallScope scope(impl_);  // the LimitReachedHook, or a failed start's events, may run
    TokenParams p;
    const Error e = resolve(*impl_, params, &p);
    if (e != Error::ok) return e;
    // Refuse before any traffic (and without taking a slot) when the budget is spent.
    const uint64_t quote = quote_micro_usd(p);
    if (!impl_->guard.reserve(quote)) return Error::budget_exhausted;
    impl_->guard.release(quote);
    SessionSlot* s = free_session(impl_);
    if (s == nullptr) return Error::no_resources;
    return s->start_managed(p, options, impl_->now(), out);
}

int32_t Client::next_timeout_ms() const {
    if (running(impl_) == nullptr) return -1;
    uint64_t next = UINT64_MAX;
    bool pending = false;
    for (size_t i = 0; i < impl_->config.max_sessions; ++i) {
        const SessionSlot* s = impl_->session(i);
        const uint64_t d = s->next_deadline();
        if (d < next) next = d;
        pending = pending || s->has_pending_input();
    }
    for (size_t i = 0; i < impl_->config.max_requests; ++i) {
        const RequestSlot* r = impl_->request(i);
        const uint64_t d = r->next_deadline();
        if (d < next) next = d;
        pending = pending || r->has_pending_input();
    }
    if (impl_->posts != nullptr && impl_->posts->backlog()) pending = true;
    if (pending) return 0;
    if (next == UINT64_MAX) return -1;
    const uint64_t now = impl_->now();
    if (next <= now) return 0;
    const uint64_t wait = next - now;
    return wait > INT32_MAX ? INT32_MAX : static_cast<int32_t>(wait);
}

namespace {

// Sends what post() queued, oldest first, at most one ring's worth per pass
// (producers refill as it frees: the loop must get back to its sockets); what
// is left then makes next_timeout_ms 0. A message its session cannot take now
// (would_block) stays first: the session asked for write readiness, and a
// later pass retries it.
void drain_posts(ClientCore* core) {
    PostQueue* q = core->posts;
    if (q == nullptr) return;
    q->begin_drain();
    q->set_backlog(false);
    for (uint32_t n = 0;; ++n) {
        if (n == q->capacity()) {
            q->set_backlog(q->front() != nullptr);
            return;
        }
        const PostCell* c = q->front();
        if (c == nullptr) return;
        SessionSlot* slot = ClientCore::slot_of(c->target);
        const Error e = slot != nullptr ? slot->send(c->binary, PostQueue::payload(c), c->size)
                                        : Error::invalid_handle;
        if (e == Error::would_block) return;
        if (e != Error::ok) q->count_drop();
        q->pop();
    }
}

}  // namespace

// Steps every slot, then sends what post() queued; stops as soon as a
// callback called deinit().
static void step_all(ClientCore* core) {
    const uint64_t now = core->now();
    for (size_t i = 0; i < core->config.max_requests && !core->teardown_pending; ++i) {
        core->request(i)->step(now);
    }
    for (size_t i = 0; i < core->config.max_sessions && !core->teardown_pending; ++i) {
        core->session(i)->step(now);
    }
    if (!core->teardown_pending) drain_posts(core);
}

// From inside a callback (depth > 0) process and poll refuse: they would run
// again the state machine that is calling.
void Client::process() {
    if (impl_ == nullptr || impl_->depth > 0) return;
    CallScope scope(impl_);
    step_all(impl_);
}

bool Client::wake() {
    const Impl* core = impl_;
    if (core == nullptr || core->port.ops->wake == nullptr) return false;
    core->port.ops->wake(core->port.ctx);
    return true;
}

// Any thread: reads only what init wrote before the caller's threads started
// (config, port, the slot addresses), and the queue's atomics.
Error Client::post(Session session, const uint8_t* data, size_t size, bool binary) {
    Impl* core = impl_;
    if (core == nullptr || core->posts == nullptr) return Error::invalid_config;
    if (data == nullptr && size > 0) return Error::invalid_params;
    const uint16_t index = session.index();
    if (index >= core->config.max_sessions ||
        ClientCore::slot_address(session) != core->session(index)) {
        return Error::invalid_handle;
    }
    if (size > core->config.post_slot_bytes || size + 14 > core->config.tx_buffer_bytes) {
        return Error::message_too_large;
    }
    const Error e = core->posts->push(session, data, size, binary);
    if (e == Error::ok && core->posts->claim_wake() && core->port.ops->wake != nullptr) {
        core->port.ops->wake(core->port.ctx);
    }
    return e;
}

uint32_t Client::posts_dropped() const {
    return impl_ != nullptr && impl_->posts != nullptr ? impl_->posts->dropped() : 0;
}

int Client::poll(int32_t max_wait_ms) {
    if (impl_ == nullptr) return 0;
    if (impl_->depth > 0) return -1;
    Impl* core = impl_;
    CallScope scope(core);
    int32_t wait = next_timeout_ms();
    if (wait < 0 || (max_wait_ms >= 0 && wait > max_wait_ms)) wait = max_wait_ms;
    if (wait < 0) wait = 0;
    core->port.ops->wait(core->port.ctx, wait);
    step_all(core);
    if (core->teardown_pending) return 0;  // torn down as `scope` ends
    int active = 0;
    for (size_t i = 0; i < core->config.max_sessions; ++i) {
        active += core->session(i)->is_free() ? 0 : 1;
    }
    for (size_t i = 0; i < core->config.max_requests; ++i) {
        active += core->request(i)->is_free() ? 0 : 1;
    }
    return active;
}

// A ticket names its slot: a request slot (kTicketRequestBit) or a session slot.
static TokenFetch* fetch_for_ticket(ClientCore* core, PaymentTicket ticket) {
    const uint16_t slot = ticket_slot(ticket.id);
    const size_t index = slot & ~kTicketRequestBit;
    if ((slot & kTicketRequestBit) != 0) {
        return index < core->config.max_requests ? core->request(index)->fetch() : nullptr;
    }
    return index < core->config.max_sessions ? core->session(index)->fetch() : nullptr;
}

Error Client::complete_payment(PaymentTicket ticket, const char* header, size_t size) {
    if (running(impl_) == nullptr) return Error::invalid_config;
    CallScope scope(impl_);  // the purchase's outcome may fire at once
    TokenFetch* fetch = fetch_for_ticket(impl_, ticket);
    if (fetch == nullptr) return Error::invalid_handle;
    return fetch->complete_payment(ticket.id, header, size);
}

Error Client::refuse_payment(PaymentTicket ticket) {
    if (running(impl_) == nullptr) return Error::invalid_config;
    CallScope scope(impl_);
    TokenFetch* fetch = fetch_for_ticket(impl_, ticket);
    if (fetch == nullptr) return Error::invalid_handle;
    return fetch->refuse_payment(ticket.id);
}

Budget Client::budget() const {
    return running(impl_) != nullptr ? impl_->guard.snapshot() : Budget{};
}

void Client::reset_budget() {
    if (running(impl_) != nullptr) impl_->guard.reset();
}

bool Client::stand_down() const {
    return running(impl_) != nullptr && impl_->guard.stand_down();
}

Error Client::set_reconnect_policy(uint32_t interval_ms, uint32_t max_ms, float jitter) {
    if (running(impl_) == nullptr || reconnect_jitter_fault(jitter) != nullptr)
        return Error::invalid_config;
    impl_->reconnect = make_reconnect_policy(interval_ms, max_ms, jitter);
    return Error::ok;
}

}  // namespace consensus
