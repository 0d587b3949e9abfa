// SPDX-License-Identifier: MIT
// consensus-ws: the command-line client (docs/CLI.md). Parses, validates (exit 2
// before any network traffic), then runs token / connect / demo.
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "consensus/client.h"
#include "demo.h"
#include "exit_status.h"
#include "output.h"
#include "pay.h"
#include "runner.h"

namespace {

using consensus::Error;
using namespace consensus::cli;

constexpr const char* kUsage =
    "usage: consensus-ws token   [common options]\n"
    "       consensus-ws connect [common options] [session options]\n"
    "       consensus-ws demo    [--json]\n"
    "       consensus-ws address --wallet-key FILE\n"
    "       consensus-ws pay     --wallet-key FILE [--pay-to ADDR] [--limit-usd X] < challenge\n"
    "       consensus-ws --help | --version\n"
    "\n"
    "Buys a paid session on the Consensus network (x402) and runs it over WebSocket.\n"
    "\n"
    "common options:\n"
    "  --server URL              service base URL, http:// or https://\n"
    "                            (default $CONSENSUS_SERVER_URL, else "
    "https://consensus.canister.software)\n"
    "  --model M                 hybrid | time | data (default hybrid)\n"
    "  --minutes N               whole minutes 0..1440 (default 5)\n"
    "  --megabytes N             whole megabytes 0..10240 (default 50)\n"
    "  --region R, --domain D, --exclude X\n"
    "                            sent as x-node-region / x-node-domain / x-node-exclude\n"
    "  --payer CMD               payment signer run through /bin/sh -c: challenge JSON on\n"
    "                            stdin, PAYMENT-SIGNATURE value on stdout, exit 0 (else refused)\n"
    "                            (none: a 402 fails with payment_required)\n"
    "  --demo-payer              built-in payer with a FAKE signature (dev servers only)\n"
    "  --wallet-key FILE         pay with the built-in EVM signer (x402 exact, EIP-3009) and\n"
    "                            the key in FILE (64 hex digits, mode 0600); its per-payment\n"
    "                            maximum is --limit-usd, else 1 USDC\n"
    "  --pay-to ADDR             the signer pays only ADDR (repeatable; default: any payee)\n"
    "  --ca FILE                 PEM CA bundle for https/wss (default the system bundle)\n"
    "  --limit-usd X             spend guard for this run, up to 6 decimals\n"
    "  --request-timeout-ms N    bound on one token request, payment included (30000)\n"
    "  --price-margin-ppm N      a 402 may ask the quote plus N parts per million (0)\n"
    "  --proxy URL               HTTP proxy http://[user:password@]host[:port] for the\n"
    "                            token and the session (CONNECT; default: https_proxy,\n"
    "                            HTTPS_PROXY, http_proxy, HTTP_PROXY by scheme; no_proxy)\n"
    "  --connect-host HOST       a connect_url may also name HOST (repeatable; default:\n"
    "                            only the server's own host)\n"
    "  --json                    one JSON object per output line\n"
    "  --verbose                 the library's log on stderr: state changes, purchase\n"
    "                            steps, failures and reconnect decisions (never a token,\n"
    "                            a connect_url or a payment header)\n"
    "\n"
    "session options (connect):\n"
    "  --send TEXT               send TEXT after open (repeatable); otherwise stdin lines\n"
    "  --send-file FILE          send FILE as one binary message, streamed piece by piece\n"
    "                            (repeatable, in order with --send)\n"
    "  --save-messages DIR       write each received message to DIR/<n>.bin (n from 1 in\n"
    "                            arrival order, the server's session_start included), as\n"
    "                            its parts arrive; messages up to 1 GiB are accepted\n"
    "  --binary                  send binary frames\n"
    "  --wait-ms N               keep the session N ms after the last message (2000)\n"
    "  --open-timeout-ms N       bound on DNS, TCP, TLS and upgrade (12000)\n"
    "  --reconnect-ms N          reconnect interval, the first wait after a failure (2000)\n"
    "  --reconnect-max-ms N      double the wait with each failure in a row, up to N\n"
    "                            (default: no growth, the fixed interval)\n"
    "  --reconnect-jitter F      each wait loses a random share up to F, 0..1 (0)\n"
    "  --max-reconnects N        reconnect attempts in a row after a failure (unlimited)\n"
    "  --ping-ms N               keepalive ping interval, 0 = off (20000)\n"
    "  --renew                   after session_expired, buy a new session and continue\n"
    "  --sessions N              N concurrent sessions, each sends every message (1)\n"
    "  --max-paid-attempts N     paid tokens in a row without a working session before\n"
    "                            giving up (3; 0 = no bound)\n"
    "\n"
    "output: without --json, each received text message is one line on stdout, binary\n"
    "  ones are `[binary N bytes] <base64>`; events and errors go to stderr, the server's\n"
    "  session_start and session_expired as events only. Server text (messages included)\n"
    "  is escaped so it cannot act on the terminal: \\\\ \\n \\r \\t, other controls and DEL\n"
    "  as \\xNN, C1 controls as \\u0080..\\u009f, bytes of invalid UTF-8 as \\xNN; so a\n"
    "  message with a newline stays on one line. --json carries the exact text.\n"
    "\n"
    "exit status: 0 done, 2 invalid usage, 3 no token, 4 session did not open,\n"
    "             5 session lost and not restored\n";

bool wants_json(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (strcmp(argv[i], "--json") == 0) return true;
    }
    return false;
}

