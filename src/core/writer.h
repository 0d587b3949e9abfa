/* SPDX-License-Identifier: MIT */
// Bounded text writer for request bytes (the token request, the WebSocket
// upgrade): appends into a caller buffer, all or nothing. Once an append does
// not fit or a header value is refused, the writer stays failed and result()
// is 0, so a builder chains its appends and checks once. No allocation.
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "consensus/strview.h"

namespace consensus {

/// Sent as User-Agent on the token request and the WebSocket upgrade.
constexpr char kUserAgent[] = "consensus-ws/0.1.0";

/// True when v may be sent as an HTTP header value: printable ASCII only (no
/// CR/LF, so no header injection), no leading or trailing space. Empty is true.
bool header_value_ok(const char* v, size_t n);

class BoundedWriter {
  public:
    BoundedWriter(char* out, size_t cap) : out_(out), cap_(out != nullptr ? cap : 0) {}

    void put(const char* s, size_t n);
    void put(StrView v) { put(v.data, v.size); }
    void put(const char* s) { put(s, strlen(s)); }
    /// Decimal digits of v.
    void put_uint(uint64_t v);
    /// "name: value\r\n"; a value that fails header_value_ok() fails the writer.
    void header(const char* name, StrView value);
    /// header() when value is non-null and non-empty; else nothing.
    void optional_header(const char* name, const char* value);
    void fail() { ok_ = false; }

    /// Bytes written (no NUL), or 0 after any failure.
    size_t result() const { return ok_ ? len_ : 0; }

  private:
    char* out_;
    size_t cap_;
    size_t len_ = 0;
    bool ok_ = true;
};

}  // namespace consensus
