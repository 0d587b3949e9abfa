/* SPDX-License-Identifier: MIT */
// The buffers carved from the client's memory block at init: an HTTP lane's
// (a session's purchase and upgrade, a stand-alone request) and an open
// session's.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus {

/// What HTTP phases move bytes through (client/http_lane.h).
struct SlotBuffers {
    uint8_t* tx;  // outgoing bytes: the HTTP request
    size_t tx_size;
    uint8_t* rx;  // socket read chunk during HTTP phases
    size_t rx_size;
    uint8_t* work;  // HTTP work area: kept headers, body, decoded challenge
    size_t work_size;
};

/// What an open session moves bytes through.
struct SessionBuffers {
    uint8_t* tx;  // outgoing WebSocket frames
    size_t tx_size;
    uint8_t* message;  // reassembly of a fragmented message (max_message_bytes)
    uint8_t* scratch;  // JSON tokens of the service's text messages
    size_t scratch_size;
};

}  // namespace consensus
