// SPDX-License-Identifier: MIT
// Option table + one switch: each option is parsed, then the whole set is
// checked against the command and the server's rules (docs/CLI.md "Validation").
#include "args.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

namespace consensus {
namespace cli {
namespace {

// Where an option is valid: common (token, connect), session (connect),
// wallet (token, connect, address, pay), payee (token, connect, pay), any.
enum class Scope : uint8_t { common, session, wallet, payee, any };

enum class Opt : uint8_t {
    server,
    model,
    minutes,
    megabytes,
    region,
    domain,
    exclude,
    payer,
    demo_payer,
    ca,
    limit_usd,
    request_timeout,
    json,
    send,
    send_file,
    save_messages,
    binary,
    wait,
    open_timeout,
    reconnect,
    reconnect_max,
    reconnect_jitter,
    max_reconnects,
    ping,
    renew,
    sessions,
    price_margin,
    connect_host,
    proxy,
    max_paid_attempts,
    wallet_key,
    pay_to,
    verbose,
};

struct OptionSpec {
    const char* name;
    Opt id;
    bool takes_value;
    Scope scope;
};

constexpr OptionSpec kOptions[] = {
    {"--server", Opt::server, true, Scope::common},
    {"--model", Opt::model, true, Scope::common},
    {"--minutes", Opt::minutes, true, Scope::common},
    {"--megabytes", Opt::megabytes, true, Scope::common},
    {"--region", Opt::region, true, Scope::common},
    {"--domain", Opt::domain, true, Scope::common},
    {"--exclude", Opt::exclude, true, Scope::common},
    {"--payer", Opt::payer, true, Scope::common},
    {"--demo-payer", Opt::demo_payer, false, Scope::common},
    {"--ca", Opt::ca, true, Scope::common},
    {"--limit-usd", Opt::limit_usd, true, Scope::common},
    {"--request-timeout-ms", Opt::request_timeout, true, Scope::common},
    {"--price-margin-ppm", Opt::price_margin, true, Scope::common},
    {"--connect-host", Opt::connect_host, true, Scope::common},
    {"--proxy", Opt::proxy, true, Scope::common},
    {"--json", Opt::json, false, Scope::any},
    {"--verbose", Opt::verbose, false, Scope::any},
    {"--wallet-key", Opt::wallet_key, true, Scope::wallet},
    {"--pay-to", Opt::pay_to, true, Scope::payee},
    {"--send", Opt::send, true, Scope::session},
    {"--send-file", Opt::send_file, true, Scope::session},
    {"--save-messages", Opt::save_messages, true, Scope::session},
    {"--binary", Opt::binary, false, Scope::session},
    {"--wait-ms", Opt::wait, true, Scope::session},
    {"--open-timeout-ms", Opt::open_timeout, true, Scope::session},
    {"--reconnect-ms", Opt::reconnect, true, Scope::session},
    {"--reconnect-max-ms", Opt::reconnect_max, true, Scope::session},
    {"--reconnect-jitter", Opt::reconnect_jitter, true, Scope::session},
    {"--max-reconnects", Opt::max_reconnects, true, Scope::session},
    {"--ping-ms", Opt::ping, true, Scope::session},
    {"--renew", Opt::renew, false, Scope::session},
    {"--sessions", Opt::sessions, true, Scope::session},
    {"--max-paid-attempts", Opt::max_paid_attempts, true, Scope::session},
};

// Writes a formatted reason and returns invalid_params (the one error of parsing).
Error fail(char* msg, size_t cap, const char* fmt, ...) __attribute__((format(printf, 3, 4)));
Error fail(char* msg, size_t cap, const char* fmt, ...) {
    if (msg != nullptr && cap > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, cap, fmt, ap);
        va_end(ap);
    }
    return Error::invalid_params;
}

const OptionSpec* find_option(const char* arg, size_t name_len) {
    for (const OptionSpec& o : kOptions) {
        if (strlen(o.name) == name_len && strncmp(o.name, arg, name_len) == 0) return &o;
    }
    return nullptr;
}

bool parse_command(const char* s, Command* out) {
    if (strcmp(s, "token") == 0)
        *out = Command::token;
    else if (strcmp(s, "connect") == 0)
        *out = Command::connect;
    else if (strcmp(s, "demo") == 0)
        *out = Command::demo;
    else if (strcmp(s, "address") == 0)
        *out = Command::address;
    else if (strcmp(s, "pay") == 0)
        *out = Command::pay;
    else
        return false;
    return true;
}

bool parse_model_name(const char* s, Model* out) {
    if (strcmp(s, "hybrid") == 0)
        *out = Model::hybrid;
    else if (strcmp(s, "time") == 0)
        *out = Model::time;
    else if (strcmp(s, "data") == 0)
        *out = Model::data;
    else
        return false;
    return true;
}

bool has_prefix_nocase(const char* s, const char* prefix) {
    for (; *prefix != '\0'; ++s, ++prefix) {
        char c = *s;
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != *prefix) return false;
    }
    return true;
}

// http(s)://host... with a non-empty host: the library re-checks the rest.
bool valid_server_url(const char* s) {
    const char* rest = nullptr;
    if (has_prefix_nocase(s, "http://"))
        rest = s + 7;
    else if (has_prefix_nocase(s, "https://"))
        rest = s + 8;
    if (rest == nullptr || *rest == '\0' || *rest == '/' || *rest == ':') return false;
    for (const char* p = s; *p != '\0'; ++p) {
        if (*p <= ' ' || *p == 0x7f) return false;
    }
    return true;
}

// x-node-* values become HTTP header values: printable ASCII, bounded.
bool valid_node_header(const char* s) {
    size_t n = strlen(s);
    if (n == 0 || n > kMaxNodeHeader) return false;
    for (size_t i = 0; i < n; ++i) {
        if (s[i] < 0x20 || s[i] > 0x7e) return false;
    }
    return true;
}

const char* command_name(Command c);

struct Parser {
    Args* args;
    char* msg;
    size_t cap;
    bool saw_model = false;
    bool saw_minutes = false;
    bool saw_megabytes = false;

