// SPDX-License-Identifier: MIT
#include "core/log.h"

#include <string.h>

namespace consensus {

const char* log_level_name(LogLevel level) {
    switch (level) {
        case LogLevel::off:
            return "off";
        case LogLevel::error:
            return "error";
        case LogLevel::warn:
            return "warn";
        case LogLevel::info:
            return "info";
    }
    return "off";
}

void LogLine::put(const char* s, size_t n) {
    const size_t room = kLogLineMax - len_;
    if (n > room) n = room;
    memcpy(buf_ + len_, s, n);
    len_ += n;
    buf_[len_] = '\0';
}

LogLine& LogLine::operator<<(const char* s) {
    if (s != nullptr) put(s, strlen(s));
    return *this;
}

LogLine& LogLine::operator<<(StrView v) {
    put(v.data, v.size);
    return *this;
}

LogLine& LogLine::operator<<(uint64_t v) {
    char rev[20];
    size_t n = 0;
    do {
        rev[n++] = static_cast<char>('0' + v % 10);
        v /= 10;
    } while (v != 0);
    char digits[20];
    for (size_t i = 0; i < n; ++i) digits[i] = rev[n - 1 - i];
    put(digits, n);
    return *this;
}

LogLine& LogLine::operator<<(Error e) {
    return *this << error_name(e);
}

LogLine& LogLine::operator<<(Phase p) {
    switch (p) {
        case Phase::token:
            return *this << "token";
        case Phase::open:
            return *this << "open";
        case Phase::session:
            return *this << "session";
    }
    return *this;
}

LogLine& LogLine::operator<<(int v) {
    if (v < 0) put("-", 1);
    return *this << (v < 0 ? 0 - static_cast<uint64_t>(v) : static_cast<uint64_t>(v));
}

}  // namespace consensus
