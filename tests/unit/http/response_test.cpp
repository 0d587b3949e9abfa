// SPDX-License-Identifier: MIT
#include "http/response.h"

#include <stdint.h>
#include <string.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "common/kept_headers.h"
#include "unit/http/vectors.h"

using namespace consensus;
using Status = HttpResponseReader::Status;
using testhdr::HeaderId;

namespace {

constexpr HttpLimits kDefaultLimits = {4096, 64, 4096};

char g_raw[1 << 16];
char g_work[16384];

const uint8_t* bytes(const char* s) {
    return reinterpret_cast<const uint8_t*>(s);
}

bool view_is(StrView v, const char* s, size_t n) {
    return v.size == n && (n == 0 || memcmp(v.data, s, n) == 0);
}
bool view_is(StrView v, const char* s) {
    return view_is(v, s, strlen(s));
}

// Feeds `raw` in pieces: `split` = 0 one shot, 1 a byte at a time, else two
// pieces cut at split. Returns the final status; *used = total bytes consumed.
Status feed_split(HttpResponseReader* r, const char* raw, size_t len, size_t split, size_t* used) {
    *used = 0;
    Status s = Status::need_more;
    size_t pos = 0;
    while (pos < len) {
        size_t piece = split == 1 ? 1 : (split == 0 || pos >= split ? len - pos : split - pos);
        size_t c = 0;
        s = r->feed(bytes(raw) + pos, piece, &c);
        *used += c;
        if (s != Status::need_more) return s;
        CHECK_EQUAL(piece, c);
        pos += piece;
    }
    return s;
}

Status feed_all(HttpResponseReader* r, const char* raw, size_t* used = nullptr) {
    size_t dummy = 0;
    return feed_split(r, raw, strlen(raw), 0, used ? used : &dummy);
}

// `raw` ends with the byte that declares a size that cannot fit (the end of
// the header block, or of a chunk-size line): at every split into two feeds,
// and a byte per feed, every feed before that byte needs more and the one
// with it is message_too_large with `detail`.
void expect_refused_at_last_byte(HttpResponseReader* r, const HttpLimits& lim, char* work,
                                 size_t work_len, const char* raw, const char* detail) {
    const size_t len = strlen(raw);
    for (size_t split = 1; split <= len; ++split) {
        r->begin(lim, testhdr::kKeep, work, work_len, HttpResponseReader::Expect::response);
        size_t c = 0;
        if (split < len) {
            CHECK_TEXT(r->feed(bytes(raw), split, &c) == Status::need_more, raw);
            LONGS_EQUAL(split, c);
        }
        CHECK_TEXT(r->feed(bytes(raw) + split % len, len - split % len, &c) == Status::error, raw);
        CHECK_TEXT(r->error() == Error::message_too_large, raw);
        STRCMP_EQUAL(detail, r->error_detail());
    }
    r->begin(lim, testhdr::kKeep, work, work_len, HttpResponseReader::Expect::response);
    for (size_t i = 0; i + 1 < len; ++i) {
        CHECK_TEXT(r->feed(bytes(raw) + i, 1, nullptr) == Status::need_more, raw);
    }
    CHECK_TEXT(r->feed(bytes(raw) + len - 1, 1, nullptr) == Status::error, raw);
    CHECK_TEXT(r->error() == Error::message_too_large, raw);
    STRCMP_EQUAL(detail, r->error_detail());
}

// The same bytes in every split and a byte at a time: never an error, and
// the last feed completes the response with `body`.
void expect_complete(HttpResponseReader* r, const HttpLimits& lim, const char* raw,
                     const char* body) {
    const size_t len = strlen(raw);
    for (size_t split = 0; split < len; ++split) {
        r->begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
        size_t used = 0;
        CHECK_TEXT(feed_split(r, raw, len, split, &used) == Status::complete, raw);
        LONGS_EQUAL(len, used);
        CHECK(view_is(r->body(), body));
    }
}

}  // namespace

TEST_GROUP(response) {
    HttpResponseReader r;
    void setup() override {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::response);
    }
};

