/* SPDX-License-Identifier: MIT */
// Test harness for the hostile, TLS-failure, interop and soak tiers: starts a
// helper server process (prints "READY <port>"), runs one consensus::Client on
// the POSIX port through the public API, and records every event.
// Test code only: it allocates freely and uses OS headers.
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "common/client_block.h"
#include "consensus/client.h"
#include "consensus/port_posix.h"

namespace hostile {

inline int64_t now_ms() {
    timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return static_cast<int64_t>(ts.tv_sec) * 1000 + ts.tv_nsec / 1000000;
}

/// Resident set size of this process, in pages (/proc/self/statm, field 2).
inline long rss_pages() {
    FILE* f = fopen("/proc/self/statm", "r");
    if (f == nullptr) return -1;
    long size = 0;
    long resident = -1;
    if (fscanf(f, "%ld %ld", &size, &resident) != 2) resident = -1;
    fclose(f);
    return resident;
}

/// A helper server: argv is run with stdin a pipe (closing it stops the
/// server), stdout read until "READY <port>". Stopped by SIGTERM + waitpid.
class ServerProc {
  public:
    ServerProc() = default;
    ServerProc(const ServerProc&) = delete;
    ServerProc& operator=(const ServerProc&) = delete;
    ~ServerProc() { stop(); }

    bool start(const std::vector<std::string>& argv, int bound_ms = 15000) {
        int in[2];
        int out[2];
        if (pipe2(in, O_CLOEXEC) != 0) return false;
        if (pipe2(out, O_CLOEXEC) != 0) return false;
        pid_ = fork();
        if (pid_ == 0) {
            dup2(in[0], 0);
            dup2(out[1], 1);
            std::vector<char*> args;
            for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
            args.push_back(nullptr);
            execvp(args[0], args.data());
            _exit(127);
        }
        close(in[0]);
        close(out[1]);
        stdin_ = in[1];
        stdout_ = out[0];
        return read_ready(bound_ms);
    }
    uint16_t port() const { return port_; }
    pid_t pid() const { return pid_; }
    void stop() {
        if (stdin_ >= 0) close(stdin_);
        stdin_ = -1;
        if (pid_ > 0) {
            kill(pid_, SIGTERM);
            waitpid(pid_, nullptr, 0);
        }
        pid_ = -1;
        if (stdout_ >= 0) close(stdout_);
        stdout_ = -1;
    }

  private:
    bool read_ready(int bound_ms) {
        std::string seen;
        const int64_t end = now_ms() + bound_ms;
        while (seen.find('\n', seen.find("READY ")) == std::string::npos) {
            const int64_t left = end - now_ms();
            pollfd p{stdout_, POLLIN, 0};
            if (left <= 0 || poll(&p, 1, static_cast<int>(left)) != 1) return false;
            char buf[256];
            const ssize_t n = read(stdout_, buf, sizeof buf);
            if (n <= 0) return false;
            seen.append(buf, static_cast<size_t>(n));
        }
        port_ = static_cast<uint16_t>(atoi(seen.c_str() + seen.find("READY ") + 6));
        return port_ != 0;
    }

    pid_t pid_ = -1;
    int stdin_ = -1;
    int stdout_ = -1;
    uint16_t port_ = 0;
};

/// One recorded event (copies of the views).
struct Ev {
    consensus::EventType type;
    consensus::Error error;
    consensus::Phase phase;
    int http_status;
    uint16_t code;
    consensus::Initiator initiator;
    std::string text;  // message data, close reason, error detail or TLS version (open)
    bool binary;
    int64_t at_ms;
};

/// What a run saw.
struct Outcome {
    std::vector<Ev> events;
    bool ended = false;
    consensus::Error end_error = consensus::Error::ok;
    // request_token
    bool token_done = false;
    consensus::TokenResult token{};
    std::string token_text;
    std::string connect_url;
    std::string token_message;
    int64_t elapsed_ms = 0;

