// SPDX-License-Identifier: MIT
// The client's block: sizes, Config rules, placement (client/layout.h).
#include "client/layout.h"

#include <string.h>

#include <new>

#include "client/client_core.h"
#include "client/post_queue.h"
#include "client/request_slot.h"
#include "client/session_slot.h"
#include "core/checked_size.h"
#include "ws/framer.h"

namespace consensus {

namespace {

// The layout's sizes, checked (a Config whose layout does not fit size_t
// gives a CheckedSize that does not fit: the last rule of kConfigRules).
CheckedSize aligned(size_t n) {
    return CheckedSize(n).align_up(kLayoutAlign);
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
        .align_up(kLayoutAlign);
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
        .align_up(kLayoutAlign)
        .add(aligned(c.rx_buffer_bytes))
        .add(lane.times(c.max_handshakes));
}

CheckedSize parser_size(const Config& c) {
    return CheckedSize(sizeof(ws::FrameContext)).times(frame_parsers(c)).align_up(kLayoutAlign);
}

CheckedSize tls_cache_size(const Config& c) {
    return CheckedSize(sizeof(TlsCacheEntry)).times(c.tls_session_cache).align_up(kLayoutAlign);
}

CheckedSize request_size(const Config& c) {
    return aligned(sizeof(RequestSlot))
        .add(aligned(c.tx_buffer_bytes))
        .add(aligned(c.rx_buffer_bytes))
        .add(aligned(c.work_buffer_bytes));
}

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

}  // namespace

const char* config_fault(const Config& c) {
    for (const ConfigRule& rule : kConfigRules) {
        if (!rule.holds(c)) return rule.why;
    }
    return nullptr;
}

size_t frame_parsers(const Config& c) {
    return c.frame_parsers != 0 ? c.frame_parsers : c.max_sessions;
}

// SIZE_MAX when the layout does not fit size_t: no real layout is that big,
// since every real one is a multiple of 16 (SIZE_MAX is odd).
size_t client_block_bytes(const Config& c) {
    return aligned(sizeof(ClientCore))
        .add(tls_cache_size(c))
        .add(PostQueue::bytes(c))
        .add(lanes_size(c))
        .add(parser_size(c))
        .add(session_size(c).times(c.max_sessions))
        .add(request_size(c).times(c.max_requests))
        .value();
}

void place_core_parts(ClientCore* core, Carver* carve, const Config& config,
                      const ClientOptions& options, const cws_port& port) {
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
}

namespace {

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

}  // namespace

void place_slots(ClientCore* core, Carver* carve) {
    const SessionBuffers shared =
        shared_lanes(core->config) ? place_shared_lanes(core, carve) : SessionBuffers{};
    place_sessions(core, carve, shared);
    place_requests(core, carve);
}

}  // namespace consensus
