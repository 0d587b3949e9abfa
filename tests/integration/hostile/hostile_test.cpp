// SPDX-License-Identifier: MIT
// The client against a hostile server (tests/hostile/hostile_server.py): one
// test per misbehaviour, each asserting the exact error name / close code,
// that the run ends within its timeouts, and (HostileRounds) that repeating
// every case does not grow the process. Public API only, on the POSIX port.
#include <malloc.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "hostile/harness.h"

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::Error;
using consensus::EventType;
using consensus::Initiator;
using consensus::Phase;
using hostile::Ev;
using hostile::Outcome;
using hostile::RunSpec;

namespace {

// No heap in statics (CppUTest would count it as a leak of the first test).
hostile::ServerProc g_server;
char g_log[512];

uint16_t server_port() {
    if (g_server.port() == 0) {
        snprintf(g_log, sizeof g_log, "%s/hostile.log", CONSENSUS_TEST_SCRATCH);
        const std::string mk = std::string("mkdir -p '") + CONSENSUS_TEST_SCRATCH + "'";
        if (system(mk.c_str()) != 0) abort();
        unlink(g_log);
        if (!g_server.start({"python3", CONSENSUS_SOURCE_DIR "/tests/hostile/hostile_server.py",
                             "--log", g_log})) {
            fprintf(stderr, "hostile_server.py did not start\n");
            abort();
        }
    }
    return g_server.port();
}

std::string base(const char* scenario) {
    return "http://127.0.0.1:" + std::to_string(server_port()) + "/" + scenario;
}

RunSpec spec_for(const char* scenario) {
    RunSpec s;
    s.server_url = base(scenario);
    return s;
}

Outcome session(const RunSpec& s) {
    hostile::Runner r(s);
    if (!r.setup()) FAIL("Client::init failed");
    return r.session();
}

Outcome session(const char* scenario) {
    return session(spec_for(scenario));
}

Outcome token(const RunSpec& s) {
    hostile::Runner r(s);
    if (!r.setup()) FAIL("Client::init failed");
    return r.token();
}

Outcome token(const char* scenario) {
    return token(spec_for(scenario));
}

std::string needle(const char* scenario, const char* event) {
    return std::string("\"case\": \"") + scenario + "\", \"event\": \"" + event + "\"";
}

size_t logged(const char* scenario, const char* event) {
    return hostile::log_lines(g_log, needle(scenario, event)).size();
}

// The server logs what the client answered; it may log just after the client
// ended, so wait (bounded) for the lines after the first `skip`.
std::vector<std::string> server_saw(const char* scenario, const char* event, size_t skip = 0) {
    std::vector<std::string> lines;
    for (int i = 0; i < 60 && lines.size() <= skip; ++i) {
        lines = hostile::log_lines(g_log, needle(scenario, event));
        if (lines.size() <= skip) usleep(50 * 1000);
    }
    lines.erase(lines.begin(),
                lines.begin() + static_cast<long>(skip < lines.size() ? skip : lines.size()));
    return lines;
}

// Each reconnect (or renewal) waited the interval (100 ms) before buying
// again. The library times the wait from its poll clock, taken before the
// pass that emits `reconnecting`; the listener stamps events later in that
// pass (tens of ms under valgrind): 50 ms of slack, far from no wait at all.
void check_each_purchase_waited(const Outcome& o) {
    int64_t last_reconnecting = -1;
    for (const Ev& e : o.events) {
        if (e.type == EventType::reconnecting) last_reconnecting = e.at_ms;
        if (e.type == EventType::token && last_reconnecting >= 0)
            CHECK(e.at_ms - last_reconnecting >= 50);
    }
}

// A failed upgrade: one error in phase open, no open, the session ends with it.
void check_open_failure(const Outcome& o, Error e, int status) {
    CHECK_TEXT(o.ended, "the session did not end");
    LONGS_EQUAL(0, o.count(EventType::open));
    const Ev* err = o.first(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(e, err->error);
    CHECK(err->phase == Phase::open);
    LONGS_EQUAL(status, err->http_status);
    CHECK_ERR(e, o.end_error);
    CHECK(o.elapsed_ms < 2500);  // well inside the 3 s open timeout: no hang
}

// A frame-level violation: the session opened, then failed with `e`, closed
// with `code` (sent to the server, which logged it), and ended.
Outcome check_violation(const RunSpec& s, const char* scenario, Error e, uint16_t code) {
    const size_t before = logged(scenario, "client_close");
    const Outcome o = session(s);
    CHECK_TEXT(o.ended, scenario);
    LONGS_EQUAL(1, o.count(EventType::open));
    LONGS_EQUAL(0, o.count(EventType::message));
    const Ev* err = o.first(EventType::error);
    CHECK_TEXT(err != nullptr, scenario);
    CHECK_ERR(e, err->error);
    CHECK(err->phase == Phase::session);
    const Ev* close = o.first(EventType::close);
    CHECK(close != nullptr);
    LONGS_EQUAL(code, close->code);
    CHECK_ERR(e, o.end_error);
    CHECK(o.elapsed_ms < 2500);
    const std::vector<std::string> saw = server_saw(scenario, "client_close", before);
    LONGS_EQUAL_TEXT(1, saw.size(), scenario);
    const std::string want = "\"code\": " + std::to_string(code) + "}";
    for (const std::string& line : saw)
        CHECK_TEXT(line.find(want) != std::string::npos, line.c_str());
    return o;
}

void check_violation(const char* scenario, Error e, uint16_t code) {
    check_violation(spec_for(scenario), scenario, e, code);
}

// A token response that declares a body (or chunk) too large for
// max_body_bytes and then sends nothing: refused at the declaration, at once,
// though the request timeout is 8 s; and the connection is dropped.
void check_declared_too_large(const char* scenario) {
    const size_t before = logged(scenario, "client_eof");
    RunSpec s = spec_for(scenario);
    s.request_timeout_ms = 8000;
    const Outcome o = token(s);
    CHECK_TEXT(o.token_done, scenario);
    CHECK_ERR(Error::message_too_large, o.token.error);
    LONGS_EQUAL(0, o.token.http_status);
    CHECK_TEXT(o.elapsed_ms < 1000, scenario);
    const std::vector<std::string> saw = server_saw(scenario, "client_eof", before);
    LONGS_EQUAL_TEXT(1, saw.size(), scenario);
}

void check_token_error(const char* scenario, Error e, int status) {
    const Outcome o = token(scenario);
    CHECK_TEXT(o.token_done, scenario);
    CHECK_ERR(e, o.token.error);
    LONGS_EQUAL(status, o.token.http_status);
    CHECK(o.elapsed_ms < 4500);  // inside the 5 s request timeout
}

}  // namespace

TEST_GROUP(HostileUpgrade){};

TEST(HostileUpgrade, WrongAccept) {
    check_open_failure(session("ws_bad_accept"), Error::handshake_failed, 101);
}
TEST(HostileUpgrade, MissingAccept) {
    check_open_failure(session("ws_no_accept"), Error::handshake_failed, 101);
}
TEST(HostileUpgrade, SwitchingWithoutUpgradeAndConnection) {
    check_open_failure(session("ws_no_upgrade"), Error::handshake_failed, 101);
}
TEST(HostileUpgrade, Success200IsNotAnUpgrade) {
    check_open_failure(session("ws_200"), Error::handshake_failed, 200);
}
TEST(HostileUpgrade, Success204IsNotAnUpgrade) {
    check_open_failure(session("ws_204"), Error::handshake_failed, 204);
}
TEST(HostileUpgrade, Status401IsTokenRejected) {
    check_open_failure(session("ws_401"), Error::token_rejected, 401);
}
TEST(HostileUpgrade, Status403) {
    check_open_failure(session("ws_403"), Error::handshake_failed, 403);
}
TEST(HostileUpgrade, Status500) {
    check_open_failure(session("ws_500"), Error::handshake_failed, 500);
}
// Policy (README "Errors"): redirects are never followed; a 3xx on the
// upgrade is a refused upgrade carrying its status.
TEST(HostileUpgrade, RedirectIsNotFollowed) {
    check_open_failure(session("ws_302"), Error::handshake_failed, 302);
    CHECK(hostile::log_lines(g_log, "\"case\": \"other\"").empty());
}
// A reset during the upgrade is the connection's own error, `closed`, as on
// the token request (HostileToken.ResetMidResponse).
TEST(HostileUpgrade, ResetMidHandshake) {
    check_open_failure(session("ws_reset_handshake"), Error::closed, 0);
}
TEST(HostileUpgrade, EndlessInterimResponsesAreRefused) {
    const Outcome o = session("ws_100_flood");
    check_open_failure(o, Error::handshake_failed, 100);
    CHECK(o.elapsed_ms < 1000);
}
// A server flooding frames does not hold the loop: the caller's close still
// ends the session within close_timeout_ms (1000 ms here), the flood going on.
TEST(HostileUpgrade, AFloodDoesNotHoldTheCloseDeadline) {
    RunSpec s = spec_for("ws_ping_flood");
    s.close_on_open = 1;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::ok, o.end_error);
    CHECK(o.elapsed_ms < 2500);
    const Ev* close = o.last(EventType::close);
    CHECK(close != nullptr);
    CHECK(close->initiator == Initiator::caller);
}
TEST(HostileUpgrade, SilentServerHitsOpenTimeout) {
    RunSpec s = spec_for("ws_silent");
    s.open_timeout_ms = 1500;
    const Outcome o = session(s);
    CHECK(o.ended);
    const Ev* err = o.first(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(Error::timeout, err->error);
    CHECK(err->phase == Phase::open);
    // The timeout fires on time: not before 1500 ms, not long after.
    CHECK(err->at_ms >= 1500);
    CHECK(err->at_ms < 2500);
    CHECK_ERR(Error::timeout, o.end_error);
}
TEST(HostileUpgrade, OneBytePer100msSucceedsWithinTimeout) {
    RunSpec s = spec_for("ws_slow_101");
    s.open_timeout_ms = 20000;  // the 101 (~100 bytes) takes ~10 s at 10 bytes/s
    s.bound_ms = 30000;
    const Outcome o = session(s);
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::error));
    LONGS_EQUAL(1, o.count(EventType::open));
    const Ev* close = o.first(EventType::close);
    CHECK(close != nullptr);
    LONGS_EQUAL(1000, close->code);
    STRCMP_EQUAL("slow but fine", close->text.c_str());
    CHECK(close->initiator == Initiator::server);
    CHECK(o.first(EventType::open)->at_ms > 9000);  // it really was slow
}

