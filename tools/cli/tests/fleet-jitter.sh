#!/usr/bin/env bash
# A fleet dropped at once: sixty sessions of one `consensus-ws connect
# --sessions 60` run lose their server at the same moment (it is killed and
# started again on the same port). Without jitter they all buy their next
# token together; with --reconnect-jitter 1 the purchases spread over the
# interval. Measured at the server (--log-times): the busiest 100 ms window
# with jitter must see at most half the token requests it sees without.
# usage: fleet-jitter.sh <consensus-ws> <consensus-devserver>
set -u
WS=$1
DEV=$2
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
TMP=$(mktemp -d)
. "$ROOT/tests/common/servers.sh"
CLI_PID=
SESSIONS=60
INTERVAL_MS=1000

cleanup() {
    [ -n "$CLI_PID" ] && kill "$CLI_PID" 2>/dev/null && wait "$CLI_PID" 2>/dev/null
    servers_cleanup
    rm -rf "$TMP"
}
trap cleanup EXIT

# count FILE PATTERN: lines of FILE with the fixed string (0 when no file yet).
count() {
    if [ -f "$1" ]; then grep -cF -- "$2" "$1"; else echo 0; fi
}

# busiest_window LOG: the most token requests within any 100 ms.
busiest_window() {
    sed -n 's/.*"event":"token_request".*"t_ms":\([0-9]*\).*/\1/p' "$1" | sort -n |
        awk '{ t[NR] = $1 } END {
            best = 0; j = 1
            for (i = 1; i <= NR; i++) {
                while (t[i] - t[j] >= 100) j++
                if (i - j + 1 > best) best = i - j + 1
            }
            print best
        }'
}

# drop_fleet NAME [connect options...]: opens the sessions, kills the server
# under them, starts it again on the same port; prints the busiest window of
# the purchases that follow.
drop_fleet() {
    local name=$1
    shift
    start_dev --free
    local port=$PORT
    "$WS" connect --server "$URL" --sessions $SESSIONS --send x --wait-ms 8000 \
        --reconnect-ms $INTERVAL_MS --json "$@" </dev/null >"$TMP/$name.out" 2>&1 &
    CLI_PID=$!
    for _ in $(seq 1 200); do
        [ "$(count "$TMP/$name.out" '"type":"open"')" -ge $SESSIONS ] && break
        sleep 0.05
    done
    if [ "$(count "$TMP/$name.out" '"type":"open"')" -lt $SESSIONS ]; then
        echo "FAIL $name: the $SESSIONS sessions did not all open" >&2
        return 1
    fi
    kill -9 "$DEV_PID"
    wait "$DEV_PID" 2>/dev/null
    DEV_PID=
    "$DEV" --port "$port" --free --log "$TMP/$name.log" --log-times >"$TMP/dev.out" 2>&1 &
    DEV_PID=$!
    # Every session buys again within the interval (plus slack).
    for _ in $(seq 1 60); do
        [ "$(count "$TMP/$name.log" '"event":"token_request"')" -ge $SESSIONS ] && break
        sleep 0.05
    done
    kill "$CLI_PID" 2>/dev/null
    wait "$CLI_PID" 2>/dev/null
    CLI_PID=
    stop_dev
    local n
    n=$(count "$TMP/$name.log" '"event":"token_request"')
    if [ "$n" -lt $SESSIONS ]; then
        echo "FAIL $name: $n of $SESSIONS sessions bought again" >&2
        return 1
    fi
    busiest_window "$TMP/$name.log"
}

fixed=$(drop_fleet fixed) || exit 1
jittered=$(drop_fleet jittered --reconnect-jitter 1) || exit 1
echo "fleet-jitter: busiest 100 ms of $SESSIONS purchases after a drop: $fixed without jitter, $jittered with --reconnect-jitter 1"
if [ $((jittered * 2)) -gt "$fixed" ]; then
    echo "FAIL: jitter must halve the busiest window at least"
    exit 1
fi
echo "fleet-jitter: passed"
