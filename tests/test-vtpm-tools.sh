#!/bin/bash
# tests/test-vtpm-tools.sh: vtpm end to end with tpm2-tools over the swtpm
# TCTI: NV define/write/read, a persistent key (createprimary +
# evictcontrol), PCR extend/read, across an orderly restart (with
# Shutdown(STATE)) and across kill -9; encryption with --key; the image
# refusals (garbage, blank, wrong key) with the file left unchanged; option
# errors.
. "${top_srcdir:-.}/tests/vtpm-lib.sh"
need tpm2_startup tpm2_nvdefine tpm2_nvwrite tpm2_nvread tpm2_createprimary \
     tpm2_evictcontrol tpm2_getcap tpm2_pcrextend tpm2_pcrread tpm2_shutdown
test -x "$VTPM" || { echo "Bail out! $VTPM not built"; exit 99; }

IDX=0x1500016
DIG=b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c
tpm() { "$@" > "$T/out" 2> "$T/terr"; }
nvread() { tpm2_nvread $IDX -C o -s "$1" 2> "$T/terr"; }

mkdir "$T/st"
check "vtpm starts on a new directory (image created)" \
    start_vtpm a --tpmstate dir="$T/st" --flags not-need-init
check "the image is one file in DIR" test -f "$T/st/tpm2-00.vnvram"
check "tpm2_startup -c" tpm tpm2_startup -c
check "tpm2_nvdefine" tpm tpm2_nvdefine $IDX -C o -s 32 -a "ownerread|ownerwrite"
printf 'first value' > "$T/v1"
check "tpm2_nvwrite" tpm tpm2_nvwrite $IDX -C o -i "$T/v1"
check "tpm2_nvread gives it back" test "$(nvread 11)" = "first value"
check "tpm2_createprimary" tpm tpm2_createprimary -C o -c "$T/prim.ctx"
check "tpm2_evictcontrol to 0x81000001" \
    tpm tpm2_evictcontrol -C o -c "$T/prim.ctx" 0x81000001
check "tpm2_pcrextend 8" tpm tpm2_pcrextend 8:sha256=$DIG
tpm2_pcrread sha256:8 > "$T/pcr-before" 2>&1
check "PCR 8 is extended" sh -c "grep -q '8 : 0x' '$T/pcr-before' && ! grep -q '8 : 0x0000000000000000' '$T/pcr-before'"
check "the log names TPM2_CC_NV_Write and its response code" \
    grep -q "TPM2_CC_NV_Write -> 0x000 TPM2_RC_SUCCESS" "$T/a.log"
check "the log names control commands" grep -q "CMD_SET_LOCALITY" "$T/a.log"

# An orderly restart: Shutdown(STATE) keeps the PCRs for Startup(STATE).
check "tpm2_shutdown (STATE)" tpm tpm2_shutdown
check "vtpm stops on SIGTERM" stop_vtpm a
check "... in order: the log says so and the image was closed" \
    sh -c "grep -q 'signal 15: stopping' '$T/a.log' && grep -q 'vtpm: stopped' '$T/a.log'"
check "vtpm restarts on the image" \
    start_vtpm b --tpmstate dir="$T/st" --flags not-need-init
check "tpm2_startup (STATE) after the restart" tpm tpm2_startup
tpm2_pcrread sha256:8 > "$T/pcr-after" 2>&1
check "PCR 8 survived Shutdown(STATE) + restart" cmp -s "$T/pcr-before" "$T/pcr-after"
check "NV index survived the restart" test "$(nvread 11)" = "first value"
tpm2_getcap handles-persistent > "$T/handles" 2>&1
check "persistent key survived the restart" grep -q 0x81000001 "$T/handles"

# kill -9 right after an acknowledged write.
printf 'second value' > "$T/v2"
check "tpm2_nvwrite a second value" tpm tpm2_nvwrite $IDX -C o -i "$T/v2"
check "kill -9 vtpm" stop_vtpm b KILL
check "vtpm restarts after kill -9" \
    start_vtpm c --tpmstate dir="$T/st" --flags not-need-init,startup-clear
check "the acknowledged write survived kill -9" test "$(nvread 12)" = "second value"
tpm2_getcap handles-persistent > "$T/handles" 2>&1
check "persistent key survived kill -9" grep -q 0x81000001 "$T/handles"
check "the persistent key still works (readpublic)" \
    tpm tpm2_readpublic -c 0x81000001
check "the log shows the startup-clear TPM2_Startup" \
    grep -q "TPM2_CC_Startup -> 0x000" "$T/c.log"
