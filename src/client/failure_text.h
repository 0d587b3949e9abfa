/* SPDX-License-Identifier: MIT */
// What a failed connection attempt met, in words that name the host: the
// detail of the error event (and the CLI's message).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "client/link.h"
#include "consensus/error.h"
#include "core/url.h"

namespace consensus {

/// Writes e.g. "the certificate of consensus.example is not trusted", "TLS
/// handshake with consensus.example failed", "cannot resolve consensus.example",
/// "cannot connect to consensus.example:443" into out (cut to cap, NUL-
/// terminated) for an attempt to `url` that failed with `e`; `conn` gives the
/// certificate's verification flags and whether a TLS handshake failed for
/// want of a common protocol version ("TLS handshake with
/// consensus.example:443 failed: the protocol versions did not match (no TLS
/// version in common)"). Through a proxy, what the proxy did names the proxy
/// (never its credentials): "proxy 10.0.0.1:3128 refused the tunnel (HTTP
/// 407)", "cannot connect to proxy 10.0.0.1:3128". Returns
/// out. No allocation.
const char* describe_connect_failure(Error e, const Link& link, const Url& url, char* out,
                                     size_t cap);

}  // namespace consensus
