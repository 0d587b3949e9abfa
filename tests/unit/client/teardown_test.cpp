// SPDX-License-Identifier: MIT
// Teardown from anywhere (client.h, "Calling the library from inside a
// callback"): close(), deinit(), on/off and open_session from inside every
// kind of callback, and poll/process refused there. Each test checks what was
// delivered, that nothing came after a session's `ended`, and the state after.
#include "unit/client/client_fixture.h"
// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using namespace consensus;
using namespace clienttest;

namespace {

// What a test callback did from inside its call, and what it saw there.
struct Trail;

struct Inside {
    Harness* h = nullptr;
    Trail* trail = nullptr;  // the listener of the session opened from inside
    Session other;           // a session opened from inside
    // invalid_params: the callback never set it (no call made here returns that)
    Error result = Error::invalid_params;
    int calls = 0;
    size_t events_then = 0;  // h->events.size() when the callback returned
    // Seen inside, after deinit() returned there:
    bool handle_valid = true;
    Error open_result = Error::invalid_params;
    Error init_result = Error::invalid_params;
    Error close_result = Error::invalid_params;
    int poll_result = 0;
    bool budget_limited = true;
    int32_t next_timeout = 0;
};

// The events of one session, as its own listener saw them.
struct Trail {
    std::vector<EventType> seen;
    static void record(void* u, Session&, const Event& ev) {
        static_cast<Trail*>(u)->seen.push_back(ev.type);
    }
    size_t count(EventType t) const {
        size_t n = 0;
        for (EventType e : seen) n += e == t ? 1 : 0;
        return n;
    }
};

// Exactly one `ended`, and it is the last event the session delivered.
void check_ended_once_and_last(const std::vector<Recorded>& events) {
    size_t ended = 0;
    for (const Recorded& r : events) ended += r.type == EventType::ended ? 1 : 0;
    LONGS_EQUAL(1, ended);
    CHECK(events.back().type == EventType::ended);
}

// init() again, from inside: refused while the teardown waits. A spare
// block, never the harness's (Harness::init would reallocate that one).
Error init_again(Harness* h) {
    std::vector<uint8_t> spare(Client::required_bytes(h->config) + 16);
    const uintptr_t p = reinterpret_cast<uintptr_t>(spare.data());
    uint8_t* aligned = spare.data() + ((16 - (p % 16)) % 16);
    return h->client.init(h->config, h->options, h->fp.port(), aligned,
                          Client::required_bytes(h->config));
}

// deinit() from inside, then what the client answers there (client.h).
void deinit_and_probe(Inside* in, Session& self) {
    Client& c = in->h->client;
    c.deinit();
    in->handle_valid = self.valid();
    in->close_result = self.close(1000, nullptr);
    in->open_result = c.open_session(TokenParams(), in->h->session_options(), &in->other);
    in->poll_result = c.poll(0);
    c.process();
    in->budget_limited = c.budget().limited;
    in->next_timeout = c.next_timeout_ms();
    in->init_result = init_again(in->h);
}

void deinit_listener(void* u, Session& self, const Event&) {
    Inside* in = static_cast<Inside*>(u);
    ++in->calls;
    deinit_and_probe(in, self);
    in->events_then = in->h->events.size();
}

void count_calls(void* u, Session&, const Event&) {
    ++*static_cast<int*>(u);
}

// A message listener that, on its first call, registers a close listener and
// removes itself.
struct Swap {
    int calls = 0;
    int closes = 0;
    Error added = Error::invalid_params;
    bool removed = false;
};
void swap_listener(void* u, Session& self, const Event&) {
    Swap* got = static_cast<Swap*>(u);
    ++got->calls;
    got->added = self.on(EventType::close, count_calls, &got->closes);
    got->removed = self.off(EventType::message, swap_listener, u);
}

// Opens a session from inside a callback, its events recorded in in->trail.
void open_into_trail(Inside* in) {
    SessionOptions o;
    o.listener = Trail::record;
    o.user = in->trail;
    in->result = in->h->client.open_session(TokenParams(), o, &in->other);
}

}  // namespace

