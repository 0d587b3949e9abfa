/* SPDX-License-Identifier: MIT */
/* The C API's test suite, in C99: the client driven through consensus.h on
 * the fake port (the fixture: capi_fixture.h; the checks and the runner:
 * c_check.h).
 * usage: unit_capi [test name]   (no name: every test) */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi/c_check.h"
#include "capi/capi_fixture.h"
#include "capi/capi_shim.h"
#include "consensus/consensus.h"

/* ---- the tests ------------------------------------------------------------ */

static void test_defaults_equal_the_cpp_ones(void) {
    cws_config c;
    cws_options o;
    cws_token_params p;
    cws_session_options so;
    memset(&c, 0xab, sizeof c);
    memset(&o, 0xab, sizeof o);
    cws_config_default(&c);
    cws_options_default(&o);
    CHECK(capi_config_mismatch(&c) == NULL);
    CHECK(capi_options_mismatch(&o) == NULL);
    /* The comparison sees each field (a changed one is named). */
    c.frame_parsers = 3;
    CHECK_STR("frame_parsers", capi_config_mismatch(&c));
    c.frame_parsers = 0;
    c.max_handshakes = 1;
    CHECK_STR("max_handshakes", capi_config_mismatch(&c));
    o.reconnect_jitter = 0.5f;
    CHECK_STR("reconnect_jitter", capi_options_mismatch(&o));
    o.reconnect_jitter = 0.0f;
    o.tls_max_fragment_bytes = 512;
    CHECK_STR("tls_max_fragment_bytes", capi_options_mismatch(&o));
    o.tls_max_fragment_bytes = 4096;
    o.no_proxy = "example.com";
    CHECK_STR("no_proxy", capi_options_mismatch(&o));
    CHECK(o.http_proxy == NULL && o.https_proxy == NULL);
    /* The C++ defaults, spelled out. */
    CHECK(c.max_sessions == 1 && c.max_requests == 1 && c.tx_buffer_bytes == 4096);
    CHECK(o.max_reconnects == UINT32_MAX && o.ping_interval_ms == 20000);
    memset(&p, 0xab, sizeof p);
    cws_token_params_default(&p);
    CHECK(p.model == CWS_MODEL_UNSET && p.minutes == -1 && p.megabytes == -1);
    CHECK(p.node_region == NULL && p.node_domain == NULL && p.node_exclude == NULL);
    memset(&so, 0xab, sizeof so);
    cws_session_options_default(&so);
    CHECK(so.listener == NULL && so.user == NULL && !so.renew && so.await_session_start);
}

static size_t expected_bytes(const cws_config* c) {
    return capi_cpp_required_bytes(c) + CWS_CLIENT_HEADER_BYTES +
           c->max_sessions * CWS_SESSION_ROW_BYTES(c->listeners_per_event) +
           CWS_REQUEST_TABLE_BYTES(c->max_requests);
}

static void test_required_bytes(void) {
    cws_config c;
    cws_config_default(&c);
    CHECK(cws_client_required_bytes(&c) == expected_bytes(&c));
    CHECK(cws_client_required_bytes(&c) % CWS_CLIENT_ALIGN == 0);
    c.max_sessions = 3;
    c.listeners_per_event = 5;
    c.max_requests = 0;
    CHECK(cws_client_required_bytes(&c) == expected_bytes(&c));
    c.max_handshakes = 2;
    c.session_tx_bytes = 1024;
    c.frame_parsers = 1;
    c.post_slots = 8;
    CHECK(cws_client_required_bytes(&c) == expected_bytes(&c));
    CHECK(cws_client_required_bytes(NULL) == SIZE_MAX);
}

/* C99 has no alignof: the padding before a member says its alignment. */
typedef struct session_align_probe {
    char c;
    cws_session s;
} session_align_probe;

static void test_sizes_and_alignment(void) {
    CHECK(sizeof(cws_session) == capi_cpp_session_size());
    CHECK(offsetof(session_align_probe, s) == capi_cpp_session_align());
    CHECK(sizeof(cws_session) == (sizeof(void*) == 8 ? 16u : 12u));
    CHECK(CWS_CLIENT_HEADER_BYTES % CWS_CLIENT_ALIGN == 0);
    CHECK(CWS_SESSION_ROW_BYTES(1) % 16 == 0 && CWS_SESSION_ROW_BYTES(16) % 16 == 0);
    CHECK(CWS_REQUEST_TABLE_BYTES(0) % 16 == 0 && CWS_REQUEST_TABLE_BYTES(3) % 16 == 0);
    CHECK(CWS_LISTENER_ENTRY_BYTES == 2 * sizeof(void*));
    if (sizeof(void*) == 8) {
        CHECK(CWS_SESSION_ROW_BYTES(2) == 416); /* the header's x86_64 figure */
        CHECK(CWS_REQUEST_TABLE_BYTES(1) == 32);
    }
}

