#!/usr/bin/env bash
# The C API's promise that a C program links the library with the C compiler
# alone: the static libraries given reference nothing of the C++ runtime
# (operator new/delete, __cxa_*, the exception personality, std::) that they
# do not define themselves (src/capi/cxx_runtime.cpp).
# usage: no_cxx_runtime.sh <nm> <lib.a>...
set -u
NM=$1
shift
PATTERN='^(_Znw|_Zna|_Zdl|_Zda|__cxa_|__gxx_personality|_ZSt|_ZNSt|_ZNKSt|_Unwind_)'
UNDEF=$("$NM" --undefined-only "$@" 2>/dev/null | awk '$1 == "U" {print $2}' | grep -E "$PATTERN" |
    sort -u)
DEFINED=$("$NM" --defined-only "$@" 2>/dev/null | awk 'NF == 3 {print $3}' | sort -u)
FOUND=$(comm -23 <(echo "$UNDEF") <(echo "$DEFINED") | grep -v '^$')
if [ -n "$FOUND" ]; then
    echo "FAIL the library needs the C++ runtime:"
    echo "$FOUND"
    exit 1
fi
echo "ok   no C++ runtime symbol referenced by $*"
