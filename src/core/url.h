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

/// An HTTP proxy, as ClientOptions names it: http://[user[:password]@]host[:port][/].
struct ProxyUrl {
    StrView host;      // without [] for IPv6 literals
    uint16_t port;     // explicit, or 1080 (curl's default for proxies)
    StrView user;      // percent-encoded, as written; empty without userinfo
    StrView password;  // percent-encoded, as written; empty when none
    bool credentials;  // a userinfo was given (Basic authentication)
};

/// Parses a proxy URL: "http://" (case-insensitive) or no scheme, an optional
/// userinfo before the last '@' of the authority, the host (name, IPv4 or
/// [IPv6]) and port as parse_url takes them, then nothing or "/". Views point
/// into `s`. Errors: invalid_params, with *why a static text that never
/// quotes the URL (it may hold a password): another scheme ("https://" and
/// "socks5://" proxies are not supported), an empty or bad host or port, a
/// path, query or fragment, a userinfo with bytes outside RFC 3986's
/// (letters, digits, "-._~!$&'()*+,;=:%"), a '%' not followed by two hex
/// digits. Memory: none.
Error parse_proxy_url(const char* s, size_t n, ProxyUrl* out, const char** why);

/// Decodes percent-escapes of a userinfo part into out (cap bytes); false
/// when it does not fit. Memory: none beyond out.
bool percent_decode(StrView in, char* out, size_t cap, size_t* out_len);

/// True when `host` is exempt from the proxy by `list`, as curl reads
/// NO_PROXY: comma-separated entries, spaces around them ignored,
/// case-insensitive; "*" alone exempts every host; an entry (a leading '.'
/// ignored) exempts the host itself and every name below it
/// ("example.com" exempts "example.com" and "api.example.com", not
/// "badexample.com"); an address host only the same address, however it is
/// spelt (no suffixes, no CIDR ranges; IPv6 with or without brackets). A
/// null or empty list exempts nothing. Memory: none.
bool no_proxy_matches(const char* list, StrView host);

}  // namespace consensus
