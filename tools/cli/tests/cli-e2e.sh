#!/usr/bin/env bash
# End-to-end tests of consensus-ws against consensus-devserver on loopback:
# every exit status (0, 2, 3, 4, 5), the output forms, stdin, --sessions,
# payers, the spend guard, and `demo`.
# usage: cli-e2e.sh <consensus-ws> <consensus-devserver>
set -u
WS=$1
DEV=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TMP=$(mktemp -d)
# start_dev, stop_dev, start_hostile, servers_cleanup
. "$ROOT/tests/common/servers.sh"
# ok, bad, run, has, lacks, lines, e2e_summary, e2e_cleanup
. "$ROOT/tests/common/e2e.sh"

trap e2e_cleanup EXIT

# ---- usage (2): nothing on the network ----------------------------------------
start_dev --free
t=usage.billed_dimension
run $t 2 connect --server "$URL" --model time --minutes 0 --json &&
    has $t out '"type":"error","code":"invalid_params"' && ok $t
t=usage.unknown_option
# One line, not the usage: what is wrong and where to read more.
run $t 2 connect --server "$URL" --frobnicate &&
    has $t err "error: invalid_params: unknown option '--frobnicate'; see consensus-ws --help" &&
    lines $t err 1 && lines $t out 0 && ok $t
t=usage.above_cap
run $t 2 token --server "$URL" --megabytes 10241 --json && has $t out 'invalid_params' && ok $t
t=usage.bad_env_url
CONSENSUS_SERVER_URL=ftp://x run $t 2 token --json && has $t out 'CONSENSUS_SERVER_URL' && ok $t
t=usage.init_reason
run $t 2 token --server "$URL/$(printf '%0600d' 0)" --json &&
    has $t out '"code":"invalid_config","message":"options.server_url is longer than kMaxUrl' &&
    ok $t
t=usage.unreadable_ca
run $t 2 token --server "$URL" --ca "$TMP/no-such.pem" --json && has $t out 'invalid_config' &&
    ok $t
t=usage.nothing_sent
if [ -s "$TMP/dev.log" ]; then bad $t "the devserver saw traffic: $(head -3 "$TMP/dev.log")"; else ok $t; fi
t=help
run $t 0 --help && has $t out 'usage: consensus-ws token' && ok $t
t=version
if run $t 0 --version; then
    # One line: the tool's version, then the linked mbedTLS's.
    if grep -qE '^consensus-ws [0-9]+\.[0-9]+\.[0-9]+ \(mbedTLS [0-9]+\.[0-9]+\.[0-9]+\)$' "$TMP/out"; then
        lines $t out 1 && ok $t
    else
        bad $t "not one line 'consensus-ws X.Y.Z (mbedTLS X.Y.Z)'"
    fi
fi

# ---- token (0 / 3) ---------------------------------------------------------------
t=token.free
run $t 0 token --server "$URL" && has $t out '"connect_url":"ws://' && has $t out '"expires_in":' &&
    ok $t
t=token.env_url
CONSENSUS_SERVER_URL=$URL run $t 0 token --json && has $t out '{"type":"token","token":"' && ok $t

start_dev
t=token.payment_required
run $t 3 token --server "$URL" --json &&
    has $t out '{"type":"payment","status":"required"}' &&
    has $t out '"code":"payment_required"' && ok $t
t=token.payment_refused
run $t 3 token --server "$URL" --payer 'cat >/dev/null; exit 1' --json &&
    has $t out '"code":"payment_refused"' && ok $t
t=token.external_payer
run $t 0 token --server "$URL" --payer "node '$HERE/test-payer.js'" --json &&
    has $t out '{"type":"payment","status":"paid"}' && has $t out '"type":"token"' && ok $t
t=token.demo_payer
run $t 0 token --server "$URL" --demo-payer && has $t out '{"token":"' && ok $t
t=token.budget
# hybrid 5 min + 50 MB costs $0.0075: a $0.007 guard refuses before any request.
: >"$TMP/dev.log"
run $t 3 token --server "$URL" --demo-payer --limit-usd 0.007 --json &&
    has $t out '"code":"budget_exhausted"' && ok $t
