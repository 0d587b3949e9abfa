/* SPDX-License-Identifier: MIT */
// The exit status of `consensus-ws` (docs/CLI.md): a pure function over what
// each session went through, so every rule has a unit test.
#pragma once

#include <stddef.h>

#include "consensus/events.h"

namespace consensus {
namespace cli {

constexpr int kExitOk = 0;
constexpr int kExitUsage = 2;        // invalid usage or parameters; nothing was sent
constexpr int kExitNoToken = 3;      // the token request failed
constexpr int kExitNoOpen = 4;       // a token, but the session never opened
constexpr int kExitSessionLost = 5;  // it opened, then ended abnormally, not restored

/// What one session went through, filled from its events by the runner.
struct SessionSummary {
    bool ever_opened = false;           // an `open` event was seen
    bool open_now = false;              // open at this moment
    bool abnormal = false;              // down because of a failure (cleared by the next open)
    bool expiry_seen = false;           // the current connection reported session_expired
    bool closed_by_us = false;          // the CLI closed it while open or normally down
    bool expired = false;               // the server ended it by expiry (and --renew was off)
    bool failed = false;                // at least one `error` event was seen
    Phase last_failure = Phase::token;  // phase of the last error event
};

/// The runner closes a session (after --wait-ms or on SIGINT): records
/// whether that close ends it as asked, i.e. it was open, or it was between
/// connections for a normal reason (an expiry being renewed), not a failure.
void mark_closed_by_us(SessionSummary* s);

/// 0 when the session ended as asked (our close of an open session, or an expiry);
/// otherwise 5 if it had ever opened, else 3 / 4 by the phase of the last
/// failure (token / open); 4 if it never opened and reported no failure.
int session_exit_status(const SessionSummary& s);

/// The highest status over the sessions (0 for none).
int run_exit_status(const SessionSummary* sessions, size_t count);

/// Records an event into the summary (error, open, close, session_expired).
/// `renew`: with --renew an expiry does not end the session.
void summarize_event(SessionSummary* s, const Event& ev, bool renew);

}  // namespace cli
}  // namespace consensus
