#!/usr/bin/env bash
# The C API's promise that a C program links the library with the C compiler
# alone: the static libraries given reference nothing of the C++ runtime
# (operator new/delete, __cxa_*, the exception personality, std::).
# usage: no_cxx_runtime.sh <nm> <lib.a>...
set -u
NM=$1
shift
FOUND=$("$NM" --undefined-only "$@" 2>/dev/null |
    grep -E ' U (_Znw|_Zna|_Zdl|_Zda|__cxa_|__gxx_personality|_ZSt|_ZNSt|_ZNKSt|_Unwind_)' | sort -u)
if [ -n "$FOUND" ]; then
    echo "FAIL the library needs the C++ runtime:"
    echo "$FOUND"
    exit 1
fi
echo "ok   no C++ runtime symbol referenced by $*"
