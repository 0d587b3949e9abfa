/* SPDX-License-Identifier: MIT */
// URL parsing for the service base URL and the connect_url (sans-I/O, no copies).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/strview.h"

namespace consensus {

struct Url {
    bool tls;             // https or wss
    bool websocket;       // ws or wss
    StrView host;         // without [] for IPv6 literals
    uint16_t port;        // explicit or the scheme default (80/443)
    StrView target;       // path + query, "/" when empty (a static "/"), fragment dropped
    StrView host_header;  // what goes into Host: (host[:port] as in the URL, [] kept for IPv6)
};

/// Parses an absolute http, https, ws or wss URL (scheme case-insensitive).
/// Views point into `s` (except the static "/" of an empty path); nothing is copied.
/// Errors: invalid_params on another scheme, empty host, a bad port (empty, 0,
/// > 65535, non-digits), userinfo ('@'), a bad IPv6 literal, host characters other
/// than letters, digits, '-', '.', '_', a query without a path ("http://h?x"),
/// spaces, control bytes or non-ASCII anywhere, or s == nullptr.
/// Memory: none (a few locals).
Error parse_url(const char* s, size_t n, Url* out);

/// True when `url` can serve as a base for GET /ws: http(s) and no query.
bool url_is_base(const Url& url);

}  // namespace consensus
