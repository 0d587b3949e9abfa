// The --log file: one JSON object per line, flushed at once (tests tail it
// while the server runs). Without --log every call is a no-op.
#pragma once

#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace devserver {

using Fields = std::vector<std::pair<std::string, std::string>>;  // name, raw JSON value

class EventLog {
  public:
    ~EventLog();
    // Opens (appends to) `path`. False when it cannot be opened.
    bool open(const std::string& path);
    bool enabled() const { return file_ != nullptr; }
    // Writes {"event":<event>, <fields...>} as one line. Values are raw JSON.
    void write(const char* event, const Fields& fields);

  private:
    FILE* file_ = nullptr;
};

// A JSON object of string values, e.g. the query or the logged headers.
std::string json_string_object(const std::vector<std::pair<std::string, std::string>>& kv);

}  // namespace devserver
