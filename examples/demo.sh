#!/usr/bin/env bash
# The demo run by ./quickstart demo: a TPM-like device keeps its state in a
# vNVRAM image, survives power cycles (each step is a new process), and the
# image is shown with ber-dump and one entry as JSON.
# Argument: the build directory (where tools/ and examples/ were built).
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
vnvram="$build/tools/vnvram"
device="$build/examples/tpm-device"
berdump="$build/tools/ber-dump"
for p in "$vnvram" "$device"; do
    [ -x "$p" ] || { echo "demo: $p is not built (run make)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vnvram-demo.XXXXXX")
trap 'rm -rf "$work"' EXIT
img="$work/tpm.img"

step() { printf '\n== %s\n' "$*"; }

step "1. How big must the image be for a TPM 2.0 (libtpms sizes)?"
echo "$("$vnvram" measure --profile tpm2) bytes"

step "2. Format the image (refused later without --force)"
"$vnvram" create "$img" --profile tpm2
"$vnvram" create "$img" --profile tpm2 2>&1 || true

step "3. Manufacture the TPM (seed, endorsement key, EK certificate NV index)"
"$device" "$img" init

step "4. Run it: 8 commands, permall stored after each NV change, orderly shutdown"
"$device" "$img" run 8

step "5. Power cycle: a new process reads the state back and compares"
"$device" "$img" verify

step "6. Another cycle: resume, 4 more commands, power cycle again"
"$device" "$img" run 4
"$device" "$img" verify

step "7. The image: header, slots, generations of both copies, health"
"$vnvram" info "$img"
"$vnvram" check "$img"

step "8. The whole image is one DER value: ber-dump walks it (first lines)"
if [ -x "$berdump" ]; then
    "$berdump" --der --single "$img" | head -n 40 || true   # head may cut it
    "$berdump" --der --single --quiet "$img" && echo "ber-dump: no errors"
else
    echo "(ber-dump not built)"
fi

step "9. One entry as JSON: the device's own callback through the JSON visitor"
"$device" "$img" show-json permall | head -n 45 || true

step "10. Entries stored as JSON instead of DER (same device callbacks)"
jimg="$work/tpm-json.img"
"$device" "$jimg" format
"$device" "$jimg" init --json-entries
"$device" "$jimg" run 3 --json-entries
"$device" "$jimg" verify
"$vnvram" dump "$jimg" volatilestate | cut -c1-300
echo

step "11. Encrypted entries (AES-256-GCM): wrong key told apart from damage"
head -c 32 /dev/urandom > "$work/key"
eimg="$work/tpm-enc.img"
if "$vnvram" create "$eimg" --profile tpm2 --key-file "$work/key"; then
    "$device" "$eimg" init --key-file "$work/key"
    "$device" "$eimg" run 3 --key-file "$work/key"
    "$device" "$eimg" verify --key-file "$work/key" > "$work/verify.out"
    head -n 1 "$work/verify.out"
    head -c 32 /dev/urandom > "$work/wrong-key"
    "$device" "$eimg" verify --key-file "$work/wrong-key" || true
    "$vnvram" check "$eimg"
else
    echo "(this build has no encryption: nettle was not found)"
fi

echo
echo "demo: done (image files removed)"
