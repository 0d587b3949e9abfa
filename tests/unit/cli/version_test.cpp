// SPDX-License-Identifier: MIT
// Both tools print CONSENSUS_TOOLS_VERSION (--version, from the project's
// version); the library names its own in the User-Agent it sends. They are
// one version: this fails when one is bumped without the other.
// consensus-ws --version also names the linked mbedTLS (tls_library_version).
#include <mbedtls/version.h>

#include <string>

#include "CppUTest/TestHarness.h"
#include "consensus/client.h"
#include "core/writer.h"

TEST_GROUP(cli_version){};

TEST(cli_version, ToolsAndUserAgentNameTheSameVersion) {
    STRCMP_EQUAL((std::string("consensus-ws/") + CONSENSUS_TOOLS_VERSION).c_str(),
                 consensus::kUserAgent);
}

// The library's answer is the linked mbedTLS's own; the headers the tests were
// compiled with must be that same release (a mismatch means a broken build).
TEST(cli_version, TlsLibraryVersionIsTheLinkedMbedTls) {
    STRCMP_EQUAL(MBEDTLS_VERSION_STRING, consensus::tls_library_version());
}
