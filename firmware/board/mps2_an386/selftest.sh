#!/usr/bin/env bash
# End-to-end check of the mps2-an386 board support under QEMU (no ctest):
# builds consensus-board-selftest.elf if needed, starts a loopback echo
# server, boots the image on qemu-system-arm -M mps2-an386 with user
# networking restricted to one guest forward, and checks its exit status
# and its JSON line. Also checks semihosting exit statuses (0, 3, 5, 255
# and plain SYS_EXIT), the fault handler (status 70) and stdio without a
# heap.
#
# Usage: firmware/board/mps2_an386/selftest.sh [BUILD_DIR]
#   BUILD_DIR: a firmware/ build (default build/board-mps2; configured with
#   toolchains/arm-none-eabi.cmake if it has no CMakeCache.txt).
# Needs qemu-system-arm (7.2), socat, python3 (scripts/install-cross-deps
# cortex-m). Exit status 0 when every check passes.
#
# QEMU 7.2 guestfwd notes (checked here):
#  - guestfwd=tcp:IP:PORT-tcp:HOST:HPORT connects once, when QEMU starts (and
#    fails if nothing listens yet); -cmd:COMMAND runs COMMAND for every guest
#    connection, with the connection on its stdin/stdout.
#  - COMMAND ends at the first unescaped comma (the -nic option separator):
#    a literal comma is written ",,". Colons, spaces and dashes need no
#    escaping (the forward's port ends at the first "-").
#  - COMMAND is split into argv with shell-like quoting but not run by a
#    shell: "a | b" passes "|" to a; use sh -c '...' for shell syntax.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
BUILD="${1:-$ROOT/build/board-mps2}"
IMAGE="$BUILD/consensus-board-selftest.elf"
QEMU_TIMEOUT="${QEMU_TIMEOUT:-60}"

fail() { echo "selftest.sh: FAIL: $*" >&2; exit 1; }
for tool in qemu-system-arm socat python3 timeout; do
    command -v "$tool" >/dev/null || fail "$tool not found (scripts/install-cross-deps cortex-m)"
done

if [ ! -f "$BUILD/CMakeCache.txt" ]; then
    cmake -S "$ROOT/firmware" -B "$BUILD" -G Ninja \
        -DCMAKE_TOOLCHAIN_FILE="$ROOT/toolchains/arm-none-eabi.cmake" >/dev/null
fi
cmake --build "$BUILD" -j2 --target consensus-board-selftest >/dev/null ||
    fail "building consensus-board-selftest"
arm-none-eabi-size "$IMAGE"

WORK="$(mktemp -d)"
SERVER_PID=""
cleanup() {
    if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

# qemu <semihosting args...> [-- extra qemu args...]: runs the image, sets
# STATUS, leaves the output in $WORK/out and $WORK/err.
qemu() {
    local args=(selftest) extra=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do args+=("$1"); shift; done
    [ $# -gt 0 ] && { shift; extra=("$@"); }
    local cfg="enable=on,target=native" a
    for a in "${args[@]}"; do cfg+=",arg=${a//,/,,}"; done
    STATUS=0
    timeout "$QEMU_TIMEOUT" qemu-system-arm -M mps2-an386 -nographic -kernel "$IMAGE" \
        -semihosting-config "$cfg" "${extra[@]}" \
        </dev/null >"$WORK/out" 2>"$WORK/err" || STATUS=$?
    [ "$STATUS" -ne 124 ] || fail "qemu timed out after $QEMU_TIMEOUT s (selftest ${args[*]:1})"
}

# 1. Semihosting exit statuses.
for n in 0 3 5 255; do
    qemu exit "$n"
    [ "$STATUS" -eq "$n" ] || fail "semihost_exit($n): qemu exited $STATUS"
done
qemu exit-legacy 0
[ "$STATUS" -eq 0 ] || fail "SYS_EXIT ApplicationExit: qemu exited $STATUS"
qemu exit-legacy 3
[ "$STATUS" -eq 1 ] || fail "SYS_EXIT with reason 3: qemu exited $STATUS (expected 1)"
echo "semihosting exit: SYS_EXIT_EXTENDED 0/3/5/255 -> 0/3/5/255; SYS_EXIT -> 0 or 1 only"

# 2. A fault ends the run with status 70 and a report on UART0.
qemu fault
[ "$STATUS" -eq 70 ] || fail "fault: qemu exited $STATUS, expected 70"
grep -q '^FAULT exception=0x00000003 pc=' "$WORK/out" || fail "fault: no report: $(cat "$WORK/out")"
echo "fault: $(grep '^FAULT' "$WORK/out")"

# 3. stdio with no heap.
qemu stdio
[ "$STATUS" -eq 0 ] || fail "stdio: qemu exited $STATUS: $(cat "$WORK/err")"
grep -q 'stdio: printf int=-42 unsigned=42 hex=beef long=-1234567 str=ok char=z' "$WORK/out" &&
    grep -q 'stdio: fwrite to stdout' "$WORK/out" &&
    grep -q 'stdio: malloc(16) = NULL' "$WORK/out" &&
    grep -q 'stdio: fprintf to stderr 7' "$WORK/err" ||
    fail "stdio: unexpected output: $(cat "$WORK/out" "$WORK/err")"
grep 'malloc' "$WORK/out"

# 4. The network self-test against a loopback echo server.
PORT="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
socat "TCP-LISTEN:$PORT,bind=127.0.0.1,reuseaddr,fork" PIPE &
SERVER_PID=$!
for _ in $(seq 50); do
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $PORT), 1).close()" 2>/dev/null && break
    sleep 0.1
