# tests/vtpm-lib.sh: shared by the vtpm shell tests (sourced). TAP-like
# output, a temporary directory removed on exit, vtpm started on a free
# loopback port and stopped by PID.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
VTPM="$top_builddir/tools/vtpm"
VNVRAM="$top_builddir/tools/vnvram"
T=$(mktemp -d "${TMPDIR:-/tmp}/test-vtpm.XXXXXX") || exit 99
. "$top_srcdir/tests/lib.sh"
pids=""
# A daemon's stderr is /dev/null once it serves: sanitizer reports (in the
# --enable-sanitizers build) go to files instead, and finish() fails the
# test on any.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}log_path=$T/sanitizer"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:+$UBSAN_OPTIONS:}log_path=$T/sanitizer"

cleanup() {
    for p in $pids; do     # ours only: a pid that is still a vtpm
        grep -qE "vtpm|swtpm" "/proc/$p/cmdline" 2>/dev/null && kill -9 "$p"
    done
    [ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

finish() {
    for f in "$T"/sanitizer.*; do
        [ -e "$f" ] || continue
        not_ok "no sanitizer report ($f):"
        sed 's/^/# /' "$f" | head -40
    done
    echo "1..$n"
    test "$failed" = 0
    exit $?
}

# need PROG...: a missing program skips the test, or fails it under CI
# (CI=true or QVISIT_REQUIRE_PEERS=1, as ./quickstart check sets).
need() {
    for p in "$@"; do
        command -v "$p" >/dev/null 2>&1 && continue
        if [ "${CI:-}" = true ] || [ "${QVISIT_REQUIRE_PEERS:-0}" = 1 ]; then
            echo "Bail out! $p is not installed (needed by $0)"
            exit 1
        fi
        echo "# SKIP $p is not installed (needed by $0)"
        exit 77
    done
}

# start_vtpm NAME ARGS...: start vtpm (a TPM 2.0; VTPM_TPM2= for a TPM
# 1.2) as a daemon on a free TCP port
# pair, waiting until it serves; sets PORT, CTRLPORT and PID_NAME (the
# pid is in $T/NAME.pid). Returns vtpm's status if it refuses to start
# (its stderr in $T/NAME.err).
start_vtpm() {
    name=$1
    shift
    for attempt in 1 2 3 4 5 6 7 8 9 10; do
        # below Linux's ephemeral ports (32768-60999), where clients'
        # TIME_WAIT sockets live
        PORT=$(( (RANDOM % 6000) * 2 + 20000 ))
        CTRLPORT=$((PORT + 1))
        "$VTPM" socket ${VTPM_TPM2---tpm2} --server type=tcp,port=$PORT \
            --ctrl type=tcp,port=$CTRLPORT --pid file="$T/$name.pid" \
            --log file="$T/$name.log" --daemon "$@" 2> "$T/$name.err"
        rc=$?
        if [ $rc = 0 ]; then
            pids="$pids $(cat "$T/$name.pid")"
            export TPM2TOOLS_TCTI="swtpm:host=127.0.0.1,port=$PORT"
            return 0
        fi
        # port taken: vtpm says so on stderr, swtpm in its log
        cat "$T/$name.err" "$T/$name.log" 2>/dev/null |
            grep -qE "cannot listen|Address already in use" || return $rc
    done
    return 1
}

# alive PID: any thread of PID still running. A zombie whose threads have
# all exited, which init may reap late, holds no descriptors and no image
# lock; but the main thread of a killed process turns zombie before its
# other threads are gone (the NVRAM worker finishing an fdatasync), and
# they share the descriptor table, so each thread is looked at.
alive() {
    kill -0 "$1" 2>/dev/null || return 1
    for stat in /proc/"$1"/task/*/stat; do
        state=$(sed 's/^.*) //' "$stat" 2>/dev/null | cut -c1)
        case $state in
        ""|Z|X) ;;
        *) return 0 ;;
        esac
    done
    return 1
}

# stop_vtpm NAME [SIGNAL]: stop by PID (TERM by default) and wait.
stop_vtpm() {
    pid=$(cat "$T/$1.pid")
    kill "-${2:-TERM}" "$pid" 2>/dev/null
    for i in $(seq 1 500); do
        alive "$pid" || return 0
        sleep 0.02
    done
    echo "# vtpm $pid did not stop"
    kill -9 "$pid" 2>/dev/null
    return 1
}
