// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdlib.h>

#include "CppUTest/CommandLineTestRunner.h"
#include "CppUTest/TestRegistry.h"

// Under valgrind (scripts/memcheck sets CONSENSUS_UNDER_VALGRIND=1) CppUTest's
// own leak detector is left out: valgrind does that job, and the detector's
// bookkeeping shows up as noise in its reports.
//
// SIGPIPE is ignored as consensus-ws and consensus-devserver ignore it: the
// payer tests run payers that exit without reading their stdin, which must be
// an EPIPE for the CLI core, not the death of the test binary.
int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
    if (getenv("CONSENSUS_UNDER_VALGRIND") != nullptr) {
        CommandLineTestRunner runner(argc, argv, TestRegistry::getCurrentRegistry());
        return runner.runAllTestsMain();
    }
    return CommandLineTestRunner::RunAllTests(argc, argv);
}
