// SPDX-License-Identifier: MIT
// Client::init: every cause of invalid_config and no_resources, each with the
// reason init() hands back through `why`.

#include "client/client_core.h"
#include "client/post_queue.h"
#include "client/request_slot.h"
#include "client/session_slot.h"
#include "unit/client/client_fixture.h"
#include "unit/ws/context_fail.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

// The layout of docs/MEMORY.md, computed again here in 64 bits (no Config
// comes near 2^64: < 2^17 slots of < 2^34 bytes each).
uint64_t align16(uint64_t n) {
    return (n + 15) / 16 * 16;
}

uint64_t layout_bytes(const Config& c) {
    const uint64_t work =
        c.work_buffer_bytes > c.max_message_bytes ? c.work_buffer_bytes : c.max_message_bytes;
    const uint64_t listeners =
        uint64_t{sizeof(ListenerEntry)} * kEventTypeCount * c.listeners_per_event;
    const uint64_t lane_buffers =
        align16(c.tx_buffer_bytes) + align16(c.rx_buffer_bytes) + align16(c.work_buffer_bytes);
    // A session with its own lane (max_handshakes 0) carries the lane and its
    // buffers (the work area doubling as the message buffer); with shared
    // lanes only its frame buffer and message buffer, and the client adds the
    // lanes, the queue (2 B per session) and the scratch (rx_buffer_bytes).
    const bool shared = c.max_handshakes > 0;
    const uint64_t session_tx = c.session_tx_bytes != 0 ? c.session_tx_bytes : c.tx_buffer_bytes;
    const uint64_t session = align16(sizeof(SessionSlot)) + align16(listeners) +
                             (shared ? align16(session_tx) + align16(c.max_message_bytes)
                                     : align16(sizeof(HttpLane)) + align16(c.tx_buffer_bytes) +
                                           align16(c.rx_buffer_bytes) + align16(work));
    const uint64_t lanes =
        !shared ? 0
                : align16(2 * uint64_t{c.max_sessions}) + align16(c.rx_buffer_bytes) +
                      c.max_handshakes * (align16(sizeof(HttpLane)) + lane_buffers);
    const uint64_t request = align16(sizeof(RequestSlot)) + align16(c.tx_buffer_bytes) +
                             align16(c.rx_buffer_bytes) + align16(c.work_buffer_bytes);
    const uint64_t tls_cache = align16(uint64_t{sizeof(TlsCacheEntry)} * c.tls_session_cache);
    // Client::post's ring: nothing when post_slots is 0, else the queue state
    // and post_slots cells of a 16-byte-rounded header + post_slot_bytes.
    const uint64_t posts =
        c.post_slots == 0
            ? 0
            : align16(sizeof(PostQueue)) +
                  c.post_slots * align16(align16(sizeof(PostCell)) + c.post_slot_bytes);
    // The frame parsers' pool entries: frame_parsers of them, 0 meaning one per session.
    const uint64_t parsers = align16(uint64_t{sizeof(ws::FrameContext)} *
                                     (c.frame_parsers != 0 ? c.frame_parsers : c.max_sessions));
    return align16(sizeof(ClientCore)) + tls_cache + posts + lanes + parsers +
           c.max_sessions * session + c.max_requests * request;
}

// What required_bytes must answer: the exact size, or SIZE_MAX when it does
// not fit size_t (a 32-bit target).
size_t expected_required_bytes(const Config& c) {
    const uint64_t n = layout_bytes(c);
    return n == static_cast<size_t>(n) ? static_cast<size_t>(n) : SIZE_MAX;
}

