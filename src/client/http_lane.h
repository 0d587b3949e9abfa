/* SPDX-License-Identifier: MIT */
// The memory of a connection's HTTP phases: the request's send buffer, the
// socket read chunk, the work area, the response reader and the purchase's
// state machine. A session needs
// it only while it buys a token and upgrades (a purchase and an upgrade
// never overlap); once open, its frames go through its own send buffer and
// message buffer. So sessions may share a few lanes (Config::max_handshakes),
// as libwebsockets shares its pool of HTTP header buffers between
// connections: at a thousand mostly idle sessions the HTTP memory is the
// larger part of each one.
//
// Memory: sizeof(HttpLane) (904 B on x86_64: the reader 584, the purchase
// 208, a proxy's CONNECT 56) plus its three buffers.
#pragma once

#include "client/slot_buffers.h"
#include "client/token_fetch.h"
#include "http/response.h"

namespace consensus {

struct HttpLane {
    HttpResponseReader reader;
    TokenFetch fetch;    // bound to the slot that holds the lane (Link::attach's caller)
    ProxyTunnel tunnel;  // a proxy's CONNECT while the lane's connection sets it up
    SlotBuffers buffers{};
    HttpLane* next_free = nullptr;  // LanePool's free list
};

}  // namespace consensus