TEST_GROUP(HostileFrames){};

TEST(HostileFrames, Length2To63) {
    check_violation("ws_len_2_63", Error::protocol_error, 1002);
}
// Limits are enforced at the first byte that shows them: a header declaring
// 2^40 bytes, and nothing after it, is refused (1009) as it arrives, not when
// the keepalive (5 s here) or the server gives up.
TEST(HostileFrames, HugeDeclaredLengthRefusedAtTheHeader) {
    RunSpec s = spec_for("ws_huge_declared");
    s.ping_interval_ms = 5000;
    const Outcome o = check_violation(s, "ws_huge_declared", Error::message_too_large, 1009);
    const Ev* open = o.first(EventType::open);
    const Ev* err = o.first(EventType::error);
    CHECK(open != nullptr && err != nullptr);
    if (open != nullptr && err != nullptr) CHECK(err->at_ms - open->at_ms < 1000);
}
TEST(HostileFrames, MessageOfMaxPlusOne) {
    check_violation("ws_max_plus_one", Error::message_too_large, 1009);
}
TEST(HostileFrames, FragmentedMessageOfMaxPlusOne) {
    check_violation("ws_max_plus_one_fragmented", Error::message_too_large, 1009);
}
TEST(HostileFrames, ContinuationWithoutStart) {
    check_violation("ws_cont_without_start", Error::protocol_error, 1002);
}
TEST(HostileFrames, NewMessageInsideFragmented) {
    check_violation("ws_new_msg_in_fragmented", Error::protocol_error, 1002);
}
TEST(HostileFrames, ControlFrameOver125) {
    check_violation("ws_ping_126", Error::protocol_error, 1002);
}
TEST(HostileFrames, FragmentedControlFrame) {
    check_violation("ws_ping_fragmented", Error::protocol_error, 1002);
}
TEST(HostileFrames, ReservedBitRsv1) {
    check_violation("ws_rsv1", Error::protocol_error, 1002);
}
TEST(HostileFrames, ReservedBitRsv3) {
    check_violation("ws_rsv3", Error::protocol_error, 1002);
}
TEST(HostileFrames, UnknownDataOpcode) {
    check_violation("ws_opcode_3", Error::protocol_error, 1002);
}
TEST(HostileFrames, UnknownControlOpcode) {
    check_violation("ws_opcode_b", Error::protocol_error, 1002);
}
TEST(HostileFrames, MaskedServerFrame) {
    check_violation("ws_masked", Error::protocol_error, 1002);
}
TEST(HostileFrames, InvalidUtf8SplitAcrossFragments) {
    check_violation("ws_utf8_split_bad", Error::protocol_error, 1007);
}
TEST(HostileFrames, CloseWith1005OnTheWire) {
    check_violation("ws_close_1005", Error::protocol_error, 1002);
}
TEST(HostileFrames, CloseWith999) {
    check_violation("ws_close_999", Error::protocol_error, 1002);
}
TEST(HostileFrames, CloseWith1004) {
    check_violation("ws_close_1004", Error::protocol_error, 1002);
}
TEST(HostileFrames, CloseWith5000) {
    check_violation("ws_close_5000", Error::protocol_error, 1002);
}
TEST(HostileFrames, CloseWithOneBytePayload) {
    check_violation("ws_close_1byte", Error::protocol_error, 1002);
}
TEST(HostileFrames, CloseWithInvalidUtf8Reason) {
    check_violation("ws_close_bad_utf8", Error::protocol_error, 1007);
}

