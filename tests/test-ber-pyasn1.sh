#!/bin/sh
# tests/test-ber-pyasn1.sh: our DER and CER bytes against pyasn1's encoders
# (Debian python3-pyasn1), and ber-dump against pyasn1's SET OF and decimal
# REALs; see tests/ber-pyasn1.py. Without pyasn1 the test is skipped (77),
# or fails when QVISIT_REQUIRE_PEERS=1 (./quickstart check sets it).
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}

# The interpreter that has pyasn1: $PYTHON, then Debian's, then the PATH's.
py=
for cand in ${PYTHON:-} /usr/bin/python3 python3; do
    if command -v "$cand" > /dev/null 2>&1 &&
       "$cand" -c 'import pyasn1.codec.cer.encoder' > /dev/null 2>&1; then
        py=$cand
        break
    fi
done
if test -z "$py"; then
    echo "# no python3 with pyasn1 (Debian: python3-pyasn1)"
    if test "${QVISIT_REQUIRE_PEERS:-0}" = 1; then
        echo "not ok 1 - pyasn1 is required (QVISIT_REQUIRE_PEERS=1)"
        exit 1
    fi
    exit 77
fi
echo "# $py, pyasn1 $("$py" -c 'import pyasn1; print(pyasn1.__version__)')"
"$top_builddir/tests/ber-samples" > samples.$$ || { rm -f samples.$$; exit 99; }
"$py" "$top_srcdir/tests/ber-pyasn1.py" "$top_builddir/tools/ber-dump" < samples.$$
rc=$?
rm -f samples.$$
exit $rc
