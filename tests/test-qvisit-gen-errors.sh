#!/bin/sh
# tests/test-qvisit-gen-errors.sh: every invalid schema under
# tests/qapi-schema/bad/ fails with exit status 1 and exactly the one line
# of tests/qapi-schema/bad/EXPECTED ("FILE:LINE: what is wrong"), and
# writes nothing. Bad command lines (no schema; --builtins-only with a
# schema or --asn1) exit with status 2 and write nothing.
set -u
top_srcdir=${top_srcdir:-.}
test -n "${PYTHON3:-}" || { echo "FAIL: no python3 (configure found none)"; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/test-qvisit-gen-errors.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
cd "$top_srcdir/tests/qapi-schema" || exit 99
gen="$top_srcdir/gen/qvisit-gen"
case $gen in /*) ;; *) gen="../../gen/qvisit-gen" ;; esac
n=0
failed=0
tab=$(printf '\t')
while IFS="$tab" read -r schema want; do
    n=$((n + 1))
    "$PYTHON3" "$gen" -o "$T/out" -p bad- "$schema" > "$T/stdout" 2> "$T/stderr"
    rc=$?
    got=$(cat "$T/stderr")
    if [ $rc -eq 1 ] && [ "$got" = "$want" ] && [ ! -s "$T/stdout" ] \
            && [ ! -e "$T/out" ]; then
        echo "ok $n - $schema"
    else
        echo "not ok $n - $schema: exit $rc, got '$got', want '$want'"
        failed=$((failed + 1))
    fi
done < bad/EXPECTED
for args in "-p bad-" "--builtins-only bad/EXPECTED" "--builtins-only --asn1"; do
    n=$((n + 1))
    # shellcheck disable=SC2086
    "$PYTHON3" "$gen" -o "$T/out" $args > "$T/stdout" 2> "$T/stderr"
    rc=$?
    if [ $rc -eq 2 ] && grep -q 'qvisit-gen: error: ' "$T/stderr" \
            && [ ! -s "$T/stdout" ] && [ ! -e "$T/out" ]; then
        echo "ok $n - usage error: $args"
    else
        echo "not ok $n - usage error: $args: exit $rc, $(cat "$T/stderr")"
        failed=$((failed + 1))
    fi
done
echo "1..$n"
[ "$n" -gt 0 ] && [ $failed -eq 0 ]
