// SPDX-License-Identifier: MIT
// Client: memory layout, the public API and the poll loop.
#include <string.h>

#include <new>

#include "client/client_core.h"
#include "client/post_queue.h"
#include "client/request_slot.h"
#include "client/session_slot.h"
#include "core/checked_size.h"
#include "core/strview.h"
#include "core/wipe.h"
#include "ws/framer.h"

namespace consensus {

namespace {

constexpr size_t kAlign = 16;

constexpr size_t align_up(size_t n) {
    return (n + kAlign - 1) & ~(kAlign - 1);
}

// The layout's sizes, checked (a Config whose layout does not fit size_t
// gives a CheckedSize that does not fit: the last rule of kConfigRules).
CheckedSize aligned(size_t n) {
    return CheckedSize(n).align_up(kAlign);
}

size_t work_bytes(const Config& c) {
    return c.work_buffer_bytes > c.max_message_bytes ? c.work_buffer_bytes : c.max_message_bytes;
}

// Shared lanes: sessions take an HTTP lane from a pool (client/http_lane.h).
bool shared_lanes(const Config& c) {
    return c.max_handshakes > 0;
}

size_t session_tx_bytes(const Config& c) {
    return c.session_tx_bytes != 0 ? c.session_tx_bytes : c.tx_buffer_bytes;
}

CheckedSize listener_size(const Config& c) {
    return CheckedSize(sizeof(ListenerEntry))
        .times(kEventTypeCount)
        .times(c.listeners_per_event)
        .align_up(kAlign);
}

// A session with its own lane: [slot][lane][tx][rx][work = message][listeners]
// (the lane's buffers are the session's: HTTP phases and frames never
// overlap). With shared lanes: [slot][tx][message][listeners].
CheckedSize session_size(const Config& c) {
    if (shared_lanes(c)) {
        return aligned(sizeof(SessionSlot))
            .add(aligned(session_tx_bytes(c)))
            .add(aligned(c.max_message_bytes))
            .add(listener_size(c));
    }
    return aligned(sizeof(SessionSlot))
        .add(aligned(sizeof(HttpLane)))
        .add(aligned(c.tx_buffer_bytes))
        .add(aligned(c.rx_buffer_bytes))
        .add(aligned(work_bytes(c)))
        .add(listener_size(c));
}

// Shared lanes: [queue ring][scratch][lane][tx][rx][work] x max_handshakes.
CheckedSize lanes_size(const Config& c) {
    if (!shared_lanes(c)) return CheckedSize(0);
    CheckedSize lane = aligned(sizeof(HttpLane))
                           .add(aligned(c.tx_buffer_bytes))
                           .add(aligned(c.rx_buffer_bytes))
                           .add(aligned(c.work_buffer_bytes));
    return CheckedSize(sizeof(uint16_t))
        .times(c.max_sessions)
        .align_up(kAlign)
        .add(aligned(c.rx_buffer_bytes))
        .add(lane.times(c.max_handshakes));
}

// Config::frame_parsers, 0 meaning one per session.
size_t frame_parsers(const Config& c) {
    return c.frame_parsers != 0 ? c.frame_parsers : c.max_sessions;
}

CheckedSize parser_size(const Config& c) {
    return CheckedSize(sizeof(ws::FrameContext)).times(frame_parsers(c)).align_up(kAlign);
}

void fill_random(void* rng, uint8_t* out, size_t len) {
    static_cast<Rng*>(rng)->fill(out, len);
}

CheckedSize tls_cache_size(const Config& c) {
    return CheckedSize(sizeof(TlsCacheEntry)).times(c.tls_session_cache).align_up(kAlign);
}

CheckedSize request_size(const Config& c) {
    return aligned(sizeof(RequestSlot))
        .add(aligned(c.tx_buffer_bytes))
        .add(aligned(c.rx_buffer_bytes))
        .add(aligned(c.work_buffer_bytes));
}

// Bump allocation inside the caller's block; sizes were checked up front.
struct Carver {
    uint8_t* p;
    uint8_t* take(size_t n) {
        uint8_t* r = p;
        p += align_up(n);
        return r;
    }
};

// One rule of Config: a predicate and the text init() reports when it fails.
struct ConfigRule {
    bool (*holds)(const Config& c);
    const char* why;
};

// A ticket names its slot in 15 bits (client_core.h).
static_assert(kMaxSlots < kTicketRequestBit, "a slot index must fit a ticket");

// Checked in order; init() reports the first rule broken. Sums are taken in
// 64 bits so that a huge max_payment_header cannot wrap past a rule. Each
// knob's minimum comes before its maximum (config.h documents both); the
// reasons spell out the constants of config.h.
constexpr ConfigRule kConfigRules[] = {
    {[](const Config& c) { return c.max_sessions + c.max_requests > 0; },
     "max_sessions + max_requests must be >= 1"},
    {[](const Config& c) { return c.max_sessions <= kMaxSlots; }, "max_sessions must be <= 32767"},
    {[](const Config& c) { return c.max_requests <= kMaxSlots; }, "max_requests must be <= 32767"},
    // The token request carries the payment header and must fit the send buffer.
    {[](const Config& c) { return c.tx_buffer_bytes >= uint64_t{c.max_payment_header} + 1024; },
     "tx_buffer_bytes must be >= max_payment_header + 1024"},
    {[](const Config& c) { return c.tx_buffer_bytes <= kMaxBufferBytes; },
     "tx_buffer_bytes must be <= 16 MiB (16777216)"},
    {[](const Config& c) { return c.rx_buffer_bytes >= 256; }, "rx_buffer_bytes must be >= 256"},
    {[](const Config& c) { return c.rx_buffer_bytes <= kMaxBufferBytes; },
     "rx_buffer_bytes must be <= 16 MiB (16777216)"},
    {[](const Config& c) { return c.work_buffer_bytes >= 2048; },
     "work_buffer_bytes must be >= 2048"},
    // The work area's second half holds the decoded x402 challenge, its first
    // half the hook's header.
    {[](const Config& c) { return c.work_buffer_bytes >= 2 * uint64_t{c.max_payment_header}; },
     "work_buffer_bytes must be >= 2 x max_payment_header"},
    {[](const Config& c) { return c.work_buffer_bytes <= kMaxBufferBytes; },
     "work_buffer_bytes must be <= 16 MiB (16777216)"},
    {[](const Config& c) { return c.max_message_bytes >= 125; },
     "max_message_bytes must be >= 125"},
    {[](const Config& c) { return c.max_message_bytes <= kMaxBufferBytes; },
     "max_message_bytes must be <= 16 MiB (16777216)"},
    {[](const Config& c) { return c.listeners_per_event >= 1; },
     "listeners_per_event must be >= 1"},
    {[](const Config& c) { return c.listeners_per_event <= kMaxListenersPerEvent; },
     "listeners_per_event must be <= 16"},
    {[](const Config& c) { return c.max_header_line >= 256; }, "max_header_line must be >= 256"},
    {[](const Config& c) { return c.max_header_line <= kMaxHttpLimitBytes; },
     "max_header_line must be <= 8 MiB (8388608)"},
    {[](const Config& c) { return c.max_headers >= 8; }, "max_headers must be >= 8"},
    {[](const Config& c) { return c.max_headers <= kMaxHeaderCount; },
     "max_headers must be <= 1024"},
    {[](const Config& c) { return c.max_body_bytes <= kMaxHttpLimitBytes; },
     "max_body_bytes must be <= 8 MiB (8388608)"},
    {[](const Config& c) { return c.max_payment_header >= 64; },
     "max_payment_header must be >= 64"},
    {[](const Config& c) { return c.max_payment_header <= kMaxPaymentHeader; },
     "max_payment_header must be <= 64 KiB (65536)"},
    {[](const Config& c) { return c.max_handshakes <= c.max_sessions; },
     "max_handshakes must be <= max_sessions"},
    {[](const Config& c) { return c.session_tx_bytes == 0 || c.max_handshakes > 0; },
     "session_tx_bytes needs max_handshakes > 0 (with a lane of its own a session sends "
     "through tx_buffer_bytes)"},
    {[](const Config& c) { return c.session_tx_bytes == 0 || c.session_tx_bytes >= 256; },
     "session_tx_bytes must be 0 or >= 256"},
    {[](const Config& c) { return c.session_tx_bytes <= kMaxBufferBytes; },
     "session_tx_bytes must be <= 16 MiB (16777216)"},
    {[](const Config& c) { return c.tls_session_cache <= kMaxTlsSessionCache; },
     "tls_session_cache must be <= 16"},
    // The ring indexes cells with a mask; a one-cell ring cannot tell full from empty.
    {[](const Config& c) {
         return c.post_slots == 0 ||
                (c.post_slots >= 2 && (c.post_slots & (c.post_slots - 1)) == 0);
     },
     "post_slots must be 0 or a power of two >= 2"},
    {[](const Config& c) { return c.post_slots <= kMaxPostSlots; }, "post_slots must be <= 4096"},
    {[](const Config& c) { return c.post_slots == 0 || c.post_slot_bytes >= 1; },
     "post_slot_bytes must be >= 1"},
    {[](const Config& c) { return c.post_slots == 0 || c.post_slot_bytes <= kMaxPostSlotBytes; },
     "post_slot_bytes must be <= 64 KiB (65536)"},
    {[](const Config& c) { return c.frame_parsers <= c.max_sessions; },
     "frame_parsers must be 0 or <= max_sessions"},
    // Every knob within bounds, the slots times their size may still exceed
    // the address space of a 32-bit target (32767 sessions of 48 MiB).
    {[](const Config& c) { return Client::required_bytes(c) != SIZE_MAX; },
     "the memory layout does not fit size_t (Client::required_bytes is SIZE_MAX): fewer slots "
     "or smaller buffers"},
};

// The first Config rule broken, or nullptr.
const char* config_fault(const Config& c) {
    for (const ConfigRule& rule : kConfigRules) {
        if (!rule.holds(c)) return rule.why;
    }
    return nullptr;
}

}  // namespace

// ---- helpers shared by the slots ---------------------------------------------

TokenParams params_of(const TokenAuth& a) {
    TokenParams p;
    p.model = a.model;
    p.minutes = a.minutes;
    p.megabytes = a.megabytes;
    p.node_region = a.node_region[0] != '\0' ? a.node_region : nullptr;
    p.node_domain = a.node_domain[0] != '\0' ? a.node_domain : nullptr;
    p.node_exclude = a.node_exclude[0] != '\0' ? a.node_exclude : nullptr;
    return p;
}

// Validated values: at most kMaxNodeHeader bytes, so nothing is cut.
static void copy_header_value(char (&out)[kMaxNodeHeader + 1], const char* value) {
    copy_cut(out, sizeof out, value, value != nullptr ? strlen(value) : 0);
}

void store_params(const TokenParams& p, TokenAuth* a) {
    a->model = p.model;
    a->minutes = p.minutes;
    a->megabytes = p.megabytes;
    copy_header_value(a->node_region, p.node_region);
    copy_header_value(a->node_domain, p.node_domain);
    copy_header_value(a->node_exclude, p.node_exclude);
}

TlsShared* ClientCore::tls_config() {
    if (!tls_ready) {
        if (tls_shared_init(&tls, &rng, options.ca_pem, options.ca_pem_len, options.ca_file,
                            options.tls_max_fragment_bytes) != Error::ok) {
            return nullptr;
        }
        tls_ready = true;
    }
    return &tls;
}

const ProxyUrl* ClientCore::proxy_for(const Url& url) const {
    const ProxyUrl& p = url.tls ? https_proxy : http_proxy;
    if (p.host.size == 0 || no_proxy_matches(options.no_proxy, url.host)) return nullptr;
    return &p;
}

Error ClientCore::open(Link& link, const Url& url, const char** why) {
    char host[256];  // the port wants C strings; DNS names end at 253
    char proxy_host[256];
    const ProxyUrl* proxy = proxy_for(url);
    if (url.host.size == 0 || url.host.size >= sizeof host ||
        (proxy != nullptr && proxy->host.size >= sizeof proxy_host)) {
        *why = "host name too long";
        return Error::message_too_large;
    }
    copy_cut(host, sizeof host, url.host.data, url.host.size);
    if (proxy != nullptr) copy_cut(proxy_host, proxy->host.data, proxy->host.size);
    TlsShared* shared = nullptr;
    if (url.tls) {
        shared = tls_config();
        if (shared == nullptr) {
            *why = "trusted CA certificates could not be loaded";
            return Error::invalid_config;
        }
    }
    const Error e = link.open(port, shared, host, url.port, proxy, proxy_host, http_limits());
    if (e == Error::message_too_large) *why = link.proxy_detail();
    return e;
}

const char* ClientCore::connect_url_refusal(const Url& url) const {
    if (server.tls && !url.tls) return "a token bought over TLS is only presented over TLS";
    if (view_iequals(url.host, server.host)) return nullptr;
    for (size_t i = 0; i < options.connect_host_count; ++i) {
        const char* allowed = options.connect_hosts[i];
        if (allowed != nullptr && view_iequals(url.host, allowed)) return nullptr;
    }
    return "not the token server's host, nor one in ClientOptions::connect_hosts";
}

Session ClientCore::make_handle(SessionSlot* slot) {
    Session s;
    s.slot_ = slot;
    s.generation_ = slot->generation();
    s.index_ = slot->index();
    return s;
}

// A handle goes stale when its session's slot starts another session, and
// all handles at once when deinit() is called (from a callback: at once too).
SessionSlot* ClientCore::slot_of(const Session& s) {
    SessionSlot* slot = static_cast<SessionSlot*>(s.slot_);
    if (slot == nullptr || slot->generation() != s.generation_) return nullptr;
    if (slot->core()->teardown_pending) return nullptr;
    return slot;
}

namespace {

// Slots are not contiguous (each is followed by its buffers): step by the
// stride init computed (it accepted the layout: every sum fits).
SessionSlot* session_at(ClientCore* core, size_t i) {
    return reinterpret_cast<SessionSlot*>(reinterpret_cast<uint8_t*>(core->sessions) +
                                          i * core->session_stride);
}

RequestSlot* request_at(ClientCore* core, size_t i) {
    return reinterpret_cast<RequestSlot*>(reinterpret_cast<uint8_t*>(core->requests) +
                                          i * core->request_stride);
}

}  // namespace

void ClientCore::return_lane(HttpLane* lane) {
    const SlotBuffers& b = lane->buffers;
    wipe(b.tx, b.tx_size);  // a request may have carried a payment or a token
    wipe(b.rx, b.rx_size);
    wipe(b.work, b.work_size);
    uint16_t next = 0;
    if (lanes.give_back(lane, &next)) session_at(this, next)->lane_granted(lane);
}

// ---- Client -------------------------------------------------------------------

struct Client::Impl : ClientCore {};

namespace {

// What deinit() releases. Runs with no library call on the stack (depth 0):
// nothing touches the core or the block after it.
void teardown(ClientCore* core) {
    for (size_t i = 0; core->sessions != nullptr && i < core->config.max_sessions; ++i) {
        SessionSlot* s = session_at(core, i);
        s->unbind();
        s->~SessionSlot();
    }
    core->parsers.deinit();  // every framer gave its context back
    for (size_t i = 0; core->requests != nullptr && i < core->config.max_requests; ++i) {
        RequestSlot* r = request_at(core, i);
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

// The client while it runs: null before init, after deinit, and from the
// moment a callback called deinit() (the teardown itself waits).
Client::Impl* running(Client::Impl* impl) {
    return impl != nullptr && !impl->teardown_pending ? impl : nullptr;
}

}  // namespace

// SIZE_MAX when the layout does not fit size_t: no real layout is that big,
// since every real one is a multiple of 16 (SIZE_MAX is odd).
size_t Client::required_bytes(const Config& c) {
    return aligned(sizeof(Impl))
        .add(tls_cache_size(c))
        .add(PostQueue::bytes(c))
        .add(lanes_size(c))
        .add(parser_size(c))
        .add(session_size(c).times(c.max_sessions))
        .add(request_size(c).times(c.max_requests))
        .value();
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
    if (reinterpret_cast<uintptr_t>(memory) % kAlign != 0) return "memory is not 16-byte aligned";
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

// A proxy URL that cannot be used. The reason never quotes the URL: it may
// hold a password.
const char* proxy_fault(const char* url) {
    if (url == nullptr) return nullptr;
    ProxyUrl p{};
    const char* why = nullptr;
    if (parse_proxy_url(url, strlen(url), &p, &why) == Error::ok) return nullptr;
    return why;
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
    if (fault == nullptr) fault = proxy_fault(options.http_proxy);
    if (fault == nullptr) fault = proxy_fault(options.https_proxy);
    return fault;
}

Client::Impl* place_core(Carver* carve, const Config& config, const ClientOptions& options,
                         const cws_port& port) {
    Client::Impl* core = new (carve->take(sizeof(Client::Impl))) Client::Impl();
    core->config = config;
    core->options = options;
    core->port = port;
    core->tls_ready = false;
    core->ticket_seq = 0;
    strcpy(core->server_text, options.server_url);
    core->options.server_url = core->server_text;
    core->sessions = nullptr;
    core->requests = nullptr;
    core->posts = nullptr;
    core->block = nullptr;
    core->block_size = 0;
    core->owner = nullptr;
    core->depth = 0;
    core->teardown_pending = false;
    core->session_stride = session_size(config).value();
    core->request_stride = request_size(config).value();
    core->tls_cache.bind(reinterpret_cast<TlsCacheEntry*>(
                             carve->take(sizeof(TlsCacheEntry) * config.tls_session_cache)),
                         config.tls_session_cache);
    core->tls.cache = &core->tls_cache;
    if (config.post_slots > 0) {  // [queue][cells], after the TLS cache
        core->posts = new (carve->take(sizeof(PostQueue))) PostQueue();
        core->posts->bind(carve->take(PostQueue::cell_stride(config) * config.post_slots), config);
    }
    core->parser_entries = reinterpret_cast<ws::FrameContext*>(
        carve->take(sizeof(ws::FrameContext) * frame_parsers(config)));
    return core;
}

// Parses the copied server URL and seeds the RNG: the fault, or nullptr.
const char* start_core(ClientCore* core) {
    Url& url = core->server;
    if (parse_url(core->server_text, strlen(core->server_text), &url) != Error::ok) {
        return "options.server_url is not a valid http:// or https:// URL";
    }
    if (url.websocket) return "options.server_url must be http:// or https://, not ws:// or wss://";
    const ClientOptions& o = core->options;  // checked by arguments_fault
    if (o.http_proxy != nullptr) {
        parse_proxy_url(o.http_proxy, strlen(o.http_proxy), &core->http_proxy, nullptr);
    }
    if (o.https_proxy != nullptr) {
        parse_proxy_url(o.https_proxy, strlen(o.https_proxy), &core->https_proxy, nullptr);
    }
    if (core->rng.init(core->port) != Error::ok) {
        return "port.ops->random failed: the RNG could not be seeded";
    }
    return nullptr;
}

HttpLane* place_lane(Carver* carve, const Config& config, size_t work_size) {
    HttpLane* lane = new (carve->take(sizeof(HttpLane))) HttpLane();
    lane->buffers = SlotBuffers{carve->take(config.tx_buffer_bytes),
                                config.tx_buffer_bytes,
                                carve->take(config.rx_buffer_bytes),
                                config.rx_buffer_bytes,
                                carve->take(work_size),
                                work_size};
    return lane;
}

// Shared lanes (layout at lanes_size); the scratch goes to every session.
SessionBuffers place_shared_lanes(ClientCore* core, Carver* carve) {
    const Config& config = core->config;
    core->lanes.bind(
        reinterpret_cast<uint16_t*>(carve->take(sizeof(uint16_t) * config.max_sessions)),
        config.max_sessions);
    SessionBuffers shared{};
    shared.scratch = carve->take(config.rx_buffer_bytes);
    shared.scratch_size = config.rx_buffer_bytes;
    for (uint16_t i = 0; i < config.max_handshakes; ++i) {
        core->lanes.add(place_lane(carve, config, config.work_buffer_bytes));
    }
    return shared;
}

// Each slot is followed by its buffers (layout at session_size).
void place_sessions(ClientCore* core, Carver* carve, SessionBuffers shared) {
    const Config& config = core->config;
    for (uint16_t i = 0; i < config.max_sessions; ++i) {
        SessionSlot* slot = new (carve->take(sizeof(SessionSlot))) SessionSlot();
        if (i == 0) core->sessions = slot;
        SessionBuffers b = shared;
        HttpLane* own = nullptr;
        if (shared_lanes(config)) {
            b.tx_size = session_tx_bytes(config);
            b.tx = carve->take(b.tx_size);
            b.message = carve->take(config.max_message_bytes);
        } else {
            own = place_lane(carve, config, work_bytes(config));
            b = SessionBuffers{own->buffers.tx, own->buffers.tx_size, own->buffers.work,
                               own->buffers.rx, own->buffers.rx_size};
        }
        ListenerEntry* listeners = reinterpret_cast<ListenerEntry*>(
            carve->take(sizeof(ListenerEntry) * kEventTypeCount * config.listeners_per_event));
        slot->bind(core, i, b, own, listeners);
    }
}

void place_requests(ClientCore* core, Carver* carve) {
    const Config& config = core->config;
    for (uint16_t i = 0; i < config.max_requests; ++i) {
        RequestSlot* slot = new (carve->take(sizeof(RequestSlot))) RequestSlot();
        if (i == 0) core->requests = slot;
        SlotBuffers b{carve->take(config.tx_buffer_bytes),   config.tx_buffer_bytes,
                      carve->take(config.rx_buffer_bytes),   config.rx_buffer_bytes,
                      carve->take(config.work_buffer_bytes), config.work_buffer_bytes};
        slot->bind(core, i, b);
    }
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
        if (session_at(core, i)->init_framer() != Error::ok) return false;
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
    Impl* core = place_core(&carve, config, options, port);
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
    const SessionBuffers shared =
        shared_lanes(config) ? place_shared_lanes(core, &carve) : SessionBuffers{};
    place_sessions(core, &carve, shared);
    place_requests(core, &carve);
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
        RequestSlot* r = request_at(impl_, i);
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
        SessionSlot* s = session_at(core, i);
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
        const SessionSlot* s = session_at(impl_, i);
        const uint64_t d = s->next_deadline();
        if (d < next) next = d;
        pending = pending || s->has_pending_input();
    }
    for (size_t i = 0; i < impl_->config.max_requests; ++i) {
        const RequestSlot* r = request_at(impl_, i);
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
        request_at(core, i)->step(now);
    }
    for (size_t i = 0; i < core->config.max_sessions && !core->teardown_pending; ++i) {
        session_at(core, i)->step(now);
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
        ClientCore::slot_address(session) != session_at(core, index)) {
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
        active += session_at(core, i)->is_free() ? 0 : 1;
    }
    for (size_t i = 0; i < core->config.max_requests; ++i) {
        active += request_at(core, i)->is_free() ? 0 : 1;
    }
    return active;
}

// A ticket names its slot: a request slot (kTicketRequestBit) or a session slot.
static TokenFetch* fetch_for_ticket(ClientCore* core, PaymentTicket ticket) {
    const uint16_t slot = ticket_slot(ticket.id);
    const size_t index = slot & ~kTicketRequestBit;
    if ((slot & kTicketRequestBit) != 0) {
        return index < core->config.max_requests ? request_at(core, index)->fetch() : nullptr;
    }
    return index < core->config.max_sessions ? session_at(core, index)->fetch() : nullptr;
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

// ---- Session handle -------------------------------------------------------------

Error Session::send_text(const char* data, size_t size) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->send(false, reinterpret_cast<const uint8_t*>(data), size);
}

Error Session::send_binary(const uint8_t* data, size_t size) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->send(true, data, size);
}

Error Session::send_stream(bool binary, SendSource source, void* user) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->send_stream(binary, source, user);
}

Error Session::resume_stream() {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->resume_stream();
}

Error Session::close(uint16_t code, const char* reason) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    CallScope scope(s->core());  // `ended` may fire before close() returns
    return s->close(code, reason);
}

