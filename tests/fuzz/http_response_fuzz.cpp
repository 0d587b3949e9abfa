// HttpResponseReader over arbitrary bytes. Input: [flags][split seed][response...]
//   flags bit 0: expect_upgrade; bit 1: tight limits; bit 2: small work area;
//   bit 3: call finish() (the peer's EOF) when the bytes run out.
// The work area is an exact-size heap block, so ASan sees any write past it.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>

#include "fuzz_util.h"
#include "http/response.h"

using consensus::Error;
using consensus::HeaderId;
using consensus::HttpLimits;
using consensus::HttpResponseReader;
using Status = HttpResponseReader::Status;

namespace {

void check_result(const HttpResponseReader& r, Status s, const char* work, size_t work_len) {
    if (s == Status::error) {
        fuzz::require(r.error() == Error::bad_response || r.error() == Error::message_too_large,
                      "error status without a typed error");
        fuzz::require(r.error_detail() != nullptr && r.error_detail()[0] != '\0',
                      "error without a detail");
        return;
    }
    fuzz::require(r.error() == Error::ok, "error set on success");
    fuzz::require(r.status() >= 100 && r.status() <= 599, "status out of range");
    fuzz::require(s != Status::upgrade || r.status() == 101, "upgrade without 101");
    for (size_t i = 0; i < static_cast<size_t>(HeaderId::count); ++i) {
        fuzz::require(fuzz::view_inside(r.header(static_cast<HeaderId>(i)), work, work_len),
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

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 2) return 0;
    const uint8_t flags = data[0];
    fuzz::Splitter split(data[1], 97);
    data += 2;
    size -= 2;

    const bool tight = (flags & 2) != 0;
    const HttpLimits limits = tight ? HttpLimits{96, 4, 64} : HttpLimits{4096, 64, 4096};
    const size_t work_len = (flags & 4) != 0 ? 160 : 8192;
    std::unique_ptr<char[]> work(new char[work_len]);

    HttpResponseReader r;
    r.begin(limits, work.get(), work_len, (flags & 1) != 0);
    size_t pos = 0;
    Status s = Status::need_more;
    while (pos < size && s == Status::need_more) {
        const size_t n = split.next(size - pos);
        size_t used = n + 1;
        s = r.feed(data + pos, n, &used);
        fuzz::require(used <= n, "consumed more than given");
        fuzz::require(s != Status::need_more || used == n, "need_more without consuming all");
        pos += n;
    }
    if (s == Status::need_more && (flags & 8) != 0) {
        s = r.finish();
        fuzz::require(s != Status::need_more, "finish left the reader waiting");
    }
    if (s != Status::need_more) {
        check_result(r, s, work.get(), work_len);
        check_sticky(r, s, data, size);
    }
    return 0;
}
