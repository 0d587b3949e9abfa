// SPDX-License-Identifier: MIT
// ClientCore: what the slots share (client/client_core.h).
#include "client/client_core.h"

#include <string.h>

#include "client/session_slot.h"
#include "core/strview.h"
#include "core/wipe.h"

namespace consensus {

TokenParams params_of(const TokenAuth& a) {
    TokenParams p;
    p.model = a.model;
    p.minutes = a.minutes;
    p.megabytes = a.megabytes;
    p.node_region = a.node_region[0] != '\0' ? a.node_region : nullptr;
    p.node_domain = a.node_domain[0] != '\0' ? a.node_domain : nullptr;
    p.node_exclude = a.node_exclude[0] != '\0' ? a.node_exclude : nullptr;
    return p;
}

// Validated values: at most kMaxNodeHeader bytes, so nothing is cut.
static void copy_header_value(char (&out)[kMaxNodeHeader + 1], const char* value) {
    copy_cut(out, sizeof out, value, value != nullptr ? strlen(value) : 0);
}

void store_params(const TokenParams& p, TokenAuth* a) {
    a->model = p.model;
    a->minutes = p.minutes;
    a->megabytes = p.megabytes;
    copy_header_value(a->node_region, p.node_region);
    copy_header_value(a->node_domain, p.node_domain);
    copy_header_value(a->node_exclude, p.node_exclude);
}

TlsShared* ClientCore::tls_config() {
    if (!tls_ready) {
        if (tls_shared_init(&tls, &rng, options.ca_pem, options.ca_pem_len, options.ca_file,
                            options.tls_max_fragment_bytes) != Error::ok) {
            return nullptr;
        }
        tls_ready = true;
    }
    return &tls;
}

const ProxyUrl* ClientCore::proxy_for(const Url& url) const {
    const ProxyUrl& p = url.tls ? https_proxy : http_proxy;
    if (p.host.size == 0 || no_proxy_matches(options.no_proxy, url.host)) return nullptr;
    return &p;
}

Error ClientCore::open(Link& link, const Url& url, const char** why) {
    char host[256];  // the port wants C strings; DNS names end at 253
    char proxy_host[256];
    const ProxyUrl* proxy = proxy_for(url);
    if (url.host.size == 0 || url.host.size >= sizeof host ||
        (proxy != nullptr && proxy->host.size >= sizeof proxy_host)) {
        *why = "host name too long";
        return Error::message_too_large;
    }
    copy_cut(host, sizeof host, url.host.data, url.host.size);
    if (proxy != nullptr) copy_cut(proxy_host, proxy->host.data, proxy->host.size);
    TlsShared* shared = nullptr;
    if (url.tls) {
        shared = tls_config();
        if (shared == nullptr) {
            *why = "trusted CA certificates could not be loaded";
            return Error::invalid_config;
        }
    }
    const Error e = link.open(port, shared, host, url.port, proxy, proxy_host, http_limits());
    if (proxy != nullptr && e == Error::message_too_large) *why = link.proxy_detail();
    return e;
}

const char* ClientCore::connect_url_refusal(const Url& url) const {
    if (server.tls && !url.tls) return "a token bought over TLS is only presented over TLS";
    if (view_iequals(url.host, server.host)) return nullptr;
    for (size_t i = 0; i < options.connect_host_count; ++i) {
        const char* allowed = options.connect_hosts[i];
        if (allowed != nullptr && view_iequals(url.host, allowed)) return nullptr;
    }
    return "not the token server's host, nor one in ClientOptions::connect_hosts";
}

Session ClientCore::make_handle(SessionSlot* slot) {
    Session s;
    s.slot_ = slot;
    s.generation_ = slot->generation();
    s.index_ = slot->index();
    return s;
}

// A handle goes stale when its session's slot starts another session, and
// all handles at once when deinit() is called (from a callback: at once too).
SessionSlot* ClientCore::slot_of(const Session& s) {
    SessionSlot* slot = static_cast<SessionSlot*>(s.slot_);
    if (slot == nullptr || slot->generation() != s.generation_) return nullptr;
    if (slot->core()->teardown_pending) return nullptr;
    return slot;
}

void ClientCore::return_lane(HttpLane* lane) {
    const SlotBuffers& b = lane->buffers;
    wipe(b.tx, b.tx_size);  // a request may have carried a payment or a token
    wipe(b.rx, b.rx_size);
    wipe(b.work, b.work_size);
    uint16_t next = 0;
    if (lanes.give_back(lane, &next)) session(next)->lane_granted(lane);
}

}  // namespace consensus
