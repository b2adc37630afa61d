#!/bin/bash
# tests/test-vtpm-qemu.sh: QEMU's -tpmdev emulator on vtpm's Unix control
# socket. SeaBIOS boots a few seconds and measures itself: the log shows
# TPM2_Startup and at least 8 PCR_Extend, all successful. Then a QMP
# migrate of that VM to a file carries the TPM state (GET_STATEBLOB); a
# second QEMU with -incoming and a second vtpm on a new image resumes it
# (SET_STATEBLOB + INIT), and PCR 0 read from both TPMs (raw TPM2_PCR_Read
# on vtpm's TCP data port) is the same.
. "${top_srcdir:-.}/tests/vtpm-lib.sh"
need qemu-system-x86_64
test -x "$VTPM" || { echo "Bail out! $VTPM not built"; exit 99; }

# A raw TPM2_PCR_Read of sha256 PCR 0 on a TCP port: the response in hex.
pcr0() {
    exec 5<>"/dev/tcp/127.0.0.1/$1" || return 1
    printf '\x80\x01\x00\x00\x00\x14\x00\x00\x01\x7e\x00\x00\x00\x01\x00\x0b\x03\x01\x00\x00' >&5
    timeout 10 head -c 62 <&5 | od -An -tx1 | tr -d ' \n'
    exec 5<&-
}

# qemu_start NAME ARGS...: QEMU with QMP on its stdin/stdout (a coproc).
qemu_start() {
    name=$1
    shift
    coproc QEMU { exec qemu-system-x86_64 -M pc -nodefaults -display none \
        -serial none -monitor none \
        -chardev socket,id=c,path="$T/$name.ctrl" \
        -tpmdev emulator,id=tpm0,chardev=c -device tpm-tis,tpmdev=tpm0 \
        -qmp stdio "$@" 2> "$T/$name.qemu.err"; }
    qemu_pid=$QEMU_PID
    pids="$pids $qemu_pid"
    # Our own copies of its pipes: bash unsets QEMU when QEMU exits.
    exec {qmp_in}>&"${QEMU[1]}" {qmp_out}<&"${QEMU[0]}"
    qmp '{"execute":"qmp_capabilities"}' > /dev/null
}
# qmp JSON: send a command, print its reply (skipping events).
qmp() {
    echo "$1" >&"$qmp_in" || return 1
    while IFS= read -r -t 30 line <&"$qmp_out"; do
        case $line in
        *'"return"'*|*'"error"'*) echo "$line"; return 0 ;;
        esac
    done
    return 1
}
qemu_quit() {
    qmp '{"execute":"quit"}' > /dev/null   # QEMU may exit before it answers
    exec {qmp_in}>&- {qmp_out}<&-
    for i in $(seq 1 500); do
        alive "$qemu_pid" || return 0
        sleep 0.02
    done
    return 1
}
# wait_log NAME PATTERN COUNT: up to 60 s for COUNT lines matching.
wait_log() {
    for i in $(seq 1 600); do
        test "$(grep -c -- "$2" "$T/$1.log")" -ge "$3" && return 0
        sleep 0.1
    done
    return 1
}
# start_vtpm_unix NAME: vtpm with a Unix control socket for QEMU and a
# TCP data port (PORT) for the raw reads.
start_vtpm_unix() {
    mkdir "$T/$1.st"
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        PORT=$(( (RANDOM % 6000) * 2 + 20000 ))
        "$VTPM" socket --tpm2 --tpmstate dir="$T/$1.st" \
            --ctrl type=unixio,path="$T/$1.ctrl" \
            --server type=tcp,port=$PORT --pid file="$T/$1.pid" \
            --log file="$T/$1.log" --daemon 2> "$T/$1.err" &&
            { pids="$pids $(cat "$T/$1.pid")"; return 0; }
        grep -q "cannot listen" "$T/$1.err" || return 1
    done
    return 1
}

check "vtpm (source) starts with a Unix control socket" start_vtpm_unix src
sport=$PORT
qemu_start src
check "SeaBIOS: the log shows at least 8 successful TPM2_CC_PCR_Extend" \
    wait_log src "TPM2_CC_PCR_Extend -> 0x000 TPM2_RC_SUCCESS" 8
check "SeaBIOS: TPM2_CC_Startup succeeded" \
    grep -q "TPM2_CC_Startup -> 0x000 TPM2_RC_SUCCESS" "$T/src.log"
check "no PCR_Extend failed" \
    sh -c "! grep 'TPM2_CC_PCR_Extend' '$T/src.log' | grep -vq 'TPM2_RC_SUCCESS'"
check "QEMU's control commands are logged (CMD_INIT, CMD_SET_DATAFD)" \
    sh -c "grep -q 'CMD_INIT -> 0x0' '$T/src.log' && grep -q 'CMD_SET_DATAFD -> 0x0' '$T/src.log'"
echo "# $(grep -c 'TPM2_CC_PCR_Extend -> 0x000' "$T/src.log") PCR_Extend by SeaBIOS"
src_pcr=$(pcr0 $sport)
check "PCR 0 of the source TPM is measured (not zero)" \
    sh -c "test -n '$src_pcr' && ! echo '$src_pcr' | grep -q '0000000000000000000000000000000000000000000000000000000000000000$'"

# Migration to a file, then resume in a second QEMU on a second vtpm.
qmp "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $T/mig\"}}" > "$T/qmp.out"
migrated=no
for i in $(seq 1 300); do
    st=$(qmp '{"execute":"query-migrate"}')
    case $st in
    *completed*) migrated=yes; break ;;
    *failed*) echo "# $st"; break ;;
    esac
    sleep 0.1
done
check "QMP migrate to a file completed" test $migrated = yes
check "the source TPM gave its state (CMD_GET_STATEBLOB)" \
    grep -q "CMD_GET_STATEBLOB permall" "$T/src.log"
check "source QEMU quits" qemu_quit
check "source vtpm ends with QEMU (CMD_SHUTDOWN)" stop_vtpm src

check "vtpm (destination) starts on a new image" start_vtpm_unix dst
dport=$PORT
qemu_start dst -incoming "exec:cat $T/mig"
resumed=no
for i in $(seq 1 300); do
    case $(qmp '{"execute":"query-status"}') in
    *'"running"'*) resumed=yes; break ;;
    esac
    sleep 0.1
done
check "destination QEMU resumed the VM" test $resumed = yes
check "the destination TPM started on the state (CMD_INIT -> 0x0)" \
    wait_log dst "CMD_INIT -> 0x0" 1
check "the destination took the state (CMD_SET_STATEBLOB permall stored)" \
    grep -q "CMD_SET_STATEBLOB permall: .* bytes stored" "$T/dst.log"
dst_pcr=$(pcr0 $dport)
check "PCR 0 (and its update counter) moved with the VM" test "$src_pcr" = "$dst_pcr"
check "destination QEMU quits" qemu_quit
check "destination vtpm ends with QEMU" stop_vtpm dst
check "the destination image holds the migrated state (vnvram check)" \
    sh -c "'$VNVRAM' check '$T/dst.st/tpm2-00.vnvram' > /dev/null"
finish