    size_t count(consensus::EventType t) const {
        size_t n = 0;
        for (const Ev& e : events) n += e.type == t ? 1 : 0;
        return n;
    }
    const Ev* first(consensus::EventType t) const {
        for (const Ev& e : events)
            if (e.type == t) return &e;
        return nullptr;
    }
    const Ev* last(consensus::EventType t) const {
        const Ev* r = nullptr;
        for (const Ev& e : events)
            if (e.type == t) r = &e;
        return r;
    }
};

/// How a run is set up.
struct RunSpec {
    std::string server_url;
    std::string ca_file;
    uint32_t open_timeout_ms = 3000;
    uint32_t request_timeout_ms = 5000;
    uint32_t reconnect_interval_ms = 100;
    uint32_t max_reconnects = 0;
    uint32_t ping_interval_ms = 0;
    uint32_t max_message_bytes = 16384;
    uint32_t tx_buffer_bytes = 4096;
    consensus::TokenParams params{};
    std::vector<std::string> send_after_open;  // sent once, on the first open
    bool binary = false;
    bool close_after_replies = false;  // close(1000) once every send came back
    uint32_t close_on_open = 0;        // close(1000) from the listener of the N-th open
    uint64_t limit_micro_usd = 0;      // spend guard (0 = none)
    // These servers are WebSocket servers, not the service: their cases send
    // frames right after the 101 and no session_start (unless a case does).
    bool await_session_start = false;
    bool renew = false;
    uint32_t max_paid_attempts = 3;
    int64_t bound_ms = 20000;  // the run's own hang guard
};

/// Pays every challenge with a fixed (well-formed, unverified) header.
inline consensus::PaymentDecision pay_always(void*, const consensus::PaymentChallenge&,
                                             consensus::PaymentTicket,
                                             consensus::PaymentHeaderOut* out) {
    static const char kHeader[] = "eyJ4NDAyVmVyc2lvbiI6Mn0=";  // base64 of {"x402Version":2}
    memcpy(out->data, kHeader, sizeof kHeader - 1);
    out->size = sizeof kHeader - 1;
    return consensus::PaymentDecision::paid;
}

class Runner {
  public:
    explicit Runner(const RunSpec& spec) : spec_(spec) {}
    Runner(const Runner&) = delete;
    Runner& operator=(const Runner&) = delete;

    /// Client::init on fresh memory. false on failure.
    bool setup() {
        config_.max_message_bytes = spec_.max_message_bytes;
        config_.tx_buffer_bytes = spec_.tx_buffer_bytes;
        if (config_.work_buffer_bytes < spec_.max_message_bytes)
            config_.work_buffer_bytes = spec_.max_message_bytes;
        options_.server_url = spec_.server_url.c_str();
        options_.payment_hook = pay_always;
        options_.open_timeout_ms = spec_.open_timeout_ms;
        options_.request_timeout_ms = spec_.request_timeout_ms;
        options_.reconnect_interval_ms = spec_.reconnect_interval_ms;
        options_.max_reconnects = spec_.max_reconnects;
        options_.ping_interval_ms = spec_.ping_interval_ms;
        options_.close_timeout_ms = 1000;
        options_.limit_micro_usd = spec_.limit_micro_usd;
        options_.max_paid_attempts = spec_.max_paid_attempts;
        if (!spec_.ca_file.empty()) options_.ca_file = spec_.ca_file.c_str();
        return block_.allocate(config_, 4) &&
               block_.init(config_, options_) == consensus::Error::ok;
    }

    /// A managed session: buys its token at server_url/ws, then opens it.
    Outcome session() {
        consensus::SessionOptions so;
        so.listener = on_event;
        so.user = this;
        so.await_session_start = spec_.await_session_start;
        so.renew = spec_.renew;
        start_ = now_ms();
        const consensus::Error e = block_.client().open_session(spec_.params, so, &session_);
        if (e != consensus::Error::ok) {
            out_.ended = true;
            out_.end_error = e;
            return out_;
        }
        loop([this] { return out_.ended; });
        return out_;
    }

    /// A session on a ready-made auth (no token purchase, never reconnects).
    Outcome bare(const std::string& connect_url) {
        consensus::TokenAuth auth{};
        snprintf(auth.token, sizeof auth.token, "bare");
        snprintf(auth.connect_url, sizeof auth.connect_url, "%s", connect_url.c_str());
        auth.expires_in_s = 60;
        const cws_port port = block_.port();
        auth.obtained_ms = port.ops->now_ms(port.ctx);
        consensus::SessionOptions so;
        so.listener = on_event;
        so.user = this;
        so.await_session_start = spec_.await_session_start;
        start_ = now_ms();
        const consensus::Error e = block_.client().connect(auth, so, &session_);
        if (e != consensus::Error::ok) {
            out_.ended = true;
            out_.end_error = e;
            return out_;
        }
        loop([this] { return out_.ended; });
        return out_;
    }

