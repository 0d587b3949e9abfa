// SPDX-License-Identifier: MIT
// See heap_wrap.h. Deliberately without CppUTest/TestHarness.h: its leak
// detector redefines the allocation functions in files that include it.
#include "heap_wrap.h"

namespace {
bool g_on = false;
int g_fail_nth = 0;
size_t g_callocs = 0;
size_t g_failed = 0;
size_t g_frees = 0;
}  // namespace

namespace heap_wrap {
void start(int fail_nth) {
    g_callocs = g_failed = g_frees = 0;
    g_fail_nth = fail_nth;
    g_on = true;
}
void stop() {
    g_on = false;
    g_fail_nth = 0;
}
size_t callocs() {
    return g_callocs;
}
size_t failed() {
    return g_failed;
}
size_t frees() {
    return g_frees;
}
}  // namespace heap_wrap

extern "C" {
void* __real_calloc(size_t n, size_t size);
void __real_free(void* p);

void* __wrap_calloc(size_t n, size_t size) {
    if (g_on) {
        ++g_callocs;
        if (g_fail_nth > 0 && static_cast<size_t>(g_fail_nth) == g_callocs) {
            ++g_failed;
            return nullptr;
        }
    }
    return __real_calloc(n, size);
}

void __wrap_free(void* p) {
    if (g_on && p != nullptr) ++g_frees;
    __real_free(p);
}
}
