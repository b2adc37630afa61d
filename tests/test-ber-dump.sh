#!/bin/sh
# tests/test-ber-dump.sh: the ber-dump tool end to end (TAP-like output).
#
# Inputs (files, stdin, pipes, PEM, hex, --offset/--length, several files,
# concatenated values), exit codes on the compliance suite in BER and DER,
# agreement with `openssl asn1parse` on real certificates, no false
# diagnostics on the system's CA certificates, escaping and colour, deep
# nesting, a 1 GiB (sparse) file, JSON validity (with jq when present)
# and --schema labels.
set -u
top_builddir=${top_builddir:-.}
top_srcdir=${top_srcdir:-.}
BD="$top_builddir/tools/ber-dump"
COMPLI="$top_srcdir/tests/data/compli"
T=$(mktemp -d "${TMPDIR:-/tmp}/test-ber-dump.XXXXXX") || exit 99
trap 'rm -rf "$T"' EXIT INT TERM
. "$top_srcdir/tests/lib.sh"

skip() { n=$((n + 1)); echo "ok $n - # SKIP $1"; }
# a peer we compare against is missing: skipped, or a failure when
# QVISIT_REQUIRE_PEERS=1 (./quickstart check)
missing_peer() {
    if test "${QVISIT_REQUIRE_PEERS:-0}" = 1; then not_ok "$1 (required)"; else skip "$1"; fi
}
# run ARGS...: stdout in $T/out, stderr in $T/err, exit status in $rc
run() {
    "$BD" "$@" > "$T/out" 2> "$T/err"
    rc=$?
}
has() { grep -q -- "$1" "$T/out"; }

test -x "$BD" || { echo "Bail out! $BD not built"; exit 99; }

# ---- the compliance suite through the tool -------------------------------
if test -f "$COMPLI/EXPECTED.tsv"; then
    bad=0
    cases=0
    while IFS='	' read -r name type what expected; do
        case $name in ''|'#'*|case) continue ;; esac
        cases=$((cases + 1))
        run "$COMPLI/$name.ber"; ber=$rc; berr=$(cat "$T/err"); bout=$(cat "$T/out")
        run --der "$COMPLI/$name.ber"; der=$rc
        case $expected in
        ok) test $ber = 0 && test -z "$berr" || { echo "# $name: ber=$ber $berr"; bad=1; } ;;
        warning) test $ber = 0 && test -n "$berr" && test $der = 1 || { echo "# $name: ber=$ber der=$der"; bad=1; } ;;
        error) test $ber = 1 && test $der = 1 || { echo "# $name: ber=$ber der=$der"; bad=1; } ;;
        hex) test $ber = 0 && echo "$bout" | grep -q 0x || { echo "# $name: ber=$ber $bout"; bad=1; } ;;
        'warning|error') test -n "$berr" && test $der = 1 || { echo "# $name: ber=$ber der=$der"; bad=1; } ;;
        *) echo "# $name: unknown expectation $expected"; bad=1 ;;
        esac
    done < "$COMPLI/EXPECTED.tsv"
    check "compliance suite: all $cases outcomes (BER and --der exit codes)" test $bad = 0 -a $cases = 48

    # stdin, a pipe, several files, concatenation
    run < "$COMPLI/tc24.ber"
    check "stdin (redirected file)" test $rc = 0 -a -n "$(grep 'OBJECT IDENTIFIER' "$T/out")"
    cat "$COMPLI/tc24.ber" | "$BD" > "$T/out" 2>&1
    check "stdin (pipe)" grep -q 'OBJECT IDENTIFIER 2.10000.840.135119' "$T/out"
    run "$COMPLI/tc28.ber" "$COMPLI/tc29.ber" -
    check "several files, each under its own header" test "$(grep -c '^==> ' "$T/out")" = 3
    cat "$COMPLI/tc28.ber" "$COMPLI/tc29.ber" "$COMPLI/tc32.ber" > "$T/cat.ber"
    run "$T/cat.ber"
    check "concatenated values dumped one after another" test $rc = 0 -a "$(grep -c '^ *[0-9]*  2 ' "$T/out")" = 3
    run --single "$T/cat.ber"
    check "--single: a second value is trailing garbage" test $rc = 1
    run "$T/nonexistent"
    check "missing file: exit 2" test $rc = 2
    run --offset 100 "$COMPLI/tc28.ber"
    check "--offset past the end: exit 2" test $rc = 2
    run --bogus-option
    check "unknown option: exit 2" test $rc = 2
else
    check "compliance suite present at $COMPLI" false
fi

