#!/bin/sh
# bench/w5-migration.sh: WORKLOAD.md W5, a real QEMU migration stream.
#
# Captures the W5 stream (QEMU 7.2, -M pc -m 256, 192 MiB of random data
# loaded with -device loader, a virtio-blk disk on a qcow2, an e1000,
# paused) and measures, interleaved repetition by repetition so that the
# machine's load hits every step alike: the floors (reading the stream
# with the page cache warm, cp of it), and migstream converting it to DER,
# CER and JSON and each back to QEMU's format. Prints the median times,
# the ratios against cp, the sizes against native, and each step's peak
# RSS (GNU time); the goals: DER and CER <= 2x cp each way, DER/CER size
# <= 1.01x native, peak RSS <= 64 MiB. W5_BIG=1 adds the RSS check of a
# 1 GiB guest; W5_REPS (default 5) sets the repetitions.
#
# Usage: bench/w5-migration.sh [BUILDDIR]   (default: .)
set -u
B=${1:-.}
MS="$B/tools/migstream"
here=$(dirname "$0")
QEMU=$(command -v qemu-system-x86_64) || { echo "w5: qemu-system-x86_64 missing" >&2; exit 2; }
test -x "$MS" || { echo "w5: $MS not built" >&2; exit 2; }
test -x /usr/bin/time || { echo "w5: GNU time (/usr/bin/time) missing" >&2; exit 2; }
T=$(mktemp -d "${TMPDIR:-/tmp}/w5.XXXXXX") || exit 2
. "$here/../tests/migstream-qemu.sh"
trap 'qemu_stop_all; rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
reps=${W5_REPS:-5}

capture() {    # capture FILE MIB_DATA MIB_RAM
    head -c $(($2 * 1048576)) /dev/urandom > "$T/rnd"
    qemu-img create -q -f qcow2 "$T/disk.qcow2" 64M
    qemu_capture "$1" -M pc -S -m "$3" -device e1000 \
        -drive file="$T/disk.qcow2",if=none,id=d0,format=qcow2 \
        -device virtio-blk-pci,drive=d0 -device loader,file="$T/rnd",addr=0x100000
    r=$?
    rm -f "$T/rnd"
    return $r
}

# step NAME CMD...: one timed run; appends "seconds rss_kib" to $T/NAME.
step() {
    name=$1
    shift
    /usr/bin/time -f '%e %M' -o "$T/one" "$@" > /dev/null 2>&1 || {
        echo "w5: $name failed" >&2; exit 1; }
    tail -n 1 "$T/one" >> "$T/$name"
}

median() { sort -n "$T/$1" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
max_rss() { sort -n -k2 "$T/$1" | tail -n 1 | awk '{print $2}'; }

capture "$T/w5.mig" 192 256 || { echo "w5: capture failed" >&2; exit 1; }
S="$T/w5.mig"
native=$(wc -c < "$S")
for f in der cer json; do "$MS" convert "$S" "$T/w5.$f" --to "$f" || exit 1; done
i=0
while test $i -lt "$reps"; do
    step read cat "$S"
    step cp cp "$S" "$T/cp.out"
    for f in der cer json; do
        step "to-$f" "$MS" convert "$S" "$T/out.$f" --to "$f"
        step "from-$f" "$MS" convert "$T/w5.$f" "$T/out.mig" --to qemu
        cmp -s "$S" "$T/out.mig" || { echo "w5: $f round trip differs" >&2; exit 1; }
    done
    rm -f "$T/cp.out" "$T"/out.*
    i=$((i + 1))
done

cpt=$(median cp)
echo "W5 migration: stream $native bytes, $reps interleaved repetitions, medians"
printf '%-14s %9s %8s %10s %12s\n' step seconds "x cp" "peak KiB" "size x native"
printf '%-14s %9s %8s %10s\n' read "$(median read)" \
    "$(echo "$(median read) $cpt" | awk '{printf "%.2f", $1 / ($2 > 0 ? $2 : 0.001)}')" "$(max_rss read)"
printf '%-14s %9s %8s %10s\n' cp "$cpt" 1.00 "$(max_rss cp)"
for f in der cer json; do
    size=$(wc -c < "$T/w5.$f")
    for d in to from; do
        t=$(median "$d-$f")
        printf '%-14s %9s %8s %10s %12s\n' "$d-$f" "$t" \
            "$(echo "$t $cpt" | awk '{printf "%.2f", $1 / ($2 > 0 ? $2 : 0.001)}')" \
            "$(max_rss "$d-$f")" \
            "$(echo "$size $native" | awk '{printf "%.4f", $1 / $2}')"
    done
done
echo "goals: to/from der and cer <= 2.00 x cp; der, cer size <= 1.0100 x native; peak RSS <= 65536 KiB"

if test "${W5_BIG:-0}" = 1; then
    rm -f "$T"/w5.*
    capture "$T/big.mig" 1024 1088 || { echo "w5: 1 GiB capture failed" >&2; exit 1; }
    : > "$T/big-cer"
    step big-cer "$MS" convert "$T/big.mig" "$T/big.cer" --to cer
    echo "1 GiB guest: stream $(wc -c < "$T/big.mig") bytes, qemu -> cer $(median big-cer) s, peak RSS $(max_rss big-cer) KiB"
fi