    Error number(const char* name, const char* value, uint32_t min, uint32_t max, uint32_t* out) {
        uint32_t v = 0;
        if (!parse_uint(value, UINT32_MAX, &v)) {
            return fail(msg, cap, "%s: '%s' is not a whole number", name, value);
        }
        if (v < min || v > max) {
            return fail(msg, cap, "%s: %" PRIu32 " is out of range %" PRIu32 "..%" PRIu32, name, v,
                        min, max);
        }
        *out = v;
        return Error::ok;
    }

    // A share 0..1 with at most 6 decimals ("0", "0.25", "1"), parsed exactly
    // as millionths (parse_usd's grammar) before it becomes a float.
    Error jitter(const char* name, const char* value, float* out) {
        uint64_t millionths = 0;
        if (!parse_usd(value, &millionths) || millionths > 1000000) {
            return fail(msg, cap, "%s: '%s' is not a share from 0 to 1 (at most 6 decimals)", name,
                        value);
        }
        *out = static_cast<float>(millionths) / 1e6f;
        return Error::ok;
    }

    Error node(const char* name, const char* value, const char** out) {
        if (!valid_node_header(value)) {
            return fail(msg, cap, "%s: must be 1..%lu printable ASCII characters", name,
                        static_cast<unsigned long>(kMaxNodeHeader));
        }
        *out = value;
        return Error::ok;
    }