t=token.budget_nothing_sent
if [ -s "$TMP/dev.log" ]; then bad $t "traffic despite the guard"; else ok $t; fi
t=token.connection_refused
run $t 3 token --server "http://127.0.0.1:1" --json && has $t out '"code":"connect_failed"' && ok $t

# ---- connect (0) -------------------------------------------------------------------
t=connect.send_json
run $t 0 connect --server "$URL" --demo-payer --send hello --send 'w"orld' --wait-ms 300 --json &&
    has $t out '{"type":"payment","status":"required"}' &&
    has $t out '{"type":"payment","status":"paid"}' &&
    has $t out '{"type":"open","attempt":1}' &&
    has $t out '"type":"session_start","session_id":"' &&
    lacks $t out '{\"type\":\"session_start\"' &&
    has $t out '{"type":"message","binary":false,"data":"hello"}' &&
    has $t out '{"type":"message","binary":false,"data":"w\"orld"}' &&
    has $t out '"type":"close","code":1000' && has $t out '"initiator":"caller"' && ok $t
t=connect.human
run $t 0 connect --server "$URL" --payer "node '$HERE/test-payer.js'" --send hello --wait-ms 200 &&
    has $t out 'hello' && has $t err 'open (attempt 1)' && ok $t
t=connect.human_session_start_once
# session_start is an event (one stderr line), not also a received message on stdout.
if [ "$(cat "$TMP/out")" = hello ]; then
    has $t err 'session started: id ' && has $t err ', 300 s, 50 MB, served by ' && ok $t
else
    bad $t "stdout is not just the echo"
fi
t=connect.binary
run $t 0 connect --server "$URL" --demo-payer --binary --send foobar --wait-ms 200 &&
    has $t out '[binary 6 bytes] Zm9vYmFy' && ok $t
t=connect.stdin
printf 'line one\nline "two"\nlast-without-newline' |
    timeout 30 "$WS" connect --server "$URL" --demo-payer --wait-ms 200 --json \
        >"$TMP/out" 2>"$TMP/err"
st=$?
if [ $st -ne 0 ]; then bad $t "exit $st"; else
    has $t out '"data":"line one"' && has $t out '"data":"line \"two\""' &&
        has $t out '"data":"last-without-newline"' && ok $t
fi
t=connect.stdin_sent_once
# Every message line is an echo: session_start is printed as its event only.
m=$(grep -c '"type":"message"' "$TMP/out")
if [ "$m" -eq 3 ]; then ok $t; else bad $t "expected 3 echoes, got $m"; fi
t=connect.stdin_sessions
printf 'x\ny\n' | timeout 30 "$WS" connect --server "$URL" --demo-payer --sessions 2 --wait-ms 200 \
    --json >"$TMP/out" 2>"$TMP/err"
st=$?
m=$(grep -c '"type":"message","session":[01],"binary":false,"data":"[xy]"' "$TMP/out")
if [ $st -eq 0 ] && [ "$m" -eq 4 ]; then ok $t; else bad $t "exit $st, $m echoes (want 4)"; fi
t=connect.sessions
run $t 0 connect --server "$URL" --demo-payer --sessions 3 --send hi --wait-ms 300 --json &&
    has $t out '{"type":"open","session":0,"attempt":1}' &&
    has $t out '{"type":"open","session":1,"attempt":1}' &&
    has $t out '{"type":"open","session":2,"attempt":1}' &&
    has $t out '{"type":"message","session":2,"binary":false,"data":"hi"}' && ok $t
