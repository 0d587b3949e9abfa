// SPDX-License-Identifier: MIT
// consensus-ws output lines: JSON escaping, base64, the escaping of server
// text for a terminal, each event's line in --json and human form, and the
// filter that prints session_start / session_expired once. Output is captured
// with open_memstream.
#include "output.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/events.h"
#include "json_text.h"
#include "terminal_text.h"

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

std::string terminal(const char* data, size_t size) {
    Capture c;
    write_terminal_text(c.f, data, size);
    return c.text();
}

std::string terminal_json(const char* data, size_t size) {
    Capture c;
    write_json_string(c.f, data, size, JsonEscapes::terminal);
    return c.text();
}

// True when a terminal would act on some byte of s: a C0 control, DEL, or a
// C1 control in UTF-8 (C2 80..C2 9F).
bool has_terminal_control(const std::string& s) {
    for (size_t i = 0; i < s.size(); ++i) {
        const unsigned char c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 || c == 0x7F) return true;
        if (c == 0xC2 && i + 1 < s.size() && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            return true;
        }
    }
    return false;
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

TEST(cli_json, Decimals) {
    char d[kDecimalCap];
    LONGS_EQUAL(1, format_u64(0, d));
    STRCMP_EQUAL("0", d);
    LONGS_EQUAL(20, format_u64(UINT64_MAX, d));
    STRCMP_EQUAL("18446744073709551615", d);
    Capture c;
    write_i64(c.f, INT64_MIN);
    fputc(' ', c.f);
    write_i64(c.f, -7);
    fputc(' ', c.f);
    write_i64(c.f, INT64_MAX);
    STRCMP_EQUAL("-9223372036854775808 -7 9223372036854775807", c.text().c_str());
}

// write_g6 stands in for printf's %.6g (the firmware's C library has no
// floating-point printf): the host's printf is the reference.
void check_g6(double v) {
    Capture c;
    write_g6(c.f, v);
    char want[64];
    snprintf(want, sizeof want, "%.6g", v);
    STRCMP_EQUAL(want, c.text().c_str());
}

TEST(cli_json, G6AsPrintf) {
    const double cases[] = {
        2.5,    0.00012, 0.1, 123.456789, 999999.5, 1234567.5,   0.000012, 9.9999995,
        1e-300, 4.5e15,  0.5, -0.75,      1e-4,     9.999995e-5, 100000.5, 0.30000000000000004};
    for (double v : cases) check_g6(v);
    // Ties at the sixth digit (exact in binary) round half to even, as printf.
    for (int i = 0; i < 200; ++i) check_g6(100000.5 + i);
    // Random values over the whole range: mantissa in [1, 10), 10^-12..10^14.
    uint64_t x = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 20000; ++i) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        const double mantissa = 1.0 + static_cast<double>(x >> 11) / 9007199254740992.0 * 9.0;
        check_g6(mantissa * pow(10.0, static_cast<int>(x % 27) - 12));
    }
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