static void test_init_errors(void) {
    fixture f;
    const char* why = NULL;
    cws_port port;
    size_t need;
    fixture_setup(&f);
    port = capi_fake_port(f.fake);
    need = cws_client_required_bytes(&f.config);

    f.options.payment_hook = NULL;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, fixture_init(&f, &why));
    CHECK(why != NULL && strstr(why, "payment_hook") != NULL);
    /* The hook is checked first, also with no memory at all. */
    why = NULL;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG,
              cws_client_init(NULL, 0, &f.config, &f.options, &port, &f.client, &why));
    CHECK(why != NULL && strstr(why, "payment_hook") != NULL);
    f.options.payment_hook = hook;

    fixture_memory(&f, need, 0);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG,
              cws_client_init(f.block, need - 16, &f.config, &f.options, &port, &f.client, &why));
    CHECK_STR("memory_size is smaller than cws_client_required_bytes(config)", why);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG,
              cws_client_init(f.block, 8, &f.config, &f.options, &port, &f.client, &why));
    CHECK_STR("memory_size is smaller than cws_client_required_bytes(config)", why);

    fixture_memory(&f, need, 8);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG,
              cws_client_init(f.block, need, &f.config, &f.options, &port, &f.client, &why));
    CHECK(why != NULL && strstr(why, "16-byte aligned") != NULL);

    CHECK_ERR(CWS_ERR_INVALID_CONFIG,
              cws_client_init(NULL, need, &f.config, &f.options, &port, &f.client, &why));
    CHECK_STR("memory is null", why);

    f.config.listeners_per_event = 0;
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, fixture_init(&f, &why));
    CHECK_STR("listeners_per_event must be >= 1", why);
    f.config.listeners_per_event = 2;

    f.options.server_url = "ws://127.0.0.1:8080";
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, fixture_init(&f, &why));
    CHECK(why != NULL && strstr(why, "server_url") != NULL);
    f.options.server_url = "http://127.0.0.1:8080";

    /* A proxy URL it cannot use; the reason never quotes it (a password). */
    f.options.https_proxy = "https://user:hunter2@proxy:443";
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, fixture_init(&f, &why));
    CHECK(why != NULL && strstr(why, "proxy") != NULL && strstr(why, "hunter2") == NULL);
    f.options.https_proxy = NULL;

    CHECK_ERR(CWS_ERR_INVALID_PARAMS,
              cws_client_init(f.block, need, NULL, &f.options, &port, &f.client, &why));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS,
              cws_client_init(f.block, need, &f.config, &f.options, &port, NULL, &why));

    /* After every refusal the memory initialises a client. */
    f.client = NULL;
    CHECK_ERR(CWS_OK, fixture_init(&f, &why));
    CHECK_STR("", why);
    CHECK(f.client == (cws_client*)f.block);
    CHECK(cws_client_next_timeout_ms(f.client) == -1);
    fixture_teardown(&f);
}

static void test_error_names(void) {
    int i, j;
    for (i = 0; i < CWS_ERROR_COUNT; ++i) {
        const char* name = cws_error_name((cws_error)i);
        CHECK(name != NULL && name[0] != '\0');
        CHECK_STR(capi_cpp_error_name(i), name);
        for (j = 0; j < i; ++j) CHECK(strcmp(name, cws_error_name((cws_error)j)) != 0);
    }
    CHECK_STR("ok", cws_error_name(CWS_OK));
    CHECK_STR("price_too_high", cws_error_name(CWS_ERR_PRICE_TOO_HIGH));
    CHECK_STR("proxy_failed", cws_error_name(CWS_ERR_PROXY_FAILED));
    CHECK_STR("unknown", cws_error_name((cws_error)CWS_ERROR_COUNT));
    for (i = 0; i <= CWS_STATE_CLOSED; ++i) {
        CHECK_STR(capi_cpp_state_name(i), cws_session_state_name((cws_session_state)i));
    }
    CHECK_STR("waiting_to_reconnect", cws_session_state_name(CWS_STATE_WAITING_TO_RECONNECT));
    CHECK_STR("unknown", cws_session_state_name((cws_session_state)(CWS_STATE_CLOSED + 1)));
    CHECK_STR("hybrid", cws_model_name(CWS_MODEL_HYBRID));
    CHECK(cws_tls_library_version() != NULL);
}