TEST_GROUP(teardown) {
    Harness h;
    Session s;
    size_t next_stream = 0;

    void setup() override {
        h.config.max_sessions = 2;
        h.config.listeners_per_event = 4;
        CHECK_ERR(Error::ok, h.init());
    }
    void teardown() override {
        h.client.deinit();
    }
    void script_token(const std::string& token) {
        h.fp.stream(next_stream).push(response(200, "OK", token_body(token)));
        h.fp.stream(next_stream).push_eof();
        ++next_stream;
    }
    void accept_upgrade(size_t i, const std::string& then = frame(0x1, kSessionStart)) {
        h.fp.stream(i).push(switching_protocols(h.fp.stream(i).sent()) + then);
    }
    // Token on stream n, the WebSocket on stream n + 1, open.
    void open(const std::string& token = "t1") {
        script_token(token);
        CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
        h.spin();
        accept_upgrade(next_stream++);
        h.spin();
        CHECK(s.state() == SessionState::open);
    }
    FakeStream& ws() {
        return h.fp.stream(next_stream - 1);
    }
    // After a deferred teardown: the client is uninitialised, every stream
    // closed and untouched since, and the memory may be laid out again.
    void check_torn_down(const Inside& in) {
        CHECK_FALSE(in.handle_valid);
        CHECK_ERR(Error::invalid_handle, in.close_result);
        CHECK_ERR(Error::invalid_config, in.open_result);
        CHECK_ERR(Error::invalid_config, in.init_result);
        LONGS_EQUAL(-1, in.poll_result);
        CHECK_FALSE(in.budget_limited);
        LONGS_EQUAL(-1, in.next_timeout);
        CHECK_FALSE(s.valid());
        LONGS_EQUAL(0, h.client.poll(0));  // uninitialised now
        for (size_t i = 0; i < h.fp.opened(); ++i) {
            CHECK(h.fp.stream(i).closed);
            LONGS_EQUAL(0, h.fp.stream(i).calls_after_close);
        }
        CHECK_ERR(Error::ok, h.init());  // a block may be laid out again
    }
};

// ---- close() from inside each event ------------------------------------------

TEST(teardown, CloseFromOpenStartsTheHandshake) {
    script_token("t1");
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, "bye");
    };
    CHECK_ERR(Error::ok, s.on(EventType::open, close_it, &in));
    h.spin();
    accept_upgrade(1);
    h.fp.stream(1).take_sent();
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    CHECK(s.state() == SessionState::closing);
    const std::vector<wstest::ClientFrame> f = client_frames(h.fp.stream(1).sent());
    LONGS_EQUAL(1, f.size());
    LONGS_EQUAL(8, f[0].opcode);
    h.fp.stream(1).push(close_frame(1000, "bye"));
    h.spin();
    CHECK(h.find(EventType::close)->initiator == Initiator::caller);
    check_ended_once_and_last(h.events);
    CHECK(s.public_state() == PublicState::closed_by_caller);
}

TEST(teardown, CloseFromSessionStartStartsTheHandshake) {
    script_token("t1");
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::session_start, close_it, &in));
    h.spin();
    accept_upgrade(1);
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    CHECK(s.state() == SessionState::closing);
    LONGS_EQUAL(1, h.count(EventType::message));  // the session_start text, same pass
    h.fp.stream(1).push(close_frame(1000, ""));
    h.spin();
    check_ended_once_and_last(h.events);
}

TEST(teardown, CloseFromSessionExpiredStartsTheHandshake) {
    open();
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::session_expired, close_it, &in));
    ws().push(frame(0x1, kExpired));
    h.spin();
    CHECK(s.state() == SessionState::closing);
    ws().push(close_frame(1000, "Time limit reached"));
    h.spin();
    CHECK(h.find(EventType::close)->initiator == Initiator::caller);
    check_ended_once_and_last(h.events);
    const size_t opens = h.fp.open_calls();
    h.run_for(5000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
}