t=connect.sessions_1000
# 1000 sessions in one process and one thread: each buys its own token, opens,
# gets its echo and closes with 1000. One fd each: raise the soft limit (the
# hard limit allows it on Debian; harmless for the tests after this one).
# Each echo must come within --wait-ms of its send: 3 s leaves room for the
# ASan build of both programs on a loaded 2-core machine (300 ms once missed
# 371 of the 1000 echoes there).
ulimit -n 4096 2>/dev/null || true
if run $t 0 connect --server "$URL" --demo-payer --sessions 1000 --send hi --wait-ms 3000 --json; then
    opens=$(grep -c '"type":"open","session":[0-9]*,"attempt":1}' "$TMP/out")
    echoes=$(grep -c '"type":"message","session":[0-9]*,"binary":false,"data":"hi"}' "$TMP/out")
    closes=$(grep -c '"type":"close","session":[0-9]*,"code":1000,.*"initiator":"caller"' "$TMP/out")
    if [ "$opens" -eq 1000 ] && [ "$echoes" -eq 1000 ] && [ "$closes" -eq 1000 ]; then
        ok $t
    else
        bad $t "opens $opens, echoes $echoes, caller closes $closes (want 1000 each)"
    fi
fi

# ---- connect (3): the token never came ------------------------------------------
t=connect.no_payer
run $t 3 connect --server "$URL" --send x --max-reconnects 0 --json &&
    has $t out '"code":"payment_required"' && ok $t
t=connect.reconnects_then_gives_up
run $t 3 connect --server "http://127.0.0.1:1" --send x --max-reconnects 2 --reconnect-ms 50 \
    --json && has $t out '{"type":"reconnecting","attempt":2,"in_ms":50}' &&
    has $t out '"code":"connect_failed"' && ok $t

# ---- connect (4): a token, but no session ----------------------------------------
# start_fake CONNECT_URL: a token endpoint handing out that connect_url (sets FAKE_URL).
FAKE_PID=
start_fake() {
    : >"$TMP/fake.out"
    node "$HERE/fake-token-server.js" "$1" >"$TMP/fake.out" 2>"$TMP/fake.err" &
    FAKE_PID=$!
    for _ in $(seq 1 100); do
        if grep -q '^READY ' "$TMP/fake.out"; then break; fi
        sleep 0.05
    done
    FAKE_URL="http://127.0.0.1:$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$TMP/fake.out")"
}
stop_fake() {
    kill "$FAKE_PID" 2>/dev/null
    wait "$FAKE_PID" 2>/dev/null
}
start_dev --free
start_fake "ws://127.0.0.1:$PORT/ws-connect?token=bogus-token"
t=connect.token_rejected
run $t 4 connect --server "$FAKE_URL" --send x --max-reconnects 1 --reconnect-ms 50 --json &&
    has $t out '"type":"token"' && has $t out '"code":"token_rejected"' &&
    has $t out '"http_status":401' && lacks $t out '"type":"open"' && ok $t
stop_fake
start_fake "ws://127.0.0.1:1/ws-connect?token=bogus-token"
t=connect.open_refused
run $t 4 connect --server "$FAKE_URL" --send x --max-reconnects 0 --json &&
    has $t out '"type":"token"' && has $t out '"code":"connect_failed"' &&
    has $t out '"phase":"open"' && lacks $t out '"type":"open"' && ok $t
stop_fake

# ---- connect (5): opened, then lost, not restored --------------------------------
start_dev --free --drop-after 1
t=connect.lost
run $t 5 connect --server "$URL" --send a --send b --wait-ms 3000 --max-reconnects 0 --json &&
    has $t out '{"type":"open","attempt":1}' && has $t out '"initiator":"network"' && ok $t
start_dev --free --drop-after 1
t=connect.lost_then_restored
run $t 0 connect --server "$URL" --send a --wait-ms 1500 --reconnect-ms 100 --json &&
    has $t out '{"type":"reconnecting"' && has $t out '{"type":"open","attempt":2}' && ok $t
