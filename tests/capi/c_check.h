/* SPDX-License-Identifier: MIT */
/* The checks of the C test programs (tests/capi), in C99: CHECK, CHECK_ERR,
 * CHECK_STR count into g_checks and print and count each failure into
 * g_failures; main() reports them. Included by one translation unit per
 * program (the definitions are static). */
#ifndef CONSENSUS_TESTS_CAPI_C_CHECK_H
#define CONSENSUS_TESTS_CAPI_C_CHECK_H

#include <stdio.h>
#include <string.h>

#include "consensus/consensus.h"

static int g_failures;
static int g_checks;

static void check(int ok, const char* what, const char* file, int line) {
    ++g_checks;
    if (!ok) {
        ++g_failures;
        fprintf(stderr, "%s:%d: check failed: %s\n", file, line, what);
    }
}

#define CHECK(cond) check((cond) ? 1 : 0, #cond, __FILE__, __LINE__)
#define CHECK_ERR(want, got) check_err((want), (got), #got, __FILE__, __LINE__)
#define CHECK_STR(want, got) check_str((want), (got), #got, __FILE__, __LINE__)

static void check_err(cws_error want, cws_error got, const char* what, const char* file, int line) {
    ++g_checks;
    if (want != got) {
        ++g_failures;
        fprintf(stderr, "%s:%d: %s: expected %s, got %s\n", file, line, what, cws_error_name(want),
                cws_error_name(got));
    }
}

static void check_str(const char* want, const char* got, const char* what, const char* file,
                      int line) {
    ++g_checks;
    if (got == NULL || strcmp(want, got) != 0) {
        ++g_failures;
        fprintf(stderr, "%s:%d: %s: expected \"%s\", got \"%s\"\n", file, line, what, want,
                got != NULL ? got : "(null)");
    }
}

#endif
