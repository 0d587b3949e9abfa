// SPDX-License-Identifier: MIT
// URL parser: scheme://authority[/path][?query][#fragment], strict and allocation-free.
#include "core/url.h"

#include "core/strview.h"

namespace consensus {

namespace {

constexpr uint16_t kHttpPort = 80;
constexpr uint16_t kHttpsPort = 443;
constexpr uint32_t kMaxPort = 65535;
constexpr size_t kMaxPortDigits = 5;
constexpr char kSlash[] = "/";

struct Scheme {
    const char* name;
    bool tls;
    bool websocket;
};
constexpr Scheme kSchemes[] = {
    {"http", false, false}, {"https", true, false}, {"ws", false, true}, {"wss", true, true}};

// Bytes never allowed in a URL we send on the wire: they would let the value
// break out of the request line (space, CR, LF) or are not ASCII.
bool wire_safe(char c) {
    return c > 0x20 && c < 0x7f;
}

bool host_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
           c == '.' || c == '_';
}

bool ipv6_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') || c == ':' || c == '.';
}

bool parse_port(StrView v, uint16_t* out) {
    if (v.size == 0 || v.size > kMaxPortDigits) return false;
    uint32_t port = 0;
    for (size_t i = 0; i < v.size; ++i) {
        if (!is_digit(v.data[i])) return false;
        port = port * 10 + static_cast<uint32_t>(v.data[i] - '0');
    }
    if (port == 0 || port > kMaxPort) return false;
    *out = static_cast<uint16_t>(port);
    return true;
}

// Splits "scheme://" off; returns the offset after "://" or 0 when unknown.
size_t parse_scheme(const char* s, size_t n, Url* out) {
    for (const Scheme& sc : kSchemes) {
        size_t len = strlen(sc.name);
        if (n < len + 3 || !view_iequals(make_view(s, len), sc.name)) continue;
        if (s[len] != ':' || s[len + 1] != '/' || s[len + 2] != '/') continue;
        out->tls = sc.tls;
        out->websocket = sc.websocket;
        out->port = sc.tls ? kHttpsPort : kHttpPort;
        return len + 3;
    }
    return 0;
}

// Authority "host[:port]" or "[v6][:port]"; no userinfo.
Error parse_authority(StrView a, Url* out) {
    if (a.size == 0) return Error::invalid_params;
    out->host_header = a;
    size_t host_end = 0;
    if (a.data[0] == '[') {
        size_t close = 1;
        while (close < a.size && a.data[close] != ']') {
            if (!ipv6_char(a.data[close])) return Error::invalid_params;
            ++close;
        }
        if (close >= a.size || close == 1) return Error::invalid_params;
        out->host = make_view(a.data + 1, close - 1);
        host_end = close + 1;
    } else {
        while (host_end < a.size && a.data[host_end] != ':') {
            if (!host_char(a.data[host_end])) return Error::invalid_params;
            ++host_end;
        }
        if (host_end == 0) return Error::invalid_params;
        out->host = make_view(a.data, host_end);
    }
    if (host_end == a.size) return Error::ok;
    if (a.data[host_end] != ':') return Error::invalid_params;
    StrView port = make_view(a.data + host_end + 1, a.size - host_end - 1);
    return parse_port(port, &out->port) ? Error::ok : Error::invalid_params;
}

}  // namespace

Error parse_url(const char* s, size_t n, Url* out) {
    if (s == nullptr || out == nullptr) return Error::invalid_params;
    for (size_t i = 0; i < n; ++i) {
        if (!wire_safe(s[i])) return Error::invalid_params;
    }
    Url u{};
    size_t pos = parse_scheme(s, n, &u);
    if (pos == 0) return Error::invalid_params;
    size_t auth_end = pos;
    while (auth_end < n && s[auth_end] != '/' && s[auth_end] != '?' && s[auth_end] != '#') {
        if (s[auth_end] == '@') return Error::invalid_params;
        ++auth_end;
    }
    Error e = parse_authority(make_view(s + pos, auth_end - pos), &u);
    if (e != Error::ok) return e;
    size_t target_end = auth_end;
    while (target_end < n && s[target_end] != '#') ++target_end;
    if (target_end == auth_end) {
        u.target = make_view(kSlash, 1);
    } else if (s[auth_end] != '/') {
        return Error::invalid_params;  // "?query" with no path: no view can say "/?query"
    } else {
        u.target = make_view(s + auth_end, target_end - auth_end);
    }
    *out = u;
    return Error::ok;
}

bool url_is_base(const Url& url) {
    if (url.websocket) return false;
    for (size_t i = 0; i < url.target.size; ++i) {
        if (url.target.data[i] == '?') return false;
    }
    return true;
}

}  // namespace consensus
