#!/bin/sh
# tests/test-qvisit-gen-asn1.sh: `qvisit-gen --asn1` on our test schema.
# libtasn1's asn1Parser accepts the module (its --tasn1 form: without the
# types using REAL or an empty SEQUENCE, which libtasn1 lacks), and
# asn1Decoding and pyasn1 decode our DER (pyasn1 our CER too) of every
# sample value to the field values of its JSON (tests/asn1-crosscheck.py).
set -u
top_srcdir=${top_srcdir:-.}
top_builddir=${top_builddir:-.}
. "$top_srcdir/tests/lib.sh"
test -n "${PYTHON3:-}" || { echo "FAIL: no python3 (configure found none)"; exit 1; }

missing=
command -v asn1Parser > /dev/null || missing="$missing asn1Parser"
command -v asn1Decoding > /dev/null || missing="$missing asn1Decoding"
"$PYTHON3" -c 'import pyasn1' 2> /dev/null || missing="$missing pyasn1"
if [ -n "$missing" ]; then
    if [ -n "${CI:-}" ] || [ "${QVISIT_REQUIRE_PEERS:-0}" = 1 ]; then
        echo "FAIL: missing:$missing (libtasn1-bin, python3-pyasn1)"
        exit 1
    fi
    echo "SKIP: missing:$missing (libtasn1-bin, python3-pyasn1)"
    exit 77
fi

T=$(mktemp -d "${TMPDIR:-/tmp}/test-qvisit-gen-asn1.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
schema="$top_srcdir/tests/qapi-schema/qvisit-test.json"
gen="$top_srcdir/gen/qvisit-gen"

# QV_TEST_COND as the test program is built with it (tests/qvisit-gen.mk).
step "qvisit-gen --asn1" "$PYTHON3" "$gen" --asn1 -D QV_TEST_COND \
    -o "$T/full" -p qv- "$schema"
step "qvisit-gen --asn1 --tasn1" "$PYTHON3" "$gen" --asn1 --tasn1 \
    -D QV_TEST_COND -o "$T/tasn1" -p qv- "$schema"
step "asn1Parser accepts the module" asn1Parser -c "$T/tasn1/qv-qapi.asn"
# docs/ber-mapping.md shows the module of tests/qapi-schema/test-qapi-types.json
# as qvisit-gen writes it: the documentation cannot drift from the tool.
step "qvisit-gen --asn1 on test-qapi-types.json" "$PYTHON3" "$gen" --asn1 \
    -o "$T/tq" -p tq- "$top_srcdir/tests/qapi-schema/test-qapi-types.json"
sed -n '/^Test-qapi-types DEFINITIONS/,/^END$/p' "$T/tq/tq-qapi.asn" \
    | sed '$d' > "$T/tq/module"
sed -n '/^Test-qapi-types DEFINITIONS/,/^-- A struct member of type/p' \
    "$top_srcdir/docs/ber-mapping.md" | sed '$d' > "$T/tq/doc"
step "docs/ber-mapping.md shows that module" cmp "$T/tq/module" "$T/tq/doc"
mkdir "$T/dump"
step "our DER, CER and JSON of every sample" \
    "$top_builddir/tests/qvgen-dump" "$T/dump"
"$PYTHON3" "$top_srcdir/tests/asn1-crosscheck.py" "$T/full/qv-qapi.asn" \
    "$T/tasn1/qv-qapi.asn" "$T/dump"