// Every captured 402 at every split point: the same status, kept header and body.
TEST(response, Captured402AtEverySplit) {
    for (size_t f = 0; f < vectors::k402Count; ++f) {
        size_t len = vectors::read(vectors::k402Files[f], g_raw, sizeof(g_raw));
        CHECK_TEXT(len > 0, vectors::k402Files[f]);
        size_t pr_len = 0;
        const char* pr = vectors::raw_header(g_raw, "PAYMENT-REQUIRED", &pr_len);
        size_t prs_len = 0;
        const char* prs = vectors::raw_header(g_raw, "PAYMENT-RESPONSE", &prs_len);
        size_t ct_len = 0;
        const char* ct = vectors::raw_header(g_raw, "Content-Type", &ct_len);
        size_t body_at = vectors::body_offset(g_raw);
        CHECK(pr != nullptr || prs != nullptr);
        for (size_t split = 0; split < len; ++split) {
            r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                    HttpResponseReader::Expect::response);
            size_t used = 0;
            Status s = feed_split(&r, g_raw, len, split, &used);
            CHECK_TEXT(s == Status::complete, vectors::k402Files[f]);
            LONGS_EQUAL(len, used);
            LONGS_EQUAL(402, r.status());
            LONGS_EQUAL(1, r.http_major());
            LONGS_EQUAL(1, r.http_minor());
            CHECK(view_is(r.body(), g_raw + body_at, len - body_at));
            CHECK(pr ? view_is(r.header(HeaderId::payment_required), pr, pr_len)
                     : r.header(HeaderId::payment_required).size == 0);
            CHECK(prs ? view_is(r.header(HeaderId::payment_response), prs, prs_len)
                      : r.header(HeaderId::payment_response).size == 0);
            CHECK(view_is(r.header(HeaderId::content_type), ct, ct_len));
            CHECK(r.error() == Error::ok);
        }
    }
}

TEST(response, Paid200AtEverySplit) {
    size_t len = vectors::read("paid-200.http", g_raw, sizeof(g_raw));
    CHECK(len > 0);
    for (size_t split = 0; split < len; ++split) {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::response);
        size_t used = 0;
        CHECK(feed_split(&r, g_raw, len, split, &used) == Status::complete);
        LONGS_EQUAL(len, used);
        LONGS_EQUAL(200, r.status());
        LONGS_EQUAL(155, r.body().size);
        CHECK(strncmp(r.body().data, "{\"token\":\"05b0fc44", 18) == 0);
        STRNCMP_EQUAL("eyJzdWNjZXNzIjp0cnVl", r.header(HeaderId::payment_response).data, 20);
    }
}

TEST(response, WebSocket101AtEverySplit) {
    size_t len = vectors::read("ws-101-response.http", g_raw, sizeof(g_raw));
    CHECK(len > 0);
    // A frame glued to the response: it must be left for the WebSocket layer.
    const char frame[] = "\x81\x05hello";
    memcpy(g_raw + len, frame, sizeof(frame) - 1);
    size_t total = len + sizeof(frame) - 1;
    for (size_t split = 0; split < total; ++split) {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::upgrade);
        size_t used = 0;
        CHECK(feed_split(&r, g_raw, total, split, &used) == Status::upgrade);
        LONGS_EQUAL(len, used);
        LONGS_EQUAL(101, r.status());
        CHECK(view_is(r.header(HeaderId::sec_websocket_accept), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="));
        CHECK(view_is(r.header(HeaderId::upgrade), "websocket"));
        CHECK(view_is(r.header(HeaderId::connection), "Upgrade"));
    }
    size_t c = 99;
    CHECK(r.feed(bytes("x"), 1, &c) == Status::upgrade);  // stays upgraded
    LONGS_EQUAL(0, c);
    CHECK(r.finish() == Status::upgrade);
}

TEST(response, WebSocket401EndsAtEof) {
    size_t len = vectors::read("ws-401-unknown-token.http", g_raw, sizeof(g_raw));
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::upgrade);
    size_t used = 0;
    CHECK(feed_split(&r, g_raw, len, 0, &used) == Status::need_more);
    CHECK(r.finish() == Status::complete);
    LONGS_EQUAL(401, r.status());
    LONGS_EQUAL(0, r.body().size);
}

