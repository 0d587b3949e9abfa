// SPDX-License-Identifier: MIT
// HttpResponseReader over arbitrary bytes. Input: [flags][split seed][response...]
//   flags bits 0 and 4: what ends the response (Expect: response, upgrade,
//   tunnel); bit 1: tight limits; bit 2: small work area; bit 3: call
//   finish() (the peer's EOF) when the bytes run out.
// The work area is an exact-size heap block, so ASan sees any write past it.
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <memory>

#include "common/kept_headers.h"
#include "fuzz_util.h"
#include "http/response.h"

using consensus::Error;
using consensus::HttpLimits;
using consensus::HttpResponseReader;
using Status = HttpResponseReader::Status;
using testhdr::HeaderId;

namespace {

void check_result(const HttpResponseReader& r, Status s, const char* work, size_t work_len,
                  bool tunnel) {
    if (s == Status::error) {
        fuzz::require(r.error() == Error::bad_response || r.error() == Error::message_too_large,
                      "error status without a typed error");
        fuzz::require(r.error_detail() != nullptr && r.error_detail()[0] != '\0',
                      "error without a detail");
        return;
    }
    fuzz::require(r.error() == Error::ok, "error set on success");
    fuzz::require(r.status() >= 100 && r.status() <= 599, "status out of range");
    // A CONNECT's answer ends at its header block whatever its status (not 101).
    fuzz::require(s != Status::upgrade || r.status() == 101 || tunnel, "upgrade without 101");
    fuzz::require(!(tunnel && s == Status::upgrade && r.status() == 101), "101 opened a tunnel");
    for (size_t i = 0; i < static_cast<size_t>(testhdr::count); ++i) {
        fuzz::require(fuzz::view_inside(r.header(i), work, work_len),
                      "header view outside the work area");
    }
    fuzz::require(fuzz::view_inside(r.body(), work, work_len), "body outside the work area");
}

// Feeds after the end: a finished reader must stay put and consume nothing.
void check_sticky(HttpResponseReader& r, Status s, const uint8_t* data, size_t len) {
    size_t used = 1;
    const Status again = r.feed(data, len, &used);
    fuzz::require(again == s, "status changed after the end");
    fuzz::require(used == 0, "bytes consumed after the end");
}

// One pass over the input; `end` is the absolute offset where the response
// ended (complete/upgrade), else the bytes fed.
struct Pass {
    Status status = Status::need_more;
    size_t end = 0;
};

Pass run(HttpResponseReader& r, const uint8_t* data, size_t size, fuzz::Splitter split, bool eof) {
    Pass p;
    size_t pos = 0;
    while (pos < size && p.status == Status::need_more) {
        const size_t n = split.next(size - pos);
        size_t used = n + 1;
        p.status = r.feed(data + pos, n, &used);
        fuzz::require(used <= n, "consumed more than given");
        fuzz::require(p.status != Status::need_more || used == n,
                      "need_more without consuming all");
        pos += used;
        if (p.status != Status::need_more) break;
    }
    p.end = pos;
    if (p.status == Status::need_more && eof) {
        p.status = r.finish();
        fuzz::require(p.status != Status::need_more, "finish left the reader waiting");
    }
    return p;
}

bool same_view(consensus::StrView a, consensus::StrView b) {
    return a.size == b.size && (a.size == 0 || memcmp(a.data, b.data, a.size) == 0);
}

// Split points must not change the outcome: same status, code, kept headers,
// body and end offset as when the bytes come in one piece. Which error is
// reported may differ when a response is both malformed and over a limit:
// llhttp hands a partial name or value to the callbacks at the end of each
// piece (so a limit can fire first) but checks a whole piece before calling
// back (so the syntax error wins). Both are errors; only the type differs.
void check_same(const HttpResponseReader& a, Pass pa, const HttpResponseReader& b, Pass pb) {
    if (pa.status != pb.status) {
        fprintf(stderr, "whole: status %d (%s) end %zu; split: status %d (%s) end %zu\n",
                static_cast<int>(pa.status), a.error_detail(), pa.end, static_cast<int>(pb.status),
                b.error_detail(), pb.end);
    }
    fuzz::require(pa.status == pb.status, "split changed the status");
    if (pa.status == Status::error || pa.status == Status::need_more) return;
    fuzz::require(pa.end == pb.end, "split changed where the response ends");
    fuzz::require(a.status() == b.status(), "split changed the status code");
    for (size_t i = 0; i < static_cast<size_t>(testhdr::count); ++i) {
        const HeaderId id = static_cast<HeaderId>(i);
        fuzz::require(same_view(a.header(id), b.header(id)), "split changed a header");
    }
    fuzz::require(same_view(a.body(), b.body()), "split changed the body");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t flags = data[0];
    const uint8_t seed = data[1];
    data += 2;
    size -= 2;

    const bool tight = (flags & 2) != 0;
    const HttpLimits limits = tight ? HttpLimits{96, 4, 64} : HttpLimits{4096, 64, 4096};
    const size_t work_len = (flags & 4) != 0 ? 160 : 8192;
    // Bits 0 and 4: a plain response, an upgrade, or a CONNECT's answer.
    const auto expect =
        static_cast<HttpResponseReader::Expect>(((flags & 1) | ((flags >> 3) & 2)) % 3);
    const bool eof = (flags & 8) != 0;
    std::unique_ptr<char[]> work(new char[work_len]);
    std::unique_ptr<char[]> work_whole(new char[work_len]);

    HttpResponseReader whole;
    whole.begin(limits, testhdr::kKeep, work_whole.get(), work_len, expect);
    const Pass pw = run(whole, data, size, fuzz::Splitter(0, 1), eof);

    HttpResponseReader r;
    r.begin(limits, testhdr::kKeep, work.get(), work_len, expect);
    const Pass ps = run(r, data, size, fuzz::Splitter(seed, 97), eof);
    if (ps.status != Status::need_more) {
        check_result(r, ps.status, work.get(), work_len,
                     expect == HttpResponseReader::Expect::tunnel);
        check_sticky(r, ps.status, data, size);
    }
    check_same(whole, pw, r, ps);
    return 0;
}
