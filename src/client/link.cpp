// SPDX-License-Identifier: MIT
#include "client/link.h"

#include <string.h>

#include "client/http_lane.h"
#include "core/strview.h"
#include "core/wipe.h"
#include "http/request.h"

namespace consensus {

void Link::bind(uint8_t* tx, size_t tx_size) {
    own_tx_ = tx;
    own_tx_size_ = tx_size;
    use_own_tx();
}

void Link::attach(HttpLane* lane) {
    lane_ = lane;
    tx_ = TxBuffer{lane->buffers.tx, lane->buffers.tx_size, 0, 0};
}

HttpResponseReader& Link::reader() {
    return lane_->reader;
}
uint8_t* Link::work() const {
    return lane_->buffers.work;
}
size_t Link::work_size() const {
    return lane_->buffers.work_size;
}
uint8_t* Link::rx() const {
    return lane_->buffers.rx;
}
size_t Link::rx_size() const {
    return lane_->buffers.rx_size;
}

HttpLane* Link::detach() {
    HttpLane* lane = lane_;
    lane_ = nullptr;
    leftover_start_ = leftover_end_ = 0;
    if (tx_.data != own_tx_) use_own_tx();
    return lane;
}

ProxyTunnel& Link::tunnel() {
    return lane_->tunnel;
}
const ProxyUrl* Link::proxy() const {
    return lane_ != nullptr ? lane_->tunnel.proxy : nullptr;
}
int Link::proxy_status() const {
    return lane_ != nullptr ? lane_->tunnel.status : 0;
}
const char* Link::proxy_detail() const {
    return lane_ != nullptr ? lane_->tunnel.detail : "";
}

Error Link::open(const cws_port& port, TlsShared* tls, const char* host, uint16_t port_number,
                 const ProxyUrl* proxy, const char* proxy_host, const HttpLimits& limits) {
    ProxyTunnel& t = tunnel();
    t = ProxyTunnel{};
    t.proxy = proxy;
    if (proxy == nullptr) return conn_.open(port, tls, host, port_number);
    const size_t n = write_connect_request(reinterpret_cast<char*>(rx()), rx_size(), view_of(host),
                                           port_number, *proxy);
    if (n == 0) {
        wipe(rx(), rx_size());
        t.detail = "the proxy's CONNECT request does not fit the receive buffer";
        return Error::message_too_large;
    }
    t.request = TxBuffer{rx(), rx_size(), 0, n};
    // The proxy's answer is bounded as every response is; no header is kept.
    lane_->reader.begin(limits, HeaderNames{nullptr, 0}, nullptr, 0,
                        HttpResponseReader::Expect::tunnel);
    t.stage = ProxyTunnel::Stage::connecting;
    return conn_.open_via(port, tls, host, port_number, proxy_host, proxy->port);
}

Error Link::progress() {
    if (lane_ == nullptr || tunnel().stage == ProxyTunnel::Stage::none) return conn_.progress();
    const Error e = tunnel_step();
    if (e != Error::ok) return e;
    tunnel().stage = ProxyTunnel::Stage::none;
    return conn_.end_tunnel();
}

// TCP to the proxy, CONNECT out, its answer in: ok once the tunnel is open.
Error Link::tunnel_step() {
    using Stage = ProxyTunnel::Stage;
    ProxyTunnel& t = tunnel();
    switch (t.stage) {
        case Stage::none:
            return Error::ok;
        case Stage::connecting: {
            const Error e = conn_.progress();
            if (e != Error::ok) return e;  // TCP to the proxy: connect_failed, dns_failed
            t.stage = Stage::asking;
        }
            // fall through
        case Stage::asking: {
            TxBuffer frames = tx_;
            tx_ = t.request;
            const Flush f = flush();
            t.request = tx_;
            tx_ = frames;
            if (f == Flush::would_block) {
                conn_.set_interest(false, true);
                return Error::would_block;
            }
            wipe(rx(), rx_size());  // it held the proxy's credentials
            if (f == Flush::failed) return proxy_failed("closed the connection");
            conn_.set_interest(true, false);
            t.stage = Stage::reading;
        }
            // fall through
        case Stage::reading:
            return read_tunnel_answer();
    }
    return Error::ok;
}

Error Link::read_tunnel_answer() {
    switch (read_response()) {
        case Read::would_block:
            return Error::would_block;
        case Read::upgrade:
            break;
        case Read::complete:  // a tunnel answer ends at its header block
        case Read::bad:
            tunnel().status = lane_->reader.status();
            if (lane_->reader.error() == Error::message_too_large) {
                return proxy_failed("sent an answer too long");
            }
            // The reader calls an EOF before the header block's end malformed.
            if (conn_.last_error() != Error::closed) {
                return proxy_failed("sent a malformed answer");  // not HTTP, a 101, ...
            }
            return proxy_failed("closed the connection before answering CONNECT");
        case Read::lost:
            return proxy_failed("closed the connection before answering CONNECT");
    }
    const int status = lane_->reader.status();
    tunnel().status = status;
    const bool leftover = has_leftover();
    leftover_start_ = leftover_end_ = 0;
    if (status < 200 || status > 299) return proxy_failed("refused the tunnel");
    if (leftover) return proxy_failed("sent bytes after its 200");
    return Error::ok;
}

Error Link::proxy_failed(const char* detail) {
    tunnel().detail = detail;
    conn_.close();
    return Error::proxy_failed;
}

Link::Flush Link::flush() {
    while (tx_.pending() > 0) {
        const size_t want = tx_.pending();
        const long n = conn_.send(tx_.front(), want);
        if (n == CWS_IO_WOULD_BLOCK) return Flush::would_block;
        if (n <= 0) return Flush::failed;
        tx_.consume(static_cast<size_t>(n));
        if (static_cast<size_t>(n) < want && !conn_.is_tls()) return Flush::would_block;
    }
    return Flush::done;
}

Link::Read Link::read_response() {
    using Status = HttpResponseReader::Status;
    for (int reads = 0; reads < kReadsPerPass; ++reads) {
        const long n = conn_.recv(rx(), rx_size());
        Status st;
        size_t consumed = 0;
        if (n > 0) {
            st = lane_->reader.feed(rx(), static_cast<size_t>(n), &consumed);
            if (st == Status::need_more) continue;
        } else if (n == CWS_IO_WOULD_BLOCK) {
            return Read::would_block;
        } else if (n == CWS_IO_CLOSED) {
            st = lane_->reader.finish();
        } else {
            return Read::lost;
        }
        switch (st) {
            case Status::complete:
                return Read::complete;
            case Status::upgrade:
                leftover_start_ = consumed;
                leftover_end_ = n > 0 ? static_cast<size_t>(n) : 0;
                return Read::upgrade;
            case Status::need_more:  // finish() never says need_more
            case Status::error:
                return Read::bad;
        }
    }
    return Read::would_block;  // this pass's share is used: the next pass goes on
}

long Link::recv(uint8_t* buf, size_t len) {
    if (pass_budget_ == 0) return CWS_IO_WOULD_BLOCK;
    if (len > pass_budget_) len = pass_budget_;
    long n;
    if (leftover_start_ < leftover_end_) {
        size_t k = leftover_end_ - leftover_start_;
        if (k > len) k = len;
        memcpy(buf, rx() + leftover_start_, k);
        leftover_start_ += k;
        n = static_cast<long>(k);
    } else if (!conn_.readable()) {
        return CWS_IO_WOULD_BLOCK;
    } else {
        n = conn_.recv(buf, len);
    }
    if (n > 0) pass_budget_ -= static_cast<size_t>(n);
    return n;
}

Error Link::transport_error() const {
    const Error e = conn_.last_error();
    return e == Error::ok ? Error::connect_failed : e;
}

void Link::wipe_tx() {
    wipe(tx_.data, tx_.capacity);
    tx_.clear();
}

void Link::close() {
    // A CONNECT request not yet sent carries the proxy's credentials.
    if (lane_ != nullptr) {
        const ProxyTunnel::Stage stage = tunnel().stage;
        if (stage == ProxyTunnel::Stage::connecting || stage == ProxyTunnel::Stage::asking) {
            wipe(rx(), rx_size());
        }
        tunnel().stage = ProxyTunnel::Stage::none;
    }
    conn_.close();
    tx_.clear();
    leftover_start_ = leftover_end_ = 0;
}

}  // namespace consensus
