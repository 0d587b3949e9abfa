// SPDX-License-Identifier: MIT
// URL parser: scheme://authority[/path][?query][#fragment], strict and allocation-free.
#include "core/url.h"

#include <string.h>

#include "core/ip_literal.h"
#include "core/strview.h"

namespace consensus {

namespace {

constexpr uint16_t kHttpPort = 80;
constexpr uint16_t kHttpsPort = 443;
constexpr uint16_t kProxyPort = 1080;
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

namespace {

bool hex_digit(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

uint8_t hex_value(char c) {
    if (is_digit(c)) return static_cast<uint8_t>(c - '0');
    return static_cast<uint8_t>(ascii_lower(c) - 'a' + 10);
}

// RFC 3986 userinfo: unreserved, sub-delims, ':' and percent-escapes.
bool userinfo_ok(StrView v) {
    for (size_t i = 0; i < v.size; ++i) {
        const char c = v.data[i];
        if (c == '%') {
            if (i + 2 >= v.size) return false;
            if (!hex_digit(v.data[i + 1]) || !hex_digit(v.data[i + 2])) return false;
            i += 2;
            continue;
        }
        if (!host_char(c) && c != '~' && strchr("!$&'()*+,;=:", c) == nullptr) return false;
    }
    return true;
}

// The proxy's authority: [userinfo@]host[:port], the userinfo up to the last '@'.
Error parse_proxy_authority(StrView a, ProxyUrl* out, const char** why) {
    size_t at = a.size;
    for (size_t i = 0; i < a.size; ++i) {
        if (a.data[i] == '@') at = i;
    }
    if (at < a.size) {
        const StrView info = make_view(a.data, at);
        if (!userinfo_ok(info)) {
            *why = "the proxy URL's user or password has a character that must be percent-encoded";
            return Error::invalid_params;
        }
        size_t colon = 0;
        while (colon < info.size && info.data[colon] != ':') ++colon;
        out->user = make_view(info.data, colon);
        out->password = colon < info.size ? make_view(info.data + colon + 1, info.size - colon - 1)
                                          : make_view(info.data + colon, 0);
        out->credentials = true;
        a = make_view(a.data + at + 1, a.size - at - 1);
    }
    Url u{};
    u.port = kProxyPort;
    if (parse_authority(a, &u) != Error::ok) {
        *why = "the proxy URL's host or port is not valid";
        return Error::invalid_params;
    }
    out->host = u.host;
    out->port = u.port;
    return Error::ok;
}

}  // namespace

Error parse_proxy_url(const char* s, size_t n, ProxyUrl* out, const char** why) {
    static const char* unused = nullptr;
    if (why == nullptr) why = &unused;
    *why = "the proxy URL is not http://[user:password@]host[:port]";
    if (s == nullptr || out == nullptr) return Error::invalid_params;
    for (size_t i = 0; i < n; ++i) {
        if (!wire_safe(s[i])) return Error::invalid_params;
    }
    size_t pos = 0;
    for (size_t i = 0; i + 2 < n; ++i) {
        if (s[i] == ':' && s[i + 1] == '/' && s[i + 2] == '/') {
            if (!view_iequals(make_view(s, i), "http")) {
                *why =
                    "the proxy URL must be http:// (no https:// or socks proxies: TLS runs end to "
                    "end inside the tunnel)";
                return Error::invalid_params;
            }
            pos = i + 3;
            break;
        }
    }
    size_t end = pos;
    while (end < n && s[end] != '/' && s[end] != '?' && s[end] != '#') ++end;
    if (end < n && !(s[end] == '/' && end + 1 == n)) {
        *why = "the proxy URL has a path, query or fragment";
        return Error::invalid_params;
    }
    ProxyUrl p{};
    const Error e = parse_proxy_authority(make_view(s + pos, end - pos), &p, why);
    if (e != Error::ok) return e;
    *out = p;
    *why = nullptr;
    return Error::ok;
}

bool percent_decode(StrView in, char* out, size_t cap, size_t* out_len) {
    size_t n = 0;
    for (size_t i = 0; i < in.size; ++i, ++n) {
        if (n >= cap) return false;
        if (in.data[i] == '%' && i + 2 < in.size && hex_digit(in.data[i + 1]) &&
            hex_digit(in.data[i + 2])) {
            out[n] = static_cast<char>(hex_value(in.data[i + 1]) * 16 + hex_value(in.data[i + 2]));
            i += 2;
        } else {
            out[n] = in.data[i];
        }
    }
    *out_len = n;
    return true;
}

namespace {

// One NO_PROXY entry against the host: an address only the same address
// (in any of its spellings), a name itself or any name below it.
bool no_proxy_entry_matches(StrView entry, StrView host) {
    if (entry.size >= 2 && entry.data[0] == '[' && entry.data[entry.size - 1] == ']') {
        entry = make_view(entry.data + 1, entry.size - 2);
    }
    IpAddress host_ip{};
    if (parse_ip_literal(host, &host_ip)) {
        IpAddress entry_ip{};
        return parse_ip_literal(entry, &entry_ip) && entry_ip.len == host_ip.len &&
               memcmp(entry_ip.bytes, host_ip.bytes, host_ip.len) == 0;
    }
    if (entry.size > 0 && entry.data[0] == '.') entry = make_view(entry.data + 1, entry.size - 1);
    if (entry.size == 0 || entry.size > host.size) return false;
    const StrView tail = make_view(host.data + host.size - entry.size, entry.size);
    if (!view_iequals(tail, entry)) return false;
    return host.size == entry.size || host.data[host.size - entry.size - 1] == '.';
}

}  // namespace

bool no_proxy_matches(const char* list, StrView host) {
    if (list == nullptr) return false;
    const StrView v = make_view(list, strlen(list));
    size_t start = 0;
    for (size_t i = 0; i <= v.size; ++i) {
        if (i < v.size && v.data[i] != ',') continue;
        const StrView entry = view_trim(make_view(v.data + start, i - start));
        if (entry.size == 1 && entry.data[0] == '*') return true;
        if (no_proxy_entry_matches(entry, host)) return true;
        start = i + 1;
    }
    return false;
}

bool url_is_base(const Url& url) {
    if (url.websocket) return false;
    for (size_t i = 0; i < url.target.size; ++i) {
        if (url.target.data[i] == '?') return false;
    }
    return true;
}

}  // namespace consensus
