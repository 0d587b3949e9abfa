#!/usr/bin/env bash
# Package tests (issue 14): the library as an outside project uses it.
#   (a) `cmake --install` of a build into a fresh prefix; tests/package/
#       consumer (find_package(consensus_ws CONFIG REQUIRED)) builds the
#       README's example verbatim and the C++ examples, and
#       examples/echo_client.cpp gets its echo from the dev server;
#   (b) with `pkg-config --cflags --libs --static consensus_ws` alone: the
#       same example, and examples/c/echo.c as C99 -pedantic -Werror linked
#       by gcc, which gets its echo from a free dev server;
#   (c) tests/package/parent: add_subdirectory of the repository into a
#       project with its own `llhttp` and imported MbedTLS::mbedtls:
#       configures, builds, gets the echo, and has no test/tool/bench target;
#   (d) a BUILD_SHARED_LIBS=ON build, installed: only the API is exported
#       (nm -D), and the consumer of (a) links and runs against it.
# usage: tests/package/run.sh [build dir]
# The build dir (default build/gcc) is a default, already built build: its
# consensus-devserver serves the echoes. Work happens in a temporary
# directory, removed at the end.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build/gcc}" && pwd)
DEV="$BUILD/tools/devserver/consensus-devserver"
TMP=$(mktemp -d)
# start_dev, servers_cleanup
. "$ROOT/tests/common/servers.sh"
cleanup() {
    servers_cleanup
    rm -rf "$TMP"
}
trap cleanup EXIT
t0=$SECONDS
GEN=()
command -v ninja >/dev/null && GEN=(-G Ninja)
JOBS=${CONSENSUS_PACKAGE_JOBS:-2}

fail() {
    echo "package: FAIL: $*" >&2
    exit 1
}
[ -x "$DEV" ] || fail "no $DEV: build $BUILD first"
start_dev

# echo_of NAME BINARY: runs the echo client against the dev server; passes
# when it exits 0 having printed the echo.
echo_of() {
    local out="$TMP/$1.out"
    if ! timeout 30 "$2" "$URL" >"$out" 2>"$TMP/$1.err"; then
        cat "$out" "$TMP/$1.err" >&2
        fail "$1: echo_client failed"
    fi
    grep -qx 'message: hello' "$out" || fail "$1: no echo in: $(tr '\n' '|' <"$out")"
    echo "($1) $(grep -x 'message: hello' "$out") ($(grep -c . "$out") lines, exit 0)"
}

echo "== (a) install into a fresh prefix, find_package consumer"
cmake --install "$BUILD" --prefix "$TMP/prefix" >/dev/null
echo "(a) installed $(find "$TMP/prefix" -type f | wc -l) files"
cmake -S "$ROOT/tests/package/consumer" -B "$TMP/consumer" "${GEN[@]}" \
    -DCMAKE_PREFIX_PATH="$TMP/prefix" >"$TMP/consumer.log" || { cat "$TMP/consumer.log"; fail "(a) configure"; }
grep 'consensus_ws 0' "$TMP/consumer.log" | sed 's/^-- /(a) /'
cmake --build "$TMP/consumer" -j"$JOBS" >"$TMP/consumer-build.log" 2>&1 ||
    { cat "$TMP/consumer-build.log"; fail "(a) build"; }
echo "(a) $("$TMP/consumer/version")"
echo_of a "$TMP/consumer/echo_client"

echo "== (b) pkg-config --static"
export PKG_CONFIG_PATH="$TMP/prefix/lib/pkgconfig"
flags=$(pkg-config --cflags --libs --static consensus_ws) || fail "(b) pkg-config"
echo "(b) pkg-config: $flags"
# shellcheck disable=SC2086
c++ -std=c++17 -Wall -Wextra -Werror -fno-exceptions -fno-rtti -o "$TMP/echo_pc" \
    "$ROOT/examples/echo_client.cpp" "$ROOT/examples/dev_payer.cpp" $flags ||
    fail "(b) compile and link with pkg-config's flags"
echo_of b "$TMP/echo_pc"
# shellcheck disable=SC2086
gcc -std=c99 -pedantic -Wall -Wextra -Werror -o "$TMP/echo_c" "$ROOT/examples/c/echo.c" $flags ||
    fail "(b) examples/c/echo.c: gcc -std=c99 -pedantic with pkg-config's flags"
start_dev --free
timeout 30 "$TMP/echo_c" "$URL" "hello from C" >"$TMP/echo_c.out" 2>"$TMP/echo_c.err" ||
    fail "(b) echo.c failed: $(cat "$TMP/echo_c.out" "$TMP/echo_c.err")"
