// SPDX-License-Identifier: MIT
#include "support/servers.h"

#include <sys/stat.h>

#include "support/scratch.h"

namespace itest {

namespace {

bool exists(const std::string& path) {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
}

}  // namespace

const char* server_kind_name(ServerKind kind) {
    return kind == ServerKind::devserver ? "devserver" : "token-server";
}

bool node_ready(std::string* why) {
    if (node_path()[0] == '\0') {
        *why = "node is not installed (scripts/install-deps)";
        return false;
    }
    const char* packages[] = {"ws", "express", "@x402/express", "@x402/core", "@x402/evm"};
    for (const char* p : packages) {
        if (!exists(std::string(interop_dir()) + "/node_modules/" + p + "/package.json")) {
            *why = std::string("tests/interop/node_modules lacks ") + p +
                   ": run `npm ci --prefix tests/interop`";
            return false;
        }
    }
    return true;
}

bool TestServer::start(ServerKind kind, bool tls, const std::vector<std::string>& extra) {
    kind_ = kind;
    tls_ = tls;
    log_ = ServerLog(scratch_file(server_kind_name(kind), ".log"));
    std::vector<std::string> argv;
    if (kind == ServerKind::devserver) {
        argv = {devserver_path(), "--log", log_.path()};
        if (tls)
            argv.insert(argv.end(), {"--tls", "--cert", dev_cert_file(), "--key", dev_key_file()});
    } else {
        argv = {node_path(), std::string(interop_dir()) + "/token-server.mjs", "--log",
                log_.path()};
        if (tls) argv.insert(argv.end(), {"--tls", dev_cert_file(), dev_key_file()});
    }
    argv.insert(argv.end(), extra.begin(), extra.end());
    return process_.start(server_kind_name(kind), argv);
}

std::string TestServer::base_url() const {
    return std::string(tls_ ? "https://localhost:" : "http://127.0.0.1:") + std::to_string(port());
}

Match TestServer::purchase_match() const {
    if (kind_ == ServerKind::devserver) {
        return {{"event", quoted("token_request")}, {"paid", "true"}, {"status", "200"}};
    }
    return {{"event", quoted("mint")}};
}

std::vector<std::string> TestServer::purchased_tokens() const {
    return log_.values(purchase_match(), "token");
}

size_t TestServer::wait_purchases(size_t n, int timeout_ms) const {
    return log_.wait_count(purchase_match(), n, timeout_ms);
}

size_t TestServer::upgrades(int status) const {
    return log_.count({{"event", quoted("upgrade")}, {"status", std::to_string(status)}});
}

}  // namespace itest
