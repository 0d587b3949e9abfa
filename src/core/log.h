/* SPDX-License-Identifier: MIT */
// The library's side of the log hook (consensus/log.h): where a line goes,
// and a line built on the stack. Lines above CONSENSUS_LOG_LEVEL (set for the
// library by CMake) are compiled out: log_on() is then false at compile time,
// so the branch that builds the line, and its texts, are dropped.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/events.h"
#include "consensus/log.h"
#include "consensus/strview.h"

#ifndef CONSENSUS_LOG_LEVEL
#define CONSENSUS_LOG_LEVEL 3
#endif

namespace consensus {

constexpr LogLevel kLogCompiled = static_cast<LogLevel>(CONSENSUS_LOG_LEVEL);

struct LogSink {
    LogHook hook;
    void* user;
    LogLevel level;

    /// A line at `level` would be heard: build it only then.
    bool on(LogLevel l) const { return l <= kLogCompiled && hook != nullptr && l <= level; }
};

/// One line, cut (never overflowed) at kLogLineMax bytes.
class LogLine {
  public:
    LogLine& operator<<(const char* s);
    LogLine& operator<<(StrView v);
    LogLine& operator<<(uint64_t v);
    LogLine& operator<<(uint32_t v) { return *this << uint64_t{v}; }
    LogLine& operator<<(int v);
    LogLine& operator<<(Error e);  // its name
    LogLine& operator<<(Phase p);  // "token", "open", "session"
    const char* text() const { return buf_; }

  private:
    void put(const char* s, size_t n);

    char buf_[kLogLineMax + 1] = {};
    size_t len_ = 0;
};

/// One line at level L from its parts (anything LogLine takes), when the
/// sink hears it. Above CONSENSUS_LOG_LEVEL the body is empty at compile
/// time: pass values (enums, numbers, literals), not calls, so that nothing
/// is left at the call site either.
template <LogLevel L, typename... Parts>
inline void log_at(const LogSink& sink, int32_t session, const Parts&... parts) {
    if constexpr (L <= kLogCompiled && L != LogLevel::off) {
        if (!sink.on(L)) return;
        LogLine line;
        (line << ... << parts);
        sink.hook(sink.user, L, session, line.text());
    }
}

}  // namespace consensus
