// SPDX-License-Identifier: MIT
#include "http/http_date.h"

#include <string.h>

#include "core/strview.h"

namespace consensus {

namespace {

constexpr size_t kFixdateLen = 29;  // "Sun, 06 Nov 1994 08:49:37 GMT"
constexpr char kDays[] = "MonTueWedThuFriSatSun";
constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

bool digits(const char* p, int n, int* out) {
    int v = 0;
    for (int i = 0; i < n; ++i) {
        if (!is_digit(p[i])) return false;
        v = v * 10 + (p[i] - '0');
    }
    *out = v;
    return true;
}

int index_of3(const char* table, size_t entries, const char* p) {
    for (size_t i = 0; i < entries; ++i) {
        if (memcmp(table + 3 * i, p, 3) == 0) return static_cast<int>(i);
    }
    return -1;
}

bool leap(int y) {
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

int days_in_month(int y, int m) {  // m: 0..11
    constexpr int kLengths[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return kLengths[m] + (m == 1 && leap(y) ? 1 : 0);
}

// Days from 1970-01-01 to y-m-d (proleptic Gregorian, y >= 1970).
int64_t days_since_epoch(int y, int m, int d) {
    int64_t days = 0;
    for (int year = 1970; year < y; ++year) days += leap(year) ? 366 : 365;
    for (int month = 0; month < m; ++month) days += days_in_month(y, month);
    return days + d - 1;
}

// 1970-01-01 was a Thursday (index 3 in kDays).
constexpr int kEpochWeekday = 3;

}  // namespace

bool parse_http_date(StrView value, uint64_t* unix_s) {
    const char* p = value.data;
    if (p == nullptr || value.size != kFixdateLen) return false;
    if (memcmp(p + 3, ", ", 2) != 0 || p[7] != ' ' || p[11] != ' ' || p[16] != ' ' ||
        p[19] != ':' || p[22] != ':' || memcmp(p + 25, " GMT", 4) != 0) {
        return false;
    }
    const int weekday = index_of3(kDays, 7, p);
    const int month = index_of3(kMonths, 12, p + 8);
    int day = 0, year = 0, hour = 0, minute = 0, second = 0;
    if (weekday < 0 || month < 0 || !digits(p + 5, 2, &day) || !digits(p + 12, 4, &year) ||
        !digits(p + 17, 2, &hour) || !digits(p + 20, 2, &minute) || !digits(p + 23, 2, &second)) {
        return false;
    }
    if (year < 1970 || day < 1 || day > days_in_month(year, month) || hour > 23 || minute > 59 ||
        second > 59) {
        return false;
    }
    const int64_t days = days_since_epoch(year, month, day);
    if ((days + kEpochWeekday) % 7 != weekday) return false;  // a date that does not exist
    *unix_s = static_cast<uint64_t>(((days * 24 + hour) * 60 + minute) * 60 + second);
    return true;
}

}  // namespace consensus
