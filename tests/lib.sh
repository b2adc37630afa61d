# tests/lib.sh: sourced by the shell tests. TAP-like results (ok, not_ok,
# check: counted in $n and $failed) and steps that must succeed (step).
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
not_ok() { n=$((n + 1)); echo "not ok $n - $1"; failed=$((failed + 1)); }
# check DESC CMD...: ok when CMD succeeds, not ok otherwise.
check() {
    desc=$1
    shift
    if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# step DESC CMD...: CMD must succeed; its output goes to $T/log, printed
# when it fails, and then the test fails at once with "FAIL: DESC".
step() {
    desc=$1
    shift
    if ! "$@" > "$T/log" 2>&1; then
        cat "$T/log"
        echo "FAIL: $desc"
        exit 1
    fi
    echo "ok: $desc"
}