// The expiry close without the message: the link is already gone when
// session_expired fires, so close() ends the session there, no close event.
TEST(teardown, CloseFromSessionExpiredOfAnExpiryCloseEndsAtOnce) {
    open();
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::session_expired, close_it, &in));
    ws().push(close_frame(1008, "Data limit reached"));
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(0, h.count(EventType::close));
    check_ended_once_and_last(h.events);
    CHECK(s.public_state() == PublicState::closed_by_caller);
}

TEST(teardown, CloseFromTokenNeverConnects) {
    script_token("t1");
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::token, close_it, &in));
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(1, h.fp.open_calls());  // the token server only
    check_ended_once_and_last(h.events);
    CHECK(h.events[h.events.size() - 2].type == EventType::token);
    h.run_for(5000, 100);
    LONGS_EQUAL(1, h.fp.open_calls());
}

// The 402's payment event: closed there, the hook is never asked to pay.
TEST(teardown, CloseFromPaymentRequiredNeverCallsTheHook) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event& ev) {
        if (!ev.payment_paid) static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::payment, close_it, &in));
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(0, h.hook_calls);
    LONGS_EQUAL(1, h.fp.open_calls());
    check_ended_once_and_last(h.events);
    LONGS_EQUAL(0, h.client.budget().spent_micro_usd);
    h.run_for(5000, 100);
    LONGS_EQUAL(1, h.fp.open_calls());
}

// The paid event: closed there, no token event follows the session's end.
TEST(teardown, CloseFromPaymentPaidDeliversNoTokenAfterEnded) {
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event& ev) {
        if (ev.payment_paid) static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::payment, close_it, &in));
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(1, h.hook_calls);
    LONGS_EQUAL(0, h.count(EventType::token));
    LONGS_EQUAL(2, h.fp.open_calls());  // never the WebSocket
    check_ended_once_and_last(h.events);
}

TEST(teardown, CloseFromErrorNeverReconnects) {
    script_token("t1");
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::error, close_it, &in));
    h.spin();
    h.fp.stream(1).push("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n");
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(1, h.count(EventType::error));
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
    check_ended_once_and_last(h.events);
}

// The budget refuses a reconnect's purchase: error, then ended. Closed from
// that error, the session ends once (it used to get a second `ended`).
TEST(teardown, CloseFromTheBudgetErrorEndsOnce) {
    h.client.deinit();
    h.options.limit_micro_usd = 10000;  // one hybrid 5/50 session (7500)
    CHECK_ERR(Error::ok, h.init());
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    auto close_it = [](void* u, Session& self, const Event& ev) {
        if (ev.error == Error::budget_exhausted) {
            static_cast<Inside*>(u)->result = self.close(1000, nullptr);
        }
    };
    CHECK_ERR(Error::ok, s.on(EventType::error, close_it, &in));
    h.spin();
    accept_upgrade(2);
    h.spin();
    h.fp.stream(2).push_eof();
    h.spin();
    h.fp.advance(2000);
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    CHECK_ERR(Error::budget_exhausted, h.find(EventType::error)->error);
    check_ended_once_and_last(h.events);
    CHECK_ERR(Error::ok, h.events.back().error);  // the caller's close ended it
}

TEST(teardown, CloseFromWritableStartsTheHandshake) {
    open();
    ws().send_would_block = true;
    const std::string big(1000, 'x');
    while (s.send_text(big.data(), big.size()) == Error::ok) {
    }
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::writable, close_it, &in));
    ws().send_would_block = false;
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(1, h.count(EventType::writable));
    CHECK(s.state() == SessionState::closing);
    ws().push(close_frame(1000, ""));
    h.spin();
    check_ended_once_and_last(h.events);
}

