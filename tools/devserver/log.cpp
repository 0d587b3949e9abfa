// SPDX-License-Identifier: MIT
#include "log.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "json.h"

namespace devserver {

namespace {

// A new file gets 0600 from open() (the umask only narrows it); an existing
// one may be wider: narrow it. Only a regular file: --log /dev/stderr or a
// pipe must not change the mode of a device (as root, of /dev/null for all).
bool make_private(int fd) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return false;
    return !S_ISREG(st.st_mode) || ::fchmod(fd, 0600) == 0;
}

int64_t monotonic_ms() {
    timespec ts{};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

}  // namespace

void EventLog::add_times() {
    times_ = true;
    start_ms_ = monotonic_ms();
}

EventLog::~EventLog() {
    if (file_ != nullptr) std::fclose(file_);
}

bool EventLog::open(const std::string& path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) return false;
    if (!make_private(fd) || (file_ = ::fdopen(fd, "a")) == nullptr) {
        int saved = errno;
        ::close(fd);
        errno = saved;
        return false;
    }
    return true;
}

void EventLog::write(const char* event, const Fields& fields) {
    if (file_ == nullptr) return;
    std::string line = "{\"event\":" + json_quote(event);
    for (const auto& f : fields) line += "," + json_quote(f.first) + ":" + f.second;
    if (times_) line += ",\"t_ms\":" + std::to_string(monotonic_ms() - start_ms_);
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