t=connect.never_replayed
m=$(grep -c '"type":"message","binary":false,"data":"a"' "$TMP/out")
if [ "$m" -eq 1 ]; then ok $t; else bad $t "message a echoed $m times"; fi
start_dev --free --drop-after 1
t=connect.stdin_across_reconnect
# Lines that arrive while the session is down wait in the pipe: none lost, none repeated.
{ echo a; sleep 0.4; echo b; sleep 0.4; echo c; } |
    timeout 30 "$WS" connect --server "$URL" --reconnect-ms 100 --wait-ms 800 --json \
        >"$TMP/out" 2>"$TMP/err"
st=$?
ma=$(grep -c '"data":"a"' "$TMP/out")
mb=$(grep -c '"data":"b"' "$TMP/out")
mc=$(grep -c '"data":"c"' "$TMP/out")
if [ $st -eq 0 ] && [ "$ma$mb$mc" = 111 ] && grep -q '"type":"reconnecting"' "$TMP/out"; then
    ok $t
else
    bad $t "exit $st, echoes a=$ma b=$mb c=$mc"
fi

start_dev --drop-after 1
t=connect.lost_budget_refuses_reconnect
# $0.01 pays the first session ($0.0075) but not a second one.
run $t 5 connect --server "$URL" --demo-payer --limit-usd 0.01 --send a --wait-ms 3000 \
    --reconnect-ms 50 --json && has $t out '"code":"budget_exhausted"' && ok $t
start_dev --free --freeze-after 1
t=connect.keepalive_dead_link
run $t 5 connect --server "$URL" --send a --wait-ms 5000 --ping-ms 200 --max-reconnects 0 --json &&
    has $t out '"initiator":"network"' && ok $t

# ---- expiry (0) -----------------------------------------------------------------
start_dev --free --time-scale 600
t=connect.expiry
run $t 0 connect --server "$URL" --model time --minutes 1 --megabytes 0 --send x --wait-ms 5000 \
    --json && has $t out '{"type":"session_expired","reason":"time_limit_reached"}' &&
    lacks $t out '{\"type\":\"session_expired\"' && ok $t
t=connect.expiry_human
run $t 0 connect --server "$URL" --model time --minutes 1 --megabytes 0 --send x --wait-ms 5000 &&
    has $t err 'session expired: time_limit_reached' && lacks $t out 'session_expired' && ok $t
t=connect.expiry_renew
# --renew: a new session is bought after the expiry, then our close ends the run.
run $t 0 connect --server "$URL" --model time --minutes 1 --megabytes 0 --send x --wait-ms 300 \
    --renew --reconnect-ms 100 --json && has $t out '"type":"session_expired"' &&
    has $t out '{"type":"open","attempt":2}' && ok $t
stop_dev

# ---- https / wss with --ca ----------------------------------------------------------
if "$HERE/../../../scripts/gen-dev-cert" "$TMP/cert" >/dev/null 2>&1; then
    start_dev --tls --cert "$TMP/cert/cert.pem" --key "$TMP/cert/key.pem"
    t=tls.connect
    run $t 0 connect --server "https://localhost:$PORT" --ca "$TMP/cert/cert.pem" --demo-payer \
        --send hello --wait-ms 200 --json && has $t out '"connect_url":"wss://' &&
        has $t out '{"type":"message","binary":false,"data":"hello"}' && ok $t
    t=tls.untrusted
    # The system bundle does not know the throwaway CA: the token request fails.
    run $t 3 token --server "https://localhost:$PORT" --demo-payer --json &&
        has $t out '"code":"cert_invalid"' && ok $t
    # By address: the dev certificate names IP:127.0.0.1 and IP:::1 too; the
    # connect_url the server derives from the Host header is wss://127.0.0.1:P.
    t=tls.connect_ipv4
    run $t 0 connect --server "https://127.0.0.1:$PORT" --ca "$TMP/cert/cert.pem" --demo-payer \
        --send hello --wait-ms 200 --json && has $t out '"connect_url":"wss://127.0.0.1:' &&
        has $t out '{"type":"message","binary":false,"data":"hello"}' && ok $t
    t=tls.untrusted_ipv4
    # --max-reconnects 0: a failed token request is otherwise retried.
    run $t 3 connect --server "https://127.0.0.1:$PORT" --demo-payer --max-reconnects 0 \
        --send hello --json && has $t out '"code":"cert_invalid"' && ok $t
    start_dev --tls --cert "$TMP/cert/cert.pem" --key "$TMP/cert/key.pem" --host ::1
    t=tls.connect_ipv6
    run $t 0 connect --server "https://[::1]:$PORT" --ca "$TMP/cert/cert.pem" --demo-payer \
        --send hello --wait-ms 200 --json && has $t out '"connect_url":"wss://[::1]:' &&
        has $t out '{"type":"message","binary":false,"data":"hello"}' && ok $t
    stop_dev