    Error apply(const OptionSpec& o, const char* value) {
        uint32_t v = 0;
        Error e = Error::ok;
        switch (o.id) {
            case Opt::server:
                if (!valid_server_url(value)) {
                    return fail(msg, cap, "--server: '%s' is not an http:// or https:// URL",
                                value);
                }
                args->server_url = value;
                return Error::ok;
            case Opt::model:
                if (!parse_model_name(value, &args->params.model)) {
                    return fail(msg, cap, "--model: '%s' is not hybrid, time or data", value);
                }
                saw_model = true;
                return Error::ok;
            case Opt::minutes:
                e = number(o.name, value, 0, static_cast<uint32_t>(kMaxMinutes), &v);
                args->params.minutes = static_cast<int32_t>(v);
                saw_minutes = true;
                return e;
            case Opt::megabytes:
                e = number(o.name, value, 0, static_cast<uint32_t>(kMaxMegabytes), &v);
                args->params.megabytes = static_cast<int32_t>(v);
                saw_megabytes = true;
                return e;
            case Opt::region:
                return node(o.name, value, &args->params.node_region);
            case Opt::domain:
                return node(o.name, value, &args->params.node_domain);
            case Opt::exclude:
                return node(o.name, value, &args->params.node_exclude);
            case Opt::payer:
                if (*value == '\0') return fail(msg, cap, "--payer: empty command");
                args->payer = value;
                return Error::ok;
            case Opt::demo_payer:
                args->demo_payer = true;
                return Error::ok;
            case Opt::ca:
                if (*value == '\0') return fail(msg, cap, "--ca: empty file name");
                args->ca_file = value;
                return Error::ok;
            case Opt::limit_usd:
                if (!parse_usd(value, &args->limit_micro_usd) || args->limit_micro_usd == 0) {
                    return fail(msg, cap,
                                "--limit-usd: '%s' is not an amount above 0 with at most 6 "
                                "decimals",
                                value);
                }
                return Error::ok;
            case Opt::request_timeout:
                return number(o.name, value, 1, UINT32_MAX, &args->request_timeout_ms);
            case Opt::json:
                args->json = true;
                return Error::ok;
            case Opt::verbose:
                args->verbose = true;
                return Error::ok;
            case Opt::send:
            case Opt::send_file:
                if (args->send_count == kMaxSends) {
                    return fail(msg, cap, "%s: more than %lu messages", o.name,
                                static_cast<unsigned long>(kMaxSends));
                }
                if (o.id == Opt::send_file && *value == '\0') {
                    return fail(msg, cap, "--send-file: empty file name");
                }
                args->send_is_file[args->send_count] = o.id == Opt::send_file;
                args->sends[args->send_count++] = value;
                return Error::ok;
            case Opt::save_messages:
                if (*value == '\0') return fail(msg, cap, "--save-messages: empty directory name");
                args->save_dir = value;
                return Error::ok;
            case Opt::binary:
                args->binary = true;
                return Error::ok;
            case Opt::wait:
                return number(o.name, value, 0, UINT32_MAX, &args->wait_ms);
            case Opt::open_timeout:
                return number(o.name, value, 1, UINT32_MAX, &args->open_timeout_ms);
            case Opt::reconnect:
                return number(o.name, value, 0, UINT32_MAX, &args->reconnect_ms);
            case Opt::reconnect_max:
                return number(o.name, value, 0, UINT32_MAX, &args->reconnect_max_ms);
            case Opt::reconnect_jitter:
                return jitter(o.name, value, &args->reconnect_jitter);
            case Opt::max_reconnects:
                // UINT32_MAX itself means "unlimited" to the library.
                return number(o.name, value, 0, UINT32_MAX - 1, &args->max_reconnects);
            case Opt::ping:
                return number(o.name, value, 0, UINT32_MAX, &args->ping_ms);
            case Opt::renew:
                args->renew = true;
                return Error::ok;
            case Opt::sessions:
                return number(o.name, value, 1, kMaxSessionsOption, &args->sessions);
            case Opt::price_margin:
                return number(o.name, value, 0, kMaxPriceMarginPpm, &args->price_margin_ppm);
            case Opt::proxy:  // checked by Client::init, whose reasons never quote it
                if (*value == '\0') return fail(msg, cap, "--proxy: empty URL");
                args->proxy = value;
                return Error::ok;
            case Opt::connect_host:
                if (*value == '\0') return fail(msg, cap, "--connect-host: empty host");
                if (args->connect_host_count == kMaxConnectHosts) {
                    return fail(msg, cap, "--connect-host: more than %lu hosts",
                                static_cast<unsigned long>(kMaxConnectHosts));
                }
                args->connect_hosts[args->connect_host_count++] = value;
                return Error::ok;
            case Opt::max_paid_attempts:
                return number(o.name, value, 0, UINT32_MAX, &args->max_paid_attempts);
            case Opt::wallet_key:
                if (*value == '\0') return fail(msg, cap, "--wallet-key: empty file name");
                args->wallet_key = value;
                return Error::ok;
            case Opt::pay_to:
                if (args->pay_to_count == kMaxPayTo) {
                    return fail(msg, cap, "--pay-to: more than %lu payees",
                                static_cast<unsigned long>(kMaxPayTo));
                }
                if (!evm_parse_address(value, strlen(value), &args->pay_to[args->pay_to_count])) {
                    return fail(msg, cap,
                                "--pay-to: '%.48s' is not an address (0x + 40 hex digits, "
                                "EIP-55 checksum when mixed case)",
                                value);
                }
                ++args->pay_to_count;
                return Error::ok;
        }
        return Error::ok;
    }

