// SPDX-License-Identifier: MIT
#include "support/server_log.h"

#include <string.h>

#include "support/process.h"

namespace itest {

namespace {

constexpr int kLogPollMs = 20;

// Index just past the JSON string starting at s[i] == '"'.
size_t skip_string(const std::string& s, size_t i) {
    for (++i; i < s.size(); ++i) {
        if (s[i] == '\\') {
            ++i;
        } else if (s[i] == '"') {
            return i + 1;
        }
    }
    return s.size();
}

// Index just past the JSON value starting at s[i] (object, array, string or scalar).
size_t skip_value(const std::string& s, size_t i) {
    if (i >= s.size()) return i;
    if (s[i] == '"') return skip_string(s, i);
    if (s[i] == '{' || s[i] == '[') {
        int depth = 0;
        while (i < s.size()) {
            const char c = s[i];
            if (c == '"') {
                i = skip_string(s, i);
                continue;
            }
            if (c == '{' || c == '[') ++depth;
            if (c == '}' || c == ']') --depth;
            ++i;
            if (depth == 0) return i;
        }
        return i;
    }
    while (i < s.size() && s[i] != ',' && s[i] != '}' && s[i] != ']') ++i;
    return i;
}

size_t skip_space(const std::string& s, size_t i) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n')) ++i;
    return i;
}

bool matches(const std::string& line, const Match& m) {
    for (const auto& kv : m) {
        if (json_field(line, kv.first) != kv.second) return false;
    }
    return true;
}

}  // namespace

std::string json_field(const std::string& object, const char* key) {
    size_t i = skip_space(object, 0);
    if (i >= object.size() || object[i] != '{') return "";
    ++i;
    const size_t key_len = strlen(key);
    while (i < object.size()) {
        i = skip_space(object, i);
        if (i >= object.size() || object[i] != '"') return "";
        const size_t key_end = skip_string(object, i);
        const bool hit = key_end - i == key_len + 2 && object.compare(i + 1, key_len, key) == 0;
        i = skip_space(object, key_end);
        if (i >= object.size() || object[i] != ':') return "";
        i = skip_space(object, i + 1);
        const size_t value_end = skip_value(object, i);
        if (hit) return object.substr(i, value_end - i);
        i = skip_space(object, value_end);
        if (i >= object.size() || object[i] != ',') return "";
        ++i;
    }
    return "";
}

std::string quoted(const char* s) {
    return std::string("\"") + s + "\"";
}

std::vector<std::string> ServerLog::lines(const Match& m) const {
    std::vector<std::string> out;
    const std::string text = read_file(path_);
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\n', start);
        if (end == std::string::npos) break;  // a line still being written
        std::string line = text.substr(start, end - start);
        if (matches(line, m)) out.push_back(std::move(line));
        start = end + 1;
    }
    return out;
}

size_t ServerLog::wait_count(const Match& m, size_t n, int timeout_ms) const {
    const uint64_t deadline = mono_ms() + static_cast<uint64_t>(timeout_ms);
    size_t seen = count(m);
    while (seen < n && mono_ms() < deadline) {
        sleep_ms(kLogPollMs);
        seen = count(m);
    }
    return seen;
}

std::vector<std::string> ServerLog::values(const Match& m, const char* field) const {
    std::vector<std::string> out;
    for (const std::string& line : lines(m)) {
        std::string v = json_field(line, field);
        if (v.size() >= 2 && v.front() == '"' && v.back() == '"') v = v.substr(1, v.size() - 2);
        out.push_back(v);
    }
    return out;
}

}  // namespace itest
