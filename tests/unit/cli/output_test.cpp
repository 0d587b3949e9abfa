// consensus-ws output lines: JSON escaping, base64, each event's line in
// --json and human form, and the filter that prints session_start /
// session_expired once. Output is captured with open_memstream.
#include "output.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/events.h"
#include "json_text.h"

using consensus::Error;
using consensus::Event;
using consensus::EventType;
using consensus::Initiator;
using consensus::Phase;
using namespace consensus::cli;

namespace {

// A FILE* whose contents the test reads back.
struct Capture {
    char* data = nullptr;
    size_t size = 0;
    FILE* f = nullptr;
    Capture() { f = open_memstream(&data, &size); }
    ~Capture() {
        if (f != nullptr) fclose(f);
        free(data);
    }
    std::string text() {
        fflush(f);
        return std::string(data, size);
    }
};

std::string json_string(const char* data, size_t size) {
    Capture c;
    write_json_string(c.f, data, size);
    return c.text();
}

std::string base64(const char* data) {
    Capture c;
    write_base64(c.f, reinterpret_cast<const uint8_t*>(data), strlen(data));
    return c.text();
}

Event blank(EventType t) {
    Event ev{};
    ev.type = t;
    return ev;
}

struct Out {
    Capture out;
    Capture err;
    Output o;
    explicit Out(bool json, bool tag = false) {
        o.out = out.f;
        o.err = err.f;
        o.json = json;
        o.tag_sessions = tag;
    }
};

}  // namespace

TEST_GROUP(cli_json){};

TEST(cli_json, EscapesQuotesBackslashesAndControls) {
    STRCMP_EQUAL("\"plain\"", json_string("plain", 5).c_str());
    STRCMP_EQUAL("\"a\\\"b\\\\c\"", json_string("a\"b\\c", 5).c_str());
    STRCMP_EQUAL("\"\\n\\r\\t\\b\\f\"", json_string("\n\r\t\b\f", 5).c_str());
    STRCMP_EQUAL("\"\\u0000\\u0001\\u001f\"", json_string("\0\x01\x1f", 3).c_str());
    STRCMP_EQUAL("\"/\x7f\"", json_string("/\x7f", 2).c_str());  // neither needs escaping
    STRCMP_EQUAL("\"\"", json_string(nullptr, 0).c_str());
}

TEST(cli_json, KeepsValidUtf8AndReplacesInvalidBytes) {
    STRCMP_EQUAL("\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"",
                 json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14).c_str());
    STRCMP_EQUAL("\"\\ufffd\"", json_string("\xff", 1).c_str());
    STRCMP_EQUAL("\"\\ufffdA\"", json_string("\xc3"
                                             "A",
                                             2)
                                     .c_str());                              // cut sequence
    STRCMP_EQUAL("\"\\ufffd\\ufffd\"", json_string("\xc0\xaf", 2).c_str());  // overlong '/'
    STRCMP_EQUAL("\"\\ufffd\\ufffd\\ufffd\"", json_string("\xed\xa0\x80", 3).c_str());  // surrogate
    STRCMP_EQUAL("\"\\ufffd\\ufffd\"", json_string("\xe2\x82", 2).c_str());  // truncated at end
    STRCMP_EQUAL("\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
                 json_string("\xf4\x90\x80\x80", 4).c_str());  // above U+10FFFF
}

TEST(cli_json, Utf8SequenceLength) {
    const uint8_t two[] = {0xc3, 0xa9};
    LONGS_EQUAL(2, utf8_sequence_length(two, 2));
    LONGS_EQUAL(0, utf8_sequence_length(two, 1));
    LONGS_EQUAL(0, utf8_sequence_length(two, 0));
    const uint8_t cont[] = {0x80};
    LONGS_EQUAL(0, utf8_sequence_length(cont, 1));
}

TEST(cli_json, Base64Rfc4648Vectors) {
    STRCMP_EQUAL("", base64("").c_str());
    STRCMP_EQUAL("Zg==", base64("f").c_str());
    STRCMP_EQUAL("Zm8=", base64("fo").c_str());
    STRCMP_EQUAL("Zm9v", base64("foo").c_str());
    STRCMP_EQUAL("Zm9vYg==", base64("foob").c_str());
    STRCMP_EQUAL("Zm9vYmE=", base64("fooba").c_str());
    STRCMP_EQUAL("Zm9vYmFy", base64("foobar").c_str());
}

