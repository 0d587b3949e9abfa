// SPDX-License-Identifier: MIT
// consensus-ws argument parsing: defaults, the environment, and every
// validation rule that makes the tool exit 2 before any network traffic.
#include "args.h"

#include <stdint.h>
#include <string.h>

#include "CppUTest/TestHarness.h"

using consensus::Error;
using consensus::Model;
using namespace consensus::cli;

namespace {

struct Parsed {
    Args args;
    Error error;
    char msg[256];
};

// Parses a nullptr-terminated list of words after the program name.
Error parse(Parsed* p, const char* env, std::initializer_list<const char*> words) {
    const char* argv[64];
    int argc = 0;
    argv[argc++] = "consensus-ws";
    for (const char* w : words) argv[argc++] = w;
    p->error = parse_args(argc, argv, env, &p->args, p->msg, sizeof p->msg);
    return p->error;
}

void expect_invalid(std::initializer_list<const char*> words, const char* msg_part) {
    Parsed p;
    LONGS_EQUAL(static_cast<int>(Error::invalid_params),
                static_cast<int>(parse(&p, nullptr, words)));
    STRCMP_CONTAINS(msg_part, p.msg);
}

}  // namespace

TEST_GROUP(cli_args){};

TEST(cli_args, ConnectDefaults) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"connect"}) == Error::ok);
    const Args& a = p.args;
    CHECK(a.command == Command::connect);
    STRCMP_EQUAL("https://consensus.canister.software", a.server_url);
    CHECK(a.params.model == Model::hybrid);
    LONGS_EQUAL(5, a.params.minutes);
    LONGS_EQUAL(50, a.params.megabytes);
    POINTERS_EQUAL(nullptr, a.params.node_region);
    POINTERS_EQUAL(nullptr, a.payer);
    CHECK_FALSE(a.demo_payer);
    STRCMP_EQUAL("/etc/ssl/certs/ca-certificates.crt", a.ca_file);
    CHECK(a.limit_micro_usd == 0);
    LONGS_EQUAL(30000, a.request_timeout_ms);
    CHECK_FALSE(a.json);
    LONGS_EQUAL(0, a.send_count);
    CHECK_FALSE(a.binary);
    LONGS_EQUAL(2000, a.wait_ms);
    LONGS_EQUAL(12000, a.open_timeout_ms);
    LONGS_EQUAL(2000, a.reconnect_ms);
    LONGS_EQUAL(0, a.reconnect_max_ms);
    CHECK(a.reconnect_jitter == 0.0f);
    CHECK(a.max_reconnects == UINT32_MAX);
    LONGS_EQUAL(20000, a.ping_ms);
    CHECK_FALSE(a.renew);
    LONGS_EQUAL(1, a.sessions);
}

TEST(cli_args, FleetOptions) {
    Parsed p;
    CHECK(parse(&p, nullptr,
                {"connect", "--reconnect-ms", "100", "--reconnect-max-ms", "800",
                 "--reconnect-jitter", "0.25"}) == Error::ok);
    LONGS_EQUAL(100, p.args.reconnect_ms);
    LONGS_EQUAL(800, p.args.reconnect_max_ms);
    CHECK(p.args.reconnect_jitter == 0.25f);
    CHECK(parse(&p, nullptr, {"connect", "--reconnect-jitter", "1"}) == Error::ok);
    CHECK(p.args.reconnect_jitter == 1.0f);
    CHECK(parse(&p, nullptr, {"connect", "--reconnect-jitter", "0"}) == Error::ok);
    CHECK(p.args.reconnect_jitter == 0.0f);
    expect_invalid({"connect", "--reconnect-jitter", "1.000001"}, "not a share from 0 to 1");
    expect_invalid({"connect", "--reconnect-jitter", "-0.5"}, "not a share from 0 to 1");
    expect_invalid({"connect", "--reconnect-jitter", "0.0000001"}, "at most 6 decimals");
    expect_invalid({"connect", "--reconnect-max-ms", "-1"}, "not a whole number");
    expect_invalid({"token", "--reconnect-jitter", "0.5"}, "--reconnect-jitter");
}

TEST(cli_args, EnvironmentServerUrlAndOverride) {
    Parsed p;
    CHECK(parse(&p, "http://127.0.0.1:9", {"token"}) == Error::ok);
    STRCMP_EQUAL("http://127.0.0.1:9", p.args.server_url);
    CHECK(parse(&p, "http://127.0.0.1:9", {"token", "--server", "https://x.example"}) == Error::ok);
    STRCMP_EQUAL("https://x.example", p.args.server_url);
    CHECK(parse(&p, "", {"token"}) == Error::ok);  // empty variable: the built-in default
    STRCMP_EQUAL(kDefaultServer, p.args.server_url);
}

