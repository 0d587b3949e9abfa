/* SPDX-License-Identifier: MIT */
// RFC 6455 opening handshake helpers: the client key, the check of the
// server's Sec-WebSocket-Accept, and the upgrade request bytes. No allocation;
// every output goes to a caller buffer of explicit size.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/strview.h"

namespace consensus::ws {

/// Length of a Sec-WebSocket-Key (base64 of 16 bytes) without the NUL.
constexpr size_t kKeyLen = 24;
/// Length of a Sec-WebSocket-Accept (base64 of a SHA-1) without the NUL.
constexpr size_t kAcceptLen = 28;

/// Sec-WebSocket-Key: base64 of the 16 random bytes, written as 24 characters
/// plus a NUL into out. No errors; no memory beyond out.
void make_key(const uint8_t random16[16], char out[25]);

/// True when accept (accept_len bytes, no NUL needed, no surrounding spaces)
/// equals base64(SHA-1(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11")).
/// key must be a NUL-terminated 24-character key (as from make_key); any other
/// key length, a null pointer or a wrong accept length gives false.
/// Cost: one SHA-1 context on the stack (~100 B), no heap.
bool accept_matches(const char* key, const char* accept, size_t accept_len);

/// The 101's headers the upgrade check needs (HttpResponseReader's
/// keep-list), indexed by UpgradeHeader.
constexpr const char* kUpgradeHeaderNames[] = {"upgrade", "connection", "sec-websocket-accept"};
enum UpgradeHeader : size_t { kUpgradeHeader = 0, kConnectionHeader = 1, kAcceptHeader = 2 };

/// Checks the headers of a 101 against RFC 6455 4.1: Upgrade is "websocket",
/// Connection lists "upgrade", and Sec-WebSocket-Accept matches key (see
/// accept_matches). Values are trimmed, not NUL-terminated. Returns nullptr
/// when the server accepted the upgrade, else a short static text naming
/// what is wrong. No memory beyond the stack of accept_matches.
const char* check_upgrade_response(StrView upgrade, StrView connection, StrView accept,
                                   const char* key);

/// The x-node-* routing headers; a null or empty value omits the header.
struct NodeHeaders {
    const char* region;
    const char* domain;
    const char* exclude;
};

/// Writes the upgrade request into out:
///   GET <target> HTTP/1.1, Host, Upgrade: websocket, Connection: Upgrade,
///   Sec-WebSocket-Key, Sec-WebSocket-Version: 13, User-Agent, then
///   x-node-region / x-node-domain / x-node-exclude when non-empty, blank line.
/// host_header / target are not NUL-terminated (explicit lengths); key and the
/// node values are NUL-terminated. No NUL is written after the request.
/// Returns the number of bytes written, or 0 (out contents then unspecified)
/// when the request does not fit in cap bytes, when host or target is empty,
/// when key is not 24 characters, or when any value contains a control
/// character (CR/LF would let a value inject headers).
size_t write_upgrade_request(char* out, size_t cap, const char* host_header, size_t host_len,
                             const char* target, size_t target_len, const char* key,
                             const NodeHeaders& node);

}  // namespace consensus::ws
