# The checks the end-to-end scripts share (source it after setting TMP):
# PASS and FAIL counters; ok NAME; bad NAME WHY, which prints the files named
# in E2E_SHOW (under $TMP; default out and err); run NAME STATUS args... (the
# CLI, $WS); has / lacks NAME FILE TEXT (a fixed string in $TMP/FILE); lines
# NAME FILE N; e2e_summary NAME, the last line and the script's status;
# e2e_cleanup, for the EXIT trap.
PASS=0
FAIL=0
E2E_SHOW=(out err)
E2E_SECRETS=()  # texts that must appear in no output of run

e2e_cleanup() {
    servers_cleanup
    rm -rf "$TMP"
}

ok() { PASS=$((PASS + 1)); echo "ok   $1"; }

bad() {
    FAIL=$((FAIL + 1))
    echo "FAIL $1: $2"
    local f
    for f in "${E2E_SHOW[@]}"; do
        [ -f "$TMP/$f" ] || continue
        echo "  --- $f"
        sed 's/^/  /' "$TMP/$f"
    done
}

# run NAME EXPECTED_STATUS args...: $WS bounded to 30 s, no stdin, its
# output in $TMP/out and $TMP/err; checks the status, and that no
# E2E_SECRETS text is in the output.
run() {
    local name=$1 want=$2 secret
    shift 2
    timeout 30 "$WS" "$@" </dev/null >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" -ne "$want" ]; then
        bad "$name" "exit $got, expected $want"
        return 1
    fi
    for secret in "${E2E_SECRETS[@]}"; do
        if grep -qF -- "$secret" "$TMP/out" "$TMP/err"; then
            bad "$name" "a secret appears in the output"
            return 1
        fi
    done
    return 0
}

has() {
    grep -qF -- "$3" "$TMP/$2" && return 0
    bad "$1" "$2 lacks: $3"
    return 1
}

lacks() {
    ! grep -qF -- "$3" "$TMP/$2" && return 0
    bad "$1" "$2 has: $3"
    return 1
}

lines() {
    local n
    n=$(wc -l <"$TMP/$2")
    [ "$n" -eq "$3" ] && return 0
    bad "$1" "$2 has $n lines, expected $3"
    return 1
}

e2e_summary() {
    echo "$1: $PASS passed, $FAIL failed"
    [ "$FAIL" -eq 0 ]
}