// A keepalive timeout's close event: closed there, no reconnect follows
// (it used to schedule one, and deliver `reconnecting`, after `ended`).
TEST(teardown, CloseFromTheKeepaliveCloseNeverReconnects) {
    open();
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::close, close_it, &in));
    h.fp.advance(h.options.ping_interval_ms);
    h.spin();
    h.fp.advance(h.options.ping_interval_ms);
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(1, h.count(EventType::close));
    STRCMP_EQUAL("keepalive timeout", h.find(EventType::close)->text.c_str());
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
    check_ended_once_and_last(h.events);
    CHECK(s.state() == SessionState::closed);
    const size_t opens = h.fp.open_calls();
    h.run_for(5000, 100);
    LONGS_EQUAL(opens, h.fp.open_calls());
}

TEST(teardown, CloseFromEndedIsANoOp) {
    open();
    Inside in;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::ended, close_it, &in));
    CHECK_ERR(Error::ok, s.close(1000, nullptr));
    ws().push(close_frame(1000, ""));
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    check_ended_once_and_last(h.events);
}

// Closed from inside an event, the listeners after it do not receive it:
// `ended` was the session's last event.
TEST(teardown, ListenersAfterTheCloserMissTheEventThatEndedIt) {
    open();
    Inside in;
    int later = 0;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->result = self.close(1000, nullptr);
    };
    CHECK_ERR(Error::ok, s.on(EventType::reconnecting, close_it, &in));
    CHECK_ERR(Error::ok, s.on(EventType::reconnecting, count_calls, &later));
    ws().push_eof();
    h.spin();
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(0, later);
    check_ended_once_and_last(h.events);
}

// ---- deinit() from inside each kind of callback -------------------------------

// In the middle of a read pass (the framer is inside wslay): the frames after
// are never delivered, the listeners after it miss the message, and the
// teardown waits for poll() to return.
TEST(teardown, DeinitFromAMessageListener) {
    open();
    Inside in;
    in.h = &h;
    int later = 0;
    CHECK_ERR(Error::ok, s.on(EventType::message, deinit_listener, &in));
    CHECK_ERR(Error::ok, s.on(EventType::message, count_calls, &later));
    const size_t before = h.events.size();
    ws().push(frame(0x1, "one") + frame(0x1, "two") + frame(0x1, "three"));
    h.client.poll(0);
    LONGS_EQUAL(1, in.calls);
    LONGS_EQUAL(0, later);
    LONGS_EQUAL(before + 1, h.events.size());  // "one", to the harness's listener
    LONGS_EQUAL(in.events_then, h.events.size());
    STRCMP_EQUAL("one", h.events.back().text.c_str());
    check_torn_down(in);
}

TEST(teardown, DeinitFromACloseListener) {
    open();
    Inside in;
    in.h = &h;
    CHECK_ERR(Error::ok, s.on(EventType::close, deinit_listener, &in));
    ws().push(close_frame(1011, "oops"));
    h.client.poll(0);
    LONGS_EQUAL(1, in.calls);
    LONGS_EQUAL(in.events_then, h.events.size());
    CHECK(h.events.back().type == EventType::close);  // no reconnecting, no ended
    check_torn_down(in);
}

TEST(teardown, DeinitFromAnEndedListener) {
    open();
    Inside in;
    in.h = &h;
    CHECK_ERR(Error::ok, s.on(EventType::ended, deinit_listener, &in));
    CHECK_ERR(Error::ok, s.close(1000, nullptr));
    ws().push(close_frame(1000, ""));
    h.client.poll(0);
    LONGS_EQUAL(1, in.calls);
    LONGS_EQUAL(in.events_then, h.events.size());
    check_ended_once_and_last(h.events);
    check_torn_down(in);
}

// The outermost call is close() itself: the teardown happens as it returns.
TEST(teardown, DeinitFromAnEndedListenerInsideATopLevelClose) {
    open();
    ws().push_eof();
    h.spin();
    CHECK(s.state() == SessionState::waiting_to_reconnect);
    Inside in;
    in.h = &h;
    CHECK_ERR(Error::ok, s.on(EventType::ended, deinit_listener, &in));
    CHECK_ERR(Error::ok, s.close(1000, nullptr));  // ended fires inside
    LONGS_EQUAL(1, in.calls);
    check_ended_once_and_last(h.events);
    check_torn_down(in);
}

