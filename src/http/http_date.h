/* SPDX-License-Identifier: MIT */
// The HTTP Date header (RFC 9110 section 5.6.7), as a server must send it:
// IMF-fixdate, "Sun, 06 Nov 1994 08:49:37 GMT". The two obsolete forms are
// refused: every current server writes IMF-fixdate, and a value we cannot
// read is simply no time.
#pragma once

#include <stdint.h>

#include "consensus/strview.h"

namespace consensus {

/// Seconds since 1970-01-01 UTC, or false when `value` is not an IMF-fixdate
/// of a real date (leap seconds refused) between 1970 and 9999.
bool parse_http_date(StrView value, uint64_t* unix_s);

}  // namespace consensus
