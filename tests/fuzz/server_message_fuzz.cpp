// SPDX-License-Identifier: MIT
// parse_server_message on arbitrary text messages.
// Input: [scratch size][message...]; bits 0-5 pick 1..64 jsmn tokens (all set:
// 4096). The message and scratch are exact-size heap blocks.
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <memory>

#include "consensus/events.h"
#include "fuzz_util.h"
#include "json/server_message.h"

using consensus::ServerMessage;
using consensus::SessionExpiredInfo;
using consensus::SessionStartInfo;

namespace {

constexpr size_t kTokenBytes = 20;  // one jsmn token with parent links

bool terminated(const char* s, size_t cap) {
    return memchr(s, '\0', cap) != nullptr;
}

void check_start(const SessionStartInfo& s) {
    fuzz::require(terminated(s.session_id, sizeof s.session_id), "session_id not terminated");
    fuzz::require(terminated(s.served_by, sizeof s.served_by), "served_by not terminated");
    fuzz::require(terminated(s.model, sizeof s.model), "model not terminated");
    fuzz::require(s.time_seconds >= -1, "time_seconds below -1");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < 1) return 0;
    const size_t ntok = (data[0] & 63) == 63 ? 4096 : 1 + (data[0] & 63);
    const size_t len = size - 1;
    std::unique_ptr<char[]> msg(new char[len + 1]);
    memcpy(msg.get(), data + 1, len);
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[ntok * kTokenBytes]);

    SessionStartInfo start;
    SessionExpiredInfo expired;
    memset(&start, 0x5A, sizeof start);
    memset(&expired, 0x5A, sizeof expired);
    const bool with_structs = (data[0] & 64) == 0;  // also exercise the null-pointer contract
    const ServerMessage m = consensus::parse_server_message(
        msg.get(), len, scratch.get(), ntok * kTokenBytes, with_structs ? &start : nullptr,
        with_structs ? &expired : nullptr);
    if (!with_structs) return 0;
    if (m == ServerMessage::session_start) check_start(start);
    if (m == ServerMessage::session_expired) {
        fuzz::require(fuzz::view_inside(expired.reason_text, msg.get(), len),
                      "reason_text outside the message");
    }
    return 0;
}