TEST(cli_args, AllOptionsParsed) {
    Parsed p;
    CHECK(parse(&p, nullptr,
                {"--json",
                 "connect",
                 "--server=http://h:1/base",
                 "--model",
                 "time",
                 "--minutes",
                 "1440",
                 "--megabytes",
                 "0",
                 "--region",
                 "eu",
                 "--domain",
                 "d.example",
                 "--exclude",
                 "n1",
                 "--payer",
                 "./pay.sh",
                 "--ca",
                 "/tmp/ca.pem",
                 "--limit-usd",
                 "0.25",
                 "--request-timeout-ms",
                 "5",
                 "--send",
                 "a",
                 "--send",
                 "b c",
                 "--binary",
                 "--wait-ms",
                 "0",
                 "--open-timeout-ms",
                 "7",
                 "--reconnect-ms",
                 "0",
                 "--max-reconnects",
                 "0",
                 "--ping-ms",
                 "0",
                 "--renew",
                 "--sessions",
                 "3"}) == Error::ok);
    const Args& a = p.args;
    STRCMP_EQUAL("http://h:1/base", a.server_url);
    CHECK(a.params.model == Model::time);
    LONGS_EQUAL(1440, a.params.minutes);
    LONGS_EQUAL(0, a.params.megabytes);
    STRCMP_EQUAL("eu", a.params.node_region);
    STRCMP_EQUAL("d.example", a.params.node_domain);
    STRCMP_EQUAL("n1", a.params.node_exclude);
    STRCMP_EQUAL("./pay.sh", a.payer);
    STRCMP_EQUAL("/tmp/ca.pem", a.ca_file);
    CHECK(a.limit_micro_usd == 250000);
    LONGS_EQUAL(5, a.request_timeout_ms);
    CHECK(a.json);
    LONGS_EQUAL(2, a.send_count);
    STRCMP_EQUAL("a", a.sends[0]);
    STRCMP_EQUAL("b c", a.sends[1]);
    CHECK(a.binary);
    LONGS_EQUAL(0, a.wait_ms);
    LONGS_EQUAL(7, a.open_timeout_ms);
    LONGS_EQUAL(0, a.reconnect_ms);
    LONGS_EQUAL(0, a.max_reconnects);
    LONGS_EQUAL(0, a.ping_ms);
    CHECK(a.renew);
    LONGS_EQUAL(3, a.sessions);
}

TEST(cli_args, SendValueMayLookLikeAnything) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"connect", "--send", "token", "--send", "-x"}) == Error::ok);
    LONGS_EQUAL(2, p.args.send_count);
    STRCMP_EQUAL("token", p.args.sends[0]);
    STRCMP_EQUAL("-x", p.args.sends[1]);
    CHECK(parse(&p, nullptr, {"connect", "--send="}) == Error::ok);  // an empty message
    STRCMP_EQUAL("", p.args.sends[0]);
}

TEST(cli_args, SendFilesKeepTheirPlaceAmongSends) {
    Parsed p;
    CHECK(parse(&p, nullptr,
                {"connect", "--send", "a", "--send-file", "f.bin", "--send", "z", "--save-messages",
                 "out"}) == Error::ok);
    LONGS_EQUAL(3, p.args.send_count);
    STRCMP_EQUAL("f.bin", p.args.sends[1]);
    CHECK(!p.args.send_is_file[0] && p.args.send_is_file[1] && !p.args.send_is_file[2]);
    STRCMP_EQUAL("out", p.args.save_dir);
    expect_invalid({"connect", "--send-file", ""}, "--send-file: empty file name");
    expect_invalid({"connect", "--save-messages", ""}, "--save-messages: empty directory name");
    expect_invalid({"token", "--send-file", "f"}, "--send-file is only valid with 'connect'");
    expect_invalid({"token", "--save-messages", "d"}, "only valid with 'connect'");
}

TEST(cli_args, HelpAndVersionWin) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"--help"}) == Error::ok);
    CHECK(p.args.command == Command::help);
    CHECK(parse(&p, nullptr, {"connect", "--bogus", "-h"}) == Error::ok);
    CHECK(p.args.command == Command::help);
    CHECK(parse(&p, nullptr, {"--version"}) == Error::ok);
    CHECK(p.args.command == Command::version);
}

