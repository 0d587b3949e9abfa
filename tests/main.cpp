#include <stdlib.h>

#include "CppUTest/CommandLineTestRunner.h"
#include "CppUTest/TestRegistry.h"

// Under valgrind (scripts/memcheck sets CONSENSUS_UNDER_VALGRIND=1) CppUTest's
// own leak detector is left out: valgrind does that job, and the detector's
// bookkeeping shows up as noise in its reports.
int main(int argc, char** argv) {
    if (getenv("CONSENSUS_UNDER_VALGRIND") != nullptr) {
        CommandLineTestRunner runner(argc, argv, TestRegistry::getCurrentRegistry());
        return runner.runAllTestsMain();
    }
    return CommandLineTestRunner::RunAllTests(argc, argv);
}
