#!/bin/sh
# tests/test-qvisit-gen-user.sh: the Makefile block of docs/qvisit-gen.md,
# taken from the document as it is, builds and runs a program of a project
# outside the tree (tests/qvisit-gen-user/) with GNU make and the real
# pkg-config, given a qvisit.pc that describes this build: headers staged
# as `make install` lays them out, the built library, the tree's
# qvisit-gen.
set -u
top_srcdir=${top_srcdir:-.}
test -n "${PYTHON3:-}" || { echo "FAIL: no python3 (configure found none)"; exit 1; }
for tool in make pkg-config; do
    command -v $tool > /dev/null || { echo "FAIL: no $tool"; exit 1; }
done
T=$(mktemp -d "${TMPDIR:-/tmp}/test-qvisit-gen-user.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM

cp "$top_srcdir/tests/qvisit-gen-user/dev-state.json" \
    "$top_srcdir/tests/qvisit-gen-user/dev.c" "$T/" || exit 99
chmod u+w "$T"/*
# The first ```make block of the document, unchanged.
sed -n '/^```make$/,/^```$/p' "$top_srcdir/docs/qvisit-gen.md" \
    | sed '1d;/^```$/,$d' > "$T/Makefile"
grep -q 'qvisit_gen' "$T/Makefile" || { echo "FAIL: no Makefile block in docs/qvisit-gen.md"; exit 1; }

mkdir "$T/pc"
cat > "$T/pc/qvisit.pc" <<PC
includedir=$COMPAT_INCLUDEDIR
libdir=$COMPAT_LIBDIR
qvisit_gen=$T/qvisit-gen
Name: qvisit
Description: qvisit as this build would install it
Version: 0
Requires: glib-2.0
Libs: -L\${libdir} -lqvisit
Cflags: -I\${includedir}/qvisit
PC
# qvisit_gen names one program, as an installed qvisit-gen is.
printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$PYTHON3" \
    "$(cd "$top_srcdir/gen" && pwd)/qvisit-gen" > "$T/qvisit-gen"
chmod +x "$T/qvisit-gen"

if ! (cd "$T" && PKG_CONFIG_PATH="$T/pc" CFLAGS="${SANITIZER_CFLAGS:-}" \
        LDFLAGS="${SANITIZER_CFLAGS:-}" make dev) > "$T/log" 2>&1; then
    cat "$T/log"
    echo "FAIL: make dev with the block of docs/qvisit-gen.md"
    exit 1
fi
echo "ok: make dev with the block of docs/qvisit-gen.md"
LD_LIBRARY_PATH="$COMPAT_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$T/dev" || exit 1
# A schema change regenerates and rebuilds.
sleep 1
sed -i 's/suspended/suspended-to-ram/' "$T/dev-state.json"
sed -i 's/DEV_POWER_SUSPENDED/DEV_POWER_SUSPENDED_TO_RAM/' "$T/dev.c"
if (cd "$T" && PKG_CONFIG_PATH="$T/pc" make -q dev); then
    echo "FAIL: make does not see the schema change"
    exit 1
fi
if ! (cd "$T" && PKG_CONFIG_PATH="$T/pc" CFLAGS="${SANITIZER_CFLAGS:-}" \
        LDFLAGS="${SANITIZER_CFLAGS:-}" make dev) > "$T/log" 2>&1; then
    cat "$T/log"
    echo "FAIL: make dev after a schema change"
    exit 1
fi
LD_LIBRARY_PATH="$COMPAT_LIBDIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" \
    "$T/dev" || exit 1
echo "ok: a schema change regenerates and rebuilds"

# configure.ac with QVISIT_PROG_GEN (gen/qvisit.m4) finds it through qvisit.pc.
if command -v autoconf > /dev/null && command -v aclocal > /dev/null; then
    mkdir "$T/ac"
    printf 'AC_INIT([dev], [1])\nQVISIT_PROG_GEN\nAC_OUTPUT\n' \
        > "$T/ac/configure.ac"
    if ! (cd "$T/ac" && aclocal -I "$top_srcdir/gen" && autoconf \
            && PKG_CONFIG_PATH="$T/pc" ./configure) > "$T/log" 2>&1 \
            || ! grep -q "checking for qvisit-gen... $T/qvisit-gen" "$T/log"; then
        cat "$T/log"
        echo "FAIL: QVISIT_PROG_GEN"
        exit 1
    fi
    echo "ok: QVISIT_PROG_GEN finds $T/qvisit-gen"
fi
