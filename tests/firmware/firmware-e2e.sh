#!/usr/bin/env bash
# The firmware image (QEMU mps2-an386, scripts/run-firmware) against the dev
# server and the hostile server on this host, each case also run with the
# Linux CLI: the device must print the same lines (ids and tokens aside) and
# exit with the same status; and the server must see the token request, the
# upgrade, the message and a close 1000 from the client.
# usage: firmware-e2e.sh <consensus-ws> <consensus-devserver> <firmware build dir>
set -u
WS=$1
DEV=$2
FW_BUILD=$3
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUN_FW="$ROOT/scripts/run-firmware"
TMP=$(mktemp -d)
# start_dev, stop_dev, start_hostile, servers_cleanup
. "$ROOT/tests/common/servers.sh"
# ok, bad, has, lacks, e2e_summary
. "$ROOT/tests/common/e2e.sh"
E2E_SHOW=(fw.out fw.err linux.out)
# One boot, from reset to exit; a case that needs longer has hung.
BOOT_BOUND_S=60
ECHO_MS=

cleanup() {
    servers_cleanup
    rm -rf "$TMP"
}
trap cleanup EXIT


# Ids, tokens and the device's memory line vary; everything else must match.
normalize() {
    grep -v '"type":"memory"' "$1" |
        sed -E 's/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/ID/g'
}

# both NAME STATUS args...: runs the firmware and the Linux CLI with the same
# arguments; both must exit STATUS and print the same lines.
both() {
    local name=$1 want=$2 got linux
    shift 2
    local t0 t1
    t0=$(date +%s%N)
    timeout "$BOOT_BOUND_S" "$RUN_FW" --build "$FW_BUILD" "$@" >"$TMP/fw.out" 2>"$TMP/fw.err"
    got=$?
    t1=$(date +%s%N)
    LAST_MS=$(((t1 - t0) / 1000000))
    timeout 30 "$WS" "$@" </dev/null >"$TMP/linux.out" 2>/dev/null
    linux=$?
    if [ "$got" -ne "$want" ] || [ "$linux" -ne "$want" ]; then
        bad "$name" "firmware exit $got, Linux exit $linux, expected $want"
        return 1
    fi
    if ! diff <(normalize "$TMP/fw.out") <(normalize "$TMP/linux.out") >"$TMP/diff"; then
        bad "$name" "the firmware's lines differ from the CLI's: $(cat "$TMP/diff")"
        return 1
    fi
    return 0
}

# echo_within NAME BOUND_MS: the device's own time from reset to the first
# message (its report line) is at most BOUND_MS; remembered for the summary.
echo_within() {
    local ms
    ms=$(sed -n 's/.*"first_message_ms":\([0-9]*\).*/\1/p' "$TMP/fw.out")
    if [ -z "$ms" ] || [ "$ms" -eq 0 ] || [ "$ms" -gt "$2" ]; then
        bad "$1" "reset to first message: '${ms:-none}' ms, bound $2 ms"
        return 1
    fi
    ECHO_MS="$ECHO_MS $1=${ms}ms"
    return 0
}

# refused NAME FILE TEXT args...: the firmware exits 2 before any traffic
# and FILE (fw.out or fw.err) says TEXT.
refused() {
    local name=$1 file=$2 text=$3 st
    shift 3
    timeout "$BOOT_BOUND_S" "$RUN_FW" --build "$FW_BUILD" "$@" >"$TMP/fw.out" 2>"$TMP/fw.err"
    st=$?
    if [ $st -ne 2 ]; then
        bad "$name" "exit $st, expected 2"
        return 1
    fi
    has "$name" "$file" "$text" && ok "$name"
}

# ---- usage (2): refused on the device before the network ---------------------------
start_dev --free
refused usage.payer fw.out '"code":"invalid_params","message":"--payer: the device runs no processes' \
    connect --server "http://localhost:$PORT" --payer true --json
# Arguments the firmware cannot read whole: it cannot know --json yet, so
# the reason is in words on stderr.
refused usage.arguments_too_long fw.err 'the arguments exceed 4096 bytes' \
    connect --server "http://localhost:$PORT" --send "$(printf '%05000d' 0)" --json
sends=()
for _ in $(seq 1 40); do sends+=(--send x); done
refused usage.too_many_arguments fw.err 'more than 63 arguments' \
    connect --server "http://localhost:$PORT" "${sends[@]}" --json
refused usage.not_loopback fw.err 'only this host' connect --server http://example.com

# ---- the dev server, free, ws ----------------------------------------------------------
t=free.ws
if both $t 0 connect --server "http://localhost:$PORT" --send hello --wait-ms 300 --json; then
    RUN_MS=$LAST_MS
    echo_within $t 2000 && has $t fw.out '{"type":"open","attempt":1}' &&
        has $t fw.out '{"type":"message","binary":false,"data":"hello"}' &&
        has $t fw.out '"type":"session_start","session_id":"' &&
        has $t fw.out '"type":"memory"' &&
        has $t dev.log '"event":"token_request"' && has $t dev.log '"event":"upgrade"' &&
        has $t dev.log '"event":"message","session":' &&
        has $t dev.log '"code":1000,"reason":"","initiator":"client","bytes_in":5' && ok $t
