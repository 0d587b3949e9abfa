// SPDX-License-Identifier: MIT
// GET /ws request writer (core/writer.h: bounded appends, all-or-nothing).
#include "http/request.h"

#include <string.h>

#include "core/strview.h"

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

}  // namespace consensus