TEST(cli_json, Base64LongInputMatchesBufferEncoder) {
    // Crosses the 768-byte chunk boundary of the streaming encoder.
    uint8_t data[2000];
    for (size_t i = 0; i < sizeof data; ++i) data[i] = static_cast<uint8_t>(i * 7 + 3);
    char expect[2800];
    size_t n = 0;
    CHECK(base64_encode(data, sizeof data, expect, sizeof expect, &n));
    LONGS_EQUAL(2668, n);
    Capture c;
    write_base64(c.f, data, sizeof data);
    STRCMP_EQUAL(std::string(expect, n).c_str(), c.text().c_str());
}

TEST(cli_json, Base64EncodeRefusesSmallBuffer) {
    char out[7];
    size_t n = 0;
    CHECK_FALSE(base64_encode(reinterpret_cast<const uint8_t*>("foob"), 4, out, sizeof out, &n));
    CHECK(base64_encode(reinterpret_cast<const uint8_t*>("foo"), 3, out, 4, &n));
    LONGS_EQUAL(4, n);
}

TEST(cli_json, Numbers) {
    Capture c;
    write_json_number(c.f, 50);
    fputc(' ', c.f);
    write_json_number(c.f, 2.5);
    fputc(' ', c.f);
    write_json_number(c.f, 0.00012);
    fputc(' ', c.f);
    write_json_number(c.f, -1);
    STRCMP_EQUAL("50 2.5 0.00012 -1", c.text().c_str());
}

TEST_GROUP(cli_output){};

TEST(cli_output, JsonEventLines) {
    Out t(true);
    Event ev = blank(EventType::open);
    ev.attempt = 1;
    print_event(t.o, ev);
    ev = blank(EventType::message);
    ev.data = reinterpret_cast<const uint8_t*>("he\"llo\n");
    ev.size = 7;
    print_event(t.o, ev);
    ev.binary = true;
    ev.data = reinterpret_cast<const uint8_t*>("\x00\xff");
    ev.size = 2;
    print_event(t.o, ev);
    ev = blank(EventType::close);
    ev.code = 1000;
    ev.reason = {"Time limit reached", 18};
    ev.initiator = Initiator::server;
    print_event(t.o, ev);
    ev = blank(EventType::reconnecting);
    ev.attempt = 2;
    ev.in_ms = 2000;
    print_event(t.o, ev);
    ev = blank(EventType::payment);
    print_event(t.o, ev);
    ev.payment_paid = true;
    print_event(t.o, ev);
    ev = blank(EventType::token);
    ev.token = {"tok", 3};
    ev.connect_url = {"ws://h/ws-connect?token=tok", 27};
    ev.expires_in_s = 60;
    print_event(t.o, ev);
    ev = blank(EventType::writable);
    print_event(t.o, ev);  // not printed
    STRCMP_EQUAL(
        "{\"type\":\"open\",\"attempt\":1}\n"
        "{\"type\":\"message\",\"binary\":false,\"data\":\"he\\\"llo\\n\"}\n"
        "{\"type\":\"message\",\"binary\":true,\"data\":\"AP8=\"}\n"
        "{\"type\":\"close\",\"code\":1000,\"reason\":\"Time limit reached\",\"initiator\":"
        "\"server\"}\n"
        "{\"type\":\"reconnecting\",\"attempt\":2,\"in_ms\":2000}\n"
        "{\"type\":\"payment\",\"status\":\"required\"}\n"
        "{\"type\":\"payment\",\"status\":\"paid\"}\n"
        "{\"type\":\"token\",\"token\":\"tok\",\"connect_url\":\"ws://h/ws-connect?token=tok\","
        "\"expires_in\":60}\n",
        t.out.text().c_str());
    STRCMP_EQUAL("", t.err.text().c_str());
}

TEST(cli_output, JsonSessionStartAndExpired) {
    Out t(true);
    consensus::SessionStartInfo st;
    memset(&st, 0, sizeof st);
    strcpy(st.session_id, "abc-1");
    strcpy(st.served_by, "local");
    st.time_seconds = 300;
    st.data_mb = 50;
    Event ev = blank(EventType::session_start);
    ev.start = &st;
    print_event(t.o, ev);
    st.time_seconds = -1;  // absent fields are left out
    st.served_by[0] = '\0';
    st.data_mb = 2.5;
    print_event(t.o, ev);
    consensus::SessionExpiredInfo ex{};
    ex.reason_text = {"time_limit_reached", 18};
    ev = blank(EventType::session_expired);
    ev.expired = &ex;
    print_event(t.o, ev);
    STRCMP_EQUAL(
        "{\"type\":\"session_start\",\"session_id\":\"abc-1\",\"limits\":{\"time_seconds\":300,"
        "\"data_mb\":50},\"served_by\":\"local\"}\n"
        "{\"type\":\"session_start\",\"session_id\":\"abc-1\",\"limits\":{\"data_mb\":2.5}}\n"
        "{\"type\":\"session_expired\",\"reason\":\"time_limit_reached\"}\n",
        t.out.text().c_str());
}

