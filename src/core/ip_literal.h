/* SPDX-License-Identifier: MIT */
// IP address literals: a strict text-to-bytes parser for IPv4 dotted quads and
// IPv6 text (RFC 4291 section 2.2), so that the TLS layer can match a host
// given as an address against a certificate's iPAddress subjectAltName
// entries (4 or 16 raw bytes). Portable: no inet_pton (src/ includes no OS
// header), no allocation, no locale.
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "consensus/strview.h"

namespace consensus {

struct IpAddress {
    uint8_t bytes[16];  // network order; the first len bytes are the address
    uint8_t len;        // 4 (IPv4) or 16 (IPv6)
};

/// Parses the whole of `text` as an IP address literal:
///  - IPv4: exactly four decimal parts 0..255 joined by '.', no leading zeros
///    ("127.0.0.1"; "010.0.0.1" would be octal to inet_aton, so it is refused);
///  - IPv6 (any text holding ':'): eight groups of 1..4 hex digits (either
///    case) joined by ':', or fewer with one "::" standing for one or more
///    zero groups; the last 32 bits may be a dotted quad as above
///    ("::ffff:192.0.2.1").
/// Refused: brackets, zone ids ("fe80::1%eth0"), prefix lengths ("::1/128"),
/// IPv4 short or hex forms ("127.1", "0x7f.0.0.1"), signs, spaces, empty
/// parts, trailing dots or single colons, a second "::", too many groups.
/// Returns true and fills *out, or false with *out untouched.
/// Memory: none (16 bytes of stack).
bool parse_ip_literal(StrView text, IpAddress* out);

}  // namespace consensus