// Every knob at its maximum, the layout at its largest.
Config largest_config() {
    Config c;
    c.max_sessions = kMaxSlots;
    c.max_requests = kMaxSlots;
    c.tx_buffer_bytes = kMaxBufferBytes;
    c.rx_buffer_bytes = kMaxBufferBytes;
    c.work_buffer_bytes = kMaxBufferBytes;
    c.max_message_bytes = kMaxBufferBytes;
    c.max_header_line = kMaxHttpLimitBytes;
    c.max_headers = kMaxHeaderCount;
    c.max_body_bytes = kMaxHttpLimitBytes;
    c.max_payment_header = kMaxPaymentHeader;
    c.listeners_per_event = kMaxListenersPerEvent;
    c.tls_session_cache = kMaxTlsSessionCache;
    c.post_slots = kMaxPostSlots;
    c.post_slot_bytes = kMaxPostSlotBytes;
    return c;
}

// Every knob at the largest value of its type.
Config extreme_config() {
    Config c;
    c.max_sessions = UINT16_MAX;
    c.max_requests = UINT16_MAX;
    c.tx_buffer_bytes = UINT32_MAX;
    c.rx_buffer_bytes = UINT32_MAX;
    c.work_buffer_bytes = UINT32_MAX;
    c.max_message_bytes = UINT32_MAX;
    c.max_header_line = UINT32_MAX;
    c.max_headers = UINT16_MAX;
    c.max_body_bytes = UINT32_MAX;
    c.max_payment_header = UINT32_MAX;
    c.listeners_per_event = UINT8_MAX;
    c.tls_session_cache = UINT8_MAX;
    c.post_slots = UINT16_MAX;
    c.post_slot_bytes = UINT32_MAX;
    c.frame_parsers = UINT16_MAX;
    return c;
}

TEST_GROUP(client_init) {
    Harness h;
    const char* why = nullptr;

    void teardown() override {
        context_fail::refuse_after(-1);
        h.client.deinit();
    }
    // Every Config rule is checked before the memory: a small block will do.
    Error init_config(const Config& c) {
        alignas(16) static uint8_t block[64];
        return h.client.init(c, h.options, h.fp.port(), block, sizeof block, &why);
    }
    Error init_port(const cws_port& port) {
        alignas(16) static uint8_t block[64];
        return h.client.init(h.config, h.options, port, block, sizeof block, &why);
    }
    // `memory` at `offset` bytes past a 16-byte boundary, `size` bytes long.
    Error init_memory(size_t offset, size_t size) {
        h.memory.assign(size + 32, 0);
        const uintptr_t p = reinterpret_cast<uintptr_t>(h.memory.data());
        uint8_t* aligned = h.memory.data() + ((16 - (p % 16)) % 16);
        return h.client.init(h.config, h.options, h.fp.port(), aligned + offset, size, &why);
    }
    void check_knob(void (*breaks)(Config&), const char* expected) {
        Config c;
        breaks(c);
        CHECK_ERR(Error::invalid_config, init_config(c));
        STRCMP_EQUAL(expected, why);
    }
    // A 64-byte block that claims to be `size` bytes: init must refuse before
    // it writes a byte, whatever the size says.
    Error init_claiming(const Config& c, size_t size) {
        alignas(16) static uint8_t block[64];
        return h.client.init(c, h.options, h.fp.port(), block, size, &why);
    }
    // Every Config rule holds: init goes on to judge the memory (too small).
    void check_rules_hold(const Config& c) {
        CHECK_ERR(Error::invalid_config, init_config(c));
        STRCMP_EQUAL("memory_size is smaller than Client::required_bytes(config)", why);
    }
    // A knob one over its maximum, or far over it: refused with `expected`,
    // even when the caller claims all the memory there is, and required_bytes
    // is exact or SIZE_MAX, never wrapped.
    void check_over(const Config& c, const char* expected) {
        CHECK_EQUAL(expected_required_bytes(c), Client::required_bytes(c));
        CHECK_ERR(Error::invalid_config, init_config(c));
        STRCMP_EQUAL(expected, why);
        CHECK_ERR(Error::invalid_config, init_claiming(c, SIZE_MAX));
        STRCMP_EQUAL(expected, why);
    }
    // Initialises for real with `c` (small enough to allocate), then undoes it.
    void check_accepted(const Config& c) {
        CHECK_EQUAL(expected_required_bytes(c), Client::required_bytes(c));
        h.config = c;
        CHECK_ERR(Error::ok, h.init(&why));
        STRCMP_EQUAL("", why);
        h.client.deinit();
    }
};

