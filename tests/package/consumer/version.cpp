// SPDX-License-Identifier: MIT
// Prints the installed package's version, from the header and from the
// library (tests/package/run.sh).
#include "consensus/version.h"

#include <stdio.h>

#include "consensus/client.h"

static_assert(CONSENSUS_VERSION_NUMBER == CONSENSUS_VERSION_MAJOR * 10000 +
                                              CONSENSUS_VERSION_MINOR * 100 +
                                              CONSENSUS_VERSION_PATCH,
              "version.h");

int main() {
    printf("consensus_ws %s (%d.%d.%d), mbedTLS %s, error_name(ok) = %s\n",
           CONSENSUS_VERSION_STRING, CONSENSUS_VERSION_MAJOR, CONSENSUS_VERSION_MINOR,
           CONSENSUS_VERSION_PATCH, consensus::tls_library_version(),
           consensus::error_name(consensus::Error::ok));
    return 0;
}