TEST(cli_output, JsonErrorLines) {
    Out t(true);
    print_error(t.o, kNoSession, Error::payment_required, "Payment \"required\"", 18, 402);
    print_error(t.o, kNoSession, Error::invalid_params, "bad", 3, 0);
    print_error(t.o, kNoSession, Error::timeout, nullptr, 5, 0);
    Event ev = blank(EventType::error);
    ev.error = Error::token_rejected;
    ev.phase = Phase::open;
    ev.http_status = 401;
    ev.reason = {"Unauthorized", 12};
    print_event(t.o, ev);
    STRCMP_EQUAL(
        "{\"type\":\"error\",\"code\":\"payment_required\",\"message\":\"Payment "
        "\\\"required\\\"\","
        "\"http_status\":402}\n"
        "{\"type\":\"error\",\"code\":\"invalid_params\",\"message\":\"bad\"}\n"
        "{\"type\":\"error\",\"code\":\"timeout\",\"message\":\"\"}\n"
        "{\"type\":\"error\",\"code\":\"token_rejected\",\"message\":\"Unauthorized\","
        "\"http_status\":401,\"phase\":\"open\"}\n",
        t.out.text().c_str());
}

TEST(cli_output, SessionsAreTaggedWhenSeveral) {
    Out t(true, true);
    Event ev = blank(EventType::open);
    ev.session_index = 3;
    ev.attempt = 1;
    print_event(t.o, ev);
    print_error(t.o, kNoSession, Error::invalid_params, "x", 1, 0);  // not per session
    STRCMP_EQUAL(
        "{\"type\":\"open\",\"session\":3,\"attempt\":1}\n"
        "{\"type\":\"error\",\"code\":\"invalid_params\",\"message\":\"x\"}\n",
        t.out.text().c_str());
    Out h(false, true);
    print_event(h.o, ev);
    ev = blank(EventType::message);
    ev.session_index = 1;
    ev.data = reinterpret_cast<const uint8_t*>("hi");
    ev.size = 2;
    print_event(h.o, ev);
    STRCMP_EQUAL("[session 3] open (attempt 1)\n", h.err.text().c_str());
    STRCMP_EQUAL("[session 1] hi\n", h.out.text().c_str());
}

TEST(cli_output, HumanMessagesOnStdoutEventsOnStderr) {
    Out t(false);
    Event ev = blank(EventType::message);
    ev.data = reinterpret_cast<const uint8_t*>("hello");
    ev.size = 5;
    print_event(t.o, ev);
    ev.binary = true;
    ev.data = reinterpret_cast<const uint8_t*>("foobar");
    ev.size = 6;
    print_event(t.o, ev);
    ev = blank(EventType::close);
    ev.code = 1006;
    ev.initiator = Initiator::network;
    print_event(t.o, ev);
    ev = blank(EventType::error);
    ev.error = Error::http_status;
    ev.http_status = 500;
    ev.reason = {"Internal Server Error", 21};
    print_event(t.o, ev);
    ev = blank(EventType::ended);
    ev.error = Error::connect_failed;
    print_event(t.o, ev);
    ev.error = Error::ok;
    print_event(t.o, ev);  // a normal end says nothing more
    print_payment(t.o, kNoSession, false);
    print_note(t.o, "demo: note");
    STRCMP_EQUAL("hello\n[binary 6 bytes] Zm9vYmFy\n", t.out.text().c_str());
    STRCMP_EQUAL(
        "closed by network: code 1006\n"
        "error: http_status: Internal Server Error (HTTP 500)\n"
        "session over: gave up after connect_failed\n"
        "payment required (402)\n"
        "demo: note\n",
        t.err.text().c_str());
}