TEST(response, UpgradeConnectionTokenList) {
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::upgrade);
    CHECK(feed_all(&r,
                   "HTTP/1.1 101 S\r\nupgrade:  WebSocket \r\nCONNECTION: keep-alive, "
                   "Upgrade\r\n\r\n") == Status::upgrade);
}

// The WebSocket headers of a 101 are checked by ws/handshake
// (handshake.Invalid101Headers); HTTP/1.0 has no 101 at all.
TEST(response, Http10With101IsBadResponse) {
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::upgrade);
    CHECK(feed_all(&r, "HTTP/1.0 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n") ==
          Status::error);
    CHECK(r.error() == Error::bad_response);
    STRCMP_EQUAL("HTTP/1.0 has no 101", r.error_detail());
}

TEST(response, Unexpected101IsBadResponse) {
    CHECK(feed_all(&r, "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n") ==
          Status::error);
    CHECK(r.error() == Error::bad_response);
    STRCMP_EQUAL("unexpected 101", r.error_detail());
}

TEST(response, ExpectUpgradeStillReadsOtherAnswers) {
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::upgrade);
    CHECK(feed_all(&r, "HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope") ==
          Status::complete);
    LONGS_EQUAL(403, r.status());
    CHECK(view_is(r.body(), "nope"));
}

TEST(response, ChunkedBodyAtEverySplit) {
    const char* raw =
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
        "4\r\n{\"a\"\r\n3;ext=1\r\n:1}\r\n0\r\nPayment-Required: trailer\r\n\r\nEXTRA";
    size_t len = strlen(raw);
    for (size_t split = 0; split < len; ++split) {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::response);
        size_t used = 0;
        CHECK(feed_split(&r, raw, len, split, &used) == Status::complete);
        LONGS_EQUAL(len - 5, used);  // stops before the bytes after the response
        CHECK(view_is(r.body(), "{\"a\":1}"));
        LONGS_EQUAL(0, r.header(HeaderId::payment_required).size);  // trailers are not kept
        CHECK(view_is(r.header(HeaderId::content_type), "application/json"));
    }
}

TEST(response, BodyUntilEofAtEverySplit) {
    const char* raw = "HTTP/1.1 500 Oops\r\nContent-Type: text/plain\r\n\r\nhello world";
    size_t len = strlen(raw);
    for (size_t split = 0; split < len; ++split) {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::response);
        size_t used = 0;
        CHECK(feed_split(&r, raw, len, split, &used) == Status::need_more);
        CHECK(r.finish() == Status::complete);
        CHECK(view_is(r.body(), "hello world"));
        LONGS_EQUAL(500, r.status());
    }
}

TEST(response, EarlyEofIsAnError) {
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc") == Status::need_more);
    CHECK(r.finish() == Status::error);
    CHECK(r.error() == Error::bad_response);
    STRCMP_EQUAL("connection closed early", r.error_detail());

    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);
    CHECK(r.finish() == Status::error);  // nothing at all
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Le") == Status::need_more);
    CHECK(r.finish() == Status::error);
}

TEST(response, InterimResponsesAreSkipped) {
    CHECK(feed_all(&r,
                   "HTTP/1.1 100 Continue\r\nLocation: /a\r\n\r\nHTTP/1.1 200 OK\r\n"
                   "Content-Length: 2\r\n\r\nok") == Status::complete);
    LONGS_EQUAL(200, r.status());
    CHECK(view_is(r.body(), "ok"));
    LONGS_EQUAL(0, r.header(HeaderId::location).size);
}

