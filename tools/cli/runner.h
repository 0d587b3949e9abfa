/* SPDX-License-Identifier: MIT */
// The poll loop of `token` and `connect`: one Client on the POSIX port, the
// sessions, stdin and the payer children, all in one poll() (foreign-loop
// style: the port's pollfds plus our own). The tool allocates its memory once
// at start (Client::required_bytes, the port, the payer jobs); the library never does.
#pragma once

#include "args.h"
#include "output.h"

namespace consensus {
namespace cli {

/// Largest stdin line sent as one message (longer lines are reported as
/// message_too_large and skipped, never cut).
constexpr size_t kMaxStdinLine = 16384;

/// `token`: buys one token and prints it. Returns the exit status (0, 2, 3).
int run_token(const Args& args, const Output& out);

/// `connect`: runs the sessions as docs/CLI.md describes. Returns the exit
/// status (0, 2, 3, 4, 5; the highest over the sessions).
int run_connect(const Args& args, const Output& out);

/// Installs the CLI's signal dispositions: SIGPIPE ignored (a payer that exits
/// early must not kill us); SIGINT/SIGTERM ask the loop to close the sessions
/// (1000) and finish; a second one exits at once.
void install_signal_handlers();

}  // namespace cli
}  // namespace consensus
