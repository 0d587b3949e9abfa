#!/usr/bin/env bash
# consensus-ws through an HTTP CONNECT proxy (tests/common/connect_proxy.py),
# against consensus-devserver on loopback: two tunnels (token, WebSocket) over
# ws and wss with the service's certificate checked, Basic authentication,
# the proxy's refusals by phase (exit 3 token, 4 open), curl's environment
# variables, and the password nowhere in any output.
# usage: proxy-e2e.sh <consensus-ws> <consensus-devserver>
set -u
WS=$1
DEV=$2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
TMP=$(mktemp -d)
# start_dev, stop_dev, start_proxy, servers_cleanup
. "$ROOT/tests/common/servers.sh"
# ok, bad, run, has, e2e_summary, e2e_cleanup
. "$ROOT/tests/common/e2e.sh"
E2E_SHOW=(out err proxy.log)
SECRET=s3cr3t-Pa55
WRONG=wr0ng-Pa55
E2E_SECRETS=("$SECRET" "$WRONG")  # run checks no output holds a password

trap e2e_cleanup EXIT

# tunnels NAME N [auth]: the proxy saw exactly N CONNECTs (with that auth state).
tunnels() {
    local n
    n=$(grep -c "^CONNECT .* auth=${3:-}" "$TMP/proxy.log" 2>/dev/null)
    if [ "${n:-0}" -eq "$2" ]; then return 0; fi
    bad "$1" "the proxy saw ${n:-0} CONNECTs${3:+ with auth=$3}, expected $2"
    return 1
}

# proxy NAME [connect_proxy.py options]: a fresh proxy with an empty log.
proxy() {
    rm -f "$TMP/proxy.log"
    start_proxy --log "$TMP/proxy.log" "$@"
}

ECHO='{"type":"message","binary":false,"data":"hello"}'

# ---- ws: two tunnels, Basic authentication --------------------------------------
# A free server: one tunnel for the token, one for the WebSocket.
start_dev --free
proxy --auth "user:$SECRET"
t=proxy.ws
run $t 0 connect --server "$URL" --proxy "http://user:$SECRET@127.0.0.1:$PPORT" --demo-payer \
    --send hello --wait-ms 200 --json --verbose && has $t out "$ECHO" &&
    tunnels $t 2 ok && has $t proxy.log "CONNECT 127.0.0.1:$PORT auth=ok" && ok $t
# A paid one: the 402, the paid retry (a connection each), the WebSocket.
start_dev
rm -f "$TMP/proxy.log"
t=proxy.ws_paid
run $t 0 connect --server "$URL" --proxy "http://user:$SECRET@127.0.0.1:$PPORT" --demo-payer \
    --send hello --wait-ms 200 --json && has $t out "$ECHO" && has $t out '"status":"paid"' &&
    tunnels $t 3 ok && ok $t
start_dev --free
t=proxy.percent_encoded_password
# "s3cr3t-Pa55" with its '-' percent-encoded: decoded before Basic.
run $t 0 token --server "$URL" --proxy "http://user:s3cr3t%2DPa55@127.0.0.1:$PPORT" --demo-payer \
    --json && has $t out '"connect_url":"ws://' && ok $t
t=proxy.wrong_password
run $t 3 token --server "$URL" --proxy "http://user:$WRONG@127.0.0.1:$PPORT" --demo-payer --json &&
    has $t out '"code":"proxy_failed"' && has $t out '407' &&
    has $t out "proxy 127.0.0.1:$PPORT" && ok $t
t=proxy.no_credentials
run $t 3 token --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer &&
    has $t err 'proxy_failed' && has $t err '(HTTP 407)' && ok $t

# ---- the proxy's refusals and failures, by phase ----------------------------------
for mode in 403 close long-header; do
    proxy --answer "$mode"
    t=proxy.token_$mode
    run $t 3 token --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer --json &&
        has $t out '"code":"proxy_failed"' && ok $t
done
# Bytes after the 200: refused when they come with it (as here, one write);
# bytes that come later are the server's to the client, and not HTTP either.
proxy --answer junk
t=proxy.token_junk
run $t 3 token --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer --json &&
    { grep -qF '"code":"proxy_failed"' "$TMP/out" || has $t out '"code":"bad_response"'; } && ok $t
proxy --answer 403
t=proxy.token_403_text
run $t 3 token --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer &&
    has $t err "proxy 127.0.0.1:$PPORT refused the tunnel (HTTP 403)" && ok $t
proxy --answer long-header
t=proxy.long_header_text
run $t 3 token --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer &&
    has $t err 'sent an answer too long' && ok $t
# The token's tunnel works, the WebSocket's is refused: phase open, exit 4.
proxy --answer 403 --after 1
t=proxy.upgrade_refused
run $t 4 connect --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer --send hello \
    --max-reconnects 0 --json && has $t out '"code":"proxy_failed"' && tunnels $t 2 && ok $t
proxy --answer close --after 1
t=proxy.upgrade_closed
run $t 4 connect --server "$URL" --proxy "http://127.0.0.1:$PPORT" --demo-payer --send hello \
    --max-reconnects 0 && has $t err 'closed the connection before answering CONNECT' && ok $t