TEST(teardown, DeinitFromATokenCallback) {
    h.fp.stream(0).push(response(200, "OK", token_body("tk")));
    h.fp.stream(0).push_eof();
    struct Probe {
        Inside in;
        std::string token;
        bool auth_readable = false;
    } p;
    p.in.h = &h;
    auto cb = [](void* u, const TokenResult& r) {
        Probe* got = static_cast<Probe*>(u);
        ++got->in.calls;
        got->in.h->client.deinit();
        got->token = r.auth != nullptr ? r.auth->token : "";  // still valid until we return
        got->in.open_result = got->in.h->client.request_token(
            TokenParams(), [](void*, const TokenResult&) {}, nullptr);
        got->in.poll_result = got->in.h->client.poll(0);
        got->in.init_result = init_again(got->in.h);
    };
    CHECK_ERR(Error::ok, h.client.request_token(TokenParams(), cb, &p));
    h.client.poll(0);
    LONGS_EQUAL(1, p.in.calls);
    STRCMP_EQUAL("tk", p.token.c_str());
    CHECK_ERR(Error::invalid_config, p.in.open_result);
    LONGS_EQUAL(-1, p.in.poll_result);
    CHECK_ERR(Error::invalid_config, p.in.init_result);
    LONGS_EQUAL(0, h.client.poll(0));
    CHECK(h.fp.stream(0).closed);
    CHECK_ERR(Error::ok, h.init());
}

// The hook deinit-s, then answers `paid`: nothing is sent with that header.
TEST(teardown, DeinitFromThePaymentHook) {
    h.client.deinit();
    Inside in;
    in.h = &h;
    h.options.payment_user = &in;
    h.options.payment_hook = [](void* u, const PaymentChallenge&, PaymentTicket t,
                                PaymentHeaderOut* out) {
        Inside* got = static_cast<Inside*>(u);
        ++got->calls;
        got->h->client.deinit();
        got->result = got->h->client.complete_payment(t, "c2ln", 4);
        got->poll_result = got->h->client.poll(0);
        memcpy(out->data, "UEFZ", 4);
        out->size = 4;
        return PaymentDecision::paid;
    };
    CHECK_ERR(Error::ok, h.init());
    h.fp.stream(0).push(vector_text("402-hybrid.http"));
    h.fp.stream(1).push(vector_text("paid-200.http"));
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    h.client.poll(0);
    LONGS_EQUAL(1, in.calls);
    CHECK_ERR(Error::invalid_config, in.result);
    LONGS_EQUAL(-1, in.poll_result);
    LONGS_EQUAL(1, h.fp.open_calls());  // the paid retry never started
    LONGS_EQUAL(1, h.count(EventType::payment));
    CHECK(h.events.back().type == EventType::payment);  // nothing after the deinit
    CHECK_FALSE(s.valid());
    LONGS_EQUAL(0, h.client.poll(0));
    CHECK(h.fp.stream(0).closed);
    CHECK_ERR(Error::ok, h.init());
}

// The LimitReachedHook runs inside open_session: the teardown waits for it.
TEST(teardown, DeinitFromTheLimitReachedHook) {
    h.client.deinit();
    Inside in;
    in.h = &h;
    h.options.limit_micro_usd = 1000;  // less than one hybrid session
    h.options.limit_user = &in;
    h.options.on_limit_reached = [](void* u, const Budget&) {
        Inside* got = static_cast<Inside*>(u);
        ++got->calls;
        got->h->client.deinit();
        got->init_result = init_again(got->h);
        got->budget_limited = got->h->client.budget().limited;
    };
    CHECK_ERR(Error::ok, h.init());
    CHECK_ERR(Error::budget_exhausted,
              h.client.open_session(TokenParams(), h.session_options(), &s));
    LONGS_EQUAL(1, in.calls);
    CHECK_ERR(Error::invalid_config, in.init_result);
    CHECK_FALSE(in.budget_limited);
    LONGS_EQUAL(0, h.fp.open_calls());
    LONGS_EQUAL(0, h.client.poll(0));  // torn down as open_session returned
    CHECK_FALSE(h.client.budget().limited);
    h.options.on_limit_reached = nullptr;
    CHECK_ERR(Error::ok, h.init());
}

