#!/bin/bash
# tests/test-vtpm12.sh: vtpm as a TPM 1.2 (libtpms; `vtpm socket` without
# --tpm2, as swtpm): the image DIR/tpm-00.vnvram with the tpm12 profile,
# swtpm's own tools on both channels (swtpm_ioctl: CMD_INIT, CMD_SHUTDOWN;
# swtpm_bios: TPM_Startup, physical presence, enable, activate) and raw
# TPM 1.2 commands on the data channel: TPM_GetCapability(version), an
# endorsement key made with TPM_CreateEndorsementKeyPair and read back with
# TPM_ReadPubek after kill -9 and a restart.
. "${top_srcdir:-.}/tests/vtpm-lib.sh"
need swtpm_bios swtpm_ioctl python3
test -x "$VTPM" || { echo "Bail out! $VTPM not built"; exit 99; }
VTPM_TPM2=

# tpm12 HEX: send one TPM 1.2 command on the data channel, print the
# response in hex (the header's length says how much to read).
tpm12() {
    python3 - "$PORT" "$1" <<'EOF'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=60)
s.sendall(bytes.fromhex(sys.argv[2]))
rsp = b""
while len(rsp) < 6 or len(rsp) < struct.unpack(">I", rsp[2:6])[0]:
    chunk = s.recv(4096)
    if not chunk:
        break
    rsp += chunk
print(rsp.hex())
EOF
}
# rc_of HEX: the response code of a response (bytes 6..9)
rc_of() { echo "${1:12:8}"; }

NONCE=0102030405060708090a0b0c0d0e0f1011121314
# TPM_GetCapability(TPM_CAP_VERSION_VAL), no sub-capability
GETCAP_VERSION=00c100000012000000650000001a00000000
# TPM_CreateEndorsementKeyPair(nonce, RSA 2048, OAEP-SHA1, no signatures)
CREATE_EK=00c10000003600000078${NONCE}00000001000300010000000c000008000000000200000000
# TPM_ReadPubek(nonce)
READ_PUBEK=00c10000001e0000007c${NONCE}

mkdir "$T/st"
check "vtpm (TPM 1.2) starts on a new directory" \
    start_vtpm a --tpmstate dir="$T/st"
check "the image is DIR/tpm-00.vnvram" test -f "$T/st/tpm-00.vnvram"
check "swtpm_ioctl -i (CMD_INIT)" \
    swtpm_ioctl --tcp 127.0.0.1:$CTRLPORT -i
check "swtpm_bios: TPM_Startup, physical presence, enable, activate" \
    swtpm_bios --tcp 127.0.0.1:$PORT
check "swtpm_bios -n -ea: the TPM is activated" \
    swtpm_bios --tcp 127.0.0.1:$PORT -n -ea
rsp=$(tpm12 "$GETCAP_VERSION")
# TPM_CAP_VERSION_INFO: tag 0x0030, then version 1.2
check "TPM_GetCapability(TPM_CAP_VERSION_VAL) -> TPM_SUCCESS, version 1.2" \
    test "$(rc_of "$rsp")" = 00000000 -a "${rsp:28:8}" = 00300102
rsp=$(tpm12 "$CREATE_EK")
check "TPM_CreateEndorsementKeyPair -> TPM_SUCCESS" test "$(rc_of "$rsp")" = 00000000
pubek=$(tpm12 "$READ_PUBEK")
check "TPM_ReadPubek -> TPM_SUCCESS" test "$(rc_of "$pubek")" = 00000000
check "a length field that lies gets a TPM 1.2 error (TPM_BAD_PARAM_SIZE)" \
    test "$(tpm12 00c10000000400000065)" = 00c40000000a00000019
check "the log names the commands by number with their response codes" \
    grep -q "TPM command 0x00000078 -> 0x000$" "$T/a.log"

check "kill -9" stop_vtpm a KILL
check "vtpm restarts on the image" start_vtpm b --tpmstate dir="$T/st"
check "... without creating a new one" sh -c "! grep -q created '$T/b.log'"
check "swtpm_ioctl -i" swtpm_ioctl --tcp 127.0.0.1:$CTRLPORT -i
check "swtpm_bios -o: TPM_Startup(ST_CLEAR)" swtpm_bios --tcp 127.0.0.1:$PORT -o
check "TPM_ReadPubek: the endorsement key survived kill -9" \
    test "$(tpm12 "$READ_PUBEK")" = "$pubek"
check "swtpm_ioctl -s (CMD_SHUTDOWN): vtpm stops" \
    swtpm_ioctl --tcp 127.0.0.1:$CTRLPORT -s
pid=$(cat "$T/b.pid")
for i in $(seq 1 250); do alive "$pid" || break; sleep 0.02; done
check "... and exits" sh -c "! grep -qs . /proc/$pid/cmdline"
check "the image has vnvram's tpm12 profile (sizes, permall mirrored)" \
    sh -c "'$VNVRAM' info --json '$T/st/tpm-00.vnvram' | python3 -c '
import json, sys
e = {x[\"name\"]: x for x in json.load(sys.stdin)[\"entries\"]}
assert e[\"permall\"][\"policy\"] == \"mirror\", e
assert e[\"permall\"][\"capacity\"] >= 41024, e
assert e[\"volatilestate\"][\"policy\"] == \"alternate\", e'"
check "vnvram check: the image is healthy" \
    "$VNVRAM" check "$T/st/tpm-00.vnvram"
finish
