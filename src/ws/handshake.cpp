// SPDX-License-Identifier: MIT
#include "ws/handshake.h"

#include <string.h>

#include "core/strview.h"
#include "core/writer.h"
#include "tls/crypto.h"

namespace consensus::ws {

namespace {

constexpr char kGuid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
constexpr size_t kSha1Len = kSha1Bytes;

// The two base64 texts of the handshake, by mbedTLS (which writes a NUL after
// the text: out has room for it). Their sizes are fixed, so it cannot fail.
void encode(const uint8_t* in, size_t n, char* out, size_t cap) {
    size_t len = 0;
    (void)base64_encode(in, n, out, cap, &len);
}

bool sha1_of_key(const char* key, size_t key_len, uint8_t digest[kSha1Len]) {
    return sha1(key, key_len, kGuid, sizeof kGuid - 1, digest);
}

size_t key_length(const char* key) {
    if (key == nullptr) return 0;
    size_t n = 0;
    while (n <= kKeyLen && key[n] != '\0') ++n;  // never reads past key[24]
    return n;
}

}  // namespace

void make_key(const uint8_t random16[16], char out[25]) {
    encode(random16, 16, out, kKeyLen + 1);
}

bool accept_matches(const char* key, const char* accept, size_t accept_len) {
    if (accept == nullptr || accept_len != kAcceptLen || key_length(key) != kKeyLen) return false;
    uint8_t digest[kSha1Len];
    if (!sha1_of_key(key, kKeyLen, digest)) return false;
    char expected[kAcceptLen + 1];
    encode(digest, kSha1Len, expected, sizeof expected);
    return memcmp(expected, accept, kAcceptLen) == 0;
}

const char* check_upgrade_response(StrView upgrade, StrView connection, StrView accept,
                                   const char* key) {
    if (!view_iequals(upgrade, "websocket") || !list_has_token(connection, "upgrade")) {
        return "invalid 101 upgrade response";
    }
    if (!accept_matches(key, accept.data, accept.size)) {
        return "missing or wrong Sec-WebSocket-Accept";
    }
    return nullptr;
}

size_t write_upgrade_request(char* out, size_t cap, const char* host_header, size_t host_len,
                             const char* target, size_t target_len, const char* key,
                             const NodeHeaders& node) {
    if (out == nullptr || host_header == nullptr || host_len == 0 || target == nullptr ||
        target_len == 0 || key_length(key) != kKeyLen) {
        return 0;
    }
    // A space inside the target would split the request line.
    const StrView target_view{target, target_len};
    if (!header_value_ok(target, target_len) || memchr(target, ' ', target_len) != nullptr) {
        return 0;
    }
    BoundedWriter o(out, cap);
    o.put("GET ");
    o.put(target_view);
    o.put(" HTTP/1.1\r\n");
    o.header("Host", StrView{host_header, host_len});
    o.put("Upgrade: websocket\r\nConnection: Upgrade\r\n");
    o.header("Sec-WebSocket-Key", StrView{key, kKeyLen});
    o.put("Sec-WebSocket-Version: 13\r\n");
    o.header("User-Agent", StrView{kUserAgent, sizeof kUserAgent - 1});
    o.optional_header("x-node-region", node.region);
    o.optional_header("x-node-domain", node.domain);
    o.optional_header("x-node-exclude", node.exclude);
    o.put("\r\n");
    return o.result();
}

}  // namespace consensus::ws