// The valid twin of the split UTF-8 case: a character split across fragments.
TEST(HostileFrames, ValidUtf8SplitAcrossFragments) {
    const Outcome o = session("ws_utf8_split_good");
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::error));
    const Ev* msg = o.first(EventType::message);
    CHECK(msg != nullptr);
    STRCMP_EQUAL("ok \xe2\x82\xac", msg->text.c_str());
    const Ev* close = o.first(EventType::close);
    LONGS_EQUAL(1000, close->code);
    CHECK(close->initiator == Initiator::server);
    CHECK_ERR(Error::closed, o.end_error);  // a server close that is no expiry
}

TEST(HostileFrames, DataAfterCloseIsIgnored) {
    const size_t before = logged("ws_data_after_close", "client_close");
    const Outcome o = session("ws_data_after_close");
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::message));
    LONGS_EQUAL(0, o.count(EventType::error));
    LONGS_EQUAL(1, o.count(EventType::close));
    const Ev* close = o.first(EventType::close);
    LONGS_EQUAL(1001, close->code);
    STRCMP_EQUAL("going", close->text.c_str());
    CHECK(close->initiator == Initiator::server);
    CHECK_ERR(Error::closed, o.end_error);
    // The client echoed the server's code (RFC 6455 5.5.1).
    const std::vector<std::string> saw = server_saw("ws_data_after_close", "client_close", before);
    LONGS_EQUAL(1, saw.size());
    CHECK(saw[0].find("\"code\": 1001}") != std::string::npos);
}