done
head -c 3000 /dev/urandom >"$WORK/host-file.bin"
FILE_SIZE=$(stat -c %s "$WORK/host-file.bin")
# One socat per guest connection (the image makes two); ",," would be a
# literal comma in the command.
FWD="guestfwd=tcp:10.0.2.100:$PORT-cmd:socat - TCP:127.0.0.1:$PORT"
T0=$(date +%s%N)
qemu echo "$PORT" "$WORK/host-file.bin" -- -nic "user,model=lan9118,restrict=on,$FWD"
T1=$(date +%s%N)
cat "$WORK/out"
[ "$STATUS" -eq 0 ] || fail "network self-test: qemu exited $STATUS: $(cat "$WORK/err")"
JSON="$(grep '^{"selftest"' "$WORK/out" || true)"
[ -n "$JSON" ] || fail "no JSON line"
python3 - "$JSON" "$FILE_SIZE" "$(( (T1 - T0) / 1000000 ))" <<'PY'
import json, sys
r = json.loads(sys.argv[1])
size, wall_ms = int(sys.argv[2]), int(sys.argv[3])
def check(cond, what):
    if not cond:
        sys.exit("selftest.sh: FAIL: " + what)
check(r["selftest"] == "pass", "selftest did not pass")
check(r["file"]["size"] == size, "file size %s != %d" % (r["file"]["size"], size))
check(r["file"]["missing"] == -2 and r["file"]["too_big"] == -4, "typed file errors")
check(r["echo2_bytes"] == 16384, "second connection")
for dest, outcome in r["blocked"].items():
    check(outcome in ("reset", "no answer (timeout)"), "%s: %s with restrict=on" % (dest, outcome))
check(r["lan9118"]["tx_err"] == 0 and r["lan9118"]["rx_err"] == 0, "LAN9118 errors")
check(r["mem"]["err"] == 0 and all(p["err"] == 0 for p in r["memp"].values()), "lwIP pool errors")
check(abs(r["systick_ms"] - r["host_ms"]) <= max(200, r["host_ms"] // 10),
      "SysTick %d ms vs host %d ms" % (r["systick_ms"], r["host_ms"]))
print("network: boot-to-echo %d ms (SysTick), %d ms after QEMU started (host); "
      "16 KiB echo %d ms; blocked %s; stack high-water %d of %d bytes; qemu wall %d ms"
      % (r["boot_to_echo_ms"], r["host_ms_at_echo"], r["echo2_ms"], r["blocked"],
         r["stack_high_water"], r["stack_size"], wall_ms))
PY
echo "selftest.sh: PASS"
