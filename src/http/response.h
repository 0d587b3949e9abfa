/* SPDX-License-Identifier: MIT */
// Incremental HTTP/1.1 response reader over llhttp, with the hard limits llhttp
// lacks (llhttp has no limits of its own on header lines, header counts or body
// size: it accepted a 1 MiB header value). Sans-I/O: bytes in, status/headers/body out.
#pragma once

#include <llhttp.h>
#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/strview.h"

namespace consensus {

/// The response headers a caller wants kept, by name (matched
/// case-insensitively); all others are only counted. The names must outlive
/// the response. The reader knows no header by name: the layers above
/// (x402, ws) say what they need.
struct HeaderNames {
    const char* const* names;
    size_t count;  // at most HttpResponseReader::kMaxKept
};

/// HeaderNames of a whole array of names.
template <size_t N>
constexpr HeaderNames header_names(const char* const (&names)[N]) {
    return HeaderNames{names, N};
}

struct HttpLimits {
    uint32_t max_header_line;  // status line, or one header's name + value, in bytes
    uint16_t max_headers;      // header fields of the response (trailers included)
    uint32_t max_body;         // body bytes after de-chunking
};

/// Memory: sizeof(HttpResponseReader) (560 B on x86_64: llhttp parser + settings
/// + bookkeeping) plus the caller's work area, which holds the kept header values
/// (first occurrence wins) followed by the body. Nothing is allocated.
class HttpResponseReader {
  public:
    enum class Status : uint8_t { need_more, complete, upgrade, error };
    static constexpr size_t kMaxKept = 8;
    /// Interim 1xx responses skipped before the real one; more is bad_response
    /// (a server streaming "100 Continue" must not hold a request forever).
    static constexpr uint32_t kMaxInterim = 4;

    /// What ends the response besides its body.
    enum class Expect : uint8_t {
        response,  // a 101 is bad_response
        upgrade,   // an HTTP/1.1 101 ends at its header block with Status::upgrade
                   // (the caller checks the protocol's own headers); an HTTP/1.0 101
                   // is bad_response
        tunnel,    // the answer to a CONNECT: any final status ends at its header
                   // block with Status::upgrade, no body read (a 2xx opens the
                   // tunnel; the caller refuses the others); a 101 is bad_response
    };

    /// Starts reading one response. `work` holds kept header values and the body.
    /// keep: the headers to keep (the first kMaxKept names are used).
    /// Interim 1xx responses (100, 102, 103) are skipped, at most kMaxInterim.
    void begin(const HttpLimits& limits, const HeaderNames& keep, char* work, size_t work_len,
               Expect expect);

    /// Feeds bytes in any split. need_more: all consumed. complete: the response
    /// ended, *consumed = bytes used. upgrade: *consumed = offset of the first byte
    /// after the header block (WebSocket bytes may follow). error: sticky, see
    /// error(). After complete/upgrade, further calls return the same with *consumed 0.
    Status feed(const uint8_t* data, size_t len, size_t* consumed);

    /// The peer closed (EOF): completes a body delimited by EOF; otherwise error
    /// (bad_response, "connection closed early"). Returns complete/upgrade when done.
    Status finish();

    /// ok until an error; then bad_response (malformed HTTP, version other than
    /// 1.0/1.1, HTTP/1.0 101, status outside 100..599, invalid 101) or
    /// message_too_large (a limit or the work area exceeded). A declared size
    /// is checked when it is declared: a Content-Length at the end of the
    /// header block, a chunk size at the end of its line, each against what
    /// max_body and the work area still leave; too much is refused there,
    /// before any of its bytes ("body too long" or "work area full", after
    /// the room that is smaller).
    Error error() const { return error_; }
    /// Short static text about the error ("" when none), e.g. "header line too long".
    const char* error_detail() const { return detail_; }
    int status() const { return status_code_; }
    int http_major() const { return major_; }
    int http_minor() const { return minor_; }
    /// The value of keep.names[index], trimmed; empty when absent (or index out of range).
    StrView header(size_t index) const;
    /// The body received so far (whole once complete).
    StrView body() const;

  private:
    static int on_message_begin(llhttp_t* p);
    static int on_status(llhttp_t* p, const char* at, size_t n);
    static int on_header_field(llhttp_t* p, const char* at, size_t n);
    static int on_header_field_complete(llhttp_t* p);
    static int on_header_value(llhttp_t* p, const char* at, size_t n);
    static int on_header_value_complete(llhttp_t* p);
    static int on_headers_complete(llhttp_t* p);
    static int on_chunk_header(llhttp_t* p);
    static int on_body(llhttp_t* p, const char* at, size_t n);
    static int on_message_complete(llhttp_t* p);

    int fail(Error e, const char* detail);
    bool count_line(size_t n);
    bool append(const char* at, size_t n);
    bool declared_fits(uint64_t n);
    int check_headers();

    static constexpr size_t kNameBuf = 24;  // longer names are never kept

    llhttp_t parser_{};
    llhttp_settings_t settings_{};
    HttpLimits limits_{};
    HeaderNames keep_{nullptr, 0};
    char* work_ = nullptr;
    size_t work_len_ = 0;
    size_t used_ = 0;
    Expect expect_ = Expect::response;
    Status state_ = Status::error;
    Error error_ = Error::ok;
    const char* detail_ = "";
    int status_code_ = 0;
    uint32_t interim_seen_ = 0;
    int major_ = 0;
    int minor_ = 0;
    // Header being read.
    size_t line_len_ = 0;
    uint32_t headers_seen_ = 0;
    bool in_field_ = false;
    bool headers_done_ = false;
    char name_[kNameBuf] = {};
    size_t name_len_ = 0;
    int keeping_ = -1;  // index in keep_ being stored, -1 none
    size_t value_start_ = 0;
    // Kept headers: offset + size in the work area.
    size_t hdr_off_[kMaxKept] = {};
    size_t hdr_len_[kMaxKept] = {};
    bool hdr_set_[kMaxKept] = {};
    size_t body_off_ = 0;
    size_t body_len_ = 0;
};

}  // namespace consensus