TEST(HostileFrames, ResetMidFrame) {
    const Outcome o = session("ws_reset_mid_frame");
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::message));
    const Ev* close = o.first(EventType::close);
    CHECK(close != nullptr);
    LONGS_EQUAL(1006, close->code);
    CHECK(close->initiator == Initiator::network);
    CHECK_ERR(Error::closed, o.end_error);
    CHECK(o.elapsed_ms < 2500);
}

// Reconnect policy (docs/CLI.md): a successful open resets the count of failed
// attempts, so a server that opens and then breaks the protocol is retried
// after every loss, each time with a NEW token, until the caller closes (or
// the spend guard refuses: see PaidViolationLoopStopsAtTheSpendLimit).
TEST(HostileFrames, ViolationAfterOpenIsRetriedWithNewTokens) {
    RunSpec s = spec_for("ws_rsv1");
    s.max_reconnects = 1;
    s.close_on_open = 3;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::ok, o.end_error);  // the caller's close ends it
    LONGS_EQUAL(3, o.count(EventType::open));
    LONGS_EQUAL(3, o.count(EventType::token));
    LONGS_EQUAL(2, o.count(EventType::reconnecting));
    // Every loss is reported; the third open's frame may still be seen while
    // the caller's close is under way (then a third protocol_error).
    CHECK(o.count(EventType::error) >= 2);
    for (const Ev& e : o.events)
        if (e.type == EventType::error) CHECK_ERR(Error::protocol_error, e.error);
    check_each_purchase_waited(o);
}