static void test_free_session_end_to_end(void) {
    fixture f;
    cws_session s, zero;
    const cws_session_options opts = listening(&f);
    char payload[64];
    size_t i;
    fixture_setup(&f);
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    memset(&zero, 0, sizeof zero);
    CHECK(!cws_session_valid(zero));
    CHECK(cws_session_get_state(zero) == CWS_STATE_CLOSED);
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_send_text(zero, "x", 1));

    capi_fake_push_token(f.fake, 0, "tok-1", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    CHECK(cws_session_valid(s));
    CHECK(cws_session_index(s) == 0);
    CHECK(cws_session_get_state(s) == CWS_STATE_REQUESTING_TOKEN);
    CHECK_ERR(CWS_OK, cws_on(f.client, s, CWS_EV_MESSAGE, count_extra, &f));
    /* Not open yet: the service would drop it. */
    CHECK_ERR(CWS_ERR_NOT_OPEN, cws_send_text(s, "early", 5));
    spin(&f);
    CHECK(strstr(capi_fake_sent(f.fake, 0, NULL), "GET /ws?model=hybrid&minutes=5&megabytes=50") !=
          NULL);
    CHECK(cws_session_get_state(s) == CWS_STATE_UPGRADING);
    CHECK(strstr(capi_fake_sent(f.fake, 1, NULL), "GET /ws-connect?token=tok-1") != NULL);
    CHECK_ERR(CWS_ERR_NOT_OPEN, cws_send_text(s, "early", 5));
    capi_fake_push_101(f.fake, 1);
    spin(&f);
    CHECK(cws_session_get_state(s) == CWS_STATE_STARTING);
    CHECK(count(&f, CWS_EV_OPEN) == 0);
    capi_fake_push_session_start(f.fake, 1);
    spin(&f);
    CHECK(cws_session_get_state(s) == CWS_STATE_OPEN);
    CHECK(cws_session_public_state(s) == CWS_PUBLIC_CONNECTED);

    CHECK_ERR(CWS_OK, cws_send_text(s, "hello", 5));
    spin(&f);
    CHECK(capi_fake_client_frame(f.fake, 1, 0, payload, sizeof payload) == 1);
    CHECK_STR("hello", payload);
    capi_fake_push_text(f.fake, 1, "hello");
    spin(&f);
    CHECK_ERR(CWS_OK, cws_close(s, 1000, "done"));
    spin(&f);
    CHECK(cws_session_get_state(s) == CWS_STATE_CLOSING);
    capi_fake_push_close(f.fake, 1, 1000, "bye");
    spin(&f);

    /* The events, in order, with their fields: exactly these. */
    {
        static const cws_event_type kOrder[] = {
            CWS_EV_TOKEN,   CWS_EV_OPEN,  CWS_EV_SESSION_START, CWS_EV_MESSAGE,
            CWS_EV_MESSAGE, CWS_EV_CLOSE, CWS_EV_ENDED};
        const size_t n = sizeof kOrder / sizeof kOrder[0];
        CHECK(f.event_count == n);
        for (i = 0; i < n && i < f.event_count; ++i) CHECK(f.events[i].type == kOrder[i]);
    }
    CHECK_STR("tok-1", find(&f, CWS_EV_TOKEN)->text);
    CHECK_STR("s-1", find(&f, CWS_EV_SESSION_START)->session_id);
    CHECK(find(&f, CWS_EV_SESSION_START)->time_seconds == 300);
    CHECK(find(&f, CWS_EV_OPEN)->attempt == 1);
    CHECK(find(&f, CWS_EV_OPEN)->tls_version_null);
    /* The server's session_start is a message too; then the echo. */
    CHECK(count(&f, CWS_EV_MESSAGE) == 2);
    for (i = 0; i < f.event_count; ++i) {
        if (f.events[i].type == CWS_EV_MESSAGE && strcmp(f.events[i].text, "hello") == 0) break;
    }
    CHECK(i < f.event_count && !f.events[i].binary);
    CHECK(f.extra_calls == 2); /* the cws_on listener saw both messages */
    CHECK(find(&f, CWS_EV_CLOSE)->code == 1000);
    CHECK(find(&f, CWS_EV_CLOSE)->initiator == CWS_BY_CALLER);
    CHECK(find(&f, CWS_EV_ENDED)->error == CWS_OK);
    CHECK(count(&f, CWS_EV_ERROR) == 0);
    CHECK(count(&f, CWS_EV_ENDED) == 1);
    CHECK(count(&f, CWS_EV_PAYMENT) == 0);
    CHECK(capi_fake_closed(f.fake, 1));
    CHECK(cws_session_get_state(s) == CWS_STATE_CLOSED);
    fixture_teardown(&f);
}