TEST(response, AtMostFourInterimResponses) {
    std::string four;
    for (int i = 0; i < 4; ++i) four += "HTTP/1.1 100 Continue\r\n\r\n";
    CHECK(feed_all(&r, (four + "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").c_str()) ==
          Status::complete);
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);
    CHECK(
        feed_all(&r, (four + "HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\n\r\n").c_str()) ==
        Status::error);
    CHECK(r.error() == Error::bad_response);
    STRCMP_EQUAL("too many interim (1xx) responses", r.error_detail());
}

TEST(response, HeadersCaseTrimAndFirstWins) {
    CHECK(feed_all(&r,
                   "HTTP/1.1 302 Found\r\nlocation:   /first  \r\nLOCATION: /second\r\n"
                   "payment-required: abc=\r\nContent-Length: 0\r\n\r\n") == Status::complete);
    CHECK(view_is(r.header(HeaderId::location), "/first"));
    CHECK(view_is(r.header(HeaderId::payment_required), "abc="));
    LONGS_EQUAL(0, r.header(HeaderId::sec_websocket_accept).size);
    LONGS_EQUAL(0, r.header(HeaderId::count).size);
}

TEST(response, CompleteIsStickyAndReportsConsumed) {
    size_t used = 0;
    CHECK(feed_all(&r, "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", &used) ==
          Status::complete);
    LONGS_EQUAL(strlen("HTTP/1.1 204 No Content\r\n\r\n"), used);
    size_t c = 5;
    CHECK(r.feed(bytes("abc"), 3, &c) == Status::complete);
    LONGS_EQUAL(0, c);
    CHECK(r.finish() == Status::complete);
    CHECK(r.feed(bytes("abc"), 0, nullptr) == Status::complete);
}

TEST(response, MalformedResponses) {
    const char* cases[] = {
        "FOO/1.1 200 OK\r\n\r\n",
        "HTTP/1.1 200 OK\nContent-Length: 0\n\n",
        "HTTP/1.1 200 OK\r\nBad Header : x\r\n\r\n",
        "HTTP/1.1 200 OK\r\nX: a\x01b\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
        "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/2.0 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.2 200 OK\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 099 Low\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n",
        "HTTP/1.1 abc OK\r\n\r\n",
    };
    for (const char* c : cases) {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::response);
        CHECK_TEXT(feed_all(&r, c) == Status::error, c);
        CHECK_TEXT(r.error() == Error::bad_response, c);
        CHECK(strlen(r.error_detail()) > 0);
        size_t used = 7;
        CHECK(r.feed(bytes("HTTP/1.1 200 OK\r\n\r\n"), 19, &used) == Status::error);  // sticky
        LONGS_EQUAL(0, used);
        CHECK(r.finish() == Status::error);
    }
}

TEST(response, Http10IsAccepted) {
    CHECK(feed_all(&r, "HTTP/1.0 200 OK\r\n\r\nbody") == Status::need_more);
    CHECK(r.finish() == Status::complete);
    LONGS_EQUAL(0, r.http_minor());
}

TEST(response, HeaderLineLimit) {
    HttpLimits lim = {32, 64, 4096};
    // "Location" (8) + value (24) = 32: exactly at the limit.
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r,
                   "HTTP/1.1 200 OK\r\nLocation: 123456789012345678901234\r\n"
                   "Content-Length: 0\r\n\r\n") == Status::complete);
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nLocation: 1234567890123456789012345\r\n\r\n") ==
          Status::error);
    CHECK(r.error() == Error::message_too_large);
    STRCMP_EQUAL("header line too long", r.error_detail());
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 A-very-long-reason-phrase-indeed-yes\r\n\r\n") ==
          Status::error);
    STRCMP_EQUAL("status line too long", r.error_detail());
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);  // a long ignored header counts too
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nX-Ignored-Header-With-A-Long-Name: v\r\n\r\n") ==
          Status::error);
    CHECK(r.error() == Error::message_too_large);
}

TEST(response, HeaderCountLimit) {
    HttpLimits lim = {4096, 3, 4096};
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nContent-Length: 0\r\n\r\n") ==
          Status::complete);
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nA: 1\r\nB: 2\r\nC: 3\r\nContent-Length: 0\r\n\r\n") ==
          Status::error);
    CHECK(r.error() == Error::message_too_large);
    STRCMP_EQUAL("too many headers", r.error_detail());
}

