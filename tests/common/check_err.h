/* SPDX-License-Identifier: MIT */
// CHECK_ERR(expected, actual) for consensus::Error values, compared by their
// stable names so that a failure reads "expected <timeout> but was <closed>".
// Include after CppUTest/TestHarness.h (it expands to STRCMP_EQUAL).
#pragma once

#include "consensus/error.h"

#define CHECK_ERR(expected, actual) \
    STRCMP_EQUAL(consensus::error_name(expected), consensus::error_name(actual))