static void test_listeners_on_and_off(void) {
    fixture f;
    cws_session s, t;
    const cws_session_options opts = listening(&f);
    fixture_setup(&f);
    f.config.listeners_per_event = 1;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_on(f.client, s, CWS_EV_MESSAGE, NULL, &f));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS,
              cws_on(f.client, s, (cws_event_type)CWS_EVENT_TYPE_COUNT, count_extra, &f));
    /* One slot per event: the options' listener holds it. */
    CHECK_ERR(CWS_ERR_NO_RESOURCES, cws_on(f.client, s, CWS_EV_ERROR, count_extra, &f));
    CHECK(cws_off(f.client, s, CWS_EV_ERROR, record_event, &f));
    CHECK(!cws_off(f.client, s, CWS_EV_ERROR, record_event, &f));
    CHECK_ERR(CWS_OK, cws_on(f.client, s, CWS_EV_ERROR, count_extra, &f));
    CHECK(cws_off(f.client, s, CWS_EV_ERROR, count_extra, &f));
    CHECK_ERR(CWS_OK, cws_on(f.client, s, CWS_EV_ERROR, count_extra, &f));
    /* A closed session ends at once; its handle is stale once the slot is reused. */
    CHECK_ERR(CWS_OK, cws_close(s, 1000, NULL));
    CHECK(count(&f, CWS_EV_ENDED) > 0);
    CHECK(f.extra_calls == 0);
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &t));
    CHECK(cws_session_index(t) == cws_session_index(s));
    CHECK(!cws_session_same(s, t));
    CHECK(!cws_session_valid(s));
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_on(f.client, s, CWS_EV_ERROR, count_extra, &f));
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_close(s, 1000, NULL));
    /* The new session's row starts afresh: its error slot is its options' listener. */
    CHECK_ERR(CWS_ERR_NO_RESOURCES, cws_on(f.client, t, CWS_EV_ERROR, count_extra, &f));
    /* ... and none of the old session's listeners: with the options'
     * listener off, the one slot takes another. */
    CHECK(cws_off(f.client, t, CWS_EV_ERROR, record_event, &f));
    CHECK_ERR(CWS_OK, cws_on(f.client, t, CWS_EV_ERROR, count_extra, &f));
    {
        /* Another client's session is refused (its row is not this client's). */
        const size_t need = cws_client_required_bytes(&f.config);
        unsigned char* raw = (unsigned char*)malloc(need + 16);
        void* block = raw + (16 - (uintptr_t)raw % 16) % 16;
        const cws_port port = capi_fake_port(f.fake);
        cws_client* other = NULL;
        CHECK_ERR(CWS_OK, cws_client_init(block, need, &f.config, &f.options, &port, &other, NULL));
        CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_on(other, t, CWS_EV_ERROR, count_extra, &f));
        CHECK(!cws_off(other, t, CWS_EV_ERROR, count_extra, &f));
        cws_client_deinit(other);
        free(raw);
    }
    CHECK_ERR(CWS_OK, cws_close(t, 1000, NULL)); /* error is not fired: ended is */
    CHECK(f.extra_calls == 0);
    CHECK(count(&f, CWS_EV_ENDED) == 2);
    fixture_teardown(&f);
}

static void test_paid_session_with_a_pending_hook(void) {
    fixture f;
    cws_session s;
    const cws_session_options opts = listening(&f);
    fixture_setup(&f);
    f.decision = CWS_PAY_PENDING;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    capi_fake_push_vector(f.fake, 0, "402-hybrid.http");
    capi_fake_push_vector(f.fake, 1, "paid-200.http");
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    spin(&f);
    CHECK(f.hook_calls == 1);
    CHECK(f.accepts_count >= 1);
    CHECK_STR("7500", f.amount);
    CHECK_STR("eip155:84532", f.network);
    CHECK(cws_session_get_state(s) == CWS_STATE_PAYING);
    CHECK(capi_fake_opened(f.fake) == 1); /* nothing sent while the payer works */
    capi_fake_advance(f.fake, 5000);
    spin(&f);
    CHECK(cws_session_get_state(s) == CWS_STATE_PAYING);
    CHECK_ERR(CWS_OK, cws_complete_payment(f.client, f.ticket, "c2ln", 4));
    spin(&f);
    CHECK(strstr(capi_fake_sent(f.fake, 1, NULL), "PAYMENT-SIGNATURE: c2ln\r\n") != NULL);
    CHECK(cws_session_get_state(s) == CWS_STATE_UPGRADING);
    /* The ticket is spent. */
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_complete_payment(f.client, f.ticket, "c2ln", 4));
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_refuse_payment(f.client, f.ticket));
    CHECK(count(&f, CWS_EV_PAYMENT) == 2);
    CHECK(!find(&f, CWS_EV_PAYMENT)->paid);
    CHECK(f.events[1].type == CWS_EV_PAYMENT && f.events[1].paid);
    CHECK(count(&f, CWS_EV_TOKEN) > 0);
    CHECK_STR("05b0fc44-ac7f-4804-84e2-6810d9359f72", find(&f, CWS_EV_TOKEN)->text);
    fixture_teardown(&f);
}

