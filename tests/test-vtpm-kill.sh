#!/bin/bash
# tests/test-vtpm-kill.sh: SIGKILL inside an NV write loop. A writer runs
# tpm2_nvwrite with increasing values and records each acknowledged one;
# vtpm is killed at a random moment; after each restart the index must
# hold the last acknowledged value or the one in flight (never older,
# never garbage) and the TPM must work (not in failure mode).
# VTPM_KILL_ROUNDS sets the number of kills (default 100).
# VTPM_KILL_BACKEND=nbd (tests/test-vtpm-kill-nbd.sh) keeps the state in a
# qcow2 image served by qemu-nbd and, every other round, kills qemu-nbd
# (SIGKILL) in the middle of the writes before vtpm, then restarts both.
# VTPM_KILL_PEER=swtpm runs the same loop on swtpm (same options, file
# backend only), to compare; the image check then does not apply.
. "${top_srcdir:-.}/tests/vtpm-lib.sh"
need tpm2_startup tpm2_nvdefine tpm2_nvwrite tpm2_nvread tpm2_getrandom
if [ "${VTPM_KILL_PEER:-vtpm}" = swtpm ]; then
    need swtpm
    VTPM=$(command -v swtpm)
fi
test -x "$VTPM" || { echo "Bail out! $VTPM not built"; exit 99; }
rounds=${VTPM_KILL_ROUNDS:-100}
backend=${VTPM_KILL_BACKEND:-file}
IDX=0x1500017

# start_nbd: qemu-nbd serving $T/tpm.qcow2 on $T/nbd.sock, once it listens.
start_nbd() {
    rm -f "$T/nbd.pid"
    qemu-nbd --persistent --shared=1 --format=qcow2 --socket="$T/nbd.sock" \
        --pid-file="$T/nbd.pid" "$T/tpm.qcow2" 2>> "$T/nbd.err" &
    NBD_PID=$!
    for i in $(seq 1 500); do
        test -s "$T/nbd.pid" && test -S "$T/nbd.sock" && return 0
        sleep 0.02
    done
    return 1
}
if [ "$backend" = nbd ]; then
    need qemu-nbd qemu-img
    NBD_PID=
    trap 'test -n "$NBD_PID" && kill -9 $NBD_PID 2>/dev/null; cleanup' EXIT
    qemu-img create -q -f qcow2 "$T/tpm.qcow2" 8M &&
        start_nbd || { echo "Bail out! qemu-nbd did not start"; exit 1; }
    IMAGE="nbd+unix:///?socket=$T/nbd.sock"
    STATE="backend-uri=$IMAGE"
    "$VNVRAM" create "$IMAGE" --profile tpm2 > /dev/null ||
        { echo "Bail out! vnvram create $IMAGE failed"; exit 1; }
else
    mkdir "$T/st"
    IMAGE="$T/st/tpm2-00.vnvram"
    STATE="dir=$T/st"
fi
server_kills=0
quiet_logs=""    # logs of the runs whose store never lost its server

start_vtpm v0 --tpmstate "$STATE" --flags not-need-init,startup-clear ||
    { echo "Bail out! vtpm did not start: $(cat "$T/v0.err")"; exit 1; }
tpm2_nvdefine $IDX -C o -s 16 -a "ownerread|ownerwrite" > /dev/null ||
    { echo "Bail out! nvdefine failed"; exit 1; }
printf '%016d' 0 | tpm2_nvwrite $IDX -C o -i - ||
    { echo "Bail out! first nvwrite failed"; exit 1; }
acked=0
bad=0
writes=0

for r in $(seq 1 "$rounds"); do
    # The writer: value k is acknowledged once tpm2_nvwrite returns 0.
    (
        k=$acked
        while :; do
            k=$((k + 1))
            printf '%016d' $k | tpm2_nvwrite $IDX -C o -i - 2>/dev/null || exit 0
            echo $k > "$T/acked"
        done
    ) &
    writer=$!
    sleep "0.$(printf '%02d' $((RANDOM % 40 + 5)))"
    if [ "$backend" = nbd ] && [ $((r % 2)) = 0 ]; then
        # the server dies under vtpm's commit: vtpm refuses the TPM's
        # commands from then on (its log says so), until restarted
        kill -9 $NBD_PID
        wait $NBD_PID 2>/dev/null
        server_kills=$((server_kills + 1))
        stop_vtpm v$((r - 1)) KILL
        start_nbd || { not_ok "round $r: qemu-nbd restarts"; break; }
    else
        stop_vtpm v$((r - 1)) KILL
        quiet_logs="$quiet_logs $T/v$((r - 1)).log"
    fi
    wait $writer
    test -f "$T/acked" && acked=$(cat "$T/acked")
    if ! start_vtpm v$r --tpmstate "$STATE" --flags not-need-init,startup-clear; then
        not_ok "round $r: vtpm restarts after kill -9 ($(cat "$T/v$r.err"))"
        bad=$((bad + 1))
        break
    fi
    got=$(tpm2_nvread $IDX -C o -s 16 2>/dev/null)
    case $got in
    "$(printf '%016d' $acked)") ;;
    "$(printf '%016d' $((acked + 1)))") acked=$((acked + 1)) ;;   # in flight, landed
    *) not_ok "round $r: index holds '$got', acked $acked"; bad=$((bad + 1)) ;;
    esac
    if ! tpm2_getrandom 8 > /dev/null 2>&1; then
        not_ok "round $r: the TPM works after the restart"
        bad=$((bad + 1))
    fi
    echo $acked > "$T/acked"
done
writes=$acked
check "$(basename "$VTPM"): $rounds kills inside the NV write loop: the index always held the last acknowledged or the in-flight value, the TPM always worked ($writes acknowledged writes)" test $bad = 0
quiet_logs="$quiet_logs $T/v$rounds.log"
check "no failure mode in any log (of a run whose store kept its server)" \
    sh -c "! grep -l 'TPM2_RC_FAILURE' $quiet_logs"
stop_vtpm v$rounds
if [ "${VTPM_KILL_PEER:-vtpm}" != swtpm ]; then
    check "vnvram check: the image is healthy after $rounds kills" \
        sh -c "'$VNVRAM' check '$IMAGE' > /dev/null"
fi
if [ "$backend" = nbd ]; then
    kill $NBD_PID
    wait $NBD_PID 2>/dev/null
    NBD_PID=
    check "qemu-img check: the qcow2 image is clean after $server_kills kills of qemu-nbd" \
        qemu-img check -q "$T/tpm.qcow2"
fi
finish
