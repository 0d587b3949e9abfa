// Client::init: every cause of invalid_config and no_resources, each with the
// reason init() hands back through `why`.
#include <wslay/wslay.h>

#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

// unit_client links with --wrap=wslay_frame_context_init (tests/CMakeLists.txt):
// the library's calls land here, so a test can make the heap refuse a framer.
namespace {
int g_framer_allocs_left = -1;  // -1: never refuse; n: refuse after n successes
}  // namespace

extern "C" int __real_wslay_frame_context_init(wslay_frame_context_ptr* ctx,
                                               const struct wslay_frame_callbacks* callbacks,
                                               void* user_data);

extern "C" int __wrap_wslay_frame_context_init(wslay_frame_context_ptr* ctx,
                                               const struct wslay_frame_callbacks* callbacks,
                                               void* user_data) {
    if (g_framer_allocs_left == 0) return WSLAY_ERR_NOMEM;
    if (g_framer_allocs_left > 0) --g_framer_allocs_left;
    return __real_wslay_frame_context_init(ctx, callbacks, user_data);
}

TEST_GROUP(client_init) {
    Harness h;
    const char* why = nullptr;

    void teardown() override {
        g_framer_allocs_left = -1;
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

TEST(client_init, BrokenEntropyIsInvalidConfig) {
    h.fp.random_fails = true;
    CHECK(h.init() == Error::invalid_config);
    CHECK_ERR(Error::invalid_config, h.init(&why));
    STRCMP_EQUAL("port.ops->random failed: the RNG could not be seeded", why);
}

TEST(client_init, RefusedFrameParserIsNoResourcesAndInitMayBeRetried) {
    h.config.max_sessions = 3;
    g_framer_allocs_left = 1;  // the second session's framer is refused
    CHECK_ERR(Error::no_resources, h.init(&why));
    STRCMP_EQUAL("no heap for a session's frame parser (wslay)", why);
    CHECK_ERR(Error::invalid_config, h.client.request_token(TokenParams(), &Harness::token_cb, &h));
    g_framer_allocs_left = -1;
    CHECK_ERR(Error::ok, h.init(&why));  // the first framer was freed (LeakSanitizer)
}
