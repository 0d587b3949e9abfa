// SPDX-License-Identifier: MIT
// The exit status rules of docs/CLI.md as a pure function over session summaries.
#include "exit_status.h"

#include <string.h>

#include "CppUTest/TestHarness.h"
#include "consensus/events.h"

using consensus::Error;
using consensus::Event;
using consensus::EventType;
using consensus::Initiator;
using consensus::Phase;
using namespace consensus::cli;

namespace {

Event ev_of(EventType t, Phase phase = Phase::token, Initiator who = Initiator::network) {
    Event ev{};
    ev.type = t;
    ev.phase = phase;
    ev.initiator = who;
    ev.error = t == EventType::error ? Error::timeout : Error::ok;
    return ev;
}

}  // namespace

TEST_GROUP(cli_exit){};

TEST(cli_exit, ClosedByUsWhileOpenIsSuccess) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    CHECK(s.ever_opened && s.open_now);
    mark_closed_by_us(&s);
    CHECK(s.closed_by_us);
    summarize_event(&s, ev_of(EventType::close, Phase::session, Initiator::caller), false);
    CHECK_FALSE(s.open_now);
    LONGS_EQUAL(kExitOk, session_exit_status(s));
}

TEST(cli_exit, RestoredAfterFailuresIsStillSuccess) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    summarize_event(&s, ev_of(EventType::close), false);
    summarize_event(&s, ev_of(EventType::error, Phase::open), false);
    summarize_event(&s, ev_of(EventType::open), false);
    mark_closed_by_us(&s);
    LONGS_EQUAL(kExitOk, session_exit_status(s));
}

TEST(cli_exit, ClosedByUsWhileDownAfterAFailureIs5) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    summarize_event(&s, ev_of(EventType::close, Phase::session, Initiator::network), false);
    CHECK(s.abnormal);
    mark_closed_by_us(&s);  // --wait-ms ran out while it was reconnecting
    CHECK_FALSE(s.closed_by_us);
    LONGS_EQUAL(kExitSessionLost, session_exit_status(s));
}

TEST(cli_exit, AbnormalServerCloseCounts) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    summarize_event(&s, ev_of(EventType::close, Phase::session, Initiator::server), false);
    mark_closed_by_us(&s);
    LONGS_EQUAL(kExitSessionLost, session_exit_status(s));
}

TEST(cli_exit, ClosedByUsWhileRenewingAfterExpiryIsSuccess) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), true);
    summarize_event(&s, ev_of(EventType::session_expired), true);
    summarize_event(&s, ev_of(EventType::close, Phase::session, Initiator::server), true);
    CHECK_FALSE(s.abnormal);
    CHECK_FALSE(s.expired);  // --renew: not the end
    mark_closed_by_us(&s);
    LONGS_EQUAL(kExitOk, session_exit_status(s));
}

TEST(cli_exit, ExpiryIsSuccessUnlessRenewing) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    summarize_event(&s, ev_of(EventType::session_expired), false);
    summarize_event(&s, ev_of(EventType::close, Phase::session, Initiator::server), false);
    CHECK_FALSE(s.abnormal);
    LONGS_EQUAL(kExitOk, session_exit_status(s));

    SessionSummary r;  // with --renew the expiry is not the end
    summarize_event(&r, ev_of(EventType::open), true);
    summarize_event(&r, ev_of(EventType::session_expired), true);
    summarize_event(&r, ev_of(EventType::close), true);
    summarize_event(&r, ev_of(EventType::error, Phase::token), true);
    LONGS_EQUAL(kExitSessionLost, session_exit_status(r));
}

TEST(cli_exit, ReopenAfterExpiryClearsIt) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    summarize_event(&s, ev_of(EventType::session_expired), false);
    summarize_event(&s, ev_of(EventType::open), false);  // (renewed by the library)
    summarize_event(&s, ev_of(EventType::close), false);
    LONGS_EQUAL(kExitSessionLost, session_exit_status(s));
}

TEST(cli_exit, NeverOpenedTokenFailureIs3) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::error, Phase::token), false);
    LONGS_EQUAL(kExitNoToken, session_exit_status(s));
}

TEST(cli_exit, NeverOpenedOpenFailureIs4) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::error, Phase::open), false);
    LONGS_EQUAL(kExitNoOpen, session_exit_status(s));
}

TEST(cli_exit, TheLastFailureDecidesBetween3And4) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::error, Phase::open), false);
    summarize_event(&s, ev_of(EventType::error, Phase::token), false);
    LONGS_EQUAL(kExitNoToken, session_exit_status(s));
    summarize_event(&s, ev_of(EventType::error, Phase::open), false);
    LONGS_EQUAL(kExitNoOpen, session_exit_status(s));
}

TEST(cli_exit, OpenedThenLostIs5WhateverTheLastPhase) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::open), false);
    summarize_event(&s, ev_of(EventType::close), false);
    summarize_event(&s, ev_of(EventType::error, Phase::token), false);  // e.g. budget refused
    LONGS_EQUAL(kExitSessionLost, session_exit_status(s));
}

TEST(cli_exit, NeverOpenedWithoutFailureIs4) {
    SessionSummary s;
    LONGS_EQUAL(kExitNoOpen, session_exit_status(s));
}

TEST(cli_exit, RunTakesTheHighest) {
    SessionSummary s[3];
    s[0].closed_by_us = true;
    s[1].failed = true;
    s[1].last_failure = Phase::token;
    s[2].closed_by_us = true;
    LONGS_EQUAL(kExitNoToken, run_exit_status(s, 3));
    s[2].closed_by_us = false;
    s[2].ever_opened = true;
    LONGS_EQUAL(kExitSessionLost, run_exit_status(s, 3));
    LONGS_EQUAL(kExitOk, run_exit_status(s, 1));
    LONGS_EQUAL(kExitOk, run_exit_status(nullptr, 0));
}

TEST(cli_exit, OtherEventsChangeNothing) {
    SessionSummary s;
    summarize_event(&s, ev_of(EventType::message), false);
    summarize_event(&s, ev_of(EventType::token), false);
    summarize_event(&s, ev_of(EventType::payment), false);
    summarize_event(&s, ev_of(EventType::reconnecting), false);
    CHECK_FALSE(s.ever_opened || s.failed || s.expired || s.open_now);
}
