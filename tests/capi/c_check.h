/* SPDX-License-Identifier: MIT */
/* The checks of the C test programs (tests/capi), in C99: CHECK, CHECK_ERR,
 * CHECK_STR count into g_checks and print and count each failure into
 * g_failures; run_tests() runs a program's tests and reports them. Included by one translation unit
 * per program (the definitions are static). */
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

/* One test of a program: its name (the command line's filter) and body. */
typedef struct named_test {
    const char* name;
    void (*fn)(void);
} named_test;

/* Runs every test, or only the one argv[1] names; prints one line per test
 * and the totals. Returns main()'s status: 0 when something ran and every
 * check held. */
static int run_tests(const named_test* tests, size_t count, int argc, char** argv) {
    size_t i;
    int ran = 0;
    setvbuf(stdout, NULL, _IONBF, 0); /* interleaved with the failures on stderr */
    for (i = 0; i < count; ++i) {
        const int before = g_failures;
        if (argc > 1 && strcmp(argv[1], tests[i].name) != 0) continue;
        tests[i].fn();
        ++ran;
        printf("%s %s\n", g_failures == before ? "ok  " : "FAIL", tests[i].name);
    }
    printf("%d tests, %d checks, %d failed\n", ran, g_checks, g_failures);
    return g_failures == 0 && ran > 0 ? 0 : 1;
}

#endif