// ---- on/off inside a delivery --------------------------------------------------

// A listener removes one registered after it: that one is not called, from
// this very event on (its user data may be gone already).
TEST(teardown, OffOfAnotherListenerInsideDeliveryTakesEffectAtOnce) {
    open();
    struct Pair {
        int first = 0;
        int second = 0;
        bool removed = false;
    } p;
    auto remover = [](void* u, Session& self, const Event&) {
        Pair* got = static_cast<Pair*>(u);
        ++got->first;
        got->removed = self.off(EventType::message, count_calls, &got->second);
    };
    CHECK_ERR(Error::ok, s.on(EventType::message, remover, &p));
    CHECK_ERR(Error::ok, s.on(EventType::message, count_calls, &p.second));
    ws().push(frame(0x1, "x") + frame(0x1, "y"));
    h.spin();
    LONGS_EQUAL(2, p.first);
    CHECK_FALSE(p.removed);  // the second call found nothing left to remove
    LONGS_EQUAL(0, p.second);
    LONGS_EQUAL(3, h.count(EventType::message));  // session_start's text, x, y
}

// A listener of one event adds a listener of another and removes itself.
TEST(teardown, OnOfAnotherEventAndOffOfItselfInsideDelivery) {
    open();
    Swap w;
    CHECK_ERR(Error::ok, s.on(EventType::message, swap_listener, &w));
    ws().push(frame(0x1, "x") + frame(0x1, "y"));
    h.spin();
    LONGS_EQUAL(1, w.calls);  // gone before "y"
    CHECK_ERR(Error::ok, w.added);
    CHECK(w.removed);
    LONGS_EQUAL(3, h.count(EventType::message));
    ws().push(close_frame(1011, ""));
    h.spin();
    LONGS_EQUAL(1, w.closes);
    LONGS_EQUAL(1, h.count(EventType::close));
}

// ---- open_session from close and from ended -------------------------------------

// From `close`: close() frees the one slot, open_session takes it. The new
// session runs undisturbed: the old one's reconnect is not scheduled on it.
TEST(teardown, OpenSessionFromCloseAfterClosingTakesTheSlotCleanly) {
    h.client.deinit();
    h.config.max_sessions = 1;
    CHECK_ERR(Error::ok, h.init());
    open();
    Inside in;
    in.h = &h;
    Trail fresh;
    in.trail = &fresh;
    auto reopen = [](void* u, Session& self, const Event&) {
        Inside* got = static_cast<Inside*>(u);
        got->close_result = self.close(1000, nullptr);
        open_into_trail(got);
    };
    CHECK_ERR(Error::ok, s.on(EventType::close, reopen, &in));
    ws().push_eof();
    script_token("t2");
    h.client.poll(0);
    CHECK_ERR(Error::ok, in.close_result);
    CHECK_ERR(Error::ok, in.result);
    LONGS_EQUAL(s.index(), in.other.index());
    CHECK_FALSE(s.valid());
    LONGS_EQUAL(0, h.count(EventType::reconnecting));
    check_ended_once_and_last(h.events);
    CHECK(in.other.state() == SessionState::requesting_token);
    h.spin();
    accept_upgrade(next_stream++);
    h.spin();
    CHECK(in.other.state() == SessionState::open);
    LONGS_EQUAL(0, fresh.count(EventType::error));
    LONGS_EQUAL(0, fresh.count(EventType::reconnecting));
    LONGS_EQUAL(1, fresh.count(EventType::open));
    LONGS_EQUAL(0, h.client.budget().spent_micro_usd);
}

