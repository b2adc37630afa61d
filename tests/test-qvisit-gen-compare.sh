#!/bin/sh
# tests/test-qvisit-gen-compare.sh: qvisit-gen and QEMU's qapi-gen agree on
# the declarations of their headers (names, member order, types; compared
# structurally by tests/compare-qapi-headers.py, not as text), on our test
# schema and on QEMU's, with every 'if' condition off and on.
set -u
top_srcdir=${top_srcdir:-.}
. "$top_srcdir/tests/qemu-qapi-locate.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/test-qvisit-gen-compare.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
failed=0

# compare NAME SCHEMA PREFIX CONDITIONS...
compare() {
    name=$1 schema=$2 prefix=$3
    shift 3
    rm -rf "$T/ours" "$T/qemu"
    "$PYTHON3" "$top_srcdir/gen/qvisit-gen" -o "$T/ours" -p "$prefix" \
        "$schema" || { echo "FAIL: qvisit-gen on $name"; failed=1; return; }
    "$PYTHON3" "$qapi/scripts/qapi-gen.py" -o "$T/qemu" -p "$prefix" \
        "$schema" --suppress-tracing \
        || { echo "FAIL: qapi-gen on $name"; failed=1; return; }
    for defs in "" "$*"; do
        # shellcheck disable=SC2086
        if "$PYTHON3" "$top_srcdir/tests/compare-qapi-headers.py" \
                "${COMPAT_CC:-cc}" "$T/ours" "$T/qemu" $defs > "$T/out"; then
            echo "ok: $name, conditions {$defs}: $(tail -1 "$T/out")"
        else
            cat "$T/out"
            echo "FAIL: $name, conditions {$defs}"
            failed=1
        fi
    done
}

# Without the module of qvisit's byte-string extension (qapi-gen has none).
cp -R "$top_srcdir/tests/qapi-schema" "$T/schema" && chmod -R u+w "$T/schema" \
    && grep -v '# qvisit-only$' "$top_srcdir/tests/qapi-schema/qvisit-test.json" \
        > "$T/schema/qvisit-test.json" || exit 99
compare "our test schema" "$T/schema/qvisit-test.json" \
    qv- -DQV_TEST_COND -DQV_TEST_OFF
compare "QEMU's test schema" "$qapi/tests/qapi-schema/qapi-schema-test.json" \
    test- -DTEST_IF_STRUCT -DTEST_IF_UNION -DTEST_IF_ALT \
    -DTEST_IF_ALT_MEMBER -DTEST_IF_ENUM_MEMBER -DTEST_IF_STRUCT_MEMBER \
    -DTEST_IF_CMD -DTEST_IF_EVT -DTEST_IF_EVENT -DTEST_IF_COND_1 \
    -DTEST_IF_COND_2 -DTEST_IF_FEATURE_1 -DTEST_IF_FEATURE_2
exit $failed
