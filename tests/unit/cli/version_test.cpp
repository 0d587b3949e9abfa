// Both tools print CONSENSUS_TOOLS_VERSION (--version, from the project's
// version); the library names its own in the User-Agent it sends. They are
// one version: this fails when one is bumped without the other.
#include <string>

#include "CppUTest/TestHarness.h"
#include "core/writer.h"

TEST_GROUP(cli_version){};

TEST(cli_version, ToolsAndUserAgentNameTheSameVersion) {
    STRCMP_EQUAL((std::string("consensus-ws/") + CONSENSUS_TOOLS_VERSION).c_str(),
                 consensus::kUserAgent);
}