// The same loop on a paying server: with the paid-attempt bound off, the
// spend guard ends it (3 purchases of 7500 micro-USD fit in 22500; the fourth
// is refused before any traffic).
TEST(HostileFrames, PaidViolationLoopStopsAtTheSpendLimit) {
    RunSpec s = spec_for("paid_rsv1");
    s.limit_micro_usd = 22500;
    s.max_reconnects = UINT32_MAX;
    s.max_paid_attempts = 0;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::budget_exhausted, o.end_error);
    LONGS_EQUAL(3, o.count(EventType::open));
    LONGS_EQUAL(3, o.count(EventType::token));
    const Ev* last_err = o.last(EventType::error);
    CHECK_ERR(Error::budget_exhausted, last_err->error);
    CHECK(last_err->phase == Phase::token);
}

// Rule: once a payment header has left the device, its amount is spent,
// whatever comes back. A server that takes the payment and answers 500 gets
// one payment from a budget of one purchase (it got 36 in 8 s before).
TEST(HostileFrames, PaymentAnsweredWith500IsSpent) {
    const size_t before = hostile::log_lines(g_log, "\"payment\": true").size();
    RunSpec s = spec_for("paid500_loop");
    s.limit_micro_usd = 10000;
    s.max_reconnects = UINT32_MAX;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::budget_exhausted, o.end_error);
    const Ev* first = o.first(EventType::error);
    CHECK(first != nullptr);
    CHECK_ERR(Error::http_status, first->error);
    LONGS_EQUAL(500, first->http_status);
    const size_t paid = hostile::log_lines(g_log, "\"payment\": true").size() - before;
    LONGS_EQUAL(1, paid);
}

// Rule: paid sessions in a row that end abnormally before serving their
// minimum count against max_paid_attempts (default 3), with no spend limit.
TEST(HostileFrames, PaidViolationLoopStopsAfterThreePaidAttempts) {
    RunSpec s = spec_for("paid_rsv1");
    s.max_reconnects = UINT32_MAX;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::paid_attempts_exhausted, o.end_error);
    LONGS_EQUAL(3, o.count(EventType::open));
    LONGS_EQUAL(3, o.count(EventType::token));
    CHECK(o.last(EventType::error)->phase == Phase::session);
}