Error Session::on(EventType type, Listener fn, void* user) {
    SessionSlot* s = ClientCore::slot_of(*this);
    if (s == nullptr) return Error::invalid_handle;
    return s->on(type, fn, user);
}

bool Session::off(EventType type, Listener fn, void* user) {
    SessionSlot* s = ClientCore::slot_of(*this);
    return s != nullptr && s->off(type, fn, user);
}

SessionState Session::state() const {
    const SessionSlot* s = ClientCore::slot_of(*this);
    return s != nullptr ? s->state() : SessionState::closed;
}

PublicState Session::public_state() const {
    const SessionSlot* s = ClientCore::slot_of(*this);
    return s != nullptr ? s->public_state() : PublicState::closed;
}

bool Session::valid() const {
    return ClientCore::slot_of(*this) != nullptr;
}

const char* session_state_name(SessionState s) {
    switch (s) {
        case SessionState::requesting_token:
            return "requesting_token";
        case SessionState::paying:
            return "paying";
        case SessionState::connecting:
            return "connecting";
        case SessionState::tls_handshake:
            return "tls_handshake";
        case SessionState::upgrading:
            return "upgrading";
        case SessionState::starting:
            return "starting";
        case SessionState::open:
            return "open";
        case SessionState::closing:
            return "closing";
        case SessionState::waiting_to_reconnect:
            return "waiting_to_reconnect";
        case SessionState::closed:
            return "closed";
    }
    return "unknown";
}

}  // namespace consensus
