/* SPDX-License-Identifier: MIT */
// The --log file: one JSON object per line, flushed at once (tests tail it
// while the server runs). Without --log every call is a no-op.
#pragma once

#include <cstdint>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace devserver {

using Fields = std::vector<std::pair<std::string, std::string>>;  // name, raw JSON value

class EventLog {
  public:
    ~EventLog();
    // Opens (appends to) `path`, readable and writable by its owner only
    // (mode 0600, an existing file included): the log holds live tokens.
    // False, errno set, when it cannot be opened or made private.
    bool open(const std::string& path);
    // From now on every line ends with "t_ms": milliseconds since this call,
    // on the monotonic clock (tests measure when requests arrived).
    void add_times();
    bool enabled() const { return file_ != nullptr; }
    // Writes {"event":<event>, <fields...>} as one line. Values are raw JSON.
    void write(const char* event, const Fields& fields);

  private:
    FILE* file_ = nullptr;
    bool times_ = false;
    int64_t start_ms_ = 0;
};

// A JSON object of string values, e.g. the query or the logged headers.
std::string json_string_object(const std::vector<std::pair<std::string, std::string>>& kv);

}  // namespace devserver