// Rule: a server that takes the money and drops (or expires) each session at
// once gets max_paid_attempts (3) payments, with or without --renew.
TEST(HostileFrames, OpenThenCloseAtOnceStopsAfterThreePayments) {
    RunSpec s = spec_for("paid_1011_at_start");
    s.await_session_start = true;
    s.max_reconnects = UINT32_MAX;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::paid_attempts_exhausted, o.end_error);
    LONGS_EQUAL(3, o.count(EventType::open));
    LONGS_EQUAL(3, o.count(EventType::token));
}
TEST(HostileFrames, RenewedExpiryAtOnceStopsAfterThreePaymentsAndWaits) {
    RunSpec s = spec_for("paid_expire_at_start");
    s.await_session_start = true;
    s.renew = true;
    const Outcome o = session(s);
    CHECK(o.ended);
    CHECK_ERR(Error::paid_attempts_exhausted, o.end_error);
    LONGS_EQUAL(3, o.count(EventType::token));
    LONGS_EQUAL(3, o.count(EventType::session_expired));
    check_each_purchase_waited(o);
}

// Rule: secrets do not linger: after a paid session, its close and deinit,
// nothing of it (payment header, token, messages) is left in the block.
TEST(HostileFrames, NothingOfAPaidSessionIsLeftAfterDeinit) {
    RunSpec s = spec_for("paid_echo");
    s.send_after_open = {"a private message"};
    s.close_after_replies = true;
    hostile::Runner r(s);
    if (!r.setup()) FAIL("Client::init failed");
    const Outcome o = r.session();
    CHECK(o.ended);
    LONGS_EQUAL(1, o.count(EventType::open));
    CHECK(o.first(EventType::payment) != nullptr);
    r.block().deinit_client();
    const uint8_t* m = r.block().client_memory();
    for (size_t i = 0; i < r.block().client_bytes(); ++i) {
        if (m[i] != 0) FAIL("a byte of the client's block survived deinit");
    }
}

TEST_GROUP(HostileToken){};