else
    echo "skip tls (openssl missing)"
fi
if "$ROOT/scripts/gen-test-cert" "$TMP/tc" >/dev/null 2>&1; then
    # A trusted certificate for DNS:localhost only: fine by name, never by address.
    start_dev --tls --cert "$TMP/tc/server.pem" --key "$TMP/tc/server.key"
    t=tls.no_ip_san_by_name
    run $t 0 token --server "https://localhost:$PORT" --ca "$TMP/tc/ca.pem" --demo-payer --json &&
        has $t out '"connect_url":"wss://localhost:' && ok $t
    t=tls.no_ip_san_ipv4
    run $t 3 connect --server "https://127.0.0.1:$PORT" --ca "$TMP/tc/ca.pem" --demo-payer \
        --max-reconnects 0 --send hello --json && has $t out '"code":"cert_invalid"' && ok $t
    stop_dev
else
    echo "skip tls without an IP SAN (openssl missing)"
fi

# ---- fleet options: backoff and jitter (nothing listens on port 1) -------------
t=fleet.backoff
run $t 3 connect --server "http://127.0.0.1:1" --reconnect-ms 100 --reconnect-max-ms 800 \
    --max-reconnects 5 --json &&
    if [ "$(sed -n 's/.*"type":"reconnecting".*"in_ms":\([0-9]*\).*/\1/p' "$TMP/out" | tr '\n' ' ')" = \
        "100 200 400 800 800 " ]; then ok $t; else bad $t "waits are not 100 200 400 800 800"; fi
t=fleet.fixed_by_default
run $t 3 connect --server "http://127.0.0.1:1" --reconnect-ms 50 --max-reconnects 3 --json &&
    if [ "$(grep -c '"in_ms":50}' "$TMP/out")" -eq 3 ]; then ok $t; else bad $t "not 3 waits of 50"; fi
t=fleet.jitter_within_cap
if run $t 3 connect --server "http://127.0.0.1:1" --reconnect-ms 100 --reconnect-max-ms 400 \
    --reconnect-jitter 1 --max-reconnects 6 --json; then
    waits=$(sed -n 's/.*"type":"reconnecting".*"in_ms":\([0-9]*\).*/\1/p' "$TMP/out" | tr '\n' ' ')
    caps=(100 200 400 400 400 400)
    i=0
    within=yes
    for w in $waits; do
        [ "$w" -le "${caps[$i]}" ] || within=no
        i=$((i + 1))
    done
    if [ $i -eq 6 ] && [ $within = yes ]; then ok $t; else bad $t "waits '$waits' exceed 100 200 400.."; fi
fi
for j in 1.5 -0.1 x; do
    t=fleet.jitter_out_of_range_$j
    run $t 2 connect --server "http://127.0.0.1:1" --reconnect-jitter "$j" &&
        has $t err "--reconnect-jitter: '$j' is not a share from 0 to 1" && ok $t
done