TEST(response, BodyLimit) {
    HttpLimits lim = {4096, 64, 4};
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nabcd") == Status::complete);
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nabcde") == Status::error);
    CHECK(r.error() == Error::message_too_large);
    STRCMP_EQUAL("body too long", r.error_detail());
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);  // chunked: counted after de-chunking
    CHECK(feed_all(&r,
                   "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n"
                   "2\r\nde\r\n0\r\n\r\n") == Status::error);
    CHECK(r.error() == Error::message_too_large);
}

// A Content-Length that cannot fit is refused at the end of the header
// block: the body is never waited for.
TEST(response, DeclaredBodyOverLimitRefusedAtHeaderBlock) {
    const HttpLimits lim = {4096, 64, 100};
    expect_refused_at_last_byte(&r, lim, g_work, sizeof(g_work),
                                "HTTP/1.1 200 OK\r\nContent-Length: 101\r\n\r\n", "body too long");
    expect_refused_at_last_byte(&r, lim, g_work, sizeof(g_work),
                                "HTTP/1.1 402 Payment Required\r\nLocation: /x\r\n"
                                "Content-Length: 100000000\r\nContent-Type: a/b\r\n\r\n",
                                "body too long");
    expect_refused_at_last_byte(&r, lim, g_work, sizeof(g_work),
                                "HTTP/1.0 500 Oops\r\nContent-Length: 18446744073709551615\r\n\r\n",
                                "body too long");
    // Within max_body but not within what the work area has left after the
    // kept headers (8 bytes, "/12" kept): refused the same way.
    char small[8];
    expect_refused_at_last_byte(&r, kDefaultLimits, small, sizeof(small),
                                "HTTP/1.1 200 OK\r\nLocation: /12\r\nContent-Length: 6\r\n\r\n",
                                "work area full");
    // Exactly at the limit: the body is waited for and read.
    const std::string body(100, 'b');
    expect_complete(&r, lim, ("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + body).c_str(),
                    body.c_str());
    r.begin(kDefaultLimits, testhdr::kKeep, small, sizeof(small),
            HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nLocation: /12\r\nContent-Length: 5\r\n\r\n12345") ==
          Status::complete);
    // No body follows a 101: its Content-Length declares nothing to read.
    r.begin(lim, testhdr::kKeep, g_work, sizeof(g_work), HttpResponseReader::Expect::upgrade);
    CHECK(feed_all(&r,
                   "HTTP/1.1 101 S\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Content-Length: 100000000\r\n\r\n") == Status::upgrade);
}

// A chunk size that cannot fit in what max_body (or the work area) still
// leaves is refused at the end of its line, before any of its data.
TEST(response, DeclaredChunkOverLimitRefusedAtChunkHeader) {
    const HttpLimits lim = {4096, 64, 10};
    const std::string head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (const char* chunks :
         {"B\r\n", "FFFFFFFF\r\n", "4\r\nabcd\r\n7\r\n", "4\r\nabcd\r\n7;ext=1\r\n",
          "4\r\nabcd\r\n0006\r\nabcdef\r\n1\r\n"}) {
        expect_refused_at_last_byte(&r, lim, g_work, sizeof(g_work), (head + chunks).c_str(),
                                    "body too long");
    }
    char small[8];
    expect_refused_at_last_byte(&r, kDefaultLimits, small, sizeof(small),
                                (head + "5\r\nabcde\r\n4\r\n").c_str(), "work area full");
    // Exactly what is left: read to the end.
    expect_complete(&r, lim, (head + "4\r\nabcd\r\n6\r\nabcdef\r\n0\r\n\r\n").c_str(),
                    "abcdabcdef");
}

TEST(response, WorkAreaLimit) {
    char small[8];
    r.begin(kDefaultLimits, testhdr::kKeep, small, sizeof(small),
            HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nLocation: /1234567\r\nContent-Length: 0\r\n\r\n") ==
          Status::complete);  // 8 bytes kept: fits exactly
    r.begin(kDefaultLimits, testhdr::kKeep, small, sizeof(small),
            HttpResponseReader::Expect::response);
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nLocation: /12345678\r\n\r\n") == Status::error);
    CHECK(r.error() == Error::message_too_large);
    STRCMP_EQUAL("work area full", r.error_detail());
    r.begin(kDefaultLimits, testhdr::kKeep, small, sizeof(small),
            HttpResponseReader::Expect::response);  // header + body share the area
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nLocation: /12\r\nContent-Length: 6\r\n\r\n123456") ==
          Status::error);
    STRCMP_EQUAL("work area full", r.error_detail());
    r.begin(kDefaultLimits, testhdr::kKeep, nullptr, 100,
            HttpResponseReader::Expect::response);  // no area: bodies cannot be kept
    CHECK(feed_all(&r, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx") == Status::error);
    CHECK(r.error() == Error::message_too_large);
}

TEST(response, TenThousandHeaders) {
    size_t n = 0;
    n += static_cast<size_t>(snprintf(g_raw, sizeof(g_raw), "HTTP/1.1 200 OK\r\n"));
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);
    Status s = r.feed(bytes(g_raw), n, nullptr);
    for (int i = 0; i < 10000 && s == Status::need_more; ++i) {
        s = r.feed(bytes("X-H: v\r\n"), 8, nullptr);
    }
    CHECK(s == Status::error);
    CHECK(r.error() == Error::message_too_large);
    STRCMP_EQUAL("too many headers", r.error_detail());
}

TEST(response, OneMegabyteHeaderLine) {
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::response);
    const char* head = "HTTP/1.1 200 OK\r\nX-Big: ";
    Status s = r.feed(bytes(head), strlen(head), nullptr);
    static char chunk[4096];
    memset(chunk, 'a', sizeof(chunk));
    size_t fed = 0;
    while (s == Status::need_more && fed < (1u << 20)) {
        s = r.feed(bytes(chunk), sizeof(chunk), nullptr);
        fed += sizeof(chunk);
    }
    CHECK(s == Status::error);
    CHECK(fed <= 2 * sizeof(chunk));  // refused as soon as the limit was passed
    CHECK(r.error() == Error::message_too_large);
    STRCMP_EQUAL("header line too long", r.error_detail());
}

