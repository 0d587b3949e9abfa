/* SPDX-License-Identifier: MIT */
// `consensus-ws demo`: the whole job on this machine with no network and no
// configuration: start consensus-devserver (paid mode) on a free loopback
// port, run `connect --send hello` against it with the built-in demo payer,
// print what happened, stop the server.
#pragma once

#include <stddef.h>

#include "output.h"

namespace consensus {
namespace cli {

/// Finds the consensus-devserver executable: next to our own executable
/// (/proc/self/exe), then in ../devserver/ (the build tree). False if absent.
bool find_devserver(char* path, size_t cap);

/// Runs the demo; returns the exit status (0 when the session went as asked;
/// 3, with a connect_failed error, when the dev server could not be found or
/// started: no token could be had).
int run_demo(const Output& out);

}  // namespace cli
}  // namespace consensus