TEST(cli_args, ModelsAndBilledDimensions) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"token", "--model", "time", "--megabytes", "0"}) == Error::ok);
    CHECK(parse(&p, nullptr, {"token", "--model", "data", "--minutes", "0"}) == Error::ok);
    CHECK(p.args.params.model == Model::data);
    CHECK(parse(&p, nullptr, {"token", "--minutes", "1", "--megabytes", "1"}) == Error::ok);
    CHECK(parse(&p, nullptr, {"token", "--megabytes", "10240"}) == Error::ok);
    expect_invalid({"token", "--model", "hybrid", "--minutes", "0"},
                   "--minutes must be at least 1");
    expect_invalid({"token", "--megabytes", "0"},
                   "--megabytes must be at least 1 for model hybrid");
    expect_invalid({"token", "--model", "time", "--minutes", "0"}, "model time");
    expect_invalid({"token", "--model", "data", "--megabytes", "0"}, "model data");
    expect_invalid({"token", "--model", "Hybrid"}, "not hybrid, time or data");
    expect_invalid({"token", "--model", ""}, "not hybrid, time or data");
}

TEST(cli_args, NumbersAreWholeAndBounded) {
    expect_invalid({"token", "--minutes", "1441"}, "out of range 0..1440");
    expect_invalid({"token", "--megabytes", "10241"}, "out of range 0..10240");
    expect_invalid({"token", "--minutes", "-1"}, "not a whole number");
    expect_invalid({"token", "--minutes", "2.5"}, "not a whole number");
    expect_invalid({"token", "--minutes", "abc"}, "not a whole number");
    expect_invalid({"token", "--minutes", ""}, "not a whole number");
    expect_invalid({"token", "--minutes", "+3"}, "not a whole number");
    expect_invalid({"token", "--request-timeout-ms", "0"}, "out of range");
    expect_invalid({"token", "--request-timeout-ms", "4294967296"}, "not a whole number");
    expect_invalid({"connect", "--open-timeout-ms", "0"}, "out of range");
    expect_invalid({"connect", "--sessions", "0"}, "out of range 1..1024");
    expect_invalid({"connect", "--sessions", "1025"}, "out of range 1..1024");
    expect_invalid({"connect", "--max-reconnects", "4294967295"}, "out of range");
    expect_invalid({"connect", "--wait-ms", "x"}, "not a whole number");
    expect_invalid({"connect", "--reconnect-ms", "-5"}, "not a whole number");
    expect_invalid({"connect", "--ping-ms", "1e3"}, "not a whole number");
}

TEST(cli_args, ThePolicyKnobs) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"connect"}) == Error::ok);
    LONGS_EQUAL(0, p.args.price_margin_ppm);
    LONGS_EQUAL(0, p.args.connect_host_count);
    LONGS_EQUAL(3, p.args.max_paid_attempts);
    CHECK(parse(&p, nullptr,
                {"connect", "--price-margin-ppm", "20000", "--connect-host", "nodes.example",
                 "--connect-host", "10.1.2.3", "--max-paid-attempts", "0"}) == Error::ok);
    LONGS_EQUAL(20000, p.args.price_margin_ppm);
    LONGS_EQUAL(2, p.args.connect_host_count);
    STRCMP_EQUAL("nodes.example", p.args.connect_hosts[0]);
    STRCMP_EQUAL("10.1.2.3", p.args.connect_hosts[1]);
    LONGS_EQUAL(0, p.args.max_paid_attempts);
    CHECK(parse(&p, nullptr, {"token", "--connect-host", "h", "--price-margin-ppm", "1"}) ==
          Error::ok);
    expect_invalid({"token", "--price-margin-ppm", "1000001"}, "out of range 0..1000000");
    expect_invalid({"token", "--connect-host", ""}, "--connect-host: empty host");
    expect_invalid({"token", "--max-paid-attempts", "1"}, "--max-paid-attempts");
    expect_invalid({"token", "--connect-host", "1", "--connect-host", "2", "--connect-host", "3",
                    "--connect-host", "4", "--connect-host", "5", "--connect-host", "6",
                    "--connect-host", "7", "--connect-host", "8", "--connect-host", "9"},
                   "more than 8 hosts");
}

TEST(cli_args, ServerUrlMustBeHttpOrHttps) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"token", "--server", "HTTPS://Example.com"}) == Error::ok);
    expect_invalid({"token", "--server", "ws://example.com"}, "not an http:// or https:// URL");
    expect_invalid({"token", "--server", "example.com"}, "--server");
    expect_invalid({"token", "--server", "http://"}, "--server");
    expect_invalid({"token", "--server", "http:///path"}, "--server");
    expect_invalid({"token", "--server", "http://a b"}, "--server");
    CHECK(parse(&p, "ftp://x", {"token"}) == Error::invalid_params);
    STRCMP_CONTAINS("CONSENSUS_SERVER_URL", p.msg);
    CHECK(parse(&p, "ftp://x", {"token", "--server", "http://ok"}) == Error::ok);
}