fi
t=free.human
both $t 0 connect --server "http://127.0.0.1:$PORT" --send 'two words' --wait-ms 200 &&
    has $t fw.out 'two words' && ok $t
t=free.binary
both $t 0 connect --server "http://localhost:$PORT" --binary --send foobar --wait-ms 200 &&
    has $t fw.out '[binary 6 bytes] Zm9vYmFy' && ok $t

# ---- paid: the demo payer, and the built-in signer against a verifying server -----------
start_dev
t=paid.demo_payer
both $t 0 connect --server "http://localhost:$PORT" --demo-payer --send hello --wait-ms 200 --json &&
    has $t fw.out '{"type":"payment","status":"paid"}' && has $t dev.log '"paid":true' && ok $t
t=paid.no_payer
both $t 3 connect --server "http://localhost:$PORT" --max-reconnects 0 --send hello --json &&
    has $t fw.out '"code":"payment_required"' && ok $t
KEY="$TMP/wallet.key"
printf '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n' >"$KEY"
chmod 600 "$KEY"
start_dev --verify-payments
t=paid.wallet_key
both $t 0 connect --server "http://localhost:$PORT" --wallet-key "$KEY" --send hello --wait-ms 200 \
    --json && has $t fw.out '{"type":"message","binary":false,"data":"hello"}' &&
    lacks $t fw.out '4c0883a6' && lacks $t fw.err '4c0883a6' && ok $t
t=paid.fake_signature_rejected
both $t 3 connect --server "http://localhost:$PORT" --demo-payer --max-reconnects 0 --json &&
    has $t fw.out 'invalid_exact_evm_signature' && ok $t

# ---- https / wss ------------------------------------------------------------------------
"$ROOT/scripts/gen-test-cert" "$TMP/tc" >/dev/null 2>&1 || { echo "gen-test-cert failed"; exit 1; }
start_dev --tls --cert "$TMP/tc/server.pem" --key "$TMP/tc/server.key"
t=tls.wss
both $t 0 connect --server "https://localhost:$PORT" --ca "$TMP/tc/ca.pem" --demo-payer \
    --send hello --wait-ms 200 --json &&
    has $t fw.out '{"type":"message","binary":false,"data":"hello"}' &&
    has $t fw.out '{"type":"open","attempt":1,"tls":"TLSv1.2"}' && echo_within $t 5000 &&
    has $t dev.log '"event":"upgrade"' && ok $t
t=tls.wrong_ca
both $t 3 connect --server "https://localhost:$PORT" --ca "$TMP/tc/other-ca.pem" --demo-payer \
    --max-reconnects 0 \
    --send hello --json && has $t fw.out '"code":"cert_invalid"' && ok $t
refused tls.no_ca fw.out 'no system CA bundle' connect --server "https://localhost:$PORT" --json
stop_dev

# ---- hostile servers: the same events, statuses and close codes as on Linux --------------
# The server logs the close code the client answers its bytes with; each case
# must log it twice, once for the firmware and once for the CLI.
start_hostile --log "$TMP/hostile.log"
# closes NAME CASE CODE: both clients closed CASE's connection with CODE.
closes() {
    local n
    n=$(grep -cF "{\"case\": \"$2\", \"event\": \"client_close\", \"code\": $3}" "$TMP/hostile.log")
    [ "$n" -eq 2 ] && return 0
    bad "$1" "the server saw $n closes with $3 for $2, expected 2 (firmware and CLI)"
    return 1
}
hostile() {  # CASE STATUS
    both hostile.$1 $2 connect --server "http://localhost:$HPORT/$1" --demo-payer \
        --max-reconnects 0 --send x --wait-ms 300 --json
}
t=hostile.ws_utf8_split_bad
hostile ws_utf8_split_bad 4 && has $t fw.out '"code":"protocol_error"' &&
    closes $t ws_utf8_split_bad 1007 && ok $t
t=hostile.ws_max_plus_one
hostile ws_max_plus_one 4 && has $t fw.out '"code":"message_too_large"' &&
    closes $t ws_max_plus_one 1009 && ok $t
t=hostile.ws_reset_mid_frame
hostile ws_reset_mid_frame 4 && has $t fw.out '"code":"closed"' && ok $t
t=hostile.paid_expire_at_start
hostile paid_expire_at_start 0 && has $t fw.out '"type":"session_expired"' &&
    has $t fw.out '"code":1000,"reason":"Time limit reached","initiator":"server"' && ok $t

echo "firmware-e2e: reset to first message (the device's clock):${ECHO_MS:- unmeasured}"
echo "firmware-e2e: free.ws, QEMU start to exit (host clock): ${RUN_MS:-unmeasured} ms"
e2e_summary firmware-e2e