check "vtpm stops" stop_vtpm c

# The image through the tools: vnvram check (healthy) and the records.
check "vnvram check: the image is healthy" sh -c "'$VNVRAM' check '$T/st/tpm2-00.vnvram' >/dev/null"

# backend-uri=file:// on an image made by vnvram create --profile tpm2.
check "vnvram create --profile tpm2" sh -c "'$VNVRAM' create '$T/made.img' --profile tpm2 >/dev/null"
check "vtpm on backend-uri=file://" \
    start_vtpm d --tpmstate backend-uri=file://"$T/made.img" --flags not-need-init,startup-clear
check "tpm2_nvdefine on it" tpm tpm2_nvdefine $IDX -C o -s 8 -a "ownerread|ownerwrite"
check "vtpm stops" stop_vtpm d

# Refusals: an existing file that is not a healthy image is never formatted.
# Option errors: one line, try --help, exit 2.
opt_error() {
    "$VTPM" "$@" > /dev/null 2> "$T/opterr"
    test $? = 2 && grep -q "try --help" "$T/opterr" && test "$(wc -l < "$T/opterr")" = 1
}
refused() {   # refused NAME WHAT FILE ARGS...: vtpm exits 1 saying WHAT
    name=$1; what=$2; file=$3; shift 3
    sum=$(cksum < "$file")
    start_vtpm "$name" "$@" --flags not-need-init
    rc=$?
    test $rc = 1 && grep -q "$what" "$T/$name.err" &&
        test "$sum" = "$(cksum < "$file")" ||
        { echo "# rc=$rc: $(cat "$T/$name.err")"; return 1; }
}
head -c 100000 /dev/urandom > "$T/garbage.img"
check "garbage image: refused, unchanged" \
    refused r1 "not a healthy vNVRAM image" "$T/garbage.img" \
    --tpmstate backend-uri=file://"$T/garbage.img"
mkdir "$T/g"; cp "$T/garbage.img" "$T/g/tpm2-00.vnvram"
check "garbage file in dir=: refused, never formatted" \
    refused r2 "never formats an existing file" "$T/g/tpm2-00.vnvram" --tpmstate dir="$T/g"
mkdir "$T/z"; head -c 600000 /dev/zero > "$T/z/tpm2-00.vnvram"
check "blank file in dir=: refused, never formatted" \
    refused r3 "is not formatted" "$T/z/tpm2-00.vnvram" --tpmstate dir="$T/z"
check "dir= that does not exist: the image named, not a temporary file" \
    sh -c "! '$VTPM' socket --tpm2 --tpmstate dir=$T/no-such-dir --server type=tcp,port=1 2> '$T/nodir.err' &&
           grep -q \"cannot create the TPM image '$T/no-such-dir/tpm2-00.vnvram': No such file or directory\" '$T/nodir.err' &&
           test \$(wc -l < '$T/nodir.err') = 1"
# A full file system (a 256 KiB tmpfs, when we may mount one): the first
# start cannot make the image; the image is named and nothing is left.
mkdir "$T/full"
if mount -t tmpfs -o size=256K tmpfs "$T/full" 2> /dev/null; then
    "$VTPM" socket --tpm2 --tpmstate dir="$T/full" --server type=tcp,port=1 \
        2> "$T/full.err"
    rc=$?
    left=$(ls -A "$T/full")
    umount "$T/full"
    check "full disk: refused, the image named, nothing left behind" \
        sh -c "test $rc = 1 && test -z '$left' &&
               grep -q \"cannot create the TPM image '$T/full/tpm2-00.vnvram': .*No space left on device\" '$T/full.err' &&
               test \$(wc -l < '$T/full.err') = 1"
else
    ok "full disk # SKIP no tmpfs (needs root)"
fi
check "missing image with backend-uri: refused" \
    sh -c "! '$VTPM' socket --tpm2 --tpmstate backend-uri=file://$T/none.img --server type=tcp,port=1 2>/dev/null"

