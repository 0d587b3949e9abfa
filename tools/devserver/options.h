/* SPDX-License-Identifier: MIT */
// Command line of consensus-devserver (contract: docs/CLI.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace devserver {

// A test-control action applied to the first WebSocket session only.
struct TestControl {
    enum class Kind { None, Drop, Freeze, Close };
    Kind kind = Kind::None;
    int64_t after = 0;      // number of echoed messages before the action
    int close_code = 1011;  // for Kind::Close
};

// Ways the real service behaves when clients break, applied to every session.
struct ServiceModes {
    int64_t start_delay_ms = 0;       // session_start this long after the 101; earlier data dropped
    bool no_session_start = false;    // never send session_start
    bool refuse_upgrades = false;     // every /ws-connect upgrade gets a bare 401
    int connect_url_port = 0;         // the connect_url's port (0: the request's own)
    bool settle_fail = false;         // paid requests get a settlement failure
    std::string settle_fail_details;  // its errorMessage
    int64_t expire_after_ms = -1;     // expire this long after session_start (-1: off)
    int close_after_start = 0;        // close code sent right after session_start (0: off)
};

struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0: the kernel picks a free port
    bool free_mode = false;
    bool verify_payments = false;  // check payments as the x402 facilitator does (verify.h)
    bool tls = false;
    std::string cert_file, key_file;
    int64_t token_ttl_s = 60;
    double time_scale = 1;
    std::string log_file;
    bool log_times = false;  // --log-times: "t_ms" on every log line
    size_t max_message_bytes = 64 * 1024 * 1024;
    TestControl control;
    ServiceModes modes;
    bool help = false;
    bool version = false;
};

// Parses argv. Returns false and sets `error` on bad usage.
bool parse_options(int argc, char** argv, Options& out, std::string& error);

// The --help text, with the loud "payments are not verified" warning.
const char* usage_text();

// The warning printed on stderr at startup in paid mode.
const char* unverified_payment_warning();

// What a paid-mode server with --verify-payments prints there instead.
const char* verified_payment_notice();

}  // namespace devserver
