# The checks the end-to-end scripts share (source it after setting TMP):
# PASS and FAIL counters; ok NAME; bad NAME WHY, which prints the files named
# in E2E_SHOW (under $TMP; default out and err); has / lacks NAME FILE TEXT
# (a fixed string in $TMP/FILE); lines NAME FILE N; e2e_summary NAME, the
# last line and the script's status.
PASS=0
FAIL=0
E2E_SHOW=(out err)

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
