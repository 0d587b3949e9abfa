// SPDX-License-Identifier: MIT
#include "encoding.h"

#include <mbedtls/base64.h>
#include <sys/random.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "mbedtls_lines.h"

namespace devserver {

std::string base64_encode(const std::string& data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    size_t n = 0;
    const auto* src = reinterpret_cast<const unsigned char*>(data.data());
    if (mbedtls_base64_encode(reinterpret_cast<unsigned char*>(&out[0]), out.size(), &n, src,
                              data.size()) != 0) {
        return std::string();
    }
    out.resize(n);
    return out;
}

namespace {

bool is_b64_char(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

// The regex ^[A-Za-z0-9+/]*={0,2}$ written out.
bool strict_base64_shape(const std::string& text) {
    size_t i = 0;
    while (i < text.size() && is_b64_char(text[i])) ++i;
    size_t pad = 0;
    while (i < text.size() && text[i] == '=') {
        ++i;
        ++pad;
    }
    return i == text.size() && pad <= 2;
}

}  // namespace

bool base64_decode(const std::string& text, std::string& out) {
    if (!strict_base64_shape(text)) return false;
    out.assign(text.size() / 4 * 3 + 3, '\0');
    size_t n = 0;
    const auto* src = reinterpret_cast<const unsigned char*>(text.data());
    if (mbedtls_base64_decode(reinterpret_cast<unsigned char*>(&out[0]), out.size(), &n, src,
                              text.size()) != 0) {
        return false;
    }
    out.resize(n);
    return true;
}

void random_bytes(uint8_t* buf, size_t len) {
    size_t got = 0;
    while (got < len) {
        ssize_t r = getrandom(buf + got, len - got, 0);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            std::fprintf(stderr, "consensus-devserver: getrandom failed\n");
            std::abort();
        }
        got += static_cast<size_t>(r);
    }
}

namespace {

constexpr char kHex[] = "0123456789abcdef";

void append_hex(std::string& out, const uint8_t* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        out.push_back(kHex[b[i] >> 4]);
        out.push_back(kHex[b[i] & 0xf]);
    }
}

}  // namespace

std::string random_uuid() {
    uint8_t b[16];
    random_bytes(b, sizeof b);
    b[6] = static_cast<uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    std::string out;
    constexpr size_t kGroups[] = {4, 2, 2, 2, 6};
    size_t at = 0;
    for (size_t g : kGroups) {
        if (at != 0) out.push_back('-');
        append_hex(out, b + at, g);
        at += g;
    }
    return out;
}

std::string random_hex(size_t bytes) {
    std::string raw(bytes, '\0');
    random_bytes(reinterpret_cast<uint8_t*>(&raw[0]), bytes);
    std::string out = "0x";
    append_hex(out, reinterpret_cast<const uint8_t*>(raw.data()), bytes);
    return out;
}

namespace {

std::string sha1_base64(const std::string& data) {
    unsigned char digest[20];
    sha1_digest(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
    return base64_encode(std::string(reinterpret_cast<const char*>(digest), sizeof digest));
}

}  // namespace

std::string express_etag(const std::string& body) {
    char len_hex[24];
    std::snprintf(len_hex, sizeof len_hex, "%zx", body.size());
    return "W/\"" + std::string(len_hex) + "-" + sha1_base64(body).substr(0, 27) + "\"";
}

std::string websocket_accept(const std::string& key) {
    return sha1_base64(key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11");
}

}  // namespace devserver