static void test_refused_payment_then_close(void) {
    fixture f;
    cws_session s;
    const cws_session_options opts = listening(&f);
    fixture_setup(&f);
    f.decision = CWS_PAY_PENDING;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    capi_fake_push_vector(f.fake, 0, "402-hybrid.http");
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    spin(&f);
    CHECK(f.hook_calls == 1);
    CHECK_ERR(CWS_OK, cws_refuse_payment(f.client, f.ticket));
    spin(&f);
    /* payment (a 402), error payment_refused, then the managed session
     * schedules another attempt; close() ends it at once. */
    CHECK(f.event_count == 3);
    CHECK(f.events[0].type == CWS_EV_PAYMENT && !f.events[0].paid);
    CHECK(f.events[1].type == CWS_EV_ERROR && f.events[1].error == CWS_ERR_PAYMENT_REFUSED);
    CHECK_STR("payment hook refused to pay", f.events[1].text);
    CHECK(f.events[2].type == CWS_EV_RECONNECTING && f.events[2].attempt >= 1);
    CHECK(cws_session_get_state(s) == CWS_STATE_WAITING_TO_RECONNECT);
    CHECK_ERR(CWS_OK, cws_close(s, 1000, NULL));
    CHECK(f.event_count > 0 && f.events[f.event_count - 1].type == CWS_EV_ENDED);
    CHECK(!cws_session_valid(s) || cws_session_get_state(s) == CWS_STATE_CLOSED);
    fixture_teardown(&f);
}

static void test_request_token_then_connect(void) {
    fixture f;
    cws_session s;
    cws_token_params p;
    const cws_session_options opts = listening(&f);
    fixture_setup(&f);
    f.decision = CWS_PAY_PAID;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    cws_token_params_default(&p);
    p.minutes = CWS_MAX_MINUTES + 1;
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_request_token(f.client, &p, on_token, &f));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_request_token(f.client, NULL, NULL, &f));
    capi_fake_push_vector(f.fake, 0, "402-hybrid.http");
    capi_fake_push_vector(f.fake, 1, "paid-200.http");
    CHECK_ERR(CWS_OK, cws_request_token(f.client, NULL, on_token, &f));
    CHECK_ERR(CWS_ERR_NO_RESOURCES, cws_request_token(f.client, NULL, on_token, &f));
    spin(&f);
    CHECK(f.hook_calls == 1);
    CHECK(f.token_calls == 1);
    CHECK_ERR(CWS_OK, f.token_error);
    CHECK(f.token_paid);
    CHECK_STR("05b0fc44-ac7f-4804-84e2-6810d9359f72", f.auth.token);
    CHECK(f.auth.has_params && f.auth.model == CWS_MODEL_HYBRID && f.auth.minutes == 5);
    CHECK(strstr(capi_fake_sent(f.fake, 1, NULL), "PAYMENT-SIGNATURE: UEFZTUVOVA==\r\n") != NULL);
    /* The request slot is free again after each callback, also for more. */
    capi_fake_push_token(f.fake, 2, "tok-2", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_request_token(f.client, NULL, on_token, &f));
    spin(&f);
    CHECK(f.token_calls == 2);
    CHECK_STR("tok-2", f.auth.token);
    CHECK(!f.token_paid);
    capi_fake_push_token(f.fake, 3, "tok-3", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_request_token(f.client, NULL, on_token, &f));
    spin(&f);
    CHECK(f.token_calls == 3);
    CHECK_STR("tok-3", f.auth.token);
    /* The auth connects. */
    CHECK_ERR(CWS_OK, cws_connect(f.client, &f.auth, &opts, &s));
    CHECK(cws_session_get_state(s) == CWS_STATE_CONNECTING ||
          cws_session_get_state(s) == CWS_STATE_UPGRADING);
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_connect(f.client, NULL, &opts, &s));
    f.auth.connect_url[0] = '\0';
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_connect(f.client, &f.auth, &opts, &s));
    fixture_teardown(&f);
}