    /// One stand-alone token request.
    Outcome token() {
        start_ = now_ms();
        const consensus::Error e = block_.client().request_token(spec_.params, on_token, this);
        if (e != consensus::Error::ok) {
            out_.token_done = true;
            out_.token.error = e;
            return out_;
        }
        loop([this] { return out_.token_done; });
        return out_;
    }

    consensus::Client& client() { return block_.client(); }
    itest::ClientBlock& block() { return block_; }
    consensus::Session& handle() { return session_; }

  private:
    template <typename Done>
    void loop(Done done) {
        while (!done() && now_ms() - start_ < spec_.bound_ms) {
            block_.client().poll(50);
            send_pending();
        }
        out_.elapsed_ms = now_ms() - start_;
    }

    // Sends what is queued, in order, from the loop (never from a listener:
    // a would_block there could only be waited out by polling, which
    // listeners must not do).
    void send_pending() {
        while (next_send_ < pending_.size() &&
               session_.public_state() == consensus::PublicState::connected) {
            const std::string& m = pending_[next_send_];
            const auto* p = reinterpret_cast<const uint8_t*>(m.data());
            const consensus::Error e = spec_.binary ? session_.send_binary(p, m.size())
                                                    : session_.send_text(m.data(), m.size());
            if (e == consensus::Error::would_block) return;
            send_errors_ += e == consensus::Error::ok ? 0 : 1;
            ++next_send_;
        }
    }

    static void on_token(void* user, const consensus::TokenResult& r) {
        Runner* self = static_cast<Runner*>(user);
        self->out_.token_done = true;
        self->out_.token = r;
        self->out_.token.auth = nullptr;  // valid only during the call
        if (r.message.data != nullptr)
            self->out_.token_message.assign(r.message.data, r.message.size);
        if (r.auth != nullptr) {
            self->out_.token_text = r.auth->token;
            self->out_.connect_url = r.auth->connect_url;
        }
        self->out_.elapsed_ms = now_ms() - self->start_;
    }

    static void on_event(void* user, consensus::Session& s, const consensus::Event& ev) {
        static_cast<Runner*>(user)->record(s, ev);
    }

    void record(consensus::Session& s, const consensus::Event& ev) {
        Ev e{ev.type,      ev.error, ev.phase,  ev.http_status,   ev.code,
             ev.initiator, {},       ev.binary, now_ms() - start_};
        if (ev.type == consensus::EventType::message && ev.data != nullptr) {
            e.text.assign(reinterpret_cast<const char*>(ev.data), ev.size);
        } else if (ev.type == consensus::EventType::open) {
            if (ev.tls_version != nullptr) e.text = ev.tls_version;
        } else if (ev.reason.data != nullptr) {
            e.text.assign(ev.reason.data, ev.reason.size);
        }
        out_.events.push_back(e);
        if (ev.type == consensus::EventType::ended) {
            out_.ended = true;
            out_.end_error = ev.error;
        }
        if (ev.type == consensus::EventType::open && ++opens_ == spec_.close_on_open) {
            s.close(1000, "enough");
        }
        if (ev.type == consensus::EventType::open && !sent_) {
            sent_ = true;
            pending_ = spec_.send_after_open;
        }
        if (ev.type == consensus::EventType::message && spec_.close_after_replies &&
            ++replies_ == spec_.send_after_open.size()) {
            s.close(1000, "done");
        }
    }

  public:
    size_t send_errors_ = 0;

  private:
    RunSpec spec_;
    consensus::Config config_{};
    consensus::ClientOptions options_{};
    itest::ClientBlock block_;
    consensus::Session session_{};
    bool sent_ = false;
    size_t replies_ = 0;
    uint32_t opens_ = 0;
    std::vector<std::string> pending_;
    size_t next_send_ = 0;
    int64_t start_ = 0;
    Outcome out_;
};

/// The lines of a helper server's --log file that mention `needle`.
inline std::vector<std::string> log_lines(const std::string& file, const std::string& needle) {
    std::vector<std::string> out;
    FILE* f = fopen(file.c_str(), "r");
    if (f == nullptr) return out;
    char line[4096];
    while (fgets(line, sizeof line, f) != nullptr) {
        if (strstr(line, needle.c_str()) != nullptr) out.emplace_back(line);
    }
    fclose(f);
    return out;
}

}  // namespace hostile