TEST(HostileToken, ChunkedResponse) {
    const Outcome o = token("tok_chunked");
    CHECK_ERR(Error::ok, o.token.error);
    STRCMP_EQUAL("tok-tok_chunked", o.token_text.c_str());
    CHECK(o.connect_url.find("/tok_chunked/sock?token=tok-tok_chunked") != std::string::npos);
}
TEST(HostileToken, TenMegabyteBody) {
    check_token_error("tok_10mb", Error::message_too_large, 0);
}
TEST(HostileToken, HugeContentLengthRefusedAtTheHeaders) {
    check_declared_too_large("tok_huge_content_length");
}
TEST(HostileToken, HugeChunkRefusedAtItsSizeLine) {
    check_declared_too_large("tok_huge_chunk");
}
TEST(HostileToken, TenThousandHeaders) {
    check_token_error("tok_10k_headers", Error::message_too_large, 0);
}
TEST(HostileToken, OneMegabyteHeaderLine) {
    check_token_error("tok_1mb_header", Error::message_too_large, 0);
}
TEST(HostileToken, MalformedJson) {
    check_token_error("tok_bad_json", Error::bad_response, 200);
}
TEST(HostileToken, EscapesAndUnicodeInToken) {
    const Outcome o = token("tok_escapes");
    CHECK_ERR(Error::ok, o.token.error);
    STRCMP_EQUAL("a\"b\\c/\xc3\xa9\xf0\x9f\x98\x80", o.token_text.c_str());
    STRCMP_EQUAL("ws://127.0.0.1/x?t=A", o.connect_url.c_str());
}
// Rule: a connect_url names the token server's host (ClientOptions::
// connect_hosts widens it); anything else is bad_response naming the host,
// and nothing is sent there (the session ends without an upgrade).
TEST(HostileToken, ConnectUrlElsewhereIsRefused) {
    check_token_error("tok_elsewhere", Error::bad_response, 200);
    const Outcome o = session("tok_elsewhere");
    CHECK(o.ended);
    LONGS_EQUAL(0, o.count(EventType::token));
    const Ev* err = o.first(EventType::error);
    CHECK(err != nullptr);
    CHECK_ERR(Error::bad_response, err->error);
    CHECK(err->phase == Phase::token);
    CHECK(err->text.find("evil.example") != std::string::npos);
}
// Rule: the amount a requirement asks is checked before the hook is called;
// a 402 asking a million USDC for a 0.0075 USD session is price_too_high,
// names both amounts, and no payment is made.
TEST(HostileToken, AMillionDollarChallengeIsNeverSigned) {
    const size_t before = hostile::log_lines(g_log, "\"case\": \"tok_402_million\"").size();
    const Outcome o = token("tok_402_million");
    CHECK_ERR(Error::price_too_high, o.token.error);
    LONGS_EQUAL(402, o.token.http_status);
    const std::vector<std::string> after =
        hostile::log_lines(g_log, "\"case\": \"tok_402_million\"");
    LONGS_EQUAL(before + 1, after.size());  // the unpaid request only
    CHECK(after.back().find("\"payment\": false") != std::string::npos);
}
// Rule: deadlines hold while bytes keep coming. A server streaming
// "100 Continue" gets a few interim answers, then bad_response, at once.
TEST(HostileToken, EndlessInterimResponsesAreRefused) {
    RunSpec s = spec_for("tok_100_flood");
    s.request_timeout_ms = 2000;
    hostile::Runner r(s);
    if (!r.setup()) FAIL("Client::init failed");
    const Outcome o = r.token();
    CHECK_ERR(Error::bad_response, o.token.error);
    CHECK(o.elapsed_ms < 1000);
}
TEST(HostileToken, TokenAsNumber) {
    check_token_error("tok_number", Error::bad_response, 200);
}
TEST(HostileToken, DuplicatedKeys) {
    check_token_error("tok_dup_keys", Error::bad_response, 200);
}
TEST(HostileToken, DeepNesting) {
    check_token_error("tok_deep", Error::message_too_large, 200);
}
TEST(HostileToken, GarbledChallenge) {
    check_token_error("tok_402_garbled", Error::bad_response, 402);
}
TEST(HostileToken, ChallengeLoopPaysOnce) {
    const size_t before = hostile::log_lines(g_log, "\"case\": \"tok_402_loop\"").size();
    check_token_error("tok_402_loop", Error::payment_rejected, 402);
    const std::vector<std::string> after = hostile::log_lines(g_log, "\"case\": \"tok_402_loop\"");
    LONGS_EQUAL(before + 2, after.size());  // the request and exactly one paid retry
    CHECK(after.back().find("\"payment\": true") != std::string::npos);
}
// A reset while reading the token response is the connection's own error, `closed`.
TEST(HostileToken, ResetMidResponse) {
    check_token_error("tok_reset", Error::closed, 0);
}
// Policy: GET /ws never follows a redirect; a 3xx is http_status with its code.
TEST(HostileToken, Redirect301) {
    check_token_error("tok_redirect_301", Error::http_status, 301);
}
TEST(HostileToken, Redirect302) {
    check_token_error("tok_redirect_302", Error::http_status, 302);
}
TEST(HostileToken, Redirect307) {
    check_token_error("tok_redirect_307", Error::http_status, 307);
}
TEST(HostileToken, Redirect308NotFollowed) {
    check_token_error("tok_redirect_308", Error::http_status, 308);
    CHECK(hostile::log_lines(g_log, "\"case\": \"elsewhere\"").empty());
}

