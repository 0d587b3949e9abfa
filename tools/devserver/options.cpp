// SPDX-License-Identifier: MIT
#include "options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>

namespace devserver {

namespace {

#ifdef CONSENSUS_DEVSERVER_VERIFY
constexpr bool kCanVerify = true;
#else
constexpr bool kCanVerify = false;  // built without consensus_evm (CONSENSUS_EVM=OFF)
#endif

bool to_int(const char* s, int64_t lo, int64_t hi, int64_t& out) {
    if (s == nullptr || *s == '\0') return false;
    char* end = nullptr;
    errno = 0;
    long long v = std::strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi) return false;
    out = v;
    return true;
}

bool to_double(const char* s, double& out) {
    if (s == nullptr || *s == '\0') return false;
    char* end = nullptr;
    double v = std::strtod(s, &end);
    if (*end != '\0' || !std::isfinite(v) || v <= 0) return false;
    out = v;
    return true;
}

bool set_control(TestControl& c, TestControl::Kind kind, const char* value) {
    if (c.kind != TestControl::Kind::None) return false;  // one action at a time
    c.kind = kind;
    return to_int(value, 0, INT64_MAX, c.after);
}

// One option with its value; returns false with `error` set on a bad value.
bool apply(Options& o, const std::string& name, const char* v, std::string& error) {
    int64_t n = 0;
    bool ok = true;
    if (name == "--port") {
        ok = to_int(v, 0, 65535, n);
        o.port = static_cast<int>(n);
    } else if (name == "--host") {
        o.host = v;
    } else if (name == "--cert") {
        o.cert_file = v;
    } else if (name == "--key") {
        o.key_file = v;
    } else if (name == "--token-ttl-s") {
        ok = to_int(v, 1, 86400 * 365, o.token_ttl_s);
    } else if (name == "--time-scale") {
        ok = to_double(v, o.time_scale);
    } else if (name == "--log") {
        o.log_file = v;
    } else if (name == "--max-message-bytes") {
        ok = to_int(v, 1, INT32_MAX, n);
        o.max_message_bytes = static_cast<size_t>(n);
    } else if (name == "--drop-after") {
        ok = set_control(o.control, TestControl::Kind::Drop, v);
    } else if (name == "--freeze-after") {
        ok = set_control(o.control, TestControl::Kind::Freeze, v);
    } else if (name == "--close-after") {
        ok = set_control(o.control, TestControl::Kind::Close, v);
    } else if (name == "--close-code") {
        ok = to_int(v, 1000, 4999, n);
        o.control.close_code = static_cast<int>(n);
    } else if (name == "--start-delay-ms") {
        ok = to_int(v, 0, 3600 * 1000, o.modes.start_delay_ms);
    } else if (name == "--connect-url-port") {
        ok = to_int(v, 1, 65535, n);
        o.modes.connect_url_port = static_cast<int>(n);
    } else if (name == "--settle-fail") {
        o.modes.settle_fail = true;
        o.modes.settle_fail_details = v;
    } else if (name == "--expire-after-ms") {
        ok = to_int(v, 0, INT32_MAX, o.modes.expire_after_ms);
    } else if (name == "--close-after-start") {
        ok = to_int(v, 1000, 4999, n);
        o.modes.close_after_start = static_cast<int>(n);
    } else {
        error = "unknown option " + name;
        return false;
    }
    if (!ok) error = "bad value for " + name + ": " + v;
    return ok;
}

}  // namespace

bool parse_options(int argc, char** argv, Options& out, std::string& error) {
    out = Options{};
    for (int i = 1; i < argc; ++i) {
        std::string arg = argv[i];
        if (arg == "--help" || arg == "-h") {
            out.help = true;
        } else if (arg == "--version") {
            out.version = true;
        } else if (arg == "--free") {
            out.free_mode = true;
        } else if (arg == "--verify-payments") {
            out.verify_payments = true;
        } else if (arg == "--tls") {
            out.tls = true;
        } else if (arg == "--log-times") {
            out.log_times = true;
        } else if (arg == "--no-session-start") {
            out.modes.no_session_start = true;
        } else if (arg == "--refuse-upgrades") {
            out.modes.refuse_upgrades = true;
        } else if (arg.rfind("--", 0) == 0 && i + 1 < argc) {
            if (!apply(out, arg, argv[++i], error)) return false;
        } else {
            error = "unknown or incomplete argument " + arg;
            return false;
        }
    }
    if (out.tls && (out.cert_file.empty() || out.key_file.empty())) {
        error = "--tls needs --cert FILE and --key FILE";
        return false;
    }
    if (out.verify_payments && !kCanVerify) {
        error = "--verify-payments is not in this build (configured with CONSENSUS_EVM=OFF)";
        return false;
    }
    if (out.verify_payments && out.free_mode) {
        error = "--verify-payments needs paid mode, not --free";
        return false;
    }
    return true;
}