# Encryption: --key file=F (hex, swtpm's default format) and binary.
if "$VNVRAM" --help 2>&1 | grep -q key-file; then
    head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' > "$T/key.hex"
    head -c 32 /dev/urandom > "$T/wrong.bin"
    mkdir "$T/e"
    check "encrypted: vtpm creates an encrypted image with --key" \
        start_vtpm e1 --tpmstate dir="$T/e" --key file="$T/key.hex" --flags not-need-init,startup-clear
    check "encrypted: NV write" tpm tpm2_nvdefine $IDX -C o -s 8 -a "ownerread|ownerwrite"
    check "encrypted: stop" stop_vtpm e1
    check "encrypted: wrong key told apart from damage" \
        refused e2 "wrong key, not damage" "$T/e/tpm2-00.vnvram" \
        --tpmstate dir="$T/e" --key file="$T/wrong.bin",format=binary
    check "encrypted: no key: refused, says --key" \
        refused e3 "give its key with --key" "$T/e/tpm2-00.vnvram" --tpmstate dir="$T/e"
    check "encrypted: the right key opens it" \
        start_vtpm e4 --tpmstate dir="$T/e" --key file="$T/key.hex" --flags not-need-init,startup-clear
    check "encrypted: the NV index is there" tpm tpm2_nvreadpublic $IDX
    check "encrypted: stop" stop_vtpm e4

    # --key pwdfile=F[,kdf=pbkdf2|sha512]: swtpm's key from a passphrase.
    printf 'correct horse\n' > "$T/pw"
    printf 'correct horsE\n' > "$T/pw-wrong"
    PIMG="$T/p/tpm2-00.vnvram"
    mkdir "$T/p"
    check "pwdfile: vtpm creates an encrypted image from a passphrase" \
        start_vtpm p1 --tpmstate dir="$T/p" --key pwdfile="$T/pw" --flags not-need-init,startup-clear
    check "pwdfile: NV define" tpm tpm2_nvdefine $IDX -C o -s 8 -a "ownerread|ownerwrite"
    check "pwdfile: stop" stop_vtpm p1
    check "pwdfile: a wrong passphrase told apart from damage" \
        refused p2 "wrong key, not damage" "$PIMG" \
        --tpmstate dir="$T/p" --key pwdfile="$T/pw-wrong"
    check "pwdfile: kdf=sha512 derives another key" \
        refused p3 "wrong key, not damage" "$PIMG" \
        --tpmstate dir="$T/p" --key pwdfile="$T/pw",kdf=sha512
    # The derivation checked against an independent one (Python's hashlib):
    # the passphrase's key given as a hex key opens the image.
    python3 -c 'import hashlib, sys
