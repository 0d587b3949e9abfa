// SPDX-License-Identifier: MIT
// The Date header: IMF-fixdate only, real dates only.
#include "http/http_date.h"

#include "CppUTest/TestHarness.h"
#include "core/strview.h"

using namespace consensus;

namespace {

bool parse(const char* s, uint64_t* t) {
    return parse_http_date(view_of(s), t);
}

}  // namespace

TEST_GROUP(HttpDate){};

TEST(HttpDate, Rfc9110Example) {
    uint64_t t = 0;
    CHECK_TRUE(parse("Sun, 06 Nov 1994 08:49:37 GMT", &t));
    CHECK_EQUAL(784111777u, t);
}

TEST(HttpDate, CapturedFromTheService) {
    uint64_t t = 0;
    CHECK_TRUE(parse("Wed, 25 Nov 2026 16:48:29 GMT", &t));
    CHECK_EQUAL(1795625309u, t);
}

TEST(HttpDate, EpochAndLeapDays) {
    uint64_t t = 1;
    CHECK_TRUE(parse("Thu, 01 Jan 1970 00:00:00 GMT", &t));
    CHECK_EQUAL(0u, t);
    CHECK_TRUE(parse("Tue, 29 Feb 2000 12:00:00 GMT", &t));
    CHECK_EQUAL(951825600u, t);
    CHECK_FALSE(parse("Thu, 29 Feb 2001 12:00:00 GMT", &t));  // 2001 is not a leap year
    CHECK_FALSE(parse("Fri, 29 Feb 2100 12:00:00 GMT", &t));  // nor is 2100
}

TEST(HttpDate, RefusesWhatIsNotAnImfFixdate) {
    uint64_t t = 0;
    const char* const bad[] = {
        "",
        "Sunday, 06-Nov-94 08:49:37 GMT",  // RFC 850, obsolete
        "Sun Nov  6 08:49:37 1994",        // asctime, obsolete
        "Sun, 06 Nov 1994 08:49:37 UTC",
        "Sun, 6 Nov 1994 08:49:37 GMT",
        "Mon, 06 Nov 1994 08:49:37 GMT",  // wrong weekday
        "Sun, 06 Nov 1994 24:00:00 GMT",
        "Sun, 06 Nov 1994 08:60:00 GMT",
        "Sun, 06 Nov 1994 08:49:60 GMT",  // leap second
        "Sun, 31 Nov 1994 08:49:37 GMT",
        "Sun, 06 Nob 1994 08:49:37 GMT",
        "Sun, 06 Nov 1969 08:49:37 GMT",
        "Sun, 06 Nov 1994 08:49:37 GMT ",
        "sun, 06 Nov 1994 08:49:37 GMT",
        "Sun, 0x Nov 1994 08:49:37 GMT",
    };
    for (const char* b : bad) CHECK_FALSE(parse(b, &t));
}