TEST(cli_args, NodeHeaders) {
    char long_value[80];
    memset(long_value, 'a', sizeof long_value - 1);
    long_value[sizeof long_value - 1] = '\0';
    expect_invalid({"token", "--region", long_value}, "1..64 printable ASCII");
    expect_invalid({"token", "--domain", ""}, "--domain");
    expect_invalid({"token", "--exclude", "a\r\nX-Evil: 1"}, "--exclude");
    expect_invalid({"token", "--region", "caf\xc3\xa9"}, "--region");
    long_value[64] = '\0';
    Parsed p;
    CHECK(parse(&p, nullptr, {"token", "--region", long_value}) == Error::ok);
}

TEST(cli_args, UsageErrors) {
    expect_invalid({}, "missing command");
    expect_invalid({"--json"}, "missing command");
    expect_invalid({"fetch"}, "unknown command 'fetch'");
    expect_invalid({"token", "extra"}, "unexpected argument 'extra'");
    expect_invalid({"token", "--bogus"}, "unknown option '--bogus'");
    expect_invalid({"token", "--model"}, "--model needs a value");
    expect_invalid({"token", "--json=yes"}, "--json takes no value");
    expect_invalid({"token", "--send", "x"}, "--send is only valid with 'connect'");
    expect_invalid({"token", "--renew"}, "--renew is only valid with 'connect'");
    expect_invalid({"token", "--sessions", "2"}, "only valid with 'connect'");
    expect_invalid({"demo", "--server", "http://x"}, "not an option of 'demo'");
    expect_invalid({"demo", "--send", "x"}, "not an option of 'demo'");
    expect_invalid({"token", "--payer", ""}, "--payer: empty command");
    expect_invalid({"token", "--ca", ""}, "--ca: empty file name");
    expect_invalid({"token", "--payer", "x", "--demo-payer"}, "exclude each other");
    expect_invalid({"token", "--limit-usd", "0"}, "--limit-usd");
    expect_invalid({"token", "--limit-usd", "1.1234567"}, "--limit-usd");
}

TEST(cli_args, TooManySends) {
    const char* argv[2 + 2 * (kMaxSends + 1)];
    int argc = 0;
    argv[argc++] = "consensus-ws";
    argv[argc++] = "connect";
    for (size_t i = 0; i <= kMaxSends; ++i) {
        argv[argc++] = "--send";
        argv[argc++] = "m";
    }
    Args a;
    char msg[128];
    CHECK(parse_args(argc - 2, argv, nullptr, &a, msg, sizeof msg) == Error::ok);
    LONGS_EQUAL(kMaxSends, a.send_count);
    CHECK(parse_args(argc, argv, nullptr, &a, msg, sizeof msg) == Error::invalid_params);
    STRCMP_CONTAINS("more than 256 messages", msg);
}

TEST(cli_args, DemoTakesOnlyJson) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"demo"}) == Error::ok);
    CHECK(p.args.command == Command::demo);
    CHECK_FALSE(p.args.json);
    CHECK(parse(&p, nullptr, {"demo", "--json"}) == Error::ok);
    CHECK(p.args.json);
}

TEST(cli_args, MessageIsCutToItsBuffer) {
    Args a;
    char msg[8];
    const char* argv[] = {"consensus-ws", "frobnicate"};
    CHECK(parse_args(2, argv, nullptr, &a, msg, sizeof msg) == Error::invalid_params);
    LONGS_EQUAL(7, strlen(msg));  // NUL-terminated within its capacity
}

TEST_GROUP(cli_usd){};

TEST(cli_usd, ExactMicroUsd) {
    uint64_t v = 0;
    CHECK(parse_usd("0", &v));
    CHECK(v == 0);
    CHECK(parse_usd("1", &v));
    CHECK(v == 1000000);
    CHECK(parse_usd("0.25", &v));
    CHECK(v == 250000);
    CHECK(parse_usd("0.000001", &v));
    CHECK(v == 1);
    CHECK(parse_usd("12.345678", &v));
    CHECK(v == 12345678);
    CHECK(parse_usd("0.0075", &v));
    CHECK(v == 7500);
    CHECK(parse_usd("007.5", &v));
    CHECK(v == 7500000);
    CHECK(parse_usd("1000000000000", &v));  // the largest accepted: 1e12 USD
    CHECK(v == 1000000000000000000ULL);
}