// An explicit --ca must be readable: found now, not after a payment.
bool ca_unreadable(const Args& a) {
    return a.ca_file != kDefaultCaFile && access(a.ca_file, R_OK) != 0;
}

// --send-file and --save-messages are checked before anything is bought:
// a regular readable file, a writable directory. Writes the reason to msg.
bool files_unusable(const Args& a, char* msg, size_t cap) {
    struct stat st;
    for (size_t i = 0; i < a.send_count; ++i) {
        if (!a.send_is_file[i]) continue;
        if (stat(a.sends[i], &st) != 0 || !S_ISREG(st.st_mode) || access(a.sends[i], R_OK) != 0) {
            snprintf(msg, cap, "--send-file: cannot read '%s': %s", a.sends[i],
                     errno != 0 ? strerror(errno) : "not a regular file");
            return true;
        }
    }
    if (a.save_dir == nullptr) return false;
    errno = 0;
    if (stat(a.save_dir, &st) != 0 || !S_ISDIR(st.st_mode) ||
        access(a.save_dir, W_OK | X_OK) != 0) {
        snprintf(msg, cap, "--save-messages: '%s' is not a writable directory%s%s", a.save_dir,
                 errno != 0 ? ": " : "", errno != 0 ? strerror(errno) : "");
        return true;
    }
    return false;
}

}  // namespace

int main(int argc, char** argv) {
    Output out;
    out.json = wants_json(argc, argv);
    Args args;
    char msg[256];
    Error e = parse_args(argc, argv, getenv("CONSENSUS_SERVER_URL"), &args, msg, sizeof msg);
    if (e != Error::ok) {
        // One line: what is wrong and where to read more (the usage would bury
        // it). Some reasons already end with the pointer; --json lines keep theirs.
        char line[sizeof msg + 32];
        bool hint = !out.json && strstr(msg, "see --help") == nullptr;
        snprintf(line, sizeof line, hint ? "%s; see consensus-ws --help" : "%s", msg);
        print_error(out, kNoSession, e, line, strlen(line), 0);
        return kExitUsage;
    }
    switch (args.command) {
        case Command::help:
            fputs(kUsage, stdout);
            return kExitOk;
        case Command::version:
            printf("consensus-ws %s (mbedTLS %s)\n", CONSENSUS_TOOLS_VERSION,
                   consensus::tls_library_version());
            return kExitOk;
        case Command::none:
            return kExitUsage;  // parse_args reports it; not reached
        default:
            break;
    }
    resolve_proxies(&args, [](const char* name) -> const char* { return getenv(name); });
    out.json = args.json;
    out.tag_sessions = args.sessions > 1;
    if (ca_unreadable(args)) {
        snprintf(msg, sizeof msg, "--ca: cannot read '%s'", args.ca_file);
        print_error(out, kNoSession, Error::invalid_config, msg, strlen(msg), 0);
        return kExitUsage;
    }
    errno = 0;
    if (files_unusable(args, msg, sizeof msg)) {
        print_error(out, kNoSession, Error::invalid_params, msg, strlen(msg), 0);
        return kExitUsage;
    }
    install_signal_handlers();
    switch (args.command) {
        case Command::token:
            return run_token(args, out);
        case Command::connect:
            return run_connect(args, out);
        case Command::demo:
            return run_demo(out);
        case Command::address:
            return run_address(args, out);
        case Command::pay:
            return run_pay(args, out);
        default:
            return kExitUsage;
    }
}
