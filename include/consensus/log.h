/* SPDX-License-Identifier: MIT */
/// \file
/// The log hook: one callback that hears what an engineer needs when a unit in
/// the field misbehaves. Off by default (no hook); what it says:
/// <pre>
///   info   every session state change, reconnect decisions (the wait and
///          why), a purchase's steps (402, payment sent, token received), the
///          end of a session;
///   warn   a failed attempt (with its error and cause) that will be retried;
///   error  an error that ends a session or a stand-alone token request.
/// </pre>
/// Never a token, a connect_url (it carries the token), a key or a payment
/// header: lines name hosts, states, errors, HTTP statuses, amounts and times.
///
/// Compiled out: the library is built with CONSENSUS_LOG_LEVEL (CMake option
/// of the same name, 0 to 3; default 3). Lines above it are not compiled in:
/// at 0 the hook is never called and the code and texts are gone from the
/// image (docs/FOOTPRINT.md gives the cost, on and off). The firmware image
/// builds with 0.
#pragma once

#include <stdint.h>

#include "consensus/export.h"

namespace consensus {

/// How much the log hook hears: a level passes its own lines and those of
/// the levels before it (the file's description says what each logs).
enum class LogLevel : uint8_t {
    off = 0,    ///< no lines
    error = 1,  ///< errors that end a session or a stand-alone token request
    warn = 2,   ///< and failed attempts that will be retried
    info = 3    ///< and state changes, reconnect decisions, a purchase's steps
};

/// Called from the thread running poll()/process() (and from the call that
/// caused the line: open_session, connect, close, ...), inside the library:
/// it must not call the client (no poll, no close), only record the line.
/// session: the session's index (Event::session_index), or -1 for the
/// client itself and stand-alone token requests. message: one line, no
/// newline, NUL-terminated, at most kLogLineMax bytes, valid only during the
/// call. The line is built on the stack (kLogLineMax + 1 bytes): nothing is
/// allocated, nothing kept.
using LogHook = void (*)(void* user, LogLevel level, int32_t session, const char* message);

/// Longest log line passed to the LogHook (bytes, without its NUL).
constexpr uint16_t kLogLineMax = 159;

/// "error", "warn", "info" ("off" for off); static text.
CONSENSUS_API const char* log_level_name(LogLevel level);

}  // namespace consensus