# ---- the service's own ways (consensus-devserver's service modes) ---------------------
# count NAME FILE PATTERN WANT: the file holds exactly WANT lines with the string.
count() {
    local n
    n=$(grep -cF -- "$3" "$TMP/$2")
    if [ "$n" -eq "$4" ]; then return 0; fi
    bad "$1" "$2 has $n lines with $3, expected $4"
    return 1
}
# session_start comes late, and what arrives before it is dropped: both
# messages must still be delivered, every run.
for delay in 60 400; do
    start_dev --start-delay-ms "$delay"
    for i in 1 2 3; do
        t=service.late_start_${delay}ms.$i
        run $t 0 connect --server "$URL" --demo-payer --send a --send b --wait-ms 100 --json &&
            has $t out '{"type":"message","binary":false,"data":"a"}' &&
            has $t out '{"type":"message","binary":false,"data":"b"}' && ok $t
    done
    t=service.late_start_${delay}ms.nothing_dropped
    lacks $t dev.log '"dropped_before_start"' && ok $t
done
t=service.refused_upgrades
# Every upgrade refused after payment: the CLI stops by itself after 3 payments.
start_dev --refuse-upgrades
run $t 4 connect --server "$URL" --demo-payer --send x --reconnect-ms 50 --json &&
    has $t out '"code":"paid_attempts_exhausted"' && count $t out '"status":"paid"' 3 &&
    count $t dev.log '"paid":true' 3 && ok $t
t=service.refused_upgrades_bound_1
run $t 4 connect --server "$URL" --demo-payer --send x --reconnect-ms 50 --max-paid-attempts 1 \
    --json && has $t out '"code":"paid_attempts_exhausted"' && count $t out '"status":"paid"' 1 &&
    ok $t
t=service.unreachable_connect_url
# The connect_url names a port where nothing listens: the token was never
# presented, so the reconnects reuse it: one payment, one token.
start_dev --connect-url-port 1
run $t 4 connect --server "$URL" --demo-payer --send x --max-reconnects 2 --reconnect-ms 50 \
    --json && count $t out '"type":"token"' 1 && count $t out '"status":"paid"' 1 &&
    count $t out '"code":"connect_failed"' 3 && count $t dev.log '"paid":true' 1 && ok $t
t=service.settle_failed
# A failed settlement: the server's reason comes through, its quotes unescaped once
# (JSON-escaped once by --json, shown as they are in human output).
start_dev --settle-fail 'rejected by "the" facilitator'
run $t 3 connect --server "$URL" --demo-payer --send x --max-reconnects 0 --json &&
    has $t out '"code":"payment_rejected","message":"invalid_exact_evm_transaction_failed: rejected by \"the\" facilitator"' &&
    ok $t
t=service.settle_failed_human
run $t 3 connect --server "$URL" --demo-payer --send x --max-reconnects 0 &&
    has $t err 'rejected by "the" facilitator' && ok $t
stop_dev

# ---- TLS failures at the connect_url ------------------------------------------------
# tests/hostile/hostile_server.py serves the token and the session: a failure at
# the connect_url is reported with its cause, and exits 4 (never opened).
if "$ROOT/tests/integration/tlsfail/gen-tlsfail-certs" "$TMP/tf" >/dev/null 2>&1; then
    start_hostile && plain=$HPORT
    start_hostile --tls "$TMP/tf/selfsigned.pem" "$TMP/tf/selfsigned.key" && untrusted=$HPORT
    start_hostile --tls "$TMP/tf/server.pem" "$TMP/tf/server.key" && good=$HPORT
    t=tls.connect_url_untrusted
    # The token over http names wss:// on a server whose certificate nobody issued.
    run $t 4 connect --server "http://localhost:$plain/wssat_${untrusted}_ws_echo" \
        --ca "$TMP/tf/ca.pem" --demo-payer --max-reconnects 0 --send x --json &&
        has $t out '"code":"cert_invalid"' && ok $t
    t=tls.upgrade_tls_error
    # The server answers the upgrade request with a record that does not decrypt.
    run $t 4 connect --server "https://localhost:$good/tls_garbage_upgrade" \
        --ca "$TMP/tf/ca.pem" --demo-payer --max-reconnects 0 --send x --json &&
        has $t out '"code":"tls_failed"' && ok $t