// Over wss the open line names the negotiated TLS version; over ws (nullptr)
// it has no such key, in either form.
TEST(cli_output, OpenLineNamesTheTlsVersion) {
    Out t(true);
    Event ev = blank(EventType::open);
    ev.attempt = 1;
    ev.tls_version = "TLSv1.3";
    print_event(t.o, ev);
    ev.attempt = 2;
    ev.tls_version = "TLSv1.2";
    print_event(t.o, ev);
    ev.tls_version = nullptr;
    print_event(t.o, ev);
    STRCMP_EQUAL(
        "{\"type\":\"open\",\"attempt\":1,\"tls\":\"TLSv1.3\"}\n"
        "{\"type\":\"open\",\"attempt\":2,\"tls\":\"TLSv1.2\"}\n"
        "{\"type\":\"open\",\"attempt\":2}\n",
        t.out.text().c_str());
    Out h(false, true);
    ev.session_index = 1;
    ev.tls_version = "TLSv1.3";
    print_event(h.o, ev);
    ev.tls_version = nullptr;
    print_event(h.o, ev);
    STRCMP_EQUAL(
        "[session 1] open (attempt 2, TLSv1.3)\n"
        "[session 1] open (attempt 2)\n",
        h.err.text().c_str());
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

// ---- server text on a terminal ------------------------------------------------

namespace {

// What a hostile server may put in any string: ESC[2K (erase the line), CR,
// LF, DEL, the C1 control CSI (U+009B), a backslash, then valid UTF-8 (é, €)
// that must pass unchanged. kHostileNul adds a NUL (only sized fields hold one:
// session ids and node names are NUL-terminated copies).
constexpr char kHostile[] = "\x1b[2K\rOK\n\x7f\xc2\x9b\\ caf\xc3\xa9 \xe2\x82\xac";
constexpr char kHostileNul[] =
    "\x1b[2K\rOK\n"
    "\0"
    "\x7f\xc2\x9b\\ caf\xc3\xa9 \xe2\x82\xac";
constexpr char kEscaped[] = "\\x1b[2K\\rOK\\n\\x7f\\u009b\\\\ caf\xc3\xa9 \xe2\x82\xac";
constexpr char kEscapedNul[] = "\\x1b[2K\\rOK\\n\\x00\\x7f\\u009b\\\\ caf\xc3\xa9 \xe2\x82\xac";
// The same strings as terminal-safe JSON string contents (the human token line).
constexpr char kJsonEscaped[] = "\\u001b[2K\\rOK\\n\\u007f\\u009b\\\\ caf\xc3\xa9 \xe2\x82\xac";

}  // namespace

TEST_GROUP(cli_terminal_text){};

TEST(cli_terminal_text, EscapesEachControlClass) {
    STRCMP_EQUAL("\\x1b", terminal("\x1b", 1).c_str());
    STRCMP_EQUAL("\\r", terminal("\r", 1).c_str());
    STRCMP_EQUAL("\\n", terminal("\n", 1).c_str());
    STRCMP_EQUAL("\\t", terminal("\t", 1).c_str());
    STRCMP_EQUAL("\\x00", terminal("\0", 1).c_str());
    STRCMP_EQUAL("\\x01\\x08\\x1f", terminal("\x01\x08\x1f", 3).c_str());
    STRCMP_EQUAL("\\x7f", terminal("\x7f", 1).c_str());
    STRCMP_EQUAL("\\u0080", terminal("\xc2\x80", 2).c_str());
    STRCMP_EQUAL("\\u009b", terminal("\xc2\x9b", 2).c_str());
    STRCMP_EQUAL("\\u009f", terminal("\xc2\x9f", 2).c_str());
    STRCMP_EQUAL("\\\\", terminal("\\", 1).c_str());
}

TEST(cli_terminal_text, PassesPrintableAsciiAndValidUtf8Unchanged) {
    const char ascii[] = " !\"#$%&'()*+,-./09:;<=>?@AZ[]^_`az{|}~";
    STRCMP_EQUAL(ascii, terminal(ascii, sizeof ascii - 1).c_str());
    // U+00A0 (C2 A0) is the first code point after the C1 block; then é, €, U+1F600.
    const char utf8[] = "\xc2\xa0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80";
    STRCMP_EQUAL(utf8, terminal(utf8, sizeof utf8 - 1).c_str());
}

TEST(cli_terminal_text, EscapesBytesOfInvalidUtf8) {
    STRCMP_EQUAL("\\xff", terminal("\xff", 1).c_str());
    STRCMP_EQUAL("\\x9b[2K", terminal("\x9b[2K", 4).c_str());     // a bare 8-bit CSI
    STRCMP_EQUAL("\\xe2\\x82", terminal("\xe2\x82", 2).c_str());  // cut at the end
    STRCMP_EQUAL("\\xc0\\xaf", terminal("\xc0\xaf", 2).c_str());  // overlong '/'
    STRCMP_EQUAL("\\xc2A", terminal("\xc2"
                                    "A",
                                    2)
                               .c_str());  // C2 without its continuation
}

TEST(cli_terminal_text, MixedHostileText) {
    STRCMP_EQUAL(kEscapedNul, terminal(kHostileNul, sizeof kHostileNul - 1).c_str());
    Capture c;
    write_terminal_cstr(c.f, kHostile);
    write_terminal_cstr(c.f, nullptr);  // writes nothing
    write_terminal_text(c.f, nullptr, 3);
    STRCMP_EQUAL(kEscaped, c.text().c_str());
}

TEST(cli_terminal_text, TheEscapedFormOfTextIsNotThatOfTheControl) {
    // A server that sends the six characters \x1b does not print what ESC prints.
    STRCMP_EQUAL("\\\\x1b", terminal("\\x1b", 4).c_str());
    STRCMP_EQUAL("\\\\u009b", terminal("\\u009b", 6).c_str());
}

TEST(cli_terminal_text, NoByteOrPairOfBytesLeavesAControl) {
    // Every single byte and every pair: the output never holds a byte a terminal acts on.
    char in[2];
    for (int a = 0; a < 256; ++a) {
        in[0] = static_cast<char>(a);
        CHECK_FALSE(has_terminal_control(terminal(in, 1)));
        for (int b = 0; b < 256; ++b) {
            in[1] = static_cast<char>(b);
            const std::string out = terminal(in, 2);
            if (has_terminal_control(out)) FAIL(("leaked control for " + out).c_str());
        }
    }
}

TEST(cli_terminal_text, TerminalJsonEscapesDelAndC1ButStaysJson) {
    STRCMP_EQUAL((std::string("\"") + kJsonEscaped + "\"").c_str(),
                 terminal_json(kHostile, sizeof kHostile - 1).c_str());
    STRCMP_EQUAL("\"\\u0000\\u0080\\u009f\xc2\xa0\"",
                 terminal_json("\0\xc2\x80\xc2\x9f\xc2\xa0", 7).c_str());
    // The --json lines keep their bytes: DEL and C1 are valid JSON string characters.
    STRCMP_EQUAL("\"\x7f\xc2\x9b\"", json_string("\x7f\xc2\x9b", 3).c_str());
}

TEST_GROUP(cli_output_escaping){};

TEST(cli_output_escaping, ReceivedTextMessageIsOneEscapedLine) {
    Out t(false);
    Event ev = blank(EventType::message);
    ev.data = reinterpret_cast<const uint8_t*>(kHostileNul);
    ev.size = sizeof kHostileNul - 1;
    print_event(t.o, ev);
    STRCMP_EQUAL((std::string(kEscapedNul) + "\n").c_str(), t.out.text().c_str());
}

TEST(cli_output_escaping, SessionIdAndServedBy) {
    Out t(false);
    consensus::SessionStartInfo st;
    memset(&st, 0, sizeof st);
    strcpy(st.session_id, kHostile);
    strcpy(st.served_by, kHostile);
    st.time_seconds = 300;
    st.data_mb = 50;
    Event ev = blank(EventType::session_start);
    ev.start = &st;
    print_event(t.o, ev);
    STRCMP_EQUAL((std::string("session started: id ") + kEscaped + ", 300 s, 50 MB, served by " +
                  kEscaped + "\n")
                     .c_str(),
                 t.err.text().c_str());
}

TEST(cli_output_escaping, ExpiryReason) {
    Out t(false);
    consensus::SessionExpiredInfo ex{};
    ex.reason_text = {kHostileNul, sizeof kHostileNul - 1};
    Event ev = blank(EventType::session_expired);
    ev.expired = &ex;
    print_event(t.o, ev);
    STRCMP_EQUAL((std::string("session expired: ") + kEscapedNul + "\n").c_str(),
                 t.err.text().c_str());
}

TEST(cli_output_escaping, CloseReason) {
    Out t(false);
    Event ev = blank(EventType::close);
    ev.code = 4000;
    ev.initiator = Initiator::server;
    ev.reason = {kHostileNul, sizeof kHostileNul - 1};
    print_event(t.o, ev);
    STRCMP_EQUAL((std::string("closed by server: code 4000 \"") + kEscapedNul + "\"\n").c_str(),
                 t.err.text().c_str());
}

TEST(cli_output_escaping, ErrorEventAndErrorLine) {
    Out t(false, true);
    Event ev = blank(EventType::error);
    ev.session_index = 2;
    ev.error = Error::http_status;
    ev.http_status = 500;
    ev.reason = {kHostileNul, sizeof kHostileNul - 1};
    print_event(t.o, ev);
    // The token command's failure goes through print_error directly.
    print_error(t.o, kNoSession, Error::http_status, kHostileNul, sizeof kHostileNul - 1, 503);
    STRCMP_EQUAL((std::string("[session 2] error: http_status: ") + kEscapedNul + " (HTTP 500)\n" +
                  "error: http_status: " + kEscapedNul + " (HTTP 503)\n")
                     .c_str(),
                 t.err.text().c_str());
    STRCMP_EQUAL("", t.out.text().c_str());
}

TEST(cli_output_escaping, HumanTokenObjectIsTerminalSafeJson) {
    Out h(false);
    print_token(h.o, kNoSession, kHostile, kHostile, 60);
    STRCMP_EQUAL((std::string("{\"token\":\"") + kJsonEscaped + "\",\"connect_url\":\"" +
                  kJsonEscaped + "\",\"expires_in\":60}\n")
                     .c_str(),
                 h.out.text().c_str());
}

TEST(cli_output_escaping, JsonLinesAreUnchanged) {
    // --json is byte-identical to the plain JSON escaping: DEL and C1 stay raw
    // (JSON allows them), only " \ and C0 are escaped.
    constexpr char kJsonMinimal[] =
        "\\u001b[2K\\rOK\\n\\u0000\x7f\xc2\x9b\\\\ caf\xc3\xa9 \xe2\x82\xac";
    Out j(true);
    Event ev = blank(EventType::message);
    ev.data = reinterpret_cast<const uint8_t*>(kHostileNul);
    ev.size = sizeof kHostileNul - 1;
    print_event(j.o, ev);
    print_error(j.o, kNoSession, Error::http_status, kHostileNul, sizeof kHostileNul - 1, 500);
    print_token(j.o, kNoSession, kHostile, "ws://h/x", 60);
    STRCMP_EQUAL((std::string("{\"type\":\"message\",\"binary\":false,\"data\":\"") + kJsonMinimal +
                  "\"}\n" + "{\"type\":\"error\",\"code\":\"http_status\",\"message\":\"" +
                  kJsonMinimal + "\",\"http_status\":500}\n" +
                  "{\"type\":\"token\",\"token\":\"\\u001b[2K\\rOK\\n\x7f\xc2\x9b\\\\ caf\xc3\xa9 "
                  "\xe2\x82\xac\",\"connect_url\":\"ws://h/x\",\"expires_in\":60}\n")
                     .c_str(),
                 j.out.text().c_str());
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
