# The servers of the end-to-end shell tests, on loopback (sourced, not run).
# The sourcing script sets TMP (its private directory), DEV (the
# consensus-devserver binary) and ROOT (the repository), and calls
# servers_cleanup from its EXIT trap.

DEV_PID=
HOSTILE_PIDS=()

# ready_port FILE: the port of the "READY <port>" line a server writes to
# FILE, waited for up to 5 s; fails when none comes.
ready_port() {
    local port
    for _ in $(seq 1 100); do
        port=$(sed -n 's/^READY \([0-9]*\)$/\1/p' "$1")
        [ -n "$port" ] && { echo "$port"; return 0; }
        sleep 0.05
    done
    return 1
}

# start_dev [devserver options...]: (re)starts the dev server with its log in
# $TMP/dev.log; sets PORT and URL (http://127.0.0.1:PORT).
start_dev() {
    stop_dev
    : >"$TMP/dev.log"
    "$DEV" --port 0 --log "$TMP/dev.log" "$@" >"$TMP/dev.out" 2>"$TMP/dev.err" &
    DEV_PID=$!
    PORT=$(ready_port "$TMP/dev.out") || { echo "devserver did not start: $(cat "$TMP/dev.err")"; exit 1; }
    URL="http://127.0.0.1:$PORT"
}

stop_dev() {
    if [ -n "$DEV_PID" ]; then
        kill "$DEV_PID" 2>/dev/null
        wait "$DEV_PID" 2>/dev/null
        DEV_PID=
    fi
}

# start_hostile [hostile_server.py options...]: one more hostile server
# (tests/hostile); sets HPORT. It lives while its stdin, a FIFO this shell
# holds open, does; servers_cleanup kills it.
start_hostile() {
    local fifo="$TMP/hostile.in.${#HOSTILE_PIDS[@]}" fd
    mkfifo "$fifo"
    : >"$TMP/hostile.out"
    python3 "$ROOT/tests/hostile/hostile_server.py" "$@" <"$fifo" >"$TMP/hostile.out" 2>/dev/null &
    HOSTILE_PIDS+=($!)
    exec {fd}>"$fifo"
    HPORT=$(ready_port "$TMP/hostile.out") || { echo "hostile server did not start"; exit 1; }
}

# start_proxy [connect_proxy.py options...]: one more CONNECT proxy
# (tests/common/connect_proxy.py); sets PPORT. servers_cleanup kills it.
start_proxy() {
    local out="$TMP/proxy.out.${#HOSTILE_PIDS[@]}"
    : >"$out"
    python3 "$ROOT/tests/common/connect_proxy.py" "$@" >"$out" 2>/dev/null &
    HOSTILE_PIDS+=($!)
    PPORT=$(ready_port "$out") || { echo "proxy did not start"; exit 1; }
}

servers_cleanup() {
    stop_dev
    for p in "${HOSTILE_PIDS[@]}"; do
        kill "$p" 2>/dev/null
        wait "$p" 2>/dev/null
    done
}