t=proxy.unreachable
run $t 3 token --server "$URL" --proxy "http://127.0.0.1:1" --demo-payer &&
    has $t err 'cannot connect to proxy 127.0.0.1:1' && ok $t

# ---- curl's environment variables --------------------------------------------------
proxy --auth "user:$SECRET"
t=env.http_proxy
http_proxy="http://user:$SECRET@127.0.0.1:$PPORT" run $t 0 connect --server "$URL" --demo-payer \
    --send hello --wait-ms 200 --json && has $t out "$ECHO" && tunnels $t 2 ok && ok $t
rm -f "$TMP/proxy.log"
t=env.HTTP_PROXY
HTTP_PROXY="http://user:$SECRET@127.0.0.1:$PPORT" run $t 0 token --server "$URL" --demo-payer \
    --json && tunnels $t 1 ok && ok $t
rm -f "$TMP/proxy.log"
t=env.https_proxy_not_for_http
# An http:// server goes through http_proxy only.
https_proxy="http://127.0.0.1:$PPORT" run $t 0 token --server "$URL" --demo-payer --json &&
    tunnels $t 0 && ok $t
t=env.no_proxy
http_proxy="http://127.0.0.1:$PPORT" NO_PROXY="example.com, 127.0.0.1" run $t 0 token \
    --server "$URL" --demo-payer --json && tunnels $t 0 && ok $t
t=env.no_proxy_star
http_proxy="http://127.0.0.1:$PPORT" no_proxy='*' run $t 0 token --server "$URL" --demo-payer \
    --json && tunnels $t 0 && ok $t
t=env.proxy_option_wins
http_proxy="http://127.0.0.1:1" run $t 0 token --server "$URL" \
    --proxy "http://user:$SECRET@127.0.0.1:$PPORT" --demo-payer --json && tunnels $t 1 ok && ok $t

# ---- wss: TLS end to end, the service's certificate checked ------------------------
if "$ROOT/scripts/gen-dev-cert" "$TMP/cert" >/dev/null 2>&1; then
    start_dev --free --tls --cert "$TMP/cert/cert.pem" --key "$TMP/cert/key.pem"
    proxy --auth "user:$SECRET"
    t=proxy.wss
    run $t 0 connect --server "https://localhost:$PORT" --ca "$TMP/cert/cert.pem" \
        --proxy "http://user:$SECRET@127.0.0.1:$PPORT" --demo-payer --send hello --wait-ms 200 \
        --json && has $t out '"connect_url":"wss://' && has $t out "$ECHO" &&
        has $t out '"tls":"TLSv1.' &&
        tunnels $t 2 ok && has $t proxy.log "CONNECT localhost:$PORT auth=ok" && ok $t
    t=env.HTTPS_PROXY
    rm -f "$TMP/proxy.log"
    HTTPS_PROXY="http://user:$SECRET@127.0.0.1:$PPORT" run $t 0 connect \
        --server "https://localhost:$PORT" --ca "$TMP/cert/cert.pem" --demo-payer --send hello \
        --wait-ms 200 --json && has $t out "$ECHO" && tunnels $t 2 ok && ok $t
    # The proxy refuses the WebSocket's tunnel (after the token's): exit 4,
    # and a 407 in the token phase over TLS: exit 3.
    proxy --answer 403 --after 1
    t=proxy.wss_upgrade_refused
    run $t 4 connect --server "https://localhost:$PORT" --ca "$TMP/cert/cert.pem" \
        --proxy "http://127.0.0.1:$PPORT" --demo-payer --send hello --max-reconnects 0 --json &&
        has $t out '"code":"proxy_failed"' && tunnels $t 2 && ok $t
    proxy --auth "user:$SECRET"
    t=proxy.wss_wrong_password
    run $t 3 token --server "https://localhost:$PORT" --ca "$TMP/cert/cert.pem" \
        --proxy "http://user:$WRONG@127.0.0.1:$PPORT" --demo-payer --json &&
        has $t out '"code":"proxy_failed"' && has $t out '407' && ok $t
    t=proxy.wss_untrusted
    # Through the tunnel the certificate is still the service's, and checked.
    run $t 3 token --server "https://localhost:$PORT" \
        --proxy "http://user:$SECRET@127.0.0.1:$PPORT" --demo-payer --json &&
        has $t out '"code":"cert_invalid"' && ok $t
    stop_dev
else
    echo "skip wss (openssl missing)"
fi

# ---- argument errors never quote a password -------------------------------------
t=usage.https_proxy_refused
run $t 2 token --server "$URL" --proxy "https://user:$SECRET@127.0.0.1:1" --demo-payer &&
    has $t err 'the proxy URL must be http://' && ok $t
t=usage.bad_proxy_host
run $t 2 token --server "$URL" --proxy "http://user:$SECRET@bad host:1" --demo-payer &&
    has $t err 'proxy' && ok $t
t=usage.stray_url_argument
run $t 2 token "http://user:$SECRET@127.0.0.1:1" --server "$URL" --demo-payer &&
    has $t err 'not shown' && ok $t

e2e_summary proxy-e2e