TEST(cli_output, TokenCommandPrintsTheServiceObject) {
    Out h(false);
    print_token(h.o, kNoSession, "t-1", "wss://x/ws-connect?token=t-1", 60);
    STRCMP_EQUAL(
        "{\"token\":\"t-1\",\"connect_url\":\"wss://x/ws-connect?token=t-1\",\"expires_in\":60}\n",
        h.out.text().c_str());
    Out j(true);
    print_token(j.o, kNoSession, "t-1", "wss://x/ws-connect?token=t-1", 60);
    STRCMP_EQUAL(
        "{\"type\":\"token\",\"token\":\"t-1\",\"connect_url\":\"wss://x/ws-connect?token=t-1\","
        "\"expires_in\":60}\n",
        j.out.text().c_str());
    print_note(j.o, "not in json");
    STRCMP_EQUAL("", j.err.text().c_str());
}

// ---- session_start / session_expired printed once ------------------------------

namespace {

constexpr char kStartFrame[] = "{\"type\":\"session_start\",\"sessionId\":\"s-1\"}";

Event text_message(const char* text) {
    Event ev = blank(EventType::message);
    ev.data = reinterpret_cast<const uint8_t*>(text);
    ev.size = strlen(text);
    return ev;
}

}  // namespace

TEST_GROUP(cli_repeat_filter) {
    RepeatFilter f;
    consensus::SessionStartInfo st{};
    consensus::SessionExpiredInfo ex{};
    Event start() {
        Event ev = blank(EventType::session_start);
        ev.start = &st;
        return ev;
    }
    Event expired() {
        Event ev = blank(EventType::session_expired);
        ev.expired = &ex;
        return ev;
    }
};

TEST(cli_repeat_filter, TheMessageRightAfterSessionStartIsARepeat) {
    CHECK(should_print(&f, start()));
    CHECK_FALSE(should_print(&f, text_message(kStartFrame)));
    CHECK(should_print(&f, text_message("hello")));  // only that one message
}

TEST(cli_repeat_filter, TheMessageRightAfterSessionExpiredIsARepeat) {
    CHECK(should_print(&f, expired()));
    CHECK_FALSE(should_print(&f, text_message("{\"type\":\"session_expired\"}")));
    CHECK(should_print(&f, blank(EventType::close)));
}

TEST(cli_repeat_filter, OtherMessagesArePrinted) {
    CHECK(should_print(&f, text_message("hello")));
    CHECK(should_print(&f, text_message("hello")));
    CHECK(should_print(&f, start()));
    CHECK(should_print(&f, blank(EventType::open)));  // not adjacent: not the same frame
    CHECK(should_print(&f, text_message("hello")));
}

TEST(cli_repeat_filter, ABinaryMessageIsNeverARepeat) {
    // The library parses text frames only; a binary one is always the server's data.
    CHECK(should_print(&f, start()));
    Event bin = text_message("x");
    bin.binary = true;
    CHECK(should_print(&f, bin));
}

TEST(cli_repeat_filter, ASessionStartWithoutInfoLeavesItsFrameAsAMessage) {
    Event ev = start();
    ev.start = nullptr;  // prints nothing, so the message must carry the frame
    CHECK(should_print(&f, ev));
    CHECK(should_print(&f, text_message(kStartFrame)));
}

TEST(cli_repeat_filter, HumanOutputShowsSessionStartOnceOnStderr) {
    Out h(false);
    strcpy(st.session_id, "s-1");
    strcpy(st.served_by, "local");
    st.time_seconds = 300;
    st.data_mb = 50;
    Event seq[] = {start(), text_message(kStartFrame), text_message("hello")};
    for (const Event& ev : seq) {
        if (should_print(&f, ev)) print_event(h.o, ev);
    }
    STRCMP_EQUAL("hello\n", h.out.text().c_str());
    STRCMP_EQUAL("session started: id s-1, 300 s, 50 MB, served by local\n", h.err.text().c_str());
}

TEST(cli_repeat_filter, JsonOutputHasNoMessageLineForSessionStart) {
    Out j(true);
    strcpy(st.session_id, "s-1");
    st.time_seconds = 300;
    st.data_mb = -1;
    Event seq[] = {start(), text_message(kStartFrame), text_message("hello")};
    for (const Event& ev : seq) {
        if (should_print(&f, ev)) print_event(j.o, ev);
    }
    STRCMP_EQUAL(
        "{\"type\":\"session_start\",\"session_id\":\"s-1\",\"limits\":{\"time_seconds\":300}}\n"
        "{\"type\":\"message\",\"binary\":false,\"data\":\"hello\"}\n",
        j.out.text().c_str());
}