else
    echo "skip tls at the connect_url (openssl missing)"
fi

# ---- where a token may go ---------------------------------------------------------------
# tok_escapes names ws://127.0.0.1/...; asked as localhost, that is another host.
t=policy.connect_url_elsewhere
start_hostile && pinned=$HPORT
run $t 3 token --server "http://localhost:$pinned/tok_escapes" --json &&
    has $t out '"code":"bad_response","message":"connect_url host 127.0.0.1' && ok $t
t=policy.connect_host_allows_it
run $t 0 token --server "http://localhost:$pinned/tok_escapes" --connect-host 127.0.0.1 --json &&
    has $t out '"connect_url":"ws://127.0.0.1/x?t=A"' && ok $t

# ---- SIGTERM under a flood ------------------------------------------------------------
# The server floods pings after the 101: the CLI still acts on SIGTERM within a second.
t=signal.term_under_flood
start_hostile && flood=$HPORT
# (No `timeout` wrapper: it would pass the signal on a second time.)
"$WS" connect --server "http://localhost:$flood/ws_ping_flood" --json \
    </dev/null >"$TMP/out" 2>"$TMP/err" &
cli=$!
( sleep 20; kill -KILL "$cli" 2>/dev/null ) >/dev/null 2>&1 &
guard=$!
sleep 1
t0=$(date +%s%N)
kill -TERM "$cli"
wait "$cli"
got=$?
ms=$(( ($(date +%s%N) - t0) / 1000000 ))
kill "$guard" 2>/dev/null
if [ "$got" -ge 124 ]; then bad $t "exit $got (killed, or a second signal)"
elif [ "$ms" -gt 1000 ]; then bad $t "exited ${ms} ms after SIGTERM"
else ok $t; fi

# ---- server text never reaches the terminal raw ----------------------------------
# A hostile server's strings (error text, session id, node name, message, close
# reason) carry ESC[2K and CR; the human output shows them escaped, one per line.
start_hostile && hostile=$HPORT
t=hostile.error_text_escaped
run $t 3 token --server "http://127.0.0.1:$hostile/tok_500_escapes" &&
    lacks $t err $'\x1b' && lacks $t err $'\r' &&
    has $t err 'error: http_status: \x1b[2K\rOK: session opened, 0 USD charged (HTTP 500)' &&
    ok $t
t=hostile.error_text_json_unchanged
run $t 3 token --server "http://127.0.0.1:$hostile/tok_500_escapes" --json &&
    has $t out '"message":"\u001b[2K\rOK: session opened, 0 USD charged","http_status":500' &&
    ok $t
t=hostile.session_text_escaped
run $t 5 connect --server "http://127.0.0.1:$hostile/ws_terminal_controls" --send x \
    --max-reconnects 0 &&
    lacks $t out $'\x1b' && lacks $t err $'\x1b' && lacks $t out $'\r' && lacks $t err $'\r' &&
    lacks $t err $'\xc2\x9b' &&
    has $t err 'session started: id \x1b[2K\rs-1, 300 s, 50 MB, served by node\u009b1' &&
    has $t err 'closed by server: code 4000 "\x1b[2Kbye\r"' && ok $t
t=hostile.message_is_one_line
if [ "$(cat "$TMP/out")" = '\x1b[2K\rOK\nsecond line' ]; then ok $t; else
    bad $t "stdout is not the one escaped message"
fi

# ---- demo ------------------------------------------------------------------------
# ---- the wallet key: the built-in EVM signer against a verifying server ------
# A throwaway key (it holds nothing, on any chain; never fund it).
KEY="$TMP/wallet.key"
printf '0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318\n' >"$KEY"
chmod 600 "$KEY"
start_dev --verify-payments
t=wallet.address
run $t 0 address --wallet-key "$KEY" &&
    has $t out '0x2c7536E3605D9C16a7a3D7b1898e529396a65c23' && ok $t