TEST(response, TunnelEndsAtTheHeaderBlockWhateverTheStatus) {
    const char* answers[] = {"HTTP/1.1 200 Connection established\r\n\r\n",
                             "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\n",
                             "HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: "
                             "5\r\n\r\n",
                             "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n"};
    const int status[] = {200, 200, 407, 204};
    for (size_t i = 0; i < 4; ++i) {
        r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
                HttpResponseReader::Expect::tunnel);
        const std::string text = std::string(answers[i]) + "after";
        size_t used = 0;
        CHECK(r.feed(bytes(text.c_str()), text.size(), &used) == Status::upgrade);
        LONGS_EQUAL(text.size() - 5, used);  // the bytes after it are the tunnel's
        LONGS_EQUAL(status[i], r.status());
    }
}

TEST(response, TunnelRefusesA101) {
    r.begin(kDefaultLimits, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::tunnel);
    CHECK(feed_all(&r, "HTTP/1.1 101 Switching Protocols\r\n\r\n") == Status::error);
    CHECK(r.error() == Error::bad_response);
}

TEST(response, TunnelAnswersAreBoundedAsAnyResponse) {
    r.begin(HttpLimits{64, 4, 64}, testhdr::kKeep, g_work, sizeof(g_work),
            HttpResponseReader::Expect::tunnel);
    const std::string text = "HTTP/1.1 200 OK\r\nX: " + std::string(100, 'a') + "\r\n\r\n";
    size_t used = 0;
    CHECK(r.feed(bytes(text.c_str()), text.size(), &used) == Status::error);
    CHECK(r.error() == Error::message_too_large);
}