grep -qx 'echo: hello from C' "$TMP/echo_c.out" || fail "(b) echo.c printed no echo: $(cat "$TMP/echo_c.out")"
echo "(b) C99 echo.c, linked by gcc: $(cat "$TMP/echo_c.out")"
start_dev
unset PKG_CONFIG_PATH

echo "== (c) add_subdirectory into a parent with its own llhttp and MbedTLS::mbedtls"
cmake -S "$ROOT/tests/package/parent" -B "$TMP/parent" "${GEN[@]}" \
    -DCONSENSUS_WS_SOURCE_DIR="$ROOT" >"$TMP/parent.log" 2>&1 || { cat "$TMP/parent.log"; fail "(c) configure"; }
grep "consensus-ws:" "$TMP/parent.log" | sed 's/^-- /(c) /'
cmake --build "$TMP/parent" -j"$JOBS" >"$TMP/parent-build.log" 2>&1 ||
    { cat "$TMP/parent-build.log"; fail "(c) build"; }
targets=$(cmake --build "$TMP/parent" --target help | sed -n 's/^\([^:]*\): .*/\1/p; s/^\.\.\. \([^ ]*\).*/\1/p')
extra=$(grep -E '^(unit_|integration_|threads_|bench|consensus-bench|consensus-ws-bench|consensus-tls-resume|consensus-ws$|consensus-devserver|test_support|fuzz_)' <<<"$targets" || true)
[ -z "$extra" ] || fail "(c) the subproject builds more than the libraries: $(tr '\n' ' ' <<<"$extra")"
[ ! -e "$TMP/parent/consensus_ws/CTestTestfile.cmake" ] || ! grep -q add_test "$TMP/parent/consensus_ws/CTestTestfile.cmake" ||
    fail "(c) the subproject registers tests"
echo "(c) $(grep -c . <<<"$targets") targets, none a test, tool or benchmark; consensus-ws: $(grep -E '^consensus' <<<"$targets" | grep -v '/' | sort | tr '\n' ' ')"
echo_of c "$TMP/parent/parent_echo"

echo "== (d) BUILD_SHARED_LIBS=ON: build, install, exports, consumer"
cmake -S "$ROOT" -B "$TMP/shared" "${GEN[@]}" -DBUILD_SHARED_LIBS=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    >"$TMP/shared.log" 2>&1 || { cat "$TMP/shared.log"; fail "(d) configure"; }
cmake --build "$TMP/shared" -j"$JOBS" >"$TMP/shared-build.log" 2>&1 ||
    { cat "$TMP/shared-build.log"; fail "(d) build"; }
cmake --install "$TMP/shared" --prefix "$TMP/prefix-shared" >/dev/null
lib="$TMP/prefix-shared/lib/libconsensus.so"
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\]/\1/p')
[ "$soname" = libconsensus.so.0.1 ] || fail "(d) soname '$soname', expected libconsensus.so.0.1"
# Every exported symbol of ours is in namespace consensus or a cws_ C
# function; no llhttp_, jsmn_ or internal class leaks.
exported=$(nm -D --defined-only "$lib" "$TMP/prefix-shared/lib/libconsensus_posix.so" | awk 'NF == 3 {print $3}' | sort -u)
leaks=$(grep -E '^(llhttp|jsmn|wslay|mbedtls)|_ZN9consensus(10ClientCore|11SessionSlot|11RequestSlot|10Connection|10TlsSession|4Link|2ws|3Rng)' <<<"$exported" || true)
[ -z "$leaks" ] || fail "(d) internal symbols exported: $(head -5 <<<"$leaks" | tr '\n' ' ')"
api=$(c++filt <<<"$exported" | grep -cE '^consensus::|^cws_')
echo "(d) $soname: $(wc -l <<<"$exported") dynamic symbols, $api of the API (consensus::, cws_), no llhttp/jsmn/internal class"
cmake -S "$ROOT/tests/package/consumer" -B "$TMP/consumer-shared" "${GEN[@]}" \
    -DCMAKE_PREFIX_PATH="$TMP/prefix-shared" >/dev/null || fail "(d) consumer configure"
cmake --build "$TMP/consumer-shared" -j"$JOBS" >"$TMP/consumer-shared.log" 2>&1 ||
    { cat "$TMP/consumer-shared.log"; fail "(d) consumer build"; }
ldd "$TMP/consumer-shared/echo_client" >"$TMP/ldd.out"
grep -q "libconsensus.so.0.1 => $TMP/prefix-shared" "$TMP/ldd.out" ||
    fail "(d) echo_client is not linked against the installed libconsensus.so: $(cat "$TMP/ldd.out")"
echo_of d "$TMP/consumer-shared/echo_client"

echo "package: 4 of 4 passed in $((SECONDS - t0)) s"