    // Options are checked against the command once all are known (order-free).
    Error check_scope(const OptionSpec& o) {
        const Command c = args->command;
        const bool buys = c == Command::token || c == Command::connect;
        switch (o.scope) {
            case Scope::any:
                return Error::ok;
            case Scope::common:
                // pay takes the spend limit as its per-payment maximum.
                if (buys || (c == Command::pay && o.id == Opt::limit_usd)) return Error::ok;
                break;
            case Scope::session:
                if (c == Command::connect) return Error::ok;
                if (c == Command::token) {
                    return fail(msg, cap, "%s is only valid with 'connect'", o.name);
                }
                break;
            case Scope::wallet:
                if (buys || c == Command::address || c == Command::pay) return Error::ok;
                break;
            case Scope::payee:
                if (buys || c == Command::pay) return Error::ok;
                break;
        }
        return fail(msg, cap, "%s is not an option of '%s'", o.name, command_name(c));
    }

    // docs/CLI.md: the dimensions the model bills must be at least 1.
    Error check_billed() {
        TokenParams& p = args->params;
        if (!saw_model) p.model = Model::hybrid;
        if (!saw_minutes) p.minutes = 5;
        if (!saw_megabytes) p.megabytes = 50;
        const char* model = p.model == Model::time   ? "time"
                            : p.model == Model::data ? "data"
                                                     : "hybrid";
        if (p.model != Model::data && p.minutes < 1) {
            return fail(msg, cap, "--minutes must be at least 1 for model %s", model);
        }
        if (p.model != Model::time && p.megabytes < 1) {
            return fail(msg, cap, "--megabytes must be at least 1 for model %s", model);
        }
        return check_payer();
    }

    // One way to pay; the signer's own options only with the signer.
    Error check_payer() {
        const int payers =
            (args->payer != nullptr) + args->demo_payer + (args->wallet_key != nullptr);
        if (payers > 1) {
            return fail(msg, cap, "--payer, --demo-payer and --wallet-key exclude each other");
        }
        if (args->pay_to_count > 0 && args->wallet_key == nullptr) {
            return fail(msg, cap, "--pay-to needs --wallet-key");
        }
        return Error::ok;
    }
};

const char* command_name(Command c) {
    switch (c) {
        case Command::token:
            return "token";
        case Command::connect:
            return "connect";
        case Command::demo:
            return "demo";
        case Command::address:
            return "address";
        case Command::pay:
            return "pay";
        default:
            return "?";
    }
}

// An argument as an error message may quote it: not one that may hold a
// proxy's password (a URL with a userinfo).
const char* shown(const char* a) {
    const char* scheme = strstr(a, "://");
    const char* at = strchr(a, '@');
    return at != nullptr && (scheme == nullptr || scheme < at) ? "(not shown: it has an '@')" : a;
}

bool is_flag(const char* a, const char* long_name, const char* short_name) {
    return strcmp(a, long_name) == 0 || (short_name != nullptr && strcmp(a, short_name) == 0);
}

}  // namespace

bool parse_uint(const char* s, uint32_t max, uint32_t* out) {
    if (s == nullptr || *s == '\0') return false;
    uint64_t v = 0;
    for (const char* p = s; *p != '\0'; ++p) {
        if (*p < '0' || *p > '9') return false;
        v = v * 10 + static_cast<uint64_t>(*p - '0');
        if (v > max) return false;
    }
    *out = static_cast<uint32_t>(v);
    return true;
}

bool parse_usd(const char* s, uint64_t* micro_usd) {
    constexpr uint64_t kMaxWhole = 1000000000000ULL;  // 1e12 USD keeps *1e6 in range
    if (s == nullptr || *s < '0' || *s > '9') return false;
    uint64_t whole = 0;
    const char* p = s;
    for (; *p >= '0' && *p <= '9'; ++p) {
        whole = whole * 10 + static_cast<uint64_t>(*p - '0');
        if (whole > kMaxWhole) return false;
    }
    uint64_t frac = 0;
    if (*p == '.') {
        ++p;
        int digits = 0;
        for (; *p >= '0' && *p <= '9'; ++p) {
            if (++digits > 6) return false;
            frac = frac * 10 + static_cast<uint64_t>(*p - '0');
        }
        if (digits == 0) return false;
        for (; digits < 6; ++digits) frac *= 10;
    }
    if (*p != '\0') return false;
    uint64_t total = whole * 1000000ULL + frac;
    if (total > kMaxWhole * 1000000ULL) return false;
    *micro_usd = total;
    return true;
}

