#include "log.h"

#include "json.h"

namespace devserver {

EventLog::~EventLog() {
    if (file_ != nullptr) std::fclose(file_);
}

bool EventLog::open(const std::string& path) {
    file_ = std::fopen(path.c_str(), "a");
    return file_ != nullptr;
}

void EventLog::write(const char* event, const Fields& fields) {
    if (file_ == nullptr) return;
    std::string line = "{\"event\":" + json_quote(event);
    for (const auto& f : fields) line += "," + json_quote(f.first) + ":" + f.second;
    line += "}\n";
    std::fwrite(line.data(), 1, line.size(), file_);
    std::fflush(file_);
}

std::string json_string_object(const std::vector<std::pair<std::string, std::string>>& kv) {
    std::string out = "{";
    for (const auto& p : kv) {
        if (out.size() > 1) out += ",";
        out += json_quote(p.first) + ":" + json_quote(p.second);
    }
    return out + "}";
}

}  // namespace devserver
