# tests/qemu-qapi-locate.sh: sourced by the tests that run QEMU's qapi-gen.
# Sets $qapi to its tree ($QVISIT_QEMU_QAPI, else configure's
# --with-qemu-qapi, else ../shared/qemu-qapi beside the sources); when it is
# missing, skips (exit 77), or fails under CI / QVISIT_REQUIRE_PEERS=1.
qapi=${QVISIT_QEMU_QAPI:-${QEMU_QAPI_DIR:-${top_srcdir:-.}/../shared/qemu-qapi}}
if ! test -f "$qapi/scripts/qapi-gen.py"; then
    how="configure --with-qemu-qapi=DIR or set QVISIT_QEMU_QAPI"
    if test -n "${CI:-}" || test "${QVISIT_REQUIRE_PEERS:-0}" = 1; then
        echo "FAIL: QEMU's qapi-gen not found in $qapi ($how)"
        exit 1
    fi
    echo "SKIP: QEMU's qapi-gen not found in $qapi ($how)"
    exit 77
fi
test -n "${PYTHON3:-}" || { echo "FAIL: no python3 (configure found none)"; exit 1; }