TEST(client_init, OkLeavesAnEmptyReason) {
    why = "unset";
    CHECK_ERR(Error::ok, h.init(&why));
    STRCMP_EQUAL("", why);
}

TEST(client_init, SecondInitIsInvalidConfigUntilDeinit) {
    CHECK_ERR(Error::ok, h.init());
    alignas(16) static uint8_t other[64];
    CHECK_ERR(Error::invalid_config,
              h.client.init(h.config, h.options, h.fp.port(), other, sizeof other, &why));
    STRCMP_EQUAL("already initialised: call deinit() first", why);
    h.client.deinit();
    CHECK_ERR(Error::ok, h.init());
}

TEST(client_init, MissingPaymentHookIsInvalidConfig) {
    h.options.payment_hook = nullptr;
    CHECK(h.init() == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("options.payment_hook is null (it is required)", why);
    // Refused means not initialised: the client answers as before init.
    CHECK_ERR(Error::invalid_config, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
}

TEST(client_init, NullPortOpsIsInvalidConfig) {
    CHECK_ERR(Error::invalid_config, init_port(cws_port{nullptr, nullptr}));
    STRCMP_EQUAL("port.ops is null", why);
}

TEST(client_init, NullRandomOpIsInvalidConfig) {
    cws_port_ops ops = *h.fp.port().ops;
    ops.random = nullptr;
    CHECK_ERR(Error::invalid_config, init_port(cws_port{&ops, h.fp.port().ctx}));
    STRCMP_EQUAL("port.ops->random is null", why);
}

TEST(client_init, ImpossibleKnobsAreInvalidConfig) {
    h.config.tx_buffer_bytes = 512;  // cannot carry a payment header
    CHECK(h.init() == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("tx_buffer_bytes must be >= max_payment_header + 1024", why);
}

TEST(client_init, NoSlotsAtAll) {
    check_knob(
        [](Config& c) {
            c.max_sessions = 0;
            c.max_requests = 0;
        },
        "max_sessions + max_requests must be >= 1");
}

TEST(client_init, TooManySessions) {
    check_knob([](Config& c) { c.max_sessions = 0x8000; }, "max_sessions must be <= 32767");
}

TEST(client_init, TooManyRequests) {
    check_knob([](Config& c) { c.max_requests = 0x8000; }, "max_requests must be <= 32767");
}

TEST(client_init, SendBufferOneByteShortOfThePaymentHeader) {
    check_knob([](Config& c) { c.tx_buffer_bytes = c.max_payment_header + 1023; },
               "tx_buffer_bytes must be >= max_payment_header + 1024");
}

TEST(client_init, HugePaymentHeaderDoesNotWrapPastTheSendBufferRule) {
    // max_payment_header + 1024 wraps to 123 in 32 bits.
    check_knob([](Config& c) { c.max_payment_header = UINT32_MAX - 900; },
               "tx_buffer_bytes must be >= max_payment_header + 1024");
}

TEST(client_init, ReadChunkTooSmall) {
    check_knob([](Config& c) { c.rx_buffer_bytes = 255; }, "rx_buffer_bytes must be >= 256");
}

TEST(client_init, WorkAreaTooSmall) {
    check_knob([](Config& c) { c.work_buffer_bytes = 2047; }, "work_buffer_bytes must be >= 2048");
}

TEST(client_init, WorkAreaCannotHoldTwoPaymentHeaders) {
    check_knob([](Config& c) { c.work_buffer_bytes = 2 * c.max_payment_header - 1; },
               "work_buffer_bytes must be >= 2 x max_payment_header");
}

TEST(client_init, MessageBoundBelowAControlFrame) {
    check_knob([](Config& c) { c.max_message_bytes = 124; }, "max_message_bytes must be >= 125");
}

TEST(client_init, NoListenerSlots) {
    check_knob([](Config& c) { c.listeners_per_event = 0; }, "listeners_per_event must be >= 1");
}

TEST(client_init, HeaderLineTooShort) {
    check_knob([](Config& c) { c.max_header_line = 255; }, "max_header_line must be >= 256");
}

TEST(client_init, TooFewHeaders) {
    check_knob([](Config& c) { c.max_headers = 7; }, "max_headers must be >= 8");
}

TEST(client_init, PaymentHeaderBoundTooSmall) {
    check_knob([](Config& c) { c.max_payment_header = 63; }, "max_payment_header must be >= 64");
}

TEST(client_init, EveryKnobAtItsMinimumIsAccepted) {
    h.config.max_sessions = 1;
    h.config.max_requests = 0;
    h.config.max_payment_header = 64;
    h.config.tx_buffer_bytes = 64 + 1024;
    h.config.rx_buffer_bytes = 256;
    h.config.work_buffer_bytes = 2048;
    h.config.max_message_bytes = 125;
    h.config.listeners_per_event = 1;
    h.config.max_header_line = 256;
    h.config.max_headers = 8;
    CHECK_ERR(Error::ok, h.init(&why));
    STRCMP_EQUAL("", why);
}

TEST(client_init, NullMemoryIsInvalidConfig) {
    CHECK_ERR(Error::invalid_config,
              h.client.init(h.config, h.options, h.fp.port(), nullptr, 1 << 20, &why));
    STRCMP_EQUAL("memory is null", why);
}

TEST(client_init, MisalignedMemoryIsInvalidConfig) {
    CHECK_ERR(Error::invalid_config, init_memory(8, Client::required_bytes(h.config)));
    STRCMP_EQUAL("memory is not 16-byte aligned", why);
}

TEST(client_init, TooLittleMemoryIsInvalidConfig) {
    Config c;
    alignas(16) static uint8_t small[64];
    CHECK(h.client.init(c, h.options, h.fp.port(), small, sizeof small) == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, init_memory(0, Client::required_bytes(h.config) - 1));
    STRCMP_EQUAL("memory_size is smaller than Client::required_bytes(config)", why);
}

TEST(client_init, NullServerUrlIsInvalidConfig) {
    h.options.server_url = nullptr;
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("options.server_url is null", why);
}

TEST(client_init, ServerUrlLongerThanKMaxUrlIsInvalidConfig) {
    std::string url = "http://127.0.0.1:8080/";
    url.append(kMaxUrl - url.size(), 'p');
    h.options.server_url = url.c_str();
    CHECK_ERR(Error::ok, h.init(&why));  // exactly kMaxUrl bytes
    h.client.deinit();
    url += 'p';
    h.options.server_url = url.c_str();
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("options.server_url is longer than kMaxUrl (512 bytes)", why);
}

TEST(client_init, BadServerUrlIsInvalidConfig) {
    h.options.server_url = "ftp://example.com";
    CHECK(h.init() == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("options.server_url is not a valid http:// or https:// URL", why);
    Harness h2;
    h2.options.server_url = "ws://example.com";  // the token endpoint is HTTP(S)
    CHECK(h2.init() == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, h2.init(&why));
    STRCMP_EQUAL("options.server_url must be http:// or https://, not ws:// or wss://", why);
}

TEST(client_init, TlsMaxFragmentIsAnRfc6066LengthOrZero) {
    LONGS_EQUAL(4096, ClientOptions().tls_max_fragment_bytes);
    for (uint16_t ok : {0, 512, 1024, 2048, 4096}) {
        h.options.tls_max_fragment_bytes = ok;
        CHECK_ERR(Error::ok, h.init(&why));
        h.client.deinit();
    }
    for (uint16_t bad : {1, 511, 513, 3000, 8192, 16384, 65535}) {
        h.options.tls_max_fragment_bytes = bad;
        CHECK_ERR(Error::invalid_config, h.init(&why));
        STRCMP_EQUAL("options.tls_max_fragment_bytes must be 0, 512, 1024, 2048 or 4096", why);
    }
}

TEST(client_init, BrokenEntropyIsInvalidConfig) {
    h.fp.random_fails = true;
    CHECK(h.init() == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("port.ops->random failed: the RNG could not be seeded", why);
}

TEST(client_init, RefusedFrameParserIsNoResourcesAndInitMayBeRetried) {
    h.config.max_sessions = 3;
    context_fail::refuse_after(1);  // the second frame parser is refused
    CHECK_ERR(Error::no_resources, h.init(&why));
    STRCMP_EQUAL("no heap for the frame parsers (wslay)", why);
    CHECK_ERR(Error::invalid_config, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    context_fail::refuse_after(-1);
    CHECK_ERR(Error::ok, h.init(&why));  // the first framer was freed (LeakSanitizer)
}

// ---- maxima: at the bound accepted, one over refused ---------------------------

TEST(client_init, MostSessionsPassEveryRule) {
    Config c;
    c.max_sessions = kMaxSlots;
    CHECK(Client::required_bytes(c) < SIZE_MAX);
    CHECK_EQUAL(expected_required_bytes(c), Client::required_bytes(c));
    check_rules_hold(c);
}

TEST(client_init, MostRequestsPassEveryRule) {
    Config c;
    c.max_requests = kMaxSlots;
    CHECK(Client::required_bytes(c) < SIZE_MAX);
    CHECK_EQUAL(expected_required_bytes(c), Client::required_bytes(c));
    check_rules_hold(c);
}

TEST(client_init, LargestSendBufferIsAccepted) {
    Config c;
    c.max_requests = 0;
    c.tx_buffer_bytes = kMaxBufferBytes;
    check_accepted(c);
    c.tx_buffer_bytes = kMaxBufferBytes + 1;
    check_over(c, "tx_buffer_bytes must be <= 16 MiB (16777216)");
}

TEST(client_init, LargestReadChunkIsAccepted) {
    Config c;
    c.max_requests = 0;
    c.rx_buffer_bytes = kMaxBufferBytes;
    check_accepted(c);
    c.rx_buffer_bytes = kMaxBufferBytes + 1;
    check_over(c, "rx_buffer_bytes must be <= 16 MiB (16777216)");
}

TEST(client_init, LargestWorkAreaIsAccepted) {
    Config c;
    c.max_requests = 0;
    c.work_buffer_bytes = kMaxBufferBytes;
    check_accepted(c);
    c.work_buffer_bytes = kMaxBufferBytes + 1;
    check_over(c, "work_buffer_bytes must be <= 16 MiB (16777216)");
}

TEST(client_init, LargestMessageBoundIsAccepted) {
    Config c;
    c.max_requests = 0;
    c.max_message_bytes = kMaxBufferBytes;
    check_accepted(c);
    c.max_message_bytes = kMaxBufferBytes + 1;
    check_over(c, "max_message_bytes must be <= 16 MiB (16777216)");
}

TEST(client_init, MostListenerSlotsAreAccepted) {
    Config c;
    c.listeners_per_event = kMaxListenersPerEvent;
    check_accepted(c);
    c.listeners_per_event = kMaxListenersPerEvent + 1;
    check_over(c, "listeners_per_event must be <= 16");
}

TEST(client_init, MostTlsSessionsAreAcceptedAndNoneTurnsResumptionOff) {
    Config c;
    c.tls_session_cache = kMaxTlsSessionCache;
    check_accepted(c);
    c.tls_session_cache = 0;
    check_accepted(c);
    c.tls_session_cache = kMaxTlsSessionCache + 1;
    check_over(c, "tls_session_cache must be <= 16");
}

TEST(client_init, PostSlotsAreZeroOrAPowerOfTwoUpTo4096) {
    Config c;
    c.post_slots = 0;
    c.post_slot_bytes = 0;  // not checked while post() is off
    check_accepted(c);
    c.post_slot_bytes = 256;
    const uint16_t good[] = {2, 4, 64, kMaxPostSlots};
    for (uint16_t n : good) {
        c.post_slots = n;
        check_accepted(c);
    }
    const uint16_t bad[] = {1, 3, 6, 100, 4095};
    for (uint16_t n : bad) {
        c.post_slots = n;
        check_over(c, "post_slots must be 0 or a power of two >= 2");
    }
    c.post_slots = 2 * kMaxPostSlots;
    check_over(c, "post_slots must be <= 4096");
}

TEST(client_init, PostSlotBytesRangeFromOneTo64KiB) {
    Config c;
    c.post_slots = 4;
    c.post_slot_bytes = 1;
    check_accepted(c);
    c.post_slot_bytes = kMaxPostSlotBytes;
    check_accepted(c);
    c.post_slot_bytes = kMaxPostSlotBytes + 1;
    check_over(c, "post_slot_bytes must be <= 64 KiB (65536)");
    c.post_slot_bytes = 0;
    check_over(c, "post_slot_bytes must be >= 1");
}

TEST(client_init, MaxHandshakesRangeFromZeroToMaxSessions) {
    Config c;
    c.max_sessions = 4;
    const uint16_t good[] = {0, 1, 4};
    for (uint16_t n : good) {
        c.max_handshakes = n;
        check_accepted(c);
    }
    c.max_handshakes = 5;
    check_over(c, "max_handshakes must be <= max_sessions");
    c.max_sessions = 0;
    c.max_handshakes = 1;
    check_over(c, "max_handshakes must be <= max_sessions");
}

TEST(client_init, SessionTxBytesNeedSharedLanesAndRangeFrom256To16MiB) {
    Config c;
    c.session_tx_bytes = 256;
    check_over(c,
               "session_tx_bytes needs max_handshakes > 0 (with a lane of its own a session "
               "sends through tx_buffer_bytes)");
    c.max_handshakes = 1;
    check_accepted(c);
    c.session_tx_bytes = 0;  // tx_buffer_bytes
    check_accepted(c);
    c.session_tx_bytes = 255;
    check_over(c, "session_tx_bytes must be 0 or >= 256");
    c.session_tx_bytes = kMaxBufferBytes + 1;
    check_over(c, "session_tx_bytes must be <= 16 MiB (16777216)");
    c.session_tx_bytes = kMaxBufferBytes;
    CHECK_EQUAL(expected_required_bytes(c), Client::required_bytes(c));
}

// Shared lanes: a session costs its state, frame buffer, message buffer and
// listeners; the HTTP buffers are paid once per lane.
TEST(client_init, SharedLanesTakeTheHttpBuffersOutOfEachSession) {
    Config c;
    c.max_sessions = 1000;
    c.max_requests = 0;
    const size_t own = Client::required_bytes(c);
    c.max_handshakes = 8;
    c.session_tx_bytes = 1024;
    c.max_message_bytes = 1024;
    const size_t shared = Client::required_bytes(c);
    CHECK_EQUAL(expected_required_bytes(c), shared);
    CHECK(shared * 4 < own);  // 1000 x (tx 4 KiB, rx 2 KiB, work 16 KiB) stay out
}

// 0 slots: post() is off and costs nothing; each slot costs its header and bytes.
TEST(client_init, PostSlotsCostTheirCellsAndNothingWhenOff) {
    Config c;
    const size_t base = Client::required_bytes(c);
    c.post_slot_bytes = 1000;
    CHECK_EQUAL(base, Client::required_bytes(c));
    c.post_slots = 8;
    const size_t cell = (32 + 1000 + 15) / 16 * 16;
    LONGS_EQUAL(32, align16(sizeof(PostCell)));
    LONGS_EQUAL(96, align16(sizeof(PostQueue)));
    CHECK_EQUAL(base + 96 + 8 * cell, Client::required_bytes(c));
    CHECK_EQUAL(expected_required_bytes(c), Client::required_bytes(c));
    check_accepted(c);
}

TEST(client_init, FrameParsersAreZeroOrUpToMaxSessions) {
    Config c;
    c.max_sessions = 4;
    c.max_requests = 0;
    for (uint16_t n : {0, 1, 2, 4}) {
        c.frame_parsers = n;
        check_accepted(c);
    }
    c.frame_parsers = 5;
    check_over(c, "frame_parsers must be 0 or <= max_sessions");
    c.max_sessions = 0;  // requests only: no parser either
    c.max_requests = 1;
    c.frame_parsers = 1;
    check_over(c, "frame_parsers must be 0 or <= max_sessions");
    c.frame_parsers = 0;
    check_accepted(c);
}

TEST(client_init, FrameParsersCostTheirEntriesInTheBlock) {
    Config c;
    c.max_sessions = 8;
    const size_t per_session = Client::required_bytes(c);
    c.frame_parsers = 8;  // the same as 0
    CHECK_EQUAL(per_session, Client::required_bytes(c));
    c.frame_parsers = 1;
    LONGS_EQUAL(align16(8 * sizeof(ws::FrameContext)) - align16(sizeof(ws::FrameContext)),
                per_session - Client::required_bytes(c));
}

TEST(client_init, LongestHeaderLineIsAccepted) {
    Config c;
    c.max_header_line = kMaxHttpLimitBytes;
    check_accepted(c);
    c.max_header_line = kMaxHttpLimitBytes + 1;
    check_over(c, "max_header_line must be <= 8 MiB (8388608)");
}

TEST(client_init, MostHeadersAreAccepted) {
    Config c;
    c.max_headers = kMaxHeaderCount;
    check_accepted(c);
    c.max_headers = kMaxHeaderCount + 1;
    check_over(c, "max_headers must be <= 1024");
}

TEST(client_init, LongestBodyIsAccepted) {
    Config c;
    c.max_body_bytes = kMaxHttpLimitBytes;
    check_accepted(c);
    c.max_body_bytes = kMaxHttpLimitBytes + 1;
    check_over(c, "max_body_bytes must be <= 8 MiB (8388608)");
}

TEST(client_init, LongestPaymentHeaderIsAccepted) {
    Config c;
    c.tx_buffer_bytes = 2 * kMaxPaymentHeader;  // room for the header + 1024 either way
    c.work_buffer_bytes = 2 * kMaxPaymentHeader + 2;
    c.max_payment_header = kMaxPaymentHeader;
    check_accepted(c);
    c.max_payment_header = kMaxPaymentHeader + 1;
    check_over(c, "max_payment_header must be <= 64 KiB (65536)");
}

// ---- extreme values: refused, nothing wraps ---------------------------------------

TEST(client_init, EachKnobAtTheLargestValueOfItsTypeIsRefused) {
    struct Extreme {
        void (*set)(Config&);
        const char* why;
    };
    const Extreme extremes[] = {
        {[](Config& c) { c.max_sessions = UINT16_MAX; }, "max_sessions must be <= 32767"},
        {[](Config& c) { c.max_requests = UINT16_MAX; }, "max_requests must be <= 32767"},
        {[](Config& c) { c.tx_buffer_bytes = UINT32_MAX; },
         "tx_buffer_bytes must be <= 16 MiB (16777216)"},
        {[](Config& c) { c.rx_buffer_bytes = UINT32_MAX; },
         "rx_buffer_bytes must be <= 16 MiB (16777216)"},
        {[](Config& c) { c.work_buffer_bytes = UINT32_MAX; },
         "work_buffer_bytes must be <= 16 MiB (16777216)"},
        // The armhf crash: required_bytes wrapped to a small size, init said ok.
        {[](Config& c) { c.max_message_bytes = UINT32_MAX; },
         "max_message_bytes must be <= 16 MiB (16777216)"},
        {[](Config& c) { c.listeners_per_event = UINT8_MAX; }, "listeners_per_event must be <= 16"},
        {[](Config& c) { c.max_header_line = UINT32_MAX; },
         "max_header_line must be <= 8 MiB (8388608)"},
        {[](Config& c) { c.max_headers = UINT16_MAX; }, "max_headers must be <= 1024"},
        {[](Config& c) { c.max_body_bytes = UINT32_MAX; },
         "max_body_bytes must be <= 8 MiB (8388608)"},
        {[](Config& c) { c.tls_session_cache = UINT8_MAX; }, "tls_session_cache must be <= 16"},
        {[](Config& c) { c.post_slots = UINT16_MAX; },
         "post_slots must be 0 or a power of two >= 2"},
        {[](Config& c) { c.post_slots = 32768; }, "post_slots must be <= 4096"},
        {[](Config& c) { c.frame_parsers = UINT16_MAX; },
         "frame_parsers must be 0 or <= max_sessions"},
        {[](Config& c) {
             c.post_slots = 2;
             c.post_slot_bytes = UINT32_MAX;
         },
         "post_slot_bytes must be <= 64 KiB (65536)"},
        {[](Config& c) { c.max_handshakes = UINT16_MAX; },
         "max_handshakes must be <= max_sessions"},
        {[](Config& c) {
             c.max_handshakes = 1;
             c.session_tx_bytes = UINT32_MAX;
         },
         "session_tx_bytes must be <= 16 MiB (16777216)"},
        // No send buffer can hold it: the send buffer's rule comes first.
        {[](Config& c) { c.max_payment_header = UINT32_MAX; },
         "tx_buffer_bytes must be >= max_payment_header + 1024"},
    };
    for (const Extreme& e : extremes) {
        Config c;
        e.set(c);
        check_over(c, e.why);
    }
}

TEST(client_init, EveryKnobAtTheLargestValueOfItsTypeAtOnceIsRefused) {
    const Config c = extreme_config();
    if (sizeof(size_t) < sizeof(uint64_t)) CHECK_EQUAL(SIZE_MAX, Client::required_bytes(c));
    check_over(c, "max_sessions must be <= 32767");
}

TEST(client_init, TheLargestLayoutFitsSizeTOrIsRefused) {
    const Config c = largest_config();
    const uint64_t exact = layout_bytes(c);
    if (exact != static_cast<size_t>(exact)) {
        // 32-bit: 32767 sessions and 32767 requests of 48 MiB each are ~3 TiB.
        CHECK_EQUAL(SIZE_MAX, Client::required_bytes(c));
        const char* expected =
            "the memory layout does not fit size_t (Client::required_bytes is SIZE_MAX): fewer "
            "slots or smaller buffers";
        CHECK_ERR(Error::invalid_config, init_claiming(c, SIZE_MAX));
        STRCMP_EQUAL(expected, why);
        CHECK_ERR(Error::invalid_config, init_config(c));
        STRCMP_EQUAL(expected, why);
    } else {
        // 64-bit: it fits; only the memory is missing.
        CHECK_EQUAL(exact, Client::required_bytes(c));
        check_rules_hold(c);
    }
}

TEST(client_init, RequiredBytesIsAMultipleOf16OrSizeMax) {
    // SIZE_MAX is odd, so it never names a real layout.
    const Config configs[] = {Config(), largest_config(), extreme_config()};
    for (const Config& c : configs) {
        const size_t n = Client::required_bytes(c);
        CHECK_EQUAL(expected_required_bytes(c), n);
        CHECK(n == SIZE_MAX || n % 16 == 0);
    }
}
