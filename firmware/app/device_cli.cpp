// SPDX-License-Identifier: MIT
// `consensus-ws connect` on the board: the same parser (tools/cli/args.cpp),
// the same output lines (tools/cli/output.cpp) and the same exit statuses
// (tools/cli/exit_status.cpp) as the POSIX CLI, on the lwIP port. One
// session, messages from --send only (the board has no stdin), everything in
// static memory. scripts/run-firmware passes the arguments in a host file
// named on the semihosting command line (a --send text may hold spaces), and
// the exit status leaves through semihosting.
#include <stdio.h>
#include <string.h>

#include "args.h"
#include "consensus/client.h"
#include "device.h"
#include "device_payers.h"
#include "exit_status.h"
#include "output.h"

namespace {

using consensus::Error;
using namespace consensus::cli;

// The client's configuration on the device: one session that buys its own
// token (no stand-alone requests), one listener, the library's default
// buffers but for the largest message: 8 KiB instead of 16, so that it shares
// the 8 KiB HTTP work area (a larger message closes with 1009, as on Linux
// above 16 KiB).
consensus::Config device_config() {
    consensus::Config c;
    c.max_sessions = 1;
    c.max_requests = 0;
    c.listeners_per_event = 1;
    c.max_message_bytes = 8192;
    return c;
}

// Client::required_bytes(device_config()) on Cortex-M4, rounded up; main()
// checks it before init (a library change that needs more fails loudly).
constexpr size_t kClientBytes = 22 * 1024;
// The argument file: 4 KiB, the size of the send buffer (a --send it cannot
// hold is reported as message_too_large and skipped; the Linux CLI sizes its
// send buffer to the longest --send instead).
constexpr size_t kMaxArgsFile = 4096;
constexpr int kMaxArgs = 64;
// A PEM bundle given with --ca (a root or two: the test CA is 0.6 KiB, a
// public RSA-4096 root 1.9 KiB).
constexpr size_t kMaxCaPem = 4096;
// Longest wait in one poll() even with no timer due (as the Linux CLI).
constexpr int32_t kMaxPollMs = 1000;

alignas(16) uint8_t g_client_memory[kClientBytes];
consensus::Client g_client;
char g_args_file[kMaxArgsFile + 1];
const char* g_argv[kMaxArgs + 1];
char g_ca_pem[kMaxCaPem + 1];

struct Run {
    const Args* args = nullptr;
    Output out;
    consensus::Session handle;
    SessionSummary summary;
    RepeatFilter repeats;
    size_t sent = 0;
    bool close_asked = false;
    bool waiting = false;
    uint64_t wait_deadline = 0;
    const cws_port* port = nullptr;
    uint64_t first_message_ms = 0;  // since reset; 0 = none arrived
};

void usage_error(const Output& out, const char* text) {
    print_error(out, kNoSession, Error::invalid_params, text, strlen(text), 0);
}

// The semihosting command line names the argument file; its NUL-separated
// words are argv (argv[0] included).
int load_argv(char* msg, size_t cap) {
    char path[256];
    if (device_command_line(path, sizeof path) != 0) {
        snprintf(msg, cap, "no argument file on the semihosting command line");
        return -1;
    }
    const long n = device_read_file(path, reinterpret_cast<uint8_t*>(g_args_file), kMaxArgsFile);
    if (n <= 0) {
        snprintf(msg, cap,
                 n == kDeviceFileTooBig ? "the arguments exceed %lu bytes"
                                        : "cannot read the argument file",
                 static_cast<unsigned long>(kMaxArgsFile));
        return -1;
    }
    g_args_file[n] = '\0';
    int argc = 0;
    for (long i = 0; i < n; ++argc) {
        if (argc == kMaxArgs) {
            snprintf(msg, cap, "more than %d arguments", kMaxArgs - 1);
            return -1;
        }
        g_argv[argc] = g_args_file + i;
        i += static_cast<long>(strlen(g_args_file + i)) + 1;
    }
    g_argv[argc] = nullptr;
    return argc;
}

// What the device cannot do, refused before any traffic (exit 2).
const char* unsupported(const Args& a) {
    if (a.command != Command::connect) return "the firmware runs `connect` only";
    if (a.payer != nullptr)
        return "--payer: the device runs no processes (--demo-payer or --wallet-key)";
    if (a.sessions != 1) return "--sessions: the device runs one session";
    return nullptr;
}

bool is_tls(const char* url) {
    return strncmp(url, "https://", 8) == 0;
}

// --ca FILE read from the host into g_ca_pem (mbedTLS wants the NUL counted).
bool load_ca(const Args& a, consensus::ClientOptions* opt, char* msg, size_t cap) {
    if (a.ca_file == kDefaultCaFile) {
        if (!is_tls(a.server_url)) return true;
        snprintf(msg, cap, "--ca FILE: the device has no system CA bundle");
        return false;
    }
    const long n = device_read_file(a.ca_file, reinterpret_cast<uint8_t*>(g_ca_pem), kMaxCaPem);
    if (n <= 0) {
        snprintf(msg, cap, "--ca: cannot read '%s' (%s)", a.ca_file,
                 n == kDeviceFileTooBig ? "larger than 4 KiB" : "not found");
        return false;
    }
    g_ca_pem[n] = '\0';
    opt->ca_pem = g_ca_pem;
    opt->ca_pem_len = static_cast<size_t>(n) + 1;
    opt->ca_file = nullptr;
    return true;
}

void fill_options(const Args& a, consensus::ClientOptions* opt) {
    opt->server_url = a.server_url;
    opt->defaults = a.params;
    opt->open_timeout_ms = a.open_timeout_ms;
    opt->request_timeout_ms = a.request_timeout_ms;
    opt->reconnect_interval_ms = a.reconnect_ms;
    opt->reconnect_max_ms = a.reconnect_max_ms;
    opt->reconnect_jitter = a.reconnect_jitter;
    opt->max_reconnects = a.max_reconnects;
    opt->ping_interval_ms = a.ping_ms;
    opt->limit_micro_usd = a.limit_micro_usd;
    opt->price_margin_ppm = a.price_margin_ppm;
    opt->connect_hosts = a.connect_hosts;
    opt->connect_host_count = a.connect_host_count;
    opt->max_paid_attempts = a.max_paid_attempts;
}

void on_event(void* user, consensus::Session&, const consensus::Event& ev) {
    Run* run = static_cast<Run*>(user);
    if (ev.type == consensus::EventType::message && run->first_message_ms == 0) {
        run->first_message_ms = run->port->ops->now_ms(run->port->ctx);
    }
    if (should_print(&run->repeats, ev)) print_event(run->out, ev);
    summarize_event(&run->summary, ev, run->args->renew);
}

void close_run(Run* run) {
    mark_closed_by_us(&run->summary);
    run->close_asked = true;
    (void)run->handle.close(1000, nullptr);
}

// Sends what is due, then counts --wait-ms down and closes (as the CLI).
void pump(Run* run, uint64_t now) {
    const Args& a = *run->args;
    while (run->handle.state() == consensus::SessionState::open && run->sent < a.send_count) {
        const char* text = a.sends[run->sent];
        const size_t size = strlen(text);
        const Error e = a.binary
                            ? run->handle.send_binary(reinterpret_cast<const uint8_t*>(text), size)
                            : run->handle.send_text(text, size);
        if (e == Error::would_block || e == Error::not_open) return;
        if (e != Error::ok) print_error(run->out, kNoSession, e, "message not sent", 16, 0);
        ++run->sent;
    }
    if (!run->waiting && run->sent >= a.send_count) {
        run->waiting = true;
        run->wait_deadline = now + a.wait_ms;
    }
    if (run->waiting && now >= run->wait_deadline) close_run(run);
}

int32_t next_wait(const Run& run, uint64_t now) {
    int32_t t = g_client.next_timeout_ms();
    if (t < 0 || t > kMaxPollMs) t = kMaxPollMs;
    if (run.waiting && !run.close_asked) {
        const uint64_t left = run.wait_deadline > now ? run.wait_deadline - now : 0;
        if (left < static_cast<uint64_t>(t)) t = static_cast<int32_t>(left);
    }
    return t;
}

// Runs the session; *first_message_ms gets the time of its first message.
int run_connect(const Args& a, const Output& out, const cws_port& port,
                uint64_t* first_message_ms) {
    char msg[160];
    consensus::ClientOptions opt;
    fill_options(a, &opt);
    if (!load_ca(a, &opt, msg, sizeof msg) || !device_payer_setup(a, port, &opt, msg, sizeof msg)) {
        print_error(out, kNoSession, Error::invalid_config, msg, strlen(msg), 0);
        return kExitUsage;
    }
    const consensus::Config cfg = device_config();
    if (consensus::Client::required_bytes(cfg) > sizeof g_client_memory) {
        usage_error(out, "the client block is too small for this build (kClientBytes)");
        return kExitUsage;
    }
    const char* why = "";
    Error e = g_client.init(cfg, opt, port, g_client_memory, sizeof g_client_memory, &why);
    if (e != Error::ok) {
        print_error(out, kNoSession, e, why, strlen(why), 0);
        return kExitUsage;
    }
    Run run;
    run.args = &a;
    run.out = out;
    run.port = &port;
    consensus::SessionOptions so;
    so.listener = on_event;
    so.user = &run;
    so.renew = a.renew;
    e = g_client.open_session(a.params, so, &run.handle);
    if (e != Error::ok) {
        print_error(out, kNoSession, e, "the session was not started", 27, 0);
        g_client.deinit();
        return (e == Error::invalid_params || e == Error::invalid_config) ? kExitUsage
                                                                          : kExitNoToken;
    }
    for (;;) {
        const uint64_t now = port.ops->now_ms(port.ctx);
        if (!run.handle.valid() || run.handle.state() == consensus::SessionState::closed) break;
        if (!run.close_asked) pump(&run, now);
        g_client.poll(next_wait(run, now));
    }
    g_client.deinit();
    *first_message_ms = run.first_message_ms;
    return session_exit_status(run.summary);
}

}  // namespace

int main() {
    device_init();
    Output out;
    char msg[256];
    const int argc = load_argv(msg, sizeof msg);
    if (argc < 0) {
        usage_error(out, msg);
        return kExitUsage;
    }
    Args args;
    out.json = false;
    for (int i = 1; i < argc; ++i) out.json = out.json || strcmp(g_argv[i], "--json") == 0;
    Error e = parse_args(argc, g_argv, nullptr, &args, msg, sizeof msg);
    const char* refused = e == Error::ok ? unsupported(args) : nullptr;
    if (e != Error::ok || refused != nullptr) {
        usage_error(out, e != Error::ok ? msg : refused);
        return kExitUsage;
    }
    if (device_network_up(msg, sizeof msg) == 0) {
        print_error(out, kNoSession, Error::connect_failed, msg, strlen(msg), 0);
        return kExitNoToken;
    }
    uint64_t first_message_ms = 0;
    const int status = run_connect(args, out, device_port(), &first_message_ms);
    device_print_report(out.json ? stdout : stderr, sizeof g_client_memory,
                        consensus::Client::required_bytes(device_config()), first_message_ms);
    return status;
}
