// SPDX-License-Identifier: MIT
// The thread tier's runner: CppUTest's leak detector counts allocations in
// a table that is not thread-safe, and std::thread allocates in one thread
// and frees in another; the sanitizers (ASan, TSan) and valgrind do that job.
#include <signal.h>

#include "CppUTest/CommandLineTestRunner.h"
#include "CppUTest/MemoryLeakWarningPlugin.h"
#include "CppUTest/TestRegistry.h"

int main(int argc, char** argv) {
    signal(SIGPIPE, SIG_IGN);
#ifndef CPPUTEST_MEM_LEAK_DETECTION_DISABLED  // sanitizer builds: not linked at all
    MemoryLeakWarningPlugin::turnOffNewDeleteOverloads();
#endif
    CommandLineTestRunner runner(argc, argv, TestRegistry::getCurrentRegistry());
    return runner.runAllTestsMain();
}