# ---- hex text, escaping, colour --------------------------------------------
echo "30 0A 02 01 05 0C 05 1B 5B 32 4A 07" > "$T/esc.hex"
run "$T/esc.hex"
check "hex text detected" grep -q 'INTEGER 5' "$T/out"
esc=$(printf '\033')
bel=$(printf '\007')
check "ESC and BEL never reach the output raw" test -z "$(grep "$esc\|$bel" "$T/out")"
check "escaped as \\x1B" grep -q '\\x1B\[2J\\x07' "$T/out"
run --color=always "$T/esc.hex"
check "--color=always colours" grep -q "$esc\[" "$T/out"
run "$T/esc.hex"
check "no colour when piped" test -z "$(grep "$esc" "$T/out")"
run --color=sometimes "$T/esc.hex"
check "bad --color: exit 2" test $rc = 2
echo "0x30, 0x03, 0x02, 0x01, 0xFF" > "$T/c.hex"
run "$T/c.hex"
check "hex text with 0x and commas" grep -q 'INTEGER -1' "$T/out"
echo "30 03 02 01" > "$T/odd.hex"
run --input=hex "$T/odd.hex"
check "truncated value from hex: exit 1" test $rc = 1
printf 'zz' > "$T/bad.hex"
run --input=hex "$T/bad.hex"
check "not hex with --input=hex: exit 2" test $rc = 2
echo "04 05 30 03 02 01 05" > "$T/enc.hex"
run "$T/enc.hex"
check "encapsulated BER shown as a subtree" test "$(grep -c 'INTEGER 5' "$T/out")" = 1 -a -n "$(grep encapsulates "$T/out")"
run --no-encapsulated "$T/enc.hex"
check "--no-encapsulated" test -z "$(grep 'INTEGER' "$T/out")"
echo "04 82 00 01 41" > "$T/nm.hex"
run "$T/nm.hex"
check "non-minimal length: warning, exit 0 in BER" test $rc = 0 -a -n "$(grep 'warning at 1' "$T/out")"
run --der "$T/nm.hex"
check "non-minimal length: error, exit 1 in DER" test $rc = 1 -a -n "$(grep 'error at 1' "$T/out")"

# ---- depth and size --------------------------------------------------------
awk 'BEGIN { for (i = 0; i < 100000; i++) printf "3080"; for (i = 0; i < 100000; i++) printf "0000"; print "" }' > "$T/deep.hex"
run "$T/deep.hex"
check "100,000 nested levels: no crash, one line per element" test $rc = 0 -a "$(wc -l < "$T/out")" = 200000
run --json "$T/deep.hex"
check "100,000 nested levels in JSON" test $rc = 0 -a "$(tail -c 4 "$T/out")" = "}]}"
printf '\004\204\077\377\377\372' > "$T/big.ber"
if dd if=/dev/null of="$T/big.ber" bs=1 seek=1073741824 2>/dev/null; then
    run "$T/big.ber"
    check "1 GiB file (sparse OCTET STRING): mapped, not read" test $rc = 0 -a -n "$(grep '1073741818   OCTET STRING' "$T/out")"
else
    skip "cannot create a sparse file"
fi

# ---- real certificates -----------------------------------------------------
if command -v openssl > /dev/null 2>&1 &&
   openssl req -x509 -newkey rsa:2048 -nodes -keyout "$T/k.pem" -out "$T/c.pem" \
       -subj "/CN=ber-dump.test/O=qvisit/C=DE" -days 2 \
       -addext "subjectAltName=DNS:a.example,IP:192.0.2.1" > /dev/null 2>&1 &&
   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
       -keyout "$T/k2.pem" -out "$T/c2.pem" -subj "/CN=ec.test" -days 2 > /dev/null 2>&1; then
    openssl x509 -in "$T/c.pem" -outform DER -out "$T/c.der"
    openssl x509 -in "$T/c2.pem" -outform DER -out "$T/c2.der"
    # openssl asn1parse lines -> offset depth hl length form class+tag
    cat > "$T/asn1parse.awk" <<'AWK'
