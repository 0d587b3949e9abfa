// SPDX-License-Identifier: MIT
// HTTP response reader: llhttp does the grammar, this file does the limits,
// the kept headers and the body arena.
#include "http/response.h"

#include <string.h>

#include "core/strview.h"

namespace consensus {

namespace {

constexpr int kMinStatus = 100;
constexpr int kMaxStatus = 599;
constexpr int kSwitchingProtocols = 101;
// on_headers_complete: 2 = no body, make llhttp_execute return HPE_PAUSED_UPGRADE.
constexpr int kHeadersUpgrade = 2;

HttpResponseReader* self(llhttp_t* p) {
    return static_cast<HttpResponseReader*>(p->data);
}

bool is_interim(int status) {
    return status >= kMinStatus && status < 200 && status != 101;
}

// RFC 9110 token characters: what a header name may consist of. llhttp lets
// some others through (e.g. a space inside the name).
bool tchar(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}

size_t offset_in(const char* pos, const uint8_t* data, size_t len) {
    const char* base = reinterpret_cast<const char*>(data);
    if (pos == nullptr || pos < base || pos > base + len) return len;
    return static_cast<size_t>(pos - base);
}

}  // namespace

void HttpResponseReader::begin(const HttpLimits& limits, const HeaderNames& keep, char* work,
                               size_t work_len, Expect expect) {
    llhttp_settings_init(&settings_);
    settings_.on_message_begin = on_message_begin;
    settings_.on_status = on_status;
    settings_.on_header_field = on_header_field;
    settings_.on_header_field_complete = on_header_field_complete;
    settings_.on_header_value = on_header_value;
    settings_.on_header_value_complete = on_header_value_complete;
    settings_.on_headers_complete = on_headers_complete;
    settings_.on_chunk_header = on_chunk_header;
    settings_.on_body = on_body;
    settings_.on_message_complete = on_message_complete;
    llhttp_init(&parser_, HTTP_RESPONSE, &settings_);
    parser_.data = this;
    limits_ = limits;
    keep_ = keep;
    if (keep_.names == nullptr) keep_.count = 0;
    if (keep_.count > kMaxKept) keep_.count = kMaxKept;
    work_ = work;
    work_len_ = work ? work_len : 0;
    expect_ = expect;
    state_ = Status::need_more;
    error_ = Error::ok;
    interim_seen_ = 0;
    detail_ = "";
    on_message_begin(&parser_);
}

int HttpResponseReader::on_message_begin(llhttp_t* p) {
    HttpResponseReader* r = self(p);
    r->used_ = 0;
    r->status_code_ = 0;
    r->major_ = 0;
    r->minor_ = 0;
    r->line_len_ = 0;
    r->headers_seen_ = 0;
    r->in_field_ = false;
    r->headers_done_ = false;
    r->name_len_ = 0;
    r->keeping_ = -1;
    for (size_t i = 0; i < kMaxKept; ++i) r->hdr_set_[i] = false;
    r->body_off_ = 0;
    r->body_len_ = 0;
    return 0;
}

int HttpResponseReader::fail(Error e, const char* detail) {
    if (error_ == Error::ok) {
        error_ = e;
        detail_ = detail;
    }
    state_ = Status::error;
    return HPE_USER;
}

bool HttpResponseReader::count_line(size_t n) {
    line_len_ += n;
    if (line_len_ <= limits_.max_header_line) return true;
    fail(Error::message_too_large,
         headers_seen_ == 0 ? "status line too long" : "header line too long");
    return false;
}

bool HttpResponseReader::append(const char* at, size_t n) {
    if (n > work_len_ - used_) {
        fail(Error::message_too_large, "work area full");
        return false;
    }
    for (size_t i = 0; i < n; ++i) work_[used_ + i] = at[i];
    used_ += n;
    return true;
}

int HttpResponseReader::on_status(llhttp_t* p, const char* /*at*/, size_t n) {
    return self(p)->count_line(n) ? 0 : HPE_USER;
}

int HttpResponseReader::on_header_field(llhttp_t* p, const char* at, size_t n) {
    HttpResponseReader* r = self(p);
    if (!r->in_field_) {
        r->in_field_ = true;
        r->line_len_ = 0;
        r->name_len_ = 0;
        r->keeping_ = -1;
        if (++r->headers_seen_ > r->limits_.max_headers) {
            return r->fail(Error::message_too_large, "too many headers");
        }
    }
    if (!r->count_line(n)) return HPE_USER;
    for (size_t i = 0; i < n; ++i) {
        if (at[i] == '\0' || !tchar(at[i])) return r->fail(Error::bad_response, "bad header name");
    }
    // Only names that fit the buffer can match a kept one; longer ones just count.
    for (size_t i = 0; i < n && r->name_len_ <= kNameBuf; ++i) {
        if (r->name_len_ < kNameBuf) r->name_[r->name_len_] = at[i];
        ++r->name_len_;
    }
    return 0;
}

int HttpResponseReader::on_header_field_complete(llhttp_t* p) {
    HttpResponseReader* r = self(p);
    r->in_field_ = false;
    if (r->headers_done_ || r->name_len_ > kNameBuf) return 0;  // trailers are never kept
    StrView name = make_view(r->name_, r->name_len_);
    for (size_t i = 0; i < r->keep_.count; ++i) {
        // First occurrence wins: a repeated header cannot replace what was read.
        if (!r->hdr_set_[i] && view_iequals(name, r->keep_.names[i])) {
            r->keeping_ = static_cast<int>(i);
            r->value_start_ = r->used_;
            break;
        }
    }
    return 0;
}

int HttpResponseReader::on_header_value(llhttp_t* p, const char* at, size_t n) {
    HttpResponseReader* r = self(p);
    if (!r->count_line(n)) return HPE_USER;
    if (r->keeping_ >= 0 && !r->append(at, n)) return HPE_USER;
    return 0;
}

int HttpResponseReader::on_header_value_complete(llhttp_t* p) {
    HttpResponseReader* r = self(p);
    if (r->keeping_ >= 0) {
        size_t id = static_cast<size_t>(r->keeping_);
        r->hdr_off_[id] = r->value_start_;
        r->hdr_len_[id] = r->used_ - r->value_start_;
        r->hdr_set_[id] = true;
        r->keeping_ = -1;
    }
    r->in_field_ = false;
    return 0;
}

int HttpResponseReader::check_headers() {
    if (major_ != 1 || minor_ > 1) {
        fail(Error::bad_response, "unsupported HTTP version");
        return -1;
    }
    if (status_code_ < kMinStatus || status_code_ > kMaxStatus) {
        fail(Error::bad_response, "bad status code");
        return -1;
    }
    if (status_code_ != kSwitchingProtocols) {
        if (expect_ != Expect::tunnel || is_interim(status_code_)) return 0;
        state_ = Status::upgrade;
        return kHeadersUpgrade;
    }
    if (expect_ != Expect::upgrade) {
        fail(Error::bad_response, "unexpected 101");
        return -1;
    }
    if (minor_ != 1) {
        fail(Error::bad_response, "HTTP/1.0 has no 101");
        return -1;
    }
    state_ = Status::upgrade;
    return kHeadersUpgrade;
}

// A body or chunk of n bytes, declared before any of them arrive: false (and
// failed) when they cannot fit in what max_body and the work area still leave.
// The detail names the smaller of the two rooms.
bool HttpResponseReader::declared_fits(uint64_t n) {
    const uint64_t body_room = limits_.max_body - body_len_;
    const uint64_t work_room = work_len_ - used_;
    if (n <= body_room && n <= work_room) return true;
    fail(Error::message_too_large, body_room <= work_room ? "body too long" : "work area full");
    return false;
}

int HttpResponseReader::on_headers_complete(llhttp_t* p) {
    HttpResponseReader* r = self(p);
    r->status_code_ = llhttp_get_status_code(p);
    r->major_ = llhttp_get_http_major(p);
    r->minor_ = llhttp_get_http_minor(p);
    r->headers_done_ = true;
    r->body_off_ = r->used_;
    r->body_len_ = 0;
    const int verdict = r->check_headers();
    if (verdict != 0) return verdict;  // an error, or an upgrade (no body)
    // llhttp 8.1 (llhttp__after_headers_complete) then reads a body of exactly
    // Content-Length bytes unless a Transfer-Encoding is given (chunked: see
    // on_chunk_header; any other: until EOF). Content-Length together with
    // Transfer-Encoding never gets here (llhttp refuses the pair).
    const bool sized =
        (p->flags & F_CONTENT_LENGTH) != 0 && (p->flags & (F_CHUNKED | F_TRANSFER_ENCODING)) == 0;
    if (sized && !r->declared_fits(p->content_length)) return HPE_USER;
    return 0;
}

// Called at the end of each chunk-size line, with the chunk's size in
// parser->content_length (0 for the last chunk).
int HttpResponseReader::on_chunk_header(llhttp_t* p) {
    return self(p)->declared_fits(p->content_length) ? 0 : HPE_USER;
}

int HttpResponseReader::on_body(llhttp_t* p, const char* at, size_t n) {
    HttpResponseReader* r = self(p);
    if (n > r->limits_.max_body - r->body_len_) {
        return r->fail(Error::message_too_large, "body too long");
    }
    if (!r->append(at, n)) return HPE_USER;
    r->body_len_ += n;
    return 0;
}

int HttpResponseReader::on_message_complete(llhttp_t* p) {
    HttpResponseReader* r = self(p);
    if (is_interim(r->status_code_)) {  // 100/102/103: the real answer follows, a few at most
        return ++r->interim_seen_ > kMaxInterim
                   ? r->fail(Error::bad_response, "too many interim (1xx) responses")
                   : 0;
    }
    if (r->state_ == Status::upgrade) return 0;  // llhttp pauses with HPE_PAUSED_UPGRADE
    r->state_ = Status::complete;
    return HPE_PAUSED;  // stop right after this response; the rest is not ours
}

HttpResponseReader::Status HttpResponseReader::feed(const uint8_t* data, size_t len,
                                                    size_t* consumed) {
    size_t dummy = 0;
    if (consumed == nullptr) consumed = &dummy;
    *consumed = 0;
    if (state_ != Status::need_more || len == 0) return state_;
    llhttp_errno_t e = llhttp_execute(&parser_, reinterpret_cast<const char*>(data), len);
    switch (e) {
        case HPE_OK:
            *consumed = len;
            return state_;
        case HPE_PAUSED:
        case HPE_PAUSED_UPGRADE:
            *consumed = offset_in(llhttp_get_error_pos(&parser_), data, len);
            if (state_ == Status::need_more) {  // llhttp upgraded on its own: not ours to accept
                fail(Error::bad_response, "unexpected upgrade");
            }
            return state_;
        default:
            *consumed = offset_in(llhttp_get_error_pos(&parser_), data, len);
            if (error_ == Error::ok) {
                const char* reason = llhttp_get_error_reason(&parser_);
                fail(Error::bad_response, reason ? reason : "malformed HTTP");
            }
            state_ = Status::error;
            return state_;
    }
}

HttpResponseReader::Status HttpResponseReader::finish() {
    if (state_ != Status::need_more) return state_;
    llhttp_finish(&parser_);
    if (state_ == Status::need_more) fail(Error::bad_response, "connection closed early");
    return state_;
}

StrView HttpResponseReader::header(size_t i) const {
    if (i >= keep_.count || !hdr_set_[i]) return StrView{};
    return view_trim(make_view(work_ + hdr_off_[i], hdr_len_[i]));
}

StrView HttpResponseReader::body() const {
    return make_view(work_ + body_off_, body_len_);
}

}  // namespace consensus
