/* SPDX-License-Identifier: MIT */
// Byte encodings the dev server needs: strict base64 (as the x402 decoders
// accept it), random ids, and Express-style ETags. Thin wrappers over mbedTLS
// and getrandom(2); the dev server is a tool, so std::string is fine here.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace devserver {

// Standard base64 with padding of `data`.
std::string base64_encode(const std::string& data);

// Decodes standard base64. Returns false unless `text` matches
// ^[A-Za-z0-9+/]*={0,2}$ (the check @x402/core applies) and decodes cleanly.
bool base64_decode(const std::string& text, std::string& out);

// Fills `buf` with `len` bytes from getrandom(2). Aborts the process when the
// kernel cannot supply them (a dev server without randomness is useless).
void random_bytes(uint8_t* buf, size_t len);

// A random RFC 4122 version 4 uuid in lower-case text form.
std::string random_uuid();

// "0x" followed by 2*`bytes` random lower-case hex digits.
std::string random_hex(size_t bytes);

// Express's weak ETag: W/"<len hex>-<first 27 chars of base64(sha1(body))>".
std::string express_etag(const std::string& body);

// Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 section 4.2.2).
std::string websocket_accept(const std::string& key);

}  // namespace devserver
