/* SPDX-License-Identifier: MIT */
// Queries over a server's --log file: one JSON object per line (both
// consensus-devserver and tests/interop/token-server.mjs write this way,
// synchronously, so a line is in the file before the reply leaves).
#pragma once

#include <stddef.h>

#include <string>
#include <utility>
#include <vector>

namespace itest {

/// Raw JSON text of the top-level member `key` of one JSON object (a string
/// keeps its quotes), or "" when absent. Nested objects are skipped whole.
std::string json_field(const std::string& object, const char* key);
/// `"s"`: a JSON string literal for matching (s must need no escaping).
std::string quoted(const char* s);

/// Top-level members that must equal the given raw JSON values.
using Match = std::vector<std::pair<const char*, std::string>>;

class ServerLog {
  public:
    explicit ServerLog(std::string path) : path_(std::move(path)) {}
    /// Lines matching every member of m, read from the file now.
    std::vector<std::string> lines(const Match& m) const;
    size_t count(const Match& m) const { return lines(m).size(); }
    /// Re-reads until at least n lines match or timeout_ms passed; the count seen.
    size_t wait_count(const Match& m, size_t n, int timeout_ms) const;
    /// Unquoted values of `field` of the matching lines, in file order.
    std::vector<std::string> values(const Match& m, const char* field) const;
    const std::string& path() const { return path_; }

  private:
    std::string path_;
};

}  // namespace itest