// Every fast case again, several rounds: the process must not grow. Rounds
// 1-3 warm up (first use of code paths and of glibc's heap layout); over the
// next 6 rounds the resident set, sampled after EVERY case, must never exceed
// what it was after the warm-up, and the heap bytes in use must be the same.
// Sampling after every case in the warm-up too keeps the sampler's own
// fopen/fclose part of the steady state (measured: sampling only at the two
// ends moved glibc's layout by 1520 bytes / 17 pages once, in no pattern).
namespace {
const char* const kSessionCases[] = {"ws_bad_accept",
                                     "ws_no_accept",
                                     "ws_no_upgrade",
                                     "ws_200",
                                     "ws_401",
                                     "ws_500",
                                     "ws_302",
                                     "ws_reset_handshake",
                                     "ws_len_2_63",
                                     "ws_huge_declared",
                                     "ws_max_plus_one",
                                     "ws_max_plus_one_fragmented",
                                     "ws_cont_without_start",
                                     "ws_new_msg_in_fragmented",
                                     "ws_ping_126",
                                     "ws_ping_fragmented",
                                     "ws_rsv1",
                                     "ws_opcode_3",
                                     "ws_masked",
                                     "ws_utf8_split_bad",
                                     "ws_utf8_split_good",
                                     "ws_close_999",
                                     "ws_close_1byte",
                                     "ws_close_bad_utf8",
                                     "ws_data_after_close",
                                     "ws_reset_mid_frame"};
const char* const kTokenCases[] = {"tok_chunked",      "tok_10mb",
                                   "tok_10k_headers",  "tok_1mb_header",
                                   "tok_bad_json",     "tok_escapes",
                                   "tok_number",       "tok_dup_keys",
                                   "tok_deep",         "tok_402_garbled",
                                   "tok_402_loop",     "tok_reset",
                                   "tok_redirect_302", "tok_huge_content_length",
                                   "tok_huge_chunk"};
constexpr size_t kCases =
    sizeof kSessionCases / sizeof kSessionCases[0] + sizeof kTokenCases / sizeof kTokenCases[0];

// Runs every case once; returns the largest RSS (pages) seen after any case.
long one_round() {
    long peak = 0;
    for (const char* c : kSessionCases) {
        CHECK_TEXT(session(c).ended, c);
        const long r = hostile::rss_pages();
        peak = r > peak ? r : peak;
    }
    for (const char* c : kTokenCases) {
        CHECK_TEXT(token(c).token_done, c);
        const long r = hostile::rss_pages();
        peak = r > peak ? r : peak;
    }
    return peak;
}
}  // namespace

#if defined(__SANITIZE_ADDRESS__)
#define HOSTILE_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HOSTILE_UNDER_ASAN 1
#endif
#endif
#ifndef HOSTILE_UNDER_ASAN
#define HOSTILE_UNDER_ASAN 0
#endif

TEST_GROUP(HostileRounds){};

TEST(HostileRounds, RepeatingEveryCaseDoesNotGrow) {
    (void)mallinfo2();  // its first call consolidates glibc's fast bins
    for (int i = 0; i < 3; ++i) one_round();
    const size_t warm_heap = mallinfo2().uordblks;
    const long warm = hostile::rss_pages();
    long peak = 0;
    for (int i = 0; i < 6; ++i) {
        const long p = one_round();
        peak = p > peak ? p : peak;
    }
    const size_t end_heap = mallinfo2().uordblks;
    printf(
        "\nhostile rounds (%zu cases each): RSS after warm-up %ld pages, peak over 6 more "
        "rounds %ld pages; heap in use %zu -> %zu bytes\n",
        kCases, warm, peak, warm_heap, end_heap);
    CHECK(warm > 0);
    // Under ASan (its quarantine keeps freed blocks resident on purpose) and
    // valgrind (its own allocator) neither RSS nor glibc's heap figures mean
    // what they mean here: the rounds still run and every case must end; the
    // tool's leak checker covers growth; the plain build compares.
    if (HOSTILE_UNDER_ASAN || getenv("CONSENSUS_UNDER_VALGRIND") != nullptr) {
        printf("hostile rounds: RSS and heap not compared under ASan or valgrind\n");
        return;
    }
    LONGS_EQUAL(warm_heap, end_heap);
    LONGS_EQUAL(warm, peak);
}