const char* unverified_payment_warning() {
    return "WARNING: consensus-devserver DOES NOT VERIFY PAYMENTS. Any well-formed x402\n"
           "WARNING: PAYMENT-SIGNATURE naming this request's requirement is accepted; no\n"
           "WARNING: signature is checked and nothing is settled. Development and tests only.\n";
}

const char* verified_payment_notice() {
    return "consensus-devserver: payments are verified (--verify-payments): EIP-712 signature,\n"
           "consensus-devserver: amount, payee, asset, network, times and nonce, as the x402\n"
           "consensus-devserver: facilitator checks them; nothing is settled on a chain.\n";
}

const char* usage_text() {
    return "usage: consensus-devserver [--port P] [--host 127.0.0.1] [--free]\n"
           "                           [--tls --cert F --key F] [--token-ttl-s 60]\n"
           "                           [--time-scale S] [--log FILE] [--verify-payments]\n"
           "       consensus-devserver --help | --version\n"
           "\n"
           "A local stand-in for the Consensus WebSocket service: GET /ws sells a session\n"
           "token through x402 v2 (HTTP 402), /ws-connect?token=... opens the WebSocket,\n"
           "which sends session_start, echoes every message and meters time and data.\n"
           "\n"
           "  !!! PAYMENTS ARE NOT VERIFIED without --verify-payments: any well-formed !!!\n"
           "  !!! PAYMENT-SIGNATURE whose `accepted` matches the requirement is taken. !!!\n"
           "  !!! With it or without, nothing is settled. Never expose this server.    !!!\n"
           "\n"
           "  --port P            listen port (0 = pick a free one)       default 0\n"
           "  --host H            listen address                          default 127.0.0.1\n"
           "  --free              no payment: GET /ws answers 200 directly\n"
           "  --verify-payments   check each payment as the x402 facilitator does: EIP-712\n"
           "                      signature, amount, payee, asset, network, times, nonce;\n"
           "                      a failed check is a 402 whose error names the reason\n"
           "                      (docs/CLI.md). Remembers up to 4096 unexpired nonces,\n"
           "                      then refuses new payments until some expire\n"
           "  --tls               serve https/wss (needs --cert and --key, PEM)\n"
           "  --cert F, --key F   certificate chain and private key (scripts/gen-dev-cert)\n"
           "  --token-ttl-s N     token validity in seconds               default 60\n"
           "  --time-scale S      time runs S times faster (limits S times shorter)\n"
           "  --log FILE          one JSON line per request, upgrade, message and close\n"
           "  --log-times         each --log line ends with \"t_ms\": ms since start (monotonic)\n"
           "                      (it holds live tokens: the file is made mode 0600)\n"
           "  --max-message-bytes N  largest accepted WebSocket message   default 67108864\n"
           "\n"
           "For tests (count-based, applied to the FIRST session only):\n"
           "  --drop-after N      drop its TCP connection (no close frame) after N echoes\n"
           "  --freeze-after N    stop reading and writing after N echoes, TCP kept open\n"
           "  --close-after N     close it with --close-code C (default 1011) after N echoes\n"
           "\n"
           "For tests (the real service where clients break, applied to EVERY session):\n"
           "  --start-delay-ms N  send session_start N ms after the 101 (the real service\n"
           "                      first hands the session to a node); messages the client\n"
           "                      sends before it are dropped: not echoed, not metered\n"
           "  --no-session-start  never send session_start (a broken server); the session\n"
           "                      still starts (after --start-delay-ms) and echoes\n"
           "  --refuse-upgrades   sell tokens as usual, but answer every /ws-connect upgrade\n"
           "                      as a used token: \"HTTP/1.1 401 Unauthorized\", then EOF\n"
           "  --connect-url-port P  connect_url names port P (same scheme and host); the\n"
           "                      token is still valid on the real port\n"
           "  --settle-fail TEXT  paid requests get a failed settlement as @x402/express\n"
           "                      sends it: 402, PAYMENT-RESPONSE {success:false,\n"
           "                      errorMessage:TEXT}, no PAYMENT-REQUIRED, body {}\n"
           "  --expire-after-ms N expire each session N ms after session_start (or at its\n"
           "                      own time limit, if sooner): session_expired\n"
           "                      time_limit_reached, then close 1000 \"Time limit reached\"\n"
           "  --close-after-start C  close each session with code C right after\n"
           "                      session_start\n"
           "\n"
           "Prints \"READY <port>\" on stdout once listening. SIGTERM/SIGINT exit 0.\n"
           "A bad argument exits 2 with one line on stderr.\n"
           "Metering counts WebSocket payload bytes received plus payload bytes echoed.\n";
}

}  // namespace devserver
