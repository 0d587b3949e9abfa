/* SPDX-License-Identifier: MIT */
// The CLI's output lines (docs/CLI.md "Output"). With --json every line
// on stdout is one JSON object; otherwise received text goes to stdout, one
// message per line (binary as `[binary N bytes] <base64>`), and everything else
// to stderr in words. In human form every server-provided string is escaped
// (terminal_text.h): a server cannot move the cursor or rewrite what was printed.
// Every function writes whole lines and flushes, so pipes see them at once.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "consensus/error.h"
#include "consensus/events.h"

namespace consensus {
namespace cli {

struct Output {
    FILE* out = stdout;
    FILE* err = stderr;
    bool json = false;
    bool tag_sessions = false;  // --sessions > 1: add "session":<index> / "[session i]"
};

/// No session: the line carries no "session" field.
constexpr int kNoSession = -1;

/// One library event of a session (writable is not printed).
void print_event(const Output& o, const Event& ev);

/// The library reports the server's session_start and session_expired frames
/// twice: as that event, then at once as the `message` event of the same frame.
/// The CLI prints such a frame once, as its event. One filter per session.
struct RepeatFilter {
    bool after_status_event = false;  // the last event was session_start / session_expired
};

/// False for the text message event that directly follows a session_start or
/// session_expired event (the same frame again); true for every other event.
bool should_print(RepeatFilter* filter, const Event& ev);

/// An error line: {"type":"error","code":...,"message":...[,"http_status":N]}.
/// `http_status` 0 = none. Human: `error: <code>: <message> (HTTP N)` on stderr.
void print_error(const Output& o, int session, Error code, const char* message, size_t message_len,
                 int http_status);

/// The token of the `token` command. JSON: {"type":"token",...}; human: the
/// service's own object {"token":...,"connect_url":...,"expires_in":N} on stdout.
void print_token(const Output& o, int session, const char* token, const char* connect_url,
                 uint32_t expires_in_s);

/// {"type":"payment","status":"required"|"paid"}; human: a line on stderr.
void print_payment(const Output& o, int session, bool paid);

/// A human progress line (demo): stderr in human mode, nothing with --json.
void print_note(const Output& o, const char* text);

/// Writes a JSON number for a double: integral values without a fraction,
/// others with up to 6 significant decimals ("50", "2.5", "0.00012").
void write_json_number(FILE* f, double v);

}  // namespace cli
}  // namespace consensus