// From `ended` that a close() inside `token` fired: the new session in the
// same slot is not connected with the old session's (wiped) connect_url.
TEST(teardown, OpenSessionFromEndedInsideTokenRunsTheNewSessionCleanly) {
    h.client.deinit();
    h.config.max_sessions = 1;
    CHECK_ERR(Error::ok, h.init());
    script_token("t1");
    CHECK_ERR(Error::ok, h.client.open_session(TokenParams(), h.session_options(), &s));
    Inside in;
    in.h = &h;
    Trail fresh;
    in.trail = &fresh;
    auto close_it = [](void* u, Session& self, const Event&) {
        static_cast<Inside*>(u)->close_result = self.close(1000, nullptr);
    };
    auto reopen = [](void* u, Session&, const Event&) { open_into_trail(static_cast<Inside*>(u)); };
    CHECK_ERR(Error::ok, s.on(EventType::token, close_it, &in));
    CHECK_ERR(Error::ok, s.on(EventType::ended, reopen, &in));
    script_token("t2");
    h.client.poll(0);
    CHECK_ERR(Error::ok, in.close_result);
    CHECK_ERR(Error::ok, in.result);
    check_ended_once_and_last(h.events);
    LONGS_EQUAL(0, fresh.count(EventType::error));
    CHECK(in.other.state() == SessionState::requesting_token);
    h.spin();
    STRCMP_CONTAINS("GET /ws-connect?token=t2 ", h.fp.stream(2).sent().c_str());
    accept_upgrade(2);
    h.spin();
    CHECK(in.other.state() == SessionState::open);
    LONGS_EQUAL(0, fresh.count(EventType::error));
    LONGS_EQUAL(1, fresh.count(EventType::token));
    LONGS_EQUAL(1, fresh.count(EventType::open));
}

// ---- poll / process from inside a callback ------------------------------------------

TEST(teardown, PollAndProcessFromACallbackAreRefused) {
    open();
    struct Nested {
        Harness* h = nullptr;
        int calls = 0;
        int poll_result = 0;
        size_t messages_before = 0;
        size_t messages_after = 0;
    } n;
    n.h = &h;
    auto nest = [](void* u, Session&, const Event&) {
        Nested* got = static_cast<Nested*>(u);
        if (got->calls++ > 0) return;
        got->messages_before = got->h->count(EventType::message);
        got->poll_result = got->h->client.poll(100);
        got->h->client.process();
        got->messages_after = got->h->count(EventType::message);
    };
    CHECK_ERR(Error::ok, s.on(EventType::message, nest, &n));
    const int waits = h.fp.wait_calls;
    ws().push(frame(0x1, "a") + frame(0x1, "b"));
    h.client.poll(0);
    LONGS_EQUAL(-1, n.poll_result);
    LONGS_EQUAL(n.messages_before, n.messages_after);  // nothing ran inside
    LONGS_EQUAL(waits + 1, h.fp.wait_calls);           // the outer poll's wait only
    LONGS_EQUAL(2, n.calls);                           // "b" came in the same pass
    CHECK(s.state() == SessionState::open);
    CHECK(h.client.poll(0) >= 1);  // poll works again outside
}

// connect() whose open fails at once: error, then ended, before it returns.
TEST(teardown, ConnectWhoseOpenFailsEndsBeforeItReturns) {
    TokenAuth auth{};
    strcpy(auth.token, "t");
    strcpy(auth.connect_url, "ws://127.0.0.1:9/ws-connect?token=t");
    auth.expires_in_s = 60;
    auth.obtained_ms = h.fp.now;
    h.fp.script_open(CWS_OPEN_DNS_FAILED);
    CHECK_ERR(Error::ok, h.client.connect(auth, h.session_options(), &s));
    LONGS_EQUAL(1, h.count(EventType::error));
    check_ended_once_and_last(h.events);
    CHECK_ERR(Error::dns_failed, h.events.back().error);
    CHECK(s.state() == SessionState::closed);
}