BEGIN {
    split("EOC BOOLEAN INTEGER BIT_STRING OCTET_STRING NULL OBJECT OBJECT_DESCRIPTOR EXTERNAL REAL ENUMERATED x UTF8STRING x x x SEQUENCE SET NUMERICSTRING PRINTABLESTRING T61STRING VIDEOTEXSTRING IA5STRING UTCTIME GENERALIZEDTIME GRAPHICSTRING VISIBLESTRING GENERALSTRING UNIVERSALSTRING x BMPSTRING", u, " ")
    for (i in u) num[u[i]] = i - 1
}
{
    line = $0
    off = line; sub(/:.*/, "", off); off += 0
    d = line; sub(/.*d=/, "", d); sub(/ .*/, "", d)
    hl = line; sub(/.*hl=/, "", hl); sub(/ .*/, "", hl)
    l = line; sub(/.*l= */, "", l); sub(/ .*/, "", l)
    form = (line ~ /cons:/) ? "cons" : "prim"
    t = line; sub(/.*(cons|prim): /, "", t); sub(/ *\[HEX DUMP\]/, "", t); sub(/ *:.*/, "", t); sub(/ +$/, "", t)
    if (t ~ /^cont \[/) { gsub(/[^0-9]/, "", t); t = "c" t }
    else if (t ~ /^appl \[/) { gsub(/[^0-9]/, "", t); t = "a" t }
    else if (t ~ /^priv \[/) { gsub(/[^0-9]/, "", t); t = "p" t }
    else { gsub(/ /, "_", t); t = "u" num[t] }
    print off, d, hl, l, form, t
}
AWK
    same=0
    compared=0
    for c in "$T/c.der" "$T/c2.der" $(ls /etc/ssl/certs/*.pem 2>/dev/null | head -20); do
        case $c in *.pem) inform=PEM ;; *) inform=DER ;; esac
        "$BD" --flat --no-encapsulated "$c" > "$T/mine" 2>&1 || same=1
        openssl asn1parse -inform $inform -in "$c" 2>/dev/null | awk -f "$T/asn1parse.awk" > "$T/theirs"
        test -s "$T/theirs" || continue
        compared=$((compared + 1))
        cmp -s "$T/mine" "$T/theirs" || { same=1; echo "# $c"; diff "$T/mine" "$T/theirs" | head -5 | sed 's/^/# /'; }
    done
    check "structure agrees with openssl asn1parse ($compared certificates: RSA, EC, system CAs)" test $same = 0 -a $compared -ge 2
    run --der "$T/c.der" "$T/c2.der"
    check "generated certificates: no diagnostic in DER" test $rc = 0 -a ! -s "$T/err"
    run "$T/c.pem"
    "$BD" "$T/c.der" > "$T/der.out" 2>&1
    check "PEM armour detected, same tree as DER" cmp -s "$T/out" "$T/der.out"
    run --offset 4 --length 4 "$T/c.der"
    check "--offset/--length window: the header of the TBSCertificate" grep -q '^ *4  4 ' "$T/out"
    cat "$T/c.der" "$T/c2.der" > "$T/both.der"
    run "$T/both.der"
    check "two concatenated certificates" test $rc = 0 -a "$(grep -c '^ *[0-9]*  [0-9] *[0-9]* + SEQUENCE$' "$T/out")" -ge 2
    run "$T/c.der"
    check "encapsulated public key shown (BIT STRING > SEQUENCE)" grep -q '> *BIT STRING (encapsulates)' "$T/out"
else
    skip "openssl not available: certificate comparison"
fi

# Each diagnostic on a system CA certificate must be a true one: the only
# kind they have is keyUsage with trailing 0 bits (X.690 11.2.2), and
# dumpasn1 must flag the same certificates ("Spurious zero bits").
certs=0
bad=0
zero_ours=
zero_theirs=
for f in /etc/ssl/certs/*.pem /usr/share/ca-certificates/*/*.crt; do
    test -f "$f" || continue
    certs=$((certs + 1))
    "$BD" --der -q "$f" > "$T/out" 2>/dev/null
    if grep -q 'bit-string-trailing-zero' "$T/out"; then
        zero_ours="$zero_ours $(basename "$f" | sed 's/\.[a-z]*$//')"
    fi
    if grep -v '\[bit-string-trailing-zero\]$' "$T/out" | grep -q .; then
        bad=$((bad + 1)); echo "# $f: $(head -2 "$T/out")"
    fi
    case $f in /etc/ssl/certs/*) ;; *) continue ;; esac
    if command -v dumpasn1 > /dev/null 2>&1 && command -v openssl > /dev/null 2>&1 &&
       openssl x509 -in "$f" -outform DER -out "$T/ca.der" 2>/dev/null; then
        dumpasn1 "$T/ca.der" 2>/dev/null | grep -q 'Spurious zero bits' &&
            zero_theirs="$zero_theirs $(basename "$f" | sed 's/\.[a-z]*$//')"
    fi
done
if test $certs -gt 0; then
    check "$certs system CA certificates: no false diagnostic in DER" test $bad = 0
    if command -v dumpasn1 > /dev/null 2>&1 && command -v openssl > /dev/null 2>&1; then
        ours=$(echo $zero_ours | tr ' ' '\n' | sort -u | tr '\n' ' ')
        theirs=$(echo $zero_theirs | tr ' ' '\n' | sort -u | tr '\n' ' ')
        echo "# trailing 0 bits in keyUsage: ours: $ours; dumpasn1: $theirs"
        check "keyUsage trailing 0 bits flagged on the same certificates as dumpasn1" test "$ours" = "$theirs"
    else
        missing_peer "dumpasn1 or openssl not available: keyUsage cross-check"
    fi
else
    skip "no system CA certificates"
fi

if test -f /etc/ssl/certs/ca-certificates.crt; then
    run --flat /etc/ssl/certs/ca-certificates.crt
    blocks=$(grep -c -- '-----BEGIN' /etc/ssl/certs/ca-certificates.crt)
    check "a PEM bundle: all $blocks blocks decoded, dumped one after another" test $rc = 0 -a "$(grep -c ' 0 [0-9]* [0-9]* cons u16$' "$T/out")" = "$blocks"
else
    skip "no PEM bundle"
fi

# ---- JSON -------------------------------------------------------------------
if command -v jq > /dev/null 2>&1; then
    bad=0
    for f in "$COMPLI"/*.ber "$T"/*.hex "$T"/*.der "$top_srcdir"/fuzz/corpus/fuzz-ber-dump/*; do
        test -f "$f" || continue
        case $f in *deep.hex) continue ;; esac
        "$BD" --json "$f" 2>/dev/null | jq -e '.inputs' > /dev/null 2>&1 || { bad=1; echo "# invalid JSON for $f"; }
    done
    check "--json is valid JSON for every input (jq)" test $bad = 0
    "$BD" --json "$T/esc.hex" > "$T/out"
    check "--json value, name and depth fields" test "$(jq -r '.inputs[0].elements[0].children[0] | "\(.name) \(.value) \(.depth)"' "$T/out")" = "INTEGER 5 1"
else
    skip "jq not available: JSON validity (test-ber-dump checks it with json-c)"
fi

# ---- schema labels -----------------------------------------------------------
echo "30 3A 02 01 07 02 01 2A 0C 03 74 70 6D 30 1D 30 0B 02 01 01 02 01 02 A5 03 02 01 03 30 0E 02 01 04 02 01 05 02 01 06 A5 03 02 01 07 81 01 09 82 01 AB A3 08 30 06 02 01 01 01 01 FF" > "$T/dev.hex"
run --schema "$top_srcdir/tests/ber-dump-schema.asn" --type Device.DevState "$T/dev.hex"
check "--schema: exit 0" test $rc = 0
check "--schema labels fields (counter INTEGER 42)" grep -q 'counter INTEGER 42$' "$T/out"
check "--schema labels SEQUENCE OF items and optional fields" grep -q 'entries\[1\] SEQUENCE' "$T/out"
check "--schema: flags (OPTIONAL) only where present" test "$(grep -c 'flags INTEGER 6' "$T/out")" = 1
check "--schema: IMPLICIT CHOICE alternative decoded as its type" grep -q 'mode.level \[1\] 9$' "$T/out"
check "--schema: EXPLICIT tags unwrapped" grep -q ' b BOOLEAN TRUE' "$T/out"
run --schema "$top_srcdir/tests/ber-dump-schema.asn" --type Device.DevState "$T/deep.hex"
check "--schema on 100,000 levels that do not match it: one error" test $rc = 1 -a "$(wc -l < "$T/out")" = 200001 -a "$(grep -c '\[schema\]' "$T/out")" = 1
# a value that does not match the schema is an error naming the schema path
SCHEMA="$top_srcdir/tests/ber-dump-schema.asn"
echo "30 06 02 01 05 04 01 0f" > "$T/pair-bad.hex"
run --schema "$SCHEMA" --type Device.Pair "$T/pair-bad.hex"
check "--schema mismatch: exit 1, the schema path and what was found" test $rc = 1 -a -n "$(grep 'error at 5: schema: Device.Pair.b: expected BOOLEAN, found OCTET STRING \[schema\]' "$T/out")"
echo "30 06 02 01 05 01 01 ff" > "$T/pair-good.hex"
run --der --schema "$SCHEMA" --type Device.Pair "$T/pair-good.hex"
check "--schema match: exit 0" test $rc = 0 -a -n "$(grep ' b BOOLEAN TRUE' "$T/out")"
echo "30 03 02 01 05" > "$T/pair-short.hex"
run --schema "$SCHEMA" --type Device.Pair "$T/pair-short.hex"
check "--schema: a missing field is an error" test $rc = 1 -a -n "$(grep 'schema: Device.Pair.b: missing' "$T/out")"
echo "30 09 02 01 05 01 01 ff 02 01 01" > "$T/pair-long.hex"
run --schema "$SCHEMA" --type Device.Pair "$T/pair-long.hex"
check "--schema: an element past the last field is an error" test $rc = 1 -a -n "$(grep 'schema: Device.Pair: no further field for INTEGER' "$T/out")"
# a BIT STRING with named bits (known from the schema): no trailing 0 bits in DER
echo "30 08 03 02 05 A0 03 02 04 A0" > "$T/flags-good.hex"
run --der --schema "$SCHEMA" --type Device.Flags "$T/flags-good.hex"
check "--schema: named bit list without trailing 0 bits: exit 0" test $rc = 0
echo "30 08 03 02 04 A0 03 02 04 A0" > "$T/flags-bad.hex"
run --der --schema "$SCHEMA" --type Device.Flags "$T/flags-bad.hex"
check "--schema: named bit list with a trailing 0 bit: a DER error on ku only" test $rc = 1 -a "$(grep -c 'ku: named bit list with trailing 0 bits' "$T/out")" = 1 -a "$(grep -c 'bit-string-trailing-zero' "$T/out")" = 1
run --schema "$SCHEMA" --type Device.Flags "$T/flags-bad.hex"
check "--schema: ... and a warning in BER" test $rc = 0 -a -n "$(grep '! warning.*ku: named bit list' "$T/out")"
run --json --schema "$SCHEMA" --type Device.Pair "$T/pair-bad.hex"
check "--schema mismatch in JSON: counted and described" test $rc = 1 -a -n "$(grep '"code":"schema"' "$T/out")" -a -n "$(grep '"errors":1}' "$T/out")"
# libtasn1 agrees on each of them (asn1Decoding: tag errors, missing fields)
hex2bin() { for b in $(cat "$1"); do printf "\\$(printf %03o "0x$b")"; done; }
# agree_tasn1 TYPE PREFIX NAME:STATUS...: ber-dump exits STATUS on each
# $T/PREFIX-NAME.hex and asn1Decoding accepts exactly the ones it accepts;
# $agree is 1 when all hold
agree_tasn1() {
    type=$1 prefix=$2
    shift 2
    agree=1
    for c in "$@"; do
        hex2bin "$T/$prefix-${c%%:*}.hex" > "$T/tasn1.der"
        run --schema "$SCHEMA" --type "$type" "$T/tasn1.der"
        ours=$rc
        asn1Decoding "$SCHEMA" "$T/tasn1.der" "$type" > /dev/null 2>&1
        theirs=$?
        test $ours = ${c#*:} || agree=0
        if test $ours = 0; then test $theirs = 0 || agree=0; else test $theirs != 0 || agree=0; fi
    done
}
if command -v asn1Decoding > /dev/null 2>&1; then
    agree_tasn1 Device.Pair pair bad:1 good:0 short:1 long:1
    check "--schema verdicts agree with libtasn1's asn1Decoding" test $agree = 1
else
    missing_peer "asn1Decoding (libtasn1-bin) not available: schema verdicts against libtasn1"
fi
# a constructed time (BER) is shown with its joined value and reading:
# on its line when definite, after its segments when indefinite
echo "37 11 04 06 32 36 31 31 32 36 04 07 31 38 35 36 30 39 5a" > "$T/ctime.hex"
run "$T/ctime.hex"
check "constructed UTCTime: joined value and reading on its line" test $rc = 0 -a -n "$(grep '+ UTCTime \"261126185609Z\" (2026-11-26 18:56:09 UTC)$' "$T/out")"
echo "38 80 24 80 04 04 32 30 32 36 00 00 04 0b 31 33 30 31 30 38 30 32 35 35 5a 00 00" > "$T/ctime-bad.hex"
sed 's/31 33 30 31 30 38/31 32 30 31 30 38/' "$T/ctime-bad.hex" > "$T/ctime-indef.hex"
run "$T/ctime-indef.hex"
check "indefinite constructed GeneralizedTime: '= value (reading)' after its segments" test $rc = 0 -a "$(tail -n 1 "$T/out" | sed 's/^ *//')" = '= "20261201080255Z" (2026-12-01 08:02:55 UTC)'
run "$T/ctime-bad.hex"
check "constructed GeneralizedTime of month 13: error at 0, no reading" test $rc = 1 -a -n "$(grep 'error at 0: GeneralizedTime: impossible date or time of day \[time-value\]' "$T/out")" -a -z "$(grep '^ *= ' "$T/out")"
# SET (Device.Attrs): members in any order in BER, in tag order in DER
# (10.3), every required member present, none twice; the error names the
# schema path, at the offset of the SET (missing) or of the duplicate
echo "31 0d 80 01 05 81 01 ff a4 05 80 03 01 00 01" > "$T/set-good.hex"
echo "31 0d a4 05 80 03 01 00 01 80 01 05 81 01 ff" > "$T/set-order.hex"
echo "31 0a 80 01 05 a4 05 80 03 01 00 01" > "$T/set-missing.hex"
echo "31 08 80 01 05 81 01 ff a4 00" > "$T/set-inner.hex"
echo "31 10 80 01 05 81 01 ff 80 01 06 a4 05 80 03 01 00 01" > "$T/set-dup.hex"
run --der --schema "$SCHEMA" --type Device.Attrs "$T/set-good.hex"
check "--schema SET in tag order: DER exit 0" test $rc = 0 -a -n "$(grep 'x \[0\] 65537' "$T/out")"
run --schema "$SCHEMA" --type Device.Attrs "$T/set-order.hex"
check "--schema SET members in another order: BER exit 0, labelled" test $rc = 0 -a -n "$(grep ' a \[0\] 5$' "$T/out")" -a -n "$(grep ' b \[1\] TRUE$' "$T/out")"
run --der --schema "$SCHEMA" --type Device.Attrs "$T/set-order.hex"
check "--schema SET members in another order: DER error at 9 (not tag order)" test $rc = 1 -a -n "$(grep 'error at 9: DER: SET elements are not in ascending order' "$T/out")"
run --schema "$SCHEMA" --type Device.Attrs "$T/set-missing.hex"
check "--schema SET without a required member: error at 0 naming it" test $rc = 1 -a -n "$(grep 'error at 0: schema: Device.Attrs.b: missing \[schema\]' "$T/out")" -a "$(grep -c '\[schema\]' "$T/out")" = 1
run --schema "$SCHEMA" --type Device.Attrs "$T/set-inner.hex"
check "--schema inner SET without its member: error at 8" test $rc = 1 -a -n "$(grep 'error at 8: schema: Device.Attrs.e.x: missing \[schema\]' "$T/out")"
run --schema "$SCHEMA" --type Device.Attrs "$T/set-dup.hex"
check "--schema SET member twice: error at 8" test $rc = 1 -a -n "$(grep 'error at 8: schema: Device.Attrs.a: the SET has this member already \[schema\]' "$T/out")"
# libtasn1 agrees on the SET verdicts but one: asn1Decoding accepts a SET
# without a required member (its decoder leaves the SET when its length is
# used up and drops the members not seen), which X.680 does not allow
if command -v asn1Decoding > /dev/null 2>&1; then
    agree_tasn1 Device.Attrs set good:0 order:0 dup:1
    check "--schema SET verdicts agree with asn1Decoding (in order, any order, duplicate)" test $agree = 1
    for c in missing inner; do
        hex2bin "$T/set-$c.hex" > "$T/set.der"
        asn1Decoding "$SCHEMA" "$T/set.der" Device.Attrs > /dev/null 2>&1
        echo "# asn1Decoding on set-$c (a required member missing): exit $? (ber-dump: 1)"
    done
else
    missing_peer "asn1Decoding (libtasn1-bin) not available: SET verdicts against libtasn1"
fi
run --schema "$top_srcdir/tests/ber-dump-schema.asn" --type Device.Nope "$T/dev.hex"
check "--schema with an unknown type: exit 2" test $rc = 2

# ---- an NVRAM image of this project ------------------------------------------
if test -x "$top_builddir/tools/vnvram"; then
    if "$top_builddir/tools/vnvram" create "$T/nv.img" --profile tpm2 > /dev/null 2>&1; then
        run --der -q "$T/nv.img"
        check "an NVRAM image (vnvram create --profile tpm2) is valid DER" test $rc = 0 -a ! -s "$T/out"
        run --der "$T/nv.img"
        check "NVRAM image: header magic shown" grep -q 'UTF8String "qemu-nvram"' "$T/out"
    else
        skip "vnvram could not create an image"
    fi
else
    skip "tools/vnvram not built"
fi

# ---- usage, options, OID names, presentation ---------------------------------
run --bogus
check "an unknown option: one line naming it and 'try --help', exit 2" test $rc = 2 -a "$(wc -l < "$T/err")" = 1 -a -n "$(grep "unknown option --bogus; try 'ber-dump --help'" "$T/err")" -a ! -s "$T/out"
run -x
check "an unknown short option: one line" test $rc = 2 -a "$(wc -l < "$T/err")" = 1
run --offset
check "a missing argument: one line" test $rc = 2 -a -n "$(grep -- '--offset needs an argument' "$T/err")"
conflicts=0
for args in "--flat --json" "-c -d" "-b -c" "-j -q" "--flat -q" "--json=nested"; do
    run $args /dev/null
    test $rc = 2 -a "$(wc -l < "$T/err")" = 1 && grep -q "try 'ber-dump --help'" "$T/err" || { conflicts=1; echo "# $args: rc=$rc $(cat "$T/err")"; }
done
check "conflicting options are one-line errors (--flat --json, -c -d, -j -q, ...)" test $conflicts = 0
run -d -d --json=tree "$COMPLI/tc28.ber"
check "the same option twice, --json=tree: fine" test $rc = 0
run --help
check "--help says which OID table is in use" grep -q '^OID names: .* built in' "$T/out"
echo "06 09 2A 86 48 86 F7 0D 01 05 0D 06 08 2A 86 48 86 F7 0D 02 09 06 03 55 1D 14 06 09 2B 06 01 05 05 07 30 01 02 06 08 2A 86 48 86 F7 0D 03 07" > "$T/oids.hex"
run "$T/oids.hex"
check "names for PBES2, hmacWithSHA256, cRLNumber, ocspNonce, des-ede3-cbc" test "$(grep -ci '(pkcs5PBES2)$\|(hmacWithSHA256)$\|(cRLNumber)$\|(ocspNonce)$\|(des-ede3-cbc)$' "$T/out")" = 5
if test -f /etc/dumpasn1/dumpasn1.cfg; then
    echo "06 03 55 04 48" > "$T/role.hex"    # 2.5.4.72 role: not built in
    run "$T/role.hex"
    check "names from /etc/dumpasn1/dumpasn1.cfg (2.5.4.72 role)" grep -q '2.5.4.72 (role)' "$T/out"
    run --help
    check "--help counts the dumpasn1.cfg names" grep -q 'OID names: [0-9]* from /etc/dumpasn1/dumpasn1.cfg' "$T/out"
else
    missing_peer "/etc/dumpasn1/dumpasn1.cfg (dumpasn1) not installed: system OID names"
fi
printf '# ours\nOID = 1 3 6 1 4 1 99999 1\nComment = test\nDescription = firstName\n\nOID = 06 03 55 04 03\nDescription = theCN\n' > "$T/a.cfg"
printf 'OID = 1 3 6 1 4 1 99999 1\nDescription = secondName\n' > "$T/b.cfg"
echo "30 10 06 09 2B 06 01 04 01 86 8D 1F 01 06 03 55 04 03" > "$T/my.hex"
run --oid-file "$T/a.cfg" "$T/my.hex"
check "--oid-file: names from a dumpasn1.cfg file (arcs and hex forms)" test -n "$(grep '1.3.6.1.4.1.99999.1 (firstName)' "$T/out")" -a -n "$(grep '2.5.4.3 (theCN)' "$T/out")"
run --oid-file "$T/a.cfg" --oid-file "$T/b.cfg" --json "$T/my.hex"
check "--oid-file repeated: the later file wins (and JSON oid_name)" grep -q '"oid_name":"secondName"' "$T/out"
printf 'OID = 1 x 3\nDescription = bad\n' > "$T/bad.cfg"
run --oid-file "$T/bad.cfg" "$T/my.hex"
check "--oid-file with a malformed OID: exit 2, file and line named" test $rc = 2 -a -n "$(grep 'bad.cfg:1: malformed OID' "$T/err")"
echo "30 03 02 01 5" > "$T/odd.hex"
run "$T/odd.hex"
check "an odd number of hex digits is reported at the lone digit" test $rc = 2 -a -n "$(grep 'the digit at offset 12 has no second digit' "$T/err")"
run --json "$T/odd.hex" "$T/nonexistent" "$T" "$COMPLI/tc28.ber"
if command -v jq > /dev/null 2>&1; then
    check "--json: inputs that fail are in \"inputs\" with their error" test "$(jq -r '.inputs | map(.error // "ok") | join("|")' "$T/out")" = "odd number of hex digits: the digit at offset 12 has no second digit|No such file or directory|is a directory|ok"
else
    check "--json: inputs that fail are in \"inputs\" with their error" test "$(grep -o '"error":' "$T/out" | wc -l)" = 3
fi
# the tree form of times and short BIT STRINGs
echo "30 15 18 0F 32 30 32 36 31 32 30 31 30 38 30 32 35 35 5A 03 02 05 A0" > "$T/readable.hex"
run "$T/readable.hex"
check "times are shown readably, short BIT STRINGs as bits" test -n "$(grep '"20261201080255Z" (2026-12-01 08:02:55 UTC)' "$T/out")" -a -n "$(grep "BIT STRING '101'B" "$T/out")"
# 100,000 levels: the flat JSON form stays shallow for jq and Python
if command -v python3 > /dev/null 2>&1; then
    "$BD" --json=flat "$T/deep.hex" > "$T/flat.json" 2>/dev/null
    check "--json=flat of 100,000 levels: Python's json reads it, parents and depths right" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
e = d["inputs"][0]["elements"]
by = {x["offset"]: x for x in e}
ok = len(e) == 200000 and all(x["parent"] is None if x["depth"] == 0 else by[x["parent"]]["depth"] == x["depth"] - 1 for x in e)
sys.exit(0 if ok and max(x["depth"] for x in e) == 100000 else 1)' "$T/flat.json"
    "$BD" --json "$T/deep.hex" 2>/dev/null | python3 -c 'import json, sys; json.load(sys.stdin)' > /dev/null 2>&1
    check "... while the nested --json of it is too deep for Python (why --json=flat exists)" test $? != 0
else
    missing_peer "python3 not available: flat JSON depth check"
fi
# PEM bundles: a marker where each block starts; encrypted keys said so
if command -v openssl > /dev/null 2>&1 && test -f "$T/c.pem"; then
    openssl genrsa -aes128 -passout pass:x -traditional -out "$T/enc.pem" 1024 2>/dev/null ||
        openssl genrsa -aes128 -passout pass:x -out "$T/enc.pem" 1024 2>/dev/null
    cat "$T/c.pem" "$T/enc.pem" "$T/c.pem" > "$T/bundle.pem"
    run "$T/bundle.pem"
    check "PEM bundle: a marker at each block" test "$(grep -c '^-- PEM block [13] of 3: CERTIFICATE (line [0-9]*) --$' "$T/out")" = 2
    if grep -q 'Proc-Type: 4,ENCRYPTED' "$T/enc.pem"; then
        check "an encrypted PEM key is said to be encrypted, not decoded" test $rc = 1 -a -n "$(grep 'PEM block 2 (RSA PRIVATE KEY, line [0-9]*) is encrypted (Proc-Type: 4,ENCRYPTED): not shown \[pem-encrypted\]' "$T/out")"
    else
        skip "openssl wrote no traditional encrypted key"
    fi
    if grep -q 'Proc-Type: 4,ENCRYPTED' "$T/enc.pem"; then
        run "$T/enc.pem"
        check "an encrypted PEM key alone: that one error, exit 1" test $rc = 1 -a "$(grep -c '^! error' "$T/out")" = 1 -a -n "$(grep 'PEM block 1 (RSA PRIVATE KEY, line 1) is encrypted' "$T/out")"
    fi
    run --flat "$T/c.pem"
    check "a single PEM block: no marker" test -z "$(grep -- '^-- PEM' "$T/out")"
else
    missing_peer "openssl not available: PEM bundle markers"
fi

# counts name their noun in the singular for 1, the plural otherwise
printf '\002\001\001\000' > "$T/trail1.der"
run --single "$T/trail1.der"
check "--single: 1 octet of trailing data (singular)" \
    grep -q '^! error at 3: 1 octet of trailing data after the value \[trailing-garbage\]$' "$T/out"
printf '\002\001\001\000\000' > "$T/trail2.der"
run --single "$T/trail2.der"
check "--single: 2 octets of trailing data (plural)" \
    grep -q '^! error at 3: 2 octets of trailing data after the value' "$T/out"
printf '\036\001\000' > "$T/bmp1.der"
run "$T/bmp1.der"
check "a BMPString of 1 octet (singular)" \
    grep -q 'BMPString of 1 octet is not a multiple of 2 \[bmp-string\]' "$T/out"
printf '\002' > "$T/one.der"
run --offset 2 "$T/one.der"
check "--offset past the end of a 1-octet file (singular)" \
    grep -q 'is past the end (1 octet)$' "$T/err"

# a failed write of standard output is an error: one line, exit 2
if test -w /dev/full; then
    printf '\002\001\001' > "$T/int.der"
    for a in --help --version "$T/int.der"; do
        "$BD" "$a" > /dev/full 2> "$T/err"
        rc=$?
        check "$(basename -- "$a") > /dev/full: exit 2, one line naming standard output" \
            sh -c "test $rc = 2 && test \$(wc -l < '$T/err') = 1 && grep -q '^ber-dump: writing to standard output: ' '$T/err'"
    done
else
    skip "/dev/full is not writable"
fi

echo "1..$n"
test $failed = 0
