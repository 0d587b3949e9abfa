// SPDX-License-Identifier: MIT
// Interop with WebSocket servers nobody here wrote: Python's `websockets`
// (ws_peer.py, Debian python3-websockets) and Node's `ws` (node_peer.mjs),
// over ws and wss. Through the public API: a managed session (token from the
// peer's GET /ws, then the upgrade) sends messages of 0, 125, 126, 65535,
// 65536 bytes and the configured maximum (131072), text and binary, which the
// peer echoes in one frame; then asks the peer for the same sizes split into
// 4 fragments by the peer's own library; finally asks for max + 1 bytes,
// which must close the session with 1009 / message_too_large.
#include <stdio.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "hostile/harness.h"

// CppUTest last: it redefines new.
#include "CppUTest/TestHarness.h"
#include "common/check_err.h"

using consensus::Error;
using consensus::EventType;
using hostile::Ev;
using hostile::Outcome;
using hostile::RunSpec;

namespace {

constexpr uint32_t kMax = 131072;  // the configured max_message_bytes
const size_t kSizes[] = {0, 125, 126, 65535, 65536, kMax};

std::string pattern(size_t n, bool text) {
    std::string s(n, '\0');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(text ? 97 + i % 26 : (i * 7 + 3) % 256);
    return s;
}

std::string certs() {
    static char dir[512];
    if (dir[0] == '\0') {
        snprintf(dir, sizeof dir, "%s/interop-certs", CONSENSUS_TEST_SCRATCH);
        const std::string cmd =
            std::string(CONSENSUS_SOURCE_DIR) + "/scripts/gen-test-cert '" + dir + "' >/dev/null";
        if (system(cmd.c_str()) != 0) abort();
    }
    return dir;
}

struct Expect {
    std::string data;
    bool binary;
};

// Runs the whole exchange against one peer; returns what it saw.
void exchange(const std::vector<std::string>& peer_argv, bool tls) {
    std::vector<std::string> argv = peer_argv;
    if (tls) {
        argv.push_back("--tls");
        argv.push_back(certs() + "/server.pem");
        argv.push_back(certs() + "/server.key");
    }
    hostile::ServerProc peer;
    CHECK_TEXT(peer.start(argv), argv[1].c_str());
    RunSpec s;
    s.server_url =
        std::string(tls ? "https" : "http") + "://localhost:" + std::to_string(peer.port());
    if (tls) s.ca_file = certs() + "/ca.pem";
    s.max_message_bytes = kMax;
    s.tx_buffer_bytes = 2 * kMax;
    s.open_timeout_ms = 5000;
    s.bound_ms = 30000;
    std::vector<Expect> want;
    // Binary and text need separate sessions (RunSpec sends all as one kind).
    for (const bool binary : {false, true}) {
        s.binary = binary;
        s.send_after_open.clear();
        want.clear();
        for (const size_t n : kSizes) {
            s.send_after_open.push_back(pattern(n, !binary));  // echoed in one frame
            want.push_back({pattern(n, !binary), binary});
        }
        if (!binary) {  // fragment requests are text commands
            for (const size_t n : kSizes) {
                for (const char kind : {'t', 'b'}) {
                    s.send_after_open.push_back("frag:" + std::to_string(n) + ":4:" + kind);
                    want.push_back({pattern(n, kind == 't'), kind == 'b'});
                }
            }
            s.send_after_open.push_back("frag:" + std::to_string(kMax + 1) + ":4:b");
        }
        s.close_after_replies = binary;  // the text run ends on the max + 1 message
        hostile::Runner r(s);
        CHECK(r.setup());
        const Outcome o = r.session();
        LONGS_EQUAL(0, r.send_errors_);
        CHECK_TEXT(o.ended, argv[1].c_str());
        LONGS_EQUAL(1, o.count(EventType::open));
        std::vector<const Ev*> got;
        for (const Ev& e : o.events)
            if (e.type == EventType::message) got.push_back(&e);
        LONGS_EQUAL(want.size(), got.size());
        for (size_t i = 0; i < want.size() && i < got.size(); ++i) {
            LONGS_EQUAL_TEXT(want[i].data.size(), got[i]->text.size(), argv[1].c_str());
            CHECK_TEXT(want[i].data == got[i]->text, argv[1].c_str());
            CHECK_EQUAL(want[i].binary, got[i]->binary);
        }
        if (binary) {
            CHECK_ERR(Error::ok, o.end_error);  // our close(1000) after every reply
        } else {
            CHECK_ERR(Error::message_too_large, o.end_error);
            const Ev* close = o.last(EventType::close);
            CHECK(close != nullptr);
            LONGS_EQUAL(1009, close->code);
        }
    }
}

std::vector<std::string> python_peer() {
    return {"/usr/bin/python3", CONSENSUS_SOURCE_DIR "/tests/interop/python/ws_peer.py"};
}
std::vector<std::string> node_peer() {
    return {"node", CONSENSUS_SOURCE_DIR "/tests/interop/python/node_peer.mjs"};
}

}  // namespace

TEST_GROUP(Interop){};

TEST(Interop, PythonWebsocketsWs) {
    exchange(python_peer(), false);
}
TEST(Interop, PythonWebsocketsWss) {
    exchange(python_peer(), true);
}
TEST(Interop, NodeWsWs) {
    exchange(node_peer(), false);
}
TEST(Interop, NodeWsWss) {
    exchange(node_peer(), true);
}
