// SPDX-License-Identifier: MIT
// Mutated real responses through the reader: typed results only, never a crash
// or an out-of-bounds access (run under ASan/UBSan in CI).
#include <stdint.h>
#include <string.h>

#include "CppUTest/TestHarness.h"
#include "common/kept_headers.h"
#include "http/response.h"
#include "unit/http/vectors.h"

using namespace consensus;
using Status = HttpResponseReader::Status;
using testhdr::HeaderId;

namespace {

char g_raw[4096];
char g_buf[4096];
char g_work[1024];

uint32_t next(uint32_t* s) {
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

}  // namespace

TEST_GROUP(http_robustness){};

TEST(http_robustness, MutatedResponses) {
    const char* files[] = {"402-hybrid.http", "paid-200.http", "ws-101-response.http"};
    static const char kBytes[] = "\r\n :0123456789aZ\x00\x7f\xff-;";
    uint32_t seed = 0x9E3779B9u;
    const HttpLimits lim = {700, 16, 512};
    for (const char* f : files) {
        size_t len = vectors::read(f, g_raw, sizeof(g_raw));
        CHECK(len > 0);
        for (int round = 0; round < 3000; ++round) {
            memcpy(g_buf, g_raw, len);
            int edits = 1 + static_cast<int>(next(&seed) % 4);
            for (int e = 0; e < edits; ++e) {
                g_buf[next(&seed) % len] = kBytes[next(&seed) % (sizeof(kBytes) - 1)];
            }
            HttpResponseReader r;
            r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work),
                    static_cast<HttpResponseReader::Expect>(round % 3));
            size_t pos = 0;
            Status s = Status::need_more;
            while (pos < len && s == Status::need_more) {
                size_t piece = 1 + next(&seed) % 64;
                if (piece > len - pos) piece = len - pos;
                size_t used = 0;
                s = r.feed(reinterpret_cast<const uint8_t*>(g_buf) + pos, piece, &used);
                CHECK(used <= piece);
                pos += piece;
            }
            if (s == Status::need_more) s = r.finish();
            CHECK(s != Status::need_more);
            if (s == Status::error) {
                CHECK(r.error() == Error::bad_response || r.error() == Error::message_too_large);
                CHECK(strlen(r.error_detail()) > 0);
            } else {
                CHECK(r.error() == Error::ok);
                CHECK(r.body().size <= lim.max_body);
                for (int h = 0; h < static_cast<int>(HeaderId::count); ++h) {
                    StrView v = r.header(static_cast<size_t>(h));
                    CHECK(v.size == 0 || (v.data >= g_work && v.data + v.size <= g_work + 1024));
                }
            }
        }
    }
}
