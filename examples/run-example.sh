#!/usr/bin/env bash
# Runs one example against consensus-devserver on loopback (paid mode: the
# example's payment hook is exercised) and checks what it printed.
# echo_c (the C API's examples/c/echo.c) runs against a free server, and once
# against the paid one, whose 402 its hook refuses.
# usage: run-example.sh <consensus-devserver> echo_client|foreign_loop|echo_c <example binary>
set -u
DEV=$1
NAME=$2
BIN=$3
ROOT=$(cd "$(dirname "$0")/.." && pwd)
TMP=$(mktemp -d)
# start_dev, servers_cleanup
. "$ROOT/tests/common/servers.sh"
FAIL=0

cleanup() {
    servers_cleanup
    rm -rf "$TMP"
}
trap cleanup EXIT

start_dev

bad() {
    FAIL=$((FAIL + 1))
    echo "FAIL $1"
    echo "  --- stdout"; sed 's/^/  /' "$TMP/out"
    echo "  --- stderr"; sed 's/^/  /' "$TMP/err"
}

# expect_status CASE WANT GOT
expect_status() {
    if [ "$3" -eq "$2" ]; then echo "ok   $1: exit $3"; else bad "$1: exit $3, expected $2"; fi
}

# expect_lines CASE FILE: stdout's "message:" lines, other than the server's
# own session_start, are exactly FILE's lines in order.
expect_lines() {
    grep '^message: ' "$TMP/out" | grep -v '"type":"session_start"' | sed 's/^message: //' \
        >"$TMP/got"
    if cmp -s "$TMP/got" "$2"; then
        echo "ok   $1: $(wc -l <"$2") echo(es) in order"
    else
        bad "$1: echoes differ (got: $(tr '\n' '|' <"$TMP/got"))"
    fi
}

expect_has() {
    if grep -qF -- "$3" "$TMP/$2"; then echo "ok   $1"; else bad "$1: $2 lacks '$3'"; fi
}

case "$NAME" in
echo_client)
    timeout 30 "$BIN" "$URL" </dev/null >"$TMP/out" 2>"$TMP/err"
    expect_status "echo: paid session, hello echoed" 0 $?
    printf 'hello\n' >"$TMP/want"
    expect_lines "echo: the echo" "$TMP/want"
    expect_has "echo: the hook saw the 402 challenge" out "paying "
    expect_has "echo: session_start arrived" out '"type":"session_start"'
    expect_has "echo: the session ended" out "ended"

    timeout 10 "$BIN" >"$TMP/out" 2>"$TMP/err"
    expect_status "echo: usage without a URL" 2 $?
    ;;
foreign_loop)
    # Lines arrive over time (the loop must wake for stdin and sockets alike);
    # a 2000-byte line is skipped whole; the last line has no newline.
    LONG=$(head -c 2000 /dev/zero | tr '\0' x)
    (
        printf 'one\n'
        sleep 0.3
        printf '%s\ntwo\n' "$LONG"
        sleep 0.3
        printf 'three'
    ) | timeout 30 "$BIN" "$URL" >"$TMP/out" 2>"$TMP/err"
    expect_status "foreign: lines echoed, closed at end of input" 0 $?
    printf 'one\ntwo\nthree\n' >"$TMP/want"
    expect_lines "foreign: echoes" "$TMP/want"
    expect_has "foreign: over-long line reported" err "line longer than 1024 bytes: skipped"

    timeout 30 "$BIN" "$URL" </dev/null >"$TMP/out" 2>"$TMP/err"
    expect_status "foreign: empty input closes cleanly" 0 $?
    ;;
echo_c)
    timeout 30 "$BIN" "$URL" hello </dev/null >"$TMP/out" 2>"$TMP/err"
    expect_status "echo_c: the paid server's 402 is refused" 1 $?
    expect_has "echo_c: payment_refused named" err "payment_refused"

    start_dev --free
    timeout 30 "$BIN" "$URL" "hello from C" </dev/null >"$TMP/out" 2>"$TMP/err"
    expect_status "echo_c: free session, text echoed" 0 $?
    expect_has "echo_c: the echo printed" out "echo: hello from C"

    timeout 10 "$BIN" "$URL" >"$TMP/out" 2>"$TMP/err"
    expect_status "echo_c: usage without TEXT" 2 $?
    ;;
*)
    echo "unknown example: $NAME"
    exit 1
    ;;
esac

# The dev server saw a 402, a paid token request and an accepted upgrade
# (echo_c: a free token request and an accepted upgrade).
if [ "$NAME" = echo_c ]; then
    if grep -q '"event":"token_request".*"paid":false,"status":200' "$TMP/dev.log" &&
        grep -q '"status":101' "$TMP/dev.log"; then
        echo "ok   devserver log: free 200, upgrade 101"
    else
        FAIL=$((FAIL + 1))
        echo "FAIL devserver log lacks the free 200 / 101 sequence:"
        sed 's/^/  /' "$TMP/dev.log"
    fi
elif grep -q '"event":"token_request".*"paid":false,"status":402' "$TMP/dev.log" &&
    grep -q '"event":"token_request".*"paid":true,"status":200' "$TMP/dev.log" &&
    grep -q '"status":101' "$TMP/dev.log"; then
    echo "ok   devserver log: 402, paid 200, upgrade 101"
else
    FAIL=$((FAIL + 1))
    echo "FAIL devserver log lacks the 402 / paid 200 / 101 sequence:"
    sed 's/^/  /' "$TMP/dev.log"
fi

[ "$FAIL" -eq 0 ]
