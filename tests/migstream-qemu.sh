# tests/migstream-qemu.sh: start QEMU, capture and load migration streams
# (sourced by the migstream tests; POSIX sh). QMP runs over two FIFOs on
# QEMU's stdio; every QEMU is stopped by its PID (qemu_stop_all).
#
# Needs: $T (a temporary directory), $QEMU (qemu-system-x86_64).

QEMU_PIDS=
qemu_n=0

# qemu_start ARGS...: start QEMU with -qmp stdio, wait for its greeting.
qemu_start() {
    qemu_n=$((qemu_n + 1))
    rm -f "$T/qmp-in.$qemu_n" "$T/qmp-out.$qemu_n"
    mkfifo "$T/qmp-in.$qemu_n" "$T/qmp-out.$qemu_n" || return 1
    "$QEMU" -nodefaults -display none -qmp stdio "$@" \
        < "$T/qmp-in.$qemu_n" > "$T/qmp-out.$qemu_n" 2> "$T/qemu-err.$qemu_n" &
    QEMU_PID=$!
    QEMU_PIDS="$QEMU_PIDS $QEMU_PID"
    exec 7> "$T/qmp-in.$qemu_n" 8< "$T/qmp-out.$qemu_n"
    qmp_read_until '"QMP"' && qmp '{"execute":"qmp_capabilities"}'
}

# qmp_read_until PATTERN: read QMP lines until one matches (60 s at most).
qmp_read_until() {
    deadline=$(($(date +%s) + 60))
    while IFS= read -r QMP_LINE <&8; do
        case $QMP_LINE in *"$1"*) return 0 ;; esac
        test "$(date +%s)" -lt "$deadline" || break
    done
    echo "# qmp: no '$1' (last: $QMP_LINE); stderr: $(cat "$T/qemu-err.$qemu_n")" >&2
    return 1
}

# qmp JSON: send a command, wait for its return (or error, which fails).
qmp() {
    printf '%s\n' "$1" >&7
    while IFS= read -r QMP_LINE <&8; do
        case $QMP_LINE in
        *'"return"'*) return 0 ;;
        *'"error"'*) echo "# qmp error: $QMP_LINE" >&2; return 1 ;;
        esac
    done
    return 1
}

# qemu_wait_migration: poll query-migrate until completed (0) or failed (1).
qemu_wait_migration() {
    i=0
    while test $i -lt 600; do
        qmp '{"execute":"query-migrate"}' || return 1
        case $QMP_LINE in
        *'"status": "completed"'*) return 0 ;;
        *'"status": "failed"'*|*'"status": "cancelled"'*)
            echo "# migration: $QMP_LINE" >&2; return 1 ;;
        esac
        sleep 0.1
        i=$((i + 1))
    done
    return 1
}

# qemu_quit: quit the current QEMU and reap it.
qemu_quit() {
    printf '%s\n' '{"execute":"quit"}' >&7
    exec 7>&- 8<&-
    wait "$QEMU_PID" 2>/dev/null
    QEMU_PIDS=$(echo "$QEMU_PIDS" | sed "s/ $QEMU_PID\$//; s/ $QEMU_PID / /")
}

# qemu_stop_all: kill whatever QEMU is left (trap handler).
qemu_stop_all() {
    for p in $QEMU_PIDS; do kill "$p" 2>/dev/null; done
    for p in $QEMU_PIDS; do wait "$p" 2>/dev/null; done
    QEMU_PIDS=
}

# qemu_capture FILE ARGS...: start QEMU with ARGS, migrate to FILE, quit.
qemu_capture() {
    out=$1
    shift
    qemu_start "$@" &&
    qmp "{\"execute\":\"migrate\",\"arguments\":{\"uri\":\"exec:cat > $out\"}}" &&
    qemu_wait_migration
    rc=$?
    qemu_quit
    return $rc
}

# qemu_load FILE ARGS...: start QEMU with ARGS -incoming "exec:cat FILE";
# succeed when query-migrate reports completed.
qemu_load() {
    in=$1
    shift
    qemu_start "$@" -incoming "exec:cat $in" && qemu_wait_migration
    rc=$?
    qemu_quit
    return $rc
}