t=wallet.connect_verified
run $t 0 connect --server "$URL" --wallet-key "$KEY" --send hello --wait-ms 300 --json &&
    has $t out '{"type":"message","binary":false,"data":"hello"}' && lacks $t out '4c0883a6' &&
    lacks $t err '4c0883a6' && ok $t
t=wallet.fake_signature_rejected
run $t 3 token --server "$URL" --demo-payer --json &&
    has $t out 'invalid_exact_evm_signature' && ok $t
t=wallet.payee_refused_before_signing
run $t 3 token --server "$URL" --wallet-key "$KEY" \
    --pay-to 0x1111111111111111111111111111111111111111 --json &&
    has $t out 'payee not on the allow-list' && ok $t
t=wallet.over_the_limit
run $t 3 token --server "$URL" --wallet-key "$KEY" --limit-usd 0.001 --json &&
    has $t out '"code":"' && lacks $t out '"type":"token"' && ok $t
t=wallet.key_readable_by_others
chmod 644 "$KEY"
run $t 2 connect --server "$URL" --wallet-key "$KEY" --send x &&
    has $t err "'$KEY' is readable by group or others" && lacks $t err '4c0883a6' && ok $t
chmod 600 "$KEY"
t=wallet.not_a_key
printf '0x4c0883a69102937d\n' >"$TMP/short.key"
chmod 600 "$TMP/short.key"
run $t 2 token --server "$URL" --wallet-key "$TMP/short.key" &&
    has $t err "'$TMP/short.key' does not hold a private key" && lacks $t err '4c0883a6' && ok $t
t=wallet.pay_solana_only
sed 's/"eip155:84532"/"solana:EtWTRABZaYq6iMfeYKouRu166VU2xqa1"/' \
    "$ROOT/tests/vectors/x402/402-hybrid.json" >"$TMP/solana.json"
timeout 30 "$WS" pay --wallet-key "$KEY" <"$TMP/solana.json" >"$TMP/out" 2>"$TMP/err"
if [ $? -eq 3 ] && [ ! -s "$TMP/out" ]; then
    has $t err 'no_payable_requirement' && ok $t
else
    bad $t "expected exit 3 and an empty stdout"
fi
stop_dev

# ---- streaming (issue 15): --send-file out, --save-messages back ---------------
start_dev --free
head -c $((3 * 1024 * 1024 + 17)) /dev/urandom >"$TMP/big.bin"
mkdir -p "$TMP/saved"
t=stream.file_echo_byte_exact
# session_start is 1.bin, "a" 2.bin, the file's echo 3.bin (streamed in
# parts), "z" 4.bin: in order with --send.
run $t 0 connect --server "$URL" --megabytes 100 --send a --send-file "$TMP/big.bin" --send z \
    --save-messages "$TMP/saved" --wait-ms 500 &&
    has $t err 'streamed binary message of 3145745 bytes received' &&
    if cmp -s "$TMP/big.bin" "$TMP/saved/3.bin" && [ "$(cat "$TMP/saved/2.bin")" = a ] &&
        [ "$(cat "$TMP/saved/4.bin")" = z ] && grep -q session_start "$TMP/saved/1.bin"; then
        ok $t
    else
        bad $t "saved messages differ: $(ls -l "$TMP/saved")"
    fi
t=stream.send_file_missing
run $t 2 connect --server "$URL" --send-file "$TMP/no-such.bin" --json &&
    has $t out '"code":"invalid_params"' && has $t out "--send-file: cannot read '$TMP/no-such.bin'" &&
    ok $t
t=stream.save_dir_not_a_directory
run $t 2 connect --server "$URL" --send x --save-messages "$TMP/big.bin" &&
    has $t err "--save-messages: '$TMP/big.bin' is not a writable directory" && ok $t
stop_dev

t=demo
run $t 0 demo && has $t out 'hello' && has $t err 'demo: done' && ok $t
t=demo.json
run $t 0 demo --json && has $t out '{"type":"message","binary":false,"data":"hello"}' && ok $t

e2e_summary cli-e2e