TEST(cli_usd, RejectsEverythingElse) {
    uint64_t v = 42;
    const char* bad[] = {"",
                         ".5",
                         "5.",
                         "1.0000001",
                         "-1",
                         "+1",
                         "1e3",
                         "0x10",
                         "1,5",
                         " 1",
                         "1 ",
                         "$1",
                         "1.2.3",
                         "abc",
                         "1.a",
                         "1000000000001",
                         "99999999999999999999999"};
    for (const char* s : bad) {
        CHECK_FALSE_TEXT(parse_usd(s, &v), s);
    }
    CHECK(v == 42);  // untouched on failure
    CHECK_FALSE(parse_usd(nullptr, &v));
}

TEST(cli_usd, ParseUint) {
    uint32_t v = 0;
    CHECK(parse_uint("0", 10, &v));
    LONGS_EQUAL(0, v);
    CHECK(parse_uint("4294967295", UINT32_MAX, &v));
    CHECK(v == UINT32_MAX);
    CHECK_FALSE(parse_uint("4294967296", UINT32_MAX, &v));
    CHECK_FALSE(parse_uint("11", 10, &v));
    CHECK_FALSE(parse_uint("", 10, &v));
    CHECK_FALSE(parse_uint(nullptr, 10, &v));
    CHECK_FALSE(parse_uint("1 ", 10, &v));
}

TEST(cli_args, WalletCommands) {
    Parsed p;
    CHECK(parse(&p, nullptr, {"address", "--wallet-key", "k"}) == Error::ok);
    CHECK(p.args.command == Command::address);
    STRCMP_EQUAL("k", p.args.wallet_key);
    CHECK(parse(&p, nullptr,
                {"pay", "--wallet-key=k", "--pay-to", "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE",
                 "--limit-usd", "0.01", "--json"}) == Error::ok);
    CHECK(p.args.command == Command::pay);
    LONGS_EQUAL(1, p.args.pay_to_count);
    LONGS_EQUAL(0xc0, p.args.pay_to[0].bytes[0]);
    CHECK(p.args.limit_micro_usd == 10000);
    expect_invalid({"address"}, "'address' needs --wallet-key FILE");
    expect_invalid({"pay"}, "'pay' needs --wallet-key FILE");
    expect_invalid(
        {"address", "--wallet-key", "k", "--pay-to", "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0dE"},
        "--pay-to is not an option of 'address'");
    expect_invalid({"pay", "--wallet-key", "k", "--server", "http://x"},
                   "--server is not an option of 'pay'");
    expect_invalid({"pay", "--wallet-key", "k", "--send", "x"}, "--send is not an option of 'pay'");
    expect_invalid({"demo", "--wallet-key", "k"}, "--wallet-key is not an option of 'demo'");
}

TEST(cli_args, WalletKeyWithTokenAndConnect) {
    Parsed p;
    CHECK(parse(&p, nullptr,
                {"connect", "--wallet-key", "k", "--pay-to",
                 "0xc0dec0dec0dec0dec0dec0dec0dec0dec0dec0de"}) == Error::ok);
    STRCMP_EQUAL("k", p.args.wallet_key);
    CHECK(parse(&p, nullptr, {"token", "--wallet-key", "k"}) == Error::ok);
    expect_invalid({"token", "--wallet-key", "k", "--payer", "x"}, "exclude each other");
    expect_invalid({"token", "--wallet-key", "k", "--demo-payer"}, "exclude each other");
    expect_invalid({"token", "--pay-to", "0xc0dec0dec0dec0dec0dec0dec0dec0dec0dec0de"},
                   "--pay-to needs --wallet-key");
    expect_invalid({"token", "--wallet-key", ""}, "--wallet-key: empty file name");
}

TEST(cli_args, PayToMustBeAnAddress) {
    // One letter of the checksummed payee flipped: a typo caught, not paid.
    expect_invalid(
        {"pay", "--wallet-key", "k", "--pay-to", "0xC0Dec0dec0DeC0Dec0dEc0DEC0DEC0DEC0DEC0de"},
        "is not an address");
    expect_invalid({"pay", "--wallet-key", "k", "--pay-to", "0x1234"}, "is not an address");
    Parsed p;
    const char* argv[32] = {"consensus-ws", "pay", "--wallet-key", "k"};
    int argc = 4;
    for (int i = 0; i < 9; ++i) {
        argv[argc++] = "--pay-to";
        argv[argc++] = "0x1111111111111111111111111111111111111111";
    }
    CHECK(parse_args(argc, argv, nullptr, &p.args, p.msg, sizeof p.msg) == Error::invalid_params);
    STRCMP_CONTAINS("more than 8 payees", p.msg);
}
