/* SPDX-License-Identifier: MIT */
// The response headers the HTTP reader tests keep: every header the library's
// layers ask for (x402, ws) plus two more, indexed by TestHeader.
#pragma once

#include <stddef.h>

#include "http/response.h"

namespace testhdr {

constexpr const char* kNames[] = {
    "payment-required",     "payment-response", "upgrade",  "connection",
    "sec-websocket-accept", "content-type",     "location",
};
enum HeaderId : size_t {
    payment_required,
    payment_response,
    upgrade,
    connection,
    sec_websocket_accept,
    content_type,
    location,
    count
};
constexpr consensus::HeaderNames kKeep = consensus::header_names(kNames);

}  // namespace testhdr
