// SPDX-License-Identifier: MIT
// GET /ws request writer (core/writer.h: bounded appends, all-or-nothing).
#include "http/request.h"

#include <string.h>

#include "core/strview.h"
#include "core/wipe.h"
#include "tls/crypto.h"

namespace consensus {

namespace {

// The base path without its query and trailing slashes ("/" becomes "").
StrView base_path(StrView target) {
    size_t n = 0;
    while (n < target.size && target.data[n] != '?') ++n;
    while (n > 0 && target.data[n - 1] == '/') --n;
    return make_view(target.data, n);
}

uint32_t dimension(int32_t v) {
    return v > 0 ? static_cast<uint32_t>(v) : 0;
}

void put_authority(BoundedWriter* w, StrView host, uint16_t port) {
    const bool v6 = memchr(host.data, ':', host.size) != nullptr;
    if (v6) w->put("[");
    w->put(host);
    if (v6) w->put("]");
    w->put(":");
    w->put_uint(port);
}

// "Proxy-Authorization: Basic <base64(user:password)>\r\n", decoded from
// the URL's percent-encoding; false when the credentials are too long.
bool put_proxy_authorization(BoundedWriter* w, const ProxyUrl& proxy) {
    char plain[kMaxProxyCredentials + 1];
    char encoded[((kMaxProxyCredentials + 2) / 3) * 4 + 1];
    size_t user = 0, password = 0, text = 0;
    bool ok = percent_decode(proxy.user, plain, kMaxProxyCredentials, &user) &&
              user < kMaxProxyCredentials;
    if (ok) {
        plain[user] = ':';
        ok = percent_decode(proxy.password, plain + user + 1, kMaxProxyCredentials - user - 1,
                            &password);
    }
    ok = ok && base64_encode(reinterpret_cast<const uint8_t*>(plain), user + 1 + password, encoded,
                             sizeof encoded, &text) == Base64Status::ok;
    if (ok) {
        w->put("Proxy-Authorization: Basic ");
        w->put(encoded, text);
        w->put("\r\n");
    }
    wipe(plain, sizeof plain);
    wipe(encoded, sizeof encoded);
    return ok;
}

}  // namespace

size_t write_token_request(char* out, size_t cap, const Url& base, const TokenParams& params,
                           const ExtraHeader& extra) {
    if (out == nullptr) return 0;
    BoundedWriter w(out, cap);
    w.put("GET ");
    w.put(base_path(base.target));
    w.put("/ws?model=");
    w.put(model_name(params.model));
    w.put("&minutes=");
    w.put_uint(dimension(params.minutes));
    w.put("&megabytes=");
    w.put_uint(dimension(params.megabytes));
    w.put(" HTTP/1.1\r\nHost: ");
    w.put(base.host_header);
    w.put("\r\nAccept: application/json\r\n");
    w.header("User-Agent", view_of(kUserAgent));
    w.optional_header("x-node-region", params.node_region);
    w.optional_header("x-node-domain", params.node_domain);
    w.optional_header("x-node-exclude", params.node_exclude);
    if (extra.name != nullptr) {
        if (extra.value.size == 0) return 0;
        w.header(extra.name, extra.value);
    }
    w.put("Connection: close\r\n\r\n");
    return w.result();
}

size_t write_connect_request(char* out, size_t cap, StrView host, uint16_t port,
                             const ProxyUrl& proxy) {
    if (out == nullptr) return 0;
    BoundedWriter w(out, cap);
    w.put("CONNECT ");
    put_authority(&w, host, port);
    w.put(" HTTP/1.1\r\nHost: ");
    put_authority(&w, host, port);
    w.put("\r\n");
    w.header("User-Agent", view_of(kUserAgent));
    if (proxy.credentials && !put_proxy_authorization(&w, proxy)) return 0;
    w.put("\r\n");
    return w.result();
}

}  // namespace consensus
