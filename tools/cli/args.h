/* SPDX-License-Identifier: MIT */
// Command-line parsing and validation of `consensus-ws` (contract: docs/CLI.md).
// Pure: no I/O, no allocation. Every string in Args points into argv, the
// environment value passed in, or a static default; keep them alive.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/error.h"
#include "consensus/params.h"
#include "consensus/x402_evm.h"

namespace consensus {
namespace cli {

enum class Command : uint8_t { none, token, connect, demo, address, pay, help, version };

/// Most `--send` values one run accepts (each session sends every one).
constexpr size_t kMaxSends = 256;
/// Most concurrent sessions (`--sessions`).
constexpr uint32_t kMaxSessionsOption = 1024;
/// --connect-host may be given this many times.
constexpr size_t kMaxConnectHosts = 8;
/// --price-margin-ppm at most 1,000,000 (the service may ask twice the quote).
constexpr uint32_t kMaxPriceMarginPpm = 1000000;
/// --pay-to may be given this many times.
constexpr size_t kMaxPayTo = 8;
/// Built-in base URL when neither --server nor CONSENSUS_SERVER_URL is set.
constexpr const char* kDefaultServer = "https://consensus.canister.software";
/// The system CA bundle (Debian/Ubuntu/Alpine path) used for https/wss by default.
constexpr const char* kDefaultCaFile = "/etc/ssl/certs/ca-certificates.crt";

struct Args {
    Command command = Command::none;
    // common
    const char* server_url = kDefaultServer;
    TokenParams params;                 // fully resolved: model, minutes, megabytes, node headers
    const char* payer = nullptr;        // --payer CMD (run through /bin/sh -c)
    bool demo_payer = false;            // --demo-payer: the built-in fake signer (dev servers only)
    const char* wallet_key = nullptr;   // --wallet-key FILE: the built-in EVM signer's key
    EvmAddress pay_to[kMaxPayTo] = {};  // --pay-to: the payees the signer may pay (none: any)
    size_t pay_to_count = 0;
    const char* ca_file = kDefaultCaFile;
    uint64_t limit_micro_usd = 0;  // 0 = no --limit-usd
    uint32_t request_timeout_ms = 30000;
    uint32_t price_margin_ppm = 0;  // --price-margin-ppm: what a 402 may ask above the quote
    const char* connect_hosts[kMaxConnectHosts] = {};  // --connect-host: more hosts allowed
    size_t connect_host_count = 0;
    const char* proxy = nullptr;  // --proxy URL: both proxies, over the environment's
    // What the client gets (resolve_proxies(): --proxy, else curl's variables).
    const char* http_proxy = nullptr;
    const char* https_proxy = nullptr;
    const char* no_proxy = nullptr;
    bool json = false;
    bool verbose = false;  // --verbose: the library's log lines on stderr
    // session (connect)
    const char* sends[kMaxSends] = {};
    bool send_is_file[kMaxSends] = {};  ///< sends[i] names a file (--send-file), sent binary
    size_t send_count = 0;              // 0: messages come from stdin
    const char* save_dir = nullptr;     ///< --save-messages DIR: each message to DIR/<n>.bin
    bool binary = false;
    uint32_t wait_ms = 2000;
    uint32_t open_timeout_ms = 12000;
    uint32_t reconnect_ms = 2000;
    uint32_t reconnect_max_ms = 0;         // --reconnect-max-ms (0: the fixed interval)
    float reconnect_jitter = 0.0f;         // --reconnect-jitter, 0..1
    uint32_t max_reconnects = UINT32_MAX;  // unlimited
    uint32_t ping_ms = 20000;
    bool renew = false;
    uint32_t sessions = 1;
    uint32_t max_paid_attempts = 3;  // --max-paid-attempts (0: no bound)
};

/// Reads an environment variable (getenv, or a test's).
using GetEnv = const char* (*)(const char* name);

/// Fills http_proxy/https_proxy/no_proxy as curl does: --proxy for both, else
/// https_proxy or HTTPS_PROXY for https/wss URLs and http_proxy or HTTP_PROXY
/// for http/ws URLs (lower case first); no_proxy or NO_PROXY in any case.
/// Empty variables count as unset.
void resolve_proxies(Args* args, GetEnv env);

/// Parses argv (argv[0] is the program) into *out. `env_server_url` is
/// $CONSENSUS_SERVER_URL or nullptr. On error writes a one-line reason into
/// msg (NUL-terminated, cut to msg_cap) and returns invalid_params; the caller
/// exits 2. `--help` / `--version` anywhere win over everything else.
/// Errors: invalid_params (unknown command/option, missing value, bad number,
/// option not valid for the command, failed parameter validation).
Error parse_args(int argc, const char* const* argv, const char* env_server_url, Args* out,
                 char* msg, size_t msg_cap);

/// Parses a non-negative decimal amount with at most 6 decimals ("0.25",
/// "3", "0.000001") into micro-USD, exactly (no floating point).
/// False on any other form, on an empty string, or above 1e12 USD.
bool parse_usd(const char* s, uint64_t* micro_usd);

/// Parses a whole decimal number 0..max (digits only). False otherwise.
bool parse_uint(const char* s, uint32_t max, uint32_t* out);

}  // namespace cli
}  // namespace consensus
