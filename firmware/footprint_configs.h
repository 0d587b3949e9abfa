/* SPDX-License-Identifier: MIT */
// The two client configurations the footprint report measures (one client,
// one session): the library defaults, and the smallest one that still buys a
// session through x402 (a 980-byte PAYMENT-REQUIRED challenge, a payment
// header of up to 1 KiB) and carries messages of up to 1 KiB.
#pragma once

#include "consensus/config.h"

namespace consensus_footprint {

inline consensus::Config default_config() {
    consensus::Config c;
    c.max_sessions = 1;
    c.max_requests = 1;
    return c;
}

inline consensus::Config minimal_config() {
    consensus::Config c;
    c.max_sessions = 1;
    c.max_requests = 0;  // the session buys its own token
    c.max_payment_header = 1024;
    c.tx_buffer_bytes = 2048;  // >= payment header + 1 KiB of request
    c.rx_buffer_bytes = 512;
    c.max_message_bytes = 1024;
    c.work_buffer_bytes = 2048;  // >= 2 x payment header
    c.max_header_line = 1536;    // the challenge line (980 B seen) + name
    c.max_headers = 16;
    c.max_body_bytes = 1024;
    c.listeners_per_event = 1;
    return c;
}

}  // namespace consensus_footprint