static void test_uninitialised_and_deinit(void) {
    fixture f;
    cws_session s;
    cws_budget b;
    memset(&s, 0, sizeof s);
    fixture_setup(&f);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_open_session(NULL, NULL, NULL, &s));
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_open_session(f.client, NULL, NULL, NULL));
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_client_post(f.client, s, (const uint8_t*)"x", 1, false));
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_client_set_reconnect_policy(f.client, 1, 2, 2.0f));
    CHECK_ERR(CWS_OK, cws_client_set_reconnect_policy(f.client, 1000, 8000, 0.5f));
    CHECK(!cws_client_stand_down(f.client));
    b = cws_client_budget(f.client);
    CHECK(!b.limited);
    CHECK(cws_client_wake(f.client)); /* the fake port has a wake op */
    cws_client_deinit(f.client);
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_open_session(f.client, NULL, NULL, &s));
    CHECK(cws_client_poll(f.client, 0) == 0);
    CHECK(cws_client_next_timeout_ms(f.client) == -1);
    f.client = NULL;
    fixture_teardown(&f);
}

/* On the first `ended`, opens another session (it takes the very slot). */
static void reopen_on_ended(void* user, cws_session session, const cws_event* ev) {
    fixture* f = (fixture*)user;
    record_event(user, session, ev);
    if (ev->type == CWS_EV_ENDED && !f->reopened) {
        const cws_session_options o = listening(f);
        f->reopened = 1;
        f->second_result = cws_open_session(f->client, NULL, &o, &f->second);
    }
}

static void test_a_connect_that_fails_at_once_and_a_reopen_from_ended(void) {
    fixture f;
    cws_session s;
    cws_session_options opts;
    cws_token_auth auth;
    fixture_setup(&f);
    f.config.max_sessions = 1;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    cws_session_options_default(&opts);
    opts.listener = reopen_on_ended;
    opts.user = &f;
    memset(&auth, 0, sizeof auth);
    strcpy(auth.token, "t");
    strcpy(auth.connect_url, "ws://127.0.0.1:9/ws-connect?token=t");
    auth.expires_in_s = 60;
    auth.obtained_ms = capi_fake_now(f.fake);
    capi_fake_script_open(f.fake, CWS_OPEN_CONNECT_FAILED);
    /* The failure's events arrive inside cws_connect, through the staged
     * options' listener; `ended` opens a session in the same slot. */
    CHECK_ERR(CWS_OK, cws_connect(f.client, &auth, &opts, &s));
    CHECK(f.event_count == 2);
    CHECK(f.events[0].type == CWS_EV_ERROR && f.events[0].error == CWS_ERR_CONNECT_FAILED);
    CHECK(f.events[1].type == CWS_EV_ENDED && f.events[1].error == CWS_ERR_CONNECT_FAILED);
    CHECK_ERR(CWS_OK, f.second_result);
    CHECK(!cws_session_valid(s));
    CHECK(cws_session_valid(f.second));
    CHECK(cws_session_index(f.second) == 0);
    /* The new session's events reach its own options' listener. */
    capi_fake_push_token(f.fake, 0, "tok-r", "127.0.0.1:9");
    spin(&f);
    CHECK(f.event_count == 3);
    CHECK(f.events[2].type == CWS_EV_TOKEN);
    CHECK_STR("tok-r", f.events[2].text);
    CHECK(cws_session_get_state(f.second) == CWS_STATE_UPGRADING);
    fixture_teardown(&f);
}

/* Deinit from inside a listener: deferred to the outermost call's return. */
static void deinit_on_token(void* user, cws_session session, const cws_event* ev) {
    fixture* f = (fixture*)user;
    record_event(user, session, ev);
    if (ev->type == CWS_EV_TOKEN) cws_client_deinit(f->client);
}

