// The buffers one connection slot (a session or a stand-alone request) owns,
// carved from the client's memory block at init.
#pragma once

#include <stddef.h>
#include <stdint.h>

namespace consensus {

struct SlotBuffers {
    uint8_t* tx;  // outgoing bytes: HTTP requests, WebSocket frames
    size_t tx_size;
    uint8_t* rx;  // socket read chunk during HTTP phases
    size_t rx_size;
    uint8_t* work;  // HTTP work area; the message buffer once a session is open
    size_t work_size;
};

}  // namespace consensus
