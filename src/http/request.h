/* SPDX-License-Identifier: MIT */
// The GET /ws token request, written into a caller buffer (sans-I/O).
#pragma once

#include <stddef.h>

#include "consensus/params.h"
#include "core/url.h"
#include "core/writer.h"

namespace consensus {

/// One more request header from the layer above (the x402 payment);
/// name == nullptr: none. A named header with an empty value is refused.
struct ExtraHeader {
    const char* name = nullptr;
    StrView value;
};

/// Writes
///   GET <base path without trailing '/'>/ws?model=M&minutes=N&megabytes=N HTTP/1.1
/// then Host, Accept: application/json, User-Agent, x-node-region/-domain/-exclude
/// when set (non-null, non-empty), the extra header when named, Connection:
/// close and the blank line. A query in base.target is not used
/// (check url_is_base() when accepting the base URL).
/// Returns the bytes written (no NUL), or 0 when they do not fit in `cap`
/// (the caller reports message_too_large) or when a header value fails
/// header_value_ok() (never sent: it could inject headers). `params` is merged
/// and validated. Memory: none beyond `out`.
size_t write_token_request(char* out, size_t cap, const Url& base, const TokenParams& params,
                           const ExtraHeader& extra = ExtraHeader{});

/// Longest "user:password" (percent-decoded) a proxy's Basic authentication takes.
constexpr size_t kMaxProxyCredentials = 255;

/// Writes the tunnel request to a proxy (RFC 9110 section 9.3.6):
///   CONNECT host:port HTTP/1.1, Host: host:port, User-Agent, and with the
///   proxy's credentials Proxy-Authorization: Basic base64(user:password)
///   (percent-decoded first); then the blank line. An IPv6 host goes in [].
/// Returns the bytes written (no NUL), or 0 when they do not fit in `cap` or
/// the credentials are longer than kMaxProxyCredentials. Memory: 600 B of
/// stack (the decoded credentials and their base64), wiped before it returns;
/// the caller wipes `out` once sent.
size_t write_connect_request(char* out, size_t cap, StrView host, uint16_t port,
                             const ProxyUrl& proxy);

}  // namespace consensus