static void test_deinit_from_a_listener(void) {
    fixture f;
    cws_session s;
    cws_session_options opts;
    fixture_setup(&f);
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    cws_session_options_default(&opts);
    opts.listener = deinit_on_token;
    opts.user = &f;
    capi_fake_push_token(f.fake, 0, "tok-d", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    CHECK(cws_client_poll(f.client, 0) == 0);
    CHECK(f.event_count == 1 && f.events[0].type == CWS_EV_TOKEN);
    CHECK(!cws_session_valid(s));
    CHECK_ERR(CWS_ERR_INVALID_CONFIG, cws_open_session(f.client, NULL, &opts, &s));
    CHECK(capi_fake_opened(f.fake) == 1); /* no connect after the token */
    /* The block initialises again. */
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    fixture_teardown(&f);
}

/* Runs a free session to open on streams 0 (token) and 1 (WebSocket). */
static void open_free_session(fixture* f, cws_session* s) {
    const cws_session_options opts = listening(f);
    capi_fake_push_token(f->fake, 0, "tok-p", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_open_session(f->client, NULL, &opts, s));
    spin(f);
    capi_fake_push_101(f->fake, 1);
    spin(f);
    capi_fake_push_session_start(f->fake, 1);
    spin(f);
    CHECK(cws_session_get_state(*s) == CWS_STATE_OPEN);
}

static void test_post_binary_and_budget(void) {
    fixture f;
    cws_session s;
    cws_budget b;
    char payload[64];
    static const uint8_t kBytes[] = {1, 2, 3};
    fixture_setup(&f);
    f.config.post_slots = 2;
    f.config.post_slot_bytes = 16;
    f.options.limit_micro_usd = 1000000;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    open_free_session(&f, &s);
    CHECK_ERR(CWS_OK, cws_client_post(f.client, s, (const uint8_t*)"posted", 6, false));
    CHECK_ERR(CWS_ERR_MESSAGE_TOO_LARGE,
              cws_client_post(f.client, s, (const uint8_t*)"0123456789abcdefg", 17, false));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_client_post(f.client, s, NULL, 1, false));
    cws_client_process(f.client);
    CHECK(capi_fake_client_frame(f.fake, 1, 0, payload, sizeof payload) == 1);
    CHECK_STR("posted", payload);
    CHECK_ERR(CWS_OK, cws_send_binary(s, kBytes, sizeof kBytes));
    spin(&f);
    CHECK(capi_fake_client_frame(f.fake, 1, 1, payload, sizeof payload) == 2);
    CHECK(memcmp(payload, kBytes, sizeof kBytes) == 0);
    CHECK(cws_client_posts_dropped(f.client) == 0);
    b = cws_client_budget(f.client);
    CHECK(b.limited && b.limit_micro_usd == 1000000);
    CHECK(b.spent_micro_usd + b.remaining_micro_usd == b.limit_micro_usd);
    cws_client_reset_budget(f.client);
    CHECK(cws_client_budget(f.client).spent_micro_usd == 0);
    fixture_teardown(&f);
}

/* The log hook: lines of the C++ core through the C trampoline, with their
 * level and session, and never the token. */
typedef struct log_record {
    int lines;
    int transitions; /* info lines of session 0 that name "purchasing -> connecting" */
    int token_seen;
    int bad_level;
} log_record;

static void record_log(void* user, cws_log_level level, int32_t session, const char* message) {
    log_record* r = (log_record*)user;
    ++r->lines;
    if (level < CWS_LOG_ERROR || level > CWS_LOG_INFO) ++r->bad_level;
    if (level == CWS_LOG_INFO && session == 0 && strstr(message, "purchasing -> connecting")) {
        ++r->transitions;
    }
    if (strstr(message, "tok-1") != NULL) ++r->token_seen;
}

