#!/usr/bin/env bash
# The demo run by ./quickstart demo: a real TPM 2.0 (libtpms, in tools/vtpm)
# keeps its state in a vNVRAM image. tpm2-tools talk to it exactly as they
# talk to swtpm; it is killed with SIGKILL and restarted; its NV index and
# persistent key are still there. Then the image is shown with vnvram and
# ber-dump, and the stand-in device shows a fully typed state as JSON.
# Argument: the build directory (where tools/ and examples/ were built).
set -euo pipefail
build=${1:?usage: demo.sh BUILD_DIR}
vnvram="$build/tools/vnvram"
vtpm="$build/tools/vtpm"
device="$build/examples/tpm-device"
berdump="$build/tools/ber-dump"
for p in "$vnvram" "$vtpm" "$device"; do
    [ -x "$p" ] || { echo "demo: $p is not built (run make)" >&2; exit 1; }
done
for p in tpm2_startup tpm2_nvdefine tpm2_nvwrite tpm2_nvread \
         tpm2_createprimary tpm2_evictcontrol tpm2_pcrextend tpm2_getcap; do
    command -v "$p" > /dev/null ||
        { echo "demo: $p is missing (apt-get install tpm2-tools)" >&2; exit 1; }
done
work=$(mktemp -d "${TMPDIR:-/tmp}/vnvram-demo.XXXXXX")
pidfile="$work/vtpm.pid"
stop_vtpm() {   # stop_vtpm [SIGNAL]: our vtpm, by its pid
    [ -f "$pidfile" ] || return 0
    kill "-${1:-TERM}" "$(cat "$pidfile")" 2>/dev/null || true
    # Gone once no thread of it runs: a killed process's main thread is a
    # zombie before its NVRAM worker (which shares the image's descriptor,
    # and so its lock) has finished exiting.
    for _ in $(seq 1 250); do
        kill -0 "$(cat "$pidfile")" 2>/dev/null || break
        cat /proc/"$(cat "$pidfile")"/task/*/stat 2>/dev/null |
            sed 's/^.*) //' | cut -c1 | grep -qv '[ZX]' || break
        sleep 0.02
    done
    rm -f "$pidfile"
}
trap 'stop_vtpm KILL; rm -rf "$work"' EXIT
img="$work/tpm.img"
log="$work/vtpm.log"

step() { printf '\n== %s\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

# start_vtpm: vtpm on the image, on a free loopback port pair.
start_vtpm() {
    for _ in 1 2 3 4 5 6 7 8 9 10; do
        port=$(( (RANDOM % 6000) * 2 + 20000 ))
        if "$vtpm" socket --tpm2 --tpmstate backend-uri=file://"$img" \
               --server type=tcp,port=$port --ctrl type=tcp,port=$((port + 1)) \
               --flags not-need-init --log file="$log" --pid file="$pidfile" \
               --daemon 2> "$work/vtpm.err"; then
            export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$port"
            echo "vtpm $(cat "$pidfile") serves $img on 127.0.0.1:$port" \
                 "(control: $((port + 1)))"
            return 0
        fi
        grep -q "cannot listen" "$work/vtpm.err" || { cat "$work/vtpm.err"; exit 1; }
    done
    echo "demo: no free port" >&2
    exit 1
}

step "1. An image for a TPM 2.0: sizes are libtpms's own maxima"
run "$vnvram" measure --profile tpm2
run "$vnvram" create "$img" --profile tpm2

step "2. Start vtpm on it (swtpm's options: --tpmstate, --server, --ctrl, --flags)"
start_vtpm

step "3. tpm2-tools, unchanged, over the swtpm TCTI"
run tpm2_startup -c
run tpm2_nvdefine 0x1500016 -C o -s 32 -a "ownerread|ownerwrite"
printf 'kept in vNVRAM' > "$work/value"
run tpm2_nvwrite 0x1500016 -C o -i "$work/value"
run tpm2_createprimary -C o -c "$work/primary.ctx" > /dev/null
run tpm2_evictcontrol -C o -c "$work/primary.ctx" 0x81000001
run tpm2_pcrextend 8:sha256=b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c
echo "-- the last lines of vtpm's log (--log file=F): each command and its response code"
tail -n 6 "$log"

step "4. kill -9 vtpm: no shutdown, no flush at exit (every response came after its commit)"
run kill -9 "$(cat "$pidfile")"
stop_vtpm KILL

step "5. Restart it: the same TPM (nothing re-manufactured)"
start_vtpm
run tpm2_startup -c
printf '$ tpm2_nvread 0x1500016 -C o -s 14\n'
tpm2_nvread 0x1500016 -C o -s 14; echo
run tpm2_getcap handles-persistent
stop_vtpm

step "6. The image: header, entries, generations of both copies, health"
run "$vnvram" info "$img"
run "$vnvram" check "$img"

step "7. The whole image is one DER value: ber-dump walks it (first lines)"
if [ -x "$berdump" ]; then
    "$berdump" --der --single "$img" | head -n 30 || true   # head may cut it
    "$berdump" --der --single --quiet "$img" && echo "ber-dump: no errors"
else
    echo "(ber-dump not built)"
fi

step "8. One entry's record: permall as vtpm stores it (format, TPM and libtpms versions, the blob)"
"$vnvram" dump "$img" permall | cut -c1-200
echo

step "9. The stand-in device: a fully typed TPM-like state, its entries as JSON"
jimg="$work/tpm-json.img"
"$device" "$jimg" format
"$device" "$jimg" init --json-entries
"$device" "$jimg" run 3 --json-entries
"$device" "$jimg" verify
"$vnvram" dump "$jimg" volatilestate | cut -c1-300
echo

echo
echo "demo: done (image files removed)"