print(hashlib.pbkdf2_hmac("sha512", open(sys.argv[1], "rb").read(),
                          b"swtpm", 1000, 32).hex())' "$T/pw" > "$T/pw.hex"
    check "pwdfile: the key is PBKDF2-HMAC-SHA512 (salt swtpm, 1000 rounds)" \
        start_vtpm p4 --tpmstate dir="$T/p" --key file="$T/pw.hex" --flags not-need-init,startup-clear
    check "pwdfile: the NV index is there" tpm tpm2_nvreadpublic $IDX
    check "pwdfile: stop" stop_vtpm p4
    # Damage with the right passphrase: not reported as a wrong key.
    for off in $(python3 -c 'import json, sys
e = json.load(sys.stdin)["entries"][0]
print(" ".join(str(c["offset"] + 64) for c in e["copies"]))' \
        < <("$VNVRAM" info --json "$PIMG")); do
        printf 'damage!!' | dd of="$PIMG" bs=1 seek="$off" conv=notrunc 2> /dev/null
    done
    damaged() {
        refused p5 "cannot load the TPM's permall" "$PIMG" \
            --tpmstate dir="$T/p" --key pwdfile="$T/pw" &&
            ! grep -q "wrong key" "$T/p5.err"
    }
    check "pwdfile: damage with the right passphrase is damage, not a wrong key" damaged
    # Without --log the refusal is told once on stderr (it was also logged
    # there, two or three times); libtpms' own lines aside.
    "$VTPM" socket --tpm2 --tpmstate dir="$T/p" --key pwdfile="$T/pw" \
        --server type=tcp,port=1 --flags not-need-init 2> "$T/p6.err"
    check "without --log, one failure is one line of vtpm's" \
        sh -c "test \$(grep -v '^libtpms/' '$T/p6.err' | wc -l) = 1 &&
               grep -q '^vtpm: .*cannot load the TPM.s permall' '$T/p6.err'"
    # With --log file=F, libtpms' own lines go to F as well (as swtpm's):
    # stderr keeps vtpm's one line.
    "$VTPM" socket --tpm2 --tpmstate dir="$T/p" --key pwdfile="$T/pw" \
        --server type=tcp,port=1 --flags not-need-init \
        --log file="$T/p7.log" 2> "$T/p7.err"
    check "with --log file=F, stderr is vtpm's one line, no libtpms lines" \
        sh -c "test \$(wc -l < '$T/p7.err') = 1 &&
               grep -q '^vtpm: .*cannot load the TPM.s permall' '$T/p7.err'"
    if grep -q '^libtpms/' "$T/p6.err"; then
        check "... and libtpms' lines are in F" grep -q '^libtpms/' "$T/p7.log"
    fi
    # ... and F has the failure once (libtpms asks for the blob twice),
    # naming the image and the reason.
    check "with --log file=F, one load failure is one line of F, image and reason" \
        sh -c "test \$(grep -v '^libtpms/' '$T/p7.log' | wc -l) = 1 &&
               grep -q \"vtpm: TPM not started: cannot load the TPM's permall from the image $PIMG: entry 'permall': \" '$T/p7.log'"
    check "pwdfile: kdf= without pwdfile=" opt_error socket --tpm2 --tpmstate dir="$T" --server port=1 --key file=/x,kdf=sha512
    check "pwdfile: format= with pwdfile=" opt_error socket --tpm2 --tpmstate dir="$T" --server port=1 --key pwdfile=/x,format=hex
fi

# --pid file=F writes through what is not a regular file: a rename would
# replace a symbolic link, a FIFO or a device by a regular file.
mkdir "$T/pidst"
: > "$T/pidtarget"
ln -s "$T/pidtarget" "$T/pl.pid"
check "--pid file=SYMLINK: vtpm starts" \
    start_vtpm pl --tpmstate dir="$T/pidst" --flags not-need-init
check "... the link is still a link, its target holds the pid" \
    sh -c "test -L '$T/pl.pid' && test \"\$(cat '$T/pidtarget')\" = \"\$(cat '$T/pl.pid')\" &&
           kill -0 \$(cat '$T/pidtarget')"
check "... stop" stop_vtpm pl
mkfifo "$T/pf.fifo"
timeout 20 cat "$T/pf.fifo" > "$T/pf.got" &   # bounded: vtpm may refuse to start
reader=$!
"$VTPM" socket --tpm2 --tpmstate dir="$T/pidst" --server type=unixio,path="$T/pf.sock" \
    --flags not-need-init --pid file="$T/pf.fifo" --daemon 2> "$T/pf.err"
rc=$?
wait $reader
fifo_pid=$(cat "$T/pf.got")
check "--pid file=FIFO: vtpm starts and writes its pid into the FIFO" \
    sh -c "test $rc = 0 && test -p '$T/pf.fifo' && kill -0 '$fifo_pid' 2> /dev/null"
test -n "$fifo_pid" && kill "$fifo_pid" 2> /dev/null
i=0
while [ $i -lt 250 ] && alive "$fifo_pid"; do sleep 0.02; i=$((i + 1)); done
check "... and stops" test -n "$fifo_pid" -a $i -lt 250
for a in --help --version "socket --help"; do
    # shellcheck disable=SC2086
    "$VTPM" $a > /dev/full 2> "$T/full.err"
    rc=$?
    check "$a > /dev/full: exit 2, one line" \
        sh -c "test $rc = 2 && test \$(wc -l < '$T/full.err') = 1 &&
               grep -q '^vtpm: writing to standard output: ' '$T/full.err'"
done

check "bad --server" opt_error socket --tpm2 --tpmstate dir="$T" --server type=udp,port=1
check "bad --flags" opt_error socket --tpm2 --tpmstate dir="$T" --server port=1 --flags bogus
check "bad --key mode" opt_error socket --tpm2 --tpmstate dir="$T" --server port=1 --key file=/x,mode=aes-cbc
check "unsupported backend-uri scheme" opt_error socket --tpm2 --tpmstate backend-uri=http://x --server port=1
check "not the socket interface" opt_error chardev --tpm2
check "an unknown option, by name" sh -c "! '$VTPM' socket --tpm2 --bogus 2> '$T/opterr'; grep -q \"unknown option '--bogus'\" '$T/opterr'"
check "an unknown option: one line" opt_error socket --tpm2 --bogus --tpmstate dir="$T"
check "an option without its value, by name" sh -c "! '$VTPM' socket --tpm2 --tpmstate 2> '$T/opterr'; grep -q \"option '--tpmstate' needs a value\" '$T/opterr'"
check "an option without its value: one line" opt_error socket --tpm2 --server port=1 --tpmstate
check "--version, as swtpm's" sh -c "'$VTPM' --version | grep -q '^vtpm (qvisit) ' && '$VTPM' socket --version | grep -q '^vtpm '"
finish