static void test_log_hook(void) {
    fixture f;
    log_record r;
    cws_session s;
    const cws_session_options opts = listening(&f);
    memset(&r, 0, sizeof r);
    fixture_setup(&f);
    f.options.log_hook = record_log;
    f.options.log_user = &r;
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    capi_fake_push_token(f.fake, 0, "tok-1", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    spin(&f);
    CHECK(r.lines > 0);
    CHECK(r.transitions == 1);
    CHECK(r.token_seen == 0);
    CHECK(r.bad_level == 0);
    fixture_teardown(&f);
}

/* A streamed send's source: `total` bytes of letters, in pieces of at most
 * `piece` bytes. */
typedef struct letters {
    size_t total;
    size_t at;
    size_t piece;
    int calls;
} letters;

static long pull_letters(void* user, uint8_t* out, size_t cap, bool* last) {
    letters* l = (letters*)user;
    size_t n = l->total - l->at, i;
    ++l->calls;
    if (n > cap) n = cap;
    if (n > l->piece) n = l->piece;
    for (i = 0; i < n; ++i) out[i] = (uint8_t)('a' + (l->at + i) % 26);
    l->at += n;
    *last = l->at == l->total;
    return (long)n;
}

static void test_streaming_both_ways(void) {
    fixture f;
    cws_session s, zero;
    cws_session_options opts;
    letters src = {700, 0, 300, 0};
    char big[701], payload[1024];
    size_t i, joined = 0;
    fixture_setup(&f);
    f.config.max_message_bytes = 256; /* session_start (~230 B) must fit: it is parsed whole */
    CHECK_ERR(CWS_OK, fixture_init(&f, NULL));
    opts = listening(&f);
    CHECK(opts.max_streamed_message_bytes == 0); /* off by default */
    opts.max_streamed_message_bytes = 4096;
    capi_fake_push_token(f.fake, 0, "tok-1", "127.0.0.1:9");
    CHECK_ERR(CWS_OK, cws_open_session(f.client, NULL, &opts, &s));
    spin(&f);
    capi_fake_push_101(f.fake, 1);
    capi_fake_push_session_start(f.fake, 1);
    spin(&f);
    CHECK(cws_session_get_state(s) == CWS_STATE_OPEN);

    /* Receiving: 700 bytes in one frame, parts of 256 from the frame parser's input. */
    for (i = 0; i < 700; ++i) big[i] = (char)('A' + i % 26);
    big[700] = '\0';
    capi_fake_push_text(f.fake, 1, big);
    spin(&f);
    CHECK(count(&f, CWS_EV_MESSAGE_PART) == 3);
    for (i = 0; i < f.event_count; ++i) {
        const record* r = &f.events[i];
        if (r->type != CWS_EV_MESSAGE_PART) continue;
        CHECK(r->offset == joined);
        CHECK(r->last == (joined + r->size == 700));
        CHECK(!r->binary);
        CHECK(memcmp(r->text, big + joined, r->size < 255 ? r->size : 255) == 0);
        joined += r->size;
    }
    CHECK(joined == 700);

    /* Sending: 700 bytes in pieces of 300, one fragmented binary message. */
    memset(&zero, 0, sizeof zero);
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_send_stream(zero, true, pull_letters, &src));
    CHECK_ERR(CWS_ERR_INVALID_HANDLE, cws_resume_stream(zero));
    CHECK_ERR(CWS_ERR_INVALID_PARAMS, cws_send_stream(s, true, NULL, NULL));
    CHECK_ERR(CWS_OK, cws_send_stream(s, true, pull_letters, &src));
    CHECK_ERR(CWS_ERR_BUSY, cws_send_text(s, "x", 1));
    CHECK_ERR(CWS_ERR_BUSY, cws_send_stream(s, true, pull_letters, &src));
    spin(&f);
    CHECK(src.calls == 3);
    CHECK(capi_fake_client_frame(f.fake, 1, 0, payload, sizeof payload) == 2);
    CHECK(strlen(payload) == 300 && payload[0] == 'a');
    CHECK(capi_fake_client_frame(f.fake, 1, 1, payload, sizeof payload) == 0);
    CHECK(strlen(payload) == 300 && payload[0] == 'a' + 300 % 26);
    CHECK(capi_fake_client_frame(f.fake, 1, 2, payload, sizeof payload) == 0);
    CHECK(strlen(payload) == 100);
    CHECK(count(&f, CWS_EV_WRITABLE) == 1);
    CHECK_ERR(CWS_OK, cws_resume_stream(s)); /* nothing paused: nothing to do */
    CHECK_ERR(CWS_OK, cws_send_text(s, "x", 1));
    fixture_teardown(&f);
}

static const named_test kTests[] = {
    {"defaults_equal_the_cpp_ones", test_defaults_equal_the_cpp_ones},
    {"required_bytes", test_required_bytes},
    {"sizes_and_alignment", test_sizes_and_alignment},
    {"init_errors", test_init_errors},
    {"error_names", test_error_names},
    {"free_session_end_to_end", test_free_session_end_to_end},
    {"listeners_on_and_off", test_listeners_on_and_off},
    {"paid_session_with_a_pending_hook", test_paid_session_with_a_pending_hook},
    {"refused_payment_then_close", test_refused_payment_then_close},
    {"request_token_then_connect", test_request_token_then_connect},
    {"uninitialised_and_deinit", test_uninitialised_and_deinit},
    {"a_connect_that_fails_at_once_and_a_reopen_from_ended",
     test_a_connect_that_fails_at_once_and_a_reopen_from_ended},
    {"deinit_from_a_listener", test_deinit_from_a_listener},
    {"post_binary_and_budget", test_post_binary_and_budget},
    {"log_hook", test_log_hook},
    {"streaming_both_ways", test_streaming_both_ways},
};

int main(int argc, char** argv) {
    return run_tests(kTests, sizeof kTests / sizeof kTests[0], argc, argv);
}
