// SPDX-License-Identifier: MIT
#include "client/failure_text.h"

#include "core/writer.h"
#include "tls/tls_session.h"

namespace consensus {

namespace {

const char kNoCommonVersion[] = "the protocol versions did not match (no TLS version in common)";

void put_host_port(BoundedWriter* w, const Url& url) {
    w->put(url.host);
    w->put(":");
    w->put_uint(url.port);
}

void put_proxy(BoundedWriter* w, const ProxyUrl& p) {
    w->put("proxy ");
    w->put(p.host);
    w->put(":");
    w->put_uint(p.port);
}

// What the proxy did, when the failure is the proxy's; false when it is not.
bool put_proxy_failure(BoundedWriter* w, Error e, const Link& link) {
    const ProxyUrl* p = link.proxy();
    if (p == nullptr) return false;
    switch (e) {
        case Error::proxy_failed:
            put_proxy(w, *p);
            w->put(" ");
            w->put(link.proxy_detail());
            if (link.proxy_status() != 0) {
                w->put(" (HTTP ");
                w->put_uint(static_cast<uint64_t>(link.proxy_status()));
                w->put(")");
            }
            return true;
        case Error::dns_failed:  // the connect before a tunnel is the proxy's
        case Error::connect_failed:
            w->put(e == Error::dns_failed ? "cannot resolve " : "cannot connect to ");
            put_proxy(w, *p);
            return true;
        default:
            return false;
    }
}

void put_what(BoundedWriter* w, Error e, const Connection& conn, const Url& url) {
    switch (e) {
        case Error::cert_invalid: {
            const char* problem = certificate_problem(conn.verify_flags());
            w->put("the certificate of ");
            w->put(url.host);
            w->put(" ");
            w->put(problem != nullptr ? problem : "was refused");
            return;
        }
        case Error::tls_failed:
            w->put("TLS handshake with ");
            put_host_port(w, url);
            w->put(" failed");
            if (conn.tls_no_common_version()) {
                w->put(": ");
                w->put(kNoCommonVersion);
            }
            return;
        case Error::dns_failed:
            w->put("cannot resolve ");
            w->put(url.host);
            return;
        default:
            w->put("cannot connect to ");
            put_host_port(w, url);
            return;
    }
}

}  // namespace

const char* describe_connect_failure(Error e, const Link& link, const Url& url, char* out,
                                     size_t cap) {
    if (cap == 0) return out;
    const Connection& conn = link.conn();
    BoundedWriter w(out, cap - 1);
    if (!put_proxy_failure(&w, e, link)) put_what(&w, e, conn, url);
    size_t n = w.result();
    if (n == 0 && e == Error::tls_failed && conn.tls_no_common_version()) {
        BoundedWriter plain(out, cap - 1);  // too long for out: the reason without the host
        plain.put("TLS handshake failed: ");
        plain.put(kNoCommonVersion);
        n = plain.result();
    }
    if (n == 0) {  // too long for out: the words without the host
        BoundedWriter plain(out, cap - 1);
        plain.put(e == Error::cert_invalid   ? "certificate refused"
                  : e == Error::proxy_failed ? "the proxy refused the tunnel"
                                             : "connection failed");
        n = plain.result();
    }
    out[n] = '\0';
    return out;
}

}  // namespace consensus
