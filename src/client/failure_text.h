/* SPDX-License-Identifier: MIT */
// What a failed connection attempt met, in words that name the host: the
// detail of the error event (and the CLI's message).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "core/url.h"
#include "net/connection.h"

namespace consensus {

/// Writes e.g. "the certificate of consensus.example is not trusted", "TLS
/// handshake with consensus.example failed", "cannot resolve consensus.example",
/// "cannot connect to consensus.example:443" into out (cut to cap, NUL-
/// terminated) for an attempt to `url` that failed with `e`; `conn` gives the
/// certificate's verification flags and whether a TLS handshake failed for
/// want of a common protocol version ("TLS handshake with
/// consensus.example:443 failed: the protocol versions did not match (no TLS
/// version in common)"). Returns out. No allocation.
const char* describe_connect_failure(Error e, const Connection& conn, const Url& url, char* out,
                                     size_t cap);

}  // namespace consensus