namespace {

const char* first_set(GetEnv env, const char* lower, const char* upper) {
    const char* v = env(lower);
    if (v == nullptr || *v == '\0') v = env(upper);
    return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

void resolve_proxies(Args* args, GetEnv env) {
    args->http_proxy =
        args->proxy != nullptr ? args->proxy : first_set(env, "http_proxy", "HTTP_PROXY");
    args->https_proxy =
        args->proxy != nullptr ? args->proxy : first_set(env, "https_proxy", "HTTPS_PROXY");
    args->no_proxy = first_set(env, "no_proxy", "NO_PROXY");
}

Error parse_args(int argc, const char* const* argv, const char* env_server_url, Args* out,
                 char* msg, size_t msg_cap) {
    *out = Args{};
    if (msg != nullptr && msg_cap > 0) msg[0] = '\0';
    if (env_server_url != nullptr && *env_server_url != '\0') out->server_url = env_server_url;

    for (int i = 1; i < argc; ++i) {
        if (is_flag(argv[i], "--help", "-h")) {
            out->command = Command::help;
            return Error::ok;
        }
        if (is_flag(argv[i], "--version", nullptr)) {
            out->command = Command::version;
            return Error::ok;
        }
    }

    Parser parser{out, msg, msg_cap};
    // Pass 1: the command (the single positional word).
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (strncmp(a, "--", 2) == 0) {
            const char* eq = strchr(a, '=');
            const OptionSpec* o =
                find_option(a, eq != nullptr ? static_cast<size_t>(eq - a) : strlen(a));
            if (o != nullptr && o->takes_value && eq == nullptr) ++i;  // skip its value
            continue;
        }
        if (out->command != Command::none) {
            return fail(msg, msg_cap, "unexpected argument '%s'", shown(a));
        }
        if (!parse_command(a, &out->command)) {
            return fail(msg, msg_cap, "unknown command '%s' (token, connect, demo, address, pay)",
                        shown(a));
        }
    }
    if (out->command == Command::none) {
        return fail(msg, msg_cap,
                    "missing command (token, connect, demo, address, pay); see --help");
    }

    // Pass 2: the options, each checked against the command.
    for (int i = 1; i < argc; ++i) {
        const char* a = argv[i];
        if (strncmp(a, "--", 2) != 0) continue;  // the command word
        const char* eq = strchr(a, '=');
        size_t name_len = eq != nullptr ? static_cast<size_t>(eq - a) : strlen(a);
        const OptionSpec* o = find_option(a, name_len);
        if (o == nullptr)
            return fail(msg, msg_cap, "unknown option '%.*s'", static_cast<int>(name_len), a);
        Error e = parser.check_scope(*o);
        if (e != Error::ok) return e;
        const char* value = nullptr;
        if (o->takes_value) {
            if (eq != nullptr) {
                value = eq + 1;
            } else if (i + 1 < argc) {
                value = argv[++i];
            } else {
                return fail(msg, msg_cap, "%s needs a value", o->name);
            }
        } else if (eq != nullptr) {
            return fail(msg, msg_cap, "%s takes no value", o->name);
        }
        e = parser.apply(*o, value);
        if (e != Error::ok) return e;
    }
    if (out->command == Command::demo) return Error::ok;
    if (out->command == Command::address || out->command == Command::pay) {
        if (out->wallet_key == nullptr) {
            return fail(msg, msg_cap, "'%s' needs --wallet-key FILE", command_name(out->command));
        }
        return Error::ok;
    }
    if (!valid_server_url(out->server_url)) {  // only $CONSENSUS_SERVER_URL can get here
        return fail(msg, msg_cap, "CONSENSUS_SERVER_URL: '%s' is not an http:// or https:// URL",
                    out->server_url);
    }
    return parser.check_billed();
}

}  // namespace cli
}  // namespace consensus
